"""The `fast` replay's MATMUL kernel with fused multiply-adds, where they give the array's bits.

The array adds each product, rounded to fp32, to a partial sum that starts at 0 and runs over
the array rows in order (docs/timing.md, MATMUL; chip/semantics.py), then writes or adds the
whole partial sum to the accumulator. `matmul_fma` keeps that order and fuses each product with
its addition (``fma(x, s, p)``), which is the same bits whenever every product ``x * s`` is
exact in fp32:

    fma(x, s, p) is ``x * s + p`` rounded once; if ``x * s`` is an fp32 value, that is
    ``fp32(x * s) + p`` rounded once, i.e. the unfused ``fp32add(fp32mul(x, s), p)``, bit for
    bit, signs of zero, infinities and the NaN an invalid sum makes included (both evaluate the
    same exact operation on the same operands).

When is ``x * s`` exact in fp32?

- int8 inputs: ``|x * s| <= 2^14`` is an integer; so is every partial sum of at most
  `block_kernels.F32_EXACT_TERMS` products, all exact in fp32: the kernel's int32 result is the
  exact sum, as the array's int32 adders give it (their wrap-around cannot occur below 2^31).
- bf16 inputs: each has an 8-bit significand, so a product has at most 16 significant bits,
  which fp32's 24 hold, unless the product leaves fp32's normal range: below 2^-126 it may
  need bits below fp32's smallest subnormal step, at 2^128 or above it overflows. `exponents`
  bounds the magnitudes of a block from its raw bits, and `fma_exact` admits a product only
  when both bounds keep it in [2^-126, 2^128) (zeros are exact products) and no input is an
  infinity or a NaN (a NaN's payload would depend on the order LLVM gives the operands).
- fp32 inputs: products have up to 48 significant bits; never fused (chip/machine/
  block_kernels.py's `_matmul_f32`).

The kernel is block_kernels.py's register-blocked loop (4 output rows x 16 columns at a time,
their partial sums held in registers while k runs innermost), inlined and compiled here with
numba's ``fastmath={"contract"}``, which lets LLVM fuse the multiply and the add and nothing
else (no reassociation: every sum keeps its order).
tests/machine/test_fma_kernels.py checks both against chip/semantics.py, special values
included.
"""

from __future__ import annotations

import numba
import numpy as np

from chip.machine.block_kernels import (
    F32_EXACT_TERMS,
    _blocked,
    _edge_rows,
    _put_tile_int,
    _stack_f32,
    _tile_sums,
    _zero,
)
from chip.machine.jit import SLPCompiler

# biased exponents of fp32/bf16: a normal value's magnitude is in [2^(e-127), 2^(e-126))
_BIAS = 127
_E_SPECIAL = 255  # infinities and NaNs
# a nonzero subnormal bf16 is at least 2^-133 = 2^(-6 - 127): its exponent for the lower bound
_E_SUBNORMAL_LOW = -6
NO_VALUES = 1 << 12  # the lower bound of a block without nonzero values: no constraint


@numba.njit(cache=True, inline="always")
def magnitudes_with(bits, low, high):  # noqa: ANN001, ANN201 - uint16 scalars
    """The (lowest nonzero magnitude - 1, highest magnitude) of bf16 values as uint16, ``bits``
    seen too: ``low`` starts at 0xFFFF, which a zero's magnitude minus 1 wraps to, so zeros
    never lower it (a loop of unsigned minima and maxima, which LLVM vectorizes)."""
    mag = bits & np.uint16(0x7FFF)
    return min(low, np.uint16(mag - np.uint16(1))), max(high, mag)


@numba.njit(cache=True, inline="always")
def exponents_of(low, high) -> tuple[int, int]:  # noqa: ANN001 - `magnitudes_with`'s
    """`exponents`' bounds from `magnitudes_with`'s: the exponent grows with the magnitude."""
    e_high = np.int64(high) >> 7
    if low == 0xFFFF:
        return NO_VALUES, e_high
    e_low = (np.int64(low) + 1) >> 7
    return (e_low if e_low != 0 else _E_SUBNORMAL_LOW), e_high


@numba.njit(cache=True)
def exponents(raw: np.ndarray, lo: int, rows: int, cols: int) -> tuple[int, int]:
    """(lowest, highest) biased exponent of the nonzero bf16 values in rows [lo, lo + rows),
    columns [:cols] of ``raw`` (bfloat16 bits): every such value's magnitude is at least
    2^(lowest - 127) and below 2^(highest - 126). ``highest`` is `_E_SPECIAL` if the block holds
    an infinity or a NaN; ``lowest`` is `NO_VALUES` if it holds only zeros."""
    low, high = np.uint16(0xFFFF), np.uint16(0)
    for r in range(lo, lo + rows):
        row = raw[r]
        for c in range(cols):
            low, high = magnitudes_with(row[c], low, high)
    return exponents_of(low, high)


@numba.njit(cache=True, inline="always")
def fma_exact(x_low: int, x_high: int, s_low: int, s_high: int) -> bool:
    """Whether every product of a value within the exponents (x_low, x_high) of `exponents`
    and one within (s_low, s_high) is an exact fp32 value: at least 2^-126
    (``x_low - 127 + s_low - 127 >= -126``) and below 2^128
    (``x_high - 126 + s_high - 126 <= 128``), with no infinity or NaN on either side."""
    if x_high == _E_SPECIAL or s_high == _E_SPECIAL:
        return False
    if x_low == NO_VALUES or s_low == NO_VALUES:
        return True  # every product is a zero
    return x_low + s_low >= 2 * _BIAS - 126 and x_high + s_high <= 2 * (_BIAS - 1) + 128


@numba.njit(cache=True, pipeline_class=SLPCompiler, fastmath={"contract"})
def matmul_fma(
    a: np.ndarray, y: np.ndarray, p: np.ndarray, p_int: np.ndarray, add: bool, ints: bool
) -> None:
    """``p = a @ y`` (``p += a @ y`` with ``add``) with each sum over k in order from 0, each
    step one fused multiply-add; exact products only (see the module docstring). ``ints``: the
    operands hold int8 values and the sums go to the int32 block ``p_int`` (wrapping), else to
    the fp32 block ``p`` (a NaN it holds stays, as chip/semantics.py's `accumulate`)."""
    _blocked(a, y, p, p_int, add, ints, False)


@numba.njit(cache=True, inline="always")
def _fold_in(total, c) -> None:  # noqa: ANN001 - float rows
    """A fold's sums added onto a running total as the accumulator adds them. A fold of exact
    products never sums to a NaN (finite products; a sum that overflows stays infinite), so at
    most one operand is a NaN and x86 returns it quieted in either operand order: the plain
    addition gives block_kernels.py's `_put`, which picks the accumulator's NaN explicitly."""
    for j in range(c.size):
        total[j] = total[j] + c[j]


@numba.njit(cache=True, inline="always")
def _copy(src, dst) -> None:  # noqa: ANN001 - float rows
    for j in range(dst.size):
        dst[j] = src[j]


@numba.njit(cache=True, pipeline_class=SLPCompiler, fastmath={"contract"})
def matmul_chain(
    xs: np.ndarray,
    ss: np.ndarray,
    p: np.ndarray,
    p_int: np.ndarray,
    add: bool,
    ints: bool,
) -> None:
    """``n`` MATMULs that accumulate into one block in turn (a chain, chip/machine/chains.py),
    in one pass over the block: the same bits as `matmul_fma` on each fold in turn (``add`` for
    the first, adding for the others), exact products only. Fold f multiplies X, ``xs[f]``
    (t x k), by its stationary tile ``ss[f]`` (k x cols), float32 values; the block is ``p``
    (``p_int`` with ``ints``), t x cols.

    Each 4 x 16 tile of the block is read once and written once: float folds add their sums
    onto a running total as the accumulator would (`_fold_in`, one rounding per fold); int8
    folds sum on in float32, exact up to `F32_EXACT_TERMS` terms, then onto the int32 words
    (a sum modulo 2^32 does not depend on its order)."""
    n, t, k = xs.shape
    cols = ss.shape[2]
    T4, J16 = t - t % 4, cols - cols % 16
    c0, c1 = numba.carray(_stack_f32(16), 16), numba.carray(_stack_f32(16), 16)
    c2, c3 = numba.carray(_stack_f32(16), 16), numba.carray(_stack_f32(16), 16)
    s0, s1 = numba.carray(_stack_f32(16), 16), numba.carray(_stack_f32(16), 16)
    s2, s3 = numba.carray(_stack_f32(16), 16), numba.carray(_stack_f32(16), 16)
    for r in range(0, T4, 4):
        for j0 in range(0, J16, 16):
            if ints:
                put_add, terms = add, 0
                _zero(s0, s1, s2, s3)
                for f in range(n):
                    if terms + k > F32_EXACT_TERMS:
                        _put_tile_int(p_int, r, j0, s0, s1, s2, s3, put_add)
                        _zero(s0, s1, s2, s3)
                        put_add, terms = True, 0
                    _tile_sums(xs[f], ss[f], r, j0, s0, s1, s2, s3)
                    terms += k
                _put_tile_int(p_int, r, j0, s0, s1, s2, s3, put_add)
                continue
            fresh = not add  # the total holds nothing yet
            if add:
                _copy(p[r, j0 : j0 + 16], s0)
                _copy(p[r + 1, j0 : j0 + 16], s1)
                _copy(p[r + 2, j0 : j0 + 16], s2)
                _copy(p[r + 3, j0 : j0 + 16], s3)
            for f in range(n):
                _zero(c0, c1, c2, c3)
                _tile_sums(xs[f], ss[f], r, j0, c0, c1, c2, c3)
                if fresh:
                    _copy(c0, s0)
                    _copy(c1, s1)
                    _copy(c2, s2)
                    _copy(c3, s3)
                    fresh = False
                else:
                    _fold_in(s0, c0)
                    _fold_in(s1, c1)
                    _fold_in(s2, c2)
                    _fold_in(s3, c3)
            _copy(s0, p[r, j0 : j0 + 16])
            _copy(s1, p[r + 1, j0 : j0 + 16])
            _copy(s2, p[r + 2, j0 : j0 + 16])
            _copy(s3, p[r + 3, j0 : j0 + 16])
    for f in range(n):  # the edges fold by fold, through the accumulator
        _edge_rows(xs[f], ss[f], p, p_int, add or f > 0, ints, 0, T4, J16, cols)
        _edge_rows(xs[f], ss[f], p, p_int, add or f > 0, ints, T4, t, 0, cols)
