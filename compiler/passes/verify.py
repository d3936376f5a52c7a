"""The IR verifier: checks a graph's invariants, to run between passes in tests and debugging."""

from __future__ import annotations

from chip.program import ROLE_KINDS
from compiler.ir import COMPOSITE, SOURCES, Graph, Op
from compiler.passes.shape_infer import ShapeError, infer


class VerifyError(ValueError):
    """A graph that breaks an IR invariant; the message lists every problem found."""


def verify(graph: Graph, *, primitives_only: bool = False, where: str = "") -> Graph:
    """Check ``graph`` and return it unchanged, or raise `VerifyError` listing the problems.

    Checked: ids equal positions and operands come earlier (topological order); every node's
    shape and dtype equal what its op's rule gives; source names are unique and initial values
    match the source shapes; outputs and updates name existing nodes; each update targets a
    PARAM or STATE of the same shape; every ``roles`` entry names a source or output whose kind
    the role allows; with ``primitives_only``, no composite op remains.
    """
    problems: list[str] = []
    seen: dict[str, int] = {}
    tables = {Op.PARAM: graph.params, Op.CONST: graph.consts, Op.STATE: graph.state}
    for i, n in enumerate(graph.nodes):
        if n.id != i or any(not 0 <= j < i for j in n.inputs):
            problems.append(f"%{i} ({n.op.value}): not in topological order or wrong id")
            continue
        try:
            shape, dtype = infer(
                n.op,
                n.attrs,
                [graph[j].shape for j in n.inputs],
                [graph[j].dtype for j in n.inputs],
            )
            if (shape, dtype) != (n.shape, n.dtype):
                problems.append(
                    f"%{i} ({n.op.value}): recorded {n.dtype.value}{list(n.shape)} "
                    f"but its rule gives {dtype.value}{list(shape)}"
                )
        except ShapeError as e:
            problems.append(f"%{i}: {e}")
        if n.op in SOURCES:
            if n.name in seen:
                problems.append(f"%{i}: source name {n.name!r} also used by %{seen[n.name]}")
            seen[n.name] = i
            if n.op in tables and tables[n.op][n.name].shape != n.shape:
                problems.append(
                    f"%{i}: initial value of {n.name!r} has shape "
                    f"{tables[n.op][n.name].shape}, not {n.shape}"
                )
        if primitives_only and n.op in COMPOSITE:
            problems.append(f"%{i}: composite op {n.op.value} after decomposition")
    updatable = {n.name: n for n in graph.nodes if n.op in (Op.PARAM, Op.STATE)}
    for name, nid in graph.updates.items():
        if name not in updatable:
            problems.append(f"update {name!r} does not name a PARAM or STATE")
        elif graph[nid].shape != updatable[name].shape:
            problems.append(
                f"update {name!r} has shape {graph[nid].shape}, not {updatable[name].shape}"
            )
    kinds = graph.kinds()
    for name, role in graph.roles.items():
        kind = kinds.get(name)
        if kind is None:
            problems.append(f"role {role.value} given to {name!r}, which is no source or output")
        elif kind not in ROLE_KINDS[role]:
            problems.append(f"{name!r} is a {kind.value} tensor and cannot have role {role.value}")
    if not graph.outputs and not graph.updates:
        problems.append("graph has no outputs and no updates")
    if problems:
        head = f"graph {graph.name!r}" + (f" after {where}" if where else "")
        raise VerifyError(f"{head} is invalid:\n  " + "\n  ".join(problems))
    return graph
