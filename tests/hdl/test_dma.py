"""Co-simulation of the load/store path: `ChipTop` with its DMA engines and tokens, DRAM served
by `DramModel`, against docs/timing.md's closed form and the `pe` machine."""

from __future__ import annotations

import dataclasses
import json
import shutil

import numpy as np
import pytest
from amaranth import Const

from chip.config import Dataflow, load_preset
from chip.counters import Cause
from chip.dtypes import DType
from chip.hdl import banks, chip_top, run_program, wishbone
from chip.hdl.chip_cosim import run_chip
from chip.hdl.chip_verilated import run_chip_verilated
from chip.hdl.cosim import RtlError
from chip.isa import Halt, Load, Loc, Matmul, Mem, Move, Preload, Store, Vec, VecOp
from chip.machine import run_machine
from chip.program import Phase, Program, Tag, TensorInfo, TensorKind
from chip.state import ChipState
from runtime.backend import Backend
from runtime.cli import main
from tests.hdl.dma_programs import IN_REGION, random_dma_program

TINY = load_preset("tiny")


def _sp(row):
    return Loc(Mem.SPAD, row)


def _acc(row):
    return Loc(Mem.ACC, row)


def _cosimulate(program, state, spad_rows=64):
    """Run ``program`` on the RTL and the pe machine from ``state`` (its DRAM and scratchpad
    rows 0..spad_rows-1); assert they agree on every instruction's cycles, the total and the
    final DRAM image; return the RTL's run and the machine's."""
    dram, spad = state.dram.copy(), state.spad[:spad_rows].copy()
    machine = run_machine(program, fidelity="pe", state=state)
    rtl = run_chip(program.config, program.instrs, dram, spad=spad)
    on_machine = sorted((e.index, e.start, e.end) for e in machine.events)
    assert [(e.index, e.start, e.end) for e in rtl.events] == on_machine
    assert rtl.cycles == machine.cycles
    assert np.array_equal(rtl.dram, state.dram)
    return rtl, machine


def _gemm_program(cfg):
    """W (4x4) and X (6x4) from DRAM, X @ W into the accumulator, the result back to DRAM."""
    instrs = (
        Load(dram=0, dst=_sp(0), rows=4, cols=4, stride=4, transpose=False),
        Load(dram=64, dst=_sp(8), rows=6, cols=4, stride=8, transpose=False, push_next=True),
        Preload(src=0, rows=4, cols=4, pop_prev=True),
        Matmul(x=8, y=0, out=0, t=6, rows=4, cols=4, accumulate=False, push_next=True),
        Store(dram=4096, src=_acc(0), rows=6, cols=4, stride=16, transpose=False, pop_prev=True),
        Halt(),
    )
    return Program(cfg, instrs, [Tag("gemm", Phase.FORWARD)] * len(instrs), {})


def test_directed_gemm_runs_in_the_cycles_of_the_timing_rules():
    rng = np.random.default_rng(1)
    state = ChipState(TINY)
    state.dram[:256] = rng.integers(-128, 128, 256).astype(np.int8).view(np.uint8)
    w = state.dram[:16].view(np.int8).reshape(4, 4).astype(np.int64)
    x = state.dram[64:112].view(np.int8).reshape(6, 8)[:, :4].astype(np.int64)
    rtl, _ = _cosimulate(_gemm_program(TINY), state)
    # tiny: 4 bytes per cycle, latency 20, 4x4 array. LOAD W: 16 bytes, n = 4, data from 20,
    # ends 24; LOAD X (dispatched in 1, requests out from 4): n = 6, bus free at 24, ends 30;
    # PRELOAD waits for X's token: [30, 34); MATMUL: T+R+C-2 = 12; STORE waits for the
    # MATMUL's token: 96 bytes, n = 24, acknowledged 20 cycles after its last beat.
    assert [(e.unit, e.start, e.end) for e in rtl.events] == [
        ("load", 0, 24),
        ("load", 4, 30),
        ("preload", 30, 34),
        ("matmul", 34, 46),
        ("store", 46, 90),
    ]
    assert rtl.cycles == 90
    stored = rtl.dram[4096 : 4096 + 96].view(np.int32).reshape(6, 4)
    assert np.array_equal(stored, x @ w)


def test_output_stationary_program_with_a_drain_overlap_matches_the_machine():
    cfg = TINY.replace(dataflow=Dataflow.OS)
    instrs = (
        Load(dram=0, dst=_sp(0), rows=5, cols=4, stride=4, transpose=False),
        Load(dram=64, dst=_sp(8), rows=5, cols=3, stride=8, transpose=False, push_next=True),
        Matmul(x=0, y=8, out=0, t=5, rows=4, cols=3, accumulate=False, pop_prev=True),
        Matmul(x=0, y=8, out=128, t=5, rows=4, cols=3, accumulate=False, push_next=True),
        Store(dram=4096, src=_acc(128), rows=4, cols=3, stride=12, transpose=False, pop_prev=True),
        Halt(),
    )
    state = ChipState(cfg)
    state.dram[:256] = np.random.default_rng(2).integers(0, 256, 256, dtype=np.uint8)
    x = state.dram[:20].view(np.int8).reshape(5, 4).astype(np.int64)
    y = state.dram[64:104].view(np.int8).reshape(5, 8)[:, :3].astype(np.int64)
    program = Program(cfg, instrs, [Tag("os", Phase.FORWARD)] * len(instrs), {})
    rtl, _ = _cosimulate(program, state)
    # T+2R+C-2 = 15 cycles each; the second starts when the first one's compute ends
    # (T+R+C-2 = 11 cycles after it starts), under its drain
    assert [(e.unit, e.start, e.end) for e in rtl.events][2:4] == [
        ("matmul", 30, 45),
        ("matmul", 41, 56),
    ]
    stored = rtl.dram[4096 : 4096 + 48].view(np.int32).reshape(4, 3)
    assert np.array_equal(stored, x.T @ y)


def _first_rows_program(cfg):
    """MOVEs and STOREs that start in their dispatch cycle (straight from ``instr``) and from
    the queue in the cycle after the one before them (the queue's head popped): each reads
    its first row a cycle before it starts, through a synchronous port."""
    moved = _sp(32)  # the MOVEs' destinations: rows 32..47
    instrs = (
        Move(src=_sp(0), dst=moved, rows=8, cols=4, transpose=False),
        Move(src=_sp(8), dst=_sp(40), rows=1, cols=4, transpose=False),
        Move(src=_sp(13), dst=_sp(41), rows=1, cols=3, transpose=False),
        Move(src=_sp(9), dst=_sp(42), rows=3, cols=4, transpose=True),
        Move(src=_sp(16), dst=_sp(45), rows=1, cols=4, transpose=False),
        Move(src=_sp(20), dst=_sp(22), rows=3, cols=4, transpose=False, push_next=True),
        # In another bank than the MOVEs': they start at once.
        Store(dram=4096, src=_sp(1024), rows=6, cols=4, stride=4, transpose=False),
        Store(dram=4128, src=_sp(1030), rows=1, cols=4, stride=4, transpose=False),
        Store(dram=4136, src=_sp(1037), rows=1, cols=4, stride=4, transpose=False),
        Preload(src=0, rows=1, cols=1, pop_prev=True, push_next=True),
        Store(dram=4160, src=moved, rows=16, cols=4, stride=4, transpose=False, pop_prev=True),
        Store(dram=4240, src=_sp(19), rows=7, cols=4, stride=4, transpose=False),
        Halt(),
    )
    return Program(cfg, instrs, [Tag("first rows", Phase.FORWARD)] * len(instrs), {})


def test_moves_and_stores_read_their_first_row_before_they_start():
    state = ChipState(TINY)
    rows = 1040  # the MOVEs' rows in the first bank, the first STOREs' in the second
    row = np.random.default_rng(3).integers(-128, 128, (rows, TINY.row_elems), dtype=np.int8)
    state.write(_sp(0), row, "rows")
    rtl, _ = _cosimulate(_first_rows_program(TINY), state, rows)
    # The first MOVE and the first STORE start in their dispatch cycles, 0 and 6; the 1-row
    # MOVEs after the first start from the queue, one a cycle.
    assert [(e.unit, e.start, e.end) for e in rtl.events][:3] == [
        ("move", 0, 8),
        ("move", 8, 9),
        ("move", 9, 10),
    ]
    assert (rtl.events[6].unit, rtl.events[6].start) == ("store", 6)
    dram = rtl.dram.view(np.int8)
    moved = dram[4160 : 4160 + 64].reshape(16, 4)
    assert np.array_equal(moved[:8], row[:8])
    assert np.array_equal(moved[8], row[8])
    assert np.array_equal(moved[9, :3], row[13, :3])
    assert np.array_equal(moved[10:13, :3], row[9:12, :3].T)
    assert np.array_equal(moved[13], row[16])
    assert np.array_equal(dram[4096:4120].reshape(6, 4), row[1024:1030])
    assert np.array_equal(dram[4128:4132], row[1030])
    assert np.array_equal(dram[4136:4140], row[1037])


@pytest.mark.parametrize("dataflow", [Dataflow.WS, Dataflow.IS])
@pytest.mark.parametrize("high", [False, True])
@pytest.mark.parametrize("seed", range(3))
def test_random_pipelined_programs_match_the_machine(dataflow, high, seed):
    cfg = TINY.replace(dataflow=dataflow)
    _cosimulate(*random_dma_program(cfg, seed, folds=4, high=high))


def test_transposed_blocks_move_in_the_cycles_of_plain_ones():
    # W (4x3) read transposed from a row-major 3x4 int8 matrix (stride 4), the result stored
    # transposed with a gap (stride 28: element e of result row t at 4096 + 28e + 4t).
    instrs = (
        Load(dram=0, dst=_sp(0), rows=4, cols=3, stride=4, transpose=True),
        Load(dram=64, dst=_sp(8), rows=6, cols=4, stride=8, transpose=False, push_next=True),
        Preload(src=0, rows=4, cols=3, pop_prev=True),
        Matmul(x=8, y=0, out=0, t=6, rows=4, cols=3, accumulate=False, push_next=True),
        Store(dram=4096, src=_acc(0), rows=6, cols=3, stride=28, transpose=True, pop_prev=True),
        Halt(),
    )
    rng = np.random.default_rng(3)
    state = ChipState(TINY)
    state.dram[:256] = rng.integers(-128, 128, 256).astype(np.int8).view(np.uint8)
    w = state.dram[:12].view(np.int8).reshape(3, 4).T.astype(np.int64)
    x = state.dram[64:112].view(np.int8).reshape(6, 8)[:, :4].astype(np.int64)
    program = Program(TINY, instrs, [Tag("t", Phase.FORWARD)] * len(instrs), {})
    rtl, _ = _cosimulate(program, state)
    # As the plain GEMM above: a LOAD of 4 rows of 3 bytes takes n = max(12 / 4, 4) = 4
    # cycles after the latency, the STORE of 72 bytes n = 18, however the rows lie in DRAM.
    assert [(e.unit, e.start, e.end) for e in rtl.events] == [
        ("load", 0, 24),
        ("load", 4, 30),
        ("preload", 30, 34),
        ("matmul", 34, 46),
        ("store", 46, 84),
    ]
    stored = rtl.dram[4096 : 4096 + 3 * 28].view(np.int32).reshape(3, 7)[:, :6]
    assert np.array_equal(stored, (x @ w).T)


@pytest.mark.parametrize("dataflow", [Dataflow.WS, Dataflow.IS])
@pytest.mark.parametrize("seed", range(2))
def test_random_programs_with_transposed_blocks_match_the_machine(dataflow, seed):
    cfg = TINY.replace(dataflow=dataflow, dram_bytes_per_cycle=3 + seed)
    _cosimulate(*random_dma_program(cfg, seed, folds=4, high=seed == 1, transposed=True))


@pytest.mark.parametrize("seed", range(3))
def test_queues_contending_for_bank_ports_wait_as_in_the_machine(seed):
    cfg = TINY.replace(dataflow=Dataflow.IS if seed == 2 else Dataflow.WS)
    _, machine = _cosimulate(*random_dma_program(cfg, seed, folds=5, high=seed == 1, shared=True))
    assert machine.counters.stalls_by_cause[Cause.BANK_CONFLICT] > 0


@pytest.mark.parametrize("load_first", [True, False])
def test_same_cycle_starts_contending_for_a_port_go_in_program_order(load_first):
    # The PRELOAD's end frees both the execute queue and (by its token) the LOAD: a LOAD into
    # accumulator rows 0-1 and a MATMUL writing rows 8-10, one bank, both may start in cycle 4.
    pre = Preload(src=0, rows=4, cols=4, push_prev=True)
    load = Load(dram=0, dst=_acc(0), rows=2, cols=4, stride=16, transpose=False, pop_next=True)
    mm = Matmul(x=8, y=0, out=8, t=3, rows=4, cols=4, accumulate=False)
    instrs = (pre, load, mm, Halt()) if load_first else (pre, mm, load, Halt())
    state = ChipState(TINY)
    state.write(_sp(0), np.ones((16, TINY.row_elems), np.int8), "tiles")
    program = Program(TINY, instrs, [Tag("tie", Phase.FORWARD)] * len(instrs), {})
    rtl, _ = _cosimulate(program, state)
    spans = {e.unit: (e.start, e.end) for e in rtl.events}
    # LOAD: 2 rows of 16 bytes at 4 bytes per cycle, n = 8, latency 20: 28 cycles;
    # MATMUL: T+R+C-2 = 9 cycles
    if load_first:
        assert spans["load"] == (4, 32) and spans["matmul"] == (32, 41)
    else:
        assert spans["matmul"] == (4, 13) and spans["load"] == (13, 41)


@pytest.mark.parametrize(
    "changes",
    [
        {"dram_bytes_per_cycle": 1},
        {"dram_bytes_per_cycle": 3, "dram_latency": 1},
        {"dram_bytes_per_cycle": 16, "dram_latency": 5},
        {"queue_depth": 1},
        {"queue_depth": 2, "double_buffer_stationary": False},
        {"input_dtype": DType.BF16, "dram_bytes_per_cycle": 6},
        {"rows": 2, "cols": 4, "dram_bytes_per_cycle": 2},
    ],
    ids=lambda c: ",".join(f"{k}={getattr(v, 'value', v)}" for k, v in c.items()),
)
def test_bandwidth_latency_queue_depth_and_dtype_variants_match_the_machine(changes):
    cfg = TINY.replace(**changes)
    for seed in range(2):
        _cosimulate(*random_dma_program(cfg, seed, folds=4, high=seed == 1))


@pytest.mark.parametrize(
    "bad,name",
    [
        (
            Vec(  # a CVT whose immediate names no conversion (the functional model faults)
                op=VecOp.CVT,
                dst=_sp(0),
                src1=_sp(0),
                src2=_sp(0),
                rows=1,
                cols=1,
                bcast1=False,
                bcast2=False,
                imm=2.5,
            ),
            "vec",
        ),
        (Load(dram=0, dst=_sp(0), rows=2, cols=5, stride=4, transpose=True), "load"),
        (Store(dram=0, src=_acc(0), rows=1, cols=0, stride=0, transpose=False), "store"),
        # int8 scratchpad elements into accumulator words: a DMA does not convert
        (Move(src=_sp(0), dst=_acc(0), rows=1, cols=4, transpose=False), "move"),
        # 5 source rows transposed: 5 elements per destination row, rows hold 4
        (Move(src=_sp(0), dst=_sp(8), rows=5, cols=4, transpose=True), "move"),
    ],
)
def test_a_word_the_rtl_cannot_run_stops_it_with_its_index(bad, name):
    instrs = (Load(dram=0, dst=_sp(0), rows=1, cols=4, stride=4, transpose=False), bad)
    with pytest.raises(RtlError, match=rf"instruction 1 \({name}\)"):
        run_chip(TINY, instrs, np.zeros(TINY.dram_bytes, dtype=np.uint8))


def _diverges(program, state):
    try:
        _cosimulate(program, state)
    except AssertionError:
        return True
    return False


def test_mutations_of_the_load_store_path_are_caught(monkeypatch):
    high = random_dma_program(TINY, seed=0, folds=4, high=True)
    low = random_dma_program(TINY, seed=0, folds=4)
    assert not _diverges(*random_dma_program(TINY, seed=0, folds=4, high=True))

    with monkeypatch.context() as mp:  # DRAM addresses cut to 20 bits
        mp.setattr(wishbone, "ADDR_BITS", 20)
        assert _diverges(*high)
    high = random_dma_program(TINY, seed=0, folds=4, high=True)

    original = chip_top.ChipTop._tokens

    def ignore_load_tokens(self, m, ctrl, load, store):
        original(self, m, ctrl, load, store)
        m.d.comb += ctrl.tokens.avail_prev.eq(1)  # the execute queue never waits for a LOAD

    with monkeypatch.context() as mp:
        mp.setattr(chip_top.ChipTop, "_tokens", ignore_load_tokens)
        assert _diverges(*low)
    low = random_dma_program(TINY, seed=0, folds=4)

    def no_ports(config, space, write, lo, rows):
        return Const(0, banks.port_bits(config))  # no instruction reserves a bank port

    with monkeypatch.context() as mp:
        mp.setattr(banks, "ports", no_ports)
        assert _diverges(*random_dma_program(TINY, seed=0, folds=5, shared=True))

    def ignore_store_tokens(self, m, ctrl, load, store):
        original(self, m, ctrl, load, store)
        m.d.comb += store.token_avail.eq(1)  # a STORE never waits for its MATMUL

    with monkeypatch.context() as mp:
        mp.setattr(chip_top.ChipTop, "_tokens", ignore_store_tokens)
        assert _diverges(*low)


def test_the_rtl_fidelity_runs_programs_with_dma_and_names_a_dram_divergence(monkeypatch):
    program, state = random_dma_program(TINY, seed=5, folds=3)
    dram = state.dram.copy()
    monkeypatch.setattr(run_program, "available_simulator", lambda: run_program.AMARANTH)
    sim = run_program.cosimulate(program, state)
    assert sim.simulator == run_program.AMARANTH
    assert [e.unit for e in sim.rtl.events].count("store") == 3
    assert run_program.scratchpad_rows(program) == 0  # every row read was loaded first

    backend = Backend(program, "rtl")
    backend.state.dram[:] = dram
    result = backend.run({}, trace=True)
    assert result.cycles == sim.machine.cycles

    real_run_chip = run_program.run_chip

    def corrupt(*args, **kwargs):
        run = real_run_chip(*args, **kwargs)
        run.dram[IN_REGION + 3] ^= 1  # one bit of the first stored row
        return run

    monkeypatch.setattr(run_program, "run_chip", corrupt)
    state = ChipState(TINY)
    state.dram[:] = dram
    with pytest.raises(run_program.Divergence, match=rf"DRAM byte 0x{IN_REGION + 3:x}: the RTL"):
        run_program.cosimulate(program, state)


def test_systolic_run_with_the_rtl_runs_a_program_with_dma(tmp_path, monkeypatch):
    monkeypatch.setattr(run_program, "available_simulator", lambda: run_program.AMARANTH)
    gemm = _gemm_program(TINY)
    instrs = list(gemm.instrs)
    instrs[1] = dataclasses.replace(instrs[1], stride=4)  # X contiguous, as a tensor is
    tensors = {
        "w": TensorInfo("w", 0, (4, 4), DType.INT8, TensorKind.INPUT),
        "x": TensorInfo("x", 64, (6, 4), DType.INT8, TensorKind.INPUT),
        "y": TensorInfo("y", 4096, (6, 4), DType.INT32, TensorKind.OUTPUT),
    }
    program = Program(TINY, tuple(instrs), gemm.tags, tensors)
    path = tmp_path / "gemm.prog"
    program.save(path)
    runs = {}
    for fidelity in ("rtl", "fast"):
        out = tmp_path / fidelity
        argv = ["run", path, "--fidelity", fidelity, "--random-inputs", "--out", out]
        assert main([str(a) for a in [*argv, "--no-plots"]]) == 0
        runs[fidelity] = json.loads((out / "report.json").read_text()), out
    (rtl, rtl_dir), (fast, fast_dir) = runs["rtl"], runs["fast"]
    assert rtl["fidelity"] == "rtl (amaranth)"
    assert rtl["total"]["cycles"] == fast["total"]["cycles"] == 90
    y = np.load(next(rtl_dir.glob("y*.npy")))
    assert np.array_equal(y, np.load(next(fast_dir.glob("y*.npy"))))
    assert y.any()


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("verilator") is None or shutil.which("g++") is None,
    reason="needs verilator and g++ on PATH (.ci/run installs verilator)",
)
def test_verilator_model_of_the_chip_matches_amaranth_and_the_machine(tmp_path):
    # about 30 s to build the model once, then milliseconds per program
    for seed, shared in ((0, True), (1, False)):
        program, state = random_dma_program(TINY, seed, folds=5, high=seed == 1, shared=shared)
        dram = state.dram.copy()
        on_amaranth = run_chip(TINY, program.instrs, dram)
        on_verilator = run_chip_verilated(TINY, program.instrs, dram, tmp_path)
        assert on_verilator.events == on_amaranth.events
        assert on_verilator.cycles == on_amaranth.cycles
        assert np.array_equal(on_verilator.dram, on_amaranth.dram)
    # a long pipeline, thousands of cycles: Verilator against the machine, through the backend
    program, state = random_dma_program(TINY, seed=7, folds=60, shared=True)
    sim = run_program.cosimulate(program, state, run_program.VERILATOR, build_dir=tmp_path)
    assert sim.simulator == run_program.VERILATOR
    assert sim.machine.cycles > 2000
    assert [e.unit for e in sim.rtl.events].count("store") == 60
    # and one whose blocks come in through on-chip MOVEs about half of the time
    program, state = random_dma_program(TINY, seed=8, folds=60, shared=True, moves=True)
    sim = run_program.cosimulate(program, state, run_program.VERILATOR, build_dir=tmp_path)
    assert [e.unit for e in sim.rtl.events].count("move") > 60
