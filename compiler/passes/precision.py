"""Mixed precision: operands of matrix-unit ops are cast to the chip's compute dtype."""

from __future__ import annotations

from chip.dtypes import DType
from compiler.ir import GEMM, Graph, Node, Op
from compiler.ir_builder import IRBuilder, rebuild


def cast_for_compute(graph: Graph, compute: DType) -> Graph:
    """Insert a CAST to ``compute`` before every GEMM operand of another dtype.

    Invariant established: both operands of every MATMUL/CONV2D(-gradient) node have dtype
    ``compute``, so a bf16 chip multiplies bf16 values and accumulates in fp32, while the
    fp32 master copies (params, optimizer state, the vector-unit math) stay fp32. Each tensor
    is cast at most once. int8 needs quantization scales this pass does not choose, so
    ``compute=INT8`` with float operands raises `ValueError`.
    """
    casts: dict[int, int] = {}

    def rewrite(b: IRBuilder, n: Node, ins: list[int]) -> int | None:
        if n.op not in GEMM:
            return None
        new_ins = []
        for i in ins:
            if b.dtype(i) != compute:
                if compute is DType.INT8:
                    raise ValueError(f"{n.op.value} {n.name!r}: operand %{i} is "
                                     f"{b.dtype(i).value}; int8 compute needs a quantized graph")
                if i not in casts:
                    casts[i] = b.add(Op.CAST, (i,), b.nodes[i].name, dtype=compute)
                i = casts[i]
            new_ins.append(i)
        return b.add(n.op, new_ins, n.name, **n.attrs)

    return rebuild(graph, rewrite)
