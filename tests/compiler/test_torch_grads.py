"""Every primitive op's forward value and autodiff gradient vs PyTorch autograd (float64),
the gradient helper ops vs torch's vector-Jacobian products, CAST rounding vs torch's dtype
conversion, and gradients at ties. The harness is in `test_torch_reference`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from chip.dtypes import DType
from compiler.autodiff import RULES
from compiler.ir import GRADIENT, Op
from compiler.ir_builder import IRBuilder
from compiler.passes.pipeline import graph_passes
from compiler.passes.shape_infer import conv_out_hw
from compiler.reference import evaluate
from tests.compiler.test_torch_reference import (
    LOSS_WEIGHTS,
    Case,
    Shapes,
    TorchFn,
    assert_close,
    build_graph,
    check_against_torch,
    ir_gradients,
    make_inputs,
    torch_conv,
    torch_gradients,
    torch_pool,
)

torch = pytest.importorskip(
    "torch", reason="PyTorch reference not installed (pip install -e '.[torch]')"
)
F = torch.nn.functional


# Primitive cases ------------------------------------------------------------------------------
def _matmul(ta: bool, tb: bool) -> Case:
    return Case(
        {"a": (4, 3) if ta else (3, 4), "w": (5, 4) if tb else (4, 5)},
        lambda b, i: b.matmul(i["a"], i["w"], trans_a=ta, trans_b=tb),
        lambda t: (t["a"].T if ta else t["a"]) @ (t["w"].T if tb else t["w"]),
    )


def _conv(
    x: tuple[int, ...],
    w: tuple[int, ...],
    stride: tuple[int, int],
    padding: tuple[int, int, int, int],
) -> Case:
    return Case(
        {"x": x, "w": w},
        lambda b, i: b.add(Op.CONV2D, (i["x"], i["w"]), stride=stride, padding=padding),
        lambda t: torch_conv(t["x"], t["w"], stride, padding),
    )


_TORCH_BINARY = {
    Op.ADD: torch.add,
    Op.SUB: torch.sub,
    Op.MUL: torch.mul,
    Op.MAX: torch.maximum,
    Op.GREATER: lambda a, c: torch.gt(a, c).double(),
    Op.EQUAL: lambda a, c: torch.eq(a, c).double(),
}
# The four broadcast forms of an elementwise op's second operand, for a of shape (2, 3, 4).
_BROADCAST_FORMS = {"same": (2, 3, 4), "row": (4,), "per_row": (2, 3, 1), "scalar": (1,)}


def _binary(op: Op, form: str) -> Case:
    no_grad = op in (Op.GREATER, Op.EQUAL)
    return Case(
        {"a": (2, 3, 4), "c": _BROADCAST_FORMS[form]},
        lambda b, i: b.add(op, (i["a"], i["c"])),
        lambda t: _TORCH_BINARY[op](t["a"], t["c"]),
        domain="ints" if op is Op.EQUAL else "normal",
        wrt=() if no_grad else None,
    )


def _unary(op: Op, torch_fn: Callable, domain: str = "normal", **attrs: object) -> Case:
    return Case(
        {"x": (3, 4)},
        lambda b, i: b.add(op, (i["x"],), **attrs),
        lambda t: torch_fn(t["x"]),
        domain,
    )


def _reduce(op: Op, axis: int) -> Case:
    fn = torch.sum if op is Op.REDUCE_SUM else torch.amax
    return Case(
        {"x": (3, 2, 4)},
        lambda b, i: b.add(op, (i["x"],), axis=axis),
        lambda t: fn(t["x"], dim=axis, keepdim=axis == -1),
    )


def _broadcast(src: tuple[int, ...]) -> Case:
    return Case(
        {"x": src},
        lambda b, i: b.add(Op.BROADCAST, (i["x"],), shape=(2, 3, 4)),
        lambda t: t["x"].expand(2, 3, 4),
    )


def _pool(
    op: Op,
    kernel: tuple[int, int],
    stride: tuple[int, int],
    padding: tuple[int, int, int, int],
    include_pad: bool = False,
    domain: str = "normal",
) -> Case:
    attrs = dict(kernel=kernel, stride=stride, padding=padding, count_include_pad=include_pad)
    return Case(
        {"x": (2, 5, 5, 3)},
        lambda b, i: b.add(op, (i["x"],), **attrs),
        lambda t: torch_pool(op, t["x"], kernel, stride, padding, include_pad),
        domain,
    )


def _slices(b: IRBuilder, i: dict[str, int]) -> int:
    """Disjoint, overlapping and gapped slices of one tensor, all used by one product."""
    x = i["x"]
    s1, s2, s3 = b.slice(x, 1, 0, 2), b.slice(x, 1, 4, 6), b.slice(x, 1, 1, 3)
    return b.add(Op.MUL, (b.add(Op.MUL, (s1, s2)), s3))


def _torch_slices(t: dict) -> torch.Tensor:
    x = t["x"]
    return x[:, 0:2] * x[:, 4:6] * x[:, 1:3]


def _losses_combined(b: IRBuilder, i: dict[str, int]) -> int:
    """0.7 * CE + MSE: the loss rules see a gradient seed that is not 1."""
    ce = b.scale(b.add(Op.SOFTMAX_CE, (i["logits"], i["labels"])), 0.7)
    return b.add(Op.ADD, (ce, b.add(Op.MSE, (i["y"], i["target"]))))


POSITIVE = "positive"
CASES: dict[str, Case] = {
    **{
        f"matmul_ta{int(ta)}_tb{int(tb)}": _matmul(ta, tb)
        for ta in (False, True)
        for tb in (False, True)
    },
    # One weight used twice (x @ w, then @ w.T): its two gradient contributions accumulate.
    "matmul_tied_weight": Case(
        {"x": (3, 4), "w": (4, 5)},
        lambda b, i: b.matmul(b.add(Op.TANH, (b.matmul(i["x"], i["w"]),)), i["w"], trans_b=True),
        lambda t: torch.tanh(t["x"] @ t["w"]) @ t["w"].T,
    ),
    "conv2d_valid": _conv((2, 5, 5, 3), (3, 3, 3, 4), (1, 1), (0, 0, 0, 0)),
    "conv2d_same": _conv((2, 5, 5, 3), (3, 3, 3, 4), (1, 1), (1, 1, 1, 1)),
    "conv2d_stride_asym_pad": _conv((2, 5, 6, 3), (3, 2, 3, 4), (2, 1), (1, 0, 1, 1)),
    "conv2d_stride_uncovered_rows": _conv((2, 6, 6, 2), (3, 3, 2, 3), (2, 2), (0, 0, 0, 0)),
    "conv2d_1x1_stride2": _conv((2, 5, 5, 3), (1, 1, 3, 2), (2, 2), (0, 0, 0, 0)),
    "conv2d_pad_bottom_right": _conv((1, 4, 5, 2), (2, 3, 2, 2), (3, 2), (0, 0, 2, 1)),
    **{
        f"{op.value}_{form}": _binary(op, form) for op in _TORCH_BINARY for form in _BROADCAST_FORMS
    },
    "relu": _unary(Op.RELU, torch.relu),
    "relu_at_zero": _unary(Op.RELU, torch.relu, "ints"),  # torch's gradient at 0 is 0 too
    "sigmoid": _unary(Op.SIGMOID, torch.sigmoid),
    "tanh": _unary(Op.TANH, torch.tanh),
    "exp": _unary(Op.EXP, torch.exp),
    "log": _unary(Op.LOG, torch.log, POSITIVE),
    "recip": _unary(Op.RECIP, torch.reciprocal, POSITIVE),
    "rsqrt": _unary(Op.RSQRT, torch.rsqrt, POSITIVE),
    "sqrt": _unary(Op.SQRT, torch.sqrt, POSITIVE),
    "scale": _unary(Op.SCALE, lambda x: x * -1.5, value=-1.5),
    "add_const": _unary(Op.ADD_CONST, lambda x: x + 0.25, value=0.25),
    **{
        f"{op.value}_axis{ax}": _reduce(op, ax)
        for op in (Op.REDUCE_SUM, Op.REDUCE_MAX)
        for ax in (-1, 0)
    },
    "broadcast_row": _broadcast((3, 4)),
    "broadcast_vector": _broadcast((4,)),
    "broadcast_per_row": _broadcast((2, 3, 1)),
    "maxpool2d_sym_pad": _pool(Op.MAXPOOL2D, (3, 3), (2, 2), (1, 1, 1, 1)),
    "maxpool2d_asym_pad": _pool(Op.MAXPOOL2D, (3, 2), (2, 2), (1, 0, 1, 1)),
    # Integer inputs and overlapping windows: ties must go to each window's first maximum.
    "maxpool2d_ties": _pool(Op.MAXPOOL2D, (2, 2), (1, 1), (0, 0, 0, 0), domain="ints"),
    "avgpool2d_sym_pad": _pool(Op.AVGPOOL2D, (3, 3), (2, 2), (1, 1, 1, 1)),
    "avgpool2d_sym_pad_include": _pool(Op.AVGPOOL2D, (3, 3), (2, 2), (1, 1, 1, 1), True),
    "avgpool2d_asym_pad": _pool(Op.AVGPOOL2D, (3, 2), (2, 2), (1, 0, 1, 1)),
    "avgpool2d_asym_pad_include": _pool(Op.AVGPOOL2D, (3, 2), (2, 2), (1, 0, 1, 1), True),
    "reshape": Case(
        {"x": (2, 3, 4)},
        lambda b, i: b.add(Op.RESHAPE, (i["x"],), shape=(2, -1, 3)),
        lambda t: t["x"].reshape(2, 4, 3),
    ),
    "transpose": Case(
        {"x": (2, 3, 4)},
        lambda b, i: b.add(Op.TRANSPOSE, (i["x"],), perm=(2, 0, 1)),
        lambda t: t["x"].permute(2, 0, 1),
    ),
    "concat_axis1": Case(
        {"a": (2, 3), "c": (2, 1), "d": (2, 2)},
        lambda b, i: b.add(Op.CONCAT, (i["a"], i["c"], i["d"]), axis=1),
        lambda t: torch.cat([t["a"], t["c"], t["d"]], dim=1),
    ),
    "concat_axis0_3d": Case(
        {"a": (1, 2, 3), "c": (2, 2, 3)},
        lambda b, i: b.add(Op.CONCAT, (i["a"], i["c"]), axis=0),
        lambda t: torch.cat([t["a"], t["c"]], dim=0),
    ),
    "slice": Case(
        {"x": (2, 5, 3)},
        lambda b, i: b.add(Op.SLICE, (i["x"],), axis=1, start=1, stop=4),
        lambda t: t["x"][:, 1:4],
    ),
    "slices_overlapping": Case({"x": (2, 6)}, _slices, _torch_slices),
    "softmax_ce_soft_labels": Case(
        {"logits": (3, 5), "labels": (3, 5)},
        lambda b, i: b.add(Op.SOFTMAX_CE, (i["logits"], i["labels"])),
        lambda t: F.cross_entropy(t["logits"], t["labels"]).reshape(1),
        domain="simplex",
        wrt=("logits",),
        scalar=True,
    ),
    "mse": Case(
        {"y": (3, 5), "target": (3, 5)},
        lambda b, i: b.add(Op.MSE, (i["y"], i["target"])),
        lambda t: F.mse_loss(t["y"], t["target"]).reshape(1),
        scalar=True,
    ),
    "losses_scaled_and_added": Case(
        {"logits": (3, 4), "labels": (3, 4), "y": (2, 3), "target": (2, 3)},
        _losses_combined,
        lambda t: (
            0.7 * F.cross_entropy(t["logits"], t["labels"]) + F.mse_loss(t["y"], t["target"])
        ).reshape(1),
        domain="simplex",
        wrt=("logits", "y", "target"),
        scalar=True,
    ),
}


# Each primitive graph is checked as built and after the graph-level pipeline (simplify and
# dead-code elimination rewrite data movement before autodiff sees it).
AS_BUILT_AND_PIPELINE = (lambda g: g, lambda g: graph_passes(g, verify=True))


@pytest.mark.parametrize("name", sorted(CASES))
def test_primitive_matches_torch(name: str) -> None:
    check_against_torch(CASES[name], transforms=AS_BUILT_AND_PIPELINE)


def test_softmax_ce_with_one_hot_labels_matches_torch_class_indices() -> None:
    """The usual integer-class form of torch's cross-entropy equals SOFTMAX_CE on one-hot."""
    rng = np.random.default_rng(3)
    logits, classes = rng.standard_normal((4, 6)) * 3, rng.integers(0, 6, 4)
    case = CASES["softmax_ce_soft_labels"]
    graph = build_graph(
        Case(
            {"logits": (4, 6), "labels": (4, 6)},
            case.build,
            case.torch_fn,
            wrt=("logits",),
            scalar=True,
        ),
        ("logits",),
    )
    feeds = {"logits": logits, "labels": np.eye(6)[classes]}
    z = torch.tensor(logits, requires_grad=True)
    loss = F.cross_entropy(z, torch.tensor(classes))
    assert_close(evaluate(graph, feeds).outputs["y"], loss.reshape(1), "loss")
    assert_close(
        ir_gradients(graph, feeds, ("logits",))["logits"],
        torch.autograd.grad(loss, z)[0],
        "gradient of logits",
    )


# Gradient helper ops (produced by autodiff, no rule of their own) vs torch's vector-Jacobian
# products, as standalone ops: this pins their meaning independently of the rules using them.
def _vjp(fn: Callable, at: torch.Tensor, dy: torch.Tensor) -> torch.Tensor:
    """torch's vector-Jacobian product of ``fn`` at ``at`` with cotangent ``dy``."""
    at = at.detach().clone().requires_grad_(True)
    return torch.autograd.grad(fn(at), at, dy)[0]


_GEOMETRIES = {
    "asym": ((2, 5, 6, 3), (3, 2, 3, 4), (2, 1), (1, 0, 1, 1)),
    "uncovered": ((2, 6, 6, 2), (3, 3, 2, 3), (2, 2), (0, 0, 0, 0)),
}
_POOL = dict(kernel=(3, 2), stride=(2, 2), padding=(1, 0, 1, 1))


def _conv_grad(which: Op, geometry: str) -> Case:
    x_shape, w_shape, stride, padding = _GEOMETRIES[geometry]
    oh, ow = conv_out_hw(x_shape[1:3], w_shape[:2], stride, padding)
    dy_shape = (x_shape[0], oh, ow, w_shape[3])
    geo = dict(stride=stride, padding=padding)
    if which is Op.CONV2D_GRAD_INPUT:
        return Case(
            {"dy": dy_shape, "w": w_shape},
            lambda b, i: b.add(which, (i["dy"], i["w"]), input_shape=x_shape, **geo),
            lambda t: _vjp(
                lambda x: torch_conv(x, t["w"], stride, padding),
                torch.zeros(x_shape, dtype=torch.float64),
                t["dy"],
            ),
            wrt=(),
        )
    return Case(
        {"x": x_shape, "dy": dy_shape},
        lambda b, i: b.add(which, (i["x"], i["dy"]), weight_shape=w_shape, **geo),
        lambda t: _vjp(
            lambda w: torch_conv(t["x"], w, stride, padding),
            torch.zeros(w_shape, dtype=torch.float64),
            t["dy"],
        ),
        wrt=(),
    )


def _pool_grad(op: Op, domain: str = "normal") -> Case:
    forward = Op.MAXPOOL2D if op is Op.MAXPOOL2D_GRAD else Op.AVGPOOL2D
    x_shape = (2, 5, 5, 3)
    oh, ow = conv_out_hw(x_shape[1:3], _POOL["kernel"], _POOL["stride"], _POOL["padding"])
    attrs = dict(_POOL, count_include_pad=False)
    return Case(
        {"x": x_shape, "dy": (2, oh, ow, 3)},
        lambda b, i: b.add(op, (i["x"], i["dy"]), **attrs),
        lambda t: _vjp(
            lambda x: torch_pool(
                forward, x, _POOL["kernel"], _POOL["stride"], _POOL["padding"], False
            ),
            t["x"],
            t["dy"],
        ),
        domain,
        wrt=(),
    )


def _loss_grad(op: Op, torch_loss: Callable) -> Case:
    a, c = ("logits", "labels") if op is Op.SOFTMAX_CE_GRAD else ("y", "target")
    return Case(
        {a: (3, 5), c: (3, 5)},
        lambda b, i: b.add(op, (i[a], i[c])),
        lambda t: _vjp(lambda z: torch_loss(z, t[c]), t[a], torch.tensor(1.0, dtype=torch.float64)),
        "simplex",
        wrt=(),
    )


GRADIENT_OP_CASES: dict[str, Case] = {
    "relu_grad": Case(
        {"x": (3, 4), "dy": (3, 4)},
        lambda b, i: b.add(Op.RELU_GRAD, (i["x"], i["dy"])),
        lambda t: _vjp(torch.relu, t["x"], t["dy"]),
        wrt=(),
    ),
    **{
        f"{op.value}_{geo}": _conv_grad(op, geo)
        for op in (Op.CONV2D_GRAD_INPUT, Op.CONV2D_GRAD_WEIGHT)
        for geo in _GEOMETRIES
    },
    "maxpool2d_grad": _pool_grad(Op.MAXPOOL2D_GRAD),
    "maxpool2d_grad_ties": _pool_grad(Op.MAXPOOL2D_GRAD, "ints"),
    "avgpool2d_grad": _pool_grad(Op.AVGPOOL2D_GRAD),
    "softmax_ce_grad": _loss_grad(Op.SOFTMAX_CE_GRAD, F.cross_entropy),
    "mse_grad": _loss_grad(Op.MSE_GRAD, F.mse_loss),
}


@pytest.mark.parametrize("name", sorted(GRADIENT_OP_CASES))
def test_gradient_op_matches_torch_vjp(name: str) -> None:
    check_against_torch(GRADIENT_OP_CASES[name])


def test_every_primitive_with_a_gradient_rule_is_cross_checked() -> None:
    """A new rule (or gradient helper op) must come with a torch case here."""
    used = set()
    for case in (*CASES.values(), *GRADIENT_OP_CASES.values()):
        used |= {n.op for n in build_graph(case, ()).nodes}
    # FILL has no operands; CAST is checked by test_cast_rounding_matches_torch, forward only
    # because torch also rounds the gradient flowing back through a cast; RANDOM (no gradient)
    # against Random123's known answers in tests/chip/test_rand.py.
    missing = (set(RULES) | GRADIENT) - used - {Op.FILL, Op.CAST, Op.RANDOM}
    assert not missing, sorted(op.value for op in missing)


def _bf16_edge_values(rng: np.random.Generator) -> np.ndarray:
    """float32 values whose low 16 bits are exact ties (0x8000), near ties, or random."""
    high = rng.integers(0, 1 << 16, 48, dtype=np.uint32) << 16
    high = high & ~np.uint32(0x7F800000) | np.uint32(0x3F800000)  # exponent 0: values in [1, 2)
    low = np.concatenate(
        [np.full(16, 0x8000), np.full(8, 0x7FFF), np.full(8, 0x8001), rng.integers(0, 1 << 16, 16)]
    ).astype(np.uint32)
    return (high | low).view(np.float32).astype(np.float64).reshape(6, 8)


@pytest.mark.parametrize("dtype", [DType.FP32, DType.BF16], ids=lambda d: d.value)
def test_cast_rounding_matches_torch(dtype: DType) -> None:
    """CAST with ``round_casts`` rounds to nearest even exactly as torch's dtype conversion."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((6, 8)) if dtype is DType.FP32 else _bf16_edge_values(rng)
    b = IRBuilder()
    y = b.add(Op.CAST, (b.input("x", x.shape),), dtype=dtype)
    got = evaluate(b.build({"y": y}), {"x": x}, round_casts=True).outputs["y"]
    target = torch.float32 if dtype is DType.FP32 else torch.bfloat16
    want = torch.tensor(x).to(target).double()
    assert_close(got, want, f"cast to {dtype.value}")
    assert not np.array_equal(got, x)  # the inputs do need rounding


def _tie_gradients(
    op: Op, shapes: Shapes, torch_fn: TorchFn, **attrs: object
) -> tuple[dict[str, np.ndarray], ...]:
    """Inputs, IR and torch gradients of ``op`` on small-integer inputs, which tie often."""
    case = Case(shapes, lambda b, i: b.add(op, tuple(i.values()), **attrs), torch_fn, "ints")
    rng = np.random.default_rng(11)
    wrt = tuple(shapes)
    graph = build_graph(case, wrt)
    feeds = make_inputs(shapes, "ints", rng)
    feeds[LOSS_WEIGHTS] = rng.standard_normal(graph.inputs[LOSS_WEIGHTS].shape)
    _, want = torch_gradients(case, feeds, wrt)
    return feeds, ir_gradients(graph, feeds, wrt), {k: v.numpy() for k, v in want.items()}


def test_max_tie_gradient_is_split_between_operands() -> None:
    """On a tie the IR sends the whole gradient to the second operand and torch.maximum sends
    half to each: both are valid, so compare what the two operands receive together."""
    x, got, want = _tie_gradients(
        Op.MAX, {"a": (4, 6), "c": (4, 6)}, lambda t: torch.maximum(t["a"], t["c"])
    )
    assert (x["a"] == x["c"]).any()  # some ties were drawn
    assert_close(got["a"] + got["c"], want["a"] + want["c"], "gradient of a + c")


@pytest.mark.parametrize("axis", [-1, 0])
def test_reduce_max_tie_gradient_totals_dy(axis: int) -> None:
    x, got, want = _tie_gradients(
        Op.REDUCE_MAX,
        {"x": (5, 2, 6)},
        lambda t: torch.amax(t["x"], dim=axis, keepdim=axis == -1),
        axis=axis,
    )
    ties = (x["x"] == x["x"].max(axis=axis, keepdims=True)).sum(axis=axis)
    assert (ties > 1).any()  # some rows have tied maxima
    # Any split among the tied maxima is fine; the total per reduced row must be dy.
    assert_close(got["x"].sum(axis=axis), want["x"].sum(axis=axis), "gradient per row")


def test_softmax_ce_gradient_with_label_rows_not_summing_to_one() -> None:
    rng = np.random.default_rng(12)
    logits = rng.standard_normal((3, 4))
    labels = np.array([[0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.5, 0.0, 0.0, 0.0]])
    case = CASES["softmax_ce_soft_labels"]
    graph = build_graph(
        Case(
            {"logits": (3, 4), "labels": (3, 4)},
            case.build,
            case.torch_fn,
            wrt=("logits",),
            scalar=True,
        ),
        ("logits",),
    )
    feeds = {"logits": logits, "labels": labels}
    z = torch.tensor(logits, requires_grad=True)
    loss = F.cross_entropy(z, torch.tensor(labels))
    # The forward value is right for any labels; only the gradient assumes normalized rows.
    assert_close(evaluate(graph, feeds).outputs["y"], loss.reshape(1), "loss")
    assert_close(
        ir_gradients(graph, feeds, ("logits",))["logits"],
        torch.autograd.grad(loss, z)[0],
        "gradient of logits",
    )
