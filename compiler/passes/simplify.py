"""Peephole simplification of data movement left behind by decomposition."""

from __future__ import annotations

from compiler.ir import Graph, Node, Op
from compiler.ir_builder import IRBuilder, rebuild


def simplify(graph: Graph) -> Graph:
    """Forward values through data movement that cancels out.

    Invariant established (values unchanged): no SLICE selects exactly one operand of a
    CONCAT along the same axis, no SLICE or RESHAPE is an identity, and no RESHAPE reads
    another RESHAPE. The unrolled recurrent layers need this: a classifier reading the last
    hidden state then uses it directly instead of slicing the concatenated sequence (and
    the backward pass does not route zero gradients through the whole sequence). Run
    `eliminate_dead_code` afterwards to drop what became unused.
    """

    def rewrite(b: IRBuilder, n: Node, ins: list[int]) -> int | None:
        if n.op is Op.RESHAPE:
            src = b.nodes[ins[0]]
            if src.op is Op.RESHAPE:
                ins = [src.inputs[0]]
            if b.shape(ins[0]) == n.shape:
                return ins[0]
            return b.add(Op.RESHAPE, ins, n.name, **n.attrs)
        if n.op is Op.SLICE:
            src = b.nodes[ins[0]]
            if src.shape == n.shape:
                return ins[0]
            if src.op is Op.CONCAT and src.attrs["axis"] == n.attrs["axis"]:
                pos = 0
                for part in src.inputs:
                    width = b.shape(part)[n.attrs["axis"]]
                    if (pos, pos + width) == (n.attrs["start"], n.attrs["stop"]):
                        return part
                    pos += width
        return None

    return rebuild(graph, rewrite)
