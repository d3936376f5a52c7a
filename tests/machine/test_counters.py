"""Counters add up, serialize, split by tag; runs continue on an existing state."""

import json

import numpy as np
import pytest

from bench.programs import tiled_gemm
from chip.config import ChipConfig
from chip.footprint import Action
from chip.functional import run_functional
from chip.machine import Cause, Counters, Traffic, Unit, run_machine
from chip.program import Phase, Program, Tag
from tests.machine.helpers import chip4


def gemm(cfg: ChipConfig, seed: int = 0, m: int = 9, k: int = 7, n: int = 6) -> Program:
    rng = np.random.default_rng(seed)
    a = rng.integers(-128, 128, (m, k)).astype(np.int8)
    b = rng.integers(-128, 128, (k, n)).astype(np.int8)
    return tiled_gemm(cfg, a, b, block_rows=4)


def test_round_trip_and_addition():
    c = run_machine(gemm(chip4())).counters
    d = Counters.from_dict(json.loads(json.dumps(c.to_dict())))
    assert d == c
    s = c + d
    assert s.cycles == 2 * c.cycles and s.macs == 2 * c.macs
    assert s.stalls[Unit.ARRAY][Cause.TOKEN] == 2 * c.stalls[Unit.ARRAY][Cause.TOKEN]
    assert s.bytes[Traffic.DRAM_READ] == 2 * c.bytes[Traffic.DRAM_READ]
    assert s.pe_utilization == c.pe_utilization
    assert Counters() + c == c


def test_times_equals_repeated_addition_and_copies_are_independent():
    c = run_machine(gemm(chip4())).counters
    assert c.times(1) == c and c.times(1) is not c
    summed = c
    for n in range(2, 5):
        summed = summed + c
        assert c.times(n) == summed
    assert c.times(3).rows == c.rows and c.times(3).timed == c.timed
    with pytest.raises(ValueError, match="at least once, not 0 times"):
        c.times(0)
    copy = c.copy()
    assert copy == c
    copy.cycles += 1
    copy.busy[Unit.ARRAY] += 1
    copy.stalls[Unit.ARRAY][Cause.TOKEN] += 1
    copy.actions[Action.MAC] += 1
    assert copy != c and c == run_machine(gemm(chip4())).counters


def test_pe_utilization_is_macs_over_peak():
    res = run_machine(gemm(chip4()))
    c = res.counters
    assert c.macs == c.useful_macs == 9 * 7 * 6  # a hand-made program: every MAC is useful
    assert c.pe_utilization == c.macs / (4 * 4 * res.cycles)


def test_by_tag_adds_up_to_the_run():
    cfg = chip4()
    prog = gemm(cfg)
    # tag the first half of the instructions as one layer and the rest as another
    half = len(prog.instrs) // 2
    tags = tuple(
        Tag("first" if i < half else "second", Phase.FORWARD if i < half else Phase.BACKWARD)
        for i in range(len(prog.instrs))
    )
    prog = Program(cfg, prog.instrs, tags, prog.tensors, prog.init)
    res = run_machine(prog)
    assert set(res.by_tag) == {Tag("first", Phase.FORWARD), Tag("second", Phase.BACKWARD)}
    total = sum(res.by_tag.values(), Counters())
    assert total.cycles == res.cycles
    for u in Unit:
        assert total.busy[u] == res.counters.busy[u]
        assert total.stalls[u] == res.counters.stalls[u]
    assert total.bytes == res.counters.bytes and total.macs == res.counters.macs


def test_continuing_on_a_state_keeps_dram_contents():
    # run twice on one state: the second run sees what the first left (the runtime keeps
    # weights resident across steps); values equal the functional model run twice
    cfg = chip4()
    prog = gemm(cfg)
    first = run_machine(prog)
    second = run_machine(prog, state=first.state)
    ref = run_functional(prog, run_functional(prog).state).state
    assert second.state is first.state
    np.testing.assert_array_equal(second.state.acc, ref.acc)
    assert second.cycles == first.cycles


def test_no_trace_keeps_no_events():
    res = run_machine(gemm(chip4()), trace=False)
    assert res.events == [] and res.cycles > 0


def test_addition_and_serialization_cover_every_field():
    # every field of a sum is the sum of the fields (nested per unit and cause), so a new
    # counter field adds up and serializes without code of its own
    a = Counters(
        cycles=10,
        macs=5,
        instructions=3,
        rows=4,
        cols=4,
        busy={u: n for n, u in enumerate(Unit)},
        stalls={u: {c: 1 for c in Cause} for u in Unit},
        bytes={t: 2 for t in Traffic},
    )
    b = Counters(cycles=1, macs=1, instructions=1, rows=4, cols=4, timed=False)
    s = a + b
    assert (s.cycles, s.macs, s.instructions, s.rows, s.cols) == (11, 6, 4, 4, 4)
    assert s.busy == a.busy and s.stalls == a.stalls and s.bytes == a.bytes
    assert not s.timed and (a + a).timed
    assert Counters.from_dict(json.loads(json.dumps(s.to_dict()))) == s
    assert set(s.to_dict()) == {f for f in Counters.__dataclass_fields__}


def test_derived_figures():
    c = Counters(
        cycles=10,
        macs=80,
        useful_macs=60,
        rows=2,
        cols=4,
        busy={u: 1 for u in Unit},
        stalls={u: {c: (2 if c is Cause.TOKEN else 0) for c in Cause} for u in Unit},
        bytes={t: (20 if t is Traffic.DRAM_READ else 0) for t in Traffic},
        actions={a: (96 if a is Action.PE_SLOT else 0) for a in Action},
    )
    assert c.pe_utilization == 60 / (2 * 4 * 10)
    assert (c.padding_macs, c.tile_waste) == (80 - 60, 96 - 80)
    assert c.idle(Unit.ARRAY) == 10 - 1 - 2 and c.stall(Unit.LOAD) == 2
    assert c.stalls_by_cause[Cause.TOKEN] == 2 * len(Unit) and c.stall_cycles == 2 * len(Unit)
    assert (c.dram_bytes, c.intensity) == (20, 2 * 60 / 20)
    assert Counters().pe_utilization == 0.0 and Counters().intensity == 0.0


def test_missing_counts_read_as_zero_and_unknown_keys_are_named():
    c = Counters.from_dict({"cycles": 5, "busy": {"array": 3}, "stalls": {"load": {"token": 1}}})
    assert c.cycles == 5 and c.busy[Unit.ARRAY] == 3 and c.busy[Unit.LOAD] == 0
    assert c.stalls[Unit.LOAD][Cause.TOKEN] == 1 and c.stalls[Unit.ARRAY][Cause.TOKEN] == 0
    with pytest.raises(ValueError, match="counters.busy: unknown Unit 'gpu'"):
        Counters.from_dict({"busy": {"gpu": 1}})
