"""The `rtl` fidelity: execute-only programs and a MOVE through the runtime's `Backend` and
`systolic run`, co-simulated against the `pe` machine; programs and chips the RTL lacks refused
up front."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace

import numpy as np
import pytest

from chip.config import Dataflow, load_preset
from chip.dtypes import DType
from chip.errors import ChipError, ProgramError
from chip.hdl import run_program
from chip.hdl.cosim import RtlEvent
from chip.hdl.run_program import AMARANTH, VERILATOR, Divergence, cosimulate, scratchpad_rows
from chip.hdl.vector import SUPPORTED
from chip.isa import Halt, Matmul, Mem, Preload, Vec, VecOp, sp
from chip.program import Phase, Program, Tag
from chip.state import ChipState
from runtime.backend import Backend
from runtime.cli import main
from tests.chip.test_move import chip, move_program
from tests.hdl.random_programs import contract_schedule, numpy_reference, random_case
from tests.runtime.programs import regression_chip, softmax_regression


def execute_only(cfg, seed):
    case = random_case(cfg, seed=seed)
    instrs = (*case.instrs, Halt())
    return Program(cfg, instrs, [Tag("cosim", Phase.FORWARD)] * len(instrs), {}), case


@pytest.fixture
def amaranth(monkeypatch):
    """Co-simulate under Amaranth's simulator even where Verilator is installed."""
    monkeypatch.setattr(run_program, "available_simulator", lambda: AMARANTH)


@pytest.mark.parametrize("dataflow", list(Dataflow))
def test_backend_runs_execute_only_programs_on_the_rtl(dataflow, amaranth):
    cfg = load_preset("tiny").replace(dataflow=dataflow)
    program, case = execute_only(cfg, seed=31)
    backend = Backend(program, "rtl")
    assert backend.simulator == AMARANTH
    result = backend.run({}, trace=True, scratchpad=case.spad[: scratchpad_rows(program)])
    expect, written = numpy_reference(cfg, case)
    n = len(result.accumulator)
    assert written[n:].sum() == 0 and written[:n].any()
    assert np.array_equal(result.accumulator[written[:n]], expect[:n][written[:n]])
    schedule = contract_schedule(cfg, case.instrs)
    assert [(e.index, e.start, e.end) for e in result.events] == [
        (i, s, e) for i, _, s, e in schedule
    ]
    assert result.cycles == max(e for *_, e in schedule)
    # the same run on the machine gives the same counts
    fast = Backend(program, "fast").run({}, scratchpad=case.spad[: scratchpad_rows(program)])
    assert fast.work == result.work
    assert np.array_equal(fast.accumulator, result.accumulator)


def test_a_program_the_rtl_cannot_run_is_refused_naming_its_first_such_instruction(
    monkeypatch,
):
    # The RTL builds every vector function; were EXP not built, the compiled softmax
    # regression's first EXP would be named, after its LOADs and transposed blocks pass and
    # before the chip is checked.
    program = softmax_regression(regression_chip(), 16, 64, 10, np.zeros((64, 10), np.float32))
    assert SUPPORTED == frozenset(VecOp)
    monkeypatch.setattr(run_program, "SUPPORTED", SUPPORTED - {VecOp.EXP})
    first = next(
        i for i, ins in enumerate(program.instrs) if isinstance(ins, Vec) and ins.op is VecOp.EXP
    )
    assert any(ins.MNEMONIC == "load" for ins in program.instrs[:first])  # LOADs pass
    with pytest.raises(ProgramError) as e:
        Backend(program, "rtl")
    assert (e.value.index, e.value.mnemonic) == (first, "vec")
    assert "the RTL's vector unit has no EXP" in str(e.value)
    assert "--fidelity pe" in str(e.value)


def test_chips_the_rtl_lacks_are_refused():
    tiny = load_preset("tiny")
    big, _ = execute_only(tiny.replace(rows=16, cols=16, vector_lanes=16), seed=1)
    with pytest.raises(ChipError, match="16x16 array is too large to co-simulate with amaranth"):
        run_program.check_program(big, AMARANTH)
    run_program.check_program(big, VERILATOR)
    fp32 = Program(big.config.replace(input_dtype=DType.FP32), big.instrs, big.tags, {})
    run_program.check_program(fp32, VERILATOR)  # every input type has a datapath


def test_the_first_divergence_is_named(amaranth, monkeypatch):
    cfg = load_preset("tiny").replace(dataflow=Dataflow.WS)
    program = Program(
        cfg,
        (
            Preload(src=0, rows=4, cols=4),
            Matmul(x=4, y=0, out=0, t=3, rows=4, cols=4, accumulate=False),
            Halt(),
        ),
        [Tag("t", Phase.FORWARD)] * 3,
        {},
    )
    spad = np.arange(7 * 4, dtype=np.int8).reshape(7, 4)

    def fresh():
        s = ChipState(cfg)
        s.write(sp(0), spad, "test")
        return s

    real = run_program.run_rtl
    late = lambda *a, **k: _shift_matmul(real(*a, **k))  # noqa: E731
    monkeypatch.setattr(run_program, "run_rtl", late)
    with pytest.raises(Divergence, match=r"instruction 1 \(matmul\): the RTL runs it in cycles"):
        cosimulate(program, fresh())
    wrong = lambda *a, **k: _flip_acc(real(*a, **k))  # noqa: E731
    monkeypatch.setattr(run_program, "run_rtl", wrong)
    with pytest.raises(Divergence, match="accumulator row 2 element 3: the RTL holds"):
        cosimulate(program, fresh())


def _shift_matmul(run):
    events = tuple(
        RtlEvent(e.index, e.unit, e.start, e.end + 1) if e.unit == "matmul" else e
        for e in run.events
    )
    return replace(run, events=events)


def _flip_acc(run):
    acc = run.acc.copy()
    acc[2, 3] += 1
    return replace(run, acc=acc)


def test_systolic_run_with_the_rtl(tmp_path, capsys, amaranth):
    cfg = load_preset("tiny").replace(dataflow=Dataflow.OS)
    program, _ = execute_only(cfg, seed=5)
    path = tmp_path / "exec.prog"
    program.save(path)
    out = tmp_path / "run"
    argv = ["run", path, "--fidelity", "rtl", "--out", out, "--no-plots"]
    assert main([str(a) for a in argv]) == 1
    assert "pass --scratchpad FILE.npy or --random-inputs" in capsys.readouterr().err
    assert main([str(a) for a in [*argv, "--random-inputs"]]) == 0
    assert "co-simulating under Amaranth's Python simulator" in capsys.readouterr().err
    report = json.loads((out / "report.json").read_text())
    assert report["fidelity"] == "rtl (amaranth)"
    acc = np.load(out / "accumulator.npy")
    # the same rows through --scratchpad on the fast machine give the same accumulator
    rows = run_program.random_scratchpad(cfg, scratchpad_rows(program), 0)
    np.save(tmp_path / "spad.npy", rows)
    again = tmp_path / "again"
    argv = ["run", path, "--scratchpad", tmp_path / "spad.npy", "--out", again, "--no-plots"]
    assert main([str(a) for a in argv]) == 0
    assert np.array_equal(np.load(again / "accumulator.npy"), acc)
    cycles = json.loads((again / "report.json").read_text())["total"]["cycles"]
    assert cycles == report["total"]["cycles"] > 0


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("verilator") is None or shutil.which("g++") is None,
    reason="needs verilator and g++ on PATH (.ci/run installs verilator)",
)
def test_verilator_runs_the_backend(monkeypatch, rtl_model_cache):
    monkeypatch.setenv("XDG_CACHE_HOME", str(rtl_model_cache))
    cfg = load_preset("tiny").replace(dataflow=Dataflow.IS, input_dtype=DType.BF16)
    program, case = execute_only(cfg, seed=8)
    backend = Backend(program, "rtl")
    assert backend.simulator == VERILATOR
    result = backend.run({}, scratchpad=case.spad[: scratchpad_rows(program)])
    expect, written = numpy_reference(cfg, case)
    n = len(result.accumulator)
    assert np.array_equal(
        result.accumulator[written[:n]].view(np.uint32), expect[:n][written[:n]].view(np.uint32)
    )
    assert any((rtl_model_cache / "systolic" / "verilator").iterdir())


def test_move_runs_on_the_rtl(amaranth):
    # the load engine's on-chip copy, transposed here: the co-simulation raises at the first
    # cycle or value that differs from the pe machine
    cfg = chip("int8").replace(rows=4, cols=4)
    values = np.arange(-6, 6, dtype=np.float32).reshape(4, 3)
    program = move_program(cfg, Mem.SPAD, Mem.SPAD, values, True)
    backend = Backend(program, "rtl")
    result = backend.run({}, trace=True)
    assert np.array_equal(result.outputs["Y"], values.T)
    fast = Backend(program, "fast").run({})
    assert result.cycles == fast.cycles
    # LOAD: 12 bytes, n = max(12 / 4, 4 rows) after the latency of 20; MOVE: 4 + 3 cycles
    assert [(e.index, e.start, e.end) for e in result.events][:2] == [(0, 0, 24), (1, 24, 31)]
