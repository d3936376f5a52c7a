"""chip/special.py's hardware algorithms for the special functions: their error bounds against
float64 on a stratified sample of binary32 inputs (bench/special_functions.py sweeps every
input), and their special values."""

from __future__ import annotations

import numpy as np
import pytest

from chip import special
from chip.isa import VecOp
from chip.semantics import vector_special
from chip.special import ulp_error


def stratified(per_binade: int = 400, seed: int = 0) -> np.ndarray:
    """Binary32 values of both signs: ``per_binade`` random significands in every binade
    (subnormals included) and the binade's edges."""
    rng = np.random.default_rng(seed)
    exps = np.repeat(np.arange(255, dtype=np.uint32), per_binade)
    frac = rng.integers(0, 1 << 23, exps.size, dtype=np.uint32)
    frac[::per_binade] = 0
    frac[1::per_binade] = (1 << 23) - 1
    pos = (exps << 23) | frac
    return np.concatenate([pos, pos | np.uint32(0x80000000)])


def _finite_error(op: VecOp, fn, x: np.ndarray) -> float:
    got = vector_special(op, x.view(np.float32))
    with np.errstate(all="ignore"):
        exact = fn(x.view(np.float32).astype(np.float64))
    ok = np.isfinite(exact) & (np.abs(exact) < np.finfo(np.float32).max)
    assert np.isfinite(got[ok]).all()
    return float(ulp_error(got[ok], exact[ok]).max())


@pytest.mark.parametrize(
    ("op", "fn", "bound"),
    [
        (VecOp.EXP, np.exp, 0.51),
        (VecOp.LOG, np.log, 0.51),
        (VecOp.SIGMOID, lambda v: 1 / (1 + np.exp(-v)), 3.0),
        (VecOp.RSQRT, lambda v: 1 / np.sqrt(v), 1.5),
    ],
)
def test_error_bounds_hold_on_a_stratified_sample(op, fn, bound):
    x = stratified()
    if op is not VecOp.LOG:  # and densely where the result is neither 0 nor infinite
        dense = np.linspace(-104, 89, 400_001, dtype=np.float32).view(np.uint32)
        x = np.concatenate([x, dense])
    else:
        near_one = np.arange(0x3F700000, 0x3F880000, 7, dtype=np.uint32)
        x = np.concatenate([x, near_one])
    assert _finite_error(op, fn, x) <= bound


def test_tanh_error_bounds():
    """TANH: within 0.51 ulp where |x| < 0.25 (the polynomial), 3.5 ulp elsewhere."""
    x = np.concatenate(
        [stratified(), np.linspace(-12, 12, 400_001, dtype=np.float32).view(np.uint32)]
    )
    got = vector_special(VecOp.TANH, x.view(np.float32))
    v = x.view(np.float32).astype(np.float64)
    exact = np.tanh(v)
    ok = ~np.isnan(v)
    err = ulp_error(got[ok], exact[ok])
    assert err.max() <= 3.5
    assert err[np.abs(v[ok]) < 0.25].max() <= 0.51


def _bits(op: VecOp, values) -> list[int]:
    x = np.array(values, dtype=np.uint32).view(np.float32)
    return [int(v) for v in vector_special(op, x).view(np.uint32)]


def test_exp_special_values():
    inf, ninf, nan = 0x7F800000, 0xFF800000, 0x7F800123
    got = _bits(VecOp.EXP, [inf, ninf, nan, 0xFF812345, 0, 0x80000000, 0x42B17218, 0xC2D00000])
    # +inf, +0, NaNs quieted, e**0 == e**-0 == 1, overflow to inf, underflow to +0
    assert got == [inf, 0, nan | special.QUIET, 0xFFC12345, 0x3F800000, 0x3F800000, inf, 0]
    # the smallest subnormal: e**-103.25 is 1.18 * 2**-149
    assert _bits(VecOp.EXP, [np.float32(-103.25).view(np.uint32)]) == [1]


def test_log_special_values():
    inf, ninf = 0x7F800000, 0xFF800000
    got = _bits(VecOp.LOG, [inf, ninf, 0, 0x80000000, 0xBF800000, 0x3F800000, 0x7FA00000, 1])
    assert got[:6] == [inf, special.DEFAULT_NAN, ninf, ninf, special.DEFAULT_NAN, 0]
    assert got[6] == 0x7FE00000  # a NaN keeps its payload, quieted
    assert np.array(got[7], dtype=np.uint32).view(np.float32) == np.float32(np.log(2.0**-149))


def test_composed_functions_special_values():
    inf, ninf, nan = 0x7F800000, 0xFF800000, 0xFF800123
    half, one = 0x3F000000, 0x3F800000
    assert _bits(VecOp.SIGMOID, [inf, ninf, nan, 0, 0x80000000]) == [
        one,
        0,
        nan | special.QUIET,
        half,
        half,
    ]
    # sigmoid(-100) = 3.7e-44 is subnormal, and kept
    assert _bits(VecOp.SIGMOID, [np.float32(-100).view(np.uint32)]) == [27]
    assert _bits(VecOp.TANH, [inf, ninf, nan, 0x80000000, 1]) == [
        one,
        0xBF800000,
        nan | special.QUIET,
        0x80000000,
        1,
    ]
    got = _bits(VecOp.RSQRT, [inf, ninf, 0, 0x80000000, 0xBF800000, 0x40800000])
    assert got == [0, special.DEFAULT_NAN, inf, ninf, special.DEFAULT_NAN, half]
