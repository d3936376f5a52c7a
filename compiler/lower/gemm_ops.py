"""MATMUL nodes: operand views (transposed by the DMA) handed to `emit_gemm`."""

from __future__ import annotations

from compiler.ir import Node
from compiler.lower.context import Ctx, View
from compiler.lower.gemm import Epilogue, emit_gemm
from compiler.lower.memory import Buf


def lower_matmul(
    ctx: Ctx, node: Node, ins: list[Buf], out: Buf, epilogue: Epilogue | None = None
) -> None:
    a, b = (View.matrix(buf) for buf in ins)
    if node.attrs.get("trans_a", False):
        a = a.T
    if node.attrs.get("trans_b", False):
        b = b.T
    emit_gemm(ctx, a, b, View.matrix(out), epilogue)
