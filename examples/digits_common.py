"""Shared by train_cnn.py and train_lstm.py: train a zoo model on digits, check it, report.

By default every step runs on the cycle-level machine (`fast`, 70-300 ms per step).
`--fidelity sampled` trains with sampled timing instead (runtime/timing.py): values on the
functional model (the same values, bit for bit, as the machine), cycles measured on the machine
for the first two training steps and evaluation batches (which must agree: the timing does not
depend on the data) and applied to every step.
"""

from __future__ import annotations

import argparse
import time

from chip.config import ChipConfig
from compiler import compile, zoo
from compiler.train import training_step
from runtime.backend import Fidelity
from runtime.data import load_digits
from runtime.models import ZOO, train_spec
from runtime.reference import reference_accuracy, reference_training
from runtime.render import print_report
from runtime.train import Schedule, Trainer, TrainSettings


def main(model: str, target: float, doc: str) -> None:
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--fidelity", choices=("sampled", "fast", "pe"), default="fast")
    parser.add_argument("--chip", default="edge")
    args = parser.parse_args()

    chip = ChipConfig.from_toml(args.chip)
    zoo_name, d = ZOO[model]
    assert d is not None
    graph = getattr(zoo, zoo_name)(batch=d.batch_size)
    spec = train_spec("ce", d.optimizer, d.lr)
    t0 = time.perf_counter()
    step, evaluation = compile(graph, chip, train=spec), compile(graph, chip)
    print(
        f"compiled {model} for {chip.name} in {time.perf_counter() - t0:.1f} s: training "
        f"step {len(step.instrs)} instructions, evaluation {len(evaluation.instrs)}"
    )
    data = load_digits()
    settings = TrainSettings(epochs=d.epochs, lr=d.lr, schedule=Schedule(d.schedule))

    t0 = time.perf_counter()
    sampled = args.fidelity == "sampled"
    result = Trainer(
        step,
        evaluation,
        data,
        settings,
        Fidelity.FUNCTIONAL if sampled else args.fidelity,
        name=model,
        timing=Fidelity.FAST if sampled else None,
        optimizer=spec.optimizer,
        on_epoch=lambda e: print(
            f"epoch {e.epoch}: loss {e.loss:.4f}, test accuracy {100 * e.test_accuracy:.2f}%",
            flush=True,
        ),
    ).run()
    report = result.report
    steps = report.info["steps"]
    print(f"trained {steps} steps ({report.fidelity}) in {time.perf_counter() - t0:.0f} s")
    print_report(report)
    assert report.total.timed and report.total.cycles > 0

    ref = reference_training(training_step(graph, spec), data, settings, optimizer=spec.optimizer)
    ref_acc = reference_accuracy(graph, ref.params, data)
    for e, r in zip(report.epochs, ref.epoch_losses, strict=True):
        allowed = 0.5 * r + 0.02
        print(f"epoch {e.epoch}: chip loss {e.loss:.5f}, float64 {r:.5f} (allowed +-{allowed:.5f})")
        assert abs(e.loss - r) <= allowed, f"epoch {e.epoch}: loss {e.loss} vs float64 {r}"
    acc = report.epochs[-1].test_accuracy
    assert acc is not None
    print(
        f"test accuracy: chip ({chip.input_dtype.value}) {100 * acc:.2f}%, float64 "
        f"{100 * ref_acc:.2f}%"
    )
    assert acc >= target, f"test accuracy {acc:.4f} is below {target}"
    print("OK")
