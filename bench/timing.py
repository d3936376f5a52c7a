"""The timing engine alone, whole runs of the same programs, and a process's first use.

    python -m bench.timing [--rounds 15] [--collector | --runs | --first-use]
                           [--save DIR | --load DIR]

Programs: bench/programs.py's 1024^3 int8 GEMM on a 32x32 array, the MLP and LeNet training
steps for the `edge` chip in bf16 and int8, and a 4x4x4 GEMM. By default, the best and median
wall time and the best CPU time of computing the timing of a program no cache has seen
(planning, the kernel's tables, the compiled loop and the `Schedule`) as the machine does on a
program's first run (`schedule_of`, which pauses the garbage collector), after the compiled
loop has been loaded; ``--collector`` calls the engine directly with the collector running.
``--runs`` times whole `run_machine` calls instead: a fresh program's first run (timing, value
plan, values) and its best later run. ``--first-use`` reports what a fresh process pays for
its first program (the 4x4x4 GEMM's first `run_machine` after the imports: loading numba's
cached machine code), then the best whole `run_machine` of fresh copies of it.

``--save`` writes the programs into a folder and ``--load`` times those instead, so trees whose
compilers differ run the same instructions; the file runs on trees from before
chip/machine/engine.py had `compute_schedule` (it then times that tree's `_Engine`), so one
script measures before against after.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bench.programs import tiled_gemm
from chip.config import ChipConfig, load_preset
from chip.dtypes import DType
from chip.program import Program


def _timing_function(collector: bool) -> tuple[Callable[[Program], object], Callable[[], None]]:
    """(compute the timing of a program, load the compiled loop) for this tree: as the machine
    computes a program's timing (`schedule_of`, the garbage collector paused), or with
    ``collector`` the engine called directly with the collector running."""
    from chip.machine.schedule import schedule_of

    try:
        from chip.machine.engine import compute_schedule, warm_up
    except ImportError:  # trees with two timing loops
        from chip.machine.engine import _Engine
        from chip.machine.schedule_kernel import warm_up

        def compute_schedule(p: Program) -> object:
            return _Engine(p, None).run()

    return (compute_schedule if collector else schedule_of), warm_up


def _gemm(cfg: ChipConfig, m: int, k: int, n: int) -> Program:
    rng = np.random.default_rng(0)
    if cfg.input_dtype is DType.INT8:
        a = rng.integers(-128, 128, (m, k)).astype(np.int8)
        b = rng.integers(-128, 128, (k, n)).astype(np.int8)
    else:
        a = rng.standard_normal((m, k)).astype(np.float32)
        b = rng.standard_normal((k, n)).astype(np.float32)
    return tiled_gemm(cfg, a, b, layer="gemm", init=False)


def _training_step(model: str, dtype: DType = DType.BF16) -> Program:
    from compiler import compile, zoo
    from runtime.models import ZOO, train_spec

    chip = load_preset("edge").replace(input_dtype=dtype)
    builder, d = ZOO[model]
    graph = getattr(zoo, builder)(batch=d.batch_size)
    return compile(graph, chip, train=train_spec("ce", d.optimizer, d.lr))


NAMES = (
    "gemm 1024^3 int8 32x32",
    "mlp step bf16 edge",
    "lenet step bf16 edge",
    "gemm 4x4x4 edge",
    "mlp step int8 edge",
    "lenet step int8 edge",
)


def programs() -> dict[str, Program]:
    """The benchmark's programs, by the names the table prints (`NAMES`)."""
    from bench.common import bench_chip

    made = (
        _gemm(bench_chip(32, DType.INT8), 1024, 1024, 1024),
        _training_step("mlp"),
        _training_step("cnn"),
        _gemm(load_preset("edge"), 4, 4, 4),
        _training_step("mlp", DType.INT8),
        _training_step("cnn", DType.INT8),
    )
    return dict(zip(NAMES, made, strict=True))


def save(progs: dict[str, Program], where: Path) -> None:
    """Save ``progs`` (named as `programs` names them) into the folder ``where``."""
    where.mkdir(parents=True, exist_ok=True)
    for k, prog in enumerate(progs.values()):
        prog.save(where / f"{k}.prog")


def load(where: Path) -> dict[str, Program]:
    """The programs `save` wrote into ``where``, by the names `programs` gives them."""
    missing = [f"{k}.prog" for k in range(len(NAMES)) if not (where / f"{k}.prog").is_file()]
    if missing:
        raise SystemExit(f"bench.timing: {where} has no saved program {missing[0]}")
    return {name: Program.load(where / f"{k}.prog") for k, name in enumerate(NAMES)}


def fresh(program: Program) -> Program:
    """An equal program that no cache has seen (a new object: caches are per live program)."""
    return dataclasses.replace(program)


def timing_seconds(
    program: Program, rounds: int, collector: bool = False
) -> list[tuple[float, float]]:
    """(wall, CPU) seconds of computing the timing of ``rounds`` fresh copies of ``program``
    (the process's CPU time is less disturbed than the wall time by other processes sharing
    the cores)."""
    compute, _ = _timing_function(collector)
    out = []
    for _ in range(rounds):
        p = fresh(program)
        t, c = time.perf_counter(), time.process_time()
        compute(p)
        out.append((time.perf_counter() - t, time.process_time() - c))
    return out


def run_seconds(program: Program, repeat: int) -> tuple[float, float]:
    """(first, best of ``repeat`` later) wall seconds of `run_machine` on ``program`` from a
    fresh chip state holding its initial DRAM contents: the first run computes the timing and
    value plan, later runs take them from the machine's cache (as a training loop does)."""
    from chip.machine import run_machine
    from chip.state import ChipState

    def run() -> float:
        state = ChipState(program.config)
        state.load_program(program)
        t = time.perf_counter()
        run_machine(program, "fast", state, trace=False)
        return time.perf_counter() - t

    first = run()
    return first, min(run() for _ in range(repeat))


def first_use(rounds: int) -> None:
    """A fresh process's first program, then the best of ``rounds`` fresh copies."""
    from chip.machine import run_machine

    prog = _gemm(load_preset("edge"), 4, 4, 4)
    t = time.perf_counter()
    run_machine(prog, "fast", trace=False)
    first = time.perf_counter() - t
    runs = []
    for _ in range(rounds):
        p = fresh(prog)
        t = time.perf_counter()
        run_machine(p, "fast", trace=False)
        runs.append(time.perf_counter() - t)
    print(f"4x4x4 gemm: first run in this process {1e3 * first:.1f} ms, ", end="")
    print(f"whole run_machine of a fresh program best of {rounds} {1e3 * min(runs):.3f} ms")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=15, help="timings per program (default 15)")
    ap.add_argument("--first-use", action="store_true", help="a fresh process's first program")
    ap.add_argument(
        "--collector",
        action="store_true",
        help="call the engine directly with the garbage collector running (default: the "
        "machine's path, schedule_of, which pauses it)",
    )
    ap.add_argument(
        "--runs",
        action="store_true",
        help="whole run_machine instead: a fresh program's first run and its best later run",
    )
    ap.add_argument("--save", metavar="DIR", help="save the programs into DIR, then time them")
    ap.add_argument(
        "--load",
        metavar="DIR",
        help="time the programs saved in DIR (the same instructions "
        "for trees whose compilers differ)",
    )
    args = ap.parse_args()
    if args.first_use:
        first_use(max(args.rounds, 1))
        return
    _, warm_up = _timing_function(args.collector)
    warm_up()
    progs = load(Path(args.load)) if args.load else programs()
    if args.save:
        save(progs, Path(args.save))
    if args.runs:
        for prog in progs.values():  # numba's value kernels, loaded once per process
            run_seconds(fresh(prog), 1)
        print(f"{'program':>24} {'instrs':>7} {'first ms':>9} {'again ms':>9}")
        for name, prog in progs.items():
            firsts, again = [], float("inf")
            for _ in range(args.rounds):
                first, later = run_seconds(fresh(prog), 2)
                firsts.append(first)
                again = min(again, later)
            print(f"{name:>24} {len(prog.instrs):>7} {1e3 * min(firsts):>9.2f} {1e3 * again:>9.2f}")
        return
    print(f"{'program':>24} {'instrs':>7} {'best ms':>9} {'median ms':>10} {'best CPU ms':>12}")
    for name, prog in progs.items():
        small = len(prog.instrs) < 100
        times = timing_seconds(prog, args.rounds * (10 if small else 1), args.collector)
        wall = sorted(1e3 * w for w, _ in times)
        cpu = min(1e3 * c for _, c in times)
        median = wall[len(wall) // 2]
        print(f"{name:>24} {len(prog.instrs):>7} {wall[0]:>9.3f} {median:>10.3f} {cpu:>12.3f}")


if __name__ == "__main__":
    main()
