"""1-D, 3-D and dilated pooling (compiler/onnx_ops/windows.py) against onnxruntime."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper

from chip.dtypes import DType
from compiler import compile_lowered
from compiler.ir import Op
from compiler.onnx_import import OnnxError, import_onnx
from tests.compiler.lowering_helpers import run_on_chip
from tests.compiler.onnx_node_cases import chip_for

ort = pytest.importorskip("onnxruntime")


def _model(op: str, shape: tuple[int, ...], **attrs):
    node = helper.make_node(op, ["x"], ["y"], **attrs)
    g = helper.make_graph(
        [node],
        "pool",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(shape))],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
    )
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 19)])


CASES = [
    ("AveragePool", (2, 3, 11), dict(kernel_shape=[3], strides=[2], pads=[1, 2])),
    (
        "AveragePool",
        (1, 2, 9),
        dict(kernel_shape=[3], strides=[2], pads=[1, 1], count_include_pad=1, ceil_mode=1),
    ),
    ("MaxPool", (2, 3, 10), dict(kernel_shape=[3], strides=[3], ceil_mode=1)),
    ("MaxPool", (1, 2, 7, 8), dict(kernel_shape=[2, 3], dilations=[2, 2], pads=[1, 0, 1, 2])),
    ("AveragePool", (1, 2, 8, 7), dict(kernel_shape=[3, 2], dilations=[2, 3], strides=[2, 1])),
    ("MaxPool", (1, 2, 5, 6, 7), dict(kernel_shape=[2, 3, 2], auto_pad="SAME_UPPER")),
    (
        "AveragePool",
        (1, 1, 6, 5, 7),
        dict(kernel_shape=[3, 2, 3], dilations=[1, 2, 2], strides=[2, 1, 3], pads=[1] * 6),
    ),
]


@pytest.mark.parametrize("op,shape,attrs", CASES, ids=lambda v: str(v))
def test_pooling_matches_onnxruntime(op, shape, attrs):
    model = _model(op, shape, **attrs)
    x = np.random.default_rng(3).standard_normal(shape).astype(np.float32)
    want = ort.InferenceSession(model.SerializeToString()).run(None, {"x": x})[0]
    graph = import_onnx(model)
    assert not any(n.op in (Op.MAXPOOL2D, Op.AVGPOOL2D) for n in graph.nodes)
    got = run_on_chip(compile_lowered(graph, chip_for(DType.FP32)), {"x": x})["y"]
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_a_window_of_padding_only_is_refused_by_name():
    model = _model("MaxPool", (1, 1, 4), kernel_shape=[2], pads=[3, 0], strides=[1])
    with pytest.raises(OnnxError, match=r"\(MaxPool\): output 0 of spatial axis 0 has a window"):
        import_onnx(model)


@pytest.mark.parametrize(
    "attrs",
    [
        dict(kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[2, 2]),
        dict(kernel_shape=[2, 3], strides=[2, 1], storage_order=1),
        dict(kernel_shape=[2, 2], dilations=[2, 1], ceil_mode=1, strides=[2, 2]),
    ],
    ids=["pads", "storage-order-1", "dilated-ceil"],
)
def test_maxpool_indices_match_onnxruntime_ties_included(attrs):
    shape = (2, 3, 7, 6)
    node = helper.make_node("MaxPool", ["x"], ["y", "i"], **attrs)
    g = helper.make_graph(
        [node],
        "argmax",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(shape))],
        [
            helper.make_tensor_value_info("y", TensorProto.FLOAT, None),
            helper.make_tensor_value_info("i", TensorProto.INT64, None),
        ],
    )
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 12)])
    # few distinct values: most windows hold their maximum more than once
    x = np.random.default_rng(4).integers(0, 4, shape).astype(np.float32)
    want_y, want_i = ort.InferenceSession(model.SerializeToString()).run(None, {"x": x})
    got = run_on_chip(compile_lowered(import_onnx(model), chip_for(DType.FP32)), {"x": x})
    np.testing.assert_array_equal(got["y"], want_y)
    np.testing.assert_array_equal(got["i"], want_i)
