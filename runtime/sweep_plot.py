"""Pareto frontiers of a sweep's results: a PNG and a table.

A point is on the frontier when no other point of the same workload, mode and batch is at
least as good in both columns and better in one. Columns where more is better (utilization,
roofline efficiency, TOPS/W) are maximized, every other column (cycles, bytes, energy, area,
seconds) minimized. Failed points are left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rich import box
from rich.table import Table

from runtime.sweep_spec import SweepError

MAXIMIZED = frozenset({"utilization", "roofline_efficiency", "tops_per_w"})
GROUP = ("workload", "mode", "batch")


def default_axes(columns: Sequence[str]) -> tuple[str, str]:
    """Cycles against energy when the results have it, else against DRAM bytes."""
    return "cycles", "energy_j" if "energy_j" in columns else "dram_bytes"


def frontiers(
    rows: list[dict[str, str]], x: str, y: str
) -> dict[tuple[str, ...], list[dict[str, str]]]:
    """The frontier of each (workload, mode, batch) group, ordered by ``x``."""
    if not rows:
        raise SweepError("the results hold no points")
    for col in (x, y):
        if col not in rows[0]:
            numeric = [c for c, v in rows[0].items() if _number(v) is not None and c != "index"]
            raise SweepError(
                f"--plot: no column {col!r} in the results; numeric columns: {', '.join(numeric)}"
            )
    groups: dict[tuple[str, ...], list[dict[str, str]]] = {}
    for r in rows:
        if not r["error"] and _number(r[x]) is not None and _number(r[y]) is not None:
            groups.setdefault(tuple(r[g] for g in GROUP), []).append(r)
    if not groups:
        raise SweepError(f"--plot: no finished point has both {x} and {y}")
    sx, sy = _sign(x), _sign(y)
    out = {}
    for group, members in groups.items():
        ordered = sorted(members, key=lambda r: (sx * _value(r, x), sy * _value(r, y)))
        front, best = [], float("inf")
        for r in ordered:
            if sy * _value(r, y) < best:
                front.append(r)
                best = sy * _value(r, y)
        out[group] = front
    return out


def plot_frontiers(
    rows: list[dict[str, str]], x: str, y: str, path: Path, title: str
) -> dict[tuple[str, ...], list[dict[str, str]]]:
    """Draw every finished point and each group's frontier to ``path`` (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fronts = frontiers(rows, x, y)
    fig, ax = plt.subplots(figsize=(7.5, 5))
    for i, (group, front) in enumerate(fronts.items()):
        color = f"C{i % 10}"
        members = [r for r in rows if tuple(r[g] for g in GROUP) == group and not r["error"]]
        ax.scatter(
            [_value(r, x) for r in members],
            [_value(r, y) for r in members],
            s=12,
            alpha=0.35,
            color=color,
        )
        ax.plot(
            [_value(r, x) for r in front],
            [_value(r, y) for r in front],
            "o-",
            drawstyle="steps-post",
            color=color,
            label=f"{group[0]} {group[1]} batch {group[2]} ({len(front)} on the frontier)",
        )
    for col, set_scale in ((x, ax.set_xscale), (y, ax.set_yscale)):
        values = [_value(r, col) for front in fronts.values() for r in front]
        if min(values) > 0 and max(values) / min(values) > 100:  # spans decades: log axis
            set_scale("log")
    ax.set_xlabel(x + (" (higher is better)" if x in MAXIMIZED else ""))
    ax.set_ylabel(y + (" (higher is better)" if y in MAXIMIZED else ""))
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return fronts


def frontier_table(
    fronts: dict[tuple[str, ...], list[dict[str, str]]], x: str, y: str, knobs: Sequence[str]
) -> Table:
    t = Table(
        title=f"Pareto frontier: {x} vs {y}",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for h in (*GROUP, *knobs, x, y):
        t.add_column(h, justify="right" if h in (x, y, "batch") else "left", no_wrap=True)
    for front in fronts.values():
        for r in front:
            t.add_row(*(r[h] for h in (*GROUP, *knobs)), _show(r[x]), _show(r[y]))
        t.add_section()
    return t


def _sign(col: str) -> int:
    return -1 if col in MAXIMIZED else 1


def _number(text: str) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def _value(r: dict[str, str], col: str) -> float:
    return float(r[col])


def _show(text: str) -> str:
    v = float(text)
    return f"{int(v):,}" if v.is_integer() and abs(v) >= 1000 else f"{v:.4g}"
