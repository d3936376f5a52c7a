"""Convolutions as GEMMs, with im2col done by DMA.

CONV2D: the input is padded (and, for the input gradient, dilated) into a temp DRAM buffer by
DMA, then `im2col` copies, for every output row (n, oh) and kernel row kh, the OW windows'
contiguous (kw, cin) runs into the rows of A [N*OH*OW, KH*KW*Cin] with one strided 2-D DMA
block each; the GEMM A @ W[KH*KW*Cin, Cout] writes the NHWC output directly. All of it runs on
the chip (load/store instructions, counted in cycles); nothing is rearranged on the host.
- CONV2D_GRAD_WEIGHT: in conv_grad_weight.py.
- CONV2D_GRAD_INPUT: a stride-1 convolution of dY, dilated by the stride and padded by
  kernel-1-pad, with the kernel flipped and its in/out channels swapped (that weight transform
  is also a DMA: one transposing copy per kernel position).
A convolution may skip the im2col matrix: its shifted windows (`_windows`) are strided views
of the padded input that the GEMM streams directly, one DMA per output row of windows, so
only valid outputs are computed. A convolution may also go by bands of input rows kept in
the scratchpad (conv_bands.py), which reads each input row once per band instead of once per
kernel row, or (stride 1) by tap planes (conv_taps.py), one GEMM over several images' outputs
per tap. Which way a convolution goes (forward, input gradient, weight gradient)
is decided by the cost model's predicted cycles: the GEMM plans (compiler/lower/tiling.py)
plus the im2col copies, the band or tap plan, or, for the weight gradient's shifted windows,
the scatter of dY into the padded positions. Padding, im2col and the shifted windows are in
conv_im2col.py; pooling in pool.py and pool_grad.py.
"""

from __future__ import annotations

from collections.abc import Callable

from chip.config import Dataflow
from compiler.ir import Node, Op
from compiler.lower.context import Ctx, LoweringError, View
from compiler.lower.conv_bands import (
    BandPlan,
    emit_bands,
    pack_weights,
    plan_bands,
    stride_name,
)
from compiler.lower.conv_im2col import _windows, _windows_fit, im2col, im2col_cycles, pad
from compiler.lower.conv_taps import TapPlan, TapWeights, emit_taps, plan_taps
from compiler.lower.gemm import Epilogue, KParts, emit_gemm, predict_gemm
from compiler.lower.memory import Buf
from compiler.lower.movement import Copies
from compiler.lower.tiling import dma_cycles

# Given how GEMM output rows map to the convolution's output rows (and how many of them one
# tile row packs, default 1), the epilogue to run on the output tiles (the fusion group after
# the convolution; see epilogue.gemm_epilogue), or None if it cannot take packed rows.
EpilogueFor = Callable[..., Epilogue | None]


def _dense_rows(r0: int, rows: int) -> list[tuple[int, int, int]]:
    return [(0, r0, rows)]


def _shifted_pays(
    ctx: Ctx, xp: Buf, w: Buf, out_hw: tuple[int, int], stride: tuple[int, int]
) -> bool:
    """Whether a convolution is cheaper by shifted windows than by im2col, by the cost
    model's predicted cycles (GEMM plans plus im2col's copies). Shifted windows stream the
    rows of the weight-stationary form only (a run of rows per DMA)."""
    if ctx.config.dataflow is not Dataflow.WS:
        return False
    kh, kw, cin, cout = w.shape
    n = xp.shape[0]
    oh, ow = out_hw
    t, k = n * oh * ow, kh * kw * cin
    dts = (xp.dtype, w.dtype)
    shifted = predict_gemm(ctx, t, k, cout, dts, (kw * cin,) * kh).cycles
    dense = predict_gemm(ctx, t, k, cout, dts).cycles
    copies = im2col_cycles(ctx, (n * oh, ow), (kh, kw), cin, xp.dtype.nbytes)
    ctx.notes.append(
        f"{ctx.em.tag.layer}: stride-{stride_name(stride)} conv ~{shifted} cycles by "
        f"shifted windows, "
        f"~{dense + copies} by im2col ({copies} of copies)"
    )
    return shifted <= dense + copies


def _bands_pay(
    ctx: Ctx, plan: BandPlan, xp: Buf, w: Buf, out_hw: tuple[int, int], shifted_fits: bool
) -> bool:
    """Whether a convolution is predicted cheaper by bands of input rows (conv_bands.py)
    than by im2col and, where its windows fit (`_windows_fit`), shifted windows."""
    kh, kw, cin, cout = w.shape
    n = xp.shape[0]
    oh, ow = out_hw
    t, k = n * oh * ow, kh * kw * cin
    dts = (xp.dtype, w.dtype)
    copies = im2col_cycles(ctx, (n * oh, ow), (kh, kw), cin, xp.dtype.nbytes)
    dense = predict_gemm(ctx, t, k, cout, dts).cycles + copies
    others = [dense]
    shifted = "no"
    if shifted_fits:
        others.append(predict_gemm(ctx, t, k, cout, dts, (kw * cin,) * kh).cycles)
        shifted = f"~{others[-1]}"
    ctx.notes.append(
        f"{ctx.em.tag.layer}: row bands ~{plan.cycles} cycles against {shifted} by shifted "
        f"windows and ~{dense} by im2col"
    )
    return plan.cycles < min(others)


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
    """``out`` = the convolution of ``x`` (dilated, padded) with ``w``; output (oh, ow) is the
    window at padded position (oh*SH + crop[0], ow*SW + crop[1]). Only valid outputs are
    computed, by im2col or shifted windows, whichever is predicted cheaper."""
    kh, kw, cin, cout = w.shape
    oh, ow = out.shape[1:3]
    wmat = View.matrix(w.reshaped((kh * kw * cin, cout)))
    if _tap_planes(ctx, x, w, out, stride, padding, dilation, epilogue_for, crop):
        return
    if _unpadded_bands(ctx, x, w, out, stride, padding, dilation, epilogue_for, crop):
        return
    xp = pad(ctx, x, padding, 0.0, dilation)
    ctx.release_onchip()
    bands = None
    fits = _windows_fit(xp, stride, crop)
    if (kh, kw) != (1, 1):
        bands = plan_bands(ctx, xp, w, (oh, ow), crop, stride)
    if bands is not None and _bands_pay(ctx, bands, xp, w, (oh, ow), fits):
        pack, wt = bands.pack, w
        if pack > 1:
            wt = pack_weights(ctx, w, pack, stride[1])
            ctx.release_onchip()
        # the epilogue's on-chip rows first; the bands are planned again in what is left
        epilogue = None
        if epilogue_for:
            epilogue = epilogue_for(_dense_rows, pack)
            if epilogue is None:  # it cannot take packed rows
                pack, wt = 1, w
                epilogue = epilogue_for(_dense_rows)
        bands = plan_bands(ctx, xp, w, (oh, ow), crop, stride, pack=pack)
        if bands is not None:
            emit_bands(ctx, bands, xp, wt, out, crop, epilogue)
            return
        if pack > 1:
            raise LoweringError(f"{ctx.em.tag.layer}: packed bands no longer fit on chip")
        if fits:
            a = _windows(xp, (kh, kw), (oh, ow), crop, stride)
        else:
            a = View.matrix(im2col(ctx, xp, (kh, kw), stride, (oh, ow), crop))
        emit_gemm(ctx, a, wmat, View.matrix(out), epilogue)
        return
    if (kh, kw) != (1, 1) and fits and _shifted_pays(ctx, xp, w, (oh, ow), stride):
        a: View | KParts = _windows(xp, (kh, kw), (oh, ow), crop, stride)
    else:
        a = View.matrix(im2col(ctx, xp, (kh, kw), stride, (oh, ow), crop))
        ctx.release_onchip()
    # the epilogue may hold on-chip rows (requantization constants): allocate them only after
    # the last release, so the GEMM cannot reuse them
    epilogue = epilogue_for(_dense_rows) if epilogue_for else None
    emit_gemm(ctx, a, wmat, View.matrix(out), epilogue)


def _tap_planes(
    ctx: Ctx,
    x: Buf,
    w: Buf,
    out: Buf,
    stride: tuple[int, int],
    padding: tuple[int, int, int, int],
    dilation: tuple[int, int],
    epilogue_for: EpilogueFor | None,
    crop: tuple[int, int],
    tap_weights: TapWeights | None = None,
) -> bool:
    """Emit a stride-1 convolution by tap planes (conv_taps.py) when the cost model predicts
    that cheapest (`_taps_pay`). False (nothing emitted) otherwise. With ``tap_weights``
    (see `emit_taps`), ``w`` gives only the weights' shape."""
    kh, kw, cin, cout = w.shape
    if stride != (1, 1) or dilation != (1, 1) or (kh, kw) == (1, 1):
        return False
    out_hw = out.shape[1:3]
    plan = plan_taps(ctx, x, w, out_hw, padding, crop)
    if plan is None:
        return False
    if not _taps_pay(ctx, plan, x, w, out_hw, padding, crop):
        return False
    # the epilogue's on-chip rows first; the planes are planned again in what is left
    epilogue = epilogue_for(_dense_rows) if epilogue_for else None
    again = plan_taps(ctx, x, w, out_hw, padding, crop)
    if again is not None:
        emit_taps(ctx, again, x, w, out, epilogue, tap_weights)
        return True
    if tap_weights is not None:
        raise LoweringError(f"{ctx.em.tag.layer}: tap planes no longer fit on chip")
    xp = pad(ctx, x, padding, 0.0)
    if _windows_fit(xp, stride, crop):
        a: View | KParts = _windows(xp, (kh, kw), out_hw, crop, stride)
    else:
        a = View.matrix(im2col(ctx, xp, (kh, kw), stride, out_hw, crop))
    wmat = View.matrix(w.reshaped((kh * kw * cin, cout)))
    emit_gemm(ctx, a, wmat, View.matrix(out), epilogue)
    return True


def _taps_pay(
    ctx: Ctx,
    plan: TapPlan,
    x: Buf,
    w: Buf,
    out_hw: tuple[int, int],
    padding: tuple[int, int, int, int],
    crop: tuple[int, int],
) -> bool:
    """Whether tap planes are predicted cheaper than bands (of the unpadded input, or of a
    padded copy plus the copy's load and store), shifted windows and im2col (each plus the
    padded copy)."""
    kh, kw, cin, cout = w.shape
    stride = (1, 1)  # the only stride tap planes take
    n, h, wd, _ = x.shape
    pt, pl, pb, pr = padding
    padded = Buf(x.addr, (n, h + pt + pb, wd + pl + pr, cin), x.dtype)  # for planning only
    copy = 0
    if padding != (0, 0, 0, 0):
        copy = 2 * dma_cycles(ctx.config, n * h, wd * cin, x.dtype.nbytes)
    t, k = n * out_hw[0] * out_hw[1], kh * kw * cin
    dts = (x.dtype, w.dtype)
    others = {
        "shifted windows": predict_gemm(ctx, t, k, cout, dts, (kw * cin,) * kh).cycles + copy,
        "im2col": predict_gemm(ctx, t, k, cout, dts).cycles
        + im2col_cycles(ctx, (n * out_hw[0], out_hw[1]), (kh, kw), cin, x.dtype.nbytes)
        + copy,
    }
    bands = plan_bands(ctx, padded, w, out_hw, crop, stride)
    if bands is not None:
        others["row bands"] = bands.cycles + copy
    if padding != (0, 0, 0, 0):
        free = plan_bands(ctx, x, w, out_hw, crop, stride, padding)
        if free is not None:
            others["unpadded row bands"] = free.cycles
    ctx.notes.append(
        f"{ctx.em.tag.layer}: tap planes ~{plan.cycles} cycles against "
        + ", ".join(f"~{c} by {way}" for way, c in others.items())
    )
    return plan.cycles < min(others.values())


def _unpadded_bands(
    ctx: Ctx,
    x: Buf,
    w: Buf,
    out: Buf,
    stride: tuple[int, int],
    padding: tuple[int, int, int, int],
    dilation: tuple[int, int],
    epilogue_for: EpilogueFor | None,
    crop: tuple[int, int],
) -> bool:
    """Emit the convolution by bands that read ``x`` itself and hold its zero padding on
    chip (no padded copy through DRAM), when the cost model predicts that cheapest: against
    bands of the padded copy plus the copy's load and store, shifted windows and im2col.
    False (nothing emitted) otherwise."""
    kh, kw, cin, _ = w.shape
    if dilation != (1, 1) or padding == (0, 0, 0, 0) or (kh, kw) == (1, 1):
        return False
    out_hw = out.shape[1:3]
    free = plan_bands(ctx, x, w, out_hw, crop, stride, padding)
    if free is None:
        return False
    n, h, wd, _ = x.shape
    pt, pl, pb, pr = padding
    padded = Buf(x.addr, (n, h + pt + pb, wd + pl + pr, cin), x.dtype)  # for planning only
    copy = 2 * dma_cycles(ctx.config, n * h, wd * cin, x.dtype.nbytes)
    with_copy = plan_bands(ctx, padded, w, out_hw, crop, stride)
    ctx.notes.append(
        f"{ctx.em.tag.layer}: bands of the unpadded input ~{free.cycles} cycles (array "
        f"{free.compute}, bus {free.bus}) against "
        f"~{with_copy.cycles if with_copy else '-'} + {copy} for the padded copy"
    )
    if not _unpadded_pays(free, with_copy, copy):
        return False
    if not _bands_pay(ctx, free, padded, w, out_hw, _windows_fit(padded, stride, crop)):
        return False
    # the epilogue's on-chip rows first; the bands are planned again in what is left
    epilogue = epilogue_for(_dense_rows) if epilogue_for else None
    free = plan_bands(ctx, x, w, out_hw, crop, stride, padding)
    if free is not None:
        emit_bands(ctx, free, x, w, out, crop, epilogue)
        return True
    xp = pad(ctx, x, padding, 0.0)
    if _windows_fit(xp, stride, crop):
        a: View | KParts = _windows(xp, (kh, kw), out_hw, crop, stride)
    else:
        a = View.matrix(im2col(ctx, xp, (kh, kw), stride, out_hw, crop))
    wmat = View.matrix(w.reshaped((kh * kw * cin, w.shape[3])))
    emit_gemm(ctx, a, wmat, View.matrix(out), epilogue)
    return True


def _unpadded_pays(free: BandPlan, with_copy: BandPlan | None, copy: int) -> bool:
    """Whether bands of the unpadded input beat bands of a padded copy and the copy. Where
    the padding's chunks add folds, only while the array's work stays well under the bus's:
    as the two near, they no longer overlap as the band plan assumes (ResNet-18's 64-channel
    3x3 stride-1 convolutions at batch 8 on tpu-v1, array at 0.9 of the bus, were predicted
    cheaper unpadded and measured 371k cycles against 331k with the copy; its stride-2 one,
    at about half, 154k against 185k)."""
    if with_copy is None:
        return True
    if len(free.chunks) > len(with_copy.chunks) and 4 * free.compute > 3 * free.bus:
        return False
    return free.cycles < with_copy.cycles + copy


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
    es = w.dtype.nbytes

    def flipped(i: int, j: int) -> View:
        """Tap (i, j) of the flipped kernel with in/out channels swapped: w[kh-1-i, kw-1-j]^T."""
        first = ((kh - 1 - i) * kw + (kw - 1 - j)) * cin * cout
        return View(w.addr + first * es, w.dtype, cin, cout, cout).T

    # tap planes load each tap's weights transposed themselves; the other ways need them as
    # a tensor in DRAM
    shape = Buf(w.addr, (kh, kw, cout, cin), w.dtype)  # for planning only
    if (sh, sw) == (1, 1) and _tap_planes(
        ctx, dy, shape, out, (1, 1), padding, (1, 1), epilogue_for, crop, flipped
    ):
        return
    w2 = ctx.temp((kh, kw, cout, cin), w.dtype)
    with Copies(ctx) as cp:
        for i in range(kh):
            for j in range(kw):
                dst = View(w2.addr + ((i * kw + j) * cout * cin) * es, w.dtype, cout, cin, cin)
                cp.copy(flipped(i, j), dst)
    _conv_core(ctx, dy, w2, out, (1, 1), padding, (sh, sw), epilogue_for, crop)


RULES = {
    Op.CONV2D: lower_conv2d,
    Op.CONV2D_GRAD_INPUT: lower_conv2d_grad_input,
}
