"""Compile time of ResNet-18 (224x224, 1000 classes): training steps on `train-128`, int8
inference and an int8 training step (GEMM operands quantized on chip) on `tpu-v1`.

    python -m bench.compile_time [--profile N]

Each case is compiled once from a freshly built graph (building the graph is not timed) and
reports the wall and CPU (this process's) seconds of `compiler.compile_lowered`, the
instruction count, the throughput in instructions per CPU second (the machine may be shared:
CPU time is what the compile costs) and the number of GEMMs tiled. For `tpu-v1` the time
includes calibration (a float64 host forward pass of the network on one image) and
quantization. ``--profile N`` prints the N most expensive functions
(cumulative time) of each compile under cProfile.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time
from collections.abc import Callable

import numpy as np

from chip.config import ChipConfig
from compiler import zoo
from compiler.compile import compile_lowered
from compiler.lower.program import Lowered
from compiler.train import SGD, TrainSpec


def cases() -> list[tuple[str, Callable[[], Lowered]]]:
    """(description, compile function) of every benchmarked compile."""
    train_128 = ChipConfig.from_toml("train-128")
    tpu_v1 = ChipConfig.from_toml("tpu-v1")

    def train(batch: int, chip: ChipConfig = train_128) -> Callable[[], Lowered]:
        graph = zoo.resnet18(batch=batch)
        return lambda: compile_lowered(graph, chip, train=TrainSpec("ce", SGD(), 0.01))

    def infer_int8() -> Lowered:
        graph = zoo.resnet18(batch=1)
        image = np.random.default_rng(0).standard_normal(graph.inputs["x"].shape)
        return compile_lowered(graph, tpu_v1, calibration={"x": image})

    return [
        ("train-128, training step, batch 1", train(1)),
        ("train-128, training step, batch 8", train(8)),
        ("tpu-v1, int8 inference (calibration included), batch 1", infer_int8),
        ("tpu-v1, int8 training step, batch 1", train(1, tpu_v1)),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="print the N functions with the most cumulative time per compile",
    )
    args = parser.parse_args()
    print("| compile | wall s | CPU s | instructions | instructions per CPU s | GEMMs tiled |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, run in cases():
        profiler = cProfile.Profile() if args.profile else None
        start, cpu = time.perf_counter(), time.process_time()
        if profiler is not None:
            profiler.enable()
        lowered = run()
        if profiler is not None:
            profiler.disable()
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        n = len(lowered.program.instrs)
        print(
            f"| {name} | {seconds:.1f} | {cpu:.1f} | {n:,} | {n / cpu:,.0f} "
            f"| {len(lowered.notes)} |",
            flush=True,
        )
        if profiler is not None:
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.profile)


if __name__ == "__main__":
    main()
