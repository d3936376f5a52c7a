"""`fast` fidelity on the 21 conv/FC layers of ResNet-18 as GEMMs, against NumPy in the same run.

    python -m bench.resnet18 [--arrays 32 128] [--dtype int8] [--per-layer]

Two measurements per array size:
- realistic: bench/programs.py's double-buffered tiled GEMM on the train-128-derived chip
  (operands in DRAM; by default the dataflow of SCALE-Sim's reference run for that array: output-
  stationary on 32x32, weight-stationary on 128x128), values and cycles, each layer's first run
  (which computes its timing; numba's kernels are loaded before, a one-time 0.4 s per process)
  and a second run (timing from the machine's cache); NumPy float32 matmul of the same operands
  for comparison;
- SCALE-Sim-compatible (chip/machine/scalesim.py): compute cycles as SCALE-Sim v3 counts them,
  checked against tests/data/scalesim where a reference exists (128x128 ws,
  32x32 os) and against SCALE-Sim's formula otherwise.
"""

from __future__ import annotations

import argparse
import csv
import math
import time

import numpy as np

from bench.common import (
    SCALESIM_REFERENCE,
    bench_chip,
    numpy_matmul_seconds,
    operands,
    peak_rss_mib,
    resnet18_gemms,
    run_gemm,
)
from chip.config import Dataflow
from chip.dtypes import DType
from chip.machine import run_machine
from chip.machine.engine import warm_up
from chip.machine.scalesim import fold_shape, scalesim_config, scalesim_gemm

REFERENCE = SCALESIM_REFERENCE
SCALESIM_DATAFLOW = {128: Dataflow.WS, 32: Dataflow.OS}  # the references measured


def realistic(size: int, dtype: DType, dataflow: Dataflow, per_layer: bool) -> None:
    rng = np.random.default_rng(0)
    cfg = bench_chip(size, dtype, dataflow)
    run_gemm(cfg, *operands(rng, dtype, 8, 8, 8), repeat=1)  # load numba's cache once
    warm_up()  # and the compiled timing loop (chip/machine/engine.py)
    tot = dict(build=0.0, first=0.0, again=0.0, numpy=0.0, numpy1=0.0, cycles=0, instrs=0, macs=0)
    for name, m, n, k in resnet18_gemms():
        a, b = operands(rng, dtype, m, k, n)
        build_s, first_s, again_s, res, prog = run_gemm(cfg, a, b, repeat=2, layer=name)
        np_s = numpy_matmul_seconds(a, b, None, repeat=3)
        np1_s = numpy_matmul_seconds(a, b, 1, repeat=3)
        if dtype is DType.INT8:
            want = a.astype(np.int64) @ b.astype(np.int64)
            assert np.array_equal(res.state.read_tensor(prog.tensor("C")), want), name
        for key, v in (
            ("build", build_s),
            ("first", first_s),
            ("again", again_s),
            ("numpy", np_s),
            ("numpy1", np1_s),
            ("cycles", res.cycles),
            ("instrs", len(prog.instrs)),
            ("macs", res.counters.macs),
        ):
            tot[key] += v
        if per_layer:
            print(
                f"  {name:9} M={m:6} N={n:5} K={k:5} instrs={len(prog.instrs):6} "
                f"build={build_s:.3f}s first={first_s:.3f}s again={again_s:.3f}s "
                f"numpy={np_s:.4f}s cycles={res.cycles} util={res.counters.pe_utilization:.2f}"
            )
    util = tot["macs"] / (size * size * tot["cycles"])
    wall = tot["build"] + tot["first"]
    print(
        f"realistic {size}x{size} {dataflow.value} {dtype.value}: {tot['instrs']} "
        f"instructions, build {tot['build']:.2f} s + first run {tot['first']:.2f} s = "
        f"{wall:.2f} s (ratio {wall / tot['numpy']:.1f} to NumPy {tot['numpy']:.3f} s, "
        f"{wall / tot['numpy1']:.1f} to NumPy on one thread {tot['numpy1']:.3f} s); "
        f"again with cached timing {tot['again']:.2f} s (ratios "
        f"{tot['again'] / tot['numpy']:.1f}, {tot['again'] / tot['numpy1']:.1f}); "
        f"{tot['cycles']} cycles, PE utilization {util:.2f}"
    )


def scalesim(size: int, df: Dataflow) -> None:
    ref_file = REFERENCE / f"resnet18_{size}x{size}_{df.value}.csv"
    reference = {}
    if ref_file.exists():
        with open(ref_file) as f:
            reference = {r["layer_name"]: int(r["total_cycles"]) for r in csv.DictReader(f)}
    t0 = time.perf_counter()
    total, matched = 0, 0
    for name, m, n, k in resnet18_gemms():
        sr, sc, t = fold_shape(df, m, n, k)
        prog, state = scalesim_gemm(scalesim_config(size, size, df, t), m, n, k)
        got = run_machine(prog, "fast", state, trace=False).cycles - 1
        per = t + 2 * size - 2 if df is Dataflow.OS else 3 * size + t - 2
        want = reference.get(name, math.ceil(sr / size) * math.ceil(sc / size) * per - 1)
        matched += got == want
        total += got
    wall = time.perf_counter() - t0
    source = ref_file.name if reference else "SCALE-Sim's formula"
    print(
        f"SCALE-Sim-compatible {size}x{size} {df.value}: {matched}/21 layers equal to "
        f"{source}, {total} cycles in all, {wall:.2f} s"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--arrays", type=int, nargs="+", default=[32, 128])
    ap.add_argument("--dtype", default="int8")
    ap.add_argument(
        "--dataflow",
        choices=["ws", "os", "is"],
        default=None,
        help="default: the reference's (os on 32x32, ws on 128x128, else ws)",
    )
    ap.add_argument("--per-layer", action="store_true")
    args = ap.parse_args()
    for size in args.arrays:
        df = Dataflow(args.dataflow) if args.dataflow else SCALESIM_DATAFLOW.get(size, Dataflow.WS)
        realistic(size, DType(args.dtype), df, args.per_layer)
        scalesim(size, df)
    print(f"peak RSS {peak_rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
