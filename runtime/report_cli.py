"""The commands that only show: `systolic report` (a run directory's report) and `chips` (the
chip presets with their peak figures and the energy model's area and power).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from chip.config import DEFAULT_PRESET, ChipConfig, preset_names
from chip.energy import Block, area_of, busy_power_w, peak_tops_per_watt
from runtime.outputs import read_report
from runtime.render import layers_csv, make_console, print_report


# ----------------------------------------------------------------------------------- report
def setup_report(p: argparse.ArgumentParser) -> None:
    p.add_argument("run_dir", metavar="RUN_DIR")
    p.add_argument("--format", choices=("table", "json", "csv"), default="table")


def cmd_report(args: argparse.Namespace) -> None:
    report = read_report(Path(args.run_dir))
    if args.format == "table":
        print_report(report)
    elif args.format == "json":
        print(json.dumps(report.to_json(), indent=1))
    else:
        print(layers_csv(report), end="")


# ------------------------------------------------------------------------------------ chips
def setup_chips(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=("table", "json"), default="table")


def cmd_chips(args: argparse.Namespace) -> None:
    chips = [ChipConfig.from_toml(n) for n in preset_names()]
    if args.format == "json":
        rows = [{**c.to_dict(), "figures": _chip_figures(c)} for c in chips]
        print(json.dumps(rows, indent=1))
        return
    from rich import box
    from rich.table import Table

    t = Table(
        title=f"chip presets (--chip NAME; default {DEFAULT_PRESET})",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    heads = ("name", "array", "flow", "dtype", "spad", "acc", "DRAM", "MHz", "TOPS", "GB/s")
    heads += ("tech", "mm²", "busy W", "TOPS/W")
    for h in heads:
        t.add_column(h, justify="left" if h in ("name", "flow", "dtype") else "right", no_wrap=True)
    for c in chips:
        t.add_row(
            c.name,
            f"{c.rows}x{c.cols}",
            c.dataflow.value,
            c.input_dtype.value,
            _kib(c.spad_kib),
            _kib(c.acc_kib),
            _kib(c.dram_mib * 1024),
            f"{c.clock_mhz:g}",
            f"{c.peak_tops:.3g}",
            f"{c.dram_gbytes_per_s:.3g}",
            c.technology,
            *(
                f"{_chip_figures(c)[k]:.3g}"
                for k in ("area_mm2", "busy_power_w", "peak_tops_per_watt")
            ),
        )
    areas = Table(
        title="area by block, mm² (the I/O columns are pad and front-end circuits only)",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    areas.add_column("name", no_wrap=True)
    for b in Block:
        areas.add_column(b.value, justify="right", no_wrap=True)
    for c in chips:
        blocks = area_of(c).blocks
        areas.add_row(c.name, *(f"{blocks[b]:.3g}" for b in Block))
    console = make_console()
    console.print(t)
    console.print(areas)
    print("area and power: modelled from chip/tech tables (docs/energy.md)")


def _chip_figures(c: ChipConfig) -> dict[str, Any]:
    """Peak throughput and the energy model's area (in total and by block), busy power and
    efficiency of one chip."""
    area = area_of(c)
    return {
        "peak_tops": c.peak_tops,
        "dram_gbytes_per_s": c.dram_gbytes_per_s,
        "area_mm2": area.total_mm2,
        "area_by_block_mm2": {b.value: mm2 for b, mm2 in area.blocks.items()},
        "busy_power_w": busy_power_w(c),
        "peak_tops_per_watt": peak_tops_per_watt(c),
    }


def _kib(kib: int) -> str:
    for scale, unit in ((1024 * 1024, "GiB"), (1024, "MiB")):
        if kib >= scale and kib % scale == 0:
            return f"{kib // scale} {unit}"
    return f"{kib} KiB"
