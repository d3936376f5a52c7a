"""Chains of MATMUL folds (chip/machine/chains.py) applied in one pass by
chip/machine/fma_kernels.py's `matmul_chain`: the bits of the folds one by one, and of the
functional model on GEMMs whose folds form chains."""

from __future__ import annotations

import numpy as np
import pytest

from bench.programs import tiled_gemm
from chip.dtypes import DType, bf16_bits_from_f32, f32_from_bf16_bits
from chip.functional import run_functional
from chip.machine import fma_kernels as fk
from chip.machine import replay_kernel as rk
from chip.machine import run_machine
from chip.machine.replay import replay_of
from chip.machine.schedule import schedule_of
from chip.machine.values import value_plan_of
from tests.machine.helpers import chip4

NO_F, NO_I = np.zeros((0, 0), np.float32), np.zeros((0, 0), np.int32)


def _bf16(values: np.ndarray) -> np.ndarray:
    """Values rounded to bf16 (as float32)."""
    return f32_from_bf16_bits(bf16_bits_from_f32(values.astype(np.float32)))


@pytest.mark.parametrize("add", [False, True])
def test_a_chain_gives_the_bits_of_its_folds_one_by_one(add):
    # 37 x 35 blocks: full tiles and both edges; sums that overflow to both infinities, so
    # that a later fold turns the total into a NaN; an accumulator NaN that stays
    rng = np.random.default_rng(0)
    n, t, k, cols = 5, 37, 16, 35
    xs = _bf16(rng.standard_normal((n, t, k)))
    ss = _bf16(rng.standard_normal((n, k, cols)))
    xs[1:4:2, :9, :] = 2.0**60  # products 2^126: exact, their sums overflow
    ss[1, :, :17] = 2.0**66  # fold 1: +inf in rows :9, columns :17
    ss[3, :, :17] = -(2.0**66)  # fold 3: -inf there, the total a NaN
    old = rng.standard_normal((t, cols)).astype(np.float32)
    old[20, 30] = old[2, 3] = np.float32("nan")
    want, got = old.copy(), old.copy()
    for f in range(n):
        fk.matmul_fma(xs[f], ss[f], want, NO_I, add or f > 0, False)
    fk.matmul_chain(xs, ss, got, NO_I, add, False)
    assert np.isnan(want[:9, :17]).all() and np.isnan(want[20, 30]) == add
    assert np.array_equal(got.view(np.uint32), want.view(np.uint32))


@pytest.mark.parametrize("add", [False, True])
def test_an_int8_chain_is_exact_past_float32_exact_terms_and_wraps(add):
    rng = np.random.default_rng(1)
    n, t, k, cols = 12, 24, 128, 40  # 1536 terms: float32 sums flushed at 1024
    xs = np.full((n, t, k), -128, np.float32)
    ss = np.full((n, k, cols), -128, np.float32)
    xs[:, 8:] = rng.integers(-128, 128, (n, t - 8, k))
    old = rng.integers(-(2**31), 2**31, (t, cols)).astype(np.int32)
    got = old.copy()
    fk.matmul_chain(xs, ss, NO_F, got, add, True)
    exact = np.einsum("ftk,fkc->tc", xs.astype(np.int64), ss.astype(np.int64))
    want = exact + (old.astype(np.int64) if add else 0)
    assert np.array_equal(got, ((want + 2**31) % 2**32 - 2**31).astype(np.int32))


@pytest.mark.parametrize("dtype", [DType.INT8, DType.BF16])
def test_gemm_folds_form_chains_and_give_the_functional_bits(dtype):
    # K = 72 on 16 rows: 4 full folds chained, the last one of 8 rows alone
    cfg = chip4("ws", input_dtype=dtype).replace(rows=16, cols=16, spad_kib=64, acc_kib=16)
    rng = np.random.default_rng(2)
    if dtype is DType.INT8:
        a, b = rng.integers(-128, 128, (40, 72)), rng.integers(-128, 128, (72, 40))
    else:
        a = rng.standard_normal((40, 72)).astype(np.float32)
        b = rng.standard_normal((72, 40)).astype(np.float32)
        b[20, 5] = np.inf  # one fold not exact: that chain goes fold by fold
    prog = tiled_gemm(cfg, a, b, block_rows=24)
    plan = value_plan_of(prog, schedule_of(prog), None)
    code = replay_of(prog, plan, None).code
    folds = code[code[:, rk.F_KIND] == rk.R_MATMUL, rk.F_FOLDS]
    assert folds.max() == 4 and (folds <= 1).sum() == len(folds) // 5
    want = run_functional(prog).state
    got = run_machine(prog, "fast").state
    assert np.array_equal(got.acc.view(np.uint32), want.acc.view(np.uint32))
    assert np.array_equal(got.dram, want.dram)
