"""The vector unit's rounding converter (chip/formats.py) against ml_dtypes and ONNX's own
conversions (the reference of ONNX's Cast), on every float16 value and on float32 values around
every boundary of each format."""

from __future__ import annotations

import numpy as np
import pytest

from chip.formats import Conversion, Format, RoundMode, convert

ml_dtypes = pytest.importorskip(
    "ml_dtypes", reason="ml_dtypes (installed with onnx) is the reference"
)
numpy_helper = pytest.importorskip("onnx.numpy_helper")

_ML = {
    Format.FLOAT16: np.float16,
    Format.BFLOAT16: ml_dtypes.bfloat16,
    Format.FLOAT8E4M3FN: ml_dtypes.float8_e4m3fn,
    Format.FLOAT8E4M3FNUZ: ml_dtypes.float8_e4m3fnuz,
    Format.FLOAT8E5M2: ml_dtypes.float8_e5m2,
    Format.FLOAT8E5M2FNUZ: ml_dtypes.float8_e5m2fnuz,
    Format.FLOAT4E2M1: ml_dtypes.float4_e2m1fn,
    Format.INT4: ml_dtypes.int4,
    Format.UINT4: ml_dtypes.uint4,
    Format.INT2: ml_dtypes.int2,
    Format.UINT2: ml_dtypes.uint2,
}
_FLOAT8 = (
    Format.FLOAT8E4M3FN,
    Format.FLOAT8E4M3FNUZ,
    Format.FLOAT8E5M2,
    Format.FLOAT8E5M2FNUZ,
)


def _inputs() -> np.ndarray:
    """Every float16 value, every bfloat16 bit pattern widened, random float32 values over the
    whole range, each with its neighbours one float32 ulp away, and the special values."""
    rng = np.random.default_rng(0)
    f16 = np.arange(1 << 16, dtype=np.uint16).view(np.float16).astype(np.float32)
    bf16 = (np.arange(1 << 16, dtype=np.uint32) << 16).view(np.float32)
    rand = rng.standard_normal(20000).astype(np.float32) * np.float32(2.0) ** rng.integers(
        -30, 30, 20000
    ).astype(np.float32)
    base = np.concatenate([f16, bf16, rand, np.float32([0.5, 1.5, 2.5, -2.5, 7.9, 8.5, -8.9])])
    with np.errstate(invalid="ignore"):  # NaN has no neighbours
        up = np.nextafter(base, np.float32(np.inf))
        down = np.nextafter(base, np.float32(-np.inf))
    return np.concatenate([base, up, down]).astype(np.float32)


def _same(got: np.ndarray, want: np.ndarray) -> None:
    want = np.asarray(want, dtype=np.float32)
    assert np.array_equal(np.isnan(got), np.isnan(want))
    ok = ~np.isnan(want)
    bad = np.flatnonzero(got[ok] != want[ok])
    assert bad.size == 0, (
        f"{bad.size} values differ, first {got[ok][bad[:5]]} != {want[ok][bad[:5]]}"
    )


@pytest.mark.parametrize("fmt", list(_ML), ids=lambda f: f.value)
def test_convert_matches_ml_dtypes_without_saturation(fmt):
    x = _inputs()
    with np.errstate(all="ignore"):
        want = x.astype(_ML[fmt]).astype(np.float32)
    _same(convert(x, Conversion(fmt, saturate=False)), want)


@pytest.mark.parametrize("fmt", _FLOAT8, ids=lambda f: f.value)
def test_float8_saturation_matches_onnx(fmt):
    x = _inputs()
    want = numpy_helper.saturate_cast(x, _ML[fmt]).astype(np.float32)
    _same(convert(x, Conversion(fmt, saturate=True)), want)


@pytest.mark.parametrize("saturate", [True, False])
@pytest.mark.parametrize("mode", list(RoundMode), ids=lambda m: m.value)
def test_e8m0_matches_onnx(mode, saturate):
    x = np.abs(_inputs())
    x = np.concatenate([x, np.float32([np.inf, np.nan, 0.0, 3.0e38, 1e-40])])
    want = numpy_helper.to_float8e8m0(x, saturate, mode.value).astype(np.float32)
    _same(convert(x, Conversion(Format.FLOAT8E8M0, saturate, mode)), want)


def test_saturate_changes_only_float8_overflow():
    x = np.float32([1e6, np.inf, -np.inf])
    assert list(convert(x, Conversion(Format.FLOAT8E4M3FN))) == [448.0, 448.0, -448.0]
    assert np.isnan(convert(x, Conversion(Format.FLOAT8E4M3FN, saturate=False))).all()
    assert list(convert(x, Conversion(Format.FLOAT16))) == [np.inf, np.inf, -np.inf]


def test_codes_round_trip_and_bad_codes_are_refused():
    for fmt in Format:
        for sat in (True, False):
            for mode in RoundMode:
                c = Conversion(fmt, sat, mode)
                assert Conversion.from_code(float(c.code)) == c
    with pytest.raises(ValueError, match="imm=2.5 names no number format"):
        Conversion.from_code(2.5)
    with pytest.raises(ValueError, match="imm=72.0 names no number format"):
        Conversion.from_code(72.0)
