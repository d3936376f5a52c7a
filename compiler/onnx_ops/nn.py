"""Handlers of convolution, pooling, normalization and recurrent ONNX ops."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import onnx

from compiler.ir import GATES, Op
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
    # Running statistics are PARAMs that a training step updates (`batch_norm_training`).
    im.weights.update(x for x in n.input[3:5] if x in im.consts and x not in im.vals)
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
    """RNN/GRU/LSTM: forward, reverse (the time axis reversed by DMA moves, in and out) or
    bidirectional (one IR op per direction, outputs stacked); layout 0 or 1; initial states
    that are constant zeros; sequence_lens equal to the sequence length."""
    gates = GATES[op]

    def handle(im: Importer, n: onnx.NodeProto) -> None:
        im.reject_attrs(clip=None, input_forget=0)
        direction = im.attr("direction", b"forward").decode()
        if direction not in ("forward", "reverse", "bidirectional"):
            raise Unsupported(f"direction={direction!r} is not supported", "direction")
        dirs = 2 if direction == "bidirectional" else 1
        layout = int(im.attr("layout", 0))
        acts = [a.decode() for a in im.attr("activations", [])]
        if acts and acts != _DEFAULT_ACTIVATIONS[op] * dirs:
            raise Unsupported(
                f"attribute activations={acts} is not supported (only the "
                f"defaults {_DEFAULT_ACTIVATIONS[op]})",
                "activations",
            )
        x = im.get(n.input[0], "plain")
        xb = x if layout else im.b.add(Op.TRANSPOSE, (x,), n.name, perm=(1, 0, 2))
        batch, steps, _ = im.b.shape(xb)
        _check_recurrent_inputs(im, n, steps)
        if len(n.output) > 2 and n.output[2] and im.used(n.output[2]):
            raise Unsupported("the Y_c output (the last cell state) is not supported", "Y_c")
        hid = int(im.required("hidden_size"))
        order = [0, 2, 3, 1] if op is Op.LSTM else list(range(gates))
        rows = _Regate(im, hid, order)
        seqs, lasts = [], []
        for d in range(dirs):
            tag = f".{d}" if dirs > 1 else ""
            ws = [rows.matrix(1, d, tag, "W"), rows.matrix(2, d, tag, "R")]
            if op is Op.GRU:
                ws += list(rows.biases(d, tag, gates))
                extra = {"linear_before_reset": bool(im.attr("linear_before_reset", 0))}
            else:
                ws.append(rows.summed(d, tag, gates))
                extra = {}
            back = direction == "reverse" or d == 1
            xs = _reverse_time(im, xb, steps) if back else xb
            seq = im.b.add(op, (xs, *ws), n.name, hidden=hid, **extra)
            lasts.append(im.b.slice(seq, 1, steps - 1, steps, n.name))  # [B, 1, H]
            seqs.append(_reverse_time(im, seq, steps) if back else seq)
        if n.output[0]:
            if layout:
                parts = [im.b.reshape(s, (batch, steps, 1, hid), n.name) for s in seqs]
                axis = 2
            else:
                parts = [
                    im.b.reshape(
                        im.b.add(Op.TRANSPOSE, (s,), n.name, perm=(1, 0, 2)),
                        (steps, 1, batch, hid),
                        n.name,
                    )
                    for s in seqs
                ]
                axis = 1
            im.put(0, parts[0] if dirs == 1 else im.b.add(Op.CONCAT, parts, n.name, axis=axis))
        if len(n.output) > 1 and n.output[1]:
            if layout:
                y_h = lasts[0] if dirs == 1 else im.b.add(Op.CONCAT, lasts, n.name, axis=1)
            else:
                parts = [im.b.reshape(h, (1, batch, hid), n.name) for h in lasts]
                y_h = parts[0] if dirs == 1 else im.b.add(Op.CONCAT, parts, n.name, axis=0)
            im.put(1, y_h)

    return handle


class _Regate:
    """A recurrent node's weights for one direction in the IR's layout: ONNX's [G*H, I] rows
    transposed to [I, G*H], gates reordered (LSTM's i, o, f, c -> i, f, c, o). Constants are
    rearranged once at import (PARAMs if weights); run-time inputs by SLICE/CONCAT/TRANSPOSE
    (DMA moves)."""

    def __init__(self, im: Importer, hid: int, order: list[int]) -> None:
        self.im, self.hid, self.order = im, hid, order

    def _rows(self, m: np.ndarray) -> np.ndarray:
        h = self.hid
        return np.concatenate([m[g * h : (g + 1) * h] for g in self.order], axis=0)

    def _rows_ir(self, x: int, axis: int) -> int:
        h, b, name = self.hid, self.im.b, self.im.node.name
        parts = [b.slice(x, axis, g * h, (g + 1) * h, name) for g in self.order]
        return parts[0] if len(parts) == 1 else b.add(Op.CONCAT, parts, name, axis=axis)

    def _direction(self, k: int, d: int, what: str) -> int:
        im = self.im
        t = im.operand(k, what)
        shape = im.b.shape(t)
        one = im.b.slice(t, 0, d, d + 1, im.node.name)
        return im.b.reshape(one, shape[1:], im.node.name)

    def matrix(self, k: int, d: int, tag: str, what: str) -> int:
        im, name = self.im, self.im.node.name
        value = im.const(im.node.input[k]) if im.has(k) else None
        if value is not None and im.node.input[k] not in im.vals:
            m = np.asarray(value, np.float64)[d]
            return im.param(im.node.input[k] + tag, self._rows(m).T, of=im.node.input[k])
        return im.b.add(
            Op.TRANSPOSE, (self._rows_ir(self._direction(k, d, what), 0),), name, perm=(1, 0)
        )

    def _bias_pair(self, d: int, gates: int) -> tuple[np.ndarray, np.ndarray] | tuple[int, int]:
        """Direction ``d``'s (input, recurrent) biases, regated: arrays for a constant (or
        absent, zero) B, IR ids for a run-time one."""
        im, gh = self.im, gates * self.hid
        if (
            not im.has(3)
            or im.node.input[3] not in im.vals
            and im.const(im.node.input[3]) is not None
        ):
            value = im.const(im.node.input[3]) if im.has(3) else np.zeros((d + 1, 2 * gh))
            bias = np.asarray(value, np.float64)[d]
            return self._rows(bias[:gh]), self._rows(bias[gh:])
        both, name = self._direction(3, d, "B"), im.node.name
        return (
            self._rows_ir(im.b.slice(both, 0, 0, gh, name), 0),
            self._rows_ir(im.b.slice(both, 0, gh, 2 * gh, name), 0),
        )

    def biases(self, d: int, tag: str, gates: int) -> tuple[int, int]:
        """GRU's (input bias, recurrent bias) of direction ``d``, each [G*H]."""
        wb, rb = self._bias_pair(d, gates)
        if isinstance(wb, int):
            return wb, rb
        im, base = self.im, self._bias_name(tag)
        of = im.node.input[3] if im.has(3) else None
        return im.param(f"{base}.input", wb, of), im.param(f"{base}.recurrent", rb, of)

    def summed(self, d: int, tag: str, gates: int) -> int:
        """RNN's and LSTM's one bias: input + recurrent, added on chip so that each of the two
        is trained as the model defines it (a constant, absent B is folded)."""
        im = self.im
        if not im.has(3) or im.node.input[3] not in im.weights:
            wb, rb = self._bias_pair(d, gates)
            if not isinstance(wb, int):
                return im.param(self._bias_name(tag), wb + rb, of=None)
        wb, rb = self.biases(d, tag, gates)
        return im.b.add(Op.ADD, (wb, rb), im.node.name)

    def _bias_name(self, tag: str) -> str:
        im = self.im
        return (im.node.input[3] if im.has(3) else f"{im.node.name}.B") + tag


def _reverse_time(im: Importer, x: int, steps: int) -> int:
    """``x`` [B, T, ...] with its time axis reversed (one SLICE per step, a CONCAT)."""
    if steps == 1:
        return x
    parts = [im.b.slice(x, 1, t, t + 1, im.node.name) for t in reversed(range(steps))]
    return im.b.add(Op.CONCAT, parts, im.node.name, axis=1)


def _check_recurrent_inputs(im: Importer, n: onnx.NodeProto, steps: int) -> None:
    """sequence_lens must be all ``steps``; initial states constant zeros; no peepholes."""
    if im.has(4):
        lens = im.const(n.input[4])
        if lens is None or np.any(np.asarray(lens) != steps):
            raise Unsupported(
                f"sequence_lens {n.input[4]!r} must be a constant equal to the sequence "
                f"length {steps} (variable lengths are not supported)",
                "sequence_lens",
            )
    for k, what in ((5, "initial_h"), (6, "initial_c")):
        if im.has(k):
            value = im.const(n.input[k])
            if value is None or np.any(np.asarray(value) != 0):
                raise Unsupported(
                    f"{what} {n.input[k]!r} must be constant zeros (the chip's recurrent ops "
                    "start from a zero state)",
                    what,
                )
    if im.has(7):
        raise Unsupported("peephole weights P are not supported", "P")


def _interleave(im: Importer, x: int, axis: int, factor: int, zeros: bool) -> int:
    """``x`` with each element along ``axis`` followed by ``factor - 1`` zeros (``zeros``) or
    copies of itself: a new axis after ``axis``, a CONCAT and a RESHAPE (DMA moves)."""
    b, name = im.b, im.node.name
    shape = b.shape(x)
    wide = b.reshape(x, shape[: axis + 1] + (1,) + shape[axis + 1 :], name)
    if zeros:
        pad_shape = shape[: axis + 1] + (factor - 1,) + shape[axis + 1 :]
        parts = [wide, b.fill(pad_shape, 0.0, name)]
    else:
        parts = [wide] * factor
    joined = b.add(Op.CONCAT, parts, name, axis=axis + 1)
    out = shape[:axis] + (shape[axis] * factor,) + shape[axis + 1 :]
    return b.reshape(joined, out, name)


def conv_transpose(im: Importer, n: onnx.NodeProto) -> None:
    """2-D ConvTranspose as a CONV2D: the input spread by the stride (zeros between pixels),
    padded by ``kernel - 1 - pads``, convolved with the kernel flipped and its channels
    swapped; group 1, dilations 1, a constant weight."""
    im.reject_attrs(group=1)
    if any(d != 1 for d in im.attr("dilations", [1, 1])):
        raise Unsupported("dilations other than 1 are not supported", "dilations")
    if im.attr("output_shape") is not None:
        raise Unsupported("the output_shape attribute is not supported (give pads)", "output_shape")
    w = im.const(n.input[1]) if n.input[1] not in im.vals else None  # [Cin, Cout, KH, KW]
    wshape = np.shape(w) if w is not None else im.b.shape(im.operand(1, "weight W"))
    if len(wshape) != 4:
        raise Unsupported(f"only 2-D ConvTranspose is supported (weight rank {len(wshape)})")
    auto_pad = im.attr("auto_pad", b"NOTSET").decode()
    if auto_pad not in ("NOTSET", "VALID"):
        raise Unsupported(f"auto_pad={auto_pad!r} is not supported (NOTSET, VALID)", "auto_pad")
    kh, kw = wshape[2:]
    stride = tuple(int(s) for s in im.attr("strides", [1, 1]))
    pads = [int(p) for p in im.attr("pads", [0, 0, 0, 0])] if auto_pad == "NOTSET" else [0] * 4
    extra = [int(p) for p in im.attr("output_padding", [0, 0])]
    x = im.get(n.input[0], "nhwc")
    for axis, s in ((1, stride[0]), (2, stride[1])):
        if s > 1:
            spread = _interleave(im, x, axis, s, zeros=True)
            x = im.b.slice(spread, axis, 0, im.b.shape(spread)[axis] - (s - 1), n.name)
    padding = (
        kh - 1 - pads[0],
        kw - 1 - pads[1],
        kh - 1 - pads[2] + extra[0],
        kw - 1 - pads[3] + extra[1],
    )
    if min(padding) < 0:
        raise Unsupported(f"pads {pads} larger than the kernel less one are not supported", "pads")
    if w is not None:
        w = np.asarray(w, np.float64)
        wid = im.param(n.input[1], w[:, :, ::-1, ::-1].transpose(2, 3, 0, 1))
    else:  # flipped by DMA moves (one slice per kernel row and column)
        from compiler.onnx_ops.shape import select

        flipped = im.operand(1, "weight W")
        for axis, k in ((2, kh), (3, kw)):
            flipped = select(im, flipped, axis, list(reversed(range(k))))
        wid = im.b.add(Op.TRANSPOSE, (flipped,), n.name, perm=(2, 3, 0, 1))
    y = im.b.add(Op.CONV2D, (x, wid), n.name, stride=(1, 1), padding=padding)
    if im.has(2):
        bias = im.const(n.input[2]) if n.input[2] not in im.vals else None
        bid = (
            im.param(n.input[2], np.asarray(bias, np.float64).reshape(-1))
            if bias is not None
            else im.b.reshape(im.operand(2, "bias B"), (wshape[1],), n.name)
        )
        y = im.b.add(Op.ADD, (y, bid), n.name)
    im.put(0, y, "nhwc")


def resize(im: Importer, n: onnx.NodeProto) -> None:
    """Resize of the two spatial axes by integer factors, mode nearest (each pixel repeated:
    DMA moves); scales or sizes constant."""
    mode = im.attr("mode", b"nearest").decode()
    if mode != "nearest":
        raise Unsupported(f"mode={mode!r} is not supported (only nearest)", "mode")
    ctm = im.attr("coordinate_transformation_mode", b"half_pixel").decode()
    rounding = im.attr("nearest_mode", b"round_prefer_floor").decode()
    half = ctm in ("half_pixel", "pytorch_half_pixel") and rounding != "ceil"
    if not (half or (ctm == "asymmetric" and rounding == "floor")):
        raise Unsupported(
            f"coordinate_transformation_mode={ctm!r} with nearest_mode={rounding!r} does not "
            "repeat pixels (supported: half_pixel, or asymmetric with floor)",
            "coordinate_transformation_mode",
        )
    x = im.get(n.input[0], "nhwc")
    if len(im.b.shape(x)) != 4:
        raise Unsupported("only 4-D NCHW inputs are supported")
    _, h, w, _ = im.b.shape(x)
    k_scales = 1 if im.opset < 11 else 2
    scales = im.const(n.input[k_scales]) if im.has(k_scales) else None
    sizes = im.const(n.input[3]) if im.opset >= 11 and im.has(3) else None
    if scales is not None and np.size(scales):
        factors = [float(f) for f in np.asarray(scales).reshape(-1)]
    elif sizes is not None:
        src = (im.b.shape(x)[0], im.b.shape(x)[3], h, w)
        factors = [s / d for s, d in zip(np.asarray(sizes).reshape(-1), src, strict=True)]
    else:
        raise Unsupported("scales or sizes must be constants")
    if (
        len(factors) != 4
        or factors[:2] != [1.0, 1.0]
        or any(f != int(f) or f < 1 for f in factors[2:])
    ):
        raise Unsupported(f"scales {factors}: only integer upsampling of H and W is supported")
    for axis, f in ((1, int(factors[2])), (2, int(factors[3]))):
        if f > 1:
            x = _interleave(im, x, axis, f, zeros=False)
    im.put(0, x, "nhwc")
