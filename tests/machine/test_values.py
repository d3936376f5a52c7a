"""The per-program value plan: direct steps only where no check can fail, on any state."""

import dataclasses

import numpy as np
import pytest

from bench.programs import tiled_gemm
from chip.dtypes import DType
from chip.errors import ProgramError
from chip.functional import run_functional
from chip.isa import Load, Loc, Matmul, Mem, Preload, Store, Vec, VecOp, acc, sp
from chip.machine import run_machine
from chip.machine.replay import encode
from chip.machine.schedule import schedule_of
from chip.machine.values import (
    CHECKED,
    LOAD_D,
    MATMUL_D,
    PRELOAD_D,
    STORE_D,
    VEC_D,
    _Builder,
    value_plan_of,
)
from chip.state import ChipState
from tests.machine.helpers import chip4, filled_state, program


def kinds(prog, max_cycles=None) -> list[int]:
    return [s.kind for s in value_plan_of(prog, schedule_of(prog, max_cycles), max_cycles).steps]


def test_a_tiled_gemm_runs_on_direct_steps_after_its_first_loads():
    cfg = chip4("ws")
    rng = np.random.default_rng(0)
    a = rng.integers(-128, 128, (9, 7), dtype=np.int8)
    b = rng.integers(-128, 128, (7, 6), dtype=np.int8)
    prog = tiled_gemm(cfg, a, b, block_rows=4)
    got = kinds(prog)
    # every instruction of this program is valid and reads only what it wrote itself
    assert CHECKED not in got and len(got) == len(prog.instrs) - 1  # halt has no step
    assert {LOAD_D, STORE_D, PRELOAD_D, MATMUL_D} <= set(got)
    for fidelity in ("fast", "pe", "fast"):
        res = run_machine(prog, fidelity)
        assert np.array_equal(
            res.state.read_tensor(prog.tensor("C")), a.astype(np.int64) @ b.astype(np.int64)
        )


def test_data_the_caller_placed_is_read_through_the_checks():
    cfg = chip4("ws")
    prog = program(
        cfg,
        [
            Preload(src=0, rows=4, cols=4),
            Matmul(x=4, y=0, out=0, t=4, rows=4, cols=4, accumulate=True, push_next=True),
            Store(dram=0, src=acc(0), rows=4, cols=4, stride=16, transpose=False, pop_prev=True),
        ],
    )
    # the program writes none of what it reads: only the store (of rows the matmul wrote) and
    # the matmul's write itself could be direct, and the matmul accumulates onto caller data
    assert kinds(prog) == [CHECKED, CHECKED, STORE_D]
    for _ in range(2):  # the plan is cached; each run checks the state it is given
        want = run_functional(prog, filled_state(cfg)).state
        got = run_machine(prog, "fast", filled_state(cfg)).state
        assert np.array_equal(got.acc, want.acc) and np.array_equal(got.dram[:64], want.dram[:64])
        with pytest.raises(ProgramError) as e:
            run_machine(prog, "fast", ChipState(cfg))
        assert (e.value.index, e.value.cycle) == (0, 0)
        assert (
            e.value.reason == "preload source: reads scratchpad row 0 element 0, which was "
            "never written"
        )
        partial = filled_state(cfg, acc_rows=2)  # the accumulate reads rows never written
        with pytest.raises(ProgramError, match="matmul accumulate: reads accumulator row 2"):
            run_machine(prog, "fast", partial)


def test_reads_of_partly_written_rows_stay_checked():
    cfg = chip4("ws")
    narrow = Load(dram=0, dst=sp(0), rows=4, cols=2, stride=4, transpose=False, push_next=True)
    prog = program(cfg, [narrow, Preload(src=0, rows=4, cols=4, pop_prev=True)])
    assert kinds(prog)[:2] == [LOAD_D, CHECKED]
    for _ in range(2):
        with pytest.raises(
            ProgramError, match="reads scratchpad row 0 element 2, which was never written"
        ):
            run_machine(prog)
        run_machine(prog, state=filled_state(cfg))  # columns 2..3 written by the caller


def test_invalid_instructions_fault_the_same_on_every_run():
    cfg = chip4("ws")
    prog = program(
        cfg,
        [
            Load(
                dram=cfg.dram_bytes - 8,
                dst=sp(0),
                rows=4,
                cols=4,
                stride=4,
                transpose=False,
                push_next=True,
            ),
            Preload(src=0, rows=4, cols=4, pop_prev=True),
        ],
    )
    assert kinds(prog)[0] == CHECKED
    reasons = set()
    for _ in range(2):
        with pytest.raises(ProgramError) as e:
            run_machine(prog)
        reasons.add((e.value.index, e.value.reason))
    assert len(reasons) == 1 and "exceed the" in reasons.pop()[1]


def test_another_program_gets_its_own_plan():
    cfg = chip4("ws")
    rng = np.random.default_rng(1)
    a = rng.integers(-128, 128, (5, 4), dtype=np.int8)
    b = rng.integers(-128, 128, (4, 3), dtype=np.int8)
    prog = tiled_gemm(cfg, a, b)
    run_machine(prog)
    # the same instructions with the preload moved onto rows no one wrote
    instrs = list(prog.instrs)
    k = next(i for i, ins in enumerate(instrs) if isinstance(ins, Preload))
    instrs[k] = dataclasses.replace(instrs[k], src=2000)
    changed = dataclasses.replace(prog, instrs=tuple(instrs))
    order = schedule_of(changed).order
    assert kinds(changed)[order.index(k)] == CHECKED
    assert kinds(prog)[schedule_of(prog).order.index(k)] == PRELOAD_D
    with pytest.raises(ProgramError, match="preload source: reads scratchpad row 2000"):
        run_machine(changed)
    assert np.array_equal(
        run_machine(prog).state.read_tensor(prog.tensor("C")),
        a.astype(np.int64) @ b.astype(np.int64),
    )


def test_a_matmul_before_any_preload_of_the_program_uses_the_state_tile():
    cfg = chip4("ws")
    mm = Matmul(x=4, y=0, out=0, t=4, rows=4, cols=4, accumulate=False)
    prog = program(cfg, [mm])
    assert kinds(prog)[0] == CHECKED
    state = filled_state(cfg)
    run_machine(program(cfg, [Preload(src=0, rows=4, cols=4)]), "fast", state)
    got = run_machine(prog, "fast", state).state.acc[:4, :4].copy()
    ref = run_functional(
        program(cfg, [Preload(src=0, rows=4, cols=4), mm]), filled_state(cfg)
    ).state
    assert np.array_equal(got, ref.acc[:4, :4])


def test_fp32_view_of_the_accumulator_moves_bits():
    # a load through the fp32 view, a vector copy and a store: all direct, NaN payloads kept
    cfg = chip4("ws")
    prog = program(
        cfg,
        [
            Load(
                dram=0,
                dst=Loc(Mem.ACCF, 0),
                rows=2,
                cols=4,
                stride=16,
                transpose=False,
                push_next=True,
            ),
            Vec(
                op=VecOp.COPY,
                dst=acc(8),
                src1=acc(0),
                src2=acc(0),
                rows=2,
                cols=4,
                bcast1=False,
                bcast2=False,
                imm=0.0,
                pop_prev=True,
                push_next=True,
            ),
            Store(
                dram=64,
                src=Loc(Mem.ACCF, 8),
                rows=2,
                cols=4,
                stride=16,
                transpose=False,
                pop_prev=True,
            ),
        ],
    )
    assert kinds(prog) == [LOAD_D, VEC_D, STORE_D]
    bits = np.array([0x7FC00001, 0xFF800000, 1, 0x80000000, 5, 6, 7, 0x7F800001], dtype=np.uint32)
    for _ in range(2):
        state = ChipState(cfg)
        state.dram[:32] = bits.view(np.uint8)
        got = run_machine(prog, "fast", state).state
        assert np.array_equal(got.dram[64:96].view(np.uint32), bits)
        assert got.acc_written[:2, :4].all() and got.acc_written[8:10, :4].all()
        assert not got.acc_written[2:8].any()


def test_accumulating_int8_matmuls_wrap_like_the_accumulator():
    # three accumulating matmuls onto int32 values near 2^31 (loaded by the program, so the
    # steps are direct), then a store: the sum wraps modulo 2^32 exactly as step by step
    cfg = chip4("ws")
    mm = dict(y=0, out=0, t=4, rows=4, cols=4, accumulate=True)
    prog = program(
        cfg,
        [
            Load(dram=0, dst=acc(0), rows=4, cols=4, stride=16, transpose=False),
            Load(dram=256, dst=sp(0), rows=16, cols=4, stride=4, transpose=False, push_next=True),
            Preload(src=0, rows=4, cols=4, pop_prev=True),
            Matmul(x=4, **mm),
            Preload(src=8, rows=4, cols=4),
            Matmul(x=12, **mm),
            Preload(src=4, rows=4, cols=4),
            Matmul(x=0, **mm, push_next=True),
            Store(dram=512, src=acc(0), rows=4, cols=4, stride=16, transpose=False, pop_prev=True),
        ],
    )
    got = kinds(prog)
    assert got.count(MATMUL_D) == 3 and CHECKED not in got

    def state() -> ChipState:
        s = ChipState(cfg)
        near = np.full(16, 2**31 - 40, dtype=np.int64) - np.arange(16) * 2**30
        s.dram[:64] = near.astype(np.int32).view(np.uint8)
        s.dram[256:320] = np.array([127, 126, 125, 127] * 16, dtype=np.int8).view(np.uint8)
        return s

    want = run_functional(prog, state()).state
    for fidelity in ("fast", "pe", "fast"):
        res = run_machine(prog, fidelity, state()).state
        for name in ("acc", "acc_written", "spad", "dram"):
            assert np.array_equal(getattr(res, name), getattr(want, name)), name
    # and the sums did wrap: the exact integers differ from the int32 results
    init = state().dram[:64].view(np.int32).reshape(4, 4).astype(np.int64)
    sp_rows = state().dram[256:320].view(np.int8).reshape(16, 4).astype(np.int64)
    exact = init + sum(
        sp_rows[x : x + 4] @ sp_rows[s : s + 4] for x, s in ((4, 0), (12, 8), (0, 4))
    )
    got = want.acc[:4, :4].astype(np.int64)
    assert np.array_equal(got % 2**32, exact % 2**32) and not np.array_equal(got, exact)


def test_a_vector_instruction_between_matmuls_onto_its_block():
    # matmul, a vector add onto the same accumulator rows, matmul accumulating: the vector
    # instruction sees the first product and the second adds onto its result
    cfg = chip4("ws")
    mm = dict(y=0, out=0, t=4, rows=4, cols=4)
    double = Vec(
        op=VecOp.ADD,
        dst=acc(0),
        src1=acc(0),
        src2=acc(0),
        rows=4,
        cols=4,
        bcast1=False,
        bcast2=False,
        imm=0.0,
    )
    prog = program(
        cfg,
        [
            Load(dram=256, dst=sp(0), rows=16, cols=4, stride=4, transpose=False, push_next=True),
            Preload(src=0, rows=4, cols=4, pop_prev=True),
            Matmul(x=4, **mm, accumulate=False),
            double,
            Preload(src=8, rows=4, cols=4),
            Matmul(x=12, **mm, accumulate=True),
            Preload(src=4, rows=4, cols=4),
            Matmul(x=0, **mm, accumulate=True),
        ],
    )
    assert kinds(prog) == [
        LOAD_D,
        PRELOAD_D,
        MATMUL_D,
        VEC_D,
        PRELOAD_D,
        MATMUL_D,
        PRELOAD_D,
        MATMUL_D,
    ]
    state = ChipState(cfg)
    state.dram[256:320] = np.arange(64, dtype=np.int8).view(np.uint8) - 30
    want = run_functional(prog, state).state.acc
    state.acc[:] = 0
    state.acc_written[:] = False
    got = run_machine(prog, "fast", state).state.acc
    assert np.array_equal(got, want)


def test_vector_instructions_that_may_fault_stay_checked():
    cfg = chip4("ws")
    add = dict(op=VecOp.ADD, rows=2, cols=4, bcast1=False, bcast2=True)
    prog = program(
        cfg,
        [
            Load(dram=0, dst=acc(0), rows=2, cols=4, stride=16, transpose=False, push_next=True),
            Vec(dst=acc(4), src1=acc(0), src2=acc(1), imm=0.0, pop_prev=True, **add),  # covered
            Vec(dst=acc(4), src1=acc(0), src2=acc(2), imm=0.0, **add),  # row 2: caller's data
            Vec(dst=acc(4), src1=acc(0), src2=acc(1), imm=1.5, **add),
        ],
    )  # imm must be 0 for ADD
    assert kinds(prog) == [LOAD_D, VEC_D, CHECKED, CHECKED]
    for _ in range(2):
        with pytest.raises(ProgramError) as e:
            run_machine(prog)
        assert (e.value.index, e.value.reason) == (
            2,
            "vec src2: reads accumulator row 2 element 0, which was never written",
        )
        with pytest.raises(ProgramError) as e:
            run_machine(prog, state=filled_state(cfg))
        assert (e.value.index, e.value.reason) == (3, "imm=1.5 must be 0 for ADD")


@pytest.mark.parametrize(
    ("op", "two", "bcast"),
    [
        (VecOp.ADD, True, False),
        (VecOp.ADD, True, True),
        (VecOp.SUB, True, False),
        (VecOp.MUL, True, True),
        (VecOp.MAX, True, False),
        (VecOp.MIN, True, False),
        (VecOp.MULI, False, False),
        (VecOp.ADDI, False, True),
        (VecOp.RELU, False, False),
        (VecOp.COPY, False, True),
        (VecOp.SET, False, False),
    ],
)
def test_elementwise_fp32_vector_steps_equal_the_functional_model(op, two, bcast):
    # direct steps computed by one NumPy ufunc into the destination, in place (dst = src1) and
    # not, on values that overflow, NaN payloads, infinities, signed zeros and subnormals
    cfg = chip4("ws")
    imm = {VecOp.MULI: 3.0e38, VecOp.ADDI: -1.5, VecOp.SET: -2.25}.get(op, 0.0)
    shape = dict(rows=2, cols=4, bcast1=bcast and not two, bcast2=bcast and two, imm=imm)
    src2 = Loc(Mem.ACCF, 2) if two else Loc(Mem.ACCF, 0)
    vecs = [
        Vec(op=op, dst=Loc(Mem.ACCF, 8), src1=Loc(Mem.ACCF, 0), src2=src2, **shape),
        Vec(op=op, dst=Loc(Mem.ACCF, 0), src1=Loc(Mem.ACCF, 0), src2=src2, **shape),
    ]
    load = Load(
        dram=0, dst=Loc(Mem.ACCF, 0), rows=4, cols=4, stride=16, transpose=False, push_next=True
    )
    vecs[0] = dataclasses.replace(vecs[0], pop_prev=True)
    vecs[-1] = dataclasses.replace(vecs[-1], push_next=True)
    stores = [
        Store(dram=d, src=Loc(Mem.ACCF, r), rows=2, cols=4, stride=16, transpose=False)
        for d, r in ((64, 8), (96, 0))
    ]
    stores[0] = dataclasses.replace(stores[0], pop_prev=True)
    prog = program(cfg, [load, *vecs, *stores])
    assert kinds(prog) == [LOAD_D, VEC_D, VEC_D, STORE_D, STORE_D]
    plan = value_plan_of(prog, schedule_of(prog), None)
    assert all(s.direct for s in plan.steps if s.kind == VEC_D)
    bits = np.array(
        [0x7FC00001, 0xFF800000, 1, 0x80000000, 0x7F7FFFFF, 0xFF7FFFFF, 0x3F800000, 0x7F800001]
        + [0xBF800000, 0x00800000, 0x80000001, 0x7F800000, 0x40490FDB, 0, 0xC0000000, 0x42F60000],
        dtype=np.uint32,
    )
    state = ChipState(cfg)
    state.dram[:64] = bits.view(np.uint8)
    want = run_functional(prog, state).state.dram[64:128].view(np.uint32)
    for _ in range(2):
        state = ChipState(cfg)
        state.dram[:64] = bits.view(np.uint8)
        got = run_machine(prog, "fast", state).state.dram[64:128].view(np.uint32)
        assert np.array_equal(got, want)


def test_a_copy_of_fp32_values_to_bf16_rounds_as_the_functional_model():
    cfg = chip4("ws", input_dtype=DType.BF16)
    load = Load(
        dram=0, dst=Loc(Mem.ACCF, 0), rows=4, cols=4, stride=16, transpose=False, push_next=True
    )
    copy = dict(op=VecOp.COPY, src2=Loc(Mem.ACCF, 0), cols=4, bcast2=False, imm=0.0)
    vecs = [
        Vec(dst=sp(8), src1=Loc(Mem.ACCF, 0), rows=4, bcast1=False, pop_prev=True, **copy),
        Vec(dst=sp(12), src1=Loc(Mem.ACCF, 3), rows=2, bcast1=True, push_next=True, **copy),
    ]
    store = Store(dram=64, src=sp(8), rows=6, cols=4, stride=8, transpose=False, pop_prev=True)
    prog = program(cfg, [load, *vecs, store])
    plan = value_plan_of(prog, schedule_of(prog), None)
    assert [s.direct for s in plan.steps if s.kind == VEC_D] == [True, True]
    rng = np.random.default_rng(0)
    values = rng.standard_normal(16).astype(np.float32).view(np.uint32)
    values[:6] = [0x7FC00001, 0xFF800000, 0x3F808000, 0x3F818000, 0x7F7FFFFF, 0x80000001]
    state = ChipState(cfg)
    state.dram[:64] = values.view(np.uint8)
    want = run_functional(prog, state).state.dram[64:112].view(np.uint16)
    state = ChipState(cfg)
    state.dram[:64] = values.view(np.uint8)
    got = run_machine(prog, "fast", state).state.dram[64:112].view(np.uint16)
    assert np.array_equal(got, want) and want.any()


def test_bf16_copies_and_sets_keep_bits_and_quiet_nans_as_the_functional_model():
    cfg = chip4("ws", input_dtype=DType.BF16)
    load = Load(dram=0, dst=sp(0), rows=4, cols=4, stride=8, transpose=False, push_next=True)
    common = dict(src2=sp(0), cols=4, bcast2=False)
    vecs = [
        Vec(op=VecOp.COPY, dst=sp(8), src1=sp(0), rows=4, bcast1=False, imm=0.0, **common),
        Vec(op=VecOp.COPY, dst=sp(12), src1=sp(1), rows=2, bcast1=True, imm=0.0, **common),
        Vec(op=VecOp.SET, dst=sp(14), src1=sp(0), rows=2, bcast1=False, imm=1.00390625, **common),
    ]
    vecs[0] = dataclasses.replace(vecs[0], pop_prev=True)
    vecs[-1] = dataclasses.replace(vecs[-1], push_next=True)
    store = Store(dram=64, src=sp(8), rows=8, cols=4, stride=8, transpose=False, pop_prev=True)
    prog = program(cfg, [load, *vecs, store])
    plan = value_plan_of(prog, schedule_of(prog), None)
    assert [s.direct for s in plan.steps if s.kind == VEC_D] == [True, True, True]
    # signalling and quiet NaNs of both signs, infinities, zeros, subnormals, ordinary values
    bits = np.array(
        [0x7F81, 0xFF81, 0x7FC1, 0x7F80, 0xFF80, 0x8000, 0, 1, 0x3F80, 0xC049, 0x0080, 0x7F7F]
        + [0x7FBF, 0xFFC0, 0x4000, 0x8001],
        dtype=np.uint16,
    )
    state = ChipState(cfg)
    state.dram[:32] = bits.view(np.uint8)
    want = run_functional(prog, state).state.dram[64:128].view(np.uint16)
    state = ChipState(cfg)
    state.dram[:32] = bits.view(np.uint8)
    got = run_machine(prog, "fast", state).state.dram[64:128].view(np.uint16)
    assert np.array_equal(got, want) and not np.array_equal(want[:16], bits)  # NaNs quieted


def test_a_repeated_instruction_repeats_its_step_only_where_the_builder_makes_it_again():
    cfg = chip4("ws")
    mm = Matmul(x=4, y=0, out=0, t=4, rows=4, cols=4, accumulate=False)
    prog = program(
        cfg,
        [
            Load(dram=0, dst=sp(0), rows=8, cols=4, stride=4, transpose=False, push_next=True),
            Preload(src=0, rows=4, cols=4, pop_prev=True),
            mm,  # its write marks the accumulator
            mm,  # the same step but for its index from now on ...
            Preload(src=0, rows=2, cols=4),
            mm,  # ... but not with a stationary tile of another shape: checked
            Preload(src=0, rows=4, cols=4),
            mm,
        ],
    )
    sched = schedule_of(prog)
    plan = value_plan_of(prog, sched, None)
    builder = _Builder(cfg)  # the plan of every instruction built on its own
    want = tuple(builder.step(i, prog.instrs[i], sched.kinds[i]) for i in sched.order)
    assert plan.steps == want
    tail = [MATMUL_D, MATMUL_D, PRELOAD_D, CHECKED, PRELOAD_D, MATMUL_D]
    assert [s.kind for s in plan.steps][2:] == tail
    assert plan.same.tolist() == [0, 1, 2, 3, 4, 5, 6, 3]
    # encoded once and copied: the table of the plan as if no step repeated another
    got, alone = encode(prog, plan), encode(prog, plan._replace(same=None))
    assert np.array_equal(got.code, alone.code) and np.array_equal(got.imms, alone.imms)
    assert got[2:] == alone[2:]


def test_an_immediate_of_minus_zero_is_not_the_step_of_plus_zero():
    # equal as instructions (0.0 == -0.0), but adding -0.0 keeps a -0.0 and adding 0.0 does not
    cfg = chip4("ws")
    f = Mem.ACCF
    load = Load(dram=0, dst=Loc(f, 0), rows=1, cols=4, stride=16, transpose=False, push_next=True)
    add = dict(op=VecOp.ADDI, dst=Loc(f, 8), src1=Loc(f, 8), src2=Loc(f, 8), rows=1, cols=4)
    add.update(bcast1=False, bcast2=False)
    copy = dict(op=VecOp.COPY, src2=Loc(f, 0), rows=1, cols=4, bcast1=False, bcast2=False, imm=0.0)
    prog = program(
        cfg,
        [
            load,
            Vec(dst=Loc(f, 8), src1=Loc(f, 0), pop_prev=True, **copy),
            Vec(imm=-0.0, **add),
            Vec(imm=0.0, **add),
            Vec(dst=Loc(f, 9), src1=Loc(f, 8), push_next=True, **copy),
            Store(
                dram=64, src=Loc(f, 9), rows=1, cols=4, stride=16, transpose=False, pop_prev=True
            ),
        ],
    )
    state = ChipState(cfg)
    state.dram[:16] = np.array([0x80000000, 0, 0x3F800000, 0x80000000], np.uint32).view(np.uint8)
    want = run_functional(prog, state).state.dram[64:80].view(np.uint32)
    assert want.tolist() == [0, 0, 0x3F800000, 0]
    for _ in range(2):
        state = ChipState(cfg)
        state.dram[:16] = np.array([0x80000000, 0, 0x3F800000, 0x80000000], np.uint32).view(
            np.uint8
        )
        got = run_machine(prog, "fast", state).state.dram[64:80].view(np.uint32)
        assert got.tolist() == want.tolist()
