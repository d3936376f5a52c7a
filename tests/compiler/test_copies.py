"""DRAM-to-DRAM copies (compiler/lower/movement.py): small blocks share the staging rows, so
many are in flight before the first store."""

import numpy as np

from chip.config import ChipConfig
from chip.isa import Load, Store
from compiler.ir import Op
from compiler.ir_builder import IRBuilder
from compiler.lower.program import lower
from tests.compiler.lowering_helpers import check_graph


def test_small_copies_share_the_staging_rows():
    # a transpose as 32 copies of 8 x 4 elements: a slot per copy would keep 8 in flight
    b = IRBuilder("t")
    x = b.input("x", (32, 4, 8))
    b.output("y", b.add(Op.TRANSPOSE, (x,), "t", perm=(0, 2, 1)))
    graph = b.build()
    cfg = ChipConfig.from_toml("edge")
    instrs = lower(graph, cfg).program.instrs
    first_store = next(i for i, ins in enumerate(instrs) if isinstance(ins, Store))
    assert sum(isinstance(ins, Load) for ins in instrs[:first_store]) >= 24
    inputs = {"x": np.random.default_rng(9).standard_normal((32, 4, 8))}
    check_graph(graph, cfg, inputs, rtol=1e-7, machine=True)  # fp32 rounding of the float64 input


def test_copies_wrap_around_the_staging_rows():
    # more blocks than the staging rows hold: the oldest are stored before their rows return
    cfg = ChipConfig.from_toml("tiny")
    b = IRBuilder("t")
    x = b.input("x", (64, 6, 5))
    b.output("y", b.add(Op.TRANSPOSE, (x,), "t", perm=(0, 2, 1)))
    graph = b.build()
    instrs = lower(graph, cfg).program.instrs
    first_store = next(i for i, ins in enumerate(instrs) if isinstance(ins, Store))
    assert any(isinstance(ins, Load) for ins in instrs[first_store:])
    inputs = {"x": np.random.default_rng(10).standard_normal((64, 6, 5))}
    # fp32 rounding of the float64 input
    check_graph(graph, cfg, inputs, rtol=1e-7, machine=True)
