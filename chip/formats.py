"""Narrow number formats and the vector unit's rounding converter into them (VecOp.CVT).

The chip stores floats as fp32 or bf16 and integers as int8 or int32. Models also name narrower
formats: float16, bfloat16, the float8 family (e4m3fn, e4m3fnuz, e5m2, e5m2fnuz, e8m0), float4
e2m1 and the 4- and 2-bit integers. Every value of those formats is exactly a float32, so the
chip holds them widened and converts *into* them with one vector function: `convert` rounds
float32 values to the nearest value of the format and returns it, still a float32.

Rules (those of ONNX's Cast, which follow the OCP float8/MX specifications):

- IEEE-like floats (float16, bfloat16, float8 e4m3fn/e4m3fnuz/e5m2/e5m2fnuz, float4 e2m1):
  round to nearest, ties to even, subnormals included. A value whose rounded magnitude exceeds
  the format's largest finite value, and an infinity, becomes: with ``saturate``, that largest
  value (same sign); without, infinity where the format has one (float16, bfloat16, e5m2), else
  NaN. ``saturate`` applies only to the float8 formats: float16 and bfloat16 always overflow to
  infinity, and float4 e2m1 (no infinity, no NaN) always saturates. NaN stays NaN, except in
  e2m1 (no NaN), where it becomes 0. The ``fnuz`` formats have no negative zero.
- float8 e8m0 (a power of two 2^-127 .. 2^127, and NaN): the exponent of |x|, rounded ``up`` (any
  fraction raises it), ``down`` (truncated) or to ``nearest``; with ``saturate`` the result
  stays at most 2^127; NaN and infinity become NaN; 0 and subnormal inputs become 2^-127.
- 4- and 2-bit integers: truncated toward zero, as a float-to-integer conversion in C (and
  ONNX's reference) does; a value outside the format's range, NaN or infinity becomes 0 (the
  ONNX specification leaves out-of-range casts to integers undefined).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np


class Format(enum.Enum):
    """A narrow number format the vector unit rounds into (the value is its ONNX name)."""

    FLOAT16 = "float16"
    BFLOAT16 = "bfloat16"
    FLOAT8E4M3FN = "float8e4m3fn"
    FLOAT8E4M3FNUZ = "float8e4m3fnuz"
    FLOAT8E5M2 = "float8e5m2"
    FLOAT8E5M2FNUZ = "float8e5m2fnuz"
    FLOAT8E8M0 = "float8e8m0"
    FLOAT4E2M1 = "float4e2m1"
    INT4 = "int4"
    UINT4 = "uint4"
    INT2 = "int2"
    UINT2 = "uint2"

    @property
    def is_integer(self) -> bool:
        return self in _INT_RANGE

    @property
    def spec(self) -> FloatSpec | None:
        """The fields and limits of an IEEE-like float format (None for e8m0 and integers)."""
        return _FLOATS.get(self)

    @property
    def saturate_optional(self) -> bool:
        """Whether ``saturate`` chooses this format's overflow (the float8 formats but e8m0);
        the other IEEE-like formats saturate exactly when they have no infinity."""
        return self in _SATURATING

    @property
    def range(self) -> tuple[float, float]:
        """The smallest and largest finite value of the format."""
        if self in _INT_RANGE:
            return _INT_RANGE[self]
        if self is Format.FLOAT8E8M0:
            return 2.0**-127, 2.0**127
        top = _FLOATS[self].max
        return -top, top


class RoundMode(enum.Enum):
    """How float8 e8m0 rounds an exponent (other formats always round to nearest even)."""

    UP = "up"
    DOWN = "down"
    NEAREST = "nearest"


@dataclass(frozen=True)
class FloatSpec:
    """An IEEE-like float format: its stored fraction bits, smallest normal exponent, largest
    finite value and which special values it has."""

    mantissa: int  # stored fraction bits
    emin: int  # exponent of the smallest normal value
    max: float  # largest finite value
    has_inf: bool
    has_nan: bool
    neg_zero: bool


_FLOATS = {
    Format.FLOAT16: FloatSpec(10, -14, 65504.0, True, True, True),
    Format.BFLOAT16: FloatSpec(7, -126, float(np.float32(3.3895313892515355e38)), True, True, True),
    Format.FLOAT8E4M3FN: FloatSpec(3, -6, 448.0, False, True, True),
    Format.FLOAT8E4M3FNUZ: FloatSpec(3, -7, 240.0, False, True, False),
    Format.FLOAT8E5M2: FloatSpec(2, -14, 57344.0, True, True, True),
    Format.FLOAT8E5M2FNUZ: FloatSpec(2, -15, 57344.0, False, True, False),
    Format.FLOAT4E2M1: FloatSpec(1, 0, 6.0, False, False, True),
}
_INT_RANGE = {
    Format.INT4: (-8.0, 7.0),
    Format.UINT4: (0.0, 15.0),
    Format.INT2: (-2.0, 1.0),
    Format.UINT2: (0.0, 3.0),
}
_SATURATING = frozenset(
    {Format.FLOAT8E4M3FN, Format.FLOAT8E4M3FNUZ, Format.FLOAT8E5M2, Format.FLOAT8E5M2FNUZ}
)
_FORMATS = tuple(Format)
_MODES = tuple(RoundMode)
CODES = 2 * len(_MODES) * len(_FORMATS)  # the immediates CVT accepts: 0 .. CODES - 1


@dataclass(frozen=True)
class Conversion:
    """One setting of the converter: the format, ``saturate`` and (e8m0) the rounding mode.

    `code` is the small integer the CVT instruction carries in its immediate."""

    format: Format
    saturate: bool = True
    round_mode: RoundMode = RoundMode.UP

    @property
    def code(self) -> int:
        index = _FORMATS.index(self.format)
        return (index * len(_MODES) + _MODES.index(self.round_mode)) * 2 + (not self.saturate)

    @classmethod
    def named(cls, format: str, saturate: bool = True, round_mode: str = "up") -> Conversion:
        """The conversion to the format named ``format`` (a `Format` value); ValueError naming
        the known formats (or rounding modes) otherwise."""
        try:
            fmt = Format(format)
        except ValueError:
            known = ", ".join(f.value for f in Format)
            raise ValueError(f"unknown number format {format!r} (known: {known})") from None
        try:
            mode = RoundMode(round_mode)
        except ValueError:
            known = ", ".join(m.value for m in RoundMode)
            raise ValueError(f"unknown round_mode {round_mode!r} (known: {known})") from None
        return cls(fmt, bool(saturate), mode)

    @classmethod
    def from_code(cls, code: float) -> Conversion:
        """The conversion an immediate names; ValueError if it names none."""
        n = int(code) if np.isfinite(code) else -1
        if n != code or not 0 <= n < CODES:
            raise ValueError(f"imm={code} names no number format (0 .. {CODES - 1})")
        rest, nosat = divmod(n, 2)
        fmt, mode = divmod(rest, len(_MODES))
        return cls(_FORMATS[fmt], not nosat, _MODES[mode])


def convert(x: np.ndarray, conv: Conversion) -> np.ndarray:
    """``x`` (float32) rounded to ``conv``'s format by the rules above, as float32 values."""
    x = np.asarray(x, dtype=np.float32)
    with np.errstate(all="ignore"):
        if conv.format in _INT_RANGE:
            lo, hi = _INT_RANGE[conv.format]
            t = np.trunc(np.nan_to_num(x.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0))
            return np.where((t >= lo) & (t <= hi), t, 0.0).astype(np.float32)
        if conv.format is Format.FLOAT8E8M0:
            return _e8m0(x, conv)
        return _round_float(x, _FLOATS[conv.format], conv)


def _round_float(x: np.ndarray, f: FloatSpec, conv: Conversion) -> np.ndarray:
    v = x.astype(np.float64)
    a = np.abs(v)
    finite = np.isfinite(a) & (a > 0)
    safe = np.where(finite, a, 1.0)
    exponent = np.frexp(safe)[1] - 1  # a = 1.m * 2^exponent
    quantum = np.ldexp(1.0, np.maximum(exponent, f.emin) - f.mantissa)
    r = np.where(finite, np.rint(safe / quantum) * quantum, a)  # exact in float64; RNE
    saturate = conv.saturate if conv.format in _SATURATING else not f.has_inf
    too_big = (r > f.max) & ~np.isnan(r)
    if saturate:
        r = np.where(too_big, f.max, r)
    else:
        r = np.where(too_big, np.inf if f.has_inf else np.nan, r)
    if not f.has_nan:
        r = np.where(np.isnan(r), 0.0, r)
    out = np.copysign(r, v)
    if not f.neg_zero:
        out = np.where(out == 0, 0.0, out)
    return out.astype(np.float32)


def _e8m0(x: np.ndarray, conv: Conversion) -> np.ndarray:
    bits = x.view(np.uint32)
    exponent = ((bits >> np.uint32(23)) & np.uint32(0xFF)).astype(np.int64)
    fraction = bits & np.uint32(0x7FFFFF)
    special = exponent == 0xFF
    if conv.round_mode is RoundMode.UP:
        bump = fraction > 0
    elif conv.round_mode is RoundMode.NEAREST:
        guard = (fraction & np.uint32(0x400000)) > 0
        rest = (fraction & np.uint32(0x3FFFFF)) > 0
        bump = guard & (rest | (exponent > 0))
    else:
        bump = np.zeros(x.shape, dtype=bool)
    if conv.saturate:
        bump &= exponent != 0xFE
    e = exponent + bump
    out = np.where(special | (e >= 0xFF), np.nan, np.ldexp(1.0, e - 127))
    return out.astype(np.float32)
