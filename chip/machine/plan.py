"""What the machine knows about an instruction before it runs: its static `Plan`.

A plan holds everything about an instruction's timing and resources that does not depend on
when it runs: its queue and unit, its duration (or DMA transfer length), the bank ports it
reserves, the on-chip rows and DRAM bytes it reads and writes (for hazard checks) and the bytes
and MACs it accounts. The closed-form durations are those of docs/timing.md.

Plans and their parts are named tuples: immutable like frozen dataclasses, and several times
cheaper to build, which matters because the machine plans every instruction of a program.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from chip.config import ChipConfig, Dataflow
from chip.isa import (
    VEC_MUL,
    VEC_READS_B,
    VEC_REDUCE,
    VEC_SPECIAL,
    Halt,
    Instr,
    Load,
    Loc,
    Matmul,
    Mem,
    Preload,
    Queue,
    Store,
    Vec,
    VecOp,
)
from chip.machine.accounting import TRAFFIC
from chip.machine.counters import Traffic, Unit

QUEUES = (Queue.LOAD, Queue.EXECUTE, Queue.STORE)
QUEUE_INDEX = {q: n for n, q in enumerate(QUEUES)}
SPAD, ACC, DRAM = 0, 1, 2  # footprint spaces
_MEM_SPACE = {Mem.SPAD: SPAD, Mem.ACC: ACC, Mem.ACCF: ACC}  # ACCF: the same rows


class DramBlock(NamedTuple):
    """The DRAM elements a DMA touches: ``rows x cols`` elements of ``size`` bytes."""

    addr: int
    rows: int
    cols: int
    stride: int
    transpose: bool
    size: int

    @property
    def span(self) -> tuple[int, int]:
        """Smallest byte range [lo, hi) holding every element."""
        step_r, step_e = (self.size, self.stride) if self.transpose else (self.stride, self.size)
        hi = self.addr + (self.rows - 1) * step_r + (self.cols - 1) * step_e + self.size
        return self.addr, max(hi, self.addr)

    def element_starts(self) -> np.ndarray:
        """Sorted byte addresses of every element."""
        step_r, step_e = (self.size, self.stride) if self.transpose else (self.stride, self.size)
        r = np.arange(self.rows, dtype=np.int64)[:, None] * step_r
        e = np.arange(self.cols, dtype=np.int64)[None, :] * step_e
        return np.sort((self.addr + r + e).reshape(-1))


class Access(NamedTuple):
    """A footprint entry: rows [lo, hi) of SPAD/ACC, or a DRAM block (``block`` set)."""

    space: int
    lo: int
    hi: int
    write: bool
    block: DramBlock | None = None


# instruction kinds, so the engine branches on small integers
LOAD, STORE, PRELOAD, MATMUL, VEC, HALT = range(6)


class Plan(NamedTuple):
    """Static timing and resources of one instruction (see the module docstring).

    ``length`` is the duration in cycles for execute instructions and the DRAM transfer length
    for DMA instructions. ``stream`` is the busy part of a MATMUL (its T rows), ``overlap_at`` the
    offset after which the next OS MATMUL may start under double buffering, ``extra`` the vector
    passes lost to an intra-instruction bank conflict. ``pops`` and ``pushes`` are token
    channels (``src_queue * 3 + dst_queue``); ``traffic`` pairs an accounting tally index
    (chip/machine/accounting.py) with a byte count.
    """

    kind: int
    queue: int  # index into QUEUES; -1 for halt
    unit: Unit | None
    length: int
    stream: int = 0
    overlap_at: int = 0
    extra: int = 0
    ports: tuple[int, ...] = ()
    footprint: tuple[Access, ...] = ()
    traffic: tuple[tuple[int, int], ...] = ()
    macs: int = 0
    pops: tuple[int, ...] = ()
    pushes: tuple[int, ...] = ()


def port(mem: Mem, bank: int, write: bool) -> int:
    """A bank port as one integer: memory, bank, and read (0) or write (1)."""
    return (_MEM_SPACE[mem] << 20) | (bank << 1) | int(write)


class Planner:
    """Makes the `Plan` of instructions for one chip (its derived figures computed once)."""

    def __init__(self, cfg: ChipConfig) -> None:
        self.cfg = cfg
        self.R, self.C = cfg.rows, cfg.cols
        self.os = cfg.dataflow is Dataflow.OS
        # per memory space (SPAD, ACC): rows per bank, banks, element bytes, read and write
        # tally indices; indexed by an int because enum hashing is slow in CPython
        self.mem = (
            (
                cfg.spad_rows // cfg.spad_banks,
                cfg.spad_banks,
                cfg.input_dtype.nbytes,
                TRAFFIC[Traffic.SPAD_READ],
                TRAFFIC[Traffic.SPAD_WRITE],
            ),
            (
                cfg.acc_rows // cfg.acc_banks,
                cfg.acc_banks,
                cfg.acc_dtype.nbytes,
                TRAFFIC[Traffic.ACC_READ],
                TRAFFIC[Traffic.ACC_WRITE],
            ),
        )
        self.cache: dict[Instr, Plan] = {}  # tiled programs repeat many instructions exactly
        self.dma_base: dict[tuple, Plan] = {}  # DMA plans without their DRAM side
        self.bw = cfg.dram_bytes_per_cycle
        self.latency = {op: vector_latency(cfg, op) for op in VecOp}

    def banks(self, mem: Mem, lo: int, n: int) -> range:
        """Banks holding rows [lo, lo+n) (clipped: an overrun faults when the instruction runs)."""
        per, banks = self.mem[mem.is_acc][:2]
        return range(min(lo // per, banks - 1), min((lo + max(n, 1) - 1) // per, banks - 1) + 1)

    def transfer_cycles(self, rows: int, cols: int, size: int) -> int:
        """DRAM transfer length: bandwidth-bound, but at least one on-chip row per cycle."""
        return max(-(-(rows * cols * size) // self.bw), rows, 1)

    def plan(self, ins: Instr) -> Plan:
        """The plan of ``ins`` (cached per equal instruction)."""
        cached = self.cache.get(ins)
        if cached is None:
            cached = self.cache[ins] = self.make(ins)
        return cached

    def make(self, ins: Instr) -> Plan:
        """The plan of ``ins``, not cached (for callers that keep their own table)."""
        return self._plan(ins)

    def _plan(self, ins: Instr) -> Plan:
        if isinstance(ins, Load):
            return self._dma_plan(ins, ins.dst, True)
        if isinstance(ins, Store):
            return self._dma_plan(ins, ins.src, False)
        b = _Builder(self, ins)
        R, C = self.R, self.C
        if isinstance(ins, Preload):
            b.onchip(SPAD, ins.src, ins.rows, ins.cols, False)
            return b.plan(PRELOAD, 1, Unit.ARRAY, R)
        if isinstance(ins, Matmul):
            compute = ins.t + R + C - 2
            b.onchip(SPAD, ins.x, ins.t, ins.rows, False)
            if self.os:
                b.onchip(SPAD, ins.y, ins.t, ins.cols, False)
                out_rows, length = ins.rows, compute + (R if self.cfg.os_drain else 0)
            else:
                out_rows, length = ins.t, compute
            if ins.accumulate:
                b.onchip(ACC, ins.out, out_rows, ins.cols, False)
            b.onchip(ACC, ins.out, out_rows, ins.cols, True)
            return b.plan(
                MATMUL,
                1,
                Unit.ARRAY,
                length,
                stream=ins.t,
                overlap_at=compute,
                macs=ins.t * ins.rows * ins.cols,
            )
        if isinstance(ins, Vec):
            return self._vec_plan(b, ins)
        if isinstance(ins, Halt):
            return Plan(HALT, -1, None, 0)
        raise TypeError(f"no plan for instruction type {type(ins).__name__}")

    def _dma_plan(self, ins: Load | Store, loc: Loc, load: bool) -> Plan:
        """A load's or store's plan: the on-chip side (ports, rows, length, tokens) comes from a
        table, because tiled programs move many DRAM blocks through the same buffers; the DRAM
        side is the instruction's own."""
        space = SPAD if loc.mem is _SP else ACC
        rows, cols = ins.rows, ins.cols
        key = (
            load,
            space,
            loc.row,
            rows,
            cols,
            ins.pop_prev,
            ins.pop_next,
            ins.push_prev,
            ins.push_next,
        )
        base = self.dma_base.get(key)
        size = self.mem[space][2]
        if base is None:
            b = _Builder(self, ins)
            b.onchip(space, loc.row, rows, cols, load)
            length = self.transfer_cycles(rows, cols, size)
            base = self.dma_base[key] = (
                b.plan(LOAD, 0, Unit.LOAD, length) if load else b.plan(STORE, 2, Unit.STORE, length)
            )
        block = DramBlock(ins.dram, rows, cols, ins.stride, ins.transpose, size)
        lo, hi = block.span
        dram = Access(DRAM, lo, hi, not load, block)
        moved = (_DRAM_READ if load else _DRAM_WRITE, rows * cols * size)
        kind, q, unit, length, _, _, _, ports, onchip, traffic, _, pops, pushes = base
        if load:  # footprint and traffic in the order reads, then writes
            return Plan(
                kind,
                q,
                unit,
                length,
                0,
                0,
                0,
                ports,
                (dram,) + onchip,
                (moved,) + traffic,
                0,
                pops,
                pushes,
            )
        return Plan(
            kind,
            q,
            unit,
            length,
            0,
            0,
            0,
            ports,
            onchip + (dram,),
            traffic + (moved,),
            0,
            pops,
            pushes,
        )

    def _vec_plan(self, b: _Builder, ins: Vec) -> Plan:
        reads_a, reads_b = ins.op is not VecOp.SET, ins.op in VEC_READS_B
        if reads_a:
            b.onchip_loc(ins.src1, 1 if ins.bcast1 else ins.rows, ins.cols, False)
        if reads_b:
            b.onchip_loc(ins.src2, 1 if ins.bcast2 else ins.rows, ins.cols, False)
        b.onchip_loc(ins.dst, 1 if ins.op is VecOp.CSUM else ins.rows, ins.cols, True)
        passes = ins.rows * -(-ins.cols // self.cfg.vector_lanes)
        extra = 0
        if (
            reads_a
            and reads_b
            and not (ins.bcast1 or ins.bcast2)
            and ins.src1.mem.is_acc == ins.src2.mem.is_acc
        ):
            banks1 = self.banks(ins.src1.mem, ins.src1.row, ins.rows)
            banks2 = self.banks(ins.src2.mem, ins.src2.row, ins.rows)
            if set(banks1) & set(banks2):
                extra = passes  # both sources share one read port: two cycles per pass
        length = passes + extra + self.latency[ins.op] - 1
        return b.plan(VEC, 1, Unit.VECTOR, length, extra=extra)


_SP = Mem.SPAD  # a module global: cheaper than the enum's class attribute in the planner
_DRAM_READ, _DRAM_WRITE = TRAFFIC[Traffic.DRAM_READ], TRAFFIC[Traffic.DRAM_WRITE]


class _Builder:
    def __init__(self, planner: Planner, ins: Instr) -> None:
        self.p = planner
        self.ins = ins
        self.ports: set[int] = set()
        self.footprint: list[Access] = []
        self.traffic: list[tuple[int, int]] = []

    def onchip_loc(self, loc: Loc, rows: int, cols: int, write: bool) -> None:
        self.onchip(SPAD if loc.mem is _SP else ACC, loc.row, rows, cols, write)

    def onchip(self, space: int, lo: int, rows: int, cols: int, write: bool) -> None:
        """Rows [lo, lo + rows) of memory ``space`` (SPAD or ACC), ``cols`` elements each."""
        per, banks, size, t_read, t_write = self.p.mem[space]
        first = min(lo // per, banks - 1)
        last = min((lo + max(rows, 1) - 1) // per, banks - 1)
        for b in range(first, last + 1):
            self.ports.add((space << 20) | (b << 1) | int(write))
        self.footprint.append(Access(space, lo, lo + rows, write))
        self.traffic.append((t_write if write else t_read, rows * cols * size))

    def dram(self, block: DramBlock, write: bool) -> None:
        lo, hi = block.span
        self.footprint.append(Access(DRAM, lo, hi, write, block))
        self.traffic.append(
            (_DRAM_WRITE if write else _DRAM_READ, block.rows * block.cols * block.size)
        )

    def plan(self, kind: int, q: int, unit: Unit, length: int, **kw: int) -> Plan:
        """The plan of an instruction of kind ``kind`` in queue ``q`` (an index into QUEUES)."""
        ins = self.ins
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
        return Plan(
            kind,
            q,
            unit,
            length,
            ports=tuple(sorted(self.ports)),
            footprint=tuple(self.footprint),
            traffic=tuple(self.traffic),
            pops=pops,
            pushes=pushes,
            **kw,
        )


def vector_latency(cfg: ChipConfig, op: VecOp) -> int:
    if op in VEC_SPECIAL:
        return cfg.vector_latency_special
    if op in VEC_REDUCE:
        return cfg.vector_latency_reduce
    if op in VEC_MUL:
        return cfg.vector_latency_mul
    return cfg.vector_latency_alu


def conflicts(a: tuple[Access, ...], b: tuple[Access, ...]) -> Access | None:
    """The first access of ``a`` that overlaps one of ``b`` with at least one side writing."""
    for x in a:
        space, lo, hi, write, block = x
        for y_space, y_lo, y_hi, y_write, y_block in b:
            if space != y_space or not (write or y_write) or lo >= y_hi or y_lo >= hi:
                continue
            if space != DRAM or _dram_overlap(block, y_block):
                return x
    return None


def _dram_overlap(p: DramBlock | None, q: DramBlock | None) -> bool:
    """Exact test: does any element byte range of ``p`` overlap one of ``q``?"""
    assert p is not None and q is not None
    ps, qs = p.element_starts(), q.element_starts()
    # the first element of q starting after a - q.size overlaps [a, a + p.size) if it starts
    # before a + p.size
    k = np.searchsorted(qs, ps - q.size, side="right")
    inside = k < qs.size
    return bool(np.any(qs[k[inside]] < ps[inside] + p.size))
