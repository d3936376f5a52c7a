"""`pe` fidelity speed: PE register updates per second on 16x16 and 128x128 arrays (one core).

    python -m bench.pe_speed

Two figures per array: the numba kernels alone (one long MATMUL), and a whole tiled GEMM through
`run_machine(fidelity="pe")` (kernels plus the machine, DMA and value checks around them). A PE
update is one PE stepping all of its registers for one cycle. Target: 2e8 updates/s.
"""

from __future__ import annotations

import numpy as np

from bench.common import bench_chip, operands, timed
from bench.programs import tiled_gemm
from chip.dtypes import DType
from chip.machine import pe_kernels, run_machine

TARGET = 2e8


def kernel_rate(size: int, t: int, dtype: type) -> tuple[float, float]:
    """(PE updates/s, array cycles/s) of the WS/IS kernel streaming ``t`` rows."""
    rng = np.random.default_rng(0)
    x = rng.integers(-128, 128, (t, size)).astype(dtype)
    w = rng.integers(-128, 128, (size, size)).astype(dtype)
    out = np.zeros((t, size), dtype=dtype)
    pe_kernels.stationary_array(x, w, out)  # compile or load the cache
    secs, (cycles, _) = timed(lambda: pe_kernels.stationary_array(x, w, out), repeat=3)
    return cycles * size * size / secs, cycles / secs


def os_kernel_rate(size: int, t: int) -> float:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((t, size)).astype(np.float32)
    y = rng.standard_normal((t, size)).astype(np.float32)
    out = np.zeros((size, size), dtype=np.float32)
    pe_kernels.output_stationary_array(x, y, out, size, size, True)
    secs, (cycles, _) = timed(
        lambda: pe_kernels.output_stationary_array(x, y, out, size, size, True), repeat=3
    )
    return cycles * size * size / secs


def machine_rate(size: int, n: int) -> tuple[float, float, int]:
    """(PE updates/s, wall s, cycles) of an n x n x n bf16 GEMM run with fidelity="pe"."""
    cfg = bench_chip(size, DType.BF16)
    a, b = operands(np.random.default_rng(0), DType.BF16, n, n, n)
    prog = tiled_gemm(cfg, a, b)
    run_machine(prog, "pe", trace=False)  # load the numba cache
    secs, res = timed(lambda: run_machine(prog, "pe", trace=False), repeat=2)
    fast = run_machine(prog, "fast", trace=False)
    assert fast.cycles == res.cycles and fast.counters == res.counters
    return res.pe_updates / secs, secs, res.cycles


def main() -> None:
    print(f"target {TARGET:.0e} PE updates/s")
    for size, t in ((16, 8192), (128, 1024)):
        f32, cps = kernel_rate(size, t, np.float32)
        i64, _ = kernel_rate(size, t, np.int64)
        osr = os_kernel_rate(size, t)
        print(
            f"{size:>3}x{size:<3} kernel WS fp32 {f32:.2e}/s ({cps:.3g} cycles/s), "
            f"WS int {i64:.2e}/s, OS fp32 {osr:.2e}/s"
        )
    for size, n in ((16, 256), (128, 512)):
        rate, secs, cycles = machine_rate(size, n)
        print(
            f"{size:>3}x{size:<3} run_machine pe, {n}^3 bf16 GEMM: {rate:.2e} updates/s "
            f"({secs:.2f} s for {cycles} cycles; fast fidelity: same cycles and counters)"
        )


if __name__ == "__main__":
    main()
