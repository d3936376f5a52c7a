"""The 1,000-point design-space sweep on Dask, timed with 1 and 2 workers in the same run.

    python -m bench.sweep [--spec bench/sweep_resnet18.toml] [--workers 1 2] [--samples N]

The spec (bench/sweep_resnet18.toml): ResNet-18's 21 layers from SCALE-Sim's topology x 10
array shapes x 3 dataflows x batch sizes 1 and 2, 1,000 points drawn with seed 0; each point
compiles its layer for its chip and runs it on the `fast` machine (runtime/sweep_run.py). Each
worker count gets a fresh local cluster and results directory, so every point is computed in
each run; the wall time covers the cluster's start, all points and its shutdown. numba's
kernels are compiled (or loaded from its cache) once before the timed runs. The rows of the
runs must be equal but for the host times: that is checked. The load average before and after
each run is printed: on a shared machine, figures are only comparable at similar loads.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import tempfile
import time
from pathlib import Path

from runtime.sweep_cluster import run_sweep
from runtime.sweep_run import HOST_COLUMNS, run_point
from runtime.sweep_spec import load_spec
from runtime.sweep_store import RESULTS_NAME, read_results

SPEC = Path(__file__).parent / "sweep_resnet18.toml"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spec", default=str(SPEC))
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--samples", type=int, default=None, help="override the spec's samples")
    args = ap.parse_args()
    spec = load_spec(args.spec)
    if args.samples is not None:
        spec = dataclasses.replace(spec, samples=args.samples)
    points = spec.points()
    run_point(points[0])  # numba's kernels into its on-disk cache, before any timed run
    print(f"{len(points)} points of {spec.grid_size} ({spec.path}), {os.cpu_count()} cores")
    results, seconds = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.workers:
            out = Path(tmp) / f"workers-{n}"
            load_before = os.getloadavg()[0]
            start = time.perf_counter()
            computed, _ = run_sweep(spec, out, workers=n)
            seconds[n] = time.perf_counter() - start
            rows = read_results(out / RESULTS_NAME)
            assert computed == len(rows) == len(points)
            results[n] = [{k: v for k, v in r.items() if k not in HOST_COLUMNS} for r in rows]
            failed = sum(bool(r["error"]) for r in rows)
            host = sum(float(r["compile_s"] or 0) + float(r["run_s"] or 0) for r in rows)
            cpu = sum(float(r["cpu_s"] or 0) for r in rows)
            print(
                f"{n} worker(s): {seconds[n]:.1f} s wall, {len(rows) / seconds[n]:.2f} points/s, "
                f"{failed} failed; inside the points {host:.1f} s wall, {cpu:.1f} s CPU "
                f"(idle-machine estimate: {cpu / n:.1f} s + start-up); load average "
                f"{load_before:.1f} -> {os.getloadavg()[0]:.1f}"
            )
    first = args.workers[0]
    for n in args.workers[1:]:
        assert results[n] == results[first], f"{n} workers gave other rows than {first}"
        print(f"speed-up {first} -> {n} workers: {seconds[first] / seconds[n]:.2f}x (same rows)")


if __name__ == "__main__":
    main()
