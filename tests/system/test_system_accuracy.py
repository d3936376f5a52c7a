"""Four chips reach the single-chip accuracy: the MLP and the CNN on digits, each with its
default training settings at the same global batch (values on the functional model, which
the machine reproduces bit for bit); one seed here, several in `python -m
bench.system_accuracy`."""

from __future__ import annotations

import pytest

from bench.system_accuracy import SeedResult, summary
from chip.config import load_preset
from chip.system import ring
from compiler.data_parallel import compile_data_parallel
from runtime.data import load_digits
from runtime.models import compile_model, defaults, forward_graph, train_spec
from runtime.system_train import SystemRunner, train_system
from runtime.train import Schedule, Trainer, TrainSettings


@pytest.mark.slow
@pytest.mark.parametrize("model", ["mlp", "cnn"])
def test_four_chips_reach_the_single_chip_accuracy(model: str) -> None:
    d = defaults(model)
    chip = load_preset("edge")
    data = load_digits()
    settings = TrainSettings(epochs=d.epochs, lr=d.lr, schedule=Schedule(d.schedule))
    spec = train_spec("ce", d.optimizer, d.lr)
    evaluation = compile_model(model, chip, d.batch_size, quantize="dynamic")
    single = Trainer(
        compile_model(model, chip, d.batch_size, spec),
        evaluation,
        data,
        settings,
        "functional",
        optimizer=spec.optimizer,
    ).run()
    single_acc = single.report.info["final_test_accuracy"]
    system = ring(chip, 4, 32, 200)
    graph = forward_graph(model, d.batch_size // 4)
    runner = SystemRunner(
        compile_data_parallel(graph, system, d.batch_size, spec), spec.optimizer, "functional"
    )
    report = train_system(runner, data, settings, evaluation)
    print(f"{model}: single chip {single_acc:.4f}, four chips {report.test_accuracy[-1]:.4f}")
    assert report.test_accuracy[-1] >= single_acc - 0.01


def test_the_benchmark_sums_up_seeds_in_pairs() -> None:
    """bench/system_accuracy.py's summary: each arm's mean, sample sd and range, and the
    per-seed differences' mean, sd, standard error and signs."""
    results = [
        SeedResult(0, 359, 351, 348, 1.0),
        SeedResult(1, 359, 350, 351, 1.0),
        SeedResult(2, 359, 352, 352, 1.0),
    ]
    assert summary(results, 4) == [
        "   1 chip: mean 351.00 of 359 (97.77%), sd 1.00, range 350-352",
        "  4 chips: mean 350.33 of 359 (97.59%), sd 2.08, range 348-352",
        "   paired: 4 chips - 1 chip = -0.67 digits (sd 2.08, standard error 1.20); lower on 1, "
        "same on 1, higher on 1 of 3 seeds",
    ]


def test_the_benchmark_pairs_the_permuted_control_with_the_single_chip() -> None:
    results = [SeedResult(0, 359, 351, 348, 1.0, 350), SeedResult(1, 359, 350, 351, 1.0, 350)]
    assert summary(results, 4)[-1] == (
        "   paired: permuted - 1 chip = -0.50 digits (sd 0.71, standard error 0.50); lower on "
        "1, same on 1, higher on 0 of 2 seeds"
    )
