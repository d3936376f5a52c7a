"""Building blocks for ONNX test models, shared by the importer and the on-chip ONNX tests."""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def onnx_init(
    rng: np.random.Generator, name: str, shape: tuple[int, ...], scale: float = 0.5
) -> onnx.TensorProto:
    """A float32 initializer of normal values times ``scale``."""
    return numpy_helper.from_array((rng.standard_normal(shape) * scale).astype(np.float32), name)


def onnx_model(nodes, inputs, outputs, inits) -> onnx.ModelProto:
    """An opset-17 model of float32 ``inputs`` [(name, shape)] and ``outputs`` [name]."""
    graph = helper.make_graph(
        nodes,
        "test",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in inputs],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in outputs],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model


def quant_mlp(rng: np.random.Generator, batch: int = 8) -> tuple[onnx.ModelProto, dict]:
    """Gemm (transB) -> Relu -> Gemm -> Relu -> MatMul: the MLP that onnxruntime's static
    quantizer turns entirely into integer ops (QGemm, QLinearMatMul)."""
    nodes = [
        helper.make_node("Gemm", ["x", "w1", "b1"], ["h1"], "fc1", transB=1),
        helper.make_node("Relu", ["h1"], ["a1"], "relu1"),
        helper.make_node("Gemm", ["a1", "w2", "b2"], ["h2"], "fc2"),
        helper.make_node("Relu", ["h2"], ["a2"], "relu2"),
        helper.make_node("MatMul", ["a2", "w3"], ["logits"], "mm"),
    ]
    inits = [
        onnx_init(rng, "w1", (24, 20)),
        onnx_init(rng, "b1", (24,)),
        onnx_init(rng, "w2", (24, 12)),
        onnx_init(rng, "b2", (12,)),
        onnx_init(rng, "w3", (12, 5)),
    ]
    return onnx_model(nodes, [("x", (batch, 20))], ["logits"], inits), {"x": (batch, 20)}


def quant_cnn(rng: np.random.Generator, batch: int = 4) -> tuple[onnx.ModelProto, dict]:
    """Conv (padding) -> BatchNorm -> Relu -> MaxPool -> Conv (stride, asymmetric padding) ->
    AveragePool (padding, per-position counts) -> Flatten -> Gemm."""
    c = 8
    nodes = [
        helper.make_node(
            "Conv", ["x", "cw1", "cb1"], ["c1"], "conv1", kernel_shape=[3, 3], pads=[1, 1, 1, 1]
        ),
        helper.make_node(
            "BatchNormalization", ["c1", "g", "beta", "mean", "var"], ["bn"], "bn", epsilon=1e-3
        ),
        helper.make_node("Relu", ["bn"], ["r1"], "relu1"),
        helper.make_node("MaxPool", ["r1"], ["p1"], "pool1", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node(
            "Conv",
            ["p1", "cw2", "cb2"],
            ["c2"],
            "conv2",
            kernel_shape=[3, 3],
            strides=[2, 2],
            pads=[0, 1, 1, 0],
        ),
        helper.make_node(
            "AveragePool",
            ["c2"],
            ["p2"],
            "pool2",
            kernel_shape=[2, 2],
            strides=[1, 1],
            pads=[1, 1, 0, 0],
        ),
        helper.make_node("Flatten", ["p2"], ["f"], "flatten"),
        helper.make_node("Gemm", ["f", "fw", "fb"], ["logits"], "fc", transB=1),
    ]
    inits = [
        onnx_init(rng, "cw1", (c, 3, 3, 3)),
        onnx_init(rng, "cb1", (c,)),
        onnx_init(rng, "g", (c,)),
        onnx_init(rng, "beta", (c,)),
        onnx_init(rng, "mean", (c,)),
        numpy_helper.from_array(rng.uniform(0.5, 2, c).astype(np.float32), "var"),
        onnx_init(rng, "cw2", (4, c, 3, 3)),
        onnx_init(rng, "cb2", (4,)),
        onnx_init(rng, "fw", (10, 4 * 2 * 2)),
        onnx_init(rng, "fb", (10,)),
    ]
    shape = (batch, 3, 10, 10)
    return onnx_model(nodes, [("x", shape)], ["logits"], inits), {"x": shape}


def quant_residual(rng: np.random.Generator, batch: int = 4) -> tuple[onnx.ModelProto, dict]:
    """Conv stem -> two convs -> residual Add -> Relu, a 1x1 side conv, Concat,
    GlobalAveragePool, Flatten, Gemm."""

    def conv(name, x, w, out, k=3):
        return helper.make_node("Conv", [x, w], [out], name, kernel_shape=[k, k], pads=[k // 2] * 4)

    nodes = [
        conv("stem", "x", "w0", "s"),
        helper.make_node("Relu", ["s"], ["s_r"], "r0"),
        conv("b1", "s_r", "w1", "h1"),
        helper.make_node("Relu", ["h1"], ["h1_r"], "r1"),
        conv("b2", "h1_r", "w2", "h2"),
        helper.make_node("Add", ["h2", "s_r"], ["res"], "residual"),
        helper.make_node("Relu", ["res"], ["res_r"], "r2"),
        conv("side", "s_r", "w3", "side", k=1),
        helper.make_node("Concat", ["res_r", "side"], ["cat"], "concat", axis=1),
        helper.make_node("GlobalAveragePool", ["cat"], ["gap"], "gap"),
        helper.make_node("Flatten", ["gap"], ["f"], "flatten"),
        helper.make_node("Gemm", ["f", "fw", "fb"], ["logits"], "fc"),
    ]
    inits = [
        onnx_init(rng, "w0", (4, 2, 3, 3)),
        onnx_init(rng, "w1", (4, 4, 3, 3)),
        onnx_init(rng, "w2", (4, 4, 3, 3)),
        onnx_init(rng, "w3", (2, 4, 1, 1)),
        onnx_init(rng, "fw", (6, 5)),
        onnx_init(rng, "fb", (5,)),
    ]
    shape = (batch, 2, 6, 6)
    return onnx_model(nodes, [("x", shape)], ["logits"], inits), {"x": shape}


def lstm_head(rng: np.random.Generator, batch: int = 3) -> tuple[onnx.ModelProto, dict]:
    """LSTM over 5 steps -> last hidden state -> Gemm."""
    steps, feat, hid = 5, 4, 6
    nodes = [
        helper.make_node("LSTM", ["x", "W", "R", "B"], ["Y", "Y_h"], "lstm", hidden_size=hid),
        helper.make_node("Reshape", ["Y_h", "shape"], ["h"], "reshape"),
        helper.make_node("Gemm", ["h", "fw"], ["logits"], "fc"),
    ]
    inits = [
        onnx_init(rng, "W", (1, 4 * hid, feat)),
        onnx_init(rng, "R", (1, 4 * hid, hid)),
        onnx_init(rng, "B", (1, 8 * hid)),
        onnx_init(rng, "fw", (hid, 3)),
        numpy_helper.from_array(np.array([batch, hid], np.int64), "shape"),
    ]
    shape = (steps, batch, feat)
    return onnx_model(nodes, [("x", shape)], ["logits"], inits), {"x": shape}
