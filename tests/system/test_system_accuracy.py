"""Four chips reach the single-chip accuracy: the MLP on digits with its default training
settings at the same global batch (values on the functional model, which the machine
reproduces bit for bit); one seed here, several in `python -m bench.system_accuracy`.

The CNN is not run here: one seed of its 15-epoch training moves by several test digits under
any change of summation order (seed 0: one chip 354 and four chips 354 before the max-pool
gradients' bias sums were reordered, 355 and 351 after), so one seed cannot tell a fault from
chance;
its four-chip gradient is checked step by step against one chip's instead
(tests/system/test_data_parallel.py), and its seeds are in BENCHMARKS.md."""

from __future__ import annotations

import pytest

from bench.system_accuracy import SeedResult, run_seed, summary


@pytest.mark.slow
def test_four_chips_reach_the_single_chip_accuracy() -> None:
    r = run_seed("mlp", 0, 4, "functional", permuted=False)
    print(f"mlp: single chip {r.single}, four chips {r.system} of {r.tested} test digits")
    assert r.system >= r.single - 0.01 * r.tested  # at most one point of accuracy lower


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
