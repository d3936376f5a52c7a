"""The timing engine's event loop compiled with numba, for programs that run without a fault.

chip/machine/engine.py evaluates docs/timing.md one committed instruction at a time; in Python
that costs 10-20 us per instruction, most of a program's first run. `compiled_timing` runs the
same loop (same commit rule, closed forms, accounting, in the same order) over struct-of-arrays
tables of the program's distinct plans. It only detects faults (a deadlock, a cross-queue
hazard, the cycle limit) and then gives up: the Python engine re-runs the program and names the
fault, so every fault message stays that engine's. tests/machine/test_schedule_kernel.py checks
that both agree on random programs.
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np

from chip.machine import accounting as acct
from chip.machine.counters import Unit
from chip.machine.plan import DRAM, LOAD, MATMUL, PRELOAD, STORE, VEC, Plan

OK, FAULT = 0, 1
_I64 = np.int64


class Tables(NamedTuple):
    """A program's distinct plans as arrays (row u describes distinct plan u) and, per
    instruction, which plan it uses; built by `tables`."""

    plan_of: np.ndarray  # per instruction: its distinct plan
    need: np.ndarray  # per instruction: the one its dispatch waits for (queue full), or -1
    tag_of: np.ndarray
    queue_instrs: np.ndarray  # the load, execute and store queues' instructions, in order
    queue_start: np.ndarray  # (4,) offsets into queue_instrs
    fields: np.ndarray  # (U, 8): kind, length, stream, overlap_at, extra, macs, unit, queue
    tokens: np.ndarray  # (U, 4): up to two popped and two pushed channels, -1 for none
    port_start: np.ndarray  # (U + 1,) CSR offsets into ports
    ports: np.ndarray  # dense port numbers
    n_ports: int
    fp_start: np.ndarray  # (U + 1,) CSR offsets into footprint
    footprint: np.ndarray  # (F, 10): space, lo, hi, write, then a DRAM block's addr, rows,
    #                        cols, stride, transpose, size
    traffic_start: np.ndarray  # (U + 1,)
    traffic: np.ndarray  # (T, 2): tally index, bytes


def tables(
    plans: list[Plan],
    plan_of: np.ndarray,
    need: np.ndarray,
    tag_of: list[int],
    queues: list[np.ndarray],
) -> Tables:
    """Flatten ``plans`` (the distinct plans; ``plan_of[i]`` is instruction i's)."""
    port_ids: dict[int, int] = {}
    fields, tokens, ports, fp, traffic = [], [], [], [], []
    port_start, fp_start, traffic_start = [0], [0], [0]
    unit_index = {id(u): n for u, n in acct.UNIT_INDEX.items()}  # enum hashing is slow
    unit_index[id(None)] = -1
    no_block = (0,) * 6
    for (
        kind,
        queue,
        unit,
        length,
        stream,
        overlap_at,
        extra,
        p_ports,
        p_fp,
        p_traffic,
        macs,
        pops,
        pushes,
    ) in plans:
        fields.append((kind, length, stream, overlap_at, extra, macs, unit_index[id(unit)], queue))
        pops, pushes = pops + (-1, -1), pushes + (-1, -1)
        tokens.append((pops[0], pops[1], pushes[0], pushes[1]))
        for x in p_ports:
            ports.append(port_ids.setdefault(x, len(port_ids)))
        port_start.append(len(ports))
        for space, lo, hi, write, b in p_fp:
            fp.append((space, lo, hi, write) + (no_block if b is None else b))
        fp_start.append(len(fp))
        traffic += p_traffic
        traffic_start.append(len(traffic))
    qs = [0]
    for ql in queues:
        qs.append(qs[-1] + len(ql))

    def arr(x: list, width: int = 0) -> np.ndarray:
        a = np.array(x, dtype=_I64)
        return a.reshape(-1, width) if width else a

    return Tables(
        plan_of,
        need,
        arr(tag_of),
        np.concatenate(queues).astype(_I64),
        arr(qs),
        arr(fields, 8),
        arr(tokens, 4),
        arr(port_start),
        arr(ports),
        len(port_ids),
        arr(fp_start),
        arr(fp, 10),
        arr(traffic_start),
        arr(traffic, 2),
    )


class Timing(NamedTuple):
    """What `compiled_timing` computed (arrays indexed like the Python engine's lists)."""

    order: np.ndarray
    start: np.ndarray
    end: np.ndarray
    total: int
    tallies: np.ndarray  # (tags, accounting width)
    tag_cycles: np.ndarray


def compiled_timing(
    t: Tables, n_tags: int, dram_latency: int, dbuf_ws: bool, dbuf_os: bool, max_cycles: int | None
) -> Timing | None:
    """The timing of the program described by ``t``, or None if it faults (see the module
    docstring)."""
    n = len(t.plan_of)
    start = np.full(n, -1, dtype=_I64)
    end = np.full(n, -1, dtype=_I64)
    order = np.zeros(n, dtype=_I64)
    tallies = np.zeros((n_tags, acct.WIDTH), dtype=_I64)
    tag_cycles = np.zeros(n_tags, dtype=_I64)
    status, total, n_order = _run(
        t.plan_of,
        t.need,
        t.tag_of,
        t.queue_instrs,
        t.queue_start,
        t.fields,
        t.tokens,
        t.port_start,
        t.ports,
        t.n_ports,
        t.fp_start,
        t.footprint,
        t.traffic_start,
        t.traffic,
        dram_latency,
        dbuf_ws,
        dbuf_os,
        -1 if max_cycles is None else max_cycles,
        _BUSY_AT,
        _STALL_AT,
        start,
        end,
        order,
        tallies,
        tag_cycles,
    )
    global _loaded
    _loaded = True
    if status != OK:
        return None
    return Timing(order[:n_order], start, end, int(total), tallies, tag_cycles)


_loaded = False


def loaded() -> bool:
    """Has this process loaded the compiled loop (paid numba's start-up) yet?"""
    return _loaded


def warm_up() -> None:
    """Load the compiled loop now: numba's first use in a process costs about 0.4 s (LLVM's
    start-up), which a benchmark of a program's first run should not count."""
    empty = np.zeros(0, dtype=_I64)
    compiled_timing(tables([], empty, empty, [], [empty] * 3), 1, 0, False, False, None)


_BUSY_AT = np.array(acct.BUSY_AT, dtype=_I64)
_STALL_AT = np.array(acct.STALL_AT, dtype=_I64)
_STORE_UNIT = acct.UNIT_INDEX[Unit.STORE]
# stall causes, by position in Cause
_BW, _LAT, _TOKEN, _QFULL, _BANK, _FILL, _PRE = (
    acct.DRAM_BANDWIDTH,
    acct.DRAM_LATENCY,
    acct.TOKEN,
    acct.QUEUE_FULL,
    acct.BANK_CONFLICT,
    acct.FILL_DRAIN,
    acct.PRELOAD,
)
_MACS, _INSTRS = acct.MACS, acct.INSTRUCTIONS
_DRAM = DRAM
_LOAD, _STORE, _PRELOAD, _MATMUL, _VEC = LOAD, STORE, PRELOAD, MATMUL, VEC


@numba.njit(cache=True)
def _element_starts(b: np.ndarray) -> np.ndarray:
    """Sorted byte addresses of a DRAM block's elements (plan.DramBlock.element_starts)."""
    addr, rows, cols, stride, transpose, size = b[4], b[5], b[6], b[7], b[8], b[9]
    step_r, step_e = (size, stride) if transpose else (stride, size)
    out = np.empty(rows * cols, dtype=np.int64)
    for r in range(rows):
        for c in range(cols):
            out[r * cols + c] = addr + r * step_r + c * step_e
    return np.sort(out)


@numba.njit(cache=True)
def _conflict(fp: np.ndarray, a0: int, a1: int, b0: int, b1: int) -> bool:
    """Does a footprint entry of [a0, a1) overlap one of [b0, b1), one side writing
    (plan.conflicts)?"""
    for x in range(a0, a1):
        for y in range(b0, b1):
            if fp[x, 0] != fp[y, 0] or not (fp[x, 3] or fp[y, 3]):
                continue
            if fp[x, 1] >= fp[y, 2] or fp[y, 1] >= fp[x, 2]:
                continue
            if fp[x, 0] != _DRAM:
                return True
            ps, qs = _element_starts(fp[x]), _element_starts(fp[y])
            p_size, q_size = fp[x, 9], fp[y, 9]
            k = np.searchsorted(qs, ps - q_size, side="right")
            for m in range(ps.size):
                if k[m] < qs.size and qs[k[m]] < ps[m] + p_size:
                    return True
    return False


@numba.njit(cache=True)
def _blocked_before(t: int, nb: int, b_lo: np.ndarray, b_hi: np.ndarray, b_cum: np.ndarray) -> int:
    k = np.searchsorted(b_lo[:nb], t, side="right") - 1
    if k < 0:
        return 0
    return b_cum[k] + min(t, b_hi[k]) - b_lo[k]


@numba.njit(cache=True)
def _run(
    plan_of,
    need,
    tag_of,
    qi,
    qs,
    fields,
    tokens,
    port_start,
    ports,
    n_ports,
    fp_start,
    fp,
    tr_start,
    tr,
    lat,
    dbuf_ws,
    dbuf_os,
    max_cycles,
    busy_at,
    stall_at,
    start,
    end,
    order,
    tally,
    tag_cycles,
):
    n = plan_of.size
    dispatch = np.full(n, -1, dtype=np.int64)
    # dispatcher blocked on a full queue: [lo, hi) intervals and blocked cycles before each
    b_lo = np.zeros(n + 1, dtype=np.int64)
    b_hi = np.zeros(n + 1, dtype=np.int64)
    b_cum = np.zeros(n + 1, dtype=np.int64)
    nb = 0
    # token channels: per channel, its pushes (end, producer) kept sorted
    p_start = np.zeros(10, dtype=np.int64)
    for i in range(n):
        u = plan_of[i]
        for m in range(2, 4):
            if tokens[u, m] >= 0:
                p_start[tokens[u, m] + 1] += 1
    for ch in range(9):
        p_start[ch + 1] += p_start[ch]
    p_end = np.zeros(max(p_start[9], 1), dtype=np.int64)
    p_prod = np.zeros(max(p_start[9], 1), dtype=np.int64)
    p_count = np.zeros(9, dtype=np.int64)
    pops = np.zeros(9, dtype=np.int64)
    port_until = np.zeros((max(n_ports, 1), 3), dtype=np.int64)
    seg = np.full((n, 4), -1, dtype=np.int64)  # DMA: latency [lo, hi), bandwidth [lo, hi)
    heads = np.zeros(3, dtype=np.int64)
    inflight = np.zeros(max(qs[3], 1), dtype=np.int64)  # per queue at qs[q], n_flight[q] long
    n_flight = np.zeros(3, dtype=np.int64)
    issue_free = np.zeros(3, dtype=np.int64)
    unit_acct = np.zeros(busy_at.size, dtype=np.int64)
    exec_last, exec_end_all, exec_end_before_last = -1, 0, 0
    st_valid, st_lo, st_hi, st_tag, st_index = False, 0, 0, 0, 0  # a store's ack latency
    bus_free = 0
    frontier = 0
    n_order = 0
    nd = 0  # next instruction to dispatch
    remaining = qs[3]
    while True:
        # dispatch every instruction whose queue has room
        if nd < n:
            while nd < n:
                t = dispatch[nd - 1] + 1 if nd else 0
                j = need[nd]
                if j >= 0:
                    sj = start[j]
                    if sj < 0:
                        break
                    if sj > t:
                        b_cum[nb] = b_cum[nb - 1] + b_hi[nb - 1] - b_lo[nb - 1] if nb else 0
                        b_lo[nb] = t
                        b_hi[nb] = sj
                        nb += 1
                        t = sj
                dispatch[nd] = t
                nd += 1
        if remaining == 0:
            break
        best = -1
        best_s = best_q = best_order = best_tok = best_prod = best_d = 0
        for q in range(3):
            h = heads[q]
            if h >= qs[q + 1] - qs[q]:
                continue
            i = qi[qs[q] + h]
            d = dispatch[i]
            if d < 0:
                continue
            u = plan_of[i]
            tok_t, producer = 0, -1
            ready = True
            for m in range(2):
                ch = tokens[u, m]
                if ch < 0:
                    continue
                k = pops[ch]
                if p_count[ch] <= k:
                    ready = False
                    break
                t = p_end[p_start[ch] + k]
                if t > tok_t or producer < 0:
                    tok_t, producer = max(tok_t, t), p_prod[p_start[ch] + k]
            if not ready:
                continue
            bank_t = 0
            for x in range(port_start[u], port_start[u + 1]):
                p = ports[x]
                for q2 in range(3):
                    if q2 != q and port_until[p, q2] > bank_t:
                        bank_t = port_until[p, q2]
            kind = fields[u, 0]
            if q == 1:
                order_t = exec_end_all
                if exec_last >= 0 and fields[plan_of[exec_last], 0] == _MATMUL:
                    if dbuf_ws and kind == _PRELOAD:
                        order_t = max(start[exec_last], exec_end_before_last)
                    elif dbuf_os and kind == _MATMUL:
                        order_t = max(
                            start[exec_last] + fields[plan_of[exec_last], 3], exec_end_before_last
                        )
            else:
                order_t = issue_free[q]
            s = max(d, order_t, tok_t, bank_t)
            if best < 0 or s < best_s or (s == best_s and i < best):
                best, best_s, best_q = i, s, q
                best_order, best_tok, best_prod, best_d = order_t, tok_t, producer, d
        if best < 0:
            return FAULT, 0, n_order  # deadlock
        i, q, s = best, best_q, best_s
        u = plan_of[i]
        kind, length = fields[u, 0], fields[u, 1]
        # hazards: an earlier instruction of another queue, unfinished at s, that conflicts
        for q2 in range(3):
            if q2 == q:
                continue
            for x in range(n_flight[q2]):
                j = inflight[qs[q2] + x]
                if (
                    j < i
                    and end[j] > s
                    and _conflict(
                        fp,
                        fp_start[u],
                        fp_start[u + 1],
                        fp_start[plan_of[j]],
                        fp_start[plan_of[j] + 1],
                    )
                ):
                    return FAULT, 0, n_order
            for pos in range(heads[q2], qs[q2 + 1] - qs[q2]):
                j = qi[qs[q2] + pos]
                if j > i:
                    break
                if _conflict(
                    fp, fp_start[u], fp_start[u + 1], fp_start[plan_of[j]], fp_start[plan_of[j] + 1]
                ):
                    return FAULT, 0, n_order
        g = f = 0
        if kind == _LOAD:
            g = max(s + lat, bus_free)
            e = bus_free = g + length
            issue_free[q] = s + length
        elif kind == _STORE:
            g = max(s, bus_free)
            f = bus_free = issue_free[q] = g + length
            e = f + lat
        else:
            e = s + length
        if max_cycles >= 0 and e > max_cycles:
            return FAULT, 0, n_order
        # ---- accounting (engine._Engine._account)
        tg = tag_of[i]
        un = fields[u, 6]
        cur = unit_acct[un]
        if kind == _STORE and st_valid:  # the previous store's ack latency, up to s
            c0 = unit_acct[_STORE_UNIT]
            stop = min(st_hi, s)
            if stop > max(st_lo, c0):
                tally[st_tag, st_index] += stop - max(st_lo, c0)
            unit_acct[_STORE_UNIT] = max(c0, stop)
            st_valid = False
            cur = unit_acct[_STORE_UNIT]
        if s > cur:
            a = min(max(best_order, cur), s)
            b = min(max(best_d, a), s)
            if nb:
                tally[tg, stall_at[un, _QFULL]] += _blocked_before(
                    b, nb, b_lo, b_hi, b_cum
                ) - _blocked_before(a, nb, b_lo, b_hi, b_cum)
            c = min(max(best_tok, b), s)
            if c > b:
                n_lat = n_bw = 0
                if best_prod >= 0 and seg[best_prod, 0] >= 0:
                    n_lat = max(0, min(c, seg[best_prod, 1]) - max(b, seg[best_prod, 0]))
                    n_bw = max(0, min(c, seg[best_prod, 3]) - max(b, seg[best_prod, 2]))
                tally[tg, stall_at[un, _LAT]] += n_lat
                tally[tg, stall_at[un, _BW]] += n_bw
                tally[tg, stall_at[un, _TOKEN]] += c - b - n_lat - n_bw
            tally[tg, stall_at[un, _BANK]] += s - c
            cur = s
        own = max(e - cur, 0)
        busy = busy_at[un]
        e_acct = e
        if kind == _MATMUL:
            n_busy = min(fields[u, 2], own)
            tally[tg, busy] += n_busy
            tally[tg, stall_at[un, _FILL]] += own - n_busy
        elif kind == _PRELOAD:
            tally[tg, stall_at[un, _PRE]] += own
        elif kind == _VEC:
            tally[tg, busy] += own - fields[u, 4]
            tally[tg, stall_at[un, _BANK]] += fields[u, 4]
        elif kind == _LOAD:
            seg[i, 0], seg[i, 1], seg[i, 2], seg[i, 3] = s, s + lat, s + lat, e
            # latency [s, s + lat), bus wait [s + lat, g), transfer [g, e)
            if s + lat > cur:
                tally[tg, stall_at[un, _LAT]] += s + lat - max(s, cur)
            if g > cur:
                tally[tg, stall_at[un, _BW]] += g - max(s + lat, cur)
            if e > cur:
                tally[tg, busy] += e - max(g, cur)
        elif kind == _STORE:
            seg[i, 0], seg[i, 1], seg[i, 2], seg[i, 3] = f, e, s, f
            st_valid, st_lo, st_hi, st_tag, st_index = True, f, e, tg, stall_at[un, _LAT]
            # bus wait [s, g), transfer [g, f); the ack latency [f, e) is counted later
            if g > cur:
                tally[tg, stall_at[un, _BW]] += g - max(s, cur)
            if f > cur:
                tally[tg, busy] += f - max(g, cur)
            e_acct = f
        unit_acct[un] = max(cur, e_acct)
        for x in range(tr_start[u], tr_start[u + 1]):
            tally[tg, tr[x, 0]] += tr[x, 1]
        tally[tg, _MACS] += fields[u, 5]
        tally[tg, _INSTRS] += 1
        # ---- commit
        for m in range(2):
            ch = tokens[u, m]
            if ch >= 0:
                pops[ch] += 1
        for m in range(2, 4):
            ch = tokens[u, m]
            if ch < 0:
                continue
            lo = p_start[ch]
            x = lo + p_count[ch]
            while x > lo and (p_end[x - 1] > e or (p_end[x - 1] == e and p_prod[x - 1] > i)):
                p_end[x] = p_end[x - 1]
                p_prod[x] = p_prod[x - 1]
                x -= 1
            p_end[x] = e
            p_prod[x] = i
            p_count[ch] += 1
        for x in range(port_start[u], port_start[u + 1]):
            p = ports[x]
            if e > port_until[p, q]:
                port_until[p, q] = e
        start[i], end[i] = s, e
        kept = 0
        for x in range(n_flight[q]):
            j = inflight[qs[q] + x]
            if end[j] > s:
                inflight[qs[q] + kept] = j
                kept += 1
        inflight[qs[q] + kept] = i
        n_flight[q] = kept + 1
        if q == 1:
            exec_end_before_last = exec_end_all
            if e > exec_end_all:
                exec_end_all = e
            exec_last = i
        order[n_order] = i
        n_order += 1
        if e > frontier:
            frontier = e
        heads[q] += 1
        remaining -= 1
    total = max(frontier, dispatch[n - 1] + 1) if n else 0
    if st_valid:
        c0 = unit_acct[_STORE_UNIT]
        stop = min(st_hi, total)
        if stop > max(st_lo, c0):
            tally[st_tag, st_index] += stop - max(st_lo, c0)
    reached = 0
    for i in range(n):  # cycles go to the tag of the oldest unfinished instruction
        e = end[i] if end[i] >= 0 else dispatch[i] + 1
        if e > reached:
            tag_cycles[tag_of[i]] += e - reached
            reached = e
    if total > reached and n:
        tag_cycles[tag_of[n - 1]] += total - reached
    return OK, total, n_order
