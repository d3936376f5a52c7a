"""Decomposition of composite ops into primitives the chip executes.

Each expansion below writes the composite's definition (see `compiler.reference`) with
primitive ops only: reductions over the last axis give per-row scalars that broadcast back,
statistics over the batch use a column sum (REDUCE_SUM over axis 0), recurrent layers are
unrolled over time with the input projection of all time steps done as one GEMM, and attention
runs one [T, T] score GEMM per batch element.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from compiler.ir import COMPOSITE, Graph, Node, Op
from compiler.ir_builder import IRBuilder, rebuild


def decompose(graph: Graph) -> Graph:
    """Replace every composite node by primitives computing the same values.

    Invariant established: the graph holds only sources and `PRIMITIVE` ops; outputs and
    updates name the nodes that compute the composite's results.
    """

    def rewrite(b: IRBuilder, n: Node, ins: list[int]) -> int | None:
        if n.op not in COMPOSITE:
            return None
        out = _EXPANSIONS[n.op](b, n, ins)
        if b.shape(out) != n.shape:
            raise AssertionError(f"decomposition of {n} produced shape {b.shape(out)}")
        return out

    return rebuild(graph, rewrite)


def softmax(b: IRBuilder, x: int, name: str = "") -> int:
    """Numerically stable softmax over the last axis."""
    z = b.add(Op.SUB, (x, b.add(Op.REDUCE_MAX, (x,), name, axis=-1)), name)
    e = b.add(Op.EXP, (z,), name)
    inv = b.add(Op.RECIP, (b.add(Op.REDUCE_SUM, (e,), name, axis=-1),), name)
    return b.add(Op.MUL, (e, inv), name)


def _softmax(b: IRBuilder, n: Node, ins: list[int]) -> int:
    return softmax(b, ins[0], n.name)


def _log_softmax(b: IRBuilder, n: Node, ins: list[int]) -> int:
    x, nm = ins[0], n.name
    z = b.add(Op.SUB, (x, b.add(Op.REDUCE_MAX, (x,), nm, axis=-1)), nm)
    total = b.add(Op.REDUCE_SUM, (b.add(Op.EXP, (z,), nm),), nm, axis=-1)
    return b.add(Op.SUB, (z, b.add(Op.LOG, (total,), nm)), nm)


def _gelu(b: IRBuilder, n: Node, ins: list[int]) -> int:
    x, nm = ins[0], n.name
    cube = b.add(Op.MUL, (b.add(Op.MUL, (x, x), nm), x), nm)
    inner = b.add(Op.ADD, (x, b.scale(cube, 0.044715, nm)), nm)
    t = b.add(Op.TANH, (b.scale(inner, math.sqrt(2.0 / math.pi), nm),), nm)
    return b.add(Op.MUL, (b.scale(x, 0.5, nm), b.add_const(t, 1.0, nm)), nm)


def _leaky_relu(b: IRBuilder, n: Node, ins: list[int]) -> int:
    x, nm, alpha = ins[0], n.name, n.attrs["alpha"]
    # For alpha <= 1 the result is max(x, alpha x), for alpha > 1 it is min(x, alpha x) =
    # -max(-x, -alpha x): both exact, and at the tie x == 0 MAX's gradient goes to its second
    # operand, giving the slope alpha there as torch does (relu-based forms give 0).
    if alpha <= 1.0:
        return b.add(Op.MAX, (x, b.scale(x, alpha, nm)), nm)
    low = b.add(Op.MAX, (b.scale(x, -1.0, nm), b.scale(x, -alpha, nm)), nm)
    return b.scale(low, -1.0, nm)


def _normalize(b: IRBuilder, xc: int, var: int, gamma: int, beta: int, eps: float, nm: str) -> int:
    rstd = b.add(Op.RSQRT, (b.add_const(var, eps, nm),), nm)
    if b.shape(rstd) == b.shape(gamma):  # batch norm: fold gamma into the [C] scale first
        return b.add(Op.ADD, (b.add(Op.MUL, (xc, b.add(Op.MUL, (rstd, gamma), nm)), nm), beta), nm)
    y = b.add(Op.MUL, (xc, rstd), nm)
    return b.add(Op.ADD, (b.add(Op.MUL, (y, gamma), nm), beta), nm)


def _layer_norm(b: IRBuilder, n: Node, ins: list[int]) -> int:
    x, gamma, beta = ins
    nm, inv = n.name, 1.0 / b.shape(x)[-1]
    mean = b.scale(b.add(Op.REDUCE_SUM, (x,), nm, axis=-1), inv, nm)
    xc = b.add(Op.SUB, (x, mean), nm)
    var = b.scale(b.add(Op.REDUCE_SUM, (b.add(Op.MUL, (xc, xc), nm),), nm, axis=-1), inv, nm)
    return _normalize(b, xc, var, gamma, beta, n.attrs["eps"], nm)


def batch_statistics(b: IRBuilder, x: int, name: str = "") -> tuple[int, int, int]:
    """(x - mean, mean, biased variance) over every axis but the last (channel) axis; mean
    and variance have shape [C]."""
    c = b.shape(x)[-1]
    rows = math.prod(b.shape(x)[:-1])

    def column_mean(t: int) -> int:
        total = b.add(Op.REDUCE_SUM, (b.reshape(t, (rows, c), name),), name, axis=0)
        return b.scale(total, 1.0 / rows, name)

    mean = column_mean(x)
    xc = b.add(Op.SUB, (x, mean), name)
    return xc, mean, column_mean(b.add(Op.MUL, (xc, xc), name))


def batch_norm_train(
    b: IRBuilder, x: int, gamma: int, beta: int, eps: float, name: str = ""
) -> tuple[int, int, int]:
    """Training-mode batch norm: (output, batch mean, biased batch variance)."""
    xc, mean, var = batch_statistics(b, x, name)
    return _normalize(b, xc, var, gamma, beta, eps, name), mean, var


def _batch_norm(b: IRBuilder, n: Node, ins: list[int]) -> int:
    x, gamma, beta = ins[:3]
    nm, eps = n.name, n.attrs["eps"]
    if n.attrs["training"]:
        return batch_norm_train(b, x, gamma, beta, eps, nm)[0]
    mean, var = ins[3:]
    scale = b.add(Op.MUL, (gamma, b.add(Op.RSQRT, (b.add_const(var, eps, nm),), nm)), nm)
    shift = b.add(Op.SUB, (beta, b.add(Op.MUL, (mean, scale), nm)), nm)
    return b.add(Op.ADD, (b.add(Op.MUL, (x, scale), nm), shift), nm)


def _global_avgpool(b: IRBuilder, n: Node, ins: list[int]) -> int:
    bn, h, w, c = b.shape(ins[0])
    pooled = b.add(
        Op.AVGPOOL2D,
        ins,
        n.name,
        kernel=(h, w),
        stride=(1, 1),
        padding=(0, 0, 0, 0),
        count_include_pad=False,
    )
    return b.reshape(pooled, (bn, c), n.name)


def _recurrent(b: IRBuilder, n: Node, ins: list[int]) -> int:
    x, w, r = ins[:3]
    nm, hid = n.name, n.attrs["hidden"]
    batch, steps, feat = b.shape(x)
    width = b.shape(w)[1]
    # The input projection of every time step is one [B*T, I] x [I, G*H] GEMM.
    xw = b.matmul(b.reshape(x, (batch * steps, feat), nm), w, name=nm)
    xw = b.reshape(b.add(Op.ADD, (xw, ins[3]), nm), (batch, steps, width), nm)
    step = {Op.RNN: _rnn_step, Op.LSTM: _lstm_step, Op.GRU: _gru_step}[n.op]
    k = n.attrs.get("states", 0)
    states = ins[len(ins) - k :]  # h0 (and c0); none: a zero state
    h: int | None = states[0] if k else None
    c: int | None = states[1] if k > 1 else None
    outs = []
    for t in range(steps):
        xt = b.reshape(b.slice(xw, 1, t, t + 1, nm), (batch, width), nm)
        extra = ins[4] if n.op is Op.GRU or n.attrs.get("peephole", False) else None
        h, c = step(b, n, xt, h, c, r, extra)
        if n.attrs.get("with_cell", False):
            outs.append(b.reshape(b.add(Op.CONCAT, (h, c), nm, axis=1), (batch, 1, 2 * hid), nm))
        else:
            outs.append(b.reshape(h, (batch, 1, hid), nm))
    return outs[0] if steps == 1 else b.add(Op.CONCAT, outs, nm, axis=1)


def _rnn_step(
    b: IRBuilder, n: Node, xt: int, h: int | None, c: int | None, r: int, _br: int | None
) -> tuple[int, None]:
    pre = xt if h is None else b.add(Op.ADD, (xt, b.matmul(h, r, name=n.name)), n.name)
    return b.add(Op.TANH, (pre,), n.name), None


def _lstm_step(
    b: IRBuilder, n: Node, xt: int, h: int | None, c: int | None, r: int, p: int | None
) -> tuple[int, int]:
    """One LSTM step; with peepholes ``p`` [3H] (i, f, o), the input and forget gates also
    see the previous cell state and the output gate the new one."""
    nm, hid = n.name, n.attrs["hidden"]
    gates = xt if h is None else b.add(Op.ADD, (xt, b.matmul(h, r, name=nm)), nm)

    def gate(k: int, op: Op, peek: int | None = None, cell: int | None = None) -> int:
        pre = b.slice(gates, 1, k * hid, (k + 1) * hid, nm)
        if p is not None and cell is not None:
            weight = b.slice(p, 0, peek * hid, (peek + 1) * hid, nm)
            pre = b.add(Op.ADD, (pre, b.add(Op.MUL, (cell, weight), nm)), nm)
        return b.add(op, (pre,), nm)

    i, g = gate(0, Op.SIGMOID, 0, c), gate(2, Op.TANH)
    ig = b.add(Op.MUL, (i, g), nm)
    # The forget gate only matters once there is a cell state to forget (t > 0).
    if c is not None:
        ig = b.add(Op.ADD, (b.add(Op.MUL, (gate(1, Op.SIGMOID, 1, c), c), nm), ig), nm)
    c = ig
    o = gate(3, Op.SIGMOID, 2, c)
    return b.add(Op.MUL, (o, b.add(Op.TANH, (c,), nm)), nm), c


def _gru_step(
    b: IRBuilder, n: Node, xt: int, h: int | None, c: int | None, r: int, br: int | None
) -> tuple[int, None]:
    nm, hid = n.name, n.attrs["hidden"]
    batch = b.shape(xt)[0]
    assert br is not None
    if h is None:  # zero initial state: h @ R vanishes, only the recurrent bias remains
        hr = b.add(Op.BROADCAST, (br,), nm, shape=(batch, *b.shape(br)))
    else:
        hr = b.add(Op.ADD, (b.matmul(h, r, name=nm), br), nm)

    def part(t: int, k: int) -> int:
        return b.slice(t, 1, k * hid, (k + 1) * hid, nm)

    z = b.add(Op.SIGMOID, (b.add(Op.ADD, (part(xt, 0), part(hr, 0)), nm),), nm)
    rg = b.add(Op.SIGMOID, (b.add(Op.ADD, (part(xt, 1), part(hr, 1)), nm),), nm)
    if h is None:  # h = 0: r * (h Rn + brn) = r * brn, and (r * h) Rn + brn = brn
        rec = (
            b.add(Op.MUL, (rg, part(hr, 2)), nm) if n.attrs["linear_before_reset"] else part(hr, 2)
        )
    elif n.attrs["linear_before_reset"]:
        rec = b.add(Op.MUL, (rg, part(hr, 2)), nm)
    else:
        rn = b.slice(r, 1, 2 * hid, 3 * hid, nm)
        rec = b.add(
            Op.ADD,
            (
                b.matmul(b.add(Op.MUL, (rg, h), nm), rn, name=nm),
                b.slice(br, 0, 2 * hid, 3 * hid, nm),
            ),
            nm,
        )
    cand = b.add(Op.TANH, (b.add(Op.ADD, (part(xt, 2), rec), nm),), nm)
    if h is None:  # (1 - z) * n
        return b.add(Op.SUB, (cand, b.add(Op.MUL, (z, cand), nm)), nm), None
    # (1 - z) * n + z * h == n + z * (h - n)
    return b.add(Op.ADD, (cand, b.add(Op.MUL, (z, b.add(Op.SUB, (h, cand), nm)), nm)), nm), None


def _attention(b: IRBuilder, n: Node, ins: list[int]) -> int:
    x, wq, wk, wv, wo = ins
    nm = n.name
    batch, steps, d = b.shape(x)
    x2 = b.reshape(x, (batch * steps, d), nm)
    q, k, v = (b.matmul(x2, w, name=nm) for w in (wq, wk, wv))
    heads = []
    for i in range(batch):
        rows = (i * steps, (i + 1) * steps)
        qi, ki, vi = (b.slice(t, 0, *rows, nm) for t in (q, k, v))
        scores = b.scale(b.matmul(qi, ki, trans_b=True, name=nm), 1.0 / math.sqrt(d), nm)
        heads.append(b.matmul(softmax(b, scores, nm), vi, name=nm))
    o = heads[0] if batch == 1 else b.add(Op.CONCAT, heads, nm, axis=0)
    return b.reshape(b.matmul(o, wo, name=nm), (batch, steps, d), nm)


_EXPANSIONS: dict[Op, Callable[[IRBuilder, Node, list[int]], int]] = {
    Op.SOFTMAX: _softmax,
    Op.LOG_SOFTMAX: _log_softmax,
    Op.GELU: _gelu,
    Op.LEAKY_RELU: _leaky_relu,
    Op.DROPOUT: lambda b, n, ins: ins[0],  # inference; training_step draws a mask first
    Op.LAYER_NORM: _layer_norm,
    Op.BATCH_NORM: _batch_norm,
    Op.GLOBAL_AVGPOOL: _global_avgpool,
    Op.RNN: _recurrent,
    Op.GRU: _recurrent,
    Op.LSTM: _recurrent,
    Op.ATTENTION: _attention,
}
assert set(_EXPANSIONS) == COMPOSITE
