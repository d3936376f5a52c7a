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
instruction's tag, so the tags' cycles sum to the run's. The walk is compiled
(chip/machine/critical_kernel.py): a large program's path has hundreds of thousands of steps.
"""

from __future__ import annotations

import numpy as np

from chip.counters import Critical
from chip.machine import accounting as acct
from chip.machine import critical_kernel as ck
from chip.machine import schedule_kernel as kernel
from chip.machine import schedule_rules as codes

_LABEL = {c: n for n, c in enumerate(Critical)}
_UNIT_LABEL = np.array([_LABEL[Critical(u.value)] for u in acct.UNIT_INDEX], dtype=np.int64)
# the label numbers in the kernel's L_ order
_LABELS = np.array(
    [
        _LABEL[label]
        for label in (
            Critical.ARRAY,
            Critical.FILL_DRAIN,
            Critical.PRELOAD,
            Critical.VECTOR,
            Critical.BANK_CONFLICT,
            Critical.LOAD,
            Critical.DRAM_LATENCY,
            Critical.DRAM_BANDWIDTH,
            Critical.STORE,
            Critical.DISPATCH,
        )
    ],
    dtype=np.int64,
)
# the timing kernel's waits columns in the walk's W_ order
_WAITS = [
    codes.W_DISPATCH,
    codes.W_ORDER,
    codes.W_TOKEN,
    codes.W_PRODUCER,
    codes.W_BANK,
    codes.W_GRANT,
    codes.W_FILLED,
]
_PHASE = {
    codes.K_MATMUL: ck.P_MATMUL,
    codes.K_PRELOAD: ck.P_PRELOAD,
    codes.K_VEC: ck.P_VEC,
    codes.K_LOAD: ck.P_LOAD,
    codes.K_STORE: ck.P_STORE,
}
_SEARCH = 1 << 16  # instructions looked back for a queue-order or bank-port predecessor
_FAULTS = {
    ck.NO_WAIT: "started after all it waited for",
    ck.NO_RELEASE: "no execute instruction released it",
    ck.NO_HOLDER: "no bank-port holder released it",
}


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
    end = st.end
    last = int(np.argmax(end))  # the first of the instructions that end last
    if end[last] < total:  # the dispatcher outlasts every instruction (the final halt)
        last = -1
    queue = np.full(n, -1, dtype=np.int64)
    pos = np.zeros(n, dtype=np.int64)
    for q in range(3):
        members = t.queue_instrs[t.queue_start[q] : t.queue_start[q + 1]]
        queue[members] = q
        pos[members] = np.arange(members.size)
    order = np.ascontiguousarray(st.order[: int(st.reg[codes.N_ORDER])])
    committed = np.zeros(n, dtype=np.int64)
    committed[order] = np.arange(order.size)
    phase = np.full(t.kind.size, ck.P_OTHER, dtype=np.int64)
    for k, p in _PHASE.items():
        phase[t.kind == k] = p
    fault = np.zeros(1, dtype=np.int64)
    code = ck.walk(
        last, total, t.plan_of, t.tag_of, t.need, t.queue_instrs, t.queue_start,
        codes.EXEC_Q, phase, _UNIT_LABEL[t.unit], t.stream, t.extra, t.overlap_at,
        t.port_start, t.ports, st.start, st.end, st.dispatch,
        np.ascontiguousarray(st.waits[:, _WAITS]), order, queue, pos, committed,
        dram_latency, _SEARCH, _LABELS, out, fault,
    )  # fmt: skip
    if code != ck.OK:
        i = int(fault[0])
        raise AssertionError(f"instruction {i} (started at {st.start[i]}): {_FAULTS[code]}")
    return out


def warm_up() -> None:
    """Compile (or load from the disk cache) the walk, as `critical_path` calls it."""
    one = np.zeros(1, dtype=np.int64)
    ck.walk(
        0, 1, one, one, one - 1, one, np.array([0, 0, 1, 1]), codes.EXEC_Q, one,
        one, one, one, one, np.zeros(2, dtype=np.int64), one, one, one + 1, one,
        np.zeros((1, len(_WAITS)), dtype=np.int64), one, one, one, one, 0, _SEARCH,
        _LABELS, np.zeros((1, len(Critical)), dtype=np.int64), np.zeros(1, dtype=np.int64),
    )  # fmt: skip
