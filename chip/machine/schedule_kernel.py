"""The timing rules of docs/timing.md as one compiled event loop (numba, cached on disk).

`run_timing` commits a program's instructions in order of their start cycle: for the head of
each queue it computes the earliest cycle the rules allow, commits the earliest (ties: program
order), fixes its end in closed form and accounts its unit's cycles. `_run` is the loop, in
phases marked in its body (issue, checks, DMA bandwidth and latency in closed form,
accounting, commit); each rule is one function of chip/machine/schedule_rules.py, which also
holds the codes the loop shares with chip/machine/engine.py.

Inputs are struct-of-arrays built once per program from its distinct plans (`Tables`, built by
chip/machine/engine.py) plus the chip's constants (`Rules`); all mutable state is in `State`. A
fault stops the loop with a code in ``State.reg[STATUS]`` and what names it (instruction, the
other instruction, the footprint entry, cycles); chip/machine/engine.py turns that into the
`ProgramError` message.

Speed: the rule functions are inlined into the loop (``inline="always"``) and the loop uses
its arrays without numba's reference counting (`_borrowed`): a phase called with arrays
otherwise costs two atomic operations per array per call, most of the loop's time.
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np
from numba.core import cgutils, types
from numba.extending import intrinsic

from chip.machine.schedule_rules import (
    C_LATENCY,
    DEADLOCK,
    EXEC_Q,
    FRONTIER,
    HAZARD,
    K_LOAD,
    K_MOVE,
    K_STORE,
    LIMIT,
    N_CHANNELS,
    N_ORDER,
    N_REGS,
    OK,
    STATUS,
    TOTAL,
    W_BANK,
    W_COLUMNS,
    W_DISPATCH,
    W_FILLED,
    W_GRANT,
    W_ORDER,
    W_PRODUCER,
    W_TOKEN,
    charge_run,
    charge_wait,
    count_pushes,
    dispatch_in_order,
    enter_flight,
    execute_order,
    fault,
    flush_store_tail,
    hazard,
    hold_ports,
    move_wait,
    port_wait,
    push,
    tag_cycles,
    token_wait,
)

_I64 = np.int64


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
    push_start: np.ndarray  # (10,) CSR offsets of each channel's pushes (`count_pushes`)
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
    n_push = max(2 * n, 1)  # room for two pushes per instruction (`count_pushes` lays out)
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
    # in order, so a MOVE's tokens are pushed no earlier (`move_wait`)
    load_end, load_last = 0, -1
    exec_last, exec_end_all, exec_end_before_last = -1, 0, 0  # the execute queue so far
    frontier = n_order = 0
    remaining = qs[3]
    count_pushes(plan_of, pushes, push_start)
    while True:
        nd = dispatch_in_order(nd, need, dispatch, start, blocked, n_blocked)
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
            ready, tok_t, producer = token_wait(
                pops[u, 0], pops[u, 1], popped, pushed, push_start, push_end, push_by
            )
            if not ready:
                continue
            if q != EXEC_Q:
                order_t = issue_free[q]  # the DMA engine has sent the previous requests
                if kind[u] == K_MOVE:  # and the loads writing what it touches, ended
                    dep_t, dep_by = move_wait(
                        u, qs[q], inflight, n_flight[q], end, plan_of, fp_start, fp, port_start,
                        ports,
                    )  # fmt: skip
                    if dep_t > tok_t:
                        tok_t, producer = dep_t, dep_by
            elif exec_last < 0:
                order_t = exec_end_all
            else:
                lu = plan_of[exec_last]
                order_t = execute_order(
                    kind[u], kind[lu], start[exec_last] + overlap_at[lu], start[exec_last],
                    exec_end_all, exec_end_before_last, dbuf_ws, dbuf_os,
                )  # fmt: skip
            bank_t = port_wait(port_start[u], port_start[u + 1], ports, port_until, q)
            s = max(d, order_t, tok_t, bank_t)
            if best < 0 or s < best_s or (s == best_s and i < best):
                best, best_q, best_s = i, q, s
                best_order, best_tok, best_prod, best_bank = order_t, tok_t, producer, bank_t
        if best < 0:
            fault(reg, DEADLOCK, -1, frontier, -1, -1, 0)
            break
        i, q, s = best, best_q, best_s
        u = plan_of[i]
        # ---- checks: the cycle limit, then hazards
        if limit >= 0 and s > limit:
            fault(reg, LIMIT, i, limit, -1, -1, s)
            break
        j, x = hazard(i, q, s, plan_of, qi, qs, heads, inflight, n_flight, end, fp_start, fp)
        if j >= 0:
            fault(reg, HAZARD, i, s, j, x, 0)
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
            fault(reg, LIMIT, i, s, -1, -1, e)
            break
        # ---- accounting: the cycles the unit waited, then the instruction's own
        tg, un = tag_of[i], unit[u]
        cur = unit_acct[un]
        if kind[u] == K_STORE and store_tail[0]:
            cur = flush_store_tail(store_tail, unit_acct, tally, store_unit, s)
        if s > cur:
            charge_wait(
                tally, tg, stall_at, un, cur, s, best_order, dispatch[i], best_tok, best_prod,
                blocked, n_blocked[0], dma_phase,
            )  # fmt: skip
            cur = s
        unit_acct[un] = charge_run(
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
                push(pushes[u, m], push_t, push_i, push_start, push_end, push_by, pushed)
        # a store's read ports are free once its last row is in the engine's buffer (f)
        release = f if kind[u] == K_STORE else e
        hold_ports(port_start[u], port_start[u + 1], ports, port_until, q, release)
        start[i], end[i] = s, e
        w = waits[i]
        w[W_DISPATCH], w[W_ORDER], w[W_TOKEN], w[W_PRODUCER] = (
            dispatch[i],
            best_order,
            best_tok,
            best_prod,
        )
        w[W_BANK], w[W_GRANT], w[W_FILLED] = best_bank, g, f
        enter_flight(i, s, qs[q], inflight, n_flight, q, end)
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
            flush_store_tail(store_tail, unit_acct, tally, store_unit, total)
        tag_cycles(total, end, dispatch, tag_of, st.tag_cycles)
