"""The row bookkeeping of the residency plan (compiler/lower/residency.py): which on-chip rows
hold which DRAM rows, found by DRAM extent, and where in the scratchpad and accumulator the
reserved rows lie.

Pure data and arithmetic: nothing here emits an instruction or decides what becomes resident.
A `RowGroup` is the rows one store (or one kept host load) made resident; `Overlaps` finds the
groups a DMA reaches; `Region` allocates reserved rows first fit; `spad_region` places the
scratchpad region; `transposed_pieces` says how a transposed read of resident rows becomes
on-chip MOVEs, or that the DMA is cheaper.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from chip.isa import Mem

# views of more DRAM lines than this are checked against a group as arrays (`RowGroup.touches`)
_ARRAY_LINES = 32


@dataclass
class RowGroup:
    """The rows one store call made resident: DRAM row address -> (on-chip row, width)."""

    seq: int
    owner: int  # node id of the value (its root buffer)
    mem: Mem
    lo: int  # DRAM byte extent [lo, hi)
    hi: int
    base: int  # first reserved row
    nrows: int
    rows: dict[int, tuple[int, int]]
    stride: int  # bytes between the DRAM rows
    width: int  # bytes per DRAM row
    host: bool = False  # a copy of a host tensor's rows (`Residency.keep`): never stored

    def touches(self, view) -> bool:
        """Whether ``view`` reads or writes a byte of this group's DRAM rows (column blocks of
        one matrix interleave, so overlapping extents alone do not say)."""
        es = view.dtype.nbytes
        if view.cs == 1 or view.cols == 1:
            lines, step, width = view.rows, view.rs * es, view.cols * es
        else:  # transposed: one DRAM row per view column
            lines, step = view.cols, view.cs * es
            width = view.rows * es if view.rs == 1 else (view.rows - 1) * view.rs * es + es
        if lines > _ARRAY_LINES:
            return self._touches_lines(view.addr, lines, step, width)
        starts = range(view.addr, view.addr + lines * step, step) if step else [view.addr] * lines
        for a in starts:
            k = max(0, (a - self.lo) // self.stride) if self.stride else 0
            for j in (k - 1, k, k + 1):
                if 0 <= j < self.nrows:
                    b = self.lo + j * self.stride
                    if b < a + width and a < b + self.width:
                        return True
        return False

    def _touches_lines(self, addr: int, lines: int, step: int, width: int) -> bool:
        """`touches` for ``lines`` DRAM lines of ``width`` bytes, ``step`` bytes apart from
        ``addr``, as arrays: each line meets at most the group rows next to it."""
        a = addr + np.arange(lines, dtype=np.int64) * step
        k = np.maximum(0, (a - self.lo) // self.stride) if self.stride else np.zeros_like(a)
        for j in (k - 1, k, k + 1):
            b = self.lo + j * self.stride
            if ((j >= 0) & (j < self.nrows) & (b < a + width) & (a < b + self.width)).any():
                return True
        return False


class Overlaps:
    """Items with DRAM byte extents [lo, hi), keyed by sequence number and found by overlap
    with a range. Each sits in every bucket of 2**`SHIFT` bytes its extent reaches: the plan
    holds dozens of groups and every DMA asks which it overlaps, mostly within a bucket."""

    SHIFT = 16

    def __init__(self) -> None:
        self.items: dict[int, tuple[int, int, object]] = {}  # seq -> (lo, hi, item)
        self._buckets: dict[int, dict[int, None]] = {}  # bucket -> its seqs

    def add(self, seq: int, lo: int, hi: int, item: object) -> None:
        self.items[seq] = (lo, hi, item)
        for b in self._reach(lo, hi):
            self._buckets.setdefault(b, {})[seq] = None

    def remove(self, seq: int) -> None:
        lo, hi, _ = self.items.pop(seq)
        for b in self._reach(lo, hi):
            del self._buckets[b][seq]

    def overlapping(self, first: int, end: int) -> list:
        """The items whose extent overlaps [first, end), in order of sequence number."""
        items = self.items
        reach = self._reach(first, end)
        if len(reach) >= len(items):
            seqs = items.keys()
        else:
            buckets = self._buckets
            if len(reach) == 1:  # most DMAs lie within one bucket
                seqs = buckets.get(reach[0], ())
            else:
                found: set[int] = set()
                for b in reach:
                    found.update(buckets.get(b, ()))
                seqs = found
        # almost every DMA overlaps nothing: only the matches are sorted
        hits = []
        for seq in seqs:
            lo, hi, _ = items[seq]
            if lo < end and first < hi:
                hits.append(seq)
        if len(hits) > 1:
            hits.sort()
        return [items[seq][2] for seq in hits]

    def _reach(self, lo: int, hi: int) -> range:
        return range(lo >> self.SHIFT, ((max(hi, lo + 1) - 1) >> self.SHIFT) + 1)


@dataclass
class Region:
    """First-fit allocation of rows in [base, base + size); rows [base, split) and
    [split, base + size) lie in different banks."""

    base: int
    size: int
    split: int | None = None
    used: list[tuple[int, int]] = field(default_factory=list)  # sorted (start, end)

    def take(
        self, rows: int, avoid: frozenset[int] = frozenset(), bank_rows: int = 0
    ) -> int | None:
        """First fit, in a half of the region none of whose banks is in ``avoid`` if one has
        room (a DMA reading these rows then holds no port the readers of ``avoid`` need)."""
        end = self.base + self.size
        spans = [(self.base, end)]
        if self.split is not None and bank_rows:
            halves = [(self.base, self.split), (self.split, end)]
            free = [h for h in halves if h[0] // bank_rows not in avoid]
            spans = [*free, *spans] if len(free) == 1 else spans
        for lo, hi in spans:
            at = self._fit(lo, hi, rows)
            if at is not None:
                self.used.append((at, at + rows))
                self.used.sort()
                return at
        return None

    def _fit(self, lo: int, hi: int, rows: int) -> int | None:
        at = lo
        for a, b in self.used:
            if b <= at:
                continue
            if at + rows <= a:
                break
            at = b
        return at if at + rows <= hi else None

    def give(self, start: int, rows: int) -> None:
        self.used.remove((start, start + rows))


def spad_region(spad_rows: int, banks: int, rows: int) -> tuple[int, int, int | None]:
    """(first row, rows, split row) of the scratchpad rows the residency plan holds for
    ``rows`` rows of values: the top ``rows`` rows, or, when they fit in one bank and there
    are at least three, ``rows`` rows on each side of the top bank's first row, so values
    can sit in a bank other than the one the current layer's in-place operands are in (a
    DMA store reading one holds that bank's read port until its transfer ends)."""
    per = spad_rows // banks
    if banks >= 3 and 0 < rows <= per:
        top = spad_rows - per
        return top - rows, 2 * rows, top
    return spad_rows - rows, rows, None


def transposed_pieces(view, near: list[RowGroup], config) -> list[tuple[int, int, Mem, int]] | None:
    """How a transposed ``view`` (its columns are DRAM rows) is copied from resident rows by
    on-chip MOVEs, as (first view row, view rows, memory, first resident row) pieces, or None
    when it cannot be or costs more than the DMA.

    View column c's DRAM row, from view row r0 on, must be the start of resident row
    ``first + c`` (consecutive columns in consecutive rows, as a store of a block leaves
    them), holding the piece's rows; a piece is one transposed MOVE of ``cols`` rows in and
    ``n`` out. The choice is by predicted cycles on the load engine, which runs both: the
    MOVEs' corner turns (``cols + n`` each, docs/timing.md) against the transposed LOAD's
    transfer (its DRAM latency overlaps other loads; the bus time and the store it may also
    save are a bonus the rule does not count: another reader may still need the store)."""
    if not (view.rs == 1 or view.rows == 1):
        return None
    es = view.dtype.nbytes
    pieces = []
    r0 = 0
    while r0 < view.rows:
        found = None
        for g in near:
            hit = g.rows.get(view.addr + r0 * es)
            if hit is not None:
                found = (g, hit)
                break
        if found is None:
            return None
        g, (row, width) = found
        n = min(width, view.rows - r0)
        for c in range(1, view.cols):
            hit = g.rows.get(view.addr + (c * view.cs + r0) * es)
            if hit is None or hit[0] != row + c or hit[1] < n:
                return None
        pieces.append((r0, n, g.mem, row))
        r0 += n
    moves = sum(view.cols + n for _, n, _, _ in pieces)
    transfer = max(-(-view.rows * view.cols * es // config.dram_bytes_per_cycle), view.rows)
    return pieces if moves <= transfer else None


def span_of(groups: list[RowGroup]) -> tuple[int, int]:
    """The DRAM bytes [lo, hi) holding every group of ``groups``; (0, 0) for none."""
    if not groups:
        return 0, 0
    return min(g.lo for g in groups), max(g.hi for g in groups)


def extent(view) -> tuple[int, int]:
    """The DRAM byte range a view touches."""
    es = view.dtype.nbytes
    last = (view.rows - 1) * view.rs + (view.cols - 1) * view.cs
    return view.addr, view.addr + (last + 1) * es
