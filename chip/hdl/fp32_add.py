"""An IEEE 754 binary32 adder, round to nearest even."""

from __future__ import annotations

from amaranth import C, Cat, Module, Mux, Signal, unsigned
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from chip.hdl.fpcommon import F32_DEFAULT_NAN, F32_QUIET, leading_zeros, shift_right_sticky

_FRAC, _EXP = 23, 8
_GRS = 3  # guard, round and sticky bits below the mantissa


class Fp32Adder(wiring.Component):
    """``y = a + b`` in binary32, combinational, bit-exact with IEEE 754 round-to-nearest-even:
    subnormal operands and results, signed zeros (x + -x = +0), overflow to infinity, and NaNs
    as described in `chip.hdl.fpcommon`.
    """

    def __init__(self) -> None:
        super().__init__(adder_signature())

    def elaborate(self, platform: object) -> Module:
        m = Module()
        a, b = self.a, self.b
        # Order the operands by magnitude: IEEE magnitudes compare as integers.
        swap = b[:31] > a[:31]
        big, small = Signal(32), Signal(32)
        m.d.comb += [big.eq(Mux(swap, b, a)), small.eq(Mux(swap, a, b))]

        def unpack(x: Signal) -> tuple:
            exp, frac = x[_FRAC:31], x[:_FRAC]
            normal = exp != 0
            # Subnormals share the exponent of the smallest normal, without the hidden bit.
            return Mux(normal, exp, 1), Cat(frac, normal)

        e_big, m_big = unpack(big)
        e_small, m_small = unpack(small)
        subtract = big[31] ^ small[31]
        aligned = shift_right_sticky(m, Cat(C(0, _GRS), m_small), e_big - e_small, "align")
        wide = Cat(C(0, _GRS), m_big, C(0, 1))
        total = Signal(_FRAC + 1 + _GRS + 1)
        m.d.comb += total.eq(Mux(subtract, wide - aligned, wide + aligned))

        # Normalize: a carry shifts right once; cancellation shifts left, but never below the
        # smallest normal exponent (the result is then subnormal).
        top = _FRAC + _GRS  # the hidden bit's position in `total`
        lz = leading_zeros(m, total[: top + 1], "lz")
        room = Signal(_EXP)
        m.d.comb += room.eq(e_big - 1)
        left = Signal(range(top + 2))
        m.d.comb += left.eq(Mux(lz > room, room, lz))
        norm = Signal(top + 1)
        exp = Signal(_EXP + 2)
        with m.If(total[top + 1]):
            m.d.comb += [norm.eq(Cat(total[0] | total[1], total[2:])), exp.eq(e_big + 1)]
        with m.Else():
            m.d.comb += [norm.eq(total << left), exp.eq(e_big - left)]

        # Round to nearest, ties to even, then renormalize a mantissa carry.
        lsb, guard, rest = norm[_GRS], norm[_GRS - 1], norm[: _GRS - 1].any()
        rounded = Signal(_FRAC + 2)
        m.d.comb += rounded.eq(norm[_GRS:] + (guard & (rest | lsb)))
        mant, exp_r = Signal(_FRAC + 1), Signal(_EXP + 2)
        with m.If(rounded[_FRAC + 1]):
            m.d.comb += [mant.eq(rounded[1:]), exp_r.eq(exp + 1)]
        with m.Else():
            m.d.comb += [mant.eq(rounded), exp_r.eq(exp)]
        field = Mux(mant[_FRAC], exp_r, 0)
        sign = Mux((total == 0) & subtract, 0, big[31])  # x + -x = +0 under RNE
        finite = Mux(
            exp_r >= 255,
            Cat(C(0, _FRAC), C(0xFF, _EXP), sign),
            Cat(mant[:_FRAC], field[:_EXP], sign),
        )

        a_nan = (a[_FRAC:31] == 0xFF) & (a[:_FRAC] != 0)
        b_nan = (b[_FRAC:31] == 0xFF) & (b[:_FRAC] != 0)
        a_inf = (a[_FRAC:31] == 0xFF) & (a[:_FRAC] == 0)
        b_inf = (b[_FRAC:31] == 0xFF) & (b[:_FRAC] == 0)
        with m.If(a_nan):
            m.d.comb += self.y.eq(a | F32_QUIET)
        with m.Elif(b_nan):
            m.d.comb += self.y.eq(b | F32_QUIET)
        with m.Elif(a_inf & b_inf & (a[31] != b[31])):
            m.d.comb += self.y.eq(F32_DEFAULT_NAN)
        with m.Elif(a_inf):
            m.d.comb += self.y.eq(a)
        with m.Elif(b_inf):
            m.d.comb += self.y.eq(b)
        with m.Else():
            m.d.comb += self.y.eq(finite)
        return m


def adder_signature() -> wiring.Signature:
    """`Fp32Adder`'s ports: binary32 operands ``a`` and ``b``, their rounded sum ``y``."""
    return wiring.Signature({"a": In(unsigned(32)), "b": In(unsigned(32)), "y": Out(unsigned(32))})
