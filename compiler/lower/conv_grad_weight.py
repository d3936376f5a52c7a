"""CONV2D_GRAD_WEIGHT: dW = A^T @ dY, A the im2col matrix of the padded input (conv.py).

Whichever the cost model predicts cheapest:
- im2col by DMA, A transposed by the DMA as the GEMM loads it; for a single-channel input
  A^T itself, copied as one output-sized plane per tap and image (`im2col_planes`);
- without A: dW^T = dY^T @ A with A's tiles preloaded from the shifted windows of the padded
  input (`_windows_grad_weight`), each tile summing the positions in the im2col GEMM's order;
- (stride 1) KH GEMMs over every padded position, dY scattered into a zeroed buffer
  (`_implicit_grad_weight`);
- across images (`conv_grad_images.py`): dY's rows of one output position in up to R images
  preloaded, A^T's rows for them streamed, as long as a kernel's rows, from transposed loads
  of the windows (this one sums the positions in another order);
- (stride 1, output as wide as the input) by kernel-column passes (`conv_grad_rows.py`): dY's
  tile of R positions stationary, A^T's rows of one kernel column streamed, in the im2col
  GEMM's order.
"""

from __future__ import annotations

import math
from collections import Counter

from chip.config import Dataflow
from chip.isa import Matmul, Mem, Preload
from compiler.ir import Node, Op
from compiler.lower.context import Ctx, LoweringError, View
from compiler.lower.conv_grad_images import images_grad_weight, images_grad_weight_pays
from compiler.lower.conv_grad_rows import rows_grad_weight, rows_grad_weight_cycles
from compiler.lower.conv_im2col import (
    _windows,
    _windows_fit,
    im2col,
    im2col_cycles,
    pad,
    pad_cycles,
)
from compiler.lower.gemm import KParts, Ring, emit_gemm, k_chunks, predict_gemm
from compiler.lower.memory import Buf
from compiler.lower.movement import Copies
from compiler.lower.tiling import dma_cycles
from compiler.lower.vector import fill


def lower_conv2d_grad_weight(ctx: Ctx, node: Node, ins: list[Buf], out: Buf) -> None:
    """dW by the way predicted cheapest (see the module docstring)."""
    x, dy = ins
    kh, kw, cin, cout = out.shape
    stride, padding = tuple(node.attrs["stride"]), tuple(node.attrs["padding"])
    implicit = stride == (1, 1) and (kh, kw) != (1, 1)
    n, h, w, _ = x.shape
    hp, wp = h + padding[0] + padding[2], w + padding[1] + padding[3]
    # The ways are weighed on the padded input's shape before its copy is made: the way
    # across images reads the unpadded input and makes none.
    shape = Buf(x.addr, (n, hp, wp, cin), x.dtype)
    held = ctx.chip, ctx.staging
    ctx.release_onchip()
    copies, planes = _im2col_copies(ctx, shape, (kh, kw), stride, dy.shape[1:3])
    others = [predict_gemm(ctx, kh * kw * cin, dy.size // cout, cout, (x.dtype, dy.dtype)).cycles]
    others[0] += copies
    if implicit:
        others.append(_implicit_grad_weight_cycles(ctx, shape, dy, out.shape))
    if (windows := _windows_grad_weight_cycles(ctx, shape, dy, out.shape, stride)) is not None:
        others.append(windows)
    if images_grad_weight_pays(ctx, shape, dy, out.shape, min(others)):
        images_grad_weight(ctx, x, dy, out, stride, padding)
        return
    # the ways below read a padded copy, whose cost the kernel-column passes' own (height-
    # padded) copy is weighed against
    best = min(others) + pad_cycles(ctx, x, padding)
    if stride == (1, 1) and _rows_grad_weight_pays(ctx, x, dy, out.shape, padding, best):
        ctx.chip, ctx.staging = held
        rows_grad_weight(ctx, x, dy, out, padding)
        return
    ctx.chip, ctx.staging = held
    xp = pad(ctx, x, padding, 0.0, slack=((kh - 1) * wp + kw) * cin if implicit else 0)
    ctx.release_onchip()
    if implicit and _implicit_grad_weight_pays(ctx, xp, dy, out.shape, copies):
        _implicit_grad_weight(ctx, xp, dy, out)
        return
    if _windows_grad_weight_pays(ctx, xp, dy, out.shape, stride, copies):
        _windows_grad_weight(ctx, xp, dy, out, stride)
        return
    dw = View.matrix(out.reshaped((kh * kw * cin, cout)))
    if planes:
        at = im2col_planes(ctx, xp, (kh, kw), stride, dy.shape[1:3])
        ctx.release_onchip()
        emit_gemm(ctx, View.matrix(at), View.matrix(dy), dw)
        return
    a = im2col(ctx, xp, (kh, kw), stride, dy.shape[1:3])
    ctx.release_onchip()
    emit_gemm(ctx, View.matrix(a).T, View.matrix(dy), dw)


def _rows_grad_weight_pays(
    ctx: Ctx,
    x: Buf,
    dy: Buf,
    wshape: tuple[int, int, int, int],
    padding: tuple[int, ...],
    best: int,
) -> bool:
    """Whether kernel-column passes (`rows_grad_weight`, their height-padded copy included)
    are predicted cheaper than ``best``, the cheapest other way's cycles and its copy."""
    rows = rows_grad_weight_cycles(ctx, x, dy, wshape, padding)
    if rows is None:
        return False
    ctx.notes.append(
        f"{ctx.em.tag.layer}: weight gradient ~{rows} cycles by kernel-column passes, "
        f"~{best} the cheapest other way"
    )
    return rows < best


def im2col_planes(
    ctx: Ctx, xp: Buf, kernel: tuple[int, int], stride: tuple[int, int], out_hw: tuple[int, int]
) -> Buf:
    """The transposed im2col matrix A^T [KH*KW, N*OH*OW] of single-channel padded ``xp``
    (column stride 1): row (kh, kw) holds that tap of every output position, copied as one
    OH x OW plane per image, rows as wide as the output's instead of KW elements."""
    n, hp, wp, c = xp.shape
    kh_, kw_ = kernel
    sh, sw = stride
    oh, ow = out_hw
    if c != 1 or sw != 1:
        raise LoweringError(f"tap planes need one channel and column stride 1, not {c} and {sw}")
    positions = n * oh * ow
    at = ctx.temp((kh_ * kw_, positions), xp.dtype)
    es = xp.dtype.nbytes
    with Copies(ctx) as cp:
        for i in range(kh_):
            for j in range(kw_):
                for b in range(n):
                    src = View(xp.addr + ((b * hp + i) * wp + j) * es, xp.dtype, oh, ow, sh * wp)
                    first = (i * kw_ + j) * positions + b * oh * ow
                    cp.copy(src, View(at.addr + first * es, xp.dtype, oh, ow, ow))
    return at


def _im2col_copies(
    ctx: Ctx, xp: Buf, kernel: tuple[int, int], stride: tuple[int, int], out_hw: tuple[int, int]
) -> tuple[int, bool]:
    """The weight gradient's predicted cycles of im2col copies, and whether they go as tap
    planes (`im2col_planes`: single-channel inputs, column stride 1), predicted cheaper than
    window rows (`im2col`); the GEMM is the same either way."""
    n, _, _, c = xp.shape
    oh, ow = out_hw
    es = xp.dtype.nbytes
    rows = im2col_cycles(ctx, (n * oh, ow), kernel, c, es)
    if c != 1 or stride[1] != 1:
        return rows, False
    planes = 2 * kernel[0] * kernel[1] * n * dma_cycles(ctx.config, oh, ow, es)
    ctx.notes.append(
        f"{ctx.em.tag.layer}: weight gradient's im2col ~{planes} cycles of copies as tap "
        f"planes, ~{rows} as window rows"
    )
    return min(planes, rows), planes < rows


def _windows_grad_weight_folds(
    ctx: Ctx, xp: Buf, dy: Buf, wshape: tuple[int, int, int, int], stride: tuple[int, int]
) -> tuple[KParts, list[tuple[int, int]], list[tuple[int, int]]] | None:
    """The shifted windows of `_windows_grad_weight` with its chunks of positions (K) and of
    (kh, kw, c) columns (N), or None where it does not apply (WS only, operands in the
    array's type, windows on rows of the strided views, dW^T's tiles fitting the
    accumulator)."""
    cfg = ctx.config
    if (
        cfg.dataflow is not Dataflow.WS
        or xp.dtype is not cfg.input_dtype
        or dy.dtype is not cfg.input_dtype
        or not _windows_fit(xp, stride, (0, 0))
    ):
        return None
    kh, kw, _, cout = wshape
    a = _windows(xp, (kh, kw), dy.shape[1:3], (0, 0), stride)
    positions = [(p0, min(cfg.rows, a.rows - p0)) for p0 in range(0, a.rows, cfg.rows)]
    cols = k_chunks(a.part_sizes(), cfg.cols)
    # dW^T's tiles all stay in the accumulator; two slots of dY^T and of A's tiles
    if len(cols) * cout > ctx.chip.acc_left or 2 * (cout + len(cols) * cfg.rows) > (
        ctx.chip.spad_left
    ):
        return None
    return a, positions, cols


def _windows_grad_weight_cycles(
    ctx: Ctx, xp: Buf, dy: Buf, wshape: tuple[int, int, int, int], stride: tuple[int, int]
) -> int | None:
    """`_windows_grad_weight`'s predicted cycles (None where it does not apply): its folds
    stream Cout rows each (double-buffered preloads), its DMAs are dY^T's blocks and the
    windows' runs, whichever is slower, plus one latency."""
    plan = _windows_grad_weight_folds(ctx, xp, dy, wshape, stride)
    if plan is None:
        return None
    a, positions, cols = plan
    cfg = ctx.config
    cout = wshape[3]
    es = xp.dtype.nbytes
    array = len(positions) * len(cols) * (cout + cfg.rows + cfg.cols - 2)
    dma = sum(dma_cycles(cfg, cout, pp, es) for _, pp in positions)
    # a window block's pieces split its rows (runs of positions) the same way in every
    # column chunk: count each piece length once per position chunk
    if cols:
        k0, kk = cols[0]
        lengths = Counter(v.rows for p0, pp in positions for _, v in a.pieces(p0, pp, k0, kk))
        chunks = Counter(kk for _, kk in cols)
        for rows, n in lengths.items():
            dma += n * sum(m * dma_cycles(cfg, rows, kk, es) for kk, m in chunks.items())
    return max(array, dma) + cfg.dram_latency


def _windows_grad_weight_pays(
    ctx: Ctx,
    xp: Buf,
    dy: Buf,
    wshape: tuple[int, int, int, int],
    stride: tuple[int, int],
    copies: int,
) -> bool:
    """Whether `_windows_grad_weight` is predicted cheaper than im2col (``copies`` cycles of
    copies) and one GEMM."""
    windows = _windows_grad_weight_cycles(ctx, xp, dy, wshape, stride)
    if windows is None:
        return False
    kh, kw, cin, cout = wshape
    dense = predict_gemm(ctx, kh * kw * cin, dy.size // cout, cout, (xp.dtype, dy.dtype)).cycles
    ctx.notes.append(
        f"{ctx.em.tag.layer}: weight gradient ~{windows} cycles by windows preloaded as "
        f"A's tiles, ~{dense + copies} by im2col ({copies} of copies)"
    )
    return windows < dense + copies


def _windows_grad_weight(ctx: Ctx, xp: Buf, dy: Buf, out: Buf, stride: tuple[int, int]) -> None:
    """dW^T = dY^T @ A without the im2col matrix A: A's tiles (a chunk of output positions x
    a chunk of one kernel row's (kw, c) columns) are preloaded straight from padded ``xp``'s
    shifted windows (`_windows`: a DMA per output row of windows), dY^T's blocks streamed by
    transposed loads; dW^T's tiles stay in the accumulator over every position and are
    stored transposed. Each tile's sum runs over the positions in the order of dW = A^T @ dY
    (chunks of array rows), so the values are those of the im2col GEMM."""
    kh, kw, cin, cout = out.shape
    cfg, em = ctx.config, ctx.em
    plan = _windows_grad_weight_folds(ctx, xp, dy, out.shape, stride)
    if plan is None:
        raise LoweringError(f"{ctx.em.tag.layer}: no weight gradient by windows here")
    a, positions, cols = plan
    dyt = View.matrix(dy, a.rows, cout)
    dwt = View.matrix(out.reshaped((kh * kw * cin, cout))).T
    tiles = ctx.alloc(Mem.ACC, len(cols) * cout, "dW^T tiles")
    depth = max(2, cfg.queue_depth)
    if depth * (cout + len(cols) * cfg.rows) > ctx.chip.spad_left:
        depth = 2
    xs = Ring(ctx.alloc(Mem.SPAD, depth * cout, "dY^T blocks"), cout, depth)
    ss = Ring(
        ctx.alloc(Mem.SPAD, depth * len(cols) * cfg.rows, "A tiles"), cfg.rows, depth * len(cols)
    )
    for i, (p0, pp) in enumerate(positions):
        xloc = xs.next()
        ctx.load(dyt.block(p0, pp, 0, cout).T, xloc)
        for j, (k0, kk) in enumerate(cols):
            sloc = ss.next()
            for off, view in a.pieces(p0, pp, k0, kk):
                ctx.load(view, sloc.offset(off))
            em.emit(Preload(src=sloc.row, rows=pp, cols=kk))
            em.emit(
                Matmul(
                    x=xloc.row,
                    y=0,
                    out=tiles.row + j * cout,
                    t=cout,
                    rows=pp,
                    cols=kk,
                    accumulate=i > 0,
                )
            )
    for j, (k0, kk) in enumerate(cols):
        ctx.store(tiles.offset(j * cout), dwt.block(0, cout, k0, kk))


def _implicit_grad_weight_cycles(
    ctx: Ctx, xp: Buf, dy: Buf, wshape: tuple[int, int, int, int]
) -> int:
    """`_implicit_grad_weight`'s predicted cycles: KH GEMMs over every padded position, the
    scatter of dY into a zeroed buffer and its fill."""
    kh, kw, cin, cout = wshape
    n, hp, wp, _ = xp.shape
    oh, ow = dy.shape[1:3]
    dts = (xp.dtype, dy.dtype)
    es = dy.dtype.nbytes
    scatter = 2 * n * dma_cycles(ctx.config, oh, ow * cout, es)
    fill_rows = math.ceil(n * hp * wp * cout / ctx.config.row_elems)
    return (
        kh * predict_gemm(ctx, kw * cin, n * hp * wp, cout, dts).cycles
        + scatter
        + fill_rows
        + dma_cycles(ctx.config, fill_rows, ctx.config.row_elems, es)
    )


def _implicit_grad_weight_pays(
    ctx: Ctx, xp: Buf, dy: Buf, wshape: tuple[int, int, int, int], copies: int
) -> bool:
    """Whether `_implicit_grad_weight` (KH GEMMs over every padded position, dY scattered
    into a zeroed buffer) is predicted cheaper than im2col (``copies`` cycles of copies) and
    one GEMM over the outputs."""
    kh, kw, cin, cout = wshape
    implicit = _implicit_grad_weight_cycles(ctx, xp, dy, wshape)
    dense = predict_gemm(ctx, kh * kw * cin, dy.size // cout, cout, (xp.dtype, dy.dtype)).cycles
    ctx.notes.append(
        f"{ctx.em.tag.layer}: stride-1 weight gradient ~{implicit} cycles by shifted windows, "
        f"~{dense + copies} by im2col ({copies} of copies)"
    )
    return implicit < dense + copies


def _implicit_grad_weight(ctx: Ctx, xp: Buf, dy: Buf, out: Buf) -> None:
    """dW[kh] = A_kh^T @ dY over every position of padded ``xp`` (its shifted windows: see
    `_windows`), with dY scattered into the positions of valid outputs and zero elsewhere.
    ``xp`` has the slack elements that the windows past its last row read."""
    kh, kw, cin, cout = out.shape
    n, oh, ow, _ = dy.shape
    hp, wp = xp.shape[1:3]
    rows = n * hp * wp
    dyfull = ctx.temp((rows, cout), dy.dtype)
    fill(ctx, dyfull, 0.0)
    es = dy.dtype.nbytes
    with Copies(ctx) as cp:
        for b in range(n):
            src = View(dy.addr + b * oh * ow * cout * es, dy.dtype, oh, ow * cout, ow * cout)
            dst = View(dyfull.addr + b * hp * wp * cout * es, dy.dtype, oh, ow * cout, wp * cout)
            cp.copy(src, dst)
    ctx.release_onchip()
    xes = xp.dtype.nbytes
    dw = View.matrix(out.reshaped((kh * kw * cin, cout)))
    for i in range(kh):
        a = View(xp.addr + i * wp * cin * xes, xp.dtype, rows, kw * cin, cin)
        emit_gemm(ctx, a.T, View.matrix(dyfull), dw.block(i * kw * cin, kw * cin, 0, cout))
        ctx.release_onchip()


RULES = {Op.CONV2D_GRAD_WEIGHT: lower_conv2d_grad_weight}
