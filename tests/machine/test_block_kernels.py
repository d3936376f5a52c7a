"""The fast block kernels give exactly the bits of chip/semantics.py (special values included)."""

import numpy as np
import pytest

from chip.dtypes import round_bf16
from chip.machine.block_kernels import os_block, stationary_block
from chip.semantics import os_matmul, stationary_matmul


def _floats(rng, shape, special: bool, bf16: bool) -> np.ndarray:
    v = (rng.standard_normal(shape) * 10.0 ** rng.integers(-3, 4, shape)).astype(np.float32)
    if special:
        flat = v.reshape(-1)
        picks = rng.choice(flat.size, size=max(1, flat.size // 20), replace=False)
        flat[picks] = rng.choice(
            [np.inf, -np.inf, np.nan, 0.0, -0.0, 3e38, -3e38, 1e-40], size=picks.size
        )
    return round_bf16(v) if bf16 else v


@pytest.mark.parametrize("seed", range(12))
def test_float_kernels_bit_identical(seed):
    rng = np.random.default_rng(seed)
    t, r, c = rng.integers(1, 40, 3)
    special, bf16 = seed % 2 == 1, seed % 3 == 0
    x, s = _floats(rng, (t, r), special, bf16), _floats(rng, (r, c), special, bf16)
    y = _floats(rng, (t, c), special, bf16)
    with np.errstate(all="ignore"):  # the reference overflows to inf/nan on purpose
        want_s, want_os = stationary_matmul(x, s), os_matmul(x, y)
    np.testing.assert_array_equal(stationary_block(x, s).view(np.uint32), want_s.view(np.uint32))
    np.testing.assert_array_equal(os_block(x, y).view(np.uint32), want_os.view(np.uint32))


@pytest.mark.parametrize("t", [1, 7, 300, 1024, 1025, 1100, 70000])
def test_int_kernels_exact_and_wrapping(t):
    # 70000 rows of -128 * -128 sum to 1.1e9 (float32 would round); longer sums also wrap int32
    rng = np.random.default_rng(t)
    x = rng.integers(-128, 128, (t, 5)).astype(np.int32)
    x[:, 0] = -128
    y = rng.integers(-128, 128, (t, 3)).astype(np.int32)
    y[:, 0] = -128
    np.testing.assert_array_equal(os_block(x, y), os_matmul(x, y))
    s = rng.integers(-128, 128, (5, 4)).astype(np.int32)
    np.testing.assert_array_equal(stationary_block(x, s), stationary_matmul(x, s))


@pytest.mark.parametrize(
    "t, r, c",
    [(4, 4, 4), (5, 5, 3), (8, 3, 16), (9, 17, 17), (16, 8, 32), (23, 30, 47), (8, 40, 1)],
)
def test_float_kernels_tiles_and_their_edges(t, r, c):
    # the kernels compute 4 x 16 output tiles, then the columns right of them and the rows
    # below them one row at a time
    rng = np.random.default_rng(t * 100 + r)
    x, s = _floats(rng, (t, r), True, False), _floats(rng, (r, c), True, False)
    y = _floats(rng, (t, c), True, False)
    with np.errstate(all="ignore"):
        want_s, want_os = stationary_matmul(x, s), os_matmul(x, y)
    np.testing.assert_array_equal(stationary_block(x, s).view(np.uint32), want_s.view(np.uint32))
    np.testing.assert_array_equal(os_block(x, y).view(np.uint32), want_os.view(np.uint32))
