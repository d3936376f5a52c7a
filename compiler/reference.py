"""A float64 NumPy interpreter of the IR: the meaning of every op, primitive and composite.

Composite ops are evaluated from their mathematical definition (not from their decomposition),
so tests can check that `compiler.passes.decompose` preserves results. This is the float64
reference used by the compiler's tests and by the runtime's float-reference training.

CAST is the identity unless ``round_casts=True``, in which case it rounds as the chip does
(bf16 round-to-nearest-even, integers round and saturate); the default keeps float64 exact.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from chip.dtypes import DType, round_bf16
from chip.formats import Conversion, convert
from chip.isa import f32_bits
from chip.semantics import philox_uniform
from compiler.ir import Graph, Node, Op

Array = np.ndarray


@dataclass(frozen=True)
class Evaluation:
    """Every node's value from one run of a graph; ``outputs``/``updates`` by name."""

    graph: Graph
    values: tuple[Array, ...]

    @property
    def outputs(self) -> dict[str, Array]:
        return {k: self.values[v] for k, v in self.graph.outputs.items()}

    @property
    def updates(self) -> dict[str, Array]:
        return {k: self.values[v] for k, v in self.graph.updates.items()}


def evaluate(
    graph: Graph,
    inputs: Mapping[str, Array],
    *,
    params: Mapping[str, Array] | None = None,
    consts: Mapping[str, Array] | None = None,
    state: Mapping[str, Array] | None = None,
    round_casts: bool = False,
) -> Evaluation:
    """Run ``graph`` in float64. Sources default to the graph's own initial values.

    Raises `ValueError` for a missing input or a value of the wrong shape.
    """
    tables = {
        Op.INPUT: dict(inputs),
        Op.PARAM: {**graph.params, **(params or {})},
        Op.CONST: {**graph.consts, **(consts or {})},
        Op.STATE: {**graph.state, **(state or {})},
    }
    values: list[Array] = []
    for n in graph.nodes:
        if n.op in tables:
            if n.name not in tables[n.op]:
                raise ValueError(f"no value for {n.op.value} {n.name!r}")
            v = np.asarray(tables[n.op][n.name], dtype=np.float64)
            if v.shape != n.shape:
                raise ValueError(f"{n.op.value} {n.name!r} has shape {v.shape}, expected {n.shape}")
        elif n.op is Op.CAST:
            v = _cast(values[n.inputs[0]], n.attrs["dtype"]) if round_casts else values[n.inputs[0]]
        else:
            v = np.asarray(_RULES[n.op](n, *[values[i] for i in n.inputs]), dtype=np.float64)
        if v.shape != n.shape:
            raise AssertionError(f"reference produced {v.shape} for {n}")
        values.append(v)
    return Evaluation(graph, tuple(values))


def run(graph: Graph, inputs: Mapping[str, Array], **kw: Mapping[str, Array]) -> dict[str, Array]:
    """The graph's named outputs for ``inputs`` (see `evaluate` for the keyword arguments)."""
    return evaluate(graph, inputs, **kw).outputs


def _cast(x: Array, dtype: DType) -> Array:
    if dtype is DType.BF16:
        return round_bf16(x).astype(np.float64)
    if dtype is DType.INT8:
        return np.clip(np.rint(x), -128, 127)
    if dtype is DType.INT32:
        return np.clip(np.rint(x), -(2**31), 2**31 - 1)
    return x.astype(np.float32).astype(np.float64)


def _expand(b: Array, like: Array) -> Array:
    """``b`` broadcast to ``like``'s shape (every IR broadcasting form is NumPy's too)."""
    return np.broadcast_to(b, like.shape)


def _windows(x: Array, kernel: tuple, stride: tuple, padding: tuple, fill: float) -> Array:
    """[N, OH, OW, C, KH, KW] windows of the padded NHWC input."""
    pt, pl, pb, pr = padding
    xp = np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)), constant_values=fill)
    win = sliding_window_view(xp, tuple(kernel), axis=(1, 2))
    return win[:, :: stride[0], :: stride[1]]


def _scatter_windows(contrib: Array, in_shape: tuple, stride: tuple, padding: tuple) -> Array:
    """Sum window contributions [N, OH, OW, C, KH, KW] back onto the (unpadded) input."""
    n, oh, ow, c, kh, kw = contrib.shape
    pt, pl, pb, pr = padding
    _, h, w, _ = in_shape
    out = np.zeros((n, h + pt + pb, w + pl + pr, c))
    sh, sw = stride
    for i in range(kh):
        for j in range(kw):
            out[:, i : i + sh * (oh - 1) + 1 : sh, j : j + sw * (ow - 1) + 1 : sw, :] += contrib[
                ..., i, j
            ]
    return out[:, pt : pt + h, pl : pl + w, :]


def _conv(n: Node, x: Array, w: Array) -> Array:
    win = _windows(x, w.shape[:2], n.attrs["stride"], n.attrs["padding"], 0.0)
    return np.einsum("nhwcij,ijco->nhwo", win, w, optimize=True)


def _conv_grad_input(n: Node, dy: Array, w: Array) -> Array:
    contrib = np.einsum("nhwo,ijco->nhwcij", dy, w, optimize=True)
    return _scatter_windows(contrib, n.attrs["input_shape"], n.attrs["stride"], n.attrs["padding"])


def _conv_grad_weight(n: Node, x: Array, dy: Array) -> Array:
    win = _windows(x, n.attrs["weight_shape"][:2], n.attrs["stride"], n.attrs["padding"], 0.0)
    return np.einsum("nhwcij,nhwo->ijco", win, dy, optimize=True)


def _maxpool_onehot(n: Node, x: Array) -> Array:
    win = _windows(x, n.attrs["kernel"], n.attrs["stride"], n.attrs["padding"], -np.inf)
    flat = win.reshape(win.shape[:4] + (-1,))
    onehot = np.zeros_like(flat)
    np.put_along_axis(onehot, flat.argmax(-1)[..., None], 1.0, axis=-1)
    return onehot.reshape(win.shape)


def _avg_count(n: Node, x: Array) -> Array:
    """Divisor of each output position: [1, OH, OW, 1, 1, 1]."""
    kh, kw = n.attrs["kernel"]
    if n.attrs.get("count_include_pad", False):
        return np.float64(kh * kw)
    ones = np.ones((1,) + x.shape[1:3] + (1,))
    cnt = _windows(ones, n.attrs["kernel"], n.attrs["stride"], n.attrs["padding"], 0.0)
    return cnt.sum(axis=(-2, -1), keepdims=True)


def _avgpool(n: Node, x: Array) -> Array:
    win = _windows(x, n.attrs["kernel"], n.attrs["stride"], n.attrs["padding"], 0.0)
    return (win / _avg_count(n, x)).sum(axis=(-2, -1))


def _avgpool_grad(n: Node, x: Array, dy: Array) -> Array:
    kh, kw = n.attrs["kernel"]
    contrib = np.broadcast_to(dy[..., None, None], dy.shape + (kh, kw)) / _avg_count(n, x)
    return _scatter_windows(contrib, x.shape, n.attrs["stride"], n.attrs["padding"])


def _maxpool_grad(n: Node, x: Array, dy: Array) -> Array:
    contrib = _maxpool_onehot(n, x) * dy[..., None, None]
    dx = _scatter_windows(contrib, x.shape, n.attrs["stride"], n.attrs["padding"])
    return np.where(x > 0, dx, 0.0) if n.attrs.get("relu_mask", False) else dx


def _log_softmax(x: Array) -> Array:
    z = x - x.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def _round(n: Node, x: Array) -> Array:
    a = n.attrs
    conv = Conversion.named(a["format"], a.get("saturate", True), a.get("round_mode", "up"))
    return convert(x.astype(np.float32), conv).astype(np.float64)


def _sigmoid(x: Array) -> Array:
    return 1.0 / (1.0 + np.exp(-x))


def _gelu(x: Array) -> Array:
    return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * x**3)))


def _batch_norm(n: Node, x: Array, g: Array, b: Array, *stats: Array) -> Array:
    if n.attrs["training"]:
        axes = tuple(range(x.ndim - 1))
        mean, var = x.mean(axis=axes), x.var(axis=axes)
    else:
        mean, var = stats
    return (x - mean) / np.sqrt(var + n.attrs["eps"]) * g + b


def _layer_norm(n: Node, x: Array, g: Array, b: Array) -> Array:
    mean, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + n.attrs["eps"]) * g + b


def _recurrent(n: Node, x: Array, w: Array, r: Array, *rest: Array) -> Array:
    batch, steps, _ = x.shape
    hid = n.attrs["hidden"]
    k = n.attrs.get("states", 0)
    biases, states = rest[: len(rest) - k], rest[len(rest) - k :]
    h = states[0] if k else np.zeros((batch, hid))
    c = states[1] if k > 1 else np.zeros((batch, hid))
    out = []
    for t in range(steps):
        xw = x[:, t] @ w + biases[0]
        if n.op is Op.RNN:
            h = np.tanh(xw + h @ r)
        elif n.op is Op.LSTM:
            gi, gf, gg, go = np.split(xw + h @ r, 4, axis=1)
            pi, pf, po = np.split(biases[1], 3) if n.attrs.get("peephole", False) else (0, 0, 0)
            c = _sigmoid(gf + pf * c) * c + _sigmoid(gi + pi * c) * np.tanh(gg)
            h = _sigmoid(go + po * c) * np.tanh(c)
        else:
            br = biases[1]
            xz, xr, xn = np.split(xw, 3, axis=1)
            rz, rr, rn = np.split(r, 3, axis=1)
            bz, brr, bn = np.split(br, 3)
            z = _sigmoid(xz + h @ rz + bz)
            rg = _sigmoid(xr + h @ rr + brr)
            if n.attrs["linear_before_reset"]:
                cand = np.tanh(xn + rg * (h @ rn + bn))
            else:
                cand = np.tanh(xn + (rg * h) @ rn + bn)
            h = (1 - z) * cand + z * h
        out.append(np.concatenate([h, c], axis=1) if n.attrs.get("with_cell", False) else h)
    return np.stack(out, axis=1)


def _attention(n: Node, x: Array, wq: Array, wk: Array, wv: Array, wo: Array) -> Array:
    q, k, v = x @ wq, x @ wk, x @ wv
    scores = q @ k.transpose(0, 2, 1) / np.sqrt(x.shape[-1])
    return np.exp(_log_softmax(scores)) @ v @ wo


def _reduce(fn: Callable) -> Callable:
    def rule(n: Node, x: Array) -> Array:
        return fn(x, axis=-1, keepdims=True) if n.attrs["axis"] == -1 else fn(x, axis=0)

    return rule


def _matmul(n: Node, a: Array, b: Array) -> Array:
    return (a.T if n.attrs.get("trans_a") else a) @ (b.T if n.attrs.get("trans_b") else b)


def _concat(n: Node, *xs: Array) -> Array:
    return np.concatenate(xs, axis=n.attrs["axis"])


def _slice(n: Node, x: Array) -> Array:
    idx = [slice(None)] * x.ndim
    idx[n.attrs["axis"]] = slice(n.attrs["start"], n.attrs["stop"])
    return x[tuple(idx)]


def _random(n: Node, counter: Array, key: Array) -> Array:
    """The vector unit's RAND on the float32 bits of the counter and key (`chip.semantics`)."""
    bits = [np.ascontiguousarray(v, np.float32).view(np.uint32) for v in (counter, key)]
    return philox_uniform(*bits, f32_bits(float(n.attrs["seed"]))).astype(np.float64)


def _softmax_ce(n: Node, z: Array, t: Array) -> Array:
    return np.array([-(t * _log_softmax(z)).sum() / z.shape[0]])


_RULES: dict[Op, Callable[..., Array]] = {
    Op.MATMUL: _matmul,
    Op.CONV2D: _conv,
    Op.CONV2D_GRAD_INPUT: _conv_grad_input,
    Op.CONV2D_GRAD_WEIGHT: _conv_grad_weight,
    Op.ADD: lambda n, a, b: a + _expand(b, a),
    Op.SUB: lambda n, a, b: a - _expand(b, a),
    Op.MUL: lambda n, a, b: a * _expand(b, a),
    Op.MAX: lambda n, a, b: np.maximum(a, _expand(b, a)),
    Op.GREATER: lambda n, a, b: (a > _expand(b, a)).astype(np.float64),
    Op.EQUAL: lambda n, a, b: (a == _expand(b, a)).astype(np.float64),
    Op.RANDOM: lambda n, a, b: _random(n, a, _expand(b, a)),
    Op.RELU: lambda n, x: np.maximum(x, 0.0),
    Op.RELU_GRAD: lambda n, x, dy: np.where(x > 0, _expand(dy, x), 0.0),
    Op.SIGMOID: lambda n, x: _sigmoid(x),
    Op.TANH: lambda n, x: np.tanh(x),
    Op.EXP: lambda n, x: np.exp(x),
    Op.LOG: lambda n, x: np.log(x),
    Op.RECIP: lambda n, x: 1.0 / x,
    Op.RSQRT: lambda n, x: 1.0 / np.sqrt(x),
    Op.SQRT: lambda n, x: np.sqrt(x),
    Op.SCALE: lambda n, x: x * n.attrs["value"],
    Op.ADD_CONST: lambda n, x: x + n.attrs["value"],
    Op.ROUND: lambda n, x: _round(n, x),
    Op.FILL: lambda n: np.full(n.attrs["shape"], n.attrs["value"]),
    Op.REDUCE_SUM: _reduce(np.sum),
    Op.REDUCE_MAX: _reduce(np.max),
    Op.BROADCAST: lambda n, x: np.broadcast_to(x, n.attrs["shape"]).copy(),
    Op.MAXPOOL2D: lambda n, x: _windows(
        x, n.attrs["kernel"], n.attrs["stride"], n.attrs["padding"], -np.inf
    ).max(axis=(-2, -1)),
    Op.MAXPOOL2D_GRAD: _maxpool_grad,
    Op.AVGPOOL2D: _avgpool,
    Op.AVGPOOL2D_GRAD: _avgpool_grad,
    Op.RESHAPE: lambda n, x: x.reshape(n.shape),
    Op.TRANSPOSE: lambda n, x: x.transpose(n.attrs["perm"]),
    Op.CONCAT: _concat,
    Op.SLICE: _slice,
    Op.SOFTMAX_CE: _softmax_ce,
    Op.SOFTMAX_CE_GRAD: lambda n, z, t: (np.exp(_log_softmax(z)) - t) / z.shape[0],
    Op.MSE: lambda n, y, t: np.array([((y - t) ** 2).mean()]),
    Op.MSE_GRAD: lambda n, y, t: 2.0 * (y - t) / y.size,
    Op.SOFTMAX: lambda n, x: np.exp(_log_softmax(x)),
    Op.LOG_SOFTMAX: lambda n, x: _log_softmax(x),
    Op.GELU: lambda n, x: _gelu(x),
    Op.LEAKY_RELU: lambda n, x: np.where(x > 0, x, n.attrs["alpha"] * x),
    Op.DROPOUT: lambda n, x: x,
    Op.LAYER_NORM: _layer_norm,
    Op.BATCH_NORM: _batch_norm,
    Op.GLOBAL_AVGPOOL: lambda n, x: x.mean(axis=(1, 2)),
    Op.RNN: _recurrent,
    Op.GRU: _recurrent,
    Op.LSTM: _recurrent,
    Op.ATTENTION: _attention,
}
_missing = set(Op) - set(_RULES) - {Op.INPUT, Op.PARAM, Op.CONST, Op.STATE, Op.CAST}
assert not _missing, f"reference has no rule for {_missing}"
