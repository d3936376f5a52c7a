"""Register-level kernels of the systolic array for the `pe` fidelity (numba).

Each kernel steps every PE register of the R x C array once per cycle, exactly as
docs/timing.md describes, and returns the number of cycles it stepped together with the cycle
offset of the last accumulator write, so the machine can check them against the closed-form
durations. Registers are double-buffered (``cur`` -> ``nxt``) so a cycle reads only values of the
previous cycle, as clocked flip-flops do.

Arithmetic matches chip/semantics.py bit for bit: float32 operands give ``p = p + x*w`` with the
product rounded to float32 (numba emits no fused multiply-add without fastmath) and the ISA's NaN
rule (`_mac`), int operands are passed as int64 and the caller wraps the results to int32 (exact
modulo 2^32).
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, inline="always")
def _mac(p, x, w):  # noqa: ANN001, ANN202 - float32 or int64 scalars
    """``p + x * w`` with chip/semantics.py's NaN rule (the first NaN operand wins), which
    LLVM does not keep by itself: it may swap the operands of an addition or a product. A NaN
    ``p`` came out of this arithmetic, so it is quiet already; with ``p`` not a NaN, ``p + x``
    is ``x`` quieted."""
    if p != p:
        return p
    if x != x:
        return p + x
    return p + x * w


@numba.njit(cache=True)
def preload_shift(shadow: np.ndarray, s: np.ndarray) -> int:
    """Shift tile ``s`` (r x c, r <= R) into the R x C ``shadow`` registers from the top edge.

    Cycle k feeds row R-1-k of ``s`` (zeros past its rows/cols); every register row takes the
    value of the row above. Returns the cycles stepped (R).
    """
    R, C = shadow.shape
    r, c = s.shape
    zero = shadow.dtype.type(0)
    for k in range(R):
        for i in range(R - 1, 0, -1):
            for j in range(C):
                shadow[i, j] = shadow[i - 1, j]
        src = R - 1 - k
        for j in range(C):
            shadow[0, j] = s[src, j] if (src < r and j < c) else zero
    return R


@numba.njit(cache=True)
def stationary_array(x: np.ndarray, w: np.ndarray, out: np.ndarray) -> tuple[int, int]:
    """WS/IS MATMUL: stream ``x`` (T x rows) through the array holding ``w`` (R x C, padded).

    ``out`` (T x cols) receives output (t, j) in cycle t+(R-1)+j. Returns (cycles stepped, cycle
    of the last output write).
    """
    T, rows = x.shape
    R, C = w.shape
    cols = out.shape[1]
    zero = w.dtype.type(0)
    x_cur = np.zeros((R, C), dtype=w.dtype)
    x_nxt = np.zeros((R, C), dtype=w.dtype)
    p_cur = np.zeros((R, C), dtype=w.dtype)
    p_nxt = np.zeros((R, C), dtype=w.dtype)
    cycles = T + R + C - 2
    last = -1
    for cyc in range(cycles):
        for i in range(R):
            t = cyc - i
            x_nxt[i, 0] = x[t, i] if (0 <= t < T and i < rows) else zero
            for j in range(1, C):
                x_nxt[i, j] = x_cur[i, j - 1]
            if i == 0:
                for j in range(C):
                    p_nxt[0, j] = _mac(zero, x_nxt[0, j], w[0, j])
            else:
                for j in range(C):
                    p_nxt[i, j] = _mac(p_cur[i - 1, j], x_nxt[i, j], w[i, j])
        x_cur, x_nxt = x_nxt, x_cur
        p_cur, p_nxt = p_nxt, p_cur
        for j in range(cols):
            t = cyc - (R - 1) - j
            if 0 <= t < T:
                out[t, j] = p_cur[R - 1, j]
                last = cyc
    return cycles, last


@numba.njit(cache=True)
def output_stationary_array(
    x: np.ndarray, y: np.ndarray, out: np.ndarray, R: int, C: int, drain: bool
) -> tuple[int, int]:
    """OS MATMUL: ``x`` (T x rows) from the left, ``y`` (T x cols) from the top; PE(i, j)
    accumulates x[t, i] * y[t, j] in t order. With ``drain`` the results shift out of the bottom
    one row per cycle (bottom row first) into ``out`` (rows x cols); without it they are read in
    place in the last MAC cycle. Returns (cycles stepped, cycle of the last output write).
    """
    T, rows = x.shape
    cols = y.shape[1]
    zero = out.dtype.type(0)
    x_cur = np.zeros((R, C), dtype=out.dtype)
    x_nxt = np.zeros((R, C), dtype=out.dtype)
    y_cur = np.zeros((R, C), dtype=out.dtype)
    y_nxt = np.zeros((R, C), dtype=out.dtype)
    acc = np.zeros((R, C), dtype=out.dtype)
    compute = T + R + C - 2
    for cyc in range(compute):
        for i in range(R):
            t = cyc - i
            x_nxt[i, 0] = x[t, i] if (0 <= t < T and i < rows) else zero
            for j in range(1, C):
                x_nxt[i, j] = x_cur[i, j - 1]
        for j in range(C):
            t = cyc - j
            y_nxt[0, j] = y[t, j] if (0 <= t < T and j < cols) else zero
        for i in range(1, R):
            for j in range(C):
                y_nxt[i, j] = y_cur[i - 1, j]
        for i in range(R):
            for j in range(C):
                acc[i, j] = _mac(acc[i, j], x_nxt[i, j], y_nxt[i, j])
        x_cur, x_nxt = x_nxt, x_cur
        y_cur, y_nxt = y_nxt, y_cur
    if not drain:
        for i in range(rows):
            for j in range(cols):
                out[i, j] = acc[i, j]
        return compute, compute - 1
    last = -1
    for d in range(R):
        i = R - 1 - d  # the register row leaving the bottom this cycle came from row i
        if i < rows:
            for j in range(cols):
                out[i, j] = acc[R - 1, j]
            last = compute + d
        for k in range(R - 1, 0, -1):
            for j in range(C):
                acc[k, j] = acc[k - 1, j]
        for j in range(C):
            acc[0, j] = zero
    return compute + R, last


def warm_up() -> None:
    """Compile (or load from the disk cache) the kernels for both register types the array
    model passes: float32, and int64 for integer inputs."""
    for dtype in (np.float32, np.int64):
        a = np.zeros((2, 2), dtype=dtype)
        preload_shift(a.copy(), a)
        stationary_array(a, a, a.copy())
        output_stationary_array(a, a, a.copy(), 2, 2, True)
