"""The compiled replay of a value plan: every kernel step of a run in one numba call.

chip/machine/replay.py encodes a program's value plan (chip/machine/values.py) as one int64
row per step (the ``F_*`` columns below) and calls `replay` on the state's arrays. `replay`
applies the steps in order from ``start`` and returns the position of the first step it hands
back to Python (``R_PY``, or a vector step whose operands it does not decide, below), or the
number of steps when it has applied them all. Each step computes exactly what chip/semantics.py
computes for the instruction:

- LOAD/STORE: the DRAM block's elements copied to or from the on-chip rows (both hold the
  same storage type, so a copy of the words is the instruction's effect);
- PRELOAD: the tile's raw storage kept, and its values widened once (bf16 bits shifted into
  float32, int8 exactly);
- MATMUL: float products in the array's summation order by chip/machine/fma_kernels.py's
  `matmul_fma` where every product is exact in float32 (int8 inputs; bf16 inputs whose
  exponents keep the products in float32's normal range), else by chip/machine/
  block_kernels.py's kernel (products rounded to float32, no FMA; chip/semantics.py's NaN
  rule); int8 sums wrap to int32 as the array's adders (OS products over more than
  `F32_EXACT_TERMS` terms: `_int_matmul`). The folds of a chain (chip/machine/chains.py) keep
  their widened X and stationary tile until the last one, which applies them all
  (`_chain_step`);
- MOVE: the block's words gathered into a work buffer, then written (transposed or not) into
  the destination rows (both hold words of one size: the plan keeps other MOVEs checked);
- vector functions of fp32 and bf16 values: chip/machine/vec_kernels.py, which declines the
  few cases where IEEE arithmetic leaves NumPy a choice (NaN payloads, signed zeros); the step
  then goes back to Python, which computes it with chip/semantics.py.

Written-masks are set where the plan says a write may change them (``mark``).
"""

from __future__ import annotations

import numba
import numpy as np

from chip.machine.block_kernels import F32_EXACT_TERMS, _matmul_f32
from chip.machine.fma_kernels import (
    exponents,
    exponents_of,
    fma_exact,
    magnitudes_with,
    matmul_chain,
    matmul_fma,
)
from chip.machine.vec_kernels import (
    ARITHMETIC,
    FROM_ROWS,
    T_BF16,
    T_FP32,
    V_GT,
    from_rows,
    gather,
    scatter,
    vector,
)

# step kinds (column F_KIND)
R_PY, R_LOAD, R_STORE, R_PRELOAD, R_MATMUL, R_VEC, R_MOVE = range(7)
# on-chip arrays (ACCF: the accumulator's words as fp32)
M_SPAD, M_ACC, M_ACCF = 0, 1, 2

F_KIND = 0
# LOAD / STORE: on-chip array, first row, rows, cols, mark (LOAD), DRAM offset, strides of a
# row and of an element, all three in elements (of the on-chip array's word size)
F_MEM, F_LO, F_ROWS, F_COLS, F_MARK, F_OFFSET, F_STEP_R, F_STEP_E = range(1, 9)
# PRELOAD: F_LO, F_ROWS, F_COLS (column F_MEM unused)
# MOVE: F_MEM to F_MARK of the source block (rows x cols, as read) and whether it marks the
# destination, then the destination's array and first row, and whether it is transposed
F_MDST, F_MDLO, F_MTRANSPOSE = range(6, 9)
# MATMUL: the instruction's fields, out_rows, accumulate, mark, then its place in a chain of
# folds (chip/machine/chains.py) and the chain's length (0 or 1: no chain)
F_X, F_T, F_MROWS, F_MCOLS, F_Y, F_OUT, F_OUT_ROWS, F_ACCUMULATE, F_MMARK = range(1, 10)
F_FOLD, F_FOLDS = 10, 11
# VEC: function, rows, cols, destination (array, row, rows written, type), mark, the immediate
# as fp32 bits, then per source (array, first row, rows, type); array -1: no source
F_OP, F_VROWS, F_VCOLS, F_DST, F_DROW, F_NOUT, F_DTYPE, F_VMARK, F_IMM = range(1, 10)
F_SRC1, F_SRC2 = 10, 14
WIDTH = 18

# registers: the stationary tile's shape (rows 0: none yet), whether a PRELOAD of this call
# replaced it since the caller last read it, and the lowest and highest exponents of its bf16
# values (chip/machine/fma_kernels.py `exponents`)
REG_SROWS, REG_SCOLS, REG_FRESH, REG_SLOW, REG_SHIGH = range(5)
REGS = 5

_FROM_ROWS = np.zeros(V_GT + 1, dtype=np.bool_)  # by function code: `from_rows` takes it
_FROM_ROWS[list(FROM_ROWS)] = True


@numba.njit(cache=True)
def _copy_dram(dram, mem, lo, rows, cols, off, step_r, step_e, load):
    """A LOAD (``load``) or STORE between DRAM and rows [lo, lo + rows) of ``mem``, both as
    words of the element's size (DRAM offset and strides in words)."""
    if step_e == 1:
        # rows of consecutive words: one-dimensional views of both rows, whose loop LLVM
        # vectorizes (measured 3x the two-dimensional indexing below)
        for r in range(rows):
            base = off + r * step_r
            near, far = mem[lo + r], dram[base : base + cols]
            if load:
                for c in range(cols):
                    near[c] = far[c]
            else:
                for c in range(cols):
                    far[c] = near[c]
        return
    for r in range(rows):
        base = off + r * step_r
        if load:
            for c in range(cols):
                mem[lo + r, c] = dram[base + c * step_e]
        else:
            for c in range(cols):
                dram[base + c * step_e] = mem[lo + r, c]


@numba.njit(cache=True)
def _move(src, s_lo, rows, cols, dst, d_lo, transpose, buf) -> None:
    """Rows [s_lo, s_lo + rows), columns [:cols] of ``src`` into ``dst`` from row ``d_lo``
    (``transpose``: element (r, c) into row d_lo + c, element r), read whole into the flat
    work buffer ``buf`` first, as chip/semantics.py reads the block before writing it."""
    block = buf[: rows * cols].reshape((rows, cols))
    for r in range(rows):
        near = src[s_lo + r]
        for c in range(cols):
            block[r, c] = near[c]
    if transpose:
        for c in range(cols):
            far = dst[d_lo + c]
            for r in range(rows):
                far[r] = block[r, c]
    else:
        for r in range(rows):
            far = dst[d_lo + r]
            for c in range(cols):
                far[c] = block[r, c]


@numba.njit(cache=True, inline="always")
def _block(buf: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """The first ``rows x cols`` words of a flat work buffer as a C-contiguous block."""
    return buf[: rows * cols].reshape((rows, cols))


@numba.njit(cache=True)
def _vec_step(s, imm, spad_u, acc_u, spad_w, acc_w, wa, wb, wp, fa, fb, fp) -> bool:
    """One vector step (chip/machine/vec_kernels.py); False if Python must compute it (nothing
    is written then)."""
    rows, cols, op = s[F_VROWS], s[F_VCOLS], s[F_OP]
    if _FROM_ROWS[op] and _in_acc(s, F_SRC1) and (s[F_SRC2] < 0 or _in_acc(s, F_SRC2)):
        n = from_rows(op, imm, acc_u, s[F_SRC1 + 1], s[F_SRC1 + 2], s[F_SRC2 + 1],
                      s[F_SRC2 + 2], fp, rows, cols)  # fmt: skip
        return n == s[F_NOUT] and _vec_out(s, spad_u, acc_u, spad_w, acc_w, wp, n, cols)
    for k in range(2):
        f = F_SRC1 + 4 * k
        if s[f] >= 0:
            out = wa if k == 0 else wb
            shift = 16 if s[f + 3] == T_BF16 else 0
            if s[f] == M_SPAD:
                nan = gather(spad_u, s[f + 1], s[f + 2], shift, rows, cols, out)
            else:
                nan = gather(acc_u, s[f + 1], s[f + 2], shift, rows, cols, out)
            if nan and op <= ARITHMETIC:
                return False
    n = vector(op, imm, fa, fb, fp, rows, cols)
    return n == s[F_NOUT] and _vec_out(s, spad_u, acc_u, spad_w, acc_w, wp, n, cols)


@numba.njit(cache=True, inline="always")
def _in_acc(s, f) -> bool:
    """Vector source at column ``f`` of step ``s``: fp32 values in the accumulator."""
    return s[f] >= 0 and s[f] != M_SPAD and s[f + 3] == T_FP32


@numba.njit(cache=True, inline="always")
def _vec_out(s, spad_u, acc_u, spad_w, acc_w, wp, n, cols) -> bool:
    """A vector step's ``n`` result rows (float32 bits in ``wp``) into its destination."""
    lo, dst = s[F_DROW], s[F_DST]
    if dst == M_SPAD:
        scatter(wp, spad_u, lo, n, cols, s[F_DTYPE] == T_BF16)
    else:
        scatter(wp, acc_u, lo, n, cols, False)
    if s[F_VMARK]:
        _mark(spad_w if dst == M_SPAD else acc_w, lo, n, cols)
    return True


@numba.njit(cache=True, inline="always")
def _mark(written, lo, rows, cols) -> None:
    """Rows [lo, lo + rows), columns [:cols] of a written-mask set."""
    for r in range(lo, lo + rows):
        for c in range(cols):
            written[r, c] = True


@numba.njit(cache=True)
def _widen_rows(spad_u, lo, rows, cols, shift, out):
    """Scratchpad rows as float32 bits (``shift`` 16: bf16) into ``out``."""
    for r in range(rows):
        for c in range(cols):
            out[r, c] = np.uint32(spad_u[lo + r, c]) << np.uint32(shift)


@numba.njit(cache=True)
def _widen_ints(spad_u, lo, rows, cols, out):
    """Scratchpad rows of int8 values as float32 values (exact) into ``out``."""
    for r in range(rows):
        for c in range(cols):
            out[r, c] = np.float32(np.int8(spad_u[lo + r, c]))


@numba.njit(cache=True)
def _widen_x(spad_u, lo, rows, cols, floats, out) -> tuple[int, int]:
    """A WS/IS MATMUL's X (scratchpad rows [lo, lo + rows), columns [:cols]) as float32 into
    ``out`` (uint32 words, rows x cols): bf16 bits shifted, float32 bits copied, int8 values
    converted; returns the bf16 values' exponents (`exponents`), found in the same pass."""
    if spad_u.itemsize == 2:
        return _widen_bf16(spad_u, lo, rows, cols, out)
    out_f = out.view(np.float32)
    for r in range(rows):
        src, dst, dst_f = spad_u[lo + r], out[r], out_f[r]
        if not floats:
            for c in range(cols):
                dst_f[c] = np.float32(np.int8(src[c]))
        else:
            for c in range(cols):
                dst[c] = np.uint32(src[c])
    return exponents_of(np.uint16(0xFFFF), np.uint16(0))  # (no bf16 values)


@numba.njit(cache=True, inline="always")
def _widen_bf16(spad_u, lo, rows, cols, out) -> tuple[int, int]:
    """`_widen_x` of bf16 values. The magnitudes' bounds are kept per column and combined at
    the end: one running pair for the whole block ends every row in a horizontal reduction,
    which doubled the widening's time (measured)."""
    lows = np.full(cols, 0xFFFF, dtype=np.uint16)  # (`magnitudes_with`)
    highs = np.zeros(cols, dtype=np.uint16)
    for r in range(rows):
        src, dst = spad_u[lo + r], out[r]
        for c in range(cols):
            bits = src[c]
            dst[c] = np.uint32(bits) << np.uint32(16)
            lows[c], highs[c] = magnitudes_with(bits, lows[c], highs[c])
    low, high = np.uint16(0xFFFF), np.uint16(0)
    for c in range(cols):
        low, high = min(low, lows[c]), max(high, highs[c])
    return exponents_of(low, high)


@numba.njit(cache=True)
def _int_matmul(spad_u, x0, y0, acc_i, out, t, rows, cols, accumulate, row):
    """An int8 OS MATMUL summed into (or onto) accumulator rows [out, out + rows) modulo 2^32,
    as the array's int32 adders, from X (t x rows) and Y (t x cols); ``row`` (cols) is float32
    work space.

    A sum modulo 2^32 does not depend on its order, and int8 products are exact in float32,
    as is any sum of up to `F32_EXACT_TERMS` of them: so each output row gathers its terms one
    input row at a time along the contiguous columns, in float32 (a loop the compiler
    vectorizes), and adds each such partial sum to the accumulator as an integer."""
    for i in range(rows):
        dst = acc_i[out + i]
        if not accumulate:
            for j in range(cols):
                dst[j] = 0
        for k0 in range(0, t, F32_EXACT_TERMS):
            for j in range(cols):
                row[j] = 0
            for k in range(k0, min(k0 + F32_EXACT_TERMS, t)):
                xv = np.float32(np.int8(spad_u[x0 + k, i]))
                y = spad_u[y0 + k]
                for j in range(cols):
                    row[j] += xv * np.float32(np.int8(y[j]))
            for j in range(cols):
                dst[j] += np.int32(row[j])  # stored modulo 2^32


@numba.njit(cache=True)
def _os_matmul(s, spad_u, acc_f, acc_i, work, work_f, floats) -> None:
    """An OS MATMUL (kernel row ``s``): X and Y widened into the work buffers, multiplied by
    `matmul_fma` where its products are exact, else by `_matmul_f32` (floats) or `_int_matmul`
    (int8 sums over more than `F32_EXACT_TERMS` terms)."""
    x0, y0, t, rows, cols = s[F_X], s[F_Y], s[F_T], s[F_MROWS], s[F_MCOLS]
    out, add = s[F_OUT], s[F_ACCUMULATE] != 0
    shift = 16 if spad_u.itemsize == 2 else 0
    x, y = _block(work_f[0], t, rows), _block(work_f[1], t, cols)
    if floats:
        _widen_rows(spad_u, x0, t, rows, shift, _block(work[0], t, rows))
        _widen_rows(spad_u, y0, t, cols, shift, _block(work[1], t, cols))
        block = acc_f[out : out + rows, :cols]
        fused = shift == 16
        if fused:
            x_low, x_high = exponents(spad_u, x0, t, rows)
            y_low, y_high = exponents(spad_u, y0, t, cols)
            fused = fma_exact(x_low, x_high, y_low, y_high)
        if fused:
            matmul_fma(x.T, y, block, acc_i[:0, :0], add, False)
        else:
            _matmul_f32(x.T, y, block, add)
    elif t <= F32_EXACT_TERMS:
        _widen_ints(spad_u, x0, t, rows, x)
        _widen_ints(spad_u, y0, t, cols, y)
        matmul_fma(x.T, y, acc_f[:0, :0], acc_i[out : out + rows, :cols], add, True)
    else:
        _int_matmul(spad_u, x0, y0, acc_i, out, t, rows, cols, add, work_f[2][:cols])


@numba.njit(cache=True)
def _chain_step(s, spad_u, acc_f, acc_i, stat, regs, fold_x, fold_s, fold_e, floats) -> None:
    """Fold ``s[F_FOLD]`` of a chain of ``s[F_FOLDS]`` (WS/IS): its X widened and its stationary
    tile (float32 values) kept in the fold buffers with their bf16 exponents and, at the last
    fold, the chain applied: by `matmul_chain` when every fold's products are exact, else fold
    by fold by the kernels of single MATMULs."""
    f, n = s[F_FOLD], s[F_FOLDS]
    x0, t, rows, cols = s[F_X], s[F_T], s[F_MROWS], s[F_MCOLS]
    out, out_rows = s[F_OUT], s[F_OUT_ROWS]
    xs = fold_x[: n * t * rows].reshape((n, t, rows))
    ss = fold_s[: n * rows * cols].reshape((n, rows, cols))
    x_low, x_high = _widen_x(spad_u, x0, t, rows, floats, xs[f])
    held = ss[f].view(np.float32)
    if floats:
        for r in range(rows):
            for c in range(cols):
                ss[f, r, c] = stat[r * cols + c]
    else:
        s_i = stat.view(np.int32)
        for r in range(rows):
            for c in range(cols):
                held[r, c] = np.float32(s_i[r * cols + c])
    fold_e[f, 0], fold_e[f, 1] = x_low, x_high
    fold_e[f, 2], fold_e[f, 3] = regs[REG_SLOW], regs[REG_SHIGH]
    if f == 0:
        fold_e[0, 4] = s[F_ACCUMULATE]
    if f < n - 1:
        return
    add = fold_e[0, 4] != 0
    xf, sf = xs.view(np.float32), ss.view(np.float32)
    no_f, no_i = acc_f[:0, :0], acc_i[:0, :0]
    if not floats:
        matmul_chain(xf, sf, no_f, acc_i[out : out + out_rows, :cols], add, True)
        return
    block = acc_f[out : out + out_rows, :cols]
    exact = spad_u.itemsize == 2
    for g in range(n):
        exact = exact and fma_exact(fold_e[g, 0], fold_e[g, 1], fold_e[g, 2], fold_e[g, 3])
    if exact:
        matmul_chain(xf, sf, block, no_i, add, False)
        return
    for g in range(n):
        e = fold_e[g]
        if spad_u.itemsize == 2 and fma_exact(e[0], e[1], e[2], e[3]):
            matmul_fma(xf[g], sf[g], block, no_i, add or g > 0, False)
        else:
            _matmul_f32(xf[g], sf[g], block, add or g > 0)


@numba.njit(cache=True)
def replay(
    code: np.ndarray,
    imms: np.ndarray,
    start: int,
    dram: np.ndarray,
    spad_u: np.ndarray,
    acc_u: np.ndarray,
    spad_w: np.ndarray,
    acc_w: np.ndarray,
    stat_raw: np.ndarray,
    stat: np.ndarray,
    work: np.ndarray,
    regs: np.ndarray,
    fold_x: np.ndarray,
    fold_s: np.ndarray,
    fold_e: np.ndarray,
    floats: bool,
    os_flow: bool,
) -> int:
    """Apply the steps ``code[start:]`` to the state's arrays (see the module docstring).

    ``imms``: each step's immediate as float32; ``dram``: bytes; ``spad_u``/``acc_u``: the
    on-chip arrays as unsigned words of their element size; ``stat_raw`` (rows x cols words as
    ``spad_u``'s) and ``stat`` (flat: float32 bits, or int8 values as int32 for integer
    arrays) the stationary tile; ``work``: three flat uint32 buffers of at least ``rows x
    row_elems`` words, the largest block a step reads; ``fold_x``, ``fold_s`` (uint32, flat)
    and ``fold_e`` (int64, 5 per fold) the fold buffers of the longest chain (`_chain_step`);
    ``floats``: the array's inputs are bf16 or fp32. Returns the position of the first step
    left to Python, or ``len(code)``.
    """
    shift = 16 if spad_u.itemsize == 2 else 0
    dram_s = dram.view(spad_u.dtype)  # DRAM as words of the scratchpad's and accumulator's
    dram_a = dram.view(acc_u.dtype)
    acc_f = acc_u.view(np.float32)
    acc_i = acc_u.view(np.int32)
    wa, wb, wp = work[0], work[1], work[2]
    work_f = work.view(np.float32)  # the same words as float32 values
    fa, fb, fp = work_f[0], work_f[1], work_f[2]
    stat_f = stat.view(np.float32)
    for k in range(start, code.shape[0]):
        s = code[k]
        kind = s[F_KIND]
        if kind == R_LOAD or kind == R_STORE:
            lo, rows, cols = s[F_LO], s[F_ROWS], s[F_COLS]
            load = kind == R_LOAD
            off, step_r, step_e = s[F_OFFSET], s[F_STEP_R], s[F_STEP_E]
            if s[F_MEM] == M_SPAD:
                _copy_dram(dram_s, spad_u, lo, rows, cols, off, step_r, step_e, load)
            else:
                _copy_dram(dram_a, acc_u, lo, rows, cols, off, step_r, step_e, load)
            if load and s[F_MARK]:
                _mark(spad_w if s[F_MEM] == M_SPAD else acc_w, lo, rows, cols)
        elif kind == R_PRELOAD:
            lo, rows, cols = s[F_LO], s[F_ROWS], s[F_COLS]
            held = _block(stat, rows, cols)
            for r in range(rows):
                for c in range(cols):
                    stat_raw[r, c] = spad_u[lo + r, c]
                    if floats:
                        held[r, c] = np.uint32(spad_u[lo + r, c]) << np.uint32(shift)
                    else:  # int8 values, sign-extended
                        held[r, c] = np.uint32(np.int32(np.int8(spad_u[lo + r, c])))
            regs[REG_SROWS], regs[REG_SCOLS], regs[REG_FRESH] = rows, cols, 1
            if shift == 16:
                regs[REG_SLOW], regs[REG_SHIGH] = exponents(spad_u, lo, rows, cols)
        elif kind == R_MATMUL:
            x0, t, rows, cols = s[F_X], s[F_T], s[F_MROWS], s[F_MCOLS]
            out, out_rows, add = s[F_OUT], s[F_OUT_ROWS], s[F_ACCUMULATE] != 0
            no_f, no_i = acc_f[:0, :0], acc_i[:0, :0]
            if os_flow:
                _os_matmul(s, spad_u, acc_f, acc_i, work, work_f, floats)
            elif s[F_FOLDS] > 1:
                _chain_step(s, spad_u, acc_f, acc_i, stat, regs, fold_x, fold_s, fold_e, floats)
            else:
                x_low, x_high = _widen_x(spad_u, x0, t, rows, floats, _block(wa, t, rows))
                x = _block(fa, t, rows)
                if not floats:
                    y = _block(fb, rows, cols)
                    s_i = stat.view(np.int32)
                    for r in range(rows):
                        for c in range(cols):
                            y[r, c] = np.float32(s_i[r * cols + c])
                    block = acc_i[out : out + out_rows, :cols]
                    matmul_fma(x, y, no_f, block, add, True)  # (rows <= F32_EXACT_TERMS)
                else:
                    s_f = stat_f[: rows * cols].reshape((rows, cols))
                    block = acc_f[out : out + out_rows, :cols]
                    s_low, s_high = regs[REG_SLOW], regs[REG_SHIGH]
                    if shift == 16 and fma_exact(x_low, x_high, s_low, s_high):
                        matmul_fma(x, s_f, block, no_i, add, False)
                    else:
                        _matmul_f32(x, s_f, block, add)
            if s[F_MMARK]:
                _mark(acc_w, out, out_rows, cols)
        elif kind == R_MOVE:
            lo, rows, cols, dst, d_lo = s[F_LO], s[F_ROWS], s[F_COLS], s[F_MDST], s[F_MDLO]
            transpose = s[F_MTRANSPOSE] != 0
            if s[F_MEM] == M_SPAD:
                if dst == M_SPAD:
                    _move(spad_u, lo, rows, cols, spad_u, d_lo, transpose, wa)
                else:
                    _move(spad_u, lo, rows, cols, acc_u, d_lo, transpose, wa)
            elif dst == M_SPAD:
                _move(acc_u, lo, rows, cols, spad_u, d_lo, transpose, wa)
            else:
                _move(acc_u, lo, rows, cols, acc_u, d_lo, transpose, wa)
            if s[F_MARK]:
                out_rows, out_cols = (cols, rows) if transpose else (rows, cols)
                _mark(spad_w if dst == M_SPAD else acc_w, d_lo, out_rows, out_cols)
        elif kind == R_VEC:
            if not _vec_step(s, imms[k], spad_u, acc_u, spad_w, acc_w, wa, wb, wp, fa, fb, fp):
                return k
        else:
            return k
    return code.shape[0]
