"""The vector unit's special functions as the hardware computes them, in integer arithmetic.

EXP and LOG are range reduction, a table and a fixed-point polynomial; SIGMOID, TANH and RSQRT
are built from EXP, RECIP, SQRT and the lane's binary32 adder and multiplier (TANH of small
arguments by its own fixed-point polynomial). Every step is integer arithmetic on at most 64-bit
words with floor shifts, so the compiled kernels of chip/machine/special_kernels.py (one
binary32 value at a time, the one statement of these algorithms outside the RTL) and the
Amaranth lane (chip/hdl/fpspecial.py) compute the same bits. This module holds their constants
and applies the kernels to arrays of any shape. The one rounding to binary32 at the end
(``fixed_to_f32``) is round to nearest even from the exact fixed-point value, as the RTL's
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

import functools
import math
from collections.abc import Callable
from types import ModuleType

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


TANH_SMALL = 0x3E800000  # 0.25: below it TANH is x P(x**2)
# tanh(x) = x P(x**2) for |x| < 0.25: P's Taylor coefficients (Q36), highest first
TANH_POLY = tuple(
    round(c * 2**36)
    for c in (21844 / 6081075, -1382 / 155925, 62 / 2835, -17 / 315, 2 / 15, -1 / 3, 1)
)


@functools.cache
def _kernels() -> ModuleType:
    """chip/machine/special_kernels.py, imported on first use: chip.machine's package imports
    chip.semantics, which imports this module."""
    from chip.machine import special_kernels

    return special_kernels


def _apply(kernel: Callable[[np.ndarray, np.ndarray], None], bits: np.ndarray) -> np.ndarray:
    """A kernel of chip/machine/special_kernels.py over ``bits`` (any shape, as uint32)."""
    flat = np.ascontiguousarray(bits, dtype=np.uint32).ravel()
    out = np.empty_like(flat)
    kernel(flat, out)
    return out.reshape(np.shape(bits))


def exp_bits(bits: np.ndarray) -> np.ndarray:
    """EXP of binary32 ``bits`` (uint32): binary32 bits of e**x."""
    return _apply(_kernels().exp_kernel, bits)


def log_bits(bits: np.ndarray) -> np.ndarray:
    """LOG of binary32 ``bits`` (uint32): binary32 bits of ln(x)."""
    return _apply(_kernels().log_kernel, bits)


def sigmoid_bits(bits: np.ndarray) -> np.ndarray:
    """SIGMOID of binary32 ``bits``: e = EXP(-|x|), r = RECIP(1 + e); r for x >= +0, e * r for
    x <= -0 (so no step overflows and small results keep their subnormal bits)."""
    return _apply(_kernels().sigmoid_kernel, bits)


def tanh_bits(bits: np.ndarray) -> np.ndarray:
    """TANH of binary32 ``bits``: x P(x**2) where |x| < 0.25, else sign(x) (1 - e) RECIP(1 + e)
    with e = EXP(-2|x|) (-2|x| exact: the exponent plus one, -inf past the largest binade);
    1 - e is computed as -(e + -1), the same bits as e < 1 here."""
    return _apply(_kernels().tanh_kernel, bits)


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


def rsqrt_bits(bits: np.ndarray) -> np.ndarray:
    """RSQRT of binary32 ``bits``: RECIP(SQRT(x)), each correctly rounded (their NaN, infinity
    and zero rules give NaN for x < 0, -inf for -0, +0 for +inf)."""
    with np.errstate(all="ignore"):
        root = np.sqrt(bits.astype(np.uint32).view(np.float32).astype(np.float64))
        return _recip(root.astype(np.float32)).view(np.uint32)
