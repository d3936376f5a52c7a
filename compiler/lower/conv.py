"""Convolutions as GEMMs, with im2col done by DMA.

CONV2D: the input is padded (and, for the input gradient, dilated) into a temp DRAM buffer by
DMA, then `im2col` copies, for every output row (n, oh) and kernel row kh, the OW windows'
contiguous (kw, cin) runs into the rows of A [N*OH*OW, KH*KW*Cin] with one strided 2-D DMA
block each; the GEMM A @ W[KH*KW*Cin, Cout] writes the NHWC output directly. All of it runs on
the chip (load/store instructions, counted in cycles); nothing is rearranged on the host.
- CONV2D_GRAD_WEIGHT: dW = A^T @ dY (A transposed by the DMA as the GEMM loads it).
- CONV2D_GRAD_INPUT: a stride-1 convolution of dY, dilated by the stride and padded by
  kernel-1-pad, with the kernel flipped and its in/out channels swapped (that weight transform
  is also a DMA: one transposing copy per kernel position).
Stride-1 convolutions skip the im2col matrix altogether (`_implicit_conv`). Pooling is in
pool.py.
"""

from __future__ import annotations

from collections.abc import Callable

from chip.config import Dataflow
from chip.isa import Loc
from compiler.ir import Node, Op
from compiler.lower.context import Ctx, View
from compiler.lower.gemm import Epilogue, KParts, emit_gemm
from compiler.lower.memory import Buf
from compiler.lower.movement import Copies
from compiler.lower.vector import fill


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
    fill(ctx, whole, value)  # the slack too: junk rows must not compute NaN from stale data
    xp = Buf(whole.addr, (n, hp, wp, c), x.dtype)
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


def im2col(
    ctx: Ctx, xp: Buf, kernel: tuple[int, int], stride: tuple[int, int], out_hw: tuple[int, int]
) -> Buf:
    """A [N*OH*OW, KH*KW*C] of padded ``xp``: row (n, oh, ow) holds its window, (kh, kw, c)."""
    n, hp, wp, c = xp.shape
    kh_, kw_ = kernel
    sh, sw = stride
    oh_, ow_ = out_hw
    if kernel == (1, 1) and stride == (1, 1):
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
                        xp.addr + ((b * hp + oh * sh + kh) * wp) * c * es,
                        xp.dtype,
                        ow_,
                        run,
                        sw * c,
                    )
                    row0 = (b * oh_ + oh) * ow_
                    dst = View(a.addr + (row0 * k + kh * run) * es, xp.dtype, ow_, run, k)
                    cp.copy(src, dst)
    return a


# Given how GEMM output rows map to the convolution's output rows, the epilogue to run on the
# output tiles (the fusion group after the convolution; see fusion.gemm_epilogue).
EpilogueFor = Callable[[Callable[[int, int], list[tuple[int, int, int]]]], Epilogue]


def _dense_rows(r0: int, rows: int) -> list[tuple[int, int, int]]:
    return [(0, r0, rows)]


def _conv_core(
    ctx: Ctx,
    x: Buf,
    w: Buf,
    out: Buf,
    stride: tuple[int, int],
    padding: tuple[int, int, int, int],
    dilation: tuple[int, int] = (1, 1),
    epilogue_for: EpilogueFor | None = None,
    crop: tuple[int, int] = (0, 0),
) -> None:
    kh, kw, cin, cout = w.shape
    oh, ow = out.shape[1:3]
    wmat = View.matrix(w.reshaped((kh * kw * cin, cout)))
    if stride == (1, 1) and ((kh, kw) != (1, 1) or crop != (0, 0)):
        _implicit_conv(ctx, x, w, out, padding, dilation, epilogue_for, crop)
        return
    xp = pad(ctx, x, padding, 0.0, dilation)
    a = im2col(ctx, xp, (kh, kw), stride, (oh, ow))
    ctx.release_onchip()
    epilogue = epilogue_for(_dense_rows) if epilogue_for else None
    emit_gemm(ctx, View.matrix(a), wmat, View.matrix(out), epilogue)


def _implicit_conv(
    ctx: Ctx,
    x: Buf,
    w: Buf,
    out: Buf,
    padding: tuple[int, int, int, int],
    dilation: tuple[int, int],
    epilogue_for: EpilogueFor | None = None,
    crop: tuple[int, int] = (0, 0),
) -> None:
    """A stride-1 convolution without an im2col matrix.

    In the padded input, flattened to rows of C, output position (n, oh, ow) starts at row
    r = (n*Hp + oh)*Wp + ow and kernel row kh adds kh*Wp: so for each kh, the rows of the
    windows' (kw, c) runs form ONE strided 2-D view of the padded input (row stride C). The GEMM
    streams those KH views as consecutive K parts. It computes Hp*Wp rows per image; the output
    tiles' valid rows (the OH x OW window from ``crop``) are stored, by the fused epilogue or a
    plain one, and the rest (windows past a row edge) are dropped.
    """
    kh, kw, cin, cout = w.shape
    n, oh, ow, _ = out.shape
    pt, pl, pb, pr = padding
    ct, cl = crop
    hp = (x.shape[1] - 1) * dilation[0] + 1 + pt + pb
    wp = (x.shape[2] - 1) * dilation[1] + 1 + pl + pr
    slack = ((kh - 1) * wp + kw) * cin
    xp = pad(ctx, x, padding, 0.0, dilation, slack=slack)
    es = xp.dtype.nbytes
    rows = n * hp * wp
    parts = [View(xp.addr + i * wp * cin * es, xp.dtype, rows, kw * cin, cin) for i in range(kh)]
    full = ctx.temp((rows, cout), out.dtype)
    ctx.release_onchip()

    def valid_rows(r0: int, count: int) -> list[tuple[int, int, int]]:
        segs = []
        for q in range(r0 // wp, (r0 + count - 1) // wp + 1):  # q = b*Hp + computed row
            b, o = divmod(q, hp)
            lo = max(r0, q * wp + cl)
            hi = min(r0 + count, q * wp + cl + ow)
            if ct <= o < ct + oh and hi > lo:
                segs.append((lo - r0, (b * oh + o - ct) * ow + lo - q * wp - cl, hi - lo))
        return segs

    wmat = View.matrix(w.reshaped((kh * kw * cin, cout)))
    if ctx.config.dataflow is Dataflow.IS:
        # transposed output tiles take no epilogue: store all rows, then copy the valid ones
        emit_gemm(ctx, KParts(parts), wmat, View.matrix(full))
        ctx.release_onchip()
        oes = out.dtype.nbytes
        with Copies(ctx) as cp:
            for b in range(n):
                src = View(
                    full.addr + ((b * hp + ct) * wp + cl) * cout * oes,
                    out.dtype,
                    oh,
                    ow * cout,
                    wp * cout,
                )
                dst = View(out.addr + b * oh * ow * cout * oes, out.dtype, oh, ow * cout, ow * cout)
                cp.copy(src, dst)
        return
    if epilogue_for is not None:
        epilogue = epilogue_for(valid_rows)
    else:
        dst = View.matrix(out)

        def epilogue(tile: Loc, r0: int, count: int, c0: int, cols: int) -> None:
            for off, row, cnt in valid_rows(r0, count):
                ctx.store(tile.offset(off), dst.block(row, cnt, c0, cols))

    emit_gemm(ctx, KParts(parts), wmat, View.matrix(full), epilogue)


def lower_conv2d(
    ctx: Ctx, node: Node, ins: list[Buf], out: Buf, epilogue_for: EpilogueFor | None = None
) -> None:
    x, w = ins
    _conv_core(
        ctx,
        x,
        w,
        out,
        tuple(node.attrs["stride"]),
        tuple(node.attrs["padding"]),
        epilogue_for=epilogue_for,
    )


def lower_conv2d_grad_weight(ctx: Ctx, node: Node, ins: list[Buf], out: Buf) -> None:
    x, dy = ins
    kh, kw, cin, cout = out.shape
    stride, padding = tuple(node.attrs["stride"]), tuple(node.attrs["padding"])
    if stride == (1, 1) and (kh, kw) != (1, 1):
        _implicit_grad_weight(ctx, x, dy, out, padding)
        return
    xp = pad(ctx, x, padding, 0.0)
    a = im2col(ctx, xp, (kh, kw), stride, dy.shape[1:3])
    ctx.release_onchip()
    emit_gemm(
        ctx, View.matrix(a).T, View.matrix(dy), View.matrix(out.reshaped((kh * kw * cin, cout)))
    )


def _implicit_grad_weight(
    ctx: Ctx, x: Buf, dy: Buf, out: Buf, padding: tuple[int, int, int, int]
) -> None:
    """dW[kh] = A_kh^T @ dY over the implicit convolution's Hp*Wp rows per image (see
    `_implicit_conv`), with dY scattered into those rows and zero in the dropped ones."""
    kh, kw, cin, cout = out.shape
    n, oh, ow, _ = dy.shape
    pt, pl, pb, pr = padding
    hp, wp = x.shape[1] + pt + pb, x.shape[2] + pl + pr
    xp = pad(ctx, x, padding, 0.0, slack=((kh - 1) * wp + kw) * cin)
    rows = n * hp * wp
    dyfull = ctx.temp((rows, cout), dy.dtype)
    fill(ctx, dyfull, 0.0)
    es = dy.dtype.nbytes
    with Copies(ctx) as cp:
        for b in range(n):
            src = View(dy.addr + b * oh * ow * cout * es, dy.dtype, oh, ow * cout, ow * cout)
            dst = View(dyfull.addr + b * hp * wp * cout * es, dy.dtype, oh, ow * cout, wp * cout)
            cp.copy(src, dst)
    ctx.release_onchip()
    xes = xp.dtype.nbytes
    dw = View.matrix(out.reshaped((kh * kw * cin, cout)))
    for i in range(kh):
        a = View(xp.addr + i * wp * cin * xes, xp.dtype, rows, kw * cin, cin)
        emit_gemm(ctx, a.T, View.matrix(dyfull), dw.block(i * kw * cin, kw * cin, 0, cout))
        ctx.release_onchip()


def lower_conv2d_grad_input(
    ctx: Ctx, node: Node, ins: list[Buf], out: Buf, epilogue_for: EpilogueFor | None = None
) -> None:
    dy, w = ins
    kh, kw, cin, cout = w.shape
    n, h, wd, _ = out.shape
    sh, sw = node.attrs["stride"]
    pt, pl, _, _ = node.attrs["padding"]
    oh, ow = dy.shape[1:3]
    top, left = kh - 1 - pt, kw - 1 - pl
    bottom = h + kh - 1 - ((oh - 1) * sh + 1) - top
    right = wd + kw - 1 - ((ow - 1) * sw + 1) - left
    # Padding beyond kernel-1 would be negative here: compute the larger gradient of the padded
    # input instead and keep its interior (the crop).
    crop = (max(0, -top), max(0, -left))
    padding = (max(0, top), max(0, left), max(0, bottom), max(0, right))
    # Flipped kernel with in/out channels swapped: w2[i, j] = w[kh-1-i, kw-1-j]^T.
    w2 = ctx.temp((kh, kw, cout, cin), w.dtype)
    es = w.dtype.nbytes
    with Copies(ctx) as cp:
        for i in range(kh):
            for j in range(kw):
                src = View(
                    w.addr + (((kh - 1 - i) * kw + (kw - 1 - j)) * cin * cout) * es,
                    w.dtype,
                    cin,
                    cout,
                    cout,
                ).T
                dst = View(w2.addr + ((i * kw + j) * cout * cin) * es, w.dtype, cout, cin, cin)
                cp.copy(src, dst)
    _conv_core(ctx, dy, w2, out, (1, 1), padding, (sh, sw), epilogue_for, crop)


RULES = {
    Op.CONV2D: lower_conv2d,
    Op.CONV2D_GRAD_WEIGHT: lower_conv2d_grad_weight,
    Op.CONV2D_GRAD_INPUT: lower_conv2d_grad_input,
}
