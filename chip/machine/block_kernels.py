"""Block kernels of the `fast` fidelity: a whole MATMUL at once, bit-identical to chip/semantics.

chip/semantics.py defines the array's results with plain NumPy loops; these kernels compute the
same bits faster:

- float inputs: numba loops that keep the array's summation order (over the array rows for
  WS/IS, over t for OS) and round every product to float32 before adding it (no FMA), vectorized
  across output columns, which are independent sums;
- int8 inputs: BLAS in float32 on chunks of at most 1024 terms, whose partial sums are integers
  of at most 2^24 (exact in any order, with or without FMA), added in int64, then wrapped to
  int32.

tests/machine/test_block_kernels.py checks them against chip/semantics.py, special values
included.
"""

from __future__ import annotations

import numba
import numpy as np

_INT8_PRODUCT_MAX = 128 * 128  # |a * b| for int8 a, b
_F32_EXACT_TERMS = (1 << 24) // _INT8_PRODUCT_MAX  # integers up to 2^24 are exact in float32


@numba.njit(cache=True)
def _stationary_f32(x: np.ndarray, s: np.ndarray, p: np.ndarray) -> None:
    T, rows = x.shape
    cols = s.shape[1]
    acc = np.empty(cols, dtype=np.float32)  # a private row: no aliasing, so it vectorizes
    for t in range(T):
        for j in range(cols):
            acc[j] = np.float32(0.0)
        for i in range(rows):
            xv = x[t, i]
            si = s[i]
            for j in range(cols):
                acc[j] = acc[j] + xv * si[j]
        for j in range(cols):
            p[t, j] = acc[j]


@numba.njit(cache=True)
def _os_f32(x: np.ndarray, y: np.ndarray, p: np.ndarray) -> None:
    T, rows = x.shape
    cols = y.shape[1]
    for i in range(rows):
        for j in range(cols):
            p[i, j] = np.float32(0.0)
    for t in range(T):
        for i in range(rows):
            xv = x[t, i]
            for j in range(cols):
                p[i, j] = p[i, j] + xv * y[t, j]


def _exact_int_matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a @ b for int8-valued int32 operands, exact, wrapped to int32.

    A float32 sum of at most `_F32_EXACT_TERMS` such products is an exact integer in any order;
    longer sums add exact float32 partial products of that many terms in int64 (faster than
    float64 BLAS, which the long OS chunks would otherwise need)."""
    n_terms = a.shape[1]
    af, bf = a.astype(np.float32), b.astype(np.float32)
    if n_terms <= _F32_EXACT_TERMS:  # |sums| <= 2^24 also fit int32: convert directly
        return (af @ bf).astype(np.int32)
    p = np.zeros((a.shape[0], b.shape[1]), dtype=np.int64)
    for k0 in range(0, n_terms, _F32_EXACT_TERMS):
        p += (af[:, k0:k0 + _F32_EXACT_TERMS] @ bf[k0:k0 + _F32_EXACT_TERMS]).astype(np.int64)
    return p.astype(np.int32)  # wraps modulo 2^32 like the array's int32 adders


def stationary_block(x: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Same bits as `chip.semantics.stationary_matmul` (compute values in, float32/int32 out)."""
    if x.dtype.kind == "i":
        return _exact_int_matmul(x, s)
    p = np.empty((x.shape[0], s.shape[1]), dtype=np.float32)
    _stationary_f32(np.ascontiguousarray(x, dtype=np.float32),
                    np.ascontiguousarray(s, dtype=np.float32), p)
    return p


def os_block(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Same bits as `chip.semantics.os_matmul`."""
    if x.dtype.kind == "i":  # BLAS takes the transposed view as it is
        return _exact_int_matmul(x.T, y)
    p = np.empty((x.shape[1], y.shape[1]), dtype=np.float32)
    _os_f32(np.ascontiguousarray(x, dtype=np.float32),
            np.ascontiguousarray(y, dtype=np.float32), p)
    return p
