"""int8 inference: float graphs quantized (compiler/quantize.py), run on int8 chips.

Checks: the chip's integer outputs equal the float64 reference run of the same integer graph
within one unit (the chip rounds each requantizing SCALE to an integer where the reference
keeps the exact product until the next CAST), and the dequantized outputs are within 5% of the
float network's (8-bit weights and activations, calibrated on the same inputs).
"""

import numpy as np
import pytest

from chip.config import ChipConfig
from chip.dtypes import DType
from chip.program import TensorRole
from compiler import compile_lowered, zoo
from compiler.passes.pipeline import graph_passes
from compiler.quantize import quantize
from compiler.reference import evaluate
from tests.compiler.lowering_helpers import run_on_chip

MODELS = {
    "mlp": (lambda: zoo.mlp(batch=8, inputs=20, hidden=(24,)), (8, 20)),
    "lenet": (lambda: zoo.lenet(batch=4), (4, 8, 8, 1)),
}


@pytest.mark.parametrize("chip", ["tiny", "edge-int8", "tpu-v1"])
@pytest.mark.parametrize("model", sorted(MODELS))
def test_quantized_model_on_int8_chip(model, chip):
    cfg = (
        ChipConfig.from_toml("edge").replace(input_dtype=DType.INT8)
        if chip == "edge-int8"
        else ChipConfig.from_toml(chip)
    )
    build, shape = MODELS[model]
    prim = graph_passes(build())
    x = {"x": np.random.default_rng(0).standard_normal(shape)}
    qz = quantize(prim, x)
    xq = qz.quantize_inputs(x)
    got = run_on_chip(compile_lowered(qz.graph, cfg), xq)
    want_int = evaluate(graph_passes(qz.graph), xq, round_casts=True).outputs
    want = evaluate(prim, x).outputs
    for name in want:
        assert np.abs(got[name] - want_int[name]).max() <= 1.0
        real = qz.dequantize({name: got[name]})[name]
        assert np.abs(real - want[name]).max() <= 0.05 * np.abs(want[name]).max()


def test_resnet18_int8_compiles_for_tpu_v1():
    prim = graph_passes(zoo.resnet18(batch=1))
    rng = np.random.default_rng(0)
    qz = quantize(prim, {"x": rng.standard_normal((1, 224, 224, 3))})
    lowered = compile_lowered(qz.graph, ChipConfig.from_toml("tpu-v1"))  # time: bench/
    prog = lowered.program
    assert prog.tensor("x").dtype is DType.INT8
    assert prog.tensor("logits").shape == (1, 1000)
    weights = [t for t in prog.tensors.values() if t.kind.value == "param"]
    assert sum(t.size for t in weights) > 11_000_000  # ResNet-18's weights, as int8
    assert all(t.dtype is DType.INT8 for t in weights)
    gemms = [n for n in lowered.notes if ": ws gemm " in n or " conv by bands of " in n]
    assert len(gemms) == 21  # 20 convolutions and the classifier, each tiled (or banded)


def test_float_only_op_cannot_be_quantized():
    from compiler.ir import Op
    from compiler.ir_builder import IRBuilder

    b = IRBuilder("sig")
    x = b.input("x", (2, 3))
    b.output("y", b.add(Op.SIGMOID, (x,), "sig"))
    with pytest.raises(ValueError, match="cannot quantize sigmoid"):
        quantize(b.build(), {"x": np.ones((2, 3))})


def test_compile_with_calibration_carries_the_scales():
    from compiler import compile as compile_graph

    graph = zoo.lenet(batch=4)
    x = np.random.default_rng(1).standard_normal((4, 8, 8, 1))
    prog = compile_graph(graph, ChipConfig.from_toml("tiny"), calibration={"x": x})
    assert prog.tensor("x").dtype is DType.INT8
    x_scale = float(prog.init["x.scale"][0])
    y_scale = float(prog.init["logits.scale"][0])
    scales = [t.name for t in prog.of_role(TensorRole.QUANT_SCALE)]
    assert sorted(scales) == ["logits.scale", "x.scale"]
    xq = np.clip(np.rint(x / x_scale), -128, 127)
    from compiler.lower.program import Lowered

    got = run_on_chip(Lowered(prog, (), 0), {"x": xq})["logits"] * y_scale
    want = evaluate(graph_passes(graph), {"x": x}).outputs["logits"]
    assert np.abs(got - want).max() <= 0.05 * np.abs(want).max()


def test_static_quantization_is_for_inference_only():
    from compiler import compile as compile_graph
    from compiler.train import TrainSpec

    graph = zoo.mlp(batch=2, inputs=4, hidden=(4,))
    with pytest.raises(ValueError, match="statically, for inference.*without calibration"):
        compile_graph(
            graph,
            ChipConfig.from_toml("tiny"),
            train=TrainSpec(),
            calibration={"x": np.ones((2, 4))},
        )
    with pytest.raises(ValueError, match="calibration is for int8 chips; 'edge' computes in"):
        compile_graph(graph, ChipConfig.from_toml("edge"), calibration={"x": np.ones((2, 4))})
    # a graph that is already integer is not quantized twice, nor trained
    qz = quantize(graph_passes(graph), {"x": np.ones((2, 4))})
    with pytest.raises(ValueError, match="already quantized .*'x'.*without calibration"):
        compile_graph(qz.graph, ChipConfig.from_toml("tiny"), calibration={"x": np.ones((2, 4))})
    with pytest.raises(ValueError, match="already quantized .*needs the float model"):
        compile_graph(qz.graph, ChipConfig.from_toml("tiny"), train=TrainSpec())


@pytest.mark.parametrize("factor", [-1.5, 0.0])
def test_quantized_scale_by_a_non_positive_factor_keeps_relu_right(factor):
    # A negative factor used to be folded into a negative scale, so RELU (which compares the
    # integers) kept the wrong half: relu(-x) came out as min(-x, 0).
    from compiler.ir import Op
    from compiler.ir_builder import IRBuilder

    b = IRBuilder("neg")
    x = b.input("x", (4, 8))
    b.output("y", b.add(Op.RELU, (b.scale(x, factor, "neg"),), "relu"))
    xv = np.random.default_rng(0).standard_normal((4, 8))
    qz = quantize(b.build(), {"x": xv})
    assert all(s > 0 for s in qz.output_scales.values())
    got = qz.dequantize(evaluate(qz.graph, qz.quantize_inputs({"x": xv})).outputs)["y"]
    assert np.abs(got - np.maximum(factor * xv, 0)).max() <= abs(factor) * qz.input_scales["x"]
