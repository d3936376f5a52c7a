"""Pooling units that also compute what the next units read of their value.

A pooling (or pooling gradient) computes its value block by block on chip; a CAST of it (the
next GEMM's operand) or, for a gradient, its sum per channel (the bias gradient of the
convolution before the pooling) can be computed from the same on-chip rows instead of reading
the value back from DRAM. `fuse_casts` merges those readers into the pooling's unit; the
lowerings (compiler/lower/pool.py, pool_grad.py) take them as ``cast_to`` and ``sum_to``.
"""

from __future__ import annotations

from compiler.ir import Graph, Node, Op
from compiler.lower.fusion import Group
from compiler.lower.pool import folds_cast
from compiler.lower.pool_grad import stores_each_once

# Ops whose lowering can also store a cast of its value and sum its channels (the ``cast_to``
# and ``sum_to`` of compiler/lower/pool.py and pool_grad.py).
CAST_OUTPUT_OPS = frozenset({Op.MAXPOOL2D_GRAD, Op.AVGPOOL2D_GRAD, Op.MAXPOOL2D, Op.AVGPOOL2D})
# How many units ahead a cast of such a value may be found (past a reshape and a reduction).
CAST_LOOKAHEAD = 3


def fuse_casts(
    graph: Graph, units: list[Group | Node | tuple[Node, Group, bool]]
) -> list[Group | Node | tuple[Node, Group, bool]]:
    """Units with each node of `CAST_OUTPUT_OPS` merged, as (node, group, keep), with what
    reads its value within `CAST_LOOKAHEAD` units after it and can be computed when the value
    is, instead of from it in DRAM: a fusion group of one CAST of the value or of a reshape
    of it (a forward pooling stores it where `folds_cast`), and, where a gradient computes
    each element once on chip (`stores_each_once`), a REDUCE_SUM over axis 0 of the value
    reshaped to [-1, channels] (the convolution's bias gradient). The group holds those
    nodes. Moving them earlier keeps program order: they read nothing but
    the value, and no unit before their place reads them. ``keep``: the node's own value is
    stored, for its other readers (or for the cast, where the gradient cannot compute it)."""
    users = graph.consumers()
    outs = set(graph.outputs.values()) | set(graph.updates.values())
    out = list(units)
    i = 0
    while i < len(out):
        unit = out[i]
        if isinstance(unit, Node) and unit.op in CAST_OUTPUT_OPS:
            grad = unit.op in (Op.MAXPOOL2D_GRAD, Op.AVGPOOL2D_GRAD)
            if grad:
                once = stores_each_once(unit, graph.nodes[unit.inputs[0]].shape)
            else:
                once = folds_cast(unit)
            fused: dict[int, Node] = {}
            for j in range(i + 1, min(i + 1 + CAST_LOOKAHEAD, len(out))):
                nxt = out[j]
                if (
                    isinstance(nxt, Group)
                    and len(nxt.members) == 1
                    and nxt.members[0].op is Op.CAST
                    and _value_or_reshape(graph, nxt.members[0].inputs, unit)
                    and not any(m.op is Op.CAST for m in fused.values())
                ):
                    fused[j] = nxt.members[0]
                elif grad and once and isinstance(nxt, Node) and _channel_sum_of(graph, nxt, unit):
                    fused[j] = nxt
            if fused:
                members = tuple(sorted(fused.values(), key=lambda m: m.id))
                ids = {m.id for m in members}
                keep = (
                    not once
                    or unit.id in outs
                    or any(r not in ids for r in _readers(graph, users, unit.id))
                )
                for j in sorted(fused, reverse=True):
                    del out[j]
                out[i] = (unit, Group(members, frozenset(ids)), keep)
        i += 1
    return out


def _value_or_reshape(graph: Graph, inputs: tuple[int, ...], value: Node) -> bool:
    """Whether ``inputs`` is ``value`` alone or a reshape of it (the same elements in order)."""
    if len(inputs) != 1:
        return False
    src = graph.nodes[inputs[0]]
    return src.id == value.id or (src.op is Op.RESHAPE and src.inputs == (value.id,))


def _channel_sum_of(graph: Graph, node: Node, value: Node) -> bool:
    """Whether ``node`` sums ``value`` ([N, H, W, C]) over every axis but the channels: a
    REDUCE_SUM over axis 0 of a reshape of it to [N*H*W, C], of the same dtype."""
    if node.op is not Op.REDUCE_SUM or node.attrs.get("axis") != 0 or node.dtype != value.dtype:
        return False
    src = graph.nodes[node.inputs[0]]
    channels = value.shape[-1]
    return (
        src.op is Op.RESHAPE
        and src.inputs == (value.id,)
        and src.shape == (value.size // channels, channels)
    )


def _readers(graph: Graph, users: list[list[int]], nid: int) -> list[int]:
    """The nodes reading ``nid``'s value, through reshapes (a reshape that is itself an output
    counts as a reader)."""
    out = []
    outs = set(graph.outputs.values()) | set(graph.updates.values())
    for u in users[nid]:
        if graph.nodes[u].op is Op.RESHAPE:
            out += _readers(graph, users, u)
            if u in outs:
                out.append(u)
        else:
            out.append(u)
    return out
