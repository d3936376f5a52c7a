"""GEMM epilogues: a fusion group computed on each output tile of the GEMM before it.

A group of elementwise nodes right after a MATMUL or a convolution (bias, batch norm,
activation, cast) that reads the GEMM's value and has its shape runs on each finished output
tile while the tile is still in the accumulator, so the GEMM's value need not go through DRAM.
`fuse_epilogues` pairs the units; `gemm_epilogue` emits one.
"""

from __future__ import annotations

from collections.abc import Callable

from chip.isa import Loc, Mem, Move, VecOp
from compiler.ir import Graph, Node, Op
from compiler.lower.context import Ctx, LoweringError, View
from compiler.lower.fusion import (
    Group,
    bank_sides,
    claimed_rows,
    first_readers,
    resident_or_load,
)
from compiler.lower.gemm import Epilogue
from compiler.lower.memory import Buf
from compiler.lower.vector import BINARY_OPS, UNARY_OPS, Broadcast, broadcast_role, vec_imm

EPILOGUE_OPS = frozenset({Op.MATMUL, Op.CONV2D, Op.CONV2D_GRAD_INPUT})

RowMap = Callable[[int, int], list[tuple[int, int, int]]]


def identity_rows(r0: int, rows: int) -> list[tuple[int, int, int]]:
    """GEMM output rows are the value's rows: one segment (offset in tile, row, count)."""
    return [(0, r0, rows)]


WHOLE_ROWS = 8  # a row operand of at most this many accumulator rows is loaded once


def _whole_rows(
    ctx: Ctx, ext: dict[int, Broadcast], bufs: dict[int, Buf], last: int, high: dict[int, bool]
) -> dict[int, Loc]:
    """Rows to hold each short row operand (a bias) whole, ``row_elems`` elements per row,
    on the side `bank_sides` chose (`_load_whole` fills them once): loading it per column tile
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
    high = bank_sides(members, gemm.id, ext)
    # Two sets of row buffers, alternating per block of rows: the next block's operand loads
    # need not wait for this block's vector ops, nor its vector ops for this block's stores.
    # Broadcast rows are shared (loaded once, or once per column tile).
    sets: list[dict[int, Loc]] = [{}, {}]
    reader = first_readers(members, ext)
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
                    resident_or_load(ctx, view(i).block(r0 + s0, rr, c0, cols), here, i)
                    continue
                for off, row, cnt in segs:
                    if role is Broadcast.FULL:
                        src = view(i).block(row, cnt, c0, cols)
                    else:  # per-row scalar, repeated along the row by a stride-0 DMA
                        src = View(buf.addr + row * buf.dtype.nbytes, buf.dtype, cnt, cols, 1, 0)
                    ctx.load(src, loc[i].offset(off))
            if dense:  # kept values are computed where the residency plan keeps them
                for nid in sorted(group.keep - {gemm.id}):
                    claimed_rows(ctx, view(nid).block(r0 + s0, rr, c0, cols), here, nid)
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
