"""Training on the simulated chip: epochs of full batches, evaluation, LR schedule, checkpoints.

Each step the host writes one batch, its labels and the step's learning rate into the training
program's tensors with those roles (`chip.program.TensorRole`), runs the program (forward,
loss, backward and optimizer all execute as chip instructions) and reads the loss and logits
back. Weights and optimizer state stay in the chip's DRAM. At the end of each epoch the
forward-only evaluation program, given the current weights, classifies the held-out split.

Determinism: batches are a pure function of (seed, epoch), the learning rate of (settings,
step), and every count is an integer, so a run resumed from a checkpoint finishes with the same
weights bit for bit and the same cycle totals as one that was never interrupted.
"""

from __future__ import annotations

import enum
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from chip.counters import Counters
from chip.program import Program, TensorInfo, TensorKind, TensorRole
from runtime import checkpoint as ckpt
from runtime.backend import Backend, Fidelity, RunResult
from runtime.data import (
    Dataset,
    eval_batches,
    fit_to,
    one_hot,
    steps_per_epoch,
    train_batches,
)
from runtime.report import EpochReport, RunReport, layer_reports
from runtime.timing import SampledTiming
from runtime.train_state import (
    Progress,
    RunGroups,
    Totals,
    load_checkpoint,
    save_checkpoint,
)

if TYPE_CHECKING:
    from compiler.train import Optimizer


class TrainingError(RuntimeError):
    """Training cannot go on: diverged (NaN/inf), or the programs do not fit the data."""


class Schedule(enum.Enum):
    """How the learning rate changes over the run (``lr`` is the peak value)."""

    CONSTANT = "constant"
    COSINE = "cosine"  # half a cosine from lr down to lr/100 over the whole run
    STEP = "step"  # lr, divided by 10 after half and again after three quarters of the run

    def at(self, lr: float, step: int, total: int) -> float:
        if self is Schedule.CONSTANT or total <= 1:
            return lr
        frac = step / (total - 1)
        if self is Schedule.COSINE:
            return lr * (0.01 + 0.99 * 0.5 * (1.0 + math.cos(math.pi * frac)))
        if self is Schedule.STEP:
            return lr * (0.1 if frac >= 0.5 else 1.0) * (0.1 if frac >= 0.75 else 1.0)
        raise ValueError(f"unhandled schedule {self}")


@dataclass(frozen=True)
class TrainSettings:
    """What the loop does; the model, data and chip are given separately."""

    epochs: int = 10
    lr: float = 0.1
    schedule: Schedule = Schedule.CONSTANT
    seed: int = 0
    checkpoint_every: int = 0  # steps between checkpoints; 0: only at the end of each epoch
    warmup: int = 0  # steps of linear warm-up to lr before the schedule starts

    def __post_init__(self) -> None:
        if self.epochs < 1:
            raise ValueError(f"epochs must be at least 1, not {self.epochs}")
        if not (math.isfinite(self.lr) and self.lr > 0):
            raise ValueError(f"learning rate must be a positive number, not {self.lr}")
        if self.checkpoint_every < 0:
            raise ValueError(f"checkpoint_every must not be negative, not {self.checkpoint_every}")
        if self.warmup < 0:
            raise ValueError(f"warmup must not be negative, not {self.warmup}")

    def lr_at(self, step: int, total: int) -> float:
        """The learning rate of step ``step`` (0-based) of ``total``: ``lr * (step + 1) /
        warmup`` during the warm-up, then the schedule over the remaining steps."""
        if step < self.warmup:
            return self.lr * (step + 1) / self.warmup
        return self.schedule.at(self.lr, step - self.warmup, total - self.warmup)

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "schedule": self.schedule.value}


@dataclass(frozen=True)
class Signature:
    """Which tensors of a program the loop feeds (samples, labels, learning rate) and reads
    (loss, logits), found by their roles: one tensor each with role INPUT, LABEL,
    LEARNING_RATE, LOSS and OUTPUT (an evaluation program needs only INPUT and OUTPUT)."""

    x: TensorInfo
    logits: TensorInfo
    labels: TensorInfo | None = None
    lr: TensorInfo | None = None
    loss: TensorInfo | None = None

    @property
    def batch(self) -> int:
        return self.x.shape[0]

    @classmethod
    def of(cls, program: Program, training: bool) -> Signature:
        what = "training" if training else "evaluation"

        def one(role: TensorRole, required: bool) -> TensorInfo | None:
            found = program.of_role(role)
            if len(found) > 1 or (required and not found):
                has = ", ".join(f"{t.name} ({t.role.value})" for t in program.tensors.values())
                raise TrainingError(
                    f"the {what} program must have exactly one tensor with role "
                    f"{role.value}; it has {len(found)} (its tensors: {has})"
                )
            return found[0] if found else None

        x, logits = one(TensorRole.INPUT, True), one(TensorRole.OUTPUT, True)
        labels = one(TensorRole.LABEL, training)
        lr = one(TensorRole.LEARNING_RATE, training)
        loss = one(TensorRole.LOSS, training)
        assert x is not None and logits is not None
        if len(logits.shape) != 2 or logits.shape[0] != x.shape[0]:
            raise TrainingError(
                f"the {what} program's output {logits.name!r} must be [batch, classes] with "
                f"the batch {x.shape[0]} of input {x.name!r}; it is {list(logits.shape)}"
            )
        return cls(x, logits, labels, lr, loss)

    def label_values(self, y: np.ndarray, classes: int) -> np.ndarray:
        """Labels ``y`` (any number of them) as the program wants them: one-hot rows of C or
        class indices."""
        assert self.labels is not None
        if len(self.labels.shape) == 1:
            return y.astype(np.float32)
        return one_hot(y, self.labels.shape[1] if len(self.labels.shape) == 2 else classes)


@dataclass(frozen=True)
class StepEvent:
    """Passed to the ``on_step`` callback after every training step."""

    epoch: int
    step: int
    steps_per_epoch: int
    global_step: int
    loss: float
    lr: float
    cycles: int


@dataclass(frozen=True)
class TrainResult:
    """The finished run: its report, the backend holding the trained weights, the event
    timeline of the run's first training step (empty unless traced, or if this session resumed
    after it) and the host's wall time for this session, which is kept out of the report so
    that a resumed run's report equals an uninterrupted one's."""

    report: RunReport
    backend: Backend
    first_step_events: tuple[Any, ...] = ()
    first_step: RunResult | None = None
    host_seconds: float = 0.0


class Trainer:
    """Trains one compiled training step on one data set.

    Contract: `run` returns after ``settings.epochs`` epochs, having written a checkpoint to
    ``run_dir`` (if given) every ``checkpoint_every`` steps and at the end of every epoch;
    `run(resume=True)` continues from the checkpoint in ``run_dir`` and ends bit-identical to an
    uninterrupted run. A non-finite loss raises `TrainingError` without writing a checkpoint,
    so the last good one survives. With ``trace_first_step``, the run's first step (global step
    1, never a step after resuming) is traced and handed to ``on_first_step`` before any
    checkpoint is written, so whoever saves its trace has done so by the time a checkpoint
    exists to resume from.
    """

    def __init__(
        self,
        step_program: Program,
        eval_program: Program | None,
        dataset: Dataset,
        settings: TrainSettings,
        fidelity: Fidelity | str = Fidelity.FAST,
        run_dir: Path | None = None,
        name: str = "model",
        on_step: Callable[[StepEvent], None] | None = None,
        on_epoch: Callable[[EpochReport], None] | None = None,
        trace_first_step: bool = False,
        timing: Fidelity | None = None,
        on_first_step: Callable[[RunResult], None] | None = None,
        optimizer: Optimizer | None = None,
    ) -> None:
        self.program, self.eval_program = step_program, eval_program
        self.optimizer = optimizer
        self.dataset, self.settings, self.run_dir, self.name = dataset, settings, run_dir, name
        self.on_step, self.on_epoch = on_step, on_epoch
        self.trace_first_step, self.on_first_step = trace_first_step, on_first_step
        self.sig = Signature.of(step_program, training=True)
        self._check_host_scalars()
        self.backend = Backend(step_program, fidelity)
        self.eval_sig = None if eval_program is None else Signature.of(eval_program, False)
        self.eval_backend = None if eval_program is None else Backend(eval_program, fidelity)
        # Values on the functional model, cycles measured on the machine (runtime/timing.py).
        sample = timing is not None and not self.backend.fidelity.has_cycles
        self.step_timer = SampledTiming(step_program, timing) if sample else None
        self.eval_timer = (
            SampledTiming(eval_program, timing) if sample and eval_program is not None else None
        )
        self.sample_shape = self.sig.x.shape[1:]
        # the training split as the program takes it, made once (per batch, reshaping and
        # one-hot encoding cost about as much as a small step's other Python)
        self._x_train = fit_to(dataset.x_train, self.sample_shape, "the training program")
        self._y_train = self.sig.label_values(dataset.y_train, dataset.num_classes)
        self.steps = steps_per_epoch(len(dataset.x_train), self.sig.batch)
        if self.steps == 0:
            raise TrainingError(
                f"batch size {self.sig.batch} is larger than the "
                f"{len(dataset.x_train)} training samples"
            )
        self.total_steps = self.steps * settings.epochs
        self._step_runs = RunGroups()  # training steps not yet added to the progress
        self._eval_runs = RunGroups()  # evaluations whose per-tag work is not yet in the progress

    def _check_host_scalars(self) -> None:
        from compiler.train import HOST_SCALARS, host_scalars

        opt = self.optimizer
        wanted = set(host_scalars(opt, 1, 1.0)) - {"lr"} if opt is not None else set()
        written_by_host = set(HOST_SCALARS) - {"lr"}
        missing = sorted(wanted - set(self.program.tensors))
        unfed = sorted((written_by_host & set(self.program.tensors)) - wanted)
        if missing or unfed:
            raise TrainingError(
                f"the training program's host-written step scalars {unfed or missing} do not "
                f"match the optimizer {opt!r}; pass the optimizer it was compiled with"
            )

    def _step_scalars(self, step: int, lr: float) -> dict[str, np.ndarray]:
        """What the host writes before step ``step`` (0-based): the learning rate (under the
        program's own name for it) and the optimizer's other per-step scalars."""
        from compiler.train import host_scalars

        assert self.sig.lr is not None
        scalars = {"lr": np.array([lr])}
        if self.optimizer is not None:
            scalars = host_scalars(self.optimizer, step + 1, lr)
        scalars[self.sig.lr.name] = scalars.pop("lr")
        return {k: np.full(self.program.tensor(k).shape, v[0]) for k, v in scalars.items()}

    # ---- checkpoints ----
    def _fingerprints(self) -> dict[str, Any]:
        d = self.dataset
        return {
            "program": ckpt.program_fingerprint(self.program),
            "eval_program": None
            if self.eval_program is None
            else ckpt.program_fingerprint(self.eval_program),
            "data": ckpt.array_fingerprint(d.x_train, d.y_train, d.x_test, d.y_test),
            "settings": self.settings.to_json(),
            "fidelity": self.backend.fidelity.value,
            "timing": None if self.step_timer is None else self.step_timer.machine.fidelity.value,
        }

    def _save(self, progress: Progress) -> None:
        self._flush(progress)
        if self.run_dir is None:
            return
        self._flush_tags(progress)
        save_checkpoint(
            self.run_dir, self.backend, progress, self._fingerprints(), self.program.config
        )

    def _load(self) -> Progress:
        if self.run_dir is None:
            raise TrainingError("resuming needs a run directory")
        return load_checkpoint(self.run_dir, self.backend, self._fingerprints())

    # ---- the loop ----
    def run(self, resume: bool = False) -> TrainResult:
        progress = self._load() if resume else Progress()
        wall = time.perf_counter()
        first: RunResult | None = None
        d, s = self.dataset, self.settings
        while progress.epoch < s.epochs:
            batches = train_batches(
                len(d.x_train), self.sig.batch, s.seed, progress.epoch, start=progress.step
            )
            for idx in batches:
                is_first = progress.global_step == 0
                result = self._step(progress, idx, self.trace_first_step and is_first)
                if is_first:
                    first = result
                    if self.on_first_step is not None:
                        self.on_first_step(result)
                if s.checkpoint_every and progress.global_step % s.checkpoint_every == 0:
                    self._save(progress)
            self._finish_epoch(progress)
            self._save(progress)
        report = self._report(progress)
        events = first.events if first else ()
        return TrainResult(report, self.backend, events, first, time.perf_counter() - wall)

    def _step(self, p: Progress, idx: np.ndarray, trace: bool) -> RunResult:
        d = self.dataset
        lr = self.settings.lr_at(p.global_step, self.total_steps)
        inputs = {self.sig.x.name: self._x_train[idx], self.sig.labels.name: self._y_train[idx]}
        lr_sent = 0
        for name, value in self._step_scalars(p.global_step, lr).items():
            if self.program.tensor(name).kind is TensorKind.INPUT:
                inputs[name] = value
            else:  # scalars kept in STATE are still the host's to set each step
                lr_sent += self.backend.write(name, value)
        result = self._run(self.backend, self.step_timer, inputs, trace)
        loss = float(result.outputs[self.sig.loss.name].reshape(-1)[0])
        if not math.isfinite(loss):
            where = f"{self.run_dir}" if self.run_dir else "no run directory"
            raise TrainingError(
                f"loss became {loss} at epoch {p.epoch + 1}, step {p.step + 1} (learning rate "
                f"{lr:.4g}); lower --lr. The last good checkpoint is kept ({where})"
            )
        logits = result.outputs[self.sig.logits.name]
        p.correct += int((logits.argmax(axis=1) == d.y_train[idx]).sum())
        p.seen += len(idx)
        p.loss_sum += loss
        p.step_losses.append(loss)
        p.add(self._step_runs.add(result.work, result.by_tag))
        p.to_chip += result.transfer.to_chip + lr_sent
        p.from_chip += result.transfer.from_chip
        p.step += 1
        p.global_step += 1
        if self.on_step is not None:
            self.on_step(
                StepEvent(p.epoch, p.step, self.steps, p.global_step, loss, lr, result.work.cycles)
            )
        return result

    def _flush(self, p: Progress) -> None:
        """Add the work of the training steps counted so far to ``p.work`` (at the end of an
        epoch and before a checkpoint)."""
        p.add((self._step_runs.take_work(), None))

    def _flush_tags(self, p: Progress) -> None:
        """Add the per-tag work of the steps and evaluations counted so far to ``p.by_tag``
        (before a checkpoint or the report reads it)."""
        p.add((None, self._step_runs.take_tags()))
        p.add((None, self._eval_runs.take_tags()))

    def evaluate(self, p: Progress | None = None) -> tuple[float, Counters]:
        """Test accuracy of the current weights and the chip work it took."""
        if self.eval_backend is None or self.eval_sig is None:
            raise TrainingError("no evaluation program")
        self._sync_weights()
        d, sig, work = self.dataset, self.eval_sig, Counters()
        # the per-tag work of a run's evaluations is added up when the report needs it
        correct, runs = 0, self._eval_runs if p is not None else RunGroups()

        def fold(totals: Totals | None) -> None:
            nonlocal work
            if totals is not None:
                if totals[0] is not None:
                    work = work + totals[0]
                if p is not None:
                    p.add((None, totals[1]))

        for idx, valid in eval_batches(len(d.x_test), sig.batch):
            x = fit_to(d.x_test[idx], sig.x.shape[1:], "the evaluation program")
            result = self._run(self.eval_backend, self.eval_timer, {sig.x.name: x}, False)
            pred = result.outputs[sig.logits.name][:valid].argmax(axis=1)
            correct += int((pred == d.y_test[idx[:valid]]).sum())
            fold(runs.add(result.work, result.by_tag))
            if p is not None:
                p.to_chip += result.transfer.to_chip
                p.from_chip += result.transfer.from_chip
        fold((runs.take_work(), None))
        return correct / len(d.x_test), work

    @staticmethod
    def _run(
        backend: Backend, timer: SampledTiming | None, inputs: dict[str, np.ndarray], trace: bool
    ) -> RunResult:
        if timer is None:  # (the loop only adds the counters up: no copy per run)
            return backend.run(inputs, trace=trace, copy_counters=False)
        work, by_tag = timer.measure(backend, inputs)  # before the run changes the weights
        result = backend.run(inputs)
        return replace(result, work=work, by_tag=by_tag, events=timer.events if trace else ())

    def _sync_weights(self) -> None:
        # Both programs live on the same chip in reality; here each has its own DRAM model, so
        # the trained PARAM values are copied by name (converted to the evaluation dtype).
        assert self.eval_backend is not None
        train_params = self.backend.params()
        for t in self.eval_backend.program.of_kind(TensorKind.PARAM):
            if t.name not in train_params:
                raise TrainingError(
                    f"evaluation weight {t.name!r} is not a weight of the "
                    f"training program ({', '.join(sorted(train_params))})"
                )
            self.eval_backend.write(t.name, train_params[t.name])

    def _finish_epoch(self, p: Progress) -> None:
        self._flush(p)
        test_acc, eval_work = (None, None)
        if self.eval_backend is not None:
            test_acc, eval_work = self.evaluate(p)
        p.epochs.append(
            EpochReport(
                p.epoch + 1,
                p.step,
                p.work,
                p.loss_sum / max(p.step, 1),
                p.correct / max(p.seen, 1),
                test_acc,
                eval_work,
                tuple(p.step_losses),
            )
        )
        p.epoch += 1
        if self.on_epoch is not None:
            self.on_epoch(p.epochs[-1])
        p.step, p.work, p.loss_sum, p.step_losses, p.correct, p.seen = 0, Counters(), 0.0, [], 0, 0

    @property
    def fidelity_label(self) -> str:
        """The report's fidelity: the backend's, and where cycles are sampled from."""
        fidelity = self.backend.fidelity.value
        if self.step_timer is not None:
            fidelity += f" (cycles sampled on {self.step_timer.machine.fidelity.value})"
        return fidelity

    def _report(self, p: Progress) -> RunReport:
        self._flush_tags(p)
        total = Counters()
        for e in p.epochs:
            total = total + e.train + (e.eval or Counters())
        last = p.epochs[-1]
        info = {
            "model": self.name,
            "dataset": self.dataset.name,
            "settings": self.settings.to_json(),
            "steps": p.global_step,
            "batch_size": self.sig.batch,
            "final_loss": last.loss,
            "final_train_accuracy": last.train_accuracy,
            "final_test_accuracy": last.test_accuracy,
        }
        return RunReport(
            "train",
            self.program.config,
            self.name,
            self.fidelity_label,
            total,
            layer_reports(p.by_tag),
            p.to_chip,
            p.from_chip,
            tuple(p.epochs),
            info,
        )
