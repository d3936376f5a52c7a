"""Losses, optimizers and schedules reached from `systolic train`, and the host-written step
scalars the Trainer feeds (learning rate, Adam's bias corrections)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from chip.config import ChipConfig
from chip.dtypes import DType
from compiler import compile as compile_program
from compiler.train import SGD, Adam, RMSprop, TrainSpec, host_scalars
from compiler.zoo import mlp
from runtime.cli import main
from runtime.data import load_digits
from runtime.models import ModelError, train_spec
from runtime.train import Schedule, Trainer, TrainingError, TrainSettings


def test_warmup_then_schedule() -> None:
    s = TrainSettings(lr=0.4, schedule=Schedule.STEP, warmup=4)
    assert [s.lr_at(k, 12) for k in range(4)] == [0.1, 0.2, 0.30000000000000004, 0.4]
    # the step schedule runs over the 8 steps after the warm-up: /10 at half of them
    assert s.lr_at(4, 12) == 0.4 and s.lr_at(8, 12) == pytest.approx(0.04)
    with pytest.raises(ValueError, match="warmup must not be negative, not -1"):
        TrainSettings(warmup=-1)


def test_cli_option_values_build_the_optimizer() -> None:
    spec = train_spec("bce_logits", "rmsprop", 0.01, momentum=0.5, centered=True, alpha=0.9)
    assert spec.loss == "bce_logits"
    assert spec.optimizer == RMSprop(alpha=0.9, momentum=0.5, centered=True)
    adamw = train_spec("ce", "adamw", 0.01).optimizer
    assert adamw == Adam(weight_decay=0.01, decoupled=True)
    nesterov = train_spec("ce", "momentum", 0.1, nesterov=True, weight_decay=1e-4).optimizer
    assert nesterov.nesterov and nesterov.weight_decay == 1e-4
    with pytest.raises(ModelError, match="--nesterov applies to --optimizer momentum, not adam"):
        train_spec("ce", "adam", 0.1, nesterov=True)
    with pytest.raises(ModelError, match="RMSprop.alpha must be in"):
        train_spec("ce", "rmsprop", 0.1, alpha=1.5)


@pytest.fixture(scope="module")
def adam_programs():
    chip = ChipConfig.from_toml("edge").replace(input_dtype=DType.FP32)
    graph = mlp(batch=32, hidden=(16,))
    spec = TrainSpec("ce", Adam(), lr=0.01)
    return compile_program(graph, chip, train=spec), compile_program(graph, chip), spec


def test_trainer_writes_adam_bias_corrections_each_step(adam_programs) -> None:
    step, ev, spec = adam_programs
    with pytest.raises(TrainingError, match=r"\['adam.bias_rsqrt', 'adam.step_size'\]"):
        Trainer(step, ev, load_digits(), TrainSettings(epochs=1, lr=0.01), "functional")
    seen = []
    t = Trainer(
        step,
        ev,
        load_digits(),
        TrainSettings(epochs=1, lr=0.01),
        "functional",
        optimizer=spec.optimizer,
        on_step=lambda e: seen.append(e.global_step),
    )
    t.run()
    last = host_scalars(spec.optimizer, seen[-1], 0.01)
    for name in ("adam.step_size", "adam.bias_rsqrt"):
        assert t.backend.read(name)[0] == np.float32(last[name][0])
    with pytest.raises(TrainingError, match="do not match the optimizer SGD"):
        Trainer(step, ev, load_digits(), TrainSettings(), "functional", optimizer=SGD())


def test_cli_trains_with_rmsprop_bce_and_warmup(tmp_path, capsys) -> None:
    out = tmp_path / "run"
    argv = ["train", "--model", "mlp", "--epochs", "1", "--fidelity", "functional"]
    argv += ["--optimizer", "rmsprop", "--lr", "0.003", "--loss", "bce_logits"]
    argv += ["--momentum", "0.5", "--weight-decay", "1e-4", "--warmup", "5"]
    assert main([*argv, "--out", str(out), "--no-plots"]) == 0
    capsys.readouterr()
    settings = json.loads((out / "run.json").read_text())
    assert settings["optimizer"] == "rmsprop" and settings["loss"] == "bce_logits"
    assert settings["warmup"] == 5 and settings["momentum"] == 0.5
    report = json.loads((out / "report.json").read_text())
    assert report["info"]["final_test_accuracy"] > 0.8  # one epoch of a working optimizer


def test_cli_refuses_an_option_of_another_optimizer(capsys) -> None:
    code = main(["train", "--optimizer", "sgd", "--beta1", "0.8", "--epochs", "1"])
    err = capsys.readouterr().err.strip()
    assert code == 1 and err.splitlines() == [
        "systolic train: error: --beta1 applies to --optimizer adam or adamw, not sgd"
    ]


def test_cli_trains_a_model_exported_from_torch(tmp_path, capsys) -> None:
    """An ONNX file from torch.onnx.export trained with a loss and optimizer chosen by option."""
    torch = pytest.importorskip("torch", reason="PyTorch not installed (pip install -e '.[torch]')")
    from compiler.torch_export import export_onnx

    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10)
    ).eval()
    path = tmp_path / "mlp.onnx"
    export_onnx(model, torch.zeros(32, 64), path, input_names=["x"], output_names=["logits"])
    out = tmp_path / "run"
    argv = ["train", "--model", str(path), "--epochs", "2", "--fidelity", "functional"]
    argv += ["--loss", "bce_logits", "--optimizer", "adagrad", "--lr", "0.05"]
    assert main([*argv, "--out", str(out), "--no-plots"]) == 0
    capsys.readouterr()
    report = json.loads((out / "report.json").read_text())
    assert report["info"]["final_test_accuracy"] > 0.75  # 2 epochs (80.8%); chance is 10%
