"""Ops on narrow number formats: CastLike, and DequantizeLinear of tensors held widened as
floats (float8, float4 and 4/2-bit integers).

A graph input of one of those formats is held as fp32 with its exact values
(`compiler.onnx_ops.boundary`), so dequantizing it is float arithmetic on the vector unit:
``y = (x - zero_point) * scale`` with the scale (and zero point) per tensor, per ``axis`` or per
block of ``block_size`` along it, constant or given at run time. A float16 or bfloat16 scale
makes the result that type: it is rounded to it (ROUND, the vector unit's CVT).
"""

from __future__ import annotations

import numpy as np
import onnx

from compiler.ir import Op
from compiler.onnx_ops.importer import Importer, Unsupported

_ROUNDED = {onnx.TensorProto.FLOAT16: "float16", onnx.TensorProto.BFLOAT16: "bfloat16"}


def dequantize(im: Importer, n: onnx.NodeProto) -> None:
    """DequantizeLinear of a float-held tensor (see the module docstring)."""
    b, name = im.b, n.name
    x = im.get(n.input[0], "plain")
    shape = b.shape(x)
    axis = int(im.attr("axis", 1)) % max(len(shape), 1)
    block = int(im.attr("block_size", 0))
    y = x
    if im.has(2):
        y = b.add(Op.SUB, (y, _spread(im, 2, shape, axis, block)), name)
    y = b.add(Op.MUL, (y, _spread(im, 1, shape, axis, block)), name)
    fmt = _ROUNDED.get(_elem_type(im, n.input[1]))
    if fmt is not None:
        y = b.add(Op.ROUND, (y,), name, format=fmt, saturate=True, round_mode="up")
    im.put(0, y)


_T = onnx.TensorProto
# QuantizeLinear's integer output types held as exact fp32 values: (lowest, highest, the
# NumPy type the model's integer tensors carry (`Importer.elem`), None for 4/2-bit ones).
_INT_RANGES = {
    _T.INT8: (-128, 127, np.int8),
    _T.UINT8: (0, 255, np.uint8),
    _T.INT16: (-32768, 32767, np.int16),
    _T.UINT16: (0, 65535, np.uint16),
    _T.INT4: (-8, 7, None),
    _T.UINT4: (0, 15, None),
    _T.INT2: (-2, 1, None),
    _T.UINT2: (0, 3, None),
}
_ROUND = 1.5 * 2.0**23  # y + _ROUND - _ROUND rounds |y| < 2^22 to an integer (nearest even)


def quantize(im: Importer, n: onnx.NodeProto) -> None:
    """QuantizeLinear on the chip (a float tensor; scale and zero point constant or run-time,
    per tensor, ``axis`` or block): ``y = x / scale`` as ``x * (1 / scale)``; to an integer
    type, rounded to nearest even, plus the zero point, saturated to the type (exact fp32
    values, as the model's integer tensors); to float8/float4, plus the zero point, rounded to
    the format (ROUND, ``saturate`` as ONNX)."""
    b, name, x = im.b, n.name, n.input[0]
    if x not in im.vals or not b.dtype(im.vals[x][0]).is_float:
        raise Unsupported(f"input {x!r} is not a float tensor (the chip quantizes fp32 values)")
    to = _elem_type(im, n.input[2]) if im.has(2) else None
    to = to or int(im.attr("output_dtype", 0)) or _T.UINT8
    fmt = _FLOAT_OUTPUTS.get(to)
    if to not in _INT_RANGES and (fmt is None or to in (_T.FLOAT16, _T.BFLOAT16)):
        raise Unsupported(
            f"quantizing to {onnx.helper.tensor_dtype_to_string(to)} is not supported "
            "(8/16-bit and 4/2-bit integers, float8, float4e2m1)"
        )
    if im.has(2) and n.input[2] in im.unheld:  # a run-time integer zero point
        im.integer(n.input[2])
    y = im.get(x, "plain")
    shape = b.shape(y)
    axis = int(im.attr("axis", 1)) % max(len(shape), 1)
    block = int(im.attr("block_size", 0))
    y = b.add(Op.MUL, (y, b.add(Op.RECIP, (_spread(im, 1, shape, axis, block),), name)), name)
    if fmt is not None:
        if im.has(2):
            y = b.add(Op.ADD, (y, _spread(im, 2, shape, axis, block)), name)
        sat = bool(im.attr("saturate", 1))
        im.put(0, b.add(Op.ROUND, (y,), name, format=fmt, saturate=sat, round_mode="up"))
        return
    lo, hi, np_type = _INT_RANGES[to]
    limit = 2.0**21  # past every type's range: rounding stays exact, saturation unchanged
    y = b.add(Op.MAX, (y, b.fill((1,), -limit, name)), name)
    y = b.scale(b.add(Op.MAX, (b.scale(y, -1.0, name), b.fill((1,), -limit, name)), name), -1.0)
    y = b.add_const(b.add_const(y, _ROUND, name), -_ROUND, name)
    if im.has(2):
        y = b.add(Op.ADD, (y, _spread(im, 2, shape, axis, block)), name)
    y = b.add(Op.MAX, (y, b.fill((1,), float(lo), name)), name)
    y = b.scale(b.add(Op.MAX, (b.scale(y, -1.0, name), b.fill((1,), -hi, name)), name), -1.0)
    im.put(0, y)
    if np_type is not None:
        im.elem[n.output[0]] = np.dtype(np_type)
    im.int_bound[n.output[0]] = max(-lo, hi)


_FLOAT_OUTPUTS = {
    _T.FLOAT16: "float16",
    _T.BFLOAT16: "bfloat16",
    _T.FLOAT8E4M3FN: "float8e4m3fn",
    _T.FLOAT8E4M3FNUZ: "float8e4m3fnuz",
    _T.FLOAT8E5M2: "float8e5m2",
    _T.FLOAT8E5M2FNUZ: "float8e5m2fnuz",
    _T.FLOAT8E8M0: "float8e8m0",
    _T.FLOAT4E2M1: "float4e2m1",
}


def declared_output(im: Importer, vi: onnx.ValueInfoProto, nid: int) -> int:
    """Graph output ``nid`` as a value of its declared type: one declared a narrow float
    (float16, bfloat16, float8, float4), computed in fp32, is rounded to it (ROUND) unless it
    is that rounding already, a constant folded in that type, or a graph input of that type
    passed through."""
    fmt = (
        _FLOAT_OUTPUTS.get(vi.type.tensor_type.elem_type)
        if vi.type.HasField("tensor_type")
        else None
    )
    node = im.b.nodes[nid]
    if fmt is None or not im.b.dtype(nid).is_float:
        return nid
    if node.op is Op.ROUND and node.attrs["format"] == fmt or node.op is Op.CONST:
        return nid  # rounded already, or folded at import in the declared type
    if node.op is Op.INPUT and _elem_type(im, node.name) == vi.type.tensor_type.elem_type:
        return nid
    return im.b.add(Op.ROUND, (nid,), vi.name, format=fmt, saturate=True, round_mode="up")


def cast_like(im: Importer, n: onnx.NodeProto) -> None:
    """CastLike: Cast to the element type of the second input (`cast.cast_to`)."""
    from compiler.onnx_ops.cast import cast_to

    to = _elem_type(im, n.input[1])
    if to is None:
        raise Unsupported(f"the element type of {n.input[1]!r} is not known statically")
    cast_to(im, n, to)


def _elem_type(im: Importer, name: str) -> int | None:
    """The ONNX element type of tensor ``name``: declared, of a constant, or inferred."""
    for vi in (*im.g.input, *im.g.value_info, *im.g.output):
        if vi.name == name and vi.type.HasField("tensor_type"):
            return vi.type.tensor_type.elem_type
    for t in im.g.initializer:
        if t.name == name:
            return t.data_type
    if name in im.consts:
        return onnx.helper.np_dtype_to_tensor_dtype(np.asarray(im.consts[name]).dtype)
    from compiler.onnx_ops.boundary import inferred_types

    t = inferred_types(im.g).get(name)
    return t.tensor_type.elem_type if t is not None and t.HasField("tensor_type") else None


def _spread(im: Importer, k: int, shape: tuple[int, ...], axis: int, block: int) -> int:
    """Node input ``k`` (a scale or zero point) broadcast for an elementwise op with a tensor
    of ``shape``: a scalar as it is, a per-axis vector along ``axis``, or per block of
    ``block`` elements along it."""
    from compiler.onnx_ops.nn import interleave

    b, name, what = im.b, im.node.name, ("scale", "zero point")[k - 1]
    value = im.const(im.node.input[k])
    if value is not None and im.node.input[k] not in im.vals:
        v = np.asarray(value, np.float64)
        p = b.const(b.unique(f"{im.node.input[k]}.value"), v.reshape(v.shape or (1,)))
    else:
        p = im.operand(k, what)
    pshape = b.shape(p)
    size = int(np.prod(pshape))
    if size == 1:
        return b.reshape(p, (1,), name)
    if block:
        if len(pshape) != len(shape):
            raise Unsupported(f"a blocked {what} must have the input's rank {len(shape)}")
        wide = interleave(im, p, axis, block, zeros=False)
        return b.slice(wide, axis, 0, shape[axis], name)
    if size != shape[axis]:
        raise Unsupported(f"the {what} has {size} values for axis {axis} of size {shape[axis]}")
    if axis == len(shape) - 1:
        return b.reshape(p, (size,), name)
    y = b.reshape(p, tuple(shape[a] if a == axis else 1 for a in range(len(shape))), name)
    for a, want in enumerate(shape):
        if a != axis and want > 1:
            y = b.add(Op.CONCAT, [y] * want, name, axis=a)
    return y
