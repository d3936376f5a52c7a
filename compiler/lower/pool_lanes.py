"""Pooling blocks with the images across the vector lanes: one on-chip row per output pixel and
channel, one lane per image, moved by transposed DMAs. When a tensor has fewer channels than
lanes, this fills more lanes than the channel layout (a row per pixel, a lane per channel), and
the vector ops and the DMAs, whose cycles both go by on-chip rows, take fewer rows. The ops on
each element are the same in both layouts.
"""

from __future__ import annotations

from dataclasses import dataclass

from chip.isa import Loc
from compiler.lower.context import Ctx, View
from compiler.lower.memory import Buf
from compiler.lower.vector import Frames


@dataclass(frozen=True)
class LaneBlock:
    """Output pixels ``p0 .. p0+npix`` (oh * OW + ow) of images ``b0 .. b0+nb``, channels
    ``c0 .. c0+ch``: on chip, one row per (pixel, channel) and one lane per image."""

    b0: int
    nb: int
    p0: int
    npix: int
    c0: int
    ch: int

    @property
    def rows(self) -> int:
        return self.npix * self.ch

    @property
    def cc(self) -> int:
        """Elements per on-chip row: the images."""
        return self.nb


class LaneWindows:
    """The windows of a pooling op's output [N, OH, OW, C] (pool.py's `_Windows`) in blocks
    with the images across the lanes (`LaneBlock`)."""

    def __init__(self, xp: Buf, out_shape: tuple[int, ...], kernel, stride) -> None:
        self.xp = xp
        self.n, self.oh, self.ow, self.c = out_shape
        self.kernel, self.stride = tuple(kernel), tuple(stride)

    def move(
        self, ctx: Ctx, buf: Buf, blk: LaneBlock, loc: Loc, pos: tuple[int, int] | None, load: bool
    ) -> None:
        """Load (or store) block ``blk`` of ``buf``: the window elements of kernel position
        ``pos`` of a padded input, or (``pos`` None) those of an output-shaped tensor."""
        _, hp, wp, c = buf.shape
        es = buf.dtype.nbytes
        sh, sw = self.stride
        if pos is None and blk.ch == c:  # the block's pixels are contiguous in each image
            runs = [(0, blk.npix)]
        else:
            runs = [(i, 1) for i in range(blk.npix)]
        for i, count in runs:
            oh, ow = divmod(blk.p0 + i, self.ow)
            h, w = (oh, ow) if pos is None else (oh * sh + pos[0], ow * sw + pos[1])
            first = ((blk.b0 * hp + h) * wp + w) * c + blk.c0
            view = View(buf.addr + first * es, buf.dtype, count * blk.ch, blk.nb, 1, hp * wp * c)
            if load:
                ctx.load(view, loc.offset(i * blk.ch))
            else:
                ctx.store(loc.offset(i * blk.ch), view)

    def groups(
        self, ctx: Ctx, mems: dict, high: frozenset[str] = frozenset(), cap: int | None = None
    ):
        """(frame, block) covering the output: a frame's rows of whole pixels, in lanes of
        images; the buffers named in ``high`` on the accumulator's high side (`Frames`), at
        most ``cap`` rows each (if given)."""
        lanes = ctx.config.row_elems
        pixels = self.oh * self.ow
        rows = pixels * self.c
        frames = Frames(ctx, mems, rows if cap is None else min(rows, cap), high)
        ch = min(self.c, frames.rb)
        per = frames.rb // ch
        for c0 in range(0, self.c, ch):
            cc = min(ch, self.c - c0)
            for b0 in range(0, self.n, lanes):
                nb = min(lanes, self.n - b0)
                for p0 in range(0, pixels, per):
                    yield frames.next(), LaneBlock(b0, nb, p0, min(per, pixels - p0), c0, cc)


def lanes_pay(ctx: Ctx, n: int, c: int) -> bool:
    """Whether the images across the lanes take fewer on-chip rows than the channels (the
    pixels are the same either way)."""
    lanes = ctx.config.row_elems
    return c * -(-n // lanes) < n * -(-c // lanes)
