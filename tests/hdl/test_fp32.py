"""fp32 inputs in the RTL: the fp32 x fp32 multiplier against NumPy, the PE's rounding, random
PRELOAD/MATMUL programs of every dataflow with NaN payloads, infinities, subnormals and -0
against the functional model and the `pe` machine (Amaranth at 4x4, Verilator at 8x8), the
exported Verilog of an fp32 chip, and a compiled fp32 network through `systolic run --fidelity
rtl`."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest
from amaranth.sim import Simulator

from chip.config import Dataflow, load_preset
from chip.dtypes import DType, to_storage
from chip.functional import run_functional
from chip.hdl.cosim import run_rtl
from chip.hdl.export import module_name
from chip.hdl.fp32_mul import Fp32Multiplier
from chip.hdl.pe import ProcessingElement
from chip.hdl.run_program import VERILATOR, cosimulate
from chip.hdl.verilated import run_verilated
from chip.isa import Halt, Mem, sp
from chip.machine import run_machine
from chip.program import Phase, Program, Tag
from chip.state import ChipState
from runtime.cli import main
from tests.chip.test_move import move_program
from tests.hdl.random_programs import (
    ACC_ROWS,
    Case,
    contract_schedule,
    numpy_reference,
    random_case,
)
from tests.hdl.rtl_runs import assert_rtl_run_equals_pe
from tests.hdl.test_cosim import _chip
from tests.hdl.test_dma import _cosimulate as _cosimulate_chip
from tests.hdl.test_fp import F32_SPECIALS, _all_pairs, _check, _fields
from tests.hdl.vector_programs import random_vector_program

needs_verilator = pytest.mark.skipif(
    shutil.which("verilator") is None or shutil.which("g++") is None,
    reason="needs verilator and g++ on PATH (.ci/run installs verilator)",
)
# NaNs with payloads (quiet and signalling, both signs), infinities, -0, subnormals, huge.
SPECIALS = np.array(
    [0x7FC00000, 0xFFC00000, 0x7FA12345, 0xFF800001, 0x7FC0BEEF, 0x7F800000, 0xFF800000]
    + [0x80000000, 0x00000001, 0x807FFFFF, 0x00400000, 0x7F7FFFFF, 0xFF000000],
    dtype=np.uint32,
).view(np.float32)


def tiny_fp32():
    """`tiny` with fp32 inputs: the small fp32 chip of these tests."""
    return load_preset("tiny").replace(input_dtype=DType.FP32)


def test_fp32_multiplier_matches_numpy_including_subnormals_and_specials():
    rng = np.random.default_rng(2)
    # Exponents whose sums land below, in and above the normal range, and subnormal operands.
    exps = [0, 0, 1, 2, 20, 60, 100, 126, 127, 128, 150, 190, 230, 253, 254]
    a = _fields(rng, 2000, exps, 23, 8)
    b = _fields(rng, 2000, exps, 23, 8)
    sa, sb = _all_pairs(F32_SPECIALS + [0x7FA12345, 0xFFC0BEEF, 0x00400001])
    a, b = np.concatenate([a, sa]), np.concatenate([b, sb])
    with np.errstate(all="ignore"):
        expect = (a.astype(np.uint32).view(np.float32) * b.astype(np.uint32).view(np.float32)).view(
            np.uint32
        )
    _check(Fp32Multiplier(), a, b, expect)


@pytest.mark.parametrize("dataflow", [Dataflow.WS, Dataflow.OS])
def test_fp32_pe_rounds_the_product_before_adding(dataflow):
    # (1 + 2^-12)^2 = 1 + 2^-11 + 2^-24 is a tie in fp32 and rounds to the even 1 + 2^-11;
    # adding -(1 + 2^-11) then gives 0, where a fused multiply-add would leave 2^-24.
    x = int(np.float32(1 + 2**-12).view(np.uint32))
    minus = int(np.float32(-(1 + 2**-11)).view(np.uint32))
    dut = ProcessingElement(dataflow, DType.FP32, double_buffer=False)
    seen = []

    async def bench(ctx):
        if dataflow is Dataflow.WS:
            ctx.set(dut.load, 1)
            ctx.set(dut.w_in, x)
            ctx.set(dut.psum_in, minus)
            await ctx.tick()
            ctx.set(dut.load, 0)
            ctx.set(dut.a_in, x)
            seen.append(ctx.get(dut.psum_out))
        else:
            one = int(np.float32(1).view(np.uint32))
            for a, b, first in ((minus, one, 1), (x, x, 0)):  # acc = -(1 + 2^-11), then + x*x
                ctx.set(dut.a_in, a)
                ctx.set(dut.b_in, b)
                ctx.set(dut.valid_in, 1)
                ctx.set(dut.first_in, first)
                await ctx.tick()
            ctx.set(dut.valid_in, 0)
            ctx.set(dut.capture, 1)
            seen.append(ctx.get(dut.drain_out))

    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()
    assert seen == [0]


def with_specials(case: Case, seed: int) -> Case:
    """``case`` with a tenth of its scratchpad elements replaced by `SPECIALS`."""
    rng = np.random.default_rng(seed)
    spad = case.spad.copy()
    pick = rng.random(spad.shape) < 0.1
    spad[pick] = rng.choice(SPECIALS, pick.sum())
    return Case(case.instrs, spad)


def _against_functional_and_pe(cfg, case, run):
    """An RTL ``run``'s accumulator equals the functional model's and the `pe` machine's bit
    for bit, and its instructions start and end in the machine's cycles; returns the bits of
    the accumulator's written elements."""
    instrs = (*case.instrs, Halt())
    results = []
    for model in (run_functional, lambda p, s: run_machine(p, fidelity="pe", state=s)):
        state = ChipState(cfg)
        state.write(sp(0), case.spad, "test scratchpad")
        results.append(
            model(Program(cfg, instrs, [Tag("fp32", Phase.FORWARD)] * len(instrs), {}), state)
        )
        written = state.acc_written[:ACC_ROWS]
        got, expect = run.acc.view(np.uint32)[written], state.acc[:ACC_ROWS].view(np.uint32)
        assert np.array_equal(got, expect[written])
    machine = results[1]
    assert [(e.index, e.start, e.end) for e in run.events] == [
        (e.index, e.start, e.end) for e in machine.events
    ]
    assert run.cycles == machine.cycles
    return got


def _assert_specials_reach_the_outputs(bits):
    exp, frac = (bits >> 23) & 0xFF, bits & 0x7FFFFF
    nan = (exp == 0xFF) & (frac != 0)
    assert (nan & (bits != 0xFFC00000) & (bits != 0x7FC00000)).any()  # a payload got through
    assert ((exp == 0xFF) & (frac == 0)).any()  # an infinity
    assert ((exp != 0xFF) & (bits != 0)).any()  # and finite values


# About 5 s each in Amaranth's simulator (16 PEs with a multiplier and an adder each).
@pytest.mark.parametrize("dataflow", list(Dataflow))
def test_random_fp32_programs_with_specials_match_numpy_functional_pe_and_contract(dataflow):
    """Random operands from 2^-80 (subnormal) to 2^60, a tenth of them NaNs with payloads,
    infinities, -0, subnormals or huge values: equal to the functional model and the `pe`
    machine bit for bit, to a NumPy reference wherever that is not a NaN (NumPy does not keep
    the ISA's rule for two NaN operands), and to the timing contract's closed form."""
    cfg = _chip(4, dataflow, True, DType.FP32)
    case = with_specials(random_case(cfg, seed=104), seed=list(Dataflow).index(dataflow))
    rtl = run_rtl(cfg, case.instrs, case.spad, ACC_ROWS)
    _assert_specials_reach_the_outputs(_against_functional_and_pe(cfg, case, rtl))
    with np.errstate(all="ignore"):
        expect, written = numpy_reference(cfg, case)
    numeric = written & ~np.isnan(expect)
    assert numeric.sum() > written.sum() // 2
    assert np.array_equal(rtl.acc.view(np.uint32)[numeric], expect.view(np.uint32)[numeric])
    assert [(e.index, e.unit, e.start, e.end) for e in rtl.events] == contract_schedule(
        cfg, case.instrs
    )


@pytest.mark.slow  # a C++ model per dataflow: about a minute each to build
@needs_verilator
@pytest.mark.parametrize("dataflow", [Dataflow.WS, Dataflow.OS])
def test_8x8_fp32_verilog_model_matches_functional_and_pe(dataflow, tmp_path):
    cfg = _chip(8, dataflow, True, DType.FP32)
    case = with_specials(random_case(cfg, seed=88, n_tiles=8, max_t=16), seed=5)
    got = run_verilated(cfg, case.instrs, case.spad, ACC_ROWS, tmp_path)
    _assert_specials_reach_the_outputs(_against_functional_and_pe(cfg, case, got))


@pytest.mark.slow  # Verilator builds the whole fp32 chip: about a minute
@needs_verilator
def test_random_vector_programs_on_an_fp32_chip_match_the_machine(tmp_path):
    """Every vector function over fp32 scratchpad rows (read as binary32 as they are, stored
    unrounded) and the accumulator, with NaN payloads, infinities, -0 and subnormals."""
    for seed in range(3):
        program, state = random_vector_program(tiny_fp32(), 300 + seed, count=120, specials=True)
        run = cosimulate(program, state, simulator=VERILATOR, build_dir=tmp_path)
        assert sum(e.unit == "vector" for e in run.rtl.events) == 121


@pytest.mark.slow  # Amaranth's conversion of the whole chip and Verilator's lint: about 30 s
def test_systolic_hdl_exports_an_fp32_chip_lint_clean(tmp_path, capsys):
    cfg = tiny_fp32()
    (tmp_path / "chip.toml").write_text(cfg.to_toml())
    assert main(["hdl", "--chip", str(tmp_path / "chip.toml"), "-o", str(tmp_path / "v")]) == 0
    top = module_name(cfg)
    text = (tmp_path / "v" / f"{top}.v").read_text()
    assert "(4x4 ws, fp32)" in text
    # The PE module takes 32-bit operands and holds the multiplier and the adder.
    pe = text[text.index(f"module {top}_pe(") :]
    pe = pe[: pe.index("endmodule")]
    assert "input [31:0] a_in;" in pe and "input [31:0] w_in;" in pe
    if shutil.which("verilator") is None:
        pytest.skip("verilator is not on PATH (.ci/run installs it from Debian's packages)")
    lint = subprocess.run(
        ["verilator", "--lint-only", "-Wall", "--top-module", top]
        + [str(tmp_path / "v" / f"{top}.vlt"), str(tmp_path / "v" / f"{top}.v")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert lint.returncode == 0, lint.stderr
    assert "%Warning" not in lint.stderr, lint.stderr


@pytest.mark.slow  # compiling and co-simulating about 1,400 instructions: minutes
@needs_verilator
def test_a_compiled_fp32_mlp_runs_on_the_rtl(tmp_path, monkeypatch, rtl_model_cache):
    """`systolic compile mlp --chip tiny --dtype fp32` and `systolic run --fidelity rtl`: DMA
    of 4-byte scratchpad elements, fp32 PEs and the vector unit agree with the `pe` machine
    on every instruction's cycles, the accumulator and DRAM, and the outputs are equal."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(rtl_model_cache))
    path = tmp_path / "mlp.prog"
    assert main(["compile", "mlp", "--chip", "tiny", "--dtype", "fp32", "-o", str(path)]) == 0
    assert Program.load(path).config.input_dtype is DType.FP32
    assert_rtl_run_equals_pe(path, tmp_path)


# The whole chip in Amaranth's simulator: about 10 s each.
@pytest.mark.parametrize(
    ("src", "dst", "transpose"), [(Mem.SPAD, Mem.ACC, True), (Mem.ACCF, Mem.SPAD, False)]
)
def test_moves_between_the_scratchpad_and_the_accumulator_of_an_fp32_chip(src, dst, transpose):
    """Both memories hold 32-bit words on an fp32 chip, so the ISA allows a MOVE from either
    to the other (int8 and bf16 chips refuse it): the bits arrive unconverted, in the cycles
    of the `pe` machine."""
    values = np.random.default_rng(3).standard_normal((3, 4)).astype(np.float32)
    values[0, :2] = SPECIALS[[2, 10]]  # a NaN payload and a subnormal keep their bits
    program = move_program(tiny_fp32(), src, dst, values, transpose)
    state = ChipState(program.config)
    raw = to_storage(values, state.dtype_of(src)).view(np.uint8).ravel()
    state.dram[: raw.size] = raw  # the program's LOAD of X
    rtl, _ = _cosimulate_chip(program, state)
    out = values.T if transpose else values
    moved = rtl.dram[4096 : 4096 + out.nbytes].view(np.uint32).reshape(out.shape)
    assert np.array_equal(moved, out.view(np.uint32))
