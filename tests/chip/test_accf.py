"""The accumulator's fp32 view (``accf:ROW``): how an int8 chip keeps fp32 values on chip.

The reference for every value here is NumPy on float32/int32 bit patterns, written without
chip/semantics.py.
"""

import dataclasses

import numpy as np
import pytest

from chip.asm import format_instr, parse_instr
from chip.config import ChipConfig
from chip.dtypes import DType
from chip.errors import ProgramError
from chip.functional import run_functional
from chip.isa import (
    WORD_BITS,
    DecodeError,
    Halt,
    Load,
    Loc,
    Mem,
    Store,
    Vec,
    VecOp,
    acc,
    decode,
    sp,
)
from chip.machine import run_machine
from chip.program import Phase, Program, Tag, TensorInfo, TensorKind

TINY = ChipConfig.from_toml("tiny")  # int8 scratchpad, int32 accumulator, 4 lanes


def accf(row: int) -> Loc:
    return Loc(Mem.ACCF, row)


def vec(
    op: VecOp, dst: Loc, src1: Loc, src2: Loc | None = None, imm: float = 0.0, rows: int = 2
) -> Vec:
    return Vec(
        op=op,
        dst=dst,
        src1=src1,
        src2=src2 or src1,
        rows=rows,
        cols=4,
        bcast1=False,
        bcast2=False,
        imm=imm,
    )


def run(
    instrs,
    tensors: dict[str, tuple[int, np.ndarray]],
    cfg: ChipConfig = TINY,
    machine: str | None = None,
):
    """Run ``instrs`` with DRAM tensors ``name -> (address, values)``; the final state."""
    infos = {
        n: TensorInfo(
            n, addr, v.shape, DType.FP32 if v.dtype == np.float32 else DType.INT32, TensorKind.INPUT
        )
        for n, (addr, v) in tensors.items()
    }
    init = {n: v for n, (_, v) in tensors.items()}
    instrs = (*instrs, Halt())
    prog = Program(cfg, instrs, (Tag("t", Phase.FORWARD),) * len(instrs), infos, init)
    if machine is None:
        return run_functional(prog).state
    return run_machine(prog, machine).state


def load(dst: Loc, dram: int, **tokens: bool) -> Load:
    return Load(dram=dram, dst=dst, rows=2, cols=4, stride=16, transpose=False, **tokens)


def store(src: Loc, dram: int, **tokens: bool) -> Store:
    return Store(dram=dram, src=src, rows=2, cols=4, stride=16, transpose=False, **tokens)


def exp_times_x(loc) -> list:
    """Load x, exp(x) * x, store it: tokens order load -> vec ... vec -> store."""
    return [
        load(loc(0), 0, push_next=True),
        dataclasses.replace(vec(VecOp.EXP, loc(2), loc(0)), pop_prev=True),
        dataclasses.replace(vec(VecOp.MUL, loc(4), loc(2), loc(0)), push_next=True),
        store(loc(4), 64, pop_prev=True),
    ]


def f32_at(state, addr: int) -> np.ndarray:
    return state.dram[addr : addr + 32].view(np.float32).reshape(2, 4)


def i32_at(state, addr: int) -> np.ndarray:
    return state.dram[addr : addr + 32].view(np.int32).reshape(2, 4)


X = np.array([[0.5, -1.25, 3.0, 1e-3], [2.5, -7.75, 10.0, -0.1]], dtype=np.float32)


@pytest.mark.parametrize("machine", [None, "fast", "pe"])
def test_fp32_math_on_an_int8_chip(machine):
    # exp(x) * x in fp32 through the fp32 view; DMA moves the 32-bit words unchanged
    st = run(exp_times_x(accf), {"x": (0, X)}, machine=machine)
    want = (np.exp(X.astype(np.float64)).astype(np.float32) * X).astype(np.float32)
    np.testing.assert_array_equal(f32_at(st, 64), want)


def test_both_views_name_the_same_words():
    st = run([load(accf(0), 0), store(acc(0), 64)], {"x": (0, X)})
    np.testing.assert_array_equal(i32_at(st, 64), X.view(np.int32))  # the bits, unconverted
    np.testing.assert_array_equal(st.acc[:2], X.view(np.int32))


def test_converting_between_the_views_rounds_half_even_and_saturates():
    ints = np.array([[7, -3, 16777217, -(2**31)], [0, 1, 2, 3]], dtype=np.int32)
    floats = np.array([[2.5, -3.5, 1e12, -1e12], [0.49, np.nan, -0.5, 1.5]], dtype=np.float32)
    st = run(
        [
            load(acc(0), 0),
            vec(VecOp.COPY, accf(2), acc(0)),
            store(accf(2), 64),
            load(accf(4), 32),
            vec(VecOp.COPY, acc(6), accf(4)),
            store(acc(6), 96),
        ],
        {"i": (0, ints), "f": (32, floats)},
    )
    np.testing.assert_array_equal(f32_at(st, 64), ints.astype(np.float32))  # 2^24+1 rounds
    np.testing.assert_array_equal(i32_at(st, 96), [[2, -4, 2**31 - 1, -(2**31)], [0, 0, 0, 2]])


def test_int8_results_scaled_in_fp32_then_requantized():
    # the dynamic-quantization epilogue: int32 -> fp32 * scale -> int8 (RNE, saturating)
    ints = np.array([[5, 7, -5, 1000], [3, -3, 9, 11]], dtype=np.int32)
    scale = np.full((2, 4), 0.5, dtype=np.float32)
    st = run(
        [
            load(acc(0), 0),
            load(accf(2), 32),
            vec(VecOp.COPY, accf(4), acc(0)),
            vec(VecOp.MUL, accf(4), accf(4), accf(2)),
            vec(VecOp.COPY, sp(0), accf(4)),
        ],
        {"i": (0, ints), "s": (32, scale)},
    )
    np.testing.assert_array_equal(st.spad[:2], [[2, 4, -2, 127], [2, -2, 4, 6]])


def test_fp32_view_has_the_accumulators_timing():
    # on a float chip accf is the accumulator itself: same values, same cycles, same counters
    cfg = TINY.replace(input_dtype=DType.FP32)
    results = []
    for mem in (Mem.ACC, Mem.ACCF):
        prog_instrs = exp_times_x(lambda r, m=mem: Loc(m, r))
        infos = {"x": TensorInfo("x", 0, X.shape, DType.FP32, TensorKind.INPUT)}
        instrs = (*prog_instrs, Halt())
        prog = Program(cfg, instrs, (Tag("t", Phase.FORWARD),) * len(instrs), infos, {"x": X})
        results.append(run_machine(prog, "fast"))
    a, b = results
    assert a.cycles == b.cycles and a.counters == b.counters
    np.testing.assert_array_equal(f32_at(a.state, 64), f32_at(b.state, 64))


def test_a_read_of_unwritten_rows_names_the_view():
    with pytest.raises(
        ProgramError,
        match=r"instruction 0 \(vec\): vec src1: reads "
        r"accumulator \(fp32 view\) row 0",
    ):
        run([vec(VecOp.EXP, accf(2), accf(0))], {})


def test_text_and_binary_forms():
    ins = vec(VecOp.MUL, accf(9), acc(3), sp(4))
    text = format_instr(ins)
    assert "dst=accf:9" in text and "src1=acc:3" in text
    assert parse_instr(text) == ins
    assert decode(ins.encode()) == ins


def test_memory_code_3_does_not_decode():
    word = vec(VecOp.COPY, accf(1), acc(0)).encode()
    dst_lsb = 4 + 4 + 5  # opcode, dependency flags, vector function (docs/isa.md)
    bad = word | (3 << (dst_lsb + 18))
    assert bad < (1 << WORD_BITS)
    with pytest.raises(DecodeError, match="vec.dst: unknown memory code 3"):
        decode(bad)
