"""CONV2D_GRAD_WEIGHT across images: dW = sum over output positions (oh, ow) and chunks of
up to R images of A_chunk^T @ dY_chunk (taken for single-channel inputs: see
`images_grad_weight_pays`).

For a small layer both of dW's GEMM dimensions are short (LeNet's first convolution: 9 taps x
8 channels) and its reduction over N*OH*OW positions is long, so every way that reduces over
array rows of consecutive positions pays the array's fill and drain (R + C - 2 cycles) per
16 positions for a few rows streamed. Here the stationary tile is dY's rows of one output
position in R images (R x Cout) and the stream is A^T's rows for them: one row per kernel
element (kh, kw, c), KH*KW*C rows per fold instead of Cout or KH*KW. A^T's rows come
straight from the padded input by transposed loads, one per kernel row: the window's (kw, c)
run of every image of the chunk is one strided DRAM block (row step H*W*C). The sums run
over the positions in (image chunk, oh, ow, image) order, not the im2col GEMM's (n, oh, ow):
the same products added in another order.
"""

from __future__ import annotations

from chip.config import Dataflow
from chip.isa import Matmul, Mem, Preload
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
    if (
        m > MAX_KERNEL_ROWS
        or len(couts) * m > ctx.chip.acc_left
        or 2 * (m + len(couts) * cfg.rows) > ctx.chip.spad_left
    ):
        return None
    return images, couts


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


def images_grad_weight(ctx: Ctx, xp: Buf, dy: Buf, out: Buf, stride: tuple[int, int]) -> None:
    """dW from padded ``xp`` and ``dy`` across images (see the module docstring): dW's tiles
    (KH*KW*C rows x a chunk of channels) stay in the accumulator over every fold and are
    stored once."""
    kh, kw, cin, cout = out.shape
    n, hp, wp, _ = xp.shape
    _, oh, ow, _ = dy.shape
    sh, sw = stride
    cfg, em = ctx.config, ctx.em
    plan = _images_plan(ctx, xp, dy, out.shape)
    if plan is None:
        raise LoweringError(f"{em.tag.layer}: no weight gradient across images here")
    images, couts = plan
    m = kh * kw * cin
    run = kw * cin
    xes, des = xp.dtype.nbytes, dy.dtype.nbytes
    tiles = ctx.alloc(Mem.ACC, len(couts) * m, "dW tiles")
    slot = m + len(couts) * cfg.rows
    depth = max(2, min(cfg.queue_depth, ctx.chip.spad_left // slot))
    xs = Ring(ctx.alloc(Mem.SPAD, depth * m, "A^T rows"), m, depth)
    _next_bank(ctx, depth * len(couts) * cfg.rows)
    ss = Ring(
        ctx.alloc(Mem.SPAD, depth * len(couts) * cfg.rows, "dY tiles"),
        cfg.rows,
        depth * len(couts),
    )

    def operands(b0: int, bb: int, y: int, x: int) -> tuple[int, list[int]]:
        """Load the fold's A^T rows and its dY tiles; their first rows."""
        xloc = xs.next()
        for i in range(kh):
            # the (kw, c) run of kernel row i of output (y, x) in images b0..b0+bb
            corner = ((b0 * hp + y * sh + i) * wp + x * sw) * cin
            win = View(xp.addr + corner * xes, xp.dtype, bb, run, hp * wp * cin)
            ctx.load(win.T, xloc.offset(i * run))
        pos = (b0 * oh + y) * ow + x
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
    folds = [(b0, bb, y, x) for b0, bb in images for y in range(oh) for x in range(ow)]
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
