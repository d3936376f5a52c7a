"""Shared helpers for compiler tests: finite-difference gradient checks in float64."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from compiler.autodiff import gradients
from compiler.ir import Graph, Op
from compiler.ir_builder import IRBuilder
from compiler.reference import evaluate


def weighted_loss(b: IRBuilder, y: int, rng: np.random.Generator) -> int:
    """A scalar loss sum(y * r) with a fixed random r, so every output element matters."""
    r = b.const(b.unique("loss_weights"), rng.standard_normal(b.shape(y)))
    flat = b.reshape(b.add(Op.MUL, (y, r)), (1, b.nodes[y].size))
    return b.reshape(b.add(Op.REDUCE_SUM, (flat,), axis=-1), (1,))


def check_gradients(
    build: Callable[[IRBuilder, np.random.Generator], int],
    seed: int = 0,
    tol: float = 1e-6,
    scalar_loss: bool = False,
    before_autodiff: Callable[[Graph], Graph] | None = None,
) -> Graph:
    """Build a graph whose PARAMs feed node ``build(...)``; compare autodiff to central
    differences of the loss for every element of every param. Returns the gradient graph.

    ``before_autodiff`` (e.g. decomposition) transforms the graph autodiff sees, while the
    finite differences use the untransformed graph (composites evaluated directly)."""
    rng = np.random.default_rng(seed)
    b = IRBuilder("gradcheck")
    y = build(b, rng)
    loss = y if scalar_loss else weighted_loss(b, y, rng)
    graph = b.build({"loss": loss})
    differentiated = before_autodiff(graph) if before_autodiff else graph
    params = differentiated.sources(Op.PARAM)
    grad_graph, grads = gradients(
        differentiated, differentiated.outputs["loss"], [n.id for n in params.values()]
    )
    grad_graph = grad_graph.replace(outputs={f"d_{k}": grads[n.id] for k, n in params.items()})
    analytic = evaluate(grad_graph, {}).outputs
    eps = 1e-6
    for name in params:
        base = np.asarray(graph.params[name], dtype=np.float64)
        numeric = np.zeros_like(base)
        for idx in np.ndindex(base.shape):
            values = []
            for sign in (1.0, -1.0):
                p = base.copy()
                p[idx] += sign * eps
                values.append(evaluate(graph, {}, params={name: p}).outputs["loss"][0])
            numeric[idx] = (values[0] - values[1]) / (2 * eps)
        got = analytic[f"d_{name}"]
        scale = max(1.0, float(np.abs(numeric).max()))
        np.testing.assert_allclose(
            got, numeric, atol=tol * scale, rtol=1e-5, err_msg=f"gradient of {name}"
        )
    return grad_graph
