"""DMAs as the lowering records them, and instructions made with their dependency flags.

Tiled programs are mostly DMAs (nine in ten instructions of a ResNet-18 training step), so
the emitter does not build one checked `Load` or `Store` per DMA while lowering:
`Emitter.dma` (compiler/lower/emit.py) keeps each one's fields as a tuple, `Recorded` checks
them all at once against the ISA's field limits and hands them to the hazard scan as arrays
(compiler/lower/hazards.py), and `dma_maker` makes each instruction once, with the flags the
token derivation gives it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from operator import itemgetter
from typing import NamedTuple

import numpy as np

from chip.isa import DEP_FIELDS, ROW_BITS, Instr, Load, Loc, Mem, Store, max_value
from chip.machine.token_kernel import POP_NEXT, POP_PREV, PUSH_NEXT, PUSH_PREV

# the `Instr` field of each dependency flag bit of the token derivation
DEP_BITS = ((POP_PREV, "pop_prev"), (POP_NEXT, "pop_next"), (PUSH_PREV, "push_prev"),
             (PUSH_NEXT, "push_next"))  # fmt: skip


class Recorded(NamedTuple):
    """The DMAs `Emitter.dma` recorded: their indices in the instruction list, their fields
    but the memory (an (n, 7) array in `Emitter.dma`'s tuple order) and their memories."""

    at: np.ndarray
    fields: np.ndarray
    mem: tuple[Mem, ...]

    @classmethod
    def of(cls, instrs: list[Instr | tuple]) -> Recorded | None:
        """The recorded DMAs of ``instrs``; None when one holds a value its instruction's
        constructor would not take as is (a type or range `well_typed` refuses): making
        them by the constructor then raises or normalizes as it does for every other."""
        at = [i for i, x in enumerate(instrs) if type(x) is tuple]
        if not at:
            return cls(np.zeros(0, np.int64), np.zeros((0, 7), np.int64), ())
        records = list(map(instrs.__getitem__, at))
        # a column at a time (`zip(*records)` of a quarter of a million records costs
        # several times more)
        *ints, mem = (list(map(itemgetter(k), records)) for k in range(len(_RECORD_FIELDS)))
        for name, column in zip(_RECORD_FIELDS, ints, strict=False):
            kinds = set(map(type, column))
            if kinds - ({bool} if name in ("transpose", "load") else {int}):
                return None
        fields = np.array([np.fromiter(c, np.int64, len(at)) for c in ints]).T
        low, high = fields.min(axis=0), fields.max(axis=0)
        for k, name in enumerate(_RECORD_FIELDS[:6]):
            if low[k] < 0 or high[k] > _RECORD_LIMITS[name]:
                return None
        return cls(np.array(at, dtype=np.int64), fields, tuple(mem))


# `Emitter.dma`'s tuple, and the largest value of each numeric field either instruction holds
_RECORD_FIELDS = ("dram", "rows", "cols", "stride", "transpose", "row", "load", "mem")
_RECORD_LIMITS = {
    **{n: min(max_value(Load, n), max_value(Store, n)) for n in _RECORD_FIELDS[:4]},
    "transpose": 1,
    "row": (1 << ROW_BITS) - 1,
}
# a DMA's dependency flags for each token bit pattern, in `DEP_BITS` order
_DEPS = [tuple(bool(f & bit) for bit, _ in DEP_BITS) for f in range(16)]
_LOAD_NAMES = tuple(f.name for f in fields(Load))
_STORE_NAMES = tuple(f.name for f in fields(Store))
assert tuple(name for _, name in DEP_BITS) == DEP_FIELDS
assert _LOAD_NAMES == (*DEP_FIELDS, "dram", "dst", "rows", "cols", "stride", "transpose")
assert _STORE_NAMES == (*DEP_FIELDS, "dram", "src", "rows", "cols", "stride", "transpose")


def dma_maker() -> Callable[[tuple, int], Instr]:
    """A function making the instructions of recorded DMAs whose fields `Recorded.of`
    checked, with their dependency flags, as their constructor would but without repeating
    its checks; DMAs of the same rows share one `Loc`. (A closure: a finished program calls
    it for nine in ten instructions, and a call of an instance's ``__call__`` costs more.)"""
    # per memory, by row; SPAD and ACC by identity, ahead of the dictionary lookup
    locs: dict[Mem, dict[int, Loc]] = {m: {} for m in Mem}
    spad, acc = locs[Mem.SPAD], locs[Mem.ACC]
    deps = _DEPS

    def make(record: tuple, flags: int) -> Instr:
        dram, rows, cols, stride, transpose, row, load, mem = record
        by_row = spad if mem is SPAD else acc if mem is ACC else locs[mem]
        loc = by_row.get(row)
        if loc is None:
            loc = by_row[row] = Loc(mem, row)
        pop_prev, pop_next, push_prev, push_next = deps[flags]
        # A frozen dataclass's fields are its __dict__; a dict display is the cheapest way
        # to build one (the names are `_LOAD_NAMES` and `_STORE_NAMES`, checked above).
        out = _new(Load if load else Store)
        values = {
            "pop_prev": pop_prev, "pop_next": pop_next, "push_prev": push_prev,
            "push_next": push_next, "dram": dram, "dst" if load else "src": loc, "rows": rows,
            "cols": cols, "stride": stride, "transpose": transpose,
        }  # fmt: skip
        _set(out, "__dict__", values)
        return out

    return make


_new, _set = object.__new__, object.__setattr__
SPAD, ACC = Mem.SPAD, Mem.ACC


def made(record: tuple) -> Instr:
    """The instruction of a recorded DMA, by its constructor."""
    dram, rows, cols, stride, transpose, row, load, mem = record
    if load:
        return Load(
            dram=dram, dst=Loc(mem, row), rows=rows, cols=cols, stride=stride, transpose=transpose
        )
    return Store(
        dram=dram, src=Loc(mem, row), rows=rows, cols=cols, stride=stride, transpose=transpose
    )


def with_flags(ins: Instr, flags: int) -> Instr:
    """``ins`` with its dependency flags (`DEP_BITS`) set. The flags are plain booleans, so
    this skips the full field validation `Instr.with_deps` repeats."""
    if not flags:
        return ins
    out = object.__new__(type(ins))  # a frozen dataclass's fields are its __dict__
    values = out.__dict__
    values.update(ins.__dict__)
    for bit, name in DEP_BITS:
        values[name] = bool(flags & bit)
    return out
