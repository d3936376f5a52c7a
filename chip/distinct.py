"""A program's distinct instructions and their footprints, found once per live program.

Tiled programs repeat instructions exactly (a ResNet-50 training step at batch 8: 422k
instructions, 196k distinct), and what depends only on an instruction (its footprint, its timing
plan, its action counts) is computed once per distinct one. Finding them hashes every
instruction, a frozen dataclass of up to a dozen fields, which costs about as much as planning
them: so it is done once per program and shared by the machine's timing
(chip/machine/engine.py) and the action counts (chip/actions.py).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np

from chip.footprint import Footprint, Footprints
from chip.isa import Instr
from chip.program import Program, Tag


@dataclass(frozen=True, slots=True)
class Distinct:
    """``instrs``: the program's distinct instructions in order of first occurrence; instruction
    i of the program equals ``instrs[index[i]]`` (``index`` as int64, ``index_list`` the same
    as Python ints). The distinct instructions among the first n are ``instrs[:max(index[:n]) +
    1]``, since each is numbered at its first occurrence."""

    instrs: tuple[Instr, ...]
    index: np.ndarray
    index_list: list[int]


@dataclass(frozen=True, slots=True)
class Tags:
    """``tags``: the program's distinct tags in order of first occurrence; instruction i has
    the tag ``tags[of[i]]`` (``of`` as int64). As with `Distinct`, the tags of the first n
    instructions are ``tags[:max(of[:n]) + 1]``."""

    tags: tuple[Tag, ...]
    of: np.ndarray


# Programs are unhashable (they hold arrays), so the caches are keyed by identity; an entry is
# dropped when its program is collected, so a recycled id never finds another program's entry.
_DISTINCT: dict[int, Distinct] = {}
_FOOTPRINTS: dict[int, list[Footprint]] = {}
_TAGS: dict[int, Tags] = {}


def distinct_of(program: Program) -> Distinct:
    """The distinct instructions of ``program`` (computed once per live program)."""
    key = id(program)
    found = _DISTINCT.get(key)
    if found is None:
        seen: dict[Instr, int] = {}
        index = [seen.setdefault(ins, len(seen)) for ins in program.instrs]
        found = _DISTINCT[key] = Distinct(tuple(seen), np.array(index, dtype=np.int64), index)
        weakref.finalize(program, _DISTINCT.pop, key, None)
    return found


def footprints_of(program: Program, count: int) -> list[Footprint]:
    """The footprints of the first ``count`` distinct instructions of ``program`` (computed
    once per live program and extended on demand). An instruction without a footprint (a link
    instruction) raises `TypeError`, so callers that refuse those check them first."""
    key = id(program)
    found = _FOOTPRINTS.get(key)
    if found is None:
        found = _FOOTPRINTS[key] = []
        weakref.finalize(program, _FOOTPRINTS.pop, key, None)
    if len(found) < count:
        of = Footprints(program.config).of
        found.extend(map(of, distinct_of(program).instrs[len(found) : count]))
    return found[:count]


def tags_of(program: Program) -> Tags:
    """The tags of ``program``'s instructions, numbered (computed once per live program).
    They come in runs of one object, and each run's tag is hashed once: a tag's hash is a
    Python call (its phase is an enum) and programs have hundreds of thousands of them."""
    key = id(program)
    found = _TAGS.get(key)
    if found is None:
        tags = program.tags
        n = len(tags)
        ids = np.fromiter(map(id, tags), dtype=np.uint64, count=n)
        starts = np.ones(n, dtype=bool)
        np.not_equal(ids[1:], ids[:-1], out=starts[1:])
        numbers: dict[Tag, int] = {}
        first = np.flatnonzero(starts).tolist()
        run_number = [numbers.setdefault(tags[i], len(numbers)) for i in first]
        of = np.array(run_number, dtype=np.int64)[np.cumsum(starts) - 1]
        found = _TAGS[key] = Tags(tuple(numbers), of)
        weakref.finalize(program, _TAGS.pop, key, None)
    return found
