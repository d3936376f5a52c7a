"""Shared helpers for lowering tests: run a graph on the chip models and on the reference."""

from __future__ import annotations

import numpy as np

from chip.config import ChipConfig
from chip.functional import run_functional
from chip.machine import run_machine
from chip.state import ChipState
from compiler.ir import Graph
from compiler.lower.program import Lowered, lower
from compiler.reference import evaluate


def run_on_chip(
    lowered: Lowered, inputs: dict[str, np.ndarray], machine: bool = False
) -> dict[str, np.ndarray]:
    """Every named tensor of the program after one run (functional model or machine)."""
    prog = lowered.program
    state = ChipState(prog.config)
    state.load_program(prog)
    for name, value in inputs.items():
        state.write_tensor(prog.tensor(name), value)
    if machine:
        final = run_machine(prog, state=state).state
    else:
        final = run_functional(prog, state).state
    return {
        name: final.read_tensor(t) for name, t in prog.tensors.items() if not name.startswith("__")
    }


def check_graph(
    graph: Graph, cfg: ChipConfig, inputs: dict[str, np.ndarray], rtol: float, machine: bool = False
) -> float:
    """Lower ``graph`` (primitives only), run it, compare outputs and updates with the float64
    reference (casts rounded as the chip rounds them); return the worst relative error, scaled
    by each tensor's largest magnitude. Asserts it is within ``rtol``."""
    lowered = lower(graph, cfg)
    got = run_on_chip(lowered, inputs, machine)
    ref = evaluate(graph, inputs, round_casts=True)
    worst = 0.0
    for name, want in {**ref.outputs, **ref.updates}.items():
        scale = max(float(np.abs(want).max()), 1e-30)
        err = float(np.abs(got[name] - want).max()) / scale
        assert err <= rtol, f"{name}: relative error {err:.3g} > {rtol}"
        worst = max(worst, err)
    return worst
