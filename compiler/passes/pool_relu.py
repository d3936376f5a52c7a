"""Folding a ReLU's gradient into the max-pooling gradient after it."""

from __future__ import annotations

from compiler.ir import Graph, Node, Op
from compiler.ir_builder import IRBuilder, rebuild


def fold_relu_into_pool_grad(graph: Graph) -> Graph:
    """RELU_GRAD(pre, MAXPOOL2D_GRAD(RELU(pre), dy)) becomes one MAXPOOL2D_GRAD with attrs
    ``relu_mask`` True: its result is zero where the pooled input is not positive.

    Invariant established (values unchanged): no RELU_GRAD reads a max-pooling gradient that
    nothing else reads, of a pooling whose windows do not overlap, over RELU(pre) with the
    same ``pre``. RELU(pre) > 0 exactly where pre > 0, so the mask can be read off the
    windows the pooling gradient loads anyway, and the gradient is neither stored nor read
    back in between. Only for non-overlapping windows (stride >= kernel), whose lowering
    writes each element of the gradient once (compiler/lower/pool_grad.py).
    """
    users = graph.consumers()
    folded: set[int] = set()  # MAXPOOL2D_GRAD nodes that take their RELU_GRAD's place
    for n in graph.nodes:
        if n.op is not Op.RELU_GRAD:
            continue
        pre, g = (graph.nodes[i] for i in n.inputs)
        if g.op is not Op.MAXPOOL2D_GRAD or users[g.id] != [n.id] or g.dtype is not n.dtype:
            continue
        x = graph.nodes[g.inputs[0]]
        (kh, kw), (sh, sw) = g.attrs["kernel"], g.attrs["stride"]
        if x.op is Op.RELU and x.inputs[0] == pre.id and sh >= kh and sw >= kw:
            folded.add(g.id)

    def rewrite(b: IRBuilder, n: Node, ins: list[int]) -> int | None:
        if n.id in folded:
            return b.add(n.op, ins, n.name, **n.attrs, relu_mask=True)
        if n.op is Op.RELU_GRAD and n.inputs[1] in folded:
            return ins[1]
        return None

    return rebuild(graph, rewrite) if folded else graph
