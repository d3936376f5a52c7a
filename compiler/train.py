"""Training steps as IR: loss, backward (autodiff) and optimizer update in one graph.

`training_step(graph, spec)` turns a forward graph into a graph that, run once, computes the
loss and the new value of every PARAM and optimizer STATE (``graph.updates``; the lowering
stores them back in place). Everything the step needs at run time is a tensor: the learning
rate is the STATE ``lr`` (shape (1,), which the host may overwrite for a schedule), and Adam's
bias correction uses the STATEs ``adam.beta1_power``/``adam.beta2_power`` (beta^t), which the
graph itself multiplies by beta every step. Nothing step-dependent is a compile-time constant.

Weight decay is L2 added to the gradient (``g + wd * p``) for SGD and momentum, and decoupled
(AdamW: ``p - lr * wd * p``) for Adam when ``decoupled=True``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from chip.program import TensorRole
from compiler.autodiff import gradients
from compiler.ir import COMPOSITE, Graph, Node, Op
from compiler.ir_builder import IRBuilder, rebuild
from compiler.passes.decompose import batch_norm_train, decompose


@dataclass(frozen=True)
class SGD:
    """p <- p - lr * (g + weight_decay * p)."""

    weight_decay: float = 0.0

    def __post_init__(self) -> None:
        _check(self)


@dataclass(frozen=True)
class Momentum:
    """v <- momentum * v + g';  p <- p - lr * v  (nesterov: p - lr * (g' + momentum * v))."""

    momentum: float = 0.9
    weight_decay: float = 0.0
    nesterov: bool = False

    def __post_init__(self) -> None:
        _check(self, "momentum")


@dataclass(frozen=True)
class Adam:
    """Adam (Kingma & Ba) with bias correction; ``decoupled`` weight decay makes it AdamW."""

    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    weight_decay: float = 0.0
    decoupled: bool = False

    def __post_init__(self) -> None:
        _check(self, "beta1", "beta2")
        if not self.eps > 0:
            raise ValueError(f"Adam.eps must be positive, not {self.eps}")


def _check(opt: object, *fractions: str) -> None:
    name = type(opt).__name__
    for f in ("weight_decay",) + fractions:
        v = getattr(opt, f)
        if not (v >= 0 if f == "weight_decay" else 0 <= v < 1):
            rule = "must be >= 0" if f == "weight_decay" else "must be in [0, 1)"
            raise ValueError(f"{name}.{f} {rule}, not {v}")


Optimizer = SGD | Momentum | Adam
LOSSES = ("ce", "mse")


@dataclass(frozen=True)
class TrainSpec:
    """What one training step does.

    ``loss``: "ce" (softmax cross-entropy on logits against one-hot ``labels`` [B, C]; every
    row must sum to 1, one-hot or a probability distribution, since the gradient assumes it) or
    "mse" (against ``labels`` of the prediction's shape). ``output``: the forward output that
    is the prediction (default: the graph's only output). ``lr``: the initial learning rate.
    ``bn_momentum``: weight of the batch statistics in batch norm's running averages.
    """

    loss: str = "ce"
    optimizer: Optimizer = field(default_factory=SGD)
    lr: float = 0.01
    output: str | None = None
    bn_momentum: float = 0.1

    def __post_init__(self) -> None:
        if self.loss not in LOSSES:
            raise ValueError(f"loss {self.loss!r} must be one of {', '.join(LOSSES)}")
        if not self.lr > 0:
            raise ValueError(f"lr must be positive, not {self.lr}")
        if not isinstance(self.optimizer, SGD | Momentum | Adam):
            raise ValueError(f"optimizer {self.optimizer!r} must be SGD, Momentum or Adam")


def batch_norm_training(graph: Graph, momentum: float = 0.1) -> Graph:
    """Switch every inference BATCH_NORM to batch statistics and track running statistics.

    Invariant established: no inference-mode BATCH_NORM remains; each one is expanded into
    primitives that normalize with the batch mean and biased variance, and running mean/var
    operands that are PARAMs get updates ``(1 - momentum) * old + momentum * batch`` (the
    variance unbiased, as PyTorch does). Those PARAMs are then not trained by the optimizer,
    and their role is RUNNING_STAT.
    """
    sources = {n.id: n for n in graph.nodes if n.op is Op.PARAM}
    updates: dict[str, int] = {}

    def rewrite(b: IRBuilder, n: Node, ins: list[int]) -> int | None:
        if n.op is not Op.BATCH_NORM or n.attrs["training"]:
            return None
        y, mean, var = batch_norm_train(b, *ins[:3], n.attrs["eps"], n.name)
        rows = math.prod(b.shape(ins[0])[:-1])
        unbias = rows / max(rows - 1, 1)
        for k, batch, factor in ((3, mean, 1.0), (4, var, unbias)):
            if n.inputs[k] in sources:
                keep = b.scale(ins[k], 1.0 - momentum, n.name)
                new = b.add(Op.ADD, (keep, b.scale(batch, momentum * factor, n.name)), n.name)
                updates[sources[n.inputs[k]].name] = new
        return y

    out = rebuild(graph, rewrite)
    roles = {name: TensorRole.RUNNING_STAT for name in updates}
    return out.replace(updates={**out.updates, **updates}, roles={**out.roles, **roles})


def training_step(graph: Graph, spec: TrainSpec) -> Graph:
    """The whole training step for forward ``graph``.

    Invariant established: outputs are ``loss`` (role LOSS) plus the forward outputs;
    ``updates`` maps every PARAM and optimizer STATE to its new value; the graph has a new
    INPUT ``labels`` (role LABEL) and a STATE ``lr`` (role LEARNING_RATE).
    Composite ops are decomposed first so the backward graph is built from primitives.
    """
    ints = [
        n
        for n in (*graph.inputs.values(), *graph.sources(Op.PARAM).values())
        if not n.dtype.is_float
    ]
    if ints:
        raise ValueError(
            f"graph {graph.name!r} is already quantized ({ints[0].dtype.value} "
            f"tensor {ints[0].name!r}): a training step needs the float model "
            "(on an int8 chip its GEMM operands are quantized on chip)"
        )
    if any(n.op in COMPOSITE for n in graph.nodes):
        graph = decompose(graph)
    names = list(graph.outputs)
    out = spec.output or (names[0] if len(names) == 1 else None)
    if out not in graph.outputs:
        raise ValueError(f"TrainSpec.output {spec.output!r} must name one of the outputs {names}")
    b = IRBuilder.extend(graph)
    pred = graph.outputs[out]
    if "labels" in graph.inputs:
        raise ValueError("the forward graph already has an input named 'labels'")
    labels = b.input("labels", b.shape(pred), role=TensorRole.LABEL)
    if spec.loss == "ce":  # one-hot labels: the gradient is the single fused SOFTMAX_CE_GRAD
        loss = b.add(Op.SOFTMAX_CE, (pred, labels), "loss", normalized_labels=True)
    else:
        loss = b.add(Op.MSE, (pred, labels), "loss")
    b.output("loss", loss, role=TensorRole.LOSS)
    # PARAMs that already have an update (batch-norm running statistics) are not trained.
    params = {k: n for k, n in graph.sources(Op.PARAM).items() if k not in graph.updates}
    with_grads, grads = gradients(b.build(), loss, [n.id for n in params.values()])
    b = IRBuilder.extend(with_grads)
    lr = b.state_tensor("lr", np.array([spec.lr]), role=TensorRole.LEARNING_RATE)
    opt = spec.optimizer
    step = _adam_step(b, opt, lr) if isinstance(opt, Adam) else None
    for name, node in params.items():
        b.updates[name] = _update(b, opt, name, node.id, grads[node.id], lr, step)
    return b.build()


def _scalar_times(b: IRBuilder, x: int, s: int, name: str) -> int:
    return b.add(Op.MUL, (x, s), name)


def _update(
    b: IRBuilder, opt: Optimizer, name: str, p: int, g: int, lr: int, adam: tuple[int, int] | None
) -> int:
    nm = f"{name}.update"
    if opt.weight_decay and not (isinstance(opt, Adam) and opt.decoupled):
        g = b.add(Op.ADD, (g, b.scale(p, opt.weight_decay, nm)), nm)
    if isinstance(opt, SGD):
        return b.add(Op.SUB, (p, _scalar_times(b, g, lr, nm)), nm)
    shape = b.shape(p)
    if isinstance(opt, Momentum):
        v = b.state_tensor(f"{name}.velocity", np.zeros(shape))
        v_new = b.add(Op.ADD, (b.scale(v, opt.momentum, nm), g), nm)
        b.updates[f"{name}.velocity"] = v_new
        step = b.add(Op.ADD, (g, b.scale(v_new, opt.momentum, nm)), nm) if opt.nesterov else v_new
        return b.add(Op.SUB, (p, _scalar_times(b, step, lr, nm)), nm)
    assert adam is not None
    step_size, corr2 = adam
    m = b.state_tensor(f"{name}.m", np.zeros(shape))
    v = b.state_tensor(f"{name}.v", np.zeros(shape))
    m_new = b.add(Op.ADD, (b.scale(m, opt.beta1, nm), b.scale(g, 1 - opt.beta1, nm)), nm)
    g2 = b.add(Op.MUL, (g, g), nm)
    v_new = b.add(Op.ADD, (b.scale(v, opt.beta2, nm), b.scale(g2, 1 - opt.beta2, nm)), nm)
    b.updates[f"{name}.m"], b.updates[f"{name}.v"] = m_new, v_new
    # p - lr / (1 - b1^t) * m / (sqrt(v / (1 - b2^t)) + eps)
    denom = b.add_const(b.add(Op.SQRT, (_scalar_times(b, v_new, corr2, nm),), nm), opt.eps, nm)
    delta = _scalar_times(
        b, b.add(Op.MUL, (m_new, b.add(Op.RECIP, (denom,), nm)), nm), step_size, nm
    )
    if opt.weight_decay and opt.decoupled:
        decay = _scalar_times(b, b.scale(p, opt.weight_decay, nm), lr, nm)
        delta = b.add(Op.ADD, (delta, decay), nm)
    return b.add(Op.SUB, (p, delta), nm)


def _adam_step(b: IRBuilder, opt: Adam, lr: int) -> tuple[int, int]:
    """Advance beta^t and return (lr / (1 - beta1^t), 1 / (1 - beta2^t)) as (1,) tensors."""
    corr = []
    for k, beta in (("beta1_power", opt.beta1), ("beta2_power", opt.beta2)):
        power = b.scale(b.state_tensor(f"adam.{k}", np.ones(1)), beta, "adam")
        b.updates[f"adam.{k}"] = power
        corr.append(
            b.add(Op.RECIP, (b.add_const(b.scale(power, -1.0, "adam"), 1.0, "adam"),), "adam")
        )
    return b.add(Op.MUL, (lr, corr[0]), "adam"), corr[1]
