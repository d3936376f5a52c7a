"""Bad models fail with errors naming the node and the rule broken, from the builder, the ONNX
importer and the compiler alike (never a traceback from deep inside a pass)."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from chip.config import ChipConfig
from compiler.builder import Net
from compiler.compile import compile, compile_onnx
from compiler.ir_builder import IRBuilder
from compiler.lower.context import LoweringError
from compiler.lower.memory import DramOverflow
from compiler.onnx_import import import_onnx
from compiler.passes.shape_infer import ShapeError
from compiler.train import Momentum, TrainSpec


def _onnx(nodes, inputs, inits) -> onnx.ModelProto:
    graph = helper.make_graph(
        nodes,
        "bad",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in inputs],
        [helper.make_tensor_value_info(nodes[-1].output[0], TensorProto.FLOAT, None)],
        [numpy_helper.from_array(np.zeros(s, np.float32), n) for n, s in inits],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model


# A network too big for DRAM --------------------------------------------------------------


def test_dense_layer_too_big_for_tiny_dram_names_the_weight_and_the_sizes():
    net = Net("huge")
    x = net.input("x", (1, 4096))
    net.output("y", net.dense(x, 4096, name="fc"))
    # fc.w 4096^2 int8 + x int8 4096 + fc.b and y int32 2 x 16384 + two scales 2 x 64 (aligned);
    # the int32 product and its requantization stay on chip (the GEMM's epilogue)
    with pytest.raises(
        DramOverflow,
        match=r"network 'huge_int8' needs 16814208 bytes of DRAM "
        r".*chip 'tiny' has 16777216; largest: fc\.w \(node %\d+, param "
        r"int8\[4096, 4096\], 16777216 bytes\)",
    ):
        compile(net.build(), ChipConfig.from_toml("tiny"), calibration={"x": np.ones((1, 4096))})


def test_onnx_model_too_big_for_dram_names_the_initializer(tmp_path):
    model = _onnx(
        [helper.make_node("MatMul", ["x", "w"], ["y"], "fc")],
        [("x", (2, 2048))],
        [("w", (2048, 2048))],
    )
    path = tmp_path / "big.onnx"
    onnx.save(model, str(path))
    edge = ChipConfig.from_toml("edge").replace(dram_mib=16)
    with pytest.raises(
        DramOverflow,
        match=r"chip 'edge' has 16777216; largest: w \(node %\d+, "
        r"param fp32\[2048, 2048\], 16777216 bytes\)",
    ):
        compile_onnx(path, edge)


def test_training_state_counts_towards_dram():
    # Inference fits, the training step (gradients, momentum) does not.
    net = Net("mlp")
    x = net.input("x", (4, 1024))
    net.output("logits", net.dense(x, 1024, name="fc"))
    edge = ChipConfig.from_toml("edge").replace(dram_mib=8)
    compile(net.build(), edge)
    with pytest.raises(DramOverflow, match=r"needs \d+ bytes of DRAM .* chip 'edge' has 8388608"):
        compile(net.build(), edge, train=TrainSpec("mse", Momentum()))


def test_gemm_too_big_for_the_on_chip_memories_names_the_node():
    net = Net("mlp")
    x = net.input("x", (4, 64))
    net.output("y", net.dense(x, 64, name="fc"))
    small = ChipConfig.from_toml("edge").replace(spad_kib=1, spad_banks=1, acc_kib=1, acc_banks=1)
    with pytest.raises(
        LoweringError,
        match=r"node %\d+ 'fc' \(matmul\): gemm T=4 K=64 N=64 "
        r"does not fit chip 'edge': no cost-model tiling fits 32 scratchpad rows",
    ):
        compile(net.build(), small)


# Wrong shapes in the builder -------------------------------------------------------------


def test_builder_matmul_inner_dimension_mismatch_names_the_node():
    b = IRBuilder()
    x = b.input("x", (2, 5))
    w = b.param("w", np.zeros((4, 2)))
    with pytest.raises(
        ShapeError,
        match=r"fc2: matmul with operand shapes \[\(2, 5\), \(4, 2\)\]"
        r": inner dimensions differ \(5 vs 4\)",
    ):
        b.matmul(x, w, name="fc2")


def test_builder_conv_on_a_flat_input_names_the_layer():
    net = Net()
    x = net.input("x", (2, 8))
    with pytest.raises(ShapeError, match=r"conv1: input must be NHWC \(4-D\), not \(2, 8\)"):
        net.conv2d(x, 4, 3)


def test_builder_batch_mismatch_between_inputs_names_the_layer():
    net = Net()
    a, b = net.input("a", (2, 4)), net.input("b", (3, 4))
    with pytest.raises(ShapeError, match=r"join: add with operand shapes \[\(2, 4\), \(3, 4\)\]"):
        net.add(net.relu(a), net.relu(b), name="join")
    with pytest.raises(
        ShapeError,
        match=r"cat: concat with operand shapes \[\(2, 4\), \(3, 4\)\]"
        r": operands must agree on every axis but 1",
    ):
        net.concat([a, b], name="cat")


@pytest.mark.parametrize(
    "kernel, stride, rule",
    [
        (0, 1, r"kernel \(0, 0\), stride \(1, 1\)"),
        (3, 0, r"kernel \(3, 3\), stride \(0, 0\)"),
    ],
)
def test_builder_window_must_be_positive(kernel, stride, rule):
    net = Net()
    x = net.input("x", (1, 8, 8, 3))
    with pytest.raises(ShapeError, match=rf"c: kernel and stride must be >= 1, not {rule}"):
        net.conv2d(x, 4, kernel, stride, name="c")
    with pytest.raises(ShapeError, match=rf"p: kernel and stride must be >= 1, not {rule}"):
        net.max_pool(x, kernel, stride, name="p")


def test_builder_layer_sizes_and_input_dimensions_must_be_positive():
    net = Net()
    with pytest.raises(ShapeError, match=r"x: .*every dimension must be positive, not \(2, 0\)"):
        net.input("x", (2, 0))
    x = net.input("x2", (2, 3))
    with pytest.raises(ShapeError, match="fc: units must be >= 1, not 0"):
        net.dense(x, 0, name="fc")
    with pytest.raises(ShapeError, match=r"flat: reshape .*cannot infer -1 in \(5, -1\)"):
        net.reshape(x, (5, -1), name="flat")


@pytest.mark.parametrize("batch", [0, -3])
def test_compile_batch_must_be_positive(batch):
    net = Net()
    x = net.input("x", (1, 3))
    net.output("y", net.dense(x, 2))
    with pytest.raises(ShapeError, match=rf"batch must be a positive int, not {batch}"):
        compile(net.build(), ChipConfig.from_toml("edge"), batch=batch)


# Wrong shapes in ONNX import -------------------------------------------------------------


def test_onnx_gemm_mismatch_names_the_node():
    model = _onnx(
        [helper.make_node("Gemm", ["x", "w"], ["y"], "head")], [("x", (2, 3))], [("w", (4, 5))]
    )
    with pytest.raises(
        ValueError,
        match=r"ONNX node 'head' \(Gemm\): .*inner dimensions differ "
        r"\(3 vs 4\)",
    ):
        import_onnx(model)


def test_onnx_conv_channel_mismatch_names_the_node():
    conv = helper.make_node("Conv", ["x", "w"], ["y"], "stem", kernel_shape=[3, 3])
    model = _onnx([conv], [("x", (1, 3, 8, 8))], [("w", (4, 5, 3, 3))])
    with pytest.raises(ValueError, match=r"ONNX node 'stem' \(Conv\): .*equal Cin"):
        import_onnx(model)


def test_onnx_batch_mismatch_between_inputs_names_the_node():
    add = helper.make_node("Add", ["a", "b"], ["y"], "join")
    model = _onnx([add], [("a", (2, 4)), ("b", (3, 4))], [])
    with pytest.raises(
        ValueError,
        match=r"ONNX node 'join' \(Add\): broadcasting \(3, 4\) "
        r"against \(2, 4\)",
    ):
        import_onnx(model)


def test_onnx_batch_must_be_positive():
    model = _onnx([helper.make_node("Relu", ["x"], ["y"], "r")], [("x", ("N", 4))], [])
    with pytest.raises(ValueError, match="batch must be a positive int, not 0"):
        import_onnx(model, batch=0)


def test_compile_onnx_with_an_unsupported_op_names_node_and_op(tmp_path):
    # The importer's own tests pin the message; here the compile entry point passes it through.
    model = _onnx([helper.make_node("Cos", ["x"], ["y"], "cos1")], [("x", (2, 3))], [])
    path = tmp_path / "cos.onnx"
    onnx.save(model, str(path))
    with pytest.raises(
        ValueError,
        match=r"ONNX node 'cos1' \(Cos\): op type 'Cos' is not supported",
    ):
        compile_onnx(path, ChipConfig.from_toml("edge"))
