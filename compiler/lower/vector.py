"""Vector-unit ops: elementwise, broadcasts, reductions, FILL/CAST and the fused losses.

Tensors are processed as 2-D row blocks on chip. A tensor whose operands all have its shape
(or are scalars) is viewed flat, as full ``row_elems`` rows plus a tail row; otherwise it is
viewed as ``[rows, last dim]`` and the last dim is cut into chunks of at most ``row_elems``.
Row vectors are loaded once per chunk and broadcast by the vector unit (``bcast2``); per-row
scalars are loaded as a column and spread with BCAST. Values sit in the memory of their dtype
(fp32/int32: accumulator, the array's input type: scratchpad) and the vector unit converts on
write (RNE, saturating), so CAST is one COPY. Blocks alternate between two frames of rows, so
one block's loads overlap the previous block's vector work and store.
"""

from __future__ import annotations

import math
from enum import Enum

from chip.formats import Conversion
from chip.isa import Loc, Mem, VecOp
from compiler.ir import Node, Op
from compiler.lower.context import MAX_VEC_ROWS, Ctx, LoweringError, View
from compiler.lower.memory import Buf


class Frames:
    """Two frames of named on-chip buffers of ``rb`` rows each (``rb`` chosen to fit).

    Accumulator buffers named in ``high`` come from the accumulator's high end (see
    `OnChip.acc`), so a vector op reading one of them and one of the others reads two banks."""

    def __init__(
        self, ctx: Ctx, mems: dict[str, Mem], rows: int, high: frozenset[str] = frozenset()
    ) -> None:
        count = _frame_counts(mems, high)
        rb = frame_rows(ctx, mems, rows)
        if rb < 1:
            raise LoweringError(f"{len(mems)} row buffers do not fit on chip")
        self.rb = rb
        base = {(m, h): ctx.alloc(m, 2 * rb * n, "vector frames", h) for (m, h), n in count.items()}
        self._locs: list[dict[str, Loc]] = [{}, {}]
        used = dict.fromkeys(count, 0)
        for name, m in mems.items():
            k = (m, m.is_acc and name in high)
            for f in (0, 1):
                self._locs[f][name] = base[k].offset(used[k] * rb)
                used[k] += 1
        self._i = 0

    def next(self) -> dict[str, Loc]:
        out = self._locs[self._i]
        self._i ^= 1
        return out


def _frame_counts(mems: dict[str, Mem], high: frozenset[str]) -> dict[tuple[Mem, bool], int]:
    """How many of ``mems``'s buffers go to each (memory, high end) side."""
    # in Mem's order, not a set's: enum hashes vary per process, allocation must not
    sides = [(m, h) for m in Mem for h in (False, True) if h is False or m.is_acc]
    return {
        k: n
        for k in sides
        if (n := sum(1 for name, v in mems.items() if (v, v.is_acc and name in high) == k))
    }


def frame_rows(ctx: Ctx, mems: dict[str, Mem], rows: int) -> int:
    """The rows per buffer `Frames` gives ``mems`` for ``rows`` rows of work (0: none fit)."""
    n_acc = sum(1 for m in mems.values() if m.is_acc)
    n_sp = len(mems) - n_acc
    rb = min(rows, MAX_VEC_ROWS)
    if n_acc:
        rb = min(rb, ctx.chip.acc_left // (2 * n_acc))
    if n_sp:
        rb = min(rb, ctx.chip.spad_left // (2 * n_sp))
    return max(rb, 0)


def segments(size: int, w: int) -> list[tuple[int, int, int]]:
    """A flat tensor of ``size`` elements as (first element, rows, cols) blocks of width w."""
    out = []
    if size // w:
        out.append((0, size // w, w))
    if size % w:
        out.append(((size // w) * w, 1, size % w))
    return out


class Broadcast(Enum):
    """How an elementwise operand's shape relates to its result's (the IR's broadcasting)."""

    FULL = "full"  # the result's shape
    ROW = "row"  # one row (the last axis), repeated for every row
    ROW_SCALAR = "rowscalar"  # one value per row, repeated along the row
    SCALAR = "scalar"  # one value, shape (1,)

    @property
    def one_row(self) -> bool:
        """Held in a single on-chip row that every row of the result reads."""
        return self in (Broadcast.ROW, Broadcast.SCALAR)


def broadcast_role(a: tuple[int, ...], b: tuple[int, ...]) -> Broadcast:
    if b == a:
        return Broadcast.FULL
    if b == a[-1:]:
        return Broadcast.ROW
    if b == (1,):  # of a vector too: one value for all, not one per (single) row
        return Broadcast.SCALAR
    if b == a[:-1] + (1,):
        return Broadcast.ROW_SCALAR
    raise LoweringError(f"operand shape {b} does not broadcast to {a}")


BINARY_OPS = {
    Op.ADD: VecOp.ADD,
    Op.SUB: VecOp.SUB,
    Op.MUL: VecOp.MUL,
    Op.MAX: VecOp.MAX,
    Op.GREATER: VecOp.GT,
    Op.EQUAL: VecOp.EQ,
    Op.RELU_GRAD: VecOp.RELU_MASK,
    Op.RANDOM: VecOp.RAND,
}
UNARY_OPS = {
    Op.RELU: VecOp.RELU,
    Op.SIGMOID: VecOp.SIGMOID,
    Op.TANH: VecOp.TANH,
    Op.EXP: VecOp.EXP,
    Op.LOG: VecOp.LOG,
    Op.RECIP: VecOp.RECIP,
    Op.RSQRT: VecOp.RSQRT,
    Op.SQRT: VecOp.SQRT,
    Op.SCALE: VecOp.MULI,
    Op.ADD_CONST: VecOp.ADDI,
    Op.CAST: VecOp.COPY,
    Op.ROUND: VecOp.CVT,
}


def vec_imm(node: Node) -> float:
    """The immediate of an elementwise node's vector function: SCALE's and ADD_CONST's value,
    ROUND's conversion code (`chip.formats.Conversion.code`), RANDOM's seed (an integer below
    2^24, exact in float32), else 0."""
    if node.op is Op.ROUND:
        return float(conversion(node).code)
    if node.op is Op.RANDOM:
        return float(node.attrs["seed"])
    return float(node.attrs.get("value", 0.0))


def conversion(node: Node) -> Conversion:
    """The converter setting of a ROUND node."""
    a = node.attrs
    return Conversion.named(a["format"], a.get("saturate", True), a.get("round_mode", "up"))


def flat_view(buf: Buf, first: int, rows: int, cols: int) -> View:
    """Elements ``first ..`` of a contiguous tensor as ``rows`` x ``cols``."""
    return View(buf.addr + first * buf.dtype.nbytes, buf.dtype, rows, cols, cols)


def fill(ctx: Ctx, buf: Buf, value: float) -> None:
    """Set every element of ``buf`` to ``value`` (one vector SET, then stores of its rows)."""
    w = ctx.config.row_elems
    mem = ctx.mem_for(buf.dtype)
    segs = segments(buf.size, w)
    left = ctx.rows_left(mem)
    rb = max(1, min(max(r for _, r, _ in segs), 1024, left // 4))
    loc = ctx.alloc(mem, rb, "fill rows")
    ctx.vec(VecOp.SET, loc, rb, min(w, buf.size), imm=value)
    for e0, rows, cols in segs:
        for r0 in range(0, rows, rb):
            rr = min(rb, rows - r0)
            ctx.store(
                loc, View(buf.addr + (e0 + r0 * cols) * buf.dtype.nbytes, buf.dtype, rr, cols, cols)
            )


def lower_fill(ctx: Ctx, node: Node, ins: list[Buf], out: Buf) -> None:
    fill(ctx, out, float(node.attrs["value"]))


def _row_stat(
    ctx: Ctx,
    op: VecOp,
    combine: VecOp,
    chunks: list[tuple[Loc, int]],
    rows: int,
    dst: Loc,
    tmp: Loc,
) -> None:
    """dst[r, :w0] = statistic (RSUM or RMAX) of row r over every chunk (w0: first chunk)."""
    loc0, w0 = chunks[0]
    ctx.vec(op, dst, rows, w0, loc0)
    for loc, cc in chunks[1:]:
        ctx.vec(op, tmp, rows, cc, loc)
        ctx.vec(combine, dst, rows, 1, dst, tmp)
    if len(chunks) > 1:
        ctx.vec(VecOp.BCAST, dst, rows, w0, dst)


def lower_reduce(ctx: Ctx, node: Node, ins: list[Buf], out: Buf) -> None:
    (x,) = ins
    w = ctx.config.row_elems
    is_sum = node.op is Op.REDUCE_SUM
    mem = ctx.mem_for(out.dtype)
    if node.attrs["axis"] == -1:
        rows, last = x.size // x.shape[-1], x.shape[-1]
        nch = math.ceil(last / w)
        mems = {f"x{j}": ctx.mem_for(x.dtype) for j in range(nch)}
        mems.update(r=mem, t=mem)
        frames = Frames(ctx, mems, rows)
        xv = View.matrix(x)
        for r0 in range(0, rows, frames.rb):
            rr = min(frames.rb, rows - r0)
            f = frames.next()
            chunks = []
            for j in range(nch):
                cc = min(w, last - j * w)
                ctx.load(xv.block(r0, rr, j * w, cc), f[f"x{j}"])
                chunks.append((f[f"x{j}"], cc))
            _row_stat(
                ctx,
                VecOp.RSUM if is_sum else VecOp.RMAX,
                VecOp.ADD if is_sum else VecOp.MAX,
                chunks,
                rr,
                f["r"],
                f["t"],
            )
            ctx.store(f["r"], View(out.addr, out.dtype, rows, 1, 1).block(r0, rr, 0, 1))
        return
    n0 = x.shape[0]
    inner = x.size // n0
    xv = View(x.addr, x.dtype, n0, inner, inner)
    if not is_sum and x.dtype is out.dtype:
        _column_max(ctx, xv, out)
        return
    total = ctx.alloc(mem, 1, "column total")  # before the frames, which take what is left
    frames = Frames(ctx, {"x": ctx.mem_for(x.dtype), "r": mem}, n0)
    for c0 in range(0, inner, w):
        cc = min(w, inner - c0)
        for r0 in range(0, n0, frames.rb):
            rr = min(frames.rb, n0 - r0)
            f = frames.next()
            view = xv.block(r0, rr, c0, cc)
            # a sum reads its rows in place when they are resident; a max folds them in place
            src = ctx.resident(view) if is_sum else None
            if src is None:
                src = f["x"]
                ctx.load(view, src)
            target = total if r0 == 0 else f["r"]
            if is_sum:
                ctx.vec(VecOp.CSUM, target, rr, cc, src)
            else:
                _max_rows(ctx, f["x"], rr, cc)
                ctx.vec(VecOp.COPY, target, 1, cc, f["x"])
            if r0:
                ctx.vec(VecOp.ADD if is_sum else VecOp.MAX, total, 1, cc, total, f["r"])
        ctx.store(total, View(out.addr, out.dtype, 1, inner, inner).block(0, 1, c0, cc))


def _column_max(ctx: Ctx, xv: View, out: Buf) -> None:
    """out[c] = max over the rows of ``xv`` [n0, inner] of column c: per block of columns, a
    running maximum of a block of rows (in the other accumulator bank than the two buffers
    the next blocks load into, so a MAX reads two banks), folded to one row at the end."""
    w = ctx.config.row_elems
    n0, inner = xv.rows, xv.cols
    mem = ctx.mem_for(out.dtype)
    rb = max(1, min(n0, MAX_VEC_ROWS, ctx.rows_left(mem) // 3))
    run = ctx.alloc(mem, rb, "running maximum", high=True)
    bufs = [ctx.alloc(mem, rb, "column-max rows") for _ in range(2)]
    for c0 in range(0, inner, w):
        cc = min(w, inner - c0)
        first = min(rb, n0)
        ctx.load(xv.block(0, first, c0, cc), run)
        for i, r0 in enumerate(range(first, n0, rb)):
            rr = min(rb, n0 - r0)
            ctx.load(xv.block(r0, rr, c0, cc), bufs[i % 2])
            ctx.vec(VecOp.MAX, run, rr, cc, run, bufs[i % 2])
        _max_rows(ctx, run, first, cc)
        ctx.store(run, View(out.addr, out.dtype, 1, inner, inner).block(0, 1, c0, cc))


def _max_rows(ctx: Ctx, loc: Loc, rows: int, cols: int) -> None:
    """Fold ``rows`` rows into the first by halving (the vector unit has no column max)."""
    while rows > 1:
        h = rows // 2
        ctx.vec(VecOp.MAX, loc, h, cols, loc, loc.offset(rows - h))
        rows -= h


def lower_softmax_ce(ctx: Ctx, node: Node, ins: list[Buf], out: Buf) -> None:
    """SOFTMAX_CE (mean loss) and SOFTMAX_CE_GRAD ((softmax - labels) / B), row blocks."""
    x, t = ins
    batch, classes = x.shape
    w = ctx.config.row_elems
    grad = node.op is Op.SOFTMAX_CE_GRAD
    nch = math.ceil(classes / w)
    mem = ctx.mem_for(out.dtype)
    mems = {f"x{j}": ctx.mem_for(x.dtype) for j in range(nch)}
    mems.update({f"t{j}": ctx.mem_for(t.dtype) for j in range(nch)})
    mems.update(m=mem, z=mem, u=mem, v=mem)
    frames = Frames(ctx, mems, batch)
    total = None if grad else ctx.alloc(mem, 1, "loss total")
    xv, tv, ov = View.matrix(x), View.matrix(t), View.matrix(out) if grad else None
    for r0 in range(0, batch, frames.rb):
        rr = min(frames.rb, batch - r0)
        f = frames.next()
        chunks = []
        for j in range(nch):
            cc = min(w, classes - j * w)
            ctx.load(xv.block(r0, rr, j * w, cc), f[f"x{j}"])
            ctx.load(tv.block(r0, rr, j * w, cc), f[f"t{j}"])
            chunks.append((f[f"x{j}"], cc))
        m, z, u = f["m"], f["z"], f["u"]
        _row_stat(ctx, VecOp.RMAX, VecOp.MAX, chunks, rr, m, u)
        for loc, cc in chunks:  # s = x - max (in place)
            ctx.vec(VecOp.SUB, loc, rr, cc, loc, m)
        if grad:
            for loc, cc in chunks:  # e = exp(s) (in place)
                ctx.vec(VecOp.EXP, loc, rr, cc, loc)
            _row_stat(ctx, VecOp.RSUM, VecOp.ADD, chunks, rr, z, u)
            ctx.vec(VecOp.RECIP, z, rr, chunks[0][1], z)
            for j, (loc, cc) in enumerate(chunks):
                ctx.vec(VecOp.MUL, loc, rr, cc, loc, z)
                ctx.vec(VecOp.SUB, loc, rr, cc, loc, f[f"t{j}"])
                ctx.vec(VecOp.MULI, u, rr, cc, loc, imm=1.0 / batch)
                ctx.store(u, ov.block(r0, rr, j * w, cc))
            continue
        w0 = chunks[0][1]
        for j, (loc, cc) in enumerate(chunks):  # z = sum exp(s), in u's column 0
            ctx.vec(VecOp.EXP, u, rr, cc, loc)
            ctx.vec(VecOp.RSUM, u, rr, cc, u)
            if j == 0:
                ctx.vec(VecOp.COPY, z, rr, w0, u)
            else:
                ctx.vec(VecOp.ADD, z, rr, 1, z, u)
        ctx.vec(VecOp.LOG, z, rr, 1, z)
        ce_rows_into_total(ctx, f, chunks, rr, z, total, first=r0 == 0)
    if not grad:
        ctx.vec(VecOp.MULI, total, 1, 1, total, imm=-1.0 / batch)
        ctx.store(total, View(out.addr, out.dtype, 1, 1, 1))


def lower_mse(ctx: Ctx, node: Node, ins: list[Buf], out: Buf) -> None:
    """MSE (mean of squared differences) and MSE_GRAD (2 (y - t) / size), flat rows."""
    y, t = ins
    w = ctx.config.row_elems
    grad = node.op is Op.MSE_GRAD
    mem = ctx.mem_for(out.dtype)
    frames = Frames(
        ctx, {"y": ctx.mem_for(y.dtype), "t": ctx.mem_for(t.dtype), "d": mem}, max(1, y.size // w)
    )
    total = None if grad else ctx.alloc(mem, 2, "loss total")
    first = True
    for e0, rows, cols in segments(y.size, w):
        for r0 in range(0, rows, frames.rb):
            rr = min(frames.rb, rows - r0)
            f = frames.next()
            off = e0 + r0 * cols

            def flat(buf: Buf, off: int = off, rr: int = rr, cols: int = cols) -> View:
                return View(buf.addr + off * buf.dtype.nbytes, buf.dtype, rr, cols, cols)

            ctx.load(flat(y), f["y"])
            ctx.load(flat(t), f["t"])
            d = f["d"]
            ctx.vec(VecOp.SUB, d, rr, cols, f["y"], f["t"])
            if grad:
                ctx.vec(VecOp.MULI, d, rr, cols, d, imm=2.0 / y.size)
                ctx.store(d, flat(out))
                continue
            ctx.vec(VecOp.MUL, d, rr, cols, d, d)
            ctx.vec(VecOp.RSUM, d, rr, cols, d)
            ctx.vec(VecOp.CSUM, total if first else total.offset(1), rr, 1, d)
            if not first:
                ctx.vec(VecOp.ADD, total, 1, 1, total, total.offset(1))
            first = False
    if not grad:
        ctx.vec(VecOp.MULI, total, 1, 1, total, imm=1.0 / y.size)
        ctx.store(total, View(out.addr, out.dtype, 1, 1, 1))


# Elementwise ops (BINARY_OPS, UNARY_OPS) are lowered by fusion.py, alone or in groups.
RULES = {
    Op.FILL: lower_fill,
    Op.REDUCE_SUM: lower_reduce,
    Op.REDUCE_MAX: lower_reduce,
    Op.SOFTMAX_CE: lower_softmax_ce,
    Op.SOFTMAX_CE_GRAD: lower_softmax_ce,
    Op.MSE: lower_mse,
    Op.MSE_GRAD: lower_mse,
}


def ce_rows_into_total(
    ctx: Ctx, f: dict, chunks: list, rr: int, log_z: Loc, total: Loc, first: bool
) -> None:
    """Add one row block's cross-entropy sum to `total`: per row sum(t * s) - sum(t) * log z,
    where `chunks` hold s = x - max (overwritten with t * s), `log_z` the rows' log of the
    exponentials' sum, and the frame `f` the labels `t{j}` and the scratch rows m, u, v. The
    rows are summed by CSUM into `total` (the first block) or added to it, in row-block order."""
    m, u, v = f["m"], f["u"], f["v"]
    for j, (loc, cc) in enumerate(chunks):  # v = sum t * s;  u = sum t
        ctx.vec(VecOp.MUL, loc, rr, cc, loc, f[f"t{j}"])
        if j == 0:
            ctx.vec(VecOp.RSUM, v, rr, cc, loc)
            ctx.vec(VecOp.RSUM, u, rr, cc, f[f"t{j}"])
        else:
            ctx.vec(VecOp.RSUM, m, rr, cc, loc)
            ctx.vec(VecOp.ADD, v, rr, 1, v, m)
            ctx.vec(VecOp.RSUM, m, rr, cc, f[f"t{j}"])
            ctx.vec(VecOp.ADD, u, rr, 1, u, m)
    ctx.vec(VecOp.MUL, u, rr, 1, u, log_z)  # per row: sum t*s - (sum t) * log z
    ctx.vec(VecOp.SUB, v, rr, 1, v, u)
    ctx.vec(VecOp.CSUM, total if first else m, rr, 1, v)
    if not first:
        ctx.vec(VecOp.ADD, total, 1, 1, total, m)
