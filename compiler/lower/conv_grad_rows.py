"""CONV2D_GRAD_WEIGHT by kernel-column passes: dY's tile stationary, A^T's rows streamed.

For a stride-1 convolution whose output is as wide as its input, output position (oh, ow)'s tap
(kh, kw) reads the input's flattened pixel ``p + (kh - pt) * W + (kw - pl)``, ``p`` the
position's own flat index: for one tap, a chunk of consecutive positions reads consecutive
pixels, so A^T's rows for that tap (one per channel) are ONE transposed DMA of the input (its
rows padded above and below, its columns not). A tap reaching past the left or right edge
reads, at those positions, the next or previous input row's pixel: the stationary dY tile of
that kernel column has those positions' rows zero, so they add nothing.

dW[(kh, kw, c), :] sums each chunk of R positions in the array (dY's tile preloaded, K =
positions) and the chunks in order in the accumulator: the order of the im2col GEMM dW = A^T @
dY, so the values are the same, for finite inputs (a wrapped pixel that is inf or NaN times a
zero row is NaN). A pass streams KH*C rows where the windows' way (`_windows_grad_weight`)
streams Cout, so far fewer passes pay the array's fill and drain.
"""

from __future__ import annotations

from chip.config import Dataflow
from chip.isa import Loc, Matmul, Mem, Move, Preload, VecOp
from compiler.lower.context import MAX_VEC_ROWS, Ctx, LoweringError, View
from compiler.lower.conv_im2col import pad, pad_cycles
from compiler.lower.gemm import Ring
from compiler.lower.memory import Buf
from compiler.lower.tiling import MAX_T, dma_cycles


def _fits(ctx: Ctx, x: Buf, dy: Buf, wshape: tuple[int, ...], padding: tuple[int, ...]) -> bool:
    """Whether the kernel-column passes apply: WS, operands in the array's type, stride 1
    (checked by the caller), output as wide as the input, every chunk of R positions inside
    one image with the same columns, dW's tiles in the accumulator, A^T's chunk in one
    MATMUL's t field."""
    cfg = ctx.config
    kh, kw, cin, cout = wshape
    _, h, w, _ = x.shape
    _, oh, ow, _ = dy.shape
    pl = padding[1]
    r = cfg.rows
    return (
        cfg.dataflow is Dataflow.WS
        and x.dtype is cfg.input_dtype
        and dy.dtype is cfg.input_dtype
        and ow == w
        and 0 <= pl < w
        and kw - 1 - pl < w
        and (oh * ow) % r == 0
        and r % ow == 0
        and r <= cfg.row_elems
        and kh * cin <= MAX_T
        and kh * kw * cin * _tiles(cfg.cols, cout) <= ctx.chip.acc_left
        and 2 * (kh * kw * cin + kw * _tiles(cfg.cols, cout) * r) <= ctx.chip.spad_left
    )


def _tiles(cols: int, cout: int) -> int:
    return -(-cout // cols)


def _valid_runs(ow: int, r: int, shift: int) -> list[tuple[int, int]]:
    """(first, count) runs of a chunk's R positions whose column ``ow + shift`` lies in the
    input (chunks start at a row's first column: R is a multiple of OW)."""
    runs: list[tuple[int, int]] = []
    for p in range(r):
        if 0 <= p % ow + shift < ow:
            if runs and runs[-1][0] + runs[-1][1] == p:
                runs[-1] = (runs[-1][0], runs[-1][1] + 1)
            else:
                runs.append((p, 1))
    return runs


def rows_grad_weight_cycles(
    ctx: Ctx, x: Buf, dy: Buf, wshape: tuple[int, ...], padding: tuple[int, ...]
) -> int | None:
    """Predicted cycles of `rows_grad_weight` (None where it does not apply): KW passes of
    KH*C streamed rows per chunk of positions and tile of Cout, against its DMAs (A^T's rows,
    a DMA per tap, and dY's tiles, a DMA per run of kept rows), whichever is slower, plus the
    height-padded copy and one latency."""
    if not _fits(ctx, x, dy, wshape, padding):
        return None
    cfg = ctx.config
    kh, kw, cin, cout = wshape
    n, h, w, _ = x.shape
    _, oh, ow, _ = dy.shape
    r, es = cfg.rows, x.dtype.nbytes
    chunks = n * oh * ow // r
    tiles = [min(cfg.cols, cout - j0) for j0 in range(0, cout, cfg.cols)]
    array = chunks * len(tiles) * kw * (kh * cin + r + cfg.cols - 2)
    # A^T's rows by a DMA per tap; dY's tile by one DMA, its masked copies by on-chip MOVEs
    per_chunk = kh * kw * dma_cycles(cfg, cin, r, es)
    per_chunk += sum(dma_cycles(cfg, r, nn, es) for nn in tiles)
    for j in range(kw):
        kept = _valid_runs(ow, r, j - padding[1])
        if kept != [(0, r)]:
            per_chunk += len(tiles) * sum(count for _, count in kept)
    copy = pad_cycles(ctx, x, (padding[0] + 1, 0, padding[2], 0), (kw - 1 - padding[1]) * cin)
    return max(array, chunks * per_chunk) + copy


def _next_bank(ctx: Ctx, per_bank: int, then: int) -> None:
    """Skip the scratchpad rows to the next bank if ``then`` more rows still fit after it."""
    gap = -ctx.alloc(Mem.SPAD, 0).row % per_bank
    if gap + then <= ctx.chip.spad_left:
        ctx.alloc(Mem.SPAD, gap, "bank gap")


def rows_grad_weight(ctx: Ctx, x: Buf, dy: Buf, out: Buf, padding: tuple[int, ...]) -> None:
    """dW of the stride-1 convolution of ``x`` (unpadded, NHWC) with ``padding`` by
    kernel-column passes (see the module docstring)."""
    kh, kw, cin, cout = out.shape
    cfg, em = ctx.config, ctx.em
    if not _fits(ctx, x, dy, out.shape, padding):
        raise LoweringError(f"{em.tag.layer}: no weight gradient by kernel-column passes here")
    pt, pl, pb, _ = padding
    n, h, w, _ = x.shape
    _, oh, ow, _ = dy.shape
    r, es = cfg.rows, x.dtype.nbytes
    # one more zero row on top keeps the first image's wrapped reads inside the buffer, the
    # slack the last image's
    top = pt + 1
    xh = pad(ctx, x, (top, 0, pb, 0), 0.0, slack=(kw - 1 - pl) * cin)
    ctx.release_onchip()
    hp = xh.shape[1]
    tiles = [(j0, min(cfg.cols, cout - j0)) for j0 in range(0, cout, cfg.cols)]
    taps = kh * kw * cin
    acc = ctx.alloc(Mem.ACC, taps * len(tiles), "dW tiles")
    runs = [_valid_runs(ow, r, j - pl) for j in range(kw)]
    masked = [j for j in range(kw) if runs[j] != [(0, r)]]
    tile_rows = len(tiles) * r
    masked_rows = len(masked) * tile_rows
    # a few chunks in flight hide the DMA latency; more would only lengthen the zeroing
    depth = 4 if 4 * (taps + tile_rows + masked_rows) <= ctx.chip.spad_left else 2
    # Three banks: A^T's (the MATMULs hold its read port), the loaded dY tiles' (the MOVEs
    # read them) and the masked copies' (a MOVE waits for every load in flight that writes a
    # bank it writes, DRAM latency included: docs/timing.md).
    per_bank = cfg.spad_rows // cfg.spad_banks
    at_ring = Ring(ctx.alloc(Mem.SPAD, depth * taps, "A^T rows"), taps, depth)
    _next_bank(ctx, per_bank, depth * (tile_rows + masked_rows))
    full_ring = Ring(ctx.alloc(Mem.SPAD, depth * tile_rows, "dY tiles"), tile_rows, depth)
    _next_bank(ctx, per_bank, depth * masked_rows)
    mk_base = ctx.alloc(Mem.SPAD, depth * masked_rows, "masked dY tiles")
    mk_ring = Ring(mk_base, masked_rows, depth)
    width = max(nn for _, nn in tiles)
    for r0 in range(0, depth * masked_rows, MAX_VEC_ROWS):
        # the rows a mask drops are never written: they stay zero
        rr = min(MAX_VEC_ROWS, depth * masked_rows - r0)
        ctx.vec(VecOp.SET, mk_base.offset(r0), rr, width, imm=0.0)
    dym = View.matrix(dy, n * oh * ow, cout)
    per_image = oh * ow
    chunks = n * per_image // r

    def slot(j: int, t: int, full: Loc, mk: Loc) -> Loc:
        if j in masked:
            return mk.offset((masked.index(j) * len(tiles) + t) * r)
        return full.offset(t * r)

    def load_dy(k: int, full: Loc) -> None:
        for t, (j0, nn) in enumerate(tiles):
            # from DRAM: a resident dY is served a COPY per row, on the array's queue
            ctx.load_dram(dym.block(k * r, r, j0, nn), full.offset(t * r))

    # The load queue runs dY(k+1), A^T(k), the MOVEs of chunk k's masked dY tiles, so a MOVE
    # never waits for its source's DRAM latency, and its token (pushed when every earlier
    # load has ended) waits only for A^T(k), which the chunk's passes need anyway.
    fulls = [full_ring.next()]
    load_dy(0, fulls[0])
    for k in range(chunks):
        b, local = divmod(k * r, per_image)
        at, full, mk = at_ring.next(), fulls[k], mk_ring.next()
        if k + 1 < chunks:
            fulls.append(full_ring.next())
            load_dy(k + 1, fulls[k + 1])
        for j in range(kw):
            for i in range(kh):
                pixel = b * hp * w + local + (i - pt + top) * w + (j - pl)
                view = View(xh.addr + pixel * cin * es, xh.dtype, cin, r, 1, cin)
                ctx.load(view, at.offset((j * kh + i) * cin))
        for t, (_, nn) in enumerate(tiles):
            for j in masked:
                for first, count in runs[j]:
                    src, dst = full.offset(t * r + first), slot(j, t, full, mk).offset(first)
                    em.emit(Move(src=src, dst=dst, rows=count, cols=nn, transpose=False))
        for j in range(kw):
            for t, (_, nn) in enumerate(tiles):
                em.emit(Preload(src=slot(j, t, full, mk).row, rows=r, cols=nn))
                em.emit(
                    Matmul(
                        x=at.offset(j * kh * cin).row,
                        y=0,
                        out=acc.offset((t * kw + j) * kh * cin).row,
                        t=kh * cin,
                        rows=r,
                        cols=nn,
                        accumulate=k > 0,
                    )
                )
    dw = View.matrix(out.reshaped((taps, cout)))
    for t, (j0, nn) in enumerate(tiles):
        for j in range(kw):
            for i in range(kh):
                src = acc.offset(((t * kw + j) * kh + i) * cin)
                ctx.store(src, dw.block((i * kw + j) * cin, cin, j0, nn))
