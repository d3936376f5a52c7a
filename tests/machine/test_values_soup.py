"""Random, often invalid, instruction streams: the value plan's direct steps give exactly what
the checked path gives, values and faults alike, on a fresh state and on one with caller data."""

import numpy as np
import pytest

from chip.config import ChipConfig, Dataflow
from chip.errors import ProgramError
from chip.fidelity import Fidelity
from chip.functional import run_functional
from chip.isa import (
    VEC_USES_IMM,
    Instr,
    Load,
    Loc,
    Matmul,
    Mem,
    Move,
    Preload,
    Store,
    Vec,
    VecOp,
)
from chip.machine import run_machine
from chip.machine.array import ArrayModel
from chip.machine.schedule import schedule_of
from chip.machine.step_runner import apply_values
from chip.machine.values import CHECKED, Checked, ValuePlan, value_plan_of
from chip.program import Program
from chip.state import ChipState
from tests.machine.helpers import filled_state, program
from tests.machine.test_random import random_chip

MEMS = (Mem.SPAD, Mem.ACC, Mem.ACCF)


def soup(cfg: ChipConfig, rng: np.random.Generator) -> list[Instr]:
    """Loads that cover the first rows, then random array and vector instructions whose fields
    are mostly (not always) valid, then a store."""
    R, C, W = cfg.rows, cfg.cols, cfg.row_elems
    es, aes = cfg.input_dtype.nbytes, cfg.acc_dtype.nbytes
    os_flow = cfg.dataflow is Dataflow.OS
    nop = dict(
        op=VecOp.COPY,
        dst=Loc(Mem.ACC, 40),
        src1=Loc(Mem.ACC, 0),
        src2=Loc(Mem.ACC, 0),
        rows=1,
        cols=1,
        bcast1=False,
        bcast2=False,
        imm=0.0,
        pop_prev=True,
    )
    out: list[Instr] = [
        Load(
            dram=0,
            dst=Loc(Mem.SPAD, 0),
            rows=48,
            cols=W,
            stride=W * es,
            transpose=False,
            push_next=True,
        ),
        Load(
            dram=2048,
            dst=Loc(Mem.ACC, 0),
            rows=24,
            cols=W,
            stride=W * aes,
            transpose=False,
            push_next=True,
        ),
        Vec(**nop),
        Vec(**nop),
    ]

    def row(limit: int) -> int:  # now and then past what the loads wrote
        return int(rng.integers(0, limit if rng.integers(10) else limit + 12))

    def width(limit: int) -> int:  # now and then one too many
        return int(rng.integers(1, limit + 1 if rng.integers(12) else limit + 2))

    for _ in range(int(rng.integers(3, 16))):
        if rng.integers(5) <= 2:
            rows, cols = width(R), width(C)
            if (not os_flow and rng.integers(6)) or (os_flow and rng.integers(30) == 0):
                out.append(
                    Preload(
                        src=row(40),
                        rows=rows if rng.integers(15) else width(R),
                        cols=cols if rng.integers(15) else width(C),
                    )
                )
            y = row(40) if os_flow else int(rng.integers(30) == 0)
            out.append(
                Matmul(
                    x=row(40),
                    y=y,
                    out=row(16),
                    t=int(rng.integers(1, 9)),
                    rows=rows,
                    cols=cols,
                    accumulate=bool(rng.integers(2)),
                )
            )
        else:
            op = list(VecOp)[rng.integers(len(VecOp))]
            m1, m2, md = (MEMS[rng.integers(3)] for _ in range(3))
            imm = (
                float(rng.standard_normal()) if op in VEC_USES_IMM or rng.integers(20) == 0 else 0.0
            )
            out.append(
                Vec(
                    op=op,
                    dst=Loc(md, row(20)),
                    src1=Loc(m1, row(20)),
                    src2=Loc(m2, row(20)),
                    rows=int(rng.integers(1, 5)),
                    cols=width(W),
                    bcast1=bool(rng.integers(2)),
                    bcast2=bool(rng.integers(2)),
                    imm=imm,
                )
            )
    out[-1] = out[-1].with_deps(push_next=True)
    out.append(
        Store(
            dram=4096,
            src=Loc(MEMS[rng.integers(3)], 0),
            rows=8,
            cols=W,
            stride=W * 4,
            transpose=False,
            pop_prev=True,
        )
    )
    # an on-chip move (load queue) the execute queue waits for, drawn last: the rest of the
    # soup is the one each seed drew before moves existed
    if rng.integers(2):
        m1, m2 = (MEMS[rng.integers(3)] for _ in range(2))
        move = (
            Move(
                src=Loc(m1, int(rng.integers(0, 20))),
                dst=Loc(m2, int(rng.integers(0, 30))),
                rows=int(rng.integers(1, W + 2)),
                cols=int(rng.integers(1, W + 1)),
                transpose=bool(rng.integers(2)),
                push_next=True,
            ),
        )
        out[2:2] = move
        out[4:4] = [Vec(**nop)]
    return out


def outcome(prog: Program, state: ChipState, checked_only: bool) -> tuple:
    sched = schedule_of(prog)
    plan = value_plan_of(prog, sched, None)
    if checked_only:
        plan = ValuePlan(tuple(Checked(CHECKED, s.index) for s in plan.steps), 0)
    try:
        with np.errstate(all="ignore"):
            apply_values(
                prog, plan, sched.units, sched.start, state, ArrayModel(prog.config, Fidelity.FAST)
            )
        sched.raise_error()
        fault = None
    except ProgramError as e:
        fault = (e.index, e.reason, e.unit, e.cycle)
    arrays = [
        np.ascontiguousarray(getattr(state, n)).view(np.uint8)
        for n in ("spad", "acc", "spad_written", "acc_written")
    ]
    return fault, arrays, state.dram[:8192].copy()


@pytest.mark.parametrize("seed", range(40))
def test_direct_steps_equal_the_checked_path(seed):
    rng = np.random.default_rng(seed)
    cfg = random_chip(rng)
    prog = program(cfg, soup(cfg, rng))
    dram = np.random.default_rng(seed).integers(0, 256, 8192, dtype=np.uint8)

    def fresh() -> ChipState:
        s = ChipState(cfg)
        s.dram[:8192] = dram
        return s

    def filled() -> ChipState:
        s = filled_state(cfg, spad_rows=seed % 50 + 1, acc_rows=seed % 13 + 1, seed=seed)
        s.dram[:8192] = dram
        return s

    for make in (fresh, filled):
        want = outcome(prog, make(), checked_only=True)
        got = outcome(prog, make(), checked_only=False)
        assert got[0] == want[0]
        for g, w in zip(got[1] + [got[2]], want[1] + [want[2]], strict=True):
            np.testing.assert_array_equal(g, w)


def final(run, prog: Program, dram: np.ndarray) -> tuple:
    """The fault (index, reason) of ``run`` on a fresh chip holding ``dram``, and its state."""
    state = ChipState(prog.config)
    state.dram[: dram.size] = dram
    fault = None
    try:
        with np.errstate(all="ignore"):
            run(prog, state)
    except ProgramError as e:
        fault = (e.index, e.reason)
    arrays = [
        np.ascontiguousarray(getattr(state, n)).view(np.uint8)
        for n in ("spad", "acc", "spad_written", "acc_written")
    ]
    return fault, arrays, state.dram[: dram.size].copy()


@pytest.mark.parametrize("first", [0, 250])
def test_the_fast_and_pe_machines_leave_the_functional_models_state(first):
    """The soups of 250 seeds (about 8 s on a busy 2-core machine) on the functional model,
    the `fast` machine (its replay kernel and checked steps) and the `pe` one: the same fault
    and the same state; their random DRAM bytes hold signalling and quiet NaNs that the array
    meets two at a time. A faulting instruction changes nothing and the machine applies what
    committed before it (docs/timing.md); the soup's tokens order its queues, so that is what
    precedes it in program order, the functional model's state."""
    for seed in range(first, first + 250):
        rng = np.random.default_rng(seed)
        cfg = random_chip(rng)
        prog = program(cfg, soup(cfg, rng))
        dram = np.random.default_rng(seed).integers(0, 256, 8192, dtype=np.uint8)
        want = final(run_functional, prog, dram)
        for fidelity in ("fast", "pe"):
            got = final(lambda p, s, f=fidelity: run_machine(p, f, s), prog, dram)
            assert got[0] == want[0], (seed, fidelity)
            for g, w in zip(got[1] + [got[2]], want[1] + [want[2]], strict=True):
                np.testing.assert_array_equal(g, w, err_msg=f"seed {seed}, {fidelity}")
