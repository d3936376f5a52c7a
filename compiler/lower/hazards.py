"""What the token derivation needs of a program: each instruction's queue and kind, and the
hazards between queues, found by one scan (chip/machine/hazard_kernel.py) of everything each
instruction touches (chip/footprint.py says what): on-chip rows, and DRAM in units of
`DRAM_UNIT` bytes.
"""

from __future__ import annotations

from itertools import chain
from operator import attrgetter
from typing import NamedTuple

import numpy as np

from chip.config import ChipConfig
from chip.footprint import ACC, DRAM, QUEUE_INDEX, SPAD, DramBlock, Footprints, dram_spans
from chip.isa import Instr, Load, Matmul, Mem, Preload, Store
from chip.machine.hazard_kernel import GRID, LISTED, RANGE, latest_conflicts, tables
from chip.machine.token_kernel import MATMUL, OTHER, PRELOAD
from compiler.lower.dma_records import Recorded

L, E, S = 0, 1, 2  # queue indices, as chip.footprint.QUEUES numbers them

# DRAM hazards are tracked in units of this many bytes; tensors are aligned to it, so two
# tensors never share a unit.
DRAM_UNIT = 64


class Grid(NamedTuple):
    """DRAM units of a strided block as a grid: ``lines`` runs of ``width`` units, each
    ``step`` units after the previous (``width <= step``)."""

    lines: int
    step: int
    width: int


Units = Grid | np.ndarray | None


class DramAccesses(NamedTuple):
    """Every DRAM access of a finished program, in program order: the `DramBlock` fields of
    each (an (n, 6) int64 array), whether it writes, and the index of its instruction."""

    blocks: np.ndarray
    write: np.ndarray
    instr: np.ndarray


class Hazards:
    """What the token derivation (chip/machine/token_kernel.py) needs of a program: each
    instruction's queue and kind, and the hazards between queues (`conflicts`)."""

    def __init__(self, config: ChipConfig, dram_bytes: int) -> None:
        self.config = config
        self._footprints = Footprints(config)
        # DRAM units of the hazard scan's tables at least (`conflicts`; zeros: the pages of
        # units no instruction touches are never written)
        self._dram_top = -(-dram_bytes // DRAM_UNIT) + 1
        # DRAM units of a DMA block by its geometry and address within a unit (see `accesses`)
        self._dram_units: dict[tuple, tuple[int, np.ndarray | None]] = {}

    def conflicts(
        self, instrs: list[Instr | tuple], recorded: Recorded
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, DramAccesses]:
        """The queue of each of ``instrs`` (in program order), its kind (the token kernel's
        `PRELOAD`, `MATMUL` or `OTHER`), the latest earlier instruction of each other queue
        it conflicts with (-1: none; an (n, 3) array), by index in ``instrs``, and their DRAM
        accesses (instructions by index in ``instrs``). The conflicts come from
        one scan (chip/machine/hazard_kernel.py) of everything each touches (chip/footprint.py
        says what): on-chip rows, and DRAM in units of `DRAM_UNIT` bytes. A strided DMA
        block that leaves some units of its span untouched (a column block of a matrix)
        touches a `GRID` of them when its lines start a whole number of units apart, else
        the `LISTED` units. ``instrs`` may hold DMAs as `Emitter.dma` records them,
        ``recorded`` their fields.

        Tiled programs are mostly DMAs: their accesses are computed on arrays of their
        fields (`_DmaFields`); every other instruction's come from its footprint."""
        n = len(instrs)
        types = list(map(type, instrs))
        classes = list(dict.fromkeys(types))
        code = {cls: k for k, cls in enumerate(classes)}
        codes = np.fromiter(map(code.__getitem__, types), np.int64, n)
        # (a recorded DMA's class is `tuple`: its queue is set below)
        queue = np.array([_queue(c) for c in classes], np.int64)[codes]
        queue[recorded.at] = np.where(recorded.fields[:, 6] != 0, L, S)
        kinds = [PRELOAD if c is Preload else MATMUL if c is Matmul else OTHER for c in classes]
        kind = np.array(kinds, np.int64)[codes]
        dmas = _DmaFields.of(instrs, codes, code, self._footprints, recorded)
        # every other instruction's accesses: (instruction, index in it, Access fields)
        other: list[tuple] = []
        count = np.zeros(n, dtype=np.int64)
        count[dmas.instr] = 2
        accesses = self._footprints.accesses
        # equal instructions touch the same things, and a tiled program repeats its few
        # distinct execute instructions (a tile's PRELOAD and MATMUL per block) many times
        known: dict[Instr, tuple] = {}
        for i in np.flatnonzero(count == 0).tolist():
            ins = instrs[i]
            found = known.get(ins)
            if found is None:
                found = known[ins] = accesses(ins)
            count[i] = len(found)
            other += [(i, k, *a) for k, a in enumerate(found)]
        first = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(count, out=first[1:])
        fields = np.zeros((8, int(first[-1])), dtype=np.int64)  # the kernel's, per access
        # a load's DRAM access comes first, a store's second (`Footprints.accesses`)
        load = dmas.load.astype(np.int64)
        chip_at = first[dmas.instr] + load
        onchip = (dmas.space, RANGE, dmas.row, dmas.row + dmas.block[:, 1], load)
        for f, v in enumerate(onchip):
            fields[f, chip_at] = v
        top = [self.config.spad_rows, self.config.acc_rows, self._dram_top]
        for space in (SPAD, ACC):
            ends = onchip[3][dmas.space == space]
            if ends.size:
                top[space] = max(top[space], int(ends.max()))
        dram = _DramList(first[dmas.instr] + 1 - load, dmas.instr, dmas.block, ~dmas.load)
        if other:
            dram = self._other_accesses(other, first, fields, top, dram)
        dram = dram.in_order()
        pool = self._dram_fields(dram, fields, top)
        need = latest_conflicts(queue, first, *fields, pool, *tables(top))
        return queue, kind, need, DramAccesses(dram.block, dram.write, dram.instr)

    def _other_accesses(
        self, other: list[tuple], first: np.ndarray, fields: np.ndarray, top: list[int],
        dram: _DramList,
    ) -> _DramList:  # fmt: skip
        """Enter the accesses ``other`` of instructions that are not DMAs, (instruction,
        index in it, `Access` fields) each, into ``fields`` and ``top``; returns ``dram``
        with their DRAM accesses added."""
        blocks = []
        spots = []
        onchip = []  # (instruction, index in it, space, lo, hi, write)
        for i, k, space, lo, hi, write, block in other:
            if space != DRAM:
                onchip.append((i, k, space, lo, hi, write))
            else:
                blocks.append(block)
                spots.append((int(first[i]) + k, i, write))
        if onchip:
            i, k, space, lo, hi, write = np.array(onchip, dtype=np.int64).T
            at = first[i] + k
            fields[0, at], fields[1, at], fields[2, at] = space, RANGE, lo
            fields[3, at], fields[4, at] = hi, write
            for s in (SPAD, ACC):
                ends = hi[space == s]
                if ends.size:
                    top[s] = max(top[s], int(ends.max()))
        if not blocks:
            return dram
        spot = np.array(spots, dtype=np.int64).reshape(-1, 3)
        block = np.array(blocks, dtype=np.int64).reshape(-1, len(DramBlock._fields))
        return _DramList(
            np.concatenate([dram.at, spot[:, 0]]),
            np.concatenate([dram.instr, spot[:, 1]]),
            np.concatenate([dram.block, block]),
            np.concatenate([dram.write, spot[:, 2] != 0]),
        )

    def _dram_fields(self, dram: _DramList, fields: np.ndarray, top: list[int]) -> np.ndarray:
        """Enter the DRAM accesses ``dram`` (in program order) into ``fields`` and ``top``;
        returns the pool of the `LISTED` ones' units, from the first unit of their span. A
        block's units depend on its address only through its first unit and the offset
        within it; tiled programs repeat a few block shapes many times, each worked out once
        and listed once in the pool."""
        lo = dram.block[:, 0]
        hi = dram_spans(*dram.block.T)
        unit = lo // DRAM_UNIT
        offset = lo - unit * DRAM_UNIT
        shapes, where, which = distinct_rows(np.column_stack([offset, dram.block[:, 1:]]))
        m = len(shapes)
        mode, reach, a, b, c = (np.zeros(m, dtype=np.int64) for _ in range(5))
        listed: list[np.ndarray] = []
        units_at = 0  # where the next listed shape's units start in the pool
        extent = hi[where] - lo[where]
        for s, key in enumerate(map(tuple, shapes.tolist())):
            known = self._dram_units.get(key)
            if known is None:
                span = -(-(key[0] + int(extent[s])) // DRAM_UNIT)
                known = (span, _dram_units(DramBlock(*key[:4], bool(key[4]), key[5]), span))
                self._dram_units[key] = known
            span, units = known
            if units is None:
                mode[s], reach[s] = RANGE, span
            elif type(units) is Grid:
                mode[s], reach[s] = GRID, units.lines * units.step
                a[s], b[s], c[s] = units
            else:
                mode[s], reach[s], a[s], b[s] = LISTED, span, units_at, len(units)
                listed.append(units)
                units_at += len(units)
        end = unit + reach[which]
        mode_of = mode[which]
        fields[0, dram.at] = DRAM
        fields[1, dram.at] = mode_of
        fields[2, dram.at] = unit
        fields[3, dram.at] = end
        fields[4, dram.at] = dram.write
        fields[5, dram.at] = a[which]
        fields[6, dram.at] = b[which]
        fields[7, dram.at] = c[which]
        if end.size:
            top[DRAM] = max(top[DRAM], int(end.max()))
        return np.concatenate(listed) if listed else np.zeros(0, dtype=np.int64)


def distinct_rows(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`np.unique(keys, axis=0, return_index=True, return_inverse=True)` with the distinct
    rows in some order: a sort of the columns, several times faster than NumPy's sort of
    whole rows."""
    if not len(keys):
        empty = np.zeros(0, dtype=np.int64)
        return keys, empty, empty
    order = np.lexsort(_packed_columns(keys))
    ranked = keys[order]
    new = np.ones(len(keys), dtype=bool)
    new[1:] = (ranked[1:] != ranked[:-1]).any(axis=1)
    which = np.empty(len(keys), dtype=np.int64)
    which[order] = np.cumsum(new) - 1
    where = order[new]
    return keys[where], where, which


def _packed_columns(keys: np.ndarray) -> list[np.ndarray]:
    """Columns equal for two rows exactly when the integer ``keys``' rows are: each column
    less its smallest value, several packed into one int64 where their ranges' bits fit (a
    sort costs a pass per column; a program's DMA fields span few bits but the addresses)."""
    low, high = keys.min(axis=0).tolist(), keys.max(axis=0).tolist()
    packed: list[np.ndarray] = []
    used = _PACK_BITS + 1  # bits of the last packed column (none yet)
    for j, (lo, hi) in enumerate(zip(low, high, strict=True)):
        bits = (hi - lo).bit_length()
        if bits > _PACK_BITS:  # a column of its own, as it is
            packed.append(keys[:, j])
            used = _PACK_BITS + 1
        elif used + bits <= _PACK_BITS:
            packed[-1] = (packed[-1] << bits) | (keys[:, j] - lo)
            used += bits
        else:
            packed.append(keys[:, j] - lo)
            used = bits
    return packed


_PACK_BITS = 62  # bits of a packed column (an int64, kept non-negative)


class _DramList(NamedTuple):
    """DRAM accesses: each one's index among all accesses, its instruction's, its
    `DramBlock` fields (a row of an (n, 6) array) and whether it writes."""

    at: np.ndarray
    instr: np.ndarray
    block: np.ndarray
    write: np.ndarray

    def in_order(self) -> _DramList:
        order = np.argsort(self.at, kind="stable")
        return _DramList(*(x[order] for x in self))


class _DmaFields(NamedTuple):
    """The LOADs and STOREs of a program as arrays, in program order: each one's index, its
    `DramBlock` fields (an (n, 6) array), whether it loads, and its on-chip space and first
    row."""

    instr: np.ndarray
    block: np.ndarray
    load: np.ndarray
    space: np.ndarray
    row: np.ndarray

    @classmethod
    def of(
        cls,
        instrs: list[Instr | tuple],
        codes: np.ndarray,
        code: dict[type, int],
        footprints: Footprints,
        recorded: Recorded,
    ) -> _DmaFields:
        parts = []
        if len(recorded.at):
            # each memory view's element size and space, looked up by its index in `Mem`
            views = list(Mem)
            index = {m: k for k, m in enumerate(views)}
            which = np.fromiter(map(index.__getitem__, recorded.mem), np.int64, len(recorded.at))
            size = np.array([footprints.size[m] for m in views], np.int64)[which]
            space = np.array([SPAD if m is Mem.SPAD else ACC for m in views], np.int64)[which]
            block = np.column_stack([recorded.fields[:, :5], size])
            load = recorded.fields[:, 6] != 0
            parts.append((recorded.at, block, load, space, recorded.fields[:, 5]))
        for ins_cls, loc in ((Load, "dst"), (Store, "src")):
            idx = np.flatnonzero(codes == code.get(ins_cls, -1))
            chosen = [instrs[i] for i in idx.tolist()]
            get = attrgetter("dram", "rows", "cols", "stride", "transpose", f"{loc}.row")
            flat = np.fromiter(chain.from_iterable(map(get, chosen)), np.int64, 6 * len(chosen))
            flat = flat.reshape(-1, 6)
            mems = list(map(attrgetter(f"{loc}.mem"), chosen))
            # each memory view's element size, and the space it lies in (the fp32 view
            # of the accumulator is its rows)
            size = np.fromiter(map(footprints.size.__getitem__, mems), np.int64, len(mems))
            space = np.fromiter((SPAD if m is Mem.SPAD else ACC for m in mems), np.int64, len(mems))
            block = np.column_stack([flat[:, :5], size])
            load = np.full(len(idx), ins_cls is Load)
            parts.append((idx, block, load, space, flat[:, 5]))
        joined = [np.concatenate(x) for x in zip(*parts, strict=True)]
        order = np.argsort(joined[0], kind="stable")
        return cls(*(x[order] for x in joined))


def _queue(cls: type) -> int:
    """The queue of an instruction class (-1 for the records of `Emitter.dma`)."""
    return -1 if cls is tuple else QUEUE_INDEX[cls.QUEUE]


def _dram_units(block, span: int) -> Units:
    """The units a DMA block at ``block.addr`` < `DRAM_UNIT` touches, of the ``span`` units
    from 0 its bytes span: None when it touches all of them, a `Grid` when its lines start
    a whole number of units apart, else their array."""
    width, step = (
        (block.rows * block.size, block.stride)
        if block.transpose
        else (block.cols * block.size, block.stride)
    )
    lines = block.cols if block.transpose else block.rows
    per_line = -(-(block.addr + width) // DRAM_UNIT)
    grid = not (step % DRAM_UNIT or per_line > step // DRAM_UNIT)
    if grid and not (lines < 2 or step <= width or span <= lines):
        # line k touches units [k * step, k * step + per_line) (in units), all distinct:
        # `_strided_units`'s answer without listing them
        return None if lines * per_line >= span else Grid(lines, step // DRAM_UNIT, per_line)
    units = _strided_units(block, 0, span)
    if units is None or not grid:
        return units
    return Grid(lines, step // DRAM_UNIT, per_line)


def _strided_units(block, first: int, end: int) -> np.ndarray | None:
    """The `DRAM_UNIT` units a DMA block touches when they are fewer than its span's
    [first, end) (strided lines, each shorter than the stride), else None."""
    if block is None:
        return None
    # the block's DRAM lines: rows, or with transpose the columns (one element per row each)
    lines, width, step = (
        (block.cols, block.rows * block.size, block.stride)
        if block.transpose
        else (block.rows, block.cols * block.size, block.stride)
    )
    if lines < 2 or step <= width or end - first <= lines:
        return None
    starts = block.addr + np.arange(lines, dtype=np.int64) * step
    lo = starts // DRAM_UNIT
    n = int(-(-(width + DRAM_UNIT - 1) // DRAM_UNIT))  # units one line can touch
    grid = lo[:, None] + np.arange(n, dtype=np.int64)[None, :]
    grid = grid[grid * DRAM_UNIT < (starts + width)[:, None]]
    units = np.unique(grid)
    return units if units.size < end - first else None
