"""Every zoo model's compiled program, inference and training step, pinned by a hash of its
encoded instruction words, tags, layer table, tiling notes and relay count
(tests/golden/program_hashes.json).

What the compiler emits is decided by the lowering (schedule, tiling, residency, addresses);
how fast it is emitted is not allowed to change it. A change to emission or to the program's
representation must leave every hash as it is. A deliberate change of what is emitted updates
them, committed with the change:

    SYSTOLIC_UPDATE_GOLDEN=1 python -m pytest tests/compiler/test_program_hashes.py
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from chip.config import ChipConfig
from chip.isa import encode_program
from compiler import compile_lowered, zoo
from compiler.ir import Graph
from compiler.lower.program import Lowered
from compiler.train import SGD, TrainSpec

HASHES = Path(__file__).resolve().parents[1] / "golden" / "program_hashes.json"
UPDATE = os.environ.get("SYSTOLIC_UPDATE_GOLDEN", "") not in ("", "0")

# model -> (graph builder, chip preset)
MODELS: dict[str, tuple[Callable[[], Graph], str]] = {
    "mlp": (zoo.mlp, "edge"),
    "lenet": (zoo.lenet, "edge"),
    "lstm_classifier": (zoo.lstm_classifier, "edge"),
    "gru_classifier": (zoo.gru_classifier, "edge"),
    "rnn_classifier": (zoo.rnn_classifier, "edge"),
    "transformer_classifier": (zoo.transformer_classifier, "edge"),
    "transformer_encoder_block": (zoo.transformer_encoder_block, "edge"),
    "alexnet_digits": (zoo.alexnet_digits, "edge"),
    "vgg11_digits": (zoo.vgg11_digits, "edge"),
    "alexnet": (lambda: zoo.alexnet(batch=2, image=64, classes=10, width=0.25), "train-128"),
    "vgg11": (lambda: zoo.vgg11(batch=2, image=32, classes=10, width=0.25), "train-128"),
    "resnet18": (lambda: zoo.resnet18(batch=2, image=32, classes=10), "train-128"),
    "resnet50": (lambda: zoo.resnet50(batch=1, image=32, classes=10), "train-128"),
}
CASES = [f"{m}:{kind}" for m in MODELS for kind in ("inference", "train")] + [
    "resnet18:int8-inference"
]


def program_hash(lowered: Lowered) -> str:
    """sha256 of everything the lowering decides, in a canonical form."""
    p = lowered.program
    h = hashlib.sha256(encode_program(list(p.instrs)))
    h.update(json.dumps([(t.layer, t.phase.value) for t in p.tags]).encode())
    layers = sorted(
        (t.layer, t.phase.value, info.useful_macs, info.min_dram_bytes)
        for t, info in p.layers.items()
    )
    h.update(json.dumps(layers).encode())
    tensors = sorted((n, t.addr, list(t.shape), t.dtype.value) for n, t in p.tensors.items())
    h.update(json.dumps(tensors).encode())
    h.update(json.dumps([list(lowered.notes), lowered.relays]).encode())
    return h.hexdigest()


def compiled(case: str) -> Lowered:
    model, kind = case.split(":")
    if kind == "int8-inference":
        graph = zoo.resnet18(batch=1, image=32, classes=10)
        image = np.random.default_rng(0).standard_normal(graph.inputs["x"].shape)
        return compile_lowered(graph, ChipConfig.from_toml("tpu-v1"), calibration={"x": image})
    build, preset = MODELS[model]
    loss = "mse" if model == "transformer_encoder_block" else "ce"  # its output is [B, T, D]
    train = TrainSpec(loss, SGD(), 0.01) if kind == "train" else None
    return compile_lowered(build(), ChipConfig.from_toml(preset), train=train)


@pytest.mark.parametrize("case", CASES)
def test_program_is_unchanged(case):
    got = program_hash(compiled(case))
    pinned = json.loads(HASHES.read_text()) if HASHES.exists() else {}
    if UPDATE:
        pinned[case] = got
        HASHES.write_text(json.dumps(dict(sorted(pinned.items())), indent=1) + "\n")
    assert case in pinned, f"{HASHES} has no hash for {case}: run with SYSTOLIC_UPDATE_GOLDEN=1"
    assert got == pinned[case], f"{case}: the compiled program changed"
