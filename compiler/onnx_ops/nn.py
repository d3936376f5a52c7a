"""Handlers of convolution, pooling, normalization and recurrent ONNX ops."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import onnx

from compiler.ir import Op
from compiler.onnx_ops.importer import Importer, Unsupported, window_attrs


def conv(im: Importer, n: onnx.NodeProto) -> None:
    im.reject_attrs(group=1)
    w = im.weight(1, "weight W")
    if w.ndim != 4:
        raise Unsupported(f"only 2-D convolution is supported (weight rank {w.ndim})")
    wid = im.param(n.input[1], w.transpose(2, 3, 1, 0))
    attrs = window_attrs(im, w.shape[2:])
    y = im.b.add(Op.CONV2D, (im.get(n.input[0], "nhwc"), wid), n.name, **attrs)
    if im.has(2):
        y = im.b.add(Op.ADD, (y, im.param(n.input[2], im.weight(2, "bias B"))), n.name)
    im.put(0, y, "nhwc")


def pool(op: Op) -> Callable[[Importer, onnx.NodeProto], None]:
    def handle(im: Importer, n: onnx.NodeProto) -> None:
        im.reject_attrs(ceil_mode=0, storage_order=0)
        if len(n.output) > 1 and n.output[1]:
            raise Unsupported("the Indices output is not supported")
        kernel = tuple(im.required("kernel_shape"))
        attrs = window_attrs(im, kernel)
        include = bool(im.attr("count_include_pad", 0))
        y = im.b.add(
            op,
            (im.get(n.input[0], "nhwc"),),
            n.name,
            kernel=kernel,
            count_include_pad=include,
            **attrs,
        )
        im.put(0, y, "nhwc")

    return handle


def global_avgpool(im: Importer, n: onnx.NodeProto) -> None:
    x = im.get(n.input[0], "nhwc")
    _, h, w, _ = im.b.shape(x)
    y = im.b.add(
        Op.AVGPOOL2D,
        (x,),
        n.name,
        kernel=(h, w),
        stride=(1, 1),
        padding=(0,) * 4,
        count_include_pad=False,
    )
    im.put(0, y, "nhwc")


def batch_norm(im: Importer, n: onnx.NodeProto) -> None:
    im.reject_attrs(training_mode=0)
    x = n.input[0]
    layout = "nhwc" if len(im.b.shape(im.get(x))) == 4 else "plain"
    xid = im.get(x, layout)
    if layout == "plain" and len(im.b.shape(xid)) != 2:
        raise Unsupported("batch normalization needs a 2-D [N, C] or 4-D NCHW input")
    gamma = im.param(n.input[1], im.weight(1, "scale"))
    beta = im.param(n.input[2], im.weight(2, "B"))
    mean = im.param(n.input[3], im.weight(3, "mean"))
    var = im.param(n.input[4], im.weight(4, "var"))
    y = im.b.add(
        Op.BATCH_NORM,
        (xid, gamma, beta, mean, var),
        n.name,
        eps=float(im.attr("epsilon", 1e-5)),
        training=False,
    )
    im.put(0, y, layout)


_DEFAULT_ACTIVATIONS = {
    Op.RNN: ["Tanh"],
    Op.GRU: ["Sigmoid", "Tanh"],
    Op.LSTM: ["Sigmoid", "Tanh", "Tanh"],
}


def recurrent(op: Op) -> Callable[[Importer, onnx.NodeProto], None]:
    gates = {Op.RNN: 1, Op.GRU: 3, Op.LSTM: 4}[op]

    def handle(im: Importer, n: onnx.NodeProto) -> None:
        im.reject_attrs(direction="forward", layout=0, clip=None, input_forget=0)
        acts = [a.decode() for a in im.attr("activations", [])]
        if acts and acts != _DEFAULT_ACTIVATIONS[op]:
            raise Unsupported(
                f"attribute activations={acts} is not supported (only the "
                f"defaults {_DEFAULT_ACTIVATIONS[op]})"
            )
        for k, what in ((4, "sequence_lens"), (5, "initial_h"), (6, "initial_c"), (7, "P")):
            if im.has(k):
                raise Unsupported(
                    f"input {what} is not supported (zero initial state, full "
                    "sequences, no peepholes)"
                )
        if len(n.output) > 2 and n.output[2]:
            raise Unsupported("the Y_c output is not supported")
        hid = int(im.required("hidden_size"))
        w, r = im.weight(1, "W")[0], im.weight(2, "R")[0]  # [G*H, I], [G*H, H]
        bias = im.weight(3, "B")[0] if im.has(3) else np.zeros(2 * gates * hid)
        order = [0, 2, 3, 1] if op is Op.LSTM else list(range(gates))

        def regate(m: np.ndarray) -> np.ndarray:
            return np.concatenate([m[g * hid : (g + 1) * hid] for g in order], axis=0)

        ws = [im.param(n.input[1], regate(w).T), im.param(n.input[2], regate(r).T)]
        wb, rb = regate(bias[: gates * hid]), regate(bias[gates * hid :])
        if op is Op.GRU:
            bname = n.input[3] if im.has(3) else f"{n.name}.B"
            ws += [im.param(f"{bname}.input", wb), im.param(f"{bname}.recurrent", rb)]
            extra = {"linear_before_reset": bool(im.attr("linear_before_reset", 0))}
        else:
            ws.append(im.param(n.input[3] if im.has(3) else f"{n.name}.B", wb + rb))
            extra = {}
        x = im.b.add(Op.TRANSPOSE, (im.get(n.input[0], "plain"),), n.name, perm=(1, 0, 2))
        seq = im.b.add(op, (x, *ws), n.name, hidden=hid, **extra)
        batch, steps, _ = im.b.shape(seq)
        if n.output[0]:
            y = im.b.add(Op.TRANSPOSE, (seq,), n.name, perm=(1, 0, 2))
            im.put(0, im.b.reshape(y, (steps, 1, batch, hid), n.name))
        if len(n.output) > 1 and n.output[1]:
            last = im.b.slice(seq, 1, steps - 1, steps, n.name)
            im.put(1, im.b.reshape(last, (1, batch, hid), n.name))

    return handle
