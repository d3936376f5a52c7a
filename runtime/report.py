"""Typed reports that add up: layer -> step -> epoch -> run.

A report holds the chip's one counter type, `chip.counters.Counters`, per layer and phase, per
epoch and for the whole run. Figures that need only the counts (utilization, intensity, stall
totals) are `Counters` properties; figures that also need the chip's clock and peaks (seconds,
achieved TOPS, bandwidth, the roofline) are defined here, once. Reports serialize from the
dataclasses (`to_json`) and read back (`RunReport.from_json`), so a new counter is one field.

Per-layer cycles are the machine's attribution of the run's critical path to instruction tags
(chip/machine/critical.py): every cycle of the end-to-end time goes to the instruction the end
was waiting on, so the layer cycles of one step sum to the step's cycles, as MACs and bytes do.
Every layer, phase and run also has a roofline bound (`bound_cycles`) from its useful MACs and
minimal DRAM bytes, and `efficiency = bound / cycles` (docs/report.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from chip.actions import static_counters
from chip.config import ChipConfig
from chip.counters import Counters
from chip.energy import area_of, average_power_w, energy_of, tops_per_watt
from chip.program import Phase, Program, Tag

REPORT_VERSION = 3  # 3: useful MACs, minimal DRAM bytes, critical-path cycles per layer


def seconds(c: Counters, chip: ChipConfig) -> float:
    """The counters' cycles at the chip's clock."""
    return chip.seconds(c.cycles)


def achieved_tops(c: Counters, chip: ChipConfig) -> float:
    """Useful operations (2 per useful MAC) per second, in TOPS."""
    s = seconds(c, chip)
    return 2 * c.useful_macs / s / 1e12 if s else 0.0


def compute_bound_cycles(c: Counters, chip: ChipConfig) -> int:
    """Cycles the array needs for the useful MACs at its peak: useful MACs / (rows x cols)."""
    return -(-c.useful_macs // chip.peak_macs_per_cycle)


def dram_bound_cycles(c: Counters, chip: ChipConfig) -> int:
    """Cycles the DRAM bus needs for the minimal bytes: minimal DRAM bytes / bytes per cycle."""
    return -(-c.min_dram_bytes // chip.dram_bytes_per_cycle)


def bound_cycles(c: Counters, chip: ChipConfig) -> int:
    """The roofline bound in cycles: no schedule of this work on this chip takes fewer."""
    return max(compute_bound_cycles(c, chip), dram_bound_cycles(c, chip))


def bound_by(c: Counters, chip: ChipConfig) -> str:
    """What sets the bound: ``compute`` (the array), ``dram`` (the bus), or ``none`` (no
    useful MACs and no DRAM bytes, e.g. a copy kept on chip)."""
    compute, dram = compute_bound_cycles(c, chip), dram_bound_cycles(c, chip)
    if not compute and not dram:
        return "none"
    return "compute" if compute >= dram else "dram"


def efficiency(c: Counters, chip: ChipConfig) -> float:
    """bound / actual cycles (1.0 is a schedule at the roofline); 0 without cycles."""
    return bound_cycles(c, chip) / c.cycles if c.cycles else 0.0


def dram_gbytes_per_s(c: Counters, chip: ChipConfig) -> float:
    s = seconds(c, chip)
    return c.dram_bytes / s / 1e9 if s else 0.0


def roofline_tops(c: Counters, chip: ChipConfig) -> float:
    """The roofline's bound at the counters' intensity: min(peak, intensity x bandwidth)."""
    return min(chip.peak_tops, c.intensity * chip.dram_gbytes_per_s / 1e3)


def energy_json(c: Counters, chip: ChipConfig) -> dict[str, Any]:
    """The energy of ``c`` (chip/energy.py): joules in total, by unit and by action; when timed,
    average power and TOPS/W (leakage needs time, so untimed counters have none)."""
    e = energy_of(c, chip)
    out: dict[str, Any] = {
        "joules": e.total_j,
        "by_unit_joules": e.by_unit,
        "by_action_joules": dict(e.by_action),
    }
    if c.timed:
        out["average_power_w"] = average_power_w(c, chip)
        out["tops_per_w"] = tops_per_watt(c, chip)
    return out


def area_json(chip: ChipConfig) -> dict[str, Any]:
    """The chip's modelled area (chip/energy.py): the total and each block's, in mm^2."""
    area = area_of(chip)
    return {
        "total_mm2": area.total_mm2,
        "by_block_mm2": {b.value: mm2 for b, mm2 in area.blocks.items()},
    }


def counters_json(c: Counters, chip: ChipConfig) -> dict[str, Any]:
    """``c``'s fields, plus the figures derived from them and the chip (energy always; the
    others when timed), which are recomputed, not read, when a report is read back."""
    out = c.to_dict()
    out["energy"] = energy_json(c, chip)
    out["work"] = {
        "padding_macs": c.padding_macs,
        "tile_waste": c.tile_waste,
        "compute_bound_cycles": compute_bound_cycles(c, chip),
        "dram_bound_cycles": dram_bound_cycles(c, chip),
        "bound_cycles": bound_cycles(c, chip),
        "bound_by": bound_by(c, chip),
    }
    if c.timed:
        out["derived"] = {
            "efficiency": efficiency(c, chip),
            "seconds": seconds(c, chip),
            "utilization": c.pe_utilization,
            "achieved_tops": achieved_tops(c, chip),
            "dram_gbytes_per_s": dram_gbytes_per_s(c, chip),
            "intensity_ops_per_byte": c.intensity,
            "roofline_tops": roofline_tops(c, chip),
            "stall_cycles": c.stall_cycles,
            "stalls_by_cause": {k.value: v for k, v in c.stalls_by_cause.items()},
        }
    return out


@dataclass(frozen=True)
class LayerReport:
    """The work of one (layer, phase) tag, summed over however many runs the report covers."""

    layer: str
    phase: str
    work: Counters

    @property
    def tag(self) -> Tag:
        return Tag(self.layer, Phase(self.phase))

    def to_json(self, chip: ChipConfig) -> dict[str, Any]:
        return {"layer": self.layer, "phase": self.phase, **counters_json(self.work, chip)}


def layer_reports(by_tag: Mapping[Tag, Counters]) -> tuple[LayerReport, ...]:
    """One `LayerReport` per tag, in the order the tags were first seen."""
    return tuple(LayerReport(t.layer, t.phase.value, w) for t, w in by_tag.items())


def add_by_tag(a: Mapping[Tag, Counters], b: Mapping[Tag, Counters]) -> dict[Tag, Counters]:
    out = dict(a)
    for t, w in b.items():
        out[t] = out[t] + w if t in out else w
    return out


def by_phase(layers: Iterable[LayerReport]) -> dict[str, Counters]:
    out: dict[str, Counters] = {}
    for lr in layers:
        out[lr.phase] = out[lr.phase] + lr.work if lr.phase in out else lr.work
    return out


def static_work(program: Program) -> dict[Tag, Counters]:
    """Per-tag MACs, bytes, instructions and actions read off the instruction stream, for models
    without time (the functional model): the same footprints the machine accounts
    (`chip.actions`). ``timed`` is False."""
    return static_counters(program)


@dataclass(frozen=True)
class EpochReport:
    """One training epoch: its steps' summed work, mean loss, accuracies, evaluation work."""

    epoch: int
    steps: int
    train: Counters
    loss: float
    train_accuracy: float
    test_accuracy: float | None = None
    eval: Counters | None = None
    step_losses: tuple[float, ...] = ()

    def to_json(self, chip: ChipConfig) -> dict[str, Any]:
        return {
            "epoch": self.epoch,
            "steps": self.steps,
            "loss": self.loss,
            "train_accuracy": self.train_accuracy,
            "test_accuracy": self.test_accuracy,
            "train": counters_json(self.train, chip),
            "eval": None if self.eval is None else counters_json(self.eval, chip),
            "step_losses": list(self.step_losses),
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> EpochReport:
        return cls(
            int(d["epoch"]),
            int(d["steps"]),
            Counters.from_dict(d["train"]),
            float(d["loss"]),
            float(d["train_accuracy"]),
            d.get("test_accuracy"),
            None if d.get("eval") is None else Counters.from_dict(d["eval"]),
            tuple(float(v) for v in d.get("step_losses", ())),
        )


@dataclass(frozen=True)
class RunReport:
    """Everything one invocation did on the chip, for report.json, layers.csv and the table.

    Contract: ``total`` is the sum of the epochs' train and eval work for training runs (or of
    the single run otherwise); ``layers`` sum, in MACs and bytes, to ``total``'s.
    ``host_transfer`` counts host<->chip bytes, which are not part of any on-chip cycle count.
    """

    kind: str  # "train" or "run"
    chip: ChipConfig
    program: str
    fidelity: str
    total: Counters
    layers: tuple[LayerReport, ...]
    host_to_chip_bytes: int
    chip_to_host_bytes: int
    epochs: tuple[EpochReport, ...] = ()
    info: Mapping[str, Any] = field(default_factory=dict)

    @property
    def phases(self) -> dict[str, Counters]:
        return by_phase(self.layers)

    def to_json(self) -> dict[str, Any]:
        c = self.chip
        return {
            "version": REPORT_VERSION,
            "kind": self.kind,
            "program": self.program,
            "fidelity": self.fidelity,
            "chip": c.to_dict(),
            "peak": {
                "tops": c.peak_tops,
                "macs_per_cycle": c.peak_macs_per_cycle,
                "dram_gbytes_per_s": c.dram_gbytes_per_s,
                "clock_mhz": c.clock_mhz,
            },
            "area": area_json(c),
            "total": counters_json(self.total, c),
            "host_transfer": {
                "to_chip_bytes": self.host_to_chip_bytes,
                "from_chip_bytes": self.chip_to_host_bytes,
            },
            "phases": {p: counters_json(w, c) for p, w in self.phases.items()},
            "layers": [lr.to_json(c) for lr in self.layers],
            "epochs": [e.to_json(c) for e in self.epochs],
            "info": dict(self.info),
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> RunReport:
        """Read back what `to_json` wrote; raises `ValueError` naming what is missing."""
        try:
            if d.get("version") != REPORT_VERSION:
                raise ValueError(
                    f"unsupported report version {d.get('version')!r}: this build reads version "
                    f"{REPORT_VERSION} (version 2 reports predate useful MACs, roofline bounds "
                    "and critical-path cycles; run the model again to get a new report)"
                )
            chip = ChipConfig.from_dict(d["chip"], where="report chip")
            layers = tuple(
                LayerReport(x["layer"], x["phase"], Counters.from_dict(x)) for x in d["layers"]
            )
            return cls(
                str(d["kind"]),
                chip,
                str(d["program"]),
                str(d["fidelity"]),
                Counters.from_dict(d["total"]),
                layers,
                int(d["host_transfer"]["to_chip_bytes"]),
                int(d["host_transfer"]["from_chip_bytes"]),
                tuple(EpochReport.from_json(e) for e in d["epochs"]),
                dict(d.get("info", {})),
            )
        except (KeyError, TypeError) as e:
            raise ValueError(f"report is missing or has a malformed field: {e}") from None
