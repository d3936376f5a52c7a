"""One design point: compile the workload for the point's chip, run it on the `fast` machine,
and turn the counters into one results row.

Runs inside a Dask worker (or any process): everything a point needs travels in the `Point`.
Compiled programs are cached in the process per (workload, mode, batch, training, chip), so a
worker that meets the same compilation again (a rerun of failed points on a long-lived cluster,
two sweeps sharing workloads) does not compile twice.

What a row holds (docs/sweep.md):
- ``cycles``, ``macs`` (the array's, padding included), ``useful_macs`` (the network's own),
  ``utilization`` (useful MACs over rows x cols x cycles), DRAM bytes read and written and
  ``min_dram_bytes`` (what the work must move, each operand once), instructions, ``seconds`` of
  chip time at the chip's clock;
- the report's roofline (runtime/report.py, the one definition): ``roofline_bound_cycles``, the
  larger of useful MACs / (rows x cols) and minimal DRAM bytes / DRAM bytes per cycle, and
  ``roofline_efficiency`` = bound / cycles (1.0 = the chip is as fast as its roofline allows);
- ``energy_j``, ``average_power_w``, ``tops_per_w`` (useful operations per joule) of the run and
  the chip's ``area_mm2``, from the energy and area model (chip/energy.py, docs/energy.md);
- ``compile_s`` and ``run_s``: host wall time (0 compile time when the program came from the
  cache), ``cpu_s`` the worker's CPU time for both (what the point costs on a busy machine);
  these are the only columns that vary between runs of the same point;
- ``error``: empty, or one line saying why the point could not be computed.
A SCALE-Sim topology runs layer by layer (each layer its own program) and its row is the sum.
"""

from __future__ import annotations

import enum
import functools
import operator
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np

from chip.config import ChipConfig
from chip.counters import Counters
from chip.dtypes import DType
from chip.energy import area_of, average_power_w, energy_of, tops_per_watt
from chip.program import Program, TensorKind
from runtime.report import bound_cycles, efficiency
from runtime.sweep_spec import Mode, Point, TrainingSettings, Workload, WorkloadKind

CACHE_SIZE = 64  # compiled programs kept per worker process


# The measured columns, each derived from the point's summed counts and its chip in one place
# (the figures a run's report also shows come from runtime/report.py and Counters, so a sweep
# row and `systolic run` agree): a new figure is one more entry.
METRICS: dict[str, Callable[[Counters, ChipConfig], Any]] = {
    "cycles": lambda w, c: w.cycles,
    "macs": lambda w, c: w.macs,
    "useful_macs": lambda w, c: w.useful_macs,
    "utilization": lambda w, c: round(w.pe_utilization, 6),
    "dram_read_bytes": lambda w, c: w.dram_read_bytes,
    "dram_write_bytes": lambda w, c: w.dram_write_bytes,
    "dram_bytes": lambda w, c: w.dram_bytes,
    "min_dram_bytes": lambda w, c: w.min_dram_bytes,
    "instructions": lambda w, c: w.instructions,
    "seconds": lambda w, c: c.seconds(w.cycles),
    "roofline_bound_cycles": bound_cycles,
    "roofline_efficiency": lambda w, c: round(efficiency(w, c), 6),
    "energy_j": lambda w, c: energy_of(w, c).total_j,
    "average_power_w": average_power_w,
    "tops_per_w": tops_per_watt,
    "area_mm2": lambda w, c: area_of(c).total_mm2,
}
HOST_COLUMNS = ("compile_s", "run_s", "cpu_s")

_programs: OrderedDict[tuple[Any, ...], tuple[Program, ...]] = OrderedDict()


def run_point(point: Point) -> dict[str, Any]:
    """The point's results row (``error`` set, measurements empty, if it failed)."""
    if point.chip is None:
        return error_row(point, point.chip_error)
    try:
        cpu_start, start = time.process_time(), time.perf_counter()
        programs, cached = compiled(
            point.workload, point.mode, point.batch, point.training, point.chip
        )
        compile_s = 0.0 if cached else time.perf_counter() - start
        start = time.perf_counter()
        work = functools.reduce(operator.add, (run_program(p) for p in programs))
        run_s = time.perf_counter() - start
        cpu_s = time.process_time() - cpu_start
    except Exception as e:  # noqa: BLE001 - a failing point is recorded and the sweep goes on
        return error_row(point, f"{type(e).__name__}: {e}")
    return {
        **_identity(point),
        **{name: f(work, point.chip) for name, f in METRICS.items()},
        "compile_s": round(compile_s, 4),
        "run_s": round(run_s, 4),
        "cpu_s": round(cpu_s, 4),
        "error": "",
    }


def error_row(point: Point, message: str) -> dict[str, Any]:
    """The row of a point that could not be computed: no measurements, the reason in one line."""
    empty = dict.fromkeys([*METRICS, *HOST_COLUMNS], "")
    return {**_identity(point), **empty, "error": " ".join(message.split())}


def _identity(point: Point) -> dict[str, Any]:
    return {
        "key": point.key,
        "index": point.index,
        "workload": point.workload.name,
        "mode": point.mode.value,
        "batch": point.batch,
        **{k: (v.value if isinstance(v, enum.Enum) else v) for k, v in point.knobs},
    }


def compiled(
    workload: Workload, mode: Mode, batch: int, training: TrainingSettings, chip: ChipConfig
) -> tuple[tuple[Program, ...], bool]:
    """The point's programs (one, or one per topology layer), and whether they were cached."""
    key = (workload, mode, batch, training if mode is Mode.TRAINING else None, chip)
    if key in _programs:
        _programs.move_to_end(key)
        return _programs[key], True
    programs = _compile(workload, mode, batch, training, chip)
    _programs[key] = programs
    if len(_programs) > CACHE_SIZE:
        _programs.popitem(last=False)
    return programs, False


def _compile(
    workload: Workload, mode: Mode, batch: int, training: TrainingSettings, chip: ChipConfig
) -> tuple[Program, ...]:
    from runtime.models import compile_model, train_spec

    train = mode is Mode.TRAINING
    spec = train_spec(training.loss, training.optimizer, training.lr) if train else None
    if workload.kind is not WorkloadKind.TOPOLOGY:
        return (compile_model(workload.source, chip, batch, spec),)
    from compiler.compile import compile as compile_graph
    from runtime.scalesim_io import read_topology

    layers = [
        la
        for la in read_topology(workload.source)
        if workload.layer is None or la.name == workload.layer
    ]
    if not layers:
        raise ValueError(f"{workload.source} has no layer {workload.layer!r}")
    if spec is not None:  # a GEMM layer's prediction is its output: regress it
        spec = train_spec("mse", training.optimizer, training.lr)
    return tuple(
        compile_graph(
            gemm_graph(la.name, *la.mnk(workload.scalesim_rounding, batch), chip, train),
            chip,
            train=spec,
        )
        for la in layers
    )


def gemm_graph(name: str, m: int, n: int, k: int, chip: ChipConfig, train: bool) -> Any:
    """A topology layer as SCALE-Sim sees it: y[M, N] = a[M, K] @ w[K, N]. On int8 chips,
    inference takes int8 operands as they are (no quantization step); training, and float
    chips, use fp32 graphs that the compiler casts to the chip's type."""
    from compiler.ir import Op
    from compiler.ir_builder import IRBuilder

    int8 = chip.input_dtype is DType.INT8 and not train
    dtype = DType.INT8 if int8 else DType.FP32
    w = np.full((k, n), 1 if int8 else 0.01, np.int8 if int8 else np.float32)  # any values
    b = IRBuilder(name)
    a = b.input("a", (m, k), dtype=dtype)
    wid = b.source(Op.PARAM, "w", (k, n), w, dtype=dtype)
    b.output("y", b.matmul(a, wid, name=name))
    return b.build()


def run_program(program: Program) -> Counters:
    """One run of ``program`` on the `fast` machine: the backend's counts of it. The inputs are
    zeros written as raw storage: timing does not depend on values, and zeros cost nothing to
    make or convert (a conv layer's input can hold millions of elements)."""
    from runtime.backend import Backend, Fidelity

    backend = Backend(program, Fidelity.FAST)
    for t in program.of_kind(TensorKind.INPUT):
        backend.state.write_tensor(t, np.zeros(t.shape, t.dtype.storage), raw=True)
    return backend.run({}).work
