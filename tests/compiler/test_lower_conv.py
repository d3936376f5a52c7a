"""Convolutions (forward and both gradients) and pooling (forward and gradients) on the chip
vs the float64 reference, on a 4x4 fp32 chip so channels and K split into many tiles."""

import dataclasses
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chip.config import ChipConfig, Dataflow
from chip.dtypes import DType
from chip.machine import run_machine
from chip.state import ChipState
from compiler import zoo
from compiler.builder import Net
from compiler.compile import compile_lowered
from compiler.ir import Op
from compiler.ir_builder import IRBuilder
from compiler.lower import conv, conv_grad_weight, conv_im2col
from compiler.lower.program import lower
from compiler.lower.residency import Residency
from compiler.passes.pipeline import graph_passes
from compiler.quantize import quantize
from compiler.reference import evaluate
from runtime.models import train_spec
from tests.compiler.lowering_helpers import check_graph, run_on_chip

CASES = [  # (input NHWC, kernel, cout, stride, padding)
    ((2, 5, 5, 3), (3, 3), 6, (1, 1), (1, 1, 1, 1)),
    ((1, 7, 6, 2), (3, 2), 5, (2, 2), (1, 0, 1, 1)),
    ((2, 4, 4, 5), (1, 1), 3, (1, 1), (0, 0, 0, 0)),
    ((1, 6, 6, 1), (5, 5), 2, (1, 1), (2, 2, 2, 2)),
]


def fp32_tiny(dataflow: str = "ws") -> ChipConfig:
    return ChipConfig.from_toml("tiny").replace(input_dtype=DType.FP32, dataflow=Dataflow(dataflow))


def conv_graph(op: Op, x_shape, kernel, cout, stride, padding):
    b = IRBuilder(op.value)
    kh, kw = kernel
    w_shape = (kh, kw, x_shape[3], cout)
    n, h, w, _ = x_shape
    oh = (h + padding[0] + padding[2] - kh) // stride[0] + 1
    ow = (w + padding[1] + padding[3] - kw) // stride[1] + 1
    y_shape = (n, oh, ow, cout)
    attrs = dict(stride=stride, padding=padding)
    if op is Op.CONV2D:
        shapes = {"x": x_shape, "w": w_shape}
    elif op is Op.CONV2D_GRAD_INPUT:
        shapes = {"dy": y_shape, "w": w_shape}
        attrs["input_shape"] = x_shape
    else:
        shapes = {"x": x_shape, "dy": y_shape}
        attrs["weight_shape"] = w_shape
    ins = [b.input(name, s) for name, s in shapes.items()]
    b.output("y", b.add(op, ins, "conv", **attrs))
    rng = np.random.default_rng(0)
    return b.build(), {name: rng.standard_normal(s) for name, s in shapes.items()}


@pytest.mark.parametrize("case", CASES, ids=["3x3same", "strided", "1x1", "5x5"])
@pytest.mark.parametrize("op", [Op.CONV2D, Op.CONV2D_GRAD_INPUT, Op.CONV2D_GRAD_WEIGHT])
def test_conv_and_gradients(op, case):
    graph, inputs = conv_graph(op, *case)
    check_graph(graph, fp32_tiny(), inputs, rtol=1e-5)


@pytest.mark.parametrize("dataflow", ["is", "os"])
def test_conv_on_other_dataflows_with_machine(dataflow):
    graph, inputs = conv_graph(Op.CONV2D, *CASES[1])
    check_graph(graph, fp32_tiny(dataflow), inputs, rtol=1e-5, machine=True)


POOLS = [  # (input, kernel, stride, padding)
    ((2, 6, 6, 5), (2, 2), (2, 2), (0, 0, 0, 0)),
    ((1, 5, 5, 3), (3, 3), (2, 2), (1, 1, 1, 1)),
    ((1, 5, 4, 2), (3, 2), (1, 1), (1, 0, 1, 1)),
    ((1, 5, 7, 3), (2, 2), (2, 3), (0, 0, 0, 0)),
    ((2, 4, 4, 2), (2, 2), (2, 2), (1, 1, 1, 1)),
    ((2, 7, 8, 3), (3, 3), (2, 2), (0, 0, 0, 0)),
    ((1, 9, 9, 2), (3, 4), (2, 3), (1, 2, 1, 2)),
]


@pytest.mark.parametrize(
    "case",
    POOLS,
    ids=["2x2", "3x3pad", "overlap", "disjoint-gaps", "disjoint-pad", "phases", "phases-pad"],
)
@pytest.mark.parametrize(
    "op,include_pad", [(Op.MAXPOOL2D, False), (Op.AVGPOOL2D, False), (Op.AVGPOOL2D, True)]
)
@pytest.mark.parametrize("grad", [False, True])
def test_pooling_and_gradients(op, include_pad, grad, case):
    x_shape, kernel, stride, padding = case
    b = IRBuilder("pool")
    x = b.input("x", x_shape)
    attrs = dict(kernel=kernel, stride=stride, padding=padding)
    if op is Op.AVGPOOL2D:
        attrs["count_include_pad"] = include_pad
    y = b.add(op, (x,), "pool", **attrs)
    rng = np.random.default_rng(2)
    inputs = {"x": rng.standard_normal(x_shape)}
    if grad:
        dy = b.input("dy", b.shape(y))
        gop = Op.MAXPOOL2D_GRAD if op is Op.MAXPOOL2D else Op.AVGPOOL2D_GRAD
        y = b.add(gop, (x, dy), "pool_grad", **attrs)
        inputs["dy"] = rng.standard_normal(b.shape(dy))
    b.output("y", y)
    # on the machine: the disjoint gradients' stores follow a fill of the same rows, and max
    # pooling without a padded copy loads into rows the previous tap's MAX reads
    check_graph(b.build(), fp32_tiny(), inputs, rtol=1e-6, machine=True)


@pytest.mark.parametrize("op", [Op.MAXPOOL2D_GRAD, Op.AVGPOOL2D_GRAD])
def test_disjoint_pool_gradient_zeroes_what_no_window_covers(op):
    # stride 3 > kernel 2: the last column and every third one are in no window; dx must be
    # zero there even where its buffer held something before
    b = IRBuilder("gaps")
    x = b.input("x", (1, 4, 7, 2))
    dy = b.input("dy", (1, 2, 2, 2))
    attrs = dict(kernel=(2, 2), stride=(2, 3), padding=(0, 0, 0, 0))
    b.output("y", b.add(op, (x, dy), "g", **attrs))
    graph = b.build()
    rng = np.random.default_rng(5)
    inputs = {"x": rng.standard_normal((1, 4, 7, 2)), "dy": rng.standard_normal((1, 2, 2, 2))}
    lowered = lower(graph, fp32_tiny())
    state = ChipState(lowered.program.config)
    state.load_program(lowered.program)
    for name, value in inputs.items():
        state.write_tensor(lowered.program.tensor(name), value)
    state.write_tensor(lowered.program.tensor("y"), np.full((1, 4, 7, 2), 7.0))
    got = run_machine(lowered.program, state=state).state.read_tensor(lowered.program.tensor("y"))
    want = evaluate(graph, inputs).outputs["y"]
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
    assert (got[:, :, 2::3] == 0).all()


def test_maxpool_gradient_goes_to_first_maximum():
    b = IRBuilder("ties")
    x = b.input("x", (1, 2, 2, 1))
    dy = b.input("dy", (1, 1, 1, 1))
    attrs = dict(kernel=(2, 2), stride=(2, 2), padding=(0, 0, 0, 0))
    b.output("y", b.add(Op.MAXPOOL2D_GRAD, (x, dy), "g", **attrs))
    check_graph(
        b.build(),
        fp32_tiny(),
        {"x": np.ones((1, 2, 2, 1)), "dy": np.full((1, 1, 1, 1), 3.0)},
        rtol=0.0,
    )


@pytest.mark.parametrize("op", [Op.MAXPOOL2D_GRAD, Op.AVGPOOL2D_GRAD, Op.AVGPOOL2D])
def test_pooling_rows_wider_than_the_buffers_are_split(op):
    # 1 KiB of fp32 accumulator: 63 rows, fewer than the 40 output positions per row x 2 frames
    cfg = fp32_tiny().replace(acc_kib=1, acc_banks=1)
    b = IRBuilder("wide")
    x = b.input("x", (1, 4, 80, 2))
    attrs = dict(kernel=(2, 2), stride=(2, 2), padding=(1, 0, 0, 0), count_include_pad=False)
    inputs = {"x": np.random.default_rng(3).standard_normal((1, 4, 80, 2))}
    if op is Op.AVGPOOL2D:
        y = b.add(op, (x,), "pool", **attrs)
    else:
        fwd = Op.MAXPOOL2D if op is Op.MAXPOOL2D_GRAD else Op.AVGPOOL2D
        dy = b.input("dy", b.shape(b.add(fwd, (x,), "pool", **attrs)))
        inputs["dy"] = np.random.default_rng(4).standard_normal(b.shape(dy))
        y = b.add(op, (x, dy), "grad", **attrs)
    b.output("y", y)
    check_graph(b.build(), cfg, inputs, rtol=1e-6)


@settings(max_examples=12, deadline=None)
@given(
    n=st.integers(1, 2),
    h=st.integers(3, 7),
    w=st.integers(3, 7),
    cin=st.integers(1, 5),
    cout=st.integers(1, 5),
    k=st.integers(1, 3),
    s=st.integers(1, 2),
    p=st.integers(0, 1),
    op=st.sampled_from([Op.CONV2D, Op.CONV2D_GRAD_INPUT, Op.CONV2D_GRAD_WEIGHT]),
    dataflow=st.sampled_from(["ws", "is", "os"]),
)
def test_random_convolutions(n, h, w, cin, cout, k, s, p, op, dataflow):
    graph, inputs = conv_graph(op, (n, h, w, cin), (k, k), cout, (s, s), (p, p, p, p))
    check_graph(graph, fp32_tiny(dataflow), inputs, rtol=1e-5)


STRIDE1 = [  # stride-1 cases: same padding, valid, an odd kernel, a gradient that crops
    ((2, 5, 5, 3), (3, 3), 6, (1, 1), (1, 1, 1, 1)),
    ((1, 6, 7, 5), (3, 2), 4, (1, 1), (0, 0, 0, 0)),
    ((1, 5, 5, 2), (2, 2), 3, (1, 1), (2, 2, 2, 2)),
    ((1, 4, 4, 2), (1, 1), 3, (1, 1), (1, 1, 1, 1)),
]


@pytest.mark.parametrize("case", STRIDE1, ids=["same", "valid", "crop", "1x1pad"])
@pytest.mark.parametrize("op", [Op.CONV2D, Op.CONV2D_GRAD_INPUT, Op.CONV2D_GRAD_WEIGHT])
@pytest.mark.parametrize("way", ["bands", "shifted", "im2col", "windows"])
def test_stride1_paths_compute_only_valid_outputs(monkeypatch, op, case, way):
    """Every way of a stride-1 convolution (and its gradients), forced, equals the float64
    reference, on the machine too; the array computes each output once with the whole
    kernel and no output beyond them (the input gradient, a convolution of dY padded by
    kernel-1, multiplies its padding zeros as the forward does)."""
    shifted = way == "shifted"
    monkeypatch.setattr(conv, "_taps_pay", lambda *a: False)
    monkeypatch.setattr(conv, "_bands_pay", lambda *a: way == "bands")
    monkeypatch.setattr(conv, "_shifted_pays", lambda *a: shifted)
    monkeypatch.setattr(conv_grad_weight, "_implicit_grad_weight_pays", lambda *a: shifted)
    # the weight gradient from windows preloaded as A's tiles (else im2col)
    monkeypatch.setattr(conv_grad_weight, "_windows_grad_weight_pays", lambda *a: way == "windows")
    monkeypatch.setattr(conv_grad_weight, "images_grad_weight_pays", lambda *a: False)
    monkeypatch.setattr(conv_grad_weight, "_rows_grad_weight_pays", lambda *a: False)
    calls = []
    bands = conv.emit_bands
    monkeypatch.setattr(conv, "emit_bands", lambda *a: calls.append(a) or bands(*a))
    graph, inputs = conv_graph(op, *case)
    check_graph(graph, fp32_tiny(), inputs, rtol=1e-5, machine=True)
    has_kernel = case[1] != (1, 1)
    assert bool(calls) is (way == "bands" and has_kernel and op is not Op.CONV2D_GRAD_WEIGHT)
    counters = run_machine(lower(graph, fp32_tiny()).program).counters
    (n, h, w, cin), (kh, kw), cout, _, (pt, pl, pb, pr) = case
    outputs = n * (h + pt + pb - kh + 1) * (w + pl + pr - kw + 1)
    if op is Op.CONV2D_GRAD_INPUT:
        outputs = n * h * w
    if op is not Op.CONV2D_GRAD_WEIGHT or not shifted:  # the shifted dW sums over all rows
        assert counters.macs == outputs * kh * kw * cin * cout


TAPS = [  # (x shape, kernel, cout, stride, padding); channels whole chunks of tiny's 4 rows
    ((5, 4, 4, 4), (3, 3), 4, (1, 1), (1, 1, 1, 1)),
    ((3, 5, 6, 4), (3, 2), 4, (1, 1), (2, 0, 1, 1)),
]


@pytest.mark.parametrize("case", TAPS, ids=["same", "uneven"])
@pytest.mark.parametrize("op", [Op.CONV2D, Op.CONV2D_GRAD_INPUT])
def test_tap_planes(monkeypatch, op, case):
    """A stride-1 convolution (and its input gradient) forced to tap planes, in groups of
    at most two images (the last one short), equals the float64 reference on the machine; the array
    computes each output once with the whole kernel."""
    monkeypatch.setattr(conv, "_taps_pay", lambda *a: True)
    plan = conv.plan_taps
    monkeypatch.setattr(
        conv,
        "plan_taps",
        lambda *a: (p := plan(*a)) and dataclasses.replace(p, images=min(2, p.images)),
    )
    calls = []
    taps = conv.emit_taps
    monkeypatch.setattr(conv, "emit_taps", lambda *a: calls.append(a) or taps(*a))
    graph, inputs = conv_graph(op, *case)
    check_graph(graph, fp32_tiny(), inputs, rtol=1e-5, machine=True)
    assert calls
    counters = run_machine(lower(graph, fp32_tiny()).program).counters
    (n, h, w, cin), (kh, kw), cout, _, (pt, pl, pb, pr) = case
    outputs = n * (h + pt + pb - kh + 1) * (w + pl + pr - kw + 1)
    if op is Op.CONV2D_GRAD_INPUT:
        outputs = n * h * w
    assert counters.macs == outputs * kh * kw * cin * cout


STRIDED = [  # strided cases whose padded width is a multiple of the stride
    ((2, 8, 8, 3), (3, 3), 4, (2, 2), (1, 1, 1, 1)),
    ((1, 9, 10, 2), (3, 2), 5, (3, 2), (0, 0, 0, 0)),
    ((1, 8, 8, 3), (7, 7), 4, (2, 2), (3, 3, 3, 3)),
]


@pytest.mark.parametrize(
    "case", STRIDE1 + STRIDED, ids=["same", "valid", "crop", "1x1pad", "3x3s2", "3x2s3x2", "7x7s2"]
)
@pytest.mark.parametrize("op", [Op.CONV2D, Op.CONV2D_GRAD_INPUT])
def test_bands_of_the_unpadded_input(monkeypatch, case, op):
    """Bands forced to read the input itself, its zero padding held on chip (rows set to
    zero, windows' padded chunks never loaded, windows at the right edge loaded in part),
    equal the float64 reference on the machine, computing each output once; a convolution
    without padding (or the dilated input gradient of a strided one) pads as before."""
    monkeypatch.setattr(conv, "_bands_pay", lambda *a: True)
    monkeypatch.setattr(conv, "_unpadded_pays", lambda *a: True)
    calls = []
    bands = conv.emit_bands
    monkeypatch.setattr(conv, "emit_bands", lambda *a: calls.append(a) or bands(*a))
    graph, inputs = conv_graph(op, *case)
    check_graph(graph, fp32_tiny(), inputs, rtol=1e-5, machine=True)
    (n, h, w, cin), (kh, kw), cout, stride, padding = case
    unpadded = [a for a in calls if a[1].padding != (0, 0, 0, 0)]
    dilated = op is Op.CONV2D_GRAD_INPUT and stride != (1, 1)
    expect = padding != (0, 0, 0, 0) and (kh, kw) != (1, 1) and not dilated
    if op is Op.CONV2D_GRAD_INPUT:
        expect = (
            (kh, kw) != (1, 1)
            and not dilated
            and any(k - 1 - p > 0 for k, p in ((kh, padding[0]), (kw, padding[1])))
        )
    assert bool(unpadded) is expect, [a[1] for a in calls]


PACKED = [  # few output channels: two output columns per array row of `tiny` (4 x 4)
    ((2, 5, 6, 1), (3, 3), 2, (1, 1), (1, 1, 1, 1)),
    ((1, 7, 9, 1), (3, 2), 2, (2, 1), (0, 0, 0, 0)),
]


@pytest.mark.parametrize("case", PACKED, ids=["same", "valid-s2x1"])
def test_bands_packing_output_columns(monkeypatch, case):
    """Bands forced to pack two consecutive output columns per array row (their windows'
    run of input against block-diagonal weights) equal the float64 reference on the
    machine; the array multiplies the packed weights' zeros too."""
    monkeypatch.setattr(conv, "_bands_pay", lambda *a: True)
    monkeypatch.setattr(conv, "_unpadded_pays", lambda *a: False)
    plan = conv.plan_bands
    monkeypatch.setattr(conv, "plan_bands", lambda *a, **k: plan(*a, **{**k, "pack": 2}))
    calls = []
    bands = conv.emit_bands
    monkeypatch.setattr(conv, "emit_bands", lambda *a: calls.append(a) or bands(*a))
    graph, inputs = conv_graph(Op.CONV2D, *case)
    check_graph(graph, fp32_tiny(), inputs, rtol=1e-5, machine=True)
    assert [a[1].pack for a in calls] == [2]
    (n, h, w, cin), (kh, kw), cout, (sh, sw), (pt, pl, pb, pr) = case
    outputs = n * ((h + pt + pb - kh) // sh + 1) * ((w + pl + pr - kw) // sw + 1)
    counters = run_machine(lower(graph, fp32_tiny()).program).counters
    k = (sw + kw) * cin  # the two windows' run
    assert counters.macs == outputs // 2 * kh * k * 2 * cout
    assert counters.useful_macs == outputs * kh * kw * cin * cout


@pytest.mark.parametrize("case", PACKED, ids=["same", "valid-s2x1"])
def test_packed_bands_with_a_bias_epilogue(monkeypatch, case):
    """A bias (a row operand) and ReLU after packed bands run as their epilogue on the packed
    tiles, the bias laid out once per output column of the pack: bit for bit the unpacked
    bands' values on the machine."""
    monkeypatch.setattr(conv, "_bands_pay", lambda *a: True)
    monkeypatch.setattr(conv, "_unpadded_pays", lambda *a: False)
    (n, h, w, cin), (kh, kw), cout, stride, padding = case
    b = IRBuilder("conv_bias")
    x = b.input("x", (n, h, w, cin))
    y = b.add(
        Op.CONV2D, (x, b.input("w", (kh, kw, cin, cout))), "conv", stride=stride, padding=padding
    )
    y = b.add(Op.ADD, (y, b.input("b", (cout,))), "bias")
    b.output("y", b.add(Op.RELU, (y,), "relu"))
    graph = b.build()
    rng = np.random.default_rng(3)
    inputs = {"x": rng.standard_normal((n, h, w, cin))}
    inputs["w"] = rng.standard_normal((kh, kw, cin, cout))
    inputs["b"] = rng.standard_normal(cout)
    plan, bands = conv.plan_bands, conv.emit_bands
    got = {}
    for pack in (2, 1):
        calls = []
        monkeypatch.setattr(
            conv, "plan_bands", lambda *a, p=pack, **k: plan(*a, **{**k, "pack": p})
        )
        monkeypatch.setattr(conv, "emit_bands", lambda *a, c=calls: c.append(a) or bands(*a))
        lowered = lower(graph, fp32_tiny())
        assert [(a[1].pack, a[-1] is not None) for a in calls] == [(pack, True)]
        got[pack] = run_on_chip(lowered, inputs, machine=True)["y"]
    np.testing.assert_array_equal(got[2], got[1])
    assert (got[1] > 0).any() and (got[1] == 0).any()


@pytest.mark.parametrize("case", STRIDED, ids=["3x3s2", "3x2s3x2", "7x7s2"])
@pytest.mark.parametrize("way", ["bands", "shifted", "im2col"])
def test_strided_convolution_every_way(monkeypatch, case, way):
    """A strided convolution forced to bands of input rows (stored by row phase), to shifted
    windows (views with a row stride of SW*C) or to im2col equals the float64 reference,
    and on the machine the array computes each output once with the whole kernel."""
    shifted = way == "shifted"
    monkeypatch.setattr(conv, "_taps_pay", lambda *a: False)
    monkeypatch.setattr(conv, "_bands_pay", lambda *a: way == "bands")
    monkeypatch.setattr(conv, "_shifted_pays", lambda *a: shifted)
    calls, band_calls = [], []
    windows, bands = conv._windows, conv.emit_bands
    monkeypatch.setattr(conv, "_windows", lambda *a: calls.append(a) or windows(*a))
    monkeypatch.setattr(conv, "emit_bands", lambda *a: band_calls.append(a) or bands(*a))
    graph, inputs = conv_graph(Op.CONV2D, *case)
    check_graph(graph, fp32_tiny(), inputs, rtol=1e-5, machine=True)
    assert bool(calls) is shifted
    assert bool(band_calls) is (way == "bands")
    counters = run_machine(lower(graph, fp32_tiny()).program).counters
    (n, h, w, cin), (kh, kw), cout, (sh, sw), (pt, pl, pb, pr) = case
    outputs = n * ((h + pt + pb - kh) // sh + 1) * ((w + pl + pr - kw) // sw + 1)
    assert counters.macs == outputs * kh * kw * cin * cout


def test_shifted_windows_stage_fp32_operands_on_a_bf16_chip(monkeypatch):
    """fp32 operands on a bf16 array: the activations are gathered run by run into staging
    rows and converted to bf16 as one block; the result is the reference within bf16's
    rounding of the operands."""
    monkeypatch.setattr(conv, "_taps_pay", lambda *a: False)
    monkeypatch.setattr(conv, "_bands_pay", lambda *a: False)
    monkeypatch.setattr(conv, "_shifted_pays", lambda *a: True)
    graph, inputs = conv_graph(Op.CONV2D, *STRIDE1[0])
    cfg = ChipConfig.from_toml("tiny").replace(input_dtype=DType.BF16)
    assert check_graph(graph, cfg, inputs, rtol=2e-2) > 1e-6  # the operands were rounded


def test_stride1_convolution_takes_the_predicted_cheaper_way():
    """The lowering notes the predictions and emits the cheapest: LeNet's first convolution
    (one input channel) by bands of input rows, its weight gradient across images (predicted
    cheaper than every other way, which are then not weighed); a convolution whose bands do not
    pay goes by the cheaper of shifted windows and im2col."""
    chip = ChipConfig.from_toml("edge")
    lowered = compile_lowered(zoo.lenet(batch=8), chip, train=train_spec("ce", "sgd", 0.1))
    picks, bands, emitted, across = {}, {}, set(), {}
    for note in lowered.notes:
        found = re.match(r"(\w+): weight gradient ~(\d+) cycles across images, ~(\d+) the", note)
        if found:
            across[found.group(1)] = int(found.group(2)) < int(found.group(3))
        found = re.match(r"(\w+): stride-1 (.+) ~(\d+) cycles by shifted windows, ~(\d+) by", note)
        if found:
            layer, what, shifted, dense = found.groups()
            picks[layer, what] = int(shifted) <= int(dense)
        found = re.match(r"(\w+): row bands ~(\d+) cycles against ~(\d+) .* ~(\d+) by im2col", note)
        if found:
            layer, *ways = found.groups()
            bands[layer] = int(ways[0]) < min(map(int, ways[1:]))
        found = re.match(r"(\w+): stride-1 conv by bands of", note)
        if found:
            emitted.add(found.group(1))
    assert bands["conv1"] is True and ("conv1", "conv") not in picks
    assert emitted == {layer for layer, cheaper in bands.items() if cheaper}
    assert all((layer, "conv") in picks for layer, cheaper in bands.items() if not cheaper)
    assert across["grad_conv1"] is True and ("grad_conv1", "weight gradient") not in picks


@pytest.mark.parametrize("chip", ["tiny", "tpu-v1"])
@pytest.mark.parametrize("way", ["bands", "shifted", "im2col"])
def test_int8_stride1_convolution_either_way_matches_the_reference(monkeypatch, chip, way):
    """Two int8 stride-1 convolutions, forced each way: the first's fused epilogue
    (ReLU, requantizing scale and cast to int8 for the second) keeps its on-chip rows while
    the GEMM runs, and the int32 output is the float64 NumPy reference of the same integer
    graph within one unit (the reference keeps the exact products of the quantization scales
    where the chip rounds them, as in test_lower_quantized.py)."""
    monkeypatch.setattr(conv, "_taps_pay", lambda *a: False)
    monkeypatch.setattr(conv, "_bands_pay", lambda *a: way == "bands")
    monkeypatch.setattr(conv, "_shifted_pays", lambda *a: way == "shifted")
    net = Net("qconv", 0)
    h = net.conv2d(net.input("x", (3, 6, 7, 4)), 8, 3, padding="same")
    net.output("y", net.conv2d(net.relu(h), 8, 3, padding="same"))
    prim = graph_passes(net.build())
    x = {"x": np.random.default_rng(1).standard_normal((3, 6, 7, 4))}
    qz = quantize(prim, x)
    xq = qz.quantize_inputs(x)
    got = run_on_chip(compile_lowered(qz.graph, ChipConfig.from_toml(chip)), xq)
    want = evaluate(graph_passes(qz.graph), xq, round_casts=True).outputs["y"]
    assert np.abs(want).max() > 1000  # int32 sums of int8 products, not all zeros
    assert np.abs(got["y"] - want).max() <= 1.0


def test_single_channel_weight_gradient_copies_tap_planes():
    # one input channel: the im2col matrix is built transposed, a plane per tap and image,
    # chosen by its predicted copies (4 x 9 planes against 4 x 6 x 3 rows of 3 elements)
    x_shape, dy_shape = (4, 6, 6, 1), (4, 6, 6, 3)
    b = IRBuilder("planes")
    x, dy = b.input("x", x_shape), b.input("dy", dy_shape)
    attrs = dict(stride=(1, 1), padding=(1, 1, 1, 1), weight_shape=(3, 3, 1, 3))
    b.output("y", b.add(Op.CONV2D_GRAD_WEIGHT, (x, dy), "conv", **attrs))
    rng = np.random.default_rng(6)
    inputs = {"x": rng.standard_normal(x_shape), "dy": rng.standard_normal(dy_shape)}
    cfg = ChipConfig.from_toml("edge").replace(input_dtype=DType.FP32)
    notes = "\n".join(lower(b.build(), cfg).notes)
    planes, rows = re.search(
        r"~(\d+) cycles of copies as tap planes, ~(\d+) as window", notes
    ).groups()
    shifted, im2col = re.search(
        r"~(\d+) cycles by shifted windows, ~(\d+) by im2col", notes
    ).groups()
    assert int(planes) < int(rows) and int(im2col) <= int(shifted)
    check_graph(b.build(), cfg, inputs, rtol=1e-6, machine=True)


def test_weight_gradient_by_preloaded_windows_equals_im2col(monkeypatch):
    # LeNet's second convolution: A's tiles preloaded straight from the padded input's
    # windows, chosen by predicted cycles; its sums run in the im2col GEMM's order
    x_shape, dy_shape = (4, 4, 4, 8), (4, 4, 4, 16)
    b = IRBuilder("windows")
    x, dy = b.input("x", x_shape), b.input("dy", dy_shape)
    attrs = dict(stride=(1, 1), padding=(1, 1, 1, 1), weight_shape=(3, 3, 8, 16))
    b.output("y", b.add(Op.CONV2D_GRAD_WEIGHT, (x, dy), "conv", **attrs))
    graph = b.build()
    rng = np.random.default_rng(8)
    inputs = {"x": rng.standard_normal(x_shape), "dy": rng.standard_normal(dy_shape)}
    cfg = ChipConfig.from_toml("edge").replace(input_dtype=DType.FP32)
    monkeypatch.setattr(conv_grad_weight, "_rows_grad_weight_pays", lambda *args: False)
    lowered = lower(graph, cfg)
    windows, im2col = re.search(
        r"~(\d+) cycles by windows preloaded as A's tiles, ~(\d+) by im2col",
        "\n".join(lowered.notes),
    ).groups()
    assert int(windows) < int(im2col)
    check_graph(graph, cfg, inputs, rtol=1e-6, machine=True)
    got = run_on_chip(lowered, inputs, machine=True)["y"]
    monkeypatch.setattr(conv_grad_weight, "_windows_grad_weight_pays", lambda *args: False)
    monkeypatch.setattr(conv_grad_weight, "images_grad_weight_pays", lambda *args: False)
    np.testing.assert_array_equal(got, run_on_chip(lower(graph, cfg), inputs, machine=True)["y"])


COLUMNS = [  # (x shape, kernel, cout, stride, padding) on tiny's 4x4 array
    ((3, 4, 4, 3), (3, 3), 6, (1, 1), (1, 1, 1, 1)),  # two cout tiles
    ((2, 3, 4, 2), (3, 2), 3, (1, 1), (1, 0, 1, 1)),  # uneven kernel and padding
]


@pytest.mark.parametrize("case", COLUMNS, ids=["same", "uneven"])
def test_weight_gradient_by_kernel_columns_equals_windows(monkeypatch, case):
    """The weight gradient by kernel-column passes (dY's tile stationary, the rows a kernel
    column would wrap to the next input row zero), forced, equals the float64 reference on
    the machine and, bit for bit, the way by preloaded windows (the im2col GEMM's order);
    the array computes each product once."""
    monkeypatch.setattr(conv_grad_weight, "images_grad_weight_pays", lambda *a: False)
    monkeypatch.setattr(conv_grad_weight, "_implicit_grad_weight_pays", lambda *a: False)
    monkeypatch.setattr(conv_grad_weight, "_rows_grad_weight_pays", lambda *a: True)
    calls = []
    rows = conv_grad_weight.rows_grad_weight
    monkeypatch.setattr(
        conv_grad_weight, "rows_grad_weight", lambda *a: calls.append(a) or rows(*a)
    )
    graph, inputs = conv_graph(Op.CONV2D_GRAD_WEIGHT, *case)
    check_graph(graph, fp32_tiny(), inputs, rtol=1e-5, machine=True)
    assert calls
    got = run_on_chip(lower(graph, fp32_tiny()), inputs, machine=True)["y"]
    counters = run_machine(lower(graph, fp32_tiny()).program).counters
    (n, h, w, cin), (kh, kw), cout, _, _ = case
    assert counters.macs == n * h * w * kh * kw * cin * cout
    monkeypatch.setattr(conv_grad_weight, "_rows_grad_weight_pays", lambda *a: False)
    monkeypatch.setattr(conv_grad_weight, "_windows_grad_weight_pays", lambda *a: True)
    np.testing.assert_array_equal(
        got, run_on_chip(lower(graph, fp32_tiny()), inputs, machine=True)["y"]
    )


def test_lenet_weight_gradient_by_kernel_columns_as_predicted():
    """LeNet's second weight gradient (batch 32) goes by kernel-column passes on `edge`, and
    the machine's cycles from its height-padded copy to its last store are within 10% of the
    prediction."""
    b = IRBuilder("lenet conv4 dW")
    x = b.input("x", (32, 4, 4, 8), DType.BF16)
    dy = b.input("dy", (32, 4, 4, 16), DType.BF16)
    attrs = dict(stride=(1, 1), padding=(1, 1, 1, 1), weight_shape=(3, 3, 8, 16))
    b.output("y", b.add(Op.CONV2D_GRAD_WEIGHT, (x, dy), "conv", **attrs))
    lowered = lower(b.build(), ChipConfig.from_toml("edge"))
    predicted = int(
        re.search(r"~(\d+) cycles by kernel-column passes", "\n".join(lowered.notes)).group(1)
    )
    cycles = run_machine(lowered.program, trace=False).counters.cycles
    assert abs(cycles - predicted) <= 0.1 * cycles, (cycles, predicted)


ACROSS_IMAGES = [  # (x shape, kernel, cout, stride, padding) on tiny's 4x4 array
    ((5, 4, 4, 3), (3, 3), 6, (1, 1), (1, 1, 1, 1)),  # a short image chunk, two cout chunks
    ((4, 7, 6, 2), (3, 2), 3, (2, 2), (1, 0, 1, 1)),  # strided, uneven padding
    ((3, 3, 4, 1), (5, 5), 2, (1, 1), (2, 2, 2, 2)),  # windows wider than the input
]


@pytest.mark.parametrize("case", ACROSS_IMAGES, ids=["same", "strided", "wide"])
def test_weight_gradient_across_images(monkeypatch, case):
    """The weight gradient across images (dY's rows of one output position in up to R images
    preloaded, A^T's rows streamed from transposed loads of the unpadded input's windows, the
    rows of taps in the padding zero), forced, equals the float64 reference on the machine;
    the array computes each product once."""
    monkeypatch.setattr(conv_grad_weight, "images_grad_weight_pays", lambda *a: True)
    calls = []
    images = conv_grad_weight.images_grad_weight
    monkeypatch.setattr(
        conv_grad_weight, "images_grad_weight", lambda *a: calls.append(a) or images(*a)
    )
    graph, inputs = conv_graph(Op.CONV2D_GRAD_WEIGHT, *case)
    check_graph(graph, fp32_tiny(), inputs, rtol=1e-5, machine=True)
    assert calls
    counters = run_machine(lower(graph, fp32_tiny()).program).counters
    (n, h, w, cin), (kh, kw), cout, (sh, sw), (pt, pl, pb, pr) = case
    outputs = n * ((h + pt + pb - kh) // sh + 1) * ((w + pl + pr - kw) // sw + 1)
    assert counters.macs == outputs * kh * kw * cin * cout


def test_weight_gradient_across_images_cycles_as_predicted():
    """LeNet's first weight gradient (batch 32, its input padded beforehand) goes across
    images on `edge`, and the machine's cycles from its first window load to its store
    are within 10% of the prediction (the input's copy before it is common to every way)."""
    b = IRBuilder("lenet conv1 dW")
    x = b.input("x", (32, 10, 10, 1), DType.BF16)
    dy = b.input("dy", (32, 8, 8, 8), DType.BF16)
    attrs = dict(stride=(1, 1), padding=(0, 0, 0, 0), weight_shape=(3, 3, 1, 8))
    b.output("y", b.add(Op.CONV2D_GRAD_WEIGHT, (x, dy), "conv", **attrs))
    lowered = lower(b.build(), ChipConfig.from_toml("edge"))
    found = re.search(r"~(\d+) cycles across images, ~(\d+) the", "\n".join(lowered.notes))
    predicted, others = map(int, found.groups())
    assert predicted < others
    events = run_machine(lowered.program).events
    instrs = lowered.program.instrs
    first = min(e.start for e in events if getattr(instrs[e.index], "transpose", False))
    measured = max(e.end for e in events) - first
    assert abs(predicted / measured - 1) < 0.10, (predicted, measured)


def test_weight_gradient_by_windows_only_when_its_tiles_fit_the_accumulator():
    # 3x3x64 -> 64: dW^T's 36 column chunks x 64 rows exceed edge's 1024 accumulator rows
    b = IRBuilder("wide")
    x, dy = b.input("x", (1, 4, 4, 64)), b.input("dy", (1, 4, 4, 64))
    attrs = dict(stride=(1, 1), padding=(1, 1, 1, 1), weight_shape=(3, 3, 64, 64))
    b.output("y", b.add(Op.CONV2D_GRAD_WEIGHT, (x, dy), "conv", **attrs))
    cfg = ChipConfig.from_toml("edge").replace(input_dtype=DType.FP32)
    notes = "\n".join(lower(b.build(), cfg).notes)
    assert "by im2col" in notes and "by windows preloaded" not in notes


def test_tap_planes_read_a_resident_input_by_dma(monkeypatch):
    """A convolution by tap planes whose input (a ReLU's output) is resident on chip loads
    its pixels by DMA all the same: the residency records the misses and keeps the value's
    DRAM store, so the result equals the float64 reference (casts rounded as the chip
    rounds them) on the machine."""
    monkeypatch.setattr(conv, "_taps_pay", lambda *a: True)
    missed = []
    miss = Residency.miss

    def spy(self, view):
        miss(self, view)
        missed.append(bool(self.missed))

    monkeypatch.setattr(Residency, "miss", spy)
    net = Net("taps", 0)
    h = net.conv2d(net.input("x", (3, 4, 5, 16)), 16, 3, padding="same")
    net.output("y", net.conv2d(net.relu(h), 16, 3, padding="same"))
    graph = graph_passes(net.build(), compute_dtype=DType.BF16)
    x = {"x": np.random.default_rng(2).standard_normal((3, 4, 5, 16))}
    check_graph(graph, ChipConfig.from_toml("edge"), x, rtol=1e-5, machine=True)
    assert any(missed)  # some load would have been served from chip


@pytest.mark.parametrize(
    "shape, padding",
    [((50, 6, 6, 1), (1, 1, 1, 1)), ((3, 5, 4, 2), (2, 0, 1, 1))],
    ids=["two-buffers", "uneven"],
)
def test_narrow_input_padded_by_rows(monkeypatch, shape, padding):
    """A padded copy whose rows fit an on-chip row (`_pad_by_rows`: an input row and its
    padding per on-chip row, a store per image) feeds a convolution equal to the float64
    reference on the machine; with 300 input rows, by two buffers in turn."""
    applied = []
    by_rows = conv_im2col._pad_by_rows
    monkeypatch.setattr(
        conv_im2col, "_pad_by_rows", lambda *a: applied.append(by_rows(*a)) or applied[-1]
    )
    graph, inputs = conv_graph(Op.CONV2D, shape, (3, 3), 2, (1, 1), padding)
    cfg = ChipConfig.from_toml("edge").replace(input_dtype=DType.FP32)
    check_graph(graph, cfg, inputs, rtol=1e-6, machine=True)
    assert True in applied
