"""A framework-style API for writing networks as IR graphs.

    net = Net("mlp", seed=0)
    x = net.input("x", (8, 64))
    h = net.relu(net.dense(x, 128))
    net.output("logits", net.dense(h, 10))
    graph = net.build()

Layers create their weights as PARAMs with deterministic seeded initialization: He normal for
dense and convolution layers, Glorot uniform for recurrent and attention projections, ones and
zeros for normalization scales and shifts. Layouts are the IR's: NHWC activations, [in, out]
dense weights, [KH, KW, Cin, Cout] conv weights, [batch, time, features] sequences. Reshapes keep
the batch dimension as -1 so `compiler.passes.shape_infer` can change the batch later.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from compiler.ir import GATES, Graph, Op
from compiler.ir_builder import IRBuilder
from compiler.passes.shape_infer import ShapeError

Padding = str | int | tuple[int, int] | tuple[int, int, int, int]


@dataclass(frozen=True)
class Tensor:
    """A value in a network under construction: its node id and shape."""

    id: int
    shape: tuple[int, ...]


def _pair(v: int | Sequence[int]) -> tuple[int, int]:
    return (v, v) if isinstance(v, int) else (int(v[0]), int(v[1]))


def _window(
    layer: str, x: Tensor, kernel: int | Sequence[int], stride: int | Sequence[int]
) -> tuple[tuple[int, int], tuple[int, int]]:
    """Kernel and stride pairs of a window layer, checked before any weight is drawn."""
    if len(x.shape) != 4:
        raise ShapeError(f"{layer}: input must be NHWC (4-D), not {x.shape}")
    k, s = _pair(kernel), _pair(stride)
    if min(k) < 1 or min(s) < 1:
        raise ShapeError(f"{layer}: kernel and stride must be >= 1, not kernel {k}, stride {s}")
    return k, s


def resolve_padding(
    padding: Padding, kernel: tuple[int, int], stride: tuple[int, int], hw: tuple[int, int]
) -> tuple[int, int, int, int]:
    """(top, left, bottom, right) for "valid", "same" (TensorFlow's rule), an int or a tuple."""
    if padding == "valid":
        return (0, 0, 0, 0)
    if padding == "same":
        pads = []
        for size, k, s in zip(hw, kernel, stride, strict=True):
            total = max((math.ceil(size / s) - 1) * s + k - size, 0)
            pads.append((total // 2, total - total // 2))
        (pt, pb), (pl, pr) = pads
        return (pt, pl, pb, pr)
    if isinstance(padding, int):
        return (padding,) * 4
    if isinstance(padding, tuple) and len(padding) == 2:
        return (padding[0], padding[1], padding[0], padding[1])
    if isinstance(padding, tuple) and len(padding) == 4:
        return tuple(int(p) for p in padding)  # type: ignore[return-value]
    raise ValueError(
        f"padding {padding!r} must be 'valid', 'same', an int, (ph, pw) or "
        "(top, left, bottom, right)"
    )


class Net:
    """Builds one network graph layer by layer (see the module docstring).

    Contract: every method appends nodes and returns the new `Tensor`; shapes are checked as
    layers are added (a `ShapeError` names the layer); ``build`` returns an immutable `Graph`.
    """

    def __init__(self, name: str = "net", seed: int = 0) -> None:
        self._b = IRBuilder(name)
        self._rng = np.random.default_rng(seed)
        self._layer = 0

    def _t(self, nid: int) -> Tensor:
        return Tensor(nid, self._b.shape(nid))

    def _name(self, kind: str, name: str | None) -> str:
        self._layer += 1
        return name or f"{kind}{self._layer}"

    def _weight(
        self, name: str, shape: tuple[int, ...], fan_in: int, fan_out: int, init: str
    ) -> int:
        if init == "he":
            value = self._rng.standard_normal(shape) * math.sqrt(2.0 / fan_in)
        elif init == "glorot":
            limit = math.sqrt(6.0 / (fan_in + fan_out))
            value = self._rng.uniform(-limit, limit, shape)
        elif init == "ones":
            value = np.ones(shape)
        elif init == "zeros":
            value = np.zeros(shape)
        else:
            raise ValueError(f"{name}: init must be one of he, glorot, ones, zeros, not {init!r}")
        return self._b.param(self._b.unique(name), value)

    def _op(self, op: Op, inputs: Sequence[Tensor], name: str, **attrs: object) -> Tensor:
        return self._t(self._b.add(op, [t.id for t in inputs], name, **attrs))

    # Graph boundary -----------------------------------------------------------------------
    def input(self, name: str, shape: Sequence[int]) -> Tensor:
        """A host-fed input; ``shape`` includes the batch dimension first."""
        return self._t(self._b.input(name, tuple(shape)))

    def output(self, name: str, x: Tensor) -> None:
        self._b.output(name, x.id)

    def build(self) -> Graph:
        if not self._b.outputs:
            raise ValueError(f"network {self._b.name!r} has no outputs; call output() first")
        return self._b.build()

    # Layers with weights ------------------------------------------------------------------
    def dense(self, x: Tensor, units: int, bias: bool = True, name: str | None = None) -> Tensor:
        """x @ W (+ b) over the last axis; inputs of rank > 2 are flattened to rows and back."""
        nm = self._name("dense", name)
        if units < 1:
            raise ShapeError(f"{nm}: units must be >= 1, not {units}")
        fan_in = x.shape[-1]
        w = self._weight(f"{nm}.w", (fan_in, units), fan_in, units, "he")
        rows = self._b.reshape(x.id, (-1, fan_in), nm)
        y = self._b.matmul(rows, w, name=nm)
        if bias:
            y = self._b.add(Op.ADD, (y, self._weight(f"{nm}.b", (units,), 1, 1, "zeros")), nm)
        return self._t(self._b.reshape(y, (-1,) + x.shape[1:-1] + (units,), nm))

    def conv2d(
        self,
        x: Tensor,
        filters: int,
        kernel: int | Sequence[int],
        stride: int | Sequence[int] = 1,
        padding: Padding = "same",
        bias: bool = True,
        name: str | None = None,
    ) -> Tensor:
        nm = self._name("conv", name)
        if filters < 1:
            raise ShapeError(f"{nm}: filters must be >= 1, not {filters}")
        k, s = _window(nm, x, kernel, stride)
        cin = x.shape[3]
        pad = resolve_padding(padding, k, s, x.shape[1:3])
        w = self._weight(
            f"{nm}.w", k + (cin, filters), k[0] * k[1] * cin, k[0] * k[1] * filters, "he"
        )
        y = self._op(Op.CONV2D, [x, self._t(w)], nm, stride=s, padding=pad)
        if bias:
            b = self._weight(f"{nm}.b", (filters,), 1, 1, "zeros")
            y = self._op(Op.ADD, [y, self._t(b)], nm)
        return y

    def batch_norm(self, x: Tensor, eps: float = 1e-5, name: str | None = None) -> Tensor:
        """Batch norm over the last axis. The running statistics are PARAMs (mean 0, var 1) that
        inference uses and a training step updates as running averages while it normalizes
        with batch statistics (see `compiler.train.batch_norm_training`)."""
        nm = self._name("bn", name)
        c = x.shape[-1]
        gamma = self._weight(f"{nm}.gamma", (c,), 1, 1, "ones")
        beta = self._weight(f"{nm}.beta", (c,), 1, 1, "zeros")
        mean = self._weight(f"{nm}.running_mean", (c,), 1, 1, "zeros")
        var = self._weight(f"{nm}.running_var", (c,), 1, 1, "ones")
        return self._t(
            self._b.add(Op.BATCH_NORM, (x.id, gamma, beta, mean, var), nm, eps=eps, training=False)
        )

    def dropout(
        self, x: Tensor, ratio: float = 0.5, seed: int | None = None, name: str | None = None
    ) -> Tensor:
        """Zero each element with probability ``ratio`` and scale the rest by 1 / (1 - ratio)
        in a training step (a mask drawn on chip from ``seed``, the step and the element
        index: `compiler.train.dropout_training`); the identity in inference. ``seed`` (an
        int below 2^24) defaults to the layer's number, so two dropouts differ."""
        nm = self._name("dropout", name)
        if not 0.0 <= ratio < 1.0:
            raise ValueError(f"{nm}: ratio must be in [0, 1), not {ratio}")
        seed = self._layer if seed is None else seed
        if not isinstance(seed, int) or not 0 <= seed < 1 << 24:
            raise ValueError(f"{nm}: seed must be an int in [0, 2^24), not {seed!r}")
        return self._op(Op.DROPOUT, [x], nm, ratio=float(ratio), seed=seed)

    def layer_norm(self, x: Tensor, eps: float = 1e-5, name: str | None = None) -> Tensor:
        nm = self._name("ln", name)
        c = x.shape[-1]
        gamma = self._weight(f"{nm}.gamma", (c,), 1, 1, "ones")
        beta = self._weight(f"{nm}.beta", (c,), 1, 1, "zeros")
        return self._t(self._b.add(Op.LAYER_NORM, (x.id, gamma, beta), nm, eps=eps))

    def _recurrent(
        self,
        op: Op,
        x: Tensor,
        hidden: int,
        return_sequences: bool,
        name: str | None,
        **attrs: object,
    ) -> Tensor:
        nm = self._name(op.value, name)
        gates = GATES[op] * hidden
        feat = x.shape[-1]
        w = self._weight(f"{nm}.w", (feat, gates), feat, gates, "glorot")
        r = self._weight(f"{nm}.r", (hidden, gates), hidden, gates, "glorot")
        biases = [self._weight(f"{nm}.b", (gates,), 1, 1, "zeros")]
        if op is Op.GRU:
            biases.append(self._weight(f"{nm}.rb", (gates,), 1, 1, "zeros"))
        seq = self._b.add(op, (x.id, w, r, *biases), nm, hidden=hidden, **attrs)
        if return_sequences:
            return self._t(seq)
        steps = x.shape[1]
        last = self._b.slice(seq, 1, steps - 1, steps, nm)
        return self._t(self._b.reshape(last, (-1, hidden), nm))

    def rnn(
        self, x: Tensor, hidden: int, return_sequences: bool = False, name: str | None = None
    ) -> Tensor:
        """tanh RNN over x [B, T, F]: every hidden state [B, T, H] or the last one [B, H]."""
        return self._recurrent(Op.RNN, x, hidden, return_sequences, name)

    def gru(
        self,
        x: Tensor,
        hidden: int,
        return_sequences: bool = False,
        linear_before_reset: bool = True,
        name: str | None = None,
    ) -> Tensor:
        return self._recurrent(
            Op.GRU, x, hidden, return_sequences, name, linear_before_reset=linear_before_reset
        )

    def lstm(
        self, x: Tensor, hidden: int, return_sequences: bool = False, name: str | None = None
    ) -> Tensor:
        return self._recurrent(Op.LSTM, x, hidden, return_sequences, name)

    def attention(self, x: Tensor, name: str | None = None) -> Tensor:
        """Single-head scaled dot-product self-attention over x [B, T, D]."""
        nm = self._name("attn", name)
        d = x.shape[-1]
        ws = [self._weight(f"{nm}.{p}", (d, d), d, d, "glorot") for p in ("wq", "wk", "wv", "wo")]
        return self._t(self._b.add(Op.ATTENTION, (x.id, *ws), nm))

    # Layers without weights ---------------------------------------------------------------
    def _pool(
        self,
        op: Op,
        x: Tensor,
        kernel: int | Sequence[int],
        stride: int | Sequence[int] | None,
        padding: Padding,
        name: str | None,
    ) -> Tensor:
        nm = self._name(op.value, name)
        k, s = _window(nm, x, kernel, stride if stride is not None else kernel)
        pad = resolve_padding(padding, k, s, x.shape[1:3])
        return self._op(op, [x], nm, kernel=k, stride=s, padding=pad, count_include_pad=False)

    def max_pool(
        self,
        x: Tensor,
        kernel: int | Sequence[int],
        stride: int | Sequence[int] | None = None,
        padding: Padding = 0,
        name: str | None = None,
    ) -> Tensor:
        return self._pool(Op.MAXPOOL2D, x, kernel, stride, padding, name)

    def avg_pool(
        self,
        x: Tensor,
        kernel: int | Sequence[int],
        stride: int | Sequence[int] | None = None,
        padding: Padding = 0,
        name: str | None = None,
    ) -> Tensor:
        return self._pool(Op.AVGPOOL2D, x, kernel, stride, padding, name)

    def global_avg_pool(self, x: Tensor, name: str | None = None) -> Tensor:
        return self._op(Op.GLOBAL_AVGPOOL, [x], self._name("gap", name))

    def flatten(self, x: Tensor, name: str | None = None) -> Tensor:
        return self.reshape(x, (-1, math.prod(x.shape[1:])), name)

    def reshape(self, x: Tensor, shape: Sequence[int], name: str | None = None) -> Tensor:
        return self._t(self._b.reshape(x.id, tuple(shape), self._name("reshape", name)))

    def add(self, a: Tensor, b: Tensor, name: str | None = None) -> Tensor:
        return self._op(Op.ADD, [a, b], self._name("add", name))

    def concat(self, xs: Sequence[Tensor], axis: int = -1, name: str | None = None) -> Tensor:
        axis = axis % len(xs[0].shape)
        return self._op(Op.CONCAT, xs, self._name("concat", name), axis=axis)

    def relu(self, x: Tensor, name: str | None = None) -> Tensor:
        return self._op(Op.RELU, [x], self._name("relu", name))

    def leaky_relu(self, x: Tensor, alpha: float = 0.01, name: str | None = None) -> Tensor:
        return self._op(Op.LEAKY_RELU, [x], self._name("leaky_relu", name), alpha=float(alpha))

    def sigmoid(self, x: Tensor, name: str | None = None) -> Tensor:
        return self._op(Op.SIGMOID, [x], self._name("sigmoid", name))

    def tanh(self, x: Tensor, name: str | None = None) -> Tensor:
        return self._op(Op.TANH, [x], self._name("tanh", name))

    def gelu(self, x: Tensor, name: str | None = None) -> Tensor:
        return self._op(Op.GELU, [x], self._name("gelu", name))

    def softmax(self, x: Tensor, name: str | None = None) -> Tensor:
        return self._op(Op.SOFTMAX, [x], self._name("softmax", name))

    def log_softmax(self, x: Tensor, name: str | None = None) -> Tensor:
        return self._op(Op.LOG_SOFTMAX, [x], self._name("log_softmax", name))
