"""Sweeps on a real Dask cluster: results independent of the worker count, kill -9 and resume,
a failing point among good ones, and the worked example."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from runtime.sweep_cluster import run_sweep
from runtime.sweep_plot import frontiers
from runtime.sweep_run import HOST_COLUMNS
from runtime.sweep_spec import load_spec
from runtime.sweep_store import RESULTS_NAME, read_results

ROOT = Path(__file__).resolve().parents[2]
SPEC = """
name = "t"
chip = "edge"
workloads = ["mlp", "topo.csv", "big.csv"]
batch = [4]
mode = ["inference", "training"]
[grid]
rows = [8, 16]
dataflow = ["ws", "os", "is"]
"""
# Big has 512 MB of input, more than edge's 256 MiB of DRAM: those points fail to compile.
TOPOLOGY = "Layer name, M, N, K,\nL0, 40, 24, 72,\nL1, 12, 30, 20,\n"
BIG = "Layer name, M, N, K,\nBig, 2000000, 16, 64,\n"
POINTS = 3 * 2 * 2 * 3


def spec_file(tmp_path: Path) -> Path:
    (tmp_path / "topo.csv").write_text(TOPOLOGY)
    (tmp_path / "big.csv").write_text(BIG)
    (tmp_path / "spec.toml").write_text(SPEC)
    return tmp_path / "spec.toml"


def without_host_times(rows):
    return [{k: v for k, v in r.items() if k not in HOST_COLUMNS} for r in rows]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """An uninterrupted sweep on two workers."""
    tmp = tmp_path_factory.mktemp("ref")
    computed, done = run_sweep(load_spec(spec_file(tmp)), tmp / "out", workers=2)
    assert (computed, done) == (POINTS, 0)
    return read_results(tmp / "out" / RESULTS_NAME)


@pytest.mark.slow
def test_results_do_not_depend_on_the_worker_count(tmp_path, reference):
    run_sweep(load_spec(spec_file(tmp_path)), tmp_path / "out", workers=1)
    one = read_results(tmp_path / "out" / RESULTS_NAME)
    assert without_host_times(one) == without_host_times(reference)
    assert len(one) == POINTS and [int(r["index"]) for r in one] == list(range(POINTS))
    failed = [r for r in one if r["error"]]
    # the Big layer fails on every chip, inference and training; the sweep went on
    assert len(failed) == POINTS // 3
    assert all(r["workload"] == "big.csv" and "DramOverflow" in r["error"] for r in failed)
    assert all(int(r["cycles"]) > 0 for r in one if not r["error"])


@pytest.mark.slow
def test_kill_9_then_rerun_resumes_without_recomputing(tmp_path, reference):
    spec, out = spec_file(tmp_path), tmp_path / "out"
    cmd = [sys.executable, "-m", "runtime.cli", "sweep", str(spec), "--out", str(out)]
    proc = subprocess.Popen(
        [*cmd, "--workers", "1"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    results = out / RESULTS_NAME
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and proc.poll() is None:
            if results.exists() and results.read_text().count("\n") >= 1 + 4:
                break
            time.sleep(0.02)
        assert proc.poll() is None, "the sweep ended before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        # the cluster's worker processes belong to the killed sweep's session
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    finished = len(read_results(results))
    assert 4 <= finished < POINTS
    rerun = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    m = re.search(r"(\d+) points \((\d+) computed now in .* (\d+) already finished", rerun.stdout)
    assert m is not None, rerun.stdout
    assert (int(m[1]), int(m[2]), int(m[3])) == (POINTS, POINTS - finished, finished)
    rows = read_results(results)
    assert len({r["key"] for r in rows}) == len(rows) == POINTS
    assert without_host_times(rows) == without_host_times(reference)
    again = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert f"{POINTS} points (0 computed now" in again.stdout


@pytest.mark.slow
def test_worked_example_runs_and_plots(tmp_path):
    out = tmp_path / "small"
    cmd = [sys.executable, "-m", "runtime.cli", "sweep", "examples/sweep_small.toml"]
    done = subprocess.run(
        [*cmd, "--out", str(out), "--plot"], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    rows = read_results(out / RESULTS_NAME)
    assert len(rows) == 48 and not any(r["error"] for r in rows)
    gemm = [r for r in rows if r["workload"] == "Resnet18.csv:Conv4_s"]
    # Conv4_s: 28x28x128 -> 14x14x256 with a 1x1 stride-2 filter, 8 images
    assert len(gemm) == 24 and {int(r["macs"]) for r in gemm} == {8 * 14 * 14 * 256 * 128}
    for r in rows:
        peak = int(r["rows"]) * int(r["cols"])
        # useful MACs: packed convolution bands make the array multiply zero weights too
        assert int(r["useful_macs"]) <= int(r["macs"])
        assert float(r["utilization"]) == pytest.approx(
            int(r["useful_macs"]) / (peak * int(r["cycles"])), abs=1e-6
        )
        assert 0 < float(r["roofline_efficiency"]) <= 1
    png = out / "pareto-cycles-energy_j.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    fronts = frontiers(rows, "cycles", "dram_bytes")
    for front in fronts.values():
        for f in front:  # no point of the same group is at least as good in both and different
            assert not any(
                int(r["cycles"]) <= int(f["cycles"])
                and int(r["dram_bytes"]) <= int(f["dram_bytes"])
                and (r["cycles"], r["dram_bytes"]) != (f["cycles"], f["dram_bytes"])
                for r in rows
                if (r["workload"], r["mode"], r["batch"]) == (f["workload"], f["mode"], f["batch"])
            )
            assert f"{int(f['cycles']):,}" in done.stdout  # the printed frontier table
    with open(out / "spec.toml") as f:
        assert f.read() == (ROOT / "examples" / "sweep_small.toml").read_text()


@pytest.mark.slow
def test_an_existing_cluster_runs_the_points(tmp_path, reference):
    from distributed import LocalCluster

    # Stands for a Slurm/Kubernetes cluster: the sweep only sees the scheduler's address.
    with LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=False,
        protocol="tcp",
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        spec = load_spec(spec_file(tmp_path))
        computed, _ = run_sweep(spec, tmp_path / "out", scheduler=cluster.scheduler_address)
    assert computed == POINTS
    rows = read_results(tmp_path / "out" / RESULTS_NAME)
    assert without_host_times(rows) == without_host_times(reference)
    with pytest.raises(ValueError, match="--workers starts a local cluster"):
        run_sweep(spec, tmp_path / "other", workers=2, scheduler="tcp://127.0.0.1:1")
