"""The processing element on its own: MAC arithmetic, double buffering, OS accumulate/drain."""

import numpy as np
import pytest
from amaranth.sim import Simulator

from chip.config import Dataflow
from chip.dtypes import DType
from chip.hdl.numerics import numerics_for
from chip.hdl.pe import ProcessingElement


def _run(dut, bench):
    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()


@pytest.mark.parametrize("dataflow", [Dataflow.WS, Dataflow.IS])
def test_stationary_mac_wraps_int32_and_uses_shadow_on_flip(dataflow):
    dut = ProcessingElement(dataflow, DType.INT8, double_buffer=True)
    seen = []

    async def bench(ctx):
        ctx.set(dut.load, 1)
        ctx.set(dut.w_in, -128)
        await ctx.tick()
        ctx.set(dut.load, 0)
        # Flip cycle: the multiplier must already see the shadow value.
        ctx.set(dut.flip, 1)
        ctx.set(dut.a_in, -128)
        ctx.set(dut.psum_in, 2**31 - 1)
        seen.append(ctx.get(dut.psum_out))  # 0 + (-128) * shadow (-128), not * active (0)
        await ctx.tick()
        ctx.set(dut.flip, 0)
        # psum_in from the previous cycle meets this cycle's operand: 2^31-1 + 16384 wraps.
        seen.append(ctx.get(dut.psum_out))
        ctx.set(dut.psum_in, 5)
        ctx.set(dut.load, 1)
        ctx.set(dut.w_in, 3)  # a new shadow value must not disturb the active one
        await ctx.tick()
        ctx.set(dut.load, 0)
        seen.append(ctx.get(dut.psum_out))
        await ctx.tick()
        seen.append(ctx.get(dut.psum_out))
        seen.append(ctx.get(dut.w_out))
        seen.append(ctx.get(dut.a_out))

    _run(dut, bench)
    wrapped = 2**31 - 1 + 16384 - 2**32
    assert seen == [16384, wrapped, 5 + 16384, 5 + 16384, 3, -128]


def test_single_buffered_pe_loads_the_active_register():
    dut = ProcessingElement(Dataflow.WS, DType.INT8, double_buffer=False)
    seen = []

    async def bench(ctx):
        ctx.set(dut.load, 1)
        ctx.set(dut.w_in, -7)
        await ctx.tick()
        ctx.set(dut.load, 0)
        ctx.set(dut.a_in, 9)
        seen.append(ctx.get(dut.psum_out))
        seen.append(ctx.get(dut.w_out))

    _run(dut, bench)
    assert seen == [-63, -7]
    assert not hasattr(dut, "flip")


def test_os_pe_accumulates_restarts_on_first_and_drains():
    dut = ProcessingElement(Dataflow.OS, DType.INT8, double_buffer=True)
    out = []

    async def bench(ctx):
        for t, (a, b) in enumerate([(3, 4), (-5, 6), (7, 7)]):
            ctx.set(dut.a_in, a)
            ctx.set(dut.b_in, b)
            ctx.set(dut.valid_in, 1)
            ctx.set(dut.first_in, t == 0)
            await ctx.tick()
        ctx.set(dut.valid_in, 0)
        ctx.set(dut.a_in, 100)  # not valid: must not be accumulated
        await ctx.tick()
        # Capture while a new tile starts in the same cycle.
        ctx.set(dut.capture, 1)
        ctx.set(dut.drain_in, 11)
        ctx.set(dut.valid_in, 1)
        ctx.set(dut.first_in, 1)
        ctx.set(dut.a_in, 2)
        ctx.set(dut.b_in, 2)
        out.append(ctx.get(dut.drain_out))
        await ctx.tick()
        ctx.set(dut.capture, 0)
        ctx.set(dut.valid_in, 0)
        out.append(ctx.get(dut.drain_out))  # the drain register took drain_in
        ctx.set(dut.capture, 1)
        out.append(ctx.get(dut.drain_out))  # the new tile's accumulator

    _run(dut, bench)
    assert out == [3 * 4 - 5 * 6 + 7 * 7, 11, 4]


def test_a_dtype_no_datapath_takes_is_refused_naming_it():
    with pytest.raises(ValueError, match="input_dtype int32 is not implemented in the RTL"):
        numerics_for(DType.INT32)


def test_bf16_pe_rounds_the_product_before_adding():
    # 1 + 2^-7 is a bf16; its square 1 + 2^-6 + 2^-14 is exact in fp32 but not in bf16. Adding
    # -(1 + 2^-6) leaves 2^-14 only if the product was kept in fp32.
    from chip.dtypes import bf16_bits_from_f32, f32_from_bf16_bits

    dut = ProcessingElement(Dataflow.WS, DType.BF16, double_buffer=False)
    x = int(bf16_bits_from_f32(np.float32([1 + 2**-7]))[0])
    assert f32_from_bf16_bits(np.uint16([x]))[0] == np.float32(1 + 2**-7)
    minus = int(np.float32(-(1 + 2**-6)).view(np.uint32))
    seen = []

    async def bench(ctx):
        ctx.set(dut.load, 1)
        ctx.set(dut.w_in, x)
        ctx.set(dut.psum_in, minus)
        await ctx.tick()
        ctx.set(dut.load, 0)
        ctx.set(dut.a_in, x)
        seen.append(ctx.get(dut.psum_out))

    _run(dut, bench)
    assert np.uint32(seen[0]).view(np.float32) == np.float32(2**-14)
