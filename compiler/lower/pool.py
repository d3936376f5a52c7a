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
from compiler.lower.conv import pad
from compiler.lower.memory import Buf
from compiler.lower.movement import copy_view
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
                ctx.load(view, loc.offset(g * blk.nw))
            else:
                ctx.store(loc.offset(g * blk.nw), view)

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


def _groups(ctx: Ctx, win: _Windows, mems: dict[str, Mem]):
    """(frame, block) covering the output: whole (n, oh) groups per block when a frame holds
    one, else each group split into pieces of a frame's rows."""
    w = ctx.config.row_elems
    frames = Frames(ctx, mems, win.n * win.oh * win.ow)
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
) -> None:
    """out = fold of every window of ``win.xp`` with ``op``; then divided by ``divisor`` or by
    the per-position ``counts``."""
    kh_, kw_ = win.kernel
    mem_in, mem_out = ctx.mem_for(win.xp.dtype), ctx.mem_for(out.dtype)
    mems = {"acc": mem_out, "t": mem_in}
    if counts is not None:
        mems["cnt"] = ctx.mem_for(counts.dtype)
    for f, blk in _groups(ctx, win, mems):
        rows, cc = blk.rows, blk.cc
        first = True
        for kh in range(kh_):
            for kw in range(kw_):
                dst = f["acc"] if first and mem_in is mem_out else f["t"]
                win.move(ctx, win.xp, blk, dst, (kh, kw), load=True)
                if first and dst is not f["acc"]:
                    ctx.vec(VecOp.COPY, f["acc"], rows, cc, dst)
                elif not first:
                    ctx.vec(op, f["acc"], rows, cc, f["acc"], dst)
                first = False
        if divisor is not None:
            ctx.vec(VecOp.MULI, f["acc"], rows, cc, f["acc"], imm=1.0 / divisor)
        if counts is not None:
            win.load_counts(ctx, counts, blk, f["cnt"])
            ctx.vec(VecOp.RECIP, f["cnt"], rows, cc, f["cnt"])
            ctx.vec(VecOp.MUL, f["acc"], rows, cc, f["acc"], f["cnt"])
        win.move(ctx, out, blk, f["acc"], None, load=False)


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
                ctx.load(view, f["t"].offset(g * blk.nw + lo - blk.w0))
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
                        ctx.load(view, ph.offset((slot[b, ih] * sw + q) * pw))
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


def lower_pool(ctx: Ctx, node: Node, ins: list[Buf], out: Buf) -> None:
    (x,) = ins
    is_max = node.op is Op.MAXPOOL2D
    kh, kw = node.attrs["kernel"]
    sw = node.attrs["stride"][1]
    if is_max and kw > sw > 1 and _max_pool_phases(ctx, node, x, out):
        return
    if is_max and any(node.attrs["padding"]) and _max_pool_unpadded(ctx, node, x, out):
        return
    xp = pad(ctx, x, tuple(node.attrs["padding"]), float("-inf") if is_max else 0.0)
    ctx.release_onchip()
    win = _Windows(xp, out.shape, (kh, kw), node.attrs["stride"])
    if is_max:
        _window_fold(ctx, win, out, VecOp.MAX)
        return
    counts = _avg_counts(ctx, node, x, out.shape[1:3])
    _window_fold(
        ctx,
        win,
        out,
        VecOp.ADD,
        counts=counts,
        divisor=None if counts is not None else float(kh * kw),
    )


def lower_pool_grad(ctx: Ctx, node: Node, ins: list[Buf], out: Buf) -> None:
    """dx: every window's share of dy scatter-added into a zeroed padded buffer, then cropped
    (windows that do not overlap store their shares directly: `_disjoint_pool_grad`)."""
    x, dy = ins
    is_max = node.op is Op.MAXPOOL2D_GRAD
    kh_, kw_ = node.attrs["kernel"]
    sh, sw = node.attrs["stride"]
    if sh >= kh_ and sw >= kw_:
        _disjoint_pool_grad(ctx, node, x, dy, out)
        return
    if node.attrs.get("relu_mask", False):
        raise LoweringError(
            f"{node.name}: relu_mask needs windows that do not overlap, not kernel "
            f"{kh_}x{kw_} with stride {sh}x{sw}"
        )
    padding = tuple(node.attrs["padding"])
    n, h, w, c = x.shape
    pt, pl, pb, pr = padding
    dxp = out if padding == (0, 0, 0, 0) else ctx.temp((n, h + pt + pb, w + pl + pr, c), out.dtype)
    fill(ctx, dxp, 0.0)
    xp = pad(ctx, x, padding, float("-inf")) if is_max else None
    counts = None if is_max else _avg_counts(ctx, node, x, dy.shape[1:3])
    ctx.release_onchip()
    win = _Windows(dxp, dy.shape, (kh_, kw_), node.attrs["stride"])
    mo = ctx.mem_for(out.dtype)
    mems = {"dy": ctx.mem_for(dy.dtype), "g": mo, "u": mo}
    if is_max:
        mems.update(m=mo, t=ctx.mem_for(x.dtype), taken=mo, z=mo)
    elif counts is not None:
        mems["cnt"] = ctx.mem_for(counts.dtype)
    for f, blk in _groups(ctx, win, mems):
        rows, cc = blk.rows, blk.cc
        win.move(ctx, dy, blk, f["dy"], None, load=True)
        if is_max:
            m = f["m"]
            first = True
            for kh in range(kh_):
                for kw in range(kw_):
                    win.move(ctx, xp, blk, f["t"], (kh, kw), load=True)
                    if first:
                        ctx.vec(VecOp.COPY, m, rows, cc, f["t"])
                    else:
                        ctx.vec(VecOp.MAX, m, rows, cc, m, f["t"])
                    first = False
            ctx.vec(VecOp.SET, f["taken"], rows, cc, imm=0.0)
        elif counts is None:
            ctx.vec(
                VecOp.MULI,
                f["dy"] if mems["dy"] is mo else f["g"],
                rows,
                cc,
                f["dy"],
                imm=1.0 / (kh_ * kw_),
            )
        share = f["dy"] if mems["dy"] is mo else f["g"]
        if not is_max and counts is not None:
            win.load_counts(ctx, counts, blk, f["cnt"])
            ctx.vec(VecOp.RECIP, f["cnt"], rows, cc, f["cnt"])
            ctx.vec(VecOp.MUL, f["g"], rows, cc, f["dy"], f["cnt"])
            share = f["g"]
        for kh in range(kh_):
            for kw in range(kw_):
                if is_max:
                    # first maximum only: sel = (x == max) * (1 - taken); taken += sel
                    win.move(ctx, xp, blk, f["t"], (kh, kw), load=True)
                    z, taken = f["z"], f["taken"]
                    ctx.vec(VecOp.EQ, z, rows, cc, f["t"], f["m"])
                    ctx.vec(VecOp.MUL, f["g"], rows, cc, z, taken)
                    ctx.vec(VecOp.SUB, z, rows, cc, z, f["g"])
                    ctx.vec(VecOp.ADD, taken, rows, cc, taken, z)
                    ctx.vec(VecOp.MUL, f["g"], rows, cc, z, f["dy"])
                    share = f["g"]
                win.move(ctx, dxp, blk, f["u"], (kh, kw), load=True)
                ctx.vec(VecOp.ADD, f["u"], rows, cc, f["u"], share)
                win.move(ctx, dxp, blk, f["u"], (kh, kw), load=False)
    _crop(ctx, dxp, out, padding)


def _disjoint_pool_grad(ctx: Ctx, node: Node, x: Buf, dy: Buf, out: Buf) -> None:
    """The pooling gradient when no two windows overlap (stride >= kernel): every element of
    dx is in at most one window, so each window position's share is stored straight into dx
    (zeroed first only where some element is in no window) instead of read-modify-written,
    and max pooling keeps x's windows on chip from the maximum to the selection. The shares
    are the same vector operations on the same values as the scatter-add's: dx is bit for bit
    the same."""
    is_max = node.op is Op.MAXPOOL2D_GRAD
    relu = is_max and node.attrs.get("relu_mask", False)
    kh_, kw_ = node.attrs["kernel"]
    sh, sw = node.attrs["stride"]
    padding = tuple(node.attrs["padding"])
    n, h, w, c = x.shape
    pt, pl, pb, pr = padding
    oh, ow = dy.shape[1:3]
    hp, wp = h + pt + pb, w + pl + pr
    dxp = out if padding == (0, 0, 0, 0) else ctx.temp((n, hp, wp, c), out.dtype)
    if (sh, sw) != (kh_, kw_) or (oh * sh, ow * sw) != (hp, wp):
        fill(ctx, dxp, 0.0)  # elements in no window
    xp = pad(ctx, x, padding, float("-inf")) if is_max else None
    counts = None if is_max else _avg_counts(ctx, node, x, dy.shape[1:3])
    ctx.release_onchip()
    win = _Windows(dxp, dy.shape, (kh_, kw_), (sh, sw))
    positions = [(i, j) for i in range(kh_) for j in range(kw_)]
    mo = ctx.mem_for(out.dtype)
    mems = {"dy": ctx.mem_for(dy.dtype)}
    # a share buffer per position: a window's store never waits for the next one's product
    mems.update({f"g{p}": mo for p in range(len(positions))})
    if is_max:
        mems.update({f"t{p}": ctx.mem_for(x.dtype) for p in range(len(positions))})
        mems.update(m=mo, taken=mo, z=mo)
    elif counts is not None:
        mems["cnt"] = ctx.mem_for(counts.dtype)
    last = len(positions) - 1
    for f, blk in _groups(ctx, win, mems):
        rows, cc = blk.rows, blk.cc
        win.move(ctx, dy, blk, f["dy"], None, load=True)
        if not is_max:
            share = f["g0"]
            if counts is None:
                ctx.vec(VecOp.MULI, share, rows, cc, f["dy"], imm=1.0 / (kh_ * kw_))
            else:
                win.load_counts(ctx, counts, blk, f["cnt"])
                ctx.vec(VecOp.RECIP, f["cnt"], rows, cc, f["cnt"])
                ctx.vec(VecOp.MUL, share, rows, cc, f["dy"], f["cnt"])
            for pos in positions:
                win.move(ctx, dxp, blk, share, pos, load=False)
            continue
        m, z, taken = f["m"], f["z"], f["taken"]
        for p, pos in enumerate(positions):
            win.move(ctx, xp, blk, f[f"t{p}"], pos, load=True)
            if p == 0:
                ctx.vec(VecOp.COPY, m, rows, cc, f["t0"])
            else:
                ctx.vec(VecOp.MAX, m, rows, cc, m, f[f"t{p}"])
        for p, pos in enumerate(positions):
            # first maximum only: sel = (x == max) * (1 - taken); taken += sel
            g = f[f"g{p}"]
            if p == 0:  # nothing taken yet: sel = (x == max)
                ctx.vec(VecOp.EQ, taken, rows, cc, f["t0"], m)
                ctx.vec(VecOp.MUL, g, rows, cc, taken, f["dy"])
            else:
                ctx.vec(VecOp.EQ, z, rows, cc, f[f"t{p}"], m)
                ctx.vec(VecOp.MUL, g, rows, cc, z, taken)
                ctx.vec(VecOp.SUB, z, rows, cc, z, g)
                if p != last:
                    ctx.vec(VecOp.ADD, taken, rows, cc, taken, z)
                ctx.vec(VecOp.MUL, g, rows, cc, z, f["dy"])
            if relu:  # the folded ReLU gradient: zero where x <= 0
                ctx.vec(VecOp.RELU_MASK, g, rows, cc, f[f"t{p}"], g)
            win.move(ctx, dxp, blk, g, pos, load=False)
    _crop(ctx, dxp, out, padding)


def _crop(ctx: Ctx, dxp: Buf, out: Buf, padding: tuple[int, int, int, int]) -> None:
    """Copy the interior of padded ``dxp`` to ``out`` (nothing when it is ``out``)."""
    if dxp is out:
        return
    ctx.release_onchip()
    n, h, w, c = out.shape
    pt, pl, _, _ = padding
    hp, wp = dxp.shape[1:3]
    es = out.dtype.nbytes
    for b in range(n):
        src = View(dxp.addr + ((b * hp + pt) * wp + pl) * c * es, out.dtype, h, w * c, wp * c)
        copy_view(ctx, src, View(out.addr + b * h * w * c * es, out.dtype, h, w * c, w * c))


RULES = {
    Op.MAXPOOL2D: lower_pool,
    Op.AVGPOOL2D: lower_pool,
    Op.MAXPOOL2D_GRAD: lower_pool_grad,
    Op.AVGPOOL2D_GRAD: lower_pool_grad,
}
