"""RTL co-simulation: random PRELOAD/MATMUL programs on 4x4 and 8x8 arrays of every dataflow.

Values must be bit-identical to a NumPy reference, the functional model and the cycle-level
machine at ``pe`` fidelity; every instruction must start and end in the same cycles as on the
machine, and as docs/timing.md's closed form gives.
"""

import numpy as np
import pytest

from chip.config import Dataflow, load_preset
from chip.dtypes import DType
from chip.functional import run_functional
from chip.hdl.cosim import RtlError, run_rtl
from chip.isa import Halt, Load, Matmul, Preload, sp
from chip.machine import run_machine
from chip.program import Phase, Program, Tag
from chip.state import ChipState
from tests.hdl.random_programs import (
    ACC_ROWS,
    contract_schedule,
    numpy_reference,
    random_case,
)

# bf16 PEs hold an fp32 adder and a multiplier each, so an 8x8 bf16 array takes Amaranth's
# simulator several seconds to build and run: those cases are marked slow.
CASES = [
    pytest.param(
        size,
        dataflow,
        db,
        dtype,
        seed,
        id=f"{size}x{size}-{dataflow.value}-{'db' if db else 'sb'}-{dtype.value}-{seed}",
        marks=[pytest.mark.slow] if dtype is DType.BF16 and size > 4 else [],
    )
    for dtype, seeds in ((DType.INT8, (1, 2)), (DType.BF16, (1,)))
    for size in (4, 8)
    for dataflow in Dataflow
    for db in (True, False)
    for seed in seeds
]


def _chip(size, dataflow, db, dtype=DType.INT8):
    return load_preset("tiny").replace(
        rows=size,
        cols=size,
        dataflow=dataflow,
        double_buffer_stationary=db,
        vector_lanes=size,
        input_dtype=dtype,
    )


def _bits(values):
    # Compare raw bits: bit-identical, and NaN-safe for floats.
    return values.view(np.uint32)


def _program_and_state(cfg, case):
    state = ChipState(cfg)
    state.write(sp(0), case.spad, "test scratchpad")
    instrs = (*case.instrs, Halt())
    return Program(cfg, instrs, [Tag("cosim", Phase.FORWARD)] * len(instrs), {}), state


@pytest.mark.parametrize("size,dataflow,db,dtype,seed", CASES)
def test_random_program_matches_numpy_functional_and_contract(size, dataflow, db, dtype, seed):
    cfg = _chip(size, dataflow, db, dtype)
    _cosimulate(cfg, random_case(cfg, seed=seed * 100 + size))


@pytest.mark.parametrize("rows,cols", [(1, 1), (1, 4), (4, 1), (2, 4), (4, 2)])
@pytest.mark.parametrize("dataflow", list(Dataflow))
@pytest.mark.parametrize("depth", [1, 2])
def test_thin_arrays_and_short_queues_match_the_machine(rows, cols, dataflow, depth):
    # One-row or one-column arrays have no fill (R + C - 2 = 0 or 1) and R = 1 drains in the
    # cycle the next OS tile starts; a short queue makes dispatch wait for starts.
    cfg = load_preset("tiny").replace(rows=rows, cols=cols, dataflow=dataflow, queue_depth=depth)
    _cosimulate(cfg, random_case(cfg, seed=rows * 10 + cols))


def _cosimulate(cfg, case):
    rtl = run_rtl(cfg, case.instrs, case.spad, ACC_ROWS)

    expect, written = numpy_reference(cfg, case)
    assert np.array_equal(_bits(rtl.acc)[written], _bits(expect)[written])
    program, state = _program_and_state(cfg, case)
    run_functional(program, state)
    assert np.array_equal(state.acc_written[:ACC_ROWS], written)
    assert np.array_equal(_bits(rtl.acc)[written], _bits(state.acc[:ACC_ROWS])[written])

    program, state = _program_and_state(cfg, case)
    machine = run_machine(program, fidelity="pe", state=state)
    assert np.array_equal(_bits(rtl.acc)[written], _bits(state.acc[:ACC_ROWS])[written])
    timeline = [(e.index, e.start, e.end) for e in rtl.events]
    assert timeline == [(e.index, e.start, e.end) for e in machine.events]
    assert rtl.cycles == machine.cycles
    assert [(e.index, e.unit, e.start, e.end) for e in rtl.events] == contract_schedule(
        cfg, case.instrs
    )


@pytest.mark.parametrize(
    "dataflow,bad,name",
    [
        (Dataflow.WS, Load(dram=0, dst=sp(0), rows=1, cols=1, stride=0, transpose=False), "load"),
        (Dataflow.OS, Preload(src=0, rows=1, cols=1), "preload"),
        (Dataflow.WS, Preload(src=0, rows=5, cols=1), "preload"),
        (Dataflow.OS, Matmul(x=0, y=0, out=0, t=0, rows=1, cols=1, accumulate=False), "matmul"),
    ],
)
def test_instruction_the_rtl_cannot_run_stops_it_with_its_index(dataflow, bad, name):
    cfg = _chip(4, dataflow, True)
    ok = Matmul(x=0, y=0, out=0, t=1, rows=1, cols=1, accumulate=False)
    prefix = [Preload(src=0, rows=1, cols=1), ok] if dataflow is not Dataflow.OS else [ok]
    with pytest.raises(RtlError, match=f"instruction {len(prefix)} \\({name}\\)"):
        run_rtl(cfg, [*prefix, bad], np.zeros((1, 4), np.int8), 0)


def test_os_without_drain_is_refused():
    from chip.hdl.controller import check_config

    with pytest.raises(ValueError, match="os_drain must be true for the RTL"):
        check_config(_chip(4, Dataflow.OS, True).replace(os_drain=False))


def test_directed_timelines_show_the_double_buffer_overlaps():
    """Hand-computed cycles (docs/timing.md) for a 4x4 array: R + C - 2 = 6."""
    ws = _chip(4, Dataflow.WS, True)
    prog = [
        Preload(src=0, rows=4, cols=4),
        Matmul(x=4, y=0, out=0, t=6, rows=4, cols=4, accumulate=False),
        Preload(src=10, rows=4, cols=4),
        Matmul(x=4, y=0, out=0, t=3, rows=4, cols=4, accumulate=True),
    ]
    run = run_rtl(ws, prog, np.ones((16, 4), np.int8), 6)
    # The second PRELOAD waited in the queue behind the first MATMUL and starts with it.
    assert [(e.unit, e.start, e.end) for e in run.events] == [
        ("preload", 0, 4),
        ("matmul", 4, 16),
        ("preload", 4, 8),
        ("matmul", 16, 25),
    ]
    assert run.cycles == 25
    assert (run.acc[:3, :4] == 4 + 4).all() and (run.acc[3:6, :4] == 4).all()

    os_ = _chip(4, Dataflow.OS, True)
    prog = [
        Matmul(x=0, y=8, out=0, t=5, rows=4, cols=4, accumulate=False),
        Matmul(x=0, y=8, out=4, t=2, rows=3, cols=4, accumulate=False),
    ]
    run = run_rtl(os_, prog, np.ones((16, 4), np.int8), 8)
    # Compute 5 + 6 = 11 cycles, then a 4-cycle drain that overlaps the next tile's compute.
    assert [(e.unit, e.start, e.end) for e in run.events] == [("matmul", 0, 15), ("matmul", 11, 23)]
    assert (run.acc[:4, :4] == 5).all() and (run.acc[4:7, :4] == 2).all()


@pytest.mark.parametrize("dataflow", list(Dataflow))
def test_bubbles_in_the_instruction_stream_delay_dispatch_but_not_results(dataflow):
    cfg = _chip(4, dataflow, True)
    case = random_case(cfg, seed=7)
    gaps = [int(g) for g in np.random.default_rng(7).integers(0, 12, len(case.instrs))]
    rtl = run_rtl(cfg, case.instrs, case.spad, ACC_ROWS, gaps=gaps)
    expect, written = numpy_reference(cfg, case)
    assert np.array_equal(_bits(rtl.acc)[written], _bits(expect)[written])
    timeline = [(e.index, e.unit, e.start, e.end) for e in rtl.events]
    assert timeline == contract_schedule(cfg, case.instrs, gaps=gaps)
    assert timeline != contract_schedule(cfg, case.instrs)  # the bubbles did cost cycles


def test_waveform_dump_holds_the_controller_and_array_signals(tmp_path):
    cfg = _chip(4, Dataflow.WS, False)
    prog = [
        Preload(src=0, rows=2, cols=2),
        Matmul(x=2, y=0, out=0, t=1, rows=2, cols=2, accumulate=False),
    ]
    run_rtl(cfg, prog, np.ones((4, 4), np.int8), 1, vcd=tmp_path / "run.vcd")
    text = (tmp_path / "run.vcd").read_text()
    assert "$var" in text and "m_active" in text and "psum_out" in text
