"""Graph inputs, shapes, types and refusals of the ONNX importer; `systolic compile --check`."""

from __future__ import annotations

import re

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from chip.config import ChipConfig
from chip.dtypes import DType
from chip.program import TensorRole
from compiler import compile_lowered
from compiler.ir import Op
from compiler.onnx_import import OnnxError, check_onnx, import_onnx
from tests.compiler.lowering_helpers import run_on_chip
from tests.compiler.onnx_models import onnx_model


def _typed_model(nodes, inputs, outputs, inits=()) -> onnx.ModelProto:
    """Inputs as (name, elem_type, shape) with any ONNX element type."""
    graph = helper.make_graph(
        nodes,
        "typed",
        [helper.make_tensor_value_info(n, t, s) for n, t, s in inputs],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in outputs],
        list(inits),
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def test_every_unsupported_node_is_listed_at_once():
    pool = dict(kernel_shape=[1, 1, 1])
    nodes = [
        helper.make_node("MaxPool", ["x"], ["a", "ia"], "g1", **pool),
        helper.make_node("MaxPool", ["a"], ["b", "ib"], "g2", **pool),
        helper.make_node("Cos", ["b"], ["c"], "cos"),
        helper.make_node("Relu", ["c"], ["y"], "relu"),
    ]
    model = onnx_model(nodes, [("x", (1, 4, 3, 3, 3))], ["y"], [])
    with pytest.raises(OnnxError) as err:
        import_onnx(model)
    problems = err.value.problems
    assert [(p.where, p.op, p.attribute) for p in problems] == [
        ("node 'g1'", "MaxPool", "Indices"),
        ("node 'g2'", "MaxPool", "Indices"),
        ("node 'cos'", "Cos", ""),
    ]
    assert str(err.value).startswith("ONNX node 'g1' (MaxPool): the Indices output is supported")
    assert "(and 2 more problems)" in str(err.value).splitlines()[0]
    assert check_onnx(model) == list(problems)


def test_the_batch_is_the_models_own_and_a_conflicting_one_is_refused():
    nodes = [helper.make_node("Relu", ["x"], ["y"])]
    static = onnx_model(nodes, [("x", (4, 3))], ["y"], [])
    assert import_onnx(static).inputs["x"].shape == (4, 3)
    assert import_onnx(static, batch=4).inputs["x"].shape == (4, 3)
    with pytest.raises(OnnxError, match=r"graph input 'x'.*static batch of 4; batch 2 conflicts"):
        import_onnx(static, batch=2)
    dynamic = onnx_model(nodes, [("x", ("N", 3))], ["y"], [])
    assert import_onnx(dynamic, batch=3).inputs["x"].shape == (3, 3)
    with pytest.raises(OnnxError, match=r"graph input 'x'.*dimension 0 is dynamic \(N\)"):
        import_onnx(dynamic)


def test_integer_inputs_keep_their_type_and_others_are_refused_by_name():
    flat = [helper.make_node("Flatten", ["q"], ["y"])]
    graph = import_onnx(_typed_model(flat, [("q", TensorProto.INT8, (2, 2, 2))], ["y"]))
    assert graph.inputs["q"].dtype is DType.INT8
    graph = import_onnx(_typed_model(flat, [("q", TensorProto.INT32, (2, 2, 2))], ["y"]))
    assert graph.inputs["q"].dtype is DType.INT32
    graph = import_onnx(_typed_model(flat, [("q", TensorProto.INT64, (2, 2))], ["y"]))
    assert graph.roles["q"] is TensorRole.INTEGER  # integers held as exact fp32 values
    graph = import_onnx(_typed_model(flat, [("q", TensorProto.INT4, (2, 2))], ["y"]))
    assert graph.roles["q"] is TensorRole.INTEGER  # a narrow integer format: exact fp32 values
    with pytest.raises(OnnxError, match=r"graph input 'q'.*element type complex64"):
        import_onnx(_typed_model(flat, [("q", TensorProto.COMPLEX64, (2, 2))], ["y"]))
    relu = [helper.make_node("Relu", ["q"], ["y"], "r")]
    with pytest.raises(OnnxError, match=r"node 'r' \(Relu\): input 'q' is int32; Relu computes"):
        import_onnx(_typed_model(relu, [("q", TensorProto.INT32, (2, 2))], ["y"]))


def test_sequence_and_optional_inputs_are_refused_by_name():
    seq = helper.make_tensor_sequence_value_info("s", TensorProto.FLOAT, (2,))
    opt = helper.make_value_info(
        "o",
        helper.make_optional_type_proto(helper.make_tensor_type_proto(TensorProto.FLOAT, (2,))),
    )
    graph = helper.make_graph(
        [helper.make_node("Identity", ["s"], ["y"]), helper.make_node("Identity", ["o"], ["z"])],
        "g",
        [seq, opt],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    problems = check_onnx(model)
    assert [(p.where, p.why) for p in problems] == [
        ("graph input 's'", "is a sequence, not a tensor (only tensors are supported)"),
        ("graph input 'o'", "is an optional, not a tensor (only tensors are supported)"),
    ]


@pytest.mark.parametrize("mode", [True, False])
def test_dropout_in_training_mode_is_refused_and_in_inference_is_the_identity(mode):
    flag = numpy_helper.from_array(np.array(mode), "mode")
    nodes = [helper.make_node("Dropout", ["x", "", "mode"], ["y"], "drop")]
    model = onnx_model(nodes, [("x", (2, 3))], ["y"], [flag])
    if mode:
        with pytest.raises(OnnxError, match=r"node 'drop' \(Dropout\): training_mode=1"):
            import_onnx(model)
        assert check_onnx(model)[0].attribute == "training_mode"
    else:
        graph = import_onnx(model)
        y = graph[graph.outputs["y"]]  # an IR DROPOUT: the identity in inference
        assert y.op is Op.DROPOUT and graph[y.inputs[0]].op is Op.INPUT
        x = np.arange(6, dtype=np.float32).reshape(2, 3)
        cfg = ChipConfig.from_toml("edge").replace(input_dtype=DType.FP32)
        got = run_on_chip(compile_lowered(graph, cfg), {"x": x})
        np.testing.assert_array_equal(got["y"], x)


def test_a_graph_output_folded_to_a_constant_is_written_by_the_program():
    nodes = [helper.make_node("Shape", ["x"], ["y"]), helper.make_node("Relu", ["x"], ["r"])]
    model = onnx_model(nodes, [("x", (2, 5, 3))], ["y", "r"], [])
    cfg = ChipConfig.from_toml("edge").replace(input_dtype=DType.FP32)
    x = np.random.default_rng(0).standard_normal((2, 5, 3)).astype(np.float32)
    got = run_on_chip(compile_lowered(import_onnx(model), cfg), {"x": x})
    np.testing.assert_array_equal(got["y"], [2, 5, 3])
    np.testing.assert_array_equal(got["r"], np.maximum(x, 0))


def test_compile_check_prints_the_table_and_exits_by_support(capsys, tmp_path):
    from runtime.cli import main

    bad = onnx_model(
        [
            helper.make_node("MaxPool", ["x"], ["a", "ia"], "g1", kernel_shape=[1, 1, 1]),
            helper.make_node("Cos", ["a"], ["y"], "cos"),
        ],
        [("x", (1, 4, 3, 3, 3))],
        ["y"],
        [],
    )
    good = onnx_model([helper.make_node("Relu", ["x"], ["y"])], [("x", (2, 3))], ["y"], [])
    onnx.save(bad, tmp_path / "bad.onnx")
    onnx.save(good, tmp_path / "good.onnx")
    assert main(["compile", str(tmp_path / "bad.onnx"), "--check"]) == 1
    out, err = capsys.readouterr()
    assert "2 unsupported constructs" in out
    assert re.search(r"node 'g1' +MaxPool +Indices +the Indices output is supported for 2-D", out)
    assert re.search(r"node 'cos' +Cos +- +op type 'Cos' is not supported", out)
    assert err.strip().endswith("has unsupported constructs (listed above)")
    assert main(["compile", str(tmp_path / "good.onnx"), "--check"]) == 0
    out, _ = capsys.readouterr()
    assert "every node is supported" in out
