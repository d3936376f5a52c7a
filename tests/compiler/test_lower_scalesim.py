"""Peer agreement on cycles: compiled GEMMs cost exactly what SCALE-Sim v3's formulas give.

Each layer is compiled as a plain int8 GEMM graph (``y = a @ w``) for a chip with SCALE-Sim's
assumptions (`chip.machine.scalesim.scalesim_config`: folds serialized, no stationary double
buffering, no OS drain) with `Tiling.SCALESIM_FOLDS`. What is compared is the array time of the
compiled program: the sum of the machine's own durations (`chip.machine.plan.Planner`) of its
PRELOAD and MATMUL instructions, minus one (SCALE-Sim reports the last cycle's 0-based index).
SCALE-Sim assumes operands already on chip, so the program's DMA is not part of the figure; a
machine run of small GEMMs checks that the array's occupancy (busy + fill/drain + preload
cycles) is this sum.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest

from chip.config import ChipConfig, Dataflow
from chip.dtypes import DType
from chip.isa import Matmul, Preload
from chip.machine import run_machine
from chip.machine.counters import Cause, Unit
from chip.machine.plan import Planner
from chip.machine.scalesim import fold_shape, scalesim_config
from chip.program import Program
from compiler.compile import compile
from compiler.ir import Graph, Op
from compiler.ir_builder import IRBuilder
from compiler.lower.tiling import Tiling
from runtime.scalesim_io import read_topology

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "scalesim"


def formula(dataflow: Dataflow, rows: int, cols: int, m: int, n: int, k: int) -> int:
    """SCALE-Sim v3 "Total Cycles": folds x per-fold cycles, minus one."""
    sr, sc, t = fold_shape(dataflow, m, n, k)
    per_fold = t + rows + cols - 2 if dataflow is Dataflow.OS else 2 * rows + cols + t - 2
    return math.ceil(sr / rows) * math.ceil(sc / cols) * per_fold - 1


def gemm_graph(m: int, n: int, k: int) -> Graph:
    """y[m, n] = a[m, k] @ w[k, n] in int8 (the weights' values do not affect timing)."""
    b = IRBuilder(f"gemm_{m}x{n}x{k}")
    a = b.input("a", (m, k), dtype=DType.INT8)
    w = b.source(Op.PARAM, "w", (k, n), np.ones((k, n)), dtype=DType.INT8)
    b.output("y", b.matmul(a, w, name="gemm"))
    return b.build()


def scalesim_chip(dataflow: Dataflow, rows: int, cols: int, m: int, n: int, k: int) -> ChipConfig:
    """SCALE-Sim's assumptions, with memories large enough for one fold's whole stream in
    double-buffered rings (sizes do not change the array's timing)."""
    t = fold_shape(dataflow, m, n, k)[2]
    width = max(rows, cols)
    spad_rows, acc_rows = 4 * t + 2 * rows, 2 * t * math.ceil(n / cols) + 2 * rows
    return scalesim_config(rows, cols, dataflow, t).replace(
        spad_kib=_kib(spad_rows, width),
        acc_kib=_kib(acc_rows, 4 * width),
        dram_mib=max(1, -(-(2 * (m * k + k * n) + 4 * m * n) // (1 << 20))),
    )


def _kib(n_rows: int, row_bytes: int) -> int:
    """The smallest KiB count holding ``n_rows`` rows that is a whole number of rows."""
    unit = row_bytes // math.gcd(row_bytes, 1024)
    return math.ceil(math.ceil(n_rows * row_bytes / 1024) / unit) * unit


def array_time(program: Program) -> int:
    """Cycles the array spends on the program's PRELOADs and MATMULs, as the machine times
    them, minus one (SCALE-Sim's convention)."""
    planner = Planner(program.config)
    return (
        sum(planner.plan(ins).length for ins in program.instrs if isinstance(ins, Preload | Matmul))
        - 1
    )


def compiled(dataflow: Dataflow, rows: int, cols: int, m: int, n: int, k: int) -> Program:
    return compile(
        gemm_graph(m, n, k),
        scalesim_chip(dataflow, rows, cols, m, n, k),
        tiling=Tiling.SCALESIM_FOLDS,
    )


@pytest.mark.parametrize("dataflow", list(Dataflow))
@pytest.mark.parametrize("rows, cols", [(4, 4), (8, 16), (16, 8), (5, 3)])
@pytest.mark.parametrize(
    "m, n, k", [(1, 1, 1), (10, 7, 9), (33, 20, 17), (64, 64, 64), (100, 3, 250)]
)
def test_gemm_shapes_match_the_formula(dataflow, rows, cols, m, n, k):
    got = array_time(compiled(dataflow, rows, cols, m, n, k))
    assert got == formula(dataflow, rows, cols, m, n, k)


@pytest.mark.parametrize("dataflow", list(Dataflow))
def test_machine_array_busy_cycles_are_the_counted_array_time(dataflow):
    program = compiled(dataflow, 4, 6, 19, 11, 13)
    counters = run_machine(program, trace=False).counters
    # The machine splits the array's occupancy into streaming (busy), fill/drain and preloads.
    stalls = counters.stalls[Unit.ARRAY]
    occupied = counters.busy[Unit.ARRAY] + stalls[Cause.FILL_DRAIN] + stalls[Cause.PRELOAD]
    assert occupied - 1 == array_time(program)
    assert array_time(program) == formula(dataflow, 4, 6, 19, 11, 13)


def test_cost_model_tiling_differs_from_scalesim_folds():
    # The default tiling streams the long dimension in blocks: more folds, so the formula
    # would not hold; the SCALE-Sim mode is what makes the comparison one to one.
    cfg = scalesim_chip(Dataflow.WS, 4, 4, 300, 8, 8).replace(spad_kib=2)
    default = compile(gemm_graph(300, 8, 8), cfg)
    assert array_time(default) != formula(Dataflow.WS, 4, 4, 300, 8, 8)


def resnet18_gemms(batch: int = 1) -> list[tuple[str, int, int, int]]:
    """(layer, M, N, K) of SCALE-Sim's ResNet-18 topology: M = output pixels x batch,
    N = filters, K = kernel h x kernel w x channels; output size ceil((H - Fh + s) / s)."""
    layers = read_topology(REFERENCE / "Resnet18.csv")
    return [(layer.name, *layer.mnk(scalesim_rounding=True, batch=batch)) for layer in layers]


def _measured(name: str) -> dict[str, dict[str, str]]:
    with open(REFERENCE / name) as f:
        return {row["layer_name"]: row for row in csv.DictReader(f)}


@pytest.mark.parametrize(
    "name, dataflow, size",
    [
        ("resnet18_32x32_os.csv", Dataflow.OS, 32),
        ("resnet18_128x128_ws.csv", Dataflow.WS, 128),
    ],
)
def test_resnet18_layers_cost_what_scalesim_measured(name, dataflow, size):
    measured = _measured(name)
    layers = resnet18_gemms()
    assert len(layers) == len(measured) == 21
    for layer, m, n, k in layers:
        row = measured[layer]
        assert (m, n, k) == (int(row["M"]), int(row["N"]), int(row["K"])), layer
        got = array_time(compiled(dataflow, size, size, m, n, k))
        assert got == int(row["total_cycles"]) == formula(dataflow, size, size, m, n, k), layer


@pytest.mark.parametrize("dataflow", list(Dataflow))
@pytest.mark.parametrize("size, batch", [(32, 1), (128, 1), (128, 4)])
def test_resnet18_layers_on_all_dataflows(dataflow, size, batch):
    for layer, m, n, k in resnet18_gemms(batch):
        got = array_time(compiled(dataflow, size, size, m, n, k))
        assert got == formula(dataflow, size, size, m, n, k), layer
