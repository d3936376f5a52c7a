"""The hazard scan of a program in program order: for each instruction, the latest earlier
instruction of each other queue that it conflicts with (reads what that one writes, or writes
what it reads or writes), found from what every instruction touches.

The compiler's token derivation (compiler/lower/emit.py) orders exactly these pairs. The scan
is one numba loop over flat arrays of accesses (instructions' footprints, chip/footprint.py,
measured in units: on-chip rows, or DRAM in units of some bytes): per access, a Python loop
would spend more on a few NumPy calls than the scan spends on its units.

Access ``k`` touches units of space ``space[k]`` (an index into the tables) by its ``kind``:

- `RANGE`: every unit of [lo, hi);
- `GRID`: ``a`` runs of ``c`` units, each ``b`` units after the previous, from ``lo`` (the
  column block of a matrix); [lo, hi) is its span;
- `LISTED`: the ``b`` units ``lo + pool[a : a + b]``; [lo, hi) is their span (accesses of
  one shape at different addresses share their entries of the pool).

An access with ``hi <= lo`` touches nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

import numba
import numpy as np

RANGE, GRID, LISTED = 0, 1, 2

# Units are kept in blocks of `BLOCK`: a block wholly inside an access is checked by its
# summary and marked by its tag, so a long range costs a visit per block, not per unit.
SHIFT = 4
BLOCK = 1 << SHIFT


@numba.njit(cache=True, inline="always")
def _scan(table, blocks, q, write, check, mark, need, i, u) -> None:
    """With ``check``, fold unit ``u``'s latest conflicting instructions into ``need[i]``;
    then, with ``mark`` > 0, mark it (the entries checked are other queues' than the one
    marked, so one visit may do both). Its entries are the larger of its own and its
    block's tag."""
    blk = u >> SHIFT
    if check:
        for x in range(3):
            if x == q:
                continue
            v = table[0, x, u]
            if blocks[0, 0, x, blk] > v:
                v = blocks[0, 0, x, blk]
            if write:
                if table[1, x, u] > v:
                    v = table[1, x, u]
                if blocks[0, 1, x, blk] > v:
                    v = blocks[0, 1, x, blk]
            if v - 1 > need[i, x]:
                need[i, x] = v - 1
    if mark:
        k = 0 if write else 1
        table[k, q, u] = mark
        blocks[1, k, q, blk] = mark


@numba.njit(cache=True, inline="always")
def _whole(blocks, q, write, check, mark, need, i, blk) -> None:
    """`_scan` of every unit of block ``blk`` at once, by its summary and its tag."""
    if check:
        for x in range(3):
            if x == q:
                continue
            v = blocks[1, 0, x, blk]
            if write and blocks[1, 1, x, blk] > v:
                v = blocks[1, 1, x, blk]
            if v - 1 > need[i, x]:
                need[i, x] = v - 1
    if mark:
        k = 0 if write else 1
        blocks[0, k, q, blk] = mark
        blocks[1, k, q, blk] = mark


@numba.njit(cache=True, inline="always")
def _span(table, blocks, q, write, check, mark, need, i, lo, hi) -> None:
    """Units [lo, hi): the blocks wholly inside by `_whole`, the others' units by `_scan`."""
    whole_lo = (lo + BLOCK - 1) >> SHIFT
    whole_hi = hi >> SHIFT
    if whole_lo >= whole_hi:
        for u in range(lo, hi):
            _scan(table, blocks, q, write, check, mark, need, i, u)
        return
    for u in range(lo, whole_lo << SHIFT):
        _scan(table, blocks, q, write, check, mark, need, i, u)
    for blk in range(whole_lo, whole_hi):
        _whole(blocks, q, write, check, mark, need, i, blk)
    for u in range(whole_hi << SHIFT, hi):
        _scan(table, blocks, q, write, check, mark, need, i, u)


@numba.njit(cache=True)
def _visit(table, blocks, q, write, check, mark, need, i, kind, lo, hi, a, b, c, pool) -> None:
    """Every unit of one access, through `_span`."""
    if kind == RANGE:
        _span(table, blocks, q, write, check, mark, need, i, lo, hi)
    elif kind == GRID:
        for line in range(a):
            start = lo + line * b
            _span(table, blocks, q, write, check, mark, need, i, start, start + c)
    else:
        for j in range(a, a + b):
            _scan(table, blocks, q, write, check, mark, need, i, lo + pool[j])


@numba.njit(cache=True)
def latest_conflicts(
    queue, first, space, kind, lo, hi, write, a, b, c, pool, t0, t1, t2, b0, b1, b2
):  # fmt: skip
    """``need[i, x]``: the latest instruction of queue ``x`` (not ``queue[i]``) before ``i``
    that instruction ``i`` conflicts with, -1 for none. Instruction ``i``'s accesses are
    ``first[i]`` to ``first[i + 1]`` (exclusive) of the access arrays (module docstring).
    ``t0``, ``t1``, ``t2``: zeroed int32 tables (written/read, queue, unit) for spaces 0, 1
    and 2, each with a unit for every unit the accesses touch, and ``b0``, ``b1``, ``b2``
    their zeroed block tables (`tables` makes all six); the unit tables end holding, per
    unit, 1 + the latest instruction of each queue that wrote and that read it, where a mark
    of the unit alone set it (marks of whole blocks go to the block table)."""
    n = queue.shape[0]
    need = np.full((n, 3), -1, dtype=np.int64)
    for i in range(n):
        q = queue[i]
        # every access is checked before any is marked: an instruction never orders itself;
        # an access alone in its space (a DMA's DRAM block) is checked and marked in one
        # visit of its units, which halves the traffic through the large DRAM table
        for second in (False, True):
            for k in range(first[i], first[i + 1]):
                if hi[k] <= lo[k]:
                    continue
                s = space[k]
                alone = True
                for other in range(first[i], first[i + 1]):
                    if other != k and space[other] == s and hi[other] > lo[other]:
                        alone = False
                if alone and second:
                    continue
                check = alone or not second
                mark = i + 1 if alone or second else 0
                table = t0 if s == 0 else t1 if s == 1 else t2
                blocks = b0 if s == 0 else b1 if s == 1 else b2
                _visit(
                    table, blocks, q, write[k], check, mark, need, i, kind[k], lo[k], hi[k],
                    a[k], b[k], c[k], pool,
                )  # fmt: skip
    return need


def tables(units: Sequence[int]) -> list[np.ndarray]:
    """`latest_conflicts`'s zeroed tables for spaces of ``units`` units each: the unit tables,
    per (written, read) x queue x unit, then their block tables, per (tag, summary) x
    (written, read) x queue x block. A unit's entry is the larger of its own and its block's
    tag; the summary is the largest entry of the block's units. Marks only grow (1 + the
    instruction, in program order), so marking a whole block sets its tag and summary
    alone. (NumPy's zeros are pages the OS hands out zeroed as they are first written: the
    scan pays only for the units it marks, where numba's zeros would write the whole block
    table of a DRAM space. Each (written/read, queue) entry has a plane of its own, so the
    entries no access of a space marks, four of DRAM's six (only loads read it, only stores
    write it), are only read: their pages stay the OS's one shared page of zeros, and the
    DRAM tables cost a third of the memory they would with a unit's entries side by side.)"""
    unit_tables = [np.zeros((2, 3, u), dtype=np.int32) for u in units]
    blocks = [np.zeros((2, 2, 3, (u + BLOCK - 1) >> SHIFT), dtype=np.int32) for u in units]
    return unit_tables + blocks


def warm_up() -> None:
    """Compile (or load from the disk cache) `latest_conflicts` for the arrays the compiler
    passes: int64 vectors, int32 tables."""
    one = np.zeros(1, dtype=np.int64)
    latest_conflicts(one, np.zeros(2, dtype=np.int64), *[one] * 9, *tables([1, 1, 1]))
