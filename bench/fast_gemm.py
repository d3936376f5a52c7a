"""`fast` fidelity on a 1024 x 1024 x 1024 GEMM: wall time against NumPy in the same run.

    python -m bench.fast_gemm [--size 1024] [--arrays 32 128] [--dtypes int8 bf16]

The program is bench/programs.py's double-buffered tiled GEMM (weight-stationary). The machine
time covers values and cycles (`run_machine`, no trace); building the program is timed apart.
NumPy is float32 matmul of the same operand values, with BLAS's default threads and with one.
"""

from __future__ import annotations

import argparse

import numpy as np

from bench.common import bench_chip, numpy_matmul_seconds, operands, peak_rss_mib, run_gemm
from chip.dtypes import DType


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=1024)
    ap.add_argument("--arrays", type=int, nargs="+", default=[32, 128])
    ap.add_argument("--dtypes", nargs="+", default=["int8", "bf16"])
    args = ap.parse_args()
    n = args.size
    rng = np.random.default_rng(0)
    print(f"{'array':>7} {'dtype':>5} {'instrs':>7} {'build s':>8} {'machine s':>9} "
          f"{'numpy s':>8} {'ratio':>6} {'numpy1 s':>8} {'ratio1':>6} {'cycles':>9} {'util':>5}")
    for dtype_name in args.dtypes:
        dtype = DType(dtype_name)
        a, b = operands(rng, dtype, n, n, n)
        np_s = numpy_matmul_seconds(a, b, None)
        np1_s = numpy_matmul_seconds(a, b, 1)
        for size in args.arrays:
            cfg = bench_chip(size, dtype)
            # best of two runs: the first one also loads numba's compiled-code cache
            build_s, run_s, res, prog = run_gemm(cfg, a, b, repeat=2)
            got = res.state.read_tensor(prog.tensor("C"))
            if dtype is DType.INT8:
                want = a.astype(np.int64) @ b.astype(np.int64)
                assert np.array_equal(got, want), "machine result differs from the exact GEMM"
            print(f"{size:>3}x{size:<3} {dtype_name:>5} {len(prog.instrs):>7} {build_s:>8.3f} "
                  f"{run_s:>9.3f} {np_s:>8.3f} {run_s / np_s:>6.1f} {np1_s:>8.3f} "
                  f"{run_s / np1_s:>6.1f} {res.cycles:>9} {res.counters.pe_utilization:>5.2f}")
    print(f"peak RSS {peak_rss_mib():.0f} MiB (operands: A, B {n * n * 4 / 2**20:.0f} MiB each "
          f"as float32)")


if __name__ == "__main__":
    main()
