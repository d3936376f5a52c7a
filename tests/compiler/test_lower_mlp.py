"""An MLP forward pass and whole training steps compiled and run on the functional model.

Tolerances (relative to each tensor's largest magnitude), against compiler/reference.py in
float64 with casts rounded as the chip rounds them: fp32 chips 1e-5, bf16 chips 1e-4 (the
chip accumulates in fp32 in its own order, the reference in float64); against the unrounded
float64 reference a bf16 chip stays within 5e-2.
"""

import gc

import numpy as np
import pytest

from chip.config import ChipConfig
from chip.dtypes import DType
from chip.program import Phase, TensorKind, TensorRole
from compiler import compile_lowered, zoo
from compiler.passes.pipeline import graph_passes
from compiler.reference import evaluate
from compiler.train import SGD, Adam, Momentum, TrainSpec
from tests.compiler.lowering_helpers import run_on_chip

BATCH = 8


def edge(dtype: str) -> ChipConfig:
    return ChipConfig.from_toml("edge").replace(input_dtype=DType(dtype))


def mlp():
    return zoo.mlp(batch=BATCH, inputs=20, hidden=(24,), classes=10)


def inputs(train: TrainSpec | None, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    out = {"x": rng.standard_normal((BATCH, 20))}
    if train is not None:
        if train.loss == "ce":
            out["labels"] = np.eye(10)[rng.integers(0, 10, BATCH)]
        else:
            out["labels"] = rng.standard_normal((BATCH, 10))
    return out


def compare(cfg: ChipConfig, train: TrainSpec | None, rounded: bool, machine: bool = False):
    graph = mlp()
    lowered = compile_lowered(graph, cfg, batch=BATCH, train=train)
    prim = graph_passes(graph, batch=BATCH, compute_dtype=cfg.input_dtype, train=train)
    feed = inputs(train)
    got = run_on_chip(lowered, feed, machine)
    ref = evaluate(prim, feed, round_casts=rounded)
    errors = {}
    for name, want in {**ref.outputs, **ref.updates}.items():
        errors[name] = float(np.abs(got[name] - want).max()) / float(np.abs(want).max())
    return errors, lowered, got


TRAINS = [
    None,
    TrainSpec("ce", SGD(), 0.1),
    TrainSpec("ce", Adam(), 0.01),
    TrainSpec("mse", Momentum(weight_decay=0.01), 0.05),
]


@pytest.mark.parametrize("train", TRAINS, ids=["forward", "ce-sgd", "ce-adam", "mse-momentum"])
@pytest.mark.parametrize("dtype,tol", [("fp32", 1e-5), ("bf16", 1e-4)])
def test_mlp_matches_reference(dtype, tol, train):
    errors, _, _ = compare(edge(dtype), train, rounded=True)
    assert max(errors.values()) <= tol, errors


def test_bf16_training_step_close_to_exact_float64():
    errors, _, _ = compare(edge("bf16"), TRAINS[1], rounded=False)
    assert max(errors.values()) <= 5e-2, errors


def test_training_program_names_tensors_by_kind():
    _, lowered, got = compare(edge("bf16"), TRAINS[2], rounded=True)
    prog = lowered.program
    kinds = {t.name: t.kind for t in prog.tensors.values()}
    assert kinds["x"] is TensorKind.INPUT and kinds["labels"] is TensorKind.INPUT
    assert kinds["logits"] is TensorKind.OUTPUT and kinds["loss"] is TensorKind.OUTPUT
    assert kinds["lr"] is TensorKind.STATE
    roles = {t.name: t.role for t in prog.tensors.values()}
    assert roles["x"] is TensorRole.INPUT and roles["labels"] is TensorRole.LABEL
    assert roles["logits"] is TensorRole.OUTPUT and roles["loss"] is TensorRole.LOSS
    assert roles["lr"] is TensorRole.LEARNING_RATE and roles["__scratch"] is TensorRole.SCRATCH
    assert {n for n, r in roles.items() if r is TensorRole.OPTIMIZER_STATE} == {
        n for n, k in kinds.items() if k is TensorKind.STATE and n != "lr"
    }
    params = [n for n, k in kinds.items() if k is TensorKind.PARAM]
    assert params and all(prog.tensor(p).dtype is DType.FP32 for p in params)
    assert {t.phase for t in prog.tags} == {Phase.FORWARD, Phase.BACKWARD, Phase.OPTIMIZER}
    # the update is in place: the parameters changed
    assert all(not np.array_equal(got[p], prog.init[p]) for p in params)


def test_machine_runs_training_step_bit_identical():
    cfg = edge("bf16")
    train = TRAINS[2]
    _, lowered, fun = compare(cfg, train, rounded=True)
    mach = run_on_chip(lowered, inputs(train), machine=True)
    for name, value in fun.items():
        assert np.array_equal(value, mach[name]), name


@pytest.mark.parametrize("dataflow", ["ws", "is", "os"])
def test_training_step_on_every_dataflow_with_machine(dataflow):
    # WS/OS fuse bias + ReLU + cast into the GEMM's tiles (epilogue); IS stores then fuses
    from chip.config import Dataflow

    cfg = ChipConfig.from_toml("tiny").replace(input_dtype=DType.FP32, dataflow=Dataflow(dataflow))
    errors, lowered, fun = compare(cfg, TRAINS[1], rounded=True)
    assert max(errors.values()) <= 1e-5, errors
    mach = run_on_chip(lowered, inputs(TRAINS[1]), machine=True)
    for name, value in fun.items():
        assert np.array_equal(value, mach[name]), name


def test_lowering_leaves_its_objects_in_the_oldest_generation():
    cfg = edge("int8")
    graph = graph_passes(mlp())
    for enabled in (True, False):
        (gc.enable if enabled else gc.disable)()
        try:
            instrs = compile_lowered(graph, cfg).program.instrs
            assert gc.isenabled() == enabled
            if enabled:  # untraversed, not left for the first young collection to walk
                assert any(o is instrs for o in gc.get_objects(generation=2))
                assert not any(o is instrs for o in gc.get_objects(generation=0))
        finally:
            gc.enable()


def test_lowering_keeps_the_processs_frozen_objects_frozen():
    kept = [[]]  # a tracked object the process freezes
    gc.freeze()
    try:
        compile_lowered(graph_passes(mlp()), edge("int8"))
        assert gc.get_freeze_count() > 0
        assert not any(o is kept for o in gc.get_objects())  # still in no generation
    finally:
        gc.unfreeze()
