"""Residency across layers: intermediate values stay on chip between the layer that writes them
and the layers that read them, instead of round-tripping through DRAM.

Each lowering unit reads its operands from DRAM and writes its results to DRAM at the
addresses `plan_dram` chose. The residency plan intercepts those DMAs for values of the scratch
arena (intermediates nobody outside the program sees) and for outputs that a later unit reads
(their DRAM stores are kept):

- a **store** of a value's rows also copies them (one vector COPY, a cycle per row) into rows
  of a reserved region of the same memory (the scratchpad for GEMM operands, the accumulator
  for fp32 values), if the region has room, unless the unit computed them there in the first
  place (`claim`); the rows stay there until the value's last reader has been lowered, and a
  DRAM store that is still needed reads them;
- an operand that is resident is read **in place** (`locate`: the array's PRELOAD and
  MATMUL, and vector ops); any other **load** whose every row is such a resident row (same
  DRAM address, same width, not transposed) becomes vector COPYs from the resident rows
  instead of a DMA; a transposed load whose columns are resident rows becomes transposed
  on-chip MOVEs (the load engine's corner turn) when they take it no longer than the DMA
  (`transposed_pieces`);
- a store is **skipped** when no load of its rows ever missed: the value then never reaches
  DRAM. Whether a load will miss (a transposed read of rows resident in another blocking, a
  read split into other blocks) is only known after the readers are lowered, so the lowering
  emits every such DMA store and records where (`Residency.dram_stores`); once the network is
  lowered, `lower` removes those of the stores no load missed (`Residency.missed`). Nothing
  else the plan decides depends on whether a store reaches DRAM, so that is the program a
  second lowering that skipped them would emit.

Values are admitted in program order while the region has room (first fit); a value that does
not fit goes through DRAM as before. Copies are exact (the vector unit moves bf16, fp32 and
int32 values unchanged), so residency never changes a value.

Host tensors read more than once in the step (``host``: a parameter's fp32 master copy, read by
the forward's cast and again by its optimizer update) are kept the same way from their first
load (`keep`): the load goes to reserved rows, and the later reader takes them in place rather
than reading DRAM again; an optimizer update loads its state (`operands`) into free reserved
rows the same way. A DRAM write over such rows (the update storing the new value) forgets
only the rows it writes: they held the host's copy, so nothing is to be stored.

This module decides and emits; the row bookkeeping it keeps (resident groups, their index by
DRAM extent, the reserved regions) is compiler/lower/residency_rows.py.
"""

from __future__ import annotations

from chip.isa import Loc, Mem, Move, VecOp
from compiler.lower.residency_rows import (
    Overlaps,
    Region,
    RowGroup,
    extent,
    span_of,
    transposed_pieces,
)

# A load served from chip takes one COPY per run of consecutive resident rows; one whose rows
# are scattered (written in another blocking) would take many small instructions, more
# instructions than a DMA is worth: more than MAX_RUNS runs shorter than MIN_RUN rows on
# average read DRAM instead.
MAX_RUNS = 16
MIN_RUN = 2


class Residency:
    """The residency state of one lowering pass (see the module docstring).

    ``lo``/``hi``: the scratch arena's DRAM extent; ``spad``/``acc``: the reserved row ranges
    (first row, rows). After the pass, ``missed`` holds the stores some load could not be
    served from chip, and ``dram_stores`` where each store the plan may skip was emitted.
    """

    def __init__(
        self,
        lo: int,
        hi: int,
        spad: tuple[int, int],
        acc: tuple[int, int],
        spad_split: int | None = None,
        spad_bank_rows: int = 0,
        outputs: frozenset[tuple[int, int]] = frozenset(),
        host: tuple[tuple[int, int, int], ...] = (),
        operands: tuple[tuple[int, int, int], ...] = (),
        scalars: tuple[tuple[int, int, int], ...] = (),
    ) -> None:
        self.lo, self.hi = lo, hi
        self.outputs = outputs  # extents of outputs that may be resident; always stored
        self.host = host  # (lo, hi, node id) of host tensors kept from their first load
        self.operands = operands  # (lo, hi, node id) of those an update loads into free rows
        self.scalars = scalars  # (lo, hi, node id) of host scalars kept in one broadcast row
        self.regions = {False: Region(*spad, spad_split), True: Region(*acc)}
        self.bank_rows = spad_bank_rows
        self.read_banks: set[int] = set()  # scratchpad banks the current unit reads in place
        self.claimed: list[RowGroup] = []  # groups `claim` admitted whose store is still due
        self.missed: set[int] = set()
        # (store's sequence number, first instruction, end) of every DMA store of a resident
        # group that need not reach DRAM if no load misses it
        self.dram_stores: list[tuple[int, int, int]] = []
        self.groups: list[RowGroup] = []  # in order of sequence number
        self._extents = Overlaps()  # the groups by DRAM extent, but the host ones
        self.kept: list[RowGroup] = []  # the host groups (`keep`): few, outside the index
        # DRAM bytes [lo, hi) holding every host group: every DMA asks for the ones it
        # touches, and most are of other tensors
        self._kept_span = (0, 0)
        self.ghosts = Overlaps()  # released groups' sequence numbers by DRAM extent
        self.owners: list[tuple[int, int, int]] = []  # (lo, hi, node id) written by this unit
        self.served = 0  # rows served from chip (for inspection)
        self._seq = 0
        self.stores = 0  # stores made resident

    # ------------------------------------------------------------------ unit boundaries
    def begin_unit(self, owners: list[tuple[int, int, int]]) -> None:
        """The DRAM extents of the values the next unit computes, with their node ids."""
        self.owners = owners
        self.read_banks = set()

    def release(self, dead: set[int]) -> None:
        """Free the rows of values no later unit reads."""
        for g in [g for g in self.groups if g.owner in dead]:
            if not g.host:
                self.ghosts.add(g.seq, g.lo, g.hi, g.seq)
            self._drop(g)

    # ------------------------------------------------------------------ DMA interception
    def keep(self, view, mem: Mem, update: bool = False) -> Loc | None:
        """Reserved rows to load ``view`` of a host tensor into (`host`; with ``update``, an
        optimizer update's read of one of `operands`) and keep for its later readers; None
        when it is not one, is transposed, or the region is full. The caller loads the view
        into the rows (by DMA: the rows hold nothing yet)."""
        first, end = extent(view)
        spans = self.host + self.operands if update else self.host
        owner = next((n for lo, hi, n in spans if lo <= first and end <= hi), None)
        if owner is None or not (view.cs == 1 or view.cols == 1):
            return None
        if any(g.lo < end and first < g.hi and g.touches(view) for g in self.groups):
            return None
        base = self.regions[mem.is_acc].take(view.rows)
        if base is None:
            return None
        es = view.dtype.nbytes
        rows = {view.addr + r * view.rs * es: (base + r, view.cols) for r in range(view.rows)}
        stride, width = view.rs * es, view.cols * es
        g = RowGroup(-1, owner, mem, first, end, base, view.rows, rows, stride, width, True)
        self.groups.append(g)
        self.kept.append(g)
        self._kept_span = span_of(self.kept)
        return Loc(mem, base)

    def scalar(self, view, mem: Mem) -> tuple[Loc, bool] | None:
        """The reserved row holding the broadcast ``view`` (one row of a host scalar repeated,
        strides 0) of one of `scalars`, and whether it still has to be loaded: the first
        reader loads it (by DMA: the row holds nothing yet), every later one reads it in place
        instead of loading it again. None when it is not one or the region is full."""
        first, end = view.addr, view.addr + view.dtype.nbytes
        if not (view.rows == 1 and view.rs == 0 and view.cs == 0):
            return None
        owner = next((n for lo, hi, n in self.scalars if lo <= first and end <= hi), None)
        if owner is None:
            return None
        for g in self._kept_near(first, end, view):
            if g.rows.get(view.addr) == (g.base, view.cols) and g.mem is mem:
                return Loc(mem, g.base), False
        base = self.regions[mem.is_acc].take(1)
        if base is None:
            return None
        rows = {view.addr: (base, view.cols)}
        g = RowGroup(-1, owner, mem, first, end, base, 1, rows, 0, view.dtype.nbytes, True)
        self.groups.append(g)
        self.kept.append(g)
        self._kept_span = span_of(self.kept)
        return Loc(mem, base), True

    def claim(self, view, mem: Mem) -> Loc | None:
        """Resident rows for ``view`` of a value the current unit is about to compute, so it
        computes them there and its `store` needs no COPY; None when they cannot be resident
        (the caller computes into its own rows)."""
        g = self._admit(view, mem)
        if g is None:
            return None
        self.claimed.append(g)
        return Loc(mem, g.base)

    def store(self, ctx, view, src: Loc) -> tuple[Loc, int | None]:
        """Make a store's rows resident when they belong to a value of the current unit and
        the region has room. Returns where the DRAM store reads from (``src`` or the resident
        copy) and the sequence number of the resident group when its DRAM store is to be
        skipped unless a load misses it (the caller records the store in `dram_stores`)."""
        g = next(
            (
                g
                for g in self.claimed
                if g.mem is src.mem and g.base == src.row and g.lo == view.addr
            ),
            None,
        )
        if g is not None:  # computed in place into the rows `claim` gave
            self.claimed.remove(g)
        else:
            g = self._admit(view, src.mem)
            if g is None:
                return src, None
            ctx.vec(VecOp.COPY, Loc(src.mem, g.base), view.rows, view.cols, src)
        output = not (self.lo <= g.lo and g.hi <= self.hi)
        return Loc(src.mem, g.base), None if output else g.seq

    def skipped_stores(self) -> list[tuple[int, int]]:
        """The instruction spans [first, end) of the DRAM stores no load missed, in order."""
        return [(a, b) for seq, a, b in self.dram_stores if seq not in self.missed]

    def _admit(self, view, mem: Mem) -> RowGroup | None:
        """A new resident group for ``view`` (rows of a value of the current unit, written to
        DRAM at its address), or None when it cannot be or the region is full."""
        first, end = extent(view)
        self._overwrite(view, first, end)
        transposed = not (view.cs == 1 or view.cols == 1)
        inside = self.lo <= first and end <= self.hi
        if transposed or not (inside or any(a <= first and end <= b for a, b in self.outputs)):
            return None
        owner = next((n for lo, hi, n in self.owners if lo <= first and end <= hi), None)
        if owner is None:
            return None
        region = self.regions[mem.is_acc]
        if mem.is_acc:
            base = region.take(view.rows)
        else:  # a DRAM store of these rows must not hold the port the unit's reads need
            base = region.take(view.rows, frozenset(self.read_banks), self.bank_rows)
        if base is None:
            return None
        seq, self._seq = self._seq, self._seq + 1
        self.stores = self._seq
        es = view.dtype.nbytes
        rows = {view.addr + r * view.rs * es: (base + r, view.cols) for r in range(view.rows)}
        g = RowGroup(
            seq, owner, mem, first, end, base, view.rows, rows, view.rs * es, view.cols * es
        )
        self.groups.append(g)
        self._extents.add(seq, first, end, g)
        return g

    def locate(self, view, mem: Mem) -> Loc | None:
        """The resident rows holding ``view`` (not transposed, consecutive, in ``mem``), for
        an instruction to read in place; None when some row is not resident that way (the
        caller then loads the view). Nothing is recorded: a None is not a miss."""
        if not (view.cs == 1 or view.cols == 1):
            return None
        first, end = extent(view)
        es = view.dtype.nbytes
        for g in self.groups:
            if g.mem is not mem or not (g.lo <= first and end <= g.hi):
                continue
            hit = g.rows.get(view.addr)
            if hit is None or hit[1] != view.cols:
                continue
            row = hit[0]
            if all(
                g.rows.get(view.addr + r * view.rs * es) == (row + r, view.cols)
                for r in range(1, view.rows)
            ):
                self.served += view.rows
                if self.bank_rows:
                    last = row + view.rows - 1
                    self.read_banks.update(range(row // self.bank_rows, last // self.bank_rows + 1))
                return Loc(mem, row)
        return None

    def load(self, ctx, view, dst: Loc) -> bool:
        """Serve a load from resident rows (True) or record the miss (False)."""
        first, end = extent(view)
        kept = self._kept_near(first, end, view)
        if not kept and not self._may_hold(first, end):
            return False
        # A read of a released value (a reader the liveness missed) must find it in DRAM.
        self.missed.update(self.ghosts.overlapping(first, end))
        if kept:  # every group the read reaches, in the plan's order
            near = [g for g in self.groups if g.lo < end and first < g.hi and g.touches(view)]
        else:
            near = [g for g in self._extents.overlapping(first, end) if g.touches(view)]
        if not near:
            return False
        es = view.dtype.nbytes
        transposed = not (view.cs == 1 or view.cols == 1)
        if transposed:
            pieces = transposed_pieces(view, near, ctx.config)
            if pieces is None:
                self.missed.update(g.seq for g in near if not g.host)
                return False
            for r0, n, mem, row in pieces:
                move = Move(src=Loc(mem, row), dst=dst.offset(r0), rows=view.cols, cols=n,
                            transpose=True)  # fmt: skip
                ctx.em.emit(move)
            self.served += view.rows
            return True
        hits: list[tuple[Mem, int]] = []
        for r in range(view.rows):
            addr = view.addr + r * view.rs * es
            hit = next(
                (
                    (g.mem, g.rows[addr][0])
                    for g in near
                    if addr in g.rows and g.rows[addr][1] == view.cols
                ),
                None,
            )
            if hit is None:
                break
            hits.append(hit)
        if len(hits) != view.rows:
            self.missed.update(g.seq for g in near if not g.host)
            return False
        runs: list[tuple[int, Mem, int, int]] = []  # (view row, mem, resident row, rows)
        r = 0
        while r < view.rows:  # one COPY per run of consecutive resident rows
            mem, row = hits[r]
            n = 1
            while r + n < view.rows and hits[r + n] == (mem, row + n):
                n += 1
            runs.append((r, mem, row, n))
            r += n
        if len(runs) > max(MAX_RUNS, view.rows // MIN_RUN):  # a COPY per few rows: use DRAM
            self.missed.update(g.seq for g in near if not g.host)
            return False
        for r, mem, row, n in runs:
            ctx.vec(VecOp.COPY, dst.offset(r), n, view.cols, Loc(mem, row))
        self.served += view.rows
        return True

    def passes_by(self, first: int, end: int) -> bool:
        """Whether a DMA of DRAM bytes [first, end) is one `load` and `store` leave as it is:
        it reaches no kept host rows and nothing that may be resident (`_may_hold`). Most
        DMAs of a step are (weights, gradients, temporaries), so the lowering asks this
        first."""
        lo, hi = self._kept_span
        if first < hi and lo < end:
            return False
        return not self._may_hold(first, end)

    def miss(self, view) -> None:
        """Record a load of ``view`` that reads DRAM whatever is resident (a reader that
        prefers DMAs, which overlap the array, to vector COPYs, which take its queue)."""
        first, end = extent(view)
        self.missed.update(self.ghosts.overlapping(first, end))
        self.missed.update(g.seq for g in self.groups if g.lo < end and first < g.hi and not g.host)

    def _may_hold(self, first: int, end: int) -> bool:
        """Whether DRAM bytes [first, end) overlap the scratch arena or an output that may be
        resident: groups (and so ghosts) lie only there (`_admit`), so a DMA of anything else
        (a weight, an input, a parameter update) needs no search."""
        if first < self.hi and self.lo < end:
            return True
        for lo, hi in self.outputs:  # a loop: most DMAs get here, and there are few outputs
            if lo < end and first < hi:
                return True
        return False

    def _overwrite(self, view, first: int, end: int) -> None:
        """A DRAM write over resident rows: they no longer hold the DRAM value, and what the
        old group did not reach DRAM must (conservatively) be stored. A released value whose
        bytes the DRAM plan hands to a new value is dead: its reads are over."""
        for g in self._kept_near(first, end, view):
            self._forget_rows(g, view)
        if not self._may_hold(first, end):
            return
        for seq in self.ghosts.overlapping(first, end):
            self.ghosts.remove(seq)
        for g in [g for g in self._extents.overlapping(first, end) if g.touches(view)]:
            self.missed.add(g.seq)
            self._drop(g)

    def _forget_rows(self, g: RowGroup, view) -> None:
        """Forget the rows of host group ``g`` that a DRAM write of ``view`` (not transposed)
        changes. Its reserved rows stay taken until its tensor's last reader is lowered
        (`release`): the next block's load then goes to other rows and need not wait for this
        block's readers."""
        if not (view.cs == 1 or view.cols == 1):
            self._drop(g)
            return
        es = view.dtype.nbytes
        width = view.cols * es
        starts = [view.addr + r * view.rs * es for r in range(view.rows)]
        for a in [a for a in g.rows if any(b < a + g.width and a < b + width for b in starts)]:
            del g.rows[a]

    def _kept_near(self, first: int, end: int, view) -> list[RowGroup]:
        lo, hi = self._kept_span
        if not (first < hi and lo < end):
            return []
        return [g for g in self.kept if g.lo < end and first < g.hi and g.touches(view)]

    def _drop(self, g: RowGroup) -> None:
        self.regions[g.mem.is_acc].give(g.base, g.nrows)
        self.groups.remove(g)
        if g.host:
            self.kept.remove(g)
            self._kept_span = span_of(self.kept)
        else:
            self._extents.remove(g.seq)
