"""Dropout: the identity in inference; in a training step a mask drawn on chip by RAND from
(seed, step, element index), the same on the chip as in the reference interpreter, used by the
backward too, new every step and continued from a checkpointed step counter."""

from __future__ import annotations

import json

import numpy as np
import pytest

from chip.config import ChipConfig
from chip.dtypes import DType
from chip.isa import VecOp
from compiler import compile as compile_program
from compiler.builder import Net
from compiler.ir import Op
from compiler.passes.pipeline import graph_passes
from compiler.reference import evaluate, run
from compiler.train import DROPOUT_STEP, SGD, TrainSpec
from runtime.backend import Backend

CHIP = ChipConfig.from_toml("edge").replace(input_dtype=DType.FP32)
SPEC = TrainSpec("mse", SGD(), lr=0.5)
RNG = np.random.default_rng(6)
X = RNG.standard_normal((8, 12))
Y = RNG.standard_normal((8, 5))


def _net(ratio: float = 0.5):
    net = Net("drop", 3)
    x = net.input("x", (8, 12))
    h = net.dropout(net.relu(net.dense(x, 40, name="fc1")), ratio, name="drop")
    net.output("y", net.dense(h, 5, name="fc2"))
    return net.build()


def test_dropout_is_the_identity_in_inference() -> None:
    graph = _net()
    assert any(n.op is Op.DROPOUT for n in graph.nodes)
    without = _net(0.0)
    np.testing.assert_array_equal(run(graph, {"x": X})["y"], run(without, {"x": X})["y"])
    program = compile_program(graph, CHIP)
    assert not any(getattr(i, "op", None) is VecOp.RAND for i in program.instrs)
    got = Backend(program, "functional").run({"x": X}).outputs["y"]
    np.testing.assert_allclose(got, run(graph, {"x": X})["y"], rtol=1e-5, atol=1e-6)


def _mask(step_graph, state: dict) -> np.ndarray:
    """The kept fraction per element of the hidden layer at ``state``'s step, read from the
    reference interpreter: fc2.w's gradient rows are zero exactly for dropped units."""
    ev = evaluate(step_graph, {"x": X, "labels": Y}, state=state)
    fc1 = next(n for n in step_graph.nodes if n.op is Op.RANDOM)
    return ev.values[fc1.id] > 0.5


def test_training_draws_a_new_mask_every_step_with_the_expected_rate() -> None:
    step = graph_passes(_net(), train=SPEC)
    assert step.state[DROPOUT_STEP].tolist() == [0.0]
    first = _mask(step, {DROPOUT_STEP: np.zeros(1)})
    second = _mask(step, {DROPOUT_STEP: np.ones(1)})
    assert abs(first.mean() - 0.5) < 0.06 and abs(second.mean() - 0.5) < 0.06  # 320 draws
    assert 0.3 < np.mean(first != second) < 0.7  # independent masks
    again = _mask(step, {DROPOUT_STEP: np.zeros(1)})
    np.testing.assert_array_equal(first, again)  # a function of the step: reproducible
    ev = evaluate(step, {"x": X, "labels": Y})
    assert ev.updates[DROPOUT_STEP].tolist() == [1.0]


def test_the_chip_step_draws_the_reference_mask_and_the_backward_uses_it() -> None:
    """Two SGD steps on the chip give the weights the reference interpreter computes with the
    same masks in the forward and the backward (another step's masks would not)."""
    graph = _net()
    step = graph_passes(graph, train=SPEC)
    backend = Backend(compile_program(graph, CHIP, train=SPEC), "functional")
    params, state = dict(step.params), dict(step.state)
    for k in range(2):
        ev = evaluate(step, {"x": X, "labels": Y}, params=params, state=state)
        later = {**state, DROPOUT_STEP: state[DROPOUT_STEP] + 7}
        other = evaluate(step, {"x": X, "labels": Y}, params=params, state=later)
        backend.run({"x": X, "labels": Y})  # lr is a STATE holding SPEC.lr
        params = {p: ev.updates[p] for p in params}
        state = {s: ev.updates.get(s, v) for s, v in state.items()}
        for p, want in params.items():
            np.testing.assert_allclose(backend.read(p), want, rtol=2e-4, atol=1e-6, err_msg=p)
            assert not np.allclose(backend.read(p), other.updates[p], rtol=2e-4, atol=1e-6)
        assert backend.read(DROPOUT_STEP).tolist() == [k + 1.0]


def test_a_restored_checkpoint_continues_the_mask_sequence() -> None:
    """The step counter is STATE, so a snapshot (what a checkpoint saves) carries it: a run
    resumed from step 1 ends bit-identical to an uninterrupted one."""
    program = compile_program(_net(), CHIP, train=SPEC)
    whole = Backend(program, "functional")
    whole.run({"x": X, "labels": Y})
    saved = whole.snapshot()
    whole.run({"x": X, "labels": Y})
    resumed = Backend(program, "functional")
    resumed.restore(saved)
    resumed.run({"x": X, "labels": Y})
    for name in ("fc1.w", "fc2.w", DROPOUT_STEP):
        np.testing.assert_array_equal(resumed.read(name), whole.read(name), name)


def test_the_cycle_level_machine_draws_the_same_masks() -> None:
    program = compile_program(_net(), CHIP, train=SPEC)
    functional, fast = Backend(program, "functional"), Backend(program, "fast")
    for backend in (functional, fast):
        backend.run({"x": X, "labels": Y})
    for name in ("fc1.w", "fc2.w", DROPOUT_STEP):
        np.testing.assert_array_equal(fast.read(name), functional.read(name), name)


def test_bad_dropout_arguments_are_refused() -> None:
    net = Net("bad", 0)
    x = net.input("x", (2, 3))
    with pytest.raises(ValueError, match=r"ratio must be in \[0, 1\), not 1.0"):
        net.dropout(x, 1.0)
    with pytest.raises(ValueError, match=r"seed must be an int in \[0, 2\^24\), not -1"):
        net.dropout(x, 0.5, seed=-1)


def test_an_onnx_dropout_is_the_identity_in_inference_and_drops_in_training() -> None:
    from onnx import helper, numpy_helper

    from compiler.onnx_import import import_onnx
    from tests.compiler.onnx_models import onnx_init, onnx_model

    ort = pytest.importorskip("onnxruntime", reason="onnxruntime is a test dependency")
    nodes = [
        helper.make_node("MatMul", ["x", "w"], ["h"]),
        helper.make_node("Dropout", ["h", "ratio"], ["d"], seed=5),
        helper.make_node("Relu", ["d"], ["y"]),
    ]
    inits = [
        onnx_init(RNG, "w", (12, 6)),
        numpy_helper.from_array(np.array(0.25, np.float32), "ratio"),
    ]
    model = onnx_model(nodes, [("x", (8, 12))], ["y"], inits)
    graph = import_onnx(model)
    (drop,) = [n for n in graph.nodes if n.op is Op.DROPOUT]
    assert dict(drop.attrs) == {"ratio": 0.25, "seed": 5}
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    x = X.astype(np.float32)
    np.testing.assert_allclose(run(graph, {"x": x})["y"], sess.run(None, {"x": x})[0], rtol=1e-5)
    step = graph_passes(graph, train=SPEC)
    (rand,) = [n for n in step.nodes if n.op is Op.RANDOM]
    assert rand.attrs["seed"] == 5


def test_cli_trains_an_onnx_model_with_dropout_and_checkpoints_the_step(tmp_path, capsys) -> None:
    from onnx import helper, numpy_helper

    from runtime.checkpoint import load
    from runtime.cli import main
    from tests.compiler.onnx_models import onnx_init, onnx_model

    nodes = [
        helper.make_node("Flatten", ["x"], ["f"]),
        helper.make_node("Gemm", ["f", "w1", "b1"], ["h"]),
        helper.make_node("Relu", ["h"], ["a"]),
        helper.make_node("Dropout", ["a", "ratio"], ["d"]),
        helper.make_node("Gemm", ["d", "w2", "b2"], ["logits"]),
    ]
    inits = [onnx_init(RNG, "w1", (64, 48), 0.2), onnx_init(RNG, "b1", (48,), 0.0)]
    inits += [onnx_init(RNG, "w2", (48, 10), 0.2), onnx_init(RNG, "b2", (10,), 0.0)]
    inits.append(numpy_helper.from_array(np.array(0.2, np.float32), "ratio"))
    path = tmp_path / "drop.onnx"
    path.write_bytes(
        onnx_model(nodes, [("x", (16, 1, 8, 8))], ["logits"], inits).SerializeToString()
    )
    run = tmp_path / "run"
    argv = ["train", "--model", str(path), "--epochs", "2", "--fidelity", "functional"]
    argv += ["--batch-size", "16", "--optimizer", "adam", "--lr", "0.01", "--out", str(run)]
    assert main([*argv, "--no-plots"]) == 0
    capsys.readouterr()
    report = json.loads((run / "report.json").read_text())
    assert report["info"]["final_test_accuracy"] > 0.85  # chance is 10%
    steps = 2 * (1437 // 16)  # digits: 1437 training samples, full batches
    (step,) = load(run).tensors[DROPOUT_STEP].view(np.float32)
    assert step == steps
