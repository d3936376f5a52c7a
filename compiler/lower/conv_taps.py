"""Stride-1 convolutions by tap planes in the scratchpad (weight-stationary).

For a small output (a few rows of a few pixels per image) the bands of conv_bands.py fold
over one image at a time: every fold streams only OH*OW rows and pays the array's fill and
drain. Here a group of G images is one GEMM of G*OH*OW rows, summed over the taps: tap
(kh, kw)'s plane holds, for every output position of the group, its input pixel (C elements,
one scratchpad row per chunk of the array's rows), loaded from the unpadded input; the
padding's pixels are never loaded and stay zero. Each fold multiplies one plane chunk by its
resident weights [C chunk, Cout], so the folds add up the taps in the order of the im2col
matrix's K (kh, kw, c): the values equal the shifted windows' and im2col's. Every input pixel
is read once per tap, and only valid outputs are computed. Groups alternate between two
buffers, so the next group loads while the array works on this one. The pixels come by DMA
even where the input is resident on chip: the residency's vector COPYs would run in the
array's queue, one row per cycle, between the groups' GEMMs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from chip.config import Dataflow
from chip.isa import Matmul, Preload, VecOp, acc, sp
from compiler.lower.context import Ctx, View
from compiler.lower.gemm import Epilogue, Ring
from compiler.lower.memory import Buf
from compiler.lower.tiling import MAX_T, dma_cycles


@dataclass(frozen=True)
class TapPlan:
    """``images`` per group; predicted ``cycles`` (the longer of the array's and the bus's
    work, ``compute`` and ``bus``); ``padding`` (top, left, bottom, right) the zero padding of
    the input; ``origin`` where output (0, 0)'s window starts in the padded input."""

    images: int
    cycles: int
    compute: int
    bus: int
    padding: tuple[int, int, int, int]
    origin: tuple[int, int]


def _inside(start: int, count: int, size: int) -> tuple[int, int]:
    """The range [first, last) of ``count`` positions from ``start`` within [0, size)."""
    return max(0, -start), max(0, min(count, size - start))


def _pixel_runs(
    x_hw: tuple[int, int], out_hw: tuple[int, int], at: tuple[int, int]
) -> list[tuple[int, int, int, int]]:
    """The loads of one image's tap plane whose window offset in the unpadded input is
    ``at``: (first output row, output rows, first output column, columns), each a run of
    input pixels (whole output rows merged where the input rows are contiguous)."""
    (xh, xw), (oh, ow) = x_hw, out_hw
    r0, r1 = _inside(at[0], oh, xh)
    c0, c1 = _inside(at[1], ow, xw)
    if r0 >= r1 or c0 >= c1:
        return []
    if c0 == 0 and c1 == ow == xw:  # whole input rows: one run
        return [(r0, r1 - r0, 0, ow)]
    return [(r, 1, c0, c1 - c0) for r in range(r0, r1)]


def _zero_runs(
    x_hw: tuple[int, int],
    out_hw: tuple[int, int],
    kernel: tuple[int, int],
    padding: tuple[int, int, int, int],
    origin: tuple[int, int],
) -> list[list[tuple[int, int]]]:
    """For each tap (kh, kw), the runs (first, rows) of one image's output positions whose
    pixel of that tap lies in the padding: the rows of its plane that are never loaded."""
    oh, ow = out_hw
    runs = []
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            at = (origin[0] + i - padding[0], origin[1] + j - padding[1])
            loaded = [False] * (oh * ow)
            for o_r, rows, o_c, count in _pixel_runs(x_hw, out_hw, at):
                for r in range(o_r, o_r + rows):
                    loaded[r * ow + o_c : r * ow + o_c + count] = [True] * count
            tap: list[tuple[int, int]] = []
            for p, done in enumerate(loaded):
                if done:
                    continue
                if tap and sum(tap[-1]) == p:
                    tap[-1] = (tap[-1][0], tap[-1][1] + 1)
                else:
                    tap.append((p, 1))
            runs.append(tap)
    return runs


def plan_taps(
    ctx: Ctx,
    x: Buf,
    w: Buf,
    out_hw: tuple[int, int],
    padding: tuple[int, int, int, int],
    origin: tuple[int, int],
) -> TapPlan | None:
    """The tap plan for a stride-1 convolution of ``x`` zero-padded by ``padding`` with
    ``w``, or None when the chip or the operands do not allow one (not WS, operands not of the
    array's type, channels not whole chunks of the array's rows, more output channels than
    its columns, no group of one image fits on chip)."""
    cfg = ctx.config
    if cfg.dataflow is not Dataflow.WS:
        return None
    if x.dtype is not cfg.input_dtype or w.dtype is not cfg.input_dtype:
        return None
    kh, kw, c, cout = w.shape
    r, cols = cfg.rows, cfg.cols
    # whole chunks per tap keep the folds' sums those of the im2col matrix's K chunks
    if c % r or cout > cols:
        return None
    n, xh, xw, _ = x.shape
    oh, ow = out_hw
    per = oh * ow
    taps = kh * kw * (c // r)
    spad = ctx.chip.spad_left - taps * r
    es, bw = x.dtype.nbytes, cfg.dram_bytes_per_cycle
    load = 0  # one image's planes
    for i in range(kh):
        for j in range(kw):
            at = (origin[0] + i - padding[0], origin[1] + j - padding[1])
            for _, rows, _, count in _pixel_runs((xh, xw), out_hw, at):
                load += dma_cycles(cfg, rows * count, c, es)
    weights = math.ceil(kh * kw * c * cout * w.dtype.nbytes / bw)
    zeros = _zero_runs((xh, xw), out_hw, (kh, kw), padding, origin)
    zeroed = sum(rows for tap in zeros for _, rows in tap) * (c // r)  # rows per image
    best = None
    for g in range(1, n + 1):
        if g * per > MAX_T or 2 * g * per > ctx.chip.acc_left or 2 * taps * g * per > spad:
            break
        groups = math.ceil(n / g)
        t = g * per
        store = dma_cycles(cfg, t, cout, cfg.acc_dtype.nbytes)
        # both buffers' padding is zeroed once, a vector row per cycle in the array's queue,
        # the first's before its loads
        compute = groups * taps * (t + r + cols - 2) + 2 * zeroed * g
        bus = n * load + groups * store + weights
        head, tail = zeroed * g + weights + g * load, store
        cycles = 2 * cfg.dram_latency + head + max(compute, bus - head - tail) + tail
        if best is None or cycles < best.cycles:
            best = TapPlan(g, cycles, compute, bus, padding, origin)
    return best


# The [C, Cout] weights of tap (kh, kw), as a DRAM view (the input gradient's are a flipped
# tap of the forward weights, transposed)
TapWeights = Callable[[int, int], View]


def emit_taps(
    ctx: Ctx,
    plan: TapPlan,
    x: Buf,
    w: Buf,
    out: Buf,
    epilogue: Epilogue | None,
    tap_weights: TapWeights | None = None,
) -> None:
    """``out`` = the stride-1 convolution of ``x`` (zero-padded by the plan's padding) with
    ``w`` [KH, KW, C, Cout] by ``plan``: its taps' weights are ``tap_weights`` (default:
    ``w``'s own; then ``w`` is read only for its shape). ``epilogue`` (if given) replaces each
    output tile's store."""
    cfg, em = ctx.config, ctx.em
    n, xh, xw, c = x.shape
    kh, kw, _, cout = w.shape
    _, oh, ow, _ = out.shape
    r = cfg.rows
    nk = c // r
    per = oh * ow
    plane = plan.images * per
    taps = [(i, j, k) for i in range(kh) for j in range(kw) for k in range(nk)]
    ctx.notes.append(
        f"{em.tag.layer}: stride-1 conv by tap planes of {plan.images} images "
        f"({plane} rows each), ~{plan.cycles} cycles (array {plan.compute}, bus {plan.bus})"
    )
    if tap_weights is None:
        wmat = View.matrix(w.reshaped((kh * kw * c, cout)))

        def tap_weights(i: int, j: int) -> View:
            return wmat.block((i * kw + j) * c, c, 0, cout)

    s_res = ctx.alloc(sp(0).mem, len(taps) * r, "resident tap weights")
    for q, (i, j, k) in enumerate(taps):
        ctx.load(tap_weights(i, j).block(k * r, r, 0, cout), s_res.offset(q * r))
    ring = Ring(ctx.alloc(sp(0).mem, 2 * len(taps) * plane, "tap planes"), len(taps) * plane)
    # the padding's pixels are never loaded: zero in both buffers for good, the first's planes
    # first so that its loads can start
    zeros = _zero_runs((xh, xw), (oh, ow), (kh, kw), plan.padding, plan.origin)
    for half in range(2):
        for q, (i, j, _) in enumerate(taps):
            first = (half * len(taps) + q) * plane
            for b in range(plan.images):
                for p, rows in zeros[i * kw + j]:
                    ctx.vec(VecOp.SET, ring.base.offset(first + b * per + p), rows, r)
    slots = [ctx.alloc(acc(0).mem, plane, "tap outputs", high) for high in (False, True)]
    runs = {
        (i, j): _pixel_runs(
            (xh, xw),
            (oh, ow),
            (plan.origin[0] + i - plan.padding[0], plan.origin[1] + j - plan.padding[1]),
        )
        for i in range(kh)
        for j in range(kw)
    }
    es = x.dtype.nbytes
    mat = View.matrix(out.reshaped((n * per, cout)))
    for turn, b0 in enumerate(range(0, n, plan.images)):
        g = min(plan.images, n - b0)
        buf = ring.next()
        for q, (i, j, k) in enumerate(taps):
            at = (plan.origin[0] + i - plan.padding[0], plan.origin[1] + j - plan.padding[1])
            for b in range(g):
                for o_r, rows, o_c, count in runs[(i, j)]:
                    pix = ((b0 + b) * xh + at[0] + o_r) * xw + at[1] + o_c
                    src = View(x.addr + (pix * c + k * r) * es, x.dtype, rows * count, r, c)
                    # by DMA: vector COPYs from resident rows would wait for the array's work
                    ctx.load_dram(src, buf.offset(q * plane + b * per + o_r * ow + o_c))
        t = g * per
        tile = slots[turn % 2]
        for q in range(len(taps)):
            em.emit(Preload(src=s_res.offset(q * r).row, rows=r, cols=cout))
            em.emit(
                Matmul(
                    x=buf.offset(q * plane).row,
                    y=0,
                    out=tile.row,
                    t=t,
                    rows=r,
                    cols=cout,
                    accumulate=q > 0,
                )
            )
        r0 = b0 * per
        if epilogue is not None:
            epilogue(tile, r0, t, 0, cout)
        else:
            ctx.store(tile, mat.block(r0, t, 0, cout))
