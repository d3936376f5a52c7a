"""CONV2D_GRAD_WEIGHT by windows preloaded as A's tiles, from the unpadded input.

The same folds as `conv_grad_weight._windows_grad_weight` (dW^T = dY^T @ A, A's tiles of R
consecutive output positions x a chunk of one kernel row's (kw, c) columns preloaded, dY^T's
blocks streamed, the sums over the positions in the im2col GEMM's order: the same values),
but A's tiles are loaded from the input without its padded copy: a window's taps in the
padding are never loaded. The columns are cut where some window's left padding ends
(`band_chunks`), so that a chunk is either wholly in the left padding or not at all; a
chunk reaching into the right padding loads its columns inside the input. Tiles whose loads
cover the same elements share a ring of slots whose other elements are zeroed once.
"""

from __future__ import annotations

from chip.config import Dataflow
from chip.isa import Matmul, Mem, Preload, VecOp
from compiler.lower.context import Ctx, View
from compiler.lower.conv_bands import band_chunks
from compiler.lower.gemm import Ring
from compiler.lower.memory import Buf

# Tiles of one pattern of loads share a ring of this many slots; at most this many patterns.
PATTERN_SLOTS = 4
MAX_PATTERNS = 64

Piece = tuple[int, View]  # (row offset within the tile, DRAM view of x)


def windows_grad_weight_unpadded(
    ctx: Ctx, x: Buf, dy: Buf, out: Buf, padding: tuple[int, int, int, int]
) -> bool:
    """Emit dW (stride 1) from unpadded ``x`` and ``dy`` and return True, or return False
    without emitting anything where the way does not apply (WS only, operands in the array's
    type, few patterns of loads, the rings and dW^T's tiles fitting on chip)."""
    cfg, em = ctx.config, ctx.em
    kh, kw, cin, cout = out.shape
    n, h, w, _ = x.shape
    _, oh, ow, _ = dy.shape
    pt, pl = padding[:2]
    if (
        cfg.dataflow is not Dataflow.WS
        or x.dtype is not cfg.input_dtype
        or dy.dtype is not cfg.input_dtype
    ):
        return False
    es = x.dtype.nbytes
    run = kw * cin
    area = oh * ow
    positions = [(p0, min(cfg.rows, n * area - p0)) for p0 in range(0, n * area, cfg.rows)]
    cols = [(i, k0, kk) for i in range(kh) for k0, kk in band_chunks(kw, cin, cfg.cols, pl, 1)]

    def pieces(p0: int, pp: int, i: int, k0: int, kk: int) -> list[Piece]:
        """The loads of the tile of positions [p0, p0 + pp) and kernel row i's columns
        [k0, k0 + kk): one per output row's run of windows wholly inside the input, one per
        window reaching into the right padding (its columns inside)."""
        loads: list[Piece] = []
        p = p0
        while p < p0 + pp:
            b, rem = divmod(p, area)
            y, o = divmod(rem, ow)
            count = min(ow - o, p0 + pp - p)
            row = y + i - pt
            if 0 <= row < h:
                full = []
                for q in range(o, o + count):
                    start = (q - pl) * cin + k0  # the chunk's first element in the input row
                    inside = min(kk, w * cin - start)
                    if start + kk <= 0 or inside <= 0:
                        continue  # wholly in the padding
                    first = x.addr + ((b * h + row) * w * cin + start) * es
                    if inside == kk:
                        full.append((q, first))
                    else:
                        loads.append((p - p0 + q - o, View(first, x.dtype, 1, inside, cin)))
                if full:
                    (q0, first), rows = full[0], len(full)
                    loads.append((p - p0 + q0 - o, View(first, x.dtype, rows, kk, cin)))
            p += count
        return loads

    def pattern(loads: list[Piece], pp: int, kk: int) -> tuple:
        return (pp, kk, *sorted((off, v.rows, v.cols) for off, v in loads))

    patterns: dict[tuple, int] = {}
    for p0, pp in positions:
        for i, k0, kk in cols:
            patterns.setdefault(pattern(pieces(p0, pp, i, k0, kk), pp, kk), len(patterns))
    depth = max(2, cfg.queue_depth)
    slots = len(patterns) * PATTERN_SLOTS * cfg.rows
    if (
        len(patterns) > MAX_PATTERNS
        or len(cols) * cout > ctx.chip.acc_left
        or slots + depth * cout > ctx.chip.spad_left
    ):
        return False
    tiles = ctx.alloc(Mem.ACC, len(cols) * cout, "dW^T tiles")
    xs = Ring(ctx.alloc(Mem.SPAD, depth * cout, "dY^T blocks"), cout, depth)
    area_loc = ctx.alloc(Mem.SPAD, slots, "A tiles")
    rings = []
    for pat, q in sorted(patterns.items(), key=lambda kv: kv[1]):
        ring = Ring(area_loc.offset(q * PATTERN_SLOTS * cfg.rows), cfg.rows, PATTERN_SLOTS)
        rings.append(ring)
        pp, kk, *loads = pat
        covered = {off + r for off, rows, c in loads if c == kk for r in range(rows)}
        zero = [r for r in range(pp) if r not in covered]
        for k in range(PATTERN_SLOTS):
            for r0, r1 in _runs(zero):  # rows not loaded whole: zero, then any prefix loads
                ctx.vec(VecOp.SET, ring.base.offset(k * cfg.rows + r0), r1 - r0, kk, imm=0.0)
    dyt = View.matrix(dy, n * area, cout)
    for f, (p0, pp) in enumerate(positions):
        xloc = xs.next()
        ctx.load(dyt.block(p0, pp, 0, cout).T, xloc)
        for j, (i, k0, kk) in enumerate(cols):
            loads = pieces(p0, pp, i, k0, kk)
            sloc = rings[patterns[pattern(loads, pp, kk)]].next()
            for off, view in loads:
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
                    accumulate=f > 0,
                )
            )
    dwt = View.matrix(out.reshaped((kh * run, cout))).T
    for j, (i, k0, kk) in enumerate(cols):
        ctx.store(tiles.offset(j * cout), dwt.block(0, cout, i * run + k0, kk))
    return True


def _runs(rows: list[int]) -> list[tuple[int, int]]:
    """Sorted ``rows`` as runs [first, end) of consecutive rows."""
    runs: list[tuple[int, int]] = []
    for r in rows:
        if runs and runs[-1][1] == r:
            runs[-1] = (runs[-1][0], r + 1)
        else:
            runs.append((r, r + 1))
    return runs
