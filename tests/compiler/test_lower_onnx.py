"""ONNX models run through the chip (compile_onnx + functional model) vs onnxruntime.

Tolerances, relative to each output's largest magnitude: 1e-4 on an fp32 chip (fp32 sums in
the array's order vs onnxruntime's); 3e-2 on a bf16 chip (operands rounded to bf16); 5e-2 on
an int8 chip running the float model with dynamic quantization (every GEMM operand rounded to
one of 255 levels of its own per-tensor scale; measured worst 3.6%, the CNN). Separately, the
int8 chip must reproduce our float64 reference of the same quantized graph to 1e-5, which
checks the lowering rather than the quantization. (Models that carry their own int8
quantization, QLinear*, are matched bit for bit in test_onnx_quant.py.)
"""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import helper, numpy_helper

from chip.config import ChipConfig
from chip.dtypes import DType
from compiler import compile_lowered, compile_onnx
from compiler.lower.program import Lowered
from tests.compiler.lowering_helpers import run_on_chip
from tests.compiler.onnx_models import onnx_init as _init
from tests.compiler.onnx_models import onnx_model as _model
from tests.compiler.onnx_models import quant_cnn, quant_residual

ort = pytest.importorskip("onnxruntime", reason="onnxruntime is a test dependency")


def mlp(rng):
    nodes = [
        helper.make_node("Gemm", ["x", "w1", "b1"], ["h1"], "fc1", transB=1),
        helper.make_node("Relu", ["h1"], ["a1"], "relu1"),
        helper.make_node("Gemm", ["a1", "w2", "b2"], ["h2"], "fc2"),
        helper.make_node("Sigmoid", ["h2"], ["s"], "sig"),
        helper.make_node("MatMul", ["s", "w3"], ["z"], "mm"),
        helper.make_node("Softmax", ["z"], ["p"], "softmax", axis=-1),
    ]
    inits = [
        _init(rng, "w1", (24, 20)),
        _init(rng, "b1", (24,)),
        _init(rng, "w2", (24, 12)),
        _init(rng, "b2", (12,)),
        _init(rng, "w3", (12, 5)),
    ]
    return _model(nodes, [("x", (4, 20))], ["p", "z"], inits), {"x": (4, 20)}


def cnn(rng):
    return quant_cnn(rng, batch=2)


def recurrent(rng, op: str = "LSTM"):
    steps, batch, feat, hid = 5, 3, 4, 6
    gates = {"LSTM": 4, "GRU": 3, "RNN": 1}[op]
    nodes = [
        helper.make_node(op, ["x", "W", "R", "B"], ["Y", "Y_h"], "rnn", hidden_size=hid),
        helper.make_node("Reshape", ["Y_h", "shape"], ["h"], "reshape"),
        helper.make_node("Gemm", ["h", "fw"], ["logits"], "fc"),
    ]
    inits = [
        _init(rng, "W", (1, gates * hid, feat)),
        _init(rng, "R", (1, gates * hid, hid)),
        _init(rng, "B", (1, 2 * gates * hid)),
        _init(rng, "fw", (hid, 3)),
        numpy_helper.from_array(np.array([batch, hid], np.int64), "shape"),
    ]
    return _model(nodes, [("x", (steps, batch, feat))], ["logits", "Y"], inits), {
        "x": (steps, batch, feat)
    }


def residual(rng):
    return quant_residual(rng, batch=2)


def run_both(build, cfg: ChipConfig, tmp_path) -> dict[str, float]:
    rng = np.random.default_rng(0)
    model, shapes = build(rng)
    feeds = {k: rng.standard_normal(s).astype(np.float32) for k, s in shapes.items()}
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    want = dict(zip([o.name for o in sess.get_outputs()], sess.run(None, feeds), strict=True))
    path = tmp_path / "model.onnx"
    onnx.save(model, path)
    program = compile_onnx(path, cfg)
    got = run_on_chip(Lowered(program, (), 0), feeds)
    return {k: float(np.abs(got[k] - w).max() / np.abs(w).max()) for k, w in want.items()}


def lstm(rng):
    return recurrent(rng, "LSTM")


def gru(rng):
    return recurrent(rng, "GRU")


def rnn(rng):
    return recurrent(rng, "RNN")


@pytest.mark.parametrize(
    "build",
    [mlp, cnn, lstm, gru, rnn, residual],
    ids=["mlp", "cnn", "lstm", "gru", "rnn", "residual"],
)
@pytest.mark.parametrize("dtype,tol", [("fp32", 1e-4), ("bf16", 3e-2), ("int8", 5e-2)])
def test_onnx_model_on_chip_matches_onnxruntime(build, dtype, tol, tmp_path):
    cfg = ChipConfig.from_toml("edge").replace(input_dtype=DType(dtype))
    errors = run_both(build, cfg, tmp_path)
    assert max(errors.values()) <= tol, errors


@pytest.mark.parametrize(
    "build", [mlp, cnn, lstm, residual], ids=["mlp", "cnn", "lstm", "residual"]
)
def test_int8_chip_computes_the_dynamically_quantized_graph(build):
    from compiler.onnx_import import import_onnx
    from compiler.passes.pipeline import graph_passes
    from compiler.reference import evaluate

    rng = np.random.default_rng(0)
    model, shapes = build(rng)
    feeds = {k: rng.standard_normal(s) for k, s in shapes.items()}
    graph = import_onnx(model)
    cfg = ChipConfig.from_toml("tiny")
    got = run_on_chip(compile_lowered(graph, cfg), feeds)
    want = evaluate(graph_passes(graph, compute_dtype=DType.INT8), feeds, round_casts=True)
    for name, w in want.outputs.items():
        assert np.abs(got[name] - w).max() <= 1e-5 * np.abs(w).max(), name


@pytest.mark.parametrize("preset", ["tiny", "edge", "tpu-v1", "train-128"])
@pytest.mark.parametrize(
    "build", [mlp, cnn, lstm, residual], ids=["mlp", "cnn", "lstm", "residual"]
)
def test_onnx_model_compiles_for_every_preset_for_inference_and_training(build, preset, tmp_path):
    from chip.config import load_preset
    from compiler.train import Adam, TrainSpec

    model, _ = build(np.random.default_rng(0))
    path = tmp_path / "model.onnx"
    onnx.save(model, path)
    cfg = load_preset(preset)
    forward = compile_onnx(path, cfg)
    loss_on = model.graph.output[0].name  # a loss on the first output trains every weight
    step = compile_onnx(path, cfg, train=TrainSpec("mse", Adam(), 0.01, output=loss_on))
    assert {"backward", "optimizer"} <= {t.phase.value for t in step.tags}
    assert len(step.instrs) > len(forward.instrs)


def test_onnx_residual_net_quantized_to_int8_chip():
    """int8 where quantization is defined: compiler/quantize.py calibrated on the inputs; the
    dequantized chip outputs within 5% of onnxruntime's float outputs."""
    from compiler.onnx_import import import_onnx
    from compiler.passes.pipeline import graph_passes
    from compiler.quantize import quantize

    rng = np.random.default_rng(0)
    model, shapes = residual(rng)
    feeds = {k: rng.standard_normal(s).astype(np.float32) for k, s in shapes.items()}
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    want = dict(zip([o.name for o in sess.get_outputs()], sess.run(None, feeds), strict=True))
    prim = graph_passes(import_onnx(model))
    qz = quantize(prim, feeds)
    cfg = ChipConfig.from_toml("edge").replace(input_dtype=DType.INT8)
    got = run_on_chip(compile_lowered(qz.graph, cfg), qz.quantize_inputs(feeds))
    for name in want:
        real = qz.dequantize({name: got[name]})[name]
        assert np.abs(real - want[name]).max() <= 0.05 * np.abs(want[name]).max(), name
