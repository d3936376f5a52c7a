"""The exported Verilog, compiled by Verilator, behaves exactly like the co-simulated design.

Each case compiles a C++ model (20 s at 4x4, about 100 s at 16x16), so the module is slow.
"""

import shutil

import numpy as np
import pytest

from chip.config import Dataflow, load_preset
from chip.dtypes import DType
from chip.hdl.cosim import run_rtl
from chip.hdl.verilated import run_verilated
from chip.isa import Halt, sp
from chip.machine import run_machine
from chip.program import Phase, Program, Tag
from chip.state import ChipState
from tests.hdl.random_programs import ACC_ROWS, numpy_reference, random_case

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("verilator") is None or shutil.which("g++") is None,
        reason="needs verilator and g++ on PATH (.ci/run installs verilator)",
    ),
]


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("verilated")


@pytest.mark.parametrize("dataflow,dtype", [(Dataflow.WS, DType.INT8), (Dataflow.OS, DType.BF16)])
def test_verilog_model_matches_the_amaranth_simulation(dataflow, dtype, build_dir):
    cfg = load_preset("tiny").replace(dataflow=dataflow, input_dtype=dtype)
    case = random_case(cfg, seed=21)
    gaps = [0, 3, 0, 0, 5]
    ref = run_rtl(cfg, case.instrs, case.spad, ACC_ROWS, gaps=gaps)
    got = run_verilated(cfg, case.instrs, case.spad, ACC_ROWS, build_dir, gaps=gaps)
    assert got.events == ref.events
    assert (got.cycles, got.sim_cycles) == (ref.cycles, ref.sim_cycles)
    assert np.array_equal(got.acc.view(np.uint32), ref.acc.view(np.uint32))


@pytest.mark.parametrize(
    "dataflow,dtype",
    [
        (Dataflow.WS, DType.INT8),
        (Dataflow.WS, DType.BF16),
        (Dataflow.IS, DType.BF16),
        (Dataflow.OS, DType.BF16),
    ],
)
def test_16x16_verilog_model_matches_the_machine_where_amaranth_is_too_slow(
    dataflow, dtype, build_dir
):
    cfg = load_preset("tiny").replace(
        rows=16, cols=16, vector_lanes=16, spad_kib=64, dataflow=dataflow, input_dtype=dtype
    )
    case = random_case(cfg, seed=16, n_tiles=8, max_t=24)
    got = run_verilated(cfg, case.instrs, case.spad, ACC_ROWS, build_dir)
    expect, written = numpy_reference(cfg, case)
    assert np.array_equal(got.acc.view(np.uint32)[written], expect.view(np.uint32)[written])

    state = ChipState(cfg)
    state.write(sp(0), case.spad, "test scratchpad")
    instrs = (*case.instrs, Halt())
    program = Program(cfg, instrs, [Tag("cosim", Phase.FORWARD)] * len(instrs), {})
    machine = run_machine(program, fidelity="pe", state=state)
    assert [(e.index, e.start, e.end) for e in got.events] == [
        (e.index, e.start, e.end) for e in machine.events
    ]
    assert got.cycles == machine.cycles
