"""Shared pieces of the benchmark scripts: the benchmark chips, ResNet-18 as GEMMs, timers."""

from __future__ import annotations

import resource
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from bench.programs import tiled_gemm
from chip.config import ChipConfig, Dataflow, load_preset
from chip.dtypes import DType
from chip.machine import MachineResult, run_machine
from chip.program import Program
from chip.state import ChipState
from runtime.scalesim_io import read_topology

SCALESIM_REFERENCE = Path(__file__).resolve().parents[1] / "tests" / "data" / "scalesim"
RESNET18_CSV = SCALESIM_REFERENCE / "Resnet18.csv"


def bench_chip(size: int, dtype: DType, dataflow: Dataflow = Dataflow.WS) -> ChipConfig:
    """The train-128 preset (HBM-class DRAM, double-buffered stationary tile) resized to a
    ``size`` x ``size`` array; 4 MiB of scratchpad keeps every size within the ISA's rows."""
    return load_preset("train-128").replace(
        name=f"bench-{size}x{size}-{dtype.value}-{dataflow.value}",
        rows=size,
        cols=size,
        input_dtype=dtype,
        dataflow=dataflow,
        spad_kib=4096,
    )


def resnet18_gemms(path: Path = RESNET18_CSV) -> list[tuple[str, int, int, int]]:
    """(layer, M, N, K) of SCALE-Sim's ResNet-18 topology: M output pixels (SCALE-Sim's
    ceil((H - Fh + s) / s) per side, no padding), N filters, K = Fh * Fw * C."""
    return [(layer.name, *layer.mnk(scalesim_rounding=True)) for layer in read_topology(path)]


def operands(rng: np.random.Generator, dtype: DType, m: int, k: int, n: int):
    if dtype is DType.INT8:
        return (
            rng.integers(-128, 128, (m, k), dtype=np.int8),
            rng.integers(-128, 128, (k, n), dtype=np.int8),
        )
    return (
        rng.standard_normal((m, k), dtype=np.float32),
        rng.standard_normal((k, n), dtype=np.float32),
    )


def timed(
    fn: Callable[[], object], repeat: int = 1, clock: Callable[[], float] = time.perf_counter
) -> tuple[float, object]:
    """Best time of ``repeat`` calls (wall time, or ``clock``: e.g. `time.process_time`, the
    CPU time of the process, steadier on a loaded machine), and the last result."""
    best, out = float("inf"), None
    for _ in range(repeat):
        t = clock()
        out = fn()
        best = min(best, clock() - t)
    return best, out


def numpy_matmul_seconds(
    a: np.ndarray,
    b: np.ndarray,
    threads: int | None,
    repeat: int = 3,
    clock: Callable[[], float] = time.perf_counter,
) -> float:
    """NumPy float32 matmul of the same operand values (BLAS; ``threads`` None = default)."""
    af, bf = a.astype(np.float32), b.astype(np.float32)
    if threads is None:
        return timed(lambda: af @ bf, repeat, clock)[0]
    with threadpool_limits(limits=threads, user_api="blas"):
        return timed(lambda: af @ bf, repeat, clock)[0]


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_gemm(
    cfg: ChipConfig,
    a: np.ndarray,
    b: np.ndarray,
    repeat: int = 2,
    layer: str = "gemm",
    clock: Callable[[], float] = time.perf_counter,
) -> tuple[float, float, float, MachineResult, Program]:
    """Build bench/programs.py's tiled GEMM and run it ``repeat`` times on the `fast` machine,
    each time with the operands written into a fresh state.

    Returns (build s, first run s, best later run s or NaN if ``repeat`` is 1, result of the
    last run, program). A run covers the state set-up, values and cycles; the first run of a
    program also computes its timing, which later runs take from the machine's cache
    (chip/machine/schedule.py), as a training loop re-running one program does."""
    build_s, prog = timed(lambda: tiled_gemm(cfg, a, b, layer=layer, init=False), 1, clock)

    def run() -> MachineResult:
        state = ChipState(cfg)
        state.write_tensor(prog.tensor("A"), a)
        state.write_tensor(prog.tensor("B"), b)
        return run_machine(prog, "fast", state, trace=False)

    first_s, res = timed(run, 1, clock)
    again_s = float("nan")
    if repeat > 1:
        again_s, res = timed(run, repeat - 1, clock)
    return build_s, first_s, again_s, res, prog
