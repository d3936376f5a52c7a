"""Which ONNX constants train: weights (initializers, or the ones named) and what the import
folds from them are PARAMs, every other constant a CONST; a training step updates PARAMs only."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import helper, numpy_helper

from compiler.onnx_import import import_onnx
from compiler.reference import run
from tests.compiler.onnx_models import onnx_init, onnx_model

ort = pytest.importorskip("onnxruntime", reason="onnxruntime is a test dependency")
RNG = np.random.default_rng(4)


def _mixed_model():
    """x @ w.T (a Transpose folded at import) + Constant node, / k, * s, and batch norm."""
    nodes = [
        helper.make_node("Transpose", ["w"], ["wt"], perm=[1, 0]),
        helper.make_node("MatMul", ["x", "wt"], ["h"]),
        helper.make_node(
            "Constant", [], ["c"], value=numpy_helper.from_array(np.full(6, 0.5, np.float32))
        ),
        helper.make_node("Add", ["h", "c"], ["a"]),
        helper.make_node("Div", ["a", "k"], ["d"]),
        helper.make_node("Mul", ["d", "s"], ["m"]),
        helper.make_node("BatchNormalization", ["m", "g", "b", "mean", "var"], ["y"]),
    ]
    inits = [onnx_init(RNG, "w", (6, 5)), onnx_init(RNG, "s", (6,))]
    inits.append(numpy_helper.from_array(np.array([1.5], np.float32), "k"))
    inits += [onnx_init(RNG, n, (6,)) for n in ("g", "b", "mean")]
    inits.append(numpy_helper.from_array(np.full(6, 0.8, np.float32), "var"))
    return onnx_model(nodes, [("x", (3, 5))], ["y"], inits)


def test_every_initializer_is_a_weight_by_default_and_constant_nodes_are_not() -> None:
    model = _mixed_model()
    graph = import_onnx(model)
    assert set(graph.params) == {"wt", "k", "s", "g", "b", "mean", "var"}
    np.testing.assert_array_equal(
        graph.params["wt"], numpy_helper.to_array(model.graph.initializer[0]).T
    )
    np.testing.assert_array_equal(graph.params["k"], [1.5])  # divided by on chip, not inverted
    assert set(graph.consts) == {"c"}
    x = RNG.standard_normal((3, 5)).astype(np.float32)
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(run(graph, {"x": x})["y"], sess.run(None, {"x": x})[0], rtol=1e-5)


def test_named_weights_train_the_rest_is_constant_but_running_statistics() -> None:
    graph = import_onnx(_mixed_model(), weights=["w", "g"])
    assert set(graph.params) == {"wt", "g", "mean", "var"}  # running stats update as averages
    assert {"k.reciprocal", "s", "b", "c"} <= set(graph.consts)  # 1 / k folded


def test_lstm_bias_halves_are_trained_as_two_biases() -> None:
    """ONNX's B = [Wb, Rb]: two PARAMs added on chip, so each gets the whole gradient as in
    torch (one summed PARAM would take half the step each bias pair takes)."""
    hid, inp = 3, 2
    nodes = [helper.make_node("LSTM", ["x", "W", "R", "B"], ["y"], hidden_size=hid)]
    inits = [onnx_init(RNG, "W", (1, 4 * hid, inp)), onnx_init(RNG, "R", (1, 4 * hid, hid))]
    inits.append(onnx_init(RNG, "B", (1, 8 * hid)))
    model = onnx_model(nodes, [("x", (4, 2, inp))], ["y"], inits)
    graph = import_onnx(model)
    bias = numpy_helper.to_array(inits[2])[0].reshape(2, 4, hid)[:, [0, 2, 3, 1]]  # i,f,c,o
    np.testing.assert_array_equal(graph.params["B.input"], bias[0].reshape(-1))
    np.testing.assert_array_equal(graph.params["B.recurrent"], bias[1].reshape(-1))
    x = RNG.standard_normal((4, 2, inp)).astype(np.float32)
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(
        run(graph, {"x": x})["y"], sess.run(None, {"x": x})[0], rtol=1e-5, atol=1e-6
    )
