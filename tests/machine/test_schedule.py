"""The timing is computed once per program and cached: later runs must be indistinguishable."""

import gc

import numpy as np
import pytest

from bench.programs import tiled_gemm
from chip.errors import ProgramError
from chip.isa import Load, Preload, sp
from chip.machine import run_machine
from chip.machine.schedule import _CACHE, schedule_of
from tests.machine.helpers import chip4, filled_state, program


def load(dst, rows=4, **deps):
    return Load(dram=0, dst=dst, rows=rows, cols=4, stride=4, transpose=False, **deps)


def test_second_run_equals_the_first():
    cfg = chip4("ws")
    rng = np.random.default_rng(3)
    a = rng.integers(-128, 128, (9, 7), dtype=np.int8)
    b = rng.integers(-128, 128, (7, 6), dtype=np.int8)
    prog = tiled_gemm(cfg, a, b, block_rows=4)
    first, second = run_machine(prog), run_machine(prog, "pe")
    assert schedule_of(prog) is schedule_of(prog)  # cached, not recomputed
    assert second.cycles == first.cycles
    assert second.counters.to_dict() == first.counters.to_dict()
    assert {t: c.to_dict() for t, c in second.by_tag.items()} == {
        t: c.to_dict() for t, c in first.by_tag.items()
    }
    assert second.events == first.events
    want = a.astype(np.int64) @ b.astype(np.int64)
    for res in (first, second):
        assert np.array_equal(res.state.read_tensor(prog.tensor("C")), want)
    # results own their counters: changing one run's does not change the next run's
    first.counters.cycles = 0
    first.by_tag[next(iter(first.by_tag))].busy.clear()
    assert run_machine(prog, trace=False).counters.to_dict() == second.counters.to_dict()


def test_cycle_limits_are_cached_apart():
    cfg = chip4()
    prog = program(
        cfg, [load(sp(0), push_next=True), Preload(src=0, rows=4, cols=4, pop_prev=True)]
    )
    for _ in range(2):
        with pytest.raises(ProgramError, match="max_cycles=30"):
            run_machine(prog, max_cycles=30)
        assert run_machine(prog, max_cycles=32).cycles == 32
        assert run_machine(prog).cycles == 32


def test_the_first_fault_in_commit_order_wins():
    cfg = chip4()
    # instruction 0 reads scratchpad rows never written (a value fault at cycle 0); instruction
    # 2 reads rows the load of instruction 1 has not delivered (a hazard found by the timing)
    value_first = program(
        cfg, [Preload(src=100, rows=4, cols=4), load(sp(0)), Preload(src=0, rows=4, cols=4)]
    )
    # the same hazard, then the value fault: the hazard comes first
    hazard_first = program(
        cfg, [load(sp(0)), Preload(src=0, rows=4, cols=4), Preload(src=100, rows=4, cols=4)]
    )
    for _ in range(2):  # the second run uses the cached timing
        with pytest.raises(ProgramError) as e:
            run_machine(value_first)
        assert (e.value.index, e.value.cycle) == (0, 0) and "never written" in str(e.value)
        with pytest.raises(ProgramError) as e:
            run_machine(hazard_first, state=filled_state(cfg, spad_rows=4))
        assert (e.value.index, e.value.cycle) == (1, 1) and "delivers" in str(e.value)


def test_a_program_takes_its_schedule_with_it():
    cfg = chip4()
    prog = program(cfg, [load(sp(0))])
    run_machine(prog)
    key = id(prog)
    assert key in _CACHE._by_id
    del prog
    gc.collect()
    assert key not in _CACHE._by_id


def test_what_the_cache_makes_skips_the_young_generations():
    # left young, the next collections would walk every object of a large program's plans
    prog = program(chip4(), [load(sp(0)), Preload(src=0, rows=4, cols=4)])
    sched = schedule_of(prog)
    assert any(obj is sched for obj in gc.get_objects(generation=2))
    assert gc.get_freeze_count() == 0


def test_objects_the_caller_froze_stay_frozen():
    sentinel = [object()]  # a tracked container, frozen with everything else
    gc.freeze()
    try:
        sched = schedule_of(program(chip4(), [load(sp(0))]))
        # The count alone cannot tell: frozen objects that die meanwhile leave it. The sentinel
        # is still in the permanent generation, which gc.get_objects() does not list.
        assert gc.get_freeze_count() > 0
        assert not any(obj is sentinel for obj in gc.get_objects())
        assert not any(obj is sched for obj in gc.get_objects(generation=2))
    finally:
        gc.unfreeze()
