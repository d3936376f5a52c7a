"""What the machine knows about an instruction before it runs: its static `Plan`.

A plan holds everything about an instruction's timing and resources that does not depend on
when it runs: its duration (or DMA transfer length) and the bank ports it reserves, which are
the machine's, and, from the instruction's `Footprint` (chip/footprint.py), its queue and unit,
the on-chip rows and DRAM bytes it reads and writes (for hazard checks), the bytes and MACs it
accounts and its tokens. The closed-form durations are those of docs/timing.md.

Plans and their parts are named tuples: immutable like frozen dataclasses, and several times
cheaper to build, which matters because the machine plans every instruction of a program.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import numpy as np

from chip.config import ChipConfig, Dataflow
from chip.footprint import (
    ACC,
    DRAM,
    QUEUE_INDEX,
    QUEUES,
    SPAD,
    TRAFFIC_OF,
    VEC_CLASS,
    Access,
    DramBlock,
    Footprint,
    Footprints,
    Unit,
    footprints_of,
)
from chip.isa import (
    INSTRUCTIONS,
    VEC_READS_B,
    Halt,
    Instr,
    Load,
    Matmul,
    Move,
    Preload,
    Store,
    Vec,
    VecOp,
)
from chip.machine.accounting import TRAFFIC

__all__ = [
    "ACC",
    "DRAM",
    "HALT",
    "LOAD",
    "MATMUL",
    "MOVE",
    "PRELOAD",
    "QUEUES",
    "SPAD",
    "STORE",
    "VEC",
    "Access",
    "DramBlock",
    "Plan",
    "Planner",
    "conflicts",
    "vector_latency",
]

# instruction kinds, so the engine branches on small integers
LOAD, STORE, PRELOAD, MATMUL, VEC, HALT, MOVE = range(7)


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


class Planner:
    """Makes the `Plan` of instructions for one chip (its derived figures computed once).

    What an instruction reads, writes, moves and computes is its `Footprint` (chip/footprint.py);
    the planner adds what depends on the machine: durations, bank ports, tally indices.
    """

    def __init__(self, cfg: ChipConfig) -> None:
        self.cfg = cfg
        self.R, self.C = cfg.rows, cfg.cols
        self.footprints, self.latency, self.drain = _chip_figures(cfg)
        self.tally_of = _TALLY_OF
        self.queue_of = _QUEUE_OF
        self.bw = cfg.dram_bytes_per_cycle
        self.cache: dict[Instr, Plan] = {}  # tiled programs repeat many instructions exactly
        self.port_cache: dict[tuple[int, int, int, bool], tuple[int, ...]] = {}
        self.dma_base: dict[tuple, Plan] = {}  # DMA plans by their on-chip side

    def transfer_cycles(self, nbytes: int, rows: int) -> int:
        """DRAM transfer length: bandwidth-bound, but at least one on-chip row per cycle."""
        return max(-(-nbytes // self.bw), rows, 1)

    def plan(self, ins: Instr) -> Plan:
        """The plan of ``ins`` (cached per equal instruction)."""
        cached = self.cache.get(ins)
        if cached is None:
            cached = self.cache[ins] = self.make(ins)
        return cached

    def make(self, ins: Instr, fp: Footprint | None = None) -> Plan:
        """The plan of ``ins``, not cached (for callers that keep their own table); ``fp`` is
        its footprint if the caller has it."""
        if fp is None:
            fp = self.footprints.of(ins)
        cls = type(ins)
        if cls is Load or cls is Store:
            # Tiled programs move many DRAM blocks through the same buffers: the plan's on-chip
            # side (length, ports, traffic) is shared by every DMA with the same on-chip access.
            key = (cls, fp.accesses[cls is Load], fp.nbytes[0], fp.pops, fp.pushes)
            base = self.dma_base.get(key)
            if base is None:
                kind = LOAD if cls is Load else STORE
                length = self.transfer_cycles(fp.nbytes[0], ins.rows)
                base = self.dma_base[key] = self._plan(cls, fp, kind, length)
            return _with_footprint(base, fp.accesses)
        if cls is Preload:
            return self._plan(cls, fp, PRELOAD, self.R)
        if cls is Matmul:
            overlap_at = ins.t + self.R + self.C - 2
            return self._plan(
                cls, fp, MATMUL, overlap_at + self.drain, stream=ins.t, overlap_at=overlap_at
            )
        if cls is Vec:
            extra, length = self._vec_timing(ins, fp)
            return self._plan(cls, fp, VEC, length, extra=extra)
        if cls is Move:
            return self._plan(cls, fp, MOVE, move_cycles(ins))
        if cls is Halt:
            return Plan(HALT, -1, None, 0)
        raise TypeError(f"no plan for instruction type {cls.__name__}")

    def _plan(
        self,
        cls: type[Instr],
        fp: Footprint,
        kind: int,
        length: int,
        stream: int = 0,
        overlap_at: int = 0,
        extra: int = 0,
    ) -> Plan:
        accesses, tally_of = fp.accesses, self.tally_of
        traffic = tuple(
            [(tally_of[a[0]][a[3]], n) for a, n in zip(accesses, fp.nbytes, strict=True)]
        )
        return Plan(
            kind,
            self.queue_of[cls],
            fp.unit,
            length,
            stream,
            overlap_at,
            extra,
            self._ports(accesses),
            accesses,
            traffic,
            fp.macs,
            fp.pops,
            fp.pushes,
        )

    def _ports(self, accesses: tuple[Access, ...]) -> tuple[int, ...]:
        """The bank ports the on-chip accesses reserve, sorted."""
        cache, found = self.port_cache, []
        for a in accesses:
            if a[0] == DRAM:
                continue
            key = (a[0], a[1], a[2], a[3])
            ports = cache.get(key)
            if ports is None:
                ports = cache[key] = tuple(
                    (a[0] << 20) | (b << 1) | int(a[3]) for b in self.footprints.banks(a)
                )
            found.append(ports)
        if len(found) == 1:
            return found[0]  # ascending already
        return tuple(sorted(set().union(*found)))

    def _vec_timing(self, ins: Vec, fp: Footprint) -> tuple[int, int]:
        """(extra passes lost to a bank conflict between the two sources, duration)."""
        reads_a, reads_b = ins.op is not VecOp.SET, ins.op in VEC_READS_B
        passes = ins.rows * -(-ins.cols // self.cfg.pass_elems(ins.op))
        extra = 0
        if (
            reads_a
            and reads_b
            and not (ins.bcast1 or ins.bcast2)
            and ins.src1.mem.is_acc == ins.src2.mem.is_acc
        ):
            src1, src2 = fp.accesses[0], fp.accesses[1]  # neither broadcast: ins.rows rows each
            if set(self.footprints.banks(src1)) & set(self.footprints.banks(src2)):
                extra = passes  # both sources share one read port: two cycles per pass
        return extra, passes + extra + self.latency[ins.op] - 1


_FOOTPRINT_AT = Plan._fields.index("footprint")
_new = tuple.__new__
# accounting tally of an access's bytes, by [space][write]
_TALLY_OF = tuple((TRAFFIC[r], TRAFFIC[w]) for r, w in TRAFFIC_OF)
_QUEUE_OF = {c: QUEUE_INDEX[c.QUEUE] for c in INSTRUCTIONS if c.QUEUE is not None}


def _with_footprint(plan: Plan, footprint: tuple[Access, ...]) -> Plan:
    """``plan`` with another footprint (`Plan._replace` is several times slower)."""
    return _new(Plan, (*plan[:_FOOTPRINT_AT], footprint, *plan[_FOOTPRINT_AT + 1 :]))


@lru_cache(maxsize=16)
def _chip_figures(cfg: ChipConfig) -> tuple[Footprints, dict[VecOp, int], int]:
    """What a planner derives from the chip alone (computed once per chip: a small program's
    planning is mostly this): its footprints, the vector latencies, the OS drain cycles."""
    os_drain = cfg.dataflow is Dataflow.OS and cfg.os_drain
    latency = {op: vector_latency(cfg, op) for op in VecOp}
    return footprints_of(cfg), latency, cfg.rows if os_drain else 0


def move_cycles(ins: Move) -> int:
    """Duration of an on-chip MOVE: a row read and a row written per cycle, pipelined; a
    transposed one is a corner turn, every source row read before the first column is
    written (docs/timing.md)."""
    return ins.rows + ins.cols if ins.transpose else ins.rows


def vector_latency(cfg: ChipConfig, op: VecOp) -> int:
    """Pipeline latency of vector function ``op``: its class's `ChipConfig` figure."""
    return getattr(cfg, f"vector_latency_{VEC_CLASS[op].value}")


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
