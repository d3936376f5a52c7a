"""`systolic scalesim`: SCALE-Sim's own inputs on the command line reproduce the cycles and
utilizations SCALE-Sim v3 measured (tests/data/scalesim), and bad inputs give one line."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from runtime.cli import main
from runtime.scalesim_io import read_config, read_topology

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "scalesim"
CONFIGS = ROOT / "examples" / "scalesim"


def run_cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def fails(capsys, pattern, *argv):
    code, out, err = run_cli(capsys, *argv)
    assert code == 1, (code, out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert pattern in lines[0], lines[0]


def compute_report(path: Path) -> list[dict[str, str]]:
    """SCALE-Sim's COMPUTE_REPORT.csv read the way its users read it (", " and a trailing ",")."""
    with open(path) as f:
        rows = [[c.strip() for c in row if c.strip()] for row in csv.reader(f)]
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


@pytest.mark.parametrize(
    "cfg, reference",
    [
        ("scalesim_32x32_os.cfg", "resnet18_32x32_os.csv"),
        ("scalesim_128x128_ws.cfg", "resnet18_128x128_ws.csv"),
    ],
)
def test_resnet18_reproduces_scalesim_on_every_layer(capsys, tmp_path, cfg, reference):
    code, out, err = run_cli(
        capsys,
        "scalesim",
        DATA / "Resnet18.csv",
        "-c",
        CONFIGS / cfg,
        "--scalesim-rounding",
        "--out",
        tmp_path,
    )
    assert code == 0, err
    with open(DATA / reference) as f:
        want = list(csv.DictReader(f))
    got = compute_report(tmp_path / "COMPUTE_REPORT.csv")
    assert len(got) == len(want) == 21
    assert list(got[0]) == [
        "LayerID",
        "Total Cycles",
        "Stall Cycles",
        "Overall Util %",
        "Mapping Efficiency %",
        "Compute Util %",
    ]
    for g, w in zip(got, want, strict=True):
        assert int(g["LayerID"]) == int(w["layer_id"])
        assert int(g["Total Cycles"]) == int(w["total_cycles"]), w["layer_name"]
        assert int(g["Stall Cycles"]) == int(w["stall_cycles"]) == 0
        for ours, theirs in (
            ("Overall Util %", "overall_util_pct"),
            ("Mapping Efficiency %", "mapping_eff_pct"),
            ("Compute Util %", "compute_util_pct"),
        ):
            assert float(g[ours]) == pytest.approx(float(w[theirs]), abs=1e-4), w["layer_name"]
        assert w["layer_name"] in out  # the printed table names every layer
    total = sum(int(w["total_cycles"]) for w in want)
    assert f"{total:,}" in out


def test_rounding_option_changes_only_strided_convs():
    layers = read_topology(DATA / "Resnet18.csv")
    conv1 = next(la for la in layers if la.name == "Conv1")
    assert conv1.mnk(scalesim_rounding=True) == (110 * 110, 64, 147)
    assert conv1.mnk() == (109 * 109, 64, 147)  # a valid 7x7/2 conv of 224
    conv2 = next(la for la in layers if la.name == "Conv2_1a")
    assert conv2.mnk() == conv2.mnk(scalesim_rounding=True) == (54 * 54, 64, 576)
    assert conv1.mnk(batch=4)[0] == 4 * 109 * 109


def test_gemm_topology_and_default_config(capsys, tmp_path):
    topo = tmp_path / "mnk.csv"
    topo.write_text("Layer name, M, N, K,\nL0, 40, 24, 72,\nL1, 3, 100, 9,\n")
    assert [la.mnk() for la in read_topology(topo)] == [(40, 24, 72), (3, 100, 9)]
    code, out, err = run_cli(capsys, "scalesim", topo, "--out", tmp_path / "o")
    assert code == 0, err
    got = compute_report(tmp_path / "o" / "COMPUTE_REPORT.csv")
    # SCALE-Sim's default array (32 x 32 os): folds x (T + R + C - 2) - 1
    assert [int(r["Total Cycles"]) for r in got] == [2 * 1 * (72 + 62) - 1, 1 * 4 * (9 + 62) - 1]
    assert "32x32 os" in out


def test_config_keys_are_case_insensitive_and_unused_ones_listed(tmp_path):
    cfg = tmp_path / "a.cfg"
    cfg.write_text(
        "[architecture_presets]\narrayheight = 8\nARRAYWIDTH : 4\ndataflow: IS\nBandwidth: 3\n"
    )
    got = read_config(cfg)
    assert (got.rows, got.cols, got.dataflow.value, got.run_name) == (8, 4, "is", "a")
    assert got.ignored == ("[architecture_presets] Bandwidth",)


@pytest.mark.parametrize(
    "topology, cfg, pattern",
    [
        ("Layer name, M, N, K,\nL0, 4, x, 2,\n", None, "line 2: N must be a positive integer"),
        ("Layer name, M, N, K,\nL0, 4, 2,\n", None, "line 2: 3 cells, expected 4"),
        ("a,b\n1,2\n", None, "line 1: not a SCALE-Sim topology header"),
        ("Layer name, M, N, K,\n", None, "has a header but no layers"),
        (
            "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, "
            "Num Filter, Strides,\nc, 2, 8, 3, 3, 1, 1, 1,\n",
            None,
            "line 2: Filter Height 3 is larger than IFMAP Height 2",
        ),
        ("Layer name, M, N, K,\nL0, 4, 2, 2,\nL0, 1, 1, 1,\n", None, "'L0' appears more than once"),
        ("Layer name, M, N, K,\nL0, 4, 2, 2,\n", "[general]\n", "no [architecture_presets]"),
        (
            "Layer name, M, N, K,\nL0, 4, 2, 2,\n",
            "[architecture_presets]\nArrayHeight: 512\nArrayWidth: 4\n",
            "ArrayHeight must be an integer from 1 to 256, not '512'",
        ),
        (
            "Layer name, M, N, K,\nL0, 4, 2, 2,\n",
            "[architecture_presets]\nArrayHeight: 4\nArrayWidth: 4\nDataflow: rs\n",
            "Dataflow must be one of ws, os, is, not 'rs'",
        ),
        ("Layer name, M, N, K,\nL0, 4, 2, 2,\n", "no sections here\n", "is not a SCALE-Sim"),
    ],
)
def test_bad_inputs_give_one_line(capsys, tmp_path, topology, cfg, pattern):
    topo = tmp_path / "t.csv"
    topo.write_text(topology)
    argv = ["scalesim", topo, "--out", tmp_path / "o"]
    if cfg is not None:
        (tmp_path / "c.cfg").write_text(cfg)
        argv += ["-c", tmp_path / "c.cfg"]
    fails(capsys, pattern, *argv)
    assert not (tmp_path / "o").exists()


def test_missing_files(capsys, tmp_path):
    fails(capsys, "topology file", "scalesim", tmp_path / "none.csv")
    topo = tmp_path / "t.csv"
    topo.write_text("Layer name, M, N, K,\nL0, 4, 2, 2,\n")
    fails(capsys, "config file", "scalesim", topo, "-c", tmp_path / "none.cfg")
