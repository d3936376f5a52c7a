"""ResNet-50's training step at batch 8 on ImageNet-sized images compiles for `train-128` and
runs on the `fast` machine (its time is measured by bench/resnet50_step.py, not here)."""

from __future__ import annotations

import numpy as np
import pytest

from chip.config import ChipConfig
from chip.machine import run_machine
from chip.state import ChipState
from compiler import compile, zoo
from compiler.passes.pipeline import graph_passes
from compiler.reference import evaluate
from compiler.train import SGD, TrainSpec


@pytest.mark.slow
def test_resnet50_batch8_training_step_compiles_and_runs_on_fast():
    chip = ChipConfig.from_toml("train-128")
    graph = zoo.resnet50(batch=8)
    spec = TrainSpec("ce", SGD(), 0.01)
    program = compile(graph, chip, train=spec)
    rng = np.random.default_rng(0)
    inputs = {
        "x": rng.standard_normal(graph.inputs["x"].shape).astype(np.float32),
        "labels": np.eye(1000, dtype=np.float32)[rng.integers(0, 1000, 8)],
    }
    state = ChipState(program.config)
    state.load_program(program)
    for name, value in inputs.items():
        state.write_tensor(program.tensors[name], value)
    result = run_machine(program, "fast", state, trace=False)
    assert result.cycles > 0
    loss = float(state.read_tensor(program.tensors["loss"])[0])
    # the float64 reference interpreter running the same step with the chip's bf16 roundings
    step = graph_passes(graph, train=spec, compute_dtype=chip.input_dtype)
    feeds = {k: v.astype(np.float64) for k, v in inputs.items()}
    want = float(evaluate(step, feeds, round_casts=True).outputs["loss"][0])
    assert abs(loss - want) <= 1e-2 * abs(want), (loss, want)
