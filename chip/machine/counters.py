"""The machine's counters, counted in one place.

`Counters` is plain typed data: cycles, MACs, per-unit busy cycles, per-unit stall cycles by
`Cause`, and bytes moved per memory and direction. Derived figures (idle cycles, PE utilization)
are properties. Counters add up with ``+`` (layer -> step -> epoch) and round-trip through
`to_dict` / `from_dict`; adding a unit, a cause or a traffic kind is a one-line change to the
enums below.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from chip.footprint import Traffic, Unit


class Cause(enum.Enum):
    """Why a unit was not doing useful work in a cycle (docs/timing.md, stall attribution)."""

    DRAM_BANDWIDTH = "dram_bandwidth"
    DRAM_LATENCY = "dram_latency"
    TOKEN = "token"
    QUEUE_FULL = "queue_full"
    BANK_CONFLICT = "bank_conflict"
    FILL_DRAIN = "fill_drain"
    PRELOAD = "preload"


def _zero_units() -> dict[Unit, int]:
    return dict.fromkeys(Unit, 0)


def _zero_stalls() -> dict[Unit, dict[Cause, int]]:
    return {u: dict.fromkeys(Cause, 0) for u in Unit}


def _zero_traffic() -> dict[Traffic, int]:
    return dict.fromkeys(Traffic, 0)


@dataclass
class Counters:
    """What the chip did over some span of cycles (a run, or one tag's share of it).

    Contract: for a whole run, every cycle of every unit is busy, idle, or stalled for exactly one
    cause, so ``busy[u] + idle(u) + sum(stalls[u].values()) == cycles``. For a tag's share, cycles
    are the cycles during which the tag held the oldest unfinished instruction, and busy/stall
    cycles are those of the tag's instructions (so `idle` is not meaningful there).
    """

    cycles: int = 0
    macs: int = 0
    instructions: int = 0  # instructions that ran on a unit (halt excluded)
    rows: int = 0  # array rows and columns, so utilization is a property of the counters
    cols: int = 0
    busy: dict[Unit, int] = field(default_factory=_zero_units)
    stalls: dict[Unit, dict[Cause, int]] = field(default_factory=_zero_stalls)
    bytes: dict[Traffic, int] = field(default_factory=_zero_traffic)

    # ---- derived ----
    def idle(self, unit: Unit) -> int:
        """Cycles in which ``unit`` had nothing to do."""
        return self.cycles - self.busy[unit] - sum(self.stalls[unit].values())

    def stall(self, unit: Unit) -> int:
        return sum(self.stalls[unit].values())

    def stalls_by_cause(self) -> dict[Cause, int]:
        """Stall cycles of all units together, by cause."""
        return {c: sum(self.stalls[u][c] for u in Unit) for c in Cause}

    @property
    def pe_utilization(self) -> float:
        """Useful MACs / (rows x cols x cycles); 0 for an empty span."""
        peak = self.rows * self.cols * self.cycles
        return self.macs / peak if peak else 0.0

    # ---- algebra ----
    def __add__(self, other: Counters) -> Counters:
        if not isinstance(other, Counters):
            return NotImplemented
        if (self.rows, self.cols) != (other.rows, other.cols) and self.cycles and other.cycles:
            raise ValueError(
                f"cannot add counters of a {self.rows}x{self.cols} array and a "
                f"{other.rows}x{other.cols} array"
            )
        return Counters(
            cycles=self.cycles + other.cycles,
            macs=self.macs + other.macs,
            instructions=self.instructions + other.instructions,
            rows=self.rows or other.rows,
            cols=self.cols or other.cols,
            busy={u: self.busy[u] + other.busy[u] for u in Unit},
            stalls={u: {c: self.stalls[u][c] + other.stalls[u][c] for c in Cause} for u in Unit},
            bytes={t: self.bytes[t] + other.bytes[t] for t in Traffic},
        )

    # ---- serialization ----
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready mapping (enum keys become their string values)."""
        return {
            "cycles": self.cycles,
            "macs": self.macs,
            "instructions": self.instructions,
            "rows": self.rows,
            "cols": self.cols,
            "busy": {u.value: v for u, v in self.busy.items()},
            "stalls": {
                u.value: {c.value: v for c, v in cs.items()} for u, cs in self.stalls.items()
            },
            "bytes": {t.value: v for t, v in self.bytes.items()},
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Counters:
        """Inverse of `to_dict`; missing units, causes or traffic kinds read as 0."""
        out = cls(
            cycles=int(d["cycles"]),
            macs=int(d["macs"]),
            instructions=int(d.get("instructions", 0)),
            rows=int(d.get("rows", 0)),
            cols=int(d.get("cols", 0)),
        )
        for u in Unit:
            out.busy[u] = int(d.get("busy", {}).get(u.value, 0))
            for c in Cause:
                out.stalls[u][c] = int(d.get("stalls", {}).get(u.value, {}).get(c.value, 0))
        for t in Traffic:
            out.bytes[t] = int(d.get("bytes", {}).get(t.value, 0))
        return out
