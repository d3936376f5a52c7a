"""`float_into` and `int_into`: the kernels writing or accumulating straight into accumulator
rows give the bits of chip/semantics.py's product followed by its write or `accumulate`."""

import numpy as np
import pytest

from chip.dtypes import DType, to_storage
from chip.machine.block_kernels import float_into, int_into
from chip.semantics import accumulate, os_matmul, stationary_matmul
from tests.machine.test_block_kernels import _floats


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("os_flow", [False, True])
def test_into_strided_accumulator_rows(seed, os_flow):
    rng = np.random.default_rng(seed)
    t, r, c = (int(v) for v in rng.integers(1, 40, 3))  # 4 x 16 tiles and their edges
    bf16, special, add = seed % 2 == 0, seed % 3 == 0, seed % 4 < 2
    x, s = _floats(rng, (t, r), special, bf16), _floats(rng, (r, c), special, bf16)
    y = _floats(rng, (t, c), special, bf16)
    other = y if os_flow else s
    out_rows = r if os_flow else t
    acc = _floats(rng, (out_rows + 3, 48), special, False)  # rows wider than the block
    with np.errstate(all="ignore"):
        p = os_matmul(x, y) if os_flow else stationary_matmul(x, s)
        want = acc.copy()
        want[2 : 2 + out_rows, :c] = accumulate(acc[2 : 2 + out_rows, :c], p) if add else p
        # raw scratchpad storage: bf16 bits, or fp32 values
        raw = (lambda v: to_storage(v, DType.BF16)) if bf16 else (lambda v: v)
        rows = np.zeros((t, 48), dtype=raw(x).dtype)  # x as a strided scratchpad block
        rows[:, :r] = raw(x)
        work = np.full((t, r), 0xFFFFFFFF, dtype=np.uint32)  # stale contents must not matter
        float_into(rows[:, :r], raw(other), acc[2 : 2 + out_rows, :c], add, os_flow, work)
    np.testing.assert_array_equal(acc.view(np.uint32), want.view(np.uint32))


@pytest.mark.parametrize("t", [1, 9, 1024, 1025, 3000])
@pytest.mark.parametrize("add", [False, True])
def test_int_into_is_exact_and_wraps(t, add):
    rng = np.random.default_rng(t)
    x = rng.integers(-128, 128, (t, 5)).astype(np.int32)
    x[:, 0] = -128
    y = rng.integers(-128, 128, (t, 3)).astype(np.int32)
    y[:, 0] = -128
    acc = rng.integers(-(2**31), 2**31, (5, 3)).astype(np.int32)
    p = os_matmul(x, y)
    want = accumulate(acc, p) if add else p
    work_f, work_i = np.full((5, 3), np.nan, np.float32), np.full((5, 3), 7, np.int32)
    int_into(x.astype(np.float32).T, y.astype(np.float32), acc, add, work_f, work_i)
    np.testing.assert_array_equal(acc, want)
