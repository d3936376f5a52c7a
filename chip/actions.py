"""A program's actions, counted per tag from its instructions' footprints.

What an instruction does (its MACs, PE slots, bytes by memory and direction, vector element
operations by class, tokens, its issue) does not depend on when it runs or on the data, so the
counts of a whole program are read off its footprints once (`chip.footprint.actions`) and cached
per program. The machine adds them to each tag's `Counters` (both fidelities, the same counts),
the runtime's untimed models read them the same way, and the energy model prices them
(chip/energy.py). Halt, and anything after it, runs on no unit and counts nothing.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping

import numpy as np

from chip.counters import Counters
from chip.distinct import distinct_of, footprints_of, tags_of
from chip.footprint import ACTIONS, Action, Traffic, action_counts
from chip.isa import Halt
from chip.program import Program, Tag

_BYTES = {Traffic(a.value.removesuffix("_byte")): a for a in Action if a.value.endswith("_byte")}
# Programs are unhashable (they hold arrays), so the cache is keyed by identity; an entry is
# dropped when its program is collected, so a recycled id never finds another program's counts.
_CACHE: dict[int, dict[Tag, dict[Action, int]]] = {}


def actions_by_tag(program: Program) -> Mapping[Tag, Mapping[Action, int]]:
    """Counts of every `Action` per tag (every kind present, zeros included); computed once
    per live program."""
    key = id(program)
    cached = _CACHE.get(key)
    if cached is None:
        cached = _CACHE[key] = _count(program)
        weakref.finalize(program, _CACHE.pop, key, None)
    return cached


def _count(program: Program) -> dict[Tag, dict[Action, int]]:
    found = distinct_of(program)
    index = found.index
    # what runs: the instructions before the first halt (a footprint without a unit)
    n = next((i for i, ins in enumerate(found.instrs) if isinstance(ins, Halt)), None)
    if n is not None:
        halts = np.flatnonzero(index == n)
        index = index[: halts[0]]
    if not index.size:
        return {}
    # the counts of each distinct instruction, one column per action, then summed per tag
    counts = action_counts(footprints_of(program, int(index.max()) + 1))
    numbered = tags_of(program)
    tag_of = numbered.of[: index.size]
    tags = numbered.tags[: int(tag_of.max()) + 1]
    per_tag = np.zeros((len(tags), len(ACTIONS)), dtype=np.int64)
    np.add.at(per_tag, tag_of, counts[index])
    return {t: dict(zip(ACTIONS, map(int, per_tag[k]), strict=True)) for k, t in enumerate(tags)}


def layer_counts(program: Program) -> dict[Tag, tuple[int, int]]:
    """Per tag, (useful MACs, minimal DRAM bytes) from the program's layer table
    (`chip.program.LayerInfo`). A program without one (hand-written) counts every MAC its
    instructions compute as useful and has no minimal DRAM traffic to bound it by."""
    if program.layers:
        return {t: (i.useful_macs, i.min_dram_bytes) for t, i in program.layers.items()}
    return {t: (acts[Action.MAC], 0) for t, acts in actions_by_tag(program).items()}


def static_counters(program: Program) -> dict[Tag, Counters]:
    """Per-tag counters of a model without time (the functional model): MACs, instructions,
    bytes and actions from the footprints, no cycles (``timed`` is False)."""
    cfg = program.config
    useful = layer_counts(program)
    return {
        tag: Counters(
            macs=acts[Action.MAC],
            useful_macs=useful.get(tag, (0, 0))[0],
            min_dram_bytes=useful.get(tag, (0, 0))[1],
            instructions=acts[Action.ISSUE],
            rows=cfg.rows,
            cols=cfg.cols,
            bytes={t: acts[a] for t, a in _BYTES.items()},
            actions=dict(acts),
            timed=False,
        )
        for tag, acts in actions_by_tag(program).items()
    }
