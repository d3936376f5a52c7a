"""`fast` fidelity on a 1024 x 1024 x 1024 GEMM: wall time against NumPy in the same run.

    python -m bench.fast_gemm [--size 1024] [--arrays 32 128] [--dtypes int8 bf16] [--cpu]
                              [--runs N]

The program is bench/programs.py's double-buffered tiled GEMM (weight-stationary). The machine
time covers values and cycles (`run_machine`, no trace); building the program is timed apart.
"first" is the program's first run, which also computes its timing (numba's kernels, the
compiled timing loop among them, are loaded before, `chip.machine.precompile`: a one-time cost
of about 0.4 s per process); "again" is the best of two later runs, which take the timing from
the machine's per-program cache. NumPy is float32 matmul of the same operand values, with
BLAS's default threads and with one (ratios: machine / NumPy). ``--cpu`` times every figure in
CPU time of the process instead of wall time: on a machine shared with other jobs, the wall
times of both sides grow with the load, unevenly (NumPy with two threads counts both).
``--runs N`` builds the program N times and reports the best of each figure (a first run is
one sample per program: on a loaded machine one sample is noisy).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from bench.common import bench_chip, numpy_matmul_seconds, operands, peak_rss_mib, run_gemm
from chip.dtypes import DType
from chip.machine.precompile import precompile


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=1024)
    ap.add_argument("--arrays", type=int, nargs="+", default=[32, 128])
    ap.add_argument("--dtypes", nargs="+", default=["int8", "bf16"])
    ap.add_argument("--cpu", action="store_true", help="CPU time of the process, not wall time")
    ap.add_argument("--runs", type=int, default=1, help="programs built; best figures kept")
    args = ap.parse_args()
    clock = time.process_time if args.cpu else time.perf_counter
    n = args.size
    rng = np.random.default_rng(0)
    print(
        f"{'array':>7} {'dtype':>5} {'instrs':>7} {'build s':>8} {'first s':>8} "
        f"{'again s':>8} {'numpy s':>8} {'numpy1 s':>8} {'1st/np':>6} {'1st/np1':>7} "
        f"{'ag/np':>6} {'ag/np1':>6} {'cycles':>9} {'util':>5}"
    )
    for dtype_name in args.dtypes:
        dtype = DType(dtype_name)
        a, b = operands(rng, dtype, n, n, n)
        np_s = numpy_matmul_seconds(a, b, None, clock=clock)
        np1_s = numpy_matmul_seconds(a, b, 1, clock=clock)
        for size in args.arrays:
            cfg = bench_chip(size, dtype)
            precompile()  # every numba kernel, from the disk cache
            runs = [run_gemm(cfg, a, b, repeat=3, clock=clock) for _ in range(args.runs)]
            build_s, first_s, again_s = (min(r[k] for r in runs) for k in range(3))
            res, prog = runs[-1][3:]
            got = res.state.read_tensor(prog.tensor("C"))
            if dtype is DType.INT8:
                want = a.astype(np.int64) @ b.astype(np.int64)
                assert np.array_equal(got, want), "machine result differs from the exact GEMM"
            print(
                f"{size:>3}x{size:<3} {dtype_name:>5} {len(prog.instrs):>7} {build_s:>8.3f} "
                f"{first_s:>8.3f} {again_s:>8.3f} {np_s:>8.3f} {np1_s:>8.3f} "
                f"{first_s / np_s:>6.1f} {first_s / np1_s:>7.1f} "
                f"{again_s / np_s:>6.1f} {again_s / np1_s:>6.1f} "
                f"{res.cycles:>9} {res.counters.pe_utilization:>5.2f}"
            )
    print(
        f"peak RSS {peak_rss_mib():.0f} MiB (operands: A, B {n * n * 4 / 2**20:.0f} MiB each "
        f"as float32)"
    )


if __name__ == "__main__":
    main()
