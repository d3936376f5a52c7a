"""A bfloat16 x bfloat16 multiplier with a binary32 result, round to nearest even."""

from __future__ import annotations

from amaranth import C, Cat, Module, Mux, Signal, signed, unsigned
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from chip.hdl.fpcommon import F32_DEFAULT_NAN, F32_QUIET, leading_zeros, shift_right_sticky

_FRAC, _EXP = 7, 8  # bfloat16 fields
_F32_FRAC = 23


class Bf16Multiplier(wiring.Component):
    """``y = a * b``: two bfloat16 operands, the product rounded to binary32 (RNE).

    The 8 x 8-bit significand product has at most 16 significant bits, so it is exact in
    binary32 whenever it lands in binary32's normal range; products below it are rounded into
    the subnormals (or to zero) and products above it overflow to infinity, bit-exact with
    widening both operands to binary32 and multiplying there. NaNs follow `chip.hdl.fpcommon`.
    """

    def __init__(self) -> None:
        super().__init__({"a": In(unsigned(16)), "b": In(unsigned(16)), "y": Out(unsigned(32))})

    def elaborate(self, platform: object) -> Module:
        m = Module()
        a, b = self.a, self.b

        def unpack(x: Signal) -> tuple:
            exp, frac = x[_FRAC:15], x[:_FRAC]
            normal = exp != 0
            return Mux(normal, exp, 1), Cat(frac, normal)

        e_a, m_a = unpack(a)
        e_b, m_b = unpack(b)
        sign = a[15] ^ b[15]
        product = Signal(16)
        m.d.comb += product.eq(m_a * m_b)
        # value = product * 2^(e_a + e_b - 268); normalized so its top bit is bit 15, the
        # binary32 biased exponent is e_a + e_b - 126 - lz.
        lz = leading_zeros(m, product, "lz")
        norm = Signal(16)
        m.d.comb += norm.eq(product << lz)
        exp = Signal(signed(_EXP + 3))  # from -139 to 382
        m.d.comb += exp.eq(e_a + e_b - 126 - lz)

        # Below the normal range, shift right into the subnormals keeping guard/round/sticky.
        wide = Cat(C(0, 2), C(0, _F32_FRAC - 15), norm)  # 24-bit significand, then 2 bits
        under = Signal(_EXP + 3)
        m.d.comb += under.eq(Mux(exp < 1, 1 - exp, 0))
        shifted = shift_right_sticky(m, wide, under, "denorm")
        guard, rest, lsb = shifted[1], shifted[0], shifted[2]
        # The 23 fraction bits and the carry into the exponent field: only subnormals read it,
        # and a rounded subnormal significand never reaches 2.
        rounded = Signal(_F32_FRAC + 1)
        m.d.comb += rounded.eq(shifted[2:] + (guard & (rest | lsb)))
        # A subnormal has exponent field 0 unless rounding carried it into the normal range.
        field = Mux(exp < 1, rounded[_F32_FRAC], exp[:_EXP])
        finite = Mux(
            product == 0,
            Cat(C(0, 31), sign),
            Mux(
                exp >= 255,
                Cat(C(0, _F32_FRAC), C(0xFF, 8), sign),
                Cat(rounded[:_F32_FRAC], field, sign),
            ),
        )

        wide_a, wide_b = Cat(C(0, 16), a), Cat(C(0, 16), b)  # exact binary32 widening
        a_nan = (a[_FRAC:15] == 0xFF) & (a[:_FRAC] != 0)
        b_nan = (b[_FRAC:15] == 0xFF) & (b[:_FRAC] != 0)
        a_inf = (a[_FRAC:15] == 0xFF) & (a[:_FRAC] == 0)
        b_inf = (b[_FRAC:15] == 0xFF) & (b[:_FRAC] == 0)
        a_zero, b_zero = a[:15] == 0, b[:15] == 0
        with m.If(a_nan):
            m.d.comb += self.y.eq(wide_a | F32_QUIET)
        with m.Elif(b_nan):
            m.d.comb += self.y.eq(wide_b | F32_QUIET)
        with m.Elif(a_inf & b_zero | a_zero & b_inf):
            m.d.comb += self.y.eq(F32_DEFAULT_NAN)
        with m.Elif(a_inf | b_inf):
            m.d.comb += self.y.eq(Cat(C(0, _F32_FRAC), C(0xFF, 8), sign))
        with m.Else():
            m.d.comb += self.y.eq(finite)
        return m
