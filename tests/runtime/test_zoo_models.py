"""The zoo's recurrent, transformer, AlexNet and VGG-11 models: ImageNet shapes and MAC counts
against the published architectures, compiling for train-128, and training on digits.

Accuracies measured with the default settings (`systolic train --model NAME`, seed 0):
gru 97.2%, rnn 96.4%, alexnet-digits 96.4% and vgg11-digits 96.7% (functional model, values
bit-identical to the machine), transformer 98.1% on the cycle-level `fast` machine (4 epochs,
254 s).
"""

from __future__ import annotations

import json
import math

import pytest

from compiler import zoo
from compiler.ir import Graph, Op
from runtime.cli import main


def layer_macs(graph: Graph) -> list[tuple[tuple[int, ...], int]]:
    """(output shape, multiply-accumulates) of every convolution and dense layer, in order."""
    out = []
    for n in graph.nodes:
        if n.op is Op.CONV2D:
            kh, kw, cin, _ = graph[n.inputs[1]].shape
            out.append((n.shape, math.prod(n.shape) * kh * kw * cin))
        elif n.op is Op.MATMUL:
            out.append((n.shape, math.prod(n.shape) * graph[n.inputs[0]].shape[-1]))
    return out


def conv(hw: int, cout: int, k: int, cin: int) -> tuple[tuple[int, ...], int]:
    return (1, hw, hw, cout), hw * hw * cout * k * k * cin


def dense(cin: int, cout: int) -> tuple[tuple[int, ...], int]:
    return (1, cout), cin * cout


@pytest.mark.slow  # 60M weights initialized in float64
def test_alexnet_imagenet_layers() -> None:
    """torchvision's AlexNet: 0.71 GMACs (its documented 0.71 GFLOPS count MACs)."""
    want = [
        conv(55, 64, 11, 3),
        conv(27, 192, 5, 64),
        conv(13, 384, 3, 192),
        conv(13, 256, 3, 384),
        conv(13, 256, 3, 256),
        dense(9216, 4096),
        dense(4096, 4096),
        dense(4096, 1000),
    ]
    got = layer_macs(zoo.alexnet())
    assert got == want
    assert sum(m for _, m in got) == 714_188_480


@pytest.mark.slow  # 133M weights initialized in float64
def test_vgg11_imagenet_layers() -> None:
    """VGG-11 (configuration A): 7.61 GMACs, as torchvision documents."""
    want = [conv(224, 64, 3, 3), conv(112, 128, 3, 64), conv(56, 256, 3, 128)]
    want += [conv(56, 256, 3, 256), conv(28, 512, 3, 256), conv(28, 512, 3, 512)]
    want += [conv(14, 512, 3, 512), conv(14, 512, 3, 512)]
    want += [dense(25088, 4096), dense(4096, 4096), dense(4096, 1000)]
    got = layer_macs(zoo.vgg11())
    assert got == want
    assert round(sum(m for _, m in got) / 1e9, 2) == 7.61


@pytest.mark.slow
@pytest.mark.parametrize("model", ["alexnet", "vgg11"])
def test_imagenet_models_compile_for_train_128(model: str) -> None:
    from chip.config import load_preset
    from compiler import compile as compile_program
    from compiler.train import SGD, TrainSpec

    cfg = load_preset("train-128")
    graph = zoo.MODELS[model]()
    forward = compile_program(graph, cfg)
    step = compile_program(graph, cfg, train=TrainSpec("ce", SGD(), 0.01))
    assert forward.tensor("logits").shape == (1, 1000)
    assert len(step.instrs) > 2 * len(forward.instrs)


@pytest.mark.parametrize("name", ["gru_classifier", "rnn_classifier", "transformer_classifier"])
def test_sequence_classifiers_read_digit_rows(name: str) -> None:
    graph = zoo.MODELS[name](batch=4)
    assert graph.inputs["x"].shape == (4, 8, 8)
    assert graph.outputs["logits"] in {n.id for n in graph.nodes}
    assert graph[graph.outputs["logits"]].shape == (4, 10)


def train_accuracy(tmp_path, capsys, model: str, fidelity: str) -> float:
    out = tmp_path / model
    argv = ["train", "--model", model, "--fidelity", fidelity, "--out", str(out), "--no-plots"]
    assert main(argv) == 0
    capsys.readouterr()
    return json.loads((out / "report.json").read_text())["info"]["final_test_accuracy"]


@pytest.mark.slow
@pytest.mark.parametrize("model", ["gru", "rnn", "alexnet-digits", "vgg11-digits"])
def test_zoo_model_reaches_95_percent_on_digits(tmp_path, capsys, model: str) -> None:
    # the functional model's values are bit-identical to the machine's (tests/chip)
    assert train_accuracy(tmp_path, capsys, model, "functional") >= 0.95


@pytest.mark.slow
def test_transformer_reaches_95_percent_on_the_cycle_level_machine(tmp_path, capsys) -> None:
    assert train_accuracy(tmp_path, capsys, "transformer", "fast") >= 0.95
