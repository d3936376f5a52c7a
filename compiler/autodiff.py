"""Reverse-mode autodiff as a rule table: one gradient rule per differentiable primitive.

`gradients` walks the graph in reverse topological order from a scalar loss. Each rule receives
the builder, the node and the gradient of its output, and returns one gradient per operand
(None where no gradient flows). Gradients reaching a tensor from several consumers accumulate
with ADD; gradients of disjoint SLICEs of one tensor (the gates of an LSTM) are joined with one
CONCAT instead of being padded and added. The backward graph is ordinary IR made of primitives.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from compiler.ir import GRADIENT, SOURCES, Graph, Node, Op
from compiler.ir_builder import IRBuilder
from compiler.passes.decompose import softmax


@dataclass(frozen=True)
class _Piece:
    """A gradient contribution: ``grad``, or ``grad`` filling ``[start, stop)`` of ``axis``."""

    grad: int
    axis: int | None = None
    start: int = 0
    stop: int = 0


Rule = Callable[[IRBuilder, Node, int], Sequence["int | _Piece | None"]]


def gradients(
    graph: Graph, loss: int, wrt: Sequence[int], known: tuple[int, int] | None = None
) -> tuple[Graph, dict[int, int]]:
    """Extend ``graph`` with the gradient of node ``loss`` (shape (1,)) w.r.t. nodes ``wrt``.

    ``known`` = (y, dy): the loss's gradient with respect to node ``y`` is already node
    ``dy`` (a loss differentiated in closed form, such as binary cross-entropy on logits);
    the walk starts at ``y`` and never enters the loss's own nodes.
    Returns the extended graph and a map from each id in ``wrt`` to its gradient's node id
    (a zero FILL when the loss does not depend on it). Raises `ValueError` for a non-scalar
    loss or a primitive without a gradient rule on the path.
    """
    if graph[loss].shape != (1,):
        raise ValueError(f"loss node %{loss} has shape {graph[loss].shape}; it must be (1,)")
    b = IRBuilder.extend(graph)
    if known is None:
        start = loss
        pending: dict[int, list[_Piece]] = {loss: [_Piece(b.fill((1,), 1.0, "loss_seed"))]}
    else:
        start, dy = known
        if graph[dy].shape != graph[start].shape:
            raise ValueError(
                f"known gradient %{dy} has shape {graph[dy].shape}, not that of %{start} "
                f"{graph[start].shape}"
            )
        pending = {start: [_Piece(dy)]}
    needed = _on_path(graph, start, set(wrt))
    done: dict[int, int] = {}
    for n in reversed(graph.nodes[: start + 1]):
        if n.id not in pending:
            continue
        dy = _accumulate(b, n, pending.pop(n.id))
        done[n.id] = dy
        if n.op in SOURCES or not any(i in needed for i in n.inputs):
            continue
        if n.op not in RULES:
            why = " (second-order gradients are not supported)" if n.op in GRADIENT else ""
            raise ValueError(f"no gradient rule for {n.op.value} (node %{n.id} {n.name!r}){why}")
        for i, g in zip(n.inputs, RULES[n.op](b, n, dy), strict=True):
            if g is not None and i in needed:
                pending.setdefault(i, []).append(g if isinstance(g, _Piece) else _Piece(g))
    result = {}
    for w in wrt:
        result[w] = done[w] if w in done else b.fill(graph[w].shape, 0.0, f"zero_grad_{w}")
    return b.build(), result


def _on_path(graph: Graph, loss: int, wrt: set[int]) -> set[int]:
    """Nodes that depend on some ``wrt`` node and that node ``loss`` depends on."""
    below = set(wrt)
    for n in graph.nodes:
        if any(i in below for i in n.inputs):
            below.add(n.id)
    above = {loss}
    for n in reversed(graph.nodes[: loss + 1]):
        if n.id in above:
            above.update(n.inputs)
    return below & above


def _accumulate(b: IRBuilder, n: Node, pieces: list[_Piece]) -> int:
    full = [p.grad for p in pieces if p.axis is None]
    by_axis: dict[int, list[_Piece]] = {}
    for p in pieces:
        if p.axis is not None:
            by_axis.setdefault(p.axis, []).append(p)
    for axis, group in by_axis.items():
        group.sort(key=lambda p: p.start)
        # Disjoint slices join into one tensor; overlapping ones are joined in separate rounds.
        while group:
            row, rest, end = [], [], 0
            for p in group:
                if p.start >= end:
                    row.append(p)
                    end = p.stop
                else:
                    rest.append(p)
            full.append(_join(b, n, axis, row))
            group = rest
    total = full[0]
    for g in full[1:]:
        total = b.add(Op.ADD, (total, g), f"grad_{n.name or n.id}")
    return total


def _join(b: IRBuilder, n: Node, axis: int, pieces: list[_Piece]) -> int:
    parts, pos = [], 0
    for p in pieces + [_Piece(-1, axis, n.shape[axis], n.shape[axis])]:
        if p.start > pos:
            gap = n.shape[:axis] + (p.start - pos,) + n.shape[axis + 1 :]
            parts.append(b.fill(gap, 0.0, f"grad_{n.name or n.id}"))
        if p.grad >= 0:
            parts.append(p.grad)
        pos = p.stop
    return parts[0] if len(parts) == 1 else b.add(Op.CONCAT, parts, f"grad_{n.name}", axis=axis)


def reduce_to(b: IRBuilder, g: int, shape: tuple[int, ...], name: str = "") -> int:
    """Sum ``g`` down to a broadcast operand's ``shape`` (the adjoint of broadcasting)."""
    a = b.shape(g)
    if shape == a:
        return g
    if shape == a[:-1] + (1,):
        return b.add(Op.REDUCE_SUM, (g,), name, axis=-1)
    if len(shape) < len(a) and shape == a[len(a) - len(shape) :]:
        rows = b.reshape(g, (math.prod(a[: len(a) - len(shape)]), math.prod(shape)), name)
        return b.reshape(b.add(Op.REDUCE_SUM, (rows,), name, axis=0), shape, name)
    if shape == (1,):
        row = b.add(Op.REDUCE_SUM, (b.reshape(g, (1, math.prod(a)), name),), name, axis=-1)
        return b.reshape(row, (1,), name)
    raise ValueError(f"cannot reduce a gradient of shape {a} to {shape}")


def _g(n: Node) -> str:
    return f"grad_{n.name}" if n.name else ""


def _matmul(b: IRBuilder, n: Node, dy: int) -> list[int]:
    a, w = n.inputs
    ta, tb = n.attrs.get("trans_a", False), n.attrs.get("trans_b", False)
    da = (
        b.matmul(w, dy, trans_a=tb, trans_b=True, name=_g(n))
        if ta
        else b.matmul(dy, w, trans_b=not tb, name=_g(n))
    )
    dw = (
        b.matmul(dy, a, trans_a=True, trans_b=ta, name=_g(n))
        if tb
        else b.matmul(a, dy, trans_a=not ta, name=_g(n))
    )
    return [da, dw]


def _conv(b: IRBuilder, n: Node, dy: int) -> list[int]:
    x, w = n.inputs
    geo = dict(stride=n.attrs["stride"], padding=n.attrs["padding"])
    dx = b.add(Op.CONV2D_GRAD_INPUT, (dy, w), _g(n), input_shape=b.shape(x), **geo)
    dw = b.add(Op.CONV2D_GRAD_WEIGHT, (x, dy), _g(n), weight_shape=b.shape(w), **geo)
    return [dx, dw]


def _binary(b: IRBuilder, n: Node, dy: int) -> list[int]:
    a, c = n.inputs
    nm = _g(n)
    if n.op is Op.ADD:
        da, dc = dy, dy
    elif n.op is Op.SUB:
        da, dc = dy, b.scale(dy, -1.0, nm)
    elif n.op is Op.MUL:
        da, dc = b.add(Op.MUL, (dy, c), nm), b.add(Op.MUL, (dy, a), nm)
    else:  # MAX: the gradient goes to a where a > c, else to c
        da = b.add(Op.MUL, (dy, b.add(Op.GREATER, (a, c), nm)), nm)
        dc = b.add(Op.SUB, (dy, da), nm)
    return [da, reduce_to(b, dc, b.shape(c), nm)]


def _unary(fn: Callable[[IRBuilder, Node, int, str], int]) -> Rule:
    def rule(b: IRBuilder, n: Node, dy: int) -> list[int]:
        return [b.add(Op.MUL, (dy, fn(b, n, n.id, _g(n))), _g(n))]

    return rule


def _one_minus(b: IRBuilder, t: int, nm: str) -> int:
    return b.add_const(b.scale(t, -1.0, nm), 1.0, nm)


def _reduce(b: IRBuilder, n: Node, dy: int) -> list[int]:
    x = n.inputs[0]
    shape, nm = b.shape(x), _g(n)
    if n.op is Op.REDUCE_SUM:
        return [b.add(Op.BROADCAST, (dy,), nm, shape=shape)]
    # dy is split evenly among the elements equal to the maximum (as torch.amax does), so a
    # row with k tied maxima passes on dy in total, not k * dy.
    mask = b.add(Op.EQUAL, (x, b.add(Op.BROADCAST, (n.id,), nm, shape=shape)), nm)
    count = b.add(Op.REDUCE_SUM, (mask,), nm, axis=n.attrs["axis"])
    share = b.add(Op.MUL, (dy, b.add(Op.RECIP, (count,), nm)), nm)
    return [b.add(Op.MUL, (mask, b.add(Op.BROADCAST, (share,), nm, shape=shape)), nm)]


def _concat(b: IRBuilder, n: Node, dy: int) -> list[int]:
    axis, pos, out = n.attrs["axis"], 0, []
    for i in n.inputs:
        width = b.shape(i)[axis]
        out.append(b.slice(dy, axis, pos, pos + width, _g(n)))
        pos += width
    return out


def _loss(b: IRBuilder, n: Node, dy: int) -> list[int | None]:
    g = _softmax_ce_grad(b, n) if n.op is Op.SOFTMAX_CE else b.add(Op.MSE_GRAD, n.inputs, _g(n))
    seed = b.nodes[dy]
    if not (seed.op is Op.FILL and seed.attrs["value"] == 1.0):
        g = b.add(Op.MUL, (g, dy), _g(n))
    # The target gets a gradient only for MSE (labels of a cross-entropy are data).
    return [g, b.scale(g, -1.0, _g(n)) if n.op is Op.MSE else None]


def _softmax_ce_grad(b: IRBuilder, n: Node) -> int:
    """(softmax(z) * rowsum(t) - t) / B, the gradient of SOFTMAX_CE(z, t) for any labels t.

    SOFTMAX_CE_GRAD is (softmax(z) - t) / B, exact only where a label row sums to 1; the
    correction softmax(z) * (rowsum(t) - 1) / B covers zero rows (masked samples) and scaled
    rows. A node with attrs ``normalized_labels`` promises rows summing to 1 (the training
    step's one-hot labels) and gets the single fused op.
    """
    z, t = n.inputs
    nm = _g(n)
    g = b.add(Op.SOFTMAX_CE_GRAD, (z, t), nm)
    if n.attrs.get("normalized_labels", False):
        return g
    excess = b.add_const(b.add(Op.REDUCE_SUM, (t,), nm, axis=-1), -1.0, nm)
    excess = b.scale(excess, 1.0 / b.shape(z)[0], nm)
    return b.add(Op.ADD, (g, b.add(Op.MUL, (softmax(b, z, nm), excess), nm)), nm)


def _inverse(perm: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(sorted(range(len(perm)), key=lambda i: perm[i]))


RULES: dict[Op, Rule] = {
    Op.MATMUL: _matmul,
    Op.CONV2D: _conv,
    Op.ADD: _binary,
    Op.SUB: _binary,
    Op.MUL: _binary,
    Op.MAX: _binary,
    Op.GREATER: lambda b, n, dy: [None, None],
    Op.EQUAL: lambda b, n, dy: [None, None],
    Op.RANDOM: lambda b, n, dy: [None, None],
    Op.RELU: lambda b, n, dy: [b.add(Op.RELU_GRAD, (n.inputs[0], dy), _g(n))],
    Op.SIGMOID: _unary(lambda b, n, y, nm: b.add(Op.MUL, (y, _one_minus(b, y, nm)), nm)),
    Op.TANH: _unary(lambda b, n, y, nm: _one_minus(b, b.add(Op.MUL, (y, y), nm), nm)),
    Op.EXP: _unary(lambda b, n, y, nm: y),
    Op.LOG: _unary(lambda b, n, y, nm: b.add(Op.RECIP, (n.inputs[0],), nm)),
    Op.RECIP: _unary(lambda b, n, y, nm: b.scale(b.add(Op.MUL, (y, y), nm), -1.0, nm)),
    Op.RSQRT: _unary(
        lambda b, n, y, nm: b.scale(b.add(Op.MUL, (b.add(Op.MUL, (y, y), nm), y), nm), -0.5, nm)
    ),
    Op.SQRT: _unary(lambda b, n, y, nm: b.scale(b.add(Op.RECIP, (y,), nm), 0.5, nm)),
    Op.SCALE: lambda b, n, dy: [b.scale(dy, n.attrs["value"], _g(n))],
    Op.ADD_CONST: lambda b, n, dy: [dy],
    Op.FILL: lambda b, n, dy: [],
    Op.REDUCE_SUM: _reduce,
    Op.REDUCE_MAX: _reduce,
    Op.BROADCAST: lambda b, n, dy: [reduce_to(b, dy, b.shape(n.inputs[0]), _g(n))],
    Op.MAXPOOL2D: lambda b, n, dy: [b.add(Op.MAXPOOL2D_GRAD, (n.inputs[0], dy), _g(n), **n.attrs)],
    Op.AVGPOOL2D: lambda b, n, dy: [b.add(Op.AVGPOOL2D_GRAD, (n.inputs[0], dy), _g(n), **n.attrs)],
    Op.RESHAPE: lambda b, n, dy: [b.reshape(dy, b.shape(n.inputs[0]), _g(n))],
    Op.TRANSPOSE: lambda b, n, dy: [
        b.add(Op.TRANSPOSE, (dy,), _g(n), perm=_inverse(n.attrs["perm"]))
    ],
    Op.CONCAT: _concat,
    Op.SLICE: lambda b, n, dy: [_Piece(dy, n.attrs["axis"], n.attrs["start"], n.attrs["stop"])],
    Op.CAST: lambda b, n, dy: [
        dy
        if b.dtype(dy) == b.dtype(n.inputs[0])
        else b.add(Op.CAST, (dy,), _g(n), dtype=b.dtype(n.inputs[0]))
    ],
    Op.SOFTMAX_CE: _loss,
    Op.MSE: _loss,
}
