"""Block kernels of the `fast` fidelity: a whole MATMUL at once, bit-identical to chip/semantics.

chip/semantics.py defines the array's results with plain NumPy loops; these kernels compute the
same bits faster:

- float inputs: numba loops that keep the array's summation order (over the array rows for
  WS/IS, over t for OS) and round every product to float32 before adding it (no FMA), vectorized
  across output columns, which are independent sums;
- int8 inputs: BLAS in float32 on chunks of at most 1024 terms, whose partial sums are integers
  of at most 2^24 (exact in any order, with or without FMA), added in int64, then wrapped to
  int32.

`float_into` and `int_into` write (or accumulate) those bits straight into accumulator rows
for the direct steps of chip/machine/values.py. tests/machine/test_block_kernels.py and
test_float_into.py check them against chip/semantics.py, special values included.
"""

from __future__ import annotations

import numba
import numpy as np

from chip.dtypes import f32_from_bf16_bits

_INT8_PRODUCT_MAX = 128 * 128  # |a * b| for int8 a, b
F32_EXACT_TERMS = (1 << 24) // _INT8_PRODUCT_MAX  # integers up to 2^24 are exact in float32


# The float kernels handle four independent sums at a time (four rows of X for WS/IS, four
# output rows for OS) so that each loaded row of the other operand serves four of them; every
# single sum still adds its products one by one in the array's order, so the bits are unchanged.


@numba.njit(cache=True, inline="always")
def _out(row: np.ndarray, a: np.ndarray, add: bool) -> None:
    """Write a finished row of sums, or add it to what ``row`` holds (the accumulator's fp32
    addition of the whole product, as chip/semantics.py's `accumulate`)."""
    if add:
        for j in range(a.size):
            row[j] = row[j] + a[j]
    else:
        row[:] = a


@numba.njit(cache=True)
def _widen(raw: np.ndarray, out: np.ndarray) -> None:
    """Raw float storage as float32 into ``out`` (a uint32 array viewed by the caller as
    float32): bfloat16 bits shifted into the high half (chip.dtypes.f32_from_bf16_bits), or
    float32 bits copied."""
    shift = 16 if raw.itemsize == 2 else 0
    for r in range(raw.shape[0]):
        for c in range(raw.shape[1]):
            out[r, c] = np.uint32(raw[r, c]) << np.uint32(shift)


@numba.njit(cache=True)
def _stationary_f32(x: np.ndarray, s: np.ndarray, p: np.ndarray, add: bool) -> None:
    T, rows = x.shape
    cols = s.shape[1]
    # private rows: no aliasing with p, so the column loops vectorize
    a0, a1 = np.empty(cols, dtype=np.float32), np.empty(cols, dtype=np.float32)
    a2, a3 = np.empty(cols, dtype=np.float32), np.empty(cols, dtype=np.float32)
    T4 = T - T % 4
    for t in range(0, T4, 4):
        a0[:] = 0.0
        a1[:] = 0.0
        a2[:] = 0.0
        a3[:] = 0.0
        for i in range(rows):
            si = s[i]
            x0, x1, x2, x3 = x[t, i], x[t + 1, i], x[t + 2, i], x[t + 3, i]
            for j in range(cols):
                sv = si[j]
                a0[j] = a0[j] + x0 * sv
                a1[j] = a1[j] + x1 * sv
                a2[j] = a2[j] + x2 * sv
                a3[j] = a3[j] + x3 * sv
        _out(p[t], a0, add)
        _out(p[t + 1], a1, add)
        _out(p[t + 2], a2, add)
        _out(p[t + 3], a3, add)
    for t in range(T4, T):
        a0[:] = 0.0
        for i in range(rows):
            si = s[i]
            xv = x[t, i]
            for j in range(cols):
                a0[j] = a0[j] + xv * si[j]
        _out(p[t], a0, add)


@numba.njit(cache=True)
def _os_f32(x: np.ndarray, y: np.ndarray, p: np.ndarray, add: bool) -> None:
    T, rows = x.shape
    cols = y.shape[1]
    a0, a1 = np.empty(cols, dtype=np.float32), np.empty(cols, dtype=np.float32)
    a2, a3 = np.empty(cols, dtype=np.float32), np.empty(cols, dtype=np.float32)
    R4 = rows - rows % 4
    for i in range(0, R4, 4):
        a0[:] = 0.0
        a1[:] = 0.0
        a2[:] = 0.0
        a3[:] = 0.0
        for t in range(T):
            yt = y[t]
            x0, x1, x2, x3 = x[t, i], x[t, i + 1], x[t, i + 2], x[t, i + 3]
            for j in range(cols):
                yv = yt[j]
                a0[j] = a0[j] + x0 * yv
                a1[j] = a1[j] + x1 * yv
                a2[j] = a2[j] + x2 * yv
                a3[j] = a3[j] + x3 * yv
        _out(p[i], a0, add)
        _out(p[i + 1], a1, add)
        _out(p[i + 2], a2, add)
        _out(p[i + 3], a3, add)
    for i in range(R4, rows):
        a0[:] = 0.0
        for t in range(T):
            yt = y[t]
            xv = x[t, i]
            for j in range(cols):
                a0[j] = a0[j] + xv * yt[j]
        _out(p[i], a0, add)


def _exact_int_matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a @ b for int8-valued int32 operands, exact, wrapped to int32.

    A float32 sum of at most `F32_EXACT_TERMS` such products is an exact integer in any order;
    longer sums add exact float32 partial products of that many terms in int64 (faster than
    float64 BLAS, which the long OS chunks would otherwise need)."""
    n_terms = a.shape[1]
    af, bf = a.astype(np.float32), b.astype(np.float32)
    if n_terms <= F32_EXACT_TERMS:  # |sums| <= 2^24 also fit int32: convert directly
        return (af @ bf).astype(np.int32)
    p = np.zeros((a.shape[0], b.shape[1]), dtype=np.int64)
    for k0 in range(0, n_terms, F32_EXACT_TERMS):
        p += (af[:, k0 : k0 + F32_EXACT_TERMS] @ bf[k0 : k0 + F32_EXACT_TERMS]).astype(np.int64)
    return p.astype(np.int32)  # wraps modulo 2^32 like the array's int32 adders


def stationary_block(x: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Same bits as `chip.semantics.stationary_matmul` (compute values in, float32/int32 out)."""
    if x.dtype.kind == "i":
        return _exact_int_matmul(x, s)
    p = np.empty((x.shape[0], s.shape[1]), dtype=np.float32)
    _stationary_f32(
        np.ascontiguousarray(x, dtype=np.float32),
        np.ascontiguousarray(s, dtype=np.float32),
        p,
        False,
    )
    return p


def os_block(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Same bits as `chip.semantics.os_matmul`."""
    if x.dtype.kind == "i":  # BLAS takes the transposed view as it is
        return _exact_int_matmul(x.T, y)
    p = np.empty((x.shape[1], y.shape[1]), dtype=np.float32)
    _os_f32(
        np.ascontiguousarray(x, dtype=np.float32),
        np.ascontiguousarray(y, dtype=np.float32),
        p,
        False,
    )
    return p


def float_into(
    x: np.ndarray,
    other: np.ndarray,
    out: np.ndarray,
    accumulate: bool,
    os_flow: bool,
    work: np.ndarray,
) -> None:
    """The float WS/IS (or OS) result of raw scratchpad blocks written into (or, with
    ``accumulate``, added onto) the fp32 accumulator block ``out``: the bits of
    `stationary_block` (`os_block`) followed by chip/semantics.py's write or `accumulate`.

    ``x`` holds raw storage (bfloat16 bits as uint16, or float32), widened into ``work`` (a
    uint32 array of x's shape, reused by the caller: fresh arrays of this size cost more in page
    faults than the widening); ``other`` holds float32 values or bfloat16 bits."""
    if x.dtype == np.uint16 or not x.flags.c_contiguous:
        _widen(x.view(np.uint16) if x.dtype == np.uint16 else x.view(np.uint32), work)
        x = work.view(np.float32)
    if other.dtype == np.uint16:
        other = f32_from_bf16_bits(other)
    if os_flow:
        _os_f32(x, np.ascontiguousarray(other), out, accumulate)
    else:
        _stationary_f32(x, np.ascontiguousarray(other), out, accumulate)


def int_into(
    a: np.ndarray,
    b: np.ndarray,
    out: np.ndarray,
    accumulate: bool,
    work_f: np.ndarray,
    work_i: np.ndarray,
) -> None:
    """Write (or, with ``accumulate``, add modulo 2^32) the exact product ``a @ b`` of
    int8-valued float32 operands into the int32 block ``out``: the bits of `stationary_block`
    or `os_block` followed by chip/semantics.py's write or `accumulate`.

    ``work_f`` (float32) and ``work_i`` (int32) have ``out``'s shape and are reused by the
    caller. Sums of at most `F32_EXACT_TERMS` products are exact float32 integers below 2^24;
    longer ones add such chunks in int64."""
    if a.shape[1] <= F32_EXACT_TERMS:
        np.matmul(a, b, out=work_f)
        np.copyto(work_i, work_f, casting="unsafe")  # exact integers, |v| <= 2^24
    else:
        p = np.zeros(out.shape, dtype=np.int64)
        for k0 in range(0, a.shape[1], F32_EXACT_TERMS):
            p += (a[:, k0 : k0 + F32_EXACT_TERMS] @ b[k0 : k0 + F32_EXACT_TERMS]).astype(np.int64)
        np.copyto(work_i, p, casting="unsafe")  # int64 -> int32 wraps modulo 2^32
    if accumulate:
        out += work_i  # int32 addition wraps like the array's adders
    else:
        out[...] = work_i


def warm_up() -> None:
    """Compile (or load from the disk cache) the float kernels for every argument layout the
    machine passes: contiguous operands, and results written into contiguous arrays or into
    accumulator blocks narrower than the accumulator (strided views); raw bfloat16 and float32
    blocks widened from contiguous or strided scratchpad views."""
    f32 = np.zeros((4, 4), dtype=np.float32)
    strided = np.zeros((4, 8), dtype=np.float32)[:, :4]
    for kernel in (_stationary_f32, _os_f32):
        for out in (np.zeros((4, 4), dtype=np.float32), strided):
            kernel(f32, f32, out, False)
    work = np.zeros((4, 4), dtype=np.uint32)
    for raw in (
        np.zeros((4, 4), dtype=np.uint16),
        np.zeros((4, 8), dtype=np.uint16)[:, :4],
        np.zeros((4, 8), dtype=np.uint32)[:, :4],
    ):
        _widen(raw, work)
