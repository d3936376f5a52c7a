"""MOVE in the value plan and the replay kernel: direct where it cannot fault, the functional
model's bits and written-masks whichever path applies it, checked (same fault) where it may."""

import numpy as np
import pytest

from chip.config import ChipConfig
from chip.dtypes import DType
from chip.errors import ProgramError
from chip.functional import run_functional
from chip.isa import Load, Loc, Mem, Move
from chip.machine import replay_kernel as rk
from chip.machine import run_machine
from chip.machine.replay import replay_of
from chip.machine.schedule import schedule_of
from chip.machine.step_runner import StepRunner
from chip.machine.value_steps import CHECKED, MOVE_D
from chip.machine.values import value_plan_of
from chip.state import ChipState
from tests.machine.helpers import program


def _chip(dtype: DType) -> ChipConfig:
    return ChipConfig.from_toml("tiny").replace(
        rows=8, cols=8, input_dtype=dtype, spad_kib=4, acc_kib=4
    )


def _move(src: Loc, dst: Loc, rows: int, cols: int, transpose: bool) -> Move:
    return Move(src=src, dst=dst, rows=rows, cols=cols, transpose=transpose)


def _load(dst: Loc, rows: int, size: int) -> Load:
    return Load(dram=0, dst=dst, rows=rows, cols=8, stride=8 * size, transpose=False)


def _moves(dtype: DType) -> list:
    """LOADs, then MOVEs on the load queue (in program order): transposed and not, between
    every pair of memories of one element size, overlapping their sources, partial rows."""
    spad, acc, accf = Mem.SPAD, Mem.ACC, Mem.ACCF
    instrs = [_load(Loc(spad, 0), 6, dtype.nbytes)]
    instrs += [
        _move(Loc(spad, 1), Loc(spad, 2), 4, 8, True),  # 8 rows of 4 over its own source
        _move(Loc(spad, 2), Loc(spad, 3), 5, 3, False),  # one row down, in place
        _move(Loc(spad, 0), Loc(spad, 40), 6, 7, True),
    ]
    if dtype is DType.FP32:  # scratchpad words of the accumulator's size
        instrs += [
            _move(Loc(spad, 0), Loc(acc, 8), 6, 8, False),
            _move(Loc(acc, 8), Loc(spad, 20), 6, 5, True),
            _move(Loc(spad, 20), Loc(accf, 30), 5, 6, True),
            _move(Loc(accf, 30), Loc(acc, 31), 4, 5, False),  # overlapping, accumulator only
            _move(Loc(acc, 9), Loc(acc, 50), 3, 8, True),
        ]
    return instrs


def _state(prog, seed: int) -> ChipState:
    state = ChipState(prog.config)
    rng = np.random.default_rng(seed)
    state.dram[:256] = rng.integers(0, 256, 256, dtype=np.uint8)
    return state


def _same(a: ChipState, b: ChipState) -> bool:
    return (
        np.array_equal(a.spad.view(np.uint8), b.spad.view(np.uint8))
        and np.array_equal(a.acc.view(np.uint8), b.acc.view(np.uint8))
        and np.array_equal(a.spad_written, b.spad_written)
        and np.array_equal(a.acc_written, b.acc_written)
    )


@pytest.mark.parametrize("dtype", [DType.FP32, DType.BF16, DType.INT8])
def test_moves_replay_in_the_kernel_as_the_functional_model(dtype, monkeypatch):
    prog = program(_chip(dtype), _moves(dtype))
    plan = value_plan_of(prog, schedule_of(prog), None)
    rep = replay_of(prog, plan, None)
    moves = [k for k, s in enumerate(plan.steps) if s.kind == MOVE_D]
    assert len(moves) == sum(isinstance(i, Move) for i in prog.instrs)
    assert (rep.code[moves, rk.F_KIND] == rk.R_MOVE).all()
    assert rep.kernel_steps == len(plan.steps)
    # the values path (the `pe` fidelity's) before Python is forbidden
    want = run_functional(prog, _state(prog, 1)).state
    assert _same(run_machine(prog, "pe", _state(prog, 1)).state, want)

    def no_python(self, step):
        raise AssertionError(f"step {step.index} went to Python")

    monkeypatch.setattr(StepRunner, "apply", no_python)
    got = run_machine(prog, "fast", _state(prog, 1)).state
    assert _same(got, want) and want.spad_written[40:47, :6].all()
    if dtype is DType.FP32:
        assert want.acc_written[50:58, :3].all() and not want.acc_written[50, 3]


def test_a_move_that_may_fault_stays_checked_with_the_same_fault():
    cfg = _chip(DType.BF16)
    unread = _move(Loc(Mem.SPAD, 0), Loc(Mem.SPAD, 20), 7, 8, False)  # row 6 never written
    sizes = _move(Loc(Mem.SPAD, 0), Loc(Mem.ACC, 0), 2, 8, False)  # 2-byte into 4-byte words
    for bad in (unread, sizes):
        prog = program(cfg, [_load(Loc(Mem.SPAD, 0), 6, 2), bad])
        plan = value_plan_of(prog, schedule_of(prog), None)
        assert plan.steps[1].kind == CHECKED
        with pytest.raises(ProgramError) as want:
            run_functional(prog, _state(prog, 2))
        for fidelity in ("fast", "pe"):
            with pytest.raises(ProgramError) as got:
                run_machine(prog, fidelity, _state(prog, 2))
            assert got.value.reason == want.value.reason
