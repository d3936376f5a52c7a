"""The machine's timing: when every instruction starts and ends, and what every unit did.

Timing on this chip never depends on data (docs/timing.md: dispatch, queue order, tokens, bank
ports and DMA are functions of the instruction stream alone), so it is computed once per program
and cached: `schedule_of` returns the program's `Schedule`, which chip/machine/machine.py replays
to apply values in commit order. A training loop runs the same (immutable) program thousands of
times and pays for its timing once.

How it advances: instructions are committed one at a time in order of their start cycle. For the
instruction at the head of each queue the engine computes the earliest cycle it can start from
what has already been committed (dispatch, queue order, tokens, bank ports); the head with the
smallest such cycle (ties: program order) is committed, which fixes its end cycle in closed form
and accounts its unit's cycles. Nothing later can start earlier, so every start cycle is exact,
and the cost is a few operations per instruction, never per cycle.
"""

from __future__ import annotations

import bisect
import weakref
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TypeVar

from chip.errors import Fault, ProgramError
from chip.functional import check_deps
from chip.isa import Halt
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
from chip.program import Program, Tag

LOAD_Q, EXEC_Q, STORE_Q = 0, 1, 2
_SPACE_NAMES = {SPAD: "scratchpad", ACC: "accumulator", DRAM: "DRAM"}
T = TypeVar("T")


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


class _Cache:
    """Per live program, what the machine derives from it alone (its schedule per cycle limit,
    its value plan: chip/machine/values.py); an entry dies with its program."""

    def __init__(self) -> None:
        self._by_id: dict[int, tuple[weakref.ref, dict[Hashable, object]]] = {}

    def memo(self, program: Program, key: Hashable, make: Callable[[], T]) -> T:
        """``make()``, computed once per live ``program`` and ``key``."""
        pid = id(program)
        entry = self._by_id.get(pid)
        if entry is None or entry[0]() is not program:
            entry = (weakref.ref(program, lambda _, k=pid: self._by_id.pop(k, None)), {})
            self._by_id[pid] = entry
        found = entry[1].get(key, _MISSING)
        if found is _MISSING:
            found = entry[1][key] = make()
        return found  # type: ignore[return-value]

    def get(self, program: Program, max_cycles: int | None) -> Schedule:
        return self.memo(program, max_cycles, lambda: _Engine(program, max_cycles).run())


_MISSING = object()
_CACHE = _Cache()


def schedule_of(program: Program, max_cycles: int | None = None) -> Schedule:
    """The `Schedule` of ``program`` with the cycle limit ``max_cycles`` (computed once, then
    cached while the program lives). Raises `ProgramError` for invalid dependency flags."""
    return _CACHE.get(program, max_cycles)


class _Engine:
    """One evaluation of docs/timing.md for one program: `run` returns its `Schedule`."""

    def __init__(self, program: Program, max_cycles: int | None) -> None:
        cfg = program.config
        self.cfg, self.max_cycles = cfg, max_cycles
        instrs = program.instrs
        n = next((i + 1 for i, ins in enumerate(instrs) if isinstance(ins, Halt)), len(instrs))
        self.instrs = instrs[:n]
        self.n = n
        tag_ids: dict[Tag, int] = {}
        self.tag_of = [tag_ids.setdefault(t, len(tag_ids)) for t in program.tags[:n]]
        self.tags = list(tag_ids)
        self.tally = [acct.new_tally() for _ in self.tags]
        self.plans: list[Plan] = []
        self.qlist: list[list[int]] = [[], [], []]
        self.qpos = [0] * n
        planner = Planner(cfg)
        for i, ins in enumerate(self.instrs):
            plan = planner.plan(ins)
            try:
                check_deps(ins)
            except Fault as e:
                raise ProgramError(i, ins.MNEMONIC, str(e), _unit_name(plan)) from None
            self.plans.append(plan)
            if plan.queue >= 0:
                self.qpos[i] = len(self.qlist[plan.queue])
                self.qlist[plan.queue].append(i)
        self.start = [-1] * n
        self.end = [-1] * n
        self.dispatch = [-1] * n
        self.next_dispatch = 0
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
        self.depth = cfg.queue_depth
        self.dbuf_ws = cfg.double_buffer_stationary and cfg.dataflow.has_stationary_operand
        self.dbuf_os = cfg.double_buffer_stationary and not cfg.dataflow.has_stationary_operand
        self.order: list[int] = []
        self.frontier = 0

    # ---------------------------------------------------------------- dispatch
    def _advance_dispatch(self) -> None:
        depth = self.depth
        while self.next_dispatch < self.n:
            i = self.next_dispatch
            t = self.dispatch[i - 1] + 1 if i else 0
            q = self.plans[i].queue
            if q >= 0 and self.qpos[i] >= depth:
                j = self.qlist[q][self.qpos[i] - depth]
                if self.start[j] < 0:
                    return  # the queue is full until instruction j starts
                if self.start[j] > t:
                    self.blocked_cum.append(self._blocked_total())
                    self.blocked_lo.append(t)
                    self.blocked_hi.append(self.start[j])
                    t = self.start[j]
            self.dispatch[i] = t
            self.next_dispatch += 1

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

    # ---------------------------------------------------------------- readiness
    def _order_time(self, i: int, q: int) -> int:
        if q != EXEC_Q:
            return self.issue_free[q]
        last = self.exec_last
        if last >= 0 and self.plans[last].kind == MATMUL:
            kind = self.plans[i].kind
            if self.dbuf_ws and kind == PRELOAD:
                return max(self.start[last], self.exec_end_before_last)
            if self.dbuf_os and kind == MATMUL:
                return max(self.start[last] + self.plans[last].overlap_at,
                           self.exec_end_before_last)
        return self.exec_end_all

    # ---------------------------------------------------------------- main loop
    def run(self) -> Schedule:
        try:
            self._advance_dispatch()
            self._loop()
        except ProgramError as err:  # kept without its traceback, which holds this engine
            return self._schedule(0, err.with_traceback(None))
        # the run ends when every instruction has ended and halt (the last one) was dispatched
        total = max(self.frontier, self.dispatch[self.n - 1] + 1) if self.n else 0
        return self._schedule(total, None)

    def _loop(self) -> None:
        """Commit queue heads in order of their earliest start (ties: program order)."""
        qlist, heads, dispatch, plans = self.qlist, self.heads, self.dispatch, self.plans
        pushes, pops, port_until = self.pushes, self.pops, self.port_until
        issue_free = self.issue_free
        remaining = sum(len(ql) for ql in qlist)
        while remaining:
            best = None
            best_s = best_i = 0
            for q in (LOAD_Q, EXEC_Q, STORE_Q):
                ql, h = qlist[q], heads[q]
                if h >= len(ql):
                    continue
                i = ql[h]
                d = dispatch[i]
                if d < 0:
                    continue
                plan = plans[i]
                # tokens: the k-th pop of a channel waits for its k-th earliest push
                tok_t, producer = 0, -1
                for ch in plan.pops:
                    k, pushed = pops[ch], pushes[ch]
                    if len(pushed) <= k:
                        break
                    t, p = pushed[k]
                    if t > tok_t or producer < 0:
                        tok_t, producer = max(tok_t, t), p
                else:  # every token is available: bank ports held by the other queues
                    bank_t = 0
                    for p in plan.ports:
                        until = port_until.get(p)
                        if until is not None:
                            for q2 in (LOAD_Q, EXEC_Q, STORE_Q):
                                if q2 != q and until[q2] > bank_t:
                                    bank_t = until[q2]
                    order_t = self._order_time(i, q) if q == EXEC_Q else issue_free[q]
                    s = max(d, order_t, tok_t, bank_t)
                    if best is None or s < best_s or (s == best_s and i < best_i):
                        best, best_s, best_i = (q, order_t, tok_t, producer, d), s, i
            if best is None:
                self._deadlock()
            q, order_t, tok_t, producer, d = best
            self._commit(best_i, q, best_s, order_t, tok_t, producer, d)
            remaining -= 1

    def _commit(self, i: int, q: int, s: int, order_t: int, tok_t: int, producer: int,
                d: int) -> None:
        plan = self.plans[i]
        kind = plan.kind
        if self.max_cycles is not None:
            self._check_limit(i, s, s)
        self._check_hazards(i, q, s)
        segs = None  # DMA: (latency, bus wait, transfer) segments
        issue_free = 0
        if kind == LOAD:
            lat = self.cfg.dram_latency
            g = max(s + lat, self.bus_free)
            e = self.bus_free = g + plan.length
            segs = ((s, s + lat), (s + lat, g), (g, e))
            issue_free = s + plan.length
        elif kind == STORE:
            g = max(s, self.bus_free)
            issue_free = self.bus_free = g + plan.length
            e = issue_free + self.cfg.dram_latency
            segs = ((issue_free, e), (s, g), (g, issue_free))
        else:
            e = s + plan.length
        if self.max_cycles is not None:
            self._check_limit(i, s, e)
        self._account(i, plan, s, e, order_t, tok_t, producer, d, segs)
        for ch in plan.pops:
            self.pops[ch] += 1
        for ch in plan.pushes:
            bisect.insort(self.pushes[ch], (e, i))
        port_until = self.port_until
        for p in plan.ports:
            until = port_until.get(p)
            if until is None:
                until = port_until[p] = [0, 0, 0]
            if e > until[q]:
                until[q] = e
        self.start[i], self.end[i] = s, e
        end = self.end
        self.inflight[q] = [j for j in self.inflight[q] if end[j] > s]
        self.inflight[q].append(i)
        if q == EXEC_Q:
            self.exec_end_before_last = self.exec_end_all
            if e > self.exec_end_all:
                self.exec_end_all = e
            self.exec_last = i
        else:
            self.issue_free[q] = issue_free
        self.order.append(i)
        if e > self.frontier:
            self.frontier = e
        self.heads[q] += 1
        self._advance_dispatch()

    # ---------------------------------------------------------------- accounting
    def _account(self, i: int, plan: Plan, s: int, e: int, order_t: int, tok_t: int,
                 producer: int, d: int, segs: tuple | None) -> None:
        tally = self.tally[self.tag_of[i]]
        assert plan.unit is not None
        u = UNIT_INDEX[plan.unit]
        stall = STALL_AT[u]
        cur = self.unit_acct[u]
        if plan.kind == STORE and self.store_tail is not None:
            cur = self._flush_store_tail(s)
        if s > cur:
            a = min(max(order_t, cur), s)  # idle: waiting for earlier execute instructions
            b = min(max(d, a), s)  # not dispatched yet: queue full while the dispatcher blocked
            if self.blocked_lo:
                tally[stall[acct.QUEUE_FULL]] += (self._blocked_before(b)
                                                  - self._blocked_before(a))
            c = min(max(tok_t, b), s)
            if c > b:
                self._account_token_wait(tally, stall, b, c, producer)
            tally[stall[acct.BANK_CONFLICT]] += s - c
            cur = s
        own = e - (s if s > cur else cur)
        if own < 0:
            own = 0
        kind = plan.kind
        busy = BUSY_AT[u]
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
            self.dma_segments[i] = ((lat_lo, lat_hi), (min(wait_lo, lat_hi), busy_hi)
                                    if kind == LOAD else (wait_lo, busy_hi))
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
        u = UNIT_INDEX[Unit.STORE]
        cur = self.unit_acct[u]
        stop = min(hi, until)
        if stop > max(lo, cur):
            tally[index] += stop - max(lo, cur)
        self.unit_acct[u] = max(cur, stop)
        self.store_tail = None
        return self.unit_acct[u]

    def _account_token_wait(self, tally: list[int], stall: list[int], lo: int, hi: int,
                            producer: int) -> None:
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
            raise ProgramError(i, ins.MNEMONIC,
                               f"runaway program: it would run until cycle {e}, past the limit "
                               f"max_cycles={self.max_cycles}",
                               _unit_name(self.plans[i]), min(s, self.max_cycles))

    def _check_hazards(self, i: int, q: int, s: int) -> None:
        fp = self.plans[i].footprint
        for q2 in range(3):
            if q2 == q:
                continue
            others = [j for j in self.inflight[q2] if j < i and self.end[j] > s]
            ql = self.qlist[q2]
            for pos in range(self.heads[q2], len(ql)):
                if ql[pos] > i:
                    break
                others.append(ql[pos])
            for j in others:
                hit = conflicts(fp, self.plans[j].footprint)
                if hit is not None:
                    self._hazard(i, j, hit, s)

    def _hazard(self, i: int, j: int, hit, s: int) -> None:
        ins, other = self.instrs[i], self.instrs[j]
        what = _SPACE_NAMES[hit.space]
        span = (f"rows {hit.lo}..{hit.hi - 1}" if hit.space != DRAM
                else f"bytes 0x{hit.lo:x}..0x{hit.hi - 1:x}")
        state = "has not finished" if self.start[j] >= 0 else "has not started"
        if hit.write:
            how = f"writes {what} {span} that instruction {j} ({other.MNEMONIC}) still uses"
        else:
            how = f"reads {what} {span} before instruction {j} ({other.MNEMONIC}) delivers them"
        raise ProgramError(i, ins.MNEMONIC,
                           f"{how}: instruction {j} comes first in program order, sits in the "
                           f"{QUEUES[self.plans[j].queue].value} queue and {state}; no "
                           f"dependency token orders them", _unit_name(self.plans[i]), s)

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
        raise ProgramError(i, ins.MNEMONIC,
                           f"deadlock: waits for a token from the {' and '.join(names)} queue "
                           f"that no instruction still to run will send",
                           _unit_name(self.plans[i]), self.frontier)

    # ---------------------------------------------------------------- result
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
            n=self.n, order=tuple(self.order), start=tuple(self.start), end=tuple(self.end),
            kinds=tuple(p.kind for p in self.plans), units=tuple(p.unit for p in self.plans),
            total=total, tags=tuple(self.tags), tallies=tuple(map(tuple, self.tally)),
            tag_cycles=tuple(tag_cycles), error=error)


def _unit_name(plan: Plan) -> str | None:
    return plan.unit.value if plan.unit is not None else None
