"""The on-chip copy MOVE, transposed or not: values against NumPy for every pair of memories
of one element size, on the functional model and both machine fidelities; its footprint and
timing on the load engine."""

import numpy as np
import pytest

from chip.config import ChipConfig
from chip.dtypes import DType, to_storage
from chip.errors import ProgramError
from chip.footprint import footprints_of
from chip.functional import run_functional
from chip.isa import Halt, Load, Loc, Mem, Move, Store, Vec, VecOp, mem_dtype
from chip.machine import Unit, run_machine
from chip.machine.plan import Planner, move_cycles
from chip.machine.schedule import schedule_of
from chip.program import Phase, Program, Tag, TensorInfo, TensorKind
from tests.machine.test_random import check_agree

OUT_ROW = 16  # first destination row


def chip(dtype: str) -> ChipConfig:
    return ChipConfig.from_toml("tiny").replace(
        rows=8, cols=8, input_dtype=DType(dtype), spad_kib=4, acc_kib=4
    )


def move_program(cfg: ChipConfig, src: Mem, dst: Mem, values: np.ndarray, transpose: bool):
    """Load ``values`` into ``src`` rows, MOVE them (load queue) to ``dst`` rows, transposed
    or not, store those as Y; the execute queue relays the move's token to the store."""
    rows, cols = values.shape
    out_rows, out_cols = (cols, rows) if transpose else (rows, cols)
    sd, dd = mem_dtype(cfg, src), mem_dtype(cfg, dst)
    out_addr = 4096
    tensors = {
        "X": TensorInfo("X", 0, (rows, cols), sd, TensorKind.INPUT),
        "Y": TensorInfo("Y", out_addr, (out_rows, out_cols), dd, TensorKind.OUTPUT),
    }
    relay = Vec(
        op=VecOp.SET,
        dst=Loc(dst, 100),
        src1=Loc(dst, 0),
        src2=Loc(dst, 0),
        rows=1,
        cols=1,
        bcast1=False,
        bcast2=False,
        imm=0.0,
    )
    instrs = (
        Load(dram=0, dst=Loc(src, 0), rows=rows, cols=cols, stride=cols * sd.nbytes,
             transpose=False),
        Move(src=Loc(src, 0), dst=Loc(dst, OUT_ROW), rows=rows, cols=cols, transpose=transpose,
             push_next=True),
        relay.with_deps(pop_prev=True, push_next=True),
        Store(dram=out_addr, src=Loc(dst, OUT_ROW), rows=out_rows, cols=out_cols,
              stride=out_cols * dd.nbytes, transpose=False, pop_prev=True),
        Halt(),
    )  # fmt: skip
    tags = (Tag("move", Phase.FORWARD),) * len(instrs)
    return Program(cfg, instrs, tags, tensors, {"X": to_storage(values, sd)})


SAME_SIZE = [
    ("int8", Mem.SPAD, Mem.SPAD),
    ("int8", Mem.ACC, Mem.ACC),
    ("int8", Mem.ACCF, Mem.ACC),
    ("bf16", Mem.SPAD, Mem.SPAD),
    ("bf16", Mem.ACC, Mem.ACCF),
    ("fp32", Mem.SPAD, Mem.ACC),
    ("fp32", Mem.ACC, Mem.SPAD),
    ("fp32", Mem.ACCF, Mem.SPAD),
]


@pytest.mark.parametrize("transpose", [True, False])
@pytest.mark.parametrize(("dtype", "src", "dst"), SAME_SIZE)
def test_move_is_the_numpy_block_or_its_transpose_between_same_size_memories(
    dtype, src, dst, transpose
):
    cfg = chip(dtype)
    values = np.random.default_rng(7).integers(-100, 100, (5, 7)).astype(np.float32)
    prog = move_program(cfg, src, dst, values, transpose)
    check_agree(prog)
    y = run_functional(prog).state.read_tensor(prog.tensors["Y"])
    sd, dd = mem_dtype(cfg, src), mem_dtype(cfg, dst)
    want = values.T if transpose else values
    if sd is dd:
        np.testing.assert_array_equal(y, want)
    else:  # an int32 word read as fp32 (or back): the same bits
        bits = to_storage(want, sd).view(dd.storage)
        np.testing.assert_array_equal(to_storage(y, dd).view(np.uint32), bits.view(np.uint32))


def test_move_between_memories_of_different_element_sizes_faults():
    cfg = chip("bf16")
    prog = move_program(cfg, Mem.SPAD, Mem.ACC, np.ones((4, 4), np.float32), True)
    for run in (run_functional, lambda p: run_machine(p, "fast")):
        with pytest.raises(ProgramError, match="a DMA does not convert, and their sizes differ"):
            run(prog)


def test_move_runs_on_the_load_engine_for_its_rows_and_corner_turn():
    cfg = ChipConfig.from_toml("edge")
    ins = Move(src=Loc(Mem.SPAD, 0), dst=Loc(Mem.SPAD, 64), rows=12, cols=5, transpose=True)
    fp = footprints_of(cfg).of(ins)
    assert fp.unit is Unit.LOAD and fp.queue.value == "load"
    (read, write) = fp.accesses
    assert (read.lo, read.hi, write.lo, write.hi) == (0, 12, 64, 69)
    assert Planner(cfg).plan(ins).length == 12 + 5
    assert Planner(cfg).plan(Move(**{**ins.__dict__, "transpose": False})).length == 12
    prog = move_program(chip("bf16"), Mem.SPAD, Mem.SPAD, np.ones((8, 8), np.float32), True)
    res = run_machine(prog, "fast")
    load_busy = res.counters.busy[Unit.LOAD]
    assert load_busy >= 8 + 8  # the move's corner turn, beside the load's transfer
    assert res.counters.dram_bytes == 2 * 8 * 8 * 2  # the move crosses no bus


def test_a_move_waits_for_the_loads_writing_its_rows_and_retires_in_order():
    # It may read what an earlier load writes (hazards inside a queue are the machine's to
    # order), so it waits for that load; loads of other banks still in flight do not hold it.
    # The emitter reads a load-queue token as "every earlier load is done", so its token is
    # pushed once they have ended too.
    cfg = chip("bf16")  # dram_latency 20; 64 rows per scratchpad bank
    prog = move_program(cfg, Mem.SPAD, Mem.SPAD, np.ones((4, 4), np.float32), True)
    load, move, relay, *rest = prog.instrs
    others = [Load(**{**load.__dict__, "dst": Loc(Mem.SPAD, 64 + 8 * k)}) for k in range(2)]
    instrs = (load, *others, move, relay, *rest)
    prog = Program(cfg, instrs, (prog.tags[0],) * len(instrs), prog.tensors, prog.init)
    sched = schedule_of(prog)
    m = 1 + len(others)
    assert sched.start[m] == sched.end[0] and sched.end[0] > cfg.dram_latency
    assert sched.end[m] - sched.start[m] == move_cycles(move)
    assert sched.end[m] < sched.end[m - 1]  # its work is done before the last load's
    assert sched.start[m + 1] == sched.end[m - 1]  # its token, once that load ended
    check_agree(prog)


@pytest.mark.parametrize(("mem", "row", "waits"), [(Mem.SPAD, 40, True), (Mem.ACC, 16, False)])
def test_a_move_waits_for_a_load_writing_other_rows_of_a_bank_it_writes(mem, row, waits):
    # A bank has one write port: a load in flight into rows 40.. of the scratchpad bank the
    # move writes (rows 16..19; it reads rows 0..3) holds it until the load's last row is
    # written; the same load into the accumulator writes through another memory's port.
    cfg = chip("bf16")
    assert cfg.spad_rows // cfg.spad_banks > 40 + 4
    prog = move_program(cfg, Mem.SPAD, Mem.SPAD, np.ones((4, 4), np.float32), True)
    load, move, relay, *rest = prog.instrs
    other = Load(**{**load.__dict__, "dst": Loc(mem, row)})
    instrs = (load, other, move, relay, *rest)
    prog = Program(cfg, instrs, (prog.tags[0],) * len(instrs), prog.tensors, prog.init)
    sched = schedule_of(prog)
    assert sched.end[0] < sched.end[1]
    assert sched.start[2] == (sched.end[1] if waits else sched.end[0])
    check_agree(prog)


def test_a_move_of_rows_no_load_writes_starts_when_the_engine_is_free():
    cfg = chip("bf16")
    prog = move_program(cfg, Mem.SPAD, Mem.SPAD, np.ones((4, 4), np.float32), True)
    load, move, *rest = prog.instrs
    fill = Vec(op=VecOp.SET, dst=Loc(Mem.SPAD, 60), src1=Loc(Mem.SPAD, 60),
               src2=Loc(Mem.SPAD, 60), rows=4, cols=4, bcast1=False, bcast2=False,
               imm=1.0, push_prev=True)  # fmt: skip
    other = Move(**{**move.__dict__, "src": Loc(Mem.SPAD, 60), "dst": Loc(Mem.SPAD, 70),
                    "push_next": False, "pop_next": True})  # fmt: skip
    instrs = (fill, load, other, move, *rest)
    prog = Program(cfg, instrs, (prog.tags[0],) * len(instrs), prog.tensors, prog.init)
    sched = schedule_of(prog)
    sent = sched.start[1] + Planner(cfg).plan(load).length  # the load's requests are out
    assert sched.start[2] == max(sched.end[0], sent) < sched.end[1]
    check_agree(prog)


def test_a_transposed_move_of_more_rows_than_a_row_holds_faults():
    cfg = chip("int8")
    values = np.zeros((9, 3), np.float32)  # 9 destination elements per row: rows hold 8
    prog = move_program(cfg, Mem.SPAD, Mem.SPAD, values, True)
    for run in (run_functional, lambda p: run_machine(p, "fast")):
        with pytest.raises(ProgramError, match="9 elements per row exceed the 8-element rows"):
            run(prog)
