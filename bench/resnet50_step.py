"""A ResNet-50 training step (224x224, batch 8, `train-128`) compiled and run on the `fast`
machine, end to end: build the graph, compile (forward, backward, SGD update), load the
program onto a fresh chip, run it once.

    python -m bench.resnet50_step [--batch 8] [--image 224] [--save FILE | --program FILE]

``--save`` writes the compiled program to FILE; ``--program`` runs one saved so instead of
building and compiling (its graph stages then time loading the file), to measure the run alone.

Prints, per stage and in total, wall seconds and this process's CPU seconds (the machine may
be shared: CPU time is what the work costs, wall time what a user waited), the instruction
count, the simulated cycles and the loss; checks that the loss is finite.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from chip.config import ChipConfig
from chip.machine import run_machine
from chip.program import Program
from chip.state import ChipState
from compiler import compile, zoo
from compiler.train import SGD, TrainSpec


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--image", type=int, default=224)
    parser.add_argument("--chip", default="train-128")
    saved = parser.add_mutually_exclusive_group()
    saved.add_argument("--save", metavar="FILE", help="write the compiled program to FILE")
    saved.add_argument("--program", metavar="FILE", help="run this saved program")
    args = parser.parse_args()
    chip = ChipConfig.from_toml(args.chip)
    times: list[tuple[str, float, float]] = []

    def stage(name: str, start: tuple[float, float]) -> tuple[float, float]:
        now = (time.perf_counter(), time.process_time())
        times.append((name, now[0] - start[0], now[1] - start[1]))
        return now

    begin = mark = (time.perf_counter(), time.process_time())
    if args.program:
        program = Program.load(args.program)
        mark = stage("read program file", mark)
    else:
        graph = zoo.resnet50(batch=args.batch, image=args.image)
        mark = stage("build graph", mark)
        program = compile(graph, chip, train=TrainSpec("ce", SGD(), 0.01))
        mark = stage("compile", mark)
        if args.save:
            program.save(args.save)
            mark = (time.perf_counter(), time.process_time())  # (not a stage of the step)
    chip = program.config
    batch = program.tensors["x"].shape[0]
    state = ChipState(program.config)
    state.load_program(program)
    rng = np.random.default_rng(0)
    x = rng.standard_normal(program.tensors["x"].shape).astype(np.float32)
    labels = np.eye(1000, dtype=np.float32)[rng.integers(0, 1000, batch)]
    for name, value in (("x", x), ("labels", labels)):
        state.write_tensor(program.tensors[name], value)
    mark = stage("load", mark)
    result = run_machine(program, "fast", state, trace=False)
    mark = stage("run (fast)", mark)
    loss = float(state.read_tensor(program.tensors["loss"])[0])
    times.append(("end to end", mark[0] - begin[0], mark[1] - begin[1]))
    print(
        f"ResNet-50 training step, batch {batch}, input {'x'.join(map(str, x.shape))}, "
        f"{chip.name}: "
        f"{len(program.instrs):,} instructions, {result.cycles:,} cycles, loss {loss:.4f}"
    )
    print("| stage | wall s | CPU s |")
    print("| --- | --- | --- |")
    for name, wall, cpu in times:
        print(f"| {name} | {wall:.1f} | {cpu:.1f} |")
    if not np.isfinite(loss):
        raise SystemExit(f"loss is {loss}")


if __name__ == "__main__":
    main()
