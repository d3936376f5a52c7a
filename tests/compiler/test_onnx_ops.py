"""ONNX ops beyond the basic set, on an fp32 edge chip, against onnxruntime (1e-5 relative).

Each model uses an op the way everyday exports do (MobileNet's depthwise convolutions, a
transformer's batched MatMul and Softmax over a non-last axis, pooling with ceil_mode and
SAME padding, weights given as graph inputs).
"""

from __future__ import annotations

import numpy as np
import pytest
from onnx import helper

from chip.config import ChipConfig
from chip.dtypes import DType
from compiler import compile_lowered
from compiler.onnx_import import import_onnx
from tests.compiler.lowering_helpers import run_on_chip
from tests.compiler.onnx_models import onnx_init, onnx_model

ort = pytest.importorskip("onnxruntime", reason="onnxruntime is a test dependency")


def _check(model, shapes: dict[str, tuple[int, ...]], tol: float = 1e-5) -> None:
    rng = np.random.default_rng(1)
    feeds = {k: rng.standard_normal(s).astype(np.float32) for k, s in shapes.items()}
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    want = dict(zip([o.name for o in sess.get_outputs()], sess.run(None, feeds), strict=True))
    cfg = ChipConfig.from_toml("edge").replace(input_dtype=DType.FP32)
    got = run_on_chip(compile_lowered(import_onnx(model), cfg), feeds)
    for name, w in want.items():
        assert got[name].shape == w.shape, name
        err = float(np.abs(got[name] - w).max() / np.abs(w).max())
        assert err <= tol, f"{name}: {err:.3g}"


@pytest.mark.parametrize(
    "group,cin,cout,dil", [(2, 4, 6, 1), (4, 4, 4, 1), (4, 4, 8, 2)], ids=["g2", "dw", "dw-dil"]
)
def test_grouped_and_depthwise_conv(group, cin, cout, dil):
    rng = np.random.default_rng(0)
    node = helper.make_node(
        "Conv",
        ["x", "w", "b"],
        ["y"],
        "conv",
        group=group,
        kernel_shape=[3, 3],
        pads=[1, 1, 1, 1],
        strides=[2, 1],
        dilations=[dil, dil],
    )
    inits = [onnx_init(rng, "w", (cout, cin // group, 3, 3)), onnx_init(rng, "b", (cout,))]
    _check(onnx_model([node], [("x", (2, cin, 7, 6))], ["y"], inits), {"x": (2, cin, 7, 6)})


def test_conv_and_gemm_with_weights_as_graph_inputs():
    nodes = [
        helper.make_node("Conv", ["x", "w", "b"], ["c"], "conv", kernel_shape=[3, 3]),
        helper.make_node("Flatten", ["c"], ["f"]),
        helper.make_node("Gemm", ["f", "w2", "b2"], ["y"], "fc", transB=1, beta=0.5),
    ]
    shapes = {"x": (2, 3, 5, 5), "w": (4, 3, 3, 3), "b": (4,), "w2": (5, 36), "b2": (2, 5)}
    _check(onnx_model(nodes, list(shapes.items()), ["y"], []), shapes)


@pytest.mark.parametrize(
    "a,b",
    [((2, 3, 4, 5), (5, 6)), ((2, 1, 4, 5), (3, 5, 6)), ((5,), (2, 5, 3)), ((2, 3, 5), (5,))],
    ids=["nd-2d", "broadcast", "1d-3d", "3d-1d"],
)
def test_batched_matmul_broadcasts(a, b):
    node = helper.make_node("MatMul", ["a", "b"], ["y"], "mm")
    _check(onnx_model([node], [("a", a), ("b", b)], ["y"], []), {"a": a, "b": b})


@pytest.mark.parametrize("op", ["Softmax", "LogSoftmax"])
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_on_any_axis(op, axis):
    node = helper.make_node(op, ["x"], ["y"], "sm", axis=axis)
    _check(onnx_model([node], [("x", (3, 4, 5))], ["y"], []), {"x": (3, 4, 5)})


@pytest.mark.parametrize(
    "op,attrs",
    [
        ("MaxPool", dict(kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1)),
        ("AveragePool", dict(kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1)),
        ("MaxPool", dict(kernel_shape=[3, 2], strides=[2, 2], auto_pad="SAME_UPPER")),
        ("AveragePool", dict(kernel_shape=[2, 3], strides=[1, 2], auto_pad="SAME_LOWER")),
    ],
    ids=["max-ceil", "avg-ceil", "max-same-upper", "avg-same-lower"],
)
def test_pooling_with_ceil_mode_and_same_padding(op, attrs):
    node = helper.make_node(op, ["x"], ["y"], "pool", **attrs)
    _check(onnx_model([node], [("x", (1, 2, 8, 7))], ["y"], []), {"x": (1, 2, 8, 7)})
