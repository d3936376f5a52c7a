"""Elementwise fusion: a run of elementwise nodes of one shape lowered as one loop.

Lowered one node at a time, every elementwise op would load its operands from DRAM and store its
result (the batch-norm backward and the Adam update are chains of a dozen such ops). A fusion
group instead processes row blocks once: it loads the group's external operands, computes every
member with vector instructions into on-chip rows, and stores only the values needed outside
the group. `plan_groups` forms groups of consecutive nodes; `lower_group` emits one. A group
right after a GEMM may instead run as its epilogue (epilogue.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from chip.isa import Loc, Mem
from compiler.ir import SOURCES, Graph, Node, Op
from compiler.lower.context import Ctx, View
from compiler.lower.memory import Buf
from compiler.lower.vector import (
    BINARY_OPS,
    UNARY_OPS,
    Broadcast,
    Frames,
    broadcast_role,
    flat_view,
    segments,
    vec_imm,
)

FUSIBLE = frozenset(BINARY_OPS) | frozenset(UNARY_OPS)
MAX_MEMBERS = 16


@dataclass(frozen=True)
class Group:
    """Nodes lowered together; ``keep`` are the members whose values go back to DRAM."""

    members: tuple[Node, ...]
    keep: frozenset[int]


def plan_groups(graph: Graph, live: list[bool]) -> list[Group | Node]:
    """The lowering units in order: fusion groups of elementwise nodes, other nodes alone.

    Invariant: members of a group are consecutive among the nodes that emit instructions,
    share one output shape, and no member reads (through a RESHAPE alias) another member's
    DRAM value, so computing the whole group block by block preserves program order.
    """
    root = list(range(len(graph.nodes)))
    for n in graph.nodes:
        if n.op is Op.RESHAPE:
            root[n.id] = root[n.inputs[0]]
    users = graph.consumers()
    roots_out = {root[i] for i in list(graph.outputs.values()) + list(graph.updates.values())}
    units: list[Group | Node] = []
    current: list[Node] = []

    def close() -> None:
        if not current:
            return
        ids = {m.id for m in current}
        keep = frozenset(
            m.id for m in current if m.id in roots_out or any(u not in ids for u in users[m.id])
        )
        units.append(Group(tuple(current), keep))
        current.clear()

    for n in graph.nodes:
        if not live[n.id] or n.op in SOURCES or n.op is Op.RESHAPE:
            continue
        if n.op in FUSIBLE:
            ids = {m.id for m in current}
            joins = (
                current
                and n.shape == current[0].shape
                and len(current) < MAX_MEMBERS
                and not any(root[i] in ids and i not in ids for i in n.inputs)
            )
            if not joins:
                close()
            current.append(n)
            continue
        close()
        units.append(n)
    close()
    return units


def lower_group(ctx: Ctx, group: Group, bufs: dict[int, Buf]) -> None:
    """Emit a fusion group (see the module docstring)."""
    members = group.members
    ids = {m.id for m in members}
    shape = members[0].shape
    w = ctx.config.row_elems
    ext: dict[int, Broadcast] = {}  # external operand -> its broadcast to the group's shape
    for m in members:
        for i in m.inputs:
            if i not in ids:
                ext[i] = broadcast_role(shape, bufs[i].shape)
    # Flat blocks of row_elems elements when no operand broadcasts along rows and the last dim
    # is not a multiple of row_elems (no lane idles) or the value is a vector; otherwise
    # column blocks of the matrix, whose rows are the rows a GEMM reading the value loads,
    # consecutive per block (so the residency plan serves such a load with one COPY).
    # A vector (one matrix row) is always flat: its column blocks would be single rows. A
    # matrix cast to the array's operand type is a GEMM's operand: in column blocks the GEMM
    # reads it where the cast left it (and the cast reads its source in the rows its producer
    # wrote), where flat blocks would send it through DRAM both ways.
    operand = len(shape) == 2 and any(bufs[m.id].dtype is ctx.config.input_dtype for m in members)
    flat = (
        not operand
        and all(r in (Broadcast.FULL, Broadcast.SCALAR) for r in ext.values())
        and bool(shape and (shape[-1] % w or len(shape) == 1))
    )
    mems: dict[str, Mem] = {}
    for i, role in ext.items():
        if not role.one_row:
            mems[f"x{i}"] = ctx.mem_for(bufs[i].dtype)
    for m in members:
        mems[f"v{m.id}"] = ctx.mem_for(bufs[m.id].dtype)
    # (from the accumulator's high end: the previous unit's results sit at the low end, and
    # the load of the row should not wait for their readers)
    vec_rows = {
        i: ctx.alloc(ctx.mem_for(bufs[i].dtype), 1, "broadcast operand", high=True)
        for i, role in ext.items()
        if role.one_row
    }
    reader = first_readers(members, ext)
    for i, loc in vec_rows.items():
        if ext[i] is Broadcast.SCALAR:  # a stride-0 DMA replicates the scalar across the row
            ctx.tag_node(reader[i])
            vec_rows[i] = ctx.load_scalar(View(bufs[i].addr, bufs[i].dtype, 1, w, 0, 0), loc)

    def compute(f: dict[str, Loc], rows: int, cols: int) -> None:
        for m in members:
            locs = []
            for i in m.inputs:
                if i in ids:
                    locs.append((f[f"v{i}"], False))
                elif ext[i].one_row:
                    locs.append((vec_rows[i], True))
                else:
                    locs.append((f[f"x{i}"], False))
            op, imm = BINARY_OPS.get(m.op) or UNARY_OPS[m.op], vec_imm(m)
            (a, _), (b, bc2) = locs[0], locs[-1]
            ctx.tag_node(m.id)
            ctx.vec(op, f[f"v{m.id}"], rows, cols, a, b, imm=imm, bcast2=bc2 and len(locs) > 1)
        ctx.tag_node(None)

    def load(i: int, src: View, dst: Loc) -> None:
        ctx.tag_node(reader[i])
        ctx.load(src, dst)
        ctx.tag_node(None)

    def operand(i: int, src: View, f: dict, name: str) -> None:
        ctx.tag_node(reader[i])
        resident_or_load(ctx, src, f, name)
        ctx.tag_node(None)

    def store(nid: int, src: Loc, dst: View) -> None:
        ctx.tag_node(nid)
        ctx.store(src, dst)
        ctx.tag_node(None)

    total = members[0].size
    side = bank_sides(members, -1, {i: r for i, r in ext.items()})
    high = frozenset(f"x{i}" if i in ext else f"v{i}" for i, h in side.items() if h and i != -1)
    if flat:
        segs = segments(total, w)
        frames = Frames(ctx, mems, max(r for _, r, _ in segs), high)
        for e0, rows, cols in segs:
            for r0 in range(0, rows, frames.rb):
                rr = min(frames.rb, rows - r0)
                f = dict(frames.next())
                first = e0 + r0 * cols
                for i, role in ext.items():
                    if role is Broadcast.FULL:
                        operand(i, flat_view(bufs[i], first, rr, cols), f, f"x{i}")
                for nid in sorted(group.keep):
                    claimed_rows(ctx, flat_view(bufs[nid], first, rr, cols), f, f"v{nid}")
                compute(f, rr, cols)
                for nid in sorted(group.keep):
                    store(nid, f[f"v{nid}"], flat_view(bufs[nid], first, rr, cols))
        return
    last = shape[-1]
    rows_total = total // last
    frames = Frames(ctx, mems, rows_total, high)
    for c0 in range(0, last, w):
        cc = min(w, last - c0)
        for i, loc in vec_rows.items():
            if ext[i] is Broadcast.ROW:
                load(i, View(bufs[i].addr, bufs[i].dtype, 1, last, last).block(0, 1, c0, cc), loc)
        for r0 in range(0, rows_total, frames.rb):
            rr = min(frames.rb, rows_total - r0)
            f = dict(frames.next())
            for i, role in ext.items():
                buf = bufs[i]
                if role is Broadcast.FULL:
                    view = View.matrix(buf, rows_total, last).block(r0, rr, c0, cc)
                    operand(i, view, f, f"x{i}")
                elif role is Broadcast.ROW_SCALAR:
                    # row r reads element r cc times: a transposing DMA with column stride 0
                    src = View(buf.addr + r0 * buf.dtype.nbytes, buf.dtype, rr, cc, 1, 0)
                    load(i, src, f[f"x{i}"])
            for nid in sorted(group.keep):
                view = View.matrix(bufs[nid], rows_total, last).block(r0, rr, c0, cc)
                claimed_rows(ctx, view, f, f"v{nid}")
            compute(f, rr, cc)
            for nid in sorted(group.keep):
                dst = View.matrix(bufs[nid], rows_total, last).block(r0, rr, c0, cc)
                store(nid, f[f"v{nid}"], dst)


def resident_or_load(ctx: Ctx, view: View, frame: dict, name: str | int) -> None:
    """Point ``frame[name]`` at the rows holding ``view``: resident rows read in place, rows
    the residency plan keeps it in for a later reader, or the frame's buffer after a load."""
    here = ctx.resident(view)
    if here is None:
        here = ctx.load_kept(view)
    if here is not None:
        frame[name] = here
    else:
        ctx.load(view, frame[name])


def claimed_rows(ctx: Ctx, view: View, frame: dict, name: str | int) -> None:
    """Point ``frame[name]`` at the rows where the residency plan keeps ``view`` of a value
    being computed, when it does (the value's store then copies nothing)."""
    at = ctx.claim(view, frame[name].mem)
    if at is not None:
        frame[name] = at


def first_readers(members: tuple[Node, ...], ext: dict[int, Broadcast]) -> dict[int, int]:
    """For each external operand, the first member reading it (its load is that member's
    work, for tagging)."""
    out: dict[int, int] = {}
    for m in members:
        for i in m.inputs:
            if i in ext:
                out.setdefault(i, m.id)
    return out


def bank_sides(members: tuple[Node, ...], gemm: int, ext: dict[int, Broadcast]) -> dict[int, bool]:
    """Which epilogue buffers go at the high end of the accumulator: the GEMM tile is low,
    loaded operands high, and each member opposite to the value a later member reads with it,
    so the two operands of a vector op sit in different banks where the rows allow."""
    high = {gemm: False} | {i: True for i in ext}
    for k, m in enumerate(members):
        side = None
        for later in members[k + 1 :]:
            if m.id in later.inputs and len(later.inputs) == 2:
                other = later.inputs[1] if later.inputs[0] == m.id else later.inputs[0]
                if other in high and not (other in ext and ext[other].one_row):
                    side = not high[other]
                    break
        high[m.id] = bool(side)
    return high
