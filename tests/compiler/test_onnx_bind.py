"""Graph inputs bound at compile time (`import_onnx(..., bind=...)`, `systolic compile --bind`):
shapes, axes and indices a static-shape chip must know before it runs, folded as constants.
Results are compared with onnxruntime fed the same values."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from chip.config import ChipConfig
from chip.dtypes import DType
from compiler import compile_lowered
from compiler.onnx_import import OnnxError, check_onnx, import_onnx
from tests.compiler.lowering_helpers import run_on_chip

ort = pytest.importorskip("onnxruntime", reason="onnxruntime is a test dependency")


def _model(nodes, inputs, outputs, opset: int = 18) -> onnx.ModelProto:
    """Inputs as (name, elem_type, shape); float outputs of any shape."""
    graph = helper.make_graph(
        nodes,
        "bind",
        [helper.make_tensor_value_info(n, t, s) for n, t, s in inputs],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in outputs],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    return model


def _chip_vs_ort(model: onnx.ModelProto, feeds: dict, bind: dict) -> None:
    """Import with ``bind``, run on an fp32 chip with the other feeds; onnxruntime agrees."""
    graph = import_onnx(model, bind=bind)
    assert set(graph.inputs) == set(feeds) - set(bind)
    lowered = compile_lowered(graph, ChipConfig.from_toml("edge").replace(input_dtype=DType.FP32))
    got = run_on_chip(lowered, {k: v for k, v in feeds.items() if k not in bind})
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    names = [o.name for o in model.graph.output]
    for name, want in zip(names, sess.run(names, feeds), strict=True):
        assert got[name].shape == want.shape, name
        np.testing.assert_allclose(got[name], want, rtol=1e-6, atol=1e-6)


def test_an_unbound_shape_input_is_refused_with_the_name_to_bind():
    nodes = [helper.make_node("Reshape", ["data", "shape"], ["y"], "r")]
    model = _model(
        nodes, [("data", TensorProto.FLOAT, (2, 6)), ("shape", TensorProto.INT64, (2,))], ["y"]
    )
    with pytest.raises(OnnxError) as e:
        import_onnx(model)
    first = str(e.value).splitlines()[0]
    assert first.startswith("ONNX node 'r' (Reshape): shape 'shape' is a graph input")
    assert "systolic compile --bind shape=FILE.npy" in first
    assert e.value.unbound == ("shape",)
    assert [p.bind for p in check_onnx(model)] == ["shape"]


def test_bound_shape_axes_and_pads_fold_and_match_onnxruntime():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 4)).astype(np.float32)
    f32, i64 = TensorProto.FLOAT, TensorProto.INT64
    nodes = [
        helper.make_node("Reshape", ["x", "shape"], ["r"]),
        helper.make_node("ReduceSum", ["r", "axes"], ["s"], keepdims=1),
        helper.make_node("Pad", ["s", "pads"], ["p"]),
        helper.make_node("Slice", ["p", "starts", "ends"], ["y"]),
    ]
    inputs = [
        ("x", f32, (2, 3, 4)),
        ("shape", i64, (2,)),
        ("axes", i64, (1,)),
        ("pads", i64, (4,)),
        ("starts", i64, (1,)),
        ("ends", i64, (1,)),
    ]
    model = _model(nodes, inputs, ["y"])
    bind = {
        "shape": np.array([6, -1], np.int64),
        "axes": np.array([1], np.int64),
        "pads": np.array([1, 0, 2, 0], np.int64),
        "starts": np.array([1], np.int64),
        "ends": np.array([-1], np.int64),
    }
    with pytest.raises(OnnxError) as e:
        import_onnx(model, bind={"shape": bind["shape"]})
    assert e.value.unbound == ("axes",)  # the next node's operand, once Reshape imports
    _chip_vs_ort(model, {"x": x, **bind}, bind)


def test_bound_gather_indices_select_rows_on_chip():
    rng = np.random.default_rng(1)
    data = rng.standard_normal((5, 3)).astype(np.float32)
    idx = np.array([[4, 0], [-1, 2]], np.int64)
    nodes = [helper.make_node("Gather", ["data", "idx"], ["y"], axis=0)]
    model = _model(
        nodes, [("data", TensorProto.FLOAT, (5, 3)), ("idx", TensorProto.INT64, (2, 2))], ["y"]
    )
    with pytest.raises(
        OnnxError, match=r"indices 'idx' is a graph input the chip needs at compile"
    ):
        import_onnx(model)
    _chip_vs_ort(model, {"data": data, "idx": idx}, {"idx": idx})


@pytest.mark.parametrize(
    ("bind", "why"),
    [
        (
            {"nope": np.array([1, 2])},
            "bound input 'nope': is not a graph input (those are 'x', 's')",
        ),
        ({"s": np.array([1, 2, 3])}, "bound input 's': has shape [3]; declared [2]"),
        ({"s": np.array([1.5, 8.0])}, "bound input 's': has values its declared type int64"),
    ],
)
def test_a_bad_binding_is_refused_by_name(bind, why):
    nodes = [helper.make_node("Reshape", ["x", "s"], ["y"])]
    model = _model(nodes, [("x", TensorProto.FLOAT, (3, 4)), ("s", TensorProto.INT64, (2,))], ["y"])
    with pytest.raises(OnnxError) as e:
        import_onnx(model, bind=bind)
    assert why in str(e.value).splitlines()[0]


def test_systolic_compile_bind_then_run(capsys, tmp_path):
    from runtime.cli import main

    rng = np.random.default_rng(2)
    nodes = [helper.make_node("Reshape", ["data", "shape"], ["y"], "r")]
    model = _model(
        nodes, [("data", TensorProto.FLOAT, (2, 6)), ("shape", TensorProto.INT64, (2,))], ["y"]
    )
    onnx.save(model, tmp_path / "m.onnx")
    np.save(tmp_path / "shape.npy", np.array([3, 4], np.int64))
    x = rng.standard_normal((2, 6)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    m, prog = str(tmp_path / "m.onnx"), str(tmp_path / "m.prog")

    assert main(["compile", m, "-o", prog, "--dtype", "fp32"]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--bind shape=FILE.npy" in err[0], err
    assert main(["compile", m, "--bind", "shape", "-o", prog]) != 0
    assert "--bind 'shape' must be NAME=FILE.npy" in capsys.readouterr().err
    assert main(["compile", m, "--check", "--bind", f"shape={tmp_path / 'shape.npy'}"]) == 0
    capsys.readouterr()
    bind = f"shape={tmp_path / 'shape.npy'}"
    assert main(["compile", m, "--bind", bind, "-o", prog, "--dtype", "fp32"]) == 0
    out = tmp_path / "out"
    run = ["run", prog, "--input", f"data={tmp_path / 'x.npy'}", "--out", str(out), "--no-plots"]
    assert main(run) == 0, capsys.readouterr().err
    np.testing.assert_array_equal(np.load(out / "y.npy"), x.reshape(3, 4))


@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "wrap"])
def test_pad_modes_with_bound_pads_match_onnxruntime(mode):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 3, 4, 5)).astype(np.float32)
    pads = np.array([0, 2, 1, -1, 1, 0, 3, 2], np.int64)
    nodes = [helper.make_node("Pad", ["x", "pads"], ["y"], mode=mode)]
    model = _model(
        nodes, [("x", TensorProto.FLOAT, (2, 3, 4, 5)), ("pads", TensorProto.INT64, (8,))], ["y"]
    )
    _chip_vs_ort(model, {"x": x, "pads": pads}, {"pads": pads})


def test_a_bound_data_operand_is_a_constant_not_a_weight():
    rng = np.random.default_rng(6)
    x, y = (rng.standard_normal((2, 5)).astype(np.float32) for _ in range(2))
    nodes = [helper.make_node("Add", ["x", "y"], ["z"])]
    model = _model(
        nodes, [("x", TensorProto.FLOAT, (2, 5)), ("y", TensorProto.FLOAT, (2, 5))], ["z"]
    )
    graph = import_onnx(model, bind={"y": y})
    assert "y" in graph.consts and "y" not in graph.params  # training leaves it as it is
    _chip_vs_ort(model, {"x": x, "y": y}, {"y": y})


def test_compile_onnx_takes_bindings(tmp_path):
    from compiler import compile_onnx

    nodes = [helper.make_node("Reshape", ["data", "shape"], ["y"])]
    model = _model(
        nodes, [("data", TensorProto.FLOAT, (2, 6)), ("shape", TensorProto.INT64, (2,))], ["y"]
    )
    onnx.save(model, tmp_path / "m.onnx")
    chip = ChipConfig.from_toml("edge").replace(input_dtype=DType.FP32)
    program = compile_onnx(tmp_path / "m.onnx", chip, bind={"shape": np.array([4, 3])})
    assert program.tensor("y").shape == (4, 3) and "shape" not in program.tensors
