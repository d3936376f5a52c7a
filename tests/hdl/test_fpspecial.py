"""The vector lane's special functions in RTL (chip/hdl/fpspecial.py and the lane's
compositions, RAND's Philox rounds) against chip/special.py and chip/semantics.py, bit for bit,
on random and special binary32 inputs."""

from __future__ import annotations

import numpy as np
import pytest
from amaranth import Module, Signal, signed
from amaranth.sim import Simulator

from chip import special as sp
from chip.config import load_preset
from chip.hdl.fpspecial import (
    SharedProducts,
    SharedRounding,
    f32_exp,
    f32_log,
    horner_ranges,
    log_z_range,
    power_offset,
    signed_bits,
)
from chip.hdl.vector_lane import VectorLane, lane_delays
from chip.isa import VECOP_BITS, VecOp
from chip.semantics import vector_apply
from chip.special import TANH_SMALL, exp_bits, log_bits

TINY = load_preset("tiny")

# Zeros, infinities, NaNs with payloads, subnormals, 1 and its neighbours, the edges of EXP's
# overflow and underflow, the largest finite value, negative numbers.
SPECIAL_BITS = np.array(
    [0, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00001, 0xFF812345, 0x7F800001, 1]
    + [0x80000001, 0x007FFFFF, 0x00800000, 0x3F800000, 0x3F7FFFFF, 0x3F800001, 0x42B17217]
    + [0x42B17218, 0xC2CE8ED0, 0xC2CFF1B5, 0xC2D00000, 0x43000000, 0xC3000000, 0x7F7FFFFF]
    + [0xBF800000, 0x33800000, 0xB3800000, 0x3F000000, 0x41200000, 0xC1200000],
    dtype=np.uint32,
)


def _inputs(seed: int, n: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    bits = rng.integers(0, 2**32, n, dtype=np.uint64).astype(np.uint32)
    kind = rng.integers(0, 3, n)
    normal = (rng.standard_normal(n) * 20).astype(np.float32).view(np.uint32)
    near_one = (1 + rng.standard_normal(n) * 1e-3).astype(np.float32).view(np.uint32)
    bits = np.where(kind == 0, normal, np.where(kind == 1, near_one, bits))
    return np.concatenate([SPECIAL_BITS, bits]).astype(np.uint32)


@pytest.mark.parametrize(("build", "model"), [(f32_exp, exp_bits), (f32_log, log_bits)])
def test_special_functions_match_their_definition(build, model):
    m = Module()
    a = Signal(32)
    out = build(m, a, "f")
    x = _inputs(3, 400)
    want = model(x)
    bad = []

    async def bench(ctx):
        for i, v in enumerate(x):
            ctx.set(a, int(v))
            got = ctx.get(out)
            if got != want[i]:
                bad.append((hex(int(v)), hex(got), hex(int(want[i]))))

    sim = Simulator(m)
    sim.add_testbench(bench)
    sim.run()
    assert not bad, bad[:5]


@pytest.mark.slow
@pytest.mark.parametrize("op", [VecOp.SIGMOID, VecOp.TANH, VecOp.RSQRT, VecOp.RAND, VecOp.LOG])
def test_lane_compositions_match_the_semantics(op):
    """SIGMOID, TANH and RSQRT through the lane's shared EXP, adder, RECIP, SQRT and multiplier,
    RAND's Philox rounds and LOG, whose products and EXP's take turns on six multipliers
    (`SharedProducts`): `VectorLane`'s pipelined result against ``vector_apply``."""
    lane = VectorLane(TINY, VECOP_BITS)
    x = _inputs(5, 300)
    if op is VecOp.TANH:  # small arguments, and around the switch to the polynomial
        x[-40:] = np.arange(TANH_SMALL - 20, TANH_SMALL + 20, dtype=np.uint32)
        x[-80:-40] = (
            (np.random.default_rng(7).standard_normal(40) * 0.1).astype(np.float32).view(np.uint32)
        )
    y = np.random.default_rng(6).integers(0, 2**32, x.size, dtype=np.uint64).astype(np.uint32)
    key = 0x12345678
    imm = float(np.uint32(key).view(np.float32)) if op is VecOp.RAND else 0.0
    b = y.view(np.float32) if op is VecOp.RAND else None
    want = vector_apply(op, x.view(np.float32), b, imm, 1, x.size).view(np.uint32)
    bad = []

    # One element per cycle into the lane's pipeline; each comes out L - 1 cycles later, as
    # the binary32 stored in the accumulator.
    delay = lane_delays(TINY)["special"]

    async def bench(ctx):
        ctx.set(lane.op, op.value)
        ctx.set(lane.imm, key if op is VecOp.RAND else 0)
        ctx.set(lane.dst_f32, 1)
        for i in range(x.size + delay):
            if i < x.size:
                ctx.set(lane.a_bits, int(x[i]))
                ctx.set(lane.b_bits, int(y[i]))
            if i >= delay:
                got, j = ctx.get(lane.enc_acc), i - delay
                if got != want[j]:
                    bad.append((hex(int(x[j])), hex(got), hex(int(want[j]))))
            await ctx.tick()

    sim = Simulator(lane)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()
    assert not bad, bad[:5]


def test_shared_products_refuse_operands_that_do_not_fit():
    shared = SharedProducts("p", 2, 8, 8)
    mul = shared.user(Signal())
    with pytest.raises(ValueError, match="a 9x4-bit product does not fit slot 0's signed 8x8"):
        mul(0, Signal(signed(9)), Signal(signed(4)))
    with pytest.raises(ValueError, match="product 1 mixes signed and unsigned operands"):
        mul(1, Signal(signed(4)), Signal(4))
    assert len(mul(2, Signal(20), Signal(20))) == 40  # past the slots: a multiplier of its own
    first_only = shared.user(Signal(), slots=1)
    assert len(first_only(1, Signal(20), Signal(20))) == 40  # past its slots: its own
    assert not shared.users[1]
    narrow = SharedProducts("q", 1, 8, 8, 10).user(Signal())
    with pytest.raises(ValueError, match=r"a 6x6-bit product does not fit .* \(10-bit product\)"):
        narrow(0, Signal(6), Signal(6))


def test_signed_bits_and_power_offsets():
    assert [signed_bits(-1, 0), signed_bits(0, 1), signed_bits(-128, 127), signed_bits(5, 5)] == [
        1,
        2,
        8,
        4,
    ]
    assert signed_bits(-129, 0) == 9 and signed_bits(0, 128) == 9
    # LOG's last Horner value, about 2**36: less 2**36 it needs 29 bits instead of 38.
    lo, hi = 68539650045, 68907462099
    assert power_offset(lo, hi) == 1 << 36 and signed_bits(lo - (1 << 36), hi - (1 << 36)) == 29
    assert power_offset(-34485119041, -34239799290) == -(1 << 35)
    assert power_offset(-3, 5) == 0  # no power of two makes it narrower


def test_log_z_range_is_the_exact_range_over_every_significand():
    m = np.arange(3 << 22, 3 << 23, dtype=np.int64)  # every Q24 significand in [0.75, 1.5)
    j = ((m + (1 << 16)) >> 17) - sp.LOG_CENTRE
    z = m * np.array(sp.LOG_RECIP, dtype=np.int64)[j] - (1 << 34)
    assert log_z_range() == (int(z.min()), int(z.max()))


@pytest.mark.parametrize(
    ("poly", "lo", "hi", "shift"),
    [(sp.LOG_POLY, *log_z_range(), 34), (sp.TANH_POLY, 0, (1 << 26) - 1, 30)],
)
def test_horner_ranges_hold_every_value_the_polynomial_takes(poly, lo, hi, shift):
    # The RTL holds each Horner value in exactly its range's bits: a range too small would let
    # a value wrap. Exact integers (the products pass 64 bits) on a dense grid and the ends.
    ranges = horner_ranges(poly, lo, hi, shift)
    xs = sorted({lo, hi, 0, *range(lo, hi + 1, (hi - lo) // 20_000)})
    for x in xs:
        h = poly[0]
        assert ranges[0][0] <= h <= ranges[0][1]
        for c, (h_lo, h_hi) in zip(poly[1:], ranges[1:], strict=True):
            h = c + ((x * h) >> shift)
            assert h_lo <= h <= h_hi, (x, h, h_lo, h_hi)


def test_shared_rounding_refuses_operands_that_do_not_fit():
    rnd = SharedRounding("r", 16).user(Signal())
    with pytest.raises(ValueError, match="r: a 17-bit magnitude does not fit 16 bits"):
        rnd(Signal(), Signal(17), Signal(signed(8)))
    with pytest.raises(ValueError, match="r: a 18-bit exponent lowered by 8 does not fit 18"):
        rnd(Signal(), Signal(8), Signal(signed(18)))
    assert len(rnd(Signal(), Signal(8), Signal(signed(8)))) == 32


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"vector_latency_special": 3}, "vector_latency_special must be at least 4 .* not 3"),
        ({"vector_latency_mul": 1}, "vector_latency_mul must be at least 2 .* not 1"),
    ],
)
def test_a_lane_refuses_latencies_shorter_than_its_pipeline(changes, message):
    with pytest.raises(ValueError, match=message):
        VectorLane(TINY.replace(**changes), VECOP_BITS)
