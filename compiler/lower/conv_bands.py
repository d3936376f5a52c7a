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
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from chip.config import Dataflow
from chip.isa import Matmul, Preload, acc, sp
from compiler.lower.context import Ctx, View
from compiler.lower.gemm import Epilogue, Ring
from compiler.lower.memory import Buf
from compiler.lower.tiling import MAX_T, dma_cycles


@dataclass(frozen=True)
class BandPlan:
    """``rows`` output rows per band; ``chunks`` the (first, length) K chunks of one kernel
    row's KW*C columns; predicted ``cycles`` (the longer of the array's and the bus's work);
    ``stride`` the convolution's (SH, SW)."""

    rows: int
    chunks: tuple[tuple[int, int], ...]
    cycles: int
    stride: tuple[int, int] = (1, 1)

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
) -> BandPlan | None:
    """The band plan for a convolution of padded ``xp`` with ``w`` at ``stride``, or None
    when the chip or the operands do not allow one (not WS, operands not of the array's type,
    no band of one output row fits on chip)."""
    cfg = ctx.config
    if cfg.dataflow is not Dataflow.WS:
        return None
    if xp.dtype is not cfg.input_dtype or w.dtype is not cfg.input_dtype:
        return None
    n, _, _, c = xp.shape
    kh, kw, _, cout = w.shape
    oh, ow = out_hw
    r, cols = cfg.rows, cfg.cols
    kwc = kw * c
    chunks = tuple((k0, min(r, kwc - k0)) for k0 in range(0, kwc, r))
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
    cycles = 2 * cfg.dram_latency + head + max(compute, bus - head - tail) + tail
    return BandPlan(rows, chunks, cycles, stride)


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
    (oh*SH + origin[0], ow*SW + origin[1]). ``epilogue`` (if given) replaces each output
    tile's store."""
    cfg, em = ctx.config, ctx.em
    n, hp, wp, c = xp.shape
    _, oh_, ow_, cout = out.shape
    kh_, kw_ = wt.shape[:2]
    kwc = kw_ * c
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
        f"output rows ({band_input_rows(plan.rows, kh_, sh)} input rows of windows each), "
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
    mat = View.matrix(out.reshaped((n * oh_ * ow_, cout)))
    turn = 0
    for b in range(n):
        for oh0 in range(0, oh_, plan.rows):
            rows = min(plan.rows, oh_ - oh0)
            band = bands.next()
            for li in range(band_input_rows(rows, kh_, sh)):
                first = ((b * hp + oh0 * sh + ct + li) * wp + cl) * c
                slot = ((li % sh) * per_phase + li // sh) * ow_
                for kc, (k0, kk) in enumerate(plan.chunks):
                    view = View(xp.addr + (first + k0) * es, xp.dtype, ow_, kk, sw * c)
                    ctx.load(view, band.offset(kc * band_rows + slot))
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
