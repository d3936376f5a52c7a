"""One MLP training step compiled for `tiny` on the RTL under Verilator: transposed DMA blocks
(the backward pass's weight and activation transposes), EXP and LOG (softmax cross-entropy) and
every other instruction of forward, backward and optimizer equal to the `pe` machine."""

from __future__ import annotations

import shutil
from collections import Counter

import pytest

from chip.isa import Load, Store, Vec, VecOp
from chip.program import Program
from runtime.cli import main
from tests.hdl.rtl_runs import assert_rtl_run_equals_pe

needs_verilator = pytest.mark.skipif(
    shutil.which("verilator") is None or shutil.which("g++") is None,
    reason="needs verilator and g++ on PATH (.ci/run installs verilator)",
)


@pytest.mark.slow  # compiling and co-simulating about 4,200 instructions: minutes
@needs_verilator
def test_an_mlp_training_step_runs_on_the_rtl(tmp_path, monkeypatch, rtl_model_cache):
    """`systolic compile mlp --chip tiny --train` and `systolic run --fidelity rtl`: the
    co-simulation compares every instruction's start and end cycle, the accumulator and DRAM
    with the `pe` machine (it raises naming the first divergence), and the step's outputs (the
    loss and the updated weights) equal a `pe` run's."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(rtl_model_cache))
    path = tmp_path / "step.prog"
    assert main(["compile", "mlp", "--chip", "tiny", "--train", "-o", str(path)]) == 0
    program = Program.load(path)
    ops = Counter(ins.op for ins in program.instrs if isinstance(ins, Vec))
    assert ops[VecOp.EXP] > 0 and ops[VecOp.LOG] > 0
    transposed = [ins for ins in program.instrs if isinstance(ins, Load | Store) and ins.transpose]
    assert len(transposed) > 100
    assert_rtl_run_equals_pe(path, tmp_path)
