"""Data-parallel training on a simulated system of chips.

Each step the host splits the global batch into one shard per chip (chip c gets samples
c*b .. (c+1)*b - 1 of the batch, b = batch / chips), writes each shard, its labels and the
step's scalars (learning rate, optimizer scalars) into that chip's DRAM and runs the step's
programs on every chip together (compiler/data_parallel.py, chip/links.py): forward and
backward, the gradient all-reduce over the links, the optimizer update. The loss reported is
the mean of the chips' shard losses (the global batch's mean loss). Weights stay identical on
every chip; evaluation runs the single-chip forward program on chip 0's weights.

Batches and learning rates are those of `runtime.train.Trainer` for the same settings, so a
system run and a single-chip run at the same global batch see the same data in the same order.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from chip.links import (
    SystemResult,
    fresh_states,
    functional_executor,
    machine_executor,
    run_chips,
    run_system,
)
from chip.program import Program, TensorInfo, TensorKind, TensorRole
from chip.state import ChipState
from compiler.data_parallel import DataParallelStep
from compiler.train import GRAD_PREFIX, Optimizer, host_scalars
from runtime.backend import Backend
from runtime.data import Dataset, eval_batches, fit_to, one_hot, steps_per_epoch, train_batches
from runtime.system_workers import WorkerPool
from runtime.train import TrainingError, TrainSettings

FIDELITIES = ("functional", "fast", "pe")


@dataclass(frozen=True)
class SystemStepResult:
    """One step of the system: the global loss, the system's cycles and the full result."""

    loss: float
    logits: np.ndarray  # the global batch's, chips' shards in order
    cycles: int
    result: SystemResult


class SystemRunner:
    """Every chip's DRAM and the step's plan; `step` runs one training step on given data.

    Contract: the chips start with the programs' initial DRAM contents; on-chip memories start
    unwritten every step (as `runtime.backend.Backend` runs), DRAM carries over. With
    ``workers`` each chip lives in a worker process (runtime/system_workers.py; call `close`
    when done), with the same results.
    """

    def __init__(
        self,
        step: DataParallelStep,
        optimizer: Optimizer,
        fidelity: str = "fast",
        workers: bool = False,
    ) -> None:
        if fidelity not in FIDELITIES:
            raise TrainingError(
                f"fidelity {fidelity!r} must be one of {', '.join(FIDELITIES)} on a system"
            )
        self.dp, self.optimizer, self.fidelity = step, optimizer, fidelity
        self.plan = step.plan()
        self.execute = (
            functional_executor if fidelity == "functional" else machine_executor(fidelity)
        )
        self.pool = WorkerPool(self.plan, fidelity) if workers else None
        self.dram = [] if workers else [st.dram for st in fresh_states(self.plan)]
        g = step.gradients
        self.x = _one(g, TensorRole.INPUT)
        self.labels = _one(g, TensorRole.LABEL)
        self.loss = _one(g, TensorRole.LOSS)
        self.logits = _one(g, TensorRole.OUTPUT)
        self.lr = _one(step.update, TensorRole.LEARNING_RATE)

    @property
    def shard(self) -> int:
        return self.x.shape[0]

    def step(self, x: np.ndarray, labels: np.ndarray, number: int, lr: float) -> SystemStepResult:
        """Run training step ``number`` (1-based) on the global batch ``x`` with ``labels``
        (as the program takes them) at learning rate ``lr``."""
        n, b = self.dp.system.chips, self.shard
        scalars = host_scalars(self.optimizer, number, lr)
        states = [self._fresh(c) for c in range(n)]
        for c in range(n):
            self._write(c, states, self.x, x[c * b : (c + 1) * b])
            self._write(c, states, self.labels, labels[c * b : (c + 1) * b])
            for name, value in scalars.items():
                t = self.lr if name == "lr" else self.dp.update.tensor(name)
                self._write(c, states, t, np.full(t.shape, value[0]))
        if self.pool is None:
            result = run_system(self.plan, self.execute, states)
        else:
            result = run_chips(self.plan, self.pool.chips, None, self.pool.wait)
        losses = [float(self._read(c, states, self.loss).reshape(-1)[0]) for c in range(n)]
        logits = np.concatenate([self._read(c, states, self.logits) for c in range(n)])
        return SystemStepResult(float(np.mean(losses)), logits, result.cycles, result)

    def params(self, chip: int = 0) -> dict[str, np.ndarray]:
        """The PARAM values in chip ``chip``'s DRAM."""
        states = [None] * self.dp.system.chips
        if self.pool is None:
            states[chip] = self._fresh(chip)
        return {
            t.name: self._read(chip, states, t) for t in self.dp.gradients.of_kind(TensorKind.PARAM)
        }

    def set_params(self, values: dict[str, np.ndarray]) -> None:
        """Write PARAM values (name -> array; any subset) into every chip's DRAM: between
        steps, as the chips start a step with the same weights."""
        params = {t.name: t for t in self.dp.gradients.of_kind(TensorKind.PARAM)}
        unknown = sorted(set(values) - set(params))
        if unknown:
            raise TrainingError(
                f"{unknown[0]!r} is not a weight of the step ({', '.join(sorted(params))})"
            )
        for c in range(self.dp.system.chips):
            states = [None] * self.dp.system.chips
            if self.pool is None:
                states[c] = self._fresh(c)
            for name, value in values.items():
                self._write(c, states, params[name], value)

    def gradients(self, chip: int = 0) -> dict[str, np.ndarray]:
        """The gradients chip ``chip`` holds after a step's all-reduce (``grad.NAME``): the
        sum over the chips of each shard's mean gradient, which the update scales by 1 /
        chips."""
        states = [None] * self.dp.system.chips
        if self.pool is None:
            states[chip] = self._fresh(chip)
        return {
            t.name.removeprefix(GRAD_PREFIX): self._read(chip, states, t)
            for t in self.dp.gradients.of_role(TensorRole.GRADIENT)
        }

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()

    def _fresh(self, c: int) -> ChipState | None:
        if self.pool is not None:
            self.pool.chips[c].request("fresh")
            return None
        st = ChipState(self.dp.system.chip)
        st.dram = self.dram[c]
        return st

    def _write(self, c: int, states: list, t: TensorInfo, values: np.ndarray) -> None:
        if self.pool is None:
            states[c].write_tensor(t, values)
        else:
            self.pool.write_tensor(c, t, values)

    def _read(self, c: int, states: list, t: TensorInfo) -> np.ndarray:
        return states[c].read_tensor(t) if self.pool is None else self.pool.read_tensor(c, t)


def _one(program: Program, role: TensorRole) -> TensorInfo:
    found = program.of_role(role)
    if len(found) != 1:
        raise TrainingError(
            f"the data-parallel step needs exactly one tensor with role {role.value}; "
            f"it has {len(found)}"
        )
    return found[0]


@dataclass
class SystemTrainReport:
    """Per epoch: mean loss, train and test accuracy; per step the system's cycles."""

    chips: int
    global_batch: int
    losses: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    test_accuracy: list[float | None] = field(default_factory=list)
    step_cycles: list[int] = field(default_factory=list)
    first_step: SystemResult | None = None
    host_seconds: float = 0.0


def train_system(
    runner: SystemRunner,
    dataset: Dataset,
    settings: TrainSettings,
    eval_program: Program | None = None,
    on_step: Callable[[int, float, int], None] | None = None,
    permute: np.random.Generator | None = None,
) -> SystemTrainReport:
    """Train for ``settings.epochs`` epochs of global batches; evaluate after each epoch when
    ``eval_program`` (the single-chip forward program) is given. ``permute`` shuffles the
    samples within every batch: the same mean gradient summed in another order (a control for
    what rounding alone does to training)."""
    wall = time.perf_counter()
    batch = runner.shard * runner.dp.system.chips
    sample_shape = runner.x.shape[1:]
    steps = steps_per_epoch(len(dataset.x_train), batch)
    if steps == 0:
        raise TrainingError(
            f"global batch {batch} is larger than the {len(dataset.x_train)} training samples"
        )
    total = steps * settings.epochs
    report = SystemTrainReport(runner.dp.system.chips, batch)
    number = 0
    for epoch in range(settings.epochs):
        loss_sum, correct, seen = 0.0, 0, 0
        for idx in train_batches(len(dataset.x_train), batch, settings.seed, epoch):
            if permute is not None:
                idx = permute.permutation(idx)
            lr = settings.lr_at(number, total)
            number += 1
            x = fit_to(dataset.x_train[idx], sample_shape, "the training program")
            labels = _labels(runner.labels, dataset.y_train[idx], dataset.num_classes)
            r = runner.step(x, labels, number, lr)
            if not math.isfinite(r.loss):
                raise TrainingError(f"loss became {r.loss} at step {number}; lower --lr")
            if report.first_step is None:
                report.first_step = r.result
            loss_sum += r.loss
            correct += int((r.logits.argmax(axis=1) == dataset.y_train[idx]).sum())
            seen += len(idx)
            report.step_cycles.append(r.cycles)
            if on_step is not None:
                on_step(number, r.loss, r.cycles)
        report.losses.append(loss_sum / steps)
        report.train_accuracy.append(correct / seen)
        report.test_accuracy.append(
            None if eval_program is None else evaluate(runner, eval_program, dataset)
        )
    report.host_seconds = time.perf_counter() - wall
    return report


def evaluate(runner: SystemRunner, eval_program: Program, dataset: Dataset) -> float:
    """Test accuracy of chip 0's weights on the forward program (functional model)."""
    backend = Backend(eval_program, "functional")
    for name, value in runner.params(0).items():
        if name in backend.program.tensors:
            backend.write(name, value)
    x_t = next(t for t in eval_program.of_role(TensorRole.INPUT))
    out = next(t for t in eval_program.of_role(TensorRole.OUTPUT))
    correct = 0
    for idx, valid in eval_batches(len(dataset.x_test), x_t.shape[0]):
        x = fit_to(dataset.x_test[idx], x_t.shape[1:], "the evaluation program")
        logits = backend.run({x_t.name: x}).outputs[out.name]
        correct += int((logits[:valid].argmax(axis=1) == dataset.y_test[idx[:valid]]).sum())
    return correct / len(dataset.x_test)


def _labels(t: TensorInfo, y: np.ndarray, classes: int) -> np.ndarray:
    """Labels as the program takes them: one-hot [B, C] or class indices [B]."""
    if len(t.shape) == 1:
        return y.astype(np.float32)
    return one_hot(y, t.shape[1])
