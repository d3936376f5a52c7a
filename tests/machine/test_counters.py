"""Counters add up, serialize, split by tag; runs continue on an existing state."""

import json

import numpy as np

from bench.programs import tiled_gemm
from chip.config import ChipConfig
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


def test_pe_utilization_is_macs_over_peak():
    res = run_machine(gemm(chip4()))
    c = res.counters
    assert c.macs == 9 * 7 * 6
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
