"""The fused multiply-add MATMUL kernel (chip/machine/fma_kernels.py): the functional model's bits
where its products are exact, and the guard that keeps it from the products that are not."""

from __future__ import annotations

import numpy as np
import pytest

from bench.programs import tiled_gemm
from chip.dtypes import DType, bf16_bits_from_f32, f32_from_bf16_bits
from chip.functional import run_functional
from chip.machine import fma_kernels as fk
from chip.machine import run_machine
from chip.machine.block_kernels import _matmul_f32
from chip.semantics import os_matmul, stationary_matmul
from tests.machine.helpers import chip4


def _bf16(values: np.ndarray) -> np.ndarray:
    """float32 values rounded to bf16 (as float32)."""
    return f32_from_bf16_bits(bf16_bits_from_f32(values.astype(np.float32)))


def _bounds(values: np.ndarray) -> tuple[int, int]:
    bits = bf16_bits_from_f32(values)
    return fk.exponents(bits.reshape(1, -1), 0, 1, bits.size)


@pytest.mark.parametrize("add", [False, True])
def test_the_kernel_gives_the_functional_bits_for_exact_products(add):
    # shapes with full 4 x 16 tiles and both edges; bf16 values of every magnitude whose
    # products stay within float32's normal range, zeros of both signs among them
    rng = np.random.default_rng(0)
    for rows, k, cols in ((37, 16, 35), (8, 4, 16), (16, 32, 48)):
        x = _bf16(rng.standard_normal((rows, k)) * 2.0 ** rng.integers(-50, 50, (rows, k)))
        s = _bf16(rng.standard_normal((k, cols)) * 2.0 ** rng.integers(-50, 50, (k, cols)))
        x[0, :2] = [0.0, -0.0]
        s[1, :3] = [-0.0, 0.0, -0.0]
        assert fk.fma_exact(*_bounds(x), *_bounds(s))
        old = rng.standard_normal((rows, cols)).astype(np.float32)
        old[2, 3] = np.float32("nan")  # a NaN in the accumulator stays
        got = old.copy()
        fk.matmul_fma(x, s, got, np.zeros((0, 0), np.int32), add, False)
        want = stationary_matmul(x, s)
        if add:
            with np.errstate(invalid="ignore"):
                want = np.where(np.isnan(old), old, old + want)
        assert np.array_equal(got.view(np.uint32), want.view(np.uint32))
        got_os = np.zeros((k, cols), np.float32)  # OS: a = x.T, sums over x's rows
        y = s[:k].T.copy()[:, :cols] if cols <= k else None
        if y is not None:
            fk.matmul_fma(x.T, y, got_os[:rows], np.zeros((0, 0), np.int32), False, False)
            assert np.array_equal(got_os[:rows].view(np.uint32), os_matmul(x, y).view(np.uint32))


def test_int8_sums_wrap_onto_the_accumulator():
    rng = np.random.default_rng(1)
    x = rng.integers(-128, 128, (24, 256)).astype(np.float32)
    s = rng.integers(-128, 128, (256, 40)).astype(np.float32)
    old = np.full((24, 40), 2**31 - 5, dtype=np.int32)
    got = old.copy()
    fk.matmul_fma(x, s, np.zeros((0, 0), np.float32), got, True, True)
    exact = old.astype(np.int64) + x.astype(np.int64) @ s.astype(np.int64)
    assert np.array_equal(got, ((exact + 2**31) % 2**32 - 2**31).astype(np.int32))


def test_a_product_below_the_normal_range_is_not_fused():
    # 2^-16 * 2^-133 = 2^-149 and 2^-75 * 2^-75 = 2^-150: unfused, the second product rounds to
    # 0 (a tie, to even) and the sum stays 2^-149; fused, 2^-149 + 2^-150 rounds to 2^-148
    x = np.array([[2.0**-16, 2.0**-75]], dtype=np.float32)
    s = np.array([[2.0**-133], [2.0**-75]], dtype=np.float32)
    fused, unfused = np.zeros((1, 1), np.float32), np.zeros((1, 1), np.float32)
    fk.matmul_fma(x, s, fused, np.zeros((0, 0), np.int32), False, False)
    _matmul_f32(x, s, unfused, False)
    assert unfused[0, 0] == np.float32(2.0**-149) == stationary_matmul(x, s)[0, 0]
    assert fused[0, 0] == np.float32(2.0**-148)
    assert not fk.fma_exact(*_bounds(x), *_bounds(s))


def test_the_guard_admits_exactly_the_normal_range():
    one = _bounds(np.array([1.0], np.float32))
    assert fk.fma_exact(*_bounds(np.array([2.0**-63], np.float32)), *_bounds(np.array([2.0**-63])))
    assert not fk.fma_exact(*_bounds(np.array([2.0**-64])), *_bounds(np.array([2.0**-63])))
    # (2 - 2^-7) 2^63 squared is below 2^128; from exponents alone 2^63 x 2^64 may reach it
    big = _bounds(np.array([2.0**63 * 1.9921875]))
    assert fk.fma_exact(*big, *big)
    assert not fk.fma_exact(*big, *_bounds(np.array([2.0**64])))
    assert not fk.fma_exact(*_bounds(np.array([2.0**64])), *_bounds(np.array([2.0**64])))
    for special in (np.inf, -np.inf, np.nan):
        assert not fk.fma_exact(*_bounds(np.array([special, 1.0])), *one)
    subnormal = _bounds(np.array([2.0**-130], np.float32))
    assert not fk.fma_exact(*subnormal, *one)
    assert fk.fma_exact(*subnormal, *_bounds(np.array([2.0**10])))  # 2^-120: normal
    zeros = _bounds(np.array([0.0, -0.0], np.float32))
    assert zeros[0] == fk.NO_VALUES and fk.fma_exact(*zeros, *_bounds(np.array([2.0**-133])))


@pytest.mark.parametrize("flow", ["ws", "os"])
@pytest.mark.parametrize("dtype", [DType.BF16, DType.FP32])
def test_fast_gemms_with_special_values_match_the_functional_model(flow, dtype):
    # NaN, infinities, signed zeros, subnormals and products that underflow or overflow, in
    # some blocks (which go unfused) and not in others (fused where bf16); fp32 never fuses
    cfg = chip4(flow, input_dtype=dtype).replace(rows=16, cols=16, spad_kib=64, acc_kib=16)
    rng = np.random.default_rng(2)
    a = rng.standard_normal((40, 48)).astype(np.float32)
    b = rng.standard_normal((48, 40)).astype(np.float32)
    a[:8, :16] *= 2.0 ** rng.integers(-70, -60, (8, 16))  # products near 2^-126 and below
    b[:16, :16] *= 2.0 ** rng.integers(-70, -60, (16, 16))
    a[20, 3], a[21, 4], a[22, 5], a[23, 6] = np.nan, np.inf, -np.inf, -0.0
    a[24, 20], b[30, 33] = 1e-39, 3e38  # a subnormal, a product that overflows
    prog = tiled_gemm(cfg, a, b, block_rows=16)
    want = run_functional(prog).state
    got = run_machine(prog, "fast").state
    assert np.array_equal(got.acc.view(np.uint32), want.acc.view(np.uint32))
    assert np.array_equal(got.dram, want.dram)
