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


def _check(model, shapes: dict[str, tuple[int, ...]], tol: float = 1e-5, onnx_ref=False) -> None:
    """Chip vs onnxruntime (``onnx_ref``: ONNX's reference evaluator, for what onnxruntime
    does not implement)."""
    rng = np.random.default_rng(1)
    feeds = {k: rng.standard_normal(s).astype(np.float32) for k, s in shapes.items()}
    if onnx_ref:
        from onnx.reference import ReferenceEvaluator

        outs = ReferenceEvaluator(model).run(None, feeds)
        want = dict(zip([o.name for o in model.graph.output], outs, strict=True))
    else:
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
    [
        ((2, 3, 4, 5), (5, 6)),
        ((2, 1, 4, 5), (3, 5, 6)),
        ((5,), (2, 5, 3)),
        ((2, 3, 5), (5,)),
        ((7,), (7,)),
    ],
    ids=["nd-2d", "broadcast", "1d-3d", "3d-1d", "1d-1d"],
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


def _model20(nodes, inputs, outputs, inits):
    model = onnx_model(nodes, inputs, outputs, inits)
    model.opset_import[0].version = 20
    model.ir_version = 9
    return model


@pytest.mark.parametrize(
    "op,attrs,extra",
    [
        ("Erf", {}, []),
        ("Gelu", {}, []),
        ("Gelu", dict(approximate="tanh"), []),
        ("Neg", {}, []),
        ("Abs", {}, []),
        ("Exp", {}, []),
        ("HardSigmoid", dict(alpha=0.3, beta=0.4), []),
        ("HardSwish", {}, []),
        ("Elu", dict(alpha=0.7), []),
        ("Softplus", {}, []),
        ("Clip", {}, ["lo", "hi"]),
        ("PRelu", {}, ["slope"]),
        ("Pow", {}, ["two"]),
        ("Pow", {}, ["half_power"]),
        ("Div", {}, ["divisor"]),
        ("Max", {}, ["lo"]),
        ("Min", {}, ["hi", "hi"]),
        ("Mean", {}, ["slope"]),
    ],
)
def test_unary_math_and_activations(op, attrs, extra):
    consts = {
        "lo": np.array(-0.5, np.float32),
        "hi": np.array(0.8, np.float32),
        "slope": np.array([[0.1], [0.2], [-0.3]], np.float32),
        "two": np.array(2.0, np.float32),
        "half_power": np.array(0.5, np.float32),
        "divisor": np.array([1.5, -2.0, 4.0, 0.5], np.float32),
    }
    from onnx import numpy_helper

    inits = [numpy_helper.from_array(consts[k], k) for k in dict.fromkeys(extra)]
    node = helper.make_node(op, ["x", *extra], ["y"], "op", **attrs)
    shape = (2, 3, 4)
    model = _model20([node], [("x", shape)], ["y"], inits)
    if op == "Pow" and extra == ["half_power"]:  # a fractional power of positive values
        model.graph.node.insert(0, helper.make_node("Exp", ["x0"], ["x"]))
        model.graph.input[0].name = "x0"
        _check(model, {"x0": shape})
        return
    _check(model, {"x": shape})


def test_transformer_block_pieces():
    """Q K^T / sqrt(d), a causal mask by Where, softmax, LayerNormalization, ReduceMean."""
    rng = np.random.default_rng(0)
    t, d = 4, 8
    causal = np.tril(np.ones((t, t), dtype=bool))
    from onnx import numpy_helper

    nodes = [
        helper.make_node("MatMul", ["x", "wq"], ["q"]),
        helper.make_node("MatMul", ["x", "wk"], ["k"]),
        helper.make_node("Transpose", ["k"], ["kt"], perm=[0, 2, 1]),
        helper.make_node("MatMul", ["q", "kt"], ["s"]),
        helper.make_node("Div", ["s", "scale"], ["ss"]),
        helper.make_node("Where", ["mask", "ss", "neg"], ["sm"]),
        helper.make_node("Softmax", ["sm"], ["p"], axis=-1),
        helper.make_node("MatMul", ["p", "x"], ["a"]),
        helper.make_node("LayerNormalization", ["a", "g", "bb"], ["ln"], axis=-1, epsilon=1e-5),
        helper.make_node("ReduceMean", ["ln", "axes"], ["y"], keepdims=1),
    ]
    inits = [
        onnx_init(rng, "wq", (d, d)),
        onnx_init(rng, "wk", (d, d)),
        numpy_helper.from_array(np.array(np.sqrt(d), np.float32), "scale"),
        numpy_helper.from_array(causal, "mask"),
        numpy_helper.from_array(np.array(-1e9, np.float32), "neg"),
        onnx_init(rng, "g", (d,)),
        onnx_init(rng, "bb", (d,)),
        numpy_helper.from_array(np.array([1], np.int64), "axes"),
    ]
    model = onnx_model(nodes, [("x", (2, t, d))], ["y", "p"], inits)
    model.opset_import[0].version = 18
    _check(model, {"x": (2, t, d)})


def test_data_movement_on_activations():
    """Slice, Gather, Split, Unsqueeze, Squeeze, Expand, Pad, Concat on run-time tensors."""
    from onnx import numpy_helper

    def ints(name, values):
        return numpy_helper.from_array(np.array(values, np.int64), name)

    nodes = [
        helper.make_node("Slice", ["x", "st", "en", "ax", "sp"], ["s"]),
        helper.make_node("Gather", ["x", "idx"], ["g"], axis=2),
        helper.make_node("Split", ["x", "parts"], ["p0", "p1"], axis=1),
        helper.make_node("Unsqueeze", ["p0", "ax0"], ["u"]),
        helper.make_node("Squeeze", ["u", "ax0"], ["q"]),
        helper.make_node("Expand", ["b1", "shp"], ["e"]),
        helper.make_node("Pad", ["x", "pads", "pv"], ["pd"], mode="constant"),
        helper.make_node("ReduceMax", ["x"], ["rm"], axes=[0, 2], keepdims=0),
        helper.make_node("GlobalMaxPool", ["x4"], ["gm"]),
    ]
    inits = [
        ints("st", [0, 1]),
        ints("en", [2, 10]),
        ints("ax", [0, 2]),
        ints("sp", [1, 2]),
        ints("idx", [[3, 0], [1, 1]]),
        ints("parts", [1, 2]),
        ints("ax0", [0]),
        ints("shp", [2, 3, 4]),
        ints("pads", [0, 1, 0, 0, 2, 1]),
        numpy_helper.from_array(np.array(0.5, np.float32), "pv"),
    ]
    model = onnx_model(
        nodes,
        [("x", (2, 3, 5)), ("b1", (3, 1)), ("x4", (1, 2, 3, 3))],
        ["s", "g", "p1", "q", "e", "pd", "rm", "gm"],
        inits,
    )
    model.opset_import[0].version = 17
    _check(model, {"x": (2, 3, 5), "b1": (3, 1), "x4": (1, 2, 3, 3)})


def test_imported_compositions_differentiate_through_the_rule_table():
    """The new ops are built from primitives: autodiff's gradients of a loss over them match
    central differences (float64 reference evaluation)."""
    from compiler.autodiff import gradients
    from compiler.ir import Op
    from compiler.ir_builder import IRBuilder
    from compiler.passes.decompose import decompose
    from compiler.reference import evaluate

    rng = np.random.default_rng(0)
    nodes = [
        helper.make_node("MatMul", ["x", "w"], ["h"]),
        helper.make_node("Gelu", ["h"], ["a"]),
        helper.make_node("LayerNormalization", ["a", "g"], ["n"], axis=-1),
        helper.make_node("HardSwish", ["n"], ["s"]),
        helper.make_node("Pad", ["s", "pads"], ["p"]),
        helper.make_node("ReduceMean", ["p", "axes"], ["y"], keepdims=0),
    ]
    from onnx import numpy_helper

    inits = [
        onnx_init(rng, "w", (3, 4)),
        onnx_init(rng, "g", (4,)),
        numpy_helper.from_array(np.array([0, 1, 0, 2], np.int64), "pads"),
        numpy_helper.from_array(np.array([1], np.int64), "axes"),
    ]
    model = _model20(nodes, [("x", (2, 3))], ["y"], inits)
    graph = import_onnx(model)
    x = rng.standard_normal((2, 3))
    b = IRBuilder.extend(graph)
    weights = b.const("loss_w", rng.standard_normal((1, 2)))
    flat = b.reshape(b.add(Op.MUL, (b.reshape(graph.outputs["y"], (1, 2)), weights)), (1, 2))
    loss = b.reshape(b.add(Op.REDUCE_SUM, (flat,), axis=-1), (1,))
    g = decompose(b.build({"loss": loss}))
    params = g.sources(Op.PARAM)
    gg, grads = gradients(g, g.outputs["loss"], [p.id for p in params.values()])
    gg = gg.replace(outputs={f"d_{k}": grads[p.id] for k, p in params.items()})
    analytic = evaluate(gg, {"x": x}).outputs
    for name in params:
        base = np.asarray(g.params[name], np.float64)
        numeric = np.zeros_like(base)
        for idx in np.ndindex(base.shape):
            vals = []
            for sign in (1.0, -1.0):
                p = base.copy()
                p[idx] += sign * 1e-6
                vals.append(evaluate(g, {"x": x}, params={name: p}).outputs["loss"][0])
            numeric[idx] = (vals[0] - vals[1]) / 2e-6
        np.testing.assert_allclose(analytic[f"d_{name}"], numeric, rtol=1e-4, atol=1e-6)


def test_docs_list_every_supported_op_as_the_table_says():
    from pathlib import Path

    from compiler.onnx_handlers import HANDLERS, supported_ops_markdown

    doc = (Path(__file__).parents[2] / "docs" / "lowering.md").read_text()
    start = doc.index("<!-- generated: supported ops -->\n") + len(
        "<!-- generated: supported ops -->\n"
    )
    end = doc.index("\n<!-- end generated -->")
    assert doc[start:end] == supported_ops_markdown(), "regenerate docs/lowering.md's op table"
    assert all(f"| {op} |" in doc for op in HANDLERS)


@pytest.mark.parametrize("op", ["RNN", "GRU", "LSTM"])
@pytest.mark.parametrize(
    "direction,layout,runtime_weights",
    [("reverse", 0, False), ("bidirectional", 1, False), ("bidirectional", 0, True)],
    ids=["reverse", "bidi-batch-first", "bidi-weights-as-inputs"],
)
def test_recurrent_directions_layouts_and_zero_initial_state(
    op, direction, layout, runtime_weights
):
    from onnx import numpy_helper

    rng = np.random.default_rng(0)
    steps, batch, feat, hid = 4, 2, 3, 5
    dirs = 2 if direction == "bidirectional" else 1
    gates = {"LSTM": 4, "GRU": 3, "RNN": 1}[op]
    weights = {
        "W": (dirs, gates * hid, feat),
        "R": (dirs, gates * hid, hid),
        "B": (dirs, 2 * gates * hid),
    }
    h0_shape = (batch, dirs, hid) if layout else (dirs, batch, hid)
    inputs = ["x", "W", "R", "B", "", "h0"] + (["h0"] if op == "LSTM" else [])
    outs = ["Y", "Y_h"] + (["Y_c"] if op == "LSTM" else [])  # Y_c: the last cell state
    node = helper.make_node(
        op, inputs, outs, "rec", hidden_size=hid, direction=direction, layout=layout
    )
    # y[:, -1] of a batch-first export: the last step of Y, a Gather on the activation
    last = helper.make_node("Gather", ["Y", "minus_one"], ["last"], axis=1 if layout else 0)
    x_shape = (batch, steps, feat) if layout else (steps, batch, feat)
    inits = [
        numpy_helper.from_array(np.zeros(h0_shape, np.float32), "h0"),
        numpy_helper.from_array(np.array(-1, np.int64), "minus_one"),
    ]
    graph_inputs = [("x", x_shape)]
    if runtime_weights:
        graph_inputs += list(weights.items())
    else:
        inits += [onnx_init(rng, k, s) for k, s in weights.items()]
    model = onnx_model([node, last], graph_inputs, [*outs, "last"], inits)
    _check(model, dict(graph_inputs), onnx_ref=layout == 1)  # onnxruntime lacks layout 1


def test_shape_arithmetic_on_constants_folds_with_onnx_reference_ops():
    """Shape -> Gather -> Mod/Range/ConstantOfShape/Concat -> a Reshape target: folded."""
    from onnx import numpy_helper

    def ints(name, values):
        return numpy_helper.from_array(np.array(values, np.int64), name)

    nodes = [
        helper.make_node("Shape", ["x"], ["s"]),
        helper.make_node("Gather", ["s", "one"], ["d1"], axis=0),  # 6
        helper.make_node("Mod", ["d1", "four"], ["m"]),  # 2
        helper.make_node("Range", ["zero", "m", "one_s"], ["r"]),  # [0, 1]
        helper.make_node(
            "ConstantOfShape",
            ["len1"],
            ["c"],
            value=numpy_helper.from_array(np.array([3], np.int64)),
        ),  # [3]
        helper.make_node("Concat", ["c", "m1"], ["target"], axis=0),  # [3, 4]
        helper.make_node("Reshape", ["x", "target"], ["y"]),
    ]
    inits = [
        ints("one", 1),
        ints("four", 4),
        ints("zero", 0),
        ints("one_s", 1),
        ints("m1", [4]),
        ints("len1", [1]),
    ]
    model = onnx_model(nodes, [("x", (2, 6))], ["y", "r"], inits)
    graph = import_onnx(model)
    assert graph[graph.outputs["y"]].shape == (3, 4)
    np.testing.assert_array_equal(graph.consts["r.value"], [0, 1])
    x = np.arange(12, dtype=np.float32).reshape(2, 6)
    cfg = ChipConfig.from_toml("edge").replace(input_dtype=DType.FP32)
    got = run_on_chip(compile_lowered(graph, cfg), {"x": x})
    np.testing.assert_array_equal(got["y"], x.reshape(3, 4))
    np.testing.assert_array_equal(got["r"], [0, 1])


@pytest.mark.parametrize(
    "stride,pads,extra", [(1, [0, 0, 0, 0], [0, 0]), (2, [1, 0, 1, 1], [1, 0])]
)
def test_conv_transpose(stride, pads, extra):
    rng = np.random.default_rng(0)
    node = helper.make_node(
        "ConvTranspose",
        ["x", "w", "b"],
        ["y"],
        "up",
        strides=[stride, stride],
        pads=pads,
        output_padding=extra,
    )
    inits = [onnx_init(rng, "w", (3, 4, 3, 3)), onnx_init(rng, "b", (4,))]
    _check(onnx_model([node], [("x", (2, 3, 4, 5))], ["y"], inits), {"x": (2, 3, 4, 5)})


@pytest.mark.parametrize(
    "x_shape,w_shape,attrs",
    [
        ((2, 4, 3, 4), (4, 3, 2, 3), dict(group=2, dilations=[2, 1], strides=[2, 3])),
        ((1, 3, 4, 4), (3, 2, 3, 3), dict(strides=[2, 2], output_shape=[9, 8])),
        ((1, 2, 3, 3), (2, 2, 3, 2), dict(strides=[2, 1], auto_pad="SAME_LOWER")),
        ((2, 3, 7), (3, 2, 3), dict(strides=[2], pads=[1, 0], dilations=[2], output_padding=[1])),
        (
            (1, 4, 3, 4, 3),
            (4, 1, 3, 2, 2),
            dict(group=2, strides=[2, 1, 2], dilations=[2, 1, 1], pads=[1, 0, 0, 2, 1, 1]),
        ),
    ],
)
def test_conv_transpose_groups_dilations_and_output_shape(x_shape, w_shape, attrs):
    rng = np.random.default_rng(1)
    node = helper.make_node("ConvTranspose", ["x", "w", "b"], ["y"], "up", **attrs)
    cout = w_shape[1] * attrs.get("group", 1)
    inits = [onnx_init(rng, "w", w_shape), onnx_init(rng, "b", (cout,))]
    _check(onnx_model([node], [("x", x_shape)], ["y"], inits), {"x": x_shape})


@pytest.mark.parametrize(
    "ctm,rounding", [("half_pixel", "round_prefer_floor"), ("asymmetric", "floor")]
)
def test_resize_nearest_by_integer_scales(ctm, rounding):
    from onnx import numpy_helper

    scales = numpy_helper.from_array(np.array([1, 1, 2, 3], np.float32), "scales")
    node = helper.make_node(
        "Resize",
        ["x", "", "scales"],
        ["y"],
        "resize",
        mode="nearest",
        coordinate_transformation_mode=ctm,
        nearest_mode=rounding,
    )
    _check(onnx_model([node], [("x", (1, 2, 3, 4))], ["y"], [scales]), {"x": (1, 2, 3, 4)})


def test_rank_0_results_of_a_full_reduction_and_a_constant():
    from onnx import numpy_helper

    nodes = [
        helper.make_node("ReduceSum", ["x"], ["s"], "sum", keepdims=0),
        helper.make_node("ReduceMax", ["x"], ["m"], "max", keepdims=0),
        helper.make_node(
            "Constant", [], ["c"], value=numpy_helper.from_array(np.array(2.5, np.float32))
        ),
    ]
    _check(onnx_model(nodes, [("x", (3, 4))], ["s", "m", "c"], []), {"x": (3, 4)})


@pytest.mark.parametrize("x_shape", [(2, 3, 4, 5), (6, 3)], ids=["nchw", "nc"])
def test_batch_norm_training_mode_uses_batch_statistics_and_updates_the_running_ones(x_shape):
    node = helper.make_node(
        "BatchNormalization",
        ["x", "s", "b", "mean", "var"],
        ["y", "running_mean", "running_var"],
        "bn",
        training_mode=1,
        momentum=0.8,
        epsilon=1e-3,
    )
    shapes = {"x": x_shape, **{k: (3,) for k in ("s", "b", "mean", "var")}}
    model = onnx_model([node], list(shapes.items()), ["y", "running_mean", "running_var"], [])
    _check(model, shapes, onnx_ref=True)


def test_dropout_mask_in_inference_is_all_true():
    node = helper.make_node("Dropout", ["x"], ["y", "mask"], "drop")
    model = onnx_model([node], [("x", (3, 4))], ["y", "mask"], [])
    _check(model, {"x": (3, 4)}, onnx_ref=True)  # the helper declares every output float


@pytest.mark.parametrize("direction", ["forward", "reverse", "bidirectional"])
@pytest.mark.parametrize("op", ["RNN", "GRU", "LSTM"])
def test_recurrent_sequence_lens_shorter_than_the_sequence(op, direction):
    from onnx import numpy_helper

    rng = np.random.default_rng(3)
    steps, batch, feat, hid = 4, 3, 2, 5
    gates = {"LSTM": 4, "GRU": 3, "RNN": 1}[op]
    outs = ["Y", "Y_h"] + (["Y_c"] if op == "LSTM" else [])
    node = helper.make_node(
        op, ["x", "W", "R", "B", "lens"], outs, "rec", hidden_size=hid, direction=direction
    )
    dirs = 2 if direction == "bidirectional" else 1
    inits = [
        onnx_init(rng, "W", (dirs, gates * hid, feat)),
        onnx_init(rng, "R", (dirs, gates * hid, hid)),
        onnx_init(rng, "B", (dirs, 2 * gates * hid)),
        numpy_helper.from_array(np.array([4, 1, 3], np.int32), "lens"),
    ]
    model = onnx_model([node], [("x", (steps, batch, feat))], outs, inits)
    _check(model, {"x": (steps, batch, feat)})


@pytest.mark.parametrize("op", ["RNN", "GRU", "LSTM"])
@pytest.mark.parametrize(
    "direction,layout,runtime_states",
    [("forward", 0, True), ("bidirectional", 0, False), ("reverse", 1, True)],
    ids=["forward-input", "bidi-constant", "reverse-batch-first-input"],
)
def test_recurrent_initial_states_constant_or_input(op, direction, layout, runtime_states):
    rng = np.random.default_rng(6)
    steps, batch, feat, hid = 3, 2, 3, 4
    dirs = 2 if direction == "bidirectional" else 1
    gates = {"LSTM": 4, "GRU": 3, "RNN": 1}[op]
    state = (batch, dirs, hid) if layout else (dirs, batch, hid)
    names = ["h0"] + (["c0", "P"] if op == "LSTM" else [])  # LSTM: with peepholes too
    outs = ["Y", "Y_h"] + (["Y_c"] if op == "LSTM" else [])
    node = helper.make_node(
        op,
        ["x", "W", "R", "B", "", *names],
        outs,
        "rec",
        hidden_size=hid,
        direction=direction,
        layout=layout,
    )
    inits = [
        onnx_init(rng, "W", (dirs, gates * hid, feat)),
        onnx_init(rng, "R", (dirs, gates * hid, hid)),
        onnx_init(rng, "B", (dirs, 2 * gates * hid)),
    ]
    x_shape = (batch, steps, feat) if layout else (steps, batch, feat)
    inputs = [("x", x_shape)]
    shapes = {k: state for k in names} | {"P": (dirs, 3 * hid)}
    if runtime_states:
        inputs += [(k, shapes[k]) for k in names]
    else:
        inits += [onnx_init(rng, k, shapes[k]) for k in names]
    model = onnx_model([node], inputs, outs, inits)
    _check(model, dict(inputs), onnx_ref=layout == 1)  # onnxruntime lacks layout 1
