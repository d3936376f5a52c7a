"""Run a compiled program file through `systolic run` on the RTL and on the `pe` machine and
check that they agree: cycles, the fidelity the report names, and every output file."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from runtime.cli import main


def assert_rtl_run_equals_pe(path: Path, tmp_path: Path) -> None:
    """`systolic run PATH --random-inputs` with ``--fidelity rtl`` (Verilator) and ``pe``: the
    co-simulation itself raises at the first instruction whose cycles, accumulator or DRAM
    differ; here the two runs' total cycles and every saved output must be equal."""
    runs = {}
    for fidelity in ("rtl", "pe"):
        out = tmp_path / fidelity
        argv = ["run", path, "--fidelity", fidelity, "--random-inputs", "--out", out]
        assert main([*map(str, argv), "--no-plots"]) == 0
        runs[fidelity] = out
    report = json.loads((runs["rtl"] / "report.json").read_text())
    assert report["fidelity"] == "rtl (verilator)"
    pe_report = json.loads((runs["pe"] / "report.json").read_text())
    assert report["total"]["cycles"] == pe_report["total"]["cycles"] > 0
    outputs = sorted(runs["pe"].glob("*.npy"))
    assert outputs
    for f in outputs:
        assert np.array_equal(np.load(f), np.load(runs["rtl"] / f.name)), f.name
