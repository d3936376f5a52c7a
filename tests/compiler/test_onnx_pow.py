"""Pow with an exponent tensor (`compiler.onnx_ops.activations._pow_tensor`) on an fp32 chip,
against onnxruntime: negative bases with integer exponents keep NumPy's sign, fractional
exponents of negative bases give NaN, a zero exponent gives 1."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper

from chip.config import ChipConfig
from chip.dtypes import DType
from compiler import compile_lowered
from compiler.onnx_import import import_onnx
from tests.compiler.lowering_helpers import run_on_chip

ort = pytest.importorskip("onnxruntime", reason="onnxruntime is a test dependency")


@pytest.mark.parametrize("y_shape", [(4, 6), (6,), (1,)], ids=["equal", "row", "scalar"])
def test_pow_of_an_exponent_tensor_matches_onnxruntime(y_shape):
    rng = np.random.default_rng(0)
    x = rng.uniform(-3, 3, (4, 6)).astype(np.float32)
    x[0, :3] = [0.0, -0.0, 2.0]
    y = rng.choice(np.array([-3, -2, -1.5, 0, 0.5, 1, 2, 3, 4.25], np.float32), y_shape)
    if y.size == 1:
        y[0] = 3.0  # odd: negative bases stay negative
    nodes = [helper.make_node("Pow", ["x", "y"], ["z"])]
    graph = helper.make_graph(
        nodes,
        "pow",
        [
            helper.make_tensor_value_info("x", TensorProto.FLOAT, (4, 6)),
            helper.make_tensor_value_info("y", TensorProto.FLOAT, y_shape),
        ],
        [helper.make_tensor_value_info("z", TensorProto.FLOAT, None)],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 15)])
    model.ir_version = 8
    cfg = ChipConfig.from_toml("edge").replace(input_dtype=DType.FP32)
    got = run_on_chip(compile_lowered(import_onnx(model), cfg), {"x": x, "y": y})["z"]
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    (want,) = sess.run(["z"], {"x": x, "y": y})
    assert (np.sign(want) < 0).any()  # an odd exponent of a negative base is exercised
    assert np.isnan(want).any() or y.size == 1  # and a fractional one
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    ok = ~np.isnan(want)
    np.testing.assert_allclose(got[ok], want[ok], rtol=2e-6, atol=0)
