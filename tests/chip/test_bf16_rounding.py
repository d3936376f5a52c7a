"""chip/dtypes.py's float32 -> bfloat16 rounding against ml_dtypes' (RNE), on every exponent
with the rounding bits that decide ties, and NaNs kept quiet with their high payload bits."""

from __future__ import annotations

import ml_dtypes
import numpy as np

from chip.dtypes import bf16_bits_from_f32


def test_rounding_matches_ml_dtypes_and_nans_stay_quiet():
    rng = np.random.default_rng(0)
    high = np.arange(1 << 16, dtype=np.uint32) << np.uint32(16)  # every sign and exponent
    low = np.array([0, 1, 0x7FFF, 0x8000, 0x8001, 0xFFFF], dtype=np.uint32)  # ties and neighbours
    bits = (high[:, None] | low[None, :]).ravel()
    bits = np.concatenate([bits, rng.integers(0, 1 << 32, 100_016, dtype=np.uint32)])
    values = bits.view(np.float32).reshape(-1, 8)[:, :6]  # a strided view, converted as well
    got = bf16_bits_from_f32(values)
    nan = np.isnan(values)
    want = values.astype(ml_dtypes.bfloat16).view(np.uint16)
    assert np.array_equal(got[~nan], want[~nan])
    nan_bits = values.view(np.uint32)[nan]
    assert np.array_equal(got[nan], ((nan_bits >> 16) | 0x0040).astype(np.uint16))
