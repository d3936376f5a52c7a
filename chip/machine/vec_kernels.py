"""Vector functions of fp32 and bf16 values for the compiled replay (chip/machine/replay_kernel.py).

The functions are chip/semantics.py's `vector_apply` followed by `to_storage`, for operands and
destinations of types fp32 and bf16: sources widened to float32 (bf16 bits shifted into the
high half, as chip/dtypes.py's `f32_from_bf16_bits`), float32 arithmetic elementwise, RSUM and
CSUM added in their sequential order, results rounded to bf16 by `bf16_bits` (the rounding of
chip/dtypes.py's `bf16_bits_from_f32`: RNE, a NaN kept and quieted).

Where IEEE arithmetic leaves a choice that NumPy and this code might make differently, `vector`
declines and chip/semantics.py computes the step: an arithmetic function of operands holding a
NaN (which payload propagates), MAX, MIN or RELU of equal operands with different bits (the
sign of the zero), a row maximum of zero over both signed zeros (which zero the reduction
meets last). Selections (COPY, BCAST, SET, RELU_MASK, EQ, GT) never decline.

Work buffers are flat uint32 arrays; a block of ``rows x cols`` values is their first
``rows * cols`` words, row after row.
"""

from __future__ import annotations

import numba
import numpy as np

# vector functions `vector` computes (chip/machine/replay.py maps `VecOp`s onto these codes)
(
    V_ADD,
    V_SUB,
    V_MUL,
    V_MAX,
    V_MIN,
    V_MULI,
    V_ADDI,
    V_RELU,
    V_RSUM,
    V_RMAX,
    V_CSUM,
    V_SET,
    V_COPY,
    V_BCAST,
    V_RELU_MASK,
    V_EQ,
    V_GT,
) = range(17)
ARITHMETIC = V_CSUM  # codes up to this one compute on the values (NaNs: decline)
FROM_ROWS = (V_ADD, V_SUB, V_MUL, V_MULI, V_ADDI, V_CSUM, V_COPY)  # `from_rows` computes them
T_FP32, T_BF16 = 0, 1  # value types of operands and destinations

_ABS = np.uint32(0x7FFFFFFF)
_INF = np.uint32(0x7F800000)


@numba.njit(cache=True, inline="always")
def bf16_bits(bits: np.uint32) -> np.uint16:
    """chip/dtypes.py's `bf16_bits_from_f32` of one float32 given by its bits."""
    if (bits & _ABS) > _INF:  # NaN: kept, quieted
        return np.uint16((bits >> np.uint32(16)) | np.uint32(0x0040))
    lsb = (bits >> np.uint32(16)) & np.uint32(1)
    return np.uint16((bits + np.uint32(0x7FFF) + lsb) >> np.uint32(16))


@numba.njit(cache=True)
def gather(src, lo, n, shift, rows, cols, out) -> bool:
    """``n`` rows of the on-chip words ``src`` from row ``lo`` (one row: repeated ``rows``
    times) as float32 bits into the flat ``out``, shifted left by ``shift`` (16: bf16). True if
    any value is a NaN."""
    for r in range(rows):
        row = lo + (r if n >= rows else 0)
        base = r * cols
        for c in range(cols):
            out[base + c] = np.uint32(src[row, c]) << np.uint32(shift)
    top = np.uint32(0)  # the largest magnitude's bits: above infinity's, a NaN
    for i in range(rows * cols):
        top = max(top, out[i] & _ABS)
    return top > _INF


@numba.njit(cache=True)
def _extremum(op, a, b, p, size) -> bool:
    """MAX, MIN or RELU (b: zeros) elementwise as NumPy's maximum/minimum; False if two equal
    operands differ in their bits (signed zeros), where the choice is NumPy's."""
    clash = False
    if op == V_MIN:
        for i in range(size):
            x, y = a[i], b[i]
            clash |= x == y and np.signbit(x) != np.signbit(y)
            p[i] = x if x < y else y
    else:
        for i in range(size):
            x, y = a[i], b[i]
            clash |= x == y and np.signbit(x) != np.signbit(y)
            p[i] = x if x > y else y
    return not clash


@numba.njit(cache=True)
def _row_max(a, p, rows, cols) -> bool:
    """RMAX; False where a row's maximum is zero and the row holds both signed zeros."""
    for r in range(rows):
        base = r * cols
        m = a[base]
        for c in range(1, cols):
            if a[base + c] > m:
                m = a[base + c]
        if m == 0:
            signs = 0
            for c in range(cols):
                if a[base + c] == 0:
                    signs |= 2 if np.signbit(a[base + c]) else 1
            if signs == 3:
                return False
        p[base : base + cols] = m
    return True


@numba.njit(cache=True)
def vector(op, imm, a, b, p, rows, cols) -> int:
    """Vector function ``op`` of the flat float32 blocks ``a`` (and ``b``), ``rows x cols``,
    into ``p``; returns the rows of the result, or -1 where it declines (module docstring)."""
    size = rows * cols
    if op == V_ADD:
        for i in range(size):
            p[i] = a[i] + b[i]
    elif op == V_SUB:
        for i in range(size):
            p[i] = a[i] - b[i]
    elif op == V_MUL:
        for i in range(size):
            p[i] = a[i] * b[i]
    elif op == V_MULI:
        for i in range(size):
            p[i] = a[i] * imm
    elif op == V_ADDI:
        for i in range(size):
            p[i] = a[i] + imm
    elif op == V_MAX or op == V_MIN:
        if not _extremum(op, a, b, p, size):
            return -1
    elif op == V_RELU:
        b[:size] = 0
        if not _extremum(V_MAX, a, b, p, size):
            return -1
    elif op == V_RSUM:
        for r in range(rows):
            base = r * cols
            s = a[base]
            for c in range(1, cols):
                s = s + a[base + c]
            p[base : base + cols] = s
    elif op == V_RMAX:
        if not _row_max(a, p, rows, cols):
            return -1
    elif op == V_CSUM:
        p[:cols] = a[:cols]
        for r in range(1, rows):
            for c in range(cols):
                p[c] = p[c] + a[r * cols + c]
        return 1
    elif op == V_SET:
        p[:size] = imm
    elif op == V_COPY:
        p[:size] = a[:size]
    elif op == V_BCAST:
        for r in range(rows):
            p[r * cols : (r + 1) * cols] = a[r * cols]
    elif op == V_RELU_MASK:
        for i in range(size):
            p[i] = b[i] if a[i] > 0 else np.float32(0)
    elif op == V_EQ:
        for i in range(size):
            p[i] = np.float32(1) if a[i] == b[i] else np.float32(0)
    elif op == V_GT:
        for i in range(size):
            p[i] = np.float32(1) if a[i] > b[i] else np.float32(0)
    else:
        return -1
    return rows


@numba.njit(cache=True)
def from_rows(op, imm, words, lo1, n1, lo2, n2, p, rows, cols) -> int:
    """Vector function ``op`` (one of `FROM_ROWS`) of fp32 sources read straight from the rows
    of ``words`` (the accumulator's words; source k: ``nk`` rows from row ``lok``, one row
    repeated if ``nk`` is 1) into the flat float32 block ``p``, with no widened copies of the
    sources. Returns the rows of the result, or -1 where it declines: a result is a NaN. These
    functions' results are NaNs wherever an operand is, so that test declines every step
    `vector` declines (and the few that make a NaN of infinities, which chip/semantics.py
    computes as well)."""
    values = words.view(np.float32)
    p_bits = p.view(np.uint32)
    if op == V_COPY:  # a selection: the bits as they are, NaN or not
        for r in range(rows):
            a, out = words[lo1 + (r if n1 > 1 else 0)], p_bits[r * cols : (r + 1) * cols]
            for c in range(cols):
                out[c] = a[c]
        return rows
    if op == V_CSUM:
        p[:cols] = values[lo1, :cols]
        for r in range(1, rows):
            a = values[lo1 + (r if n1 > 1 else 0)]
            for c in range(cols):
                p[c] = p[c] + a[c]
        return 1 if _no_nan(p_bits, cols) else -1
    if op == V_MULI or op == V_ADDI:
        for r in range(rows):
            a = values[lo1 + (r if n1 > 1 else 0)]
            _with_imm(op, imm, a, p[r * cols : (r + 1) * cols], cols)
    else:
        for r in range(rows):
            a = values[lo1 + (r if n1 > 1 else 0)]
            b = values[lo2 + (r if n2 > 1 else 0)]
            _binary(op, a, b, p[r * cols : (r + 1) * cols], cols)
    return rows if _no_nan(p_bits, rows * cols) else -1


# (Two loops over rows, each with its own few functions: with all five in one, LLVM leaves
# the columns' loops unvectorized, measured 2x slower.)
@numba.njit(cache=True, inline="always")
def _binary(op, a, b, out, cols) -> None:
    """One row of ADD, SUB or MUL."""
    if op == V_ADD:
        for c in range(cols):
            out[c] = a[c] + b[c]
    elif op == V_SUB:
        for c in range(cols):
            out[c] = a[c] - b[c]
    else:
        for c in range(cols):
            out[c] = a[c] * b[c]


@numba.njit(cache=True, inline="always")
def _with_imm(op, imm, a, out, cols) -> None:
    """One row of MULI or ADDI."""
    if op == V_MULI:
        for c in range(cols):
            out[c] = a[c] * imm
    else:
        for c in range(cols):
            out[c] = a[c] + imm


@numba.njit(cache=True, inline="always")
def _no_nan(bits, size) -> bool:
    """No NaN among the first ``size`` float32 values, given by their bits."""
    top = np.uint32(0)  # the largest magnitude's bits: above infinity's, a NaN
    for i in range(size):
        top = max(top, bits[i] & _ABS)
    return top <= _INF


@numba.njit(cache=True)
def scatter(bits, dst, lo, rows, cols, bf16) -> None:
    """The flat float32 bits of a result into rows [lo, lo + rows) of the on-chip words
    ``dst``, rounded to bf16 if ``bf16``."""
    for r in range(rows):
        base = r * cols
        if bf16:
            for c in range(cols):
                dst[lo + r, c] = bf16_bits(bits[base + c])
        else:
            for c in range(cols):
                dst[lo + r, c] = bits[base + c]
