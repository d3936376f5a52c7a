"""The disjoint pooling gradient with the images across the vector lanes
(compiler/lower/pool_grad.py): chosen when the channels fill fewer lanes than the images, and
bit for bit the gradient of the channel layout, ties and the folded ReLU gradient included."""

import numpy as np
import pytest

from chip.config import ChipConfig
from chip.isa import Load, Store
from compiler.ir import Op
from compiler.ir_builder import IRBuilder
from compiler.lower import pool_grad
from compiler.lower.program import lower
from compiler.reference import evaluate
from tests.compiler.lowering_helpers import run_on_chip
from tests.compiler.test_lower_conv import fp32_tiny


def pool_grad_graph(op: Op, x_shape, relu_mask: bool = False):
    b = IRBuilder("lanes")
    x = b.input("x", x_shape)
    attrs = dict(kernel=(2, 2), stride=(2, 2), padding=(0, 0, 0, 0))
    fwd = Op.MAXPOOL2D if op is Op.MAXPOOL2D_GRAD else Op.AVGPOOL2D
    dy = b.input("dy", b.shape(b.add(fwd, (x,), "pool", **attrs)))
    if relu_mask:
        attrs["relu_mask"] = True
    b.output("dx", b.add(op, (x, dy), "grad", **attrs))
    rng = np.random.default_rng(11)
    # rounded to tenths: ties (several maxima, zeros) in many windows
    inputs = {
        "x": np.round(rng.standard_normal(x_shape), 1),
        "dy": rng.standard_normal(b.shape(dy)),
    }
    return b.build(), inputs


def transposed_dmas(lowered) -> int:
    return sum(1 for i in lowered.program.instrs if isinstance(i, Load | Store) and i.transpose)


CASES = [  # (chip, input NHWC): images beyond one lane group, pixels and channels split
    (fp32_tiny(), (9, 4, 6, 2)),
    (fp32_tiny().replace(acc_kib=1, acc_banks=1), (7, 4, 8, 3)),
    (ChipConfig.from_toml("edge"), (20, 4, 4, 8)),
]


@pytest.mark.parametrize("case", CASES, ids=["tiny", "small-acc", "edge"])
@pytest.mark.parametrize(
    "op,relu_mask",
    [(Op.MAXPOOL2D_GRAD, False), (Op.MAXPOOL2D_GRAD, True), (Op.AVGPOOL2D_GRAD, False)],
)
def test_lanes_equal_the_channel_layout_bit_for_bit(case, op, relu_mask, monkeypatch):
    cfg, x_shape = case
    graph, inputs = pool_grad_graph(op, x_shape, relu_mask)
    lanes = lower(graph, cfg)
    assert transposed_dmas(lanes) > 0
    got = run_on_chip(lanes, inputs, machine=True)["dx"]
    monkeypatch.setattr(pool_grad, "_lanes_pay", lambda ctx, n, c: False)
    channels = lower(graph, cfg)
    assert transposed_dmas(channels) == 0
    np.testing.assert_array_equal(got, run_on_chip(channels, inputs, machine=True)["dx"])
    want = evaluate(graph, inputs, round_casts=True).outputs["dx"]
    np.testing.assert_allclose(got, want, rtol=1e-2 if cfg.name == "edge" else 1e-6, atol=1e-6)


def test_lanes_only_where_they_fill_more_lanes():
    # 16 channels fill the edge chip's 16 lanes: the channel layout stays
    graph, _ = pool_grad_graph(Op.MAXPOOL2D_GRAD, (32, 4, 4, 16))
    assert transposed_dmas(lower(graph, ChipConfig.from_toml("edge"))) == 0
    graph, _ = pool_grad_graph(Op.MAXPOOL2D_GRAD, (32, 4, 4, 8))
    assert transposed_dmas(lower(graph, ChipConfig.from_toml("edge"))) > 0
