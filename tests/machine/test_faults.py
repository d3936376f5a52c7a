"""Faults name the instruction index, opcode, unit and cycle; they are never silent stalls."""

import pytest

from chip.errors import ProgramError
from chip.functional import run_functional
from chip.isa import Load, Matmul, Preload, Store, acc, sp
from chip.machine import run_machine
from tests.machine.helpers import chip4, filled_state, program


def fault(prog, state=None, **kw) -> ProgramError:
    with pytest.raises(ProgramError) as e:
        run_machine(prog, state=state, **kw)
    return e.value


def load(dst, rows=4, **deps):
    return Load(dram=0, dst=dst, rows=rows, cols=4, stride=4, transpose=False, **deps)


def test_token_deadlock_names_the_waiting_instruction():
    cfg = chip4()
    err = fault(program(cfg, [load(sp(0)), Preload(src=0, rows=4, cols=4, pop_prev=True)]))
    assert (err.index, err.mnemonic, err.unit, err.cycle) == (1, "preload", "array", 28)
    assert "deadlock" in str(err) and "load queue" in str(err)


def test_deadlock_through_a_full_queue():
    # depth 1: the MATMUL cannot enter the execute queue before the PRELOAD starts, the PRELOAD
    # waits for a token from the LOAD, which the dispatcher never reaches.
    cfg = chip4(queue_depth=1)
    prog = program(
        cfg,
        [
            Preload(src=0, rows=4, cols=4, pop_prev=True),
            Matmul(x=4, y=0, out=0, t=4, rows=4, cols=4, accumulate=False),
            load(sp(0), push_next=True),
        ],
    )
    err = fault(prog, filled_state(cfg))
    assert (err.index, err.mnemonic, err.unit) == (0, "preload", "array")
    assert "deadlock" in str(err)


def test_memory_overrun():
    cfg = chip4()
    err = fault(program(cfg, [load(sp(0)), load(sp(4094))]))
    # the second load starts once the first has issued its 8 transfer cycles of requests
    assert (err.index, err.mnemonic, err.unit, err.cycle) == (1, "load", "load", 8)
    assert "exceed the 4096 rows of the scratchpad" in str(err)


def test_reading_data_a_dma_has_not_delivered():
    cfg = chip4()
    err = fault(program(cfg, [load(sp(0)), Preload(src=0, rows=4, cols=4)]))
    assert (err.index, err.mnemonic, err.unit, err.cycle) == (1, "preload", "array", 1)
    assert "reads scratchpad rows 0..3 before instruction 0 (load) delivers them" in str(err)
    # the same program with a token is correct
    ok = program(cfg, [load(sp(0), push_next=True), Preload(src=0, rows=4, cols=4, pop_prev=True)])
    assert run_machine(ok).cycles == 28 + 4


def test_overwriting_data_still_to_be_read():
    cfg = chip4()
    prog = program(
        cfg,
        [
            Preload(src=0, rows=4, cols=4),
            Matmul(x=4, y=0, out=0, t=4, rows=4, cols=4, accumulate=False),
            load(sp(4)),
        ],
    )
    err = fault(prog, filled_state(cfg))
    assert (err.index, err.mnemonic, err.unit, err.cycle) == (2, "load", "load", 2)
    assert "writes scratchpad rows 4..7 that instruction 1 (matmul) still uses" in str(err)


def test_dram_hazard_is_exact():
    cfg = chip4()
    store = Store(dram=4096, src=acc(0), rows=2, cols=2, stride=32, transpose=False)
    # reads bytes the store is writing
    same = Load(dram=4096, dst=sp(0), rows=1, cols=4, stride=4, transpose=False)
    err = fault(program(cfg, [store, same]), filled_state(cfg))
    assert (err.index, err.mnemonic, err.unit) == (1, "load", "load")
    assert "reads DRAM bytes" in str(err)
    # interleaved with the store's rows (stride 32, 8 bytes each) but never overlapping them
    between = Load(dram=4096 + 8, dst=sp(0), rows=2, cols=4, stride=32, transpose=False)
    run_machine(program(cfg, [store, between]), state=filled_state(cfg))


def test_runaway_program_is_stopped():
    cfg = chip4()
    prog = program(
        cfg, [load(sp(0), push_next=True), Preload(src=0, rows=4, cols=4, pop_prev=True)]
    )
    err = fault(prog, max_cycles=30)
    assert (err.index, err.mnemonic, err.unit) == (1, "preload", "array")
    assert "max_cycles=30" in str(err) and "runaway" in str(err)
    assert run_machine(prog, max_cycles=32).cycles == 32


def test_dependency_flag_without_a_queue():
    cfg = chip4()
    err = fault(program(cfg, [load(sp(0), pop_prev=True)]))
    assert (err.index, err.mnemonic, err.unit) == (0, "load", "load")
    assert "no previous queue" in str(err)


@pytest.mark.parametrize("fidelity", ["fast", "pe"])
def test_same_fault_as_the_functional_model(fidelity):
    cfg = chip4()
    prog = program(cfg, [Matmul(x=4, y=0, out=0, t=4, rows=4, cols=4, accumulate=False)])
    with pytest.raises(ProgramError) as functional:
        run_functional(prog, filled_state(cfg))
    with pytest.raises(ProgramError) as machine:
        run_machine(prog, fidelity, filled_state(cfg))
    assert (
        machine.value.reason
        == functional.value.reason
        == "no stationary tile: a preload must come first"
    )
    assert (machine.value.unit, machine.value.cycle) == ("array", 0)


def test_state_from_another_chip_is_refused():
    with pytest.raises(ValueError, match="state belongs to another chip"):
        run_machine(program(chip4(), [load(sp(0))]), state=filled_state(chip4("os")))
