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
    """CastLike: Cast to the element type of the second input (`shape.cast_to`)."""
    from compiler.onnx_ops.shape import cast_to

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
