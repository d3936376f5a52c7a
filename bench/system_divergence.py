"""How fast equally valid fp32 summation orders drift apart while training the MLP on digits.

    python -m bench.system_divergence [--steps 200]

Trains, on the functional model with the MLP's default settings (batch 32, momentum, lr 0.1
held constant), one chip; one chip with the samples of every batch permuted (the same mean
gradient, summed in another order); and data-parallel rings of 2 and 4 chips (the shards
summed per chip, then around the ring). All see the same batches. Prints, at a few steps, the
largest relative 2-norm difference of any weight tensor from the first run's.
"""

from __future__ import annotations

import argparse

import numpy as np

from chip.config import load_preset
from chip.system import ring
from compiler.data_parallel import compile_data_parallel
from runtime.data import load_digits, train_batches
from runtime.models import defaults, forward_graph, train_spec
from runtime.system_train import SystemRunner, _labels

CHECKS = (1, 5, 20, 50, 100, 200, 400, 800)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=200)
    args = ap.parse_args()
    d = defaults("mlp")
    chip = load_preset("edge")
    data = load_digits()
    spec = train_spec("ce", d.optimizer, d.lr)
    batch = d.batch_size
    variants = {"1 chip": 1, "1 chip, batch permuted": 1, "2 chips": 2, "4 chips": 4}
    runners = {
        name: SystemRunner(
            compile_data_parallel(
                forward_graph("mlp", batch // n), ring(chip, n, 32, 200), batch, spec
            ),
            spec.optimizer,
            "functional",
        )
        for name, n in variants.items()
    }
    rng = np.random.default_rng(7)
    number, epoch = 0, 0
    while number < args.steps:
        for idx in train_batches(len(data.x_train), batch, 0, epoch):
            number += 1
            for name, r in runners.items():
                i = rng.permutation(idx) if "permuted" in name else idx
                x = data.x_train[i].reshape(len(i), -1).astype(np.float32)
                r.step(x, _labels(r.labels, data.y_train[i], data.num_classes), number, d.lr)
            if number in CHECKS:
                ref = runners["1 chip"].params(0)
                diffs = []
                for name in list(variants)[1:]:
                    p = runners[name].params(0)
                    rel = max(np.linalg.norm(p[k] - ref[k]) / np.linalg.norm(ref[k]) for k in ref)
                    diffs.append(f"{name}: {rel:.1e}")
                print(f"step {number}: " + ", ".join(diffs), flush=True)
            if number >= args.steps:
                break
        epoch += 1


if __name__ == "__main__":
    main()
