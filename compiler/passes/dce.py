"""Dead-code elimination."""

from __future__ import annotations

from compiler.ir import SOURCES, Graph, Node
from compiler.ir_builder import IRBuilder, rebuild


def eliminate_dead_code(graph: Graph) -> Graph:
    """Drop nodes that no output or update depends on.

    Invariant established: every non-source node is used by an output or an update. Sources
    are kept (they are the program's DRAM interface even when unused).
    """
    live = set(graph.outputs.values()) | set(graph.updates.values())
    for n in reversed(graph.nodes):
        if n.id in live:
            live.update(n.inputs)

    def rewrite(b: IRBuilder, n: Node, ins: list[int]) -> int | None:
        if n.id in live or n.op in SOURCES:
            return None
        return -1  # never referenced: dead nodes have no live users

    return rebuild(graph, rewrite)
