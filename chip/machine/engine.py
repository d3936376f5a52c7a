"""The timing engine: a program's `Schedule`, computed by the one compiled event loop.

How it advances: instructions are committed one at a time in order of their start cycle. For the
instruction at the head of each queue the engine computes the earliest cycle it can start from
what has already been committed (dispatch, queue order, tokens, bank ports); the head with the
smallest such cycle (ties: program order) is committed, which fixes its end cycle in closed form
and accounts its unit's cycles. Nothing later can start earlier, so every start cycle is exact,
and the cost is a few operations per instruction, never per cycle.

The rules live in chip/machine/schedule_rules.py (numba, one function per rule), run by the
event loop of chip/machine/schedule_kernel.py. This module plans each distinct instruction once
(chip/machine/plan.py), flattens the plans into the kernel's tables, runs it, and turns its
result into a `Schedule`, or the state it stopped in into the `ProgramError` that names the
fault (deadlock, cross-queue hazard, cycle limit).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import chain

import numpy as np

from chip.distinct import distinct_of, footprints_of, tags_of
from chip.errors import Fault, ProgramError
from chip.footprint import dram_steps
from chip.functional import check_deps
from chip.isa import LINK_INSTRUCTIONS, LINK_ONLY, Halt, Instr
from chip.machine import accounting as acct
from chip.machine import plan as pl
from chip.machine import schedule_kernel as kernel
from chip.machine import schedule_rules as codes
from chip.machine.counters import Unit
from chip.machine.critical import critical_path
from chip.machine.plan import QUEUES, Plan, Planner
from chip.program import Program, Tag

_SPACE_NAMES = {pl.SPAD: "scratchpad", pl.ACC: "accumulator", pl.DRAM: "DRAM"}
_KIND_CODE = {
    pl.LOAD: codes.K_LOAD,
    pl.STORE: codes.K_STORE,
    pl.PRELOAD: codes.K_PRELOAD,
    pl.MATMUL: codes.K_MATMUL,
    pl.VEC: codes.K_VEC,
    pl.HALT: codes.K_HALT,
    pl.MOVE: codes.K_MOVE,
}
_CAUSE_COLUMNS = (  # accounting's cause positions, in the kernel's C_ column order
    acct.DRAM_BANDWIDTH,
    acct.DRAM_LATENCY,
    acct.TOKEN,
    acct.QUEUE_FULL,
    acct.BANK_CONFLICT,
    acct.FILL_DRAIN,
    acct.PRELOAD,
)
_I64 = np.int64
_KIND_CODES = np.zeros(max(_KIND_CODE) + 1, dtype=_I64)
_KIND_CODES[list(_KIND_CODE)] = list(_KIND_CODE.values())
_UNIT_INDEX = {id(u): n for u, n in acct.UNIT_INDEX.items()}  # by identity: enum hashing is slow
_UNIT_INDEX[id(None)] = -1
_NO_TOKEN = (-1, -1)


@dataclass(frozen=True)
class Schedule:
    """The timing of one program on its chip (see the module docstring).

    ``order`` lists the instructions that started, in the order the engine committed them (by
    start cycle); ``start``/``end`` hold every instruction's cycles (-1 if it never started).
    ``tallies`` are the per-tag accounting lists of chip/machine/accounting.py and
    ``tag_cycles`` the cycles during which each tag held the oldest unfinished instruction;
    ``critical`` the cycles of the critical path per tag and `chip.counters.Critical` label
    (chip/machine/critical.py; empty after an error). ``error`` is the fault the engine found
    after committing ``order`` (a deadlock, a hazard or the cycle limit), raised once the values
    of ``order`` have been applied; ``total`` is meaningful only without an error. Shared by
    every run of the program: never mutate it.
    """

    n: int  # instructions up to and including the first halt
    order: tuple[int, ...]
    start: tuple[int, ...]
    end: tuple[int, ...]
    kinds: tuple[int, ...]
    units: tuple[Unit | None, ...]
    total: int
    tags: tuple[Tag, ...]
    tallies: tuple[tuple[int, ...], ...]
    tag_cycles: tuple[int, ...]
    critical: tuple[tuple[int, ...], ...]
    error: ProgramError | None

    def raise_error(self) -> None:
        """Raise a fresh copy of ``error`` (if any), so tracebacks do not pile up."""
        e = self.error
        if e is not None:
            raise ProgramError(e.index, e.mnemonic, e.reason, e.unit, e.cycle)


def compute_schedule(program: Program, max_cycles: int | None = None) -> Schedule:
    """The timing of ``program`` (its instructions up to the first halt) with the cycle limit
    ``max_cycles``. Raises `ProgramError` for invalid dependency flags; the faults the timing
    rules find are returned in `Schedule.error`."""
    return _Program(program).schedule(max_cycles)


class _Program:
    """A program planned for the kernel: its distinct plans, tags and tables."""

    def __init__(self, program: Program) -> None:
        cfg = program.config
        instrs = program.instrs
        n = _through_halt(instrs)
        self.cfg, self.instrs, self.n = cfg, instrs[:n], n
        numbered = tags_of(program)
        tag_of = numbered.of[:n]
        self.tags = numbered.tags[: int(tag_of.max()) + 1] if n else ()
        # tiled programs repeat instructions: plan and check each distinct one once
        found = distinct_of(program)
        plan_of = found.index_list if n == len(instrs) else found.index_list[:n]
        seen = found.instrs[: max(plan_of, default=-1) + 1]
        for u, ins in enumerate(seen):
            if isinstance(ins, LINK_INSTRUCTIONS):
                raise ProgramError(plan_of.index(u), ins.MNEMONIC, LINK_ONLY)
        planner = Planner(cfg)
        footprints = footprints_of(program, len(seen))
        self.distinct = distinct = list(map(planner.make, seen, footprints))
        self.plan_list = plan_of
        self.plan_of = found.index if n == len(instrs) else found.index[:n]
        for u, ins in enumerate(seen):
            try:
                check_deps(ins)
            except Fault as e:
                i = plan_of.index(u)  # its first occurrence
                raise ProgramError(i, ins.MNEMONIC, str(e), _unit_name(distinct[u])) from None
        self.tables = tables(distinct, self.plan_of, tag_of, cfg.queue_depth)
        dbuf = cfg.double_buffer_stationary
        stationary = cfg.dataflow.has_stationary_operand
        self.dbuf_ws, self.dbuf_os = dbuf and stationary, dbuf and not stationary

    def schedule(self, max_cycles: int | None) -> Schedule:
        rules = _rules(self.cfg.dram_latency, self.dbuf_ws, self.dbuf_os, max_cycles)
        st = kernel.new_state(self.tables, rules, len(self.tags), acct.WIDTH)
        kernel.run_timing(self.tables, rules, st)
        reg = st.reg
        error = None if reg[codes.STATUS] == codes.OK else self._fault(st, max_cycles)
        critical = ()
        if error is None:
            path = critical_path(
                self.tables, st, self.cfg.dram_latency, len(self.tags), int(reg[codes.TOTAL])
            )
            critical = tuple(map(tuple, path.tolist()))
        kind_of = [p.kind for p in self.distinct]
        unit_of = [p.unit for p in self.distinct]
        return Schedule(
            n=self.n,
            order=tuple(st.order[: reg[codes.N_ORDER]].tolist()),
            start=tuple(st.start.tolist()),
            end=tuple(st.end.tolist()),
            kinds=tuple(map(kind_of.__getitem__, self.plan_list)),
            units=tuple(map(unit_of.__getitem__, self.plan_list)),
            total=int(reg[codes.TOTAL]),
            tags=self.tags,
            tallies=tuple(map(tuple, st.tally.tolist())),
            tag_cycles=tuple(st.tag_cycles.tolist()),
            critical=critical,
            error=error,
        )

    # ---------------------------------------------------------------- faults
    def _fault(self, st: kernel.State, max_cycles: int | None) -> ProgramError:
        """The `ProgramError` naming the fault the kernel stopped at."""
        reg = st.reg
        code, i, cycle = (
            int(reg[codes.STATUS]),
            int(reg[codes.FAULT_AT]),
            int(reg[codes.FAULT_CYCLE]),
        )
        if code == codes.DEADLOCK:
            return self._deadlock(st)
        if code == codes.LIMIT:
            reason = (
                f"runaway program: it would run until cycle {int(reg[codes.FAULT_UNTIL])}, "
                f"past the limit max_cycles={max_cycles}"
            )
        elif code == codes.HAZARD:
            reason = self._hazard(st, i, int(reg[codes.FAULT_OTHER]), int(reg[codes.FAULT_ENTRY]))
        else:
            raise AssertionError(f"the timing kernel stopped with an unknown status {code}")
        return self._error(i, reason, cycle)

    def _error(self, i: int, reason: str, cycle: int) -> ProgramError:
        plan = self.distinct[self.plan_of[i]]
        return ProgramError(i, self.instrs[i].MNEMONIC, reason, _unit_name(plan), cycle)

    def _hazard(self, st: kernel.State, i: int, j: int, entry: int) -> str:
        space, lo, hi, write = self.tables.footprint[entry, :4].tolist()
        other = self.instrs[j]
        if space == codes.K_DRAM:
            what, span = _SPACE_NAMES[pl.DRAM], f"bytes 0x{lo:x}..0x{hi - 1:x}"
        else:
            what, span = _SPACE_NAMES[space], f"rows {lo}..{hi - 1}"
        state = "has not finished" if st.start[j] >= 0 else "has not started"
        if write:
            how = f"writes {what} {span} that instruction {j} ({other.MNEMONIC}) still uses"
        else:
            how = f"reads {what} {span} before instruction {j} ({other.MNEMONIC}) delivers them"
        queue = QUEUES[self.distinct[self.plan_of[j]].queue].value
        return (
            f"{how}: instruction {j} comes first in program order, sits in the "
            f"{queue} queue and {state}; no dependency token orders them"
        )

    def _deadlock(self, st: kernel.State) -> ProgramError:
        """The earliest dispatched queue head: it waits for a token nobody will push."""
        t = self.tables
        waiting = []
        for q in range(3):
            lo, hi = t.queue_start[q], t.queue_start[q + 1]
            if lo + st.heads[q] < hi:
                i = int(t.queue_instrs[lo + st.heads[q]])
                if st.dispatch[i] >= 0:
                    waiting.append(i)
        i = min(waiting)
        names = [
            QUEUES[ch // 3].value
            for ch in self.distinct[self.plan_of[i]].pops
            if st.pushed[ch] <= st.popped[ch]
        ]
        reason = (
            f"deadlock: waits for a token from the {' and '.join(names)} queue "
            f"that no instruction still to run will send"
        )
        return self._error(i, reason, int(st.reg[codes.FRONTIER]))


def tables(plans: list[Plan], plan_of: np.ndarray, tag_of: np.ndarray, depth: int) -> kernel.Tables:
    """The kernel's tables for a program whose instruction i has the plan ``plans[plan_of[i]]``
    and the tag ``tag_of[i]``, on a chip whose queues hold ``depth`` instructions.

    Built column by column: a plan is a tuple, so ``zip`` transposes the plans in C and each
    column becomes an array in one call; the Python work per plan is a few generator steps.
    """
    u = len(plans)
    columns = tuple(zip(*plans, strict=True)) if plans else ((),) * len(Plan._fields)
    kind, queue, unit, length, stream, overlap_at, extra = columns[:7]
    ports, footprint, traffic, macs, pops, pushes = columns[7:]
    pairs = (chain.from_iterable((p + _NO_TOKEN)[:2] for p in col) for col in (pops, pushes))
    scalar = np.fromiter(
        chain(kind, queue, map(_UNIT_INDEX.__getitem__, map(id, unit)), length, stream),
        dtype=_I64,
        count=5 * u,
    ).reshape(5, u)
    more = np.fromiter(chain(overlap_at, extra, macs, *pairs), dtype=_I64, count=7 * u)
    queue_instrs, queue_start, need = kernel.queue_tables(scalar[1][plan_of], depth)
    # CSR offsets of each plan's ports, footprint rows and traffic pairs
    lengths = np.fromiter(
        chain(map(len, ports), map(len, footprint), map(len, traffic)), dtype=_I64, count=3 * u
    )
    starts = np.zeros((3, u + 1), dtype=_I64)
    np.cumsum(lengths.reshape(3, u), axis=1, out=starts[:, 1:])
    # bank ports numbered densely from 0, keeping the low bit (write) of the plan's numbering:
    # the kernel indexes by them and tells a write port by that bit (`schedule_rules.move_wait`)
    plan_ports = np.fromiter(chain.from_iterable(ports), dtype=_I64, count=int(starts[0, -1]))
    banks = np.unique(plan_ports >> 1, return_inverse=True)[1].reshape(-1)
    n_traffic = int(starts[2, -1])
    return kernel.Tables(
        plan_of=plan_of,
        need=need,
        tag_of=tag_of,
        queue_instrs=queue_instrs,
        queue_start=queue_start,
        kind=_KIND_CODES[scalar[0]],
        unit=scalar[2],
        length=scalar[3],
        stream=scalar[4],
        overlap_at=more[:u],
        extra=more[u : 2 * u],
        macs=more[2 * u : 3 * u],
        pops=more[3 * u : 5 * u].reshape(u, 2),
        pushes=more[5 * u :].reshape(u, 2),
        port_start=starts[0],
        ports=(2 * banks | (plan_ports & 1)).astype(_I64),
        fp_start=starts[1],
        footprint=_footprint_rows(list(chain.from_iterable(footprint))),
        traffic_start=starts[2],
        traffic=np.fromiter(
            chain.from_iterable(chain.from_iterable(traffic)), dtype=_I64, count=2 * n_traffic
        ).reshape(n_traffic, 2),
    )


def _footprint_rows(accesses: list[pl.Access]) -> np.ndarray:
    """(F, 10): space (`codes.K_DRAM` for DRAM), lo, hi, write, then a DRAM block's address,
    rows, cols, row step, element step and element size (`DramBlock.steps`)."""
    f = len(accesses)
    rows = np.zeros((f, 10), dtype=_I64)
    if not f:
        return rows
    space, lo, hi, write, block = zip(*accesses, strict=True)
    rows[:, :4] = np.fromiter(chain(space, lo, hi, write), dtype=_I64, count=4 * f).reshape(4, f).T
    dram = np.flatnonzero(rows[:, 0] == pl.DRAM)  # exactly the accesses with a block
    if dram.size:
        rows[dram, 0] = codes.K_DRAM
        blocks = chain.from_iterable(b for b in block if b is not None)
        fields = np.fromiter(blocks, dtype=_I64, count=6 * dram.size).reshape(-1, 6)
        fields[:, 3], fields[:, 4] = dram_steps(fields[:, 3], fields[:, 4], fields[:, 5])
        rows[dram, 4:] = fields
    return rows


@lru_cache(maxsize=64)  # read-only in the kernel; few distinct chips per process
def _rules(dram_latency: int, dbuf_ws: bool, dbuf_os: bool, max_cycles: int | None) -> kernel.Rules:
    stall_at = np.array(acct.STALL_AT, dtype=_I64)[:, list(_CAUSE_COLUMNS)]
    return kernel.Rules(
        dram_latency=dram_latency,
        dbuf_ws=dbuf_ws,
        dbuf_os=dbuf_os,
        max_cycles=-1 if max_cycles is None else max_cycles,
        busy_at=np.array(acct.BUSY_AT, dtype=_I64),
        stall_at=np.ascontiguousarray(stall_at),
        macs_at=acct.MACS,
        instructions_at=acct.INSTRUCTIONS,
        store_unit=acct.UNIT_INDEX[Unit.STORE],
    )


def warm_up() -> None:
    """Load the compiled loop now (numba's first use in a process: LLVM's start-up and the
    machine code cached on disk), which a benchmark of a program's first run should not count."""
    empty = np.zeros(0, dtype=_I64)
    t = tables([], empty, empty, 1)
    rules = _rules(0, False, False, None)
    kernel.run_timing(t, rules, kernel.new_state(t, rules, 1, acct.WIDTH))


def _through_halt(instrs: tuple[Instr, ...]) -> int:
    """How many instructions run: up to and including the first halt (all without one)."""
    classes = list(map(type, instrs))  # C loops: no Python step per instruction
    try:
        return classes.index(Halt) + 1
    except ValueError:
        return len(instrs)


def _unit_name(plan: Plan) -> str | None:
    return plan.unit.value if plan.unit is not None else None
