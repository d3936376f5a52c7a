"""PNG plots of a report (matplotlib, Agg backend: no display needed).

- ``cycles_by_layer.png``: cycles per layer, stacked by phase (forward, backward, optimizer)
- ``utilization.png``: PE utilization per layer and phase
- ``roofline.png``: each (layer, phase) at its arithmetic intensity and achieved TOPS, under the
  chip's roofline (peak TOPS and DRAM bandwidth), joined to its bound: the TOPS at its
  roofline bound in cycles, at the intensity of its minimal DRAM bytes
- ``training.png``: loss per step and per epoch, train/test accuracy per epoch
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - the backend must be chosen first
import numpy as np  # noqa: E402

from chip.energy import ENERGY_UNITS, energy_of  # noqa: E402
from chip.program import Phase  # noqa: E402
from runtime.files import atomic_open  # noqa: E402
from runtime.report import LayerReport, RunReport, achieved_tops, bound_cycles  # noqa: E402

PHASE_COLORS = {
    Phase.FORWARD.value: "#4C72B0",
    Phase.BACKWARD.value: "#DD8452",
    Phase.OPTIMIZER.value: "#55A868",
}


def _layers(r: RunReport) -> list[str]:
    seen: dict[str, None] = {}
    for lr in r.layers:
        seen.setdefault(lr.layer, None)
    return list(seen)


def plot_cycles(r: RunReport, path: Path) -> Path:
    names = _layers(r)
    fig, ax = plt.subplots(figsize=(max(6.0, 0.5 * len(names) + 2), 4))
    bottom = np.zeros(len(names))
    for phase, color in PHASE_COLORS.items():
        vals = np.array(
            [
                sum(lr.work.cycles for lr in r.layers if lr.layer == n and lr.phase == phase)
                for n in names
            ],
            float,
        )
        if vals.any():
            ax.bar(names, vals, bottom=bottom, label=phase, color=color)
            bottom += vals
    ax.set_ylabel("cycles")
    ax.set_title(f"{r.program} on {r.chip.name}: cycles per layer")
    ax.legend()
    ax.tick_params(axis="x", rotation=60)
    return _save(fig, path)


def plot_utilization(r: RunReport, path: Path) -> Path:
    # Layers without array work (vector-only, data movement) have no utilization to show.
    layers = [lr for lr in r.layers if lr.work.useful_macs]
    labels = [f"{lr.layer}/{lr.phase}" for lr in layers]
    util = [100 * lr.work.pe_utilization for lr in layers]
    colors = [PHASE_COLORS.get(lr.phase, "grey") for lr in layers]
    fig, ax = plt.subplots(figsize=(max(6.0, 0.4 * len(labels) + 2), 4))
    ax.bar(labels, util, color=colors)
    ax.axhline(100 * r.total.pe_utilization, color="black", linestyle="--", label="whole run")
    ax.set_ylabel("PE utilization (%)")
    ax.set_ylim(0, min(100.0, max(util + [100 * r.total.pe_utilization, 4.0]) * 1.25))
    ax.set_title(f"{r.program} on {r.chip.name}: utilization of the layers using the array")
    ax.legend()
    ax.tick_params(axis="x", rotation=70)
    return _save(fig, path)


def _bound_point(lr: LayerReport, r: RunReport) -> tuple[float, float] | None:
    """(intensity of the minimal DRAM bytes, TOPS at the roofline bound) of a layer, or None
    when it needs no DRAM bytes (its bound lies off the intensity axis)."""
    w, c = lr.work, r.chip
    if not w.min_dram_bytes:
        return None
    tops = 2 * w.useful_macs / c.seconds(bound_cycles(w, c)) / 1e12
    return 2 * w.useful_macs / w.min_dram_bytes, tops


def plot_roofline(r: RunReport, path: Path) -> Path:
    c = r.chip
    pts = [
        (lr.work.intensity, achieved_tops(lr.work, c), lr)
        for lr in r.layers
        if lr.work.useful_macs and lr.work.dram_bytes and lr.work.cycles
    ]
    bounds = {id(lr): _bound_point(lr, r) for _, _, lr in pts}
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    xs = [p[0] for p in pts] + [b[0] for b in bounds.values() if b]
    lo = min(xs + [0.1]) / 2
    hi = max(xs + [10 * c.peak_tops * 1e3 / c.dram_gbytes_per_s]) * 2
    x = np.geomspace(lo, hi, 200)
    ax.loglog(
        x,
        np.minimum(c.peak_tops, x * c.dram_gbytes_per_s / 1e3),
        "k-",
        label=f"roofline ({c.peak_tops:.3g} TOPS, {c.dram_gbytes_per_s:.3g} GB/s)",
    )
    # Name only the layers that matter most (by cycles), so big networks stay readable.
    named = {id(lr) for _, _, lr in sorted(pts, key=lambda p: -p[2].work.cycles)[:8]}
    placed: set[tuple[float, float]] = set()
    for inten, tops, lr in pts:
        color = PHASE_COLORS.get(lr.phase, "grey")
        ax.loglog(inten, tops, "o", color=color, alpha=0.8)
        bound = bounds[id(lr)]
        if bound is not None:  # the layer's bound, joined to where it is
            ax.loglog(*bound, "o", mfc="none", color=color, alpha=0.8)
            ax.plot([inten, bound[0]], [tops, bound[1]], "-", color=color, alpha=0.3, lw=0.8)
        spot = (round(float(np.log10(inten)), 1), round(float(np.log10(tops)), 1))
        if id(lr) in named and spot not in placed:  # identical layers share one label
            placed.add(spot)
            ax.annotate(f"{lr.layer}/{lr.phase[0]}", (inten, tops), fontsize=7)
    ax.set_xlabel("arithmetic intensity (ops / DRAM byte)")
    ax.set_ylabel("achieved TOPS")
    ax.plot([], [], "ko", label="achieved (DRAM bytes moved)")
    ax.plot([], [], "ko", mfc="none", label="bound (minimal DRAM bytes)")
    ax.set_title(f"{r.program} on {c.name}: roofline")
    ax.legend(loc="lower right", fontsize=8)
    return _save(fig, path)


def plot_training(r: RunReport, path: Path) -> Path:
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    steps = [v for e in r.epochs for v in e.step_losses]
    per = len(r.epochs[0].step_losses) if r.epochs and r.epochs[0].step_losses else 1
    ax1.plot(np.arange(1, len(steps) + 1) / per, steps, alpha=0.4, label="per step")
    ax1.plot([e.epoch for e in r.epochs], [e.loss for e in r.epochs], "o-", label="epoch mean")
    ax1.set_xlabel("epoch")
    ax1.set_ylabel("loss")
    ax1.set_yscale("log")
    ax1.legend()
    ax2.plot(
        [e.epoch for e in r.epochs], [100 * e.train_accuracy for e in r.epochs], "o-", label="train"
    )
    if any(e.test_accuracy is not None for e in r.epochs):
        ax2.plot(
            [e.epoch for e in r.epochs if e.test_accuracy is not None],
            [100 * e.test_accuracy for e in r.epochs if e.test_accuracy is not None],
            "s-",
            label="test",
        )
    ax2.set_xlabel("epoch")
    ax2.set_ylabel("accuracy (%)")
    ax2.legend()
    fig.suptitle(f"{r.program} on {r.chip.name} ({r.fidelity})")
    return _save(fig, path)


def _save(fig, path: Path) -> Path:  # noqa: ANN001 - a matplotlib Figure
    fig.tight_layout()
    try:
        with atomic_open(path) as f:
            fig.savefig(f, format="png", dpi=110)
    finally:
        plt.close(fig)
    return path


_PALETTE = ("#4C72B0", "#55A868", "#8172B3", "#CCB974", "#C44E52", "#64B5CD", "#8C8C8C")
UNIT_COLORS = dict(zip(ENERGY_UNITS, _PALETTE, strict=True))


def plot_energy(r: RunReport, path: Path) -> Path:
    """Energy per phase, stacked by the unit that spent it (chip/energy.py)."""
    phases = r.phases
    names = list(phases)
    by_phase = [energy_of(w, r.chip).by_unit for w in phases.values()]
    fig, ax = plt.subplots(figsize=(max(5.0, 1.2 * len(names) + 3), 4))
    bottom = np.zeros(len(names))
    for unit in ENERGY_UNITS:
        vals = np.array([1e6 * e[unit] for e in by_phase])
        if vals.any():
            ax.bar(names, vals, bottom=bottom, label=unit, color=UNIT_COLORS[unit])
            bottom += vals
    ax.set_ylabel("energy (uJ)")
    ax.set_title(f"{r.program} on {r.chip.name} ({r.chip.technology}): energy by unit")
    ax.legend(fontsize="small")
    return _save(fig, path)


def write_plots(r: RunReport, directory: Path) -> list[Path]:
    """Every plot that applies to the report (cycle plots need a timed run)."""
    out = []
    if r.total.timed and r.layers:
        out += [
            plot_cycles(r, directory / "cycles_by_layer.png"),
            plot_utilization(r, directory / "utilization.png"),
            plot_roofline(r, directory / "roofline.png"),
            plot_energy(r, directory / "energy.png"),
        ]
    if r.epochs:
        out.append(plot_training(r, directory / "training.png"))
    return out
