"""`IRBuilder`: appends nodes to a graph under construction, inferring shapes as it goes.

Every producer of graphs (the framework-style builder, the ONNX importer, decomposition,
autodiff, the training-step builder) writes through this one class, so every node it creates
has passed the shape rules of `compiler.passes.shape_infer.infer`. ``build()`` freezes the
result into an immutable `Graph`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from chip.dtypes import DType
from chip.program import TensorRole
from compiler.ir import Attrs, Graph, Node, Op
from compiler.passes.shape_infer import ShapeError, infer, reshape_target


class IRBuilder:
    """A growing list of nodes plus the initial values of its sources.

    Contract: nodes are appended in topological order (operands must already exist); source
    names are unique; ``build`` returns a `Graph` and leaves the builder usable.
    """

    def __init__(self, name: str = "graph") -> None:
        self.name = name
        self.nodes: list[Node] = []
        self.params: dict[str, np.ndarray] = {}
        self.consts: dict[str, np.ndarray] = {}
        self.state: dict[str, np.ndarray] = {}
        self.outputs: dict[str, int] = {}
        self.updates: dict[str, int] = {}
        self.roles: dict[str, TensorRole] = {}
        self._source_names: dict[str, int] = {}

    @classmethod
    def extend(cls, graph: Graph) -> IRBuilder:
        """A builder holding a copy of ``graph`` (same ids), to append more nodes to it."""
        b = cls(graph.name)
        b.nodes = list(graph.nodes)
        b.params, b.consts, b.state = dict(graph.params), dict(graph.consts), dict(graph.state)
        b.outputs, b.updates, b.roles = dict(graph.outputs), dict(graph.updates), dict(graph.roles)
        b._source_names = {n.name: n.id for n in graph.nodes if n.op in _SOURCE_TABLE}
        return b

    def shape(self, nid: int) -> tuple[int, ...]:
        return self.nodes[nid].shape

    def dtype(self, nid: int) -> DType:
        return self.nodes[nid].dtype

    def add(self, op: Op, inputs: Sequence[int] = (), name: str = "", **attrs: Any) -> int:
        """Append ``op(inputs)`` and return its id; raises `ShapeError` naming ``name``."""
        frozen = Attrs(attrs)
        try:
            shape, dtype = infer(
                op,
                frozen,
                [self.nodes[i].shape for i in inputs],
                [self.nodes[i].dtype for i in inputs],
            )
        except ShapeError as e:
            raise ShapeError(f"{name or op.value}: {e}") from None
        node = Node(len(self.nodes), op, tuple(int(i) for i in inputs), frozen, shape, dtype, name)
        self.nodes.append(node)
        return node.id

    def source(
        self,
        op: Op,
        name: str,
        shape: Sequence[int],
        value: np.ndarray | None = None,
        dtype: DType = DType.FP32,
        role: TensorRole | None = None,
    ) -> int:
        """Add an INPUT (no value) or a PARAM/CONST/STATE with its initial ``value``;
        ``role``: its program tensor's role, if more specific than the kind's plain role."""
        if name in self._source_names:
            raise ValueError(f"a source named {name!r} already exists")
        shape = tuple(int(d) for d in shape)
        if op is not Op.INPUT:
            value = np.asarray(value, dtype=np.float32)
            if value.shape != shape:
                raise ValueError(
                    f"{op.value} {name!r}: initial value has shape {value.shape}, not {shape}"
                )
            _SOURCE_TABLE[op](self)[name] = value
        nid = self.add(op, (), name=name, shape=shape, dtype=dtype)
        self._source_names[name] = nid
        if role is not None:
            self.roles[name] = role
        return nid

    def input(
        self,
        name: str,
        shape: Sequence[int],
        dtype: DType = DType.FP32,
        role: TensorRole | None = None,
    ) -> int:
        return self.source(Op.INPUT, name, shape, dtype=dtype, role=role)

    def param(self, name: str, value: np.ndarray) -> int:
        return self.source(Op.PARAM, name, np.shape(value), value)

    def const(self, name: str, value: np.ndarray, role: TensorRole | None = None) -> int:
        return self.source(Op.CONST, name, np.shape(value), value, role=role)

    def state_tensor(self, name: str, value: np.ndarray, role: TensorRole | None = None) -> int:
        return self.source(Op.STATE, name, np.shape(value), value, role=role)

    def unique(self, base: str) -> str:
        """``base``, or ``base_2``, ``base_3``... whichever is not a source name yet."""
        name, k = base, 1
        while name in self._source_names:
            k += 1
            name = f"{base}_{k}"
        return name

    def output(self, name: str, nid: int, role: TensorRole | None = None) -> None:
        self.outputs[name] = nid
        if role is not None:
            self.roles[name] = role

    def build(self, outputs: Mapping[str, int] | None = None) -> Graph:
        return Graph(
            nodes=tuple(self.nodes),
            outputs=dict(outputs or self.outputs),
            params=self.params,
            consts=self.consts,
            state=self.state,
            updates=self.updates,
            name=self.name,
            roles=self.roles,
        )

    # Shorthands for the primitives used most by decomposition and autodiff.
    def scale(self, x: int, value: float, name: str = "") -> int:
        return self.add(Op.SCALE, (x,), name, value=float(value))

    def add_const(self, x: int, value: float, name: str = "") -> int:
        return self.add(Op.ADD_CONST, (x,), name, value=float(value))

    def reshape(self, x: int, shape: Sequence[int], name: str = "") -> int:
        try:
            target = reshape_target(self.shape(x), tuple(shape))
        except ShapeError as e:
            raise ShapeError(f"{name or Op.RESHAPE.value}: {e}") from None
        if target == self.shape(x):
            return x
        return self.add(Op.RESHAPE, (x,), name, shape=tuple(int(d) for d in shape))

    def fill(self, shape: Sequence[int], value: float, name: str = "") -> int:
        return self.add(Op.FILL, (), name, shape=tuple(int(d) for d in shape), value=float(value))

    def slice(self, x: int, axis: int, start: int, stop: int, name: str = "") -> int:
        if start == 0 and stop == self.shape(x)[axis]:
            return x
        return self.add(Op.SLICE, (x,), name, axis=axis, start=start, stop=stop)

    def matmul(
        self, a: int, b: int, trans_a: bool = False, trans_b: bool = False, name: str = ""
    ) -> int:
        return self.add(Op.MATMUL, (a, b), name, trans_a=trans_a, trans_b=trans_b)


_SOURCE_TABLE = {
    Op.PARAM: lambda b: b.params,
    Op.CONST: lambda b: b.consts,
    Op.STATE: lambda b: b.state,
    Op.INPUT: lambda b: {},
}


def rebuild(
    graph: Graph,
    rewrite: Callable[[IRBuilder, Node, list[int]], int | None],
    name: str | None = None,
    order: Sequence[int] | None = None,
) -> Graph:
    """A new graph made by visiting ``graph``'s nodes in order (or in ``order``, node ids in a
    topological order of all of them).

    ``rewrite(builder, node, new_inputs)`` returns the id of the node's replacement in the
    builder, or None to copy the node unchanged (with its operands remapped). Outputs and
    updates follow the replacements; source tables are carried over, and so are the roles of the
    sources and outputs that remain.
    """
    b = IRBuilder(name or graph.name)
    b.params, b.consts, b.state = dict(graph.params), dict(graph.consts), dict(graph.state)
    remap: dict[int, int] = {}
    nodes = graph.nodes if order is None else [graph.nodes[i] for i in order]
    for n in nodes:
        ins = [remap[i] for i in n.inputs]
        new = rewrite(b, n, ins)
        if new is None:
            if n.op in _SOURCE_TABLE:
                b._source_names[n.name] = len(b.nodes)
            new = b.add(n.op, ins, n.name, **n.attrs)
        remap[n.id] = new
    b.outputs = {k: remap[v] for k, v in graph.outputs.items()}
    b.updates = {k: remap[v] for k, v in graph.updates.items()}
    b.roles = {k: r for k, r in graph.roles.items() if k in b._source_names or k in b.outputs}
    return b.build()
