"""The bridge from the cycle-level machine's `Counters` to the report's `Work`.

Kept in one small module so that a change in the machine's counter layout touches one function.
"""

from __future__ import annotations

from typing import Any

from runtime.report import Work


def work_from_counters(counters: Any) -> Work:
    """The report's view of one machine `Counters` object."""
    d = counters.to_dict()
    return Work(
        cycles=int(d["cycles"]),
        macs=int(d["macs"]),
        dram_read_bytes=int(d.get("dram_read_bytes", 0)),
        dram_write_bytes=int(d.get("dram_write_bytes", 0)),
        instructions=int(d.get("instructions", 0)),
        busy={k: int(v) for k, v in d.get("busy", {}).items()},
        stalls={k: int(v) for k, v in d.get("stalls", {}).items()},
    )
