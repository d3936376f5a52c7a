"""Critical-path attribution (chip/machine/critical.py) against cases worked out on paper, and
its invariant (tags' cycles = critical cycles, summing to the run's) on random programs."""

from __future__ import annotations

import numpy as np
import pytest

from bench.programs import tiled_gemm
from chip.counters import Critical
from chip.isa import Halt, Load, Matmul, Preload, Store, Vec, VecOp, acc, sp
from chip.machine import run_machine
from chip.program import Phase, Program, Tag
from tests.machine.helpers import chip4, filled_state
from tests.machine.test_random import operands, random_chip


def tagged(cfg, instrs_and_layers) -> Program:
    instrs = [ins for ins, _ in instrs_and_layers] + [Halt()]
    tags = [Tag(layer, Phase.FORWARD) for _, layer in instrs_and_layers]
    return Program(cfg, tuple(instrs), (*tags, tags[-1]), {})


def path_of(res, layer: str) -> dict[Critical, int]:
    w = res.by_tag[Tag(layer, Phase.FORWARD)]
    assert w.cycles == sum(w.critical.values())
    return {k: v for k, v in w.critical.items() if v}


def test_load_tile_store_chain_by_hand():
    # The timing of tests/machine/test_hand.py::test_dram_bound_load_then_tile_then_store:
    # L0 [0, 28), L1 [8, 44), P [44, 48), M [48, 62), St [62, 146), plus a vector op V after
    # the MATMUL in the execute queue (another accumulator bank than the store's), [62, 62 + d),
    # that nothing waits for.
    # Walking back from St (ends last, 146): St's own cycles are bus transfer [62, 126) and
    # acknowledgement [126, 146); it waited for M's token (M ends 62). M: 8 streaming cycles
    # and 6 of fill/drain; it waited for P to end (48), P [44, 48) preload, for L1's token
    # (44). L1: latency [8, 28), transfer [28, 44) (the bus is free at 28); it started when L0
    # had sent its requests (8): L0's [0, 8) is load-engine work. V is on no path: 0 cycles.
    cfg = chip4("ws")
    prog = tagged(
        cfg,
        [
            (Load(dram=0, dst=sp(0), rows=4, cols=4, stride=4, transpose=False), "l0"),
            (
                Load(
                    dram=64, dst=sp(1024), rows=8, cols=4, stride=4, transpose=False, push_next=True
                ),
                "l1",
            ),
            (Preload(src=0, rows=4, cols=4, pop_prev=True), "p"),
            (
                Matmul(x=1024, y=0, out=0, t=8, rows=4, cols=4, accumulate=False, push_next=True),
                "m",
            ),
            (
                Store(
                    dram=4096, src=acc(0), rows=8, cols=4, stride=16, transpose=False, pop_prev=True
                ),
                "st",
            ),
            (
                Vec(
                    op=VecOp.ADD,
                    dst=acc(140),
                    src1=acc(130),
                    src2=acc(131),
                    rows=1,
                    cols=4,
                    bcast1=False,
                    bcast2=False,
                    imm=0.0,
                ),
                "v",
            ),
        ],
    )
    res = run_machine(prog, "fast", filled_state(cfg, acc_rows=256))
    assert res.cycles == 146
    assert path_of(res, "l0") == {Critical.LOAD: 8}
    assert path_of(res, "l1") == {Critical.DRAM_LATENCY: 20, Critical.LOAD: 16}
    assert path_of(res, "p") == {Critical.PRELOAD: 4}
    assert path_of(res, "m") == {Critical.ARRAY: 8, Critical.FILL_DRAIN: 6}
    assert path_of(res, "st") == {Critical.STORE: 64, Critical.DRAM_LATENCY: 20}
    assert path_of(res, "v") == {}
    assert res.by_tag[Tag("v", Phase.FORWARD)].instructions == 1
    assert sum(w.cycles for w in res.by_tag.values()) == res.cycles == res.counters.cycles


def vector_ops(rows: int) -> list:
    return [
        (
            Vec(
                op=VecOp.ADD,
                dst=acc(100 + 4 * k),
                src1=acc(0),
                src2=acc(130),  # another bank: no conflict pass
                rows=rows,
                cols=4,
                bcast1=False,
                bcast2=False,
                imm=0.0,
            ),
            f"v{k}",
        )
        for k in range(4)
    ]


def test_back_to_back_vector_ops_share_the_path():
    # Four vector ops of four rows in the execute queue: the first starts at 0 and each later
    # one when the one before it ends (queue order), so the path is the four ops back to back,
    # each charged its own cycles as vector work.
    cfg = chip4("ws")
    res = run_machine(tagged(cfg, vector_ops(4)), "fast", filled_state(cfg, acc_rows=256))
    spans = [(e.start, e.end) for e in sorted(res.events, key=lambda e: e.index)]
    assert spans[0][0] == 0 and all(spans[k][1] == spans[k + 1][0] for k in range(3))
    assert [path_of(res, f"v{k}") for k in range(4)] == [
        {Critical.VECTOR: end - start} for start, end in spans
    ]


def test_a_dispatch_bound_program_waits_on_the_dispatcher():
    # Four one-row vector ops of one cycle each: op k is dispatched in cycle k and runs
    # [k, k + 1); the halt is dispatched in cycle 4, so the run takes 5 cycles, every one of
    # them the dispatcher's (the halt carries the last op's tag).
    cfg = chip4("ws")
    res = run_machine(tagged(cfg, vector_ops(1)), "fast", filled_state(cfg, acc_rows=256))
    assert [(e.start, e.end) for e in res.events] == [(k, k + 1) for k in range(4)]
    assert res.cycles == 5
    assert [path_of(res, f"v{k}") for k in range(4)] == [{Critical.DISPATCH: 1}] * 3 + [
        {Critical.DISPATCH: 2}
    ]


@pytest.mark.parametrize("seed", range(8))
def test_tag_cycles_are_the_critical_path_and_sum_to_the_run(seed):
    rng = np.random.default_rng(seed)
    cfg = random_chip(rng)
    m, k, n = (int(v) for v in rng.integers(1, 13, 3))
    prog = tiled_gemm(cfg, *operands(cfg, rng, m, k, n), block_rows=int(rng.integers(1, 9)))
    # three tags over consecutive thirds of the program
    third = -(-len(prog.instrs) // 3)
    tags = tuple(Tag(f"part{i // third}", Phase.FORWARD) for i in range(len(prog.instrs)))
    prog = Program(cfg, prog.instrs, tags, prog.tensors, prog.init)
    res = run_machine(prog, "fast")
    for w in res.by_tag.values():
        assert w.cycles == sum(w.critical.values())
    assert sum(w.cycles for w in res.by_tag.values()) == res.cycles
    assert sum(res.counters.critical.values()) == res.cycles
