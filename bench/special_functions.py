"""Error bounds of the vector unit's special functions (chip/special.py) over binary32 inputs.

Sweeps every ``step``-th binary32 bit pattern (``--step 1``: all 2^32) through EXP, LOG,
SIGMOID, TANH and RSQRT as chip/semantics.py defines them and compares each finite result with
the exact function in float64: the largest error in ulps of the binary32 result (and for TANH
that below |x| = 0.25, its polynomial). The test suite checks the same
bounds on a stratified sample (tests/chip/test_special.py); docs/isa.md carries the figures.

    python -m bench.special_functions [--step 1] [--only EXP LOG]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from chip.isa import VecOp
from chip.semantics import vector_special
from chip.special import ulp_error

EXACT = {
    VecOp.EXP: np.exp,
    VecOp.LOG: np.log,
    VecOp.SIGMOID: lambda v: 1 / (1 + np.exp(-v)),
    VecOp.TANH: np.tanh,
    VecOp.RSQRT: lambda v: 1 / np.sqrt(v),
}
CHUNK = 1 << 22


def sweep(op: VecOp, step: int) -> dict[str, float]:
    """The largest errors of ``op`` over every ``step``-th bit pattern."""
    worst = {"ulp": 0.0, "at": 0.0, "ulp_small": 0.0}
    span = CHUNK * step
    for lo in range(0, 1 << 32, span):
        bits = np.arange(lo, min(lo + span, 1 << 32), step, dtype=np.uint64).astype(np.uint32)
        x = bits.view(np.float32)
        got = vector_special(op, x)
        with np.errstate(all="ignore"):
            exact = EXACT[op](x.astype(np.float64))
        ok = np.isfinite(exact) & (np.abs(exact) <= np.finfo(np.float32).max)
        err = ulp_error(got[ok], exact[ok])
        if err.size and err.max() > worst["ulp"]:
            worst["ulp"], worst["at"] = float(err.max()), float(x[ok][err.argmax()])
        small = np.abs(x[ok]) < 0.25
        if op is VecOp.TANH and small.any():
            worst["ulp_small"] = max(worst["ulp_small"], float(err[small].max()))
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--step", type=int, default=1, help="sweep every STEP-th bit pattern")
    parser.add_argument("--only", nargs="*", default=[op.name for op in EXACT])
    args = parser.parse_args()
    print(f"every {args.step}th binary32 input ({(1 << 32) // args.step:,} inputs)")
    for name in args.only:
        op = VecOp[name]
        start = time.perf_counter()
        w = sweep(op, args.step)
        line = f"{name:8} max {w['ulp']:.4f} ulp (at x = {w['at']:.9g})"
        if op is VecOp.TANH:
            line += f", {w['ulp_small']:.4f} ulp below |x| = 0.25"
        print(f"{line}  [{time.perf_counter() - start:.0f} s]", flush=True)


if __name__ == "__main__":
    main()
