"""A binary32 x binary32 multiplier, round to nearest even: the fp32 PE's multiply."""

from __future__ import annotations

from amaranth import Module, unsigned
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from chip.hdl.fpconv import f32_mul


class Fp32Multiplier(wiring.Component):
    """``y = a * b`` in binary32, combinational: the 24 x 24-bit significand product,
    normalized and rounded once to nearest even, with subnormal operands and results, signed
    zeros, overflow to infinity and NaNs as described in `chip.hdl.fpcommon` (a NaN ``a``
    quieted, else a NaN ``b``, else 0 * inf gives the default NaN). This is chip/semantics.py's
    ``f32_mul``, and the vector lane's MUL/MULI (`chip.hdl.fpconv.f32_mul`) built as a module
    of its own so that every PE instantiates one.
    """

    def __init__(self) -> None:
        super().__init__({"a": In(unsigned(32)), "b": In(unsigned(32)), "y": Out(unsigned(32))})

    def elaborate(self, platform: object) -> Module:
        m = Module()
        m.d.comb += self.y.eq(f32_mul(m, self.a, self.b, "mul"))
        return m
