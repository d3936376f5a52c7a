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
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

from chip.config import ChipConfig
from chip.footprint import DRAM, QUEUE_INDEX, Footprints
from chip.isa import Halt, Instr, Matmul, Preload, Vec, VecOp, acc
from chip.program import Phase, Tag

L, E, S = 0, 1, 2  # queue indices, as chip.footprint.QUEUES numbers them
# per queue: the other two queues, and the slice selecting their rows of a (3, n) table
_OTHERS = {L: ((E, S), slice(1, 3)), E: ((L, S), slice(0, 3, 2)), S: ((L, E), slice(0, 2))}
# DRAM hazards are tracked in units of this many bytes; tensors are aligned to it, so two
# tensors never share a unit.
DRAM_UNIT = 64


def sync_row(config: ChipConfig) -> int:
    """The accumulator row reserved for token-relay instructions (the last one)."""
    return config.acc_rows - 1


@dataclass
class _Flags:
    pop_prev: bool = False
    pop_next: bool = False
    push_prev: bool = False
    push_next: bool = False


class Emitter:
    """Program-order instruction list with tags; tokens are derived as instructions arrive.

    Contract: `emit` appends one instruction (without dependency flags) tagged with the current
    ``tag``; `finish` returns the instructions with their tokens and a final `Halt`, such that
    any schedule the token rules allow computes what program order computes.
    """

    def __init__(self, config: ChipConfig, dram_bytes: int) -> None:
        self.config = config
        self._footprints = Footprints(config)
        self.tag = Tag("program", Phase.FORWARD)
        self._instrs: list[Instr] = []
        self._tags: list[Tag] = []
        self._flags: list[_Flags] = []
        self._queue: list[int] = []
        self._prev_exec: list[int] = []  # the execute instruction before each instruction
        # knowledge[i][q]: highest index of queue q known complete when instruction i starts
        self._know: list[np.ndarray] = []
        self._last_in_queue = [-1, -1, -1]
        self._last_push: dict[tuple[int, int], int] = {}
        units = [config.spad_rows, config.acc_rows, -(-dram_bytes // DRAM_UNIT) + 1]
        # last_write[space][queue] / last_read[space][queue]: per unit, the latest instruction
        # (int32: instruction indices fit, and the DRAM tables are large)
        self._last_w = [np.full((3, n), -1, dtype=np.int32) for n in units]
        self._last_r = [np.full((3, n), -1, dtype=np.int32) for n in units]
        self.relays = 0

    def __len__(self) -> int:
        return len(self._instrs)

    # ---------------------------------------------------------------- footprints
    def footprint(self, ins: Instr) -> list[tuple[int, int, int, bool, np.ndarray | None]]:
        """(space, first unit, end unit, is_write, units) for everything ``ins`` touches:
        on-chip rows, and DRAM in units of `DRAM_UNIT` bytes (chip/footprint.py says what it
        touches). ``units`` lists the DRAM units of a strided block that leaves some of its
        span untouched (a column block of a matrix), else None: the whole [first, end)."""
        out = []
        for space, lo, hi, write, block in self._footprints.of(ins).accesses:
            if space != DRAM:
                out.append((space, lo, hi, write, None))
                continue
            first, end = lo // DRAM_UNIT, -(-hi // DRAM_UNIT)
            out.append((space, first, end, write, _strided_units(block, first, end)))
        return out

    # ---------------------------------------------------------------- emission
    def emit(self, ins: Instr) -> None:
        """Append ``ins`` (its dependency flags must be clear) with the current tag."""
        if isinstance(ins, Halt):
            raise ValueError("the emitter appends the halt itself in finish()")
        q = QUEUE_INDEX[ins.QUEUE]
        fp = self.footprint(ins)
        need = [-1, -1, -1]
        for space, lo, hi, write, units in fp:
            if hi <= lo:
                continue
            if hi > self._last_w[space].shape[1]:
                self._grow(space, hi)
            at = slice(lo, hi) if units is None else units
            # one reduction over both other queues (a view: the pair is a strided slice)
            others, pick = _OTHERS[q]
            latest = self._last_w[space][pick, at].max(axis=1)
            if write:
                latest = np.maximum(latest, self._last_r[space][pick, at].max(axis=1))
            for x, v in zip(others, latest.tolist(), strict=True):
                need[x] = max(need[x], v)
        # Load <-> store hazards are relayed by the execute queue.
        far = S if q == L else L if q == S else None
        if far is not None and need[far] >= 0 and self._known(q, far) < need[far]:
            need[E] = max(need[E], self._relay(far, need[far]))
        index = self._append(ins, q)
        for x in (L, E, S):
            if x != q and x != far and need[x] >= 0:
                self._ensure(index, q, x, need[x])
        if far is not None and self._know[index][far] < need[far]:
            raise AssertionError(f"instruction {index}: relay did not order queue {far}")
        for space, lo, hi, write, units in fp:
            table = self._last_w if write else self._last_r
            table[space][q, slice(lo, hi) if units is None else units] = index

    def _grow(self, space: int, units: int) -> None:
        n = max(units, 2 * self._last_w[space].shape[1])
        for table in (self._last_w, self._last_r):
            old = table[space]
            table[space] = np.full((3, n), -1, dtype=np.int32)
            table[space][:, : old.shape[1]] = old

    def _append(self, ins: Instr, q: int) -> int:
        index = len(self._instrs)
        self._instrs.append(ins)
        self._tags.append(self.tag)
        self._flags.append(_Flags())
        self._queue.append(q)
        prev = self._last_in_queue[q]
        self._prev_exec.append(self._last_in_queue[E])
        self._know.append(self._know[prev].copy() if prev >= 0 else np.full(3, -1, np.int64))
        self._last_in_queue[q] = index
        return index

    def _known(self, q: int, x: int) -> int:
        last = self._last_in_queue[q]
        return int(self._know[last][x]) if last >= 0 else -1

    def _relay(self, far: int, a: int) -> int:
        """An execute instruction that starts after ``a`` (of queue ``far``) completes.

        It waits for the latest instruction of ``far`` rather than ``a`` itself, so one relay
        covers the hazards of the next few instructions too (copy loops would otherwise need
        a relay per block).
        """
        a = max(a, self._last_in_queue[far])
        e = self._last_in_queue[E]
        if e < a:
            row = sync_row(self.config)
            dummy = Vec(
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
            e = self._append(dummy, E)
            self.relays += 1
        self._ensure(e, E, far, a)
        return e

    def _completes_prefix(self, a: int) -> int:
        """An execute instruction whose end proves ``a`` and every earlier one ended.

        With double-buffered stationary tiles a PRELOAD right after a MATMUL starts with that
        MATMUL and may end first (docs/timing.md), so its token would not prove the MATMUL
        done; the MATMUL that consumes the preload (always emitted right after it) does.
        """
        if not (self.config.double_buffer_stationary and isinstance(self._instrs[a], Preload)):
            return a
        prev = self._prev_exec[a]
        if prev < 0 or not isinstance(self._instrs[prev], Matmul):
            return a
        nxt = a + 1
        while nxt < len(self._instrs) and self._queue[nxt] != E:
            nxt += 1
        if nxt >= len(self._instrs):
            raise AssertionError(f"preload {a} has no following execute instruction yet")
        return nxt

    def _ensure(self, b: int, q: int, x: int, a: int) -> None:
        """Make instruction ``b`` (queue q, the latest of its queue) start after ``a`` (queue x)."""
        if x == E:
            a = self._completes_prefix(a)
        if self._know[b][x] >= a:
            # Already ordered; whatever ``a`` waited for (e.g. a relay it now performs) is
            # then complete too.
            np.maximum(self._know[b], self._know[a], out=self._know[b])
            return
        chan = (x, q)
        fb, fa = self._flags[b], self._flags[a]
        pop = "pop_prev" if x < q else "pop_next"
        push = "push_next" if x < q else "push_prev"
        if getattr(fb, pop):
            # b already pops this channel; its partner is the channel's latest push, which is
            # earlier than a in queue x: move that push to a (b then waits for the later one).
            old = self._last_push[chan]
            setattr(self._flags[old], push, False)
        setattr(fa, push, True)
        setattr(fb, pop, True)
        self._last_push[chan] = a
        np.maximum(self._know[b], self._know[a], out=self._know[b])
        self._know[b][x] = max(self._know[b][x], a)

    def finish(self) -> tuple[list[Instr], list[Tag]]:
        """The instructions with their dependency flags, ending in a halt."""
        out = [_with_flags(ins, f) for ins, f in zip(self._instrs, self._flags, strict=True)]
        return out + [Halt()], self._tags + [self.tag]


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


def _with_flags(ins: Instr, flags: _Flags) -> Instr:
    """``ins`` with its dependency flags set. The flags are plain booleans, so this skips the
    full field validation `Instr.with_deps` repeats (it dominates compile time otherwise)."""
    values = vars(flags)
    if not any(values.values()):
        return ins
    out = copy.copy(ins)
    for name, value in values.items():
        object.__setattr__(out, name, bool(value))
    return out
