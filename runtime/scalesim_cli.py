"""`systolic scalesim TOPOLOGY.csv [-c CONFIG.cfg]`: SCALE-Sim's inputs, SCALE-Sim's cycles.

Each layer of the topology runs as a GEMM on the chip's SCALE-Sim-compatible configuration
(`chip.machine.scalesim`: folds serialized, operands on chip, no output drain), on the `fast`
machine. The command prints per-layer cycles and utilizations and writes COMPUTE_REPORT.csv with
SCALE-Sim's column names and layout, so scripts written for SCALE-Sim's reports read it as is.
SCALE-Sim v3 also reports "Total Cycles (incl. prefetch)", which depends on its DRAM model;
that column is not produced (the compatible mode has no DRAM traffic).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from chip.machine.scalesim import ScaleSimLayer, run_scalesim_layer
from runtime.scalesim_io import TopologyLayer, read_config, read_topology

REPORT_NAME = "COMPUTE_REPORT.csv"
REPORT_COLUMNS = (
    "LayerID",
    "Total Cycles",
    "Stall Cycles",
    "Overall Util %",
    "Mapping Efficiency %",
    "Compute Util %",
)


def setup_scalesim(p: argparse.ArgumentParser) -> None:
    p.add_argument("topology", metavar="TOPOLOGY.csv", help="SCALE-Sim topology (conv or GEMM)")
    p.add_argument(
        "-c",
        "--config",
        default=None,
        metavar="CONFIG.cfg",
        help="SCALE-Sim configuration file (default: SCALE-Sim's own, 32x32 os)",
    )
    p.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help=f"where {REPORT_NAME} goes (default: runs/scalesim-RUN_NAME-N)",
    )
    p.add_argument(
        "--scalesim-rounding",
        action="store_true",
        help="output size ceil((H - Fh + s) / s) for strided convs, as SCALE-Sim computes it "
        "(default: a valid convolution's floor((H - Fh) / s) + 1)",
    )


def run_topology(
    layers: tuple[TopologyLayer, ...], rows: int, cols: int, dataflow, scalesim_rounding: bool
) -> list[ScaleSimLayer]:
    """Every layer of a topology on the SCALE-Sim-compatible chip, in file order."""
    return [
        run_scalesim_layer(dataflow, rows, cols, *layer.mnk(scalesim_rounding)) for layer in layers
    ]


def compute_report(results: list[ScaleSimLayer]) -> str:
    """COMPUTE_REPORT.csv's text, written the way SCALE-Sim writes it (", " separators and a
    trailing comma on every line)."""
    lines = [", ".join(REPORT_COLUMNS) + ","]
    for i, r in enumerate(results):
        cells = (
            str(i),
            str(r.total_cycles),
            "0",  # compute-only mode: operands are on chip, nothing stalls the array
            f"{100 * r.overall_utilization:.4f}",
            f"{100 * r.mapping_efficiency:.4f}",
            f"{100 * r.compute_utilization:.4f}",
        )
        lines.append(", ".join(cells) + ",")
    return "\n".join(lines) + "\n"


def cmd_scalesim(args: argparse.Namespace) -> None:
    from rich import box
    from rich.table import Table

    from runtime.cli_common import next_free_dir
    from runtime.render import make_console

    layers = read_topology(args.topology)
    cfg = read_config(args.config)
    out = Path(args.out) if args.out else next_free_dir(f"runs/scalesim-{cfg.run_name}")
    start = time.perf_counter()
    results = run_topology(layers, cfg.rows, cfg.cols, cfg.dataflow, args.scalesim_rounding)
    seconds = time.perf_counter() - start
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / f".{REPORT_NAME}.tmp"  # written whole, then renamed: never a half report
    tmp.write_text(compute_report(results))
    os.replace(tmp, out / REPORT_NAME)

    rounding = "SCALE-Sim's rounding" if args.scalesim_rounding else "valid-conv output size"
    t = Table(
        title=f"{Path(args.topology).name} on {cfg.rows}x{cfg.cols} {cfg.dataflow.value} "
        f"(SCALE-Sim-compatible, {rounding})",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for h in ("id", "layer", "M", "N", "K", "folds", "total cycles", "overall %", "mapping %"):
        t.add_column(h, justify="left" if h == "layer" else "right", no_wrap=True)
    t.add_column("compute %", justify="right", no_wrap=True)
    for i, (layer, r) in enumerate(zip(layers, results, strict=True)):
        t.add_row(
            str(i),
            layer.name,
            str(r.m),
            str(r.n),
            str(r.k),
            str(r.folds),
            f"{r.total_cycles:,}",
            f"{100 * r.overall_utilization:.2f}",
            f"{100 * r.mapping_efficiency:.2f}",
            f"{100 * r.compute_utilization:.2f}",
        )
    total = sum(r.total_cycles for r in results)
    t.add_section()
    t.add_row("", "total", "", "", "", "", f"{total:,}", "", "", "")
    console = make_console()
    console.print(t)
    if cfg.ignored:
        console.print(
            f"not used by the compute-cycle model: {', '.join(cfg.ignored)}",
            highlight=False,
            markup=False,
        )
    print(f"{len(results)} layers in {seconds:.2f} s; wrote {out / REPORT_NAME}")
