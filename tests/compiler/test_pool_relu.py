"""The ReLU gradient folded into the max-pooling gradient (compiler/passes/pool_relu.py):
where it applies, the folded graph's values equal the unfolded one's, in the reference and
on the chip (there exactly, but for the signs of zeros, compiler/lower/pool_grad.py)."""

import numpy as np
import pytest

from chip.config import ChipConfig
from compiler.ir import Op
from compiler.ir_builder import IRBuilder
from compiler.lower.context import LoweringError
from compiler.lower.program import lower
from compiler.passes.pool_relu import fold_relu_into_pool_grad
from compiler.reference import evaluate
from tests.compiler.lowering_helpers import run_on_chip
from tests.compiler.test_lower_conv import fp32_tiny


def relu_pool_backward(kernel=(2, 2), stride=(2, 2), padding=(0, 0, 0, 0), share_x=True):
    """dx of relu then max pooling: RELU_GRAD(pre, MAXPOOL2D_GRAD(relu(pre), dy))."""
    b = IRBuilder("relu_pool")
    pre = b.input("pre", (2, 4, 6, 3))
    x = b.add(Op.RELU, (pre,), "relu")
    attrs = dict(kernel=kernel, stride=stride, padding=padding)
    y = b.add(Op.MAXPOOL2D, (x,), "pool", **attrs)
    dy = b.input("dy", b.shape(y))
    pool_x = x if share_x else b.add(Op.RELU, (b.input("other", (2, 4, 6, 3)),), "relu2")
    g = b.add(Op.MAXPOOL2D_GRAD, (pool_x, dy), "grad_pool", **attrs)
    b.output("dx", b.add(Op.RELU_GRAD, (pre, g), "grad_relu"))
    rng = np.random.default_rng(7)
    # ties (zeros) in every window: windows whose inputs are all <= 0 select a zero
    inputs = {
        "pre": np.round(rng.standard_normal((2, 4, 6, 3)), 1),
        "dy": rng.standard_normal(b.shape(dy)),
    }
    if not share_x:
        inputs["other"] = rng.standard_normal((2, 4, 6, 3))
    return b.build(), inputs


def ops(graph):
    return [n.op for n in graph.nodes]


def test_fold_replaces_the_relu_gradient_and_keeps_values():
    graph, inputs = relu_pool_backward()
    folded = fold_relu_into_pool_grad(graph)
    assert Op.RELU_GRAD not in ops(folded)
    (pool_grad,) = [n for n in folded.nodes if n.op is Op.MAXPOOL2D_GRAD]
    assert pool_grad.attrs["relu_mask"] is True
    want = evaluate(graph, inputs).outputs["dx"]
    np.testing.assert_array_equal(evaluate(folded, inputs).outputs["dx"], want)
    assert (want == 0).any() and (want != 0).any()


@pytest.mark.parametrize(
    "config", [fp32_tiny(), ChipConfig.from_toml("edge")], ids=["tiny", "edge"]
)
def test_folded_gradient_on_chip_is_exact(config):
    graph, inputs = relu_pool_backward()
    got = run_on_chip(lower(fold_relu_into_pool_grad(graph), config), inputs, machine=True)
    want = run_on_chip(lower(graph, config), inputs, machine=True)
    np.testing.assert_array_equal(got["dx"], want["dx"])  # -0.0 == 0.0


@pytest.mark.parametrize(
    "kwargs",
    [dict(kernel=(3, 3), stride=(1, 1), padding=(1, 1, 1, 1)), dict(share_x=False)],
    ids=["overlapping-windows", "another-relu"],
)
def test_no_fold_without_its_conditions(kwargs):
    graph, _ = relu_pool_backward(**kwargs)
    assert fold_relu_into_pool_grad(graph) is graph


def test_relu_mask_on_overlapping_windows_is_refused():
    b = IRBuilder("overlap")
    x = b.input("x", (1, 4, 4, 2))
    dy = b.input("dy", (1, 4, 4, 2))
    attrs = dict(kernel=(3, 3), stride=(1, 1), padding=(1, 1, 1, 1), relu_mask=True)
    b.output("y", b.add(Op.MAXPOOL2D_GRAD, (x, dy), "g", **attrs))
    with pytest.raises(LoweringError, match="g: relu_mask needs windows that do not overlap"):
        lower(b.build(), fp32_tiny())
