"""chip/footprint.py: hand-computed footprints of a few instructions of each kind, on the
`tiny` chip (4x4 int8 array, int32 accumulator, 1024 scratchpad rows per bank, 128 accumulator
rows per bank)."""

from __future__ import annotations

import numpy as np

from chip.config import Dataflow, load_preset
from chip.footprint import (
    ACC,
    ACTIONS,
    DRAM,
    SPAD,
    Access,
    Action,
    DramBlock,
    Footprints,
    Traffic,
    Unit,
    VecClass,
    action_counts,
    actions,
    dram_steps,
)
from chip.isa import (
    INSTRUCTIONS,
    Halt,
    Load,
    Loc,
    Matmul,
    Mem,
    Preload,
    Queue,
    Store,
    Vec,
    VecOp,
    acc,
    sp,
)

TINY = load_preset("tiny")


def vec(op: VecOp, dst: Loc, src1: Loc, src2: Loc, rows: int, cols: int, **kw) -> Vec:
    return Vec(
        op=op,
        dst=dst,
        src1=src1,
        src2=src2,
        rows=rows,
        cols=cols,
        bcast1=kw.pop("bcast1", False),
        bcast2=kw.pop("bcast2", False),
        imm=kw.pop("imm", 0.0),
        **kw,
    )


def test_load_reads_a_dram_block_and_writes_scratchpad_rows():
    ins = Load(dram=1000, dst=sp(8), rows=3, cols=4, stride=100, transpose=False, pop_next=True)
    fp = Footprints(TINY).of(ins)
    block = DramBlock(1000, 3, 4, 100, False, 1)
    # last element at 1000 + 2*100 + 3*1, one byte
    assert fp.accesses == (Access(DRAM, 1000, 1204, False, block), Access(SPAD, 8, 11, True))
    assert fp.nbytes == (12, 12)
    assert (fp.queue, fp.unit, fp.macs, fp.pe_slots, fp.vec_ops) == (Queue.LOAD, Unit.LOAD, 0, 0, 0)
    assert fp.pops == (1 * 3 + 0,) and fp.pushes == ()  # waits on execute -> load
    assert fp.bytes_moved() == {Traffic.DRAM_READ: 12, Traffic.SPAD_WRITE: 12}


def test_transposed_store_of_accumulator_rows_writes_four_byte_elements():
    ins = Store(dram=0, src=acc(2), rows=2, cols=3, stride=64, transpose=True, push_prev=True)
    fp = Footprints(TINY).of(ins)
    # element (r, e) at e*64 + r*4: last (1, 2) at 132, four bytes
    assert fp.accesses == (
        Access(ACC, 2, 4, False),
        Access(DRAM, 0, 136, True, DramBlock(0, 2, 3, 64, True, 4)),
    )
    assert fp.nbytes == (24, 24)
    assert (fp.queue, fp.unit) == (Queue.STORE, Unit.STORE)
    assert fp.pushes == (2 * 3 + 1,) and fp.pops == ()  # store -> execute


def test_preload_reads_its_tile():
    fp = Footprints(TINY).of(Preload(src=40, rows=4, cols=3))
    assert fp.accesses == (Access(SPAD, 40, 44, False),)
    assert fp.nbytes == (12,)
    assert (fp.queue, fp.unit, fp.macs) == (Queue.EXECUTE, Unit.ARRAY, 0)


def test_ws_matmul_streams_t_rows_and_writes_t_accumulator_rows():
    ins = Matmul(x=100, y=0, out=10, t=6, rows=3, cols=2, accumulate=True)
    fp = Footprints(TINY).of(ins)
    assert fp.accesses == (
        Access(SPAD, 100, 106, False),
        Access(ACC, 10, 16, False),  # accumulate reads what it adds to
        Access(ACC, 10, 16, True),
    )
    assert fp.nbytes == (6 * 3 * 1, 6 * 2 * 4, 6 * 2 * 4)
    assert fp.macs == 6 * 3 * 2
    assert fp.pe_slots == 6 * 4 * 4


def test_os_matmul_reads_both_streams_and_writes_rows_accumulator_rows():
    cfg = TINY.replace(dataflow=Dataflow.OS)
    ins = Matmul(x=0, y=50, out=7, t=5, rows=4, cols=3, accumulate=False)
    fp = Footprints(cfg).of(ins)
    assert fp.accesses == (
        Access(SPAD, 0, 5, False),
        Access(SPAD, 50, 55, False),
        Access(ACC, 7, 11, True),
    )
    assert fp.nbytes == (5 * 4, 5 * 3, 4 * 3 * 4)
    assert fp.macs == 5 * 4 * 3


def test_vector_reads_by_function_and_broadcast():
    fps = Footprints(TINY)
    add = fps.of(vec(VecOp.ADD, acc(0), Loc(Mem.ACCF, 20), sp(7), 5, 3, bcast2=True))
    assert add.accesses == (
        Access(ACC, 20, 25, False),  # the fp32 view is the accumulator's rows
        Access(SPAD, 7, 8, False),  # broadcast: one row
        Access(ACC, 0, 5, True),
    )
    assert add.nbytes == (5 * 3 * 4, 1 * 3 * 1, 5 * 3 * 4)
    assert (add.unit, add.vec_class, add.vec_ops) == (Unit.VECTOR, VecClass.ALU, 15)

    # SET reads nothing; CSUM writes one row; EXP is a special function
    assert fps.of(vec(VecOp.SET, sp(3), sp(0), sp(0), 2, 4)).accesses == (Access(SPAD, 3, 5, True),)
    csum = fps.of(vec(VecOp.CSUM, acc(9), acc(0), acc(0), 6, 2))
    assert csum.accesses == (Access(ACC, 0, 6, False), Access(ACC, 9, 10, True))
    assert csum.vec_class is VecClass.REDUCE and csum.vec_ops == 12
    assert fps.of(vec(VecOp.EXP, sp(0), sp(0), sp(0), 1, 1)).vec_class is VecClass.SPECIAL
    assert fps.of(vec(VecOp.MULI, sp(0), sp(0), sp(0), 1, 1)).vec_class is VecClass.MUL


def test_halt_touches_nothing_and_runs_nowhere():
    fp = Footprints(TINY).of(Halt())
    assert (fp.queue, fp.unit, fp.accesses, actions(fp)) == (None, None, (), {})


def test_every_instruction_of_the_isa_has_a_footprint():
    fps = Footprints(TINY)
    missing = [c.__name__ for c in INSTRUCTIONS if not fps.covers(c)]
    assert not missing, f"instructions without a footprint in chip/footprint.py: {missing}"


def test_banks_of_rows():
    # scratchpad: 4096 rows in 4 banks of 1024; accumulator: 256 rows in 2 banks of 128
    banks = Footprints(TINY).banks
    assert banks(Access(SPAD, 1000, 1030, False)) == range(0, 2)
    assert banks(Access(ACC, 127, 128, True)) == range(0, 1)
    assert banks(Access(ACC, 250, 300, True)) == range(1, 2)  # clipped to the memory
    assert banks(Access(SPAD, 2048, 2048, True)) == range(2, 3)  # empty: the first row's bank


def test_actions_count_what_an_energy_model_prices():
    fps = Footprints(TINY)
    mm = fps.of(Matmul(x=0, y=0, out=0, t=2, rows=4, cols=4, accumulate=False, push_next=True))
    assert actions(mm) == {
        Action.ISSUE: 1,
        Action.MAC: 32,
        Action.PE_SLOT: 32,
        Action.SPAD_READ_BYTE: 8,
        Action.ACC_WRITE_BYTE: 32,
        Action.TOKEN_PUSH: 1,
    }
    ld = fps.of(Load(dram=0, dst=sp(0), rows=1, cols=4, stride=4, transpose=False, pop_next=True))
    assert actions(ld) == {
        Action.ISSUE: 1,
        Action.DRAM_READ_BYTE: 4,
        Action.SPAD_WRITE_BYTE: 4,
        Action.TOKEN_POP: 1,
    }
    relu = fps.of(vec(VecOp.RELU, acc(0), acc(0), acc(0), 2, 4))
    assert actions(relu)[Action.VEC_ALU] == 8
    # many footprints at once: each row the counts of its own footprint, in `ACTIONS` order
    halt = fps.of(Halt())
    table = action_counts([mm, halt, ld, relu, ld])
    want = [[one.get(a, 0) for a in ACTIONS] for one in map(actions, (mm, halt, ld, relu, ld))]
    assert table.tolist() == want and not table[1].any()
    assert table[0, ACTIONS.index(Action.ACC_WRITE_BYTE)] == 32


def test_dram_block_geometry_against_brute_force():
    # every element's byte address, enumerated from the ISA's description of a DMA block
    rng = np.random.default_rng(1)
    for _ in range(300):
        rows, cols = int(rng.integers(1, 5)), int(rng.integers(1, 5))
        stride, size = int(rng.choice([0, 1, 2, 3, 4, 8, 12, 16])), int(rng.choice([1, 2, 4]))
        transpose = bool(rng.integers(2))
        addr = int(rng.integers(0, 9)) * size + int(rng.integers(0, 2))
        block = DramBlock(addr, rows, cols, stride, transpose, size)
        where = [
            [
                addr + (e * stride + r * size if transpose else r * stride + e * size)
                for e in range(cols)
            ]
            for r in range(rows)
        ]
        assert block.addresses().tolist() == where
        assert block.element_starts().tolist() == sorted(sum(where, []))
        assert block.span == (addr, max(max(sum(where, [])) + size, addr))
        assert block.aligned == (addr % size == 0 and stride % size == 0)
        bytes_of = [b for a in sum(where, []) for b in range(a, a + size)]
        assert block.disjoint() == (len(set(bytes_of)) == len(bytes_of)), block
        # the elementwise form the machine's tables use
        steps = dram_steps(np.array([stride]), np.array([int(transpose)]), np.array([size]))
        assert (int(steps[0][0]), int(steps[1][0])) == block.steps
