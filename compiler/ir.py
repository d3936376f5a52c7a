"""The compiler's graph IR: one immutable `Node` type, one `Op` enum, op-category sets, a `Graph`.

A `Graph` is a tuple of nodes in topological order; node ``i`` has id ``i`` and refers to its
operands by id. Nodes and graphs are frozen, so every pass is a pure function ``Graph -> Graph``.

Tensors
    Every node produces one tensor with a static ``shape`` (a tuple of ints) and a ``dtype``
    (`chip.dtypes.DType`). Scalars (a loss, the learning rate) have shape ``(1,)``.
    Activations of 2-D convolutions are NHWC; convolution weights are ``[KH, KW, Cin, Cout]``;
    dense weights are ``[in, out]``; sequences are ``[batch, time, features]``.

Sources (no operands; the tensor lives in DRAM)
    INPUT  fed by the host each run (``graph.inputs``); PARAM a trainable weight with its initial
    value in ``graph.params``; CONST a non-trainable tensor with its value in ``graph.consts``;
    STATE optimizer/step state (momentum, Adam moments, learning rate, beta powers) with its
    initial value in ``graph.state``. ``graph.updates`` maps a PARAM/STATE name to the node that
    computes its new value: the lowering stores that value back in place. ``graph.roles`` gives
    a source or output a more specific `chip.program.TensorRole` (labels, learning rate, loss),
    which its program tensor carries.

Primitive ops (what the chip executes; the lowering must handle exactly these)
    MATMUL(a, b)            2-D ``a @ b``; attrs ``trans_a``, ``trans_b`` (operand stored
                            transposed: the DMA transposes on load).
    CONV2D(x, w)            NHWC x [KH,KW,Cin,Cout] -> NHWC; attrs ``stride`` (sh, sw),
                            ``padding`` (top, left, bottom, right), zero padding.
    CONV2D_GRAD_INPUT(dy, w)   dL/dx of CONV2D; attrs as CONV2D plus ``input_shape``.
    CONV2D_GRAD_WEIGHT(x, dy)  dL/dw of CONV2D; attrs as CONV2D plus ``weight_shape``.
    ADD, SUB, MUL, MAX(a, b)   elementwise; ``b`` has a's shape, or is a row vector
                            ``(a.shape[-1],)`` broadcast over the leading dims, or a per-row
                            scalar ``a.shape[:-1] + (1,)``, or a scalar ``(1,)``.
    GREATER, EQUAL(a, b)    1.0 where a > b (a == b) else 0.0; broadcasting as ADD.
    RANDOM(counter, key)    uniform numbers in [0, 1): the vector unit's RAND of each counter
                            element with ``key`` (a (1,) scalar), keyed by attrs ``seed`` (an
                            int below 2^24): `chip.semantics.philox_uniform` of their float32
                            bits. No gradient.
    RELU, SIGMOID, TANH, EXP, LOG, RECIP, RSQRT, SQRT (x)   elementwise unary.
    RELU_GRAD(x, dy)        dy where x > 0 else 0.
    SCALE(x)                x * attrs ``value``;  ADD_CONST(x): x + attrs ``value``.
    FILL()                  a tensor of attrs ``shape`` filled with attrs ``value`` (no operands).
    REDUCE_SUM, REDUCE_MAX(x)  attrs ``axis``: -1 (over the last axis, keeping it as size 1,
                            so the result is a per-row scalar) or 0 (over the first axis, dropped).
    BROADCAST(x)            to attrs ``shape``: x is a row vector ``shape[-k:]`` repeated over
                            the leading dims, or a per-row scalar ``shape[:-1] + (1,)``.
    MAXPOOL2D, AVGPOOL2D(x)  NHWC; attrs ``kernel``, ``stride``, ``padding`` (as CONV2D);
                            max pooling pads with -inf, average pooling divides by the number
                            of unpadded elements unless ``count_include_pad``.
    MAXPOOL2D_GRAD, AVGPOOL2D_GRAD(x, dy)  their input gradients (max: routed to the first
                            maximum of each window; attrs ``relu_mask`` (default False): zero
                            where x <= 0, a following ReLU's gradient folded in).
    RESHAPE(x)              attrs ``shape`` (may contain one -1); row-major, no data change.
    TRANSPOSE(x)            attrs ``perm``.
    CONCAT(*xs)             attrs ``axis`` (non-negative).
    SLICE(x)                attrs ``axis``, ``start``, ``stop`` (step 1).
    CAST(x)                 attrs ``dtype`` (a DType); rounds to nearest even, and integer
                            targets saturate (`chip.dtypes.to_storage`).
    ROUND(x)                fp32 x rounded to a narrow number format, kept fp32 (the vector
                            unit's CVT, `chip.formats`); attrs ``format`` (a `chip.formats.Format`
                            value), ``saturate``, ``round_mode`` (float8e8m0 only).
    SOFTMAX_CE(logits, labels)  mean over the batch of -sum(labels * log_softmax(logits)),
                            numerically stable; labels are one-hot (or soft) ``[B, C]``; -> (1,).
                            attrs ``normalized_labels`` (default False): a promise that every
                            label row sums to 1, so the gradient is SOFTMAX_CE_GRAD alone.
    SOFTMAX_CE_GRAD(logits, labels)  (softmax(logits) - labels) / B: the gradient of SOFTMAX_CE
                            where every label row sums to 1 (autodiff corrects other rows).
    MSE(y, target)          mean over all elements of (y - target)^2 -> (1,).
    MSE_GRAD(y, target)     2 (y - target) / y.size.

Composite ops (decomposed into primitives by `compiler.passes.decompose`; the reference
interpreter also evaluates them directly so the decomposition can be checked)
    SOFTMAX, LOG_SOFTMAX(x) over the last axis; GELU(x) (tanh approximation);
    LEAKY_RELU(x) attrs ``alpha``; DROPOUT(x) attrs ``ratio``, ``seed``: the identity in
    inference (a training step draws its mask first, `compiler.train.dropout_training`);
    LAYER_NORM(x, gamma, beta) over the last axis, attrs ``eps``;
    BATCH_NORM(x, gamma, beta, mean, var) over the last (channel) axis, attrs ``eps`` and
    ``training`` (True: batch statistics, the mean/var operands are omitted);
    GLOBAL_AVGPOOL(x) NHWC -> [B, C];
    RNN(x, w, r, b), GRU(x, w, r, bw, br), LSTM(x, w, r, b): x [B, T, I], w [I, G*H],
    r [H, G*H]; attrs ``hidden``; gate order GRU (z, r, n) with attrs ``linear_before_reset``,
    LSTM (i, f, g, o), with attrs ``peephole`` a fifth operand p [3H] (i, f, o); the initial
    state is zero, or with attrs ``states`` k the last k operands: h0 [B, H] (and LSTM's c0);
    the result is every hidden state [B, T, H]
    (LSTM with attrs ``with_cell``: [B, T, 2H], each step's hidden then cell state);
    ATTENTION(x, wq, wk, wv, wo): single-head scaled dot-product self-attention, x [B, T, D].
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from chip.dtypes import DType
from chip.program import TensorKind, TensorRole


class Op(enum.Enum):
    """Every operation the IR can hold (see the module docstring for each one's meaning)."""

    INPUT = "input"
    PARAM = "param"
    CONST = "const"
    STATE = "state"

    MATMUL = "matmul"
    CONV2D = "conv2d"
    CONV2D_GRAD_INPUT = "conv2d_grad_input"
    CONV2D_GRAD_WEIGHT = "conv2d_grad_weight"
    ADD = "add"
    SUB = "sub"
    MUL = "mul"
    MAX = "max"
    GREATER = "greater"
    EQUAL = "equal"
    RANDOM = "random"
    RELU = "relu"
    RELU_GRAD = "relu_grad"
    SIGMOID = "sigmoid"
    TANH = "tanh"
    EXP = "exp"
    LOG = "log"
    RECIP = "recip"
    RSQRT = "rsqrt"
    SQRT = "sqrt"
    SCALE = "scale"
    ADD_CONST = "add_const"
    FILL = "fill"
    REDUCE_SUM = "reduce_sum"
    REDUCE_MAX = "reduce_max"
    BROADCAST = "broadcast"
    MAXPOOL2D = "maxpool2d"
    MAXPOOL2D_GRAD = "maxpool2d_grad"
    AVGPOOL2D = "avgpool2d"
    AVGPOOL2D_GRAD = "avgpool2d_grad"
    RESHAPE = "reshape"
    TRANSPOSE = "transpose"
    CONCAT = "concat"
    SLICE = "slice"
    CAST = "cast"
    ROUND = "round"
    SOFTMAX_CE = "softmax_ce"
    SOFTMAX_CE_GRAD = "softmax_ce_grad"
    MSE = "mse"
    MSE_GRAD = "mse_grad"

    SOFTMAX = "softmax"
    LOG_SOFTMAX = "log_softmax"
    GELU = "gelu"
    LEAKY_RELU = "leaky_relu"
    LAYER_NORM = "layer_norm"
    BATCH_NORM = "batch_norm"
    GLOBAL_AVGPOOL = "global_avgpool"
    DROPOUT = "dropout"
    RNN = "rnn"
    GRU = "gru"
    LSTM = "lstm"
    ATTENTION = "attention"


SOURCES = frozenset({Op.INPUT, Op.PARAM, Op.CONST, Op.STATE})
# The DRAM tensor kind of each source (graph outputs are TensorKind.OUTPUT).
SOURCE_KIND: Mapping[Op, TensorKind] = MappingProxyType(
    {
        Op.INPUT: TensorKind.INPUT,
        Op.PARAM: TensorKind.PARAM,
        Op.STATE: TensorKind.STATE,
        Op.CONST: TensorKind.CONST,
    }
)
COMPOSITE = frozenset(
    {
        Op.SOFTMAX,
        Op.LOG_SOFTMAX,
        Op.GELU,
        Op.LEAKY_RELU,
        Op.LAYER_NORM,
        Op.BATCH_NORM,
        Op.GLOBAL_AVGPOOL,
        Op.DROPOUT,
        Op.RNN,
        Op.GRU,
        Op.LSTM,
        Op.ATTENTION,
    }
)
PRIMITIVE = frozenset(Op) - SOURCES - COMPOSITE
# Gates of each recurrent op, stacked in its weights' columns ([in, GATES * hidden]) in the
# order RNN (h), GRU (z, r, n), LSTM (i, f, g, o).
GATES: Mapping[Op, int] = MappingProxyType({Op.RNN: 1, Op.GRU: 3, Op.LSTM: 4})
RECURRENT = frozenset(GATES)

# Matrix-unit work: the lowering maps these onto the systolic array.
GEMM = frozenset({Op.MATMUL, Op.CONV2D, Op.CONV2D_GRAD_INPUT, Op.CONV2D_GRAD_WEIGHT})
ELEMENTWISE_BINARY = frozenset({Op.ADD, Op.SUB, Op.MUL, Op.MAX, Op.GREATER, Op.EQUAL, Op.RANDOM})
ELEMENTWISE_UNARY = frozenset(
    {
        Op.RELU,
        Op.SIGMOID,
        Op.TANH,
        Op.EXP,
        Op.LOG,
        Op.RECIP,
        Op.RSQRT,
        Op.SQRT,
        Op.SCALE,
        Op.ADD_CONST,
        Op.CAST,
        Op.ROUND,
    }
)
ELEMENTWISE = ELEMENTWISE_BINARY | ELEMENTWISE_UNARY | {Op.RELU_GRAD}
REDUCTION = frozenset({Op.REDUCE_SUM, Op.REDUCE_MAX})
POOLING = frozenset({Op.MAXPOOL2D, Op.MAXPOOL2D_GRAD, Op.AVGPOOL2D, Op.AVGPOOL2D_GRAD})
# Pure data movement: done by DMA address patterns (or vector copies), no arithmetic.
DATA_MOVEMENT = frozenset({Op.RESHAPE, Op.TRANSPOSE, Op.CONCAT, Op.SLICE, Op.BROADCAST})
LOSS = frozenset({Op.SOFTMAX_CE, Op.MSE})
# Gradient helpers produced by autodiff; they have no gradient rule themselves.
GRADIENT = frozenset(
    {
        Op.CONV2D_GRAD_INPUT,
        Op.CONV2D_GRAD_WEIGHT,
        Op.RELU_GRAD,
        Op.MAXPOOL2D_GRAD,
        Op.AVGPOOL2D_GRAD,
        Op.SOFTMAX_CE_GRAD,
        Op.MSE_GRAD,
    }
)
# The vector unit's work: everything primitive that is neither GEMM nor pure data movement.
VECTOR = PRIMITIVE - GEMM - DATA_MOVEMENT

# How many operands each op takes (None: any number; BATCH_NORM: 3, or 5 for inference).
ARITY: Mapping[Op, int | tuple[int, ...] | None] = MappingProxyType(
    {
        **{op: 0 for op in SOURCES},
        Op.FILL: 0,
        **{
            op: 1
            for op in ELEMENTWISE_UNARY
            | REDUCTION
            | {
                Op.BROADCAST,
                Op.MAXPOOL2D,
                Op.AVGPOOL2D,
                Op.RESHAPE,
                Op.TRANSPOSE,
                Op.SLICE,
                Op.SOFTMAX,
                Op.LOG_SOFTMAX,
                Op.GELU,
                Op.LEAKY_RELU,
                Op.GLOBAL_AVGPOOL,
                Op.DROPOUT,
            }
        },
        **{op: 2 for op in ELEMENTWISE_BINARY | GEMM | GRADIENT | LOSS},
        Op.CONCAT: None,
        Op.LAYER_NORM: 3,
        Op.BATCH_NORM: (3, 5),
        Op.RNN: (4, 5),
        Op.GRU: (5, 6),
        Op.LSTM: (4, 5, 6, 7),
        Op.ATTENTION: 5,
    }
)
assert set(ARITY) == set(Op), set(Op) - set(ARITY)


class Attrs(Mapping[str, Any]):
    """An immutable, hashable mapping of attribute names to immutable values."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, Any] | None = None, **kw: Any) -> None:
        merged = {**(items or {}), **kw}
        for k, v in merged.items():
            _check_immutable(k, v)
        self._items = dict(sorted(merged.items()))

    def __getitem__(self, key: str) -> Any:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(tuple(self._items.items()))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Mapping) and dict(self._items) == dict(other)

    def __repr__(self) -> str:
        return "{" + ", ".join(f"{k}={_fmt(v)}" for k, v in self._items.items()) + "}"


def _check_immutable(key: str, value: Any) -> None:
    if isinstance(value, tuple):
        for v in value:
            _check_immutable(key, v)
    elif not isinstance(value, (int, float, str, bool, DType, type(None))):
        raise TypeError(
            f"attribute {key}={value!r} must be an int, float, str, bool, DType "
            "or a tuple of them (attributes are immutable)"
        )


def _fmt(v: Any) -> str:
    if isinstance(v, DType):
        return v.value
    if isinstance(v, float):
        return f"{v:.6g}"
    return repr(v)


@dataclass(frozen=True)
class Node:
    """One operation and the tensor it produces.

    Contract: ``id`` equals the node's position in ``Graph.nodes``; ``inputs`` are ids of
    earlier nodes; ``shape``/``dtype`` describe the produced tensor. ``name`` is the tensor's
    name for sources (unique among sources) and a readable label (layer name) otherwise.
    """

    id: int
    op: Op
    inputs: tuple[int, ...]
    attrs: Attrs
    shape: tuple[int, ...]
    dtype: DType
    name: str = ""

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    def __str__(self) -> str:
        args = ", ".join(f"%{i}" for i in self.inputs)
        attrs = f" {self.attrs!r}" if self.attrs else ""
        label = f"  # {self.name}" if self.name else ""
        dims = ", ".join(str(d) for d in self.shape)
        return f"%{self.id} = {self.op.value}({args}){attrs} : {self.dtype.value}[{dims}]{label}"


def _frozen_arrays(values: Mapping[str, np.ndarray]) -> Mapping[str, np.ndarray]:
    out = {}
    for k, v in values.items():
        if _frozen(v):  # a previous graph's copy: every pass rebuilds the graph
            out[k] = v
            continue
        a = np.array(v, dtype=np.float32 if np.asarray(v).dtype.kind == "f" else None)
        a.setflags(write=False)
        out[k] = a
    return MappingProxyType(out)


def _frozen(v: object) -> bool:
    """Whether ``v`` is already what `_frozen_arrays` makes: a read-only array owning its
    data (no writable array can change it underneath), float32 if floating point."""
    return (
        type(v) is np.ndarray
        and v.base is None
        and not v.flags.writeable
        and (v.dtype.kind != "f" or v.dtype == np.float32)
    )


@dataclass(frozen=True)
class Graph:
    """A network (or a whole training step) as an immutable list of nodes in topological order.

    ``outputs`` maps output names to node ids. ``params``, ``consts`` and ``state`` hold the
    initial values (float32, read-only) of the PARAM, CONST and STATE sources, keyed by the
    source node's name. ``updates`` maps PARAM/STATE names to the node computing the new value.
    ``roles`` gives a source or output the `TensorRole` its program tensor will carry where that
    is more specific than its kind's plain role (`Graph.role`): the labels, the learning rate,
    the loss. Full invariants are checked by `compiler.passes.verify.verify`; the constructor
    checks only what makes the object unusable (ids, operand order, missing initial values).
    """

    nodes: tuple[Node, ...]
    outputs: Mapping[str, int]
    params: Mapping[str, np.ndarray] = field(default_factory=dict)
    consts: Mapping[str, np.ndarray] = field(default_factory=dict)
    state: Mapping[str, np.ndarray] = field(default_factory=dict)
    updates: Mapping[str, int] = field(default_factory=dict)
    name: str = "graph"
    roles: Mapping[str, TensorRole] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "nodes", tuple(self.nodes))
        object.__setattr__(self, "outputs", MappingProxyType(dict(self.outputs)))
        object.__setattr__(self, "updates", MappingProxyType(dict(self.updates)))
        object.__setattr__(self, "roles", MappingProxyType(dict(self.roles)))
        for attr in ("params", "consts", "state"):
            object.__setattr__(self, attr, _frozen_arrays(getattr(self, attr)))
        for i, n in enumerate(self.nodes):
            if n.id != i:
                raise ValueError(f"node {n} is at position {i}; node ids must equal positions")
            bad = [j for j in n.inputs if not 0 <= j < i]
            if bad:
                raise ValueError(
                    f"node {n} uses {bad}, which are not earlier nodes "
                    "(nodes must be in topological order)"
                )
        for op, table in ((Op.PARAM, self.params), (Op.CONST, self.consts), (Op.STATE, self.state)):
            for n in self.nodes:
                if n.op is op and n.name not in table:
                    raise ValueError(f"{op.value} {n.name!r} has no initial value")
        for name, nid in {**self.outputs, **self.updates}.items():
            if not 0 <= nid < len(self.nodes):
                raise ValueError(f"output/update {name!r} refers to missing node {nid}")

    def __getitem__(self, nid: int) -> Node:
        return self.nodes[nid]

    def __len__(self) -> int:
        return len(self.nodes)

    def sources(self, op: Op) -> dict[str, Node]:
        """Source nodes of kind ``op`` (INPUT, PARAM, CONST or STATE) by name."""
        return {n.name: n for n in self.nodes if n.op is op}

    @property
    def inputs(self) -> dict[str, Node]:
        return self.sources(Op.INPUT)

    def kinds(self) -> dict[str, TensorKind]:
        """The DRAM tensor kind of every source and output, by name (sources first)."""
        out = {n.name: SOURCE_KIND[n.op] for n in self.nodes if n.op in SOURCE_KIND}
        out.update((name, TensorKind.OUTPUT) for name in self.outputs)
        return out

    def role(self, name: str) -> TensorRole:
        """The role of source or output ``name``: its entry in ``roles``, else its kind's
        plain role."""
        kind = self.kinds().get(name)
        if kind is None:
            raise KeyError(f"graph {self.name!r} has no source or output {name!r}")
        return self.roles.get(name) or kind.plain_role

    def of_role(self, role: TensorRole) -> list[str]:
        """Names of the sources and outputs with ``role``, sources first."""
        return [n for n, k in self.kinds().items() if (self.roles.get(n) or k.plain_role) is role]

    def consumers(self) -> list[list[int]]:
        """For each node id, the ids of the nodes that use it (once per use)."""
        users: list[list[int]] = [[] for _ in self.nodes]
        for n in self.nodes:
            for i in n.inputs:
                users[i].append(n.id)
        return users

    def replace(self, **changes: Any) -> Graph:
        """This graph with the given fields changed (validated again, as on construction)."""
        return dataclasses.replace(self, **changes)

    def dump(self) -> str:
        """Readable text of the whole graph (one node per line), for debugging and reviews."""
        lines = [f"graph {self.name} ({len(self.nodes)} nodes)"]
        lines += [str(n) for n in self.nodes]
        lines += [f"output {k} = %{v}" for k, v in self.outputs.items()]
        lines += [f"update {k} <- %{v}" for k, v in self.updates.items()]
        lines += [f"role {k} = {v.value}" for k, v in self.roles.items()]
        return "\n".join(lines)
