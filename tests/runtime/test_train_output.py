"""`systolic train --output NAME`: training a model with several outputs on the one that holds
the logits; without a name, or with a wrong one, a clear refusal listing the outputs."""

from __future__ import annotations

import json

import numpy as np
import pytest
from onnx import helper

from runtime.cli import main
from tests.compiler.onnx_models import onnx_init, onnx_model


@pytest.fixture
def two_outputs(tmp_path):
    """An MLP on 8x8 digits whose outputs are its softmax probabilities and its logits."""
    rng = np.random.default_rng(0)
    nodes = [
        helper.make_node("Flatten", ["x"], ["f"]),
        helper.make_node("Gemm", ["f", "w1", "b1"], ["h"]),
        helper.make_node("Relu", ["h"], ["a"]),
        helper.make_node("Gemm", ["a", "w2", "b2"], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["probs"], axis=-1),
    ]
    inits = [onnx_init(rng, "w1", (64, 32), 0.2), onnx_init(rng, "b1", (32,), 0.0)]
    inits += [onnx_init(rng, "w2", (32, 10), 0.2), onnx_init(rng, "b2", (10,), 0.0)]
    path = tmp_path / "two.onnx"
    path.write_bytes(
        onnx_model(nodes, [("x", (16, 1, 8, 8))], ["probs", "logits"], inits).SerializeToString()
    )
    return path


def _train(path, tmp_path, *extra: str) -> tuple[int, str]:
    argv = ["train", "--model", str(path), "--epochs", "2", "--fidelity", "functional"]
    argv += ["--batch-size", "16", "--optimizer", "adam", "--lr", "0.01"]
    return main([*argv, *extra, "--out", str(tmp_path / "run"), "--no-plots"])


def test_train_on_the_named_output(two_outputs, tmp_path, capsys) -> None:
    assert _train(two_outputs, tmp_path, "--output", "logits") == 0
    capsys.readouterr()
    run = tmp_path / "run"
    assert json.loads((run / "run.json").read_text())["output"] == "logits"
    report = json.loads((run / "report.json").read_text())
    assert report["info"]["final_test_accuracy"] > 0.85  # chance is 10%


def test_several_outputs_and_no_name_is_refused(two_outputs, tmp_path, capsys) -> None:
    assert _train(two_outputs, tmp_path) == 1
    err = capsys.readouterr().err
    assert "has 2 outputs ('probs', 'logits'); name the one that holds the logits" in err
    assert "--output NAME" in err and "Traceback" not in err


def test_an_output_that_is_not_one_is_refused(two_outputs, tmp_path, capsys) -> None:
    assert _train(two_outputs, tmp_path, "--output", "y") == 1
    err = capsys.readouterr().err
    assert "--output 'y' is not an output of" in err and "its outputs: 'probs', 'logits'" in err


def test_compile_a_training_step_on_the_named_output(two_outputs, tmp_path, capsys) -> None:
    out = tmp_path / "step.npz"
    argv = ["compile", str(two_outputs), "--train", "-o", str(out)]
    assert main(argv) == 1
    assert "name the one that holds the logits with --train-output NAME" in capsys.readouterr().err
    assert main([*argv, "--train-output", "logits"]) == 0
    assert out.exists()
    assert main(["compile", str(two_outputs), "--train-output", "logits", "-o", str(out)]) == 1
    assert "--train-output NAME applies to a training step" in capsys.readouterr().err
