"""Pooling as window folds on the vector unit, and the pooling gradients.

MAXPOOL2D/AVGPOOL2D load each kernel position's window rows (the stride is in the DMA pattern)
and fold them with vector MAX/ADD. The gradients scatter-add into a zeroed padded buffer window
by window (read-modify-write in DRAM; the tokens order overlapping windows), max pooling routing
each gradient to the first maximum of its window like the reference. Average pooling without
``count_include_pad`` divides by per-position counts computed on chip (sum-pooling an image of
ones).
"""

from __future__ import annotations

from dataclasses import dataclass

from chip.dtypes import DType
from chip.isa import Loc, Mem, VecOp
from compiler.ir import Node, Op
from compiler.lower.context import MAX_VEC_ROWS, Ctx, LoweringError, View
from compiler.lower.conv_im2col import pad
from compiler.lower.memory import ON_CHIP_ONLY, Buf
from compiler.lower.pool_lanes import LaneWindows, lanes_pay
from compiler.lower.vector import Frames, fill


@dataclass(frozen=True)
class Block:
    """Output rows processed together: ``ng`` (n, oh) groups from ``g0``, positions
    ``w0 .. w0+nw`` of each (all OW of them unless one group is split), channels ``c0 ..``."""

    g0: int
    ng: int
    w0: int
    nw: int
    c0: int
    cc: int

    @property
    def rows(self) -> int:
        return self.ng * self.nw


class _Windows:
    """Output rows of a window op grouped by (n, oh); each group is OW rows."""

    def __init__(self, xp: Buf, out_shape: tuple[int, ...], kernel, stride) -> None:
        self.xp = xp
        self.n, self.oh, self.ow, self.c = out_shape
        self.kernel, self.stride = tuple(kernel), tuple(stride)

    def window(self, buf: Buf, g: int, kh: int, kw: int, c0: int, cc: int) -> View:
        """Group g's rows of kernel position (kh, kw) in padded ``buf``: OW x cc elements."""
        b, oh = divmod(g, self.oh)
        _, hp, wp, c = buf.shape
        sh, sw = self.stride
        first = ((b * hp + oh * sh + kh) * wp + kw) * c + c0
        return View(buf.addr + first * buf.dtype.nbytes, buf.dtype, self.ow, cc, sw * c)

    def rows(self, buf: Buf, g: int, c0: int, cc: int) -> View:
        """Group g's OW rows of an [N, OH, OW, C] tensor."""
        c = buf.shape[-1]
        return View(buf.addr + (g * self.ow * c + c0) * buf.dtype.nbytes, buf.dtype, self.ow, cc, c)

    def move(
        self, ctx: Ctx, buf: Buf, blk: Block, loc: Loc, pos: tuple[int, int] | None, load: bool
    ) -> None:
        """Load (or store) block ``blk`` of ``buf``: the window rows of kernel position
        ``pos`` of a padded input, or (``pos`` None) the rows of an output-shaped tensor."""
        for g in range(blk.ng):
            view = (
                self.rows(buf, blk.g0 + g, blk.c0, blk.cc)
                if pos is None
                else self.window(buf, blk.g0 + g, pos[0], pos[1], blk.c0, blk.cc)
            )
            view = view.block(blk.w0, blk.nw, 0, blk.cc)
            if load:
                ctx.load(view, loc, g * blk.nw)
            else:
                ctx.store(loc, view, g * blk.nw)

    def load_counts(self, ctx: Ctx, counts: Buf, blk: Block, loc: Loc) -> None:
        """Each block row's window count, repeated along the row (column-stride-0 DMA)."""
        es = counts.dtype.nbytes
        for g in range(blk.ng):
            oh = (blk.g0 + g) % self.oh
            ctx.load(
                View(
                    counts.addr + (oh * self.ow + blk.w0) * es, counts.dtype, blk.nw, blk.cc, 1, 0
                ),
                loc.offset(g * blk.nw),
            )


def _groups(
    ctx: Ctx,
    win: _Windows,
    mems: dict[str, Mem],
    high: frozenset[str] = frozenset(),
    cap: int | None = None,
):
    """(frame, block) covering the output: whole (n, oh) groups per block when a frame holds
    one, else each group split into pieces of a frame's rows; the buffers named in ``high``
    on the accumulator's high side (`Frames`), at most ``cap`` rows each (if given)."""
    w = ctx.config.row_elems
    rows = win.n * win.oh * win.ow
    frames = Frames(ctx, mems, rows if cap is None else min(rows, cap), high)
    groups = win.n * win.oh
    for c0 in range(0, win.c, w):
        cc = min(w, win.c - c0)
        if frames.rb >= win.ow:
            per = frames.rb // win.ow
            for g0 in range(0, groups, per):
                yield frames.next(), Block(g0, min(per, groups - g0), 0, win.ow, c0, cc)
            continue
        for g0 in range(groups):
            for w0 in range(0, win.ow, frames.rb):
                yield frames.next(), Block(g0, 1, w0, min(frames.rb, win.ow - w0), c0, cc)


def _avg_counts(ctx: Ctx, node: Node, x: Buf, out_hw: tuple[int, int]) -> Buf | None:
    """Per output position (oh, ow), the number of unpadded elements in its window, computed
    on chip by sum-pooling a padded image of ones; None when it is the constant KH*KW."""
    kh, kw = node.attrs["kernel"]
    if node.attrs.get("count_include_pad", False) or tuple(node.attrs["padding"]) == (0,) * 4:
        return None
    _, h, w, _ = x.shape
    ones = ctx.temp((1, h, w, 1), DType.FP32)  # fp32 even on int8 chips: 1/count follows
    fill(ctx, ones, 1.0)
    onesp = pad(ctx, ones, tuple(node.attrs["padding"]), 0.0)
    oh, ow = out_hw
    counts = ctx.temp((1, oh, ow, 1), DType.FP32)
    _window_fold(
        ctx, _Windows(onesp, counts.shape, (kh, kw), node.attrs["stride"]), counts, VecOp.ADD
    )
    ctx.release_onchip()
    return counts


def _window_fold(
    ctx: Ctx,
    win: _Windows,
    out: Buf,
    op: VecOp,
    counts: Buf | None = None,
    divisor: float | None = None,
    cast_to: Buf | None = None,
) -> None:
    """out = fold of every window of ``win.xp`` with ``op``; then divided by ``divisor`` or by
    the per-position ``counts``. Each kernel position's elements have their own rows, so a
    block's loads all go out before its folds. ``cast_to``: out converted to its dtype, stored
    from the chip too; out at `ON_CHIP_ONLY` (no unit reads it) is not stored."""
    kh_, kw_ = win.kernel
    positions = [(kh, kw) for kh in range(kh_) for kw in range(kw_)]
    mem_in, mem_out = ctx.mem_for(win.xp.dtype), ctx.mem_for(out.dtype)
    direct = mem_in is mem_out  # the first position's elements loaded as the running result
    mems = {"acc": mem_out}
    mems.update({f"t{p}": mem_in for p in range(int(direct), len(positions))})
    if counts is not None:
        mems["cnt"] = ctx.mem_for(counts.dtype)
    if cast_to is not None:
        mems["c"] = ctx.mem_for(cast_to.dtype)
    # each fold's two sources in different accumulator banks: the running result opposite
    # the positions' rows (a shared bank costs a second cycle per row)
    high = frozenset({"acc"})
    lanes = isinstance(win, LaneWindows)
    blocks = win.groups(ctx, mems, high) if lanes else _groups(ctx, win, mems, high)
    for f, blk in blocks:
        rows, cc = blk.rows, blk.cc
        for p, pos in enumerate(positions):
            win.move(ctx, win.xp, blk, f["acc"] if direct and not p else f[f"t{p}"], pos, True)
        for p in range(len(positions)):
            if p == 0 and not direct:
                ctx.vec(VecOp.COPY, f["acc"], rows, cc, f["t0"])
            elif p:
                ctx.vec(op, f["acc"], rows, cc, f["acc"], f[f"t{p}"])
        if divisor is not None:
            ctx.vec(VecOp.MULI, f["acc"], rows, cc, f["acc"], imm=1.0 / divisor)
        if counts is not None:
            win.load_counts(ctx, counts, blk, f["cnt"])
            ctx.vec(VecOp.RECIP, f["cnt"], rows, cc, f["cnt"])
            ctx.vec(VecOp.MUL, f["acc"], rows, cc, f["acc"], f["cnt"])
        if out.addr != ON_CHIP_ONLY:
            win.move(ctx, out, blk, f["acc"], None, load=False)
        if cast_to is not None:
            ctx.vec(VecOp.COPY, f["c"], rows, cc, f["acc"])
            win.move(ctx, cast_to, blk, f["c"], None, load=False)


def _inside(o_count: int, k: int, s: int, p: int, size: int) -> tuple[int, int]:
    """The outputs [lo, hi) whose kernel tap ``k`` (stride ``s``, padding ``p``) falls inside
    an input of ``size``: 0 <= o*s + k - p < size."""
    lo = max(0, -((k - p) // s))
    hi = min(o_count, (size - 1 - k + p) // s + 1) if size - 1 - k + p >= 0 else 0
    return lo, max(lo, hi)


def _taps_inside(node: Node, x: Buf, out: Buf) -> tuple[dict, dict, list[tuple[int, int]]] | None:
    """For each kernel row (column), the output rows (columns) where it falls inside ``x``,
    and the taps with first one inside ``x`` for every output; None when no tap is."""
    _, h, w, _ = x.shape
    _, oh_, ow_, _ = out.shape
    kh_, kw_ = node.attrs["kernel"]
    sh, sw = node.attrs["stride"]
    pt, pl, _, _ = node.attrs["padding"]
    rows = {k: _inside(oh_, k, sh, pt, h) for k in range(kh_)}
    cols = {k: _inside(ow_, k, sw, pl, w) for k in range(kw_)}
    taps = [(i, j) for i in range(kh_) for j in range(kw_)]
    full = [t for t in taps if rows[t[0]] == (0, oh_) and cols[t[1]] == (0, ow_)]
    if not full:
        return None
    taps.remove(full[0])
    return rows, cols, [full[0], *taps]


def _max_pool_unpadded(ctx: Ctx, node: Node, x: Buf, out: Buf) -> bool:
    """Max pooling of a padded input without its padded copy: each kernel tap loads only the
    positions where it falls inside ``x``. The block's first load is a tap inside ``x`` for
    every output, so a row a later tap leaves alone still holds an element of the same window
    (which leaves the maximum as it is), as the -inf padding would. False (nothing emitted)
    when no tap is inside for every output."""
    n, h, w, c = x.shape
    _, oh_, ow_, _ = out.shape
    kh_, kw_ = node.attrs["kernel"]
    sh, sw = node.attrs["stride"]
    pt, pl, _, _ = node.attrs["padding"]
    inside = _taps_inside(node, x, out)
    if inside is None:
        return False
    rows, cols, taps = inside
    win = _Windows(x, out.shape, (kh_, kw_), (sh, sw))
    mem_in, mem_out = ctx.mem_for(x.dtype), ctx.mem_for(out.dtype)
    es = x.dtype.nbytes
    for f, blk in _groups(ctx, win, {"acc": mem_out, "t": mem_in}):
        for i, (kh, kw) in enumerate(taps):
            lo, hi = cols[kw]
            lo, hi = max(lo, blk.w0), min(hi, blk.w0 + blk.nw)
            for g in range(blk.ng):
                b, oh = divmod(blk.g0 + g, oh_)
                if not rows[kh][0] <= oh < rows[kh][1] or lo >= hi:
                    continue
                first = ((b * h + oh * sh + kh - pt) * w + lo * sw + kw - pl) * c + blk.c0
                view = View(x.addr + first * es, x.dtype, hi - lo, blk.cc, sw * c)
                ctx.load(view, f["t"], g * blk.nw + lo - blk.w0)
            if i == 0:
                ctx.vec(VecOp.COPY, f["acc"], blk.rows, blk.cc, f["t"])
            else:
                ctx.vec(VecOp.MAX, f["acc"], blk.rows, blk.cc, f["acc"], f["t"])
        win.move(ctx, out, blk, f["acc"], None, load=False)
    return True


def _max_pool_phases(ctx: Ctx, node: Node, x: Buf, out: Buf) -> bool:
    """Max pooling whose windows overlap along W (KW > SW > 1), without a padded copy and
    reading each input row about once: the row is loaded as SW phases
    (every SW-th pixel, one DMA each; rows the block's previous output row read are not
    loaded again), and kernel column kw of output ow is pixel
    ow + (kw - pl - q) / SW of phase q = (kw - pl) mod SW, so each tap is one vector op on a
    run of rows of one phase (the positions where it is inside the input). The first op of
    each output row is a tap inside the input for every output. False (nothing emitted) when
    no such tap exists or a block of one output row does not fit on chip."""
    n, h, w, c = x.shape
    _, oh_, ow_, _ = out.shape
    kh_, kw_ = node.attrs["kernel"]
    sh, sw = node.attrs["stride"]
    pt, pl, _, _ = node.attrs["padding"]
    inside = _taps_inside(node, x, out)
    if inside is None:
        return False
    rows, cols, taps = inside
    mem_in, mem_out = ctx.mem_for(x.dtype), ctx.mem_for(out.dtype)
    pw = -(-w // sw)  # rows of the longest phase
    phase_rows = kh_ * sw * pw  # an output row's input rows, as phases
    if mem_in is mem_out:
        ng = ctx.rows_left(mem_out) // (2 * (ow_ + phase_rows))
    else:
        ng = min(ctx.rows_left(mem_out) // (2 * ow_), ctx.rows_left(mem_in) // (2 * phase_rows))
    ng = min(ng, MAX_VEC_ROWS // ow_, n * oh_)
    if ng < 1:
        return False
    accs = [ctx.alloc(mem_out, ng * ow_, "pooled rows") for _ in range(2)]
    phases = [ctx.alloc(mem_in, ng * phase_rows, "input row phases") for _ in range(2)]
    es, eo = x.dtype.nbytes, out.dtype.nbytes
    width = ctx.config.row_elems
    turn = 0
    for c0 in range(0, c, width):
        cc = min(width, c - c0)
        for g0 in range(0, n * oh_, ng):
            acc_rows, ph = accs[turn % 2], phases[turn % 2]
            turn += 1
            gn = min(ng, n * oh_ - g0)
            slot: dict[tuple[int, int], int] = {}  # input row -> its phases' slot
            for g in range(gn):
                b, oh = divmod(g0 + g, oh_)
                used = [k for k in range(kh_) if rows[k][0] <= oh < rows[k][1]]
                for k in used:
                    ih = oh * sh + k - pt
                    if (b, ih) in slot:  # the previous output row's window read it
                        continue
                    slot[b, ih] = len(slot)
                    for q in range(min(sw, w)):
                        view = View(
                            x.addr + (((b * h + ih) * w + q) * c + c0) * es,
                            x.dtype,
                            -(-(w - q) // sw),
                            cc,
                            sw * c,
                        )
                        ctx.load(view, ph, (slot[b, ih] * sw + q) * pw)
                for i, (k, kw) in enumerate(taps):
                    lo, hi = cols[kw]
                    if k not in used or lo >= hi:
                        continue
                    q = (kw - pl) % sw
                    first = (slot[b, oh * sh + k - pt] * sw + q) * pw
                    src = ph.offset(first + lo + (kw - pl - q) // sw)
                    dst = acc_rows.offset(g * ow_ + lo)
                    if i == 0:
                        ctx.vec(VecOp.COPY, dst, hi - lo, cc, src)
                    else:
                        ctx.vec(VecOp.MAX, dst, hi - lo, cc, dst, src)
            view = View(out.addr + (g0 * ow_ * c + c0) * eo, out.dtype, gn * ow_, cc, c)
            ctx.store(acc_rows, view)
    return True


def folds_cast(node: Node) -> bool:
    """Whether `lower_pool` computes the pooling by window folds (`_window_fold`), which can
    also store the output's cast: no padding, and not max pooling's phases."""
    kw, sw = node.attrs["kernel"][1], node.attrs["stride"][1]
    is_max = node.op is Op.MAXPOOL2D
    return not any(node.attrs["padding"]) and not (is_max and kw > sw > 1)


def lower_pool(
    ctx: Ctx,
    node: Node,
    ins: list[Buf],
    out: Buf,
    cast_to: Buf | None = None,
    sum_to: Buf | None = None,
) -> bool:
    """Max or average pooling; returns whether it also stored ``cast_to``, the output
    converted to its dtype (where `folds_cast`). ``sum_to`` is not computed here (None)."""
    if sum_to is not None:
        raise LoweringError(f"{node.name}: the forward pooling sums no channels")
    (x,) = ins
    is_max = node.op is Op.MAXPOOL2D
    kh, kw = node.attrs["kernel"]
    sw = node.attrs["stride"][1]
    if is_max and kw > sw > 1 and _max_pool_phases(ctx, node, x, out):
        return False
    if is_max and any(node.attrs["padding"]) and _max_pool_unpadded(ctx, node, x, out):
        return False
    if not folds_cast(node):
        cast_to = None
    xp = pad(ctx, x, tuple(node.attrs["padding"]), float("-inf") if is_max else 0.0)
    ctx.release_onchip()
    counts = None if is_max else _avg_counts(ctx, node, x, out.shape[1:3])
    if counts is None and lanes_pay(ctx, out.shape[0], out.shape[3]):
        win = LaneWindows(xp, out.shape, (kh, kw), node.attrs["stride"])
    else:
        win = _Windows(xp, out.shape, (kh, kw), node.attrs["stride"])
    if is_max:
        _window_fold(ctx, win, out, VecOp.MAX, cast_to=cast_to)
        return cast_to is not None
    _window_fold(
        ctx,
        win,
        out,
        VecOp.ADD,
        counts=counts,
        divisor=None if counts is not None else float(kh * kw),
        cast_to=cast_to,
    )
    return cast_to is not None


RULES = {
    Op.MAXPOOL2D: lower_pool,
    Op.AVGPOOL2D: lower_pool,
}
