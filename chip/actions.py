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

from chip.counters import Counters
from chip.footprint import Action, Footprints, Traffic, actions
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
    footprints = Footprints(program.config)
    per_tag: dict[Tag, dict[Action, int]] = {}
    seen: dict[object, dict[Action, int]] = {}  # instructions repeat: count each kind once
    for ins, tag in zip(program.instrs, program.tags, strict=True):
        counts = seen.get(ins)
        if counts is None:
            fp = footprints.of(ins)
            if fp.unit is None:
                break
            counts = seen[ins] = actions(fp)
        into = per_tag.get(tag)
        if into is None:
            into = per_tag[tag] = dict.fromkeys(Action, 0)
        for a, n in counts.items():
            into[a] += n
    return per_tag


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
