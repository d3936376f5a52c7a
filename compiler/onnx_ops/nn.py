"""Handlers of convolution, pooling, normalization and recurrent ONNX ops."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import onnx

from compiler.ir import Op
from compiler.onnx_ops.importer import Importer, Unsupported, window_attrs


def conv(im: Importer, n: onnx.NodeProto) -> None:
    """2-D convolution; groups as one CONV2D per group on a channel slice, concatenated
    (depthwise: one per channel); dilations by dilating a constant kernel with zeros."""
    x = im.get(n.input[0], "nhwc")
    if len(im.b.shape(x)) != 4:
        raise Unsupported("only 2-D convolution is supported (a 4-D NCHW input)")
    group = int(im.attr("group", 1))
    cin = im.b.shape(x)[3]
    dil = tuple(int(d) for d in im.attr("dilations", [1, 1]))
    w = im.const(n.input[1])
    if w is not None:
        w = np.asarray(w, dtype=np.float64)
        if w.ndim != 4:
            raise Unsupported(f"only 2-D convolution is supported (weight rank {w.ndim})")
        if dil != (1, 1):
            kh, kw = w.shape[2:]
            wide = np.zeros(w.shape[:2] + ((kh - 1) * dil[0] + 1, (kw - 1) * dil[1] + 1))
            wide[:, :, :: dil[0], :: dil[1]] = w
            w = wide
        wshape = w.shape
        wid = im.param(n.input[1], w.transpose(2, 3, 1, 0))
    else:
        if dil != (1, 1):
            raise Unsupported(
                f"dilations={list(dil)} need the weight W as an initializer", "dilations"
            )
        w_in = im.operand(1, "weight W")
        wshape = im.b.shape(w_in)
        if len(wshape) != 4:
            raise Unsupported(f"only 2-D convolution is supported (weight rank {len(wshape)})")
        wid = im.b.add(Op.TRANSPOSE, (w_in,), n.name, perm=(2, 3, 1, 0))
    if group != 1 and (group < 1 or cin % group or wshape[0] % group or wshape[1] * group != cin):
        raise Unsupported(
            f"group={group} does not divide {cin} input channels into the weight's "
            f"{wshape[1]} per group",
            "group",
        )
    attrs = window_attrs(im, wshape[2:], im.b.shape(x)[1:3], dilated=True)
    if group == 1:
        y = im.b.add(Op.CONV2D, (x, wid), n.name, **attrs)
    else:
        per_in, per_out = cin // group, wshape[0] // group
        parts = []
        for g in range(group):
            xg = im.b.slice(x, 3, g * per_in, (g + 1) * per_in, n.name)
            wg = im.b.slice(wid, 3, g * per_out, (g + 1) * per_out, n.name)
            parts.append(im.b.add(Op.CONV2D, (xg, wg), n.name, **attrs))
        y = im.b.add(Op.CONCAT, parts, n.name, axis=3)
    if im.has(2):
        bias = im.const(n.input[2])
        bid = (
            im.param(n.input[2], np.asarray(bias, np.float64).reshape(-1))
            if bias is not None
            else im.b.reshape(im.operand(2, "bias B"), (wshape[0],), n.name)
        )
        y = im.b.add(Op.ADD, (y, bid), n.name)
    im.put(0, y, "nhwc")


def pool(op: Op) -> Callable[[Importer, onnx.NodeProto], None]:
    def handle(im: Importer, n: onnx.NodeProto) -> None:
        im.reject_attrs(storage_order=0)
        if len(n.output) > 1 and n.output[1]:
            raise Unsupported("the Indices output is not supported", "Indices")
        kernel = tuple(int(k) for k in im.required("kernel_shape"))
        x = im.get(n.input[0], "nhwc") if len(im.b.shape(im.get(n.input[0]))) == 4 else None
        if x is None or len(kernel) != 2:
            raise Unsupported(f"only 2-D pooling is supported (kernel {list(kernel)})")
        in_hw = im.b.shape(x)[1:3]
        attrs = window_attrs(im, kernel, in_hw)
        include = bool(im.attr("count_include_pad", 0))
        if im.attr("ceil_mode", 0):
            attrs["padding"] = _ceil_padding(in_hw, kernel, attrs["stride"], attrs["padding"])
            if include and attrs["padding"] != window_attrs(im, kernel, in_hw)["padding"]:
                raise Unsupported(
                    "ceil_mode=1 with count_include_pad=1 is not supported (the windows past "
                    "the edge count only the explicit padding)",
                    "ceil_mode",
                )
        y = im.b.add(
            op,
            (x,),
            n.name,
            kernel=kernel,
            count_include_pad=include,
            **attrs,
        )
        im.put(0, y, "nhwc")

    return handle


def _ceil_padding(
    in_hw: tuple[int, ...], kernel: tuple[int, ...], stride: tuple[int, ...], pads: tuple[int, ...]
) -> tuple[int, ...]:
    """``pads`` with the bottom/right padding grown so the output size rounds up
    (ceil_mode=1); a last window that would start in the padding is dropped, as ONNX does."""
    end = list(pads[2:])
    for i, (size, k, s) in enumerate(zip(in_hw, kernel, stride, strict=True)):
        span = size + pads[i] + pads[2 + i] - k
        out = -(-span // s) + 1
        if (out - 1) * s >= size + pads[i]:
            out -= 1
        end[i] = max(pads[2 + i], (out - 1) * s + k - size - pads[i])
    return (*pads[:2], *end)


def global_pool(op: Op) -> Callable[[Importer, onnx.NodeProto], None]:
    """GlobalAveragePool / GlobalMaxPool: one window over the whole image."""

    def handle(im: Importer, n: onnx.NodeProto) -> None:
        x = im.get(n.input[0], "nhwc")
        if len(im.b.shape(x)) != 4:
            raise Unsupported("only 2-D global pooling is supported (a 4-D NCHW input)")
        _, h, w, _ = im.b.shape(x)
        attrs = dict(kernel=(h, w), stride=(1, 1), padding=(0,) * 4, count_include_pad=False)
        im.put(0, im.b.add(op, (x,), n.name, **attrs), "nhwc")

    return handle


def batch_norm(im: Importer, n: onnx.NodeProto) -> None:
    im.reject_attrs(training_mode=0)
    x = n.input[0]
    layout = "nhwc" if len(im.b.shape(im.get(x))) == 4 else "plain"
    xid = im.get(x, layout)
    if layout == "plain" and len(im.b.shape(xid)) != 2:
        raise Unsupported("batch normalization needs a 2-D [N, C] or 4-D NCHW input")
    gamma, beta, mean, var = (
        im.operand(k, w) for k, w in enumerate(("scale", "B", "mean", "var"), 1)
    )
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
