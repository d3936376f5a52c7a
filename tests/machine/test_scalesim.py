"""The SCALE-Sim-compatible configuration reproduces SCALE-Sim v3's compute cycles."""

import csv
import math
from pathlib import Path

import pytest

from chip.config import Dataflow
from chip.machine import run_machine
from chip.machine.scalesim import fold_shape, scalesim_config, scalesim_gemm

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "scalesim"


def formula(dataflow: Dataflow, rows: int, cols: int, m: int, n: int, k: int) -> int:
    """SCALE-Sim v3 "Total Cycles": folds x per-fold cycles, minus one (a 0-based index)."""
    if dataflow is Dataflow.OS:
        sr, sc, t = m, n, k
        per_fold = t + rows + cols - 2
    else:
        sr, sc, t = (k, n, m) if dataflow is Dataflow.WS else (k, m, n)
        per_fold = 2 * rows + cols + t - 2
    return math.ceil(sr / rows) * math.ceil(sc / cols) * per_fold - 1


def machine_total(
    dataflow: Dataflow, rows: int, cols: int, m: int, n: int, k: int, fidelity: str = "fast"
) -> int:
    t = fold_shape(dataflow, m, n, k)[2]
    prog, state = scalesim_gemm(scalesim_config(rows, cols, dataflow, t), m, n, k)
    return run_machine(prog, fidelity, state, trace=False).cycles - 1


@pytest.mark.parametrize("dataflow", list(Dataflow))
@pytest.mark.parametrize("rows, cols", [(4, 4), (8, 16), (16, 8), (5, 3)])
@pytest.mark.parametrize("m, n, k", [(1, 1, 1), (10, 7, 9), (33, 20, 17), (64, 64, 64)])
def test_gemm_shapes_match_the_formula(dataflow, rows, cols, m, n, k):
    assert machine_total(dataflow, rows, cols, m, n, k) == formula(dataflow, rows, cols, m, n, k)


@pytest.mark.parametrize("dataflow", list(Dataflow))
def test_pe_fidelity_agrees(dataflow):
    assert machine_total(dataflow, 4, 6, 9, 11, 7, "pe") == formula(dataflow, 4, 6, 9, 11, 7)


def _reference_rows(name: str) -> list[dict[str, str]]:
    with open(REFERENCE / name) as f:
        return list(csv.DictReader(f))


def _check_layer(row: dict[str, str]) -> None:
    df = Dataflow(row["dataflow"])
    m, n, k, r, c = (int(row[x]) for x in ("M", "N", "K", "rows", "cols"))
    got = machine_total(df, r, c, m, n, k)
    assert got == int(row["total_cycles"]) == int(row["formula_cycles"]), row["layer_name"]


@pytest.mark.parametrize("name", ["resnet18_128x128_ws.csv", "resnet18_32x32_os.csv"])
def test_all_resnet18_layers_measured_by_scalesim(name):
    rows = _reference_rows(name)
    assert len(rows) == 21
    for row in rows:
        _check_layer(row)


def test_realistic_configuration_is_faster_with_double_buffering():
    # Same folds with the stationary tile double-buffered: each fold after the first hides its
    # R preload cycles under the previous MATMUL (docs/timing.md, SCALE-Sim compatibility).
    m, n, k = 40, 8, 16
    cfg = scalesim_config(4, 4, Dataflow.WS, m).replace(double_buffer_stationary=True)
    prog, state = scalesim_gemm(cfg, m, n, k)
    folds = 4 * 2
    assert run_machine(prog, state=state).cycles == folds * (m + 4 + 4 - 2) + 4
