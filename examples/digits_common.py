"""Shared by train_cnn.py and train_lstm.py: train a zoo model on digits, check it, report.

Those networks take one to three seconds per step on the cycle-level machine, so by default
they train on the functional model (the same values, bit for bit: tests/chip checks that the
machine and the functional model agree) and the cycle report comes from the machine running
one training step and one evaluation batch. Every step runs the same instruction stream and
the machine's timing does not depend on data values, which `main` checks on two different
batches before multiplying by the number of steps. `--fidelity fast` trains on the machine
throughout instead.
"""

from __future__ import annotations

import argparse
import time

from chip.config import ChipConfig
from compiler import compile, zoo
from compiler.train import training_step
from runtime.backend import Backend
from runtime.data import fit_to, load_digits, one_hot
from runtime.models import ZOO, train_spec
from runtime.reference import reference_accuracy, reference_training
from runtime.render import print_report
from runtime.report import RunReport, layer_reports
from runtime.train import Schedule, Trainer, TrainSettings


def step_report(step, data, name: str) -> tuple[RunReport, int]:  # noqa: ANN001 - Program
    """One training step on the machine (as a report), checked to take the same cycles on a
    second, different batch; returns the report and the per-step cycles."""
    backend = Backend(step, "fast")
    x_shape = backend.inputs["x"].shape
    cycles = []
    for start in (0, x_shape[0]):
        idx = slice(start, start + x_shape[0])
        result = backend.run({"x": fit_to(data.x_train[idx], x_shape[1:], name),
                              "labels": one_hot(data.y_train[idx], data.num_classes)})
        cycles.append(result.work.cycles)
    assert cycles[0] == cycles[1], f"step cycles depend on the data: {cycles}"
    report = RunReport("run", step.config, f"{name} (one training step)", "fast", result.work,
                       layer_reports(result.by_tag), result.transfer.to_chip,
                       result.transfer.from_chip)
    return report, cycles[0]


def main(model: str, target: float, doc: str) -> None:
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--fidelity", choices=("functional", "fast", "pe"),
                        default="functional")
    parser.add_argument("--chip", default="edge")
    args = parser.parse_args()

    chip = ChipConfig.from_toml(args.chip)
    zoo_name, d = ZOO[model]
    assert d is not None
    graph = getattr(zoo, zoo_name)(batch=d.batch_size)
    spec = train_spec("ce", d.optimizer, d.lr)
    t0 = time.perf_counter()
    step, evaluation = compile(graph, chip, train=spec), compile(graph, chip)
    print(f"compiled {model} for {chip.name} in {time.perf_counter() - t0:.1f} s: training "
          f"step {len(step.instrs)} instructions, evaluation {len(evaluation.instrs)}")
    data = load_digits()
    settings = TrainSettings(epochs=d.epochs, lr=d.lr, schedule=Schedule(d.schedule))

    t0 = time.perf_counter()
    result = Trainer(step, evaluation, data, settings, args.fidelity, name=model,
                     on_epoch=lambda e: print(f"epoch {e.epoch}: loss {e.loss:.4f}, test "
                                              f"accuracy {100 * e.test_accuracy:.2f}%",
                                              flush=True)).run()
    report = result.report
    steps = report.info["steps"]
    print(f"trained {steps} steps ({args.fidelity}) in {time.perf_counter() - t0:.0f} s")
    if report.total.timed:
        print_report(report)
    else:
        one, per_step = step_report(step, data, model)
        print_report(one)
        print(f"{steps} steps x {per_step:,} cycles = {steps * per_step:,} cycles "
              f"({chip.seconds(steps * per_step) * 1e3:.1f} ms at {chip.clock_mhz:g} MHz)")

    ref = reference_training(training_step(graph, spec), data, settings)
    ref_acc = reference_accuracy(graph, ref.params, data)
    for e, r in zip(report.epochs, ref.epoch_losses, strict=True):
        allowed = 0.5 * r + 0.02
        print(f"epoch {e.epoch}: chip loss {e.loss:.5f}, float64 {r:.5f} (allowed +-"
              f"{allowed:.5f})")
        assert abs(e.loss - r) <= allowed, f"epoch {e.epoch}: loss {e.loss} vs float64 {r}"
    acc = report.epochs[-1].test_accuracy
    assert acc is not None
    print(f"test accuracy: chip ({chip.input_dtype.value}) {100 * acc:.2f}%, float64 "
          f"{100 * ref_acc:.2f}%")
    assert acc >= target, f"test accuracy {acc:.4f} is below {target}"
    print("OK")
