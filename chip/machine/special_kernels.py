"""The integer algorithms of chip/special.py's EXP, LOG, SIGMOID and TANH, one binary32 value at
a time, compiled by numba.

chip/special.py holds the constants and the error bounds and calls these kernels over flat
arrays; the RTL (chip/hdl/fpspecial.py) computes the same steps. Every intermediate is an int64
(``>>`` of a signed value is a floor shift, as in the RTL); the binary32 results are written
through a float32 view of the output buffer and the bit-level cases (NaNs, infinities, signs)
through its uint32 view, so no NaN's payload passes through a float register.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from chip.special import (
    DEFAULT_NAN,
    EXP_BIG,
    EXP_FRAC,
    EXP_INV_LN2,
    EXP_LN2,
    EXP_POLY,
    EXP_TABLE,
    LOG_CENTRE,
    LOG_LN2,
    LOG_NEG_LN_R,
    LOG_POLY,
    LOG_RECIP,
    NEG_INF,
    POS_INF,
    QUIET,
    TANH_POLY,
    TANH_SMALL,
)

_EXP_TABLE = np.array(EXP_TABLE, dtype=np.int64)
_EXP_POLY = np.array(EXP_POLY, dtype=np.int64)
_LOG_RECIP = np.array(LOG_RECIP, dtype=np.int64)
_LOG_NEG_LN_R = np.array(LOG_NEG_LN_R, dtype=np.int64)
_LOG_POLY = np.array(LOG_POLY, dtype=np.int64)
_TANH_POLY = np.array(TANH_POLY, dtype=np.int64)
_ABS = 0x7FFFFFFF
_SIGN = 0x80000000


@numba.njit(cache=True, inline="always")
def _shift(value: int, amount: int) -> int:
    """``value << amount`` for amount >= 0, else ``value >> -amount`` (floor)."""
    if amount >= 0:
        return value << min(amount, 62)
    return value >> min(-amount, 63)


@numba.njit(cache=True)
def fixed_to_f32(neg: int, mag: int, exp2: int) -> np.float32:
    """The binary32 nearest (ties to even) to ``(-1)**neg * mag * 2**exp2`` (0 <= mag < 2**63),
    with subnormals and overflow to infinity: the RTL's ``round_pack``. The top 40 bits and a
    sticky bit hold the value exactly enough for one rounding (float64 holds them exactly)."""
    top = math.frexp(np.float64(mag))[1]  # the bit length, or one more
    sh = max(top - 40, 0)
    kept = mag >> sh
    if (kept << sh) != mag:
        kept |= 1
    v = math.ldexp(np.float64(kept), exp2 + sh)
    return np.float32(-v if neg != 0 else v)


@numba.njit(cache=True)
def _exp(b: int) -> np.float32:
    """EXP of the non-NaN binary32 bits ``b``."""
    sign, exp = b >> 31, (b >> 23) & 0xFF
    if exp >= EXP_BIG:  # |x| >= 128, the infinities too
        return np.float32(0.0) if sign != 0 else np.float32(np.inf)
    sig = (b & 0x7FFFFF) | ((1 << 23) if exp != 0 else 0)
    x = _shift(sig, max(exp, 1) - (150 - EXP_FRAC))  # |x| in Q48, < 2**55
    if sign != 0:
        x = -x
    k = ((x >> 24) * EXP_INV_LN2) >> 48  # floor(x / ln2), or one off
    r = x - k * EXP_LN2
    if r < 0:
        k, r = k - 1, r + EXP_LN2
    if r >= EXP_LN2:
        k, r = k + 1, r - EXP_LN2
    j = r >> (EXP_FRAC - 6)
    d = (r & ((1 << (EXP_FRAC - 6)) - 1)) >> (EXP_FRAC - 32)  # Q32, < 2**26
    h = _EXP_POLY[3]
    for i in range(2, -1, -1):
        h = _EXP_POLY[i] + ((d * h) >> 32)
    q = (d * h) >> 32
    t = _EXP_TABLE[j]
    return fixed_to_f32(0, t + ((t * q) >> 32), k - 32)  # exp(r) in Q32, times 2**k


@numba.njit(cache=True)
def _log(b: int) -> np.float32:
    """LOG of the binary32 bits ``b`` of a positive finite nonzero value."""
    exp = (b >> 23) & 0xFF
    sig = (b & 0x7FFFFF) | ((1 << 23) if exp != 0 else 0)
    # Subnormals normalized: the significand's top bit to bit 23.
    lz = 23 - (math.frexp(np.float64(sig))[1] - 1)
    sig, e = sig << lz, max(exp, 1) - lz - 127
    if sig >= 0xC00000:  # m >= 1.5: halve it
        m, e = sig, e + 1
    else:
        m = sig << 1  # Q24 in [0.75, 1.5)
    j = ((m + (1 << 16)) >> 17) - LOG_CENTRE
    z = m * _LOG_RECIP[j] - (1 << 34)  # Q34, |z| < 2**-7.3
    h = _LOG_POLY[0]
    for i in range(1, len(_LOG_POLY)):
        h = _LOG_POLY[i] + ((z * h) >> 34)
    s = e * LOG_LN2 + _LOG_NEG_LN_R[j] + ((z * h) >> 14)
    return fixed_to_f32(1 if s < 0 else 0, abs(s), -56)


@numba.njit(cache=True)
def _tanh_small(b: int) -> np.float32:
    """tanh(x) = x P(x**2) for |x| < 0.25: x**2 in Q30 from |x| in Q32, P by Horner in Q36,
    times x's significand (relative error below 2**-31)."""
    sign, exp = b >> 31, (b >> 23) & 0xFF
    sig = (b & 0x7FFFFF) | ((1 << 23) if exp != 0 else 0)
    eu = max(exp, 1)
    x = _shift(sig, min(eu - 118, 7))  # |x| in Q32, < 2**30
    s = (x * x) >> 34  # Q30
    h = _TANH_POLY[0]
    for i in range(1, len(_TANH_POLY)):
        h = _TANH_POLY[i] + ((s * h) >> 30)
    return fixed_to_f32(sign, sig * h, eu - 186)


@numba.njit(cache=True, inline="always")
def _recip(f: np.float32) -> np.float32:
    """RECIP: the correctly rounded binary32 reciprocal (float64, rounded once)."""
    return np.float32(1.0 / np.float64(f))


@numba.njit(cache=True)
def exp_kernel(bits, out) -> None:
    """EXP of the flat uint32 ``bits`` into ``out`` (uint32, the same length)."""
    of = out.view(np.float32)
    for i in range(bits.size):
        b = np.int64(bits[i])
        if (b & _ABS) > POS_INF:
            out[i] = b | QUIET
        else:
            of[i] = _exp(b)


@numba.njit(cache=True)
def log_kernel(bits, out) -> None:
    """LOG of the flat uint32 ``bits`` into ``out``."""
    of = out.view(np.float32)
    for i in range(bits.size):
        b = np.int64(bits[i])
        mag = b & _ABS
        if mag > POS_INF:
            out[i] = b | QUIET
        elif mag == 0:
            out[i] = NEG_INF
        elif b >> 31 != 0:
            out[i] = DEFAULT_NAN
        elif b == POS_INF:
            out[i] = POS_INF
        else:
            of[i] = _log(b)


@numba.njit(cache=True)
def sigmoid_kernel(bits, out) -> None:
    """SIGMOID of the flat uint32 ``bits`` into ``out``: e = EXP(-|x|), r = RECIP(1 + e); r for
    x >= +0, e * r for x <= -0."""
    of = out.view(np.float32)
    for i in range(bits.size):
        b = np.int64(bits[i])
        if (b & _ABS) > POS_INF:
            out[i] = b | QUIET
            continue
        e = _exp(b | _SIGN)
        r = _recip(np.float32(np.float32(1.0) + e))
        of[i] = np.float32(e * r) if b >> 31 != 0 else r


@numba.njit(cache=True)
def tanh_kernel(bits, out) -> None:
    """TANH of the flat uint32 ``bits`` into ``out``: x P(x**2) where |x| < 0.25, else
    sign(x) |(e - 1) RECIP(1 + e)| with e = EXP(-2|x|) (-2|x| exact: the exponent plus one,
    -inf past the largest binade)."""
    of = out.view(np.float32)
    for i in range(bits.size):
        b = np.int64(bits[i])
        mag = b & _ABS
        if mag > POS_INF:
            out[i] = b | QUIET
        elif mag < TANH_SMALL:
            of[i] = _tanh_small(b)
        else:
            e = _exp(NEG_INF if mag >= 0x7F000000 else (mag + (1 << 23)) | _SIGN)
            of[i] = np.float32(np.float32(e + np.float32(-1.0)) * _recip(np.float32(1.0) + e))
            out[i] = (out[i] & _ABS) | (b & _SIGN)


KERNELS = (exp_kernel, log_kernel, sigmoid_kernel, tanh_kernel)


def warm_up() -> None:
    """Compile (or load from the disk cache) each kernel for the flat uint32 arrays that
    chip/special.py passes."""
    bits = np.zeros(1, dtype=np.uint32)
    for kernel in KERNELS:
        kernel(bits, np.empty_like(bits))
