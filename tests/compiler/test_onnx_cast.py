"""ONNX Cast to and from narrow formats on the chip: the vector unit's CVT (chip/formats.py)
on the functional model and both machine fidelities, against ONNX's reference evaluator."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper

from chip.dtypes import DType
from chip.machine import run_machine
from chip.state import ChipState
from compiler import compile_lowered
from compiler.ir import Op
from compiler.onnx_import import OnnxError, import_onnx
from tests.compiler.lowering_helpers import run_on_chip
from tests.compiler.onnx_node_cases import chip_for

pytest.importorskip("onnx.reference")


def _model(to: int, saturate: int = 1, elem: int = TensorProto.FLOAT, shape=(6, 40)):
    node = helper.make_node("Cast", ["x"], ["y"], to=to, saturate=saturate)
    g = helper.make_graph(
        [node],
        "cast",
        [helper.make_tensor_value_info("x", elem, list(shape))],
        [helper.make_tensor_value_info("y", to, list(shape))],
    )
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 23)])


def _values(shape) -> np.ndarray:
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape).astype(np.float32) * np.float32(300.0)
    x.flat[:6] = [np.nan, np.inf, -np.inf, 1e6, -0.0, 464.0]
    return x


@pytest.mark.parametrize(
    "to,saturate",
    [
        (TensorProto.FLOAT8E4M3FN, 1),
        (TensorProto.FLOAT8E4M3FN, 0),
        (TensorProto.FLOAT8E5M2FNUZ, 0),
        (TensorProto.FLOAT16, 1),
        (TensorProto.INT4, 1),
    ],
)
def test_cast_runs_as_cvt_and_matches_onnx_on_every_model_of_the_chip(to, saturate):
    from onnx.reference import ReferenceEvaluator

    model = _model(to, saturate)
    graph = import_onnx(model)
    assert [n.op for n in graph.nodes].count(Op.ROUND) == 1
    lowered = compile_lowered(graph, chip_for(DType.FP32))
    x = _values((6, 40))
    with np.errstate(all="ignore"):
        want = ReferenceEvaluator(model).run(None, {"x": x})[0].astype(np.float32)
    got = run_on_chip(lowered, {"x": x})["y"]
    np.testing.assert_array_equal(got, want)  # NaNs in the same places, every value exact
    for fidelity in ("fast", "pe"):
        state = ChipState(lowered.program.config)
        state.load_program(lowered.program)
        state.write_tensor(lowered.program.tensor("x"), x)
        final = run_machine(lowered.program, fidelity, state=state).state
        np.testing.assert_array_equal(final.read_tensor(lowered.program.tensor("y")), want)


def test_narrow_graph_inputs_are_held_widened_and_exact():
    import ml_dtypes

    model = _model(TensorProto.FLOAT, elem=TensorProto.FLOAT8E5M2, shape=(3, 5))
    lowered = compile_lowered(import_onnx(model), chip_for(DType.FP32))
    x = np.linspace(-60000, 60000, 15, dtype=np.float32).reshape(3, 5).astype(ml_dtypes.float8_e5m2)
    got = run_on_chip(lowered, {"x": x})["y"]
    np.testing.assert_array_equal(got, x.astype(np.float32))


def test_a_wrapping_integer_cast_is_refused_by_name():
    model = _model(TensorProto.INT2, elem=TensorProto.UINT4, shape=(3, 5))
    with pytest.raises(OnnxError, match=r"\(Cast\): to=int2: uint4 values do not all fit"):
        import_onnx(model)


@pytest.mark.parametrize(
    "elem,attrs,scale_shape",
    [
        (TensorProto.FLOAT8E4M3FN, dict(axis=1), (4,)),
        (TensorProto.INT4, dict(axis=2, block_size=2), (2, 4, 3)),
        (TensorProto.UINT2, dict(axis=2), (6,)),
    ],
)
def test_dequantize_of_a_narrow_input_is_float_math_per_axis_and_block(elem, attrs, scale_shape):
    from onnx import numpy_helper
    from onnx.reference import ReferenceEvaluator

    rng = np.random.default_rng(2)
    shape = (2, 4, 6)
    np_type = helper.tensor_dtype_to_np_dtype(elem)
    x = rng.integers(0, 4, shape).astype(np.float32).astype(np_type)
    scale = rng.uniform(0.5, 2.0, scale_shape).astype(np.float32)
    # float8 zero points must be 0 (ONNX); integer ones shift the codes
    offset = 0.0 if elem == TensorProto.FLOAT8E4M3FN else 1.0
    zero = np.full(scale_shape, offset, np.float32).astype(np_type)
    node = helper.make_node("DequantizeLinear", ["x", "s", "z"], ["y"], **attrs)
    g = helper.make_graph(
        [node],
        "dq",
        [helper.make_tensor_value_info("x", elem, list(shape))],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, list(shape))],
        [numpy_helper.from_array(scale, "s"), numpy_helper.from_array(zero, "z")],
    )
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 23)])
    want = ReferenceEvaluator(model).run(None, {"x": x})[0]
    lowered = compile_lowered(import_onnx(model), chip_for(DType.FP32))
    got = run_on_chip(lowered, {"x": x})["y"]
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize(
    "elem,attrs,scale_shape",
    [
        (TensorProto.INT4, dict(axis=1), (4,)),
        (TensorProto.UINT8, dict(axis=2, block_size=2), (2, 4, 3)),
        (TensorProto.INT16, {}, ()),
        (TensorProto.FLOAT8E4M3FN, dict(axis=1, saturate=0), (4,)),
        (TensorProto.FLOAT4E2M1, {}, ()),
    ],
)
def test_quantize_of_a_computed_tensor_is_done_on_the_chip(elem, attrs, scale_shape):
    from onnx import numpy_helper
    from onnx.reference import ReferenceEvaluator

    rng = np.random.default_rng(4)
    shape = (2, 4, 6)
    np_type = helper.tensor_dtype_to_np_dtype(elem)
    # values at and past the type's edges, halves that round to even, and fractions
    x = (rng.integers(-40, 40, shape) * 0.5 + rng.uniform(-0.2, 0.2, shape)).astype(np.float32)
    x[0, 0, :4] = [2.5, -2.5, 1000.0, -1000.0]
    scale = rng.uniform(0.5, 2.0, scale_shape).astype(np.float32)
    scale.reshape(-1)[0] = 1.0
    is_float = elem in (TensorProto.FLOAT8E4M3FN, TensorProto.FLOAT4E2M1)
    zero = np.full(scale_shape, 0.0 if is_float else 3.0, np.float32).astype(np_type)
    node = helper.make_node("QuantizeLinear", ["r", "s", "z"], ["y"], **attrs)
    g = helper.make_graph(
        [helper.make_node("Neg", ["x"], ["p"]), helper.make_node("Neg", ["p"], ["r"]), node],
        "q",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(shape))],
        [helper.make_tensor_value_info("y", elem, list(shape))],
        [numpy_helper.from_array(scale, "s"), numpy_helper.from_array(zero, "z")],
    )
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 23)])
    want = ReferenceEvaluator(model).run(None, {"x": x})[0].astype(np.float32)
    lowered = compile_lowered(import_onnx(model), chip_for(DType.FP32))
    got = run_on_chip(lowered, {"x": x})["y"]
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize(
    "like_type,like_is_input", [(TensorProto.FLOAT8E5M2, False), (TensorProto.INT4, True)]
)
def test_castlike_casts_to_the_type_of_its_second_input(like_type, like_is_input):
    from onnx import numpy_helper
    from onnx.reference import ReferenceEvaluator

    node = helper.make_node("CastLike", ["x", "like"], ["y"])
    like = np.zeros((1,), np.float32).astype(helper.tensor_dtype_to_np_dtype(like_type))
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [6, 40])]
    inits = []
    if like_is_input:
        inputs.append(helper.make_tensor_value_info("like", like_type, [1]))
    else:
        inits.append(numpy_helper.from_array(like, "like"))
    g = helper.make_graph(
        [node], "castlike", inputs, [helper.make_tensor_value_info("y", like_type, [6, 40])], inits
    )
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 23)])
    x = _values((6, 40))
    feeds = {"x": x, **({"like": like} if like_is_input else {})}
    with np.errstate(all="ignore"):
        want = ReferenceEvaluator(model).run(None, feeds)[0].astype(np.float32)
    got = run_on_chip(compile_lowered(import_onnx(model), chip_for(DType.FP32)), feeds)["y"]
    np.testing.assert_array_equal(got, want)


def test_a_float16_graph_output_is_returned_as_float16_values():
    ort = pytest.importorskip("onnxruntime")
    node = helper.make_node("Add", ["a", "b"], ["y"])
    g = helper.make_graph(
        [node],
        "half",
        [helper.make_tensor_value_info(k, TensorProto.FLOAT16, [4, 33]) for k in "ab"],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT16, [4, 33])],
    )
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    rng = np.random.default_rng(5)
    feeds = {k: rng.standard_normal((4, 33)).astype(np.float16) for k in "ab"}
    want = ort.InferenceSession(model.SerializeToString()).run(None, feeds)[0]
    graph = import_onnx(model)
    assert graph[graph.outputs["y"]].op is Op.ROUND
    got = run_on_chip(compile_lowered(graph, chip_for(DType.FP32)), feeds)["y"]
    np.testing.assert_array_equal(got, want.astype(np.float32))
