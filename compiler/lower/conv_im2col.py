"""Padding, im2col and shifted windows of convolutions (conv.py and conv_grad_weight.py).

- `pad`: the input dilated and padded into a temp DRAM buffer by DMA (its border set by the
  vector unit; where a padded row fits an on-chip row, each input row goes out with its
  padding, `_pad_by_rows`); `pad_cycles` predicts the copy.
- `im2col`: the matrix A [N*OH*OW, KH*KW*C] copied by DMA, one strided 2-D block per output
  row and kernel row; `im2col_cycles` predicts its copies.
- `_windows`: A without storing it, as strided views of the padded input (one per kernel
  row) that the GEMM streams directly.
"""

from __future__ import annotations

from chip.isa import VecOp
from compiler.lower.context import Ctx, View
from compiler.lower.gemm import KParts, Ring
from compiler.lower.memory import Buf
from compiler.lower.movement import Copies
from compiler.lower.tiling import dma_cycles
from compiler.lower.vector import fill, segments


def pad(
    ctx: Ctx,
    x: Buf,
    padding: tuple[int, int, int, int],
    value: float,
    dilation: tuple[int, int] = (1, 1),
    slack: int = 0,
) -> Buf:
    """``x`` (NHWC) dilated by ``dilation`` and padded with ``value``, in a temp buffer
    (``x`` itself when there is nothing to do). ``slack`` more elements (also set to
    ``value``) follow the buffer, for the implicit convolution's overhanging windows."""
    n, h, w, c = x.shape
    pt, pl, pb, pr = padding
    dh, dw = dilation
    if padding == (0, 0, 0, 0) and dilation == (1, 1) and not slack:
        return x
    hp, wp = (h - 1) * dh + 1 + pt + pb, (w - 1) * dw + 1 + pl + pr
    whole = ctx.temp((n * hp * wp * c + slack,), x.dtype)
    xp = Buf(whole.addr, (n, hp, wp, c), x.dtype)
    # the slack too: junk rows must not compute NaN from stale data
    if dilation == (1, 1) and _pad_by_rows(ctx, x, xp, padding, slack, value):
        return xp
    if dilation == (1, 1):
        _fill_border(ctx, xp, padding, slack, value)  # the copies write the rest
    else:  # the dilation's holes too
        fill(ctx, whole, value)
    with Copies(ctx) as cp:
        for b in range(n):
            base = ((b * hp + pt) * wp + pl) * c
            if dw == 1:  # whole image rows are contiguous runs of w*c elements
                src = View(x.addr + b * h * w * c * x.dtype.nbytes, x.dtype, h, w * c, w * c)
                dst = View(xp.addr + base * x.dtype.nbytes, x.dtype, h, w * c, dh * wp * c)
                cp.copy(src, dst)
                continue
            for i in range(h):
                src = View(x.addr + ((b * h + i) * w) * c * x.dtype.nbytes, x.dtype, w, c, c)
                dst = View(
                    xp.addr + (base + i * dh * wp * c) * x.dtype.nbytes, x.dtype, w, c, dw * c
                )
                cp.copy(src, dst)
    return xp


# `_pad_by_rows`' rows per buffer: enough for large DMAs, few to set before the first load
_PAD_ROWS = 256


def _pad_by_rows(
    ctx: Ctx, x: Buf, xp: Buf, padding: tuple[int, int, int, int], slack: int, value: float
) -> bool:
    """Pad ``x`` into ``xp`` (no dilation) where a padded row fits an on-chip row: input row i
    is loaded into an on-chip row whose other elements hold ``value``, and stored as the
    padded row's run from its first interior element to the next row's (its right padding,
    then the next row's left padding), a store per image; the runs between images (top and
    bottom padding) are stored from a row of ``value``. A few large DMAs where the border's
    columns would take a small store per row. False (nothing emitted) where it does not
    apply: a row too wide, no bottom padding to take the last row's run, no rows left."""
    n, h, w, c = x.shape
    _, hp, wp, _ = xp.shape
    pt, pl, pb, _ = padding
    width = ctx.config.row_elems
    mem = ctx.mem_for(x.dtype)
    if wp * c > width or (pl and not pb) or ctx.rows_left(mem) < 2 * h + 1:
        return False
    es = x.dtype.nbytes
    # one buffer for every image, or two of a few images (one's stores overlap the next
    # one's load); their padding columns are set once (the loads write only the rows' first
    # W*C elements)
    images = max(1, min(n, _PAD_ROWS // h, (ctx.rows_left(mem) - 1) // (2 * h)))
    nbuf = 1 if images == n else 2
    bufs = Ring(ctx.alloc(mem, nbuf * images * h, "padded rows"), images * h, nbuf)
    zero = ctx.alloc(mem, 1, "padding row")
    ctx.vec(VecOp.SET, bufs.base, nbuf * images * h, wp * c, imm=value)
    ctx.vec(VecOp.SET, zero, 1, width, imm=value)

    def run(first: int, count: int) -> None:  # ``count`` elements of ``value`` from ``first``
        for e0 in range(0, count, width):
            cols = min(width, count - e0)
            ctx.store(zero, View(xp.addr + (first + e0) * es, x.dtype, 1, cols, cols))

    for b0 in range(0, n, images):
        nb = min(images, n - b0)
        rows = bufs.next()
        ctx.load(View(x.addr + b0 * h * w * c * es, x.dtype, nb * h, w * c, w * c), rows)
        if b0 == 0:
            run(0, (pt * wp + pl) * c)
        for k in range(nb):
            b = b0 + k
            first = ((b * hp + pt) * wp + pl) * c
            ctx.store(rows.offset(k * h), View(xp.addr + first * es, x.dtype, h, wp * c, wp * c))
            # from the last row's run to the next image's first interior element
            end = ((b + 1) * hp * wp + (pt * wp + pl if b + 1 < n else 0)) * c
            run(first + h * wp * c, end - first - h * wp * c + (slack if b + 1 == n else 0))
    return True


def pad_cycles(ctx: Ctx, x: Buf, padding: tuple[int, int, int, int], slack: int = 0) -> int:
    """`pad`'s predicted cycles (no dilation): ``x`` in and out of the chip a block per image,
    the padding's (and the slack's) zeros out; its load, its store and the first read of
    the copy each wait a DRAM latency. 0 where `pad` returns ``x`` itself."""
    if padding == (0, 0, 0, 0) and not slack:
        return 0
    cfg = ctx.config
    n, h, w, c = x.shape
    pt, pl, pb, pr = padding
    es = x.dtype.nbytes
    border = n * ((h + pt + pb) * (w + pl + pr) - h * w) * c + slack
    zeros = dma_cycles(cfg, -(-border // cfg.row_elems), cfg.row_elems, es)
    return 2 * n * dma_cycles(cfg, h, w * c, es) + zeros + 3 * cfg.dram_latency


def _fill_border(
    ctx: Ctx, xp: Buf, padding: tuple[int, int, int, int], slack: int, value: float
) -> None:
    """Set the padding of ``xp`` (and the ``slack`` elements after it) to ``value``: each
    image's rows above and below its interior and the columns left and right of it."""
    n, hp, wp, c = xp.shape
    pt, pl, pb, pr = padding
    h, w = hp - pt - pb, wp - pl - pr
    width = ctx.config.row_elems
    es = xp.dtype.nbytes
    views = []

    def run(first: int, count: int) -> None:  # a contiguous run of elements
        for e0, rows, cols in segments(count, width):
            views.append(View(xp.addr + (first + e0) * es, xp.dtype, rows, cols, cols))

    def columns(first: int, count: int) -> None:  # ``count`` elements of each interior row
        for c0 in range(0, count, width):
            cols = min(width, count - c0)
            views.append(View(xp.addr + (first + c0) * es, xp.dtype, h, cols, wp * c))

    for b in range(n):
        if pt:
            run(b * hp * wp * c, pt * wp * c)
        if pb or (slack and b == n - 1):
            run((b * hp + pt + h) * wp * c, pb * wp * c + (slack if b == n - 1 else 0))
        if pl:
            columns((b * hp + pt) * wp * c, pl * c)
        if pr:
            columns(((b * hp + pt) * wp + pl + w) * c, pr * c)
    if not views:
        return
    mem = ctx.mem_for(xp.dtype)
    rb = max(1, min(max(v.rows for v in views), 1024, ctx.rows_left(mem) // 4))
    loc = ctx.alloc(mem, rb, "padding rows")
    ctx.vec(VecOp.SET, loc, rb, min(width, max(v.cols for v in views)), imm=value)
    for v in views:
        for r0 in range(0, v.rows, rb):
            ctx.store(loc, v.block(r0, min(rb, v.rows - r0), 0, v.cols))


def im2col(
    ctx: Ctx,
    xp: Buf,
    kernel: tuple[int, int],
    stride: tuple[int, int],
    out_hw: tuple[int, int],
    origin: tuple[int, int] = (0, 0),
) -> Buf:
    """A [N*OH*OW, KH*KW*C] of padded ``xp``: row (n, oh, ow) holds its window, (kh, kw, c),
    which starts at padded position (oh*SH + origin[0], ow*SW + origin[1])."""
    n, hp, wp, c = xp.shape
    kh_, kw_ = kernel
    sh, sw = stride
    oh_, ow_ = out_hw
    ct, cl = origin
    if kernel == (1, 1) and stride == (1, 1) and origin == (0, 0) and out_hw == (hp, wp):
        return xp.reshaped((n * hp * wp, c))
    k = kh_ * kw_ * c
    a = ctx.temp((n * oh_ * ow_, k), xp.dtype)
    es = xp.dtype.nbytes
    run = kw_ * c  # the (kw, c) part of one kernel row is contiguous in the input row
    with Copies(ctx) as cp:
        for b in range(n):
            for oh in range(oh_):
                for kh in range(kh_):
                    src = View(
                        xp.addr + ((b * hp + oh * sh + ct + kh) * wp + cl) * c * es,
                        xp.dtype,
                        ow_,
                        run,
                        sw * c,
                    )
                    row0 = (b * oh_ + oh) * ow_
                    dst = View(a.addr + (row0 * k + kh * run) * es, xp.dtype, ow_, run, k)
                    cp.copy(src, dst)
    return a


def im2col_cycles(
    ctx: Ctx, out_rows: tuple[int, int], kernel: tuple[int, int], c: int, es: int
) -> int:
    """Predicted cycles of `im2col`'s copies: a load and a store of OW rows of KW*C elements
    per (n, oh, kh), each DMA at the larger of its bytes over the bus and its rows."""
    n_oh, ow = out_rows
    kh, kw = kernel
    return 2 * n_oh * kh * dma_cycles(ctx.config, ow, kw * c, es)


def _windows(
    xp: Buf,
    kernel: tuple[int, int],
    out_hw: tuple[int, int],
    origin: tuple[int, int],
    stride: tuple[int, int] = (1, 1),
) -> KParts:
    """The im2col matrix of padded ``xp`` without storing it (shifted windows).

    In ``xp`` flattened to rows of SW*C elements, the window of output (n, oh, ow) starts at
    row r = ((n*Hp + oh*SH + origin[0])*Wp + origin[1]) / SW + ow, and its kernel row kh adds
    kh*Wp/SW: for each kh, the windows' (kw, c) runs form ONE strided view of ``xp`` (row
    stride SW*C), a K part. The matrix's rows are the valid outputs only: one run of OW rows
    per (n, oh). Needs Wp and origin[1] divisible by SW (`_windows_fit`).
    """
    n, hp, wp, c = xp.shape
    kh, kw = kernel
    sh, sw = stride
    oh, ow = out_hw
    ct, cl = origin
    es = xp.dtype.nbytes
    rows = (n * hp * wp - (kh - 1) * wp - kw) // sw + 1  # every window inside the buffer
    parts = [View(xp.addr + i * wp * c * es, xp.dtype, rows, kw * c, sw * c) for i in range(kh)]
    runs = [(((b * hp + o * sh + ct) * wp + cl) // sw, ow) for b in range(n) for o in range(oh)]
    return KParts(parts, runs=runs)


def _windows_fit(xp: Buf, stride: tuple[int, int], origin: tuple[int, int]) -> bool:
    """Whether every window of padded ``xp`` starts on a row of `_windows`' strided views."""
    sw = stride[1]
    return xp.shape[2] % sw == 0 and origin[1] % sw == 0
