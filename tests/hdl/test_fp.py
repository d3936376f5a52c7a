"""The floating-point units against NumPy's float32 arithmetic, bit for bit."""

import numpy as np
from amaranth.sim import Simulator

from chip.hdl.bf16_mul import Bf16Multiplier
from chip.hdl.fp32_add import Fp32Adder

F32_SPECIALS = [
    0,
    0x80000000,
    0x7F800000,
    0xFF800000,
    0x7FC00000,
    0x7F800001,
    0x00000001,
    0x80000001,
    0x007FFFFF,
    0x00800000,
    0x7F7FFFFF,
    0xFF7FFFFF,
    0x3F800000,
    0xBF800000,
]
BF16_SPECIALS = [
    0,
    0x8000,
    0x7F80,
    0xFF80,
    0x7FC0,
    0x7F81,
    0x0001,
    0x8001,
    0x007F,
    0x0080,
    0x7F7F,
    0x3F80,
    0xBF80,
]


def _fields(rng, n, exps, frac_bits, exp_bits):
    """Random floats whose biased exponents are drawn from ``exps``."""
    e = rng.choice(exps, n).astype(np.uint64)
    f = rng.integers(0, 1 << frac_bits, n).astype(np.uint64)
    s = rng.integers(0, 2, n).astype(np.uint64)
    return (s << (frac_bits + exp_bits)) | (e << frac_bits) | f


def _all_pairs(specials):
    sp = np.array(specials, dtype=np.uint64)
    return np.repeat(sp, len(sp)), np.tile(sp, len(sp))


def _check(dut, a, b, expect):
    bad = []

    async def bench(ctx):
        for x, y, e in zip(a.tolist(), b.tolist(), expect.tolist(), strict=True):
            ctx.set(dut.a, x)
            ctx.set(dut.b, y)
            if ctx.get(dut.y) != e:
                bad.append((hex(x), hex(y), hex(ctx.get(dut.y)), hex(e)))

    sim = Simulator(dut)
    sim.add_testbench(bench)
    sim.run()
    assert bad == []


def test_fp32_adder_matches_numpy_including_subnormals_cancellation_and_specials():
    rng = np.random.default_rng(0)
    exps = [0, 1, 2, 3, 100, 120, 126, 127, 128, 150, 253, 254]
    a = _fields(rng, 1500, exps, 23, 8)
    b = _fields(rng, 1500, exps, 23, 8)
    # Near-cancellation: b is -a give or take a few units in the last place.
    near = (a[:500] + rng.integers(0, 7, 500).astype(np.uint64) - 3) ^ (1 << 31)
    sa, sb = _all_pairs(F32_SPECIALS)
    a = np.concatenate([a, a[:500], sa]) & 0xFFFFFFFF
    b = np.concatenate([b, near, sb]) & 0xFFFFFFFF
    with np.errstate(all="ignore"):
        expect = (a.astype(np.uint32).view(np.float32) + b.astype(np.uint32).view(np.float32)).view(
            np.uint32
        )
    _check(Fp32Adder(), a, b, expect)


def test_bf16_multiplier_matches_float32_product_of_widened_operands():
    rng = np.random.default_rng(1)
    exps = list(range(0, 8)) + list(range(50, 80)) + [126, 127, 128] + list(range(190, 255))
    a = _fields(rng, 2000, exps, 7, 8)
    b = _fields(rng, 2000, exps, 7, 8)
    sa, sb = _all_pairs(BF16_SPECIALS)
    a, b = np.concatenate([a, sa]), np.concatenate([b, sb])

    def widen(x):
        return (x.astype(np.uint32) << 16).view(np.float32)

    with np.errstate(all="ignore"):
        expect = (widen(a) * widen(b)).view(np.uint32)
    _check(Bf16Multiplier(), a, b, expect)
