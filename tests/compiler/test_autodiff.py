"""Gradient of every differentiable primitive and each loss vs central finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from chip.dtypes import DType
from compiler.autodiff import RULES, gradients
from compiler.ir import GRADIENT, PRIMITIVE, Op
from compiler.ir_builder import IRBuilder
from tests.compiler.helpers import check_gradients


def _p(
    b: IRBuilder,
    rng: np.random.Generator,
    shape: tuple[int, ...],
    lo: float | None = None,
    hi: float | None = None,
) -> int:
    value = rng.standard_normal(shape) if lo is None else rng.uniform(lo, hi, shape)
    return b.param(b.unique("p"), value)


def _binary(op: Op, b_shape: tuple[int, ...]):
    def build(b: IRBuilder, rng: np.random.Generator) -> int:
        return b.add(op, (_p(b, rng, (2, 3, 4)), _p(b, rng, b_shape)))

    return build


def _unary(op: Op, lo: float | None = None, hi: float | None = None, **attrs):
    def build(b: IRBuilder, rng: np.random.Generator) -> int:
        return b.add(op, (_p(b, rng, (3, 4), lo, hi),), **attrs)

    return build


def _matmul(ta: bool, tb: bool):
    def build(b: IRBuilder, rng: np.random.Generator) -> int:
        a = _p(b, rng, (4, 3) if ta else (3, 4))
        w = _p(b, rng, (5, 4) if tb else (4, 5))
        return b.matmul(a, w, trans_a=ta, trans_b=tb)

    return build


def _conv(b: IRBuilder, rng: np.random.Generator) -> int:
    x, w = _p(b, rng, (2, 5, 6, 3)), _p(b, rng, (3, 2, 3, 4))
    return b.add(Op.CONV2D, (x, w), stride=(2, 1), padding=(1, 0, 1, 1))


def _pool(op: Op, include_pad: bool = False):
    def build(b: IRBuilder, rng: np.random.Generator) -> int:
        return b.add(
            op,
            (_p(b, rng, (2, 5, 5, 3)),),
            kernel=(3, 2),
            stride=(2, 2),
            padding=(1, 0, 1, 1),
            count_include_pad=include_pad,
        )

    return build


def _reduce(op: Op, axis: int):
    def build(b: IRBuilder, rng: np.random.Generator) -> int:
        return b.add(op, (_p(b, rng, (3, 2, 4)),), axis=axis)

    return build


def _broadcast(src: tuple[int, ...]):
    def build(b: IRBuilder, rng: np.random.Generator) -> int:
        return b.add(Op.BROADCAST, (_p(b, rng, src),), shape=(2, 3, 4))

    return build


def _concat(b: IRBuilder, rng: np.random.Generator) -> int:
    return b.add(Op.CONCAT, (_p(b, rng, (2, 3)), _p(b, rng, (2, 1)), _p(b, rng, (2, 2))), axis=1)


def _slices(b: IRBuilder, rng: np.random.Generator) -> int:
    """Three slices of one tensor (two disjoint, one overlapping) used by one product."""
    x = _p(b, rng, (2, 6))
    s1, s2, s3 = b.slice(x, 1, 0, 2), b.slice(x, 1, 4, 6), b.slice(x, 1, 1, 3)
    return b.add(Op.MUL, (b.add(Op.MUL, (s1, s2)), s3))


def _loss(op: Op):
    def build(b: IRBuilder, rng: np.random.Generator) -> int:
        target = (
            rng.dirichlet(np.ones(5), size=3)
            if op is Op.SOFTMAX_CE
            else rng.standard_normal((3, 5))
        )
        t = b.const("target", target)
        return b.add(op, (_p(b, rng, (3, 5)), t))

    return build


CASES = {
    "matmul": _matmul(False, False),
    "matmul_trans_a": _matmul(True, False),
    "matmul_trans_b": _matmul(False, True),
    "matmul_trans_ab": _matmul(True, True),
    "conv2d": _conv,
    "add_same": _binary(Op.ADD, (2, 3, 4)),
    "add_row": _binary(Op.ADD, (4,)),
    "sub_per_row": _binary(Op.SUB, (2, 3, 1)),
    "mul_scalar": _binary(Op.MUL, (1,)),
    "mul_same": _binary(Op.MUL, (2, 3, 4)),
    "max_row": _binary(Op.MAX, (4,)),
    "relu": _unary(Op.RELU),
    "sigmoid": _unary(Op.SIGMOID),
    "tanh": _unary(Op.TANH),
    "exp": _unary(Op.EXP),
    "log": _unary(Op.LOG, 0.5, 2.0),
    "recip": _unary(Op.RECIP, 0.5, 2.0),
    "rsqrt": _unary(Op.RSQRT, 0.5, 2.0),
    "sqrt": _unary(Op.SQRT, 0.5, 2.0),
    "scale": _unary(Op.SCALE, value=-1.5),
    "add_const": _unary(Op.ADD_CONST, value=0.25),
    "cast": _unary(Op.CAST, dtype=DType.FP32),
    "reduce_sum_last": _reduce(Op.REDUCE_SUM, -1),
    "reduce_sum_first": _reduce(Op.REDUCE_SUM, 0),
    "reduce_max_last": _reduce(Op.REDUCE_MAX, -1),
    "reduce_max_first": _reduce(Op.REDUCE_MAX, 0),
    "broadcast_row": _broadcast((3, 4)),
    "broadcast_per_row": _broadcast((2, 3, 1)),
    "maxpool2d": _pool(Op.MAXPOOL2D),
    "avgpool2d": _pool(Op.AVGPOOL2D),
    "avgpool2d_include_pad": _pool(Op.AVGPOOL2D, include_pad=True),
    "reshape": _unary(Op.RESHAPE, shape=(2, -1, 3)),
    "transpose": lambda b, rng: b.add(Op.TRANSPOSE, (_p(b, rng, (2, 3, 4)),), perm=(2, 0, 1)),
    "concat": _concat,
    "slice": _slices,
}
LOSSES = {"softmax_ce": _loss(Op.SOFTMAX_CE), "mse": _loss(Op.MSE)}


@pytest.mark.parametrize("case", sorted(CASES))
def test_primitive_gradient(case: str) -> None:
    check_gradients(CASES[case])


@pytest.mark.parametrize("case", sorted(LOSSES))
def test_loss_gradient(case: str) -> None:
    check_gradients(LOSSES[case], scalar_loss=True)


def test_every_differentiable_primitive_has_a_rule_and_a_test() -> None:
    covered = {c.split("_trans")[0] for c in CASES} | set(LOSSES)
    # ROUND (to a narrow format) is piecewise constant: no gradient, and training through it
    # needs a chosen estimator (straight-through), which autodiff does not pick silently.
    no_gradient = GRADIENT | {Op.GREATER, Op.EQUAL, Op.FILL, Op.ROUND, Op.RANDOM}
    for op in PRIMITIVE - no_gradient:
        assert op in RULES, op
        assert any(c == op.value or c.startswith(op.value + "_") for c in covered), op


def test_fan_out_accumulates() -> None:
    """y = x * x + x uses x three times; dy/dx = 2x + 1."""
    b = IRBuilder()
    x = b.param("x", np.array([1.5, -2.0]))
    y = b.add(Op.ADD, (b.add(Op.MUL, (x, x)), x))
    loss = b.reshape(b.add(Op.REDUCE_SUM, (b.reshape(y, (1, 2)),), axis=-1), (1,))
    graph, grads = gradients(b.build({"loss": loss}), loss, [x])
    from compiler.reference import evaluate

    got = evaluate(graph.replace(outputs={"dx": grads[x]}), {}).outputs["dx"]
    np.testing.assert_allclose(got, [4.0, -3.0])


def test_second_order_is_rejected() -> None:
    b = IRBuilder()
    x = b.param("x", np.ones((2, 2)))
    g = b.add(Op.RELU_GRAD, (x, x))
    loss = b.reshape(b.add(Op.REDUCE_SUM, (b.reshape(g, (1, 4)),), axis=-1), (1,))
    with pytest.raises(ValueError, match="no gradient rule for relu_grad"):
        gradients(b.build({"loss": loss}), loss, [x])


def _composite(op: Op, shape: tuple[int, ...], weights: tuple[tuple[int, ...], ...] = (), **attrs):
    def build(b: IRBuilder, rng: np.random.Generator) -> int:
        ins = [_p(b, rng, s) for s in (shape,) + weights]
        return b.add(op, ins, **attrs)

    return build


COMPOSITES = {
    "softmax": _composite(Op.SOFTMAX, (3, 5)),
    "log_softmax": _composite(Op.LOG_SOFTMAX, (3, 5)),
    "gelu": _composite(Op.GELU, (3, 5)),
    "leaky_relu": _composite(Op.LEAKY_RELU, (3, 5), alpha=0.1),
    "layer_norm": _composite(Op.LAYER_NORM, (2, 3, 5), ((5,), (5,)), eps=1e-5),
    "batch_norm_training": _composite(
        Op.BATCH_NORM, (2, 3, 3, 4), ((4,), (4,)), eps=1e-5, training=True
    ),
    "global_avgpool": _composite(Op.GLOBAL_AVGPOOL, (2, 3, 3, 4)),
    "rnn": _composite(Op.RNN, (2, 3, 4), ((4, 3), (3, 3), (3,)), hidden=3),
    "gru": _composite(
        Op.GRU, (2, 3, 4), ((4, 9), (3, 9), (9,), (9,)), hidden=3, linear_before_reset=False
    ),
    "gru_linear_before_reset": _composite(
        Op.GRU, (2, 3, 4), ((4, 9), (3, 9), (9,), (9,)), hidden=3, linear_before_reset=True
    ),
    "lstm": _composite(Op.LSTM, (2, 3, 4), ((4, 12), (3, 12), (12,)), hidden=3),
    "attention": _composite(Op.ATTENTION, (2, 3, 4), ((4, 4),) * 4),
}


@pytest.mark.parametrize("case", sorted(COMPOSITES))
def test_composite_gradient_through_decomposition(case: str) -> None:
    """Autodiff of the decomposed graph matches finite differences of the composite."""
    from compiler.passes.decompose import decompose

    check_gradients(COMPOSITES[case], before_autodiff=decompose, tol=1e-5)
