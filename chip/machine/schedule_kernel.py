"""The timing rules of docs/timing.md as one compiled event loop (numba, cached on disk).

`run_timing` commits a program's instructions in order of their start cycle: for the head of
each queue it computes the earliest cycle the rules allow, commits the earliest (ties: program
order), fixes its end in closed form and accounts its unit's cycles. `_run` is the loop, in
phases marked in its body; each rule is one function:

- issue: `_dispatch` (program-order dispatch into queues of ``queue_depth``, queue-full
  intervals), `_token_wait` (the k-th pop of a channel waits for its k-th earliest push),
  `_execute_order` (the execute queue's order and the double-buffering overlaps; the DMA
  engines' request pipelining is ``issue_free``), `_port_wait` (bank ports held by the other
  queues);
- checks: the cycle limit, `_hazard` and `_conflict` (an earlier, unfinished instruction of
  another queue touching the same rows or bytes);
- DMA bandwidth and latency: bus grant, transfer and acknowledgement in closed form, in `_run`;
- accounting: `_charge_wait` (idle, queue full, tokens, bank conflict before the start),
  `_charge_run` (the instruction's own cycles), `_flush_store_tail`, `_tag_cycles`;
- commit: `_push` (tokens), `_hold_ports`, `_enter_flight` (the in-flight lists hazards read).

Inputs are struct-of-arrays built once per program from its distinct plans (`Tables`, built by
chip/machine/engine.py) plus the chip's constants (`Rules`); all mutable state is in `State`. A
fault stops the loop with a code in ``State.reg[STATUS]`` and what names it (instruction, the
other instruction, the footprint entry, cycles); chip/machine/engine.py turns that into the
`ProgramError` message.

Speed: the phase functions are inlined into the loop (``inline="always"``) and the loop uses
its arrays without numba's reference counting (`_borrowed`): a phase called with arrays
otherwise costs two atomic operations per array per call, most of the loop's time.
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np
from numba.core import cgutils, types
from numba.extending import intrinsic

_I64 = np.int64
EXEC_Q = 1  # the execute queue (0: load, 2: store)
N_CHANNELS = 9  # token channels, src_queue * 3 + dst_queue
# The kernel's own codes, translated from chip/machine/plan.py and accounting.py when the tables
# are built (chip/machine/engine.py): numba's disk cache is keyed on this file alone, so the
# compiled loop must not bake in other modules' values.
K_LOAD, K_STORE, K_PRELOAD, K_MATMUL, K_VEC, K_HALT, K_MOVE = range(7)  # Tables.kind
# stall causes, by column of Rules.stall_at
C_BANDWIDTH, C_LATENCY, C_TOKEN, C_QUEUE_FULL, C_BANK, C_FILL_DRAIN, C_PRELOAD = range(7)
K_DRAM = -1  # the footprint space of DRAM (on-chip memories keep their plan.py numbers)
# State.waits columns, per committed instruction: the cycles its start waited for (dispatch,
# queue order, tokens, bank ports; the start is their maximum), the token producer (-1: none)
# and a DMA's bus grant and end of transfer (chip/machine/critical.py walks them back)
W_DISPATCH, W_ORDER, W_TOKEN, W_PRODUCER, W_BANK, W_GRANT, W_FILLED, W_COLUMNS = range(8)

# fault codes in State.reg[STATUS]
OK, DEADLOCK, HAZARD, LIMIT = 0, 1, 2, 3
# State.reg slots: what the loop leaves for chip/machine/engine.py to read
(
    STATUS,
    FAULT_AT,  # the faulting instruction
    FAULT_OTHER,  # hazard: the earlier instruction it conflicts with
    FAULT_ENTRY,  # hazard: the faulting instruction's footprint row (into Tables.footprint)
    FAULT_CYCLE,  # the cycle the fault is reported at
    FAULT_UNTIL,  # limit: the cycle the instruction would run until
    N_ORDER,  # instructions committed
    FRONTIER,  # the latest end committed
    TOTAL,  # the program's cycles (without a fault)
    N_REGS,
) = range(10)


class Tables(NamedTuple):
    """A program as arrays: per instruction, per queue, and per distinct plan (row u)."""

    plan_of: np.ndarray  # per instruction: its distinct plan
    need: np.ndarray  # per instruction: the one its dispatch waits for (queue full), or -1
    tag_of: np.ndarray  # per instruction: its tag's index
    queue_instrs: np.ndarray  # the load, execute and store queues' instructions, in order
    queue_start: np.ndarray  # (4,) offsets of each queue into queue_instrs
    kind: np.ndarray  # per plan: K_LOAD, K_STORE, K_PRELOAD, K_MATMUL, K_VEC, K_HALT or K_MOVE
    length: np.ndarray  # duration, or a DMA's transfer cycles
    stream: np.ndarray  # a MATMUL's busy (streaming) cycles
    overlap_at: np.ndarray  # when the next OS MATMUL may start under double buffering
    extra: np.ndarray  # vector passes lost to an intra-instruction bank conflict
    macs: np.ndarray
    unit: np.ndarray  # index into Unit
    pops: np.ndarray  # (U, 2): popped token channels, -1 for none
    pushes: np.ndarray  # (U, 2): pushed token channels, -1 for none
    port_start: np.ndarray  # (U + 1,) CSR offsets into ports
    ports: np.ndarray  # bank ports: 2 * a bank's dense number, + 1 for its write port
    fp_start: np.ndarray  # (U + 1,) CSR offsets into footprint
    footprint: np.ndarray  # (F, 10): space (K_DRAM or an on-chip memory), lo, hi, write, then
    #                        a DRAM block's addr, rows, cols, row step, element step, size
    traffic_start: np.ndarray  # (U + 1,) CSR offsets into traffic
    traffic: np.ndarray  # (T, 2): tally index, bytes


class Rules(NamedTuple):
    """The chip's timing constants."""

    dram_latency: int
    dbuf_ws: bool  # PRELOAD may start with the MATMUL before it
    dbuf_os: bool  # OS MATMUL may start at the previous one's overlap_at
    max_cycles: int  # -1: no limit
    busy_at: np.ndarray  # per unit: its busy tally index
    stall_at: np.ndarray  # (units, 7): stall tally indices, by the C_ columns above
    macs_at: int  # tally index of MACs
    instructions_at: int  # tally index of instructions
    store_unit: int  # the store DMA engine's unit index


class State(NamedTuple):
    """Everything the loop changes; after a fault, what names it (see `new_state`)."""

    reg: np.ndarray  # the scalars, by the slot names above
    dispatch: np.ndarray  # per instruction: its dispatch cycle, -1 before
    start: np.ndarray  # per instruction: -1 until committed
    end: np.ndarray
    order: np.ndarray  # commit order (reg[N_ORDER] long)
    heads: np.ndarray  # per queue: position of its head in its queue
    blocked: np.ndarray  # (3, n + 1): dispatcher blocked on a full queue: lo, hi, cycles before
    n_blocked: np.ndarray  # (1,): intervals in blocked
    push_start: np.ndarray  # (10,) CSR offsets of each channel's pushes (`_count_pushes`)
    push_end: np.ndarray  # a channel's pushes (end, producer), kept sorted
    push_by: np.ndarray
    pushed: np.ndarray  # per channel: pushes so far
    popped: np.ndarray  # per channel: pops so far
    port_until: np.ndarray  # (ports, 3): per port and queue, until when it is held (a store:
    #                         until its last row is read, not its end)
    dma_phase: np.ndarray  # (n, 4): a DMA's latency [lo, hi) and bandwidth [lo, hi) phases
    inflight: np.ndarray  # per queue at queue_start[q]: started, maybe not ended
    n_flight: np.ndarray
    issue_free: np.ndarray  # per queue: when its DMA engine may start the next instruction
    unit_acct: np.ndarray  # per unit: cycles accounted so far
    store_tail: np.ndarray  # a store's acknowledgement latency not counted yet: valid, lo, hi,
    #                         tag, tally index
    tally: np.ndarray  # (tags, accounting width)
    tag_cycles: np.ndarray
    waits: np.ndarray  # (n, W_COLUMNS): per instruction, what its start waited for (W_ columns)


def new_state(t: Tables, r: Rules, n_tags: int, width: int) -> State:
    """A fresh state for the program of ``t`` with ``n_tags`` tallies of ``width`` counts.

    The arrays are views into two blocks (one of -1, one of zeros): a small program's timing
    would otherwise spend more time allocating them than running the loop."""
    n = t.plan_of.size
    n_push = max(2 * n, 1)  # room for two pushes per instruction (`_count_pushes` lays out)
    n_ports = max(2 * t.ports.size, 1)  # port ids are below twice their count (engine.tables)
    a = _carve(-1, dispatch=n, start=n, end=n, dma_phase=4 * n, waits=W_COLUMNS * n)
    z = _carve(
        0,
        reg=N_REGS,
        order=n,
        heads=3,
        blocked=3 * (n + 1),
        n_blocked=1,
        push_start=N_CHANNELS + 1,
        push_end=n_push,
        push_by=n_push,
        pushed=N_CHANNELS,
        popped=N_CHANNELS,
        port_until=3 * n_ports,
        inflight=max(n, 1),
        n_flight=3,
        issue_free=3,
        unit_acct=len(r.busy_at),
        store_tail=5,
        tally=n_tags * width,
        tag_cycles=n_tags,
    )
    a["dma_phase"] = a["dma_phase"].reshape(n, 4)
    a["waits"] = a["waits"].reshape(n, W_COLUMNS)
    z["blocked"] = z["blocked"].reshape(3, n + 1)
    z["port_until"] = z["port_until"].reshape(n_ports, 3)
    z["tally"] = z["tally"].reshape(n_tags, width)
    return State(**a, **z)


def _carve(fill: int, **sizes: int) -> dict[str, np.ndarray]:
    """Arrays of the given sizes filled with ``fill``, as consecutive views of one block."""
    block = np.full(sum(sizes.values()), fill, dtype=_I64)
    out, at = {}, 0
    for name, size in sizes.items():
        out[name] = block[at : at + size]
        at += size
    return out


@numba.njit(cache=True)
def queue_tables(queue_of, depth):
    """The queues of a program whose instruction i goes to queue ``queue_of[i]`` (-1: none):
    (their instructions, load then execute then store, in program order; the (4,) offsets of
    each queue into them; per instruction, the one its dispatch waits for, or -1: the
    instruction ``depth`` places earlier in its queue, which must start to make room)."""
    n = queue_of.size
    counts = np.zeros(3, dtype=np.int64)
    for i in range(n):
        if queue_of[i] >= 0:
            counts[queue_of[i]] += 1
    start = np.zeros(4, dtype=np.int64)
    for q in range(3):
        start[q + 1] = start[q] + counts[q]
    instrs = np.empty(start[3], dtype=np.int64)
    need = np.full(n, -1, dtype=np.int64)
    fill = start[:3].copy()
    for i in range(n):
        q = queue_of[i]
        if q >= 0:
            if fill[q] - start[q] >= depth:
                need[i] = instrs[fill[q] - depth]
            instrs[fill[q]] = i
            fill[q] += 1
    return instrs, start, need


def run_timing(t: Tables, r: Rules, st: State) -> None:
    """Evaluate the timing rules over the program of ``t`` into ``st`` (see the module
    docstring): ``st.reg[STATUS]`` is OK, or the fault that stopped it."""
    _entry(*t, *r, *st)


_N_TABLES = len(Tables._fields)
_N_INPUTS = _N_TABLES + len(Rules._fields)


@intrinsic
def _borrowed(typingctx, items):
    """``items`` (a tuple) with every array detached from its reference count.

    numba counts the references of an array each time it is bound to a variable, atomically:
    a phase function called with arrays costs two atomic operations per array argument, once
    per instruction, otherwise about 70% of the loop's time (measured with perf). The loop's
    arrays all belong to the caller of `run_timing`, which holds them until the loop returns,
    so the loop may use them uncounted: a null meminfo makes numba's increments and decrements
    no-ops. (Arrays the loop allocates itself are counted as usual.)"""

    def codegen(context, builder, sig, args):
        (out,) = args
        for k, ty in enumerate(sig.args[0]):
            if isinstance(ty, types.Array):
                value = builder.extract_value(out, k)
                ary = context.make_array(ty)(context, builder, value=value)
                ary.meminfo = cgutils.get_null_value(ary.meminfo.type)
                ary.parent = cgutils.get_null_value(ary.parent.type)
                out = builder.insert_value(out, ary._getvalue(), k)
        return out

    return items(items), codegen


@numba.njit(cache=True)
def _entry(*fields):
    """`_run` on the tuples made of ``fields``: numba checks the types of arrays passed one by
    one several times faster than inside a named tuple (a small program's whole run)."""
    _run(
        Tables(*fields[:_N_TABLES]),
        Rules(*fields[_N_TABLES:_N_INPUTS]),
        State(*fields[_N_INPUTS:]),
    )


@numba.njit(cache=True)
def _run(t, r, st):
    """The event loop: dispatch, pick the queue head that can start first, check, commit.

    The tables' and the state's arrays are bound to locals once and passed to the phases
    explicitly: reading a field of a tuple costs numba a reference-count update, which inside
    this loop was most of its time. They are used uncounted (`_borrowed`): the caller of
    `run_timing` holds every one of them until the loop returns."""
    t, r, st = _borrowed(t), _borrowed(r), _borrowed(st)
    plan_of, need, tag_of, qi, qs = t.plan_of, t.need, t.tag_of, t.queue_instrs, t.queue_start
    kind, length, overlap_at, pops, pushes = t.kind, t.length, t.overlap_at, t.pops, t.pushes
    port_start, ports, fp_start, fp = t.port_start, t.ports, t.fp_start, t.footprint
    reg, dispatch, start, end, heads = st.reg, st.dispatch, st.start, st.end, st.heads
    push_start, push_end, push_by = st.push_start, st.push_end, st.push_by
    pushed, popped, port_until = st.pushed, st.popped, st.port_until
    inflight, n_flight, issue_free = st.inflight, st.n_flight, st.issue_free
    unit, stream, extra, macs = t.unit, t.stream, t.extra, t.macs
    traffic_start, traffic = t.traffic_start, t.traffic
    blocked, n_blocked, dma_phase = st.blocked, st.n_blocked, st.dma_phase
    unit_acct, store_tail, tally, waits = st.unit_acct, st.store_tail, st.tally, st.waits
    busy_at, stall_at, store_unit = r.busy_at, r.stall_at, r.store_unit
    lat, limit = r.dram_latency, r.max_cycles
    dbuf_ws, dbuf_os, macs_at, instructions_at = r.dbuf_ws, r.dbuf_os, r.macs_at, r.instructions_at
    order = st.order
    n = plan_of.size
    nd = 0  # the first instruction not dispatched yet
    bus_free = 0  # the DRAM bus is free from this cycle
    # when the load engine's latest instruction ends, and which it is: its instructions retire
    # in order, so a MOVE's tokens are pushed no earlier (`_move_wait`)
    load_end, load_last = 0, -1
    exec_last, exec_end_all, exec_end_before_last = -1, 0, 0  # the execute queue so far
    frontier = n_order = 0
    remaining = qs[3]
    _count_pushes(plan_of, pushes, push_start)
    while True:
        nd = _dispatch(nd, need, dispatch, start, blocked, n_blocked)
        if remaining == 0:
            break
        # ---- issue: the dispatched queue head that can start first (ties: program order)
        best, best_q, best_s, best_order, best_tok, best_prod = -1, 0, 0, 0, 0, -1
        best_bank = 0
        for q in range(3):
            if heads[q] >= qs[q + 1] - qs[q]:
                continue
            i = qi[qs[q] + heads[q]]
            d = dispatch[i]
            if d < 0:
                continue
            u = plan_of[i]
            ready, tok_t, producer = _token_wait(
                pops[u, 0], pops[u, 1], popped, pushed, push_start, push_end, push_by
            )
            if not ready:
                continue
            if q != EXEC_Q:
                order_t = issue_free[q]  # the DMA engine has sent the previous requests
                if kind[u] == K_MOVE:  # and the loads writing what it touches, ended
                    dep_t, dep_by = _move_wait(
                        u, qs[q], inflight, n_flight[q], end, plan_of, fp_start, fp, port_start,
                        ports,
                    )  # fmt: skip
                    if dep_t > tok_t:
                        tok_t, producer = dep_t, dep_by
            elif exec_last < 0:
                order_t = exec_end_all
            else:
                lu = plan_of[exec_last]
                order_t = _execute_order(
                    kind[u], kind[lu], start[exec_last] + overlap_at[lu], start[exec_last],
                    exec_end_all, exec_end_before_last, dbuf_ws, dbuf_os,
                )  # fmt: skip
            bank_t = _port_wait(port_start[u], port_start[u + 1], ports, port_until, q)
            s = max(d, order_t, tok_t, bank_t)
            if best < 0 or s < best_s or (s == best_s and i < best):
                best, best_q, best_s = i, q, s
                best_order, best_tok, best_prod, best_bank = order_t, tok_t, producer, bank_t
        if best < 0:
            _fault(reg, DEADLOCK, -1, frontier, -1, -1, 0)
            break
        i, q, s = best, best_q, best_s
        u = plan_of[i]
        # ---- checks: the cycle limit, then hazards
        if limit >= 0 and s > limit:
            _fault(reg, LIMIT, i, limit, -1, -1, s)
            break
        j, x = _hazard(i, q, s, plan_of, qi, qs, heads, inflight, n_flight, end, fp_start, fp)
        if j >= 0:
            _fault(reg, HAZARD, i, s, j, x, 0)
            break
        # ---- DMA bandwidth and latency, in closed form
        g, f, e = s, s, s + length[u]
        if kind[u] == K_LOAD:  # data arrives from s + latency; the requests are out at s + n
            g = max(s + lat, bus_free)
            f = e = bus_free = load_end = g + length[u]
            issue_free[q] = s + length[u]
            load_last = i
        elif kind[u] == K_STORE:  # acknowledged a latency after the last beat
            g = max(s, bus_free)
            f = bus_free = issue_free[q] = g + length[u]
            e = f + lat
        elif kind[u] == K_MOVE:  # on chip, no bus; the next load may start at its end
            issue_free[q] = e
        if limit >= 0 and e > limit:
            _fault(reg, LIMIT, i, s, -1, -1, e)
            break
        # ---- accounting: the cycles the unit waited, then the instruction's own
        tg, un = tag_of[i], unit[u]
        cur = unit_acct[un]
        if kind[u] == K_STORE and store_tail[0]:
            cur = _flush_store_tail(store_tail, unit_acct, tally, store_unit, s)
        if s > cur:
            _charge_wait(
                tally, tg, stall_at, un, cur, s, best_order, dispatch[i], best_tok, best_prod,
                blocked, n_blocked[0], dma_phase,
            )  # fmt: skip
            cur = s
        unit_acct[un] = _charge_run(
            tally, tg, stall_at, un, busy_at[un], kind[u], cur, s, e, g, f, lat, stream[u], extra[u]
        )
        if kind[u] == K_LOAD:  # for token waits on it: latency, then bandwidth phase
            dma_phase[i, 0], dma_phase[i, 1], dma_phase[i, 2], dma_phase[i, 3] = (
                s,
                s + lat,
                s + lat,
                e,
            )
        elif kind[u] == K_STORE:  # the acknowledgement [f, e) is counted once known
            dma_phase[i, 0], dma_phase[i, 1], dma_phase[i, 2], dma_phase[i, 3] = f, e, s, f
            store_tail[0], store_tail[1], store_tail[2] = 1, f, e
            store_tail[3], store_tail[4] = tag_of[i], stall_at[un, C_LATENCY]
        for x in range(traffic_start[u], traffic_start[u + 1]):
            tally[tg, traffic[x, 0]] += traffic[x, 1]
        tally[tg, macs_at] += macs[u]
        tally[tg, instructions_at] += 1
        # ---- commit: tokens, ports, in-flight list, queue order
        push_t, push_i = e, i
        if kind[u] == K_MOVE:  # retired in order: its tokens once the loads before it ended
            if load_end > e:
                push_t, push_i = load_end, load_last
            else:
                load_end, load_last = e, i
        for m in range(2):
            if pops[u, m] >= 0:
                popped[pops[u, m]] += 1
            if pushes[u, m] >= 0:
                _push(pushes[u, m], push_t, push_i, push_start, push_end, push_by, pushed)
        # a store's read ports are free once its last row is in the engine's buffer (f)
        release = f if kind[u] == K_STORE else e
        _hold_ports(port_start[u], port_start[u + 1], ports, port_until, q, release)
        start[i], end[i] = s, e
        w = waits[i]
        w[W_DISPATCH], w[W_ORDER], w[W_TOKEN], w[W_PRODUCER] = (
            dispatch[i],
            best_order,
            best_tok,
            best_prod,
        )
        w[W_BANK], w[W_GRANT], w[W_FILLED] = best_bank, g, f
        _enter_flight(i, s, qs[q], inflight, n_flight, q, end)
        if q == EXEC_Q:
            exec_end_before_last = exec_end_all
            exec_end_all = max(exec_end_all, e)
            exec_last = i
        order[n_order] = i
        n_order += 1
        frontier = max(frontier, e)
        heads[q] += 1
        remaining -= 1
    reg[N_ORDER], reg[FRONTIER] = n_order, frontier
    if reg[STATUS] == OK:
        total = max(frontier, dispatch[n - 1] + 1) if n else 0
        reg[TOTAL] = total
        if store_tail[0]:
            _flush_store_tail(store_tail, unit_acct, tally, store_unit, total)
        _tag_cycles(total, end, dispatch, tag_of, st.tag_cycles)


@numba.njit(cache=True, inline="always")
def _count_pushes(plan_of, pushes, push_start):
    """Lay out ``push_start``: each channel's pushes get a slot per pushing instruction."""
    for i in range(plan_of.size):
        for m in range(2):
            ch = pushes[plan_of[i], m]
            if ch >= 0:
                push_start[ch + 1] += 1
    for ch in range(N_CHANNELS):
        push_start[ch + 1] += push_start[ch]


@numba.njit(cache=True, inline="always")
def _fault(reg, code, i, cycle, other, entry, until):
    reg[STATUS], reg[FAULT_AT], reg[FAULT_CYCLE] = code, i, cycle
    reg[FAULT_OTHER], reg[FAULT_ENTRY], reg[FAULT_UNTIL] = other, entry, until


@numba.njit(cache=True, inline="always")
def _dispatch(nd, need, dispatch, start, blocked, n_blocked):
    """Dispatch, in program order from instruction ``nd``, every instruction whose queue has
    room (the instruction ``queue_depth`` places before it in its queue has started), one per
    cycle, recording the intervals the dispatcher is blocked; returns the next ``nd``."""
    n = dispatch.size
    while nd < n:
        c = dispatch[nd - 1] + 1 if nd else 0
        j = need[nd]
        if j >= 0:
            sj = start[j]
            if sj < 0:
                break  # the queue is full until instruction j starts
            if sj > c:
                nb = n_blocked[0]
                before = blocked[2, nb - 1] + blocked[1, nb - 1] - blocked[0, nb - 1] if nb else 0
                blocked[0, nb], blocked[1, nb], blocked[2, nb] = c, sj, before
                n_blocked[0] = nb + 1
                c = sj
        dispatch[nd] = c
        nd += 1
    return nd


@numba.njit(cache=True, inline="always")
def _token_wait(ch0, ch1, popped, pushed, push_start, push_end, push_by):
    """Popping channels ``ch0`` and ``ch1`` (-1: none): (every token pushed yet, cycle they are
    all available, the latest one's producer). The k-th pop of a channel waits for its k-th
    earliest push."""
    tok_t, producer = 0, -1
    for ch in (ch0, ch1):
        if ch < 0:
            continue
        k = popped[ch]
        if pushed[ch] <= k:
            return False, 0, -1
        at = push_end[push_start[ch] + k]
        if at > tok_t or producer < 0:
            tok_t, producer = max(tok_t, at), push_by[push_start[ch] + k]
    return True, tok_t, producer


@numba.njit(cache=True, inline="always")
def _execute_order(kind, last_kind, last_overlap, last_start, end_all, end_before_last, ws, os):
    """The first cycle an execute instruction of ``kind`` may start after one of ``last_kind``
    (which started at ``last_start``): after every earlier one has ended, except under double
    buffering: a PRELOAD with the MATMUL before it (which copied the shadow tile), an OS MATMUL
    at the previous one's ``last_overlap`` (its drain overlaps the next compute)."""
    if last_kind == K_MATMUL:
        if ws and kind == K_PRELOAD:
            return max(last_start, end_before_last)
        if os and kind == K_MATMUL:
            return max(last_overlap, end_before_last)
    return end_all


@numba.njit(cache=True, inline="always")
def _move_wait(u, base, inflight, n, end, plan_of, fp_start, fp, port_start, ports):
    """A MOVE (plan ``u``) waits for the earlier load-queue instructions still in flight
    (``inflight[base:base + n]``) that write rows it reads or writes, read rows it writes, or
    write a bank it writes (a bank has one write port): (the latest of their ends, that
    instruction), or (0, -1)."""
    dep_t, dep_by = 0, -1
    for x in range(n):
        j = inflight[base + x]
        v = plan_of[j]
        if end[j] > dep_t and (
            _conflict(fp, fp_start[u], fp_start[u + 1], fp_start[v], fp_start[v + 1]) >= 0
            or _write_port_shared(
                ports, port_start[u], port_start[u + 1], port_start[v], port_start[v + 1]
            )
        ):
            dep_t, dep_by = end[j], j
    return dep_t, dep_by


@numba.njit(cache=True, inline="always")
def _write_port_shared(ports, a0, a1, b0, b1):
    """Whether a write port (an odd id: engine.tables) of ``ports[a0:a1]`` is among
    ``ports[b0:b1]``."""
    for x in range(a0, a1):
        if ports[x] & 1:
            for y in range(b0, b1):
                if ports[y] == ports[x]:
                    return True
    return False


@numba.njit(cache=True, inline="always")
def _port_wait(lo, hi, ports, port_until, q):
    """The first cycle the bank ports ``ports[lo:hi]`` are free of the queues other than ``q``."""
    bank_t = 0
    for x in range(lo, hi):
        for q2 in range(3):
            if q2 != q and port_until[ports[x], q2] > bank_t:
                bank_t = port_until[ports[x], q2]
    return bank_t


@numba.njit(cache=True, inline="always")
def _hazard(i, q, s, plan_of, qi, qs, heads, inflight, n_flight, end, fp_start, fp):
    """An instruction before ``i`` in program order, in another queue, not ended at cycle ``s``
    (started, then still waiting), whose footprint conflicts with ``i``'s: (it, the row of
    ``i``'s footprint that conflicts), or (-1, -1)."""
    u = plan_of[i]
    for q2 in range(3):
        if q2 == q:
            continue
        for x in range(n_flight[q2]):
            j = inflight[qs[q2] + x]
            if j < i and end[j] > s:
                v = plan_of[j]
                hit = _conflict(fp, fp_start[u], fp_start[u + 1], fp_start[v], fp_start[v + 1])
                if hit >= 0:
                    return j, hit
        for pos in range(heads[q2], qs[q2 + 1] - qs[q2]):
            j = qi[qs[q2] + pos]
            if j > i:
                break
            v = plan_of[j]
            hit = _conflict(fp, fp_start[u], fp_start[u + 1], fp_start[v], fp_start[v + 1])
            if hit >= 0:
                return j, hit
    return -1, -1


@numba.njit(cache=True, inline="always")
def _conflict(fp, a0, a1, b0, b1):
    """The first footprint row of ``fp[a0:a1]`` overlapping one of ``fp[b0:b1]`` with at least
    one side writing (plan.conflicts), or -1."""
    for x in range(a0, a1):
        for y in range(b0, b1):
            if fp[x, 0] != fp[y, 0] or not (fp[x, 3] or fp[y, 3]):
                continue
            if fp[x, 1] >= fp[y, 2] or fp[y, 1] >= fp[x, 2]:
                continue
            if fp[x, 0] != K_DRAM or _dram_overlap(fp[x], fp[y]):
                return x
    return -1


@numba.njit(cache=True)
def _dram_overlap(a, b):
    """Does an element byte range of DRAM block ``a`` overlap one of ``b``?"""
    ps, qs = _element_starts(a), _element_starts(b)
    # the first element of b starting after p - b's size overlaps [p, p + a's size) if it
    # starts before p + a's size
    k = np.searchsorted(qs, ps - b[9], side="right")
    for m in range(ps.size):
        if k[m] < qs.size and qs[k[m]] < ps[m] + a[9]:
            return True
    return False


@numba.njit(cache=True)
def _element_starts(b):
    """Sorted byte addresses of a DRAM block's elements (footprint.DramBlock.element_starts)."""
    addr, rows, cols, step_r, step_e = b[4], b[5], b[6], b[7], b[8]
    out = np.empty(rows * cols, dtype=np.int64)
    for row in range(rows):
        for c in range(cols):
            out[row * cols + c] = addr + row * step_r + c * step_e
    return np.sort(out)


@numba.njit(cache=True, inline="always")
def _push(ch, e, i, push_start, push_end, push_by, pushed):
    """Instruction ``i`` pushes a token on channel ``ch`` at cycle ``e``: insert (e, i) into
    the channel's pushes, kept sorted."""
    lo = push_start[ch]
    x = lo + pushed[ch]
    while x > lo and (push_end[x - 1] > e or (push_end[x - 1] == e and push_by[x - 1] > i)):
        push_end[x], push_by[x] = push_end[x - 1], push_by[x - 1]
        x -= 1
    push_end[x], push_by[x] = e, i
    pushed[ch] += 1


@numba.njit(cache=True, inline="always")
def _hold_ports(lo, hi, ports, port_until, q, e):
    """Queue ``q`` holds the bank ports ``ports[lo:hi]`` until cycle ``e``."""
    for x in range(lo, hi):
        if e > port_until[ports[x], q]:
            port_until[ports[x], q] = e


@numba.njit(cache=True, inline="always")
def _enter_flight(i, s, base, inflight, n_flight, q, end):
    """Instruction ``i`` starts at ``s`` in queue ``q``: keep the queue's in-flight
    instructions (from ``inflight[base]``) not ended by ``s``, then ``i``."""
    kept = 0
    for x in range(n_flight[q]):
        j = inflight[base + x]
        if end[j] > s:
            inflight[base + kept] = j
            kept += 1
    inflight[base + kept] = i
    n_flight[q] = kept + 1


@numba.njit(cache=True, inline="always")
def _charge_wait(tally, tg, stall, un, cur, s, order_t, d, tok_t, producer, blocked, nb, dma_phase):
    """Split the cycles [cur, s) a unit waited for its instruction: idle while it waited for
    earlier execute instructions, queue full while the dispatcher was blocked before it was
    dispatched (``d``), tokens until ``tok_t`` (a DMA producer's latency and transfer phases as
    DRAM latency and bandwidth), then bank conflict."""
    a = min(max(order_t, cur), s)
    b = min(max(d, a), s)
    if nb:
        tally[tg, stall[un, C_QUEUE_FULL]] += _blocked_before(blocked, nb, b) - _blocked_before(
            blocked, nb, a
        )
    c = min(max(tok_t, b), s)
    if c > b:
        n_lat = n_bw = 0
        if producer >= 0 and dma_phase[producer, 0] >= 0:
            n_lat = max(0, min(c, dma_phase[producer, 1]) - max(b, dma_phase[producer, 0]))
            n_bw = max(0, min(c, dma_phase[producer, 3]) - max(b, dma_phase[producer, 2]))
        tally[tg, stall[un, C_LATENCY]] += n_lat
        tally[tg, stall[un, C_BANDWIDTH]] += n_bw
        tally[tg, stall[un, C_TOKEN]] += c - b - n_lat - n_bw
    tally[tg, stall[un, C_BANK]] += s - c


@numba.njit(cache=True, inline="always")
def _charge_run(tally, tg, stall, un, busy, kind, cur, s, e, g, f, lat, stream, extra):
    """Charge an instruction's own cycles [s, e) not accounted yet (from ``cur``): a MATMUL's
    stream busy and the rest fill/drain, a PRELOAD's as preload, a vector instruction's busy
    but its bank-conflict passes; a DMA's latency, bus wait (until grant ``g``) and transfer
    (until ``f``), where pipelined transfers overlap counting each cycle once. Returns the
    unit's accounted cycle."""
    own = max(e - cur, 0)
    if kind == K_MATMUL:
        tally[tg, busy] += min(stream, own)
        tally[tg, stall[un, C_FILL_DRAIN]] += own - min(stream, own)
    elif kind == K_PRELOAD:
        tally[tg, stall[un, C_PRELOAD]] += own
    elif kind == K_VEC:
        tally[tg, busy] += own - extra
        tally[tg, stall[un, C_BANK]] += extra
    elif kind == K_MOVE:
        tally[tg, busy] += own
    elif kind == K_LOAD:  # latency [s, s + lat), bus wait [s + lat, g), transfer [g, e)
        if s + lat > cur:
            tally[tg, stall[un, C_LATENCY]] += s + lat - max(s, cur)
        if g > cur:
            tally[tg, stall[un, C_BANDWIDTH]] += g - max(s + lat, cur)
        if e > cur:
            tally[tg, busy] += e - max(g, cur)
    elif kind == K_STORE:  # bus wait [s, g), transfer [g, f); the acknowledgement later
        if g > cur:
            tally[tg, stall[un, C_BANDWIDTH]] += g - max(s, cur)
        if f > cur:
            tally[tg, busy] += f - max(g, cur)
        return max(cur, f)
    return max(cur, e)


@numba.njit(cache=True, inline="always")
def _blocked_before(blocked, nb, c):
    """Cycles before ``c`` during which the dispatcher was blocked on a full queue."""
    k = np.searchsorted(blocked[0, :nb], c, side="right") - 1
    if k < 0:
        return 0
    return blocked[2, k] + min(c, blocked[1, k]) - blocked[0, k]


@numba.njit(cache=True, inline="always")
def _flush_store_tail(tail, unit_acct, tally, store_unit, until):
    """Count the previous store's acknowledgement latency up to cycle ``until`` (the rest
    overlaps a later store's own cycles); returns the store unit's accounted cycle."""
    cur = unit_acct[store_unit]
    stop = min(tail[2], until)
    if stop > max(tail[1], cur):
        tally[tail[3], tail[4]] += stop - max(tail[1], cur)
    unit_acct[store_unit] = max(cur, stop)
    tail[0] = 0
    return unit_acct[store_unit]


@numba.njit(cache=True)
def _tag_cycles(total, end, dispatch, tag_of, tag_cycles):
    """Per tag, cycles go to the tag of the oldest unfinished instruction."""
    n = end.size
    reached = 0
    for i in range(n):
        e = end[i] if end[i] >= 0 else dispatch[i] + 1
        if e > reached:
            tag_cycles[tag_of[i]] += e - reached
            reached = e
    if total > reached and n:
        tag_cycles[tag_of[n - 1]] += total - reached
