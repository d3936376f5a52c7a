"""Chains of MATMULs in a replay table: the folds that accumulate into one accumulator block.

A WS/IS GEMM sums over K in folds of the array's rows: one PRELOAD and one MATMUL per fold, every
MATMUL after the first adding its K-sum onto the same block (chip/semantics.py's `accumulate`).
Replayed one by one, each fold reads and writes the whole block. `mark` finds such chains in
chip/machine/replay.py's table (consecutive MATMULs with one output block and shape, every one
after the first accumulating, with only scratchpad LOADs, PRELOADs and DMA of other accumulator
rows between them: nothing else reads or writes the block meanwhile) and numbers their folds in
the ``F_FOLD``/``F_FOLDS`` columns. The replay kernel keeps each fold's widened X and stationary
tile and, at the last fold, applies the whole chain in one pass
(chip/machine/fma_kernels.py's `matmul_chain`), which gives each fold's rounding as before.
"""

from __future__ import annotations

import numba
import numpy as np

from chip.machine import replay_kernel as rk

# the most X words a chain keeps (float32): 1 MiB, which stays in a core's L2 cache between
# the widening and the pass (8 folds of a 1024-row block on 32x32; with all 32 folds, 4 MiB,
# the replay of bench/fast_gemm.py's 32x32 GEMM measured 10% slower)
CHAIN_WORDS = 1 << 18


@numba.njit(cache=True)
def mark(code: np.ndarray, cap: int) -> tuple[int, int]:
    """Number the folds of every chain of at least two MATMULs in ``code`` (writable) whose X
    blocks together hold at most ``cap`` words; returns (most folds of a chain, most X words
    of one fold), (1, 0) if there is no chain."""
    members = np.empty(code.shape[0], dtype=np.int64)
    m, most, words = 0, 1, 0
    out = out_rows = cols = t = rows = 0
    for k in range(code.shape[0]):
        s = code[k]
        kind = s[rk.F_KIND]
        if kind == rk.R_MATMUL:
            same = (
                m > 0
                and s[rk.F_ACCUMULATE] != 0
                and s[rk.F_OUT] == out
                and s[rk.F_OUT_ROWS] == out_rows
                and s[rk.F_MCOLS] == cols
                and s[rk.F_T] == t
                and s[rk.F_MROWS] == rows
                and (m + 1) * t * rows <= cap
            )
            if not same:
                most, words = _close(code, members, m, most, words)
                m = 0
                out, out_rows, cols = s[rk.F_OUT], s[rk.F_OUT_ROWS], s[rk.F_MCOLS]
                t, rows = s[rk.F_T], s[rk.F_MROWS]
            members[m] = k
            m += 1
        elif kind == rk.R_PRELOAD:
            continue
        elif (kind == rk.R_LOAD or kind == rk.R_STORE) and (
            s[rk.F_MEM] == rk.M_SPAD
            or s[rk.F_LO] + s[rk.F_ROWS] <= out
            or s[rk.F_LO] >= out + out_rows
        ):
            continue
        else:
            most, words = _close(code, members, m, most, words)
            m = 0
    return _close(code, members, m, most, words)


@numba.njit(cache=True)
def _close(code, members, m, most, words) -> tuple[int, int]:  # noqa: ANN001
    """Number a chain's ``m`` members (none if fewer than two); the running maxima."""
    if m < 2:
        return most, words
    for i in range(m):
        code[members[i], rk.F_FOLD] = i
        code[members[i], rk.F_FOLDS] = m
    s = code[members[0]]
    return max(most, m), max(words, s[rk.F_T] * s[rk.F_MROWS])


def warm_up() -> None:
    """Compile (or load from the disk cache) `mark` as replay.py calls it."""
    mark(np.zeros((1, rk.WIDTH), dtype=np.int64), CHAIN_WORDS)
