"""Instruction emission: collect instructions with their tags, derive the dependency tokens.

The lowering writes instructions in program order without thinking about tokens. `Emitter`
derives them from what each instruction reads and writes (scratchpad rows, accumulator rows,
DRAM bytes), so the decoupled machine (load, execute and store queues running concurrently)
computes exactly what program order computes, with no more waiting than the hazards need.
Double buffering therefore falls out of buffer allocation: a load into a slot the execute
queue is not reading proceeds while the array computes.

Token model (VTA/Gemmini): four FIFO channels, load->execute, execute->load, execute->store and
store->execute. ``push_X`` sends a token when the instruction completes; ``pop_X`` waits for one
before the instruction starts; the k-th pop on a channel consumes the k-th push. We rely on each
queue completing its instructions in order, so a token from instruction ``a`` proves every
earlier instruction of ``a``'s queue complete too. Hazards inside one queue are the machine's
(in-order) business. Load and store queues are not adjacent: a hazard between them is relayed
by the execute queue (its latest instruction if that follows the producer, otherwise a
one-element vector SET on the reserved sync row is inserted).

Both steps run over the whole program in numba: the hazard scan (chip/machine/hazard_kernel.py)
over flat arrays of every instruction's accesses, then the token rules
(chip/machine/token_kernel.py) over the hazards it finds.
"""

from __future__ import annotations

from itertools import chain
from typing import NamedTuple

import numpy as np

from chip.config import ChipConfig
from chip.footprint import DRAM, QUEUE_INDEX, DramBlock, Footprints
from chip.isa import Halt, Instr, Matmul, Preload, Vec, VecOp, acc
from chip.machine.hazard_kernel import GRID, LISTED, RANGE, latest_conflicts
from chip.machine.token_kernel import (
    MATMUL,
    OTHER,
    POP_NEXT,
    POP_PREV,
    PRELOAD,
    PUSH_NEXT,
    PUSH_PREV,
    derive_tokens,
)
from chip.program import Phase, Tag

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


def sync_row(config: ChipConfig) -> int:
    """The accumulator row reserved for token-relay instructions (the last one)."""
    return config.acc_rows - 1


class DramAccesses(NamedTuple):
    """Every DRAM access of a finished program, in program order: the `DramBlock` fields of
    each (an (n, 6) int64 array), whether it writes, and the index of its instruction."""

    blocks: np.ndarray
    write: np.ndarray
    instr: np.ndarray


class Emitted(NamedTuple):
    """What `Emitter.finish` returns: the instructions with their tokens and a final halt,
    their tags, and their DRAM accesses (found while deriving the tokens; the layer table
    counts the bytes each tag moves from them)."""

    instrs: list[Instr]
    tags: list[Tag]
    dram: DramAccesses


class Emitter:
    """Program-order instruction list with tags; `finish` derives the tokens.

    Contract: `emit` appends one instruction (without dependency flags) tagged with the current
    ``tag``; `finish` returns the instructions with their tokens and a final `Halt`, such that
    any schedule the token rules allow computes what program order computes. Emitting only
    records: the residency plan's first lowering pass (compiler/lower/program.py) is never
    finished, so it pays nothing for tokens.
    """

    def __init__(self, config: ChipConfig, dram_bytes: int) -> None:
        self.config = config
        self.tag = Tag("program", Phase.FORWARD)
        self._dram_bytes = dram_bytes
        self._instrs: list[Instr] = []
        self._tags: list[Tag] = []
        self.relays = 0  # token-relay instructions `finish` inserted

    def __len__(self) -> int:
        return len(self._instrs)

    def emit(self, ins: Instr) -> None:
        """Append ``ins`` (its dependency flags must be clear) with the current tag."""
        if isinstance(ins, Halt):
            raise ValueError("the emitter appends the halt itself in finish()")
        self._instrs.append(ins)
        self._tags.append(self.tag)

    def drop(self, spans: list[tuple[int, int]]) -> None:
        """Remove the instructions of the [first, end) ``spans`` (in order, disjoint)."""
        if not spans:
            return
        instrs, tags = [], []
        at = 0
        for first, end in spans:
            instrs += self._instrs[at:first]
            tags += self._tags[at:first]
            at = end
        self._instrs = instrs + self._instrs[at:]
        self._tags = tags + self._tags[at:]

    def finish(self) -> Emitted:
        """The instructions with their dependency flags (relays inserted), ending in a halt."""
        tokens = _Tokens(self.config, self._dram_bytes)
        queue, kind, need, dram = tokens.conflicts(self._instrs)
        source, flags = derive_tokens(queue, need, kind, bool(self.config.double_buffer_stationary))
        instrs, tags = self._instrs, self._tags
        out: list[Instr] = []
        out_tags: list[Tag] = []
        for j, f in zip(source.tolist(), flags.tolist(), strict=True):
            if j >= 0:
                out.append(_with_flags(instrs[j], f) if f else instrs[j])
                out_tags.append(tags[j])
            else:  # a relay before instruction -1 - j, of its tag
                out.append(_with_flags(tokens.sync, f))
                out_tags.append(tags[-1 - j])
        self.relays = len(out) - len(instrs)
        final = np.flatnonzero(source >= 0)  # where each instruction went
        out.append(Halt())
        out_tags.append(self.tag)
        return Emitted(out, out_tags, dram._replace(instr=final[dram.instr]))


# the `Instr` field of each dependency flag bit of the token derivation
_DEP_BITS = ((POP_PREV, "pop_prev"), (POP_NEXT, "pop_next"), (PUSH_PREV, "push_prev"),
             (PUSH_NEXT, "push_next"))  # fmt: skip


class _Tokens:
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
        row = sync_row(config)
        self.sync = Vec(  # a relay: one execute instruction that passes a token on
            op=VecOp.SET,
            dst=acc(row),
            src1=acc(row),
            src2=acc(row),
            rows=1,
            cols=1,
            bcast1=False,
            bcast2=False,
            imm=0.0,
        )

    def conflicts(
        self, instrs: list[Instr]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, DramAccesses]:
        """The queue of each of ``instrs`` (in program order), its kind (the token kernel's
        `PRELOAD`, `MATMUL` or `OTHER`), the latest earlier instruction of each other queue
        it conflicts with (-1: none; an (n, 3) array), by index in ``instrs``, and their DRAM
        accesses (instructions by index in ``instrs``). The conflicts come from
        one scan (chip/machine/hazard_kernel.py) of everything each touches (chip/footprint.py
        says what): on-chip rows, and DRAM in units of `DRAM_UNIT` bytes. A strided DMA
        block that leaves some units of its span untouched (a column block of a matrix)
        touches a `GRID` of them when its lines start a whole number of units apart, else
        the `LISTED` units."""
        queue: list[int] = []
        kind: list[int] = []
        first = [0]
        rows: list[tuple[int, ...]] = []  # per access: the kernel's access fields, in order
        pool: list[int] = []
        top = [self.config.spad_rows, self.config.acc_rows, self._dram_top]
        # per class, its queue and kind (class lookups are cheap; enum hashing is not)
        class_of: dict[type, tuple[int, int]] = {}
        accesses = self._footprints.accesses
        dram_units = self._dram_units
        blocks: list[tuple] = []  # every DRAM access's `DramBlock`, whether it writes, where
        writes: list[bool] = []
        at: list[int] = []
        for i, ins in enumerate(instrs):
            cls = type(ins)
            known = class_of.get(cls)
            if known is None:
                how = PRELOAD if cls is Preload else MATMUL if cls is Matmul else OTHER
                known = class_of[cls] = (QUEUE_INDEX[cls.QUEUE], how)
            queue.append(known[0])
            kind.append(known[1])
            for space, lo, hi, write, block in accesses(ins):
                if space != DRAM:
                    rows.append((space, RANGE, lo, hi, write, 0, 0, 0))
                    if hi > top[space]:
                        top[space] = hi
                    continue
                blocks.append(block)
                writes.append(write)
                at.append(i)
                unit = lo // DRAM_UNIT
                # A block's units depend on its address only through ``unit`` and the offset
                # within it; tiled programs repeat a few block shapes many times.
                offset = lo - unit * DRAM_UNIT
                key = (offset, *block[1:])
                known = dram_units.get(key)
                if known is None:
                    span = -(-hi // DRAM_UNIT) - unit
                    known = (span, _dram_units(block._replace(addr=offset), span))
                    dram_units[key] = known
                span, units = known
                end = unit + span
                if units is None:
                    rows.append((DRAM, RANGE, unit, end, write, 0, 0, 0))
                elif type(units) is Grid:
                    end = unit + units.lines * units.step
                    rows.append((DRAM, GRID, unit, end, write, *units))
                else:
                    rows.append((DRAM, LISTED, unit, end, write, len(pool), len(units), 0))
                    pool.extend((units + unit).tolist())
                if end > top[DRAM]:
                    top[DRAM] = end
            first.append(len(rows))
        tables = [np.zeros((n, 2, 3), dtype=np.int32) for n in top]
        flat = np.fromiter(chain.from_iterable(rows), dtype=np.int64, count=8 * len(rows))
        fields = flat.reshape(len(rows), 8).T.copy()  # faster than np.array of the tuples
        queue_array, kind_array, first_array = (
            np.array(x, dtype=np.int64) for x in (queue, kind, first)
        )
        pool_array = np.array(pool, dtype=np.int64)
        need = latest_conflicts(queue_array, first_array, *fields, pool_array, *tables)
        n = len(DramBlock._fields)
        dram = DramAccesses(
            np.fromiter(chain.from_iterable(blocks), np.int64, n * len(blocks)).reshape(-1, n),
            np.array(writes, dtype=bool),
            np.array(at, dtype=np.int64),
        )
        return queue_array, kind_array, need, dram


def _dram_units(block, span: int) -> Units:
    """The units a DMA block at ``block.addr`` < `DRAM_UNIT` touches, of the ``span`` units
    from 0 its bytes span: None when it touches all of them, a `Grid` when its lines start
    a whole number of units apart, else their array."""
    units = _strided_units(block, 0, span)
    if units is None:
        return None
    width, step = (
        (block.rows * block.size, block.stride)
        if block.transpose
        else (block.cols * block.size, block.stride)
    )
    lines = block.cols if block.transpose else block.rows
    per_line = -(-(block.addr + width) // DRAM_UNIT)
    if step % DRAM_UNIT or per_line > step // DRAM_UNIT:
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


def _with_flags(ins: Instr, flags: int) -> Instr:
    """``ins`` with its dependency flags (`_DEP_BITS`) set. The flags are plain booleans, so
    this skips the full field validation `Instr.with_deps` repeats."""
    if not flags:
        return ins
    out = object.__new__(type(ins))  # a frozen dataclass's fields are its __dict__
    values = out.__dict__
    values.update(ins.__dict__)
    for bit, name in _DEP_BITS:
        values[name] = bool(flags & bit)
    return out
