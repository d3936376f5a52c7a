"""The timing rules of docs/timing.md, one compiled function each, and the codes they share.

chip/machine/schedule_kernel.py's event loop calls them in its phases; each is inlined into
the loop (``inline="always"``):

- issue: `dispatch_in_order` (program-order dispatch into queues of ``queue_depth``,
  queue-full intervals), `token_wait` (the k-th pop of a channel waits for its k-th earliest
  push), `execute_order` (the execute queue's order and the double-buffering overlaps; the DMA
  engines' request pipelining is ``issue_free``), `port_wait` (bank ports held by the other
  queues), `move_wait` (a MOVE after the loads writing what it touches);
- checks: `hazard` (an earlier, unfinished instruction of another queue touching the same
  rows or bytes); `fault` records what stops the loop;
- accounting: `charge_wait` (idle, queue full, tokens, bank conflict before the start),
  `charge_run` (the instruction's own cycles), `flush_store_tail`, `tag_cycles`;
- commit: `push` (tokens), `hold_ports`, `enter_flight` (the in-flight lists hazards read).

The codes below are the loop's own, translated from chip/machine/plan.py and accounting.py
when the tables are built (chip/machine/engine.py): numba's disk cache is keyed on the files of
the compiled code (chip/machine/jit.py stamps the loop with this file and its own), so the
compiled rules must not bake in other modules' values.
"""

from __future__ import annotations

import numba
import numpy as np

EXEC_Q = 1  # the execute queue (0: load, 2: store)
N_CHANNELS = 9  # token channels, src_queue * 3 + dst_queue
# the loop's codes (see the module docstring)
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


@numba.njit(cache=True, inline="always")
def count_pushes(plan_of, pushes, push_start):
    """Lay out ``push_start``: each channel's pushes get a slot per pushing instruction."""
    for i in range(plan_of.size):
        for m in range(2):
            ch = pushes[plan_of[i], m]
            if ch >= 0:
                push_start[ch + 1] += 1
    for ch in range(N_CHANNELS):
        push_start[ch + 1] += push_start[ch]


@numba.njit(cache=True, inline="always")
def fault(reg, code, i, cycle, other, entry, until):
    reg[STATUS], reg[FAULT_AT], reg[FAULT_CYCLE] = code, i, cycle
    reg[FAULT_OTHER], reg[FAULT_ENTRY], reg[FAULT_UNTIL] = other, entry, until


@numba.njit(cache=True, inline="always")
def dispatch_in_order(nd, need, dispatch, start, blocked, n_blocked):
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
def token_wait(ch0, ch1, popped, pushed, push_start, push_end, push_by):
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
def execute_order(kind, last_kind, last_overlap, last_start, end_all, end_before_last, ws, os):
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
def move_wait(u, base, inflight, n, end, plan_of, fp_start, fp, port_start, ports):
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
def port_wait(lo, hi, ports, port_until, q):
    """The first cycle the bank ports ``ports[lo:hi]`` are free of the queues other than ``q``."""
    bank_t = 0
    for x in range(lo, hi):
        for q2 in range(3):
            if q2 != q and port_until[ports[x], q2] > bank_t:
                bank_t = port_until[ports[x], q2]
    return bank_t


@numba.njit(cache=True, inline="always")
def hazard(i, q, s, plan_of, qi, qs, heads, inflight, n_flight, end, fp_start, fp):
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
def push(ch, e, i, push_start, push_end, push_by, pushed):
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
def hold_ports(lo, hi, ports, port_until, q, e):
    """Queue ``q`` holds the bank ports ``ports[lo:hi]`` until cycle ``e``."""
    for x in range(lo, hi):
        if e > port_until[ports[x], q]:
            port_until[ports[x], q] = e


@numba.njit(cache=True, inline="always")
def enter_flight(i, s, base, inflight, n_flight, q, end):
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
def charge_wait(tally, tg, stall, un, cur, s, order_t, d, tok_t, producer, blocked, nb, dma_phase):
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
def charge_run(tally, tg, stall, un, busy, kind, cur, s, e, g, f, lat, stream, extra):
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
def flush_store_tail(tail, unit_acct, tally, store_unit, until):
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
def tag_cycles(total, end, dispatch, tag_of, tag_cycles):
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
