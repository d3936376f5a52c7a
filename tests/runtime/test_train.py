"""The training loop on the hand-written softmax-regression step (no compiler needed)."""

from __future__ import annotations

import numpy as np
import pytest

from runtime import checkpoint as ckpt
from runtime import files
from runtime.backend import Fidelity
from runtime.data import load_digits, one_hot, train_batches
from runtime.train import Schedule, Trainer, TrainingError, TrainSettings
from tests.runtime.programs import reference_step, regression_chip, softmax_regression

BATCH = 16


@pytest.fixture(scope="module")
def digits():
    return load_digits()


@pytest.fixture(scope="module")
def programs():
    cfg = regression_chip()
    w0 = np.random.default_rng(1).normal(0, 0.01, (64, 10)).astype(np.float32)
    return (
        softmax_regression(cfg, BATCH, 64, 10, w0),
        softmax_regression(cfg, BATCH, 64, 10, w0, train=False),
        w0,
    )


def make(programs, digits, run_dir=None, on_step=None, fidelity="functional", **settings):
    step, ev, _ = programs
    s = TrainSettings(**{"epochs": 2, "lr": 0.5, "schedule": Schedule.COSINE, **settings})
    return Trainer(step, ev, digits, s, fidelity, run_dir=run_dir, on_step=on_step)


class Interrupt(Exception):
    pass


def stop_at(n):
    def hook(event):
        if event.global_step == n:
            raise Interrupt

    return hook


def comparable(report):
    d = report.to_json()
    assert "host_seconds_this_session" not in d["info"]  # host time is not a result
    return d


def test_interrupted_and_resumed_run_is_bit_identical(programs, digits, tmp_path):
    whole = make(programs, digits, tmp_path / "a", fidelity="fast", checkpoint_every=10)
    (tmp_path / "a").mkdir()
    ref = whole.run()

    (tmp_path / "b").mkdir()
    # 89 steps per epoch: interrupt in epoch 2, 7 steps after the checkpoint at step 100.
    with pytest.raises(Interrupt):
        make(
            programs, digits, tmp_path / "b", stop_at(107), fidelity="fast", checkpoint_every=10
        ).run()
    saved = ckpt.load(tmp_path / "b")
    assert saved.meta["progress"]["global_step"] == 100
    resumed = make(programs, digits, tmp_path / "b", fidelity="fast", checkpoint_every=10).run(
        resume=True
    )

    assert (
        resumed.backend.read("W", raw=True).tobytes() == ref.backend.read("W", raw=True).tobytes()
    )
    assert comparable(resumed.report) == comparable(ref.report)
    assert resumed.report.total.cycles > 0


def test_loss_follows_float64_reference(programs, digits):
    """The chip's fp32 step and a float64 NumPy step, fed the same batches and learning rates,
    give loss curves within 1e-4 (relative) of each other over two epochs."""
    result = make(programs, digits).run()
    chip_losses = [v for e in result.report.epochs for v in e.step_losses]
    w = programs[2].astype(np.float64)
    settings = TrainSettings(epochs=2, lr=0.5, schedule=Schedule.COSINE)
    total = 2 * (len(digits.x_train) // BATCH)
    ref_losses, step = [], 0
    for epoch in range(2):
        for idx in train_batches(len(digits.x_train), BATCH, 0, epoch):
            lr = settings.schedule.at(settings.lr, step, total)
            x = digits.x_train[idx].reshape(BATCH, 64).astype(np.float64)
            w, loss = reference_step(w, x, one_hot(digits.y_train[idx], 10), lr)
            ref_losses.append(loss)
            step += 1
    np.testing.assert_allclose(chip_losses, ref_losses, rtol=1e-4)
    assert result.report.epochs[-1].test_accuracy >= 0.93


def test_nan_loss_stops_with_clear_error_and_keeps_checkpoint(programs, digits, tmp_path):
    make(programs, digits, tmp_path, epochs=1, lr=0.5).run()
    before = (tmp_path / ckpt.CHECKPOINT_NAME).read_bytes()
    with pytest.raises(
        TrainingError,
        match=r"loss became (nan|inf) at epoch 1, step \d+ .*"
        r"lower --lr",
    ):
        make(programs, digits, tmp_path, epochs=1, lr=1e38, schedule=Schedule.CONSTANT).run()
    assert (tmp_path / ckpt.CHECKPOINT_NAME).read_bytes() == before


def test_resume_refuses_other_settings(programs, digits, tmp_path):
    make(programs, digits, tmp_path, epochs=1).run()
    with pytest.raises(ckpt.CheckpointError, match="belongs to a different run.*settings"):
        make(programs, digits, tmp_path, epochs=1, lr=0.25).run(resume=True)


def test_resume_without_checkpoint_and_corrupt_checkpoint(programs, digits, tmp_path):
    with pytest.raises(ckpt.CheckpointError, match="no checkpoint at .*nothing to resume"):
        make(programs, digits, tmp_path).run(resume=True)
    (tmp_path / ckpt.CHECKPOINT_NAME).write_bytes(b"garbage")
    with pytest.raises(ckpt.CheckpointError, match="corrupt or unreadable"):
        make(programs, digits, tmp_path).run(resume=True)


def test_crash_while_saving_keeps_previous_checkpoint(programs, digits, tmp_path, monkeypatch):
    make(programs, digits, tmp_path, epochs=1).run()
    before = (tmp_path / ckpt.CHECKPOINT_NAME).read_bytes()

    def crash(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(files.os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        make(programs, digits, tmp_path, epochs=1, lr=0.25).run()
    assert (tmp_path / ckpt.CHECKPOINT_NAME).read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_schedules():
    assert Schedule.CONSTANT.at(0.1, 50, 100) == 0.1
    assert Schedule.COSINE.at(0.1, 0, 100) == pytest.approx(0.1)
    assert Schedule.COSINE.at(0.1, 99, 100) == pytest.approx(0.001)
    assert Schedule.STEP.at(0.1, 60, 100) == pytest.approx(0.01)
    assert Schedule.STEP.at(0.1, 80, 100) == pytest.approx(0.001)
    with pytest.raises(ValueError, match="learning rate must be a positive number, not -1"):
        TrainSettings(lr=-1)


def test_sampled_timing_equals_the_machine_throughout(programs, digits):
    """Values from the functional model with cycles sampled on the machine give the same
    report and weights as running every step on the machine."""
    step, ev, _ = programs
    s = TrainSettings(epochs=1, lr=0.5)
    full = Trainer(step, ev, digits, s, "fast").run()
    sampled = Trainer(step, ev, digits, s, "functional", timing=Fidelity.FAST).run()
    assert sampled.report.fidelity == "functional (cycles sampled on fast)"
    assert sampled.report.total == full.report.total and sampled.report.total.cycles > 0
    assert sampled.report.layers == full.report.layers
    assert sampled.report.epochs == full.report.epochs
    assert (
        sampled.backend.read("W", raw=True).tobytes() == full.backend.read("W", raw=True).tobytes()
    )


def test_tensors_are_found_by_role_not_by_name(programs, digits):
    """A label tensor named "answers" is fed the labels because its role says so: the run is
    the same, loss for loss, as the one whose label tensor is named "labels"."""
    cfg = regression_chip()
    step, ev, w0 = programs
    renamed = softmax_regression(cfg, BATCH, 64, 10, w0, labels="answers")
    assert "labels" not in renamed.tensors
    s = TrainSettings(epochs=1, lr=0.5)
    ref = Trainer(step, ev, digits, s, "functional").run().report.epochs[0]
    got = Trainer(renamed, ev, digits, s, "functional").run().report.epochs[0]
    assert got.step_losses == ref.step_losses and got.test_accuracy == ref.test_accuracy


def test_a_program_without_the_roles_training_needs_is_refused(programs, digits):
    from chip.program import Program, TensorInfo

    step, ev, _ = programs
    plain = {  # every tensor with its kind's plain role, as a version-2 file loads
        n: TensorInfo(t.name, t.addr, t.shape, t.dtype, t.kind) for n, t in step.tensors.items()
    }
    old = Program(step.config, step.instrs, step.tags, plain, step.init)
    with pytest.raises(
        TrainingError,
        match=r"training program must have exactly one tensor with role input; it has 3 "
        r"\(its tensors: x \(input\), W \(param\), logits \(output\), labels \(input\)",
    ):
        Trainer(old, ev, digits, TrainSettings(epochs=1), "functional")


def test_work_adds_up_per_step_and_checkpoints_hold_every_step_so_far(programs, digits, tmp_path):
    # the loop adds equal steps' counters as one multiple: epochs, checkpoints and layers must
    # still count every step once
    from chip.counters import Counters
    from chip.machine import run_machine

    step = run_machine(programs[0], "fast", trace=False)
    trainer = make(programs, digits, tmp_path, fidelity="fast", checkpoint_every=10)
    steps = trainer.steps
    with pytest.raises(Interrupt):
        make(programs, digits, tmp_path, stop_at(steps + 8), "fast", checkpoint_every=10).run()
    saved = ckpt.load(tmp_path).meta["progress"]
    in_epoch = saved["step"]
    assert saved["global_step"] == steps + in_epoch and 0 < in_epoch < 10
    assert Counters.from_dict(saved["work"]) == step.counters.times(in_epoch)
    report = trainer.run()
    for epoch in report.report.epochs:
        assert epoch.train == step.counters.times(steps)
    assert sum(lr.work.cycles for lr in report.report.layers) == report.report.total.cycles
