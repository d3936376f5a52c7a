"""The pooling gradients: every window's share of dy scatter-added into a zeroed padded
buffer (read-modify-write in DRAM; the tokens order overlapping windows), or, when no two
windows overlap, stored straight into dx. Max pooling routes each gradient to the first maximum
of its window like the reference.

The disjoint gradient may lay its blocks out with the images across the vector lanes
(pool_lanes.py); every element's operations are the same, so dx is bit for bit the same.
It selects each window's first maximum from the running maximum of the window's elements (the
position where it reaches the window's maximum), fewer vector ops than the scatter-add's
running "taken" mask, the same selection.

Where the windows tile dx exactly (`stores_each_once`), the gradient also computes from the
chip what later units would read back from DRAM: dx's cast to the array's type (``cast_to``)
and dx's per-channel sum (``sum_to``, the bias gradient of the convolution before the
pooling). dx itself is then stored only if some other unit reads it.
"""

from __future__ import annotations

from chip.isa import Loc, Mem, VecOp
from compiler.ir import Node, Op
from compiler.lower.context import MAX_VEC_ROWS, Ctx, LoweringError, View
from compiler.lower.conv_im2col import pad
from compiler.lower.memory import ON_CHIP_ONLY, Buf
from compiler.lower.movement import copy_view
from compiler.lower.pool import _avg_counts, _groups, _Windows
from compiler.lower.pool_lanes import LaneWindows, lanes_pay
from compiler.lower.vector import fill


def stores_each_once(node: Node, x_shape: tuple[int, ...]) -> bool:
    """Whether the gradient computes every element of dx in exactly one window share, on chip:
    windows that do not overlap and tile the unpadded input exactly."""
    kh_, kw_ = node.attrs["kernel"]
    sh, sw = node.attrs["stride"]
    _, h, w, _ = x_shape
    return (
        (sh, sw) == (kh_, kw_)
        and tuple(node.attrs["padding"]) == (0, 0, 0, 0)
        and h % sh == 0
        and w % sw == 0
    )


def lower_pool_grad(
    ctx: Ctx,
    node: Node,
    ins: list[Buf],
    out: Buf,
    cast_to: Buf | None = None,
    sum_to: Buf | None = None,
) -> bool:
    """dx: every window's share of dy scatter-added into a zeroed padded buffer, then cropped
    (windows that do not overlap store their shares directly: `_disjoint_pool_grad`). Returns
    whether it also stored ``cast_to``, dx converted to its dtype (only where
    `stores_each_once`). ``sum_to`` (only where `stores_each_once`, which the caller checks):
    dx summed over every axis but the channels."""
    x, dy = ins
    is_max = node.op is Op.MAXPOOL2D_GRAD
    kh_, kw_ = node.attrs["kernel"]
    sh, sw = node.attrs["stride"]
    if sum_to is not None and not stores_each_once(node, x.shape):
        raise LoweringError(f"{node.name}: the channel sum of dx needs windows that tile dx")
    if sh >= kh_ and sw >= kw_:
        return _disjoint_pool_grad(ctx, node, x, dy, out, cast_to, sum_to)
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
    return False


def _disjoint_pool_grad(
    ctx: Ctx,
    node: Node,
    x: Buf,
    dy: Buf,
    out: Buf,
    cast_to: Buf | None,
    sum_to: Buf | None,
) -> bool:
    """The pooling gradient when no two windows overlap (stride >= kernel): every element of
    dx is in at most one window, so each window position's share is stored straight into dx
    (zeroed first only where some element is in no window) instead of read-modify-written,
    and max pooling keeps x's windows on chip from the maximum to the selection. dx equals
    the scatter-add's bit for bit, but for the signs of zeros with the ReLU folded in: a
    window's other elements are 0 * (its masked dy), -0 for a negative dy where the
    scatter-add masks an element <= 0 to +0 (equal values; the GEMMs that read dx sum from
    +0, so what they compute is the same). ``cast_to`` (when the windows cover dx exactly):
    each share also converted to its dtype and stored there. ``sum_to``: the shares' running
    per-channel sum (`_ChannelSum`). dx at `ON_CHIP_ONLY` (no other unit reads it) is not stored."""
    is_max = node.op is Op.MAXPOOL2D_GRAD
    relu = is_max and node.attrs.get("relu_mask", False)
    kh_, kw_ = node.attrs["kernel"]
    sh, sw = node.attrs["stride"]
    padding = tuple(node.attrs["padding"])
    n, h, w, c = x.shape
    pt, pl, pb, pr = padding
    hp, wp = h + pt + pb, w + pl + pr
    exact = stores_each_once(node, x.shape)
    dxp = out if padding == (0, 0, 0, 0) else ctx.temp((n, hp, wp, c), out.dtype)
    if not exact:
        fill(ctx, dxp, 0.0)  # elements in no window
        cast_to = None
    store_dx = out.addr != ON_CHIP_ONLY
    xp = pad(ctx, x, padding, float("-inf")) if is_max else None
    counts = None if is_max else _avg_counts(ctx, node, x, dy.shape[1:3])
    ctx.release_onchip()
    lanes = counts is None and lanes_pay(ctx, n, c)
    if lanes:
        win = LaneWindows(dxp, dy.shape, (kh_, kw_), (sh, sw))
    else:
        win = _Windows(dxp, dy.shape, (kh_, kw_), (sh, sw))
    positions = [(i, j) for i in range(kh_) for j in range(kw_)]
    mo = ctx.mem_for(out.dtype)
    mems = {"dy": ctx.mem_for(dy.dtype)}
    last = len(positions) - 1
    # max pooling, where dx itself is not stored: the selections (exactly 0 or 1) in the
    # scratchpad, in banks of their own (`_apart`), the products written straight as the
    # cast shares
    apart = is_max and cast_to is not None and not store_dx
    if apart and ctx.mem_for(cast_to.dtype) is not Mem.SPAD:
        apart = False
    if not apart:
        # a share buffer per position: a window's store never waits for the next one's product
        mems.update({f"g{p}": mo for p in range(len(positions))})
    if cast_to is not None:
        mems.update({f"c{p}": ctx.mem_for(cast_to.dtype) for p in range(len(positions))})
    if is_max:
        # t_p: the window elements of position p, as loaded; m_p: the running maximum of the
        # first p+1 of them (m_0 is t_0); r: dy with the ReLU mask
        mems.update({f"t{p}": ctx.mem_for(x.dtype) for p in range(len(positions))})
        mems.update({f"m{p}": mo for p in range(1, len(positions))})
        if relu:
            mems["r"] = mo
    elif counts is not None:
        mems["cnt"] = ctx.mem_for(counts.dtype)
    total = None
    if sum_to is not None:  # about a frame buffer's rows, taken before the frames
        n_acc = sum(1 for v in mems.values() if v is mo)
        rows = max(1, min(MAX_VEC_ROWS, ctx.rows_left(mo) // (2 * n_acc + 1)))
        total = _ChannelSum(ctx, sum_to, mo, lanes, rows)
    cap = None
    if is_max:
        # What the DMAs load (dy, the window elements) on the accumulator's high side, what
        # the vector unit writes on its low side: a load holds its bank's write port from its
        # start, DRAM latency included, so the next block's loads would stall every vector
        # write to their bank. The frames shrink to keep each side in its own bank.
        high = frozenset({"dy", *(f"t{p}" for p in range(len(positions)))})
        cap = _bank_rows(ctx, mems, high)
    else:
        # the two sources of most vector ops in different accumulator banks (a shared bank
        # costs a second cycle per row): dy opposite the shares and the channel sum
        high = frozenset({"dy"})
    if lanes:
        blocks = list(win.groups(ctx, mems, high, cap))
    else:
        blocks = list(_groups(ctx, win, mems, high, cap))
    if apart:
        sels = _apart(ctx, len(positions), max(blk.rows for _, blk in blocks))

    def fetch(f: dict[str, Loc], blk) -> None:
        """The block's loads: dy and, for max pooling, x's window elements."""
        win.move(ctx, dy, blk, f["dy"], None, load=True)
        if is_max:
            for p, pos in enumerate(positions):
                win.move(ctx, xp, blk, f[f"t{p}"], pos, load=True)

    # Each block's loads go ahead of the previous block's vector work and stores: behind
    # them they would wait for the dispatcher, held by a full store queue.
    if blocks:
        fetch(*blocks[0])
    for k, (f, blk) in enumerate(blocks):
        if k + 1 < len(blocks):
            fetch(*blocks[k + 1])
        rows, cc = blk.rows, blk.cc
        if total is not None:
            total.begin(blk.c0, cc if not lanes else blk.ch)
        if not is_max:
            share = f["g0"]
            if counts is None:
                ctx.vec(VecOp.MULI, share, rows, cc, f["dy"], imm=1.0 / (kh_ * kw_))
            else:
                win.load_counts(ctx, counts, blk, f["cnt"])
                ctx.vec(VecOp.RECIP, f["cnt"], rows, cc, f["cnt"])
                ctx.vec(VecOp.MUL, share, rows, cc, f["dy"], f["cnt"])
            if store_dx:
                for pos in positions:
                    win.move(ctx, dxp, blk, share, pos, load=False)
            if cast_to is not None:
                ctx.vec(VecOp.COPY, f["c0"], rows, cc, share)
                for pos in positions:
                    win.move(ctx, cast_to, blk, f["c0"], pos, load=False)
            if total is not None:
                for _ in positions:  # every position's element of dx holds the share
                    total.add(share, rows, cc)
            continue
        # m_p: the running maximum of the window's first p+1 elements (the window's maximum
        # at the last)
        t = [f[f"t{p}"] for p in range(len(positions))]
        m = [t[0], *(f[f"m{p}"] for p in range(1, len(positions)))]
        for p in range(1, len(positions)):
            ctx.vec(VecOp.MAX, m[p], rows, cc, m[p - 1], t[p])
        # The first maximum's position p is where the running maximum reaches the window's:
        # sel_p = (m_p == max) - (m_{p-1} == max), and at the last (m_last is the max)
        # sel = (max > m_{p-1}). Each is exactly 0 or 1, as the reference's selection.
        if apart:  # the frames alternate block by block
            g = sels[k % 2]
        else:
            g = [f[f"g{p}"] for p in range(len(positions))]
        for p in range(len(positions)):
            if p == last and p:
                ctx.vec(VecOp.GT, g[p], rows, cc, m[last], m[p - 1])
            else:
                ctx.vec(VecOp.EQ, g[p], rows, cc, m[p], m[last])
        for p in range(last - 1, 0, -1):
            ctx.vec(VecOp.SUB, g[p], rows, cc, g[p], g[p - 1])
        dyr = f["dy"]
        if relu:  # the folded ReLU gradient: the selected element is the max, kept if > 0
            ctx.vec(VecOp.RELU_MASK, f["r"], rows, cc, m[last], dyr)
            dyr = f["r"]
        for p, pos in enumerate(positions):
            if not store_dx and cast_to is not None:
                # the product converted as it is written: the COPY's rounding of it
                ctx.vec(VecOp.MUL, f[f"c{p}"], rows, cc, g[p], dyr)
                win.move(ctx, cast_to, blk, f[f"c{p}"], pos, load=False)
                continue
            ctx.vec(VecOp.MUL, g[p], rows, cc, g[p], dyr)
            if store_dx:
                win.move(ctx, dxp, blk, g[p], pos, load=False)
            if cast_to is not None:
                ctx.vec(VecOp.COPY, f[f"c{p}"], rows, cc, g[p])
                win.move(ctx, cast_to, blk, f[f"c{p}"], pos, load=False)
        if total is not None:
            # each window's shares are 0 but at its first maximum, which holds dy (masked)
            total.add(dyr, rows, cc)
    if total is not None:
        total.finish()
    _crop(ctx, dxp, out, padding)
    return cast_to is not None


def _apart(ctx: Ctx, count: int, rows: int) -> list[list[Loc]]:
    """Two frames of ``count`` scratchpad buffers of ``rows`` rows, the even ones in one bank
    and the odd ones in the next where they fit, both after the banks allocated so far: the
    stores read the frames' rows meanwhile, and a store holds its bank's read port until
    the bus has taken its data; SUB reads one of each."""
    per = ctx.config.spad_rows // ctx.config.spad_banks
    halves = [(count + 1) // 2, count // 2]
    bases = []
    for half in halves:
        need = 2 * half * rows
        gap = -ctx.alloc(Mem.SPAD, 0).row % per
        if gap + need <= ctx.chip.spad_left and need <= per:
            ctx.alloc(Mem.SPAD, gap, "bank gap")
        bases.append(ctx.alloc(Mem.SPAD, need, "selections"))
    return [
        [bases[p % 2].offset(((f * halves[p % 2]) + p // 2) * rows) for p in range(count)]
        for f in range(2)
    ]


def _bank_rows(ctx: Ctx, mems: dict[str, Mem], high: frozenset[str]) -> int | None:
    """The most rows per buffer that keep both frames' accumulator buffers named in ``high``
    in the bank of the accumulator's high end and the others in the bank of its low end
    (`Frames`); None where both ends are in one bank or a buffer would get fewer than a
    vector pass's rows."""
    cfg = ctx.config
    per = cfg.acc_rows // cfg.acc_banks
    n_high = sum(1 for name, v in mems.items() if v.is_acc and name in high)
    n_low = sum(1 for name, v in mems.items() if v.is_acc and name not in high)
    lo = ctx.alloc(Mem.ACC, 0).row
    top = ctx.alloc(Mem.ACC, 0, high=True).row
    if not n_high or lo // per == (top - 1) // per:
        return None
    rows = (top - (top - 1) // per * per) // (2 * n_high)
    if n_low:
        rows = min(rows, (per - lo % per) // (2 * n_low))
    return rows if rows >= cfg.row_elems else None


class _ChannelSum:
    """dx's running sum per channel, from the window shares on chip: one accumulator row per
    block row (in the channel layout a row of channels; with the images across the lanes,
    `LaneBlock`, the row of one pixel's channel, a lane per image), each block's shares added
    elementwise; at the end of each block of channels, folded to the channels' rows by
    halving, with the images across the lanes summed by RSUM, and stored.

    The order of the additions is not that of a REDUCE_SUM reading dx back in row order (the
    sum differs in its last bits); what is summed is dx's elements, each once."""

    def __init__(self, ctx: Ctx, out: Buf, mem: Mem, lanes: bool, rows: int) -> None:
        self.ctx, self.out, self.lanes = ctx, out, lanes
        self.width = ctx.config.row_elems
        self.rows = rows
        # the low side, opposite the dy it adds (see `_disjoint_pool_grad`)
        self.loc = ctx.alloc(mem, rows, "channel sum")
        self.c0: int | None = None
        self.period = 1  # block rows per pixel: the rows of one pixel's channels
        self.used = 0

    def begin(self, c0: int, period: int) -> None:
        """A block of channels ``c0..`` (``period`` of them per pixel in the lane layout)."""
        if c0 == self.c0:
            return
        self.finish()
        self.c0, self.period = c0, period if self.lanes else 1
        if self.rows < self.period:
            raise LoweringError(f"{self.period} channels do not fit {self.rows} sum rows")
        self.used = 0
        self.ctx.vec(VecOp.SET, self.loc, self.rows, self.width, imm=0.0)

    def add(self, src: Loc, rows: int, cols: int) -> None:
        """Add a block's ``rows`` rows (whole pixels) at ``src``, in pieces of whole pixels."""
        piece = self.rows // self.period * self.period
        for r0 in range(0, rows, piece):
            rr = min(piece, rows - r0)
            self.ctx.vec(VecOp.ADD, self.loc, rr, cols, self.loc, src.offset(r0))
            self.used = max(self.used, rr)

    def finish(self) -> None:
        """Fold and store the current block of channels' sums."""
        if self.c0 is None:
            return
        ctx, loc, per = self.ctx, self.loc, self.period
        pix = self.used // per
        while pix > 1:
            half = pix // 2
            ctx.vec(VecOp.ADD, loc, half * per, self.width, loc, loc.offset((pix - half) * per))
            pix -= half
        es = self.out.dtype.nbytes
        if self.lanes:  # one row per channel: sum its images' lanes, store one element each
            ctx.vec(VecOp.RSUM, loc, per, self.width, loc)
            ctx.store(loc, View(self.out.addr + self.c0 * es, self.out.dtype, per, 1, 1))
        else:
            cc = min(self.width, self.out.size - self.c0)
            ctx.store(loc, View(self.out.addr + self.c0 * es, self.out.dtype, 1, cc, cc))
        self.c0 = None


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
    Op.MAXPOOL2D_GRAD: lower_pool_grad,
    Op.AVGPOOL2D_GRAD: lower_pool_grad,
}
