"""Stride-1 convolutions by bands of input rows kept in the scratchpad (weight-stationary).

Shifted windows (conv.py, `_windows`) stream each kernel row's windows from DRAM, so every
input element is read KH*KW times. Here the GEMM's X rows are the windows of whole padded input
rows: for input row i, its OW windows' (kw, c) runs, one scratchpad row each (one DMA per input
row). Output row oh's kernel row kh is then the windows of input row oh + kh, so a band of R
output rows of one image needs the windows of R + KH - 1 input rows, loaded once, and kernel
row kh's X block for the whole band is the contiguous run of rows from kh*OW: one MATMUL of
R*OW rows per kernel row (and K chunk of at most the array's rows within a kernel row). Each
input element is read KW times (plus the bands' halo of KH-1 rows), the weights once (all of
them stay resident), and only valid outputs are computed. Bands alternate between two buffers,
so the next band loads while the array works on this one.

A strided convolution (SH, SW) goes the same way: an input row's windows are a view with a row
stride of SW*C, and a band's input rows are stored by phase (row i at slot (i % SH, i // SH)),
so that kernel row kh's windows for the band's consecutive output rows, input rows
oh*SH + kh, are again one contiguous run of scratchpad rows.

Two more ways, each taken where the plan predicts it cheaper:
- Unpadded: the bands read the input itself and hold its zero padding on chip (padding rows
  set to zero, the windows' chunks in the padding never loaded), saving the padded copy's
  round trip through DRAM.
- Packed: with few output channels, P consecutive windows of an input row (one run of
  ((P-1)*SW + KW)*C elements) are one scratchpad row and the weights block-diagonal
  [((P-1)*SW + KW)*C, P*Cout] (`pack_weights`), so one array row computes P output columns:
  the array streams P times fewer rows and its columns are used (it multiplies the blocks'
  zeros too).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from chip.config import ChipConfig, Dataflow
from chip.isa import Matmul, Preload, VecOp, acc, sp
from compiler.lower.context import MAX_VEC_ROWS, Ctx, LoweringError, View
from compiler.lower.gemm import Epilogue, Ring
from compiler.lower.memory import Buf
from compiler.lower.movement import Copies
from compiler.lower.tiling import MAX_T, dma_cycles, ring_bound
from compiler.lower.vector import fill


@dataclass(frozen=True)
class BandPlan:
    """``rows`` output rows per band; ``chunks`` the (first, length) K chunks of one kernel
    row's KW*C columns; predicted ``cycles`` (the longer of the array's and the bus's work,
    ``compute`` and ``bus``); ``stride`` the convolution's (SH, SW); ``padding`` the zero
    padding the bands hold on chip (none: the input was padded beforehand); ``pack`` the
    consecutive output columns one array row computes (`pack_weights`)."""

    rows: int
    chunks: tuple[tuple[int, int], ...]
    cycles: int
    stride: tuple[int, int] = (1, 1)
    padding: tuple[int, int, int, int] = (0, 0, 0, 0)
    compute: int = 0
    bus: int = 0
    pack: int = 1

    def phase_rows(self, kh: int) -> int:
        """Input rows of windows per phase of a band (`band_input_rows` split by SH)."""
        return -(-band_input_rows(self.rows, kh, self.stride[0]) // self.stride[0])


def band_input_rows(rows: int, kh: int, sh: int) -> int:
    """Input rows a band of ``rows`` output rows reads: its windows' rows and the halo."""
    return (rows - 1) * sh + kh


def plan_bands(
    ctx: Ctx,
    xp: Buf,
    w: Buf,
    out_hw: tuple[int, int],
    origin: tuple[int, int],
    stride: tuple[int, int] = (1, 1),
    padding: tuple[int, int, int, int] = (0, 0, 0, 0),
    pack: int | None = None,
) -> BandPlan | None:
    """The band plan for a convolution of padded ``xp`` with ``w`` at ``stride``, or None
    when the chip or the operands do not allow one (not WS, operands not of the array's type,
    no band of one output row fits on chip). With ``padding``, ``xp`` is the input before its
    zero padding: the bands load its rows as they are and hold the padding's zeros on chip.
    ``pack``: output columns per array row (None: the cheapest that `pack_fits`)."""
    cfg = ctx.config
    if cfg.dataflow is not Dataflow.WS:
        return None
    if xp.dtype is not cfg.input_dtype or w.dtype is not cfg.input_dtype:
        return None
    packs = [1] + [p for p in (2, 4, 8) if pack_fits(cfg, w, out_hw, p, stride)]
    if padding != (0, 0, 0, 0):
        packs = [1]
    if pack is not None:
        packs = [p for p in packs if p == pack]
    plans = [
        plan
        for p in packs
        if (plan := _plan_bands(ctx, xp, w, out_hw, origin, stride, padding, p)) is not None
    ]
    return min(plans, key=lambda plan: plan.cycles, default=None)


def pack_fits(
    cfg: ChipConfig, w: Buf, out_hw: tuple[int, int], pack: int, stride: tuple[int, int]
) -> bool:
    """Whether ``pack`` consecutive output columns fit one array row: their output channels
    side by side in the array's columns, their windows (one run of the input row) in its
    rows, and the output row a whole number of packs."""
    _, kw, c, cout = w.shape
    return (
        pack * cout <= cfg.cols
        and packed_width(kw, c, stride[1], pack) <= cfg.rows
        and out_hw[1] % pack == 0
    )


def packed_width(kw: int, c: int, sw: int, pack: int) -> int:
    """Elements of the input row that ``pack`` consecutive windows span."""
    return ((pack - 1) * sw + kw) * c


def _plan_bands(
    ctx: Ctx,
    xp: Buf,
    w: Buf,
    out_hw: tuple[int, int],
    origin: tuple[int, int],
    stride: tuple[int, int],
    padding: tuple[int, int, int, int],
    pack: int,
) -> BandPlan | None:
    cfg = ctx.config
    n, _, _, c = xp.shape
    kh, kw, _, cout = w.shape
    oh, ow = out_hw[0], out_hw[1] // pack  # a packed row of windows is one array row
    cout *= pack
    r, cols = cfg.rows, cfg.cols
    kwc = packed_width(kw, c, stride[1], pack)
    if pack == 1:
        chunks = band_chunks(kw, c, r, padding[1] - origin[1], stride[1])
    else:
        chunks = ((0, kwc),)
    nn = math.ceil(cout / cols)
    s_rows = kh * len(chunks) * nn * r
    spad, accs = ctx.chip.spad_left - s_rows, ctx.chip.acc_left
    best = 0
    sh = stride[0]
    for rows in range(1, oh + 1):
        t = rows * ow
        x_rows = 2 * len(chunks) * sh * -(-band_input_rows(rows, kh, sh) // sh) * ow
        if t > MAX_T or 2 * t > accs or x_rows > spad:
            break
        best = rows
    if best == 0:
        return None
    bands = math.ceil(oh / best)
    rows = math.ceil(oh / bands)  # equal bands
    es, bw = xp.dtype.nbytes, cfg.dram_bytes_per_cycle
    # a fold streams its band's rows, fills and drains the array (the next weights preload
    # behind it in the shadow registers)
    folds = n * bands * nn * kh * len(chunks)
    compute = n * oh * ow * kh * len(chunks) * nn + folds * (r + cols - 2)
    band_load = band_input_rows(rows, kh, sh) * sum(dma_cycles(cfg, ow, kk, es) for _, kk in chunks)
    weights = math.ceil(kh * kwc * cout * w.dtype.nbytes / bw)
    store = dma_cycles(cfg, rows * ow, min(cols, cout), cfg.acc_dtype.nbytes)
    bus = n * bands * (band_load + nn * store) + weights
    # the weights and the first band arrive before the first fold; the last store follows
    # the last fold
    head, tail = weights + band_load, store
    # a band's output slot is free again only when its store is acknowledged
    compute = ring_bound(cfg, n * bands * nn, compute, store, 1, 0)
    cycles = 2 * cfg.dram_latency + head + max(compute, bus - head - tail) + tail
    return BandPlan(rows, chunks, cycles, stride, padding, compute, bus, pack)


def band_chunks(kw: int, c: int, r: int, left: int, sw: int) -> tuple[tuple[int, int], ...]:
    """The (first, length) K chunks of a kernel row's KW*C columns, at most ``r`` long. With
    ``left`` > 0 columns of padding before the first window, a chunk also ends where the
    padded taps of some window end (window ow has ``left - ow*SW`` of them), so that every
    window's padding is whole chunks, which the bands hold as zeros instead of loading."""
    cuts = {kw * c} | {(left - o * sw) * c for o in range(left) if 0 < left - o * sw < kw}
    chunks, k0 = [], 0
    for end in sorted(cuts):
        chunks += [(a, min(r, end - a)) for a in range(k0, end, r)]
        k0 = end
    return tuple(chunks)


def stride_name(stride: tuple[int, int]) -> str:
    sh, sw = stride
    return str(sh) if sh == sw else f"{sh}x{sw}"


def emit_bands(
    ctx: Ctx,
    plan: BandPlan,
    xp: Buf,
    wt: Buf,
    out: Buf,
    origin: tuple[int, int],
    epilogue: Epilogue | None,
) -> None:
    """``out`` = the convolution of padded ``xp`` with weights ``wt`` [KH, KW, C, Cout] at
    the plan's stride (SH, SW) by ``plan``; output (oh, ow)'s window starts at padded position
    (oh*SH + origin[0], ow*SW + origin[1]). With the plan's padding, ``xp`` is the input
    before it: rows of padding are set to zero in the band, and so are the chunks of a window
    in the padding, which are never loaded (a window reaching into the right padding loads
    only its columns inside the input). ``epilogue`` (if given) replaces each output tile's
    store."""
    cfg, em = ctx.config, ctx.em
    n, xh, xw, c = xp.shape
    pt, pl = plan.padding[:2]
    _, oh_, ow_, cout = out.shape
    if plan.pack > 1:  # ``wt`` is `pack_weights`' [KH, K, pack*Cout]
        kh_, kwc = wt.shape[:2]
        ow_, cout = ow_ // plan.pack, cout * plan.pack
    else:
        kh_, kwc = wt.shape[0], wt.shape[1] * c
    w = View.matrix(wt.reshaped((kh_ * kwc, cout)))
    r, cols = cfg.rows, cfg.cols
    ct, cl = origin
    es = xp.dtype.nbytes
    nkc = len(plan.chunks)
    n_tiles = [(j0, min(cols, cout - j0)) for j0 in range(0, cout, cols)]
    sh, sw = plan.stride
    per_phase = plan.phase_rows(kh_)
    ctx.notes.append(
        f"{ctx.em.tag.layer}: stride-{stride_name(plan.stride)} conv by bands of {plan.rows} "
        f"output rows ({band_input_rows(plan.rows, kh_, sh)} input rows of windows each"
        f"{f', {plan.pack} output columns per array row' if plan.pack > 1 else ''}), "
        f"~{plan.cycles} cycles"
    )
    s_res = ctx.alloc(sp(0).mem, kh_ * nkc * len(n_tiles) * r, "resident weights")
    band_rows = sh * per_phase * ow_
    bands = Ring(ctx.alloc(sp(0).mem, 2 * nkc * band_rows, "input row bands"), nkc * band_rows)
    t_max = plan.rows * ow_
    # the two output slots at opposite ends of the accumulator (other banks where it has
    # several): a tile's store holds its bank's read port, the DRAM latency included, while
    # the next tile's folds read and add in the other slot
    slots = [ctx.alloc(acc(0).mem, t_max, "band outputs", high) for high in (False, True)]

    def s_slot(i: int, kc: int, j: int) -> int:
        return ((i * nkc + kc) * len(n_tiles) + j) * r

    for i in range(kh_):
        for kc, (k0, kk) in enumerate(plan.chunks):
            for j, (j0, nn) in enumerate(n_tiles):
                src = w.block(i * kwc + k0, kk, j0, nn)
                ctx.load(src, s_res.offset(s_slot(i, kc, j)))
    if plan.pack > 1:
        runs = [[(0, ow_, kk)] for _, kk in plan.chunks]
    else:
        runs = [_window_runs(plan, k0, kk, c, ow_, cl, xw) for k0, kk in plan.chunks]
    if plan.padding != (0, 0, 0, 0):  # the windows' padding, never loaded, is zero
        whole = bands.base
        for r0 in range(0, 2 * nkc * band_rows, MAX_VEC_ROWS):
            rr = min(MAX_VEC_ROWS, 2 * nkc * band_rows - r0)
            ctx.vec(VecOp.SET, whole.offset(r0), rr, max(kk for _, kk in plan.chunks), imm=0.0)
    mat = View.matrix(out.reshaped((n * oh_ * ow_, cout)))
    turn = 0
    for b in range(n):
        for oh0 in range(0, oh_, plan.rows):
            rows = min(plan.rows, oh_ - oh0)
            band = bands.next()
            for li in range(band_input_rows(rows, kh_, sh)):
                row = oh0 * sh + ct + li - pt  # in the input
                slot = ((li % sh) * per_phase + li // sh) * ow_
                for kc, (k0, kk) in enumerate(plan.chunks):
                    dst = band.offset(kc * band_rows + slot)
                    if not 0 <= row < xh:
                        ctx.vec(VecOp.SET, dst, ow_, kk, imm=0.0)
                        continue
                    for o0, count, ncols in runs[kc]:
                        first = (((b * xh + row) * xw + o0 * sw + cl - pl) * c + k0) * es
                        view = View(xp.addr + first, xp.dtype, count, ncols, plan.pack * sw * c)
                        ctx.load(view, dst, o0)
            t = rows * ow_
            r0 = (b * oh_ + oh0) * ow_
            for j, (j0, nn) in enumerate(n_tiles):
                tile = slots[turn % 2]
                turn += 1
                step = 0
                for i in range(kh_):
                    for kc, (_, kk) in enumerate(plan.chunks):
                        sloc = s_res.offset(s_slot(i, kc, j))
                        slot = ((i % sh) * per_phase + i // sh) * ow_
                        xloc = band.offset(kc * band_rows + slot)
                        em.emit(Preload(src=sloc.row, rows=kk, cols=nn))
                        em.emit(
                            Matmul(
                                x=xloc.row,
                                y=0,
                                out=tile.row,
                                t=t,
                                rows=kk,
                                cols=nn,
                                accumulate=step > 0,
                            )
                        )
                        step += 1
                if epilogue is not None:
                    epilogue(tile, r0, t, j0, nn)
                else:
                    ctx.store(tile, mat.block(r0, t, j0, nn))


def _window_runs(
    plan: BandPlan, k0: int, kk: int, c: int, ow: int, cl: int, xw: int
) -> list[tuple[int, int, int]]:
    """The loads of one K chunk ``[k0, k0 + kk)`` of an input row's ``ow`` windows from the
    unpadded row (``xw`` pixels; window o starts at padded column o*SW + ``cl``), as (first
    window, windows, columns): one run of the windows wholly inside the row, then one load per
    window reaching into the right padding (its first columns). Windows whose chunk lies in
    the padding are left out; `band_chunks` cuts the chunks so that no window's chunk starts
    in the left padding and ends inside the row."""
    sw, pl = plan.stride[1], plan.padding[1]
    full: list[int] = []
    partial: list[tuple[int, int, int]] = []
    for o in range(ow):
        start = o * sw + cl - pl  # the window's first pixel in the row
        inside = min(kk, (xw - start) * c - k0)  # the chunk's columns before the right edge
        if start * c + k0 + kk <= 0 or inside <= 0:
            continue  # the chunk is all padding
        if start * c + k0 < 0:
            raise LoweringError(f"chunk at {k0} of window {o} starts in the padding")
        if inside == kk:
            full.append(o)
        else:
            partial.append((o, 1, inside))
    runs = []
    if full:
        if full[-1] - full[0] + 1 != len(full):
            raise LoweringError(f"the windows inside the row are not consecutive: {full}")
        runs.append((full[0], len(full), kk))
    return runs + partial


def pack_weights(ctx: Ctx, w: Buf, pack: int, sw: int) -> Buf:
    """The stationary matrix of ``pack`` consecutive windows per array row, [KH, K,
    pack*Cout] in a temp buffer: kernel row i's block q (output column q of the pack, array
    columns q*Cout..) holds its [KW*C, Cout] weights at rows q*SW*C.. (where window q starts
    in the run of input the row holds), zero elsewhere."""
    kh, kw, c, cout = w.shape
    kp = packed_width(kw, c, sw, pack)
    wp = ctx.temp((kh, kp, pack * cout), w.dtype)
    fill(ctx, wp, 0.0)
    es = w.dtype.nbytes
    with Copies(ctx) as cp:
        for i in range(kh):
            src = View(w.addr + i * kw * c * cout * es, w.dtype, kw * c, cout, cout)
            for q in range(pack):
                first = (i * kp + q * sw * c) * pack * cout + q * cout
                cp.copy(src, View(wp.addr + first * es, w.dtype, kw * c, cout, pack * cout))
    return wp
