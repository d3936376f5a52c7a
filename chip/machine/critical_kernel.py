"""The backward walk of chip/machine/critical.py, compiled (numba, cached on disk).

`walk` follows a schedule's recorded waits back from the instruction that ends last and charges
every cycle of the run to one tag and `chip.counters.Critical` label, as critical.py's module
docstring describes. Its inputs are plain arrays prepared by critical.py: the timing kernel's
tables and state, each instruction's waits in the ``W_`` column order below, each plan's
``phase`` (what its own time is made of, ``P_`` codes) and its unit's label, and the label
numbers in the ``L_`` order below; numba's disk cache is keyed on this file alone, so the
compiled walk bakes in no other module's codes.
"""

from __future__ import annotations

import numba
import numpy as np

# columns of the ``waits`` argument: the cycles a start waited for, the token producer, a DMA's
# bus grant and end of transfer (schedule_kernel.State.waits' W_ columns, reordered)
W_DISPATCH, W_ORDER, W_TOKEN, W_PRODUCER, W_BANK, W_GRANT, W_FILLED = range(7)
# what a plan's own time is made of
P_OTHER, P_MATMUL, P_PRELOAD, P_VEC, P_LOAD, P_STORE = range(6)
# positions of the label numbers in the ``labels`` argument
L_ARRAY, L_FILL, L_PRELOAD, L_VECTOR, L_BANK, L_LOAD, L_LATENCY, L_BANDWIDTH = range(8)
L_STORE, L_DISPATCH = 8, 9
# outcomes: done, or the instruction (``fault[0]``) whose start nothing explains
OK, NO_WAIT, NO_RELEASE, NO_HOLDER = range(4)


@numba.njit(cache=True)
def walk(
    last: int,
    total: int,
    plan_of: np.ndarray,
    tag_of: np.ndarray,
    need: np.ndarray,
    queue_instrs: np.ndarray,
    queue_start: np.ndarray,
    exec_q: int,
    phase: np.ndarray,
    own: np.ndarray,
    stream: np.ndarray,
    extra: np.ndarray,
    overlap_at: np.ndarray,
    port_start: np.ndarray,
    ports: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    dispatch: np.ndarray,
    waits: np.ndarray,
    order: np.ndarray,
    queue: np.ndarray,
    pos: np.ndarray,
    committed: np.ndarray,
    lat: int,
    search: int,
    labels: np.ndarray,
    out: np.ndarray,
    fault: np.ndarray,
) -> int:
    """Charge ``out`` (tags x labels) with the critical path of a run of ``total`` cycles
    whose instruction ``last`` ends last (-1: the dispatcher outlasts every instruction).
    Returns ``OK``, or the fault code with the instruction in ``fault[0]``."""
    if last < 0:
        _dispatch_chain(plan_of.size - 1, total, tag_of, need, start, dispatch, labels, out)
        return OK
    i, until, issue = last, total, False
    while True:
        _charge(i, until, issue, plan_of, tag_of, phase, own, stream, extra, start, end, waits,
                lat, labels, out)  # fmt: skip
        s = start[i]
        if s == 0:
            return OK
        w = waits[i]
        if w[W_TOKEN] == s and w[W_PRODUCER] >= 0:
            i, until, issue = w[W_PRODUCER], s, False
        elif w[W_ORDER] == s:
            q, p = queue[i], pos[i]
            base = queue_start[q]
            if q != exec_q:  # a DMA queue: released once the previous one sent its requests
                i, until, issue = queue_instrs[base + p - 1], s, True
                continue
            j = -1
            for back in range(1, min(p, search) + 1):
                k = queue_instrs[base + p - back]
                if end[k] == s or (
                    back == 1 and (s == start[k] or s == start[k] + overlap_at[plan_of[k]])
                ):  # its end, or under double buffering the point it released the array
                    j = k
                    break
            if j < 0:
                fault[0] = i
                return NO_RELEASE
            i, until, issue = j, s, False
        elif w[W_BANK] == s:
            j = _port_holder(i, s, plan_of, phase, port_start, ports, end, waits, order, queue,
                             committed, search)  # fmt: skip
            if j < 0:
                fault[0] = i
                return NO_HOLDER
            i, until, issue = j, s, False
        elif w[W_DISPATCH] == s:
            j = _dispatch_chain(i, s, tag_of, need, start, dispatch, labels, out)
            if j < 0:
                return OK
            i, until, issue = j, start[j], False
        else:
            fault[0] = i
            return NO_WAIT


@numba.njit(cache=True)
def _dispatch_chain(k, until, tag_of, need, start, dispatch, labels, out) -> int:
    """Charge the dispatcher's cycles before ``until`` back from instruction ``k``'s dispatch;
    returns the instruction whose start unblocked a full queue (-1: none)."""
    while True:
        d = dispatch[k]
        out[tag_of[k], labels[L_DISPATCH]] += until - d
        if d == 0:
            return -1
        j = need[k]
        if j >= 0 and start[j] == d:
            return j
        k, until = k - 1, d


@numba.njit(cache=True)
def _port_holder(
    i, s, plan_of, phase, port_start, ports, end, waits, order, queue, committed, search
) -> int:
    """An instruction of another queue, committed before ``i``, releasing one of ``i``'s bank
    ports at ``s`` (its end, or a store's last row read); -1: none."""
    u = plan_of[i]
    mine = ports[port_start[u] : port_start[u + 1]]
    at = committed[i]
    for x in range(at - 1, max(at - search, 0) - 1, -1):
        j = order[x]
        release = waits[j, W_FILLED] if phase[plan_of[j]] == P_STORE else end[j]
        if release != s or queue[j] == queue[i]:
            continue
        v = plan_of[j]
        for a in mine:
            for b in ports[port_start[v] : port_start[v + 1]]:
                if a == b:
                    return j
    return -1


@numba.njit(cache=True)
def _charge(
    i, until, issue, plan_of, tag_of, phase, own, stream, extra, start, end, waits, lat, labels, out
) -> None:
    """Charge ``[start, until)`` of instruction ``i`` by what it was doing in each cycle (the
    phases of the machine's accounting, chip/machine/engine.py): up to three spans, each
    ending at a cycle (the last reaching ``until``) with a label."""
    s = start[i]
    if until <= s:
        return
    u = plan_of[i]
    row = out[tag_of[i]]
    k = phase[u]
    w = waits[i]
    # (stop, label) of up to three spans; label -1: the unit's own, stop -1: no span
    t0, m0, t1, m1, t2, m2 = until, -1, -1, -1, -1, -1
    if k == P_MATMUL:
        t0, m0, t1, m1 = s + stream[u], L_ARRAY, until, L_FILL
    elif k == P_PRELOAD:
        m0 = L_PRELOAD
    elif k == P_VEC:
        t0, m0, t1, m1 = end[i] - extra[u], L_VECTOR, until, L_BANK
    elif k == P_LOAD and issue:
        m0 = L_LOAD
    elif k == P_LOAD:
        t0, m0, t1, m1, t2, m2 = s + lat, L_LATENCY, w[W_GRANT], L_BANDWIDTH, until, L_LOAD
    elif k == P_STORE:
        t0, m0, t1, m1, t2, m2 = w[W_GRANT], L_BANDWIDTH, w[W_FILLED], L_STORE, until, L_LATENCY
    at = _span(row, s, t0, until, own[u] if m0 < 0 else labels[m0])
    if t1 >= 0:
        at = _span(row, at, t1, until, labels[m1])
    if t2 >= 0:
        _span(row, at, t2, until, labels[m2])


@numba.njit(cache=True, inline="always")
def _span(row, at, stop, until, label) -> int:
    """Charge ``[at, min(stop, until))`` to ``label``; returns where the next span starts."""
    stop = min(stop, until)
    if stop > at:
        row[label] += stop - at
        return stop
    return at
