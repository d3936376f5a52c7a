"""The PyTorch cross-check harness, and composite ops vs torch (float64).

PyTorch is a reference nobody on this project wrote, so it catches mistakes that the
finite-difference tests cannot: a gradient rule and the reference interpreter that agree with
each other but not with the established meaning of an op (layouts, padding, pooling divisors,
tie routing, gate orders). The harness here is shared by `test_torch_grads` (primitive ops)
and `test_torch_train` (training steps).

A `Case` builds a tiny IR graph whose operands are all INPUTs (fed in float64), and the same
computation in torch on tensors in the IR's layout (NHWC activations, [KH, KW, Cin, Cout]
convolution weights), permuting to torch's NCHW / [Cout, Cin, KH, KW] inside the torch function.
The loss is ``sum(y * r)`` for a fixed random ``r`` so every output element carries gradient.

Composite cases compare the reference interpreter's direct definition, the decomposition into
primitives and autodiff through it. Recurrent layers and attention run torch's own modules
(nn.RNN/LSTM/GRU, nn.MultiheadAttention) with the IR's weights passed through
`torch.func.functional_call`, so torch's gradients arrive in the IR's layout:

    IR w [I, G*H], r [H, G*H]   ->  torch weight_ih [G*H, I] = w.T, weight_hh = r.T
    IR LSTM gates (i, f, g, o)  ==  torch (i, f, g, o)
    IR GRU gates (z, r, n)      ->  torch (r, z, n); IR bw / br are torch's bias_ih / bias_hh,
                                    and torch's GRU is the IR's ``linear_before_reset=True``
                                    (False is checked against its equations in torch ops)
    IR RNN / LSTM bias b        ->  torch bias_ih (torch's bias_hh held at zero)
    IR ATTENTION wq, wk, wv, wo ->  in_proj_weight = [wq.T; wk.T; wv.T], out_proj.weight = wo.T
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pytest

from compiler.autodiff import gradients
from compiler.ir import COMPOSITE, Graph, Op
from compiler.ir_builder import IRBuilder
from compiler.passes.decompose import decompose
from compiler.passes.pipeline import graph_passes
from compiler.reference import evaluate

torch = pytest.importorskip(
    "torch", reason="PyTorch reference not installed (pip install -e '.[torch]')"
)
F = torch.nn.functional
functional_call = torch.func.functional_call

RTOL, ATOL = 1e-10, 1e-12
LOSS_WEIGHTS = "loss_weights"  # the INPUT r of the loss sum(y * r)
Shapes = dict[str, tuple[int, ...]]
TorchFn = Callable[[dict], "torch.Tensor"]
BuildFn = Callable[[IRBuilder, dict[str, int]], int]


@dataclass(frozen=True)
class Case:
    """One op under test: its INPUT shapes, how to build it in IR and in torch.

    ``domain`` picks the input values: "normal", "positive" (uniform 0.5..2, for log/sqrt...),
    "ints" (small integers, to force ties) or "simplex" for inputs named ``labels`` (rows of
    soft labels); an input named ``var`` is always positive. ``wrt`` names the inputs whose
    gradients are compared (default: all; empty for ops without a gradient). ``scalar``: the
    op's output is already the (1,) loss.
    """

    shapes: Shapes
    build: BuildFn
    torch_fn: TorchFn
    domain: str = "normal"
    wrt: tuple[str, ...] | None = None
    scalar: bool = False


def make_inputs(shapes: Shapes, domain: str, rng: np.random.Generator) -> dict[str, np.ndarray]:
    out = {}
    for name, shape in shapes.items():
        if name == "labels" and domain == "simplex":
            out[name] = rng.dirichlet(np.ones(shape[-1]), size=shape[:-1])
        elif domain == "positive" or name == "var":  # a variance is positive
            out[name] = rng.uniform(0.5, 2.0, shape)
        elif domain == "ints":
            out[name] = rng.integers(-2, 3, shape).astype(np.float64)
        elif domain in ("normal", "simplex"):
            out[name] = rng.standard_normal(shape)
        else:
            raise ValueError(f"unknown input domain {domain!r}")
    return out


def weighted_sum(b: IRBuilder, y: int, r: int) -> int:
    """sum(y * r) as a (1,) tensor, from primitives."""
    flat = b.reshape(b.add(Op.MUL, (y, r)), (1, b.nodes[y].size))
    return b.reshape(b.add(Op.REDUCE_SUM, (flat,), axis=-1), (1,))


def to_torch(values: dict[str, np.ndarray], grad: tuple[str, ...] = ()) -> dict:
    return {
        k: torch.tensor(v, dtype=torch.float64, requires_grad=k in grad) for k, v in values.items()
    }


def assert_close(got: np.ndarray, want: torch.Tensor | np.ndarray, what: str) -> None:
    want = want.detach().numpy() if isinstance(want, torch.Tensor) else want
    assert got.shape == want.shape, f"{what}: shape {got.shape}, torch {want.shape}"
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL, err_msg=what)


def build_graph(case: Case, wrt: tuple[str, ...]) -> Graph:
    """The case's graph with outputs ``y`` and (when there are gradients) ``loss``."""
    b = IRBuilder("torch_check")
    ids = {name: b.input(name, shape) for name, shape in case.shapes.items()}
    y = case.build(b, ids)
    outputs = {"y": y}
    if wrt and case.scalar:
        outputs["loss"] = y
    elif wrt:
        outputs["loss"] = weighted_sum(b, y, b.input(LOSS_WEIGHTS, b.shape(y)))
    return b.build(outputs)


def ir_gradients(
    graph: Graph, feeds: dict[str, np.ndarray], wrt: tuple[str, ...]
) -> dict[str, np.ndarray]:
    """d loss / d input for each name in ``wrt``, by autodiff run in the reference."""
    ids = [graph.inputs[k].id for k in wrt]
    grad_graph, grads = gradients(graph, graph.outputs["loss"], ids)
    outs = {k: grads[i] for k, i in zip(wrt, ids, strict=True)}
    return evaluate(grad_graph.replace(outputs=outs), feeds).outputs


def torch_gradients(
    case: Case, feeds: dict[str, np.ndarray], wrt: tuple[str, ...]
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """The torch output and d loss / d input for each name in ``wrt``, by torch.autograd."""
    ts = to_torch({k: feeds[k] for k in case.shapes}, grad=wrt)
    y = case.torch_fn(ts)
    if not wrt:
        return y, {}
    loss = y.sum() if case.scalar else (y * torch.tensor(feeds[LOSS_WEIGHTS])).sum()
    grads = torch.autograd.grad(loss, [ts[k] for k in wrt])
    return y, dict(zip(wrt, grads, strict=True))


def check_against_torch(
    case: Case, seed: int = 0, transforms: tuple[Callable[[Graph], Graph], ...] = ()
) -> None:
    """Forward of the graph (and of each transformed graph) and its gradients vs torch.

    Gradients are taken on each transformed graph (autodiff needs primitives, so composite
    cases pass their decomposition here), or on the graph itself when there are none.
    """
    rng = np.random.default_rng(seed)
    wrt = tuple(case.shapes) if case.wrt is None else case.wrt
    graph = build_graph(case, wrt)
    feeds = make_inputs(case.shapes, case.domain, rng)
    if wrt and not case.scalar:
        feeds[LOSS_WEIGHTS] = rng.standard_normal(graph.inputs[LOSS_WEIGHTS].shape)
    y_torch, g_torch = torch_gradients(case, feeds, wrt)
    transformed = tuple(t(graph) for t in transforms)
    for i, g in enumerate((graph,) + transformed):
        assert_close(evaluate(g, feeds).outputs["y"], y_torch, f"forward of graph {i}")
    for g in (transformed or (graph,)) if wrt else ():
        got = ir_gradients(g, feeds, wrt)
        for k in wrt:
            assert_close(got[k], g_torch[k], f"gradient of {k}")


# Layout helpers: IR NHWC / [KH, KW, Cin, Cout] <-> torch NCHW / [Cout, Cin, KH, KW].
def nchw(x: torch.Tensor) -> torch.Tensor:
    return x.permute(0, 3, 1, 2)


def nhwc(x: torch.Tensor) -> torch.Tensor:
    return x.permute(0, 2, 3, 1)


def oihw(w: torch.Tensor) -> torch.Tensor:
    return w.permute(3, 2, 0, 1)


def torch_pad(x: torch.Tensor, padding: tuple[int, int, int, int], value: float) -> torch.Tensor:
    """NCHW ``x`` padded by IR padding (top, left, bottom, right)."""
    top, left, bottom, right = padding
    return F.pad(x, (left, right, top, bottom), value=value)


def torch_conv(
    x: torch.Tensor, w: torch.Tensor, stride: tuple[int, int], padding: tuple[int, int, int, int]
) -> torch.Tensor:
    top, left, bottom, right = padding
    if top == bottom and left == right:  # torch's own padding argument
        return nhwc(F.conv2d(nchw(x), oihw(w), stride=stride, padding=(top, left)))
    return nhwc(F.conv2d(torch_pad(nchw(x), padding, 0.0), oihw(w), stride=stride))


def torch_pool(
    op: Op,
    x: torch.Tensor,
    kernel: tuple[int, int],
    stride: tuple[int, int],
    padding: tuple[int, int, int, int],
    include_pad: bool,
) -> torch.Tensor:
    top, left, bottom, right = padding
    if top == bottom and left == right:
        if op is Op.MAXPOOL2D:
            return nhwc(F.max_pool2d(nchw(x), kernel, stride, (top, left)))
        return nhwc(
            F.avg_pool2d(nchw(x), kernel, stride, (top, left), count_include_pad=include_pad)
        )
    if op is Op.MAXPOOL2D:
        return nhwc(F.max_pool2d(torch_pad(nchw(x), padding, -np.inf), kernel, stride))
    summed = F.avg_pool2d(torch_pad(nchw(x), padding, 0.0), kernel, stride)
    if include_pad:
        return nhwc(summed)
    # Divide by the number of unpadded elements: the window average of an indicator.
    ones = torch.ones_like(x[..., :1])
    return nhwc(summed / F.avg_pool2d(torch_pad(nchw(ones), padding, 0.0), kernel, stride))


# Composites ------------------------------------------------------------------------------------
# Autodiff runs on the decomposition, and on the full graph-level pipeline (which also
# simplifies data movement and removes dead code) since that is what training compiles.
TRANSFORMS: tuple[Callable[[Graph], Graph], ...] = (decompose, lambda g: graph_passes(g))


def _composite(
    op: Op,
    shapes: dict[str, tuple[int, ...]],
    torch_fn: Callable,
    wrt: tuple[str, ...] | None = None,
    **attrs: object,
) -> Case:
    """``op`` applied to every input in ``shapes`` order."""
    return Case(shapes, lambda b, i: b.add(op, tuple(i.values()), **attrs), torch_fn, wrt=wrt)


def _channels_last(fn: Callable, x: torch.Tensor) -> torch.Tensor:
    """Apply torch's channels-first ``fn`` to an IR channels-last tensor of rank 2, 3 or 4."""
    if x.dim() == 2:
        return fn(x)
    if x.dim() == 3:
        return fn(x.transpose(1, 2)).transpose(1, 2)
    return nhwc(fn(nchw(x)))


def _leaky_relu(alpha: float) -> Case:
    return _composite(
        Op.LEAKY_RELU, {"x": (3, 5)}, lambda t: F.leaky_relu(t["x"], alpha), alpha=alpha
    )


def _batch_norm(shape: tuple[int, ...], eps: float) -> Case:
    c = shape[-1]
    return _composite(
        Op.BATCH_NORM,
        {"x": shape, "gamma": (c,), "beta": (c,)},
        lambda t: _channels_last(
            lambda x: F.batch_norm(x, None, None, t["gamma"], t["beta"], training=True, eps=eps),
            t["x"],
        ),
        eps=eps,
        training=True,
    )


def _batch_norm_inference(shape: tuple[int, ...]) -> Case:
    c = shape[-1]
    # torch does not differentiate through running statistics, so only x, gamma and beta.
    return _composite(
        Op.BATCH_NORM,
        {"x": shape, "gamma": (c,), "beta": (c,), "mean": (c,), "var": (c,)},
        lambda t: _channels_last(
            lambda x: F.batch_norm(
                x, t["mean"], t["var"], t["gamma"], t["beta"], training=False, eps=1e-3
            ),
            t["x"],
        ),
        wrt=("x", "gamma", "beta"),
        eps=1e-3,
        training=False,
    )


def _gates_ir_to_torch(t: torch.Tensor, op: Op) -> torch.Tensor:
    """Reorder the gate blocks of the last axis from the IR's order to torch's."""
    if op is not Op.GRU:
        return t
    z, r, n = t.chunk(3, dim=-1)
    return torch.cat([r, z, n], dim=-1)


_MODULES = {Op.RNN: torch.nn.RNN, Op.LSTM: torch.nn.LSTM, Op.GRU: torch.nn.GRU}


def _torch_recurrent(op: Op, hidden: int) -> Callable:
    def run(t: dict) -> torch.Tensor:
        x = t["x"]
        module = _MODULES[op](x.shape[-1], hidden, batch_first=True, dtype=torch.float64)
        bias_ih = t["b"] if op is not Op.GRU else t["bw"]
        bias_hh = torch.zeros_like(bias_ih) if op is not Op.GRU else t["br"]
        weights = {
            "weight_ih_l0": _gates_ir_to_torch(t["w"], op).T,
            "weight_hh_l0": _gates_ir_to_torch(t["r"], op).T,
            "bias_ih_l0": _gates_ir_to_torch(bias_ih, op),
            "bias_hh_l0": _gates_ir_to_torch(bias_hh, op),
        }
        return functional_call(module, weights, (x,))[0]

    return run


def _recurrent(op: Op, batch: int = 2, steps: int = 3, feat: int = 4, hidden: int = 3) -> Case:
    g = {Op.RNN: 1, Op.GRU: 3, Op.LSTM: 4}[op] * hidden
    shapes = {"x": (batch, steps, feat), "w": (feat, g), "r": (hidden, g)}
    shapes |= {"bw": (g,), "br": (g,)} if op is Op.GRU else {"b": (g,)}
    attrs: dict[str, object] = {"linear_before_reset": True} if op is Op.GRU else {}
    return _composite(op, shapes, _torch_recurrent(op, hidden), hidden=hidden, **attrs)


def _torch_gru_reset_before_linear(t: dict) -> torch.Tensor:
    """GRU with ``linear_before_reset=False`` (Cho et al. 2014, ONNX's default), which torch
    has no module for: n = tanh(x Wn + bn + (r * h) Rn + Rbn), with torch ops."""
    x, hid = t["x"], t["r"].shape[0]
    h = x.new_zeros(x.shape[0], hid)
    wz, wr, wn = t["w"].split(hid, dim=1)
    rz, rr, rn = t["r"].split(hid, dim=1)
    (bz, br, bn), (cz, cr, cn) = t["bw"].split(hid), t["br"].split(hid)
    out = []
    for step in range(x.shape[1]):
        xt = x[:, step]
        z = torch.sigmoid(xt @ wz + bz + h @ rz + cz)
        r = torch.sigmoid(xt @ wr + br + h @ rr + cr)
        n = torch.tanh(xt @ wn + bn + (r * h) @ rn + cn)
        h = (1 - z) * n + z * h
        out.append(h)
    return torch.stack(out, dim=1)


def _torch_attention(t: dict) -> torch.Tensor:
    x = t["x"]
    d = x.shape[-1]
    mha = torch.nn.MultiheadAttention(d, 1, bias=False, batch_first=True, dtype=torch.float64)
    weights = {
        "in_proj_weight": torch.cat([t["wq"].T, t["wk"].T, t["wv"].T]),
        "out_proj.weight": t["wo"].T,
    }
    return functional_call(mha, weights, (x, x, x), {"need_weights": False})[0]


COMPOSITES: dict[str, Case] = {
    "softmax": _composite(Op.SOFTMAX, {"x": (2, 3, 5)}, lambda t: torch.softmax(t["x"], -1)),
    "log_softmax": _composite(
        Op.LOG_SOFTMAX, {"x": (3, 5)}, lambda t: torch.log_softmax(t["x"], -1)
    ),
    "gelu_tanh": _composite(Op.GELU, {"x": (3, 5)}, lambda t: F.gelu(t["x"], approximate="tanh")),
    # inference: the identity (training masks: tests/compiler/test_dropout.py)
    "dropout_eval": _composite(
        Op.DROPOUT, {"x": (3, 5)}, lambda t: F.dropout(t["x"], 0.3, False), ratio=0.3, seed=1
    ),
    # alpha in [0, 1] decomposes to max(x, alpha x); outside it to relu arithmetic.
    **{f"leaky_relu_{alpha}": _leaky_relu(alpha) for alpha in (0.1, 1.5, -0.3)},
    # At x == 0 torch's gradient is alpha; so is the max(x, alpha x) decomposition's.
    "leaky_relu_0.1_at_zero": replace(_leaky_relu(0.1), domain="ints"),
    "layer_norm": _composite(
        Op.LAYER_NORM,
        {"x": (2, 3, 5), "gamma": (5,), "beta": (5,)},
        lambda t: F.layer_norm(t["x"], (5,), t["gamma"], t["beta"], 1e-3),
        eps=1e-3,
    ),
    "batch_norm_train_nhwc": _batch_norm((2, 3, 3, 4), 1e-5),
    "batch_norm_train_rows": _batch_norm((6, 4), 1e-3),
    "batch_norm_train_sequence": _batch_norm((2, 3, 4), 1e-5),
    "batch_norm_inference": _batch_norm_inference((2, 3, 3, 4)),
    # torch's batch_norm does not differentiate its statistics: the same formula in torch ops.
    "batch_norm_inference_all_operands": _composite(
        Op.BATCH_NORM,
        {"x": (5, 3), "gamma": (3,), "beta": (3,), "mean": (3,), "var": (3,)},
        lambda t: (t["x"] - t["mean"]) / torch.sqrt(t["var"] + 1e-3) * t["gamma"] + t["beta"],
        eps=1e-3,
        training=False,
    ),
    "global_avgpool": _composite(
        Op.GLOBAL_AVGPOOL,
        {"x": (2, 3, 4, 5)},
        lambda t: F.adaptive_avg_pool2d(nchw(t["x"]), 1).flatten(1),
    ),
    "rnn": _recurrent(Op.RNN),
    "lstm": _recurrent(Op.LSTM),
    "lstm_one_step": _recurrent(Op.LSTM, steps=1),
    "gru_linear_before_reset": _recurrent(Op.GRU),
    "gru_reset_before_linear": replace(
        _recurrent(Op.GRU),
        build=lambda b, i: b.add(Op.GRU, tuple(i.values()), hidden=3, linear_before_reset=False),
        torch_fn=_torch_gru_reset_before_linear,
    ),
    "attention": _composite(
        Op.ATTENTION,
        {"x": (2, 3, 4), "wq": (4, 4), "wk": (4, 4), "wv": (4, 4), "wo": (4, 4)},
        _torch_attention,
    ),
}


@pytest.mark.parametrize("name", sorted(COMPOSITES))
def test_composite_matches_torch(name: str) -> None:
    check_against_torch(COMPOSITES[name], transforms=TRANSFORMS)


def test_every_composite_is_cross_checked() -> None:
    used = {n.op for case in COMPOSITES.values() for n in build_graph(case, ()).nodes}
    assert COMPOSITE <= used, sorted(op.value for op in COMPOSITE - used)


@pytest.mark.parametrize("alpha", [1.5, -0.3])
def test_leaky_relu_gradient_at_zero_outside_unit_interval(alpha: float) -> None:
    check_against_torch(replace(_leaky_relu(alpha), domain="ints"), transforms=TRANSFORMS)
