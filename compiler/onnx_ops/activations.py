"""Handlers of unary math, activation, n-ary and selection ONNX ops, built from IR primitives.

Every op here is a composition of primitive IR ops (SCALE, ADD_CONST, MAX, MUL, EXP, ...), so
training differentiates it through the autodiff rule table with no rule of its own:

- Neg = SCALE(-1); Abs = MAX(x, -x); min(a, b) = -MAX(-a, -b).
- Erf: Abramowitz & Stegun 7.1.26, ``sign(x) (1 - t (a1 + t (a2 + ... )) exp(-x^2))`` with
  ``t = 1 / (1 + p |x|)``; absolute error below 1.5e-7. Gelu (approximate="none") is
  ``x (1 + erf(x / sqrt 2)) / 2``; approximate="tanh" is the IR's GELU.
- Pow with a constant exponent: MUL chains for small integers, SQRT/RSQRT/RECIP for 0.5,
  -0.5, -1, otherwise ``exp(p log x)`` (NaN for negative x, as ONNX gives for a fractional
  exponent); with an exponent tensor, ``exp(y log |x|)`` with NumPy's signs (`_pow_tensor`).
- Clip/HardSigmoid/HardSwish/Elu/PRelu/Softplus from MAX, SCALE, ADD_CONST, EXP, LOG and RELU.
- Where with a constant condition: ``a m + b (1 - m)`` for the mask m (finite constants only).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import onnx

from compiler.ir import Op
from compiler.onnx_ops import integers
from compiler.onnx_ops.importer import NHWC_TO_NCHW, Importer, Unsupported
from compiler.onnx_ops.math import broadcast_op

Handle = Callable[[Importer, onnx.NodeProto], None]


def _scalar(im: Importer, value: float) -> int:
    """A (1,) CONST holding ``value`` (the IR broadcasts it as a scalar operand)."""
    base = f"{im.node.name or im.node.op_type.lower()}.const"
    return im.b.const(im.b.unique(base), np.array([value], dtype=np.float64))


def _neg(im: Importer, x: int) -> int:
    return im.b.scale(x, -1.0, im.node.name)


def _min_scalar(im: Importer, x: int, hi: float) -> int:
    return _neg(im, im.b.add(Op.MAX, (_neg(im, x), _scalar(im, -hi)), im.node.name))


def _max_scalar(im: Importer, x: int, lo: float) -> int:
    return im.b.add(Op.MAX, (x, _scalar(im, lo)), im.node.name)


def _clip(im: Importer, x: int, lo: float | None, hi: float | None) -> int:
    if lo is not None and math.isfinite(lo):
        x = _max_scalar(im, x, lo)
    if hi is not None and math.isfinite(hi):
        x = _min_scalar(im, x, hi)
    return x


_ERF_P = 0.3275911
_ERF_A = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)


def erf_ir(im: Importer, x: int) -> int:
    """erf(x) from IR primitives (module docstring)."""
    b, name = im.b, im.node.name
    ax = b.add(Op.MAX, (x, _neg(im, x)), name)
    t = b.add(Op.RECIP, (b.add_const(b.scale(ax, _ERF_P, name), 1.0, name),), name)
    poly = b.scale(t, _ERF_A[4], name)
    for a in reversed(_ERF_A[:4]):
        poly = b.add(Op.MUL, (b.add_const(poly, a, name), t), name)
    decay = b.add(Op.EXP, (_neg(im, b.add(Op.MUL, (x, x), name)),), name)
    magnitude = b.add_const(_neg(im, b.add(Op.MUL, (poly, decay), name)), 1.0, name)
    positive = b.add(Op.GREATER, (x, _scalar(im, 0.0)), name)
    sign = b.add_const(b.scale(positive, 2.0, name), -1.0, name)
    return b.add(Op.MUL, (magnitude, sign), name)


def elementwise(fn: Callable[[Importer, int], int]) -> Handle:
    """A handler applying ``fn`` (IR id -> IR id) to the node's one input, keeping its layout."""

    def handle(im: Importer, n: onnx.NodeProto) -> None:
        x = n.input[0]
        im.put(0, fn(im, im.get(x)), im.layout(x))

    return handle


def _abs(im: Importer, x: int) -> int:
    return im.b.add(Op.MAX, (x, _neg(im, x)), im.node.name)


def _gelu(im: Importer, x: int) -> int:
    approx = im.attr("approximate", b"none").decode()
    if approx == "tanh":
        return im.b.add(Op.GELU, (x,), im.node.name)
    if approx != "none":
        raise Unsupported(f"approximate={approx!r} is not supported (none, tanh)", "approximate")
    e = erf_ir(im, im.b.scale(x, 1 / math.sqrt(2.0), im.node.name))
    half = im.b.scale(im.b.add_const(e, 1.0, im.node.name), 0.5, im.node.name)
    return im.b.add(Op.MUL, (x, half), im.node.name)


def _hard_sigmoid(im: Importer, x: int, alpha: float, beta: float) -> int:
    lin = im.b.add_const(im.b.scale(x, alpha, im.node.name), beta, im.node.name)
    return _clip(im, lin, 0.0, 1.0)


def _elu(im: Importer, x: int) -> int:
    alpha = float(im.attr("alpha", 1.0))
    b, name = im.b, im.node.name
    neg_part = _neg(im, b.add(Op.RELU, (_neg(im, x),), name))  # min(x, 0)
    tail = b.scale(b.add_const(b.add(Op.EXP, (neg_part,), name), -1.0, name), alpha, name)
    return b.add(Op.ADD, (b.add(Op.RELU, (x,), name), tail), name)


def _softplus(im: Importer, x: int) -> int:
    b, name = im.b, im.node.name
    return b.add(Op.LOG, (b.add_const(b.add(Op.EXP, (x,), name), 1.0, name),), name)


UNARY: dict[str, Handle] = {
    "Neg": elementwise(_neg),
    "Abs": elementwise(_abs),
    "Exp": elementwise(lambda im, x: im.b.add(Op.EXP, (x,), im.node.name)),
    "Log": elementwise(lambda im, x: im.b.add(Op.LOG, (x,), im.node.name)),
    "Sqrt": elementwise(lambda im, x: im.b.add(Op.SQRT, (x,), im.node.name)),
    "Reciprocal": elementwise(lambda im, x: im.b.add(Op.RECIP, (x,), im.node.name)),
    "Erf": elementwise(erf_ir),
    "Gelu": elementwise(_gelu),
    "HardSigmoid": elementwise(
        lambda im, x: _hard_sigmoid(
            im, x, float(im.attr("alpha", 0.2)), float(im.attr("beta", 0.5))
        )
    ),
    "HardSwish": elementwise(
        lambda im, x: im.b.add(Op.MUL, (x, _hard_sigmoid(im, x, 1 / 6, 0.5)), im.node.name)
    ),
    "Elu": elementwise(_elu),
    "Softplus": elementwise(_softplus),
}


LIMITS = {
    "Neg": "",
    "Abs": "MAX(x, -x)",
    "Exp": "",
    "Log": "",
    "Sqrt": "",
    "Reciprocal": "",
    "Erf": "Abramowitz-Stegun 7.1.26 from primitives, absolute error < 1.5e-7",
    "Gelu": "approximate none (via Erf) or tanh (the IR's GELU)",
    "HardSigmoid": "",
    "HardSwish": "",
    "Elu": "",
    "Softplus": "",
}


def _constant_operand(im: Importer, k: int, what: str) -> float | None:
    if not im.has(k):
        return None
    v = im.const(im.node.input[k])
    if v is None or np.size(v) != 1:
        raise Unsupported(f"{what} {im.node.input[k]!r} must be a one-value constant", what)
    return float(np.asarray(v).reshape(-1)[0])


def clip(im: Importer, n: onnx.NodeProto) -> None:
    """Clip to bounds: constants (inputs min/max since opset 11, attributes before) or
    one-value tensors read at run time."""
    x = n.input[0]
    y = im.get(x)
    if im.opset < 11:
        im.put(0, _clip(im, y, im.attr("min"), im.attr("max")), im.layout(x))
        return
    for k, what in ((1, "min"), (2, "max")):
        if not im.has(k):
            continue
        if n.input[k] not in im.vals and n.input[k] not in im.unheld:
            bound = _constant_operand(im, k, what)
            y = _clip(im, y, *((bound, None) if k == 1 else (None, bound)))
            continue
        t = im.operand(k, what)
        if int(np.prod(im.b.shape(t))) != 1:
            raise Unsupported(f"{what} {n.input[k]!r} must hold one value", what)
        t = im.b.reshape(t, (1,), n.name)
        if k == 1:
            y = im.b.add(Op.MAX, (y, t), n.name)
        else:
            y = _neg(im, im.b.add(Op.MAX, (_neg(im, y), _neg(im, t)), n.name))
    im.put(0, y, im.layout(x))
    if integers.is_integer(im, x):  # bounds of integers are integers: exact, still in range
        im.elem[n.output[0]], im.int_bound[n.output[0]] = im.elem[x], integers.bound(im, x)


def pow_(im: Importer, n: onnx.NodeProto) -> None:
    if not im.has(1):
        raise Unsupported("missing exponent Y")
    x, y = n.input[:2]
    if integers.is_integer(im, x) or (x in im.vals and not im.b.dtype(im.get(x)).is_float):
        raise Unsupported(f"base {x!r} is an integer tensor; Pow computes on float bases")
    value = im.const(y) if y not in im.vals else None
    if value is None or np.size(value) != 1:
        _pow_tensor(im, n)
        return
    p = float(np.asarray(value).reshape(-1)[0])
    xid, b, name = im.get(x), im.b, n.name
    special = {0.5: Op.SQRT, -0.5: Op.RSQRT, -1.0: Op.RECIP}
    if p in special:
        y = b.add(special[p], (xid,), name)
    elif p == 1.0:
        y = xid
    elif p == int(p) and 2 <= p <= 4:
        y = xid
        for _ in range(int(p) - 1):
            y = b.add(Op.MUL, (y, xid), name)
    else:
        y = b.add(Op.EXP, (b.scale(b.add(Op.LOG, (xid,), name), p, name),), name)
    im.put(0, y, im.layout(x))


_ROUND = 1.5 * 2.0**23  # y + _ROUND - _ROUND rounds |y| < 2^22 to an integer (nearest even)


def _pow_tensor(im: Importer, n: onnx.NodeProto) -> None:
    """x^y for an exponent tensor (run-time, or a constant of several values), as NumPy:
    exp(y log |x|), negated for x < 0 and an odd integer y, NaN for x < 0 and a fractional y
    (the log of a negative base), 1 for y = 0. Integrality and parity of y come from rounding
    to nearest even in fp32 (adding and subtracting 1.5 * 2^23), exact for |y| < 2^22."""
    b, name = im.b, n.name
    x = im.get(n.input[0], "plain")
    shape = b.shape(x)
    y = im.get(n.input[1], "plain")
    ys = b.shape(y)
    if ys != shape:
        size = int(np.prod(ys))
        if size == 1:
            y = b.reshape(y, (1,), name)
        elif size == shape[-1] and ys[-1] == shape[-1]:
            y = b.reshape(y, shape[-1:], name)
        else:
            raise Unsupported(
                f"exponent of shape {list(ys)} against base {list(shape)}: only equal shapes, a "
                "trailing row vector or a scalar are supported"
            )

    def rounded(v: int) -> int:
        return b.add_const(b.add_const(v, _ROUND, name), -_ROUND, name)

    # of the exponent's shape: whether y is an integer, an odd one, zero
    whole = b.add(Op.EQUAL, (y, rounded(y)), name)
    odd = b.add(Op.SUB, (y, b.scale(rounded(b.scale(y, 0.5, name)), 2.0, name)), name)
    odd_whole = b.add(Op.MUL, (b.add(Op.MUL, (odd, odd), name), whole), name)
    fraction = b.add_const(b.scale(whole, -1.0, name), 1.0, name)
    zero = b.add(Op.EQUAL, (y, _scalar(im, 0.0)), name)
    # of the base's shape: |x|, kept negative where y has a fraction (its log is NaN)
    ax = b.add(Op.MAX, (x, _neg(im, x)), name)
    negative = b.add(Op.GREATER, (ax, x), name)
    keep = b.add_const(b.scale(b.add(Op.MUL, (negative, fraction), name), -2.0, name), 1.0, name)
    base = b.add(Op.ADD, (b.add(Op.MUL, (ax, keep), name), zero), name)
    m = b.add(Op.EXP, (b.add(Op.MUL, (b.add(Op.LOG, (base,), name), y), name),), name)
    flip = b.add(Op.MUL, (negative, odd_whole), name)
    im.put(0, b.add(Op.MUL, (m, b.add_const(b.scale(flip, -2.0, name), 1.0, name)), name))


def _temp(im: Importer, nid: int, layout: str, tag: str) -> str:
    """Register IR value ``nid`` under a fresh ONNX-side name (to reuse `broadcast_op`)."""
    name = f"{im.node.output[0]}.{tag}.{len(im.vals)}"
    im.vals[name] = (nid, layout)
    return name


def _negated(im: Importer, name: str) -> str:
    if im.const(name) is not None and name not in im.vals:
        neg = f"{name}.negated"
        im.consts[neg] = -np.asarray(im.const(name), np.float64)
        if name in im.weights:
            im.weights.add(neg)
        return neg
    return _temp(im, _neg(im, im.get(name)), im.layout(name), "neg")


def nary(kind: str) -> Handle:
    """Max, Min, Sum, Mean of any number of broadcastable inputs, folded pairwise."""

    def handle(im: Importer, n: onnx.NodeProto) -> None:
        names = [x for x in n.input if x]
        if kind in ("max", "min") and any(integers.is_integer(im, x) for x in names):
            integers.extremum(im, n, kind)
            return
        tensors = [x for x in names if im.const(x) is None or x in im.vals]
        if not tensors:
            raise Unsupported("all inputs are constants (fold them before exporting)")
        order = tensors + [x for x in names if x not in tensors]
        if kind == "min":
            order = [_negated(im, x) for x in order]
        op = Op.MAX if kind in ("max", "min") else Op.ADD
        acc = order[0]
        if len(order) == 1:
            acc = _temp(im, im.b.scale(im.get(acc), 1.0, n.name), im.layout(acc), "copy")
        for other in order[1:]:
            acc = _temp(im, broadcast_op(im, op, acc, other), im.layout(acc), kind)
        y, layout = im.vals[acc]
        if kind == "min":
            y = _neg(im, y)
        elif kind == "mean":
            y = im.b.scale(y, 1.0 / len(order), n.name)
        im.put(0, y, layout)

    return handle


def prelu(im: Importer, n: onnx.NodeProto) -> None:
    """relu(x) - slope * relu(-x), the slope broadcast (a constant or a tensor)."""
    x = n.input[0]
    xid, layout = im.get(x), im.layout(x)
    pos = im.b.add(Op.RELU, (xid,), n.name)
    negs = _temp(im, im.b.add(Op.RELU, (_neg(im, xid),), n.name), layout, "neg")
    scaled = broadcast_op(im, Op.MUL, negs, n.input[1])
    im.put(0, im.b.add(Op.SUB, (pos, scaled), n.name), layout)


def where(im: Importer, n: onnx.NodeProto) -> None:
    """Where with a constant condition: a m + b (1 - m), a constant operand's term folded to
    where(m, a, 0) so that a fill of -inf (a causal attention mask) stays exact; with a
    run-time condition (a bool tensor, 0/1 on the chip): RELU_GRAD(m, a) + RELU_GRAD(1 - m, b),
    which selects (an infinite or NaN value that is not selected does not leak)."""
    cond = im.const(n.input[0])
    if cond is None:
        _where_tensor(im, n)
        return
    mask = np.asarray(cond, dtype=np.float64)
    a, c = n.input[1], n.input[2]
    if all(im.const(x) is not None and x not in im.vals for x in (a, c)):
        im.consts[n.output[0]] = np.where(cond, im.const(a), im.const(c))
        return
    shapes = [
        np.shape(im.const(x))
        if x not in im.vals and im.const(x) is not None
        else _onnx_shape(im, x)
        for x in (a, c)
    ]
    out_shape = np.broadcast_shapes(mask.shape, *shapes)
    terms = []
    for name, m in ((a, mask), (c, 1.0 - mask)):
        mname = f"{n.output[0]}.mask.{len(terms)}"
        im.consts[mname] = np.broadcast_to(m, out_shape).copy()
        if im.const(name) is not None and name not in im.vals:
            kept = np.where(im.consts[mname] != 0, np.asarray(im.const(name), np.float64), 0.0)
            im.consts[f"{mname}.product"] = kept
            terms.append(f"{mname}.product")
        else:
            terms.append(_temp(im, broadcast_op(im, Op.MUL, name, mname), im.layout(name), "m"))
    tensor = next(t for t in terms if t in im.vals)
    other = terms[1] if tensor == terms[0] else terms[0]
    im.put(0, broadcast_op(im, Op.ADD, tensor, other), im.layout(tensor))


def _where_tensor(im: Importer, n: onnx.NodeProto) -> None:
    cond, a, c = n.input[:3]
    if not integers.is_integer(im, cond):
        raise Unsupported(f"condition {cond!r} must be a bool tensor or a constant")
    b, name = im.b, n.name
    m = im.get(cond, "plain")
    ids = [im.get(x, "plain") for x in (a, c)]
    shapes = {b.shape(m), *(b.shape(x) for x in ids)}
    if len(shapes) != 1:
        raise Unsupported(
            f"condition and operands of shapes {sorted(map(list, shapes))}: a run-time "
            "condition needs equal shapes"
        )
    not_m = b.add_const(b.scale(m, -1.0, name), 1.0, name)
    picked = [b.add(Op.RELU_GRAD, (k, x), name) for k, x in ((m, ids[0]), (not_m, ids[1]))]
    im.put(0, b.add(Op.ADD, tuple(picked), name))
    if all(integers.is_integer(im, x) for x in (a, c)):
        im.elem[n.output[0]] = im.elem[a]
        im.int_bound[n.output[0]] = max(integers.bound(im, a), integers.bound(im, c))


def _onnx_shape(im: Importer, name: str) -> tuple[int, ...]:
    """The ONNX (NCHW) shape of tensor ``name``."""
    shape = im.b.shape(im.get(name))
    if im.layout(name) == "nhwc":
        shape = tuple(shape[p] for p in NHWC_TO_NCHW)
    return shape
