"""The critical path of a schedule: what each cycle of the end-to-end time waited on.

The timing kernel starts every instruction at the maximum of four cycles (docs/timing.md): its
dispatch, its queue order (the previous instruction of a DMA queue has sent its requests; the
execute queue's earlier instructions have ended, or released the array under double
buffering), its tokens (the producer's end) and its bank ports (the holder's end). It records
them per instruction (`schedule_kernel.State.waits`). Walking back from the instruction that
ends last, each step goes to the instruction whose cycle the start equalled (tokens first,
then queue order, bank ports, dispatch), so every cycle of ``[0, total)`` lies on exactly one
step: a stretch of one instruction's own time, labelled by what the instruction was doing
(its unit's useful work, or DRAM latency, bus wait, fill/drain, preload, a bank-conflict
pass), or a cycle of the dispatcher handing out instructions. Each stretch is charged to the
instruction's tag, so the tags' cycles sum to the run's.
"""

from __future__ import annotations

import numpy as np

from chip.counters import Critical
from chip.machine import accounting as acct
from chip.machine import schedule_kernel as kernel

_LABEL = {c: n for n, c in enumerate(Critical)}
_UNIT_LABEL = [_LABEL[Critical(u.value)] for u in acct.UNIT_INDEX]
_ARRAY, _VECTOR, _LOAD, _STORE = (
    _LABEL[Critical.ARRAY],
    _LABEL[Critical.VECTOR],
    _LABEL[Critical.LOAD],
    _LABEL[Critical.STORE],
)
_BW, _LAT, _FILL, _PRE, _BANK, _DISPATCH = (
    _LABEL[Critical.DRAM_BANDWIDTH],
    _LABEL[Critical.DRAM_LATENCY],
    _LABEL[Critical.FILL_DRAIN],
    _LABEL[Critical.PRELOAD],
    _LABEL[Critical.BANK_CONFLICT],
    _LABEL[Critical.DISPATCH],
)
_SEARCH = 1 << 16  # instructions looked back for a queue-order or bank-port predecessor


def critical_path(
    t: kernel.Tables,
    st: kernel.State,
    dram_latency: int,
    n_tags: int,
    total: int,
) -> np.ndarray:
    """Cycles of the critical path per tag (rows) and `Critical` label (columns, in enum
    order) of a schedule that ran to completion in ``total`` cycles; the array sums to
    ``total``."""
    out = np.zeros((n_tags, len(Critical)), dtype=np.int64)
    n = t.plan_of.size
    if total <= 0 or n == 0:
        return out
    walk = _Walk(t, st, dram_latency, out)
    end = st.end
    last = int(np.argmax(end))  # the first of the instructions that end last
    if end[last] < total:  # the dispatcher outlasts every instruction (the final halt)
        walk.dispatch_chain(n - 1, total)
    else:
        walk.run(last, total)
    return out


class _Walk:
    """One backward walk over a schedule's recorded waits, charging ``out``."""

    def __init__(self, t: kernel.Tables, st: kernel.State, lat: int, out: np.ndarray) -> None:
        self.t, self.st, self.lat, self.out = t, st, lat, out
        n = t.plan_of.size
        self.queue = np.full(n, -1, dtype=np.int64)
        self.pos = np.zeros(n, dtype=np.int64)
        for q in range(3):
            members = t.queue_instrs[t.queue_start[q] : t.queue_start[q + 1]]
            self.queue[members] = q
            self.pos[members] = np.arange(members.size)
        n_order = int(st.reg[kernel.N_ORDER])
        self.order = st.order[:n_order]
        self.committed = np.zeros(n, dtype=np.int64)
        self.committed[self.order] = np.arange(n_order)

    # ---------------------------------------------------------------- the walk
    def run(self, i: int, until: int, issue: bool = False) -> None:
        """Charge instruction ``i``'s time up to ``until``, then walk back from its start."""
        while True:
            self.charge(i, until, issue)
            s = int(self.st.start[i])
            if s == 0:
                return
            w = self.st.waits[i]
            if w[kernel.W_TOKEN] == s and w[kernel.W_PRODUCER] >= 0:
                i, until, issue = int(w[kernel.W_PRODUCER]), s, False
            elif w[kernel.W_ORDER] == s:
                i, issue = self.order_predecessor(i, s)
                until = s
            elif w[kernel.W_BANK] == s:
                i, until, issue = self.port_holder(i, s), s, False
            elif w[kernel.W_DISPATCH] == s:
                nxt = self.dispatch_chain(i, s)
                if nxt < 0:
                    return
                i, until, issue = nxt, int(self.st.start[nxt]), False
            else:
                raise AssertionError(f"instruction {i} started at {s}, after all it waited for")

    def dispatch_chain(self, k: int, until: int) -> int:
        """Charge the dispatcher's cycles before ``until`` back from instruction ``k``'s
        dispatch; returns the instruction whose start unblocked a full queue (-1: none)."""
        t, st = self.t, self.st
        while True:
            d = int(st.dispatch[k])
            self.out[t.tag_of[k], _DISPATCH] += until - d
            if d == 0:
                return -1
            j = int(t.need[k])
            if j >= 0 and st.start[j] == d:
                return j
            k, until = k - 1, d

    def order_predecessor(self, i: int, s: int) -> tuple[int, bool]:
        """The instruction of ``i``'s queue that released it at ``s``, and whether it released
        it by having sent its DMA requests (its own time until then is the engine's work)."""
        t, st = self.t, self.st
        q, p = int(self.queue[i]), int(self.pos[i])
        base = int(t.queue_start[q])
        if q != kernel.EXEC_Q:
            return int(t.queue_instrs[base + p - 1]), True
        for back in range(1, min(p, _SEARCH) + 1):
            j = int(t.queue_instrs[base + p - back])
            if st.end[j] == s:
                return j, False
            if back == 1 and s in (st.start[j], st.start[j] + t.overlap_at[t.plan_of[j]]):
                return j, False  # double buffering: the array released at that point
        raise AssertionError(f"instruction {i}: no execute instruction released it at {s}")

    def port_holder(self, i: int, s: int) -> int:
        """An instruction of another queue, committed before ``i``, releasing one of ``i``'s
        bank ports at ``s`` (its end, or a store's last row read: docs/timing.md)."""
        t = self.t
        u = t.plan_of[i]
        mine = set(t.ports[t.port_start[u] : t.port_start[u + 1]].tolist())
        at = int(self.committed[i])
        for x in range(at - 1, max(at - _SEARCH, 0) - 1, -1):
            j = int(self.order[x])
            if self.port_release(j) != s or self.queue[j] == self.queue[i]:
                continue
            v = t.plan_of[j]
            if mine.intersection(t.ports[t.port_start[v] : t.port_start[v + 1]].tolist()):
                return j
        raise AssertionError(f"instruction {i}: no bank-port holder released it at {s}")

    def port_release(self, j: int) -> int:
        """The cycle instruction ``j`` releases its bank ports: a store once its last row is
        read (its transfer's end), every other instruction at its end."""
        if self.t.kind[self.t.plan_of[j]] == kernel.K_STORE:
            return int(self.st.waits[j][kernel.W_FILLED])
        return int(self.st.end[j])

    # ---------------------------------------------------------------- labels
    def charge(self, i: int, until: int, issue: bool) -> None:
        """Charge ``[start, until)`` of instruction ``i`` by what it was doing in each cycle
        (the phases the machine's accounting uses, chip/machine/engine.py)."""
        t, st = self.t, self.st
        s = int(st.start[i])
        if until <= s:
            return
        u = t.plan_of[i]
        row = self.out[t.tag_of[i]]
        kind = t.kind[u]
        w = st.waits[i]
        if kind == kernel.K_MATMUL:
            spans = ((s + int(t.stream[u]), _ARRAY), (until, _FILL))
        elif kind == kernel.K_PRELOAD:
            spans = ((until, _PRE),)
        elif kind == kernel.K_VEC:
            spans = ((int(st.end[i]) - int(t.extra[u]), _VECTOR), (until, _BANK))
        elif kind == kernel.K_LOAD and issue:
            spans = ((until, _LOAD),)
        elif kind == kernel.K_LOAD:
            spans = ((s + self.lat, _LAT), (int(w[kernel.W_GRANT]), _BW), (until, _LOAD))
        elif kind == kernel.K_STORE:
            filled = int(w[kernel.W_FILLED])
            spans = ((int(w[kernel.W_GRANT]), _BW), (filled, _STORE), (until, _LAT))
        else:
            spans = ((until, _UNIT_LABEL[t.unit[u]]),)
        at = s
        for stop, label in spans:  # the last phase reaches ``until``
            stop = min(stop, until)
            if stop > at:
                row[label] += stop - at
                at = stop
