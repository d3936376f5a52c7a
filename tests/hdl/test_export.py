"""Verilog export: Verilator -Wall clean, no power-on values, free of build-machine paths, one
PE module however large the array; Yosys cell counts."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from chip.config import Dataflow, load_preset
from chip.dtypes import DType
from chip.hdl.export import module_name, write_verilog, yosys_stat

REPO = Path(__file__).resolve().parents[2]


# edge (16x16 bf16) takes Verilator about 15 s to lint.
@pytest.mark.parametrize(
    "preset,dtype",
    [
        ("tiny", None),
        ("tiny", DType.BF16),
        ("edge", None),
    ],
)
@pytest.mark.slow  # Amaranth's conversion and Verilator's lint: 10-60 s each
def test_verilog_is_lint_clean_and_holds_no_build_path(preset, dtype, tmp_path):
    cfg = load_preset(preset)
    if dtype is not None:
        cfg = cfg.replace(input_dtype=dtype)
    files = write_verilog(cfg, tmp_path / "out")
    top = module_name(cfg)
    assert [f.name for f in files] == [f"{top}.v", f"{top}.vlt"]
    text = files[0].read_text()
    assert f"module {top}(" in text
    for path in {str(REPO), str(Path.home()), str(tmp_path)}:
        assert path not in text
    # Resets are explicit: no initial block and no power-on value on any register.
    assert "initial" not in text
    assert not re.search(r"^\s*reg\b[^;]*=", text, re.MULTILINE)
    if shutil.which("verilator") is None:
        pytest.skip("verilator is not on PATH (.ci/run installs it from Debian's packages)")
    lint = subprocess.run(
        ["verilator", "--lint-only", "-Wall", "--top-module", top, str(files[1]), str(files[0])],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert lint.returncode == 0, lint.stderr
    assert "%Warning" not in lint.stderr, lint.stderr


@pytest.mark.parametrize("dataflow", list(Dataflow))
def test_one_pe_module_instantiated_from_a_generate_loop(dataflow, tmp_path):
    # A 64x64 array exports in seconds: the Verilog holds one PE module, not 4096 copies.
    cfg = load_preset("tiny").replace(rows=64, cols=64, vector_lanes=64, dataflow=dataflow)
    text = write_verilog(cfg, tmp_path)[0].read_text()
    top = module_name(cfg)
    assert len(re.findall(rf"^module \\?{top}\.?\w*", text, re.MULTILINE)) < 20
    assert text.count(f"module {top}_pe(") == 1
    assert len(re.findall(rf"^\s*{top}_pe pe \(", text, re.MULTILINE)) == 1
    assert "parameter R = 64" in text and "parameter C = 64" in text


def test_yosys_stat_counts_one_multiplier_per_pe_and_the_memories():
    cfg = load_preset("tiny").replace(dataflow=Dataflow.OS)
    stat = yosys_stat(cfg)
    assert set(stat) == {"top", "controller", "array", "scratchpad", "accumulator", "pe"}
    assert stat["array"]["$mul"] == cfg.rows * cfg.cols
    assert stat["pe"]["$mul"] == 1
    assert stat["scratchpad"]["mem_bits"] == cfg.spad_kib * 1024 * 8
    assert stat["accumulator"]["mem_bits"] == cfg.acc_kib * 1024 * 8
    # OS PE: a and b (8 bits each), valid, first, accumulator and drain (32 bits each).
    assert stat["pe"]["ff_bits"] == 8 + 8 + 1 + 1 + 32 + 32


@pytest.mark.parametrize("preset", ["tpu-v1", "train-128"])
def test_arrays_over_the_pe_limit_are_refused_before_elaborating(
    preset, tmp_path, monkeypatch, capsys
):
    from chip.hdl import export
    from runtime.cli import main

    def no_elaboration(*args, **kwargs):
        raise AssertionError("elaborated before checking the size")

    monkeypatch.setattr(export, "ExecuteTop", no_elaboration)
    cfg = load_preset(preset)
    with pytest.raises(export.ExportTooLarge) as e:
        export.yosys_stat(cfg)
    want = f"({cfg.rows * cfg.cols} PEs)"
    assert want in str(e.value) and f"limited to {export.MAX_EXPORT_PES} PEs" in str(e.value)
    code = main(["hdl", "--chip", preset, "-o", str(tmp_path / "out"), "--stat"])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and want in err, err
    assert not (tmp_path / "out").exists()


def test_the_pe_limit_admits_every_array_up_to_it():
    from chip.hdl.export import MAX_EXPORT_PES, check_export_size

    side = int(MAX_EXPORT_PES**0.5)
    check_export_size(load_preset("tiny").replace(rows=side, cols=side, vector_lanes=side))
    check_export_size(load_preset("tpu-v1"), limit=None)


def test_whole_chip_instantiates_one_lane_module_per_lane(tmp_path):
    # ChipTop's export: the vector unit's lanes are one module, instantiated once per lane (the
    # lanes without the special functions another), and the memories (scratchpad, accumulator,
    # queues) are instances of the one RAM module.
    cfg = load_preset("tiny").replace(vector_lanes=3, vector_special_lanes=1)
    text = write_verilog(cfg, tmp_path, whole_chip=True)[0].read_text()
    top = module_name(cfg)
    assert text.count(f"module {top}_vector_lane(") == 1
    assert text.count(f"module {top}_vector_lane_basic(") == 1
    assert len(re.findall(rf"^\s*{top}_vector_lane inst \(", text, re.MULTILINE)) == 1
    assert len(re.findall(rf"^\s*{top}_vector_lane_basic inst \(", text, re.MULTILINE)) == 2
    # The basic lane has none of the special functions' logic.
    basic = text[text.index(f"module {top}_vector_lane_basic(") :]
    basic = basic[: basic.index("endmodule")]
    assert "rand_" not in basic and "exp_" not in basic and "recip_" not in basic
    every = write_verilog(cfg.replace(vector_special_lanes=3), tmp_path / "every", True)[0]
    assert "_vector_lane_basic" not in every.read_text()
    assert text.count(f"module {top}_ram #(") == 1
    # Each bank of the scratchpad and the accumulator (6 read ports, one write port), the
    # execute queue, and each DMA engine's instruction queue and in-flight FIFO; no memory of
    # Amaranth's, no initial block.
    banks = cfg.spad_banks + cfg.acc_banks
    assert len(re.findall(rf"^\s*{top}_ram #\(", text, re.MULTILINE)) == banks + 5
    assert len(re.findall(r"\.READS\(32'd6\)", text)) == banks
    assert "load_bus__" in text and "store_bus__" in text
    assert "initial" not in text


@pytest.mark.parametrize("preset", ["tiny", "edge"])
@pytest.mark.slow  # Verilator elaborates the whole chip: 10 s (tiny) to a minute (edge)
def test_whole_chip_verilog_is_lint_clean_under_verilator(preset, tmp_path):
    if shutil.which("verilator") is None:
        pytest.skip("verilator is not on PATH (.ci/run installs it from Debian's packages)")
    cfg = load_preset(preset)
    files = write_verilog(cfg, tmp_path, whole_chip=True)
    top = module_name(cfg)
    for path in {str(REPO), str(Path.home()), str(tmp_path)}:
        assert path not in files[0].read_text()
    lint = subprocess.run(
        ["verilator", "--lint-only", "-Wall", "-Wno-fatal", "--top-module", top]
        + [str(files[1]), str(files[0])],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert lint.returncode == 0, lint.stderr
    assert "%Error" not in lint.stderr, lint.stderr
    assert "%Warning" not in lint.stderr, lint.stderr


def test_systolic_hdl_exports_the_whole_chip_unless_execute_only(tmp_path, capsys):
    from runtime.cli import main

    assert main(["hdl", "--chip", "tiny", "-o", str(tmp_path / "chip")]) == 0
    whole = (tmp_path / "chip" / "systolic_tiny.v").read_text()
    assert "module systolic_tiny_vector_lane(" in whole and "load_bus__" in whole
    assert main(["hdl", "--chip", "tiny", "--execute-only", "-o", str(tmp_path / "ex")]) == 0
    datapath = (tmp_path / "ex" / "systolic_tiny.v").read_text()
    assert "vector_lane" not in datapath and "load_bus__" not in datapath
    assert "module systolic_tiny_pe(" in datapath
    assert "wrote the Verilog of tiny" in capsys.readouterr().out
