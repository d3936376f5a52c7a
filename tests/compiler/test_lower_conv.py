"""Convolutions (forward and both gradients) and pooling (forward and gradients) on the chip
vs the float64 reference, on a 4x4 fp32 chip so channels and K split into many tiles."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chip.config import ChipConfig, Dataflow
from chip.dtypes import DType
from compiler.ir import Op
from compiler.ir_builder import IRBuilder
from tests.compiler.lowering_helpers import check_graph

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
]


@pytest.mark.parametrize("case", POOLS, ids=["2x2", "3x3pad", "overlap"])
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
    check_graph(b.build(), fp32_tiny(), inputs, rtol=1e-6)


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
