"""Mixed precision: operands of matrix-unit ops are converted to the chip's compute dtype."""

from __future__ import annotations

import math

from chip.dtypes import DType
from compiler.ir import GEMM, Graph, Node, Op
from compiler.ir_builder import IRBuilder, rebuild

INT8_MAX = 127.0
# The rows of a quantized tensor's column maximum are at least this wide where its size allows:
# a DMA or vector instruction takes a cycle per row however few its elements, so an image's
# three channels as rows would cost a cycle per pixel. The maximum of all elements is the same
# whatever the rows.
MIN_MAX_WIDTH = 64


def cast_for_compute(graph: Graph, compute: DType) -> Graph:
    """Make both operands of every MATMUL/CONV2D(-gradient) node have dtype ``compute``.

    Invariant established: every GEMM node's operands have dtype ``compute``; every GEMM's
    consumers still see fp32 values; each tensor is converted at most once.

    - bf16 (or fp32): a CAST before each operand of another dtype. The chip multiplies bf16
      and accumulates in fp32, while fp32 master copies (params, optimizer state, the
      vector-unit math) stay fp32: mixed precision as TPUs train.
    - int8: symmetric per-tensor dynamic quantization computed on chip. For each operand x,
      s = max|x| / 127 (a (1,) tensor), q = CAST_int8(x / s) (round to nearest even,
      saturating); the int32 GEMM result is CAST to fp32 and multiplied by s_a * s_b. The
      reference interpreter reproduces it exactly with ``round_casts=True``.
    """
    converted: dict[int, tuple[int, int | None]] = {}  # operand -> (converted, int8 scale)

    def convert(b: IRBuilder, i: int) -> tuple[int, int | None]:
        if i not in converted:
            if b.dtype(i) == compute:
                converted[i] = (i, None)
            elif compute is DType.INT8:
                converted[i] = _quantize(b, i)
            else:
                converted[i] = (b.add(Op.CAST, (i,), b.nodes[i].name, dtype=compute), None)
        return converted[i]

    def rewrite(b: IRBuilder, n: Node, ins: list[int]) -> int | None:
        if n.op not in GEMM:
            return None
        (a, sa), (c, sc) = convert(b, ins[0]), convert(b, ins[1])
        if (sa is None) != (sc is None):
            raise ValueError(
                f"{n.op.value} {n.name!r}: one operand is already int8 without a "
                "known scale; quantize both operands with this pass"
            )
        # the scales' product before the GEMM, so that the CAST and the MUL follow the GEMM
        # directly and run as its epilogue on the accumulator's tiles (no DRAM round trip)
        both = None if sa is None else b.add(Op.MUL, (sa, sc), n.name)
        out = b.add(n.op, (a, c), n.name, **n.attrs)
        if both is None:
            return out
        real = b.add(Op.CAST, (out,), n.name, dtype=DType.FP32)
        return b.add(Op.MUL, (real, both), n.name)

    return rebuild(graph, rewrite)


def _quantize(b: IRBuilder, x: int) -> tuple[int, int]:
    """(int8 tensor, fp32 (1,) scale) with x ~= q * scale."""
    nm = b.nodes[x].name
    shape = b.shape(x)
    magnitude = b.add(Op.MAX, (x, b.scale(x, -1.0, nm)), nm)
    # Column max over the rows first, so the final single-row reduction is only as wide as the
    # rows (a long single row would not fit the vector unit's row).
    width = _max_width(shape)
    if len(shape) > 1:
        rows = b.reshape(magnitude, (-1, width), nm)
        magnitude = b.add(Op.REDUCE_MAX, (rows,), nm, axis=0)
    row = b.reshape(magnitude, (1, width), nm)
    absmax = b.reshape(b.add(Op.REDUCE_MAX, (row,), nm, axis=-1), (1,), nm)
    # The tiny floor keeps an all-zero tensor from dividing by zero (it quantizes to zeros).
    scale = b.scale(b.add_const(absmax, 1e-30, nm), 1.0 / INT8_MAX, nm)
    q = b.add(
        Op.CAST, (b.add(Op.MUL, (x, b.add(Op.RECIP, (scale,), nm)), nm),), nm, dtype=DType.INT8
    )
    return q, scale


def _max_width(shape: tuple[int, ...]) -> int:
    """The width of the rows the maximum of a tensor of ``shape`` is taken over: the last
    axis, times the largest number of its rows up to `MIN_MAX_WIDTH` elements that divides
    the row count."""
    last = shape[-1]
    rows = math.prod(shape) // last
    fold = max(d for d in range(1, max(1, MIN_MAX_WIDTH // last) + 1) if rows % d == 0)
    return last * fold
