"""Test accuracy of data-parallel training against one chip, over several seeds.

    python -m bench.system_accuracy [--models mlp cnn] [--seeds 8] [--chips 4]
                                    [--fidelity functional] [--permuted]

For each model and each seed 0 .. seeds-1, the run `systolic train --model M --seed S` makes
with its defaults (the `edge` chip, the model's epochs, batch, optimizer, learning rate and
schedule; the seed sets the data split and the shuffles): once on one chip (the fused training
step, `runtime.train.Trainer`) and once data-parallel on a ring of ``--chips`` chips with the
links `systolic train --chips N` uses (`runtime.system_train.train_system`). Both see the same
batches in the same order. Prints one row per seed as it finishes (test digits right of each,
the paired difference), then per model the mean, sample standard deviation and range of
each, and the paired difference's mean, standard deviation and standard error with the
number of seeds on which N chips scored lower, the same and higher. ``--permuted`` adds a
control: one chip (the data-parallel step on a ring of one, which equals the fused step bit
for bit) with the samples of every batch permuted, the same gradients summed in another fp32
order; its paired difference from the plain run is what rounding alone does.

Values are those of the functional model by default; the machine (``--fidelity fast``, the
command line's default) computes the same bits, only slower.
"""

from __future__ import annotations

import argparse
import math
import time
from dataclasses import dataclass

import numpy as np

from chip.config import load_preset
from chip.system import ring
from compiler.data_parallel import compile_data_parallel
from runtime.data import load_dataset
from runtime.models import compile_model, defaults, forward_graph, train_spec
from runtime.system_cli import DEFAULT_LINK
from runtime.system_train import SystemRunner, train_system
from runtime.train import Schedule, Trainer, TrainSettings


@dataclass(frozen=True)
class SeedResult:
    """Test digits classified correctly after one seed's run on one chip and on N chips."""

    seed: int
    tested: int
    single: int
    system: int
    seconds: float
    permuted: int | None = None  # the one-chip control with every batch's samples permuted

    @property
    def difference(self) -> int:
        return self.system - self.single


def run_seed(model: str, seed: int, chips: int, fidelity: str, permuted: bool) -> SeedResult:
    """One seed's default training run of ``model`` on one chip and on ``chips`` chips (and
    with ``permuted`` the control, module docstring)."""
    wall = time.perf_counter()
    d = defaults(model)
    chip = load_preset("edge")
    data = load_dataset("digits", seed=seed)
    settings = TrainSettings(epochs=d.epochs, lr=d.lr, schedule=Schedule(d.schedule), seed=seed)
    spec = train_spec("ce", d.optimizer, d.lr)
    evaluation = compile_model(model, chip, d.batch_size, quantize="dynamic")
    single = Trainer(
        compile_model(model, chip, d.batch_size, spec),
        evaluation,
        data,
        settings,
        fidelity,
        optimizer=spec.optimizer,
    ).run()
    single_acc = single.report.info["final_test_accuracy"]
    tested = len(data.x_test)

    def system_run(n: int, permute: np.random.Generator | None) -> int:
        step = compile_data_parallel(
            forward_graph(model, d.batch_size // n),
            ring(chip, n, *DEFAULT_LINK),
            d.batch_size,
            spec,
        )
        runner = SystemRunner(step, spec.optimizer, fidelity)
        try:
            report = train_system(runner, data, settings, evaluation, permute=permute)
        finally:
            runner.close()
        return round(report.test_accuracy[-1] * tested)

    system = system_run(chips, None)
    control = system_run(1, np.random.default_rng(seed)) if permuted else None
    return SeedResult(
        seed, tested, round(single_acc * tested), system, time.perf_counter() - wall, control
    )


def _spread(values: list[int]) -> tuple[float, float]:
    """Mean and sample standard deviation (0 for a single value)."""
    mean = sum(values) / len(values)
    if len(values) < 2:
        return mean, 0.0
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))


def summary(results: list[SeedResult], chips: int) -> list[str]:
    """The lines that sum up a model's seeds (module docstring)."""
    tested = results[0].tested
    lines = []
    for label, values in (
        ("1 chip", [r.single for r in results]),
        (f"{chips} chips", [r.system for r in results]),
    ):
        mean, sd = _spread(values)
        lines.append(
            f"{label:>9}: mean {mean:.2f} of {tested} ({100 * mean / tested:.2f}%), "
            f"sd {sd:.2f}, range {min(values)}-{max(values)}"
        )
    lines.append(_paired(f"{chips} chips", [r.difference for r in results]))
    if all(r.permuted is not None for r in results):
        lines.append(_paired("permuted", [r.permuted - r.single for r in results]))
    return lines


def _paired(label: str, diffs: list[int]) -> str:
    mean, sd = _spread(diffs)
    se = sd / math.sqrt(len(diffs))
    lower = sum(d < 0 for d in diffs)
    same = sum(d == 0 for d in diffs)
    return (
        f"   paired: {label} - 1 chip = {mean:+.2f} digits (sd {sd:.2f}, standard error "
        f"{se:.2f}); lower on {lower}, same on {same}, higher on {len(diffs) - lower - same} "
        f"of {len(diffs)} seeds"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", nargs="+", default=["mlp"], choices=["mlp", "cnn"])
    ap.add_argument("--seeds", type=int, default=8, help="seeds 0 .. SEEDS-1")
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--chips", type=int, default=4)
    ap.add_argument("--fidelity", default="functional", choices=["functional", "fast"])
    ap.add_argument("--permuted", action="store_true", help="add the permuted one-chip control")
    args = ap.parse_args()
    if args.seeds < 1:
        ap.error(f"--seeds must be at least 1, not {args.seeds}")
    for model in args.models:
        print(f"{model}: test digits right, 1 chip vs {args.chips} chips", flush=True)
        results = []
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            r = run_seed(model, seed, args.chips, args.fidelity, args.permuted)
            results.append(r)
            control = "" if r.permuted is None else f", permuted {r.permuted}"
            print(
                f"  seed {r.seed}: {r.single} vs {r.system} of {r.tested} "
                f"({r.difference:+d}{control}; {r.seconds:.0f} s)",
                flush=True,
            )
        print("\n".join(summary(results, args.chips)), flush=True)


if __name__ == "__main__":
    main()
