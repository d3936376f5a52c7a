"""The compiled replay of value plans (chip/machine/replay.py, replay_kernel.py, vec_kernels.py)
against the functional model, bit for bit: every vector function the kernel computes, on
ordinary values (which the kernel must compute itself) and on NaN payloads, infinities, signed
zeros, subnormals and overflow (where it may hand the step back to chip/semantics.py)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from bench.programs import tiled_gemm
from chip.dtypes import DType
from chip.functional import run_functional
from chip.isa import Load, Loc, Matmul, Mem, Store, Vec, VecOp
from chip.machine import replay_kernel as rk
from chip.machine import run_machine
from chip.machine.replay import replay_of
from chip.machine.schedule import schedule_of
from chip.machine.step_runner import StepRunner
from chip.machine.values import value_plan_of
from chip.state import ChipState
from tests.machine.helpers import chip4, program

ONE_SOURCE = {VecOp.MULI, VecOp.ADDI, VecOp.RELU, VecOp.COPY, VecOp.SET, VecOp.BCAST}
ONE_SOURCE |= {VecOp.RSUM, VecOp.RMAX, VecOp.CSUM}
OPS = [
    VecOp.ADD,
    VecOp.SUB,
    VecOp.MUL,
    VecOp.MAX,
    VecOp.MIN,
    VecOp.MULI,
    VecOp.ADDI,
    VecOp.RELU,
    VecOp.RSUM,
    VecOp.RMAX,
    VecOp.CSUM,
    VecOp.SET,
    VecOp.COPY,
    VecOp.BCAST,
    VecOp.RELU_MASK,
    VecOp.EQ,
    VecOp.GT,
]
SPECIALS = [0x7FC00001, 0xFF800000, 1, 0x80000000, 0x7F7FFFFF, 0xFF7FFFFF, 0x3F800000, 0x7F800001]
SPECIALS += [0xBF800000, 0x00800000, 0x80000001, 0x7F800000, 0x40490FDB, 0, 0xC0000000, 0x3F808000]


def _program(op: VecOp, bf16: bool, bcast: bool, in_place: bool):
    """LOAD 4 fp32 rows into the accumulator, the vector function into fp32 accumulator rows
    (or bf16 scratchpad rows), STORE the result to DRAM byte 256."""
    cfg = chip4("ws", input_dtype=DType.BF16) if bf16 else chip4("ws")
    imm = {VecOp.MULI: 3.0e38, VecOp.ADDI: -1.5, VecOp.SET: -2.25}.get(op, 0.0)
    two = op not in ONE_SOURCE
    rows = 1 if op is VecOp.CSUM else 2
    if bf16:
        dst = Loc(Mem.SPAD, 8)
    else:
        dst = Loc(Mem.ACCF, 0 if in_place else 8)
    vec = Vec(
        op=op,
        dst=dst,
        src1=Loc(Mem.ACCF, 0),
        src2=Loc(Mem.ACCF, 2),
        rows=2,
        cols=4,
        bcast1=bcast and not two,
        bcast2=bcast and two,
        imm=imm,
        pop_prev=True,
        push_next=True,
    )
    load = Load(dram=0, dst=Loc(Mem.ACCF, 0), rows=4, cols=4, stride=16, transpose=False)
    load = dataclasses.replace(load, push_next=True)
    size = 2 if bf16 else 4
    store = Store(
        dram=256, src=dst, rows=rows, cols=4, stride=4 * size, transpose=False, pop_prev=True
    )
    return program(cfg, [load, vec, store]), rows * 4 * size


def _both(prog, values: np.ndarray, nbytes: int) -> tuple[np.ndarray, np.ndarray]:
    def fresh() -> ChipState:
        state = ChipState(prog.config)
        state.dram[:64] = values.view(np.uint8)
        return state

    want = run_functional(prog, fresh()).state.dram[256 : 256 + nbytes].copy()
    got = run_machine(prog, "fast", fresh()).state.dram[256 : 256 + nbytes].copy()
    return got, want


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize(
    ("bf16", "bcast", "in_place"), [(False, False, False), (True, True, False), (False, True, True)]
)
def test_the_kernel_computes_ordinary_values_as_the_functional_model(
    op, bf16, bcast, in_place, monkeypatch
):
    prog, nbytes = _program(op, bf16, bcast, in_place)
    plan = value_plan_of(prog, schedule_of(prog), None)
    rep = replay_of(prog, plan, None)
    assert rep.kernel_steps == len(plan.steps) and rep.code[1, rk.F_KIND] == rk.R_VEC

    def no_python(self, step):
        raise AssertionError(f"step {step.index} went to Python")

    monkeypatch.setattr(StepRunner, "apply", no_python)
    rng = np.random.default_rng(op.value)
    values = rng.standard_normal(16).astype(np.float32)
    values[[8, 13]] = values[[0, 5]]  # equal operands of src1 and src2: EQ's ones, GT's ties
    values[2] = abs(values[2]) + 0.5  # a positive value in the broadcast row
    values[3] = 0.0
    got, want = _both(prog, values, nbytes)
    assert np.array_equal(got, want) and want.any()


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("bf16", [False, True])
def test_special_values_give_the_functional_model_bits(op, bf16):
    # NaN payloads (which the kernel declines for arithmetic), infinities, overflow, signed
    # zeros (MAX/MIN/RELU of +0 and -0 declined), subnormals, bf16 rounding ties
    for rotate in range(4):
        prog, nbytes = _program(op, bf16, bcast=rotate % 2 == 1, in_place=not bf16 and rotate > 1)
        values = np.roll(np.array(SPECIALS, dtype=np.uint32), rotate * 3)
        got, want = _both(prog, values, nbytes)
        assert np.array_equal(got, want), (op, bf16, rotate)


def test_declined_steps_go_back_to_semantics(monkeypatch):
    calls = []
    apply = StepRunner.apply

    def counted(self, step):
        calls.append(step.index)
        apply(self, step)

    monkeypatch.setattr(StepRunner, "apply", counted)
    for op, bits in (
        (VecOp.ADD, [0x7FC00001] + [0x3F800000] * 15),  # a NaN payload
        (VecOp.MAX, [0x80000000] + [0x3F800000] * 7 + [0] + [0x3F800000] * 7),  # max(-0, +0)
        (VecOp.RMAX, [0x80000000, 0, 0xBF800000, 0xBF800000] + [0x3F800000] * 12),
    ):
        calls.clear()
        prog, nbytes = _program(op, False, False, False)
        got, want = _both(prog, np.array(bits, dtype=np.uint32), nbytes)
        assert np.array_equal(got, want) and calls == [1], op


def test_int8_matmuls_of_both_dataflows_replay_as_the_functional_model():
    rng = np.random.default_rng(3)
    for flow in ("ws", "os", "is"):
        cfg = chip4(flow)
        a = rng.integers(-128, 128, (9, 7), dtype=np.int8)
        b = rng.integers(-128, 128, (7, 6), dtype=np.int8)
        prog = tiled_gemm(cfg, a, b, block_rows=4)
        res = run_machine(prog, "fast")
        want = a.astype(np.int64) @ b.astype(np.int64)
        assert np.array_equal(res.state.read_tensor(prog.tensor("C")), want), flow
        plan = value_plan_of(prog, schedule_of(prog), None)
        assert replay_of(prog, plan, None).kernel_steps == len(plan.steps)


def test_int8_os_sums_past_float32_exact_terms_stay_exact():
    # odd products (127^2) of t = 4096 terms per MATMUL: the sums pass 2^24, from where float32
    # cannot hold odd integers, so the kernel must add them in exact pieces
    cfg = chip4("os", spad_kib=64)
    a = np.full((4, 5000), -127, dtype=np.int8)
    b = np.full((5000, 4), -127, dtype=np.int8)
    prog = tiled_gemm(cfg, a, b)
    assert max(i.t for i in prog.instrs if isinstance(i, Matmul)) > rk.F32_EXACT_TERMS
    plan = value_plan_of(prog, schedule_of(prog), None)
    assert replay_of(prog, plan, None).kernel_steps == len(plan.steps)
    res = run_machine(prog, "fast")
    want = a.astype(np.int64) @ b.astype(np.int64)
    assert np.array_equal(res.state.read_tensor(prog.tensor("C")), want)


def test_int8_ws_sums_past_float32_exact_terms_stay_exact():
    # WS/IS matmuls sum in float32 (fma_kernels.py): with every product 2^14, a block's sum
    # over K = 1100 passes 2^24, from where float32 cannot hold every integer; each MATMUL's
    # sum is exact and the accumulator adds them as integers
    for flow in ("ws", "is"):
        cfg = chip4(flow, spad_kib=64)
        a = np.full((6, 1100), -128, dtype=np.int8)
        b = np.full((1100, 5), -128, dtype=np.int8)
        a[1, :7] = 127  # a row whose sum is not a power of two
        prog = tiled_gemm(cfg, a, b)
        plan = value_plan_of(prog, schedule_of(prog), None)
        assert replay_of(prog, plan, None).kernel_steps == len(plan.steps), flow
        res = run_machine(prog, "fast")
        want = a.astype(np.int64) @ b.astype(np.int64)
        assert np.array_equal(res.state.read_tensor(prog.tensor("C")), want), flow


@pytest.mark.parametrize("seed", range(4))
def test_widening_x_finds_the_exponents_of_its_bf16_block(seed):
    # the replay widens a MATMUL's X and bounds its bf16 magnitudes in one pass, per column;
    # the bounds must be those of `exponents` over the same block, which decide whether the
    # products may be fused: zeros of both signs, subnormals, infinities and NaNs among them
    rng = np.random.default_rng(seed)
    values = rng.standard_normal((40, 24)) * 2.0 ** rng.integers(-140, 120, (40, 24))
    values = values.astype(np.float32)
    specials = [0.0, -0.0, 2.0**-130, -(2.0**-133), np.inf, np.nan]
    at = rng.integers(0, values.size, seed + 1)
    values.flat[at] = np.array(specials, dtype=np.float32)[: at.size]
    raw = (values.view(np.uint32) >> 16).astype(np.uint16)
    for lo, rows, cols in ((0, 40, 24), (3, 17, 9), (10, 1, 24), (0, 40, 1)):
        out = np.zeros((rows, cols), dtype=np.uint32)
        got = rk._widen_x(raw, lo, rows, cols, True, out)
        assert got == rk.exponents(raw, lo, rows, cols)
        want = raw[lo : lo + rows, :cols].astype(np.uint32) << np.uint32(16)
        np.testing.assert_array_equal(out, want)
    zeros = np.zeros((4, 4), dtype=np.uint16)
    assert (
        rk._widen_x(zeros, 0, 4, 4, True, np.zeros((4, 4), np.uint32))[0]
        == rk.exponents(zeros, 0, 4, 4)[0]
    )


def test_dma_rows_count_words_of_their_element_size():
    # a bf16 load into the scratchpad (2-byte words) and a transposed one into accumulator
    # rows (4-byte words): offsets and steps in words
    cfg = chip4("ws", input_dtype=DType.BF16)
    prog = program(
        cfg,
        [
            Load(dram=64, dst=Loc(Mem.SPAD, 8), rows=3, cols=4, stride=16, transpose=False),
            Load(dram=256, dst=Loc(Mem.ACC, 2), rows=2, cols=3, stride=64, transpose=True),
        ],
    )
    plan = value_plan_of(prog, schedule_of(prog), None)
    code = replay_of(prog, plan, None).code
    load = (rk.R_LOAD, rk.M_SPAD, 8, 3, 4, 1, 32, 8, 1)
    transposed = (rk.R_LOAD, rk.M_ACC, 2, 2, 3, 1, 64, 1, 16)
    assert [tuple(row[:9]) for row in code[:2].tolist()] == [load, transposed]
    assert not code[:2, 9:].any()
