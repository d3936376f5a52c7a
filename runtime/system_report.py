"""The report of one run of a system of chips: cycles per chip, communication, link use.

Counted from a `chip.links.SystemResult` in one place (`system_report`):
- per chip: its cycles (when its last instruction finished), compute cycles (its segments on
  the machine), ``exposed`` communication (cycles it waited in RECVs while the data it waited
  for was on a link), ``imbalance`` (cycles it waited before its sender had even sent), and
  ``overlapped`` communication: cycles during which a transfer to it was on a link while it
  computed (the union of its incoming transfers' [start, arrival) minus the exposed part);
- per directed link: bytes, busy cycles and utilization (busy / system cycles), and energy at
  the system's pJ per byte (`SystemConfig.pj_per_link_byte`: the technology table's
  ``link_byte`` unless the system overrides it);
- energy per chip and by action: each chip's counted actions priced by chip/energy.py, its
  leakage over the whole step (every chip is powered until the system finishes), and ``link``:
  the bytes it sent (a link's energy, both ends, is charged to its sender);
- the system's cycles: the last chip's end or the last arrival, whichever is later.
`trace_events` draws it for Perfetto: one process per chip, a track for compute, one for
waits and one per link it sends on.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from chip.energy import LEAKAGE, energy_per_action, leakage_per_cycle_j
from chip.links import SystemResult
from chip.system import SystemConfig

LINK = "link"  # the energy entry of the bytes a chip sends


@dataclass(frozen=True)
class ChipLine:
    chip: int
    cycles: int
    compute: int
    exposed: int
    overlapped: int
    imbalance: int


@dataclass(frozen=True)
class LinkLine:
    chip: int
    link: int
    to_chip: int
    bytes: int
    busy: int
    utilization: float
    energy_uj: float


@dataclass(frozen=True)
class SystemReport:
    """One system run, counted (see the module docstring)."""

    system: str
    chips: int
    cycles: int
    per_chip: tuple[ChipLine, ...]
    links: tuple[LinkLine, ...]
    energy: tuple[dict[str, float], ...]  # per chip: joules by action, leakage and link

    @property
    def energy_by_action(self) -> dict[str, float]:
        """Joules of every chip together, by action (and ``leakage``, ``link``)."""
        out: dict[str, float] = {}
        for per in self.energy:
            for k, v in per.items():
                out[k] = out.get(k, 0.0) + v
        return out

    @property
    def energy_j(self) -> float:
        return sum(self.energy_by_action.values())

    @property
    def exposed(self) -> int:
        """The largest exposed communication of any chip (the step's critical chip)."""
        return max((c.exposed for c in self.per_chip), default=0)

    @property
    def overlapped(self) -> int:
        return max((c.overlapped for c in self.per_chip), default=0)

    @property
    def link_bytes(self) -> int:
        return sum(link.bytes for link in self.links)

    def to_json(self) -> dict[str, Any]:
        return {
            "system": self.system,
            "chips": self.chips,
            "cycles": self.cycles,
            "exposed_communication": self.exposed,
            "overlapped_communication": self.overlapped,
            "per_chip": [asdict(c) for c in self.per_chip],
            "links": [asdict(link) for link in self.links],
            "energy": {
                "total_uj": self.energy_j * 1e6,
                "by_action_uj": {k: v * 1e6 for k, v in self.energy_by_action.items()},
                "by_chip": [
                    {
                        "chip": c,
                        "total_uj": sum(per.values()) * 1e6,
                        "by_action_uj": {k: v * 1e6 for k, v in per.items()},
                    }
                    for c, per in enumerate(self.energy)
                ],
            },
        }

    def render(self) -> str:
        lines = [
            f"system {self.system}: {self.chips} chips, {self.cycles:,} cycles per step",
            "chip      cycles     compute     exposed  overlapped   imbalance",
        ]
        for c in self.per_chip:
            lines.append(
                f"{c.chip:>4} {c.cycles:>11,} {c.compute:>11,} {c.exposed:>11,} "
                f"{c.overlapped:>11,} {c.imbalance:>11,}"
            )
        if self.links:
            lines.append("link        bytes        busy  utilization  energy (uJ)")
            for x in self.links:
                lines.append(
                    f"{x.chip}->{x.to_chip} ({x.link}) {x.bytes:>10,} {x.busy:>11,} "
                    f"{100 * x.utilization:>11.1f}% {x.energy_uj:>12.3f}"
                )
        link_j = self.energy_by_action.get(LINK, 0.0)
        lines.append(
            f"energy {1e6 * self.energy_j:,.3f} uJ per step, of which links "
            f"{1e6 * link_j:,.3f} uJ ({100 * link_j / max(self.energy_j, 1e-30):.1f}%)"
        )
        return "\n".join(lines)


def system_report(system: SystemConfig, result: SystemResult) -> SystemReport:
    """Count ``result`` (a run of ``system``) as a `SystemReport`."""
    incoming: dict[int, list[tuple[int, int]]] = {}
    for m in result.messages:
        to = system.neighbour(m.chip, m.link)
        incoming.setdefault(to, []).append((m.start, m.arrival))
    per_chip = []
    for c, run in enumerate(result.chips):
        in_flight = _union(incoming.get(c, []))
        per_chip.append(
            ChipLine(
                c,
                run.cycles,
                run.compute,
                run.exposed,
                max(0, in_flight - run.exposed),
                run.imbalance,
            )
        )
    total = max(result.cycles, 1)
    links = tuple(
        LinkLine(
            c,
            link,
            system.neighbour(c, link),
            result.link_bytes[(c, link)],
            busy,
            busy / total,
            result.link_bytes[(c, link)] * system.pj_per_link_byte * 1e-6,
        )
        for (c, link), busy in sorted(result.link_busy.items())
    )
    return SystemReport(
        system.name, system.chips, result.cycles, tuple(per_chip), links, _energy(system, result)
    )


def _energy(system: SystemConfig, result: SystemResult) -> tuple[dict[str, float], ...]:
    """Per chip, joules by action: its actions, its leakage over the step, its sent bytes."""
    per = energy_per_action(system.chip)
    leak = leakage_per_cycle_j(system.chip)
    out = []
    for c, run in enumerate(result.chips):
        joules = {a.value: run.actions.get(a, 0) * j for a, j in per.items()}
        joules[LEAKAGE] = result.cycles * leak
        sent = sum(n for (chip, _), n in result.link_bytes.items() if chip == c)
        joules[LINK] = sent * system.pj_per_link_byte * 1e-12
        out.append(joules)
    return tuple(out)


def _union(spans: list[tuple[int, int]]) -> int:
    """Cycles covered by at least one of ``spans``."""
    covered, end = 0, None
    for a, b in sorted(spans):
        if end is None or a > end:
            covered += b - a
            end = b
        elif b > end:
            covered += b - end
            end = b
    return covered


def trace_events(system: SystemConfig, result: SystemResult) -> list[dict[str, Any]]:
    """Trace Event Format events: one process per chip, microseconds at the chip's clock."""
    mhz = system.chip.clock_mhz
    out: list[dict[str, Any]] = []
    for c, run in enumerate(result.chips):
        pid = c + 1
        out.append({"ph": "M", "name": "process_name", "pid": pid, "args": {"name": f"chip {c}"}})
        out.append({"ph": "M", "name": "process_sort_index", "pid": pid, "args": {"sort_index": c}})
        tracks: dict[str, int] = {}
        for name, track, start, end in run.intervals:
            if end <= start:
                continue
            tid = tracks.get(track)
            if tid is None:
                tid = tracks[track] = len(tracks) + 1
                out.append(
                    {
                        "ph": "M",
                        "name": "thread_name",
                        "pid": pid,
                        "tid": tid,
                        "args": {"name": track},
                    }
                )
            out.append(
                {
                    "ph": "X",
                    "name": name,
                    "pid": pid,
                    "tid": tid,
                    "ts": start / mhz,
                    "dur": (end - start) / mhz,
                    "args": {"start_cycle": start, "end_cycle": end},
                }
            )
    return out
