"""Block kernels of the `fast` fidelity: a whole MATMUL at once, bit-identical to chip/semantics.

chip/semantics.py defines the array's results with plain NumPy loops; these kernels compute the
same bits faster:

- float inputs: a numba kernel that keeps the array's summation order (over the array rows
  for WS/IS, over t for OS) and rounds every product to float32 before adding it (no FMA),
  computing tiles of 4 x 16 independent sums held in vector registers;
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
from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic

from chip.dtypes import f32_from_bf16_bits
from chip.machine.jit import SLPCompiler

_INT8_PRODUCT_MAX = 128 * 128  # |a * b| for int8 a, b
F32_EXACT_TERMS = (1 << 24) // _INT8_PRODUCT_MAX  # integers up to 2^24 are exact in float32


@numba.njit(cache=True)
def _widen(raw: np.ndarray, out: np.ndarray) -> None:
    """Raw float storage as float32 into ``out`` (a uint32 array viewed by the caller as
    float32): bfloat16 bits shifted into the high half (chip.dtypes.f32_from_bf16_bits), or
    float32 bits copied."""
    shift = 16 if raw.itemsize == 2 else 0
    for r in range(raw.shape[0]):
        for c in range(raw.shape[1]):
            out[r, c] = np.uint32(raw[r, c]) << np.uint32(shift)


@intrinsic
def _quieted(typingctx, v):
    """The float32 NaN ``v`` with its quiet bit set, as x86 arithmetic returns a NaN operand:
    set on the bits, since LLVM may drop an arithmetic identity (``v + 0``) on a NaN."""
    if v != types.float32:
        return None

    def codegen(context, builder, sig, args):
        bits = builder.bitcast(args[0], ir.IntType(32))
        bits = builder.or_(bits, ir.Constant(ir.IntType(32), 0x00400000))
        return builder.bitcast(bits, ir.FloatType())

    return types.float32(v), codegen


@numba.njit(cache=True, inline="always")
def _put(row: np.ndarray, c: np.ndarray, add: bool) -> None:
    """Write finished sums into a row of the result, or add them to what it holds (the
    accumulator's fp32 addition of the whole product, as chip/semantics.py's `accumulate`)."""
    if add:
        for j in range(c.size):
            old = row[j]
            # a NaN in the accumulator is the first operand: it wins, quieted (a signaling
            # NaN can reach the accumulator through a LOAD)
            row[j] = _quieted(old) if old != old else old + c[j]
    else:
        for j in range(c.size):
            row[j] = c[j]


@intrinsic
def _stack_f32(typingctx, n):
    """A pointer to ``n`` (a literal) float32 on the stack: LLVM keeps such scratch rows in
    registers across a loop, which it cannot do for heap arrays that other arrays may alias."""
    if not isinstance(n, types.IntegerLiteral):
        return None
    size = n.literal_value

    def codegen(context, builder, sig, args):
        return cgutils.alloca_once(builder, context.get_value_type(types.float32), size=size)

    return types.CPointer(types.float32)(n), codegen


@numba.njit(cache=True, inline="always")
def _put_int(row: np.ndarray, c: np.ndarray, add: bool) -> None:
    """Finished sums (exact integers held as float32) written into, or added modulo 2^32
    onto, a row of int32 accumulator words."""
    if add:
        for j in range(c.size):
            row[j] += np.int32(c[j])
    else:
        for j in range(c.size):
            row[j] = np.int32(c[j])


@numba.njit(cache=True, inline="always")
def _put_tile_int(p_int, r, j0, s0, s1, s2, s3, add) -> None:  # noqa: ANN001
    """Four finished 16-wide integer rows written into, or added onto, p_int[r:r+4, j0:j0+16]."""
    _put_int(p_int[r, j0 : j0 + 16], s0, add)
    _put_int(p_int[r + 1, j0 : j0 + 16], s1, add)
    _put_int(p_int[r + 2, j0 : j0 + 16], s2, add)
    _put_int(p_int[r + 3, j0 : j0 + 16], s3, add)


# The float kernels compute 4 output rows x 16 columns at a time: 4 accumulator rows of 16
# float32 (8 AVX2 registers) stay in registers for the whole sum while each loaded row segment
# of y serves all 4 of them. Eight rows would take all 16 AVX2 registers, and the y segment and
# the broadcast x values then spill every step (measured 2x slower on AVX2). Every single sum
# still adds its products one by one in k order, so the tile's shape never changes a bit.
# The bodies below are inlined into each kernel that calls them, and numba compiles a kernel's
# arithmetic with that kernel's flags: `_matmul_f32` rounds every product (no FMA), chip/machine/
# fma_kernels.py's kernels contract each product with its addition.


@numba.njit(cache=True, inline="always")
def _tile_sums(a, y, r, j0, c0, c1, c2, c3) -> None:  # noqa: ANN001
    """Add ``a[r + i, k] * y[k, j0 + j]`` over k in order onto the tile row ``ci[j]``."""
    for k in range(a.shape[1]):
        yk = y[k]
        x0, x1, x2, x3 = a[r, k], a[r + 1, k], a[r + 2, k], a[r + 3, k]
        for j in range(16):
            yv = yk[j0 + j]
            c0[j] = c0[j] + x0 * yv
            c1[j] = c1[j] + x1 * yv
            c2[j] = c2[j] + x2 * yv
            c3[j] = c3[j] + x3 * yv


@numba.njit(cache=True, inline="always")
def _zero(c0, c1, c2, c3) -> None:  # noqa: ANN001 - four float rows
    for j in range(16):
        c0[j], c1[j], c2[j], c3[j] = 0.0, 0.0, 0.0, 0.0


@numba.njit(cache=True, inline="always")
def _blocked(a, y, p, p_int, add, ints, nan_rule) -> None:  # noqa: ANN001 - `matmul`'s
    """The body of `_matmul_f32` and fma_kernels.py's `matmul_fma`: ``p = a @ y`` (``p +=``
    with ``add``), or into the int32 block ``p_int`` with ``ints``; ``nan_rule``: recompute a
    tile whose sums are not all finite with `_edge_rows`, which picks the NaN that propagates
    as chip/semantics.py does (needed where an input may be a NaN)."""
    R = a.shape[0]
    J = y.shape[1]
    R4, J16 = R - R % 4, J - J % 16
    c0, c1 = numba.carray(_stack_f32(16), 16), numba.carray(_stack_f32(16), 16)
    c2, c3 = numba.carray(_stack_f32(16), 16), numba.carray(_stack_f32(16), 16)
    for r in range(0, R4, 4):
        for j0 in range(0, J16, 16):
            _zero(c0, c1, c2, c3)
            _tile_sums(a, y, r, j0, c0, c1, c2, c3)
            if ints:
                _put_tile_int(p_int, r, j0, c0, c1, c2, c3, add)
                continue
            if nan_rule and _nan_among(c0, c1, c2, c3):
                # which NaN propagates depends on the operands' order: recompute the tile
                # with the row loop, which picks it as chip/semantics.py does
                _edge_rows(a, y, p, p_int, add, False, r, r + 4, j0, j0 + 16)
                continue
            _put(p[r, j0 : j0 + 16], c0, add)
            _put(p[r + 1, j0 : j0 + 16], c1, add)
            _put(p[r + 2, j0 : j0 + 16], c2, add)
            _put(p[r + 3, j0 : j0 + 16], c3, add)
    _edge_rows(a, y, p, p_int, add, ints, 0, R4, J16, J)  # right of the 16-wide tiles
    _edge_rows(a, y, p, p_int, add, ints, R4, R, 0, J)  # below the 4-row tiles


@numba.njit(cache=True, pipeline_class=SLPCompiler)
def _matmul_f32(a: np.ndarray, y: np.ndarray, p: np.ndarray, add: bool) -> None:
    """``p = a @ y`` (``p += a @ y`` with ``add``, in fp32) where each sum adds its products
    over k in order, from 0, every product rounded to float32 (no FMA): WS/IS is ``a = x``,
    OS ``a = x.T`` (chip/semantics.py)."""
    _blocked(a, y, p, np.empty((0, 0), dtype=np.int32), add, False, True)


@numba.njit(cache=True, inline="always")
def _nan_among(c0, c1, c2, c3) -> bool:  # noqa: ANN001 - four float rows
    """Whether a tile's sums hold a NaN (or an infinity: their total is then NaN or infinite;
    either way the tile is recomputed)."""
    total = np.float32(0.0)
    for j in range(c0.size):
        total += c0[j] + c1[j] + c2[j] + c3[j]
    return not np.isfinite(total)


@numba.njit(cache=True, inline="always")
def _edge_rows(a, y, p, p_int, add, ints, r_lo, r_hi, j_lo, j_hi) -> None:  # noqa: ANN001
    """`_blocked` for output rows ``r_lo:r_hi`` and columns ``j_lo:j_hi``, one row at a
    time. NaNs come out as chip/semantics.py's NumPy makes them on x86, where an operation on
    two NaNs returns the first one: LLVM may swap the operands of an addition or a product,
    so the NaN that propagates is picked explicitly (the sum's, then x's)."""
    if r_lo >= r_hi or j_lo >= j_hi:
        return
    K = y.shape[0]
    acc = np.empty(j_hi - j_lo, dtype=np.float32)  # private: no aliasing, the j loop vectorizes
    for r in range(r_lo, r_hi):
        acc[:] = 0.0
        for k in range(K):
            xv = a[r, k]
            yk = y[k, j_lo:j_hi]
            if xv != xv:  # NaN * y is x's NaN on x86 even if y is a NaN too
                for j in range(acc.size):
                    v = acc[j]
                    acc[j] = v if v != v else v + xv
            else:
                for j in range(acc.size):
                    v = acc[j]
                    acc[j] = v if v != v else v + xv * yk[j]
        if ints:
            _put_int(p_int[r, j_lo:j_hi], acc, add)
        else:
            _put(p[r, j_lo:j_hi], acc, add)


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
    x = np.ascontiguousarray(x, dtype=np.float32)
    _matmul_f32(x, np.ascontiguousarray(s, dtype=np.float32), p, False)
    return p


def os_block(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Same bits as `chip.semantics.os_matmul`."""
    if x.dtype.kind == "i":  # BLAS takes the transposed view as it is
        return _exact_int_matmul(x.T, y)
    p = np.empty((x.shape[1], y.shape[1]), dtype=np.float32)
    x = np.ascontiguousarray(x, dtype=np.float32)
    _matmul_f32(x.T, np.ascontiguousarray(y, dtype=np.float32), p, False)
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
    _matmul_f32(x.T if os_flow else x, np.ascontiguousarray(other), out, accumulate)


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
    for a in (f32, f32.T):  # WS/IS: x; OS: x transposed
        for out in (np.zeros((4, 4), dtype=np.float32), strided):
            _matmul_f32(a, f32, out, False)
    work = np.zeros((4, 4), dtype=np.uint32)
    for raw in (
        np.zeros((4, 4), dtype=np.uint16),
        np.zeros((4, 8), dtype=np.uint16)[:, :4],
        np.zeros((4, 8), dtype=np.uint32)[:, :4],
    ):
        _widen(raw, work)
