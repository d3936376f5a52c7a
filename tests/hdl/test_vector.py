"""The vector unit in RTL (chip/hdl/vector.py, fpconv.py): its binary32 pieces against NumPy,
random VEC programs with tokens on `ChipTop` against the `pe` machine (every instruction's
start and end, every value), compiled networks on `tiny` under Verilator, refusals and
mutations."""

from __future__ import annotations

import shutil
from dataclasses import replace

import numpy as np
import pytest
from amaranth import Module, Signal, signed
from amaranth.sim import Simulator

from chip.config import Dataflow, load_preset
from chip.dtypes import DType, to_storage
from chip.errors import ProgramError
from chip.hdl import run_program, vector, vector_lane
from chip.hdl.fpconv import f32_mul, f32_recip, f32_sqrt, f32_to_bf16, f32_to_int, int_to_f32
from chip.hdl.run_program import AMARANTH, VERILATOR, Divergence, check_program, cosimulate
from chip.isa import Load, Loc, Mem, Vec, VecOp
from chip.program import Phase, Program, Tag
from chip.semantics import vector_apply
from chip.state import ChipState
from tests.hdl.dma_programs import dma_chip, random_dma_program
from tests.hdl.rtl_runs import assert_rtl_run_equals_pe
from tests.hdl.vector_programs import random_vector_program, with_vector_epilogues

TINY = load_preset("tiny")
needs_verilator = pytest.mark.skipif(
    shutil.which("verilator") is None or shutil.which("g++") is None,
    reason="needs verilator and g++ on PATH (.ci/run installs verilator)",
)
SPECIALS = np.array(
    [0.0, -0.0, np.inf, -np.inf, np.nan, 1e38, 3e9, -3e9, 2.5, -2.5, 127.5, -128.5, 1.5e-45]
    + [2147483520.0, -2147483648.0, 1.1754942e-38, 0.5, -0.5],
    dtype=np.float32,
)


def _floats(rng, n):
    f = rng.integers(0, 2**32, n, dtype=np.uint64).astype(np.uint32).view(np.float32)
    kind = rng.integers(0, 5, n)
    f[kind == 0] = (rng.standard_normal((kind == 0).sum()) * 100).astype(np.float32)
    f[kind == 1] = (rng.standard_normal((kind == 1).sum()) * 1e-39).astype(np.float32)
    f[kind == 2] = rng.integers(-300, 300, (kind == 2).sum()) + 0.5
    f[kind == 3] = rng.choice(SPECIALS, (kind == 3).sum())
    return f


@pytest.mark.slow
def test_binary32_pieces_match_numpy():
    """Multiply, reciprocal, square root, 64- and 32-bit integer -> float, float -> int8/int32
    and float -> bf16, bit for bit with NumPy and chip/semantics.py's definitions (subnormals,
    ties, saturation, infinities, NaN payloads)."""
    m = Module()
    a, b, x, x32 = Signal(32), Signal(32), Signal(signed(64)), Signal(signed(32))
    prod = f32_mul(m, a, b, "mul")
    recip, root = f32_recip(m, a, "recip"), f32_sqrt(m, b, "sqrt")
    conv, conv32 = int_to_f32(m, x, "i2f"), int_to_f32(m, x32, "i2f32")
    to8 = f32_to_int(m, a, -128, 127, "t8")
    to32 = f32_to_int(m, a, -(2**31), 2**31 - 1, "t32")
    bf = Signal(16)
    m.d.comb += bf.eq(f32_to_bf16(a))
    rng = np.random.default_rng(7)
    n = 1500
    fa, fb = _floats(rng, n), _floats(rng, n)
    ints = np.concatenate(
        [rng.integers(-(2**31), 2**31, n // 2), rng.integers(-(2**62), 2**62, n - n // 2)]
    ).astype(np.int64)
    ints[:5] = [0, 1, -1, 2**31 - 1, -(2**31)]
    with np.errstate(all="ignore"):
        want_mul = (fa * fb).view(np.uint32)
        want_recip = vector_apply(VecOp.RECIP, fa, None, 0.0, 1, n).view(np.uint32)
        want_root = vector_apply(VecOp.SQRT, fb, None, 0.0, 1, n).view(np.uint32)
        want_i2f = ints.astype(np.float32).view(np.uint32)
        ints32 = (ints & 0xFFFFFFFF).astype(np.uint32).view(np.int32)
        want_i2f32 = ints32.astype(np.float32).view(np.uint32)
        want8 = to_storage(fa, DType.INT8).astype(np.int64)
        want32 = to_storage(fa, DType.INT32).astype(np.int64)
    want_bf = to_storage(fa, DType.BF16)
    bad = []

    async def bench(ctx):
        for i in range(n):
            ctx.set(a, int(fa[i : i + 1].view(np.uint32)[0]))
            ctx.set(b, int(fb[i : i + 1].view(np.uint32)[0]))
            ctx.set(x, int(ints[i]))
            ctx.set(x32, int(ints32[i]))
            got = (ctx.get(prod), ctx.get(conv), ctx.get(to8), ctx.get(to32), ctx.get(bf))
            got += (ctx.get(recip), ctx.get(root), ctx.get(conv32))
            want = (want_mul[i], want_i2f[i], want8[i], want32[i], want_bf[i])
            want += (want_recip[i], want_root[i], want_i2f32[i])
            if tuple(int(v) for v in want) != got:
                bad.append((fa[i], fb[i], ints[i], got, want))

    sim = Simulator(m)
    sim.add_testbench(bench)
    sim.run()
    assert not bad, bad[:5]


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1])
def test_random_vector_programs_match_the_machine_under_amaranth(seed, monkeypatch):
    monkeypatch.setattr(run_program, "available_simulator", lambda: AMARANTH)
    program, state = random_vector_program(TINY, seed, count=16, specials=seed == 1)
    run = cosimulate(program, state, simulator=AMARANTH)
    vec_events = [e for e in run.rtl.events if e.unit == "vector"]
    assert len(vec_events) == 17


@pytest.mark.slow
@pytest.mark.parametrize(
    "changes",
    [
        {"vector_lanes": 2},  # two passes per row: chunks, reductions across them
        {"vector_lanes": 3, "vector_latency_reduce": 4},  # a partial last chunk
        # special functions in two of three lanes: partial last chunks of both widths
        {"vector_lanes": 3, "vector_special_lanes": 2},
        # bf16 scratchpad, fp32 accumulator; every lane has the special functions, as on the
        # other presets
        {"input_dtype": DType.BF16, "vector_special_lanes": 4},
        {"input_dtype": DType.BF16, "vector_lanes": 1, "vector_latency_mul": 3},
    ],
    ids=lambda c: ",".join(f"{k}={getattr(v, 'value', v)}" for k, v in c.items()),
)
def test_random_vector_programs_on_other_chips_match_the_machine(changes):
    cfg = TINY.replace(**changes)
    program, state = random_vector_program(cfg, 11, count=16, specials=True)
    run = cosimulate(program, state, simulator=AMARANTH)
    assert sum(e.unit == "vector" for e in run.rtl.events) == 17


def test_vecs_read_their_first_rows_before_they_start():
    """VECs that start in their dispatch cycle (straight from ``instr``, the first in cycle
    0) and from the queue in the cycle after the one before them: each reads its first source
    rows a cycle before it starts, through synchronous ports."""

    def vec(op, dst, src1, src2=0, rows=1, bcast2=False):
        return Vec(
            op=op,
            dst=Loc(Mem.ACC, dst),
            src1=Loc(Mem.SPAD, src1),
            src2=Loc(Mem.SPAD, src2),
            rows=rows,
            cols=4,
            bcast1=False,
            bcast2=bcast2,
            imm=0.0,
        )

    instrs = (
        vec(VecOp.COPY, 0, 0),
        vec(VecOp.COPY, 1, 3),
        vec(VecOp.ADD, 2, 6, 9, rows=3, bcast2=True),
        vec(VecOp.COPY, 5, 12),
        vec(VecOp.COPY, 6, 2),
        vec(VecOp.ADD, 7, 13, 1, rows=2, bcast2=True),
    )
    program = Program(TINY, instrs, [Tag("first rows", Phase.FORWARD)] * len(instrs), {})
    state = ChipState(TINY)
    rows = np.random.default_rng(6).integers(-128, 128, (16, 4), dtype=np.int8)
    state.write(Loc(Mem.SPAD, 0), rows, "x")
    run = cosimulate(program, state, simulator=AMARANTH)
    # ALU passes of one cycle, one per row: the three after the long ADD wait in the queue.
    assert [(e.unit, e.start, e.end) for e in run.rtl.events] == [
        ("vector", 0, 1),
        ("vector", 1, 2),
        ("vector", 2, 5),
        ("vector", 5, 6),
        ("vector", 6, 7),
        ("vector", 7, 9),
    ]
    acc, rows = state.acc[:9], rows.astype(np.int32)
    assert np.array_equal(acc[[0, 1, 5, 6]], rows[[0, 3, 12, 2]])
    assert np.array_equal(acc[2:5], rows[6:9] + rows[9])
    assert np.array_equal(acc[7:9], rows[13:15] + rows[1])


@pytest.mark.slow
def test_multiplications_in_both_modes_match_the_machine():
    """MUL and MULI on integer sources (exact 64-bit products: int8 x int8, int32 x int32) and on
    binary32 ones, which take turns on the lane's one multiplier (`SharedProducts`)."""
    for seed in (4, 5):
        ops = frozenset({VecOp.MUL, VecOp.MULI})
        program, state = random_vector_program(TINY, seed, count=10, ops=ops)
        run = cosimulate(program, state, simulator=AMARANTH)
        assert sum(e.unit == "vector" for e in run.rtl.events) == 11


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    """One Verilator build folder for the module's tests (a model of `tiny` takes a minute)."""
    return tmp_path_factory.mktemp("verilator")


@pytest.mark.slow
@needs_verilator
@pytest.mark.parametrize("dataflow", [Dataflow.WS, Dataflow.IS])
def test_pipelines_with_vector_epilogues_match_the_machine(dataflow, build):
    """LOAD / PRELOAD / MATMUL / VEC / STORE pipelines with all four token channels, folds in
    one accumulator bank or two: the vector unit's bank ports against the DMA's, its tokens."""
    cfg = dma_chip(TINY, dataflow)
    for seed in range(4):
        program, state = random_dma_program(cfg, seed, folds=12, shared=seed % 2 == 1)
        program = with_vector_epilogues(program, seed)
        run = cosimulate(program, state, simulator=VERILATOR, build_dir=build)
        assert sum(e.unit == "vector" for e in run.rtl.events) >= 12


@pytest.mark.slow
@needs_verilator
def test_random_vector_programs_match_the_machine_under_verilator(build):
    for seed in range(6):  # half of them with NaNs, infinities, -0 and subnormals
        program, state = random_vector_program(TINY, 100 + seed, count=150, specials=seed > 2)
        run = cosimulate(program, state, simulator=VERILATOR, build_dir=build)
        assert run.simulator == VERILATOR
        assert sum(e.unit == "vector" for e in run.rtl.events) == 151


@pytest.mark.slow
@needs_verilator
@pytest.mark.parametrize("model", ["cnn", "mlp"])
def test_compiled_forward_passes_run_on_the_rtl(model, tmp_path, monkeypatch, rtl_model_cache):
    """`systolic compile` of LeNet (``cnn``) and the MLP for `tiny` (int8, static
    quantization: LOAD, STORE, PRELOAD, MATMUL and VEC COPY/MULI/ADD/RELU/MAX/SET) and
    `systolic run --fidelity rtl`: the co-simulation agrees with the `pe` machine on every
    instruction's cycles, the accumulator and DRAM (it raises otherwise), and the outputs
    equal a `pe` run's."""
    from runtime.cli import main

    monkeypatch.setenv("XDG_CACHE_HOME", str(rtl_model_cache))
    path = tmp_path / "net.prog"
    assert main(["compile", model, "--chip", "tiny", "-o", str(path)]) == 0
    program = Program.load(path)
    assert sum(isinstance(ins, Vec) for ins in program.instrs) > 50
    assert_rtl_run_equals_pe(path, tmp_path)


def test_a_cvt_whose_immediate_names_no_conversion_is_refused():
    def vec(op, imm=0.0):
        return Vec(
            op=op,
            dst=Loc(Mem.ACCF, 0),
            src1=Loc(Mem.ACCF, 0),
            src2=Loc(Mem.ACCF, 0),
            rows=1,
            cols=4,
            bcast1=False,
            bcast2=False,
            imm=imm,
        )

    load = Load(dram=0, dst=Loc(Mem.ACCF, 0), rows=1, cols=4, stride=64, transpose=True)
    # a transposed LOAD, every special function and a CVT naming a conversion pass; the CVT
    # whose immediate is not a conversion code (the functional model faults on it) is named
    instrs = (load, *(vec(op) for op in (VecOp.EXP, VecOp.LOG, VecOp.TANH, VecOp.SIGMOID)))
    instrs = (*instrs, vec(VecOp.CVT, 71.0), vec(VecOp.CVT, 2.5), vec(VecOp.CVT, 72.0))
    program = Program(TINY, instrs, [Tag("t", Phase.FORWARD)] * len(instrs), {})
    with pytest.raises(ProgramError, match=r"CVT: imm=2.5 names no number format") as e:
        check_program(program, VERILATOR)
    assert (e.value.index, e.value.mnemonic) == (6, "vec")


def test_a_destination_overlapping_a_source_is_refused():
    def prog(**fields):
        v = Vec(
            op=VecOp.ADD,
            dst=Loc(Mem.ACCF, 1),
            src1=Loc(Mem.ACCF, 0),
            src2=Loc(Mem.ACCF, 8),
            rows=2,
            cols=4,
            bcast1=False,
            bcast2=False,
            imm=0.0,
        )
        v = replace(v, **fields)
        return Program(TINY, (v,), [Tag("t", Phase.FORWARD)], {})

    with pytest.raises(ProgramError, match="overlap its src1 rows"):
        check_program(prog(), VERILATOR)
    check_program(prog(dst=Loc(Mem.ACCF, 0)), VERILATOR)  # row for row in place
    with pytest.raises(ProgramError, match="overlap its src2 rows"):
        check_program(prog(dst=Loc(Mem.ACC, 8), src2=Loc(Mem.ACCF, 8), bcast2=True), VERILATOR)
    check_program(prog(dst=Loc(Mem.SPAD, 0)), VERILATOR)  # another memory


@pytest.mark.slow
def test_mutations_of_the_vector_unit_are_caught(monkeypatch):
    reductions = frozenset({VecOp.RSUM, VecOp.RMAX, VecOp.CSUM})
    with monkeypatch.context() as mp:  # reductions timed as ALU functions
        mp.setattr(vector, "VEC_REDUCE", frozenset())
        with pytest.raises(Divergence, match="the RTL runs it in cycles"):
            cosimulate(*random_vector_program(TINY, 3, count=4, ops=reductions), AMARANTH)
    with monkeypatch.context() as mp:  # comparisons give 0.5 for true
        mp.setattr(vector_lane, "_ONE", 0x3F000000)
        with pytest.raises(Divergence, match="accumulator row"):
            cosimulate(
                *random_vector_program(TINY, 3, count=16, ops=frozenset({VecOp.GT, VecOp.EQ})),
                AMARANTH,
            )
