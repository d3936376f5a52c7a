"""`systolic hdl`: the chip's Verilog from its Amaranth description, and optionally its Yosys
cell counts and an FPGA synthesis (chip/hdl/export.py, chip/hdl/synth.py).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from chip.config import DEFAULT_PRESET, ChipConfig
from runtime.cli_common import CommandError, add_chip, load_chip
from runtime.files import atomic_write_bytes
from runtime.render import make_console


def setup_hdl(p: argparse.ArgumentParser) -> None:
    add_chip(p, dtype=False)
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="Verilog output dir")
    p.add_argument(
        "--execute-only",
        action="store_true",
        help="export (and --synth synthesize) only the execute datapath (controller, array, "
        "memories; the design --stat counts and the Verilator co-simulation of execute-only "
        "programs runs) instead of the whole chip",
    )
    p.add_argument("--stat", action="store_true", help="also print Yosys cell counts")
    p.add_argument(
        "--synth",
        choices=("ecp5", "xilinx7"),
        help="also synthesize for an FPGA family (needs the fpga extra): print LUTs, FFs, DSPs, "
        "block RAMs and, for ECP5, nextpnr's Fmax; save DIR/synth_<family>.json (and, for "
        "ECP5, nextpnr's logs DIR/nextpnr.log and DIR/nextpnr_route.log)",
    )
    p.add_argument(
        "--route-minutes",
        type=_positive_minutes,
        default=None,
        metavar="M",
        help="with --synth ecp5: stop routing after M minutes of wall time and report the "
        "placement's clock estimate instead (default 60; the placement stays in "
        "DIR/placed.json)",
    )


def cmd_hdl(args: argparse.Namespace) -> None:
    chip = load_chip(args.chip or DEFAULT_PRESET)
    try:
        from chip.hdl.export import check_export_size, verilog_files, yosys_stat
    except ImportError as e:
        raise CommandError(f"the HDL export (chip.hdl.export) is not available: {e}") from None
    if args.stat:
        check_export_size(chip)  # before elaborating anything
    files = verilog_files(chip, whole_chip=not args.execute_only)
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    for file_name, text in files.items():
        atomic_write_bytes(out / file_name, text.encode())
    print(f"wrote the Verilog of {chip.name} to {out}: {', '.join(files)}")
    if args.stat:
        print(json.dumps(yosys_stat(chip), indent=1))
    if args.route_minutes is not None and args.synth != "ecp5":
        raise CommandError("--route-minutes needs --synth ecp5 (only ECP5 is placed and routed)")
    if args.synth:
        _synth(chip, args.synth, out, not args.execute_only, args.route_minutes)


def _positive_minutes(text: str) -> float:
    """`--route-minutes`'s value: a positive number of minutes."""
    try:
        minutes = float(text)
    except ValueError:
        minutes = float("nan")
    if not minutes > 0 or minutes == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of minutes, not {text!r}")
    return minutes


def _synth(
    chip: ChipConfig, target: str, out: Path, whole_chip: bool, route_minutes: float | None
) -> None:
    """Run the FPGA flow, print its resource table and save it as JSON in ``out``."""
    from rich.table import Table

    from chip.hdl.synth import PLACE_LOG, ROUTE_LOG, ROUTE_MINUTES, SynthError, synthesize

    limit = ROUTE_MINUTES if route_minutes is None else route_minutes
    if target == "ecp5":
        print(
            f"synthesizing, placing and routing on ECP5 (routing stops after {limit:g} "
            f"minutes): minutes for a datapath, an hour or more for a whole chip; nextpnr's "
            f"progress goes to {out / PLACE_LOG} and {out / ROUTE_LOG}",
            flush=True,
        )
    try:
        report = synthesize(chip, target, out, whole_chip, route_minutes=limit)
    except SynthError as e:
        raise CommandError(str(e)) from None
    path = out / f"synth_{target}.json"
    path.write_text(report.to_json() + "\n")
    t = Table(title=f"{chip.name} on {report.device}")
    t.add_column("resource")
    t.add_column("count", justify="right")
    for label, value in (
        ("LUTs", report.luts),
        ("flip-flops", report.ffs),
        ("DSPs", report.dsps),
        ("block RAMs", report.block_rams),
        ("LUT RAMs", report.lut_rams),
        ("carry cells", report.carry),
        ("Fmax (MHz)", "-" if report.fmax_mhz is None else f"{report.fmax_mhz:.1f}"),
        (
            "after placing (MHz, estimate)",
            "-" if report.placed_mhz is None else f"{report.placed_mhz:.2f}",
        ),
        ("config clock (MHz)", f"{report.target_mhz:g}"),
    ):
        t.add_row(label, str(value))
    make_console().print(t)
    for note in report.notes:
        print(f"note: {note}")
    print(f"wrote {path}")
