"""ONNX Resize (compiler/onnx_ops/resize.py): ONNX's own Resize node tests with their shape
operands (roi, scales, sizes) given as initializers, the way exporters write them, and a
resize after a convolution (the NHWC layout) against onnxruntime."""

from __future__ import annotations

import dataclasses

import numpy as np
import onnx
import pytest
from onnx import helper, numpy_helper

from chip.dtypes import DType
from compiler import compile_lowered
from compiler.ir import Op
from compiler.onnx_import import import_onnx
from tests.compiler.lowering_helpers import run_on_chip
from tests.compiler.onnx_models import onnx_init, onnx_model
from tests.compiler.onnx_node_cases import NodeCase, chip_for, node_cases, run_case

pytest.importorskip("onnx.backend.test.case.node", reason="the onnx package defines the cases")

_OPERANDS = ("roi", "scales", "sizes")


def _with_constant_operands(case: NodeCase) -> NodeCase:
    model = onnx.ModelProto()
    model.CopyFrom(case.model)
    g = model.graph
    keep = [vi for vi in g.input if vi.name not in _OPERANDS]
    g.initializer.extend(
        numpy_helper.from_array(v, k) for k, v in case.inputs.items() if k in _OPERANDS
    )
    del g.input[:]
    g.input.extend(keep)
    feeds = {k: v for k, v in case.inputs.items() if k not in _OPERANDS}
    return dataclasses.replace(case, model=model, inputs=feeds)


def _resize_cases() -> list[NodeCase]:
    return [_with_constant_operands(c) for c in node_cases() if c.op == "Resize"]


@pytest.mark.parametrize("dtype", [DType.FP32, DType.BF16], ids=lambda d: d.value)
def test_every_resize_node_case_passes_with_constant_operands(dtype):
    cases = _resize_cases()
    assert len(cases) >= 39
    bad = [o for o in (run_case(c, dtype) for c in cases) if o.kind != "pass"]
    assert not bad, "\n".join(f"{o.kind} {o.case}: {o.detail}" for o in bad)


def test_linear_and_cubic_are_one_matmul_per_resized_axis():
    case = next(c for c in _resize_cases() if c.name == "test_resize_upsample_scales_cubic")
    graph = import_onnx(case.model)
    assert sum(n.op is Op.MATMUL for n in graph.nodes) == 2  # H and W


@pytest.mark.parametrize("mode", ["linear", "cubic", "nearest"])
def test_resize_after_a_convolution_matches_onnxruntime(mode):
    ort = pytest.importorskip("onnxruntime")
    rng = np.random.default_rng(0)
    scales = numpy_helper.from_array(np.array([1, 1, 1.5, 0.75], np.float32), "scales")
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], "conv", pads=[1, 1, 1, 1]),
        helper.make_node("Resize", ["c", "", "scales"], ["y"], "resize", mode=mode),
    ]
    model = onnx_model(
        nodes, [("x", (2, 3, 6, 8))], ["y"], [onnx_init(rng, "w", (4, 3, 3, 3)), scales]
    )
    x = rng.standard_normal((2, 3, 6, 8)).astype(np.float32)
    want = ort.InferenceSession(model.SerializeToString()).run(None, {"x": x})[0]
    got = run_on_chip(compile_lowered(import_onnx(model), chip_for(DType.FP32)), {"x": x})["y"]
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5 * np.abs(want).max())
