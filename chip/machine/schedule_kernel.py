"""The timing rules of docs/timing.md as one compiled event loop (numba, cached on disk).

`run_timing` commits a program's instructions in order of their start cycle: for the head of
each queue it computes the earliest cycle the rules allow, commits the earliest (ties: program
order), fixes its end in closed form and accounts its unit's cycles. Each rule is one function:

- `_dispatch`: program-order dispatch into queues of ``queue_depth`` (queue-full intervals);
- `_token_wait`: the k-th pop of a token channel waits for its k-th earliest push;
- `_port_wait`: bank ports held by the other queues;
- `_order_wait`: the execute queue's order (and the double-buffering overlaps), the DMA
  engines' request pipelining;
- `_hazard`: an earlier instruction of another queue, unfinished, touching the same data;
- `_dma_end`: DMA latency, bus grant and transfer in closed form;
- `_account`: busy, idle and stall cycles per unit and tag;
- `_commit`: tokens pushed and popped, ports held, in-flight lists.

Inputs are struct-of-arrays built once per program from its distinct plans (`Tables`, built by
chip/machine/engine.py) plus the chip's constants (`Rules`); all mutable state is in `State`. A
fault stops the loop with a code in ``State.reg[STATUS]`` and what names it (instruction, the
other instruction, the footprint entry, cycles); chip/machine/engine.py turns that into the
`ProgramError` message.
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np

_I64 = np.int64
EXEC_Q = 1  # the execute queue (0: load, 2: store)
N_CHANNELS = 9  # token channels, src_queue * 3 + dst_queue
# The kernel's own codes, translated from chip/machine/plan.py and accounting.py when the tables
# are built (chip/machine/engine.py): numba's disk cache is keyed on this file alone, so the
# compiled loop must not bake in other modules' values.
K_LOAD, K_STORE, K_PRELOAD, K_MATMUL, K_VEC, K_HALT = range(6)  # Tables.kind
# stall causes, by column of Rules.stall_at
C_BANDWIDTH, C_LATENCY, C_TOKEN, C_QUEUE_FULL, C_BANK, C_FILL_DRAIN, C_PRELOAD = range(7)
K_DRAM = -1  # the footprint space of DRAM (on-chip memories keep their plan.py numbers)

# fault codes in State.reg[STATUS]
OK, DEADLOCK, HAZARD, LIMIT = 0, 1, 2, 3
# State.reg slots: the loop's scalars, and a fault's description
(
    STATUS,
    FAULT_AT,  # the faulting instruction
    FAULT_OTHER,  # hazard: the earlier instruction it conflicts with
    FAULT_ENTRY,  # hazard: the faulting instruction's footprint row (into Tables.footprint)
    FAULT_CYCLE,  # the cycle the fault is reported at
    FAULT_UNTIL,  # limit: the cycle the instruction would run until
    N_ORDER,  # instructions committed
    NEXT_DISPATCH,  # the first instruction not dispatched yet
    N_BLOCKED,  # dispatcher-blocked intervals recorded
    FRONTIER,  # the latest end committed
    BUS_FREE,  # the DRAM bus is free from this cycle
    EXEC_LAST,  # the last execute instruction committed, or -1
    EXEC_END_ALL,  # the latest end of the execute queue
    EXEC_END_BEFORE_LAST,  # the same before EXEC_LAST was committed
    TAIL_VALID,  # a store's acknowledgement latency not counted yet: valid, [lo, hi), tag, index
    TAIL_LO,
    TAIL_HI,
    TAIL_TAG,
    TAIL_INDEX,
    TOTAL,
    N_REGS,
) = range(21)


class Tables(NamedTuple):
    """A program as arrays: per instruction, per queue, and per distinct plan (row u)."""

    plan_of: np.ndarray  # per instruction: its distinct plan
    need: np.ndarray  # per instruction: the one its dispatch waits for (queue full), or -1
    tag_of: np.ndarray  # per instruction: its tag's index
    queue_instrs: np.ndarray  # the load, execute and store queues' instructions, in order
    queue_start: np.ndarray  # (4,) offsets of each queue into queue_instrs
    kind: np.ndarray  # per plan: K_LOAD, K_STORE, K_PRELOAD, K_MATMUL, K_VEC or K_HALT
    length: np.ndarray  # duration, or a DMA's transfer cycles
    stream: np.ndarray  # a MATMUL's busy (streaming) cycles
    overlap_at: np.ndarray  # when the next OS MATMUL may start under double buffering
    extra: np.ndarray  # vector passes lost to an intra-instruction bank conflict
    macs: np.ndarray
    unit: np.ndarray  # index into Unit
    pops: np.ndarray  # (U, 2): popped token channels, -1 for none
    pushes: np.ndarray  # (U, 2): pushed token channels, -1 for none
    port_start: np.ndarray  # (U + 1,) CSR offsets into ports
    ports: np.ndarray  # bank ports, numbered densely from 0
    fp_start: np.ndarray  # (U + 1,) CSR offsets into footprint
    footprint: np.ndarray  # (F, 10): space (K_DRAM or an on-chip memory), lo, hi, write,
    #                        then a DRAM block's addr, rows, cols, stride, transpose, size
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
    blocked: np.ndarray  # (n + 1, 3): dispatcher blocked on a full queue: lo, hi, cycles before
    push_start: np.ndarray  # (10,) CSR offsets of each channel's pushes
    push_end: np.ndarray  # a channel's pushes (end, producer), kept sorted
    push_by: np.ndarray
    pushed: np.ndarray  # per channel: pushes so far
    popped: np.ndarray  # per channel: pops so far
    port_until: np.ndarray  # (ports, 3): per port and queue, until when it is held
    dma_phase: np.ndarray  # (n, 4): a DMA's latency [lo, hi) and bandwidth [lo, hi) phases
    inflight: np.ndarray  # per queue at queue_start[q]: started, maybe not ended
    n_flight: np.ndarray
    issue_free: np.ndarray  # per queue: when its DMA engine may start the next instruction
    unit_acct: np.ndarray  # per unit: cycles accounted so far
    tally: np.ndarray  # (tags, accounting width)
    tag_cycles: np.ndarray


def new_state(t: Tables, r: Rules, n_tags: int, width: int) -> State:
    """A fresh state for the program of ``t`` with ``n_tags`` tallies of ``width`` counts."""
    n, n_plans = t.plan_of.size, t.kind.size
    push_start = np.zeros(N_CHANNELS + 1, dtype=_I64)
    if n:  # each channel's pushes get a slot per pushing instruction
        per_plan = np.zeros((n_plans, N_CHANNELS + 1), dtype=_I64)
        for m in range(2):
            has = t.pushes[:, m] >= 0
            per_plan[np.flatnonzero(has), t.pushes[has, m] + 1] += 1
        uses = np.bincount(t.plan_of, minlength=n_plans)
        push_start = np.cumsum(uses @ per_plan)
    n_push = max(int(push_start[-1]), 1)
    reg = np.zeros(N_REGS, dtype=_I64)
    reg[EXEC_LAST] = -1
    return State(
        reg=reg,
        dispatch=np.full(n, -1, dtype=_I64),
        start=np.full(n, -1, dtype=_I64),
        end=np.full(n, -1, dtype=_I64),
        order=np.zeros(n, dtype=_I64),
        heads=np.zeros(3, dtype=_I64),
        blocked=np.zeros((n + 1, 3), dtype=_I64),
        push_start=push_start.astype(_I64),
        push_end=np.zeros(n_push, dtype=_I64),
        push_by=np.zeros(n_push, dtype=_I64),
        pushed=np.zeros(N_CHANNELS, dtype=_I64),
        popped=np.zeros(N_CHANNELS, dtype=_I64),
        port_until=np.zeros((max(t.ports.size, 1), 3), dtype=_I64),
        dma_phase=np.full((n, 4), -1, dtype=_I64),
        inflight=np.zeros(max(n, 1), dtype=_I64),
        n_flight=np.zeros(3, dtype=_I64),
        issue_free=np.zeros(3, dtype=_I64),
        unit_acct=np.zeros(len(r.busy_at), dtype=_I64),
        tally=np.zeros((n_tags, width), dtype=_I64),
        tag_cycles=np.zeros(n_tags, dtype=_I64),
    )


def run_timing(t: Tables, r: Rules, st: State) -> None:
    """Evaluate the timing rules over the program of ``t`` into ``st`` (see the module
    docstring): ``st.reg[STATUS]`` is OK, or the fault that stopped it."""
    _run(t, r, st)


@numba.njit(cache=True)
def _run(t, r, st):
    """The event loop: dispatch, pick the queue head that can start first, check, commit."""
    reg = st.reg
    remaining = t.queue_start[3]
    while True:
        _dispatch(t, st)
        if remaining == 0:
            break
        best, best_q, best_s, order_t, tok_t, producer = _earliest_head(t, r, st)
        if best < 0:
            reg[STATUS] = DEADLOCK
            return
        i, q, s = best, best_q, best_s
        u = t.plan_of[i]
        if r.max_cycles >= 0 and s > r.max_cycles:
            _fault(reg, LIMIT, i, r.max_cycles, until=s)
            return
        j, x = _hazard(t, st, i, q, s)
        if j >= 0:
            _fault(reg, HAZARD, i, s, other=j, entry=x)
            return
        kind = t.kind[u]
        g, f, e = s, s, s + t.length[u]
        if kind == K_LOAD or kind == K_STORE:
            g, f, e = _dma_end(t, r, st, u, q, s)
        if r.max_cycles >= 0 and e > r.max_cycles:
            _fault(reg, LIMIT, i, s, until=e)
            return
        _account(t, r, st, i, s, e, g, f, order_t, tok_t, producer)
        _commit(t, st, i, q, s, e)
        remaining -= 1
    _finish(t, r, st)


@numba.njit(cache=True)
def _fault(reg, code, i, cycle, other=-1, entry=-1, until=0):
    reg[STATUS], reg[FAULT_AT], reg[FAULT_CYCLE] = code, i, cycle
    reg[FAULT_OTHER], reg[FAULT_ENTRY], reg[FAULT_UNTIL] = other, entry, until


@numba.njit(cache=True)
def _dispatch(t, st):
    """Dispatch, in program order, every instruction whose queue has room (the instruction
    ``queue_depth`` places before it in its queue has started), one per cycle."""
    reg, dispatch, start, blocked = st.reg, st.dispatch, st.start, st.blocked
    n = dispatch.size
    nd, nb = reg[NEXT_DISPATCH], reg[N_BLOCKED]
    while nd < n:
        c = dispatch[nd - 1] + 1 if nd else 0
        j = t.need[nd]
        if j >= 0:
            sj = start[j]
            if sj < 0:
                break  # the queue is full until instruction j starts
            if sj > c:
                before = blocked[nb - 1, 2] + blocked[nb - 1, 1] - blocked[nb - 1, 0] if nb else 0
                blocked[nb, 0], blocked[nb, 1], blocked[nb, 2] = c, sj, before
                nb += 1
                c = sj
        dispatch[nd] = c
        nd += 1
    reg[NEXT_DISPATCH], reg[N_BLOCKED] = nd, nb


@numba.njit(cache=True)
def _earliest_head(t, r, st):
    """The dispatched queue head that can start first (ties: program order): (instruction or
    -1 if none can, its queue, start, queue-order bound, token bound, token producer)."""
    best, best_q, best_s, best_order, best_tok, best_prod = -1, 0, 0, 0, 0, -1
    qs = t.queue_start
    for q in range(3):
        h = st.heads[q]
        if h >= qs[q + 1] - qs[q]:
            continue
        i = t.queue_instrs[qs[q] + h]
        d = st.dispatch[i]
        if d < 0:
            continue
        u = t.plan_of[i]
        ready, tok_t, producer = _token_wait(t, st, u)
        if not ready:
            continue
        order_t = _order_wait(t, r, st, u, q)
        s = max(d, order_t, tok_t, _port_wait(t, st, u, q))
        if best < 0 or s < best_s or (s == best_s and i < best):
            best, best_q, best_s = i, q, s
            best_order, best_tok, best_prod = order_t, tok_t, producer
    return best, best_q, best_s, best_order, best_tok, best_prod


@numba.njit(cache=True)
def _token_wait(t, st, u):
    """(every token pushed yet, cycle they are all available, the latest one's producer)."""
    tok_t, producer = 0, -1
    for m in range(2):
        ch = t.pops[u, m]
        if ch < 0:
            continue
        k = st.popped[ch]
        if st.pushed[ch] <= k:
            return False, 0, -1
        at = st.push_end[st.push_start[ch] + k]
        if at > tok_t or producer < 0:
            tok_t, producer = max(tok_t, at), st.push_by[st.push_start[ch] + k]
    return True, tok_t, producer


@numba.njit(cache=True)
def _port_wait(t, st, u, q):
    """The first cycle every bank port plan ``u`` needs is free of the other queues."""
    bank_t = 0
    for x in range(t.port_start[u], t.port_start[u + 1]):
        p = t.ports[x]
        for q2 in range(3):
            if q2 != q and st.port_until[p, q2] > bank_t:
                bank_t = st.port_until[p, q2]
    return bank_t


@numba.njit(cache=True)
def _order_wait(t, r, st, u, q):
    """The first cycle queue ``q``'s order allows its head (of plan ``u``) to start."""
    if q != EXEC_Q:
        return st.issue_free[q]  # the DMA engine has sent the previous requests
    reg = st.reg
    last = reg[EXEC_LAST]
    if last >= 0:
        lu = t.plan_of[last]
        if t.kind[lu] == K_MATMUL:
            if r.dbuf_ws and t.kind[u] == K_PRELOAD:  # the MATMUL copied the shadow tile
                return max(st.start[last], reg[EXEC_END_BEFORE_LAST])
            if r.dbuf_os and t.kind[u] == K_MATMUL:  # the drain overlaps the next compute
                return max(st.start[last] + t.overlap_at[lu], reg[EXEC_END_BEFORE_LAST])
    return reg[EXEC_END_ALL]


@numba.njit(cache=True)
def _hazard(t, st, i, q, s):
    """An instruction before ``i`` in program order, in another queue, not ended at cycle ``s``
    (started, then still waiting), whose footprint conflicts with ``i``'s: (it, the row of
    ``i``'s footprint that conflicts), or (-1, -1)."""
    qs, end = t.queue_start, st.end
    u = t.plan_of[i]
    for q2 in range(3):
        if q2 == q:
            continue
        for x in range(st.n_flight[q2]):
            j = st.inflight[qs[q2] + x]
            if j < i and end[j] > s:
                hit = _conflict(t, u, t.plan_of[j])
                if hit >= 0:
                    return j, hit
        for pos in range(st.heads[q2], qs[q2 + 1] - qs[q2]):
            j = t.queue_instrs[qs[q2] + pos]
            if j > i:
                break
            hit = _conflict(t, u, t.plan_of[j])
            if hit >= 0:
                return j, hit
    return -1, -1


@numba.njit(cache=True)
def _conflict(t, u, v):
    """The first footprint row of plan ``u`` overlapping one of plan ``v``'s with at least one
    side writing (plan.conflicts), or -1."""
    fp = t.footprint
    for x in range(t.fp_start[u], t.fp_start[u + 1]):
        for y in range(t.fp_start[v], t.fp_start[v + 1]):
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
    """Sorted byte addresses of a DRAM block's elements (plan.DramBlock.element_starts)."""
    addr, rows, cols, stride, transpose, size = b[4], b[5], b[6], b[7], b[8], b[9]
    step_r, step_e = (size, stride) if transpose else (stride, size)
    out = np.empty(rows * cols, dtype=np.int64)
    for row in range(rows):
        for c in range(cols):
            out[row * cols + c] = addr + row * step_r + c * step_e
    return np.sort(out)


@numba.njit(cache=True)
def _dma_end(t, r, st, u, q, s):
    """A DMA starting at ``s``: (bus grant, end of its data on the bus, end), and the bus and
    the queue's engine reserved. A load's data arrives from ``s + latency``; a store is
    acknowledged ``latency`` after its last beat."""
    reg, lat, n = st.reg, r.dram_latency, t.length[u]
    if t.kind[u] == K_LOAD:
        g = max(s + lat, reg[BUS_FREE])
        reg[BUS_FREE] = g + n
        st.issue_free[q] = s + n  # the requests are out
        return g, g + n, g + n
    g = max(s, reg[BUS_FREE])
    reg[BUS_FREE] = st.issue_free[q] = g + n  # the data has left
    return g, g + n, g + n + lat


@numba.njit(cache=True)
def _blocked_before(blocked, nb, c):
    """Cycles before ``c`` during which the dispatcher was blocked on a full queue."""
    k = np.searchsorted(blocked[:nb, 0], c, side="right") - 1
    if k < 0:
        return 0
    return blocked[k, 2] + min(c, blocked[k, 1]) - blocked[k, 0]


@numba.njit(cache=True)
def _flush_store_tail(r, st, until):
    """Count the previous store's acknowledgement latency up to cycle ``until`` (the rest
    overlaps a later store's own cycles); returns the store unit's accounted cycle."""
    reg, unit_acct = st.reg, st.unit_acct
    cur = unit_acct[r.store_unit]
    stop = min(reg[TAIL_HI], until)
    if stop > max(reg[TAIL_LO], cur):
        st.tally[reg[TAIL_TAG], reg[TAIL_INDEX]] += stop - max(reg[TAIL_LO], cur)
    unit_acct[r.store_unit] = max(cur, stop)
    reg[TAIL_VALID] = 0
    return unit_acct[r.store_unit]


@numba.njit(cache=True)
def _account(t, r, st, i, s, e, g, f, order_t, tok_t, producer):
    """Charge instruction ``i`` (cycles [s, e); a DMA's bus grant ``g`` and data end ``f``) and
    the cycles its unit waited for it (docs/timing.md, stall attribution)."""
    u, reg, tally = t.plan_of[i], st.reg, st.tally
    tg, un, kind = t.tag_of[i], t.unit[u], t.kind[u]
    stall = r.stall_at[un]
    cur = st.unit_acct[un]
    if kind == K_STORE and reg[TAIL_VALID]:
        cur = _flush_store_tail(r, st, s)
    if s > cur:  # idle, then queue full, then tokens, then bank conflict
        a = min(max(order_t, cur), s)
        b = min(max(st.dispatch[i], a), s)
        nb = reg[N_BLOCKED]
        if nb:
            q_full = _blocked_before(st.blocked, nb, b) - _blocked_before(st.blocked, nb, a)
            tally[tg, stall[C_QUEUE_FULL]] += q_full
        c = min(max(tok_t, b), s)
        if c > b:  # waiting on a DMA: charge its latency and transfer phases
            n_lat = n_bw = 0
            if producer >= 0 and st.dma_phase[producer, 0] >= 0:
                ph = st.dma_phase[producer]
                n_lat = max(0, min(c, ph[1]) - max(b, ph[0]))
                n_bw = max(0, min(c, ph[3]) - max(b, ph[2]))
            tally[tg, stall[C_LATENCY]] += n_lat
            tally[tg, stall[C_BANDWIDTH]] += n_bw
            tally[tg, stall[C_TOKEN]] += c - b - n_lat - n_bw
        tally[tg, stall[C_BANK]] += s - c
        cur = s
    own = max(e - cur, 0)
    busy = r.busy_at[un]
    acct_end = e
    if kind == K_MATMUL:
        n_busy = min(t.stream[u], own)
        tally[tg, busy] += n_busy
        tally[tg, stall[C_FILL_DRAIN]] += own - n_busy
    elif kind == K_PRELOAD:
        tally[tg, stall[C_PRELOAD]] += own
    elif kind == K_VEC:
        tally[tg, busy] += own - t.extra[u]
        tally[tg, stall[C_BANK]] += t.extra[u]
    elif kind == K_LOAD:  # latency [s, s + lat), bus wait [s + lat, g), transfer [g, e)
        lat = r.dram_latency
        st.dma_phase[i, 0], st.dma_phase[i, 1] = s, s + lat
        st.dma_phase[i, 2], st.dma_phase[i, 3] = s + lat, e
        # pipelined transfers overlap: count only the cycles not accounted yet
        if s + lat > cur:
            tally[tg, stall[C_LATENCY]] += s + lat - max(s, cur)
        if g > cur:
            tally[tg, stall[C_BANDWIDTH]] += g - max(s + lat, cur)
        if e > cur:
            tally[tg, busy] += e - max(g, cur)
    elif kind == K_STORE:  # bus wait [s, g), transfer [g, f), acknowledgement [f, e) later
        st.dma_phase[i, 0], st.dma_phase[i, 1] = f, e
        st.dma_phase[i, 2], st.dma_phase[i, 3] = s, f
        reg[TAIL_VALID], reg[TAIL_LO], reg[TAIL_HI] = 1, f, e
        reg[TAIL_TAG], reg[TAIL_INDEX] = tg, stall[C_LATENCY]
        if g > cur:
            tally[tg, stall[C_BANDWIDTH]] += g - max(s, cur)
        if f > cur:
            tally[tg, busy] += f - max(g, cur)
        acct_end = f
    st.unit_acct[un] = max(cur, acct_end)
    for x in range(t.traffic_start[u], t.traffic_start[u + 1]):
        tally[tg, t.traffic[x, 0]] += t.traffic[x, 1]
    tally[tg, r.macs_at] += t.macs[u]
    tally[tg, r.instructions_at] += 1


@numba.njit(cache=True)
def _commit(t, st, i, q, s, e):
    """Instruction ``i`` of queue ``q`` runs in [s, e): pop and push its tokens, hold its
    ports, enter the in-flight list, advance its queue."""
    u, reg = t.plan_of[i], st.reg
    for m in range(2):
        ch = t.pops[u, m]
        if ch >= 0:
            st.popped[ch] += 1
    for m in range(2):  # insert (e, i) into the channel's sorted pushes
        ch = t.pushes[u, m]
        if ch < 0:
            continue
        lo = st.push_start[ch]
        x = lo + st.pushed[ch]
        while x > lo and (
            st.push_end[x - 1] > e or (st.push_end[x - 1] == e and st.push_by[x - 1] > i)
        ):
            st.push_end[x], st.push_by[x] = st.push_end[x - 1], st.push_by[x - 1]
            x -= 1
        st.push_end[x], st.push_by[x] = e, i
        st.pushed[ch] += 1
    for x in range(t.port_start[u], t.port_start[u + 1]):
        p = t.ports[x]
        if e > st.port_until[p, q]:
            st.port_until[p, q] = e
    st.start[i], st.end[i] = s, e
    base, kept = t.queue_start[q], 0
    for x in range(st.n_flight[q]):  # keep the queue's instructions not ended by s
        j = st.inflight[base + x]
        if st.end[j] > s:
            st.inflight[base + kept] = j
            kept += 1
    st.inflight[base + kept] = i
    st.n_flight[q] = kept + 1
    if q == EXEC_Q:
        reg[EXEC_END_BEFORE_LAST] = reg[EXEC_END_ALL]
        reg[EXEC_END_ALL] = max(reg[EXEC_END_ALL], e)
        reg[EXEC_LAST] = i
    st.order[reg[N_ORDER]] = i
    reg[N_ORDER] += 1
    reg[FRONTIER] = max(reg[FRONTIER], e)
    st.heads[q] += 1


@numba.njit(cache=True)
def _finish(t, r, st):
    """The run ends when every instruction has ended and halt (the last one) was dispatched;
    per tag, cycles go to the tag of the oldest unfinished instruction."""
    reg, end, dispatch = st.reg, st.end, st.dispatch
    n = end.size
    total = max(reg[FRONTIER], dispatch[n - 1] + 1) if n else 0
    reg[TOTAL] = total
    if reg[TAIL_VALID]:
        _flush_store_tail(r, st, total)
    reached = 0
    for i in range(n):
        e = end[i] if end[i] >= 0 else dispatch[i] + 1
        if e > reached:
            st.tag_cycles[t.tag_of[i]] += e - reached
            reached = e
    if total > reached and n:
        st.tag_cycles[t.tag_of[n - 1]] += total - reached
