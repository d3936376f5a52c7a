"""Combinational binary32 pieces of the vector unit: rounding, multiply, integer conversions.

Each function adds its logic to ``m`` and returns a named signal. Rounding is IEEE round to
nearest even throughout, with subnormal results and overflow to infinity; NaNs follow
`chip.hdl.fpcommon` (the x86 SSE rule NumPy computes). The integer conversions are those of
chip/dtypes.py's ``to_storage``: float to integer rounds half to even and saturates (NaN gives
0), integer to float rounds to nearest even.
"""

from __future__ import annotations

from collections.abc import Callable

from amaranth import C, Cat, Const, Module, Mux, Signal, Value, signed, unsigned

from chip.hdl.fpcommon import (
    F32_DEFAULT_NAN,
    F32_QUIET,
    Stage,
    same_cycle,
    shift_right_sticky,
)

_FRAC, _BIAS = 23, 127
F32_INF = 0x7F800000


def is_nan(x: Value) -> Value:
    return (x[_FRAC:31] == 0xFF) & (x[:_FRAC] != 0)


def is_inf(x: Value) -> Value:
    return (x[_FRAC:31] == 0xFF) & (x[:_FRAC] == 0)


def normalize(m: Module, value: Value, name: str) -> tuple[Signal, Signal]:
    """(``value`` shifted left until its top bit is set, the shift): a logarithmic shifter, one
    stage per bit of the count, so its depth grows with log2 of the width."""
    width = len(value)
    bits = max(1, (width - 1).bit_length())
    cur: Value = value
    count = []
    for k in reversed(range(bits)):
        step = 1 << k
        stage = Signal(width, name=f"{name}_s{k}")
        zero = Signal(name=f"{name}_z{k}")
        m.d.comb += zero.eq(cur[width - step :] == 0)
        m.d.comb += stage.eq(Mux(zero, cur << step, cur))
        count.append(zero)
        cur = stage
    lz = Signal(range(1 << bits), name=f"{name}_lz")
    m.d.comb += lz.eq(Cat(*reversed(count)))
    return cur, lz


def round_pack(
    m: Module, sign: Value, exp: Value, sig: Value, name: str, subnormal: bool = True
) -> Signal:
    """The binary32 nearest (ties to even) to ``sig * 2**(exp - (W-1))`` with sign ``sign``,
    where ``sig`` is W >= 26 bits with its top bit set (or zero, giving a signed zero) and
    ``exp`` a signed exponent: the unbiased exponent of ``sig``'s top bit. ``subnormal`` false
    promises ``exp >= -126`` (an integer's), so no subnormal shifter is built."""
    width = len(sig)
    biased = Signal(signed(14), name=f"{name}_biased")
    m.d.comb += biased.eq(exp + _BIAS)
    # Below the normal range the significand is shifted into the subnormal position first.
    if subnormal:
        under = Signal(unsigned(12), name=f"{name}_under")
        m.d.comb += under.eq(Mux(biased < 1, 1 - biased, 0))
        shifted = shift_right_sticky(m, sig, under, f"{name}_sub")
    else:
        shifted = sig
    mant = shifted[width - 24 :]
    guard = shifted[width - 25]
    rest = shifted[: width - 25] != 0
    inc = guard & (rest | mant[0])
    packed = Signal(unsigned(33), name=f"{name}_packed")
    # The hidden bit adds one to the exponent field: a normal result packs as (biased-1, mant).
    field = Mux(biased < 1, 0, biased - 1)
    m.d.comb += packed.eq((field.as_unsigned()[:9] << _FRAC) + mant + inc)
    out = Signal(32, name=name)
    overflow = (biased > 254) | (packed >= F32_INF)
    m.d.comb += out.eq(
        Mux(sig == 0, sign << 31, Cat(Mux(overflow, C(F32_INF, 31), packed[:31]), sign))
    )
    return out


def f32_mul(
    m: Module,
    a: Value,
    b: Value,
    name: str,
    mul: Callable[[Value, Value], Value] | None = None,
    stage: Stage = same_cycle,
) -> Signal:
    """``a * b`` in binary32, correctly rounded; ``mul`` makes the 24x24-bit significand
    product (by default a multiplier of its own). ``stage`` cuts between the product and its
    normalization and rounding."""

    def unpack(x: Value) -> tuple[Value, Value]:
        normal = x[_FRAC:31] != 0
        return Mux(normal, x[_FRAC:31], 1), Cat(x[:_FRAC], normal)

    ma, mb = unpack(a)[1], unpack(b)[1]
    product = Signal(48, name=f"{name}_product")
    m.d.comb += product.eq(ma * mb if mul is None else mul(ma, mb))
    product = stage(product, f"{name}_product_r")
    a, b = stage(a, f"{name}_a_r"), stage(b, f"{name}_b_r")
    sign = a[31] ^ b[31]
    ea, eb = unpack(a)[0], unpack(b)[0]
    norm, lz = normalize(m, product, f"{name}_norm")
    exp = Signal(signed(12), name=f"{name}_exp")
    m.d.comb += exp.eq(ea + eb - (2 * _BIAS - 1) - lz)
    finite = round_pack(m, sign, exp, norm, f"{name}_rp")
    zero_a = a[:31] == 0
    zero_b = b[:31] == 0
    out = Signal(32, name=name)
    with m.If(is_nan(a)):
        m.d.comb += out.eq(a | F32_QUIET)
    with m.Elif(is_nan(b)):
        m.d.comb += out.eq(b | F32_QUIET)
    with m.Elif(is_inf(a) & zero_b | is_inf(b) & zero_a):
        m.d.comb += out.eq(F32_DEFAULT_NAN)
    with m.Elif(is_inf(a) | is_inf(b)):
        m.d.comb += out.eq(Cat(C(F32_INF, 31), sign))
    with m.Else():
        m.d.comb += out.eq(finite)
    return out


def int_to_f32(m: Module, x: Value, name: str) -> Signal:
    """A signed integer (32 to 64 bits) rounded to the nearest binary32."""
    width = len(x)  # |x| <= 2**(width-1) fits ``width`` unsigned bits
    assert 32 <= width <= 64, width
    neg = x < 0
    mag = Signal(width, name=f"{name}_mag")
    m.d.comb += mag.eq(Mux(neg, -x, x))
    norm, lz = normalize(m, mag, f"{name}_norm")
    exp = Signal(signed(8), name=f"{name}_exp")
    m.d.comb += exp.eq(width - 1 - lz)
    return round_pack(m, neg, exp, norm, f"{name}_rp", subnormal=False)


def f32_to_int(m: Module, f: Value, lo: int, hi: int, name: str) -> Signal:
    """Binary32 ``f`` rounded half to even to an integer, saturated to ``[lo, hi]`` (at most
    32-bit bounds); NaN gives 0 and the infinities the bounds."""
    exp = f[_FRAC:31]
    sig = Cat(f[:_FRAC], exp != 0)
    e = Mux(exp == 0, 1, exp)
    big = Signal(name=f"{name}_big")  # |f| >= 2**31: beyond any 32-bit bound
    m.d.comb += big.eq(e >= _BIAS + 31)
    # |f| = sig * 2**(e - 150): shift left for e >= 150, else right keeping guard and sticky.
    # sig (24 bits) << at most 7: 31 bits.
    left = Signal(unsigned(31), name=f"{name}_left")
    m.d.comb += left.eq(sig << (e - 150)[:3])
    amount = Signal(unsigned(8), name=f"{name}_amount")
    m.d.comb += amount.eq(Mux(e >= 150, 0, 150 - e))
    # Two zero bits below the significand come out as the guard bit and the sticky bit.
    with_guard = shift_right_sticky(m, Cat(C(0, 2), sig), amount, f"{name}_sh")
    kept = with_guard[2:]
    guard = with_guard[1]
    sticky = with_guard[0]
    right = kept + (guard & (sticky | kept[0]))
    mag = Signal(unsigned(31), name=f"{name}_magnitude")
    m.d.comb += mag.eq(Mux(e >= 150, left, right))
    value = Signal(signed(32), name=f"{name}_value")
    m.d.comb += value.eq(Mux(f[31], -mag, mag))
    out = Signal(signed(33), name=name)
    with m.If(is_nan(f)):
        m.d.comb += out.eq(0)
    with m.Elif(big | (value > hi) | (value < lo)):
        m.d.comb += out.eq(Mux(f[31], lo, hi))
    with m.Else():
        m.d.comb += out.eq(value)
    return out


def f32_to_bf16(f: Value) -> Value:
    """Binary32 bits rounded to bfloat16 bits (chip/dtypes.py's ``bf16_bits_from_f32``)."""
    rounded = (f + 0x7FFF + f[16])[16:32]
    return Mux(is_nan(f), f[16:32] | 0x40, rounded)


def f32_recip(m: Module, a: Value, name: str, stage: Stage = same_cycle) -> Signal:
    """``1 / a`` in binary32, correctly rounded: what chip/semantics.py's float64 ``1.0 / a``
    rounded once to binary32 gives (53 >= 2 * 24 + 2 bits make that double rounding exact).
    The significand quotient ``2**50 // m`` keeps 27 or 28 bits and the remainder a sticky
    bit. ``stage`` cuts the division in the middle of its quotient bits."""
    exp = a[_FRAC:31]
    frac = Cat(a[:_FRAC], exp != 0)
    mant, lz_m = normalize(m, frac, f"{name}_mant")
    ea = Signal(signed(11), name=f"{name}_ea")
    m.d.comb += ea.eq(Mux(exp == 0, 1, exp) - lz_m)
    quotient, rest = _recip_divide(m, mant, name, stage)
    a, ea = stage(a, f"{name}_a_r"), stage(ea, f"{name}_ea_r")
    sign = a[31]
    sig, lz = normalize(m, Cat(rest != 0, quotient), f"{name}_norm")
    e = Signal(signed(12), name=f"{name}_exp")
    m.d.comb += e.eq(127 - ea - lz)
    finite = round_pack(m, sign, e, sig, f"{name}_rp")
    out = Signal(32, name=name)
    with m.If(is_nan(a)):
        m.d.comb += out.eq(a | F32_QUIET)
    with m.Elif(is_inf(a)):
        m.d.comb += out.eq(sign << 31)
    with m.Elif(a[:31] == 0):
        m.d.comb += out.eq(Cat(C(F32_INF, 31), sign))
    with m.Else():
        m.d.comb += out.eq(finite)
    return out


def _recip_divide(
    m: Module, mant: Value, name: str, stage: Stage = same_cycle
) -> tuple[Value, Value]:
    """(``2**50 // mant``, ``2**50 % mant``) for a normalized 24-bit ``mant`` (top bit set) by
    restoring division, one quotient bit per step: ``2**50 >> 28 = 2**22`` is below ``mant``,
    so the quotient has 28 bits and every step compares a 25-bit partial remainder with
    ``mant``. (Yosys' generic divider for ``//`` would be 51 steps of 102-bit subtractors.)
    ``stage`` cuts after the first half of the steps."""
    rem: Value = C(1 << 22, 24)
    bits: list[Value] = []
    for i in reversed(range(28)):
        if i == 13:
            rem, mant = stage(rem, f"{name}_rem_r"), stage(mant, f"{name}_mant_r")
            bits = [stage(Cat(*reversed(bits)), f"{name}_high_r")]
        cur = Cat(C(0, 1), rem)
        take = Signal(name=f"{name}_take{i}")
        m.d.comb += take.eq(cur >= mant)
        nrem = Signal(24, name=f"{name}_rem{i}")
        m.d.comb += nrem.eq(Mux(take, cur - mant, cur))
        bits.append(take)
        rem = nrem
    return Cat(*reversed(bits)), rem


def f32_sqrt(m: Module, a: Value, name: str) -> Signal:
    """``sqrt(a)`` in binary32, correctly rounded: what chip/semantics.py's float64 square
    root rounded once to binary32 gives (53 >= 2 * 24 + 2 bits again). The significand's
    integer square root is computed digit by digit (one bit per stage), the remainder giving
    the sticky bit; negative operands give the default NaN, -0 gives -0."""
    exp = a[_FRAC:31]
    frac = Cat(a[:_FRAC], exp != 0)
    mant, lz_m = normalize(m, frac, f"{name}_mant")
    # a = mant * 2**e2 with e2 = (biased exponent - lz) - 150, made even by doubling mant.
    e2 = Signal(signed(12), name=f"{name}_e2")
    m.d.comb += e2.eq(Mux(exp == 0, 1, exp) - lz_m - 150)
    odd = e2[0]
    radicand = Signal(54, name=f"{name}_radicand")
    m.d.comb += radicand.eq(Mux(odd, mant << 29, mant << 28))
    rem: Value = Const(0, 30)
    root: Value = Const(0, 28)
    for i in reversed(range(27)):
        pair = radicand[2 * i : 2 * i + 2]
        cur = Signal(30, name=f"{name}_cur{i}")
        m.d.comb += cur.eq(Cat(pair, rem[:28]))
        trial = Cat(C(1, 2), root[:26])
        take = Signal(name=f"{name}_take{i}")
        m.d.comb += take.eq(cur >= trial)
        nrem, nroot = Signal(30, name=f"{name}_rem{i}"), Signal(28, name=f"{name}_root{i}")
        m.d.comb += [
            nrem.eq(Mux(take, cur - trial, cur)),
            nroot.eq(Cat(take, root[:27])),
        ]
        rem, root = nrem, nroot
    sig, lz = normalize(m, Cat(rem != 0, root), f"{name}_norm")
    half = Signal(signed(12), name=f"{name}_half")
    m.d.comb += half.eq((e2 - odd - 28) >> 1)
    e = Signal(signed(12), name=f"{name}_exp")
    m.d.comb += e.eq(28 - lz + half - 1)
    finite = round_pack(m, C(0, 1), e, sig, f"{name}_rp")
    out = Signal(32, name=name)
    with m.If(is_nan(a)):
        m.d.comb += out.eq(a | F32_QUIET)
    with m.Elif(a[:31] == 0):
        m.d.comb += out.eq(a)
    with m.Elif(a[31]):
        m.d.comb += out.eq(F32_DEFAULT_NAN)
    with m.Elif(is_inf(a)):
        m.d.comb += out.eq(a)
    with m.Else():
        m.d.comb += out.eq(finite)
    return out
