"""Per-tag tallies of the machine, kept as flat integer lists while it runs.

The engine adds to one flat list per tag (fast in the inner loop); `to_counters` turns a list
into the `Counters` dataclass. The layout is derived from the enums of chip/counters.py,
so a new unit, cause or traffic kind needs no change here.
"""

from __future__ import annotations

from chip.counters import Cause, Counters, Traffic, Unit

BUSY = {u: n for n, u in enumerate(Unit)}
STALL = {
    u: {c: len(Unit) + n * len(Cause) + m for m, c in enumerate(Cause)} for n, u in enumerate(Unit)
}
_BASE = len(Unit) * (1 + len(Cause))
TRAFFIC = {t: _BASE + n for n, t in enumerate(Traffic)}
MACS = _BASE + len(Traffic)
INSTRUCTIONS = MACS + 1
WIDTH = INSTRUCTIONS + 1


# Integer views for the engine's inner loop (enum hashing is slow in CPython): per unit, the
# tally index of its busy cycles and of each stall cause, by cause position in `Cause`.
UNIT_INDEX = {u: n for n, u in enumerate(Unit)}
BUSY_AT = [BUSY[u] for u in Unit]
STALL_AT = [[STALL[u][c] for c in Cause] for u in Unit]
(DRAM_BANDWIDTH, DRAM_LATENCY, TOKEN, QUEUE_FULL, BANK_CONFLICT, FILL_DRAIN, PRELOAD) = (
    list(Cause).index(c)
    for c in (
        Cause.DRAM_BANDWIDTH,
        Cause.DRAM_LATENCY,
        Cause.TOKEN,
        Cause.QUEUE_FULL,
        Cause.BANK_CONFLICT,
        Cause.FILL_DRAIN,
        Cause.PRELOAD,
    )
)


def new_tally() -> list[int]:
    return [0] * WIDTH


def to_counters(tally: list[int], cycles: int, rows: int, cols: int) -> Counters:
    return Counters(
        cycles=cycles,
        macs=tally[MACS],
        instructions=tally[INSTRUCTIONS],
        rows=rows,
        cols=cols,
        busy={u: tally[BUSY[u]] for u in Unit},
        stalls={u: {c: tally[STALL[u][c]] for c in Cause} for u in Unit},
        bytes={t: tally[TRAFFIC[t]] for t in Traffic},
    )


def overlap(lo: int, hi: int, seg: tuple[int, int]) -> int:
    """Cycles of [lo, hi) inside the segment [seg[0], seg[1])."""
    return max(0, min(hi, seg[1]) - max(lo, seg[0]))
