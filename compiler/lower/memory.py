"""Memory planning: where every tensor lives in DRAM, and on-chip row allocation per layer.

DRAM layout, low to high addresses:
1. named tensors the host sees: sources (INPUT, PARAM, STATE, CONST, with initial contents)
   and OUTPUT tensors, each with the role the graph gives it (`Graph.roles`);
2. the scratch arena: every intermediate value, placed by a liveness-based first-fit, so two
   values share bytes only if their lifetimes (definition to last use, in lowering order) do
   not overlap;
3. the temp arena: buffers local to one layer's lowering (padded inputs, im2col matrices),
   reused by every layer; its size is the largest need, known after emission.
RESHAPE produces no data: its value aliases its operand's buffer.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from chip.config import ChipConfig
from chip.dtypes import DType
from chip.program import TensorInfo, TensorKind
from compiler.ir import SOURCE_KIND, Graph, Node, Op

ALIGN = 64  # bytes; also the emitter's DRAM hazard unit, so tensors never share a unit

_ELEMENTWISE = frozenset({Op.ADD, Op.SUB, Op.MUL, Op.MAX, Op.SCALE, Op.ADD_CONST, Op.CAST})


def align(n: int, to: int = ALIGN) -> int:
    return -(-n // to) * to


@dataclass(frozen=True)
class Buf:
    """A tensor placed in DRAM: row-major, contiguous, starting at byte ``addr``."""

    addr: int
    shape: tuple[int, ...]
    dtype: DType

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def nbytes(self) -> int:
        return self.size * self.dtype.nbytes

    def reshaped(self, shape: Sequence[int]) -> Buf:
        shape = tuple(int(d) for d in shape)
        if math.prod(shape) != self.size:
            raise ValueError(f"cannot view {self.shape} as {shape}")
        return Buf(self.addr, shape, self.dtype)

    def at(self, offset_elems: int, shape: Sequence[int]) -> Buf:
        """A sub-buffer starting ``offset_elems`` elements in."""
        return Buf(self.addr + offset_elems * self.dtype.nbytes, tuple(shape), self.dtype)


class DramOverflow(ValueError):
    """The network does not fit in the chip's DRAM."""


@dataclass(frozen=True)
class DramPlan:
    """Every live node's buffer, the named tensors, and where the temp arena starts.

    ``copies`` lists (source buffer, destination buffer) pairs the lowering must copy at the end
    of the program: updates that could not be computed in place, and outputs that are sources or
    repeat another output.
    """

    bufs: dict[int, Buf]
    tensors: dict[str, TensorInfo]
    copies: list[tuple[Buf, Buf]]
    scratch_base: int
    scratch_bytes: int
    temp_base: int


def live_nodes(graph: Graph) -> list[bool]:
    """Which nodes contribute to an output or an update (the rest are not lowered)."""
    live = [False] * len(graph.nodes)
    stack = list(graph.outputs.values()) + list(graph.updates.values())
    while stack:
        i = stack.pop()
        if not live[i]:
            live[i] = True
            stack.extend(graph.nodes[i].inputs)
    return live


# The address of a value that never reaches DRAM: far past any chip's DRAM, so a DMA that
# addressed it by mistake would fail the instruction's 32-bit address field, loudly.
ON_CHIP_ONLY = 1 << 48


def plan_dram(
    graph: Graph,
    config: ChipConfig,
    spans: Sequence[tuple[int, int]] | None = None,
    on_chip: frozenset[int] = frozenset(),
) -> DramPlan:
    """Place every live node's value; raise `DramOverflow` naming the sizes if it cannot fit.

    ``spans[i]`` is the (first, last) node id of the lowering unit that computes node i (a
    fusion group computes all its members block by block, so their values are defined at the
    group's first node and its operands are read until its last); default (i, i).
    ``on_chip``: values that live only in on-chip rows of their lowering unit (fusion-group
    members read by no other unit); they get no DRAM, and a buffer at `ON_CHIP_ONLY`.
    """
    nodes = graph.nodes
    live = live_nodes(graph)
    end = len(nodes)
    spans = spans or [(i, i) for i in range(len(nodes))]
    root = list(range(len(nodes)))  # the node whose buffer a node's value occupies
    for n in nodes:
        if live[n.id] and n.op is Op.RESHAPE:
            root[n.id] = root[n.inputs[0]]
    last_use = list(range(len(nodes)))
    for n in nodes:
        if live[n.id]:
            for i in n.inputs:
                last_use[root[i]] = max(last_use[root[i]], spans[n.id][1])
    for nid in list(graph.outputs.values()) + list(graph.updates.values()):
        last_use[root[nid]] = end

    tensors: dict[str, TensorInfo] = {}
    bufs: dict[int, Buf] = {}
    pending: list[tuple[int, Buf]] = []  # (node id, destination) copied at the end
    addr = 0

    def named(name: str, shape: tuple[int, ...], dtype: DType, kind: TensorKind) -> Buf:
        nonlocal addr
        if name in tensors:
            raise ValueError(f"two DRAM tensors are named {name!r}")
        tensors[name] = TensorInfo(name, addr, shape, dtype, kind, graph.roles.get(name))
        buf = Buf(addr, shape, dtype)
        addr = align(addr + buf.nbytes)
        return buf

    for n in nodes:
        if n.op in SOURCE_KIND:
            bufs[n.id] = named(n.name, n.shape, n.dtype, SOURCE_KIND[n.op])
    claimed: set[int] = set()
    for name, nid in graph.outputs.items():
        r = root[nid]
        out = named(name, nodes[nid].shape, nodes[nid].dtype, TensorKind.OUTPUT)
        if r in bufs or r in claimed or r != nid:
            pending.append((nid, out))
        else:
            bufs[nid] = out
            claimed.add(nid)
    readers: dict[int, list[Node]] = {}  # the live nodes reading each root's buffer
    for n in nodes:
        if live[n.id]:
            for r in {root[i] for i in n.inputs}:
                readers.setdefault(r, []).append(n)
    for name, nid in graph.updates.items():
        src = graph.sources(Op.PARAM).get(name) or graph.sources(Op.STATE).get(name)
        if src is None:
            raise ValueError(f"update {name!r} names no PARAM or STATE tensor")
        target = bufs[src.id]
        ok = _in_place_ok(graph, readers.get(root[src.id], []), root, src.id, nid, spans)
        if ok and nid not in claimed:
            bufs[nid] = target
            claimed.add(nid)
        else:
            pending.append((nid, target))

    scratch_base = addr
    placed: list[tuple[int, int, int, int]] = []  # (offset, size, first, last)
    top = 0
    for n in nodes:
        if not live[n.id] or n.id in bufs or root[n.id] != n.id:
            continue
        if n.id in on_chip:
            bufs[n.id] = Buf(ON_CHIP_ONLY, n.shape, n.dtype)
            continue
        size = align(n.size * n.dtype.nbytes)
        first, last = spans[n.id][0], max(last_use[n.id], spans[n.id][1])
        offset = _first_fit(placed, size, first, last)
        placed.append((offset, size, first, last))
        bufs[n.id] = Buf(scratch_base + offset, n.shape, n.dtype)
        top = max(top, offset + size)
    for n in nodes:
        if live[n.id] and root[n.id] != n.id:
            bufs[n.id] = bufs[root[n.id]].reshaped(n.shape)
    copies = [(bufs[nid], dst) for nid, dst in pending]
    temp_base = align(scratch_base + top)
    if temp_base > config.dram_bytes:
        raise DramOverflow(
            f"network {graph.name!r} needs {temp_base} bytes of DRAM "
            f"({len(tensors)} named tensors, {top} bytes of intermediates); "
            f"chip {config.name!r} has {config.dram_bytes}; largest: "
            f"{_largest(graph, live)}"
        )
    return DramPlan(bufs, tensors, copies, scratch_base, top, temp_base)


def _largest(graph: Graph, live: list[bool], count: int = 3) -> str:
    """The ``count`` largest live values, named, so an overflow says what to shrink."""
    sized = sorted(
        (n for n in graph.nodes if live[n.id] and n.op is not Op.RESHAPE),
        key=lambda n: -n.size * n.dtype.nbytes,
    )
    return ", ".join(
        f"{n.name or n.op.value} (node %{n.id}, {n.op.value} "
        f"{n.dtype.value}{list(n.shape)}, {n.size * n.dtype.nbytes} bytes)"
        for n in sized[:count]
    )


def _in_place_ok(
    graph: Graph,
    readers: list[Node],
    root: list[int],
    src: int,
    upd: int,
    spans: Sequence[tuple[int, int]],
) -> bool:
    """An update may overwrite its PARAM/STATE in place if nothing reads the old value later:
    no reader after it, and no non-elementwise reader in its own lowering unit (a GEMM whose
    epilogue computes the update still reads its operands while tiles are stored).
    ``readers``: the live nodes reading ``src``'s buffer."""
    node = graph.nodes[upd]
    if node.op in SOURCE_KIND or node.op is Op.RESHAPE or node.shape != graph.nodes[src].shape:
        return False
    for n in readers:
        if n.id > upd:
            return False
        same_unit = spans[n.id][1] >= spans[upd][0] and n.id != upd
        if same_unit and n.op not in _ELEMENTWISE:
            return False
    # The updating node itself may read the old value only elementwise (same position).
    reads_old = any(root[i] == root[src] for i in node.inputs)
    return not reads_old or node.op in _ELEMENTWISE


def _first_fit(placed: list[tuple[int, int, int, int]], size: int, first: int, last: int) -> int:
    busy = sorted((o, o + s) for o, s, f, la in placed if f <= last and first <= la)
    offset = 0
    for lo, hi in busy:
        if offset + size <= lo:
            break
        offset = max(offset, hi)
    return offset


class OnChip:
    """Bump allocation of scratchpad and accumulator rows for one layer's lowering.

    Contract: regions handed out do not overlap; the accumulator's last row is never handed out
    (the emitter's sync row), nor the ``reserve`` (scratchpad, accumulator) rows below it that
    the residency plan holds across layers. Asking for more than is left raises with the sizes.
    """

    def __init__(self, config: ChipConfig, reserve: tuple[int, int] = (0, 0)) -> None:
        self.config = config
        self.spad_capacity = config.spad_rows - reserve[0]
        self.acc_capacity = config.acc_rows - 1 - reserve[1]
        self._spad = 0
        self._acc = 0
        self._acc_top = self.acc_capacity  # `acc(high=True)` hands out rows below this

    def spad(self, rows: int, what: str = "buffer") -> int:
        if rows > self.spad_left:
            raise ValueError(f"{what}: {rows} scratchpad rows requested, {self.spad_left} left")
        base, self._spad = self._spad, self._spad + rows
        return base

    def acc(self, rows: int, what: str = "buffer", high: bool = False) -> int:
        """Accumulator rows from the low end, or with ``high`` from the high end (another bank
        when the layer's rows span two: two vector operands in one bank share its read port)."""
        if rows > self.acc_left:
            raise ValueError(f"{what}: {rows} accumulator rows requested, {self.acc_left} left")
        if high:
            self._acc_top -= rows
            return self._acc_top
        base, self._acc = self._acc, self._acc + rows
        return base

    @property
    def spad_left(self) -> int:
        return self.spad_capacity - self._spad

    @property
    def acc_left(self) -> int:
        return self._acc_top - self._acc
