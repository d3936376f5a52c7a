"""What each instruction touches and costs: one description beside the ISA table.

`Footprints(config).of(ins)` is, as a function of the instruction's fields and the chip only:
the queue and unit that run it, the on-chip rows and DRAM block it reads and writes (with the
bytes of each access), the MACs it performs and the PE slots it occupies, its vector
element-operations by function class, and the dependency tokens it pops and pushes. It knows
nothing about *when* the instruction runs (that is chip/machine's timing).

Every consumer reads it from here and nowhere else: the machine's hazard checks and byte/MAC
accounting (chip/machine/plan.py), the compiler's dependency tokens (compiler/lower/emit.py),
the report's counts for models without time (runtime/report.py), and `actions`, the counts by
kind of action that an energy model prices. A new instruction adds one method here; a test
fails until it does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from itertools import chain
from typing import Any, NamedTuple

import numpy as np

from chip.config import ChipConfig, Dataflow
from chip.count_kinds import TRAFFIC_OF as TRAFFIC_OF
from chip.count_kinds import VEC_CLASS as VEC_CLASS
from chip.count_kinds import Action as Action
from chip.count_kinds import Traffic as Traffic
from chip.count_kinds import Unit as Unit
from chip.count_kinds import VecClass as VecClass
from chip.count_kinds import vec_class as vec_class
from chip.isa import (
    INSTRUCTIONS,
    VEC_READS_A,
    VEC_READS_B,
    Halt,
    Instr,
    Load,
    Loc,
    Matmul,
    Mem,
    Move,
    Preload,
    Queue,
    Store,
    Vec,
    VecOp,
    mem_dtype,
)

SPAD, ACC, DRAM = 0, 1, 2  # memory spaces of an `Access` (small ints: the machine's hot loops)
QUEUES = (Queue.LOAD, Queue.EXECUTE, Queue.STORE)  # token channels number queues this way
QUEUE_INDEX = {q: n for n, q in enumerate(QUEUES)}


def dram_layout(
    addr: int, rows: int, cols: int, stride: int, transpose: bool, size: int
) -> tuple[int, int, int, bool]:
    """(row step, element step, end, aligned) of a DMA block: the bytes from one row to the
    next and from one element of a row to the next, the byte after the last element, and
    whether address and stride are multiples of the element size. A row is ``stride`` bytes
    after the previous one and its elements are consecutive; in a transposed block the rows
    are consecutive elements and a row's elements ``stride`` apart."""
    step_r, step_e = (size, stride) if transpose else (stride, size)
    end = addr + (rows - 1) * step_r + (cols - 1) * step_e + size
    return step_r, step_e, end, addr % size == 0 and stride % size == 0


def dram_disjoint(step_r: int, rows: int, step_e: int, cols: int, size: int) -> bool:
    """No two elements of a block with these steps share a byte (so the order of a store's
    writes cannot matter)."""
    (s1, n1), (s2, n2) = (step_r, rows), (step_e, cols)
    if s2 < s1:  # the axis of the smaller step first
        (s1, n1), (s2, n2) = (s2, n2), (s1, n1)
    return (n1 == 1 or s1 >= size) and (n2 == 1 or s2 >= s1 * (n1 - 1) + size)


def dram_steps(stride: np.ndarray, transpose: np.ndarray, size: np.ndarray) -> tuple[Any, Any]:
    """`dram_layout`'s steps for many blocks at once, from arrays of their fields."""
    flip = transpose != 0
    return np.where(flip, size, stride), np.where(flip, stride, size)


def dram_spans(
    addr: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    stride: np.ndarray,
    transpose: np.ndarray,
    size: np.ndarray,
) -> np.ndarray:
    """`DramBlock.span`'s end for many blocks at once, from arrays of their fields."""
    step_r, step_e = dram_steps(stride, transpose, size)
    return np.maximum(addr + (rows - 1) * step_r + (cols - 1) * step_e + size, addr)


class DramBlock(NamedTuple):
    """The DRAM elements a DMA touches: ``rows x cols`` elements of ``size`` bytes.

    A DMA block's geometry (where the ISA's ``dram``, ``rows``, ``cols``, ``stride`` and
    ``transpose`` put its elements, the bytes they span, alignment, disjoint elements) is
    defined once, by the ``dram_*`` functions above; the footprints, the machine's hazard
    checks and both value paths (chip/state.py, chip/machine/dma.py) read it from here."""

    addr: int
    rows: int
    cols: int
    stride: int
    transpose: bool
    size: int

    @classmethod
    def of(cls, ins: Load | Store, size: int) -> DramBlock:
        """The block of a LOAD or STORE whose on-chip elements are ``size`` bytes."""
        return _new(cls, (ins.dram, ins.rows, ins.cols, ins.stride, ins.transpose, size))

    @property
    def steps(self) -> tuple[int, int]:
        """Bytes from one row to the next and from one element of a row to the next."""
        return dram_layout(*self)[:2]

    @property
    def span(self) -> tuple[int, int]:
        """Smallest byte range [lo, hi) holding every element."""
        return self.addr, max(dram_layout(*self)[2], self.addr)

    @property
    def aligned(self) -> bool:
        return dram_layout(*self)[3]

    def addresses(self) -> np.ndarray:
        """Byte address of every element, ``rows x cols``."""
        step_r, step_e = self.steps
        r = np.arange(self.rows, dtype=np.int64)[:, None] * step_r
        e = np.arange(self.cols, dtype=np.int64)[None, :] * step_e
        return self.addr + r + e

    def element_starts(self) -> np.ndarray:
        """Sorted byte addresses of every element."""
        return np.sort(self.addresses().reshape(-1))

    def disjoint(self) -> bool:
        step_r, step_e = self.steps
        return dram_disjoint(step_r, self.rows, step_e, self.cols, self.size)


class Access(NamedTuple):
    """One thing an instruction reads or writes: rows [lo, hi) of SPAD or ACC (the accumulator's
    fp32 view is the same rows), or the bytes [lo, hi) spanned by DRAM block ``block``."""

    space: int
    lo: int
    hi: int
    write: bool
    block: DramBlock | None = None


class Footprint(NamedTuple):
    """What one instruction touches and costs (see the module docstring).

    ``accesses`` lists reads before writes; ``nbytes[k]`` is the bytes access k moves (its rows
    times the elements it uses per row times the element size, or the DRAM block's bytes).
    ``macs`` are the multiply-accumulates the instruction performs (``t x rows x cols``, every
    dataflow); ``pe_slots`` the PE-cycles of the whole array its stream occupies (``t x R x C``:
    the slots a utilization figure divides by). ``vec_ops`` are element operations of class
    ``vec_class``. ``pops``/``pushes`` are token channels ``src_queue * 3 + dst_queue``
    (queues numbered as in `QUEUES`).
    """

    queue: Queue | None
    unit: Unit | None
    accesses: tuple[Access, ...] = ()
    nbytes: tuple[int, ...] = ()
    macs: int = 0
    pe_slots: int = 0
    vec_class: VecClass | None = None
    vec_ops: int = 0
    pops: tuple[int, ...] = ()
    pushes: tuple[int, ...] = ()

    def bytes_moved(self) -> dict[Traffic, int]:
        """Bytes by memory and direction (kinds the instruction does not move are absent)."""
        out: dict[Traffic, int] = {}
        for a, n in zip(self.accesses, self.nbytes, strict=True):
            kind = TRAFFIC_OF[a.space][a.write]
            out[kind] = out.get(kind, 0) + n
        return out


def vec_rows(ins: Vec) -> tuple[int, int, int]:
    """Rows a vector instruction reads of src1 and of src2 (0: not read; 1: broadcast) and
    writes of dst (CSUM writes one)."""
    rows, op = ins.rows, ins.op
    n1 = (1 if ins.bcast1 else rows) if op in VEC_READS_A else 0
    n2 = (1 if ins.bcast2 else rows) if op in VEC_READS_B else 0
    return n1, n2, 1 if op is VecOp.CSUM else rows


def tokens(ins: Instr) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The channels ``ins`` pops and pushes, from its four flags and its queue (the ISA's)."""
    if not (ins.pop_prev or ins.pop_next or ins.push_prev or ins.push_next):
        return _NO_TOKENS
    q = _QUEUE_OF[type(ins)]
    pops: tuple[int, ...] = ()
    pushes: tuple[int, ...] = ()
    if ins.pop_prev:
        pops += ((q - 1) * 3 + q,)
    if ins.pop_next:
        pops += ((q + 1) * 3 + q,)
    if ins.push_prev:
        pushes += (q * 3 + q - 1,)
    if ins.push_next:
        pushes += (q * 3 + q + 1,)
    return pops, pushes


_NO_TOKENS: tuple[tuple[int, ...], tuple[int, ...]] = ((), ())
# queue index by instruction class (class lookups are cheap; enum hashing is not)
_QUEUE_OF = {c: QUEUE_INDEX[c.QUEUE] for c in INSTRUCTIONS if c.QUEUE is not None}


class Footprints:
    """The footprints of instructions on one chip (its derived figures computed once)."""

    def __init__(self, config: ChipConfig) -> None:
        self.config = config
        self.R, self.C = config.rows, config.cols
        self.os = config.dataflow is Dataflow.OS
        # element bytes per memory view, and per space for the on-chip spaces
        self.size = {m: mem_dtype(config, m).nbytes for m in Mem}
        self.space_size = (self.size[Mem.SPAD], self.size[Mem.ACC])
        self.accf_size = self.size[Mem.ACCF]
        # rows per bank and banks, per on-chip space
        self.bank_rows = (
            (config.spad_rows // config.spad_banks, config.spad_banks),
            (config.acc_rows // config.acc_banks, config.acc_banks),
        )
        self._of: dict[type[Instr], Callable[[Instr], Footprint]] = {
            Load: self._load,
            Store: self._store,
            Preload: self._preload,
            Matmul: self._matmul,
            Vec: self._vec,
            Halt: self._halt,
            Move: self._move,
        }

    def of(self, ins: Instr) -> Footprint:
        """The footprint of ``ins`` on this chip."""
        how = self._of.get(type(ins))
        if how is None:
            raise TypeError(f"no footprint for instruction type {type(ins).__name__}")
        return how(ins)

    def covers(self, cls: type[Instr]) -> bool:
        return cls in self._of

    def banks(self, access: Access) -> range:
        """The banks holding an on-chip access's rows (bank = row // rows per bank), clipped
        to the memory: an overrun faults when the instruction runs."""
        space, lo, hi = access[0], access[1], access[2]
        per, n = self.bank_rows[space]
        last = hi - 1 if hi > lo else lo
        return range(min(lo // per, n - 1), min(last // per, n - 1) + 1)

    def accesses(self, ins: Instr) -> tuple[Access, ...]:
        """``of(ins).accesses``, without the rest of the footprint for a DMA (most of a tiled
        program: the compiler's hazard scan asks for nothing else)."""
        cls = type(ins)
        if cls is Load:
            return self._dma_accesses(ins, ins.dst, True)
        if cls is Store:
            return self._dma_accesses(ins, ins.src, False)
        return self.of(ins).accesses

    # ---- DMA ----
    def _dma_accesses(self, ins: Load | Store, loc: Loc, load: bool) -> tuple[Access, Access]:
        # Tiled programs are mostly DMAs, all distinct: the tuples are built with tuple.__new__,
        # which skips the named tuples' Python-level constructors.
        mem = loc.mem
        space = SPAD if mem is _SP else ACC
        size = self.space_size[space] if mem is not _ACCF else self.accf_size
        block = DramBlock.of(ins, size)
        lo, hi = block.span
        dram = _new(Access, (DRAM, lo, hi, not load, block))
        onchip = _new(Access, (space, loc.row, loc.row + ins.rows, load, None))
        return (dram, onchip) if load else (onchip, dram)

    def _dma(self, ins: Load | Store, loc: Loc, load: bool) -> Footprint:
        accesses = self._dma_accesses(ins, loc, load)
        block = accesses[0 if load else 1].block
        n = ins.rows * ins.cols * block.size
        pops, pushes = tokens(ins)
        return _new(
            Footprint,
            (
                ins.QUEUE,
                _LOAD_UNIT if load else _STORE_UNIT,
                accesses,
                (n, n),
                0,
                0,
                None,
                0,
                pops,
                pushes,
            ),
        )

    def _load(self, ins: Load) -> Footprint:
        return self._dma(ins, ins.dst, True)

    def _store(self, ins: Store) -> Footprint:
        return self._dma(ins, ins.src, False)

    def _move(self, ins: Move) -> Footprint:
        rows, cols, size = ins.rows, ins.cols, self.size
        out_rows = cols if ins.transpose else rows
        pops, pushes = tokens(ins)
        return Footprint(
            ins.QUEUE,
            Unit.LOAD,
            (_onchip(ins.src, rows, False), _onchip(ins.dst, out_rows, True)),
            (rows * cols * size[ins.src.mem], rows * cols * size[ins.dst.mem]),
            pops=pops,
            pushes=pushes,
        )

    # ---- array ----
    def _preload(self, ins: Preload) -> Footprint:
        pops, pushes = tokens(ins)
        return Footprint(
            ins.QUEUE,
            Unit.ARRAY,
            (Access(SPAD, ins.src, ins.src + ins.rows, False),),
            (ins.rows * ins.cols * self.space_size[SPAD],),
            pops=pops,
            pushes=pushes,
        )

    def _matmul(self, ins: Matmul) -> Footprint:
        sp_size, acc_size = self.space_size
        t, cols = ins.t, ins.cols
        accesses = [Access(SPAD, ins.x, ins.x + t, False)]
        nbytes = [t * ins.rows * sp_size]
        if self.os:  # X^T @ Y: the output tile is rows x cols, reduced over t
            accesses.append(Access(SPAD, ins.y, ins.y + t, False))
            nbytes.append(t * cols * sp_size)
            out_rows = ins.rows
        else:  # X @ S: one output row per streamed row
            out_rows = t
        out = Access(ACC, ins.out, ins.out + out_rows, True)
        if ins.accumulate:
            accesses.append(out._replace(write=False))
            nbytes.append(out_rows * cols * acc_size)
        accesses.append(out)
        nbytes.append(out_rows * cols * acc_size)
        pops, pushes = tokens(ins)
        return Footprint(
            ins.QUEUE,
            Unit.ARRAY,
            tuple(accesses),
            tuple(nbytes),
            macs=t * ins.rows * cols,
            pe_slots=t * self.R * self.C,
            pops=pops,
            pushes=pushes,
        )

    # ---- vector ----
    def _vec(self, ins: Vec) -> Footprint:
        cols, size = ins.cols, self.size
        n1, n2, n_out = vec_rows(ins)
        accesses, nbytes = [], []
        if n1:
            accesses.append(_onchip(ins.src1, n1, False))
            nbytes.append(n1 * cols * size[ins.src1.mem])
        if n2:
            accesses.append(_onchip(ins.src2, n2, False))
            nbytes.append(n2 * cols * size[ins.src2.mem])
        accesses.append(_onchip(ins.dst, n_out, True))
        nbytes.append(n_out * cols * size[ins.dst.mem])
        pops, pushes = tokens(ins)
        return Footprint(
            ins.QUEUE,
            Unit.VECTOR,
            tuple(accesses),
            tuple(nbytes),
            vec_class=VEC_CLASS[ins.op],
            vec_ops=ins.rows * cols,
            pops=pops,
            pushes=pushes,
        )

    def _halt(self, ins: Halt) -> Footprint:
        return Footprint(None, None)


@lru_cache(maxsize=16)
def footprints_of(config: ChipConfig) -> Footprints:
    """The `Footprints` of ``config``, made once per chip (they hold only derived figures)."""
    return Footprints(config)


# module globals: cheaper than the enums' class attributes in the hot path
_SP, _ACCF = Mem.SPAD, Mem.ACCF
_LOAD_UNIT, _STORE_UNIT = Unit.LOAD, Unit.STORE
_new = tuple.__new__


def _onchip(loc: Loc, rows: int, write: bool) -> Access:
    return Access(SPAD if loc.mem is _SP else ACC, loc.row, loc.row + rows, write)


_BYTE_ACTION = {t: Action(f"{t.value}_byte") for t in Traffic}
_VEC_ACTION = {c: Action(f"vec_{c.value}") for c in VecClass}


def actions(fp: Footprint) -> dict[Action, int]:
    """The footprint as counts by kind of action (kinds with a zero count are absent); an
    instruction without a queue (halt) is not issued to any unit."""
    return {a: int(n) for a, n in zip(ACTIONS, action_counts([fp])[0], strict=True) if n}


ACTIONS = tuple(Action)  # the columns of `action_counts`
_COLUMN = {a: k for k, a in enumerate(ACTIONS)}
# by an access's space * 2 + write: the column of its bytes
_BYTE_COLUMN = np.array(
    [_COLUMN[_BYTE_ACTION[kind]] for pair in TRAFFIC_OF for kind in pair], dtype=np.int64
)
_VEC_COLUMN = {id(c): _COLUMN[a] for c, a in _VEC_ACTION.items()}  # (by identity, as Mem's)


def action_counts(footprints: Sequence[Footprint]) -> np.ndarray:
    """The counts of every `Action` (columns in `ACTIONS` order) of each footprint, one row
    each: built column by column (a footprint is a tuple, so ``zip`` transposes them in C),
    for the few hundred thousand distinct instructions of a large program."""
    u = len(footprints)
    counts = np.zeros((u, len(ACTIONS)), dtype=np.int64)
    if not u:
        return counts
    queue, _, accesses, nbytes, macs, pe_slots, vec_class, vec_ops, pops, pushes = zip(
        *footprints, strict=True
    )
    counts[:, _COLUMN[Action.ISSUE]] = np.fromiter((q is not None for q in queue), bool, u)
    counts[:, _COLUMN[Action.MAC]] = np.fromiter(macs, np.int64, u)
    counts[:, _COLUMN[Action.PE_SLOT]] = np.fromiter(pe_slots, np.int64, u)
    counts[:, _COLUMN[Action.TOKEN_PUSH]] = np.fromiter(map(len, pushes), np.int64, u)
    counts[:, _COLUMN[Action.TOKEN_POP]] = np.fromiter(map(len, pops), np.int64, u)
    n_of = np.fromiter(map(len, accesses), np.int64, u)
    n = int(n_of.sum())
    flat = chain.from_iterable(accesses)
    where = np.fromiter((a[0] * 2 + a[3] for a in flat), np.int64, n)
    moved = np.fromiter(chain.from_iterable(nbytes), np.int64, n)
    np.add.at(counts, (np.repeat(np.arange(u), n_of), _BYTE_COLUMN[where]), moved)
    vec = [k for k, c in enumerate(vec_class) if c is not None]
    if vec:
        column = [_VEC_COLUMN[id(vec_class[k])] for k in vec]
        counts[vec, column] = [vec_ops[k] for k in vec]
    return counts
