"""MOVE on the RTL: the load DMA engine's on-chip copy (chip/hdl/move.py) against
docs/timing.md's closed form, NumPy and the `pe` machine, cycle for cycle: every mode by hand,
random pipelines that bring their blocks in through MOVEs, mutations of the copy, and a compiled
training step whose MOVEs the compiler emits (under Verilator)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from amaranth import Const

from chip.config import Dataflow, load_preset
from chip.counters import Cause
from chip.dtypes import DType
from chip.hdl import banks, dma, move
from chip.hdl.chip_cosim import run_chip
from chip.hdl.cosim import RtlError
from chip.isa import Halt, Load, Loc, Matmul, Mem, Move, Preload, Store, Vec, VecOp
from chip.machine import run_machine
from chip.machine.plan import move_cycles
from chip.program import Phase, Program, Tag
from chip.state import ChipState
from runtime.cli import main
from tests.hdl.dma_programs import random_dma_program
from tests.hdl.rtl_runs import assert_rtl_run_equals_pe
from tests.hdl.test_dma import _cosimulate

TINY = load_preset("tiny")  # 4-element rows, int8; 4 bytes per cycle, latency 20


def _sp(row):
    return Loc(Mem.SPAD, row)


def _acc(row):
    return Loc(Mem.ACC, row)


# Every mode: scratchpad and accumulator (and its fp32 view), plain and transposed, partial
# columns, and copies over their own source, upwards (the block's last row first) and downwards.
MOVES = (
    Move(src=_sp(0), dst=_sp(16), rows=5, cols=3, transpose=False),
    Move(src=_sp(0), dst=_sp(24), rows=4, cols=3, transpose=True),
    Move(src=_sp(1), dst=_sp(2), rows=6, cols=4, transpose=False),
    Move(src=_sp(24), dst=_sp(25), rows=3, cols=4, transpose=True),
    Move(src=_acc(0), dst=_acc(16), rows=6, cols=2, transpose=False),
    Move(src=_acc(0), dst=Loc(Mem.ACCF, 32), rows=4, cols=3, transpose=True),
    Move(src=Loc(Mem.ACCF, 32), dst=_acc(40), rows=3, cols=4, transpose=True),
    Move(src=_acc(1), dst=_acc(0), rows=5, cols=4, transpose=False, push_next=True),
)
# (first row, rows, cols, DRAM address) of each block stored after the moves
STORED = (
    (_sp(0), 8, 4, 4096),
    (_sp(16), 5, 3, 4160),
    (_sp(24), 5, 3, 4192),
    (_acc(0), 6, 4, 4224),
    (_acc(16), 6, 2, 4352),
    (_acc(32), 3, 4, 4416),
    (_acc(40), 4, 3, 4480),
)


def _every_mode(cfg):
    """A (8 x 4 input elements) and B (6 x 4 accumulator words) from DRAM, `MOVES`, a VEC that
    relays the last move's token to the store queue, then `STORED`."""
    size = cfg.input_dtype.nbytes
    relay = Vec(op=VecOp.SET, dst=_sp(200), src1=_sp(200), src2=_sp(200), rows=1, cols=1,
                bcast1=False, bcast2=False, imm=0.0, pop_prev=True, push_next=True)  # fmt: skip
    stores = [
        Store(
            dram=addr,
            src=loc,
            rows=rows,
            cols=cols,
            transpose=False,
            pop_prev=k == 0,
            stride=cols * (size if loc.mem is Mem.SPAD else 4),
        )  # fmt: skip
        for k, (loc, rows, cols, addr) in enumerate(STORED)
    ]
    instrs = (
        Load(dram=0, dst=_sp(0), rows=8, cols=4, stride=4 * size, transpose=False),
        Load(dram=256, dst=_acc(0), rows=6, cols=4, stride=16, transpose=False),
        *MOVES,
        relay,
        *stores,
        Halt(),
    )
    return Program(cfg, instrs, [Tag("move", Phase.FORWARD)] * len(instrs), {})


def _every_mode_state(cfg, seed):
    rng = np.random.default_rng(seed)
    state = ChipState(cfg)
    a = rng.integers(0, 1 << 16, (8, 4)).astype(np.uint16)  # raw bits: any int8 or bf16
    a = a.astype(cfg.input_dtype.storage) if cfg.input_dtype is DType.INT8 else a
    b = rng.integers(-(1 << 31), 1 << 31, (6, 4)).astype(np.int32)
    state.dram[: a.nbytes] = a.view(np.uint8).ravel()
    state.dram[256 : 256 + b.nbytes] = b.view(np.uint8).ravel()
    return state, a, b


@pytest.mark.parametrize("dtype", [DType.INT8, DType.BF16])
def test_every_move_mode_runs_in_the_cycles_of_the_timing_rules(dtype):
    cfg = TINY.replace(input_dtype=dtype)
    state, a, b = _every_mode_state(cfg, seed=4)
    rtl, _ = _cosimulate(_every_mode(cfg), state)
    # LOAD A: 32 (int8) or 64 bytes at 4 per cycle, n_a = 8 or 16 request cycles, after the
    # latency of 20: ends at 28 or 36; LOAD B: 96 bytes, n = 24, starts at n_a and ends at
    # 20 + n_a + 24. The moves run back to back from the end of B's requests (the first reads
    # and writes no row B writes, and waits for A): no bus, no latency, rows cycles (rows +
    # cols transposed), each from the end of the one before; the first accumulator move
    # (MOVES[4]) starts after B has ended.
    n_a = 8 * 4 * cfg.input_dtype.nbytes // 4
    t = n_a + 24
    spans = []
    for ins in MOVES:
        spans.append(("move", t, t + move_cycles(ins)))
        t += move_cycles(ins)
    assert [(e.unit, e.start, e.end) for e in rtl.events][2:10] == spans
    assert spans[-1][2] == n_a + 24 + 5 + 7 + 6 + 7 + 6 + 7 + 7 + 5
    assert spans[4][1] >= 20 + n_a + 24

    def stored(k, dtype):
        loc, rows, cols, addr = STORED[k]
        n = rows * cols * np.dtype(dtype).itemsize
        return rtl.dram[addr : addr + n].view(dtype).reshape(rows, cols)

    spad = a.dtype
    assert np.array_equal(stored(0, spad), a[[0, 1, 1, 2, 3, 4, 5, 6]])  # upwards over itself
    assert np.array_equal(stored(1, spad), a[:5, :3])  # partial columns
    # transposed, then transposed again one row down over itself: row 24 keeps column 0
    assert np.array_equal(stored(2, spad), np.vstack([a[:3, 0], a[:4, :3]]))
    assert np.array_equal(stored(3, np.int32), np.vstack([b[1:], b[5:]]))  # downwards
    assert np.array_equal(stored(4, np.int32), b[:, :2])
    assert np.array_equal(stored(5, np.int32), b[:4, :3].T)  # into the fp32 view: the bits
    assert np.array_equal(stored(6, np.int32), b[:4, :3])  # and back


@pytest.mark.parametrize(
    ("dataflow", "seed", "changes"),
    [
        (Dataflow.WS, 0, {}),
        (Dataflow.IS, 7, {"high": True, "shared": True}),
        (Dataflow.WS, 2, {"transposed": True, "dtype": DType.BF16}),
    ],
)
def test_random_pipelines_with_moves_match_the_machine(dataflow, seed, changes):
    changes = dict(changes)
    cfg = TINY.replace(dataflow=dataflow, input_dtype=changes.pop("dtype", DType.INT8))
    program, state = random_dma_program(cfg, seed, folds=4, moves=True, **changes)
    moves = [ins for ins in program.instrs if isinstance(ins, Move)]
    assert len(moves) >= 5 and any(m.transpose for m in moves)
    rtl, _ = _cosimulate(program, state)
    assert [e.unit for e in rtl.events].count("move") == len(moves)


def _overlap_program():
    """A LOAD into scratchpad rows 0-3, a MOVE of rows 8-11 (none of the LOAD's) into bank 1
    (rows 1,024-2,047: not the LOAD's) that pushes a token to a VEC, a transposed MOVE of the
    LOAD's rows relayed through a second VEC to the STORE of its block. The VECs use a
    scratchpad bank (2) no MOVE does."""

    def relay(push):
        return Vec(op=VecOp.SET, dst=_sp(2048), src1=_sp(2048), src2=_sp(2048), rows=1, cols=1,
                   bcast1=False, bcast2=False, imm=0.0, pop_prev=True, push_next=push)  # fmt: skip

    instrs = (
        Load(dram=0, dst=_sp(0), rows=4, cols=4, stride=4, transpose=False),
        Move(src=_sp(8), dst=_sp(1040), rows=4, cols=4, transpose=False, push_next=True),
        relay(False),
        Move(src=_sp(0), dst=_sp(24), rows=4, cols=4, transpose=True, push_next=True),
        relay(True),
        Store(dram=4096, src=_sp(24), rows=4, cols=4, stride=4, transpose=False, pop_prev=True),
        Halt(),
    )
    state = ChipState(TINY)
    state.dram[:16] = np.arange(16, dtype=np.uint8)
    state.write(_sp(8), np.arange(16, dtype=np.int8).reshape(4, 4), "tiles")
    return Program(TINY, instrs, [Tag("overlap", Phase.FORWARD)] * len(instrs), {}), state


def test_a_move_waits_only_for_the_loads_of_its_rows_or_banks_and_retires_after_them():
    rtl, _ = _cosimulate(*_overlap_program())
    spans = {}
    for e in rtl.events:
        spans.setdefault(e.unit, []).append((e.start, e.end))
    # The LOAD's 16 bytes: requests in cycles 0-3, data after the latency of 20: ends at 24.
    # The first MOVE starts when the engine is free (4), while the LOAD is in flight, and ends
    # at 8, but its token waits for the LOAD's end (24), and so does the VEC popping it; the
    # second MOVE reads the LOAD's rows, so it waits for the LOAD to end.
    assert spans["load"] == [(0, 24)]
    assert spans["move"] == [(4, 8), (24, 32)]
    assert spans["vector"][0][0] == 24
    stored = rtl.dram[4096:4112].reshape(4, 4)
    assert np.array_equal(stored, np.arange(16, dtype=np.uint8).reshape(4, 4).T)


def _load_then_move(load_dst, rows):
    """A 4-row LOAD into ``load_dst`` (of the scratchpad: its requests out at 4, its rows
    written in cycles 20-23), then a MOVE of ``rows`` scratchpad rows from 8 to 128 (bank 0 of
    1,024-row banks), with the rows it reads written."""
    size = 1 if load_dst.mem is Mem.SPAD else 4
    instrs = (
        Load(dram=0, dst=load_dst, rows=4, cols=4, stride=4 * size, transpose=False),
        Move(src=_sp(8), dst=_sp(128), rows=rows, cols=4, transpose=False),
        Halt(),
    )
    state = ChipState(TINY)
    state.write(_sp(8), np.arange(4 * rows).reshape(rows, 4).astype(np.int8), "tiles")
    return Program(TINY, instrs, [Tag("bank", Phase.FORWARD)] * len(instrs), {}), state


@pytest.mark.parametrize("rows", [10, 30])
def test_a_move_waits_for_a_load_of_other_rows_of_a_bank_it_writes(rows):
    # Rows 0-3 and 128.. share scratchpad bank 0's one write port: the MOVE starts once the
    # LOAD has written its last row, on the RTL as on the machine.
    rtl, _ = _cosimulate(*_load_then_move(_sp(0), rows))
    assert {e.unit: (e.start, e.end) for e in rtl.events} == {
        "load": (0, 24),
        "move": (24, 24 + rows),
    }


@pytest.mark.parametrize(
    ("load_dst", "free"), [(_sp(2048), 4), (_acc(0), 16)], ids=["bank2", "accumulator"]
)
def test_a_move_does_not_wait_for_a_load_of_another_bank(load_dst, free):
    # It starts once the engine has sent the LOAD's requests (64 accumulator bytes take 16
    # cycles at 4 a cycle), while the LOAD is in flight.
    program, state = _load_then_move(load_dst, 10)
    rtl, _ = _cosimulate(program, state)
    spans = {e.unit: (e.start, e.end) for e in rtl.events}
    assert spans["move"] == (free, free + move_cycles(program.instrs[1]))
    assert spans["load"][1] > spans["move"][1]


def test_a_move_and_a_load_write_two_banks_of_one_memory_in_one_cycle():
    # After the LOAD of its source, the MOVE (accumulator bank 0, 30 rows) runs while the
    # acknowledges of a LOAD into bank 1 arrive: each writes through its own write port, in
    # the same cycles, as on the machine.
    instrs = (
        Load(dram=0, dst=_acc(8), rows=30, cols=4, stride=16, transpose=False),
        Load(dram=1024, dst=_acc(128), rows=4, cols=4, stride=16, transpose=False),
        Move(src=_acc(8), dst=_acc(64), rows=30, cols=4, transpose=False),
        Halt(),
    )
    program = Program(TINY, instrs, [Tag("bank", Phase.FORWARD)] * len(instrs), {})
    state = ChipState(TINY)
    words = np.random.default_rng(7).integers(-(2**31), 2**31, 34 * 4, dtype=np.int64)
    state.dram[:480] = words[:120].astype(np.int32).view(np.uint8)
    state.dram[1024:1088] = words[120:].astype(np.int32).view(np.uint8)
    rtl = run_chip(TINY, instrs, state.dram.copy(), acc_rows=TINY.acc_rows)
    machine = run_machine(program, fidelity="pe", state=state)
    spans = {e.index: (e.start, e.end) for e in rtl.events}
    assert spans == {e.index: (e.start, e.end) for e in machine.events}
    assert spans[2][0] < spans[1][1] - 4 and spans[1][1] < spans[2][1]
    assert np.array_equal(rtl.acc, state.acc)
    assert np.array_equal(state.acc[64:94], state.acc[8:38]) and state.acc[128:132].any()


def test_a_move_and_a_load_writing_one_bank_in_one_cycle_stop_the_rtl(monkeypatch):
    # ``clash`` guards the bank rule: a MOVE that reserves no write port starts at 4 beside a
    # LOAD into other rows of its bank 0 and meets the LOAD's rows (cycles 20-23) there.
    ports = dma.move_ports
    reads = (1 << banks.half_bits(TINY)) - 1
    monkeypatch.setattr(dma, "move_ports", lambda config, word: ports(config, word) & reads)
    dram = np.zeros(TINY.dram_bytes, dtype=np.uint8)
    with pytest.raises(RtlError, match="the RTL stopped in cycle 2[01], after taking every"):
        run_chip(TINY, _load_then_move(_sp(0), 30)[0].instrs, dram)


def _ports_program():
    """PRELOAD, MOVE, MATMUL, all wanting scratchpad bank 0 (the MOVE its read and write
    ports) as soon as they may start."""
    instrs = (
        Preload(src=0, rows=4, cols=4),
        Move(src=_sp(8), dst=_sp(16), rows=4, cols=4, transpose=False),
        Matmul(x=8, y=0, out=0, t=4, rows=4, cols=4, accumulate=False),
        Halt(),
    )
    state = ChipState(TINY)
    state.write(_sp(0), np.arange(48, dtype=np.int8).reshape(12, 4), "tiles")
    return Program(TINY, instrs, [Tag("ports", Phase.FORWARD)] * len(instrs), {}), state


def test_a_move_and_the_array_wait_for_each_others_bank_ports():
    program, state = _ports_program()
    rtl, machine = _cosimulate(program, state)
    # The MOVE waits for the PRELOAD's read port (cycles 0-3), the MATMUL, later in program
    # order, for the MOVE's (4-7); T+R+C-2 = 10 cycles.
    assert [(e.unit, e.start, e.end) for e in rtl.events] == [
        ("preload", 0, 4),
        ("move", 4, 8),
        ("matmul", 8, 18),
    ]
    assert machine.counters.stalls_by_cause[Cause.BANK_CONFLICT] > 0


def _diverges(program, state):
    try:
        _cosimulate(program, state)
    except AssertionError:
        return True
    return False


def test_mutations_of_the_move_are_caught(monkeypatch):
    with monkeypatch.context() as mp:  # a plain copy always runs from its first row
        mp.setattr(move, "copies_upwards", lambda src, dst: Const(0))
        assert _diverges(_every_mode(TINY), _every_mode_state(TINY, seed=4)[0])
    with monkeypatch.context() as mp:  # a MOVE reserves no bank port
        mp.setattr(dma, "move_ports", lambda config, word: Const(0, banks.port_bits(config)))
        assert _diverges(*_ports_program())


@pytest.mark.slow  # a bf16 chip's Verilator model (minutes to build) and about 3,000 instructions
@pytest.mark.skipif(
    shutil.which("verilator") is None or shutil.which("g++") is None,
    reason="needs verilator and g++ on PATH (.ci/run installs verilator)",
)
def test_a_compiled_training_step_with_moves_runs_on_the_rtl(
    tmp_path, monkeypatch, rtl_model_cache
):
    """`systolic compile mlp --chip tiny --dtype bf16 --train`: the backward pass reads values
    the residency plan keeps on chip transposed, through MOVEs; `systolic run --fidelity rtl`
    compares every instruction's cycles, the accumulator and DRAM with the `pe` machine."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(rtl_model_cache))
    path = tmp_path / "step.prog"
    argv = ["compile", "mlp", "--chip", "tiny", "--dtype", "bf16", "--train", "-o", str(path)]
    assert main(argv) == 0
    moves = [ins for ins in Program.load(path).instrs if isinstance(ins, Move)]
    assert len(moves) > 100 and all(m.transpose for m in moves)
    assert_rtl_run_equals_pe(path, tmp_path)
