"""The vector lane's CVT in RTL (chip/hdl/fpconvert.py) against chip/formats.py's ``convert``,
bit for bit: every conversion code on edge cases under Amaranth's simulator, every code on a
dense set of binary32 inputs (every sign and exponent with the fractions around every rounding
position, every top-16-bit pattern) on the exported Verilog under Verilator, and a compiled
int8 layer whose output is cast to float8 run on the whole chip's RTL."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest
from amaranth.sim import Simulator

from chip.formats import CODES, Conversion, Format, convert
from chip.hdl.export import _to_verilog
from chip.hdl.fpconvert import NarrowConverter
from chip.hdl.verilated import HARNESS_HEAD
from chip.isa import Vec, VecOp
from chip.program import Program
from runtime.cli import main
from tests.hdl.rtl_runs import assert_rtl_run_equals_pe

needs_verilator = pytest.mark.skipif(
    shutil.which("verilator") is None or shutil.which("g++") is None,
    reason="needs verilator and g++ on PATH (.ci/run installs verilator)",
)


def _bits(values) -> np.ndarray:
    return np.array(values, dtype=np.float32).view(np.uint32)


# Per family: each format's largest finite value and its neighbours, the ties between the top
# values and beyond them, the smallest subnormal and the tie below it, zeros, infinities and
# NaNs with payloads and either sign, e8m0's exponent edges, the integers' range edges.
EDGES = np.concatenate(
    [
        np.array([0, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00001], np.uint32),
        np.array([0x7F800001, 0xFF812345, 0x7FBFFFFF, 1, 0x80000001, 0x007FFFFF], np.uint32),
        np.array([0x00800000, 0x7F7FFFFF, 0x7F7F7FFF, 0x7F7F8000, 0x7F7F8001, 0x7F000000]),
        np.array([0x7F7EFFFF, 0x7F008000, 0x7F018000, 0xFF7F8000, 0x3F7FFFFF], np.uint32),
        _bits([65504, 65519.996, 65520, -65520, 2.0**-24, 2.0**-25, 1.5 * 2.0**-25, 2.0**-26]),
        _bits([448, 464, 464.00003, 480, -480, 240, 247.99998, 248, 2.0**-9, 2.0**-10]),
        _bits([57344, 61439.996, 61440, -61440, 2.0**-16, 2.0**-17, 2.0**-18, 3 * 2.0**-18]),
        _bits([6, 5, 7, -7, 0.25, 0.2500001, 0.75, 0.7499999, 1.25, 2.5, 3.5, 4.9999995]),
        _bits([2.0**127, 1.5 * 2.0**127, 3.4e38, 2.0**-127, 2.0**-126, 3 * 2.0**-127]),
        _bits([7.9999995, 8, -8, -8.5, -9, 15, 15.999999, 16, 1.9999999, 2, -2, -2.5, -3]),
        _bits([3.9999998, 4, -0.5, 0.9999999, -0.9999999, 0.5, 1, -1, 1.5, -1.5, 2.5e-42]),
    ]
).astype(np.uint32)


def _dense() -> np.ndarray:
    """Every sign and exponent with the fractions around every rounding position (each bit,
    one below it, one above, the tie with an odd and an even bit above), and every top-16-bit
    pattern with random low bits."""
    rng = np.random.default_rng(17)
    fracs = {0, (1 << 23) - 1}
    for p in range(24):
        fracs |= {1 << p, (1 << p) - 1, (1 << p) + 1, 3 << p, (3 << p) + 1}
    fracs = np.array(sorted(f & 0x7FFFFF for f in fracs), np.uint32)
    heads = np.arange(512, dtype=np.uint32) << np.uint32(23)
    grid = (heads[:, None] | fracs[None, :]).ravel()
    tops = (np.arange(1 << 16, dtype=np.uint32) << np.uint32(16)) | rng.integers(
        0, 1 << 16, 1 << 16, dtype=np.uint32
    )
    return np.concatenate([EDGES, grid, tops]).astype(np.uint32)


def _want(x: np.ndarray, code: int) -> np.ndarray:
    return convert(x.view(np.float32), Conversion.from_code(code)).view(np.uint32)


def test_every_conversion_code_matches_the_model_on_edge_cases():
    """Each of the 72 codes (every format, saturating or not, e8m0's three rounding modes) on
    the edge cases: about 2 s under Amaranth's simulator."""
    dut = NarrowConverter()
    bad = []

    async def bench(ctx):
        for code in range(CODES):
            want = _want(EDGES, code)
            ctx.set(dut.code, code)
            for value, expect in zip(EDGES, want, strict=True):
                ctx.set(dut.a, int(value))
                got = ctx.get(dut.y)
                if got != expect:
                    fmt = Conversion.from_code(code).format.value
                    bad.append((code, fmt, hex(int(value)), hex(got), hex(int(expect))))

    sim = Simulator(dut)
    sim.add_testbench(bench)
    sim.run()
    assert not bad, bad[:8]


def test_the_edge_cases_reach_every_rule():
    # The edge cases exercise each rule of chip/formats.py somewhere: a saturation and an
    # overflow to infinity and to NaN, NaN payloads kept, NaN to 0 (e2m1), -0 dropped (fnuz),
    # truncation to -0, out-of-range integers to 0, e8m0's modes disagreeing.
    x = EDGES.view(np.float32)

    def out(fmt, saturate=True, mode="up"):
        return convert(x, Conversion.named(fmt, saturate, mode))

    e4 = out("float8e4m3fn"), out("float8e4m3fn", saturate=False)
    assert np.any(e4[0] == 448) and np.any(np.isnan(e4[1]) & np.isfinite(x))
    assert np.any(np.isinf(out("float16")) & np.isfinite(x))
    nan = np.isnan(x)
    assert np.array_equal(out("float16")[nan].view(np.uint32), x[nan].view(np.uint32) | 1 << 22)
    assert np.all(out("float4e2m1")[nan] == 0)
    assert np.all(out("float8e5m2fnuz").view(np.uint32) != 0x80000000)
    assert np.any(out("int4").view(np.uint32) == 0x80000000)
    assert np.any((out("int4") == 0) & (np.abs(x) >= 8.5) & np.isfinite(x))
    modes = [out("float8e8m0", mode=m) for m in ("up", "down", "nearest")]
    assert not np.array_equal(modes[0], modes[2]) and not np.array_equal(modes[1], modes[2])
    assert len({Conversion.from_code(c).format for c in range(CODES)}) == len(Format)


_HARNESS = (
    HARNESS_HEAD.replace("@TOP@", "cvt")
    + r"""
// Reads n and n binary32 inputs; writes each code's n results, binary, code 0 first.
int main(int argc, char** argv) {
    VerilatedContext ctx;
    ctx.commandArgs(argc, argv);
    Vcvt top{&ctx};
    int n, codes;
    if (std::scanf("%d %d", &n, &codes) != 2) return 2;
    std::vector<uint32_t> x = words(n), y(n);
    for (int code = 0; code < codes; code++) {
        top.code = code;
        for (int i = 0; i < n; i++) {
            top.a = x[i];
            top.eval();
            y[i] = top.y;
        }
        std::fwrite(y.data(), 4, n, stdout);
    }
    return 0;
}
"""
)


@pytest.mark.slow  # Verilator's build and 10 million conversions: about 70 s on a loaded machine
@needs_verilator
def test_every_conversion_code_matches_the_model_densely_under_verilator(tmp_path):
    """All 72 codes on about 140k inputs (10 million conversions) through the exported
    Verilog of the converter."""
    (tmp_path / "cvt.v").write_text(_to_verilog(NarrowConverter(), "cvt"))
    (tmp_path / "harness.cpp").write_text(_HARNESS)
    build = ["verilator", "--cc", "--exe", "--build", "-O1", "-Wno-WIDTH", "-Wno-fatal"]
    build += ["--top-module", "cvt", "-Mdir", str(tmp_path / "obj"), "-o", "sim"]
    done = subprocess.run(
        [*build, str(tmp_path / "cvt.v"), str(tmp_path / "harness.cpp")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    x = _dense()
    text = f"{x.size} {CODES}\n" + " ".join(f"{v:x}" for v in x) + "\n"
    run = subprocess.run(
        [str(tmp_path / "obj" / "sim")], input=text.encode(), capture_output=True, timeout=600
    )
    assert run.returncode == 0, run.stderr[-2000:]
    got = np.frombuffer(run.stdout, dtype=np.uint32).reshape(CODES, x.size)
    for code in range(CODES):
        want = _want(x, code)
        wrong = np.flatnonzero(got[code] != want)
        assert wrong.size == 0, (
            Conversion.from_code(code),
            [(hex(x[i]), hex(got[code][i]), hex(want[i])) for i in wrong[:5]],
        )


def _quantized_layer(path) -> None:
    """An ONNX MatMul whose output is cast to float8 e4m3fn (not saturating) and back."""
    from onnx import TensorProto, helper, numpy_helper, save

    w = (np.random.default_rng(3).standard_normal((16, 8)) * 4).astype(np.float32)
    nodes = [
        helper.make_node("MatMul", ["x", "w"], ["h"]),
        helper.make_node("Cast", ["h"], ["q"], to=TensorProto.FLOAT8E4M3FN, saturate=0),
        helper.make_node("Cast", ["q"], ["y"], to=TensorProto.FLOAT),
    ]
    graph = helper.make_graph(
        nodes,
        "fp8_layer",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 16])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, 8])],
        [numpy_helper.from_array(w, "w")],
    )
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 23)]), str(path))


@pytest.mark.slow  # a Verilator build of `tiny` and ~300 instructions: 8 min at load average 12
@needs_verilator
def test_a_compiled_int8_layer_cast_to_float8_runs_on_the_rtl(
    tmp_path, monkeypatch, rtl_model_cache
):
    """`systolic compile` of the layer for `tiny` (int8, dynamic quantization) emits CVT;
    `systolic run --fidelity rtl` agrees with the `pe` machine on every instruction's cycles,
    the accumulator and DRAM, and the outputs are equal."""
    pytest.importorskip("onnx")
    monkeypatch.setenv("XDG_CACHE_HOME", str(rtl_model_cache))
    model, path = tmp_path / "layer.onnx", tmp_path / "layer.prog"
    _quantized_layer(model)
    assert main(["compile", str(model), "--chip", "tiny", "-o", str(path)]) == 0
    cvts = [i for i in Program.load(path).instrs if isinstance(i, Vec) and i.op is VecOp.CVT]
    assert cvts and {Conversion.from_code(i.imm) for i in cvts} == {
        Conversion(Format.FLOAT8E4M3FN, saturate=False)
    }
    assert_rtl_run_equals_pe(path, tmp_path)
