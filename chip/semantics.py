"""What each instruction computes: the living definition of the ISA.

`execute(state, ins)` applies one instruction to a `ChipState`. The functional model calls it in
program order; the `fast` machine calls it at the cycle each instruction executes. The `pe`
machine and the RTL compute array results their own way and must agree bit for bit with
`stationary_matmul` and `os_matmul`.

Numerics (docs/isa.md): int8 x int8 products are exact and sums wrap modulo 2^32; float products
are rounded to fp32 (bf16 x bf16 products are exact in fp32) and added in the array's order with
no fused multiply-add; the vector unit computes in fp32 (the special functions by the hardware's
algorithms of chip/special.py where those are defined, else in float64 rounded once to fp32),
or exactly in integers when every operand is an integer and the function has no immediate; CVT
rounds to a narrow number format (chip/formats.py); results are converted to the destination's
type with RNE and saturation.
"""

from __future__ import annotations

import numpy as np

from chip import special
from chip.config import Dataflow
from chip.dtypes import compute_values, to_storage
from chip.errors import Fault
from chip.formats import Conversion, convert
from chip.isa import (
    LINK_INSTRUCTIONS,
    LINK_ONLY,
    VEC_READS_B,
    VEC_SPECIAL,
    VEC_USES_IMM,
    Halt,
    Instr,
    Load,
    Loc,
    Matmul,
    Mem,
    Move,
    Preload,
    Store,
    Vec,
    VecOp,
    f32_bits,
)
from chip.state import ChipState


# ---------------------------------------------------------------- array arithmetic
def stationary_matmul(x: np.ndarray, s: np.ndarray) -> np.ndarray:
    """WS/IS result rows: p[t, j] = sum_i x[t, i] * s[i, j], summed in order i = 0, 1, ...

    ``x`` and ``s`` hold compute values (float32 or int32); the result is float32 or int32.
    """
    if x.dtype.kind == "i":
        # Integer sums are exact modulo 2^32 in any order; int8 products summed over <= 256 rows
        # stay far below 2^53, so float64 BLAS is exact here.
        return _wrap_i32(x.astype(np.float64) @ s.astype(np.float64))
    p = np.zeros((x.shape[0], s.shape[1]), dtype=np.float32)
    for i in range(x.shape[1]):
        p += x[:, i : i + 1] * s[i : i + 1, :]
    if not np.isnan(p).any():
        return p
    p[...] = 0.0  # a NaN met another on the way: again, with the ISA's rule for which one wins
    for i in range(x.shape[1]):
        p = f32_add(p, f32_mul(x[:, i : i + 1], s[i : i + 1, :]))
    return p


def os_matmul(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """OS result tile: p[i, j] = sum_t x[t, i] * y[t, j], summed in order t = 0, 1, ..."""
    if x.dtype.kind == "i":
        return _wrap_i32(_exact_int_dot(x.T, y))
    p = np.zeros((x.shape[1], y.shape[1]), dtype=np.float32)
    for t in range(x.shape[0]):
        p += x[t][:, None] * y[t][None, :]
    if not np.isnan(p).any():
        return p
    p[...] = 0.0  # a NaN met another on the way: again, with the ISA's rule for which one wins
    for t in range(x.shape[0]):
        p = f32_add(p, f32_mul(x[t][:, None], y[t][None, :]))
    return p


def _exact_int_dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    # Products of int8 are below 2^14; chunks of 2^30 rows keep float64 sums exact (< 2^53).
    if a.shape[1] <= (1 << 30):
        return a.astype(np.float64) @ b.astype(np.float64)
    return a.astype(np.int64) @ b.astype(np.int64)


def _wrap_i32(v: np.ndarray) -> np.ndarray:
    # int64 -> int32 casts wrap modulo 2^32, as the array's 32-bit adders do.
    return np.asarray(v).astype(np.int64).astype(np.int32)


def accumulate(old: np.ndarray, p: np.ndarray) -> np.ndarray:
    """acc + p in the accumulator's arithmetic (fp32 rounding, or int32 wrap-around)."""
    if p.dtype == np.int32:
        return _wrap_i32(old.astype(np.int64) + p.astype(np.int64))
    return f32_add(old, p)


# The ISA's rule for NaNs (x86 SSE's, which the RTL's units implement: docs/hdl.md): a NaN
# first operand comes out quieted, else a NaN second operand, else the default NaN. NumPy's
# loops do not keep it for two NaNs: its scalar loops (a single element, and the elements past
# the last full vector) return the second, so the float arithmetic of the array applies it
# explicitly. With at most one NaN operand every order gives the same bits.
_QUIET_BIT = np.uint32(0x00400000)


def _first_nan_wins(a: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``out`` (float32, ``a`` op something) with ``a`` quieted wherever ``a`` is a NaN."""
    nan = np.isnan(a)
    if nan.any():
        a = np.broadcast_to(a, out.shape)
        quiet = (a.view(np.uint32) | _QUIET_BIT).view(np.float32)
        np.copyto(out, quiet, where=np.broadcast_to(nan, out.shape))
    return out


def f32_add(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a + b`` in float32 with the ISA's NaN rule."""
    return _first_nan_wins(a, a + b)


def f32_mul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a * b`` in float32 with the ISA's NaN rule."""
    return _first_nan_wins(a, a * b)


# ---------------------------------------------------------------- vector arithmetic
INT_EXACT = frozenset(
    {
        VecOp.ADD,
        VecOp.SUB,
        VecOp.MUL,
        VecOp.MAX,
        VecOp.MIN,
        VecOp.COPY,
        VecOp.RELU,
        VecOp.RELU_MASK,
        VecOp.RSUM,
        VecOp.RMAX,
        VecOp.BCAST,
        VecOp.EQ,
        VecOp.GT,
        VecOp.CSUM,
    }
)


def vector_apply(
    op: VecOp, a: np.ndarray | None, b: np.ndarray | None, imm: float, rows: int, cols: int
) -> np.ndarray:
    """The result of a vector function: float32, or int64 when computed exactly in integers."""
    ints = [v for v in (a, b) if v is not None]
    if ints and all(v.dtype.kind == "i" for v in ints) and op in INT_EXACT:
        a = None if a is None else a.astype(np.int64)
        b = None if b is None else b.astype(np.int64)
        one, zero = np.int64(1), np.int64(0)
    else:
        a = None if a is None else a.astype(np.float32)
        b = None if b is None else b.astype(np.float32)
        one, zero = np.float32(1), np.float32(0)
    f = np.float32(imm)
    with np.errstate(all="ignore"):
        if op is VecOp.ADD:
            return a + b
        if op is VecOp.SUB:
            return a - b
        if op is VecOp.MUL:
            return a * b
        if op is VecOp.MAX:
            return np.maximum(a, b)
        if op is VecOp.MIN:
            return np.minimum(a, b)
        if op is VecOp.MULI:
            return a * f
        if op is VecOp.ADDI:
            return a + f
        if op is VecOp.SET:
            return np.full((rows, cols), f, dtype=np.float32)
        if op is VecOp.COPY:
            return a
        if op is VecOp.RELU:
            return np.maximum(a, zero)
        if op is VecOp.RELU_MASK:
            return np.where(a > 0, b, zero)
        if op is VecOp.EQ:
            return np.where(a == b, one, zero)
        if op is VecOp.GT:
            return np.where(a > b, one, zero)
        if op is VecOp.BCAST:
            return np.repeat(a[:, :1], cols, axis=1)
        if op is VecOp.RSUM:
            total = np.add.accumulate(a, axis=1)[:, -1:]  # sequential, element 0 first
            return np.repeat(total, cols, axis=1)
        if op is VecOp.RMAX:
            return np.repeat(np.max(a, axis=1, keepdims=True), cols, axis=1)
        if op is VecOp.CSUM:
            return np.add.accumulate(a, axis=0)[-1:]  # sequential, row 0 first
        if op is VecOp.RAND:
            return philox_uniform(a.view(np.uint32), b.view(np.uint32), f32_bits(imm))
        if op in VEC_SPECIAL:
            return vector_special(op, a)
        if op is VecOp.CVT:
            return convert(a, _conversion(imm))
    raise Fault(f"vector function {op.name} has no definition")


# the functions `vector_special` computes: the multi-cycle ones but the random numbers
SPECIAL_FUNCTIONS = VEC_SPECIAL - {VecOp.RAND}


def vector_special(op: VecOp, a: np.ndarray) -> np.ndarray:
    """The result of a function of `SPECIAL_FUNCTIONS` as `vector_apply` computes it, for
    callers that know ``op`` is one (its dispatch costs more than the function on small rows)."""
    a = np.ascontiguousarray(a, dtype=np.float32)
    hardware = _HARDWARE.get(op)
    if hardware is not None:
        return hardware(a.view(np.uint32)).view(np.float32)
    with np.errstate(all="ignore"):
        return _special(op, a.astype(np.float64)).astype(np.float32)


# The functions defined by their hardware algorithm (chip/special.py), on binary32 bits.
_HARDWARE = {
    VecOp.EXP: special.exp_bits,
    VecOp.LOG: special.log_bits,
    VecOp.SIGMOID: special.sigmoid_bits,
    VecOp.TANH: special.tanh_bits,
    VecOp.RSQRT: special.rsqrt_bits,
}


def _conversion(imm: float):
    try:
        return Conversion.from_code(imm)
    except ValueError as e:
        raise Fault(f"CVT: {e}") from None


PHILOX_M = np.uint64(0xD256D193)  # Random123's Philox-2x32 multiplier and key increment
PHILOX_W = 0x9E3779B9


def philox2x32(c0: np.ndarray, c1: np.ndarray, key: int, rounds: int = 10) -> tuple:
    """Random123's Philox-2x32 (Salmon et al., SC 2011) of the counters (``c0``, ``c1``), uint32
    arrays, under the 32-bit ``key``: the two output words, uint32 arrays."""
    c0, c1 = c0.astype(np.uint64), c1.astype(np.uint64)
    k = key & 0xFFFFFFFF
    for r in range(rounds):
        if r:
            k = (k + PHILOX_W) & 0xFFFFFFFF
        prod = PHILOX_M * c0
        c0, c1 = (prod >> np.uint64(32)) ^ np.uint64(k) ^ c1, prod & np.uint64(0xFFFFFFFF)
    return c0.astype(np.uint32), c1.astype(np.uint32)


def philox_uniform(c0: np.ndarray, c1: np.ndarray, key: int) -> np.ndarray:
    """RAND's value: the top 24 bits of Philox-2x32-10's first word / 2^24, a float32 in
    [0, 1) (exact: 24 bits fit float32's significand)."""
    word, _ = philox2x32(c0, c1, key)
    return ((word >> np.uint32(8)).astype(np.float64) * 2.0**-24).astype(np.float32)


def _special(op: VecOp, a: np.ndarray) -> np.ndarray:
    if op is VecOp.RECIP:
        return 1.0 / a
    if op is VecOp.SQRT:
        return np.sqrt(a)
    raise Fault(f"vector function {op.name} is not a special function")


# ---------------------------------------------------------------- instructions
def execute(state: ChipState, ins: Instr) -> None:
    """Apply one instruction to ``state``; raises `Fault` if the instruction is invalid there."""
    if isinstance(ins, Load):
        dma_load(state, ins)
    elif isinstance(ins, Store):
        dma_store(state, ins)
    elif isinstance(ins, Preload):
        preload(state, ins)
    elif isinstance(ins, Matmul):
        matmul(state, ins)
    elif isinstance(ins, Vec):
        vec(state, ins)
    elif isinstance(ins, Move):
        move(state, ins)
    elif isinstance(ins, Halt):
        return
    elif isinstance(ins, LINK_INSTRUCTIONS):
        raise Fault(LINK_ONLY)
    else:
        raise Fault(f"no semantics for {type(ins).__name__}")


def _check_block(rows: int, cols: int) -> None:
    if rows < 1 or cols < 1:
        raise Fault(f"rows={rows} and cols={cols} must both be at least 1")


def dma_load(state: ChipState, ins: Load) -> None:
    _check_block(ins.rows, ins.cols)
    dtype = state.dtype_of(ins.dst.mem)
    state.check_rows(ins.dst, ins.rows, ins.cols, "load destination")
    idx = state.dram_offsets(
        ins.dram, ins.rows, ins.cols, ins.stride, ins.transpose, dtype, "load source"
    )
    state.write(ins.dst, state.dram_view(dtype)[idx], "load destination")


def dma_store(state: ChipState, ins: Store) -> None:
    _check_block(ins.rows, ins.cols)
    dtype = state.dtype_of(ins.src.mem)
    raw = state.read(ins.src, ins.rows, ins.cols, "store source")
    idx = state.dram_offsets(
        ins.dram, ins.rows, ins.cols, ins.stride, ins.transpose, dtype, "store destination"
    )
    state.dram_view(dtype)[idx] = raw


def move(state: ChipState, ins: Move) -> None:
    _check_block(ins.rows, ins.cols)
    src, dst = state.dtype_of(ins.src.mem), state.dtype_of(ins.dst.mem)
    if src.nbytes != dst.nbytes:
        raise Fault(
            f"move of {src.value} elements into {dst.value} rows: a DMA does not convert, and "
            f"their sizes differ ({src.nbytes} and {dst.nbytes} bytes)"
        )
    raw = state.read(ins.src, ins.rows, ins.cols, "move source")
    if ins.transpose:
        raw = raw.T
    state.write(ins.dst, np.ascontiguousarray(raw).view(dst.storage), "move destination")


def _check_tile(state: ChipState, rows: int, cols: int) -> None:
    cfg = state.config
    _check_block(rows, cols)
    if rows > cfg.rows:
        raise Fault(f"rows={rows} exceeds the array's {cfg.rows} rows")
    if cols > cfg.cols:
        raise Fault(f"cols={cols} exceeds the array's {cfg.cols} columns")


def preload(state: ChipState, ins: Preload) -> None:
    if not state.config.dataflow.has_stationary_operand:
        raise Fault("preload is not used by the output-stationary dataflow")
    _check_tile(state, ins.rows, ins.cols)
    state.stationary = state.read(Loc(Mem.SPAD, ins.src), ins.rows, ins.cols, "preload source")


def matmul_operands(state: ChipState, ins: Matmul) -> tuple[np.ndarray, np.ndarray]:
    """The array's operands of a matmul as compute values: (X, Y) for OS, (X, S) for WS/IS.

    Checks the instruction against the array and the state; raises `Fault` if it is invalid.
    """
    cfg = state.config
    _check_tile(state, ins.rows, ins.cols)
    if ins.t < 1:
        raise Fault("t must be at least 1")
    dtype = cfg.input_dtype
    x = compute_values(state.read(Loc(Mem.SPAD, ins.x), ins.t, ins.rows, "matmul x"), dtype)
    if cfg.dataflow is Dataflow.OS:
        y = compute_values(state.read(Loc(Mem.SPAD, ins.y), ins.t, ins.cols, "matmul y"), dtype)
        return x, y
    if ins.y != 0:
        raise Fault(f"y={ins.y} must be 0 in the {cfg.dataflow.value} dataflow")
    if state.stationary is None:
        raise Fault("no stationary tile: a preload must come first")
    if state.stationary.shape != (ins.rows, ins.cols):
        r, c = state.stationary.shape
        raise Fault(f"rows={ins.rows} cols={ins.cols} differ from the preloaded {r}x{c} tile")
    return x, compute_values(state.stationary, dtype)


def matmul_result(state: ChipState, ins: Matmul) -> np.ndarray:
    """The array's output (compute values) of a matmul: t rows (WS/IS) or ``rows`` rows (OS)."""
    x, other = matmul_operands(state, ins)
    if state.config.dataflow is Dataflow.OS:
        return os_matmul(x, other)
    return stationary_matmul(x, other)


def write_matmul_result(state: ChipState, ins: Matmul, p: np.ndarray) -> None:
    """Write or accumulate the array's output into the accumulator rows at ``ins.out``."""
    dst = Loc(Mem.ACC, ins.out)
    if ins.accumulate:
        old = compute_values(
            state.read(dst, p.shape[0], p.shape[1], "matmul accumulate"), state.config.acc_dtype
        )
        p = accumulate(old, p)
    state.write(dst, to_storage(p, state.config.acc_dtype), "matmul output")


def matmul(state: ChipState, ins: Matmul) -> None:
    p = matmul_result(state, ins)
    state.check_rows(Loc(Mem.ACC, ins.out), p.shape[0], ins.cols, "matmul output")
    write_matmul_result(state, ins, p)


def vec(state: ChipState, ins: Vec) -> None:
    _check_block(ins.rows, ins.cols)
    a = b = None
    if ins.op is not VecOp.SET:
        a = compute_values(
            state.read(ins.src1, ins.rows, ins.cols, "vec src1", ins.bcast1),
            state.dtype_of(ins.src1.mem),
        )
    if ins.op in VEC_READS_B:
        b = compute_values(
            state.read(ins.src2, ins.rows, ins.cols, "vec src2", ins.bcast2),
            state.dtype_of(ins.src2.mem),
        )
    if ins.op not in VEC_USES_IMM and ins.imm != 0.0:
        raise Fault(f"imm={ins.imm} must be 0 for {ins.op.name}")
    out = vector_apply(ins.op, a, b, ins.imm, ins.rows, ins.cols)
    state.write(ins.dst, to_storage(out, state.dtype_of(ins.dst.mem)), "vec destination")
