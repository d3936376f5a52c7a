"""Train the MLP on scikit-learn's digits on the simulated chip, and check it against float64.

The same network, trained the same way (same initial weights, batches, learning-rate
schedule) in float64 NumPy by the compiler's reference interpreter, is the yardstick.

Asserts:
- test accuracy on the held-out 20% >= 97%, and within 1.5 points of the float64 run's;
- fp32 chip: every epoch's mean training loss within 1% (+1e-4) of the float64 run's;
- bf16 chip: the losses of the first 20 steps within 1% of a float64 run that rounds the GEMM
  operands to bf16 where the chip does (so the chip computes what it should), and every
  epoch's mean loss within 50% (+0.01) of the plain float64 run. The looser bound is the
  honest one: at this learning rate one bf16 rounding that falls the other way sends the two
  runs along different (equally good) trajectories, so late-epoch losses of 0.006 versus 0.008
  are normal.
- int8 chip (dynamic quantization: every GEMM operand of the forward and backward pass is
  quantized on chip to int8 with its own per-tensor scale; fp32 master weights, optimizer
  and activations in the accumulator's fp32 view): the losses of the first 10 steps within
  1e-4 of a float64 run that quantizes where the chip does, and the epoch losses as for bf16.
  Only 10 steps: one operand that lands on the other side of a rounding tie (fp32 versus
  float64 arithmetic before the quantizer) moves one value by a whole int8 level, and the two
  runs drift apart from there (with this seed the first such flip comes at step 13, and the
  losses differ by 1.4% at step 19).

Run: python examples/train_mlp.py [--dtype bf16|fp32|int8] [--fidelity fast|pe|functional]
"""

from __future__ import annotations

import argparse
import time

from chip.config import ChipConfig
from chip.dtypes import DType
from compiler import compile, zoo
from compiler.passes.pipeline import graph_passes
from compiler.train import training_step
from runtime.data import load_digits
from runtime.models import ZOO, train_spec
from runtime.reference import reference_accuracy, reference_training
from runtime.render import print_report
from runtime.train import Schedule, Trainer, TrainSettings

TOLERANCE = {
    DType.BF16: (0.5, 0.01),
    DType.INT8: (0.5, 0.01),
    DType.FP32: (0.01, 1e-4),
}  # (relative, absolute)
# The first steps against float64 with the chip's bf16/int8 roundings: (steps, relative).
ROUNDED_STEPS = {DType.BF16: (20, 0.01), DType.INT8: (10, 1e-4)}
TARGET_ACCURACY = 0.97


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dtype", choices=("bf16", "fp32", "int8"), default="bf16")
    parser.add_argument("--fidelity", choices=("fast", "pe", "functional"), default="fast")
    args = parser.parse_args()

    chip = ChipConfig.from_toml("edge").replace(input_dtype=DType.parse(args.dtype))
    d = ZOO["mlp"][1]
    assert d is not None
    graph = zoo.mlp(batch=d.batch_size)
    spec = train_spec("ce", d.optimizer, d.lr)
    step, evaluation = compile(graph, chip, train=spec), compile(graph, chip)
    data = load_digits()
    settings = TrainSettings(epochs=d.epochs, lr=d.lr, schedule=Schedule(d.schedule))

    start = time.perf_counter()
    result = Trainer(
        step, evaluation, data, settings, args.fidelity, name="mlp", optimizer=spec.optimizer
    ).run()
    chip_seconds = time.perf_counter() - start
    report = result.report
    print_report(report)

    ref = reference_training(training_step(graph, spec), data, settings, optimizer=spec.optimizer)
    ref_acc = reference_accuracy(graph, ref.params, data)
    rel, ab = TOLERANCE[chip.input_dtype]
    print(f"\nsimulated {report.info['steps']} steps in {chip_seconds:.1f} s")
    print(f"{'epoch':>5} {'chip loss':>10} {'float64':>10} {'allowed':>10}")
    for e, r in zip(report.epochs, ref.epoch_losses, strict=True):
        allowed = rel * r + ab
        print(f"{e.epoch:>5} {e.loss:>10.5f} {r:>10.5f} {allowed:>10.5f}")
        assert abs(e.loss - r) <= allowed, (
            f"epoch {e.epoch}: chip loss {e.loss:.5f} differs from float64 {r:.5f} by more "
            f"than {allowed:.5f}"
        )
    if chip.input_dtype is not DType.FP32:
        rounded = reference_training(
            graph_passes(graph, compute_dtype=chip.input_dtype, train=spec),
            data,
            settings,
            round_casts=True,
            optimizer=spec.optimizer,
        )
        n, allowed_rel = ROUNDED_STEPS[chip.input_dtype]
        worst = max(
            abs(c - r) / r
            for c, r in zip(report.epochs[0].step_losses[:n], rounded.step_losses[:n], strict=True)
        )
        print(
            f"first {n} steps: losses within {worst:.2g} (relative) of float64 with "
            f"{args.dtype} roundings (allowed {allowed_rel:g})"
        )
        assert worst <= allowed_rel, f"first {n} step losses differ by {worst:.4g}"
    acc = report.epochs[-1].test_accuracy
    assert acc is not None
    print(f"test accuracy: chip ({args.dtype}) {100 * acc:.2f}%, float64 {100 * ref_acc:.2f}%")
    assert acc >= TARGET_ACCURACY, f"test accuracy {acc:.4f} is below {TARGET_ACCURACY}"
    assert abs(acc - ref_acc) <= 0.015, f"accuracy {acc:.4f} is far from float64's {ref_acc:.4f}"
    print("OK")


if __name__ == "__main__":
    main()
