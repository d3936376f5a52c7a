"""The timing engine: the event loop that computes a program's `Schedule`.

How it advances: instructions are committed one at a time in order of their start cycle. For the
instruction at the head of each queue the engine computes the earliest cycle it can start from
what has already been committed (dispatch, queue order, tokens, bank ports); the head with the
smallest such cycle (ties: program order) is committed, which fixes its end cycle in closed form
and accounts its unit's cycles. Nothing later can start earlier, so every start cycle is exact,
and the cost is a few operations per instruction, never per cycle.

Two implementations of that loop: `_Engine._loop` here (Python, 10-20 us per instruction) and its
numba twin in chip/machine/schedule_kernel.py (well under 1 us), which runs first and gives up on
any fault (deadlock, hazard, cycle limit); the Python loop then re-runs the program and names the
fault. Both read the same plans (chip/machine/plan.py), planned once per distinct instruction.
Programs shorter than `COMPILED_FROM` instructions take the Python loop only.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import numpy as np

from chip.errors import Fault, ProgramError
from chip.functional import check_deps
from chip.isa import Halt, Instr
from chip.machine import accounting as acct
from chip.machine.accounting import BUSY_AT, STALL_AT, UNIT_INDEX, overlap
from chip.machine.counters import Unit
from chip.machine.plan import (
    ACC,
    DRAM,
    LOAD,
    MATMUL,
    PRELOAD,
    QUEUES,
    SPAD,
    STORE,
    VEC,
    Plan,
    Planner,
    conflicts,
)
from chip.machine.schedule_kernel import compiled_timing, tables
from chip.machine.schedule_kernel import loaded as kernel_loaded
from chip.program import Program, Tag

LOAD_Q, EXEC_Q, STORE_Q = 0, 1, 2
_SPACE_NAMES = {SPAD: "scratchpad", ACC: "accumulator", DRAM: "DRAM"}
_STORE_UNIT = UNIT_INDEX[Unit.STORE]
# Programs this long or longer take the compiled loop. numba's first use in a process costs
# about 0.4 s and 60 MiB (LLVM's start-up, whatever the kernel); the Python loop does a
# thousand instructions in 10-20 ms, so small programs (and most unit tests) never pay it.
# Once the process has paid, programs from COMPILED_FROM_LOADED instructions take it too (below
# that, the tables cost as much as the Python loop).
COMPILED_FROM, COMPILED_FROM_LOADED = 1000, 100


@dataclass(frozen=True)
class Schedule:
    """The timing of one program on its chip (see the module docstring).

    ``order`` lists the instructions that started, in the order the engine committed them (by
    start cycle); ``start``/``end`` hold every instruction's cycles (-1 if it never started).
    ``tallies`` are the per-tag accounting lists of chip/machine/accounting.py and
    ``tag_cycles`` the cycles charged to each tag. ``error`` is the fault the engine found
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
    error: ProgramError | None

    def raise_error(self) -> None:
        """Raise a fresh copy of ``error`` (if any), so tracebacks do not pile up."""
        e = self.error
        if e is not None:
            raise ProgramError(e.index, e.mnemonic, e.reason, e.unit, e.cycle)


class _Engine:
    """One evaluation of docs/timing.md for one program: `run` returns its `Schedule`."""

    def __init__(
        self, program: Program, max_cycles: int | None, compiled: bool | None = None
    ) -> None:
        """``compiled``: run the compiled loop first (True), only the Python one (False), or
        decide by the program's size (None: see `COMPILED_FROM`)."""
        cfg = program.config
        self.cfg, self.max_cycles = cfg, max_cycles
        instrs = program.instrs
        n = next((i + 1 for i, ins in enumerate(instrs) if isinstance(ins, Halt)), len(instrs))
        if compiled is None:
            compiled = n >= COMPILED_FROM or (n >= COMPILED_FROM_LOADED and kernel_loaded())
        self.compiled = compiled
        self.instrs = instrs[:n]
        self.n = n
        tag_ids: dict[Tag, int] = {}
        tag_of = self.tag_of = [0] * n
        last_tag, last_id = None, 0
        for i, tag in enumerate(program.tags[:n]):  # runs of one tag object are the rule
            if tag is not last_tag:
                last_tag, last_id = tag, tag_ids.setdefault(tag, len(tag_ids))
            tag_of[i] = last_id
        self.tags = list(tag_ids)
        self.tally = [acct.new_tally() for _ in self.tags]
        # tiled programs repeat instructions: plan and check each distinct one once
        planner = Planner(cfg)
        seen: dict[Instr, int] = {}
        distinct: list[Plan] = []
        plan_of = [0] * n  # index of the instruction's plan in `distinct`
        for i, ins in enumerate(self.instrs):
            u = seen.get(ins)
            if u is None:
                plan = planner.make(ins)
                try:
                    check_deps(ins)
                except Fault as e:
                    raise ProgramError(i, ins.MNEMONIC, str(e), _unit_name(plan)) from None
                u = seen[ins] = len(distinct)
                distinct.append(plan)
            plan_of[i] = u
        self.distinct, self.plan_of = distinct, np.array(plan_of, dtype=np.int64)
        self.plans = [distinct[u] for u in plan_of]
        kind_of = [p.kind for p in distinct]
        self.kinds = [kind_of[u] for u in plan_of]
        queue_of = np.array([p.queue for p in distinct], dtype=np.int64)[self.plan_of]
        need = np.full(n, -1, dtype=np.int64)  # dispatch waits for it to start (queue full)
        depth = cfg.queue_depth
        qarrays = [np.flatnonzero(queue_of == q) for q in range(3)]
        for ql in qarrays:  # the instruction depth places earlier in its queue
            if len(ql) > depth:
                need[ql[depth:]] = ql[: len(ql) - depth]
        self.need_array, self.qarrays = need, qarrays
        self.need = need.tolist()
        self.qlist: list[list[int]] = [ql.tolist() for ql in qarrays]
        self.blocker = -1
        self.start = [-1] * n
        self.end = [-1] * n
        self.dispatch = [-1] * n
        self.next_dispatch = 0  # the first instruction not dispatched yet
        self.blocked_lo: list[int] = []  # dispatcher blocked on a full queue: [lo, hi) intervals
        self.blocked_cum: list[int] = []  # blocked cycles before each interval
        self.blocked_hi: list[int] = []
        self.heads = [0, 0, 0]
        self.pushes: list[list[tuple[int, int]]] = [[] for _ in range(9)]  # (end, producer)
        self.pops = [0] * 9
        self.port_until: dict[int, list[int]] = {}
        self.bus_free = 0
        self.dma_segments: dict[int, tuple[tuple[int, int], tuple[int, int]]] = {}
        self.inflight: list[list[int]] = [[], [], []]
        # load/store: when the queue's DMA engine may start its next instruction (requests are
        # pipelined: the next transfer's requests go out while this one's data is in flight)
        self.issue_free = [0, 0, 0]
        self.exec_last = -1
        self.exec_end_all = 0
        self.exec_end_before_last = 0
        self.unit_acct = [0] * len(Unit)  # per unit index: cycles accounted so far
        self.store_tail: tuple[int, int, list[int], int] | None = None
        self.dbuf_ws = cfg.double_buffer_stationary and cfg.dataflow.has_stationary_operand
        self.dbuf_os = cfg.double_buffer_stationary and not cfg.dataflow.has_stationary_operand
        self.order: list[int] = []
        self.frontier = 0

    # ---------------------------------------------------------------- dispatch
    def _advance_dispatch(self) -> None:
        """Dispatch, in program order, every instruction whose queue has room (the instruction
        ``depth`` places before it in its queue has started)."""
        need, start, dispatch = self.need, self.start, self.dispatch
        n = self.n
        i = self.next_dispatch
        while i < n:
            t = dispatch[i - 1] + 1 if i else 0
            j = need[i]
            if j >= 0:
                sj = start[j]
                if sj < 0:
                    break  # the queue is full until instruction j starts
                if sj > t:
                    self.blocked_cum.append(self._blocked_total())
                    self.blocked_lo.append(t)
                    self.blocked_hi.append(sj)
                    t = sj
            dispatch[i] = t
            i += 1
        self.next_dispatch = i
        self.blocker = need[i] if i < n else -1

    def _blocked_total(self) -> int:
        if not self.blocked_lo:
            return 0
        return self.blocked_cum[-1] + self.blocked_hi[-1] - self.blocked_lo[-1]

    def _blocked_before(self, t: int) -> int:
        """Cycles before ``t`` during which the dispatcher was blocked on a full queue."""
        k = bisect.bisect_right(self.blocked_lo, t) - 1
        if k < 0:
            return 0
        return self.blocked_cum[k] + min(t, self.blocked_hi[k]) - self.blocked_lo[k]

    # ---------------------------------------------------------------- main loop
    def run(self) -> Schedule:
        if self.compiled:  # the compiled loop, unless the program faults
            timing = compiled_timing(
                tables(self.distinct, self.plan_of, self.need_array, self.tag_of, self.qarrays),
                len(self.tags),
                self.cfg.dram_latency,
                self.dbuf_ws,
                self.dbuf_os,
                self.max_cycles,
            )
            if timing is not None:
                return Schedule(
                    n=self.n,
                    order=tuple(timing.order.tolist()),
                    start=tuple(timing.start.tolist()),
                    end=tuple(timing.end.tolist()),
                    kinds=tuple(self.kinds),
                    units=self._units(),
                    total=timing.total,
                    tags=tuple(self.tags),
                    tallies=tuple(map(tuple, timing.tallies.tolist())),
                    tag_cycles=tuple(timing.tag_cycles.tolist()),
                    error=None,
                )
        # the plans' fields the Python loop reads, per instruction (named-tuple attribute lookups
        # and enum hashing cost more than the loop's arithmetic)
        plans = self.plans
        self.lengths = [p.length for p in plans]
        self.pops_of = [p.pops for p in plans]
        self.pushes_of = [p.pushes for p in plans]
        self.ports_of = [p.ports for p in plans]
        self.footprints = [p.footprint for p in plans]
        unit_of = [-1 if p.unit is None else UNIT_INDEX[p.unit] for p in self.distinct]
        self.unit_at = [unit_of[u] for u in self.plan_of.tolist()]
        try:
            self._advance_dispatch()
            self._loop()
        except ProgramError as err:  # kept without its traceback, which holds this engine
            return self._schedule(0, err.with_traceback(None))
        # the run ends when every instruction has ended and halt (the last one) was dispatched
        total = max(self.frontier, self.dispatch[self.n - 1] + 1) if self.n else 0
        return self._schedule(total, None)

    def _loop(self) -> None:
        """Commit queue heads in order of their earliest start (ties: program order).

        This loop runs once per instruction and is most of a program's first run, so it reads
        the plans' fields from per-instruction lists and keeps the engine's scalars in locals
        (written back before anything that reads them: faults, the result)."""
        qlist, heads, dispatch, start, end = (
            self.qlist,
            self.heads,
            self.dispatch,
            self.start,
            self.end,
        )
        kinds, lengths, pops_of, pushes_of, ports_of = (
            self.kinds,
            self.lengths,
            self.pops_of,
            self.pushes_of,
            self.ports_of,
        )
        pushes, pops, port_until = self.pushes, self.pops, self.port_until
        issue_free, inflight, order, plans = self.issue_free, self.inflight, self.order, self.plans
        check_limit = self.max_cycles is not None
        dbuf_ws, dbuf_os = self.dbuf_ws, self.dbuf_os
        lat = self.cfg.dram_latency
        others = ((1, 2), (0, 2), (0, 1))
        insort = bisect.insort
        account = self._account
        remaining = sum(len(ql) for ql in qlist)
        while remaining:
            best = -1
            best_s = 0
            for q in (LOAD_Q, EXEC_Q, STORE_Q):
                ql, h = qlist[q], heads[q]
                if h >= len(ql):
                    continue
                i = ql[h]
                d = dispatch[i]
                if d < 0:
                    continue
                # tokens: the k-th pop of a channel waits for its k-th earliest push
                tok_t, producer = 0, -1
                ready = True
                for ch in pops_of[i]:
                    k, pushed = pops[ch], pushes[ch]
                    if len(pushed) <= k:
                        ready = False
                        break
                    t, p = pushed[k]
                    if t > tok_t or producer < 0:
                        tok_t, producer = max(tok_t, t), p
                if not ready:
                    continue
                # every token is available: bank ports held by the other queues
                bank_t = 0
                o1, o2 = others[q]
                for p in ports_of[i]:
                    until = port_until.get(p)
                    if until is not None:
                        u1, u2 = until[o1], until[o2]
                        if u1 > bank_t:
                            bank_t = u1
                        if u2 > bank_t:
                            bank_t = u2
                if q == EXEC_Q:
                    order_t = self.exec_end_all
                    last = self.exec_last
                    if last >= 0 and kinds[last] == MATMUL:
                        kind = kinds[i]
                        if dbuf_ws and kind == PRELOAD:
                            order_t = max(start[last], self.exec_end_before_last)
                        elif dbuf_os and kind == MATMUL:
                            order_t = max(
                                start[last] + plans[last].overlap_at, self.exec_end_before_last
                            )
                else:
                    order_t = issue_free[q]
                s = d
                if order_t > s:
                    s = order_t
                if tok_t > s:
                    s = tok_t
                if bank_t > s:
                    s = bank_t
                if best < 0 or s < best_s or (s == best_s and i < best):
                    best, best_s = i, s
                    best_q, best_order, best_tok, best_prod, best_d = q, order_t, tok_t, producer, d
            if best < 0:
                self._deadlock()
            # commit instruction i of queue q at cycle s: its end follows in closed form
            i, q, s = best, best_q, best_s
            if check_limit:
                self._check_limit(i, s, s)
            self._check_hazards(i, q, s)
            kind = kinds[i]
            segs = None  # DMA: (latency, bus wait, transfer) segments
            if kind == LOAD:
                g = s + lat
                if self.bus_free > g:
                    g = self.bus_free
                e = self.bus_free = g + lengths[i]
                segs = ((s, s + lat), (s + lat, g), (g, e))
                issue_free[q] = s + lengths[i]
            elif kind == STORE:
                g = s if s > self.bus_free else self.bus_free
                f = self.bus_free = issue_free[q] = g + lengths[i]
                e = f + lat
                segs = ((f, e), (s, g), (g, f))
            else:
                e = s + lengths[i]
            if check_limit:
                self._check_limit(i, s, e)
            account(i, kind, s, e, best_order, best_tok, best_prod, best_d, segs)
            for ch in pops_of[i]:
                pops[ch] += 1
            for ch in pushes_of[i]:
                insort(pushes[ch], (e, i))
            for p in ports_of[i]:
                until = port_until.get(p)
                if until is None:
                    until = port_until[p] = [0, 0, 0]
                if e > until[q]:
                    until[q] = e
            start[i], end[i] = s, e
            flight = inflight[q] = [j for j in inflight[q] if end[j] > s]
            flight.append(i)
            if q == EXEC_Q:
                self.exec_end_before_last = self.exec_end_all
                if e > self.exec_end_all:
                    self.exec_end_all = e
                self.exec_last = i
            order.append(i)
            if e > self.frontier:
                self.frontier = e
            heads[q] += 1
            if self.blocker == i or self.blocker < 0:
                self._advance_dispatch()
            remaining -= 1

    # ---------------------------------------------------------------- accounting
    def _account(
        self,
        i: int,
        kind: int,
        s: int,
        e: int,
        order_t: int,
        tok_t: int,
        producer: int,
        d: int,
        segs: tuple | None,
    ) -> None:
        tally = self.tally[self.tag_of[i]]
        u = self.unit_at[i]
        stall = STALL_AT[u]
        cur = self.unit_acct[u]
        if kind == STORE and self.store_tail is not None:
            cur = self._flush_store_tail(s)
        if s > cur:
            a = min(max(order_t, cur), s)  # idle: waiting for earlier execute instructions
            b = min(max(d, a), s)  # not dispatched yet: queue full while the dispatcher blocked
            if self.blocked_lo:
                tally[stall[acct.QUEUE_FULL]] += self._blocked_before(b) - self._blocked_before(a)
            c = min(max(tok_t, b), s)
            if c > b:
                self._account_token_wait(tally, stall, b, c, producer)
            tally[stall[acct.BANK_CONFLICT]] += s - c
            cur = s
        own = e - cur
        if own < 0:
            own = 0
        busy = BUSY_AT[u]
        plan = self.plans[i]
        if kind == MATMUL:
            n_busy = min(plan.stream, own)
            tally[busy] += n_busy
            tally[stall[acct.FILL_DRAIN]] += own - n_busy
        elif kind == PRELOAD:
            tally[stall[acct.PRELOAD]] += own
        elif kind == VEC:
            tally[busy] += own - plan.extra
            tally[stall[acct.BANK_CONFLICT]] += plan.extra
        elif segs is not None:  # DMA: transfer cycles busy, latency and bus wait stalled
            # for token waits: latency phase, then bus wait + transfer (the bandwidth phase)
            (lat_lo, lat_hi), (wait_lo, _), (_, busy_hi) = segs
            self.dma_segments[i] = (
                (lat_lo, lat_hi),
                (min(wait_lo, lat_hi), busy_hi) if kind == LOAD else (wait_lo, busy_hi),
            )
            # pipelined transfers overlap: count only the cycles not accounted yet; a store's
            # acknowledgement latency is counted once the next store's start is known
            if kind == STORE:
                self.store_tail = (segs[0][0], segs[0][1], tally, stall[acct.DRAM_LATENCY])
                segs = segs[1:]
                indices: tuple[int, ...] = (stall[acct.DRAM_BANDWIDTH], busy)
                e = segs[-1][1]
            else:
                indices = (stall[acct.DRAM_LATENCY], stall[acct.DRAM_BANDWIDTH], busy)
            for (lo, hi), index in zip(segs, indices, strict=True):
                if hi > cur:
                    tally[index] += hi - (lo if lo > cur else cur)
        self.unit_acct[u] = cur if cur > e else e
        for index, nbytes in plan.traffic:
            tally[index] += nbytes
        tally[acct.MACS] += plan.macs
        tally[acct.INSTRUCTIONS] += 1

    def _flush_store_tail(self, until: int) -> int:
        """Count the previous store's acknowledgement latency up to cycle ``until`` (the rest
        overlaps a later store's own cycles) and return the store unit's accounted cycle."""
        assert self.store_tail is not None
        lo, hi, tally, index = self.store_tail
        u = _STORE_UNIT
        cur = self.unit_acct[u]
        stop = min(hi, until)
        if stop > max(lo, cur):
            tally[index] += stop - max(lo, cur)
        self.unit_acct[u] = max(cur, stop)
        self.store_tail = None
        return self.unit_acct[u]

    def _account_token_wait(
        self, tally: list[int], stall: list[int], lo: int, hi: int, producer: int
    ) -> None:
        segs = self.dma_segments.get(producer)
        n_lat = n_bw = 0
        if segs is not None:  # waiting on a DMA: charge its latency and transfer phases
            n_lat, n_bw = overlap(lo, hi, segs[0]), overlap(lo, hi, segs[1])
        tally[stall[acct.DRAM_LATENCY]] += n_lat
        tally[stall[acct.DRAM_BANDWIDTH]] += n_bw
        tally[stall[acct.TOKEN]] += hi - lo - n_lat - n_bw

    # ---------------------------------------------------------------- faults
    def _check_limit(self, i: int, s: int, e: int) -> None:
        if self.max_cycles is not None and e > self.max_cycles:
            ins = self.instrs[i]
            raise ProgramError(
                i,
                ins.MNEMONIC,
                f"runaway program: it would run until cycle {e}, past the limit "
                f"max_cycles={self.max_cycles}",
                _unit_name(self.plans[i]),
                min(s, self.max_cycles),
            )

    def _check_hazards(self, i: int, q: int, s: int) -> None:
        fp = self.footprints[i]
        footprints, end = self.footprints, self.end
        for q2 in range(3):
            if q2 == q:
                continue
            # instructions before i in program order that have started in queue q2 and not
            # ended by cycle s, then those still waiting in it
            others = [j for j in self.inflight[q2] if j < i and end[j] > s]
            ql = self.qlist[q2]
            h = self.heads[q2]
            others += ql[h : bisect.bisect_left(ql, i, h)]
            for j in others:
                hit = conflicts(fp, footprints[j])
                if hit is not None:
                    self._hazard(i, j, hit, s)

    def _hazard(self, i: int, j: int, hit, s: int) -> None:
        ins, other = self.instrs[i], self.instrs[j]
        what = _SPACE_NAMES[hit.space]
        span = (
            f"rows {hit.lo}..{hit.hi - 1}"
            if hit.space != DRAM
            else f"bytes 0x{hit.lo:x}..0x{hit.hi - 1:x}"
        )
        state = "has not finished" if self.start[j] >= 0 else "has not started"
        if hit.write:
            how = f"writes {what} {span} that instruction {j} ({other.MNEMONIC}) still uses"
        else:
            how = f"reads {what} {span} before instruction {j} ({other.MNEMONIC}) delivers them"
        raise ProgramError(
            i,
            ins.MNEMONIC,
            f"{how}: instruction {j} comes first in program order, sits in the "
            f"{QUEUES[self.plans[j].queue].value} queue and {state}; no "
            f"dependency token orders them",
            _unit_name(self.plans[i]),
            s,
        )

    def _deadlock(self) -> None:
        waiting = []
        for q in range(3):
            h = self.heads[q]
            if h < len(self.qlist[q]) and self.dispatch[self.qlist[q][h]] >= 0:
                waiting.append((self.qlist[q][h], q))
        i, q = min(waiting)
        ins = self.instrs[i]
        names = []
        for ch in self.plans[i].pops:
            if len(self.pushes[ch]) <= self.pops[ch]:
                names.append(QUEUES[ch // 3].value)
        raise ProgramError(
            i,
            ins.MNEMONIC,
            f"deadlock: waits for a token from the {' and '.join(names)} queue "
            f"that no instruction still to run will send",
            _unit_name(self.plans[i]),
            self.frontier,
        )

    # ---------------------------------------------------------------- result
    def _units(self) -> tuple[Unit | None, ...]:
        unit_of = [p.unit for p in self.distinct]
        return tuple([unit_of[u] for u in self.plan_of.tolist()])

    def _schedule(self, total: int, error: ProgramError | None) -> Schedule:
        tag_cycles = [0] * len(self.tags)
        if error is None:
            if self.store_tail is not None:
                self._flush_store_tail(total)
            reached = 0
            for i in range(self.n):  # cycles go to the tag of the oldest unfinished instruction
                e = self.end[i] if self.end[i] >= 0 else self.dispatch[i] + 1
                if e > reached:
                    tag_cycles[self.tag_of[i]] += e - reached
                    reached = e
            if total > reached and self.n:
                tag_cycles[self.tag_of[self.n - 1]] += total - reached
        return Schedule(
            n=self.n,
            order=tuple(self.order),
            start=tuple(self.start),
            end=tuple(self.end),
            kinds=tuple(self.kinds),
            units=self._units(),
            total=total,
            tags=tuple(self.tags),
            tallies=tuple(map(tuple, self.tally)),
            tag_cycles=tuple(tag_cycles),
            error=error,
        )


def _unit_name(plan: Plan) -> str | None:
    return plan.unit.value if plan.unit is not None else None
