"""Handlers of elementwise, matrix-product and softmax ONNX ops."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import onnx

from compiler.ir import Op
from compiler.onnx_ops import integers
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
        if integers.is_integer(im, a) or integers.is_integer(im, c):
            integers.binary(im, n, op)
            return
        if im.const(a) is not None and im.const(c) is None:
            a, c = c, a
            if op is Op.SUB:  # const - x == -(x - const)
                im.put(0, im.b.scale(broadcast_op(im, Op.SUB, a, c), -1.0, n.name), im.layout(a))
                return
        im.put(0, broadcast_op(im, op, a, c), im.layout(a))

    return handle


def div(im: Importer, n: onnx.NodeProto) -> None:
    """a / c as a * (1 / c): the reciprocal of a constant folded, of a tensor or a weight
    (trained as the divisor it is) a RECIP."""
    a, c = n.input[:2]
    if integers.is_integer(im, a) or integers.is_integer(im, c):
        integers.divide(im, n)
        return
    value = im.const(c) if c not in im.vals else None
    if value is not None and c not in im.weights:
        name = f"{c}.reciprocal"
        im.consts[name] = 1.0 / np.asarray(value, dtype=np.float64)
    else:
        if value is not None and c not in im.vals and np.size(value) == 1:  # the IR's scalar
            im.vals[c] = (im.param(c, np.asarray(value, np.float64).reshape(1)), "plain")
        name = f"{n.output[0]}.reciprocal"
        im.vals[name] = (im.b.add(Op.RECIP, (im.get(c),), n.name), im.layout(c))
    if a in im.vals or im.const(a) is None:
        im.put(0, broadcast_op(im, Op.MUL, a, name), im.layout(a))
    else:
        im.put(0, broadcast_op(im, Op.MUL, name, a), im.layout(name))


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
        bias = im.const(n.input[2])
        if bias is not None:
            bias = beta * np.asarray(bias, np.float64)
            bias = bias.reshape(out[-1]) if bias.size == out[-1] else np.broadcast_to(bias, out)
            cid = im.param(n.input[2], bias)
        else:
            cid = _bias_operand(im, im.operand(2, "bias C"), out)
            if beta != 1.0:
                cid = im.b.scale(cid, beta, n.name)
        y = im.b.add(Op.ADD, (y, cid), n.name)
    im.put(0, y)


def _bias_operand(im: Importer, c: int, out: tuple[int, ...]) -> int:
    """Run-time bias ``c`` in a form the IR broadcasts against ``out`` [M, N]: a scalar, a row
    vector, a per-row scalar [M, 1], or the full shape."""
    shape = tuple(d for d in im.b.shape(c))
    core = shape[-2:] if len(shape) >= 2 else (1,) + shape
    size = int(np.prod(shape, dtype=np.int64))
    if size == 1:
        return im.b.reshape(c, (1,), im.node.name)
    if core == (1, out[1]) or shape == (out[1],):
        return im.b.reshape(c, (out[1],), im.node.name)
    if core == (out[0], 1):
        return im.b.reshape(c, (out[0], 1), im.node.name)
    if core == tuple(out):
        return im.b.reshape(c, out, im.node.name)
    raise Unsupported(f"bias C of shape {list(shape)} does not broadcast to {list(out)}")


def matmul(im: Importer, n: onnx.NodeProto) -> None:
    """NumPy matmul: 1-D operands promoted and their axis dropped, batch dims broadcast. A
    2-D right operand is one GEMM over all rows; batched pairs are one GEMM each."""
    a, w = im.get(n.input[0], "plain"), im.get(n.input[1], "plain")
    sa, sw = im.b.shape(a), im.b.shape(w)
    if len(sa) == 1:
        a, sa = im.b.reshape(a, (1,) + sa, n.name), (1,) + sa
    if len(sw) == 1:
        w, sw = im.b.reshape(w, sw + (1,), n.name), sw + (1,)
    (m, k), (k2, cols) = sa[-2:], sw[-2:]
    if k != k2:
        raise Unsupported(
            f"inner dimensions {k} and {k2} differ (operand shapes {list(sa)}, {list(sw)})"
        )
    try:
        batch = np.broadcast_shapes(sa[:-2], sw[:-2])
    except ValueError:
        raise Unsupported(f"batch dims of {list(sa)} and {list(sw)} do not broadcast") from None
    if len(sw) == 2:
        rows = int(np.prod(sa[:-1], dtype=np.int64))
        y = im.b.matmul(im.b.reshape(a, (rows, k), n.name), w, name=n.name)
    else:
        count = int(np.prod(batch, dtype=np.int64))
        a3 = im.b.reshape(a, (-1, m, k), n.name)
        w3 = im.b.reshape(w, (-1, k, cols), n.name)
        parts = []
        for idx in np.ndindex(*batch):
            pair = []
            for op3, dims in ((a3, sa[:-2]), (w3, sw[:-2])):
                own = idx[len(idx) - len(dims) :]
                j = (
                    int(
                        np.ravel_multi_index(
                            tuple(i if d > 1 else 0 for i, d in zip(own, dims, strict=True)), dims
                        )
                    )
                    if dims
                    else 0
                )
                mat = im.b.slice(op3, 0, j, j + 1, n.name)
                pair.append(im.b.reshape(mat, im.b.shape(mat)[1:], n.name))
            y2 = im.b.matmul(pair[0], pair[1], name=n.name)
            parts.append(im.b.reshape(y2, (1, m, cols), n.name))
        y = parts[0] if count == 1 else im.b.add(Op.CONCAT, parts, n.name, axis=0)
    shape = tuple(batch) + (m, cols)
    drop = [len(shape) - 2] if len(im.b.shape(im.get(n.input[0]))) == 1 else []
    if len(im.b.shape(im.get(n.input[1]))) == 1:
        drop.append(len(shape) - 1)
    final = tuple(d for i, d in enumerate(shape) if i not in drop)
    im.put(0, im.b.reshape(y, final, n.name))  # () for 1-D by 1-D: a rank-0 result


def softmax(op: Op) -> Callable[[Importer, onnx.NodeProto], None]:
    """Over any axis: the axis moved last by a TRANSPOSE (DMA) and back. Before opset 13 the
    op normalizes over the flattened dims from ``axis`` on (a reshape)."""

    def handle(im: Importer, n: onnx.NodeProto) -> None:
        x = im.get(n.input[0], "plain")
        shape = im.b.shape(x)
        rank = len(shape)
        if im.opset < 13:
            axis = int(im.attr("axis", 1)) % rank
            lead = int(np.prod(shape[:axis], dtype=np.int64))
            flat = im.b.reshape(x, (lead, -1), n.name)
            im.put(0, im.b.reshape(im.b.add(op, (flat,), n.name), shape, n.name))
            return
        axis = int(im.attr("axis", -1)) % rank
        if axis == rank - 1:
            im.put(0, im.b.add(op, (x,), n.name))
            return
        perm = tuple(i for i in range(rank) if i != axis) + (axis,)
        back = tuple(int(p) for p in np.argsort(perm))
        moved = im.b.add(Op.TRANSPOSE, (x,), n.name, perm=perm)
        y = im.b.add(op, (moved,), n.name)
        im.put(0, im.b.add(Op.TRANSPOSE, (y,), n.name, perm=back))

    return handle
