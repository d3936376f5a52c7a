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
        "ECP5, nextpnr's log DIR/nextpnr.log)",
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
    if args.synth:
        _synth(chip, args.synth, out, whole_chip=not args.execute_only)


def _synth(chip: ChipConfig, target: str, out: Path, whole_chip: bool) -> None:
    """Run the FPGA flow, print its resource table and save it as JSON in ``out``."""
    from rich.table import Table

    from chip.hdl.synth import SynthError, synthesize

    if target == "ecp5":
        print(
            f"synthesizing and placing on ECP5: minutes for a datapath, hours for a whole chip; "
            f"nextpnr's progress goes to {out / 'nextpnr.log'}",
            flush=True,
        )
    try:
        report = synthesize(chip, target, work_dir=out, whole_chip=whole_chip)
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
        ("config clock (MHz)", f"{report.target_mhz:g}"),
    ):
        t.add_row(label, str(value))
    make_console().print(t)
    for note in report.notes:
        print(f"note: {note}")
    print(f"wrote {path}")
