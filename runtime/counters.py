"""The bridge from the cycle-level machine's `Counters` to the report's `Work`.

Kept in one small module so that a change in the machine's counter layout touches one function.
The report keeps busy and stall cycles per unit and stall cycles per cause (summed over units);
on-chip scratchpad/accumulator traffic stays in the machine's counters.
"""

from __future__ import annotations

from chip.machine.counters import Counters, Traffic, Unit
from runtime.report import Work


def work_from_counters(c: Counters) -> Work:
    """The report's view of one machine `Counters` object (a run, or one tag's share)."""
    return Work(
        cycles=c.cycles,
        macs=c.macs,
        dram_read_bytes=c.bytes[Traffic.DRAM_READ],
        dram_write_bytes=c.bytes[Traffic.DRAM_WRITE],
        instructions=c.instructions,
        busy={u.value: c.busy[u] for u in Unit},
        stalls={cause.value: v for cause, v in c.stalls_by_cause().items()},
        unit_stalls={u.value: c.stall(u) for u in Unit},
    )
