"""Handlers of ONNX reductions and normalizations over any axes, built from IR primitives.

ReduceSum/Mean/Max/Min over any set of axes: a TRANSPOSE moving the reduced axes last (a DMA
move; none when they already are), a RESHAPE to [kept, reduced], one REDUCE_SUM or REDUCE_MAX
over the last axis (min is -max(-x)), SCALE by 1/count for the mean, and a RESHAPE to the
result's shape. On the model's integer tensors (`compiler.onnx_ops.integers`): max and min,
and sums that stay exact. LayerNormalization over the trailing axes from ``axis``: the IR's
LAYER_NORM over the last axis of [leading, normalized].
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import onnx

from compiler.ir import Op
from compiler.onnx_ops import integers
from compiler.onnx_ops.importer import Importer, Unsupported

_AXES_INPUT_SINCE = {"ReduceSum": 13}  # the others take axes as an input from opset 18


def _axes(im: Importer, n: onnx.NodeProto, rank: int) -> tuple[int, ...] | None:
    """The reduced axes, sorted and non-negative; None: reduce nothing (noop_with_empty_axes)."""
    if im.opset >= _AXES_INPUT_SINCE.get(n.op_type, 18):
        if im.has(1):
            value = im.static(1, "axes")
            axes = [int(a) for a in np.asarray(value).reshape(-1)]
        else:
            axes = []
    else:
        axes = [int(a) for a in im.attr("axes", [])]
    if not axes:
        return None if im.attr("noop_with_empty_axes", 0) else tuple(range(rank))
    return tuple(sorted({a % rank for a in axes}))


def reduce(kind: str) -> Callable[[Importer, onnx.NodeProto], None]:
    """ReduceSum ("sum"), ReduceMean ("mean"), ReduceMax ("max"), ReduceMin ("min")."""

    def handle(im: Importer, n: onnx.NodeProto) -> None:
        if im.has(1):
            im.static(1, "axes")  # an unbound axes input is asked for before the data is read
        integer = integers.is_integer(im, n.input[0])
        if integer and kind == "mean":
            raise Unsupported("the mean of integers (truncated, in ONNX) is not supported")
        x = im.get(n.input[0], "plain")
        shape = im.b.shape(x)
        axes = _axes(im, n, len(shape))
        if axes is None:
            im.put(0, x)
            return
        kept = [i for i in range(len(shape)) if i not in axes]
        keepdims = bool(im.attr("keepdims", 1))
        out = (
            tuple(1 if i in axes else d for i, d in enumerate(shape))
            if keepdims
            else tuple(shape[i] for i in kept)
        )
        perm = tuple(kept) + axes
        b, name = im.b, n.name
        y = x if perm == tuple(range(len(shape))) else b.add(Op.TRANSPOSE, (x,), name, perm=perm)
        count = int(np.prod([shape[a] for a in axes], dtype=np.int64))
        rows = int(np.prod([shape[i] for i in kept], dtype=np.int64))
        if integer:
            most = integers.bound(im, n.input[0]) * (count if kind == "sum" else 1)
            if most > integers.EXACT:
                raise Unsupported(
                    f"a sum of {count} values up to {integers.bound(im, n.input[0])} can reach "
                    f"{most}, past 2^24 where the chip's fp32 stops holding integers exactly"
                )
            im.elem[n.output[0]], im.int_bound[n.output[0]] = im.elem[n.input[0]], most
        y = b.reshape(y, (rows, count), name)
        if kind == "min":
            y = b.scale(y, -1.0, name)
        y = b.add(Op.REDUCE_MAX if kind in ("max", "min") else Op.REDUCE_SUM, (y,), name, axis=-1)
        if kind == "min":
            y = b.scale(y, -1.0, name)
        elif kind == "mean":
            y = b.scale(y, 1.0 / count, name)
        im.put(0, b.reshape(y, out, name))

    return handle


def layer_norm(im: Importer, n: onnx.NodeProto) -> None:
    """LayerNormalization over the axes from ``axis`` on: the IR's LAYER_NORM, or, when the
    Mean/InvStdDev outputs are read, the same arithmetic from primitives so they exist."""
    x = im.get(n.input[0], "plain")
    shape = im.b.shape(x)
    axis = int(im.attr("axis", -1)) % len(shape)
    width = int(np.prod(shape[axis:], dtype=np.int64))
    b, name = im.b, n.name

    def per_element(k: int, what: str, default: float) -> int:
        if not im.has(k):
            return b.const(b.unique(f"{name or 'layer_norm'}.{what}"), np.full(width, default))
        value = im.const(n.input[k])
        if value is not None and n.input[k] not in im.vals:
            full = np.broadcast_to(np.asarray(value, np.float64), shape[axis:]).reshape(width)
            return im.param(n.input[k], full)
        t = im.operand(k, what)
        if int(np.prod(b.shape(t))) != width:
            raise Unsupported(f"{what} {n.input[k]!r} must hold {width} values ({shape[axis:]})")
        return b.reshape(t, (width,), name)

    gamma, beta = per_element(1, "scale", 1.0), per_element(2, "bias", 0.0)
    flat = b.reshape(x, (-1, width), name)
    eps = float(im.attr("epsilon", 1e-5))
    stats = [k for k in (1, 2) if len(n.output) > k and n.output[k]]
    if not stats:
        y = b.add(Op.LAYER_NORM, (flat, gamma, beta), name, eps=eps)
        im.put(0, b.reshape(y, shape, name))
        return
    mean = b.scale(b.add(Op.REDUCE_SUM, (flat,), name, axis=-1), 1.0 / width, name)
    centered = b.add(Op.SUB, (flat, mean), name)
    square = b.add(Op.MUL, (centered, centered), name)
    var = b.scale(b.add(Op.REDUCE_SUM, (square,), name, axis=-1), 1.0 / width, name)
    inv = b.add(Op.RSQRT, (b.add_const(var, eps, name),), name)
    y = b.add(
        Op.ADD, (b.add(Op.MUL, (b.add(Op.MUL, (centered, inv), name), gamma), name), beta), name
    )
    im.put(0, b.reshape(y, shape, name))
    stat_shape = shape[:axis] + (1,) * (len(shape) - axis)
    if 1 in stats:
        im.put(1, b.reshape(mean, stat_shape, name))
    if 2 in stats:
        im.put(2, b.reshape(inv, stat_shape, name))
