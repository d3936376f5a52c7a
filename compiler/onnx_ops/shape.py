"""Handlers of ONNX ops that move data or compute shapes (folded at import when constant)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import onnx
from onnx import numpy_helper

from compiler.ir import Op
from compiler.onnx_ops.importer import NCHW_TO_NHWC, NHWC_TO_NCHW, Importer, Unsupported


def flatten(im: Importer, n: onnx.NodeProto) -> None:
    x = im.get(n.input[0], "plain")
    shape = im.b.shape(x)
    axis = int(im.attr("axis", 1)) % (len(shape) or 1)
    lead = (-1,) if axis == 1 else (int(np.prod(shape[:axis])),)
    im.put(0, im.b.reshape(x, lead + (int(np.prod(shape[axis:])),), n.name))


def reshape(im: Importer, n: onnx.NodeProto) -> None:
    im.reject_attrs(allowzero=0)
    target = im.const(n.input[1])
    if target is None:
        raise Unsupported("the target shape must be a constant (dynamic shapes are not supported)")
    x = im.get(n.input[0], "plain")
    src = im.b.shape(x)
    shape = tuple(src[i] if d == 0 else int(d) for i, d in enumerate(target.tolist()))
    im.put(0, im.b.reshape(x, shape, n.name))


def transpose(im: Importer, n: onnx.NodeProto) -> None:
    x = im.get(n.input[0], "plain")
    rank = len(im.b.shape(x))
    perm = tuple(im.attr("perm", list(range(rank))[::-1]))
    im.put(0, im.b.add(Op.TRANSPOSE, (x,), n.name, perm=perm))


def concat(im: Importer, n: onnx.NodeProto) -> None:
    names = list(n.input)
    if all(im.const(x) is not None for x in names):  # shape arithmetic, folded at import
        im.consts[n.output[0]] = np.concatenate(
            [im.const(x) for x in names], axis=int(im.required("axis"))
        )
        return
    rank = len(im.b.shape(im.get(names[0])))
    axis = int(im.required("axis")) % rank
    if rank == 4 and all(im.layout(x) == "nhwc" for x in names):
        ids, layout, axis = [im.get(x) for x in names], "nhwc", NCHW_TO_NHWC.index(axis)
    else:
        ids, layout = [im.get(x, "plain") for x in names], "plain"
    im.put(0, im.b.add(Op.CONCAT, ids, n.name, axis=axis), layout)


def constant(im: Importer, n: onnx.NodeProto) -> None:
    value = im.attr("value")
    if value is None:
        raise Unsupported("only the 'value' attribute is supported")
    im.consts[n.output[0]] = numpy_helper.to_array(value)


def shape(im: Importer, n: onnx.NodeProto) -> None:
    if n.input[0] in im.consts and n.input[0] not in im.vals:
        dims = tuple(np.shape(im.consts[n.input[0]]))
    else:
        nid = im.get(n.input[0])
        dims = im.b.shape(nid)
        if im.layout(n.input[0]) == "nhwc":  # report the ONNX (NCHW) shape
            dims = tuple(dims[p] for p in NHWC_TO_NCHW)
    start, end = int(im.attr("start", 0)), im.attr("end")
    im.consts[n.output[0]] = np.array(
        dims[start : None if end is None else int(end)], dtype=np.int64
    )


def fold(
    fn: Callable[[Importer, list[np.ndarray]], np.ndarray],
) -> Callable[[Importer, onnx.NodeProto], None]:
    """An op evaluated at import on constant operands (the shape arithmetic exporters emit)."""

    def handle(im: Importer, n: onnx.NodeProto) -> None:
        values = [im.const(x) for x in n.input if x]
        if any(v is None for v in values):
            raise Unsupported(
                "supported only on constant operands (shape arithmetic folded at import)"
            )
        im.consts[n.output[0]] = np.asarray(fn(im, values))

    return handle


def axes(im: Importer, values: list[np.ndarray]) -> tuple[int, ...]:
    axes = values[1] if len(values) > 1 else im.attr("axes")
    if axes is None:
        raise Unsupported("missing axes")
    return tuple(int(a) for a in np.asarray(axes).reshape(-1))


def identity(im: Importer, n: onnx.NodeProto) -> None:
    if len(n.output) > 1 and n.output[1]:
        raise Unsupported("the mask output is not supported")
    if im.const(n.input[0]) is not None:
        im.consts[n.output[0]] = im.consts[n.input[0]]
    else:
        im.put(0, im.get(n.input[0]), im.layout(n.input[0]))


gather = fold(lambda im, v: np.take(v[0], v[1], axis=int(im.attr("axis", 0))))
unsqueeze = fold(lambda im, v: np.expand_dims(v[0], axes(im, v)))
squeeze = fold(lambda im, v: np.squeeze(v[0], axes(im, v)))
_FLOAT_TARGETS = {onnx.TensorProto.FLOAT, onnx.TensorProto.DOUBLE}


def cast(im: Importer, n: onnx.NodeProto) -> None:
    """Folded on constants; on a float tensor, to FLOAT or DOUBLE: the fp32 values as they
    are (the chip's widest float)."""
    to = int(im.required("to"))
    if im.const(n.input[0]) is not None and n.input[0] not in im.vals:
        value = im.const(n.input[0]).astype(onnx.helper.tensor_dtype_to_np_dtype(to))
        im.consts[n.output[0]] = value
        return
    x = n.input[0]
    nid = im.get(x)
    if not im.b.dtype(nid).is_float:
        raise Unsupported(f"casting the {im.b.dtype(nid).value} tensor {x!r} is not supported")
    if to in _FLOAT_TARGETS:
        im.put(0, nid, im.layout(x))
    else:
        name = onnx.helper.tensor_dtype_to_string(to).removeprefix("TensorProto.").lower()
        raise Unsupported(f"to={name} is not supported on a tensor (float and double are)", "to")


def dropout(im: Importer, n: onnx.NodeProto) -> None:
    """Inference: the identity. ``training_mode`` must be absent or a constant false (random
    masks are a training matter)."""
    if im.has(2):
        mode = im.const(n.input[2])
        if mode is None:
            raise Unsupported(
                f"training_mode {n.input[2]!r} is not a constant (inference needs it false)",
                "training_mode",
            )
        if bool(np.asarray(mode).reshape(-1)[0]):
            raise Unsupported(
                "training_mode=1 (random dropout) is not supported in inference", "training_mode"
            )
    if len(n.output) > 1 and n.output[1]:
        raise Unsupported("the mask output (a bool tensor) is not supported", "mask")
    identity(im, n)
