"""The model's integer tensors (int16, uint8/16/32, int64, uint64, bool graph inputs) held as
exact fp32 values on the chip: Add/Sub/Mul/Max/Min wrap as ONNX does, results that fp32 could
not hold exactly are refused at import, fed values past 2^22 when written. Expected values come
from ONNX's reference evaluator."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper
from onnx.reference import ReferenceEvaluator

from chip.config import ChipConfig
from chip.dtypes import DType
from chip.program import TensorRole
from compiler import compile_lowered
from compiler.onnx_import import OnnxError, import_onnx
from tests.compiler.lowering_helpers import run_on_chip

_T = TensorProto


def _model(nodes, inputs, outputs, out_type: int) -> onnx.ModelProto:
    graph = helper.make_graph(
        nodes,
        "ints",
        [helper.make_tensor_value_info(n, t, s) for n, t, s in inputs],
        [helper.make_tensor_value_info(n, out_type, None) for n in outputs],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 8
    return model


def _run(model: onnx.ModelProto, feeds: dict) -> dict:
    graph = import_onnx(model)
    cfg = ChipConfig.from_toml("edge").replace(input_dtype=DType.FP32)
    return run_on_chip(compile_lowered(graph, cfg), feeds)


@pytest.mark.parametrize(
    ("op", "elem", "np_type"),
    [
        ("Sub", _T.UINT8, np.uint8),
        ("Mul", _T.UINT8, np.uint8),
        ("Add", _T.INT16, np.int16),
        ("Sub", _T.UINT16, np.uint16),
        ("Add", _T.INT64, np.int64),
        ("Sub", _T.INT64, np.int64),
        ("Max", _T.UINT32, np.uint32),
        ("Min", _T.INT64, np.int64),
        ("Add", _T.INT8, np.int8),
        ("Mul", _T.INT8, np.int8),
        ("Div", _T.INT8, np.int8),
        ("Div", _T.INT32, np.int32),
        ("Div", _T.UINT16, np.uint16),
        ("Div", _T.INT64, np.int64),
    ],
)
def test_integer_ops_match_onnx_including_wrap_around(op, elem, np_type):
    rng = np.random.default_rng(0)
    info = np.iinfo(np_type)
    lo, hi = max(int(info.min), -(2**22)), min(int(info.max), 2**22)
    x = rng.integers(lo, hi, (3, 40), endpoint=True).astype(np_type)
    y = rng.integers(lo, hi, (3, 40), endpoint=True).astype(np_type)
    if np_type is np.uint8:  # the edges of the range, where the wrap shows
        x[0, :4], y[0, :4] = [0, 255, 3, 255], [255, 0, 200, 255]
    if np_type is np.int8:
        x[0, :4], y[0, :4] = [-128, -128, 127, -7], [-1, 127, 127, 2]
    if op == "Div":  # no zero divisor; exact quotients and remainders of either sign
        y[y == 0] = 1
        y[1, :5], x[1, :5] = [1, 2, 3, 7, 1], [7, 7, 9, 21, hi]
        if info.min < 0:
            y[2, :4], x[2, :4] = [-1, -3, 3, -2], [lo, 7, -7, -7]
    model = _model(
        [helper.make_node(op, ["x", "y"], ["z"])],
        [("x", elem, (3, 40)), ("y", elem, (3, 40))],
        ["z"],
        elem,
    )
    (want,) = ReferenceEvaluator(model).run(None, {"x": x, "y": y})
    got = _run(model, {"x": x, "y": y})["z"]
    np.testing.assert_array_equal(got.astype(np.float64), want.astype(np.float64))
    if np_type in (np.uint8, np.uint16) and op == "Sub":
        assert (want > x).any()  # some difference did wrap


def test_integer_data_moves_and_keeps_its_type():
    # int64 through a Reshape into an Add: typed and bounded as int64 all the way
    nodes = [
        helper.make_node("Reshape", ["x", "s"], ["r"]),
        helper.make_node("Add", ["r", "r"], ["z"]),
    ]
    model = _model(nodes, [("x", _T.INT64, (2, 6))], ["z"], _T.INT64)
    model.graph.initializer.append(onnx.numpy_helper.from_array(np.array([3, 4], np.int64), "s"))
    graph = import_onnx(model)
    assert graph.roles["x"] is TensorRole.INTEGER
    x = np.arange(-6, 6, dtype=np.int64).reshape(2, 6) * 699_050
    got = _run(model, {"x": x})["z"]
    np.testing.assert_array_equal(got, (x * 2).reshape(3, 4))


@pytest.mark.parametrize(
    ("nodes", "elem", "why"),
    [
        (
            [("Relu", ["x"], "z")],
            _T.INT64,
            "input 'x' is int64; Relu does not compute on int64 tensors",
        ),
        ([("Mul", ["x", "y"], "z")], _T.UINT16, "Mul of uint16 values up to 65535 and 65535"),
        ([("Sub", ["x", "y"], "z")], _T.UINT32, "a uint32 difference wraps below 0"),
        (
            [("Add", ["x", "y"], "t"), ("Add", ["t", "t"], "u"), ("Add", ["u", "x"], "z")],
            _T.INT64,
            "Add of int64 values up to 16777216 and 4194304",
        ),
        ([("Pow", ["x", "y"], "z")], _T.INT32, "base 'x' is an integer tensor"),
        ([("ReduceMean", ["x"], "z")], _T.INT64, "the mean of integers"),
    ],
)
def test_integer_ops_the_chip_cannot_do_exactly_are_refused_by_name(nodes, elem, why):
    made = [helper.make_node(op, ins, [out], f"n{k}") for k, (op, ins, out) in enumerate(nodes)]
    model = _model(made, [("x", elem, (2, 3)), ("y", elem, (2, 3))], ["z"], elem)
    with pytest.raises(OnnxError) as e:
        import_onnx(model)
    assert why in str(e.value).splitlines()[0]


@pytest.mark.parametrize(
    ("value", "why"),
    [
        (2**22 + 1, "exact up to 4194304; 4194305 is past it"),
        (2.5, "float64 values with fractions given"),
    ],
)
def test_a_fed_integer_the_chip_cannot_hold_exactly_is_refused(value, why):
    model = _model(
        [helper.make_node("Max", ["x", "y"], ["z"])],
        [("x", _T.INT64, (2,)), ("y", _T.INT64, (2,))],
        ["z"],
        _T.INT64,
    )
    with pytest.raises(ValueError, match=why):
        _run(model, {"x": np.array([1, value]), "y": np.array([0, 0], np.int64)})


def test_integer_reductions_are_exact_and_a_sum_that_could_pass_2_24_is_refused():
    rng = np.random.default_rng(3)
    x = rng.integers(-(2**22), 2**22, (4, 5), endpoint=True).astype(np.int64)
    nodes = [
        helper.make_node("ReduceMax", ["x"], ["hi"], axes=[1], keepdims=0),
        helper.make_node("ReduceMin", ["x"], ["lo"], axes=[0], keepdims=1),
    ]
    model = _model(nodes, [("x", _T.INT64, (4, 5))], ["hi", "lo"], _T.INT64)
    model.opset_import[0].version = 13
    got = _run(model, {"x": x})
    np.testing.assert_array_equal(got["hi"], x.max(axis=1))
    np.testing.assert_array_equal(got["lo"], x.min(axis=0, keepdims=True))
    total = _model(
        [helper.make_node("ReduceSum", ["x", "axes"], ["s"], "sum")],
        [("x", _T.INT64, (4, 5)), ("axes", _T.INT64, (1,))],
        ["s"],
        _T.INT64,
    )
    with pytest.raises(OnnxError, match=r"'sum' \(ReduceSum\): a sum of 5 values up to 4194304"):
        import_onnx(total, bind={"axes": np.array([1])})
    small = _model(
        [helper.make_node("ReduceSum", ["x", "axes"], ["s"], "sum")],
        [("x", _T.UINT8, (4, 5)), ("axes", _T.INT64, (1,))],
        ["s"],
        _T.UINT8,
    )
    assert import_onnx(small, bind={"axes": np.array([1])}).outputs


def test_an_empty_input_is_a_constant_folded_at_import():
    # ReduceSum/ReduceMax over an empty axis: zeros and -inf, ONNX's identities (no program input)
    nodes = [
        helper.make_node("ReduceSum", ["x", "axes"], ["s"], keepdims=1),
        helper.make_node("ReduceMax", ["x", "axes"], ["m"], keepdims=1),
    ]
    model = _model(
        nodes, [("x", _T.FLOAT, (2, 0, 3)), ("axes", _T.INT64, (1,))], ["s", "m"], _T.FLOAT
    )
    graph = import_onnx(model, bind={"axes": np.array([1])})
    assert not graph.inputs
    x = np.zeros((2, 0, 3), np.float32)
    want = ReferenceEvaluator(model).run(None, {"x": x, "axes": np.array([1])})
    got = _run_bound(model, {"axes": np.array([1])})
    np.testing.assert_array_equal(got["s"], want[0])
    np.testing.assert_array_equal(got["m"], want[1])


def _run_bound(model: onnx.ModelProto, bind: dict) -> dict:
    cfg = ChipConfig.from_toml("edge").replace(input_dtype=DType.FP32)
    return run_on_chip(compile_lowered(import_onnx(model, bind=bind), cfg), {})


def test_where_with_a_run_time_bool_condition_selects_without_leaking_inf():
    rng = np.random.default_rng(4)
    cond = rng.integers(0, 2, (3, 8)).astype(bool)
    a = rng.standard_normal((3, 8)).astype(np.float32)
    c = np.where(cond, np.inf, -1.5).astype(np.float32)  # inf only where it is not selected
    a[~cond] = np.nan
    model = _model(
        [helper.make_node("Where", ["m", "a", "c"], ["z"])],
        [("m", _T.BOOL, (3, 8)), ("a", _T.FLOAT, (3, 8)), ("c", _T.FLOAT, (3, 8))],
        ["z"],
        _T.FLOAT,
    )
    got = _run(model, {"m": cond, "a": a, "c": c})["z"]
    np.testing.assert_array_equal(got, np.where(cond, a, c))


def test_systolic_run_refuses_a_fed_integer_past_the_limit_in_one_line(capsys, tmp_path):
    from runtime.cli import main

    model = _model(
        [helper.make_node("Add", ["x", "y"], ["z"])],
        [("x", _T.INT64, (2, 3)), ("y", _T.INT64, (2, 3))],
        ["z"],
        _T.INT64,
    )
    onnx.save(model, tmp_path / "m.onnx")
    prog = str(tmp_path / "m.prog")
    assert main(["compile", str(tmp_path / "m.onnx"), "-o", prog, "--dtype", "fp32"]) == 0
    x = np.arange(6, dtype=np.int64).reshape(2, 3)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", x * 1000)
    np.save(tmp_path / "big.npy", x + 2**22)
    out = tmp_path / "out"
    run = ["run", prog, "--input", f"x={tmp_path / 'x.npy'}", "--no-plots", "--out", str(out)]
    assert main([*run, "--input", f"y={tmp_path / 'y.npy'}"]) == 0
    np.testing.assert_array_equal(np.load(out / "z.npy"), x * 1001)
    capsys.readouterr()
    big = [*run[:-1], str(tmp_path / "out2"), "--input", f"y={tmp_path / 'big.npy'}"]
    assert main(big) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "tensor 'y' holds integers as fp32" in err[0], err


@pytest.mark.parametrize("per_axis", [False, True], ids=["per-tensor", "per-axis"])
def test_dequantize_of_integer_data_matches_onnxruntime(per_axis):
    ort = pytest.importorskip("onnxruntime", reason="onnxruntime is a test dependency")
    rng = np.random.default_rng(6)
    x = rng.integers(0, 256, (2, 3, 4)).astype(np.uint8)
    scale = np.array([0.02, 0.5, 3.0] if per_axis else 0.37, np.float32)
    zp = np.array([0, 128, 255] if per_axis else 7, np.uint8)
    model = _model(
        [helper.make_node("DequantizeLinear", ["x", "s", "z"], ["y"], axis=1)],
        [("x", _T.UINT8, (2, 3, 4)), ("s", _T.FLOAT, scale.shape), ("z", _T.UINT8, zp.shape)],
        ["y"],
        _T.FLOAT,
    )
    model.opset_import[0].version = 13
    with pytest.raises(OnnxError, match=r"x_scale 's' is a graph input the chip needs"):
        import_onnx(model)
    got = run_on_chip(
        compile_lowered(
            import_onnx(model, bind={"s": scale, "z": zp}),
            ChipConfig.from_toml("edge").replace(input_dtype=DType.FP32),
        ),
        {"x": x},
    )["y"]
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    (want,) = sess.run(["y"], {"x": x, "s": scale, "z": zp})
    np.testing.assert_array_equal(got, want)


def test_an_int8_chip_keeps_integer_inputs_exact(capsys, tmp_path):
    from runtime.cli import main

    model = _model(
        [helper.make_node("Sub", ["x", "y"], ["z"])],
        [("x", _T.INT64, (2, 3)), ("y", _T.INT64, (2, 3))],
        ["z"],
        _T.INT64,
    )
    onnx.save(model, tmp_path / "m.onnx")
    m, prog = str(tmp_path / "m.onnx"), str(tmp_path / "m.prog")
    assert main(["compile", m, "--chip", "tiny", "--quantize", "static", "-o", prog]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "input 'x' holds integers" in err[0], err
    assert main(["compile", m, "--chip", "tiny", "-o", prog]) == 0  # auto: not quantized
    x = np.array([[4_000_000, -3, 7], [0, 123_457, -4_000_000]], np.int64)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", x[::-1] + 1)
    out = tmp_path / "out"
    run = ["run", prog, "--no-plots", "--out", str(out)]
    run += ["--input", f"x={tmp_path / 'x.npy'}", "--input", f"y={tmp_path / 'y.npy'}"]
    assert main(run) == 0, capsys.readouterr().err
    np.testing.assert_array_equal(np.load(out / "z.npy"), x - (x[::-1] + 1))


@pytest.mark.parametrize("a_shape,b_shape", [((5, 7), (7, 3)), ((2, 3, 6), (2, 6, 4))])
def test_qlinear_matmul_of_uint8_inputs_matches_onnx(a_shape, b_shape):
    from onnx import numpy_helper

    rng = np.random.default_rng(8)
    node = helper.make_node(
        "QLinearMatMul", ["a", "sa", "za", "b", "sb", "zb", "sy", "zy"], ["y"], "qmm"
    )
    inits = [
        numpy_helper.from_array(np.array(v, t), k)
        for k, v, t in (
            ("sa", 0.02, np.float32),
            ("za", 113, np.uint8),
            ("sb", 0.03, np.float32),
            ("zb", 120, np.uint8),
            ("sy", 0.05, np.float32),
            ("zy", 100, np.uint8),
        )
    ]
    model = _model([node], [("a", _T.UINT8, a_shape), ("b", _T.UINT8, b_shape)], ["y"], _T.UINT8)
    model.graph.initializer.extend(inits)
    feeds = {
        "a": rng.integers(0, 256, a_shape).astype(np.uint8),
        "b": rng.integers(0, 256, b_shape).astype(np.uint8),
    }
    want = _onnxruntime(model, feeds)
    assert 0 < np.count_nonzero(want == 255) < want.size  # some outputs saturate, not all
    np.testing.assert_array_equal(_run(model, feeds)["y"], want.astype(np.float32))


def test_qlinear_conv_of_a_uint8_input_matches_onnx():
    from onnx import numpy_helper

    rng = np.random.default_rng(9)
    node = helper.make_node(
        "QLinearConv",
        ["x", "sx", "zx", "w", "sw", "zw", "sy", "zy"],
        ["y"],
        "qconv",
        pads=[1, 1, 1, 1],
        strides=[2, 1],
    )
    inits = [
        numpy_helper.from_array(np.array(v, t), k)
        for k, v, t in (
            ("sx", 0.02, np.float32),
            ("zx", 110, np.uint8),
            ("sw", [0.01], np.float32),
            ("zw", [128], np.uint8),
            ("sy", 0.03, np.float32),
            ("zy", 90, np.uint8),
        )
    ]
    w = rng.integers(0, 256, (4, 3, 3, 3)).astype(np.uint8)
    inits.append(numpy_helper.from_array(w, "w"))
    model = _model([node], [("x", _T.UINT8, (1, 3, 7, 6))], ["y"], _T.UINT8)
    model.graph.initializer.extend(inits)
    feeds = {"x": rng.integers(0, 256, (1, 3, 7, 6)).astype(np.uint8)}
    want = _onnxruntime(model, feeds)
    assert len(np.unique(want)) > 10  # not all saturated
    np.testing.assert_array_equal(_run(model, feeds)["y"], want.astype(np.float32))


def _onnxruntime(model: onnx.ModelProto, feeds: dict) -> np.ndarray:
    """onnxruntime's output: it requantizes in fp32 as the chip does (ONNX's reference
    multiplies in float64, which can round a product one fp32 ulp from a half otherwise)."""
    ort = pytest.importorskip("onnxruntime")
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return sess.run(None, feeds)[0]


def test_int8_qlinear_matmul_with_bound_scales_is_the_models_integer_gemm():
    """Scales that are graph inputs (bound at compile time) mark the model's own integer GEMM:
    its int8 inputs are held as exact fp32 integers, unlike a QOperator model's."""
    rng = np.random.default_rng(10)
    names = ["a", "sa", "za", "b", "sb", "zb", "sy", "zy"]
    node = helper.make_node("QLinearMatMul", names, ["y"], "qmm")
    types = {"sa": _T.FLOAT, "sb": _T.FLOAT, "sy": _T.FLOAT}
    shapes = {"a": (2, 3, 5), "b": (2, 5, 4)}
    inputs = [(k, types.get(k, _T.INT8), shapes.get(k, (1,))) for k in names]
    model = _model([node], inputs, ["y"], _T.INT8)
    bind = {
        "sa": np.array([0.05], np.float32),
        "za": np.array([3], np.int8),
        "sb": np.array([0.04], np.float32),
        "zb": np.array([-2], np.int8),
        "sy": np.array([0.07], np.float32),
        "zy": np.array([-5], np.int8),
    }
    with pytest.raises(OnnxError) as err:
        import_onnx(model)
    assert set(err.value.unbound) <= set(bind)
    feeds = {k: rng.integers(-128, 128, s).astype(np.int8) for k, s in shapes.items()}
    graph = import_onnx(model, bind=bind)
    assert graph.roles["a"] is TensorRole.INTEGER
    cfg = ChipConfig.from_toml("edge").replace(input_dtype=DType.FP32)
    got = run_on_chip(compile_lowered(graph, cfg), feeds)["y"]
    want = _onnxruntime(model, {**feeds, **bind})
    np.testing.assert_array_equal(got, want.astype(np.float32))
