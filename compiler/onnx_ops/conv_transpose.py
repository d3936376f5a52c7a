"""ONNX ConvTranspose (1-D and 2-D) as CONV2Ds of the input spread by the stride.

A transposed convolution is the convolution of the input with zeros inserted between its
pixels (``stride - 1`` per gap), padded by ``kernel - 1 - pads`` on each side (plus
``output_padding`` at the end), with the kernel flipped and its in/out channels swapped. Each
group is one such CONV2D on its slice of the channels; dilations spread the kernel with zeros
the same way; 1-D is 2-D with a unit height. The padding comes from ``pads``, or from
``output_shape`` / ``auto_pad`` SAME as ONNX's reference computes it.
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
    if nd not in (1, 2) or len(xshape) != nd + 2:
        raise Unsupported(
            f"only 1-D and 2-D ConvTranspose are supported (weight rank {len(wshape)})"
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
    if im.has(2):
        bias = im.const(n.input[2]) if n.input[2] not in im.vals else None
        bid = (
            im.param(n.input[2], np.asarray(bias, np.float64).reshape(-1))
            if bias is not None
            else b.reshape(im.operand(2, "bias B"), (cout_g * group,), name)
        )
        y = b.add(Op.ADD, (y, bid), name)
    if nd == 1:
        _, _, ow, c = b.shape(y)
        y = b.add(Op.TRANSPOSE, (b.reshape(y, (xshape[0], ow, c), name),), name, perm=(0, 2, 1))
        im.put(0, y)
    else:
        im.put(0, y, "nhwc")


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
    """The weight as a CONV2D kernel [KH, KW, Cin, Cout/group]: flipped, dilated with zeros.
    A constant is rearranged at import; a run-time weight by DMA moves."""
    from compiler.onnx_ops.nn import interleave
    from compiler.onnx_ops.shape import select

    b, name = im.b, n.name
    if w is not None:
        w = np.asarray(w, np.float64).reshape(wshape[0], wshape[1], *kernel)
        wide = np.zeros(
            w.shape[:2] + tuple((k - 1) * d + 1 for k, d in zip(kernel, dil, strict=True))
        )
        wide[:, :, :: dil[0], :: dil[1]] = w
        return im.param(n.input[1], wide[:, :, ::-1, ::-1].transpose(2, 3, 0, 1))
    flipped = b.reshape(im.operand(1, "weight W"), (wshape[0], wshape[1], *kernel), name)
    for axis, k, d in ((2, kernel[0], dil[0]), (3, kernel[1], dil[1])):
        if k > 1:
            flipped = select(im, flipped, axis, list(reversed(range(k))))
        if d > 1 and k > 1:
            spread = interleave(im, flipped, axis, d, zeros=True)
            flipped = b.slice(spread, axis, 0, b.shape(spread)[axis] - (d - 1), name)
    return b.add(Op.TRANSPOSE, (flipped,), name, perm=(2, 3, 0, 1))
