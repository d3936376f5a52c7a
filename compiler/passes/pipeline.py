"""The graph-level pipeline: the passes in order, with optional verification and IR dumps."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TextIO

from chip.dtypes import DType
from compiler.ir import Graph
from compiler.passes.dce import eliminate_dead_code
from compiler.passes.decompose import decompose
from compiler.passes.pool_relu import fold_relu_into_pool_grad
from compiler.passes.precision import cast_for_compute
from compiler.passes.shape_infer import shape_infer
from compiler.passes.simplify import simplify
from compiler.passes.verify import verify as verify_graph
from compiler.train import TrainSpec, batch_norm_training, dropout_training, training_step

DUMP_ENV = "SYSTOLIC_DUMP_IR"


def graph_passes(
    graph: Graph,
    *,
    batch: int | None = None,
    compute_dtype: DType = DType.FP32,
    train: TrainSpec | None = None,
    verify: bool = False,
    dump: bool | None = None,
    dump_to: TextIO | None = None,
) -> Graph:
    """Run the graph-level passes in order and return a graph of primitives only.

    1. shape_infer           shapes/dtypes for ``batch`` (None keeps the built batch)
    2. batch_norm_training   (training only) batch statistics, running-statistics updates
    3. dropout_training      (training only) DROPOUT masks drawn on chip (else the identity)
    4. decompose             composite ops -> primitives
    5. simplify              forward values through cancelling data movement
    6. eliminate_dead_code   drop nodes no output or update uses
    7. training_step         (training only) loss, backward, optimizer update
    8. fold_relu_into_pool_grad  (training only) a ReLU's gradient folded into the max
                             pooling's gradient after it
    9. cast_for_compute      GEMM operands cast to the chip's compute dtype
    10. eliminate_dead_code  again, after the backward pass and the casts

    ``verify`` runs `verify` after every pass; ``dump`` (default: the environment variable
    SYSTOLIC_DUMP_IR=1) writes the IR after every pass to ``dump_to`` (default stderr).
    """
    passes: list[tuple[str, Callable[[Graph], Graph]]] = [
        ("shape_infer", lambda g: shape_infer(g, batch=batch)),
    ]
    if train is not None:
        passes.append(("batch_norm_training", lambda g: batch_norm_training(g, train.bn_momentum)))
        passes.append(("dropout_training", dropout_training))
    passes += [
        ("decompose", decompose),
        ("simplify", simplify),
        ("eliminate_dead_code", eliminate_dead_code),
    ]
    if train is not None:
        passes.append(("training_step", lambda g: training_step(g, train)))
        passes.append(("fold_relu_into_pool_grad", fold_relu_into_pool_grad))
    passes += [
        ("cast_for_compute", lambda g: cast_for_compute(g, compute_dtype)),
        ("eliminate_dead_code", eliminate_dead_code),
    ]
    if dump is None:
        dump = os.environ.get(DUMP_ENV, "") not in ("", "0")
    decomposed = False
    for name, run in passes:
        graph = run(graph)
        decomposed = decomposed or name == "decompose"
        if verify:
            verify_graph(graph, primitives_only=decomposed, where=name)
        if dump:
            print(f"// after {name}\n{graph.dump()}\n", file=dump_to or sys.stderr)
    return graph
