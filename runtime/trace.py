"""Chrome/Perfetto trace of one run: one track per unit, one slice per instruction group.

The file is the Trace Event Format's JSON object form (``{"traceEvents": [...]}``), which
ui.perfetto.dev and chrome://tracing open directly. Time stamps are microseconds at the chip's
clock (cycle / clock_mhz). Consecutive instructions of the same layer and phase on one unit
form one slice (its ``args`` give the instruction range and the busy cycles inside it), so a
training step reads as forward, backward and optimizer blocks per unit rather than thousands of
single instructions.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from chip.program import Program
from runtime.files import atomic_write_bytes

PID = 1
# Tracks top to bottom in the order data flows through the chip; unknown units go last.
UNIT_ORDER = ("load", "array", "vector", "store")


def _unit_name(unit: Any) -> str:
    return str(getattr(unit, "value", unit))


def trace_events(program: Program, events: Iterable[Any]) -> list[dict[str, Any]]:
    """Trace events for machine events (each with ``index``, ``unit``, ``start``, ``end``)."""
    mhz = program.config.clock_mhz
    per_unit: dict[str, list[Any]] = {}
    for e in events:
        per_unit.setdefault(_unit_name(e.unit), []).append(e)
    out: list[dict[str, Any]] = [
        {
            "ph": "M",
            "name": "process_name",
            "pid": PID,
            "args": {
                "name": f"{program.config.name} ({program.config.rows}x"
                f"{program.config.cols} {program.config.dataflow.value})"
            },
        },
    ]
    order = sorted(
        per_unit, key=lambda u: (UNIT_ORDER.index(u) if u in UNIT_ORDER else len(UNIT_ORDER), u)
    )
    for tid, unit in enumerate(order, start=1):
        evs = per_unit[unit]
        out.append(
            {"ph": "M", "name": "thread_name", "pid": PID, "tid": tid, "args": {"name": unit}}
        )
        out.append(
            {
                "ph": "M",
                "name": "thread_sort_index",
                "pid": PID,
                "tid": tid,
                "args": {"sort_index": tid},
            }
        )
        evs.sort(key=lambda e: (e.start, e.index))
        group: list[Any] = []
        for e in evs:
            if group and program.tags[e.index] != program.tags[group[0].index]:
                out.append(_slice(program, group, tid, mhz))
                group = []
            group.append(e)
        if group:
            out.append(_slice(program, group, tid, mhz))
    return out


def _slice(program: Program, group: list[Any], tid: int, mhz: float) -> dict[str, Any]:
    tag = program.tags[group[0].index]
    start, end = group[0].start, max(e.end for e in group)
    kinds: dict[str, int] = {}
    for e in group:
        m = program.instrs[e.index].MNEMONIC
        kinds[m] = kinds.get(m, 0) + 1
    return {
        "name": str(tag),
        "cat": tag.phase.value,
        "ph": "X",
        "pid": PID,
        "tid": tid,
        "ts": start / mhz,
        "dur": (end - start) / mhz,
        "args": {
            "first_instruction": group[0].index,
            "last_instruction": group[-1].index,
            "instructions": kinds,
            "start_cycle": start,
            "end_cycle": end,
            "busy_cycles": sum(e.end - e.start for e in group),
        },
    }


def write_trace(
    path: Path, program: Program, events: Iterable[Any], meta: dict[str, Any] | None = None
) -> Path:
    doc = {
        "traceEvents": trace_events(program, events),
        "displayTimeUnit": "ns",
        "otherData": {"clock_mhz": program.config.clock_mhz, **(meta or {})},
    }
    atomic_write_bytes(path, json.dumps(doc).encode())
    return path
