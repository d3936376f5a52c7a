"""ONNX ConvTranspose (1-D, 2-D and 3-D) as CONV2Ds of the input spread by the stride.

A transposed convolution is the convolution of the input with zeros inserted between its
pixels (``stride - 1`` per gap), padded by ``kernel - 1 - pads`` on each side (plus
``output_padding`` at the end), with the kernel flipped and its in/out channels swapped. Each
group is one such CONV2D on its slice of the channels; dilations spread the kernel with zeros
the same way; 1-D is 2-D with a unit height; 3-D sums 2-D ones over the kernel's depth. The
padding comes from ``pads``, or from ``output_shape`` / ``auto_pad`` SAME as ONNX's reference
computes it.
"""

from __future__ import annotations

import numpy as np
import onnx

from compiler.ir import Op
from compiler.onnx_ops.importer import Importer, Unsupported


def conv_transpose(im: Importer, n: onnx.NodeProto) -> None:
    """1-D or 2-D ConvTranspose: group, dilations, strides, pads, output_padding,
    output_shape, auto_pad; weight and bias constant or run-time."""
    from compiler.onnx_ops.nn import interleave

    b, name = im.b, n.name
    const_w = im.const(n.input[1]) if n.input[1] not in im.vals else None
    wshape = np.shape(const_w) if const_w is not None else b.shape(im.operand(1, "weight W"))
    nd = len(wshape) - 2
    xshape = b.shape(im.get(n.input[0]))
    if nd not in (1, 2, 3) or len(xshape) != nd + 2:
        raise Unsupported(
            f"only 1-D, 2-D and 3-D ConvTranspose are supported (weight rank {len(wshape)}, "
            f"input rank {len(xshape)})"
        )
    group = int(im.attr("group", 1))
    cin, cout_g = wshape[0], wshape[1]
    if group < 1 or cin % group or xshape[1] != cin:
        raise Unsupported(
            f"group={group} does not divide the {xshape[1]} input channels (weight {wshape})",
            "group",
        )
    kernel = [int(k) for k in wshape[2:]]
    stride = _ints(im, "strides", [1] * nd)
    dil = _ints(im, "dilations", [1] * nd)
    extra = _ints(im, "output_padding", [0] * nd)
    span = [(k - 1) * d + 1 for k, d in zip(kernel, dil, strict=True)]
    begin, end = _pads(im, nd, list(xshape[2:]), stride, extra, span)
    if nd == 3:
        geometry = (kernel, stride, dil, extra, span, begin, end)
        _conv_transpose_3d(im, n, const_w, wshape, group, geometry)
        return
    # everything below is 2-D: 1-D gets a unit height
    if nd == 1:
        kernel, stride, dil, span = ([1] + v for v in (kernel, stride, dil, span))
        extra, begin, end = ([0] + v for v in (extra, begin, end))
    padding = tuple(
        [span[i] - 1 - begin[i] for i in (0, 1)] + [span[i] - 1 - end[i] + extra[i] for i in (0, 1)]
    )
    if min(padding) < 0:
        raise Unsupported(f"pads {begin + end} larger than the kernel less one", "pads")

    x = im.get(n.input[0], "plain")
    if nd == 1:
        x = b.reshape(x, (xshape[0], xshape[1], 1, xshape[2]), name)
    x = b.add(Op.TRANSPOSE, (x,), name, perm=(0, 2, 3, 1))  # NHWC
    for axis, s in ((1, stride[0]), (2, stride[1])):
        if s > 1:
            spread = interleave(im, x, axis, s, zeros=True)
            x = b.slice(spread, axis, 0, b.shape(spread)[axis] - (s - 1), name)
    w = _flipped_weight(im, n, const_w, wshape, kernel, dil)  # [KH, KW, Cin, Cout/group]
    per_in = cin // group
    parts = []
    for g in range(group):
        xg = b.slice(x, 3, g * per_in, (g + 1) * per_in, name)
        wg = b.slice(w, 2, g * per_in, (g + 1) * per_in, name)
        parts.append(b.add(Op.CONV2D, (xg, wg), name, stride=(1, 1), padding=padding))
    y = parts[0] if group == 1 else b.add(Op.CONCAT, parts, name, axis=3)
    y = _biased(im, n, y, cout_g * group)
    if nd == 1:
        _, _, ow, c = b.shape(y)
        y = b.add(Op.TRANSPOSE, (b.reshape(y, (xshape[0], ow, c), name),), name, perm=(0, 2, 1))
        im.put(0, y)
    else:
        im.put(0, y, "nhwc")


def _conv_transpose_3d(
    im: Importer,
    n: onnx.NodeProto,
    const_w: np.ndarray | None,
    wshape: tuple[int, ...],
    group: int,
    geometry: tuple[list[int], ...],
) -> None:
    """3-D ConvTranspose as CONV2Ds: the input spread by the stride along H and W; each output
    depth slice sums, over the kernel's depth taps that meet an input slice (not a zero of the
    depth spread or padding), the 2-D convolution of that slice with that kernel slice."""
    from compiler.onnx_ops.nn import interleave

    kernel, stride, dil, extra, span, begin, end = geometry
    b, name = im.b, n.name
    x = b.add(Op.TRANSPOSE, (im.get(n.input[0], "plain"),), name, perm=(0, 2, 3, 4, 1))
    batch, depth = b.shape(x)[:2]
    for axis, s in zip((2, 3), stride[1:], strict=True):
        if s > 1:
            spread = interleave(im, x, axis, s, zeros=True)
            x = b.slice(spread, axis, 0, b.shape(spread)[axis] - (s - 1), name)
    pad = [span[i] - 1 - begin[i] for i in range(3)] + [
        span[i] - 1 - end[i] + extra[i] for i in range(3)
    ]
    if min(pad) < 0:
        raise Unsupported(f"pads {begin + end} larger than the kernel less one", "pads")
    w = _flipped_weight(im, n, const_w, wshape, kernel, dil)  # [KD, KH, KW, Cin, Cout/g]
    cin, cout_g = wshape[0], wshape[1]
    per_in = cin // group
    padding = (pad[1], pad[2], pad[4], pad[5])
    out_depth = (depth - 1) * stride[0] + 1 + pad[0] + pad[3] - span[0] + 1
    slices = []
    for od in range(out_depth):
        total = None
        for k in range(0, span[0], dil[0]):  # the kernel's non-zero depth taps
            p = od + k - pad[0]  # position in the input spread along D
            if p < 0 or p % stride[0] or p // stride[0] >= depth:
                continue
            xs = b.slice(x, 1, p // stride[0], p // stride[0] + 1, name)
            xs = b.reshape(xs, (batch, *b.shape(xs)[2:]), name)
            wk = b.reshape(b.slice(w, 0, k, k + 1, name), b.shape(w)[1:], name)
            parts = [
                b.add(
                    Op.CONV2D,
                    (
                        b.slice(xs, 3, g * per_in, (g + 1) * per_in, name),
                        b.slice(wk, 2, g * per_in, (g + 1) * per_in, name),
                    ),
                    name,
                    stride=(1, 1),
                    padding=padding,
                )
                for g in range(group)
            ]
            y = parts[0] if group == 1 else b.add(Op.CONCAT, parts, name, axis=3)
            total = y if total is None else b.add(Op.ADD, (total, y), name)
        if total is None:  # no input slice reaches this depth
            oh = b.shape(x)[2] + pad[1] + pad[4] - span[1] + 1
            ow = b.shape(x)[3] + pad[2] + pad[5] - span[2] + 1
            total = b.fill((batch, oh, ow, cout_g * group), 0.0, name)
        slices.append(b.reshape(total, (batch, 1, *b.shape(total)[1:]), name))
    y = slices[0] if len(slices) == 1 else b.add(Op.CONCAT, slices, name, axis=1)
    y = _biased(im, n, y, cout_g * group)
    im.put(0, b.add(Op.TRANSPOSE, (y,), name, perm=(0, 4, 1, 2, 3)))


def _biased(im: Importer, n: onnx.NodeProto, y: int, channels: int) -> int:
    """``y`` (channels last) plus the bias B, if the node has one."""
    if not im.has(2):
        return y
    b = im.b
    bias = im.const(n.input[2]) if n.input[2] not in im.vals else None
    bid = (
        im.param(n.input[2], np.asarray(bias, np.float64).reshape(-1))
        if bias is not None
        else b.reshape(im.operand(2, "bias B"), (channels,), n.name)
    )
    return b.add(Op.ADD, (y, bid), n.name)


def _ints(im: Importer, attr: str, default: list[int]) -> list[int]:
    v = [int(a) for a in im.attr(attr, default)]
    if len(v) != len(default):
        raise Unsupported(f"attribute {attr}={v} must have {len(default)} values", attr)
    return v


def _pads(
    im: Importer,
    nd: int,
    size: list[int],
    stride: list[int],
    extra: list[int],
    span: list[int],
) -> tuple[list[int], list[int]]:
    """The (begin, end) padding per spatial axis: ``pads``, or from ``output_shape`` (its
    total split as ONNX's reference does: the larger half at the end for SAME_UPPER, else at
    the beginning; a negative total extends the output)."""
    auto_pad = im.attr("auto_pad", b"NOTSET").decode()
    out_shape = im.attr("output_shape")
    if auto_pad not in ("NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"):
        raise Unsupported(f"attribute auto_pad={auto_pad!r} is not supported", "auto_pad")
    if out_shape is None and auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        out_shape = [s * st for s, st in zip(size, stride, strict=True)]
    if out_shape is None:
        pads = _ints(im, "pads", [0] * 2 * nd) if auto_pad == "NOTSET" else [0] * 2 * nd
        return pads[:nd], pads[nd:]
    out_shape = [int(v) for v in out_shape][-nd:]
    if len(out_shape) != nd:
        raise Unsupported(f"output_shape {out_shape} must give {nd} spatial sizes", "output_shape")
    begin, end = [], []
    for i in range(nd):
        total = stride[i] * (size[i] - 1) + extra[i] + span[i] - out_shape[i]
        small, big = total // 2, total - total // 2
        begin.append(small if auto_pad == "SAME_UPPER" else big)
        end.append(big if auto_pad == "SAME_UPPER" else small)
    return begin, end


def _flipped_weight(
    im: Importer,
    n: onnx.NodeProto,
    w: np.ndarray | None,
    wshape: tuple[int, ...],
    kernel: list[int],
    dil: list[int],
) -> int:
    """The weight as a convolution kernel [*K, Cin, Cout/group] (K: the spatial extents):
    flipped, dilated with zeros. A constant is rearranged at import; a run-time weight by DMA
    moves."""
    from compiler.onnx_ops.nn import interleave
    from compiler.onnx_ops.slicing import select

    b, name, nd = im.b, n.name, len(kernel)
    perm = (*range(2, 2 + nd), 0, 1)
    if w is not None:
        w = np.asarray(w, np.float64).reshape(wshape[0], wshape[1], *kernel)
        spans = tuple((k - 1) * d + 1 for k, d in zip(kernel, dil, strict=True))
        wide = np.zeros(w.shape[:2] + spans)
        wide[(slice(None), slice(None), *(slice(None, None, d) for d in dil))] = w
        flipped = wide[(slice(None), slice(None), *(slice(None, None, -1),) * nd)]
        return im.param(n.input[1], flipped.transpose(perm))
    flipped = b.reshape(im.operand(1, "weight W"), (wshape[0], wshape[1], *kernel), name)
    for axis, k, d in zip(range(2, 2 + nd), kernel, dil, strict=True):
        if k > 1:
            flipped = select(im, flipped, axis, list(reversed(range(k))))
        if d > 1 and k > 1:
            spread = interleave(im, flipped, axis, d, zeros=True)
            flipped = b.slice(spread, axis, 0, b.shape(spread)[axis] - (d - 1), name)
    return b.add(Op.TRANSPOSE, (flipped,), name, perm=perm)
