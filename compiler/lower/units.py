"""The lowering units of a graph and what each is: which nodes a unit lowers together (a node,
a fusion group, a GEMM with its epilogue group, a loss pair), the DRAM plan that places their
values, each node's training phase and layer tag, and after which unit each value is dead.

Pure functions of the graph (and the config, for fusion and the DRAM plan): nothing here emits
an instruction. The driver (compiler/lower/program.py) lowers the units in this order.
"""

from __future__ import annotations

from chip.config import ChipConfig, Dataflow
from chip.program import Phase, Tag
from compiler.ir import Graph, Node, Op
from compiler.lower.epilogue import fuse_epilogues
from compiler.lower.fusion import Group, plan_groups
from compiler.lower.loss_pair import LossPair, pair_losses
from compiler.lower.memory import DramPlan, live_nodes, plan_dram
from compiler.lower.pool_fusion import fuse_casts


def phases(graph: Graph) -> list[Phase]:
    """FORWARD for what the outputs need; of the rest, OPTIMIZER if it reads optimizer state
    (the learning rate, moments), else BACKWARD."""
    forward = [False] * len(graph.nodes)
    stack = list(graph.outputs.values())
    while stack:
        i = stack.pop()
        if not forward[i]:
            forward[i] = True
            stack.extend(graph.nodes[i].inputs)
    state = [False] * len(graph.nodes)
    out = []
    for n in graph.nodes:
        state[n.id] = n.op is Op.STATE or any(state[i] for i in n.inputs)
        if forward[n.id]:
            out.append(Phase.FORWARD)
        else:
            out.append(Phase.OPTIMIZER if state[n.id] else Phase.BACKWARD)
    return out


def lower_units(graph: Graph, config: ChipConfig) -> tuple[list, DramPlan]:
    """The lowering units in order (nodes, fusion groups, GEMMs with their epilogue group)
    and the DRAM plan that places their values."""
    live = live_nodes(graph)
    units = fuse_epilogues(graph, plan_groups(graph, live), config.dataflow is Dataflow.IS)
    units = pair_losses(fuse_casts(graph, units))
    spans = [(i, i) for i in range(len(graph.nodes))]
    for unit in units:
        members = unit_nodes(unit)
        for m in members:
            spans[m.id] = (members[0].id, members[-1].id)
    return units, plan_dram(graph, config, spans, _on_chip_values(units))


def _on_chip_values(units: list) -> frozenset[int]:
    """Values a lowering unit computes and never stores: fusion-group members outside the
    group's ``keep`` and a GEMM whose only reader is its epilogue."""
    out: set[int] = set()
    for unit in units:
        if isinstance(unit, Group):
            out |= {m.id for m in unit.members} - unit.keep
        elif isinstance(unit, tuple):
            gemm, group, keep_gemm = unit
            out |= {m.id for m in group.members} - group.keep
            if not keep_gemm:
                out.add(gemm.id)
    return frozenset(out)


def unit_nodes(unit) -> list[Node]:
    if isinstance(unit, Group):
        return list(unit.members)
    if isinstance(unit, tuple):
        return [unit[0], *unit[1].members]
    if isinstance(unit, LossPair):
        return list(unit.members)
    return [unit]


def layer_name(node: Node) -> str:
    return node.name or f"{node.op.value}{node.id}"


def node_tags(graph: Graph, units: list) -> dict[int, Tag]:
    """The tag of every node a unit lowers: the unit's first node's layer and phase, except
    for members of another phase (an optimizer update fused into a weight gradient's epilogue),
    which keep their own layer name and phase."""
    phase = phases(graph)
    out: dict[int, Tag] = {}
    for unit in units:
        members = unit_nodes(unit)
        first = members[0]
        for m in members:
            named = m if phase[m.id] is not phase[first.id] else first
            out[m.id] = Tag(layer_name(named), phase[m.id])
    return out


def last_readers(graph: Graph, units: list) -> list[set[int]]:
    """For each unit, the values (root node ids) no later unit reads; an output read by a
    unit is dead to the residency plan after its last reader (it is in DRAM too)."""
    root = list(range(len(graph.nodes)))
    for n in graph.nodes:
        if n.op is Op.RESHAPE:
            root[n.id] = root[n.inputs[0]]
    last: dict[int, int] = {}
    for u, unit in enumerate(units):
        for m in unit_nodes(unit):
            last.setdefault(root[m.id], u)
            for i in m.inputs:
                last[root[i]] = u
    read = {root[i] for unit in units for m in unit_nodes(unit) for i in m.inputs}
    for nid in list(graph.outputs.values()) + list(graph.updates.values()):
        if not (nid in graph.outputs.values() and root[nid] in read):
            last[root[nid]] = len(units)
    dead: list[set[int]] = [set() for _ in units]
    for r, u in last.items():
        if u < len(units):
            dead[u].add(r)
    return dead
