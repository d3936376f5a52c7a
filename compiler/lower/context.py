"""What every op's lowering works with: the chip, the emitter, DRAM views and on-chip rows.

A `View` is a 2-D block of a DRAM tensor: element (r, c) at ``addr + (r*rs + c*cs) * size``.
The DMA engine moves a view to consecutive on-chip rows when one of its strides is one element
(the other becomes the DMA stride, with ``transpose`` set when the rows are the unit-stride
direction). Loads and stores here split blocks that exceed the instruction fields.
"""

from __future__ import annotations

from typing import NamedTuple

from chip.config import ChipConfig
from chip.dtypes import DType
from chip.isa import Load, Loc, Mem, Store, Vec, VecOp, max_value, mem_dtype, sp
from chip.program import Phase, Tag
from compiler.lower.emit import Emitter
from compiler.lower.memory import ALIGN, Buf, OnChip, align
from compiler.lower.residency import Residency
from compiler.lower.tiling import Tiling

# Rows one instruction moves: the limits of the ISA's ``rows`` fields.
MAX_DMA_ROWS = min(max_value(Load, "rows"), max_value(Store, "rows"))
MAX_VEC_ROWS = max_value(Vec, "rows")


class LoweringError(ValueError):
    """A graph the lowering cannot map onto the chip (names the node and the rule)."""


class View(NamedTuple):
    """A rows x cols block of DRAM elements with element strides ``rs`` (rows) and ``cs``.

    (A named tuple: the lowering makes one per block it moves, and a tuple is several times
    cheaper to build than a frozen dataclass.)"""

    addr: int
    dtype: DType
    rows: int
    cols: int
    rs: int
    cs: int = 1

    @classmethod
    def matrix(cls, buf: Buf, rows: int | None = None, cols: int | None = None) -> View:
        """``buf`` as a row-major matrix (default: leading dims flattened x last dim)."""
        cols = buf.shape[-1] if cols is None else cols
        rows = buf.size // cols if rows is None else rows
        return cls(buf.addr, buf.dtype, rows, cols, cols, 1)

    @property
    def T(self) -> View:
        return View(self.addr, self.dtype, self.cols, self.rows, self.cs, self.rs)

    def block(self, r0: int, nr: int, c0: int, nc: int) -> View:
        addr, dtype, rows, cols, rs, cs = self
        if r0 < 0 or c0 < 0 or r0 + nr > rows or c0 + nc > cols:
            raise ValueError(f"block [{r0}:{r0 + nr}, {c0}:{c0 + nc}] outside {rows}x{cols} view")
        addr += (r0 * rs + c0 * cs) * dtype.nbytes
        # tuple.__new__ skips the named tuple's Python-level constructor (one view per block)
        return _tuple(View, (addr, dtype, nr, nc, rs, cs))


_tuple = tuple.__new__


class Ctx:
    """Lowering state shared by every op: config, emitter, temp DRAM, on-chip rows per layer."""

    def __init__(
        self,
        config: ChipConfig,
        emitter: Emitter,
        temp_base: int,
        tiling: Tiling = Tiling.COST_MODEL,
        residency: Residency | None = None,
        reserve: tuple[int, int] = (0, 0),
    ) -> None:
        self.config = config
        self.residency = residency  # cross-layer on-chip values (compiler/lower/residency.py)
        self.reserve = reserve  # (scratchpad, accumulator) rows the layers leave to it
        self.tiling = tiling  # how emit_gemm tiles (compiler/lower/tiling.py)
        self.em = emitter
        self.temp_base = temp_base
        self.temp_top = temp_base  # high-water mark of the temp arena
        self._temp = temp_base
        self.chip = OnChip(config, reserve)
        self.staging: dict[Mem, object] = {}  # movement.py's copy rings, per memory
        self.notes: list[str] = []
        self.unit_tag = emitter.tag  # the tag of the unit being lowered
        self.node_tags: dict[int, Tag] = {}  # its members tagged otherwise (another phase)
        # what `_dma` checks of every DMA, looked up once (a lowering makes one per block)
        self._held = {m: mem_dtype(config, m) for m in Mem}
        self._row_elems = config.row_elems
        self._nbytes = {d: d.nbytes for d in DType}
        self._mems: dict[tuple[DType, Mem], Mem] = {}  # `mem_for`'s answers

    def tag_node(self, nid: int | None) -> None:
        """Tag the next instructions as the work of node ``nid`` (of the unit when None): a
        fused member of another phase than its unit's (an optimizer update in a gradient's
        epilogue) is charged to its own tag."""
        self.em.tag = self.node_tags.get(nid, self.unit_tag) if nid is not None else self.unit_tag

    def begin_layer(self) -> None:
        """Reset the per-layer allocators (temps and on-chip rows are layer-local)."""
        self._temp = self.temp_base
        self.release_onchip()

    def release_onchip(self) -> None:
        """Forget every on-chip allocation: later instructions may reuse the rows (the emitter
        orders them after the earlier readers and writers)."""
        self.chip = OnChip(self.config, self.reserve)
        self.staging = {}

    def temp(self, shape: tuple[int, ...], dtype: DType) -> Buf:
        """A layer-local DRAM buffer in the temp arena."""
        buf = Buf(self._temp, tuple(shape), dtype)
        self._temp = align(self._temp + buf.nbytes, ALIGN)
        self.temp_top = max(self.temp_top, self._temp)
        if self._temp > self.config.dram_bytes:
            raise LoweringError(
                f"temporary buffers need DRAM up to byte {self._temp}; chip "
                f"{self.config.name!r} has {self.config.dram_bytes}"
            )
        return buf

    # ---------------------------------------------------------------- memories and dtypes
    def mem_for(self, dtype: DType, prefer: Mem = Mem.ACC) -> Mem:
        """The on-chip memory that holds ``dtype`` elements (``prefer`` when both do)."""
        mem = self._mems.get((dtype, prefer))
        if mem is None:  # (asked for every block a copy or an operand moves)
            mem = self._mems[dtype, prefer] = self._mem_for(dtype, prefer)
        return mem

    def _mem_for(self, dtype: DType, prefer: Mem) -> Mem:
        cfg = self.config
        # An int32 accumulator also holds fp32 through its fp32 view (chip.isa.Mem.ACCF).
        ok = [
            m
            for m, d in (
                (Mem.ACC, cfg.acc_dtype),
                (Mem.SPAD, cfg.input_dtype),
                (Mem.ACCF, DType.FP32),
            )
            if d is dtype
        ]
        if not ok:
            raise LoweringError(
                f"{dtype.value} tensors cannot be held on chip {cfg.name!r} "
                f"(scratchpad {cfg.input_dtype.value}, accumulator "
                f"{cfg.acc_dtype.value})"
            )
        return prefer if prefer in ok else ok[0]

    def rows_left(self, mem: Mem) -> int:
        """On-chip rows still free in ``mem``'s memory (both accumulator views share one)."""
        return self.chip.acc_left if mem.is_acc else self.chip.spad_left

    def alloc(self, mem: Mem, rows: int, what: str = "buffer", high: bool = False) -> Loc:
        """``rows`` rows of ``mem``; ``high``: accumulator rows from the high end (see
        `OnChip.acc`)."""
        try:
            if mem is Mem.SPAD:
                return sp(self.chip.spad(rows, what))
            return Loc(mem, self.chip.acc(rows, what, high))
        except ValueError as e:
            raise LoweringError(str(e)) from None

    # ---------------------------------------------------------------- DMA
    def load(self, view: View, dst: Loc, offset: int = 0) -> None:
        """Copy ``view`` to on-chip rows ``dst`` + ``offset``.. (row i = view row i)."""
        self._dma(view, dst, True, False, offset)

    def load_dram(self, view: View, dst: Loc) -> None:
        """Copy ``view`` to on-chip rows ``dst``.. by a DMA even where its rows are resident
        (the residency then keeps the value's DRAM store)."""
        if self.residency is not None:
            self.residency.miss(view)
        self._dma(view, dst, True, True)

    def store(self, src: Loc, view: View, offset: int = 0) -> None:
        """Copy on-chip rows ``src`` + ``offset``.. to ``view`` (row i -> view row i)."""
        self._dma(view, src, False, False, offset)

    def _dma(self, view: View, loc: Loc, load: bool, direct: bool = False, offset: int = 0) -> None:
        """The DMAs of ``view`` to or from rows ``loc`` + ``offset``.. (the offset is
        separate so that the many DMAs the residency plan passes by need no `Loc` of their
        own)."""
        addr, dtype, rows, cols, rs, cs = view
        es = self._nbytes[dtype]
        res = None if direct else self.residency
        # the residency plan's word is needed only where it may hold the bytes
        if res is not None and not res.passes_by(
            addr, addr + ((rows - 1) * rs + (cols - 1) * cs + 1) * es
        ):
            if offset:
                loc, offset = loc.offset(offset), 0
            if load and res.load(self, view, loc):
                return
            if not load:
                loc, seq = res.store(self, view, loc)
                if seq is not None:
                    start = len(self.em)
                    self._dma(view, loc, False, True)
                    res.dram_stores.append((seq, start, len(self.em)))
                    return
        mem = loc.mem
        held = self._held[mem]
        if dtype is not held:
            raise LoweringError(
                f"DMA of {dtype.value} data to/from a {held.value} "
                f"{mem.value} (no conversion in DMA)"
            )
        if cols > self._row_elems:
            raise LoweringError(
                f"DMA rows of {cols} elements exceed the {self._row_elems}-element on-chip rows"
            )
        if cs == 1 or cols == 1:
            transpose, stride = False, (rs if rows != 1 else cols) * es
        elif rs == 1 or rows == 1:
            transpose, stride = True, cs * es
        else:
            raise LoweringError(f"DMA view with strides ({rs}, {cs}) has no unit stride")
        row = loc.row + offset
        if 0 < rows <= MAX_DMA_ROWS:  # one instruction: almost every block
            self.em.dma(load, addr, mem, row, rows, cols, stride, transpose)
            return
        dma = self.em.dma
        for r0 in range(0, rows, MAX_DMA_ROWS):
            # rows r0.. of the view: view.block(r0, nr, 0, cols)'s address
            dram = addr + r0 * rs * es
            n = min(MAX_DMA_ROWS, rows - r0)
            dma(load, dram, mem, row + r0, n, cols, stride, transpose)

    # ---------------------------------------------------------------- vector helpers
    def vec(
        self,
        op: VecOp,
        dst: Loc,
        rows: int,
        cols: int,
        src1: Loc | None = None,
        src2: Loc | None = None,
        imm: float = 0.0,
        bcast1: bool = False,
        bcast2: bool = False,
    ) -> None:
        """One vector function over ``rows`` rows, split at the instruction's row field."""
        a = src1 if src1 is not None else dst
        b = src2 if src2 is not None else a
        step = MAX_VEC_ROWS
        for r0 in range(0, rows, step):
            nr = min(step, rows - r0)
            self.em.emit(
                Vec(
                    op=op,
                    dst=dst if op is VecOp.CSUM or not r0 else dst.offset(r0),
                    src1=a if bcast1 or not r0 else a.offset(r0),
                    src2=b if bcast2 or not r0 else b.offset(r0),
                    rows=nr,
                    cols=cols,
                    bcast1=bcast1,
                    bcast2=bcast2,
                    imm=imm,
                )
            )
            if op is VecOp.CSUM and r0 + nr < rows:
                raise LoweringError(f"CSUM over {rows} rows exceeds one instruction")

    def resident(self, view: View) -> Loc | None:
        """The on-chip rows where ``view`` already is (a value the residency plan keeps on
        chip, in the memory that holds its dtype), for an instruction to read in place;
        None: the caller loads it."""
        if self.residency is None:
            return None
        return self.residency.locate(view, self.mem_for(view.dtype, prefer=Mem.SPAD))

    def load_kept(self, view: View) -> Loc | None:
        """Load ``view`` of a host tensor read again later in the step into rows the
        residency plan keeps for those readers, and return them; None (nothing emitted) when
        it does not keep it: the caller loads the view itself."""
        if self.residency is None:
            return None
        update = self.em.tag.phase is Phase.OPTIMIZER
        at = self.residency.keep(view, self.mem_for(view.dtype, prefer=Mem.SPAD), update)
        if at is not None:
            self._dma(view, at, load=True, direct=True)
        return at

    def load_scalar(self, view: View, dst: Loc) -> Loc:
        """Load the broadcast ``view`` of a scalar (one row, strides 0) into ``dst``, or, when
        the residency plan keeps it for every reader, into its reserved row the first time
        only; returns where it is."""
        mem = self.mem_for(view.dtype)
        kept = None if self.residency is None else self.residency.scalar(view, mem)
        if kept is None:
            self.load(view, dst)
            return dst
        at, due = kept
        if due:
            self._dma(view, at, load=True, direct=True)
        return at

    def claim(self, view: View, mem: Mem) -> Loc | None:
        """On-chip rows to compute ``view`` of the current unit's value into, where the
        residency plan keeps it (its `store` then needs no copy); None: compute it into the
        caller's rows. A caller given rows must `store` ``view`` from them."""
        if self.residency is None:
            return None
        return self.residency.claim(view, mem)

    def load_spad(self, view: View, dst: Loc, stage: Loc | None) -> None:
        """Load ``view`` into scratchpad rows, converting through accumulator rows ``stage``
        when its dtype is not the scratchpad's (e.g. fp32 master weights on a bf16 chip)."""
        if view.dtype is self.config.input_dtype:
            self.load(view, dst)
            return
        if stage is None:
            raise LoweringError(f"{view.dtype.value} operand needs staging rows")
        self.load(view, stage)
        self.vec(VecOp.COPY, dst, view.rows, view.cols, stage)
