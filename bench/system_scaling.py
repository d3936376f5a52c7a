"""Data-parallel training steps on 1, 2, 4 and 8 chips: cycles, speed-up, host time.

    python -m bench.system_scaling [--models mlp resnet18] [--chips 1 2 4 8] [--steps 2]
                                   [--torus] [--overlap] [--no-workers] [--weak]

Strong scaling at a fixed global batch: the MLP (64-64-32-10, batch 32, momentum) on `edge`
chips linked in a ring of 32 bytes/cycle and 200 cycles (the ring4-edge preset's links), and
ResNet-18 (32x32 images, 10 classes, batch 8, momentum) on `train-128` chips on a ring of
64 bytes/cycle and 500 cycles (the torus8-train128 preset's links; its 2 x 4 torus too at 8).
"1 chip" is the single-chip training step (one fused program); N chips run the data-parallel
step of compiler/data_parallel.py. Speed-up = cycles(1 chip) / cycles(N), efficiency =
speed-up / N; "exposed" is the largest exposed communication of any chip
(runtime/system_report.py). Host time: seconds per step of the simulation itself, every chip
in this process ("0 workers") or one worker process per chip (runtime/system_workers.py),
best of ``--steps`` steps after a first one. ``--weak``: weak scaling instead, every chip
keeping the single chip's batch (global batch x N); speed-up is then the throughput ratio
N x cycles(1 chip) / cycles(N). ``--overlap`` compiles the steps with the
all-reduce overlapped with the backward pass (compiler/data_parallel.py, 4 pieces per chunk as
the plain schedule).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from chip.config import ChipConfig, load_preset
from chip.machine import run_machine
from chip.system import SystemConfig, ring
from compiler import compile, zoo
from compiler.data_parallel import compile_data_parallel
from compiler.ir import Graph
from compiler.train import Momentum, TrainSpec
from runtime.system_report import system_report
from runtime.system_train import SystemRunner

SPEC = TrainSpec(optimizer=Momentum(), lr=0.05)
# name -> (chip, global batch, graph at a batch, input shape, classes, link bytes/cycle, latency)
MODELS: dict[str, tuple[str, int, Callable[[int], Graph], tuple[int, ...], int, int, int]] = {
    "mlp": ("edge", 32, lambda b: zoo.mlp(batch=b), (64,), 10, 32, 200),
    "resnet18": (
        "train-128",
        8,
        lambda b: zoo.resnet18(batch=b, image=32, classes=10),
        (32, 32, 3),
        10,
        64,
        500,
    ),
}


def _batch(shape: tuple[int, ...], batch: int, classes: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, *shape)).astype(np.float32)
    return x, np.eye(classes, dtype=np.float32)[rng.integers(0, classes, batch)]


def single_chip(model: str) -> int:
    chip_name, batch, graph, *_ = MODELS[model]
    program = compile(graph(batch), load_preset(chip_name), train=SPEC)
    return run_machine(program, "fast", trace=False).cycles


def system_step(
    model: str, system: SystemConfig, steps: int, workers: bool, overlap: bool, weak: bool
):
    """(cycles, exposed, link utilization, host seconds per step) of one system step."""
    _, batch, graph, shape, classes, *_ = MODELS[model]
    batch = batch * system.chips if weak else batch
    dp = compile_data_parallel(graph(batch // system.chips), system, batch, SPEC, overlap=overlap)
    runner = SystemRunner(dp, SPEC.optimizer, "fast", workers=workers)
    x, y = _batch(shape, batch, classes)
    try:
        first = runner.step(x, y, 1, SPEC.lr)
        best = float("inf")
        for k in range(steps):
            t = time.perf_counter()
            runner.step(x, y, k + 2, SPEC.lr)
            best = min(best, time.perf_counter() - t)
    finally:
        runner.close()
    report = system_report(system, first.result)
    util = max((link.utilization for link in report.links), default=0.0)
    return first.cycles, report.exposed, util, best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    ap.add_argument("--chips", nargs="+", type=int, default=[1, 2, 4, 8])
    ap.add_argument("--steps", type=int, default=2)
    ap.add_argument("--torus", action="store_true", help="also the 2x4 torus at 8 chips")
    ap.add_argument("--overlap", action="store_true", help="overlap the all-reduce")
    ap.add_argument("--no-workers", action="store_true", help="skip the worker-process timing")
    ap.add_argument("--weak", action="store_true", help="weak scaling: batch per chip fixed")
    args = ap.parse_args()
    print(
        f"{'model':>8} {'system':>16} {'cycles':>12} {'speed-up':>8} {'eff.':>6} "
        f"{'exposed':>9} {'link use':>8} {'host s (0 wk)':>13} {'host s (N wk)':>13}"
    )
    for model in args.models:
        chip_name, *_, bandwidth, latency = MODELS[model]
        chip: ChipConfig = load_preset(chip_name)
        base = single_chip(model)
        print(f"{model:>8} {'1 chip (fused)':>16} {base:>12,} {1.0:>8.2f} {100.0:>5.0f}%")
        systems = [ring(chip, n, bandwidth, latency) for n in args.chips]
        if args.torus and model == "resnet18":
            systems.append(SystemConfig.from_toml("torus8-train128"))
        for system in systems:
            n = system.chips
            how = (args.overlap, args.weak)
            cycles, exposed, util, here = system_step(model, system, args.steps, False, *how)
            there = here
            if n > 1 and not args.no_workers:
                there = system_step(model, system, args.steps, True, *how)[3]
            speed = base / cycles * (n if args.weak else 1)
            print(
                f"{model:>8} {system.name:>16} {cycles:>12,} {speed:>8.2f} "
                f"{100 * speed / n:>5.0f}% {exposed:>9,} {100 * util:>7.1f}% "
                f"{here:>13.2f} {there:>13.2f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
