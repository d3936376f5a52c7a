"""Handlers of elementwise, matrix-product and softmax ONNX ops."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import onnx

from compiler.ir import Op
from compiler.onnx_ops.importer import NCHW_TO_NHWC, Importer, Unsupported


def unary(op: Op, **attrs: object) -> Callable[[Importer, onnx.NodeProto], None]:
    def handle(im: Importer, n: onnx.NodeProto) -> None:
        x = n.input[0]
        extra = {k: float(im.attr(k, v)) for k, v in attrs.items()}
        im.put(0, im.b.add(op, (im.get(x),), n.name, **extra), im.layout(x))

    return handle


def binary(op: Op) -> Callable[[Importer, onnx.NodeProto], None]:
    def handle(im: Importer, n: onnx.NodeProto) -> None:
        a, c = n.input[:2]
        if im.const(a) is not None and im.const(c) is None:
            a, c = c, a
            if op is Op.SUB:  # const - x == -(x - const)
                im.put(0, im.b.scale(broadcast_op(im, Op.SUB, a, c), -1.0, n.name), im.layout(a))
                return
        im.put(0, broadcast_op(im, op, a, c), im.layout(a))

    return handle


def broadcast_op(im: Importer, op: Op, a: str, c: str) -> int:
    """``a op c`` where ``a`` is a tensor and ``c`` a tensor or a constant (NumPy-style
    broadcasting of ``c``; constants are materialized to the IR's broadcast forms)."""
    layout = im.layout(a)
    value = im.const(c)
    if (
        value is None
        and im.layout(c) != layout
        and (len(im.b.shape(im.get(a))) != 4 or len(im.b.shape(im.get(c))) != 4)
    ):
        layout = "plain"
    x = im.get(a, layout)
    shape = im.b.shape(x)
    if value is not None:
        v = np.asarray(value, dtype=np.float64)
        if layout == "nhwc":  # an NCHW-broadcastable constant, in NHWC order
            v = np.broadcast_to(v, (1,) * (4 - v.ndim) + v.shape).transpose(NCHW_TO_NHWC)
        core = v
        while core.ndim > 1 and core.shape[0] == 1:
            core = core[0]
        if v.size == 1:
            v = v.reshape(1)
        elif core.shape == shape[-1:]:
            v = core
        else:
            try:
                v = np.broadcast_to(v, shape).copy()
            except ValueError:
                raise Unsupported(
                    f"constant {c!r} of shape {value.shape} does not broadcast to {shape}"
                ) from None
        return im.b.add(op, (x, im.param(c, v)), im.node.name)
    y = im.get(c, layout)
    ys = im.b.shape(y)
    if ys != shape:
        size = int(np.prod(ys))
        if size == 1:
            y = im.b.reshape(y, (1,), im.node.name)
        elif size == shape[-1] and ys[-1] == shape[-1]:
            y = im.b.reshape(y, shape[-1:], im.node.name)
        else:
            raise Unsupported(
                f"broadcasting {ys} against {shape}: only equal shapes, a "
                "trailing row vector or a scalar are supported"
            )
    return im.b.add(op, (x, y), im.node.name)


def gemm(im: Importer, n: onnx.NodeProto) -> None:
    alpha, beta = float(im.attr("alpha", 1.0)), float(im.attr("beta", 1.0))
    a = im.get(n.input[0], "plain")
    w = im.get(n.input[1], "plain")
    y = im.b.matmul(
        a, w, trans_a=bool(im.attr("transA", 0)), trans_b=bool(im.attr("transB", 0)), name=n.name
    )
    if alpha != 1.0:
        y = im.b.scale(y, alpha, n.name)
    if im.has(2):
        out = im.b.shape(y)
        bias = beta * im.weight(2, "bias C")
        bias = bias.reshape(out[-1]) if bias.size == out[-1] else np.broadcast_to(bias, out)
        y = im.b.add(Op.ADD, (y, im.param(n.input[2], bias)), n.name)
    im.put(0, y)


def matmul(im: Importer, n: onnx.NodeProto) -> None:
    a, w = im.get(n.input[0], "plain"), im.get(n.input[1], "plain")
    if len(im.b.shape(a)) != 2 or len(im.b.shape(w)) != 2:
        raise Unsupported("only 2-D MatMul is supported")
    im.put(0, im.b.matmul(a, w, name=n.name))


def softmax(op: Op) -> Callable[[Importer, onnx.NodeProto], None]:
    def handle(im: Importer, n: onnx.NodeProto) -> None:
        x = im.get(n.input[0], "plain")
        rank = len(im.b.shape(x))
        if int(im.attr("axis", -1)) % rank != rank - 1:
            raise Unsupported(f"axis={im.attr('axis')} is not supported (only the last axis)")
        im.put(0, im.b.add(op, (x,), n.name))

    return handle
