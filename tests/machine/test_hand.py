"""Cycle counts of small cases worked out on paper (4x4 array, docs/timing.md).

R = C = 4. Instruction i is dispatched in cycle i. Each test states its arithmetic.
"""

import pytest

from chip.isa import Load, Matmul, Preload, Store, Vec, VecOp, acc, sp
from chip.machine import Cause, Traffic, Unit, run_machine
from tests.machine.helpers import chip4, filled_state, program, spans


def both(prog, state_fn=None):
    """Run both fidelities (fresh state each); they must agree on everything."""
    fast = run_machine(prog, "fast", state_fn() if state_fn else None)
    pe = run_machine(prog, "pe", state_fn() if state_fn else None)
    assert fast.cycles == pe.cycles
    assert fast.counters == pe.counters
    assert fast.events == pe.events
    return fast


def check_partition(res):
    c = res.counters
    for u in Unit:
        assert c.idle(u) >= 0, u
        assert c.busy[u] + c.idle(u) + c.stall(u) == c.cycles


@pytest.mark.parametrize("dataflow", ["ws", "is"])
@pytest.mark.parametrize("double_buffer", [False, True])
def test_one_stationary_tile(dataflow, double_buffer):
    # PRELOAD shifts 4 rows in: cycles 0-3. MATMUL starts in 4; X row 0 enters in 4, the last
    # output (t=3, j=3) leaves the bottom in 4 + 3 + (R-1) + 3 = 13: T+R+C-2 = 10 cycles.
    # Total 2R+C+T-2 = 14, SCALE-Sim's per-fold formula; nothing to overlap with one tile.
    cfg = chip4(dataflow, double_buffer)
    prog = program(
        cfg,
        [
            Preload(src=0, rows=4, cols=4),
            Matmul(x=4, y=0, out=0, t=4, rows=4, cols=4, accumulate=False),
        ],
    )
    res = both(prog, lambda: filled_state(cfg))
    assert spans(res)[:2] == [(0, 4), (4, 14)]
    assert res.cycles == 14
    arr = res.counters
    assert arr.busy[Unit.ARRAY] == 4  # the T streaming cycles
    assert arr.stalls[Unit.ARRAY][Cause.FILL_DRAIN] == 6  # R + C - 2
    assert arr.stalls[Unit.ARRAY][Cause.PRELOAD] == 4
    assert arr.macs == 64 and arr.pe_utilization == 64 / (16 * 14)
    check_partition(res)


@pytest.mark.parametrize("double_buffer, expect", [(False, 28), (True, 24)])
def test_two_stationary_tiles(double_buffer, expect):
    # Off: P0 [0,4) M0 [4,14) P1 [14,18) M1 [18,28): 2 x 14 = 28.
    # On: P1 may start when M0 starts (M0 took the shadow tile): P1 [4,8) under M0, and
    # M1 waits for M0 to end: [14,24). Only P0's 4 cycles show as preload.
    cfg = chip4("ws", double_buffer)
    prog = program(
        cfg,
        [
            Preload(src=0, rows=4, cols=4),
            Matmul(x=8, y=0, out=0, t=4, rows=4, cols=4, accumulate=False),
            Preload(src=4, rows=4, cols=4),
            Matmul(x=8, y=0, out=4, t=4, rows=4, cols=4, accumulate=False),
        ],
    )
    res = both(prog, lambda: filled_state(cfg))
    assert res.cycles == expect
    if double_buffer:
        assert spans(res)[:4] == [(0, 4), (4, 14), (4, 8), (14, 24)]
        assert res.counters.stalls[Unit.ARRAY][Cause.PRELOAD] == 4
    else:
        assert spans(res)[:4] == [(0, 4), (4, 14), (14, 18), (18, 28)]
        assert res.counters.stalls[Unit.ARRAY][Cause.PRELOAD] == 8
    check_partition(res)


@pytest.mark.parametrize(
    "double_buffer, drain, expect",
    [
        (False, True, 28),  # (T+R+C-2) + R drain = 10 + 4 = 14 per tile, serialized
        (True, True, 24),  # tile 1 starts after tile 0's last MAC (cycle 10): ends 10 + 14 = 24
        (False, False, 20),  # SCALE-Sim accounting: 10 per tile
        (True, False, 20),
    ],
)
def test_output_stationary_tiles(double_buffer, drain, expect):
    # X row t element i and Y row t element j meet in PE(i, j) in cycle t+i+j: the last MAC
    # (t=3, i=3, j=3) is in cycle 9, so compute is T+R+C-2 = 10 cycles; the drain shifts the 4
    # result rows out of the bottom in cycles 10-13.
    cfg = chip4("os", double_buffer, os_drain=drain)
    prog = program(
        cfg,
        [
            Matmul(x=0, y=4, out=0, t=4, rows=4, cols=4, accumulate=False),
            Matmul(x=8, y=12, out=4, t=4, rows=4, cols=4, accumulate=False),
        ],
    )
    res = both(prog, lambda: filled_state(cfg))
    assert res.cycles == expect
    assert res.counters.busy[Unit.ARRAY] == 8
    check_partition(res)


def test_dram_bound_load_then_tile_then_store():
    # L0: S = 4x4 int8 = 16 bytes at 2 bytes/cycle: 8 transfer cycles (>= 4 rows). Requests go
    #     out in [0, 8), data from 0 + 20 (latency): bus [20, 28), ends 28.
    # L1: X = 8x4 int8 = 32 bytes: 16 cycles (bandwidth-bound: more than its 8 rows). The DMA
    #     pipelines requests, so L1 starts when L0 has issued its requests (8); its data could
    #     arrive from 28 and the bus is free at 28: bus [28, 44), ends 44, pushes a token.
    # P:  pops it: [44, 48).   M: T=8: [48, 48 + 8+4+4-2 = 62), pushes a token to store.
    # St: 8 rows x 4 int32 = 128 bytes: 64 cycles; bus [62, 126), acknowledged 20 later: 146.
    cfg = chip4("ws")
    prog = program(
        cfg,
        [
            Load(dram=0, dst=sp(0), rows=4, cols=4, stride=4, transpose=False),
            Load(dram=64, dst=sp(1024), rows=8, cols=4, stride=4, transpose=False, push_next=True),
            Preload(src=0, rows=4, cols=4, pop_prev=True),
            Matmul(x=1024, y=0, out=0, t=8, rows=4, cols=4, accumulate=False, push_next=True),
            Store(dram=4096, src=acc(0), rows=8, cols=4, stride=16, transpose=False, pop_prev=True),
        ],
    )
    res = both(prog)
    assert spans(res)[:5] == [(0, 28), (8, 44), (44, 48), (48, 62), (62, 146)]
    assert res.cycles == 146
    c = res.counters
    # load unit: [0, 20) latency, [20, 44) transferring (L1's latency hides under L0)
    assert c.busy[Unit.LOAD] == 24 and c.stalls[Unit.LOAD][Cause.DRAM_LATENCY] == 20
    assert c.idle(Unit.LOAD) == 146 - 44
    # array: idle [0, 2) until P is dispatched, then waits [2, 44) for L1's token: [8, 28) is
    # L1's latency, [28, 44) its transfer; [2, 8) (L1 not started) is a plain token wait
    arr = c.stalls[Unit.ARRAY]
    assert (arr[Cause.DRAM_LATENCY], arr[Cause.DRAM_BANDWIDTH], arr[Cause.TOKEN]) == (20, 16, 6)
    assert arr[Cause.PRELOAD] == 4 and c.busy[Unit.ARRAY] == 8 and arr[Cause.FILL_DRAIN] == 6
    # store: dispatched in 4, waits for the MATMUL's token until 62, then 64 + 20
    st = c.stalls[Unit.STORE]
    assert st[Cause.TOKEN] == 58 and c.busy[Unit.STORE] == 64 and st[Cause.DRAM_LATENCY] == 20
    assert c.idle(Unit.STORE) == 4
    assert c.bytes[Traffic.DRAM_READ] == 48 and c.bytes[Traffic.DRAM_WRITE] == 128
    check_partition(res)


def test_pipelined_stores_count_each_cycle_once():
    # Two 1-row stores of 16 bytes (8 cycles each): S0 bus [0, 8), acknowledged at 28; S1 starts
    # when S0's data has left (8): bus [8, 16), acknowledged at 36. The store unit is busy 16
    # cycles, then waits on latency [16, 36).
    cfg = chip4("ws")
    prog = program(
        cfg,
        [
            Store(dram=4096, src=acc(0), rows=1, cols=4, stride=16, transpose=False),
            Store(dram=8192, src=acc(1), rows=1, cols=4, stride=16, transpose=False),
        ],
    )
    res = both(prog, lambda: filled_state(cfg))
    assert spans(res)[:2] == [(0, 28), (8, 36)]
    c = res.counters
    assert c.busy[Unit.STORE] == 16 and c.stalls[Unit.STORE][Cause.DRAM_LATENCY] == 20
    check_partition(res)


def test_store_waits_for_the_dram_bus():
    # L0 holds the bus [20, 28) (granted when it started, first come first served). The store
    # starts in 1 (1 row x 4 int32 = 16 bytes: 8 cycles) and gets the bus at 28: [28, 36),
    # acknowledged at 56. Its 27 cycles of waiting are DRAM bandwidth.
    cfg = chip4("ws")
    prog = program(
        cfg,
        [
            Load(dram=0, dst=sp(0), rows=4, cols=4, stride=4, transpose=False),
            Store(dram=4096, src=acc(0), rows=1, cols=4, stride=16, transpose=False),
        ],
    )
    res = both(prog, lambda: filled_state(cfg))
    assert spans(res)[:2] == [(0, 28), (1, 56)]
    assert res.counters.stalls[Unit.STORE][Cause.DRAM_BANDWIDTH] == 27
    check_partition(res)


def test_bank_conflict_between_units():
    # The load writes scratchpad bank 0 (rows 0-3) during [0, 28); the vector SET writes row 8,
    # also bank 0: one write port, so it waits until 28 (27 cycles of bank conflict after its
    # dispatch in cycle 1), then takes 1 pass + ALU latency 1 - 1 = 1 cycle.
    cfg = chip4("ws")
    instrs = [
        Load(dram=0, dst=sp(0), rows=4, cols=4, stride=4, transpose=False),
        Vec(
            op=VecOp.SET,
            dst=sp(8),
            src1=sp(0),
            src2=sp(0),
            rows=1,
            cols=4,
            bcast1=False,
            bcast2=False,
            imm=1.0,
        ),
    ]
    res = both(program(cfg, instrs))
    assert spans(res)[:2] == [(0, 28), (28, 29)]
    assert res.counters.stalls[Unit.VECTOR][Cause.BANK_CONFLICT] == 27
    # the same SET into bank 1 (row 1024) does not wait
    instrs[1] = Vec(
        op=VecOp.SET,
        dst=sp(1024),
        src1=sp(0),
        src2=sp(0),
        rows=1,
        cols=4,
        bcast1=False,
        bcast2=False,
        imm=1.0,
    )
    assert spans(both(program(cfg, instrs)))[:2] == [(0, 28), (1, 2)]


def test_store_releases_its_read_port_when_its_last_row_is_read():
    # The store reads accumulator row 0 (bank 0) onto the bus in [0, 8) and is acknowledged at
    # 28; it holds bank 0's read port only while it reads, [0, 8). The COPY reading row 8 (also
    # bank 0), dispatched in 1, starts at 8 (7 cycles of bank conflict), not at 28.
    cfg = chip4("ws")
    copy = Vec(
        op=VecOp.COPY,
        dst=acc(130),
        src1=acc(8),
        src2=acc(8),
        rows=1,
        cols=4,
        bcast1=False,
        bcast2=False,
        imm=0.0,
    )
    store = Store(dram=4096, src=acc(0), rows=1, cols=4, stride=16, transpose=False)
    res = both(program(cfg, [store, copy]), lambda: filled_state(cfg))
    assert spans(res)[:2] == [(0, 28), (8, 9)]
    assert res.counters.stalls[Unit.VECTOR][Cause.BANK_CONFLICT] == 7
    check_partition(res)


@pytest.mark.parametrize("src2_row, expect, conflict", [(4, 4, 2), (128, 2, 0)])
def test_vector_sources_in_one_bank(src2_row, expect, conflict):
    # 2 rows x 4 elements on 4 lanes: 2 passes, ALU latency 1: 2 cycles. Both sources in
    # accumulator bank 0 share its read port: every pass takes 2 cycles, 4 in all.
    cfg = chip4("ws")
    prog = program(
        cfg,
        [
            Vec(
                op=VecOp.ADD,
                dst=acc(8),
                src1=acc(0),
                src2=acc(src2_row),
                rows=2,
                cols=4,
                bcast1=False,
                bcast2=False,
                imm=0.0,
            )
        ],
    )
    st = filled_state(cfg, acc_rows=130)
    res = run_machine(prog, state=st)
    assert spans(res)[0] == (0, expect)
    assert res.counters.stalls[Unit.VECTOR][Cause.BANK_CONFLICT] == conflict


def test_vector_latency_by_category():
    # EXP is special (latency 4 on tiny), which tiny has in one lane: 2 rows x 4 elements =
    # 8 passes: 8 + 4 - 1. With the special functions in all 4 lanes, 2 passes: 2 + 4 - 1.
    for special_lanes, passes in ((1, 8), (4, 2)):
        cfg = chip4("ws", vector_special_lanes=special_lanes)
        exp = Vec(
            op=VecOp.EXP,
            dst=acc(8),
            src1=acc(0),
            src2=acc(0),
            rows=2,
            cols=4,
            bcast1=False,
            bcast2=False,
            imm=0.0,
        )
        res = run_machine(program(cfg, [exp]), state=filled_state(cfg))
        assert spans(res)[0] == (0, passes + 4 - 1)


def test_queue_full_blocks_dispatch():
    # queue_depth 1. Each load moves 16 bytes: 8 transfer cycles. L0 [0, 28) (bus [20, 28)).
    # L1 enters the queue once L0 has started (0) and starts when L0 has issued its requests
    # (8): bus [28, 36). L2 may enter the queue only when L1 starts (8): the dispatcher is
    # blocked in [2, 8), so the vector SET behind it is dispatched in 9: 6 cycles of queue full.
    # L2 starts at 16, bus [36, 44).
    cfg = chip4("ws", queue_depth=1)
    loads = [
        Load(dram=0, dst=sp(1024 + 4 * k), rows=4, cols=4, stride=4, transpose=False)
        for k in range(3)
    ]
    vec = Vec(
        op=VecOp.SET,
        dst=acc(0),
        src1=sp(0),
        src2=sp(0),
        rows=1,
        cols=4,
        bcast1=False,
        bcast2=False,
        imm=2.0,
    )
    res = both(program(cfg, loads + [vec]))
    assert spans(res)[:4] == [(0, 28), (8, 36), (16, 44), (9, 10)]
    assert res.counters.stalls[Unit.VECTOR][Cause.QUEUE_FULL] == 6
    assert res.cycles == 44
    check_partition(res)
