"""GEMM emission for the three dataflows, following a `GemmPlan` from the cost model.

``emit_gemm(ctx, a, b, out)`` computes ``out = a @ b`` for DRAM views (transposed operands are
just transposed views: the DMA transposes on load). Buffers are rings of two slots, so the load
of the next chunk overlaps the matmul on the current one and the store of one output block
overlaps the next block's compute (the emitter derives the tokens from the slot addresses).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable

from chip.config import Dataflow
from chip.dtypes import DType
from chip.isa import Loc, Matmul, Mem, Preload, VecOp, acc, sp
from compiler.lower.context import Ctx, LoweringError, View
from compiler.lower.tiling import Budget, GemmPlan, Outer, plan_os, plan_stationary


class Ring:
    """``n`` equal slots of rows handed out round-robin (double buffering when n = 2)."""

    def __init__(self, base: Loc, slot_rows: int, n: int = 2) -> None:
        self.base, self.slot_rows, self.n, self._i = base, slot_rows, n, 0

    def next(self) -> Loc:
        loc = self.base.offset(self._i * self.slot_rows)
        self._i = (self._i + 1) % self.n
        return loc


class KParts:
    """A matrix whose columns (``axis`` 1) or rows (``axis`` 0) are the concatenation of
    several DRAM views: the shifted windows of an implicit convolution, whose "im2col" matrix
    is never stored. Blocks must not straddle two parts; the GEMM cuts K at part boundaries.

    ``runs`` (``axis`` 1 only): the matrix's rows are these (first, count) runs of the parts'
    rows, in order, rather than all of them: the windows of the valid output positions only,
    a run per output row. A block of rows is then loaded by one DMA per run (`pieces`).
    """

    def __init__(
        self, parts: list[View], axis: int = 1, runs: list[tuple[int, int]] | None = None
    ) -> None:
        if runs is not None and axis != 1:
            raise LoweringError("row runs need parts along the columns")
        self.parts, self.axis, self.runs = parts, axis, runs
        first = parts[0]
        self.dtype = first.dtype
        sizes = [p.cols if axis == 1 else p.rows for p in parts]
        self.bounds = [sum(sizes[:i]) for i in range(len(parts) + 1)]
        if axis == 1:
            rows = first.rows if runs is None else sum(cnt for _, cnt in runs)
            self.rows, self.cols = rows, self.bounds[-1]
        else:
            self.rows, self.cols = self.bounds[-1], first.cols
        # the first matrix row of each run, for `pieces`
        self._run_starts = [0]
        for _, cnt in runs or []:
            self._run_starts.append(self._run_starts[-1] + cnt)

    def pieces(self, r0: int, nr: int, c0: int, nc: int) -> list[tuple[int, View]]:
        """The block as (row offset within it, DRAM view) pieces, one DMA each."""
        if self.runs is None:
            return [(0, self.block(r0, nr, c0, nc))]
        if r0 < 0 or r0 + nr > self.rows:
            raise LoweringError(f"rows [{r0}:{r0 + nr}] outside {self.rows}")
        out: list[tuple[int, View]] = []
        if nr <= 0:
            return out
        i = bisect.bisect_right(self._run_starts, r0) - 1
        row = r0
        # runs split the rows: every piece lies in the part holding columns c0.. (axis 1)
        part, col = self._part_of(c0, nc)
        while row < r0 + nr:
            first, cnt = self.runs[i]
            lo = self._run_starts[i]
            take = min(lo + cnt, r0 + nr) - row
            out.append((row - r0, part.block(first + row - lo, take, col, nc)))
            row += take
            i += 1
        return out

    @property
    def T(self) -> KParts:
        if self.runs is not None:
            raise LoweringError("row runs cannot be read transposed")
        return KParts([p.T for p in self.parts], 1 - self.axis)

    def part_sizes(self) -> tuple[int, ...]:
        return tuple(b - a for a, b in zip(self.bounds, self.bounds[1:], strict=False))

    def block(self, r0: int, nr: int, c0: int, nc: int) -> View:
        if self.runs is not None:
            pieces = self.pieces(r0, nr, c0, nc)
            if len(pieces) != 1:
                raise LoweringError(f"rows [{r0}:{r0 + nr}] span {len(pieces)} runs")
            return pieces[0][1]
        return self._part_block(r0, nr, c0, nc)

    def _part_block(self, r0: int, nr: int, c0: int, nc: int) -> View:
        if self.axis == 1:
            part, col = self._part_of(c0, nc)
            return part.block(r0, nr, col, nc)
        part, row = self._part_of(r0, nr)
        return part.block(row, nr, c0, nc)

    def _part_of(self, start: int, n: int) -> tuple[View, int]:
        """The part holding [start, start + n) along ``axis``, and ``start`` within it."""
        for i, p in enumerate(self.parts):
            lo, hi = self.bounds[i], self.bounds[i + 1]
            if lo <= start < hi:
                if start + n > hi:
                    raise LoweringError(f"block [{start}:{start + n}] straddles parts at {hi}")
                return p, start - lo
        raise LoweringError(f"block at {start} outside {self.bounds[-1]}")


def k_chunks(parts: tuple[int, ...], limit: int) -> list[tuple[int, int]]:
    """(first, length) chunks of at most ``limit`` along K, never crossing a part boundary."""
    out, base = [], 0
    for size in parts:
        out += [(base + k0, min(limit, size - k0)) for k0 in range(0, size, limit)]
        base += size
    return out


Epilogue = Callable[[Loc, int, int, int, int], None]


def emit_gemm(
    ctx: Ctx, a: View | KParts, b: View, out: View, epilogue: Epilogue | None = None
) -> GemmPlan:
    """Emit ``out = a @ b`` (out in the accumulator dtype) and return the plan used. ``a`` may
    be a `KParts` along K (its columns). ``epilogue(loc, r0, rows, c0, cols)``, when given,
    replaces the store of every finished output tile (accumulator rows ``loc``.. holding
    ``out[r0:r0+rows, c0:c0+cols]``); only the WS and OS dataflows, whose tiles are not
    transposed, take one."""
    cfg = ctx.config
    m, k = a.rows, a.cols
    if b.rows != k or out.rows != m or out.cols != b.cols:
        raise LoweringError(
            f"gemm shapes {a.rows}x{a.cols} @ {b.rows}x{b.cols} -> "
            f"{out.rows}x{out.cols} do not agree"
        )
    if out.dtype is not cfg.acc_dtype:
        raise LoweringError(f"gemm output must be {cfg.acc_dtype.value}, not {out.dtype.value}")
    for v in (a, b):
        if v.dtype is not cfg.input_dtype and v.dtype is not cfg.acc_dtype:
            raise LoweringError(
                f"gemm operand of {v.dtype.value} cannot be fed to a {cfg.input_dtype.value} array"
            )
    parts = a.part_sizes() if isinstance(a, KParts) else (k,)
    if isinstance(a, KParts) and a.runs is not None and cfg.dataflow is not Dataflow.WS:
        raise LoweringError(f"row runs are streamed rows of WS only, not {cfg.dataflow.value}")
    if cfg.dataflow is Dataflow.OS:
        return _emit_os(ctx, a.T, b, out, parts, epilogue)
    if cfg.dataflow is Dataflow.WS:
        return _emit_stationary(ctx, a, b, out, parts, epilogue)
    if epilogue is not None:
        raise LoweringError("the IS dataflow's output tiles are transposed: no epilogue")
    return _emit_stationary(ctx, b.T, a.T, out.T, parts)


def predict_gemm(
    ctx: Ctx, m: int, k: int, n: int, dtypes: tuple[DType, DType], parts: tuple[int, ...] = ()
) -> GemmPlan:
    """The plan `emit_gemm` would choose for ``[m, k] @ [k, n]`` with operands of ``dtypes``
    (K in ``parts`` if given) on the on-chip rows left now, without emitting anything."""
    cfg = ctx.config
    parts = parts or (k,)
    a_dt, b_dt = dtypes
    out_bytes = cfg.acc_dtype.nbytes

    def budget(x_dt: DType, s_dt: DType) -> Budget:
        return Budget(
            ctx.chip.spad_left,
            ctx.chip.acc_left,
            x_dt.nbytes,
            s_dt.nbytes,
            out_bytes,
            x_staged=x_dt is not cfg.input_dtype,
            s_staged=s_dt is not cfg.input_dtype,
        )

    if cfg.dataflow is Dataflow.OS:
        return plan_os(cfg, m, k, n, budget(a_dt, b_dt), parts, ctx.tiling)
    nk = len(k_chunks(parts, cfg.rows))
    if cfg.dataflow is Dataflow.WS:
        return plan_stationary(cfg, m, k, n, budget(a_dt, b_dt), nk, ctx.tiling)
    return plan_stationary(cfg, n, k, m, budget(b_dt, a_dt), nk, ctx.tiling)


def _budget(ctx: Ctx, x: View, s: View, out: View) -> Budget:
    cfg = ctx.config
    return Budget(
        ctx.chip.spad_left,
        ctx.chip.acc_left,
        x.dtype.nbytes,
        s.dtype.nbytes,
        out.dtype.nbytes,
        x_staged=x.dtype is not cfg.input_dtype,
        s_staged=s.dtype is not cfg.input_dtype,
    )


def _stage_mem(ctx: Ctx, x: View | KParts, s: View | KParts) -> Mem:
    """Where an operand not of the array's input type is loaded before its converting COPY."""
    staged = x if x.dtype is not ctx.config.input_dtype else s
    return ctx.mem_for(staged.dtype)


def _load_rows(
    ctx: Ctx, x: View | KParts, blk: tuple[int, int, int, int], dst: Loc, stage: Loc | None
) -> None:
    """Load block ``blk`` (r0, rows, c0, cols) of ``x`` into scratchpad rows ``dst``: one DMA
    per piece when its rows are gathered from runs (`KParts.runs`), converted as one block."""
    if not isinstance(x, KParts) or x.runs is None:
        ctx.load_spad(x.block(*blk), dst, stage)
        return
    pieces = x.pieces(*blk)
    if x.dtype is ctx.config.input_dtype:
        for off, view in pieces:
            ctx.load(view, dst, off)
        return
    if stage is None:
        raise LoweringError(f"{x.dtype.value} operand needs staging rows")
    for off, view in pieces:
        ctx.load(view, stage, off)
    ctx.vec(VecOp.COPY, dst, blk[1], blk[3], stage)


def _emit_stationary(
    ctx: Ctx,
    x: View | KParts,
    s: View | KParts,
    p: View,
    parts: tuple[int, ...],
    epilogue: Epilogue | None = None,
) -> GemmPlan:
    """P = X @ S with S preloaded tile by tile (WS: X = A; IS: X = B^T, P = C^T)."""
    cfg, em = ctx.config, ctx.em
    t, k, n = x.rows, x.cols, s.cols
    r, c = cfg.rows, cfg.cols
    budget = _budget(ctx, x, s, p)
    chunks = k_chunks(parts, r)
    nk = len(chunks)
    plan = plan_stationary(cfg, t, k, n, budget, nk, ctx.tiling)
    ctx.notes.append(f"{ctx.em.tag.layer}: {plan.describe()}; {plan.why}")
    tb, nsub = plan.tb, plan.nsub
    outs = Ring(ctx.alloc(acc(0).mem, 2 * tb * nsub, "gemm outputs"), tb * nsub)
    stage_rows = max(tb if budget.x_staged else 0, r if budget.s_staged else 0)
    stage = ctx.alloc(_stage_mem(ctx, x, s), stage_rows, "gemm staging") if stage_rows else None
    x_res = s_res = None
    if plan.outer is Outer.X and plan.resident:
        x_res = ctx.alloc(sp(0).mem, nk * tb, "resident X block")
    if plan.outer is Outer.S and plan.resident:
        s_res = ctx.alloc(sp(0).mem, nk * nsub * r, "resident S block")
    # Operand rings as deep as the load queue when the scratchpad has the rows left (loads
    # then run ahead of the array, each one's DRAM latency hidden behind the others), else
    # double buffering (intermediate depths measured slower on LeNet's step: bench/step_cycles).
    need = (tb if x_res is None else 0) + (r if s_res is None else 0)
    deep = max(2, cfg.queue_depth)
    depth = deep if deep * need <= ctx.chip.spad_left else 2
    xs = (
        None if x_res is not None else Ring(ctx.alloc(sp(0).mem, depth * tb, "X chunks"), tb, depth)
    )
    ss = None if s_res is not None else Ring(ctx.alloc(sp(0).mem, depth * r, "S tiles"), r, depth)

    def k_range(kc: int) -> tuple[int, int]:
        return chunks[kc]

    def n_blocks() -> list[tuple[int, list[tuple[int, int]]]]:
        blocks = []
        for n0 in range(0, n, nsub * c):
            subs = [(j0, min(c, n - j0)) for j0 in range(n0, min(n, n0 + nsub * c), c)]
            blocks.append((n0, subs))
        return blocks

    def s_tile(kc: int, j: int, j0: int, nn: int) -> Loc:
        k0, kk = k_range(kc)
        if s_res is not None:
            return s_res.offset((kc * nsub + j) * r)
        here = ctx.resident(s.block(k0, kk, j0, nn))
        if here is not None:
            return here
        loc = ss.next()
        ctx.load_spad(s.block(k0, kk, j0, nn), loc, stage)
        return loc

    def x_resident(t0: int, tt: int) -> list[Loc] | None:
        """Where every K chunk of X's row block already is on chip, if it is."""
        if isinstance(x, KParts) and x.runs is not None:
            return None
        locs = [ctx.resident(x.block(t0, tt, *k_range(kc))) for kc in range(nk)]
        return None if None in locs else locs

    def block(t0: int, tt: int, subs: list[tuple[int, int]], xlocs: list[Loc] | None) -> None:
        out = outs.next()
        # each output tile goes where the residency plan keeps it, if it does (no epilogue)
        tiles = [out.offset(j * tt) for j in range(len(subs))]
        if epilogue is None:
            for j, (j0, nn) in enumerate(subs):
                tiles[j] = ctx.claim(p.block(t0, tt, j0, nn), out.mem) or tiles[j]
        for kc in range(nk):
            k0, kk = k_range(kc)
            if xlocs is not None:
                xloc = xlocs[kc]
            elif x_res is not None:
                xloc = x_res.offset(kc * tb)
            else:
                xloc = xs.next()
                _load_rows(ctx, x, (t0, tt, k0, kk), xloc, stage)
            for j, (j0, nn) in enumerate(subs):
                sloc = s_tile(kc, j, j0, nn)
                em.emit(Preload(src=sloc.row, rows=kk, cols=nn))
                em.emit(
                    Matmul(
                        x=xloc.row,
                        y=0,
                        out=tiles[j].row,
                        t=tt,
                        rows=kk,
                        cols=nn,
                        accumulate=kc > 0,
                    )
                )
        for j, (j0, nn) in enumerate(subs):
            if epilogue is not None:
                epilogue(tiles[j], t0, tt, j0, nn)
            else:
                ctx.store(tiles[j], p.block(t0, tt, j0, nn))

    t_blocks = [(t0, min(tb, t - t0)) for t0 in range(0, t, tb)]
    if plan.outer is Outer.X:
        for t0, tt in t_blocks:
            xlocs = x_resident(t0, tt)
            if x_res is not None and xlocs is None:
                for kc in range(nk):
                    k0, kk = k_range(kc)
                    _load_rows(ctx, x, (t0, tt, k0, kk), x_res.offset(kc * tb), stage)
            for _, subs in n_blocks():
                block(t0, tt, subs, xlocs)
    else:
        for _, subs in n_blocks():
            if s_res is not None:
                for kc in range(nk):
                    k0, kk = k_range(kc)
                    for j, (j0, nn) in enumerate(subs):
                        ctx.load_spad(
                            s.block(k0, kk, j0, nn), s_res.offset((kc * nsub + j) * r), stage
                        )
            for t0, tt in t_blocks:
                block(t0, tt, subs, x_resident(t0, tt))
    return plan


def _emit_os(
    ctx: Ctx,
    x: View | KParts,
    y: View,
    p: View,
    parts: tuple[int, ...],
    epilogue: Epilogue | None = None,
) -> GemmPlan:
    """P = X^T @ Y, each R x C tile of P accumulated in place over K chunks of ``kt``."""
    cfg, em = ctx.config, ctx.em
    k, m, n = x.rows, x.cols, y.cols
    r, c = cfg.rows, cfg.cols
    budget = _budget(ctx, x, y, p)
    plan = plan_os(cfg, m, k, n, budget, parts, ctx.tiling)
    ctx.notes.append(f"{ctx.em.tag.layer}: {plan.describe()}; {plan.why}")
    kt = plan.tb
    chunks = k_chunks(parts, kt)
    nkt = len(chunks)
    outs = Ring(ctx.alloc(acc(0).mem, 2 * r, "os outputs"), r)
    staged = budget.x_staged or budget.s_staged
    stage = ctx.alloc(_stage_mem(ctx, x, y), kt, "gemm staging") if staged else None
    res = ctx.alloc(sp(0).mem, nkt * kt, "resident block") if plan.resident else None
    ring_rows = kt
    outer_ring = None if plan.resident else Ring(ctx.alloc(sp(0).mem, 2 * kt, "chunks"), kt)
    inner_ring = Ring(ctx.alloc(sp(0).mem, 2 * ring_rows, "chunks"), ring_rows)
    m_tiles = [(m0, min(r, m - m0)) for m0 in range(0, m, r)]
    n_tiles = [(n0, min(c, n - n0)) for n0 in range(0, n, c)]
    outer_is_m = plan.outer is Outer.M
    outer_tiles, inner_tiles = (m_tiles, n_tiles) if outer_is_m else (n_tiles, m_tiles)
    outer_op, inner_op = (x, y) if outer_is_m else (y, x)

    for o0, oo in outer_tiles:
        if res is not None:
            for kc, (k0, kk) in enumerate(chunks):
                ctx.load_spad(outer_op.block(k0, kk, o0, oo), res.offset(kc * kt), stage)
        for i0, ii in inner_tiles:
            out = outs.next()
            for kc, (k0, kk) in enumerate(chunks):
                if res is not None:
                    oloc = res.offset(kc * kt)
                else:
                    oloc = outer_ring.next()
                    ctx.load_spad(outer_op.block(k0, kk, o0, oo), oloc, stage)
                iloc = inner_ring.next()
                ctx.load_spad(inner_op.block(k0, kk, i0, ii), iloc, stage)
                xloc, yloc = (oloc, iloc) if outer_is_m else (iloc, oloc)
                mm, nn = (oo, ii) if outer_is_m else (ii, oo)
                em.emit(
                    Matmul(
                        x=xloc.row,
                        y=yloc.row,
                        out=out.row,
                        t=kk,
                        rows=mm,
                        cols=nn,
                        accumulate=kc > 0,
                    )
                )
            m0, mm = (o0, oo) if outer_is_m else (i0, ii)
            n0, nn = (i0, ii) if outer_is_m else (o0, oo)
            if epilogue is not None:
                epilogue(out, m0, mm, n0, nn)
            else:
                ctx.store(out, p.block(m0, mm, n0, nn))
    return plan
