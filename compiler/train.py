"""Training steps as IR: loss, backward (autodiff) and optimizer update in one graph.

`training_step(graph, spec)` turns a forward graph into a graph that, run once, computes the
loss and the new value of every PARAM and optimizer STATE (``graph.updates``; the lowering
stores them back in place). Everything the step needs at run time is a tensor. The host
writes the step's scalars into STATEs before each run (`host_scalars`): the learning rate
``lr``, and for Adam ``adam.step_size`` = lr / (1 - beta1^t) and ``adam.bias_rsqrt`` =
1 / sqrt(1 - beta2^t), computed in float64 so they are exact to fp32 rounding (``1 - beta^t``
computed on the chip in fp32 is off by up to 1e-5 relative for beta = 0.999). Nothing
step-dependent is a compile-time constant; the STATEs' initial values are those of step 1.

Weight decay is L2 added to the gradient (``g + wd * p``) for every optimizer, except Adam
with ``decoupled=True`` (AdamW: ``p - lr * wd * p``). Every optimizer follows the update
formulas of its `torch.optim` namesake, so the two agree step for step.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from chip.program import TensorRole
from compiler.autodiff import gradients, reduce_to
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
        _positive(self, "eps")


@dataclass(frozen=True)
class RMSprop:
    """v <- alpha v + (1 - alpha) g'^2; centered: a <- alpha a + (1 - alpha) g', v - a^2 in
    place of v; d = g' / (sqrt(v) + eps); p <- p - lr d, or with ``momentum``
    b <- momentum b + d, p <- p - lr b (torch.optim.RMSprop)."""

    alpha: float = 0.99
    eps: float = 1e-8
    momentum: float = 0.0
    centered: bool = False
    weight_decay: float = 0.0

    def __post_init__(self) -> None:
        _check(self, "alpha", "momentum")
        _positive(self, "eps")


@dataclass(frozen=True)
class Adagrad:
    """s <- s + g'^2;  p <- p - lr_t g' / (sqrt(s) + eps), with s starting at
    ``initial_accumulator`` and lr_t = lr / (1 + (t - 1) lr_decay) (torch.optim.Adagrad)."""

    eps: float = 1e-10
    lr_decay: float = 0.0
    initial_accumulator: float = 0.0
    weight_decay: float = 0.0

    def __post_init__(self) -> None:
        _check(self)
        _positive(self, "eps")
        for f in ("lr_decay", "initial_accumulator"):
            if not getattr(self, f) >= 0:
                raise ValueError(f"Adagrad.{f} must be >= 0, not {getattr(self, f)}")


def _check(opt: object, *fractions: str) -> None:
    name = type(opt).__name__
    for f in ("weight_decay",) + fractions:
        v = getattr(opt, f)
        if not (v >= 0 if f == "weight_decay" else 0 <= v < 1):
            rule = "must be >= 0" if f == "weight_decay" else "must be in [0, 1)"
            raise ValueError(f"{name}.{f} {rule}, not {v}")


def _positive(opt: object, f: str) -> None:
    if not getattr(opt, f) > 0:
        raise ValueError(f"{type(opt).__name__}.{f} must be positive, not {getattr(opt, f)}")


Optimizer = SGD | Momentum | Adam | RMSprop | Adagrad
# ce: softmax cross-entropy on logits; mse: mean squared error; bce_logits: binary
# cross-entropy on logits (sigmoid inside); bce: binary cross-entropy on probabilities.
LOSSES = ("ce", "mse", "bce_logits", "bce")


@dataclass(frozen=True)
class TrainSpec:
    """What one training step does.

    ``loss``: "ce" (softmax cross-entropy on logits against one-hot ``labels`` [B, C]; every
    row must sum to 1, one-hot or a probability distribution, since the gradient assumes it),
    "mse" (against ``labels`` of the prediction's shape), "bce_logits" (binary cross-entropy
    of sigmoid(prediction) against 0/1 ``labels`` of its shape, mean over all elements, as
    torch's ``binary_cross_entropy_with_logits``) or "bce" (the same on a prediction that is
    already a probability; logs clamped at -100 as torch does). ``output``: the forward output
    that is the prediction (default: the graph's only output). ``lr``: the initial learning
    rate. ``bn_momentum``: weight of the batch statistics in batch norm's running averages.
    ``gradients_only`` (data-parallel training, compiler/data_parallel.py): the step outputs
    every trained PARAM's gradient, ``grad.NAME`` (role GRADIENT), instead of updating it, so
    the gradients can be summed over chips before the update (`update_step`).
    """

    loss: str = "ce"
    optimizer: Optimizer = field(default_factory=SGD)
    lr: float = 0.01
    output: str | None = None
    bn_momentum: float = 0.1
    gradients_only: bool = False

    def __post_init__(self) -> None:
        if self.loss not in LOSSES:
            raise ValueError(f"loss {self.loss!r} must be one of {', '.join(LOSSES)}")
        if not self.lr > 0:
            raise ValueError(f"lr must be positive, not {self.lr}")
        if not isinstance(self.optimizer, SGD | Momentum | Adam | RMSprop | Adagrad):
            raise ValueError(
                f"optimizer {self.optimizer!r} must be SGD, Momentum, Adam, RMSprop or Adagrad"
            )


# Every STATE the host writes before each step (`host_scalars` returns those an optimizer uses).
HOST_SCALARS = ("lr", "adam.step_size", "adam.bias_rsqrt")


def host_scalars(optimizer: Optimizer, step: int, lr: float) -> dict[str, np.ndarray]:
    """The STATE values the host writes before training step ``step`` (1-based) runs with
    learning rate ``lr``: ``lr`` itself, Adam's bias corrections, Adagrad's decayed rate.

    Computed in float64 (the chip rounds each once when it is written), so ``1 - beta^t``
    carries no accumulated rounding; torch.optim computes it the same way in Python floats.
    """
    if step < 1:
        raise ValueError(f"training steps count from 1, not {step}")
    if isinstance(optimizer, Adagrad):
        lr = lr / (1.0 + (step - 1) * optimizer.lr_decay)
    out = {"lr": lr}
    if isinstance(optimizer, Adam):
        out["adam.step_size"] = lr / (1.0 - optimizer.beta1**step)
        out["adam.bias_rsqrt"] = 1.0 / math.sqrt(1.0 - optimizer.beta2**step)
    return {k: np.array([v], np.float64) for k, v in out.items()}


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


DROPOUT_STEP = "dropout.step"
MAX_DROPOUT_ELEMENTS = 1 << 24  # element indices are float32 counters: exact below 2^24


def dropout_training(graph: Graph) -> Graph:
    """Give every DROPOUT its training meaning: ``x * (u > ratio) / (1 - ratio)`` with ``u`` a
    RANDOM number per element.

    Invariant established: no DROPOUT remains. Each one's numbers come from a CONST
    ``<name>.counter`` (the element indices 0 .. n-1, n <= 2^24), the STATE ``dropout.step``
    that every DROPOUT shares (0 at first; each step stores step + 1) and the node's seed, so
    a mask is a function of (seed, step, element index): reproducible, new at every step, and
    continued from a checkpoint, which holds the step with the other STATE. The backward
    multiplies by the same mask (autodiff of the MUL), as torch's does.
    """
    step: list[int] = []

    def rewrite(b: IRBuilder, n: Node, ins: list[int]) -> int | None:
        if n.op is not Op.DROPOUT:
            return None
        x, nm, ratio = ins[0], n.name or "dropout", float(np.float32(n.attrs["ratio"]))
        if ratio == 0.0:
            return x
        shape = b.shape(x)
        size = math.prod(shape)
        if size > MAX_DROPOUT_ELEMENTS:
            raise ValueError(
                f"dropout {nm!r}: {size} elements per step; at most {MAX_DROPOUT_ELEMENTS} "
                "(its element indices are float32 counters)"
            )
        if not step:
            step.append(b.state_tensor(DROPOUT_STEP, np.zeros(1)))
            step.append(b.add_const(step[0], 1.0, DROPOUT_STEP))  # its update
        counter = b.const(
            b.unique(f"{nm}.counter"), np.arange(size, dtype=np.float64).reshape(shape)
        )
        u = b.add(Op.RANDOM, (counter, step[0]), nm, seed=int(n.attrs["seed"]))
        keep = b.add(Op.GREATER, (u, b.fill((1,), ratio, nm)), nm)
        return b.add(Op.MUL, (x, b.scale(keep, 1.0 / (1.0 - ratio), nm)), nm)

    out = rebuild(graph, rewrite)
    return out.replace(updates={**out.updates, DROPOUT_STEP: step[1]}) if step else out


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
    graph = dropout_training(graph)  # before decompose, which makes DROPOUT the identity
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
    known = None  # (prediction, its gradient) for losses differentiated in closed form
    if spec.loss == "ce":  # one-hot labels: the gradient is the single fused SOFTMAX_CE_GRAD
        loss = b.add(Op.SOFTMAX_CE, (pred, labels), "loss", normalized_labels=True)
    elif spec.loss == "mse":
        loss = b.add(Op.MSE, (pred, labels), "loss")
    else:
        loss, grad = (_bce_logits if spec.loss == "bce_logits" else _bce)(b, pred, labels)
        known = (pred, grad)
    b.output("loss", loss, role=TensorRole.LOSS)
    # PARAMs that already have an update (batch-norm running statistics) are not trained.
    params = {k: n for k, n in graph.sources(Op.PARAM).items() if k not in graph.updates}
    with_grads, grads = gradients(b.build(), loss, [n.id for n in params.values()], known=known)
    b = IRBuilder.extend(with_grads)
    if spec.gradients_only:
        for name, node in params.items():
            b.output(GRAD_PREFIX + name, grads[node.id], role=TensorRole.GRADIENT)
        return b.build()
    scalars = _scalar_states(b, spec)
    for name, node in params.items():
        b.updates[name] = _update(b, spec.optimizer, name, node.id, grads[node.id], scalars)
    return b.build()


GRAD_PREFIX = "grad."  # gradient outputs (inputs of `update_step`) are named grad.PARAM


def update_step(params: dict[str, np.ndarray], spec: TrainSpec, grad_scale: float = 1.0) -> Graph:
    """The optimizer half of a training step on its own: PARAMs ``params`` (name -> current
    value) and, per PARAM, an INPUT ``grad.NAME`` (role GRADIENT); ``updates`` gives every
    PARAM and optimizer STATE its new value, from the gradient times ``grad_scale`` (1 / chips
    for a sum of per-chip mean gradients). With `training_step`'s ``gradients_only`` half it
    computes what `training_step` does; it has no outputs."""
    b = IRBuilder("update")
    scalars = _scalar_states(b, spec)
    for name, value in params.items():
        p = b.param(name, value)
        g = b.input(GRAD_PREFIX + name, value.shape, role=TensorRole.GRADIENT)
        if grad_scale != 1.0:
            g = b.scale(g, grad_scale, f"{name}.update")
        b.updates[name] = _update(b, spec.optimizer, name, p, g, scalars)
    return b.build()


def _scalar_states(b: IRBuilder, spec: TrainSpec) -> dict[str, int]:
    """The STATEs the host writes before each step (`host_scalars`), holding step 1's values."""
    first = host_scalars(spec.optimizer, 1, spec.lr)
    return {
        k: b.state_tensor(
            k, v, role=TensorRole.LEARNING_RATE if k == "lr" else TensorRole.OPTIMIZER_STATE
        )
        for k, v in first.items()
    }


def _mean(b: IRBuilder, x: int, nm: str) -> int:
    """The mean of all of ``x``'s elements, shape (1,)."""
    return b.scale(reduce_to(b, x, (1,), nm), 1.0 / math.prod(b.shape(x)), nm)


def _bce_logits(b: IRBuilder, z: int, y: int) -> tuple[int, int]:
    """mean(relu(z) - z y + log(1 + exp(-|z|))) and its gradient (sigmoid(z) - y) / N.

    -|z| is written z - 2 relu(z); the exponent is never positive, so nothing overflows."""
    nm = "loss"
    relu = b.add(Op.RELU, (z,), nm)
    neg_abs = b.add(Op.SUB, (z, b.scale(relu, 2.0, nm)), nm)
    softplus = b.add(Op.LOG, (b.add_const(b.add(Op.EXP, (neg_abs,), nm), 1.0, nm),), nm)
    elem = b.add(Op.ADD, (b.add(Op.SUB, (relu, b.add(Op.MUL, (z, y), nm)), nm), softplus), nm)
    diff = b.add(Op.SUB, (b.add(Op.SIGMOID, (z,), nm), y), nm)
    return _mean(b, elem, nm), b.scale(diff, 1.0 / math.prod(b.shape(z)), "grad_loss")


def _bce(b: IRBuilder, p: int, y: int) -> tuple[int, int]:
    """-mean(y max(log p, -100) + (1 - y) max(log(1 - p), -100)) and torch's gradient
    (p - y) / max(p (1 - p), 1e-12) / N."""
    nm = "loss"
    floor = b.fill((1,), -100.0, nm)
    one_minus_p = b.add_const(b.scale(p, -1.0, nm), 1.0, nm)
    log_p = b.add(Op.MAX, (b.add(Op.LOG, (p,), nm), floor), nm)
    log_q = b.add(Op.MAX, (b.add(Op.LOG, (one_minus_p,), nm), floor), nm)
    # y log p + (1 - y) log q = y (log p - log q) + log q
    elem = b.add(Op.ADD, (b.add(Op.MUL, (y, b.add(Op.SUB, (log_p, log_q), nm)), nm), log_q), nm)
    loss = b.scale(_mean(b, elem, nm), -1.0, nm)
    gm = "grad_loss"
    var = b.add(Op.MAX, (b.add(Op.MUL, (p, one_minus_p), gm), b.fill((1,), 1e-12, gm)), gm)
    diff = b.add(Op.SUB, (p, y), gm)
    grad = b.add(Op.MUL, (diff, b.add(Op.RECIP, (var,), gm)), gm)
    return loss, b.scale(grad, 1.0 / math.prod(b.shape(p)), gm)


def _times(b: IRBuilder, x: int, s: int, name: str) -> int:
    return b.add(Op.MUL, (x, s), name)


def _div(b: IRBuilder, x: int, y: int, name: str) -> int:
    return b.add(Op.MUL, (x, b.add(Op.RECIP, (y,), name)), name)


def _ema(b: IRBuilder, old: int, new: int, keep: float, nm: str) -> int:
    """keep * old + (1 - keep) * new."""
    return b.add(Op.ADD, (b.scale(old, keep, nm), b.scale(new, 1.0 - keep, nm)), nm)


def _update(
    b: IRBuilder, opt: Optimizer, name: str, p: int, g: int, scalars: dict[str, int]
) -> int:
    """The new value of PARAM ``p`` (named ``name``) given its gradient ``g``; adds the
    optimizer's per-parameter STATEs and their updates to ``b``."""
    nm = f"{name}.update"
    lr, shape = scalars["lr"], b.shape(p)

    def state(key: str, value: float = 0.0) -> int:
        return b.state_tensor(f"{name}.{key}", np.full(shape, value))

    if opt.weight_decay and not (isinstance(opt, Adam) and opt.decoupled):
        g = b.add(Op.ADD, (g, b.scale(p, opt.weight_decay, nm)), nm)
    if isinstance(opt, SGD):
        return b.add(Op.SUB, (p, _times(b, g, lr, nm)), nm)
    if isinstance(opt, Momentum):
        v = state("velocity")
        v_new = b.add(Op.ADD, (b.scale(v, opt.momentum, nm), g), nm)
        b.updates[f"{name}.velocity"] = v_new
        step = b.add(Op.ADD, (g, b.scale(v_new, opt.momentum, nm)), nm) if opt.nesterov else v_new
        return b.add(Op.SUB, (p, _times(b, step, lr, nm)), nm)
    if isinstance(opt, Adam):
        return _adam(b, opt, name, p, g, scalars, state)
    if isinstance(opt, Adagrad):
        return _adagrad(b, opt, name, p, g, lr, state)
    keep = b.scale(state("square_avg"), opt.alpha, nm)  # first: a state op (see _adam)
    g2 = b.add(Op.MUL, (g, g), nm)
    v_new = b.add(Op.ADD, (keep, b.scale(g2, 1.0 - opt.alpha, nm)), nm)
    b.updates[f"{name}.square_avg"] = v_new
    var = v_new
    if opt.centered:
        a_new = _ema(b, state("grad_avg"), g, opt.alpha, nm)
        b.updates[f"{name}.grad_avg"] = a_new
        var = b.add(Op.SUB, (v_new, b.add(Op.MUL, (a_new, a_new), nm)), nm)
    d = _div(b, g, b.add_const(b.add(Op.SQRT, (var,), nm), opt.eps, nm), nm)
    if opt.momentum:
        d = b.add(Op.ADD, (b.scale(state("momentum_buffer"), opt.momentum, nm), d), nm)
        b.updates[f"{name}.momentum_buffer"] = d
    return b.add(Op.SUB, (p, _times(b, d, lr, nm)), nm)


def _adagrad(
    b: IRBuilder,
    opt: Adagrad,
    name: str,
    p: int,
    g: int,
    lr: int,
    state: Callable[..., int],
) -> int:
    nm = f"{name}.update"
    s_new = b.add(Op.ADD, (state("sum", opt.initial_accumulator), b.add(Op.MUL, (g, g), nm)), nm)
    b.updates[f"{name}.sum"] = s_new
    denom = b.add_const(b.add(Op.SQRT, (s_new,), nm), opt.eps, nm)
    return b.add(Op.SUB, (p, _times(b, _div(b, g, denom, nm), lr, nm)), nm)


def _adam(
    b: IRBuilder,
    opt: Adam,
    name: str,
    p: int,
    g: int,
    scalars: dict[str, int],
    state: Callable[..., int],
) -> int:
    nm = f"{name}.update"
    # The first op reads optimizer state, so the fusion group it starts (tagged by its first
    # node) counts as optimizer work.
    m_new = _ema(b, state("m"), g, opt.beta1, nm)
    v_new = _ema(b, state("v"), b.add(Op.MUL, (g, g), nm), opt.beta2, nm)
    b.updates[f"{name}.m"], b.updates[f"{name}.v"] = m_new, v_new
    # p - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps), as torch.optim.Adam
    sqrt_v = _times(b, b.add(Op.SQRT, (v_new,), nm), scalars["adam.bias_rsqrt"], nm)
    step = _div(b, m_new, b.add_const(sqrt_v, opt.eps, nm), nm)
    delta = _times(b, step, scalars["adam.step_size"], nm)
    if opt.weight_decay and opt.decoupled:
        decay = _times(b, b.scale(p, opt.weight_decay, nm), scalars["lr"], nm)
        delta = b.add(Op.ADD, (delta, decay), nm)
    return b.add(Op.SUB, (p, delta), nm)
