"""Handlers of ONNX ops that rename, reshape or reorder a tensor, or read its shape: Flatten,
Reshape, Transpose, Concat, Unsqueeze, Squeeze, Constant, Identity, Dropout and Shape.

On constants (the shape arithmetic exporters emit) each is evaluated at import; on a run-time
tensor each is a RESHAPE, TRANSPOSE, CONCAT or DROPOUT of its IR value, or the value itself.
Ops that select elements are in `compiler.onnx_ops.slicing`, Cast in `compiler.onnx_ops.cast`.
"""

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
    target = im.static(1, "shape")
    dims = [int(d) for d in np.asarray(target).reshape(-1)]
    if im.attr("allowzero", 0) and 0 in dims:
        raise Unsupported(f"allowzero=1 with a 0 in shape {dims} (an empty tensor)", "allowzero")
    value = folded(im, n.input[0])
    if value is not None:
        src = value.shape
        shape = tuple(src[i] if d == 0 else d for i, d in enumerate(dims))
        im.consts[n.output[0]] = value.reshape(shape)
        return
    x = im.get(n.input[0], "plain")
    src = im.b.shape(x)
    shape = tuple(src[i] if d == 0 else d for i, d in enumerate(dims))
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


def identity(im: Importer, n: onnx.NodeProto) -> None:
    if im.const(n.input[0]) is not None:
        im.consts[n.output[0]] = im.consts[n.input[0]]
    else:
        im.put(0, im.get(n.input[0]), im.layout(n.input[0]))


def folded(im: Importer, name: str) -> np.ndarray | None:
    """The value of ``name`` if it is known at import (not a run-time tensor)."""
    return im.const(name) if name not in im.vals else None


def _reshaped(fn: Callable[[tuple[int, ...], tuple[int, ...]], tuple[int, ...]]):
    """Unsqueeze/Squeeze: folded on constants, a RESHAPE of a tensor."""

    def handle(im: Importer, n: onnx.NodeProto) -> None:
        given = im.static(1, "axes") if im.has(1) else im.attr("axes")
        ax = tuple(int(a) for a in np.asarray(given if given is not None else []).reshape(-1))
        value = folded(im, n.input[0])
        if value is not None:
            im.consts[n.output[0]] = value.reshape(fn(value.shape, ax))
            return
        x = im.get(n.input[0], "plain")
        shape = fn(im.b.shape(x), ax)
        if not shape:
            raise Unsupported("the result would be rank 0 (a scalar)")
        im.put(0, im.b.reshape(x, shape, n.name))

    return handle


def _unsqueezed(shape: tuple[int, ...], ax: tuple[int, ...]) -> tuple[int, ...]:
    rank = len(shape) + len(ax)
    ax = {a % rank for a in ax}
    rest = iter(shape)
    return tuple(1 if i in ax else next(rest) for i in range(rank))


def _squeezed(shape: tuple[int, ...], ax: tuple[int, ...]) -> tuple[int, ...]:
    ax = {a % len(shape) for a in ax} if ax else {i for i, d in enumerate(shape) if d == 1}
    if any(shape[a] != 1 for a in ax):
        raise Unsupported(f"cannot squeeze axes {sorted(ax)} of shape {list(shape)}", "axes")
    return tuple(d for i, d in enumerate(shape) if i not in ax)


unsqueeze = _reshaped(_unsqueezed)
squeeze = _reshaped(_squeezed)


def dropout(im: Importer, n: onnx.NodeProto) -> None:
    """An IR DROPOUT of the constant ``ratio``: the identity in inference, a mask drawn on chip
    in a training step (seeded by the ``seed`` attribute, else the dropout's number); with a
    run-time ratio the identity (ONNX's meaning when training_mode is false). The mask output
    is the same draw applied to ones, compared with 0 (all true in inference; 0/1 values).
    ``training_mode`` (constant or bound) true drops at random, which an inference program
    does not: refused unless the ratio is 0 (then the identity, the mask all true)."""
    mask = len(n.output) > 1 and n.output[1]
    if im.has(2):
        mode = im.static(2, "training_mode", "whether elements are dropped at random")
        if bool(np.asarray(mode).reshape(-1)[0]):
            ratio = im.static(1, "ratio") if im.has(1) else im.attr("ratio", 0.5)
            if np.size(ratio) != 1 or float(np.ravel(ratio)[0]) != 0.0:
                raise Unsupported(
                    "training_mode=1 (random dropout) is not supported in inference, "
                    "except with ratio 0",
                    "training_mode",
                )
            identity(im, n)
            if mask:
                im.consts[n.output[1]] = np.ones(im.b.shape(im.get(n.input[0])), dtype=bool)
            return
    mask = len(n.output) > 1 and n.output[1]
    ratio = np.array(im.attr("ratio", 0.5))  # an attribute before opset 12, default 0.5
    if im.has(1):
        ratio = im.const(n.input[1])
    if ratio is None or im.has(1) and n.input[1] in im.vals:  # run-time: ONNX's inference meaning
        identity(im, n)
        if mask:  # nothing is dropped: the mask is all true
            im.consts[n.output[1]] = np.ones(im.b.shape(im.get(n.input[0])), dtype=bool)
        return
    if np.size(ratio) != 1 or not 0.0 <= float(np.ravel(ratio)[0]) < 1.0:
        raise Unsupported("ratio must be one value in [0, 1)", "ratio")
    seed = im.attr("seed")
    if seed is None:
        seed = sum(node.op is Op.DROPOUT for node in im.b.nodes)
    x = n.input[0]
    attrs = {"ratio": float(np.ravel(ratio)[0]), "seed": int(seed) % (1 << 24)}
    xid = im.get(x)
    im.put(0, im.b.add(Op.DROPOUT, (xid,), n.name, **attrs), im.layout(x))
    if mask:  # the same (seed, element index) draws on ones: kept elements > 0, dropped 0
        kept = im.b.add(Op.DROPOUT, (im.b.fill(im.b.shape(xid), 1.0, n.name),), n.name, **attrs)
        im.vals[n.output[1]] = (
            im.b.add(Op.GREATER, (kept, im.b.fill((1,), 0.0, n.name)), n.name),
            im.layout(x),
        )


def constant_only(im: Importer, n: onnx.NodeProto) -> None:
    """An op supported only when its inputs are constants (the driver folds it then)."""
    raise Unsupported(
        f"{n.op_type} is supported only on constants (folded at import); an input is a "
        "run-time tensor"
    )
