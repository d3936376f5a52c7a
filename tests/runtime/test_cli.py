"""`systolic` misuse: every mistake gives one line on stderr and a non-zero exit, no traceback,
and nothing written before is lost."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from chip.asm import disassemble
from chip.config import ChipConfig
from chip.energy import area_of, busy_power_w
from runtime.cli import main
from runtime.data import load_digits
from runtime.outputs import write_run_dir
from runtime.report import REPORT_VERSION
from runtime.train import Trainer, TrainSettings
from tests.runtime.programs import regression_chip, softmax_regression


def run_cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def fails(capsys, code, pattern, *argv):
    got, out, err = run_cli(capsys, *argv)
    assert got == code, (got, out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert pattern in lines[0], lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def program_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("prog") / "step.prog"
    w0 = np.zeros((64, 10), np.float32)
    softmax_regression(regression_chip(), 16, 64, 10, w0).save(path)
    return path


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("run")
    cfg = regression_chip()
    w0 = np.zeros((64, 10), np.float32)
    t = Trainer(
        softmax_regression(cfg, 16, 64, 10, w0),
        softmax_regression(cfg, 16, 64, 10, w0, train=False),
        load_digits(),
        TrainSettings(epochs=1, lr=0.5),
        "functional",
        run_dir=d,
        name="softreg",
    )
    write_run_dir(d, t.run().report, plots=False)
    return d


@pytest.mark.parametrize(
    "argv, pattern",
    [
        ((), "the following arguments are required: COMMAND (see systolic --help)"),
        (("frobnicate",), "invalid choice: 'frobnicate'"),
        (
            ("train", "--epochs", "x"),
            "argument --epochs: invalid int value: 'x' (see systolic train --help)",
        ),
        (
            ("train", "--optimizer", "lamb"),
            "argument --optimizer: invalid choice: 'lamb'",
        ),
        (("train", "--fidelity", "rtl"), "argument --fidelity: invalid choice: 'rtl'"),
        (("compile", "mlp"), "one of the arguments -o/--output --check is required"),
        (("report", ".", "--format", "xml"), "argument --format: invalid choice: 'xml'"),
        (("run",), "the following arguments are required: PROGRAM"),
    ],
)
def test_usage_errors_exit_2(capsys, argv, pattern):
    line = fails(capsys, 2, pattern, *argv)
    assert line.startswith("systolic")


def test_help_on_every_subcommand(capsys):
    from runtime.commands import COMMANDS

    for name in COMMANDS:
        code, out, _ = run_cli(capsys, name, "--help")
        assert code == 0 and f"usage: systolic {name}" in out


def test_missing_and_corrupt_program(capsys, tmp_path):
    fails(capsys, 1, "systolic run: error: program file", "run", tmp_path / "nope.prog")
    bad = tmp_path / "bad.prog"
    bad.write_bytes(b"not a zip at all")
    fails(capsys, 1, "is not a readable program file", "run", bad)
    fails(capsys, 1, "is not a readable program file", "disasm", bad)


def test_unknown_chip_and_missing_dataset(capsys, tmp_path):
    fails(capsys, 1, "unknown chip 'nochip'", "train", "--chip", "nochip")
    fails(capsys, 1, "unknown chip 'nochip'", "hdl", "--chip", "nochip", "-o", tmp_path)
    fails(capsys, 1, "unknown model 'googlenet'", "train", "--model", "googlenet")
    fails(capsys, 1, "data file", "train", "--dataset", tmp_path / "none.npz")
    np.savez(tmp_path / "d.npz", a=np.zeros(3))
    fails(capsys, 1, "must hold arrays 'x' and 'y'", "train", "--dataset", tmp_path / "d.npz")


def test_run_input_errors(capsys, program_file, tmp_path):
    fails(
        capsys,
        1,
        "missing --input x=FILE.npy (input, fp32[16, 64]), --input labels=FILE.npy (label, ",
        "run",
        program_file,
        "--fidelity",
        "functional",
    )
    fails(capsys, 1, "program has no input 'z'", "run", program_file, "--input", "z=a.npy")
    fails(capsys, 1, "--input 'x' must be NAME=FILE.npy", "run", program_file, "--input", "x")
    fails(capsys, 1, "does not exist", "run", program_file, "--input", f"x={tmp_path}/no.npy")
    np.save(tmp_path / "x.npy", np.zeros((3, 3)))
    fails(
        capsys,
        1,
        "input 'x' must have shape [16, 64]",
        "run",
        program_file,
        "--input",
        f"x={tmp_path}/x.npy",
    )


def test_run_writes_outputs_and_report(capsys, program_file, tmp_path):
    out = tmp_path / "out"
    code, stdout, err = run_cli(
        capsys,
        "run",
        program_file,
        "--fidelity",
        "functional",
        "--random-inputs",
        "--out",
        out,
        "--no-plots",
    )
    assert code == 0, err
    # zero weights: uniform softmax, so cross-entropy against the one-hot random labels is ln 10
    np.testing.assert_allclose(np.load(out / "loss.npy"), [np.log(10)], rtol=1e-6)
    report = json.loads((out / "report.json").read_text())
    assert report["kind"] == "run" and report["total"]["macs"] == 16 * 64 * 10 * 2
    assert "MACs" in stdout


def test_asm_disasm_roundtrip_and_errors(capsys, program_file, tmp_path):
    code, text, _ = run_cli(capsys, "disasm", program_file)
    assert code == 0 and text.startswith(".chip ")
    src = tmp_path / "p.s"
    src.write_text(text)
    code, _, err = run_cli(capsys, "asm", src, "-o", tmp_path / "p.prog")
    assert code == 0, err
    from chip.program import Program

    assert disassemble(Program.load(tmp_path / "p.prog")) == text
    src.write_text(".chip edge\nload dram=0 dst=sp:0 rows=1\n")
    fails(capsys, 1, "line 2: load: missing field(s)", "asm", src, "-o", tmp_path / "q.prog")
    fails(capsys, 1, "assembly file", "asm", tmp_path / "none.s", "-o", tmp_path / "q.prog")
    assert not (tmp_path / "q.prog").exists()


def test_failed_write_keeps_previous_program(capsys, program_file, tmp_path):
    target = tmp_path / "keep.prog"
    target.write_bytes(program_file.read_bytes())
    src = tmp_path / "bad.s"
    src.write_text(".chip edge\nbogus\n")
    fails(capsys, 1, "unknown mnemonic 'bogus'", "asm", src, "-o", target)
    assert target.read_bytes() == program_file.read_bytes()


def test_report_formats_and_errors(capsys, run_dir, tmp_path):
    code, out, _ = run_cli(capsys, "report", run_dir)
    assert code == 0 and "softreg" in out and "epochs" in out
    code, out, _ = run_cli(capsys, "report", run_dir, "--format", "csv")
    assert code == 0 and out.splitlines()[0].startswith("layer,phase,cycles")
    code, out, _ = run_cli(capsys, "report", run_dir, "--format", "json")
    assert code == 0 and json.loads(out)["kind"] == "train"
    fails(capsys, 1, "no report at", "report", tmp_path)
    (tmp_path / "report.json").write_text("{broken")
    fails(capsys, 1, "is not a readable report", "report", tmp_path)
    (tmp_path / "report.json").write_text(json.dumps({"version": REPORT_VERSION}))
    fails(capsys, 1, "report is missing or has a malformed field", "report", tmp_path)
    (tmp_path / "report.json").write_text('{"version": 1}')
    fails(capsys, 1, "unsupported report version 1", "report", tmp_path)


def test_train_and_run_refuse_to_overwrite_a_run(capsys, monkeypatch, run_dir, program_file):
    before = {p.name: p.read_bytes() for p in run_dir.iterdir()}
    fails(capsys, 1, "already holds a run; continue it with --resume", "train", "--out", run_dir)

    def no_run(*args, **kwargs):  # `run` refuses before running, not after a long run
        raise AssertionError("the program ran before the output directory was checked")

    monkeypatch.setattr("runtime.program_cli.Backend.run", no_run)
    fails(
        capsys,
        1,
        "already holds a report; choose another --out",
        "run",
        program_file,
        "--random-inputs",
        "--out",
        run_dir,
    )
    assert {p.name: p.read_bytes() for p in run_dir.iterdir()} == before


def test_resume_errors(capsys, run_dir, tmp_path):
    fails(
        capsys,
        1,
        "--resume takes every setting from",
        "train",
        "--resume",
        run_dir,
        "--epochs",
        "3",
    )
    fails(capsys, 1, "is not a run directory (no run.json)", "train", "--resume", tmp_path)
    (tmp_path / "run.json").write_text("[]")
    fails(capsys, 1, "is not a run settings file", "train", "--resume", tmp_path)


def test_chips_lists_presets(capsys):
    code, out, _ = run_cli(capsys, "chips")
    assert code == 0
    for name in ("edge", "tiny", "tpu-v1", "train-128"):
        assert name in out
    assert "area by block" in out and "dram_io" in out and "host_io" in out
    code, out, _ = run_cli(capsys, "chips", "--format", "json")
    chips = json.loads(out)
    assert [c["name"] for c in chips] == ["edge", "tiny", "tpu-v1", "train-128"]
    tpu = chips[2]
    assert tpu["energy"] == {"technology": "28nm"}
    cfg = ChipConfig.from_toml("tpu-v1")
    assert tpu["figures"]["area_mm2"] == pytest.approx(area_of(cfg).total_mm2)
    by_block = tpu["figures"]["area_by_block_mm2"]
    assert by_block["dram_io"] == pytest.approx(2 * 3.365)  # two DDR3-2133 channels
    assert by_block["host_io"] == pytest.approx(16 * 0.37)  # PCIe x16
    assert sum(by_block.values()) == pytest.approx(tpu["figures"]["area_mm2"])
    assert tpu["figures"]["peak_tops_per_watt"] == pytest.approx(cfg.peak_tops / busy_power_w(cfg))


def test_entry_point_as_a_process(tmp_path):
    """The installed console script: exit status and one line on stderr."""
    proc = subprocess.run(
        [sys.executable, "-m", "runtime.cli", "report", tmp_path],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


# ---- with the compiler: the MLP training step on the functional model (values only, fast)
FAST_TRAIN = ("train", "--fidelity", "functional", "--no-plots", "--checkpoint-every", "20")


def _report_without_host_time(path):
    d = json.loads((path / "report.json").read_text())
    assert "host_seconds_this_session" not in d["info"]  # host time is not a result
    return d


def test_train_interrupt_then_resume_matches_uninterrupted(capsys, tmp_path, monkeypatch):
    from runtime import train as train_mod

    whole, parts = tmp_path / "whole", tmp_path / "parts"
    code, _, err = run_cli(capsys, *FAST_TRAIN, "--epochs", "2", "--out", whole)
    assert code == 0, err

    real_step = train_mod.Trainer._step

    def interrupting(self, p, idx, trace):
        if p.global_step == 50:  # after the checkpoint at step 40
            raise KeyboardInterrupt
        return real_step(self, p, idx, trace)

    monkeypatch.setattr(train_mod.Trainer, "_step", interrupting)
    line = fails(
        capsys,
        130,
        f"continue with `systolic train --resume {parts}`",
        *FAST_TRAIN,
        "--epochs",
        "2",
        "--out",
        parts,
    )
    assert line.startswith("systolic train: error: interrupted")
    assert not (parts / "report.json").exists()
    monkeypatch.setattr(train_mod.Trainer, "_step", real_step)
    code, _, err = run_cli(capsys, "train", "--resume", parts, "--no-plots")
    assert code == 0, err
    assert _report_without_host_time(parts) == _report_without_host_time(whole)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the chip model's inf - inf
def test_train_divergence_and_corrupt_checkpoint(capsys, tmp_path):
    line = fails(
        capsys,
        1,
        "loss became",
        *FAST_TRAIN,
        "--epochs",
        "1",
        "--lr",
        "1e30",
        "--out",
        tmp_path / "nan",
    )
    assert "lower --lr" in line
    run = tmp_path / "run"
    code, _, err = run_cli(capsys, *FAST_TRAIN, "--epochs", "1", "--out", run)
    assert code == 0, err
    (run / "checkpoint.npz").write_bytes(b"junk")
    fails(capsys, 1, "is corrupt or unreadable", "train", "--resume", run)


def test_train_an_onnx_model(capsys, tmp_path):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    weights = [
        numpy_helper.from_array((rng.standard_normal(s) * 0.2).astype(np.float32), n)
        for n, s in (("w1", (64, 32)), ("w2", (32, 10)))
    ]
    nodes = [
        helper.make_node("Flatten", ["image"], ["flat"], axis=1),
        helper.make_node("Gemm", ["flat", "w1"], ["h"]),
        helper.make_node("Relu", ["h"], ["hr"]),
        helper.make_node("Gemm", ["hr", "w2"], ["logits"]),
    ]
    graph = helper.make_graph(
        nodes,
        "m",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [16, 1, 8, 8])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [16, 10])],
        weights,
    )
    path = tmp_path / "m.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    code, out, err = run_cli(
        capsys,
        *FAST_TRAIN,
        "--model",
        path,
        "--epochs",
        "1",
        "--batch-size",
        "16",
        "--out",
        tmp_path / "run",
    )
    assert code == 0, err
    report = json.loads((tmp_path / "run" / "report.json").read_text())
    assert report["program"] == "m" and report["epochs"][0]["test_accuracy"] > 0.8
    fails(capsys, 1, "ONNX file", "train", "--model", tmp_path / "none.onnx")


def test_compile_for_an_int8_chip_quantizes(capsys, tmp_path):
    prog = tmp_path / "q.prog"
    code, out, err = run_cli(capsys, "compile", "mlp", "--chip", "tiny", "--batch", "8", "-o", prog)
    assert code == 0, err
    from chip.program import Program

    p = Program.load(prog)
    assert p.tensor("x").dtype.value == "int8" and p.tensor("logits").dtype.value == "int32"
    code, out, err = run_cli(
        capsys,
        "run",
        prog,
        "--random-inputs",
        "--fidelity",
        "functional",
        "--out",
        tmp_path / "run",
        "--no-plots",
    )
    assert code == 0, err
    assert np.load(tmp_path / "run" / "logits.npy").shape == (8, 10)
    code, out, err = run_cli(
        capsys, "compile", "mlp", "--chip", "tiny", "--train", "-o", tmp_path / "t.prog"
    )
    assert code == 0 and "int8 dynamic quantization" in out, err
    assert Program.load(tmp_path / "t.prog").tensor("dense1.w").dtype.value == "fp32"


def test_int8_inference_of_a_model_with_float_activations_falls_back_to_dynamic(capsys, tmp_path):
    code, out, err = run_cli(
        capsys, "compile", "lstm", "--chip", "tiny", "--batch", "2", "-o", tmp_path / "l.prog"
    )
    assert code == 0 and "int8 dynamic quantization" in out, err
    fails(
        capsys,
        1,
        "cannot compile lstm for tiny: cannot quantize sigmoid",
        "compile",
        "lstm",
        "--chip",
        "tiny",
        "--quantize",
        "static",
        "-o",
        tmp_path / "s.prog",
    )
    fails(
        capsys,
        2,
        "invalid choice",
        "compile",
        "mlp",
        "--quantize",
        "fp8",
        "-o",
        tmp_path / "x.prog",
    )
    fails(
        capsys,
        1,
        "--quantize dynamic is for int8 chips; 'edge' computes in bf16",
        "compile",
        "mlp",
        "--chip",
        "edge",
        "--quantize",
        "dynamic",
        "-o",
        tmp_path / "x.prog",
    )
    fails(
        capsys,
        1,
        "--quantize static is for inference",
        "compile",
        "mlp",
        "--chip",
        "tiny",
        "--train",
        "--quantize",
        "static",
        "-o",
        tmp_path / "x.prog",
    )
    assert not (tmp_path / "x.prog").exists()


def test_a_compiler_bug_is_an_internal_error_not_a_bad_model(capsys, monkeypatch, tmp_path):
    # compile_model used to turn any TypeError into "cannot compile ..." with status 1
    def broken(*args, **kwargs):
        raise TypeError("unsupported operand")

    monkeypatch.setattr("compiler.compile", broken)
    fails(
        capsys,
        3,
        "internal error: TypeError: unsupported operand",
        "compile",
        "mlp",
        "-o",
        tmp_path / "m.prog",
    )


@pytest.mark.slow
def test_systolic_train_with_no_arguments(tmp_path):
    """The main command: MLP on digits on the default chip, a cycle report, >= 97%."""
    proc = subprocess.run(
        [sys.executable, "-m", "runtime.cli", "train"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "on-chip cycles" in proc.stdout and "PE utilization" in proc.stdout
    report = json.loads((tmp_path / "runs" / "mlp-1" / "report.json").read_text())
    assert report["chip"]["name"] == "edge" and report["fidelity"] == "fast"
    assert report["epochs"][-1]["test_accuracy"] >= 0.97
    assert report["total"]["cycles"] > 0


def test_train_on_an_int8_chip_learns_digits(capsys, tmp_path):
    # tpu-v1 (int8, 256x256): every GEMM operand, forward and backward, quantized on chip
    code, out, err = run_cli(
        capsys,
        "train",
        "--chip",
        "tpu-v1",
        "--epochs",
        "3",
        "--fidelity",
        "fast",
        "--no-plots",
        "--out",
        tmp_path / "run",
    )
    assert code == 0, err
    report = json.loads((tmp_path / "run" / "report.json").read_text())
    epochs = report["epochs"]
    assert epochs[-1]["test_accuracy"] >= 0.90, epochs[-1]
    assert epochs[-1]["loss"] < 0.5 * epochs[0]["loss"]
    assert report["chip"]["array"]["input_dtype"] == "int8"


def test_compile_and_run_an_onnxruntime_quantized_model(capsys, tmp_path):
    # The model defines its int8 arithmetic: compiled as it is (no calibration), refused for
    # training, and `systolic run` reproduces onnxruntime's int8 outputs.
    ort = pytest.importorskip("onnxruntime", reason="onnxruntime is a test dependency")
    from compiler.onnx_quant_host import quant_io
    from tests.compiler.onnx_models import quant_mlp
    from tests.compiler.test_onnx_quant import quantize_qoperator

    model, shapes = quant_mlp(np.random.default_rng(0))
    path = quantize_qoperator(model, shapes, tmp_path)
    batch = shapes["x"][0]
    code, out, err = run_cli(
        capsys, "compile", path, "--chip", "tiny", "--batch", batch, "-o", tmp_path / "q.prog"
    )
    assert code == 0 and "int8 static quantization" in out, err
    x = np.random.default_rng(3).standard_normal(shapes["x"]).astype(np.float32)
    io = quant_io(path)
    np.save(tmp_path / "x.npy", io.quantize_inputs({"x": x})["x"])
    code, out, err = run_cli(
        capsys,
        "run",
        tmp_path / "q.prog",
        "--input",
        f"x={tmp_path / 'x.npy'}",
        "--fidelity",
        "fast",
        "--out",
        tmp_path / "run",
        "--no-plots",
    )
    assert code == 0, err
    got = {name: np.load(tmp_path / "run" / f"{name}.npy") for name in io.outputs}
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    want = dict(zip([o.name for o in sess.get_outputs()], sess.run(None, {"x": x}), strict=True))
    for name, value in io.dequantize(got).items():
        np.testing.assert_array_equal(value, want[name])
    fails(
        capsys,
        1,
        "already quantized (int8 tensor 'x'): a training step needs the float",
        "compile",
        path,
        "--chip",
        "tiny",
        "--train",
        "-o",
        tmp_path / "t.prog",
    )


def test_sampled_timing_needs_a_machine_fidelity(capsys, tmp_path):
    out = tmp_path / "run"
    fails(
        capsys,
        1,
        "--sampled-timing measures cycles at --fidelity fast or pe, not functional",
        *("train", "--fidelity", "functional", "--sampled-timing", "--out", out),
    )
    assert not out.exists()
