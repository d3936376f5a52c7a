"""Elementwise fusion: a run of elementwise nodes of one shape lowered as one loop.

Lowered one node at a time, every elementwise op would load its operands from DRAM and store its
result (the batch-norm backward and the Adam update are chains of a dozen such ops). A fusion
group instead processes row blocks once: it loads the group's external operands, computes every
member with vector instructions into on-chip rows, and stores only the values needed outside
the group. `plan_groups` forms groups of consecutive nodes; `lower_group` emits one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from chip.isa import Loc, Mem, Move, VecOp
from compiler.ir import SOURCES, Graph, Node, Op
from compiler.lower.context import Ctx, LoweringError, View
from compiler.lower.gemm import Epilogue
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
EPILOGUE_OPS = frozenset({Op.MATMUL, Op.CONV2D, Op.CONV2D_GRAD_INPUT})
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
    reader = _first_readers(members, ext)
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
        _operand(ctx, src, f, name)
        ctx.tag_node(None)

    def store(nid: int, src: Loc, dst: View) -> None:
        ctx.tag_node(nid)
        ctx.store(src, dst)
        ctx.tag_node(None)

    total = members[0].size
    side = _sides(members, -1, {i: r for i, r in ext.items()})
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
                    _claimed(ctx, flat_view(bufs[nid], first, rr, cols), f, f"v{nid}")
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
                _claimed(ctx, view, f, f"v{nid}")
            compute(f, rr, cc)
            for nid in sorted(group.keep):
                dst = View.matrix(bufs[nid], rows_total, last).block(r0, rr, c0, cc)
                store(nid, f[f"v{nid}"], dst)


def _operand(ctx: Ctx, view: View, frame: dict, name: str | int) -> None:
    """Point ``frame[name]`` at the rows holding ``view``: resident rows read in place, rows
    the residency plan keeps it in for a later reader, or the frame's buffer after a load."""
    here = ctx.resident(view)
    if here is None:
        here = ctx.load_kept(view)
    if here is not None:
        frame[name] = here
    else:
        ctx.load(view, frame[name])


def _claimed(ctx: Ctx, view: View, frame: dict, name: str | int) -> None:
    """Point ``frame[name]`` at the rows where the residency plan keeps ``view`` of a value
    being computed, when it does (the value's store then copies nothing)."""
    at = ctx.claim(view, frame[name].mem)
    if at is not None:
        frame[name] = at


RowMap = Callable[[int, int], list[tuple[int, int, int]]]


def _first_readers(members: tuple[Node, ...], ext: dict[int, Broadcast]) -> dict[int, int]:
    """For each external operand, the first member reading it (its load is that member's
    work, for tagging)."""
    out: dict[int, int] = {}
    for m in members:
        for i in m.inputs:
            if i in ext:
                out.setdefault(i, m.id)
    return out


def identity_rows(r0: int, rows: int) -> list[tuple[int, int, int]]:
    """GEMM output rows are the value's rows: one segment (offset in tile, row, count)."""
    return [(0, r0, rows)]


def _sides(members: tuple[Node, ...], gemm: int, ext: dict[int, Broadcast]) -> dict[int, bool]:
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


WHOLE_ROWS = 8  # a row operand of at most this many accumulator rows is loaded once


def _whole_rows(
    ctx: Ctx, ext: dict[int, Broadcast], bufs: dict[int, Buf], last: int, high: dict[int, bool]
) -> dict[int, Loc]:
    """Rows to hold each short row operand (a bias) whole, ``row_elems`` elements per row,
    on the side `_sides` chose (`_load_whole` fills them once): loading it per column tile
    into one row makes each load wait for the previous tile's vector ops, then for the DRAM
    latency."""
    n = -(-last // ctx.config.row_elems)
    return {
        i: ctx.alloc(ctx.mem_for(bufs[i].dtype), n, "row operand", high[i])
        for i, role in ext.items()
        if role is Broadcast.ROW and n <= min(WHOLE_ROWS, ctx.chip.acc_left)
    }


def _load_whole(ctx: Ctx, buf: Buf, last: int, dst: Loc) -> None:
    """Load the ``last`` elements of row operand ``buf`` into ``dst``, ``row_elems`` per row."""
    re = ctx.config.row_elems
    full, rest = divmod(last, re)
    if full:
        ctx.load(View(buf.addr, buf.dtype, full, re, re), dst)
    if rest:
        addr = buf.addr + full * re * buf.dtype.nbytes
        ctx.load(View(addr, buf.dtype, 1, rest, rest), dst.offset(full))


def _load_packed(ctx: Ctx, buf: Buf, pack: int, column: Loc, dst: Loc) -> None:
    """Load row operand ``buf`` ``pack`` times side by side into row ``dst`` (the copies a
    packed tile's row needs, one per output position it holds): each copy loaded as a column
    of ``column``'s rows (an element per row), then one transposed MOVE turns the column into
    the row (a DMA writes on-chip rows from their first element, so the copies cannot be
    loaded side by side)."""
    n = buf.size
    for q in range(pack):
        ctx.load(View(buf.addr, buf.dtype, n, 1, 1), column.offset(q * n))
    ctx.em.emit(Move(src=column, dst=dst, rows=pack * n, cols=1, transpose=True))


def gemm_epilogue(
    ctx: Ctx,
    group: Group,
    gemm: Node,
    bufs: dict[int, Buf],
    keep_gemm: bool,
    row_map: RowMap = identity_rows,
    pack: int = 1,
) -> Epilogue:
    """An epilogue computing ``group`` on each finished output tile of ``gemm`` while the tile
    is still in the accumulator (bias, batch norm, activation, cast: no DRAM round trip for the
    GEMM's output). The GEMM's own value is stored only if ``keep_gemm`` (read outside).

    ``row_map(r0, rows)`` maps GEMM output rows to the value's rows as (offset in the tile,
    first row, count) segments; rows it leaves out (an implicit convolution's dropped rows)
    are computed on dummy operand values and never stored.
    """
    members = group.members
    last = gemm.shape[-1] * pack
    m_rows = gemm.size // last
    ext = _epilogue_operands(group, gemm, bufs)
    if not epilogue_packs(group, gemm, bufs, pack, ctx.config.row_elems):
        raise LoweringError(
            f"{gemm.name}: an epilogue with a row operand longer than a row / {pack} cannot "
            "take packed rows"
        )
    in_place = _in_place(ctx, members, gemm.id, bufs, group.keep, keep_gemm)
    n_bufs = len(members) + sum(1 for r in ext.values() if not r.one_row)
    cap = max(1, min(m_rows, 256, ctx.chip.acc_left // (3 * max(1, n_bufs))))
    cap = -(-m_rows // -(-m_rows // cap))  # equal blocks: the two sets alternate evenly
    high = _sides(members, gemm.id, ext)
    # Two sets of row buffers, alternating per block of rows: the next block's operand loads
    # need not wait for this block's vector ops, nor its vector ops for this block's stores.
    # Broadcast rows are shared (loaded once, or once per column tile).
    sets: list[dict[int, Loc]] = [{}, {}]
    reader = _first_readers(members, ext)
    for k, loc in enumerate(sets):
        for m in members:
            mem = ctx.mem_for(bufs[m.id].dtype)
            loc[m.id] = ctx.alloc(mem, cap, "epilogue values", high[m.id])
        for i, role in ext.items():
            if role.one_row and k:
                loc[i] = sets[0][i]
                continue
            rows = 1 if role.one_row else cap
            loc[i] = ctx.alloc(ctx.mem_for(bufs[i].dtype), rows, "epilogue operand", high[i])
            if role is Broadcast.SCALAR:
                ctx.tag_node(reader[i])
                scalar = View(bufs[i].addr, bufs[i].dtype, 1, ctx.config.row_elems, 0, 0)
                loc[i] = ctx.load_scalar(scalar, loc[i])
                ctx.tag_node(None)
    whole = _whole_rows(ctx, ext, bufs, last, high)
    packed = {}  # row operands laid out ``pack`` times along the row: their column rows
    if pack > 1:
        for i, role in ext.items():
            if role is Broadcast.ROW:
                if i not in whole:
                    raise LoweringError(f"{gemm.name}: no accumulator row for a packed operand")
                packed[i] = ctx.alloc(whole[i].mem, last, "packed row operand", high[i])
    loaded: set[int] = set()  # whole row operands loaded so far
    turn = [0]

    def view(nid: int) -> View:
        return View.matrix(bufs[nid], m_rows, last)

    def run(tile: Loc, r0: int, rows: int, c0: int, cols: int) -> None:
        re = ctx.config.row_elems
        # In place, the stores follow the whole tile's vector work: a store holds the read
        # port of the tile's bank, which the next block's vector ops would wait for.
        here_in_place = in_place if rows > cap else frozenset()
        stores: list[tuple[int, Loc, View]] = []
        row_at: dict[int, Loc] = {}  # ROW operands read in place from their whole rows
        for i, role in ext.items():
            if i in whole and c0 % re == 0 and cols <= re:
                if i not in loaded:  # where the first tile's row would have been loaded
                    ctx.tag_node(reader[i])
                    if i in packed:
                        _load_packed(ctx, bufs[i], pack, packed[i], whole[i])
                    else:
                        _load_whole(ctx, bufs[i], last, whole[i])
                    loaded.add(i)
                row_at[i] = whole[i].offset(c0 // re)
            elif role is Broadcast.ROW:
                ctx.tag_node(reader[i])
                ctx.load(
                    View(bufs[i].addr, bufs[i].dtype, 1, last, last).block(0, 1, c0, cols),
                    sets[0][i],
                )
        for s0 in range(0, rows, cap):
            rr = min(cap, rows - s0)
            loc = sets[turn[0]]
            turn[0] ^= 1
            segs = row_map(r0 + s0, rr)
            dense = segs == [(0, r0 + s0, rr)]
            here = {**loc, **row_at, gemm.id: tile.offset(s0)}
            for nid in here_in_place:
                here[nid] = Loc(ctx.mem_for(bufs[nid].dtype), tile.row + s0)
            ctx.tag_node(None)
            if keep_gemm:
                for off, row, cnt in segs:
                    ctx.store(tile.offset(s0 + off), view(gemm.id).block(row, cnt, c0, cols))
            for i, role in ext.items():
                if role.one_row:
                    continue
                buf = bufs[i]
                ctx.tag_node(reader[i])
                if not dense:  # rows no segment loads must still hold (any) values
                    ctx.vec(VecOp.SET, loc[i], rr, cols)
                if dense and role is Broadcast.FULL:
                    _operand(ctx, view(i).block(r0 + s0, rr, c0, cols), here, i)
                    continue
                for off, row, cnt in segs:
                    if role is Broadcast.FULL:
                        src = view(i).block(row, cnt, c0, cols)
                    else:  # per-row scalar, repeated along the row by a stride-0 DMA
                        src = View(buf.addr + row * buf.dtype.nbytes, buf.dtype, cnt, cols, 1, 0)
                    ctx.load(src, loc[i].offset(off))
            if dense:  # kept values are computed where the residency plan keeps them
                for nid in sorted(group.keep - {gemm.id}):
                    _claimed(ctx, view(nid).block(r0 + s0, rr, c0, cols), here, nid)
            for m in members:
                srcs = [(here[i], i in ext and ext[i].one_row) for i in m.inputs]
                op, imm = BINARY_OPS.get(m.op) or UNARY_OPS[m.op], vec_imm(m)
                (a, _), (b, bc2) = srcs[0], srcs[-1]
                ctx.tag_node(m.id)
                ctx.vec(op, here[m.id], rr, cols, a, b, imm=imm, bcast2=bc2 and len(srcs) > 1)
            for nid in sorted(group.keep - {gemm.id}):
                for off, row, cnt in segs:
                    stores.append((nid, here[nid].offset(off), view(nid).block(row, cnt, c0, cols)))
                if not here_in_place:
                    _store_all(ctx, stores)
        _store_all(ctx, stores)
        ctx.tag_node(None)

    return run


def _store_all(ctx: Ctx, stores: list[tuple[int, Loc, View]]) -> None:
    """Emit the pending epilogue ``stores`` (node, on-chip rows, DRAM block) and clear them."""
    for nid, src, dst in stores:
        ctx.tag_node(nid)
        ctx.store(src, dst)
    stores.clear()


def _epilogue_operands(group: Group, gemm: Node, bufs: dict[int, Buf]) -> dict[int, Broadcast]:
    """The values an epilogue reads from outside its group and the GEMM, with how each
    broadcasts to the GEMM's shape."""
    ids = {m.id for m in group.members}
    return {
        i: broadcast_role(gemm.shape, bufs[i].shape)
        for m in group.members
        for i in m.inputs
        if i not in ids and i != gemm.id
    }


def epilogue_packs(
    group: Group, gemm: Node, bufs: dict[int, Buf], pack: int, row_elems: int
) -> bool:
    """Whether the epilogue can run on output tiles whose rows hold ``pack`` consecutive rows
    of the GEMM's value (conv_bands.py's packed windows): its operands are scalars or of the
    value's whole shape, read as rows ``pack`` times as long, or row operands (a bias) whose
    ``pack`` copies fill at most one on-chip row (`_load_packed`)."""
    roles = _epilogue_operands(group, gemm, bufs).values()
    short = pack * gemm.shape[-1] <= row_elems
    return pack == 1 or all(
        r in (Broadcast.FULL, Broadcast.SCALAR) or (r is Broadcast.ROW and short) for r in roles
    )


def _in_place(
    ctx: Ctx,
    members: tuple[Node, ...],
    gemm: int,
    bufs: dict[int, Buf],
    keep: frozenset[int],
    keep_gemm: bool,
) -> frozenset[int]:
    """The members an epilogue may compute over the GEMM's own accumulator tile: all of them
    when they form a chain (each reads the one before it, the first the GEMM, and no other
    value of the group), every value lives in the accumulator, and only the last leaves the
    group (so nothing overwritten is read or stored later); otherwise none. A tile of more
    rows than a block of the epilogue's buffers is then computed in place: with the buffers,
    each block's vector work waits for the store of the block before last, and the array
    behind it (ResNet-18's conv1 on tpu-v1). A tile of one block keeps the buffers, which
    free it for the array before its store is done (the LSTM step on edge: 1.8% slower in
    place)."""
    if keep_gemm or not keep <= {members[-1].id}:
        return frozenset()
    values = {gemm} | {m.id for m in members}
    prev = gemm
    for m in members:
        if ctx.mem_for(bufs[m.id].dtype) not in (Mem.ACC, Mem.ACCF):
            return frozenset()
        if prev not in m.inputs or any(i in values and i != prev for i in m.inputs):
            return frozenset()
        prev = m.id
    return frozenset(m.id for m in members)


def fuse_epilogues(
    graph: Graph, units: list[Group | Node], dataflow_is: bool
) -> list[Group | Node | tuple[Node, Group, bool]]:
    """Units with each MATMUL or convolution merged with the fusion group right after it when
    the group can run as its epilogue: the group reads the GEMM's value and has its shape, and
    the tiles are not transposed (not IS). A merged unit is (gemm, group, keep_gemm)."""
    users = graph.consumers()
    outs = set(graph.outputs.values()) | set(graph.updates.values())
    out: list[Group | Node | tuple[Node, Group, bool]] = []
    i = 0
    while i < len(units):
        unit = units[i]
        nxt = units[i + 1] if i + 1 < len(units) else None
        if (
            isinstance(unit, Node)
            and isinstance(nxt, Group)
            and not dataflow_is
            and unit.op in EPILOGUE_OPS
            and nxt.members[0].shape == unit.shape
            and any(unit.id in m.inputs for m in nxt.members)
        ):
            ids = {m.id for m in nxt.members}
            keep = unit.id in outs or any(u not in ids for u in users[unit.id])
            out.append((unit, nxt, keep))
            i += 2
            continue
        out.append(unit)
        i += 1
    return out
