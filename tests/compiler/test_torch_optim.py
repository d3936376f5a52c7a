"""Every optimizer and loss over 20 steps against torch.optim, in two tiers.

Reference tier: the compiled training-step graph run by the float64 reference interpreter vs
torch in float64, 20 steps; parameters agree to 1e-9 relative (only summation order differs).

Chip tier: the training step compiled for an fp32 chip and run on the functional model for 20
steps (AdamW 100; the host writes each step's scalars, `host_scalars`, as the Trainer does)
vs torch in float64 from the same weights and batches. Tolerance 2e-6 relative to each
parameter's largest magnitude: the chip rounds every product and sum to fp32 (2^-24 = 6e-8
each), and 20 steps of GEMM sums and adaptive divisions by sqrt(v) + eps compound that to at
most 6.2e-7 here (measured). Adam's bias correction computed by repeated fp32 products on the
chip, as before `host_scalars`, is off by 1e-5 relative and ends 9.8e-6 away, so the test
tells the two apart.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from chip.config import ChipConfig
from chip.dtypes import DType
from compiler import compile as compile_program
from compiler.builder import Net
from compiler.ir import Graph
from compiler.passes.pipeline import graph_passes
from compiler.reference import evaluate
from compiler.train import (
    SGD,
    Adagrad,
    Adam,
    Momentum,
    Optimizer,
    RMSprop,
    TrainSpec,
    host_scalars,
)
from runtime.backend import Backend

torch = pytest.importorskip(
    "torch", reason="PyTorch reference not installed (pip install -e '.[torch]')"
)
nn, F = torch.nn, torch.nn.functional

BATCH, INPUTS, HIDDEN, CLASSES, STEPS = 4, 5, 6, 3, 20
LR = 0.01

# (IR optimizer, the torch optimizer with the same meaning given parameters and lr)
OPTIMIZERS: dict[str, tuple[Optimizer, Callable]] = {
    "sgd_weight_decay": (
        SGD(weight_decay=0.1),
        lambda p, lr: torch.optim.SGD(p, lr, weight_decay=0.1),
    ),
    "nesterov_weight_decay": (
        Momentum(0.9, weight_decay=0.01, nesterov=True),
        lambda p, lr: torch.optim.SGD(p, lr, momentum=0.9, weight_decay=0.01, nesterov=True),
    ),
    "adam": (Adam(), lambda p, lr: torch.optim.Adam(p, lr)),
    "adamw": (
        Adam(weight_decay=0.1, decoupled=True),
        lambda p, lr: torch.optim.AdamW(p, lr, weight_decay=0.1),
    ),
    "rmsprop": (RMSprop(), lambda p, lr: torch.optim.RMSprop(p, lr)),
    "rmsprop_centered_momentum": (
        RMSprop(alpha=0.9, eps=1e-6, momentum=0.5, centered=True, weight_decay=0.01),
        lambda p, lr: torch.optim.RMSprop(
            p, lr, alpha=0.9, eps=1e-6, momentum=0.5, centered=True, weight_decay=0.01
        ),
    ),
    "adagrad": (Adagrad(), lambda p, lr: torch.optim.Adagrad(p, lr)),
    "adagrad_decay": (
        Adagrad(lr_decay=0.05, initial_accumulator=0.125, weight_decay=0.01),
        lambda p, lr: torch.optim.Adagrad(
            p, lr, lr_decay=0.05, initial_accumulator_value=0.125, weight_decay=0.01
        ),
    ),
}


def model(loss: str) -> tuple[Graph, nn.Module]:
    """dense-tanh-dense (then a sigmoid for "bce", whose prediction is a probability)."""
    net = Net("optim", seed=3)
    x = net.input("x", (BATCH, INPUTS))
    y = net.dense(net.tanh(net.dense(x, HIDDEN, name="fc1")), CLASSES, name="fc2")
    net.output("logits", net.sigmoid(y) if loss == "bce" else y)
    graph = net.build()
    layers = [nn.Linear(INPUTS, HIDDEN), nn.Tanh(), nn.Linear(HIDDEN, CLASSES)]
    module = nn.Sequential(*layers, *([nn.Sigmoid()] if loss == "bce" else [])).double()
    with torch.no_grad():
        for name, lin in (("fc1", module[0]), ("fc2", module[2])):
            lin.weight.copy_(torch.tensor(graph.params[f"{name}.w"].T))
            lin.bias.copy_(torch.tensor(graph.params[f"{name}.b"]))
    return graph, module


def torch_params(module: nn.Module) -> dict[str, np.ndarray]:
    return {
        "fc1.w": module[0].weight.detach().numpy().T,
        "fc1.b": module[0].bias.detach().numpy(),
        "fc2.w": module[2].weight.detach().numpy().T,
        "fc2.b": module[2].bias.detach().numpy(),
    }


def batches(loss: str, steps: int = STEPS) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(11)
    out = []
    for _ in range(steps):
        x = rng.standard_normal((BATCH, INPUTS))
        if loss == "ce":
            y = np.eye(CLASSES)[rng.integers(0, CLASSES, BATCH)]
        elif loss == "mse":
            y = rng.standard_normal((BATCH, CLASSES))
        else:  # multi-label 0/1 targets
            y = (rng.random((BATCH, CLASSES)) < 0.5).astype(np.float64)
        out.append((x, y))
    return out


def torch_loss(loss: str, pred: torch.Tensor, y: np.ndarray) -> torch.Tensor:
    target = torch.tensor(y)
    if loss == "ce":
        return F.cross_entropy(pred, target)
    if loss == "mse":
        return F.mse_loss(pred, target)
    if loss == "bce":
        return F.binary_cross_entropy(pred, target)
    return F.binary_cross_entropy_with_logits(pred, target)


def torch_run(
    loss: str, opt_name: str, lr: float, steps: int = STEPS
) -> list[tuple[float, dict[str, np.ndarray]]]:
    """(loss, parameters after the step) for each of ``steps`` torch steps."""
    _, module = model(loss)
    opt = OPTIMIZERS[opt_name][1](module.parameters(), lr)
    out = []
    for x, y in batches(loss, steps):
        opt.zero_grad()
        value = torch_loss(loss, module(torch.tensor(x)), y)
        value.backward()
        opt.step()
        out.append((float(value.detach()), {k: v.copy() for k, v in torch_params(module).items()}))
    return out


def assert_params_close(got: dict, want: dict, rtol: float, where: str) -> None:
    for k, w in want.items():
        err = float(np.abs(np.asarray(got[k], np.float64) - w).max() / np.abs(w).max())
        assert err <= rtol, f"{k} {where}: relative error {err:.3g} > {rtol}"


CASES = [(opt, "ce") for opt in sorted(OPTIMIZERS)] + [
    ("adam", "bce_logits"),
    ("rmsprop", "bce_logits"),
    ("adagrad", "bce"),
    ("sgd_weight_decay", "bce"),
    ("rmsprop", "mse"),
]


@pytest.mark.parametrize(("opt_name", "loss"), CASES)
def test_reference_matches_torch_optim_over_20_steps(opt_name: str, loss: str) -> None:
    graph, _ = model(loss)
    opt = OPTIMIZERS[opt_name][0]
    step = graph_passes(graph, train=TrainSpec(loss, opt, lr=LR), verify=True)
    lr = float(step.state["lr"][0])  # the fp32 the chip holds; torch gets the same number
    params = {k: np.asarray(v, np.float64) for k, v in graph.params.items()}
    state: dict[str, np.ndarray] = {}
    for t, ((x, y), (want_loss, want)) in enumerate(
        zip(batches(loss), torch_run(loss, opt_name, lr), strict=True), start=1
    ):
        state = {**state, **host_scalars(opt, t, lr)}
        ev = evaluate(step, {"x": x, "labels": y}, params=params, state=state)
        np.testing.assert_allclose(ev.outputs["loss"], [want_loss], rtol=1e-10)
        params = {k: ev.updates[k] for k in params}
        state = {k: ev.updates[k] for k in step.state if k in ev.updates}
        assert_params_close(params, want, 1e-9, f"after step {t}")


@pytest.mark.parametrize(
    ("opt_name", "loss", "steps"),
    [("adam", "ce", STEPS), ("rmsprop_centered_momentum", "ce", STEPS)]
    + [("adagrad_decay", "ce", STEPS), ("rmsprop", "bce_logits", STEPS)]
    + [("adagrad", "bce", STEPS), ("nesterov_weight_decay", "ce", STEPS), ("adamw", "ce", 100)],
)
def test_fp32_chip_matches_torch_optim(opt_name: str, loss: str, steps: int) -> None:
    graph, _ = model(loss)
    opt = OPTIMIZERS[opt_name][0]
    chip = ChipConfig.from_toml("edge").replace(input_dtype=DType.FP32)
    program = compile_program(graph, chip, train=TrainSpec(loss, opt, lr=LR))
    backend = Backend(program, "functional")
    lr = float(np.float32(LR))
    for t, ((x, y), (want_loss, want)) in enumerate(
        zip(batches(loss, steps), torch_run(loss, opt_name, lr, steps), strict=True), start=1
    ):
        for name, value in host_scalars(opt, t, lr).items():
            backend.write(name, value)
        result = backend.run({"x": x, "labels": y})
        np.testing.assert_allclose(result.outputs["loss"], [want_loss], rtol=2e-6)
        assert_params_close(backend.params(), want, 2e-6, f"after step {t}")
