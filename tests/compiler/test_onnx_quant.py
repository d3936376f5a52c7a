"""Quantized ONNX models (onnxruntime's own QOperator quantizer) on int8 chips vs onnxruntime.

The float MLP, CNN and residual net of tests/compiler/onnx_models.py go through onnxruntime's
recommended flow, `quant_pre_process` (shape inference and basic graph optimization, which
folds the batch norm into the convolution) then `quantize_static` (QOperator, QInt8
activations and weights, per tensor, min-max calibration on seeded random batches). The
quantized model defines its integer arithmetic, and every int8 tensor it computes (each
QLinear op's and MaxPool's output, not only the last) must equal onnxruntime's bit for bit on
tiny, tpu-v1 and edge with int8 input, over a few hundred input rows; so must the dequantized
float outputs. The same models with per-channel weight scales, and with uint8 activations, are
checked on tiny; the uint8 ones quantized with ``reduce_range`` (7-bit weights), as
onnxruntime advises for uint8 x int8 on CPUs without VNNI: with full-range weights,
onnxruntime's AVX2 kernels (VPMADDUBSW, int16 pair sums) saturate and depart from the integer
arithmetic the model defines (measured: 62 of 3200 outputs of the CNN's first QLinearConv, by
up to 66 units), while the chip computes it exactly.

Two onnxruntime kernels compute in fp32 where the chip has integers only (see
compiler/onnx_quant.py): QLinearAdd is made exact against MLAS's AVX2 kernel by patching the
few code pairs (of 65536) where the chip's fixed-point sum rounds differently, so the
exhaustive test needs an AVX2+FMA CPU (other CPUs run other MLAS kernels); QLinearAveragePool
rounds once where onnxruntime sums rounded fp32 terms and divides, so it is bounded (at most
one unit on at most 0.1% of the elements; measured 1 in 9216 in the test below, 0 in the
models), not exact by construction.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from chip.config import ChipConfig
from chip.dtypes import DType
from chip.program import TensorRole
from compiler import compile_onnx
from compiler.lower.program import Lowered
from compiler.onnx_import import import_onnx
from compiler.onnx_quant_host import QuantIO, quant_io
from tests.compiler.lowering_helpers import run_on_chip
from tests.compiler.onnx_models import lstm_head, quant_cnn, quant_mlp, quant_residual

ort = pytest.importorskip("onnxruntime", reason="onnxruntime is a test dependency")
from onnxruntime.quantization import (  # noqa: E402
    CalibrationDataReader,
    QuantFormat,
    QuantType,
    quantize_static,
)
from onnxruntime.quantization.shape_inference import quant_pre_process  # noqa: E402

BUILDERS = {"mlp": quant_mlp, "cnn": quant_cnn, "residual": quant_residual}
CHIPS = ("tiny", "tpu-v1", "edge-int8")
INT8_OPS = {
    "QLinearConv",
    "QLinearMatMul",
    "QGemm",
    "QLinearAdd",
    "QLinearConcat",
    "QLinearGlobalAveragePool",
    "QLinearAveragePool",
    "MaxPool",
    "Flatten",
}


def _chip(name: str) -> ChipConfig:
    if name == "edge-int8":
        return ChipConfig.from_toml("edge").replace(input_dtype=DType.INT8)
    return ChipConfig.from_toml(name)


class _Batches(CalibrationDataReader):
    """A few seeded standard-normal batches for min-max calibration."""

    def __init__(self, shapes: dict, count: int = 4, seed: int = 1) -> None:
        rng = np.random.default_rng(seed)
        self._it = iter(
            [
                {k: rng.standard_normal(s).astype(np.float32) for k, s in shapes.items()}
                for _ in range(count)
            ]
        )

    def get_next(self) -> dict | None:
        return next(self._it, None)


def quantize_qoperator(
    model: onnx.ModelProto,
    shapes: dict,
    folder: Path,
    per_channel: bool = False,
    unsigned: bool = False,
) -> Path:
    """``model`` quantized by onnxruntime (pre-processing, then QOperator, int8 weights, int8
    activations or uint8 ones with 7-bit weights: ``reduce_range``, which onnxruntime advises
    for uint8 x int8 on CPUs without VNNI, whose int16 pair sums would otherwise saturate)."""
    logging.disable(logging.WARNING)  # the quantizer's advice to prefer QDQ on x64
    try:
        src, pre, out = folder / "float.onnx", folder / "pre.onnx", folder / "int8.onnx"
        onnx.save(model, src)
        quant_pre_process(str(src), str(pre))
        quantize_static(
            str(pre),
            str(out),
            _Batches(shapes),
            quant_format=QuantFormat.QOperator,
            activation_type=QuantType.QUInt8 if unsigned else QuantType.QInt8,
            weight_type=QuantType.QInt8,
            per_channel=per_channel,
            reduce_range=unsigned,
        )
    finally:
        logging.disable(logging.NOTSET)
    return out


def expose_int8_tensors(path: Path, unsigned: bool = False) -> list[str]:
    """Make every 8-bit tensor computed by a quantized op a graph output too; their names."""
    model = onnx.load(path)
    names = [n.output[0] for n in model.graph.node if n.op_type in INT8_OPS]
    kind = TensorProto.UINT8 if unsigned else TensorProto.INT8
    model.graph.output.extend(helper.make_tensor_value_info(x, kind, None) for x in names)
    onnx.save(model, path)
    return names


@pytest.fixture(scope="module")
def quantized(tmp_path_factory) -> dict[str, tuple[Path, dict, list[str]]]:
    out = {}
    for name, build in BUILDERS.items():
        for unsigned in (False, True):
            model, shapes = build(np.random.default_rng(0))
            key = name + ("-uint8" if unsigned else "")
            path = quantize_qoperator(
                model, shapes, tmp_path_factory.mktemp(key), unsigned=unsigned
            )
            out[key] = (path, shapes, expose_int8_tensors(path, unsigned))
    return out


CASES = [(m, c) for m in sorted(BUILDERS) for c in CHIPS] + [
    (f"{m}-uint8", "tiny") for m in sorted(BUILDERS)
]


@pytest.mark.parametrize("model,chip", CASES)
def test_quantized_onnx_model_matches_onnxruntime_bit_for_bit(quantized, model, chip):
    path, shapes, inner = quantized[model]
    ops = {n.op_type for n in onnx.load(path).graph.node}
    assert ops <= INT8_OPS | {"QuantizeLinear", "DequantizeLinear"}, ops  # all integer
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    io = quant_io(path)
    program = compile_onnx(path, _chip(chip))
    assert program.tensor("x").dtype is DType.INT8
    assert float(program.init["x.scale"][0]) == io.inputs["x"].scale
    assert program.tensor("x.scale").role is TensorRole.QUANT_SCALE
    assert program.tensor("x.zero_point").role is TensorRole.QUANT_ZERO_POINT
    rng = np.random.default_rng(7)
    for _ in range(8):
        feeds = {k: (rng.standard_normal(s) * 1.5).astype(np.float32) for k, s in shapes.items()}
        want = dict(zip([o.name for o in sess.get_outputs()], sess.run(None, feeds), strict=True))
        got = run_on_chip(Lowered(program, (), 0), io.quantize_inputs(feeds))
        shift = 128 if model.endswith("uint8") else 0  # the chip holds uint8 q as q - 128
        for name in inner:
            np.testing.assert_array_equal(got[name].astype(int) + shift, want[name], err_msg=name)
        for name, real in io.dequantize(got).items():
            assert real.dtype == np.float32
            np.testing.assert_array_equal(real, want[name], err_msg=name)


def test_host_quantization_is_onnxruntimes_quantize_linear(tmp_path):
    scale, zero = np.float32(0.0371), np.int8(-7)
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "s", "z"], ["q"], "quant"),
        helper.make_node("DequantizeLinear", ["q", "s", "z"], ["y"], "dequant"),
    ]
    inits = [
        numpy_helper.from_array(np.array(scale), "s"),
        numpy_helper.from_array(np.array(zero), "z"),
    ]
    graph = helper.make_graph(
        nodes,
        "q",
        [helper.make_tensor_value_info("x", 1, (4, 256))],
        [
            helper.make_tensor_value_info("y", 1, None),
            helper.make_tensor_value_info("q", TensorProto.INT8, None),
        ],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    rng = np.random.default_rng(0)
    halves = (np.arange(-140, 116) + 0.5).astype(np.float32) * scale  # ties, and saturation
    x = np.stack(
        [
            halves,
            rng.standard_normal(256) * 6,
            rng.uniform(-5, 5, 256),
            np.float32(scale) * np.arange(-128, 128),
        ]
    ).astype(np.float32)
    q, y = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(
        ["q", "y"], {"x": x}
    )
    io = quant_io(model)
    np.testing.assert_array_equal(io.quantize_inputs({"x": x})["x"], q)
    np.testing.assert_array_equal(io.dequantize({"y": q})["y"], y)


def _contrib_model(
    nodes, inputs: dict, outputs: list[str], inits: dict, kind: int = TensorProto.INT8
) -> onnx.ModelProto:
    graph = helper.make_graph(
        nodes,
        "op",
        [helper.make_tensor_value_info(k, 1, s) for k, s in inputs.items()],
        [helper.make_tensor_value_info(k, kind, None) for k in outputs],
        [numpy_helper.from_array(np.asarray(v), k) for k, v in inits.items()],
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)]
    )
    model.ir_version = 8
    return model


def _codes_in(names: str, dtype: type = np.int8) -> tuple[list, dict]:
    """QuantizeLinear with scale 1 and zero point 0 for each input: the feeds are the codes."""
    nodes = [helper.make_node("QuantizeLinear", [x, "one", "zero"], [f"q{x}"]) for x in names]
    return nodes, {"one": np.float32(1), "zero": dtype(0)}


def _run_both(model: onnx.ModelProto, feeds: dict, path: Path) -> tuple[dict, dict, QuantIO]:
    """The chip's tensors, onnxruntime's outputs, and the model's host quantization."""
    onnx.save(model, path)
    want = dict(
        zip(
            [o.name for o in model.graph.output],
            ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, feeds),
            strict=True,
        )
    )
    io = quant_io(path)
    got = run_on_chip(Lowered(compile_onnx(path, _chip("tiny")), (), 0), io.quantize_inputs(feeds))
    return got, want, io


def _avx2_fma() -> bool:
    try:
        flags = Path("/proc/cpuinfo").read_text().split()
    except OSError:
        return False
    return "avx2" in flags and "fma" in flags


@pytest.mark.skipif(not _avx2_fma(), reason="exactness is against MLAS's AVX2 QLinearAdd kernel")
@pytest.mark.parametrize("seed,dtype", [(0, np.int8), (1, np.int8), (2, np.uint8)])
def test_qlinear_add_matches_onnxruntime_on_all_65536_code_pairs(seed, dtype, tmp_path):
    rng = np.random.default_rng(seed)
    sa, sb, sy = rng.uniform(0.01, 0.1, 3).astype(np.float32)
    za, zb, zy = (dtype(z + (128 if dtype is np.uint8 else 0)) for z in rng.integers(-60, 60, 3))
    nodes, inits = _codes_in("ab", dtype)
    nodes.append(
        helper.make_node(
            "QLinearAdd",
            ["qa", "sa", "za", "qb", "sb", "zb", "sy", "zy"],
            ["y"],
            "add",
            domain="com.microsoft",
        )
    )
    nodes.append(helper.make_node("DequantizeLinear", ["y", "sy", "zy"], ["real"]))
    inits.update(sa=sa, za=za, sb=sb, zb=zb, sy=sy, zy=zy)
    codes = np.arange(256, dtype=np.float32) - (0 if dtype is np.uint8 else 128)
    feeds = {
        "a": np.repeat(codes, 256).reshape(256, 256),
        "b": np.tile(codes, 256).reshape(256, 256),
    }
    model = _contrib_model(
        nodes, {"a": (256, 256), "b": (256, 256)}, ["real"], inits, TensorProto.FLOAT
    )
    model.graph.output.append(
        helper.make_tensor_value_info(
            "y", TensorProto.UINT8 if dtype is np.uint8 else TensorProto.INT8, None
        )
    )
    got, want, io = _run_both(model, feeds, tmp_path / "add.onnx")
    np.testing.assert_array_equal(io.onnx_values(got)["real"], want["y"])


@pytest.mark.parametrize("include", [0, 1])
def test_qlinear_average_pool_with_padding_within_one_unit_of_onnxruntime(include, tmp_path):
    """At most one unit on at most 0.1% of the outputs; measured: 1 of 4608 (include=0, these
    round-number scales), 0 of 138240 over 30 random scale/zero-point sets."""
    rng = np.random.default_rng(include)
    nodes, inits = _codes_in("x")
    nodes.append(
        helper.make_node(
            "QLinearAveragePool",
            ["qx", "sx", "zx", "sy", "zy"],
            ["y"],
            "pool",
            domain="com.microsoft",
            kernel_shape=[3, 3],
            pads=[1, 1, 1, 1],
            strides=[1, 1],
            count_include_pad=include,
        )
    )
    inits.update(sx=np.float32(0.043), zx=np.int8(-21), sy=np.float32(0.031), zy=np.int8(9))
    shape = (8, 4, 12, 12)
    model = _contrib_model(nodes, {"x": shape}, ["y"], inits)
    feeds = {"x": rng.integers(-128, 128, shape).astype(np.float32)}
    got, want, _ = _run_both(model, feeds, tmp_path / "pool.onnx")
    diff = np.abs(got["y"].astype(int) - want["y"].astype(int))
    # onnxruntime sums rounded fp32 terms and divides; the chip rounds once (module docstring)
    assert diff.max() <= 1 and np.count_nonzero(diff) <= diff.size // 1000, np.count_nonzero(diff)


def test_qlinear_concat_of_differently_scaled_inputs_is_exact_on_every_code(tmp_path):
    nodes, inits = _codes_in("ab")
    nodes.append(
        helper.make_node(
            "QLinearConcat",
            ["sy", "zy", "qa", "sa", "za", "qb", "sb", "zb"],
            ["y"],
            "cat",
            axis=1,
            domain="com.microsoft",
        )
    )
    inits.update(
        sy=np.float32(0.05),
        zy=np.int8(3),
        sa=np.float32(0.0371),
        za=np.int8(-11),
        sb=np.float32(0.05),
        zb=np.int8(3),
    )
    codes = np.arange(-128, 128, dtype=np.float32).reshape(2, 128)
    model = _contrib_model(nodes, {"a": (2, 128), "b": (2, 128)}, ["y"], inits)
    got, want, _ = _run_both(model, {"a": codes, "b": codes[::-1]}, tmp_path / "cat.onnx")
    np.testing.assert_array_equal(got["y"], want["y"])


def test_lstm_stays_float_under_static_quantization(tmp_path):
    """onnxruntime's static quantizer leaves LSTM in float (standard ONNX defines no quantized
    LSTM); only the Gemm after it is quantized, from a computed float tensor. That
    QuantizeLinear needs fp32 math on chip, so the import refuses it."""
    model, shapes = lstm_head(np.random.default_rng(0))
    path = quantize_qoperator(model, shapes, tmp_path)
    ops = [n.op_type for n in onnx.load(path).graph.node]
    assert "LSTM" in ops and ops.index("LSTM") < ops.index("QuantizeLinear"), ops
    with pytest.raises(
        ValueError,
        match=r"\(QuantizeLinear\): only graph inputs can be "
        r"quantized \('h' is computed",
    ):
        import_onnx(path)


@pytest.mark.parametrize("model", sorted(BUILDERS))
def test_per_channel_weight_scales_match_onnxruntime_bit_for_bit(model, tmp_path):
    """Per-channel scales requantize with an fp32 row vector of multipliers (MUL, then CAST to
    int32), as MLAS multiplies by each column's scale."""
    net, shapes = BUILDERS[model](np.random.default_rng(0))
    path = quantize_qoperator(net, shapes, tmp_path, per_channel=True)
    inner = expose_int8_tensors(path)
    scales = [
        t
        for t in onnx.load(path).graph.initializer
        if t.dims
        and t.dims[0] > 1
        and t.data_type == TensorProto.FLOAT
        and t.name.endswith("scale")
    ]
    assert scales, "the quantizer made no per-channel scale"
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    program, io = compile_onnx(path, _chip("tiny")), quant_io(path)
    rng = np.random.default_rng(3)
    for _ in range(4):
        feeds = {k: (rng.standard_normal(s) * 1.5).astype(np.float32) for k, s in shapes.items()}
        want = dict(zip([o.name for o in sess.get_outputs()], sess.run(None, feeds), strict=True))
        got = run_on_chip(Lowered(program, (), 0), io.quantize_inputs(feeds))
        for name in inner:
            np.testing.assert_array_equal(got[name], want[name], err_msg=name)


def test_per_channel_activation_scale_is_refused_naming_the_node():
    nodes, inits = _codes_in("x")
    nodes.append(
        helper.make_node(
            "QLinearMatMul", ["qx", "xs", "xz", "w", "one", "zero", "one", "zero"], ["y"], "mm"
        )
    )
    inits.update(w=np.ones((4, 3), np.int8), xs=np.float32([0.1, 0.2]), xz=np.int8([0, 0]))
    model = _contrib_model(nodes, {"x": (2, 4)}, ["y"], inits)
    with pytest.raises(
        ValueError,
        match=r"ONNX node 'mm' \(QLinearMatMul\): a scale has 2 "
        "values: only per-tensor",
    ):
        import_onnx(model)


def test_unsupported_quantized_op_is_refused_naming_it(tmp_path):
    nodes, inits = _codes_in("x")
    nodes.append(
        helper.make_node(
            "QLinearSigmoid", ["qx", "s", "z", "s", "z"], ["y"], "sig", domain="com.microsoft"
        )
    )
    inits.update(s=np.float32(0.1), z=np.int8(0))
    model = _contrib_model(nodes, {"x": (2, 4)}, ["y"], inits)
    with pytest.raises(
        ValueError,
        match=r"ONNX node 'sig' \(QLinearSigmoid\): op type 'QLinearSigmoid' is not supported",
    ):
        import_onnx(model)


def test_scale_that_is_not_a_constant_is_refused_naming_the_node():
    nodes, inits = _codes_in("x")
    nodes.append(
        helper.make_node(
            "QLinearConv", ["qx", "one", "zero", "w", "ws", "zero", "ys", "zero"], ["y"], "conv"
        )
    )
    inits.update(w=np.ones((2, 1, 1, 1), np.int8), ws=np.float32(0.1))
    model = _contrib_model(nodes, {"x": (1, 1, 3, 3), "ys": (1,)}, ["y"], inits)
    with pytest.raises(
        ValueError,
        match=r"ONNX node 'conv' \(QLinearConv\): y scale must be a "
        "constant initializer",
    ):
        import_onnx(model)


def test_float_op_on_a_quantized_tensor_is_refused():
    nodes, inits = _codes_in("x")
    nodes.append(helper.make_node("Relu", ["qx"], ["y"], "relu"))
    model = _contrib_model(nodes, {"x": (2, 4)}, ["y"], inits)
    with pytest.raises(
        ValueError,
        match=r"ONNX node 'relu' \(Relu\): input 'qx' is a "
        "quantized int8 tensor; Relu computes on floats",
    ):
        import_onnx(model)


def test_weight_zero_point_other_than_zero_is_refused():
    nodes, inits = _codes_in("x")
    nodes.append(
        helper.make_node(
            "QLinearMatMul", ["qx", "one", "zero", "w", "ws", "wz", "one", "zero"], ["y"], "mm"
        )
    )
    inits.update(w=np.ones((4, 3), np.int8), ws=np.float32(0.1), wz=np.int8(5))
    model = _contrib_model(nodes, {"x": (2, 4)}, ["y"], inits)
    with pytest.raises(
        ValueError,
        match=r"'mm' \(QLinearMatMul\): weight 'w' has zero point "
        r"\[5\]; only symmetric weights",
    ):
        import_onnx(model)


def test_quantized_model_needs_an_int8_chip(quantized):
    path, _, _ = quantized["mlp"]
    with pytest.raises(ValueError, match="int8 tensors cannot be held on chip 'edge'"):
        compile_onnx(path, ChipConfig.from_toml("edge"))


def test_input_quantized_after_a_flatten_is_quantized_by_the_host(tmp_path):
    """onnxruntime's quantizer (without pre-processing) leaves Flatten on the float input and
    quantizes after it; quantizing commutes with the reshape, so the host still does it."""
    nodes = [
        helper.make_node("Flatten", ["x"], ["flat"], "flatten"),
        helper.make_node("QuantizeLinear", ["flat", "xs", "xz"], ["qx"], "quant"),
        helper.make_node(
            "QLinearMatMul", ["qx", "xs", "xz", "w", "ws", "wz", "ys", "yz"], ["qy"], "mm"
        ),
        helper.make_node("DequantizeLinear", ["qy", "ys", "yz"], ["y"], "dequant"),
    ]
    rng = np.random.default_rng(0)
    inits = {
        "xs": np.float32(0.02),
        "xz": np.int8(-5),
        "w": rng.integers(-127, 128, (16, 3), dtype=np.int8),
        "ws": np.float32(0.01),
        "wz": np.int8(0),
        "ys": np.float32(0.3),
        "yz": np.int8(2),
    }
    model = _contrib_model(nodes, {"x": (8, 1, 4, 4)}, ["qy"], inits)
    model.graph.output.append(helper.make_tensor_value_info("y", TensorProto.FLOAT, None))
    got, want, io = _run_both(
        model, {"x": rng.standard_normal((8, 1, 4, 4)).astype(np.float32)}, tmp_path / "flat.onnx"
    )
    assert set(io.inputs) == {"x"}
    np.testing.assert_array_equal(got["qy"], want["qy"])
    np.testing.assert_array_equal(io.dequantize(got)["y"], want["y"])


def test_host_quantization_refuses_an_unknown_feed(quantized):
    io = quant_io(quantized["mlp"][0])
    with pytest.raises(
        ValueError,
        match=r"feeds \['image'\] are not quantized inputs of the "
        r"model \(those are \['x'\]\)",
    ):
        io.quantize_inputs({"image": np.zeros((8, 20), np.float32)})


@pytest.mark.parametrize("chip", ["tiny", "tpu-v1"])
def test_cycle_level_machine_matches_onnxruntime_too(quantized, chip):
    path, shapes, inner = quantized["residual"]
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    io = quant_io(path)
    feeds = {"x": np.random.default_rng(11).standard_normal(shapes["x"]).astype(np.float32)}
    want = dict(zip([o.name for o in sess.get_outputs()], sess.run(None, feeds), strict=True))
    got = run_on_chip(
        Lowered(compile_onnx(path, _chip(chip)), (), 0), io.quantize_inputs(feeds), machine=True
    )
    for name in inner:
        np.testing.assert_array_equal(got[name], want[name], err_msg=name)
