"""Every example is a script that asserts its own outcome; each is run here as a process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run_example(name: str, *args: str, timeout: int = 900) -> str:
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=EXAMPLES.parent,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert proc.stdout.rstrip().endswith("OK"), proc.stdout[-2000:]
    return proc.stdout


@pytest.mark.slow
def test_train_mlp_bf16_on_the_cycle_level_machine():
    out = run_example("train_mlp.py")
    assert "fidelity fast" in out


@pytest.mark.slow
def test_train_mlp_int8_with_on_chip_quantization():
    out = run_example("train_mlp.py", "--dtype", "int8")
    assert "with int8 roundings" in out


@pytest.mark.slow
def test_train_mlp_fp32_matches_float64():
    run_example("train_mlp.py", "--dtype", "fp32", "--fidelity", "functional")


def test_compare_dataflows():
    out = run_example("compare_dataflows.py")
    for df in ("ws", "os", "is"):
        assert f"│ {df} " in out


def test_onnx_import_matches_onnxruntime():
    out = run_example("onnx_import.py")
    assert "fp32:" in out and "bf16:" in out


@pytest.mark.slow
def test_train_lstm_reaches_95_percent():
    run_example("train_lstm.py", timeout=1800)


@pytest.mark.slow
def test_train_cnn_reaches_98_percent():
    run_example("train_cnn.py", timeout=3600)


@pytest.mark.slow
def test_resnet18_training_step_on_train_128():
    out = run_example("resnet18.py", "--only", "train-128", timeout=1800)
    assert "train-128" in out


@pytest.mark.slow
def test_resnet18_int8_inference_on_tpu_v1():
    out = run_example("resnet18.py", "--only", "tpu-v1", timeout=600)
    assert "int8 logits vs float64" in out


@pytest.mark.slow
def test_resnet18_int8_training_step_on_tpu_v1():
    out = run_example("resnet18.py", "--only", "tpu-v1-train", timeout=600)
    assert "float64 with the chip's roundings" in out
