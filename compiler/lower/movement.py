"""Data movement as DMA: TRANSPOSE, CONCAT, SLICE, BROADCAST and plain copies.

No arithmetic happens here: blocks go DRAM -> on-chip rows -> DRAM with the address patterns
doing the work (a transposing or strided load, a strided store). Copies are batched through a
ring of staging rows (`Copies`), so loads run ahead of stores. (RESHAPE needs no
instructions: its value aliases its operand's buffer; see memory.py.)
"""

from __future__ import annotations

import math
from collections import deque

from chip.isa import Loc, Mem, VecOp
from compiler.ir import Node, Op
from compiler.lower.context import MAX_VEC_ROWS, Ctx, LoweringError, View
from compiler.lower.gemm import Ring
from compiler.lower.memory import Buf

STAGING_SLOTS = 8


class Staging:
    """A layer's copy staging rows for one memory, handed out as a ring of blocks of any
    height: ``head`` is where the next block goes, wrapping to the start when one does not
    fit before the end. Blocks are at most ``block`` rows (an eighth of the ring), so a batch
    of small blocks (im2col's window rows) keeps many loads in flight."""

    def __init__(self, base: Loc, rows: int, block: int) -> None:
        self.base, self.rows, self.block, self.head = base, rows, block, 0

    def _next(self, rows: int) -> int:
        return 0 if self.head + rows > self.rows else self.head

    def free(self, rows: int, tail: int) -> bool:
        """Whether the next ``rows`` rows avoid the rows still held by pending blocks, which
        run (in ring order) from ``tail``, the oldest one's first row, up to ``head``."""
        first = self._next(rows)
        if tail < self.head:  # held: [tail, head)
            return first >= self.head or first + rows <= tail
        return first >= self.head and first + rows <= tail  # held: [tail, end) and [0, head)

    def take(self, rows: int) -> int:
        """The first row (relative to ``base``) of the next ``rows`` rows."""
        first = self._next(rows)
        self.head = first + rows
        return first


def _staging(ctx: Ctx, dtype, mem: Mem = Mem.SPAD) -> Staging:
    """The layer's copy staging rows for ``dtype`` data (allocated on first use, at most a
    quarter of the memory's free rows)."""
    mem = ctx.mem_for(dtype, prefer=mem)
    if mem not in ctx.staging:
        left = ctx.rows_left(mem)
        block = max(1, min(left // (4 * STAGING_SLOTS), 4096))
        rows = STAGING_SLOTS * block
        ctx.staging[mem] = Staging(ctx.alloc(mem, rows, "copy staging"), rows, block)
    return ctx.staging[mem]


class Copies:
    """Batched DRAM-to-DRAM copies through the layer's staging rows.

    Loads go out as blocks are added; their stores wait until a new block needs rows still
    held by a pending one, and then the oldest half of the staging rows is stored, so the
    tokens a copy needs between the load and store queues (relayed by the execute queue) are
    paid once per batch rather than once per block, and a batch's loads overlap the previous
    batch's stores. Contract: every store is emitted by `flush` (called on leaving the
    ``with`` block), before anything else may read the destinations.
    """

    def __init__(self, ctx: Ctx) -> None:
        self.ctx = ctx
        # per memory, oldest first: (first staging row, rows, staging base, destination); the
        # block's rows are the base + the first row
        self._pending: dict[Mem, deque[tuple[int, int, Loc, View]]] = {}

    def __enter__(self) -> Copies:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.flush()

    def copy(self, src: View, dst: View) -> None:
        """Copy the block ``src`` to ``dst`` (same rows x cols)."""
        if (src.rows, src.cols) != (dst.rows, dst.cols):
            raise LoweringError(f"copy of {src.rows}x{src.cols} into {dst.rows}x{dst.cols}")
        if src.dtype is not dst.dtype:
            raise LoweringError(f"copy of {src.dtype.value} into {dst.dtype.value}")
        ctx = self.ctx
        w = ctx.config.row_elems
        mem = ctx.mem_for(src.dtype, prefer=Mem.SPAD)
        st = _staging(ctx, src.dtype)
        pending = self._pending.setdefault(mem, deque())
        for c0 in range(0, src.cols, w):
            cc = min(w, src.cols - c0)
            for r0 in range(0, src.rows, st.block):
                rr = min(st.block, src.rows - r0)
                while pending and not st.free(rr, pending[0][0]):
                    self._flush_oldest(pending, st.rows // 2)
                first = st.take(rr)
                ctx.load(src.block(r0, rr, c0, cc), st.base, first)
                pending.append((first, rr, st.base, dst.block(r0, rr, c0, cc)))

    def _flush_oldest(self, pending: deque[tuple[int, int, Loc, View]], rows: int) -> None:
        """Store the oldest ``pending`` blocks, at least ``rows`` rows of them (or all): the
        next loads reuse their rows while the newer blocks' stores are still to come."""
        done = 0
        while pending and done < rows:
            first, n, base, view = pending.popleft()
            self.ctx.store(base, view, first)
            done += n

    def flush(self) -> None:
        for pending in self._pending.values():
            self._flush_oldest(pending, sum(n for _, n, _, _ in pending))
        self._pending.clear()


def copy_view(ctx: Ctx, src: View, dst: View) -> None:
    """Copy the block ``src`` to ``dst`` (same rows x cols) through on-chip rows."""
    with Copies(ctx) as cp:
        cp.copy(src, dst)


def copy_flat(ctx: Ctx, src: Buf, dst: Buf) -> None:
    """Copy a whole contiguous tensor, as full on-chip rows plus a tail."""
    w = ctx.config.row_elems
    n = src.size
    if dst.size != n:
        raise LoweringError(f"copy of {n} elements into {dst.size}")
    full = n // w
    with Copies(ctx) as cp:
        if full:
            cp.copy(View(src.addr, src.dtype, full, w, w), View(dst.addr, dst.dtype, full, w, w))
        if n % w:
            tail = n % w
            cp.copy(
                View(src.addr, src.dtype, 1, n, n).block(0, 1, full * w, tail),
                View(dst.addr, dst.dtype, 1, n, n).block(0, 1, full * w, tail),
            )


def _strides(shape: tuple[int, ...]) -> list[int]:
    out = [1] * len(shape)
    for i in range(len(shape) - 2, -1, -1):
        out[i] = out[i + 1] * shape[i + 1]
    return out


def lower_transpose(ctx: Ctx, node: Node, ins: list[Buf], out: Buf) -> None:
    """One 2-D DMA block per index of the axes not moved as rows or elements."""
    (x,) = ins
    perm = tuple(node.attrs["perm"])
    nd = len(perm)
    if nd == 1:
        copy_flat(ctx, x, out)
        return
    ist, ost = _strides(x.shape), _strides(out.shape)
    e_axis = nd - 1  # output's last axis: contiguous elements in the output
    if perm[e_axis] == nd - 1:
        r_axis = nd - 2
    else:
        r_axis = perm.index(nd - 1)  # rows along the axis the input stores contiguously
    rest = [a for a in range(nd) if a not in (e_axis, r_axis)]
    es = x.dtype.nbytes
    cp = Copies(ctx)
    for idx in _product([out.shape[a] for a in rest]):
        i_off = sum(i * ist[perm[a]] for i, a in zip(idx, rest, strict=True))
        o_off = sum(i * ost[a] for i, a in zip(idx, rest, strict=True))
        src = View(
            x.addr + i_off * es,
            x.dtype,
            out.shape[r_axis],
            out.shape[e_axis],
            ist[perm[r_axis]],
            ist[perm[e_axis]],
        )
        dst = View(
            out.addr + o_off * es, out.dtype, out.shape[r_axis], out.shape[e_axis], ost[r_axis], 1
        )
        cp.copy(src, dst)
    cp.flush()


def _product(dims: list[int]) -> list[tuple[int, ...]]:
    out: list[tuple[int, ...]] = [()]
    for d in dims:
        out = [o + (i,) for o in out for i in range(d)]
    return out


def _outer_inner(shape: tuple[int, ...], axis: int) -> tuple[int, int]:
    return math.prod(shape[:axis]), math.prod(shape[axis + 1 :])


def lower_concat(ctx: Ctx, node: Node, ins: list[Buf], out: Buf) -> None:
    axis = node.attrs["axis"]
    outer, inner = _outer_inner(out.shape, axis)
    total = out.shape[axis] * inner
    offset = 0
    with Copies(ctx) as cp:
        for x in ins:
            width = x.shape[axis] * inner
            src = View(x.addr, x.dtype, outer, width, width)
            dst = View(out.addr, out.dtype, outer, total, total).block(0, outer, offset, width)
            cp.copy(src, dst)
            offset += width


def lower_slice(ctx: Ctx, node: Node, ins: list[Buf], out: Buf) -> None:
    (x,) = ins
    axis, start = node.attrs["axis"], node.attrs["start"]
    outer, inner = _outer_inner(x.shape, axis)
    total = x.shape[axis] * inner
    width = out.shape[axis] * inner
    src = View(x.addr, x.dtype, outer, total, total).block(0, outer, start * inner, width)
    copy_view(ctx, src, View(out.addr, out.dtype, outer, width, width))


def lower_broadcast(ctx: Ctx, node: Node, ins: list[Buf], out: Buf) -> None:
    """Row vector: load once, replicate rows with a broadcasting vector COPY, store blocks.
    Per-row scalar: load the column, BCAST it across each row, store."""
    (x,) = ins
    w = ctx.config.row_elems
    mem = ctx.mem_for(x.dtype)
    if x.shape == out.shape[:-1] + (1,) and x.shape != out.shape[-len(x.shape) :]:
        rows, cols = x.size, out.shape[-1]
        slot = max(1, min(rows, ctx.rows_left(mem) // 3, MAX_VEC_ROWS))
        col = ctx.alloc(mem, slot, "broadcast column")
        blk = ctx.alloc(mem, 2 * slot, "broadcast rows")
        ring = Ring(blk, slot)
        for r0 in range(0, rows, slot):
            rr = min(slot, rows - r0)
            ctx.load(View(x.addr, x.dtype, rows, 1, 1).block(r0, rr, 0, 1), col)
            for c0 in range(0, cols, w):
                cc = min(w, cols - c0)
                loc = ring.next()
                ctx.vec(VecOp.BCAST, loc, rr, cc, col)
                ctx.store(loc, View.matrix(out, rows, cols).block(r0, rr, c0, cc))
        return
    inner = x.size
    outer = out.size // inner
    reps = max(1, min(outer, ctx.rows_left(mem) // 2, MAX_VEC_ROWS))
    vec_row = ctx.alloc(mem, 1, "broadcast vector")
    blk: Loc = ctx.alloc(mem, reps, "broadcast rows")
    dst = View.matrix(out, outer, inner)
    for c0 in range(0, inner, w):
        cc = min(w, inner - c0)
        ctx.load(View(x.addr, x.dtype, 1, inner, inner).block(0, 1, c0, cc), vec_row)
        ctx.vec(VecOp.COPY, blk, reps, cc, vec_row, bcast1=True)
        for r0 in range(0, outer, reps):
            rr = min(reps, outer - r0)
            ctx.store(blk, dst.block(r0, rr, c0, cc))


RULES = {
    Op.TRANSPOSE: lower_transpose,
    Op.CONCAT: lower_concat,
    Op.SLICE: lower_slice,
    Op.BROADCAST: lower_broadcast,
}
