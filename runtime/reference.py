"""The same training run in float64 NumPy: the yardstick for the chip's loss curve.

`reference_training` runs the compiler's training-step graph through the float64 interpreter
(compiler/reference.py) on exactly the batches, labels and learning rates the `Trainer` feeds
the chip (same seed, same schedule), applying the graph's updates to its PARAM and STATE values
after every step. Comparing the two loss curves shows what the chip's number formats (bf16
inputs, fp32 accumulation) cost, separately from any difference in the training procedure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from chip.program import TensorRole
from runtime.data import Dataset, eval_batches, fit_to, one_hot, train_batches
from runtime.train import TrainSettings


@dataclass(frozen=True)
class ReferenceRun:
    """Per-step losses, per-epoch mean losses and final float64 weights."""

    step_losses: tuple[float, ...]
    epoch_losses: tuple[float, ...]
    params: dict[str, np.ndarray]


def reference_training(
    step_graph: Any,
    dataset: Dataset,
    settings: TrainSettings,
    round_casts: bool = False,
    optimizer: Any = None,
) -> ReferenceRun:
    """Train ``step_graph`` (a `compiler.ir.Graph` from `compiler.train.training_step`) in
    float64 the way `runtime.train.Trainer` trains its compiled program; ``optimizer`` (the
    `compiler.train` optimizer it was built with) gives the host-written step scalars.

    ``round_casts``: round at the graph's CAST nodes as the chip does (bf16 GEMM operands, when
    ``step_graph`` comes from `compiler.passes.pipeline.graph_passes` for a bf16 chip), so the
    only remaining difference from the chip is float64 versus fp32 arithmetic."""
    from compiler.reference import evaluate
    from compiler.train import host_scalars

    (x_name,) = step_graph.of_role(TensorRole.INPUT)
    (label_name,) = step_graph.of_role(TensorRole.LABEL)
    (lr_name,) = step_graph.of_role(TensorRole.LEARNING_RATE)
    (loss_name,) = step_graph.of_role(TensorRole.LOSS)
    x_shape = step_graph.inputs[x_name].shape
    batch = x_shape[0]
    params = {k: np.asarray(v, np.float64) for k, v in step_graph.params.items()}
    state = {k: np.asarray(v, np.float64) for k, v in step_graph.state.items()}
    n = len(dataset.x_train)
    total_steps = settings.epochs * (n // batch)
    step_losses: list[float] = []
    epoch_losses: list[float] = []
    step = 0
    for epoch in range(settings.epochs):
        losses = []
        for idx in train_batches(n, batch, settings.seed, epoch):
            lr = settings.lr_at(step, total_steps)
            scalars = {"lr": np.array([lr])}
            if optimizer is not None:
                scalars = host_scalars(optimizer, step + 1, lr)
            state |= scalars
            state[lr_name] = scalars["lr"]
            inputs = {
                x_name: fit_to(dataset.x_train[idx], x_shape[1:], "reference"),
                label_name: one_hot(dataset.y_train[idx], dataset.num_classes),
            }
            ev = evaluate(step_graph, inputs, params=params, state=state, round_casts=round_casts)
            losses.append(float(ev.outputs[loss_name].reshape(-1)[0]))
            for name, value in ev.updates.items():
                (params if name in params else state)[name] = value
            step += 1
        step_losses += losses
        epoch_losses.append(float(np.mean(losses)))
    return ReferenceRun(tuple(step_losses), tuple(epoch_losses), params)


def reference_accuracy(
    forward_graph: Any, params: dict[str, np.ndarray], dataset: Dataset
) -> float:
    """Test accuracy of the float64 forward graph with ``params``."""
    from compiler.reference import run

    (x_name,) = forward_graph.of_role(TensorRole.INPUT)
    x_shape = forward_graph.inputs[x_name].shape
    (out,) = forward_graph.of_role(TensorRole.OUTPUT)
    correct = 0
    for idx, valid in eval_batches(len(dataset.x_test), x_shape[0]):
        x = fit_to(dataset.x_test[idx], x_shape[1:], "reference")
        logits = run(
            forward_graph,
            {x_name: x},
            params={k: v for k, v in params.items() if k in forward_graph.params},
        )[out]
        correct += int((logits[:valid].argmax(axis=1) == dataset.y_test[idx[:valid]]).sum())
    return correct / len(dataset.x_test)
