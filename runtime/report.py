"""Typed reports that add up: layer -> step -> epoch -> run.

`Work` is the one bundle of additive counts (cycles, MACs, DRAM bytes, busy cycles per unit,
stall cycles per cause); every figure a report shows that is not a count (utilization, seconds,
achieved TOPS, bandwidth, arithmetic intensity, the roofline) is derived from a `Work` and the
`ChipConfig` in one place, here. Reports serialize from the dataclasses (`to_json`) and read back
(`RunReport.from_json`), so a new counter is a one-field change.

Per-layer cycles are the machine's attribution of cycles to instruction tags: every cycle goes
to the tag of the oldest unfinished instruction, so the layer cycles of one step sum to the
step's cycles, as MACs and bytes do (docs/report.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from chip.config import ChipConfig
from chip.footprint import Footprints, Traffic
from chip.program import Phase, Program, Tag

REPORT_VERSION = 1


def _add_maps(a: Mapping[str, int], b: Mapping[str, int]) -> dict[str, int]:
    out = dict(a)
    for k, v in b.items():
        out[k] = out.get(k, 0) + v
    return dict(sorted(out.items()))


@dataclass(frozen=True)
class Work:
    """Additive counts of what the chip did. ``timed`` is False when they come from a model
    without time (the functional model): then cycles, busy and stalls are all zero."""

    cycles: int = 0
    macs: int = 0
    dram_read_bytes: int = 0
    dram_write_bytes: int = 0
    instructions: int = 0
    busy: Mapping[str, int] = field(default_factory=dict)  # by unit
    stalls: Mapping[str, int] = field(default_factory=dict)  # by cause, all units together
    unit_stalls: Mapping[str, int] = field(default_factory=dict)  # by unit, all causes
    timed: bool = True

    def __add__(self, other: Work) -> Work:
        # Field by field, so a new counter adds up without touching this method: counts and
        # per-key maps add, ``timed`` holds only if both sides were timed.
        summed: dict[str, Any] = {}
        for f in fields(self):
            x, y = getattr(self, f.name), getattr(other, f.name)
            if isinstance(x, bool):
                summed[f.name] = x and y
            elif isinstance(x, Mapping):
                summed[f.name] = _add_maps(x, y)
            else:
                summed[f.name] = x + y
        return Work(**summed)

    @property
    def dram_bytes(self) -> int:
        return self.dram_read_bytes + self.dram_write_bytes

    @property
    def stall_cycles(self) -> int:
        return sum(self.stalls.values())

    # ---- derived figures (need the chip) ----
    def seconds(self, chip: ChipConfig) -> float:
        return chip.seconds(self.cycles)

    def utilization(self, chip: ChipConfig) -> float:
        """Useful MACs over the MACs the whole array could do in these cycles."""
        return self.macs / (chip.peak_macs_per_cycle * self.cycles) if self.cycles else 0.0

    def achieved_tops(self, chip: ChipConfig) -> float:
        s = self.seconds(chip)
        return 2 * self.macs / s / 1e12 if s else 0.0

    def dram_gbytes_per_s(self, chip: ChipConfig) -> float:
        s = self.seconds(chip)
        return self.dram_bytes / s / 1e9 if s else 0.0

    def intensity(self) -> float:
        """Arithmetic intensity: operations (2 per MAC) per DRAM byte."""
        return 2 * self.macs / self.dram_bytes if self.dram_bytes else 0.0

    def roofline_tops(self, chip: ChipConfig) -> float:
        """The roofline's bound at this work's intensity: min(peak, intensity x bandwidth)."""
        return min(chip.peak_tops, self.intensity() * chip.dram_gbytes_per_s / 1e3)

    def to_json(self, chip: ChipConfig | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {f.name: _plain(getattr(self, f.name)) for f in fields(self)}
        if chip is not None and self.timed:
            out["derived"] = {
                "seconds": self.seconds(chip),
                "utilization": self.utilization(chip),
                "achieved_tops": self.achieved_tops(chip),
                "dram_gbytes_per_s": self.dram_gbytes_per_s(chip),
                "intensity_ops_per_byte": self.intensity(),
                "roofline_tops": self.roofline_tops(chip),
            }
        return out

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Work:
        names = {f.name for f in fields(cls)}
        return cls(
            **{k: (dict(v) if isinstance(v, dict) else v) for k, v in d.items() if k in names}
        )


def _plain(v: Any) -> Any:
    return dict(v) if isinstance(v, Mapping) else v


def total(works: Iterable[Work]) -> Work:
    out = Work()
    for w in works:
        out = out + w
    return out


@dataclass(frozen=True)
class LayerReport:
    """The work of one (layer, phase) tag, summed over however many runs the report covers."""

    layer: str
    phase: str
    work: Work

    @property
    def tag(self) -> Tag:
        return Tag(self.layer, Phase(self.phase))

    def to_json(self, chip: ChipConfig) -> dict[str, Any]:
        return {"layer": self.layer, "phase": self.phase, **self.work.to_json(chip)}


def layer_reports(by_tag: Mapping[Tag, Work]) -> tuple[LayerReport, ...]:
    """One `LayerReport` per tag, in the order the tags were first seen."""
    return tuple(LayerReport(t.layer, t.phase.value, w) for t, w in by_tag.items())


def add_by_tag(a: Mapping[Tag, Work], b: Mapping[Tag, Work]) -> dict[Tag, Work]:
    out = dict(a)
    for t, w in b.items():
        out[t] = out[t] + w if t in out else w
    return out


def by_phase(layers: Iterable[LayerReport]) -> dict[str, Work]:
    out: dict[str, Work] = {}
    for lr in layers:
        out[lr.phase] = out[lr.phase] + lr.work if lr.phase in out else lr.work
    return out


def static_work(program: Program) -> dict[Tag, Work]:
    """Per-tag MACs, DRAM bytes and instruction counts read off the instruction stream, for
    models without time (the functional model): each instruction's `Footprint`, which the
    machine accounts too (halt and what follows it run on no unit)."""
    footprints = Footprints(program.config)
    acc: dict[Tag, list[int]] = {}
    for ins, tag in zip(program.instrs, program.tags, strict=True):
        fp = footprints.of(ins)
        if fp.unit is None:
            break
        moved = fp.bytes_moved()
        counts = acc.setdefault(tag, [0, 0, 0, 0])
        counts[0] += fp.macs
        counts[1] += moved.get(Traffic.DRAM_READ, 0)
        counts[2] += moved.get(Traffic.DRAM_WRITE, 0)
        counts[3] += 1
    return {
        t: Work(
            macs=c[0], dram_read_bytes=c[1], dram_write_bytes=c[2], instructions=c[3], timed=False
        )
        for t, c in acc.items()
    }


@dataclass(frozen=True)
class EpochReport:
    """One training epoch: its steps' summed work, mean loss, accuracies, evaluation work."""

    epoch: int
    steps: int
    train: Work
    loss: float
    train_accuracy: float
    test_accuracy: float | None = None
    eval: Work | None = None
    step_losses: tuple[float, ...] = ()

    def to_json(self, chip: ChipConfig) -> dict[str, Any]:
        return {
            "epoch": self.epoch,
            "steps": self.steps,
            "loss": self.loss,
            "train_accuracy": self.train_accuracy,
            "test_accuracy": self.test_accuracy,
            "train": self.train.to_json(chip),
            "eval": None if self.eval is None else self.eval.to_json(chip),
            "step_losses": list(self.step_losses),
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> EpochReport:
        return cls(
            int(d["epoch"]),
            int(d["steps"]),
            Work.from_json(d["train"]),
            float(d["loss"]),
            float(d["train_accuracy"]),
            d.get("test_accuracy"),
            None if d.get("eval") is None else Work.from_json(d["eval"]),
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
    total: Work
    layers: tuple[LayerReport, ...]
    host_to_chip_bytes: int
    chip_to_host_bytes: int
    epochs: tuple[EpochReport, ...] = ()
    info: Mapping[str, Any] = field(default_factory=dict)

    @property
    def phases(self) -> dict[str, Work]:
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
            "total": self.total.to_json(c),
            "host_transfer": {
                "to_chip_bytes": self.host_to_chip_bytes,
                "from_chip_bytes": self.chip_to_host_bytes,
            },
            "phases": {p: w.to_json(c) for p, w in self.phases.items()},
            "layers": [lr.to_json(c) for lr in self.layers],
            "epochs": [e.to_json(c) for e in self.epochs],
            "info": dict(self.info),
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> RunReport:
        """Read back what `to_json` wrote; raises `ValueError` naming what is missing."""
        try:
            if d.get("version") != REPORT_VERSION:
                raise ValueError(f"unsupported report version {d.get('version')!r}")
            chip = ChipConfig.from_dict(d["chip"], where="report chip")
            layers = tuple(
                LayerReport(x["layer"], x["phase"], Work.from_json(x)) for x in d["layers"]
            )
            return cls(
                str(d["kind"]),
                chip,
                str(d["program"]),
                str(d["fidelity"]),
                Work.from_json(d["total"]),
                layers,
                int(d["host_transfer"]["to_chip_bytes"]),
                int(d["host_transfer"]["from_chip_bytes"]),
                tuple(EpochReport.from_json(e) for e in d["epochs"]),
                dict(d.get("info", {})),
            )
        except (KeyError, TypeError) as e:
            raise ValueError(f"report is missing or has a malformed field: {e}") from None
