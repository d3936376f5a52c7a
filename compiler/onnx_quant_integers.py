"""DequantizeLinear, QLinearMatMul and QLinearConv on the model's integer tensors, held as exact
fp32 values (`compiler.onnx_ops.integers`), as ONNX's reference computes them; on int8 codes
they are `compiler.onnx_quant`'s.

Operands less their zero points go through the float handler (MatMul, Conv) on the systolic
array in fp32, exact while the sums stay below 2^24; the result is scaled by ``s1 * s2 / sy``,
rounded to nearest even, offset by the output zero point and saturated to int8 or uint8.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import onnx

from compiler.ir import Op
from compiler.onnx_ops import integers, narrow, nn
from compiler.onnx_ops import math as onnx_math
from compiler.onnx_ops.importer import Importer, Unsupported


def dequantize_integers(im: Importer, n: onnx.NodeProto) -> None:
    """DequantizeLinear of one of the model's integer tensors (held as exact fp32 values, see
    `compiler.onnx_ops.integers`): (x - zero point) * scale on the vector unit, one rounding as
    ONNX's reference; scale and zero point per tensor or per ``axis``, known at compile time,
    or per block (`compiler.onnx_ops.narrow.dequantize`, which takes run-time ones too)."""
    b, name = im.b, n.name
    x = im.integer(n.input[0])
    if im.attr("block_size", 0):  # per block: as a narrow format's (exact fp32 integers too)
        if im.has(2) and n.input[2] in im.unheld:  # a run-time integer zero point
            im.integer(n.input[2])
        narrow.dequantize(im, n)
        return
    shape = b.shape(x)
    scale = np.asarray(im.static(1, "x_scale"), np.float64)
    zp = np.asarray(im.static(2, "x_zero_point"), np.float64) if im.has(2) else np.zeros(1)
    if scale.size == 1 and zp.size == 1:
        scale, zp = scale.reshape(1), zp.reshape(1)
    else:
        axis = int(im.attr("axis", 1)) % len(shape)
        if scale.ndim != 1 or scale.size != shape[axis] or zp.shape != scale.shape:
            raise Unsupported(
                f"scale of shape {list(scale.shape)} and zero point of shape "
                f"{list(zp.shape)} for axis {axis} of {list(shape)}",
                "axis",
            )
        view = [1] * len(shape)
        view[axis] = -1
        scale = np.broadcast_to(scale.reshape(view), shape).copy()
        zp = np.broadcast_to(zp.reshape(view), shape).copy()
    centered = b.add(Op.SUB, (x, b.const(b.unique(f"{n.output[0]}.zero_point"), zp)), name)
    scaled = b.add(Op.MUL, (centered, b.const(b.unique(f"{n.output[0]}.scale"), scale)), name)
    im.put(0, scaled)


def qlinear_matmul_integers(im: Importer, n: onnx.NodeProto) -> None:
    """QLinearMatMul of the model's integer tensors (`_qlinear_integers`) as a MatMul."""
    _qlinear_integers(im, n, "MatMul", onnx_math.matmul, (0, 3), (1, 4, 6))


def qlinear_conv_integers(im: Importer, n: onnx.NodeProto) -> None:
    """QLinearConv of the model's integer tensors (`_qlinear_integers`) as a Conv."""
    if im.has(8):
        raise Unsupported("a bias B is not supported with integer (uint8) inputs", "B")
    _qlinear_integers(im, n, "Conv", nn.conv, (0, 3), (1, 4, 6))


def _qlinear_integers(
    im: Importer,
    n: onnx.NodeProto,
    op_type: str,
    handler: Callable[[Importer, onnx.NodeProto], None],
    operands: tuple[int, int],
    scales: tuple[int, int, int],
) -> None:
    """A QLinear GEMM op on the model's integer tensors (held as exact fp32 values; the second
    operand such a tensor or a constant), as ONNX's reference: the float op (``handler``, as
    for ``op_type``, with the node's attributes) of the operands less their zero points, on
    the systolic array in fp32 (exact while the sums stay below 2^24; the centered values, at
    most 255 in magnitude, are exact in bf16 too), times ``s1 * s2 / sy`` computed in the
    scales' own type, rounded to nearest even, plus ``zy``, saturated to the output type. The
    product is fp32, as onnxruntime's (ONNX's reference multiplies in float64: where the fp32
    product lands on a half it may round one step the other way).
    Scales and zero points (inputs ``scales`` and the ones after them) are per tensor and
    known at compile time (constant or bound)."""
    b, name = im.b, n.name
    params = {}
    for k in scales:
        for j in (k, k + 1):
            if im.has(j):
                params[j] = np.asarray(im.static(j, ("scale", "zero point")[j - k]))
    if any(v.size != 1 for v in params.values()):
        raise Unsupported("only per-tensor scales and zero points are supported (one value)")
    zy = params.get(scales[2] + 1)
    out_type = np.dtype(zy.dtype) if zy is not None else im.elem[n.input[0]]
    if out_type not in (np.dtype(np.int8), np.dtype(np.uint8)):
        raise Unsupported(f"output type {out_type} (int8 or uint8)")
    names = []
    for k, zp in zip(operands, scales[:2], strict=True):
        x = n.input[k]
        if integers.is_integer(im, x):
            xid = im.integer(x)
        elif im.const(x) is not None and x not in im.vals:
            xid = b.const(b.unique(f"{x}.value"), np.asarray(im.const(x), np.float64))
        else:
            raise Unsupported(f"input {x!r} is neither an integer tensor nor a constant")
        zero = float(np.ravel(params[zp + 1])[0]) if zp + 1 in params else 0.0
        names.append(f"{n.output[0]}.operand{k}.centered")
        im.vals[names[-1]] = (b.add_const(xid, -zero, name) if zero else xid, "plain")
    attrs = [a for a in n.attribute]
    node, im.node = im.node, onnx.helper.make_node(op_type, names, [n.output[0]], name=name)
    im.node.attribute.extend(attrs)
    try:
        handler(im, im.node)
    finally:
        im.node = node
    acc, layout = im.vals[n.output[0]]
    s1, s2, sy = (params[k] for k in scales)
    y = b.scale(acc, float(np.ravel(s1 * s2 / sy)[0]), name)  # in the scales' type, as ONNX
    y = b.add_const(b.add_const(y, _ROUND, name), -_ROUND, name)  # |y| < 2^22: nearest even
    if zy is not None:
        y = b.add_const(y, float(np.ravel(zy)[0]), name)
    info = np.iinfo(out_type)
    y = b.add(Op.MAX, (y, b.fill((1,), float(info.min), name)), name)
    y = b.scale(b.add(Op.MAX, (b.scale(y, -1.0, name), b.fill((1,), -info.max, name)), name), -1.0)
    im.put(0, y, layout)
    im.elem[n.output[0]] = out_type
    im.int_bound[n.output[0]] = max(-int(info.min), int(info.max))


_ROUND = 1.5 * 2.0**23  # y + _ROUND - _ROUND rounds |y| < 2^22 to an integer (nearest even)
