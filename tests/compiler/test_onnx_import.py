"""ONNX import, checked against onnxruntime on models built with onnx.helper."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import helper, numpy_helper

from compiler.onnx_import import import_onnx
from compiler.passes.pipeline import graph_passes
from compiler.reference import run
from tests.compiler.onnx_models import onnx_init
from tests.compiler.onnx_models import onnx_model as _model

ort = pytest.importorskip("onnxruntime", reason="onnxruntime is a test dependency")
RNG = np.random.default_rng(0)


def _init(name: str, shape: tuple[int, ...], scale: float = 0.5) -> onnx.TensorProto:
    return onnx_init(RNG, name, shape, scale)


def _compare(model: onnx.ModelProto, feeds: dict[str, np.ndarray], tol: float = 1e-5) -> None:
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    want = dict(zip([o.name for o in sess.get_outputs()], sess.run(None, feeds), strict=True))
    graph = import_onnx(model)
    for g in (graph, graph_passes(graph, verify=True)):  # composite and decomposed forms
        got = run(g, feeds)
        for name, w in want.items():
            np.testing.assert_allclose(got[name], w, rtol=tol, atol=tol, err_msg=name)


def test_mlp_matches_onnxruntime() -> None:
    nodes = [
        helper.make_node("Gemm", ["x", "w1", "b1"], ["h1"], "fc1", transB=1),
        helper.make_node("Relu", ["h1"], ["a1"], "relu1"),
        helper.make_node("Gemm", ["a1", "w2", "b2"], ["h2"], "fc2", alpha=0.5, beta=2.0),
        helper.make_node("LeakyRelu", ["h2"], ["a2"], "lrelu", alpha=0.2),
        helper.make_node("Sub", ["a2", "c"], ["s"], "sub"),
        helper.make_node("Mul", ["k", "s"], ["m"], "mul"),
        helper.make_node("Tanh", ["m"], ["t"], "tanh"),
        helper.make_node("Sigmoid", ["t"], ["sg"], "sig"),
        helper.make_node("MatMul", ["sg", "w3"], ["z"], "mm"),
        helper.make_node("Softmax", ["z"], ["p"], "softmax", axis=-1),
        helper.make_node("LogSoftmax", ["z"], ["lp"], "logsoftmax", axis=1),
    ]
    inits = [
        _init("w1", (16, 20)),
        _init("b1", (16,)),
        _init("w2", (16, 12)),
        _init("b2", (1, 12)),
        _init("c", (12,)),
        _init("k", (1,)),
        _init("w3", (12, 5)),
    ]
    model = _model(nodes, [("x", (4, 20))], ["p", "lp"], inits)
    _compare(model, {"x": RNG.standard_normal((4, 20)).astype(np.float32)})


def test_cnn_with_padding_stride_pooling_batch_norm_matches_onnxruntime() -> None:
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
            ["p1", "cw2"],
            ["c2"],
            "conv2",
            kernel_shape=[3, 3],
            strides=[2, 2],
            pads=[0, 1, 1, 0],
        ),
        helper.make_node("Add", ["c2", "chan_bias"], ["c2b"], "chan_bias"),
        helper.make_node(
            "AveragePool",
            ["c2b"],
            ["p2"],
            "pool2",
            kernel_shape=[2, 2],
            strides=[1, 1],
            pads=[1, 1, 0, 0],
        ),
        helper.make_node(
            "AveragePool",
            ["c2b"],
            ["p3"],
            "pool3",
            kernel_shape=[2, 2],
            pads=[1, 1, 1, 1],
            count_include_pad=1,
        ),
        helper.make_node("LeakyRelu", ["p2"], ["l2"], "lrelu"),
        helper.make_node("Flatten", ["l2"], ["f"], "flatten"),
        helper.make_node("Gemm", ["f", "fw", "fb"], ["logits"], "fc", transB=1),
    ]
    inits = [
        _init("cw1", (c, 3, 3, 3)),
        _init("cb1", (c,)),
        _init("g", (c,)),
        _init("beta", (c,)),
        _init("mean", (c,)),
        numpy_helper.from_array(RNG.uniform(0.5, 2, c).astype(np.float32), "var"),
        _init("cw2", (4, c, 3, 3)),
        _init("chan_bias", (4, 1, 1)),
        _init("fw", (10, 4 * 2 * 2)),
    ]
    inits.append(_init("fb", (10,)))
    model = _model(nodes, [("x", (2, 3, 10, 10))], ["logits", "p3"], inits)
    _compare(model, {"x": RNG.standard_normal((2, 3, 10, 10)).astype(np.float32)})


@pytest.mark.parametrize("op", ["LSTM", "GRU", "GRU_lbr", "RNN"])
def test_recurrent_matches_onnxruntime(op: str) -> None:
    steps, batch, feat, hid = 5, 3, 4, 6
    gates = {"LSTM": 4, "GRU": 3, "GRU_lbr": 3, "RNN": 1}[op]
    extra = {"linear_before_reset": 1} if op == "GRU_lbr" else {}
    nodes = [
        helper.make_node(
            op.split("_")[0], ["x", "W", "R", "B"], ["Y", "Y_h"], "rnn", hidden_size=hid, **extra
        ),
        helper.make_node("Reshape", ["Y_h", "shape"], ["h"], "reshape"),
        helper.make_node("Gemm", ["h", "fw"], ["logits"], "fc"),
    ]
    inits = [
        _init("W", (1, gates * hid, feat)),
        _init("R", (1, gates * hid, hid)),
        _init("B", (1, 2 * gates * hid)),
        _init("fw", (hid, 3)),
        numpy_helper.from_array(np.array([batch, hid], np.int64), "shape"),
    ]
    model = _model(nodes, [("x", (steps, batch, feat))], ["logits", "Y"], inits)
    _compare(model, {"x": RNG.standard_normal((steps, batch, feat)).astype(np.float32)})


def test_small_residual_net_matches_onnxruntime() -> None:
    def conv(name, x, w, out, k=3):
        return helper.make_node("Conv", [x, w], [out], name, kernel_shape=[k, k], pads=[k // 2] * 4)

    nodes = [
        conv("stem", "x", "w0", "s"),
        helper.make_node("Relu", ["s"], ["s_r"], "stem_relu"),
        conv("b1", "s_r", "w1", "h1"),
        helper.make_node("Relu", ["h1"], ["h1_r"], "b1_relu"),
        conv("b2", "h1_r", "w2", "h2"),
        helper.make_node("Add", ["h2", "s_r"], ["res"], "residual"),
        helper.make_node("Relu", ["res"], ["res_r"], "res_relu"),
        conv("side", "s_r", "w3", "side", k=1),
        helper.make_node("Concat", ["res_r", "side"], ["cat"], "concat", axis=1),
        helper.make_node("GlobalAveragePool", ["cat"], ["gap"], "gap"),
        helper.make_node("Flatten", ["gap"], ["f"], "flatten"),
        helper.make_node("Gemm", ["f", "fw", "fb"], ["logits"], "fc"),
        helper.make_node("Transpose", ["res_r"], ["t"], "transpose", perm=[0, 2, 3, 1]),
        helper.make_node("Reshape", ["t", "shape"], ["rt"], "reshape"),
    ]
    inits = [
        _init("w0", (4, 2, 3, 3)),
        _init("w1", (4, 4, 3, 3)),
        _init("w2", (4, 4, 3, 3)),
        _init("w3", (2, 4, 1, 1)),
        _init("fw", (6, 5)),
        _init("fb", (5,)),
        numpy_helper.from_array(np.array([0, -1], np.int64), "shape"),
    ]
    model = _model(nodes, [("x", (2, 2, 6, 6))], ["logits", "rt"], inits)
    _compare(model, {"x": RNG.standard_normal((2, 2, 6, 6)).astype(np.float32)})


def test_imported_model_trains_and_file_path_works(tmp_path) -> None:
    from compiler.train import SGD, TrainSpec

    nodes = [helper.make_node("Gemm", ["x", "w", "b"], ["y"], "fc")]
    model = _model(nodes, [("x", (2, 3))], ["y"], [_init("w", (3, 4)), _init("b", (4,))])
    path = tmp_path / "fc.onnx"
    onnx.save(model, str(path))
    step = graph_passes(import_onnx(path), train=TrainSpec("mse", SGD()), verify=True)
    assert set(step.updates) == {"w", "b"}


def test_unsupported_op_names_node_op_and_where_the_supported_ones_are() -> None:
    nodes = [helper.make_node("Cos", ["x"], ["y"], "my_cos")]
    model = _model(nodes, [("x", (2, 3))], ["y"], [])
    with pytest.raises(
        ValueError,
        match=r"ONNX node 'my_cos' \(Cos\): op type 'Cos' is not supported "
        r"\(docs/lowering.md lists the supported ones\)",
    ):
        import_onnx(model)


def test_unsupported_attribute_names_node_and_value() -> None:
    nodes = [
        helper.make_node("LSTM", ["x", "w", "r"], ["y"], "lstm", hidden_size=2, input_forget=1)
    ]
    model = _model(nodes, [("x", (3, 1, 4)), ("w", (1, 8, 4)), ("r", (1, 8, 2))], ["y"], [])
    with pytest.raises(
        ValueError,
        match=r"ONNX node 'lstm' \(LSTM\): attribute input_forget=1 is "
        r"not supported \(only 0\)",
    ):
        import_onnx(model)


def test_dynamic_shapes_are_rejected_unless_batch_is_given() -> None:
    nodes = [helper.make_node("Relu", ["x"], ["y"], "relu")]
    model = _model(nodes, [("x", ("N", 3))], ["y"], [])
    with pytest.raises(ValueError, match=r"graph input 'x': dimension 0 is dynamic \(N\)"):
        import_onnx(model)
    assert import_onnx(model, batch=5).inputs["x"].shape == (5, 3)
    reshape = [helper.make_node("Reshape", ["x", "s"], ["y"], "dyn_reshape")]
    dyn = _model(reshape, [("x", (2, 3)), ("s", (2,))], ["y"], [])
    with pytest.raises(
        ValueError,
        match=r"'dyn_reshape' \(Reshape\): shape 's' is a graph input the chip needs at "
        r"compile time; bind its value",
    ):
        import_onnx(dyn)
    bound = import_onnx(dyn, bind={"s": np.array([3.0, 2.0])})
    assert set(bound.inputs) == {"x"} and bound[bound.outputs["y"]].shape == (3, 2)


def test_shape_errors_inside_import_name_the_node() -> None:
    nodes = [helper.make_node("MatMul", ["x", "w"], ["y"], "bad_mm")]
    model = _model(nodes, [("x", (2, 3))], ["y"], [_init("w", (4, 5))])
    with pytest.raises(ValueError, match=r"ONNX node 'bad_mm' \(MatMul\): .*inner dimensions"):
        import_onnx(model)


def test_exporter_shape_arithmetic_is_folded_at_import() -> None:
    """x.view(x.size(0), -1) as exporters write it: Shape, Gather, Unsqueeze, Concat, Reshape
    (of a conv output, so Shape must report the NCHW shape of an NHWC value)."""
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], "conv", kernel_shape=[1, 1]),
        helper.make_node("Dropout", ["c"], ["d"], "dropout"),
        helper.make_node("Shape", ["d"], ["s"], "shape"),
        helper.make_node("Gather", ["s", "zero"], ["n"], "gather", axis=0),
        helper.make_node("Unsqueeze", ["n", "axes"], ["n1"], "unsqueeze"),
        helper.make_node("Concat", ["n1", "minus_one"], ["target"], "concat", axis=0),
        helper.make_node("Reshape", ["d", "target"], ["y"], "reshape"),
    ]
    inits = [
        _init("w", (3, 2, 1, 1)),
        numpy_helper.from_array(np.array(0, np.int64), "zero"),
        numpy_helper.from_array(np.array([0], np.int64), "axes"),
        numpy_helper.from_array(np.array([-1], np.int64), "minus_one"),
    ]
    model = _model(nodes, [("x", (2, 2, 3, 4))], ["y"], inits)
    _compare(model, {"x": RNG.standard_normal((2, 2, 3, 4)).astype(np.float32)})
