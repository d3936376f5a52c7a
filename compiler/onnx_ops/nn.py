"""Handlers of convolution, pooling, normalization and recurrent ONNX ops."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import onnx

from compiler.ir import GATES, Op
from compiler.onnx_ops import windows
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
        kernel = tuple(int(k) for k in im.required("kernel_shape"))
        rank = len(im.b.shape(im.get(n.input[0])))
        if rank != 2 + len(kernel):
            raise Unsupported(f"a {len(kernel)}-D kernel needs a rank-{2 + len(kernel)} input")
        if len(n.output) > 1 and n.output[1]:
            x = im.get(n.input[0], "plain")
            ws = windows.axes(im, im.b.shape(x)[2:], kernel)
            y, idx = windows.maximum_with_indices(im, x, ws, int(im.attr("storage_order", 0)))
            im.put(0, y)
            im.put(1, idx)
            return
        if len(kernel) != 2 or any(d != 1 for d in im.attr("dilations", [1, 1])):
            _separable_pool(im, n, op, kernel)
            return
        x = im.get(n.input[0], "nhwc")
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


def _separable_pool(im: Importer, n: onnx.NodeProto, op: Op, kernel: tuple[int, ...]) -> None:
    """1-D, 3-D and dilated pooling, one axis at a time (`compiler.onnx_ops.windows`)."""
    x = im.get(n.input[0], "plain")
    ws = windows.axes(im, im.b.shape(x)[2:], kernel)
    if op is Op.MAXPOOL2D:
        y = windows.maximum(im, x, ws)
    else:
        y = windows.average(im, x, ws, bool(im.attr("count_include_pad", 0)))
    im.put(0, y)


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
    """Inference: the given statistics. training_mode=1: the batch's own (mean and biased
    variance over every axis but the channels), and the running statistics updated with
    ``momentum`` as the second and third outputs."""
    if im.attr("training_mode", 0):
        _batch_norm_training(im, n)
        return
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


def _batch_norm_training(im: Importer, n: onnx.NodeProto) -> None:
    b, name = im.b, n.name
    layout = "nhwc" if len(b.shape(im.get(n.input[0]))) == 4 else "plain"
    x = im.get(n.input[0], layout)
    shape = b.shape(x)
    if len(shape) not in (2, 4):
        raise Unsupported("batch normalization needs a 2-D [N, C] or 4-D NCHW input")
    count, channels = int(np.prod(shape[:-1])), shape[-1]
    rows = b.reshape(x, (count, channels), name)

    def channel_mean(t: int) -> int:  # [count, C] -> [C]
        return b.scale(b.add(Op.REDUCE_SUM, (t,), name, axis=0), 1.0 / count, name)

    mean = channel_mean(rows)
    centered = b.add(Op.SUB, (rows, mean), name)
    var = channel_mean(b.add(Op.MUL, (centered, centered), name))
    gamma, beta = (im.operand(k, w) for k, w in ((1, "scale"), (2, "B")))
    y = b.add(
        Op.BATCH_NORM,
        (x, gamma, beta, mean, var),
        name,
        eps=float(im.attr("epsilon", 1e-5)),
        training=False,
    )
    im.put(0, y, layout)
    momentum = float(im.attr("momentum", 0.9))
    for k, (batch_stat, what) in enumerate(((mean, "input_mean"), (var, "input_var")), 1):
        if len(n.output) > k and n.output[k]:
            running = b.reshape(im.operand(2 + k, what), (channels,), name)
            im.put(
                k,
                b.add(
                    Op.ADD,
                    (b.scale(running, momentum, name), b.scale(batch_stat, 1.0 - momentum, name)),
                    name,
                ),
            )


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
        lens = _sequence_lengths(im, n, steps, batch)
        want_cell = len(n.output) > 2 and bool(n.output[2]) and im.used(n.output[2])
        hid = int(im.required("hidden_size"))
        order = [0, 2, 3, 1] if op is Op.LSTM else list(range(gates))
        rows = _Regate(im, hid, order)
        seqs, lasts, cells = [], [], []
        for d in range(dirs):
            tag = f".{d}" if dirs > 1 else ""
            ws = [rows.matrix(1, d, tag, "W"), rows.matrix(2, d, tag, "R")]
            if op is Op.GRU:
                ws += list(rows.biases(d, tag, gates))
                extra = {"linear_before_reset": bool(im.attr("linear_before_reset", 0))}
            else:
                ws.append(rows.summed(d, tag, gates))
                extra = {}
            if op is Op.LSTM and im.has(7):
                ws.append(_peepholes(im, n, d, hid))
                extra["peephole"] = True
            back = direction == "reverse" or d == 1
            xs = _reverse_time(im, xb, steps, lens) if back else xb
            states = _initial_states(im, n, d, batch, hid)
            if states:
                ws += states
                extra["states"] = len(states)
            if want_cell:  # LSTM: hidden and cell states side by side, [B, T, 2H]
                both = im.b.add(op, (xs, *ws), n.name, hidden=hid, with_cell=True, **extra)
                seq = im.b.slice(both, 2, 0, hid, n.name)
                cell = im.b.slice(both, 2, hid, 2 * hid, n.name)
                cells.append(_last_step(im, cell, lens))
            else:
                seq = im.b.add(op, (xs, *ws), n.name, hidden=hid, **extra)
            lasts.append(_last_step(im, seq, lens))  # [B, 1, H]
            if lens is not None:  # no outputs past a sequence's end
                mask = (np.arange(steps)[None, :] < lens[:, None]).astype(np.float64)
                keep = im.b.const(im.b.unique(f"{n.name}.steps_kept"), mask[:, :, None])
                seq = im.b.add(Op.MUL, (seq, keep), n.name)
            seqs.append(_reverse_time(im, seq, steps, lens) if back else seq)
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
            im.put(1, _last_states(im, lasts, layout, batch, hid))
        if want_cell:
            im.put(2, _last_states(im, cells, layout, batch, hid))

    return handle


def _last_states(im: Importer, lasts: list[int], layout: int, batch: int, hid: int) -> int:
    """Y_h or Y_c from each direction's last state [B, 1, H]: [D, B, H] (layout 0) or
    [B, D, H] (layout 1)."""
    if layout:
        return lasts[0] if len(lasts) == 1 else im.b.add(Op.CONCAT, lasts, im.node.name, axis=1)
    parts = [im.b.reshape(h, (1, batch, hid), im.node.name) for h in lasts]
    return parts[0] if len(parts) == 1 else im.b.add(Op.CONCAT, parts, im.node.name, axis=0)


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


def _reverse_time(im: Importer, x: int, steps: int, lens: np.ndarray | None = None) -> int:
    """``x`` [B, T, ...] with its time axis reversed (one SLICE per step, a CONCAT); with
    ``lens``, each batch entry's first ``lens`` steps reversed and the rest kept in place (its
    own inverse)."""
    from compiler.onnx_ops.slicing import select

    if lens is not None:
        parts = []
        for k, length in enumerate(lens):
            one = im.b.slice(x, 0, k, k + 1, im.node.name)
            order = list(reversed(range(length))) + list(range(length, steps))
            parts.append(select(im, one, 1, order))
        return parts[0] if len(parts) == 1 else im.b.add(Op.CONCAT, parts, im.node.name, axis=0)
    if steps == 1:
        return x
    parts = [im.b.slice(x, 1, t, t + 1, im.node.name) for t in reversed(range(steps))]
    return im.b.add(Op.CONCAT, parts, im.node.name, axis=1)


def _sequence_lengths(im: Importer, n: onnx.NodeProto, steps: int, batch: int) -> np.ndarray | None:
    """The sequence_lens (constant or bound), one per batch entry (None: every sequence is
    ``steps`` long). A shorter sequence run in reverse starts at its own end (`_reverse_time`)."""
    if not im.has(4):
        return None
    lens = np.asarray(im.static(4, "sequence_lens"), dtype=np.int64).reshape(-1)
    if lens.size != batch or lens.min() < 1 or lens.max() > steps:
        raise Unsupported(
            f"sequence_lens {lens.tolist()} must give {batch} lengths in 1..{steps}",
            "sequence_lens",
        )
    return None if np.all(lens == steps) else lens


def _last_step(im: Importer, seq: int, lens: np.ndarray | None) -> int:
    """Each sequence's state at its last step, [B, 1, H]: the last time step, or with
    ``lens`` the step ``lens - 1`` of each batch entry (a one-hot mask summed over time)."""
    b, name = im.b, im.node.name
    batch, steps, hid = b.shape(seq)
    if lens is None:
        return b.slice(seq, 1, steps - 1, steps, name)
    onehot = (np.arange(steps)[None, :] == lens[:, None] - 1).astype(np.float64)
    picked = b.add(Op.MUL, (seq, b.const(b.unique(f"{name}.last_step"), onehot[:, :, None])), name)
    by_time = b.reshape(b.add(Op.TRANSPOSE, (picked,), name, perm=(1, 0, 2)), (steps, -1), name)
    return b.reshape(b.add(Op.REDUCE_SUM, (by_time,), name, axis=0), (batch, 1, hid), name)


def _peepholes(im: Importer, n: onnx.NodeProto, d: int, hid: int) -> int:
    """Direction ``d``'s LSTM peephole weights [3H], ONNX's (i, o, f) reordered to the IR's
    (i, f, o): rearranged at import if constant, by DMA moves if given at run time."""
    b, name = im.b, n.name
    value = im.const(n.input[7]) if n.input[7] not in im.vals else None
    if value is not None:
        i, o, f = np.split(np.asarray(value, np.float64).reshape(-1, 3 * hid)[d], 3)
        return im.param(f"{n.input[7]}.{d}", np.concatenate([i, f, o]), of=n.input[7])
    p = im.operand(7, "P")
    if b.shape(p) != (b.shape(p)[0], 3 * hid) or b.shape(p)[0] <= d:
        raise Unsupported(f"P has shape {list(b.shape(p))}", "P")
    row = b.reshape(b.slice(p, 0, d, d + 1, name), (3 * hid,), name)
    parts = [b.slice(row, 0, k * hid, (k + 1) * hid, name) for k in (0, 2, 1)]
    return b.add(Op.CONCAT, parts, name, axis=0)


def _initial_states(im: Importer, n: onnx.NodeProto, d: int, batch: int, hid: int) -> list[int]:
    """Direction ``d``'s initial states as IR operands [B, H]: [] when they are absent or
    constant zeros, else h0 (and LSTM's c0, a zero h0 standing in if only c0 is given);
    constant or run-time, [D, B, H] (layout 0) or [B, D, H] (layout 1) in ONNX."""
    b, name = im.b, n.name
    layout = int(im.attr("layout", 0))
    slots = (5, 6) if n.op_type == "LSTM" else (5,)
    given = []
    for k in slots:
        if not im.has(k):
            given.append(None)
            continue
        value = im.const(n.input[k]) if n.input[k] not in im.vals else None
        if value is not None and not np.any(np.asarray(value)):
            given.append(None)
            continue
        what = ("initial_h", "initial_c")[k - 5]
        t = im.operand(k, what)
        if b.shape(t)[layout] <= d or b.shape(t)[1 - layout] != batch:
            raise Unsupported(f"{what} has shape {list(b.shape(t))}", what)
        given.append(b.reshape(b.slice(t, layout, d, d + 1, name), (batch, hid), name))
    while given and given[-1] is None:
        given.pop()
    return [b.fill((batch, hid), 0.0, name) if g is None else g for g in given]


def interleave(im: Importer, x: int, axis: int, factor: int, zeros: bool) -> int:
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
