"""Training of the zoo's MLP and LeNet on the `fast` machine (its compiled replay of the value
plan, chip/machine/replay.py) against the functional model: after N steps every parameter and
optimizer state is the same bit for bit, and so is every step's loss."""

from __future__ import annotations

import numpy as np
import pytest

from chip.machine.replay import replay_of
from chip.machine.schedule import schedule_of
from chip.machine.values import value_plan_of
from runtime.backend import Backend
from runtime.cli_common import load_chip
from runtime.data import Dataset, load_digits
from runtime.models import ZOO, compile_model, train_spec
from runtime.train import Schedule, Trainer, TrainSettings


@pytest.fixture(scope="module")
def digits():
    return load_digits(seed=0)


def _train_both(model: str, steps: int, digits: Dataset) -> None:
    d = ZOO[model][1]
    assert d is not None
    spec = train_spec("ce", d.optimizer, d.lr)
    chip = load_chip("edge", None)
    program = compile_model(model, chip, d.batch_size, spec)
    plan = value_plan_of(program, schedule_of(program), None)
    rep = replay_of(program, plan, None)
    # the kernel applies every step but the special functions of the loss (EXP, LOG, RECIP)
    assert len(plan.steps) - rep.kernel_steps <= 4 and not rep.blas
    n = steps * d.batch_size  # one epoch of ``steps`` steps, and a test set of one batch
    data = Dataset(
        "digits-part",
        digits.x_train[:n],
        digits.y_train[:n],
        digits.x_test[: d.batch_size],
        digits.y_test[: d.batch_size],
        digits.num_classes,
    )
    evaluation = compile_model(model, chip, d.batch_size, quantize="dynamic")
    settings = TrainSettings(epochs=1, lr=d.lr, schedule=Schedule(d.schedule))
    runs = {
        fidelity: Trainer(program, evaluation, data, settings, fidelity, optimizer=spec.optimizer)
        for fidelity in ("fast", "functional")
    }
    results = {fidelity: t.run() for fidelity, t in runs.items()}
    fast, functional = (results[f].backend.snapshot() for f in ("fast", "functional"))
    assert fast.keys() == functional.keys() and len(fast) >= 6
    for name in fast:
        assert np.array_equal(fast[name], functional[name]), f"{name} differs"
    losses = [results[f].report.epochs[0].step_losses for f in ("fast", "functional")]
    assert losses[0] == losses[1] and len(losses[0]) == steps
    accuracy = [results[f].report.epochs[0].test_accuracy for f in ("fast", "functional")]
    assert accuracy[0] == accuracy[1]
    # the weights moved: the comparison is not between two untouched copies
    start = Backend(program, "functional").snapshot()
    assert sum(not np.array_equal(start[k], fast[k]) for k in fast) >= 6


def test_mlp_training_steps_replay_bit_for_bit(digits):
    _train_both("mlp", 8, digits)


def test_lenet_training_steps_replay_bit_for_bit(digits):
    _train_both("cnn", 3, digits)
