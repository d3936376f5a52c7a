"""CONV2D_GRAD_WEIGHT across images: dW = sum over output positions (oh, ow) and chunks of
up to R images of A_chunk^T @ dY_chunk (taken for single-channel inputs: see
`images_grad_weight_pays`).

For a small layer both of dW's GEMM dimensions are short (LeNet's first convolution: 9 taps x
8 channels) and its reduction over N*OH*OW positions is long, so every way that reduces over
array rows of consecutive positions pays the array's fill and drain (R + C - 2 cycles) per
16 positions for a few rows streamed. Here the stationary tile is dY's rows of one output
position in R images (R x Cout) and the stream is A^T's rows for them: one row per kernel
element (kh, kw, c), KH*KW*C rows per fold instead of Cout or KH*KW. A^T's rows come
straight from the unpadded input by transposed loads, one per kernel row: the window's
(kw, c) run of every image of the chunk is one strided DRAM block (row step H*W*C); the
rows of taps in the padding are set to zero instead, so no padded copy is made. The sums
run over the positions in (image chunk, oh, ow, image) order, not the im2col GEMM's
(n, oh, ow): the same products added in another order.
"""

from __future__ import annotations

from chip.config import Dataflow
from chip.isa import Matmul, Mem, Preload, VecOp
from compiler.lower.context import Ctx, LoweringError, View
from compiler.lower.gemm import Ring
from compiler.lower.memory import Buf
from compiler.lower.tiling import dma_cycles

# A^T's rows per fold: the MATMUL streams at most this many (its `t` field has 16 bits, and a
# kernel that long is better served by the other ways).
MAX_KERNEL_ROWS = 1024


def _images_plan(
    ctx: Ctx, xp: Buf, dy: Buf, wshape: tuple[int, int, int, int]
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]] | None:
    """The chunks of images (array rows) and of output channels (array columns), or None
    where the way does not apply: WS only, operands in the array's type, dW's tiles in the
    accumulator and two slots of A^T's rows and of dY's tiles in the scratchpad."""
    cfg = ctx.config
    if (
        cfg.dataflow is not Dataflow.WS
        or xp.dtype is not cfg.input_dtype
        or dy.dtype is not cfg.input_dtype
    ):
        return None
    kh, kw, cin, cout = wshape
    m = kh * kw * cin
    n = xp.shape[0]
    images = [(b0, min(cfg.rows, n - b0)) for b0 in range(0, n, cfg.rows)]
    couts = [(c0, min(cfg.cols, cout - c0)) for c0 in range(0, cout, cfg.cols)]
    # at most this many patterns of taps in the padding (`images_grad_weight`'s rings)
    oh, ow = dy.shape[1:3]
    kinds = min(oh, 2 * kh - 1) * min(ow, 2 * kw - 1)
    if (
        m > MAX_KERNEL_ROWS
        or len(couts) * m > ctx.chip.acc_left
        or _rows(2, kinds, m, len(couts) * cfg.rows) > ctx.chip.spad_left
    ):
        return None
    return images, couts


# Slots of a border pattern's ring: it recurs every few folds.
BORDER_SLOTS = 4


def _rows(depth: int, kinds: int, m: int, tile_rows: int) -> int:
    """Scratchpad rows of `images_grad_weight`'s rings at ``depth`` slots: the inside
    pattern's, the other ``kinds - 1`` patterns' (at most `BORDER_SLOTS` slots) and dY's
    tiles."""
    return (depth + (kinds - 1) * min(depth, BORDER_SLOTS)) * m + depth * tile_rows


def images_grad_weight_cycles(
    ctx: Ctx, xp: Buf, dy: Buf, wshape: tuple[int, int, int, int]
) -> int | None:
    """Predicted cycles of `images_grad_weight` (None where it does not apply): a fold of
    KH*KW*C rows per (position, image chunk, channel chunk) with its preload hidden, against
    the transposed loads of A^T's rows and dY's tiles, whichever is slower, plus one
    latency."""
    plan = _images_plan(ctx, xp, dy, wshape)
    if plan is None:
        return None
    images, couts = plan
    cfg = ctx.config
    kh, kw, cin, _ = wshape
    positions = dy.shape[1] * dy.shape[2]
    es = xp.dtype.nbytes
    fold = max(kh * kw * cin + cfg.rows + cfg.cols - 2, cfg.rows)
    array = positions * len(images) * len(couts) * fold
    dma = positions * sum(
        kh * dma_cycles(cfg, kw * cin, bb, es)
        + sum(dma_cycles(cfg, bb, cc, dy.dtype.nbytes) for _, cc in couts)
        for _, bb in images
    )
    return max(array, dma) + cfg.dram_latency


def images_grad_weight_pays(
    ctx: Ctx,
    xp: Buf,
    dy: Buf,
    wshape: tuple[int, int, int, int],
    others: int,
) -> bool:
    """Whether `images_grad_weight` is taken: for a single-channel input, when predicted
    cheaper than ``others`` cycles, the cheapest of the other ways (which sum in the im2col
    GEMM's order). With more channels the other ways stream Cout or KH*KW*C rows per fold
    rather than KH*KW, and the reordered sums cost more than they save: on LeNet's second
    convolution (36% fewer predicted cycles) they change the digits CNN's training
    trajectory enough that its loss leaves the float64 run's tolerance (examples/
    train_cnn.py, epoch 9), while the first convolution's leave it unchanged."""
    if wshape[2] != 1:
        return False
    cycles = images_grad_weight_cycles(ctx, xp, dy, wshape)
    if cycles is None:
        return False
    ctx.notes.append(
        f"{ctx.em.tag.layer}: weight gradient ~{cycles} cycles across images, ~{others} the "
        "cheapest other way"
    )
    return cycles < others


def images_grad_weight(
    ctx: Ctx,
    x: Buf,
    dy: Buf,
    out: Buf,
    stride: tuple[int, int],
    padding: tuple[int, int, int, int],
) -> None:
    """dW from ``x`` (unpadded: A^T's rows of taps in the ``padding`` are set to zero, never
    loaded) and ``dy`` across images (see the module docstring): dW's tiles (KH*KW*C rows x
    a chunk of channels) stay in the accumulator over every fold and are stored once."""
    kh, kw, cin, cout = out.shape
    _, h, w, _ = x.shape
    _, oh, ow, _ = dy.shape
    sh, sw = stride
    pt, pl = padding[:2]
    cfg, em = ctx.config, ctx.em
    plan = _images_plan(ctx, x, dy, out.shape)
    if plan is None:
        raise LoweringError(f"{em.tag.layer}: no weight gradient across images here")
    images, couts = plan
    m = kh * kw * cin
    run = kw * cin
    xes, des = x.dtype.nbytes, dy.dtype.nbytes
    tiles = ctx.alloc(Mem.ACC, len(couts) * m, "dW tiles")

    def taps(y: int, o: int) -> tuple[tuple[int, int], ...]:
        """Per kernel row of output (y, o): its taps [lo, hi) inside the input."""
        spans = []
        for i in range(kh):
            row, col = y * sh + i - pt, o * sw - pl
            hi = max(0, min(kw, w - col)) if 0 <= row < h else 0
            spans.append((min(max(0, -col), hi), hi))
        return tuple(spans)

    # A^T's rows of taps in the padding are never loaded: each pattern of such taps has its
    # own ring of slots, whose rows of those taps are zeroed once (a pattern at the border
    # recurs every few folds: a few slots suffice).
    inside = ((0, kw),) * kh
    kinds = sorted({taps(y, o) for y in range(oh) for o in range(ow)})
    tile_rows = len(couts) * cfg.rows
    depth = max(
        [2]
        + [
            d
            for d in range(2, cfg.queue_depth + 1)
            if _rows(d, len(kinds), m, tile_rows) <= ctx.chip.spad_left
        ]
    )
    rings = {}
    for kind in kinds:
        d = depth if kind == inside else min(depth, BORDER_SLOTS)
        rings[kind] = Ring(ctx.alloc(Mem.SPAD, d * m, "A^T rows"), m, d)
        zeros: list[list[int]] = []  # runs [first, end) of rows of taps in the padding
        for i, (lo, hi) in enumerate(kind):
            for z0, z1 in ((i * run, i * run + lo * cin), (i * run + hi * cin, (i + 1) * run)):
                if z0 == z1:
                    continue
                if zeros and zeros[-1][1] == z0:
                    zeros[-1][1] = z1
                else:
                    zeros.append([z0, z1])
        for k in range(d):
            for z0, z1 in zeros:
                ctx.vec(VecOp.SET, rings[kind].base.offset(k * m + z0), z1 - z0, cfg.rows)
    _next_bank(ctx, depth * tile_rows)
    ss = Ring(
        ctx.alloc(Mem.SPAD, depth * tile_rows, "dY tiles"),
        cfg.rows,
        depth * len(couts),
    )

    def operands(b0: int, bb: int, y: int, o: int) -> tuple[int, list[int]]:
        """Load the fold's A^T rows and its dY tiles; their first rows."""
        kind = taps(y, o)
        xloc = rings[kind].next()
        for i, (lo, hi) in enumerate(kind):
            if lo < hi:  # the taps of kernel row i inside the input, in every image
                corner = ((b0 * h + y * sh + i - pt) * w + o * sw - pl + lo) * cin
                win = View(x.addr + corner * xes, x.dtype, bb, (hi - lo) * cin, h * w * cin)
                ctx.load(win.T, xloc.offset(i * run + lo * cin))
        pos = (b0 * oh + y) * ow + o
        slocs = []
        for c0, cc in couts:
            sloc = ss.next()
            ctx.load(
                View(dy.addr + (pos * cout + c0) * des, dy.dtype, bb, cc, oh * ow * cout), sloc
            )
            slocs.append(sloc.row)
        return xloc.row, slocs

    # Each fold's operands are fetched before the previous fold's MATMUL, so that every
    # PRELOAD directly follows a MATMUL and hides under it.
    folds = [(b0, bb, y, o) for b0, bb in images for y in range(oh) for o in range(ow)]
    ahead = operands(*folds[0])
    for f, (_, bb, _, _) in enumerate(folds):
        xrow, slocs = ahead
        if f == 0:
            em.emit(Preload(src=slocs[0], rows=bb, cols=couts[0][1]))
        if f + 1 < len(folds):
            ahead = operands(*folds[f + 1])
        for j, (_, cc) in enumerate(couts):
            if j:
                em.emit(Preload(src=slocs[j], rows=bb, cols=cc))
            em.emit(
                Matmul(x=xrow, y=0, out=tiles.row + j * m, t=m, rows=bb, cols=cc, accumulate=f > 0)
            )
        if f + 1 < len(folds):
            nbb = folds[f + 1][1]
            em.emit(Preload(src=ahead[1][0], rows=nbb, cols=couts[0][1]))
    dw = View.matrix(out.reshaped((m, cout)))
    for j, (c0, cc) in enumerate(couts):
        ctx.store(tiles.offset(j * m), dw.block(0, m, c0, cc))


def _next_bank(ctx: Ctx, rows: int) -> None:
    """Skip to the next scratchpad bank when ``rows`` more rows fit after it: the dY tiles
    (filled by the vector unit when dY is resident) then do not wait for the write port that
    the transposed loads of A^T's rows hold through their DRAM latency."""
    cfg = ctx.config
    bank = cfg.spad_rows // cfg.spad_banks
    used = cfg.spad_rows - ctx.reserve[0] - ctx.chip.spad_left
    gap = -used % bank
    if gap and gap + rows <= ctx.chip.spad_left:
        ctx.alloc(Mem.SPAD, gap, "bank gap")
