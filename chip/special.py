"""The vector unit's special functions as the hardware computes them, in integer arithmetic.

EXP and LOG are range reduction, a table and a fixed-point polynomial; SIGMOID, TANH and RSQRT
are built from EXP, RECIP, SQRT and the lane's binary32 adder and multiplier (TANH of small
arguments by its own fixed-point polynomial). Every step is integer arithmetic on at most 64-bit
words with floor shifts, so NumPy here and the Amaranth lane (chip/hdl/fpspecial.py) compute the
same bits. The one rounding to binary32 at the end
(`fixed_to_f32`) is round to nearest even from the exact fixed-point value, as the RTL's
``round_pack`` does.

Error bounds against the exact function (float64), in units in the last place of the binary32
result, measured over every STEP-th binary32 input by ``python -m bench.special_functions``
(every input with ``--step 1``) and asserted on a stratified sample by tests/chip/test_special.py
(docs/isa.md's table of vector functions repeats them):

- EXP: within 0.51 ulp (faithful: one of the two binary32 neighbours of the exact value).
- LOG: within 0.51 ulp.
- SIGMOID ``x >= 0``: RECIP(1 + EXP(-x)); ``x < 0``: EXP(x) * RECIP(1 + EXP(x)): within 3 ulp.
- TANH ``|x| < 0.25``: x P(x**2), P a degree-6 fixed-point polynomial: within 0.51 ulp; else
  sign(x) * (1 - e) * RECIP(1 + e) with e = EXP(-2|x|): within 3.5 ulp.
- RSQRT: RECIP(SQRT(x)), each correctly rounded: within 1.5 ulp.

NaN inputs give the NaN quieted (the unified rule of chip/hdl/fpcommon.py); invalid inputs
(LOG or RSQRT of a negative number) give the default NaN 0xFFC00000.
"""

from __future__ import annotations

import math

import numpy as np

QUIET = 0x00400000
DEFAULT_NAN = 0xFFC00000
POS_INF, NEG_INF = 0x7F800000, 0xFF800000

# EXP: x = k ln2 + r with 0 <= r < ln2 (x in Q48), r = j/64 + d, exp(r) = T[j] (1 + q(d)).
EXP_FRAC = 48
EXP_LN2 = round(math.log(2) * 2**48)  # Q48
EXP_INV_LN2 = round(2**24 / math.log(2))  # Q24, for the estimate of k
EXP_TABLE = tuple(round(math.exp(j / 64) * 2**32) for j in range(45))  # Q32
EXP_POLY = (2**32, 2**31, round(2**32 / 6), round(2**32 / 24))  # 1, 1/2, 1/6, 1/24 in Q32
EXP_BIG = 127 + 7  # biased exponent of 128: |x| >= 128 overflows or underflows

# LOG: x = 2**e m with 0.75 <= m < 1.5 (Q24), m R[j] = 1 + z (z in Q34), ln m = ln(1/R) + ln1p z.
LOG_CENTRE = 96  # the table's first centre, 96/128 = 0.75
LOG_RECIP = tuple(round(2**10 * 128 / (LOG_CENTRE + j)) for j in range(97))  # Q10
LOG_NEG_LN_R = tuple(round(math.log(2**10 / r) * 2**56) for r in LOG_RECIP)  # Q56
LOG_LN2 = round(math.log(2) * 2**56)  # Q56
# ln1p(z) = z P(z), P's coefficients (Q36) highest first: -1/6, 1/5, -1/4, 1/3, -1/2, 1
LOG_POLY = (
    -round(2**36 / 6),
    round(2**36 / 5),
    -(2**34),
    round(2**36 / 3),
    -(2**35),
    2**36,
)


def _fields(bits: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(sign, biased exponent, significand with its hidden bit) of binary32 bits, as int64."""
    b = bits.astype(np.int64)
    exp = (b >> 23) & 0xFF
    return b >> 31, exp, (b & 0x7FFFFF) | ((exp != 0).astype(np.int64) << 23)


def _is_nan(bits: np.ndarray) -> np.ndarray:
    return (bits & 0x7FFFFFFF) > POS_INF


def fixed_to_f32(neg: np.ndarray, mag: np.ndarray, exp2: int | np.ndarray) -> np.ndarray:
    """The binary32 nearest (ties to even) to ``(-1)**neg * mag * 2**exp2`` (``mag`` int64,
    0 <= mag < 2**63), with subnormals and overflow to infinity: the RTL's ``round_pack``.
    The top 40 bits and a sticky bit hold the value exactly enough for one rounding."""
    mag = mag.astype(np.int64)
    top = np.frexp(mag.astype(np.float64))[1]  # the bit length, or one more
    sh = np.maximum(top - 40, 0)
    kept = mag >> sh
    sticky = (kept << sh) != mag
    kept = kept | sticky.astype(np.int64)
    with np.errstate(all="ignore"):
        v = np.ldexp(kept.astype(np.float64), (exp2 + sh).astype(np.int32))
        return np.where(neg != 0, -v, v).astype(np.float32)


def _shift(value: np.ndarray, amount: np.ndarray) -> np.ndarray:
    """``value << amount`` for amount >= 0, else ``value >> -amount`` (floor)."""
    left = np.clip(amount, 0, 62)
    right = np.clip(-amount, 0, 63)
    return np.where(amount >= 0, value << left, value >> right)


def exp_bits(bits: np.ndarray) -> np.ndarray:
    """EXP of binary32 ``bits`` (uint32): binary32 bits of e**x."""
    bits = bits.astype(np.uint32)
    sign, exp, sig = _fields(bits)
    x = _shift(sig, np.maximum(exp, 1) - (150 - EXP_FRAC))  # |x| in Q48, < 2**55 below 128
    big = exp >= EXP_BIG  # also the infinities
    x = np.where(big, 0, np.where(sign != 0, -x, x))
    k = ((x >> 24) * EXP_INV_LN2) >> 48  # floor(x / ln2), or one off
    r = x - k * EXP_LN2
    low = r < 0
    k, r = np.where(low, k - 1, k), np.where(low, r + EXP_LN2, r)
    high = r >= EXP_LN2
    k, r = np.where(high, k + 1, k), np.where(high, r - EXP_LN2, r)
    j = r >> (EXP_FRAC - 6)
    d = (r & ((1 << (EXP_FRAC - 6)) - 1)) >> (EXP_FRAC - 32)  # Q32, < 2**26
    h = np.full_like(d, EXP_POLY[3])
    for c in EXP_POLY[2::-1]:
        h = c + ((d * h) >> 32)
    q = (d * h) >> 32
    t = np.asarray(EXP_TABLE, dtype=np.int64)[j]
    y = t + ((t * q) >> 32)  # exp(r) in Q32
    out = fixed_to_f32(np.zeros_like(y), y, k - 32).view(np.uint32)
    out = np.where(big, np.where(sign != 0, 0, POS_INF), out)
    return np.where(_is_nan(bits), bits | QUIET, out).astype(np.uint32)


def log_bits(bits: np.ndarray) -> np.ndarray:
    """LOG of binary32 ``bits`` (uint32): binary32 bits of ln(x)."""
    bits = bits.astype(np.uint32)
    sign, exp, sig = _fields(bits)
    # Subnormals normalized: the significand's top bit to bit 23.
    lz = 23 - (np.frexp(np.maximum(sig, 1).astype(np.float64))[1] - 1)
    sig, e = sig << lz, np.maximum(exp, 1) - lz - 127
    upper = sig >= 0xC00000  # m >= 1.5: halve it
    m = np.where(upper, sig, sig << 1)  # Q24 in [0.75, 1.5)
    e = np.where(upper, e + 1, e)
    j = ((m + (1 << 16)) >> 17) - LOG_CENTRE
    z = m * np.asarray(LOG_RECIP, dtype=np.int64)[j] - (1 << 34)  # Q34, |z| < 2**-7.3
    h = np.full_like(z, LOG_POLY[0])
    for c in LOG_POLY[1:]:
        h = c + ((z * h) >> 34)
    s = e * LOG_LN2 + np.asarray(LOG_NEG_LN_R, dtype=np.int64)[j] + ((z * h) >> 14)
    out = fixed_to_f32(s < 0, np.abs(s), -56).view(np.uint32)
    mag = bits & 0x7FFFFFFF
    out = np.where(sign != 0, DEFAULT_NAN, out)
    out = np.where(mag == 0, NEG_INF, out)
    out = np.where(bits == POS_INF, POS_INF, out)
    return np.where(_is_nan(bits), bits | QUIET, out).astype(np.uint32)


def ulp_error(got: np.ndarray, exact: np.ndarray) -> np.ndarray:
    """|got - exact| in units in the last place of binary32 at the exact value (float64): the
    spacing of its binade, 2**-149 below the normal range; the measure of the bounds above."""
    mag = np.minimum(np.abs(exact), np.float64(np.finfo(np.float32).max))
    _, e = np.frexp(mag)
    ulp = np.ldexp(1.0, np.maximum(e - 24, -149))
    return np.abs(got.astype(np.float64) - exact) / ulp


def _recip(f: np.ndarray) -> np.ndarray:
    """RECIP: the correctly rounded binary32 reciprocal (float64, rounded once)."""
    with np.errstate(all="ignore"):
        return (1.0 / f.astype(np.float64)).astype(np.float32)


def sigmoid_bits(bits: np.ndarray) -> np.ndarray:
    """SIGMOID of binary32 ``bits``: e = EXP(-|x|), r = RECIP(1 + e); r for x >= +0, e * r for
    x <= -0 (so no step overflows and small results keep their subnormal bits)."""
    bits = bits.astype(np.uint32)
    e = exp_bits(bits | np.uint32(0x80000000)).view(np.float32)
    with np.errstate(all="ignore"):
        r = _recip(np.float32(1) + e)
        out = np.where(bits >> 31 != 0, e * r, r).view(np.uint32)
    return np.where(_is_nan(bits), bits | QUIET, out).astype(np.uint32)


TANH_SMALL = 0x3E800000  # 0.25: below it TANH is x P(x**2)
# tanh(x) = x P(x**2) for |x| < 0.25: P's Taylor coefficients (Q36), highest first
TANH_POLY = tuple(
    round(c * 2**36)
    for c in (21844 / 6081075, -1382 / 155925, 62 / 2835, -17 / 315, 2 / 15, -1 / 3, 1)
)


def _tanh_small(bits: np.ndarray) -> np.ndarray:
    """tanh(x) = x P(x**2) for |x| < 0.25: x**2 in Q30 from |x| in Q32, P by Horner in Q36,
    times x's significand (relative error below 2**-31)."""
    sign, exp, sig = _fields(bits)
    eu = np.maximum(exp, 1)
    x = _shift(sig, np.minimum(eu - 118, 7))  # |x| in Q32, < 2**30
    s = (x * x) >> 34  # Q30
    h = np.full_like(s, TANH_POLY[0])
    for c in TANH_POLY[1:]:
        h = c + ((s * h) >> 30)
    return fixed_to_f32(sign, sig * h, eu - 186).view(np.uint32)


def tanh_bits(bits: np.ndarray) -> np.ndarray:
    """TANH of binary32 ``bits``: x P(x**2) where |x| < 0.25, else sign(x) (1 - e) RECIP(1 + e)
    with e = EXP(-2|x|) (-2|x| exact: the exponent plus one, -inf past the largest binade);
    1 - e is computed as -(e + -1), the same bits as e < 1 here."""
    bits = bits.astype(np.uint32)
    mag = bits & np.uint32(0x7FFFFFFF)
    neg2 = np.where(mag >= 0x7F000000, NEG_INF, (mag + (1 << 23)) | 0x80000000)
    e = exp_bits(neg2).view(np.float32)
    one = np.float32(1)
    with np.errstate(all="ignore"):
        t = ((e + -one) * _recip(one + e)).view(np.uint32) & np.uint32(0x7FFFFFFF)
    out = np.where(mag < TANH_SMALL, _tanh_small(bits), t | (bits & np.uint32(0x80000000)))
    return np.where(_is_nan(bits), bits | QUIET, out).astype(np.uint32)


def rsqrt_bits(bits: np.ndarray) -> np.ndarray:
    """RSQRT of binary32 ``bits``: RECIP(SQRT(x)), each correctly rounded (their NaN, infinity
    and zero rules give NaN for x < 0, -inf for -0, +0 for +inf)."""
    with np.errstate(all="ignore"):
        root = np.sqrt(bits.astype(np.uint32).view(np.float32).astype(np.float64))
        return _recip(root.astype(np.float32)).view(np.uint32)
