"""Reports rendered for people and spreadsheets: a rich terminal table and layers.csv.

Every number shown is read from a `RunReport` (runtime/report.py); nothing is computed here
except formatting.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from rich import box
from rich.console import Console, Group
from rich.table import Table

from chip.config import ChipConfig
from chip.counters import Cause, Counters, Critical
from chip.energy import ENERGY_UNITS, average_power_w, energy_of, tops_per_watt
from chip.footprint import Action, Unit
from runtime.report import (
    LayerReport,
    RunReport,
    achieved_tops,
    bound_by,
    bound_cycles,
    dram_gbytes_per_s,
    efficiency,
    roofline_tops,
    seconds,
)

CSV_FIELDS = (
    "layer",
    "phase",
    "cycles",
    "bound_cycles",
    "bound_by",
    "efficiency",
    "seconds",
    "useful_macs",
    "macs",
    "padding_macs",
    "tile_waste",
    "utilization",
    "dram_read_bytes",
    "dram_write_bytes",
    "min_dram_bytes",
    "stall_cycles",
    "achieved_tops",
    "dram_gbytes_per_s",
    "intensity_ops_per_byte",
    "roofline_tops",
    "instructions",
    "energy_j",
    "average_power_w",
    "tops_per_w",
    *(f"energy_{unit}_j" for unit in ENERGY_UNITS),
    *(f"energy_{a.value}_j" for a in Action),
)


def _si(v: float, unit: str = "") -> str:
    for scale, prefix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= scale:
            return f"{v / scale:.2f} {prefix}{unit}".rstrip()
    if v and abs(v) < 1:  # energies: millijoules and below
        for scale, prefix in ((1e-3, "m"), (1e-6, "u"), (1e-9, "n")):
            if abs(v) >= scale:
                return f"{v / scale:.3g} {prefix}{unit}".rstrip()
        return f"{v / 1e-12:.3g} p{unit}".rstrip()
    return f"{v:.4g} {unit}".rstrip()


def _seconds(s: float) -> str:
    for scale, unit in ((1.0, "s"), (1e-3, "ms"), (1e-6, "us")):
        if s >= scale:
            return f"{s / scale:.3g} {unit}"
    return f"{s / 1e-9:.3g} ns"


def layer_row(lr: LayerReport, r: RunReport) -> dict[str, Any]:
    w, c = lr.work, r.chip
    row = {
        "layer": lr.layer,
        "phase": lr.phase,
        "cycles": w.cycles,
        "bound_cycles": bound_cycles(w, c),
        "bound_by": bound_by(w, c),
        "efficiency": efficiency(w, c),
        "seconds": seconds(w, c),
        "useful_macs": w.useful_macs,
        "macs": w.macs,
        "padding_macs": w.padding_macs,
        "tile_waste": w.tile_waste,
        "utilization": w.pe_utilization,
        "dram_read_bytes": w.dram_read_bytes,
        "dram_write_bytes": w.dram_write_bytes,
        "min_dram_bytes": w.min_dram_bytes,
        "stall_cycles": w.stall_cycles,
        "achieved_tops": achieved_tops(w, c),
        "dram_gbytes_per_s": dram_gbytes_per_s(w, c),
        "intensity_ops_per_byte": w.intensity,
        "roofline_tops": roofline_tops(w, c),
        "instructions": w.instructions,
    }
    energy = energy_of(w, c)
    row["energy_j"] = energy.total_j
    row["average_power_w"] = average_power_w(w, c)
    row["tops_per_w"] = tops_per_watt(w, c)
    row.update({f"energy_{unit}_j": j for unit, j in energy.by_unit.items()})
    row.update({f"energy_{a.value}_j": energy.by_action[a.value] for a in Action})
    if w.timed:
        row.update({f"busy_{u.value}": v for u, v in w.busy.items()})
        row.update({f"critical_{k.value}": v for k, v in w.critical.items()})
        row.update({f"stall_{k.value}": v for k, v in w.stalls_by_cause.items()})
    return row


def layers_csv(r: RunReport) -> str:
    """One row per (layer, phase); when timed, each unit's busy cycles as ``busy_<unit>``
    columns, the critical-path cycles by what they were spent on as ``critical_<label>`` columns
    and the stall causes as ``stall_<cause>`` columns."""
    timed = any(lr.work.timed for lr in r.layers)
    causes = sorted(c.value for c in Cause) if timed else []
    labels = [k.value for k in Critical] if timed else []
    units = [u.value for u in Unit] if timed else []
    buf = io.StringIO()
    writer = csv.DictWriter(
        buf,
        fieldnames=[
            *CSV_FIELDS,
            *(f"busy_{u}" for u in units),
            *(f"critical_{k}" for k in labels),
            *(f"stall_{k}" for k in causes),
        ],
        restval=0,
        lineterminator="\n",
    )
    writer.writeheader()
    for lr in r.layers:
        writer.writerow(layer_row(lr, r))
    return buf.getvalue()


HEAD = ("", "cycles", "bound", "eff", "MACs", "pad", "DRAM", "min", "waited on")
NAME_WIDTH = 26  # longer layer names are cut (layers.csv has them whole), so rows fit 120 columns


def _work_row(name: str, w: Counters, total_cycles: int, chip: ChipConfig) -> list[str]:
    """A row of the phase and layer tables, in the columns of `HEAD` (see their caption)."""
    bound = f"{bound_cycles(w, chip):,}{_BY[bound_by(w, chip)]}"
    work = [_short(w.useful_macs), _short(w.padding_macs)]
    dram = [_short(w.dram_bytes, "B"), _short(w.min_dram_bytes, "B")]
    if not w.timed:
        return [name, "-", bound, "-", *work, *dram, "-"]
    share = f" {100 * w.cycles / total_cycles:.0f}%" if total_cycles else ""
    return [
        name,
        f"{w.cycles:,}{share}",
        bound,
        f"{100 * efficiency(w, chip):.0f}%",
        *work,
        *dram,
        _waited_on(w),
    ]


_BY = {"compute": "c", "dram": "d", "none": ""}


def _short(v: float, unit: str = "") -> str:
    """Three significant digits and an SI prefix, no space: a narrow table cell."""
    for scale, prefix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= scale:
            return f"{v / scale:.3g}{prefix}{unit}"
    return f"{v:.3g}{unit}"


def _waited_on(w: Counters, top: int = 1) -> str:
    """The largest shares of the critical-path cycles, by what they were spent on."""
    total_cycles = sum(w.critical.values())
    if not total_cycles:
        return "-"
    biggest = sorted(w.critical.items(), key=lambda kv: -kv[1])[:top]
    return ", ".join(f"{k.value} {100 * v / total_cycles:.0f}%" for k, v in biggest if v)


_CAPTION = (
    "cycles: the critical path's cycles in the tag's instructions (they sum to the total) and "
    "their share; bound: max(useful MACs / PEs, minimal DRAM bytes / bytes per cycle), "
    "c = compute-bound, d = DRAM-bound; eff = bound / cycles (above 100% for work mostly "
    "overlapped by other layers'); MACs: useful; pad: computed beyond them; "
    "DRAM: bytes moved; min: each operand and result once; waited on: the critical path's "
    "largest share (layers.csv has them all; docs/report.md)"
)


def tables(r: RunReport, max_layers: int = 30) -> Group:
    """The report as rich renderables: summary, phases, layers, stalls, epochs."""
    c, t = r.chip, r.total
    summary = Table(
        title=f"{r.kind} of {r.program} on {c.name} ({c.rows}x{c.cols} "
        f"{c.dataflow.value}, {c.input_dtype.value}, {c.clock_mhz:g} MHz), "
        f"fidelity {r.fidelity}",
        show_header=False,
        title_justify="left",
        box=box.SIMPLE_HEAD,
    )
    summary.add_column("figure", style="bold")
    summary.add_column("value")
    if t.timed:
        summary.add_row(
            "on-chip cycles", f"{t.cycles:,}  ({_seconds(seconds(t, c))} at the chip clock)"
        )
        summary.add_row(
            "roofline bound",
            f"{bound_cycles(t, c):,} cycles ({bound_by(t, c)}-bound); "
            f"efficiency {100 * efficiency(t, c):.1f}%",
        )
        summary.add_row("PE utilization", f"{100 * t.pe_utilization:.1f}% (useful MACs)")
        summary.add_row("achieved / peak", f"{achieved_tops(t, c):.4g} / {c.peak_tops:.4g} TOPS")
        summary.add_row(
            "DRAM bandwidth", f"{dram_gbytes_per_s(t, c):.4g} / {c.dram_gbytes_per_s:.4g} GB/s"
        )
    else:
        summary.add_row("on-chip cycles", "not measured (functional model)")
    energy = energy_of(t, c)
    units = ", ".join(
        f"{unit} {100 * j / energy.total_j:.0f}%"
        for unit, j in sorted(energy.by_unit.items(), key=lambda kv: -kv[1])
        if energy.total_j and j >= 0.005 * energy.total_j
    )
    if t.timed:
        summary.add_row(
            "energy",
            f"{_si(energy.total_j, 'J')} ({units}); {average_power_w(t, c):.3g} W average, "
            f"{tops_per_watt(t, c):.3g} TOPS/W",
        )
    else:
        summary.add_row("energy", f"{_si(energy.total_j, 'J')} dynamic ({units}); no leakage")
    summary.add_row(
        "MACs",
        f"{_si(t.useful_macs)} useful, {_si(t.padding_macs)} padding (computed and dropped), "
        f"{_si(t.tile_waste)} PE slots idle in partial tiles",
    )
    summary.add_row(
        "DRAM traffic",
        f"{_si(t.dram_read_bytes, 'B')} read, {_si(t.dram_write_bytes, 'B')} written; "
        f"{_si(t.min_dram_bytes, 'B')} minimal",
    )
    summary.add_row(
        "host <-> chip",
        f"{_si(r.host_to_chip_bytes, 'B')} in, "
        f"{_si(r.chip_to_host_bytes, 'B')} out (not in cycles)",
    )
    for key in ("final_loss", "final_train_accuracy", "final_test_accuracy"):
        if r.info.get(key) is not None:
            v = r.info[key]
            summary.add_row(
                key.replace("_", " "), f"{100 * v:.2f}%" if "accuracy" in key else f"{v:.4f}"
            )
    parts: list[Any] = [summary]
    phases = Table(title="by phase", title_justify="left", box=box.SIMPLE_HEAD)
    for h in HEAD:
        phases.add_column(h or "phase", justify="left" if not h else "right", no_wrap=True)
    for name, w in r.phases.items():
        phases.add_row(*_work_row(name, w, t.cycles, c))
    phases.caption = _CAPTION
    parts.append(phases)
    layers = Table(title="by layer", title_justify="left", box=box.SIMPLE_HEAD)
    for h in HEAD:
        if h:
            layers.add_column(h, justify="right", no_wrap=True)
        else:
            layers.add_column("layer/phase", no_wrap=True, max_width=NAME_WIDTH)
    shown = sorted(r.layers, key=lambda lr: -lr.work.cycles)[:max_layers]
    for lr in shown:
        layers.add_row(*_work_row(f"{lr.layer}/{lr.phase}", lr.work, t.cycles, c))
    if len(r.layers) > len(shown):
        layers.caption = f"{len(r.layers) - len(shown)} more in layers.csv"
    parts.append(layers)
    parts.append(_energy_table(r))
    if t.timed:
        path = Table(
            title="critical path: what the end-to-end time waited on",
            title_justify="left",
            box=box.SIMPLE_HEAD,
        )
        path.add_column("spent on")
        path.add_column("cycles", justify="right")
        path.add_column("share", justify="right")
        for label, v in sorted(t.critical.items(), key=lambda kv: -kv[1]):
            if v:
                path.add_row(label.value, f"{v:,}", f"{100 * v / t.cycles:.1f}%")
        parts.append(path)
        stalls = Table(
            title="stalls by cause (all units)", title_justify="left", box=box.SIMPLE_HEAD
        )
        stalls.add_column("cause")
        stalls.add_column("cycles", justify="right")
        for cause, v in sorted(t.stalls_by_cause.items(), key=lambda kv: -kv[1]):
            stalls.add_row(cause.value, f"{v:,}")
        parts.append(stalls)
    if r.epochs:
        ep = Table(title="epochs", title_justify="left", box=box.SIMPLE_HEAD)
        for h in ("epoch", "loss", "train acc", "test acc", "train cycles", "eval cycles"):
            ep.add_column(h, justify="right")
        for e in r.epochs:
            ep.add_row(
                str(e.epoch),
                f"{e.loss:.4f}",
                f"{100 * e.train_accuracy:.2f}%",
                "-" if e.test_accuracy is None else f"{100 * e.test_accuracy:.2f}%",
                f"{e.train.cycles:,}" if e.train.timed else "-",
                "-" if e.eval is None or not e.eval.timed else f"{e.eval.cycles:,}",
            )
        parts.append(ep)
    return Group(*parts)


def _energy_table(r: RunReport) -> Table:
    """The run's energy by action kind (and leakage), largest first, with each one's count."""
    t, c = r.total, r.chip
    energy = energy_of(t, c)
    table = Table(title="energy by action", title_justify="left", box=box.SIMPLE_HEAD)
    for h in ("action", "count", "energy", "share"):
        table.add_column(h, justify="left" if h == "action" else "right")
    counts = {a.value: t.actions[a] for a in Action}
    for name, joules in sorted(energy.by_action.items(), key=lambda kv: -kv[1]):
        if joules:
            count = f"{counts[name]:,}" if name in counts else f"{t.cycles:,} cycles"
            share = f"{100 * joules / energy.total_j:.1f}%"
            table.add_row(name, count, _si(joules, "J"), share)
    table.caption = f"{c.technology} figures, chip/tech and docs/energy.md"
    return table


class _Console(Console):
    def on_broken_pipe(self) -> None:
        """Leave a closed pipe to the command line's handler, as for `print` (rich's own exits
        with status 1)."""
        self.quiet = True
        raise BrokenPipeError


def make_console() -> Console:
    """A console for reports: the terminal's width, or 120 columns when output is piped (rich
    would otherwise squeeze tables into 80)."""
    console = _Console()
    return console if console.is_terminal else _Console(width=120)


def print_report(r: RunReport, console: Console | None = None) -> None:
    (console or make_console()).print(tables(r))
