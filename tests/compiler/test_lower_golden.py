"""Golden programs: the disassembled instruction stream and machine cycle totals of a few
reference networks, compared with the files under tests/golden/.

A change in code generation shows up here as a diff to review. To accept a deliberate change,
regenerate the files and commit them with the change:

    SYSTOLIC_UPDATE_GOLDEN=1 python -m pytest tests/compiler/test_lower_golden.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from chip.asm import disassemble
from chip.config import ChipConfig, Dataflow
from chip.dtypes import DType
from chip.machine import run_machine
from compiler import compile_lowered, zoo
from compiler.ir import Op
from compiler.ir_builder import IRBuilder
from compiler.train import SGD, TrainSpec

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
UPDATE = os.environ.get("SYSTOLIC_UPDATE_GOLDEN", "") not in ("", "0")


def gemm(dataflow: str):
    b = IRBuilder(f"gemm_{dataflow}")
    a = b.input("a", (10, 11), dtype=DType.INT8)
    values = np.array([[(i * 7 + j) % 5 - 2 for j in range(9)] for i in range(11)])
    w = b.source(Op.PARAM, "w", values.shape, values, dtype=DType.INT8)
    b.output("c", b.matmul(a, w, name="mm"))
    cfg = ChipConfig.from_toml("tiny").replace(dataflow=Dataflow(dataflow))
    return b.build(), cfg, None


CASES = {
    "gemm_ws_tiny": lambda: gemm("ws"),
    "gemm_is_tiny": lambda: gemm("is"),
    "gemm_os_tiny": lambda: gemm("os"),
    "mlp_forward_edge": lambda: (
        zoo.mlp(batch=4, inputs=20, hidden=(16,), classes=10),
        ChipConfig.from_toml("edge"),
        None,
    ),
    "mlp_sgd_step_edge": lambda: (
        zoo.mlp(batch=4, inputs=20, hidden=(16,), classes=10),
        ChipConfig.from_toml("edge"),
        TrainSpec("ce", SGD(), 0.1),
    ),
    "lenet_forward_edge": lambda: (zoo.lenet(batch=2), ChipConfig.from_toml("edge"), None),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_program(name):
    graph, cfg, train = CASES[name]()
    batch = graph.inputs[next(iter(graph.inputs))].shape[0]
    lowered = compile_lowered(graph, cfg, batch=batch, train=train)
    program = lowered.program
    program_text = disassemble(program)
    result = run_machine(program, trace=False)
    summary = {
        "instructions": len(program.instrs),
        "cycles": result.cycles,
        "relays": lowered.relays,
        "tiling": list(lowered.notes),
    }
    asm_path, sum_path = GOLDEN / f"{name}.asm", GOLDEN / f"{name}.json"
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        asm_path.write_text(program_text)
        sum_path.write_text(json.dumps(summary, indent=1) + "\n")
    assert asm_path.exists(), f"{asm_path} missing: run with SYSTOLIC_UPDATE_GOLDEN=1"
    assert program_text == asm_path.read_text(), (
        f"code generation for {name} changed; review and regenerate with SYSTOLIC_UPDATE_GOLDEN=1"
    )
    assert summary == json.loads(sum_path.read_text())
