"""Combinational EXP, LOG, small-argument TANH and RAND of the vector lane (chip/special.py).

Range reduction, a constant table and a fixed-point Horner polynomial, then one round to
nearest even by `round_pack`. Every intermediate is the same integer NumPy computes in
chip/special.py (signed values shift right with floor, as NumPy's ``>>`` does), so the RTL
and the other models agree bit for bit. Each function adds its logic to ``m`` and returns a
named signal.
"""

from __future__ import annotations

from collections.abc import Callable

from amaranth import C, Cat, Module, Mux, Signal, Value, signed, unsigned

from chip import special as sp
from chip.hdl.fpcommon import F32_DEFAULT_NAN, F32_QUIET, Stage, same_cycle
from chip.hdl.fpconv import F32_INF, is_nan, normalize, round_pack
from chip.semantics import PHILOX_M, PHILOX_W

_NEG_INF = 0xFF800000

# ``mul(k, x, y)``: the function's k-th product ``x * y`` (`SharedProducts.user`).
Multiply = Callable[[int, Value, Value], Value]
# ``rnd(neg, mag, exp2)``: ``(-1)**neg * mag * 2**exp2`` rounded to binary32
# (`SharedRounding.user`).
Round = Callable[[Value, Value, Value], Value]


def _plain(k: int, x: Value, y: Value) -> Value:
    return x * y


class SharedProducts:
    """Multipliers taken in turn by functions of which at most one runs at a time (one VEC
    function per instruction): the k-th product a function asks for, for k below ``slots``, is
    slot k's multiplier, whose operands are those of the function whose ``when`` is high; later
    products are multipliers of their own. A slot's operands are signed ``x_bits`` and
    ``y_bits`` wide and its product keeps the low ``p_bits`` (all by default), which must hold
    every product asked for. Every function takes its products in increasing k, so sharing
    makes no combinational loop."""

    def __init__(
        self, name: str, slots: int, x_bits: int, y_bits: int, p_bits: int | None = None
    ) -> None:
        self.name, self.x_bits, self.y_bits = name, x_bits, y_bits
        self.p_bits = x_bits + y_bits if p_bits is None else p_bits
        self.users: list[list[tuple[Value, Value, Value]]] = [[] for _ in range(slots)]
        self.products = [Signal(signed(self.p_bits), name=f"{name}_p{k}") for k in range(slots)]

    def user(self, when: Value, slots: int | None = None) -> Multiply:
        """The ``mul`` of a function that runs while ``when`` is high, taking the first
        ``slots`` slots (all by default): its later products are multipliers of its own."""
        taken = len(self.users) if slots is None else min(slots, len(self.users))

        def mul(k: int, x: Value, y: Value) -> Value:
            x, y = Value.cast(x), Value.cast(y)
            if k >= taken:
                return x * y
            is_signed = x.shape().signed
            if y.shape().signed != is_signed:
                raise ValueError(f"{self.name}: product {k} mixes signed and unsigned operands")
            extra = 0 if is_signed else 1  # an unsigned operand is zero-extended
            if (
                len(x) + extra > self.x_bits
                or len(y) + extra > self.y_bits
                or len(x) + len(y) > self.p_bits
            ):
                raise ValueError(
                    f"{self.name}: a {len(x)}x{len(y)}-bit product does not fit slot {k}'s "
                    f"signed {self.x_bits}x{self.y_bits} bits ({self.p_bits}-bit product)"
                )
            self.users[k].append((when, x, y))
            full = self.products[k][: len(x) + len(y)]
            return full.as_signed() if is_signed else full

        return mul

    def build(self, m: Module) -> None:
        """Drive each slot's multiplier from its users' operands (after every user has asked)."""
        for k, users in enumerate(self.users):
            if not users:
                continue
            # A slot is as wide as its widest users' operands (signed), within the limits.
            x_bits, y_bits = (max(_signed_len(u[i]) for u in users) for i in (1, 2))
            x, y = _extend(users[-1][1], x_bits), _extend(users[-1][2], y_bits)
            for when, ux, uy in reversed(users[:-1]):
                x = Mux(when, _extend(ux, x_bits), x)
                y = Mux(when, _extend(uy, y_bits), y)
            sx, sy = (
                Signal(signed(x_bits), name=f"{self.name}_x{k}"),
                Signal(signed(y_bits), name=f"{self.name}_y{k}"),
            )
            m.d.comb += [sx.eq(x), sy.eq(y), self.products[k].eq(sx * sy)]


# The shared rounding's exponent: EXP's ``k - 32`` (``k`` 16 bits) lowered by 30 needs 18.
_EXP2_BITS = 18


class SharedRounding:
    """One `_round` (a normalizer and a `round_pack` of ``width`` bits) taken in turn by
    functions of which at most one runs at a time, as `SharedProducts`' multipliers: the
    operands are those of the function whose ``when`` is high (the first function asked by
    default). A magnitude narrower than ``width`` is extended with zeros below and its
    exponent lowered as much, which changes neither its value nor its rounding."""

    def __init__(self, name: str, width: int) -> None:
        self.name, self.width = name, width
        self.users: list[tuple[Value, Value, Value, Value]] = []
        self.out = Signal(32, name=name)

    def user(self, when: Value) -> Round:
        """The ``rnd`` of a function that runs while ``when`` is high."""

        def rnd(neg: Value, mag: Value, exp2: Value) -> Value:
            mag = Value.cast(mag)
            if len(mag) > self.width:
                raise ValueError(
                    f"{self.name}: a {len(mag)}-bit magnitude does not fit {self.width} bits"
                )
            pad = self.width - len(mag)
            lowered = Value.cast(exp2) - pad
            if len(lowered) > _EXP2_BITS:
                raise ValueError(
                    f"{self.name}: a {len(Value.cast(exp2))}-bit exponent lowered by {pad} does "
                    f"not fit {_EXP2_BITS} bits"
                )
            self.users.append((when, Value.cast(neg), Cat(C(0, pad), mag), lowered))
            return self.out

        return rnd

    def build(self, m: Module) -> None:
        """Drive the rounding from its users' operands (after every user has asked)."""
        if not self.users:
            return
        _, neg, mag, exp2 = self.users[0]
        for when, u_neg, u_mag, u_exp2 in self.users[1:]:
            neg, mag, exp2 = Mux(when, u_neg, neg), Mux(when, u_mag, mag), Mux(when, u_exp2, exp2)
        sig = Signal(self.width, name=f"{self.name}_mag")
        e2 = Signal(signed(_EXP2_BITS), name=f"{self.name}_exp2")
        m.d.comb += [sig.eq(mag), e2.eq(exp2)]
        m.d.comb += self.out.eq(_round(m, neg, sig, e2, self.name))


# The widest Horner factor of LOG's and TANH's products: a signed 35-bit operand is two of the
# ECP5's 18x18-bit multiplier inputs (17 unsigned bits below, 18 signed above), one bit more is
# three.
_PRODUCT_BITS = 35


def signed_bits(lo: int, hi: int) -> int:
    """The fewest bits of a two's-complement signal that holds every integer in [lo, hi]."""
    return max((~v if v < 0 else v).bit_length() for v in (lo, hi)) + 1


def horner_ranges(poly: tuple[int, ...], lo: int, hi: int, shift: int) -> list[tuple[int, int]]:
    """The range of each value of Horner's ``h = poly[0]``, ``h = c + (x * h >> shift)`` for
    the later ``c``, over every ``x`` in [lo, hi]: interval arithmetic, so sound (a product's
    extremes over a box are at its corners, and the floor shift is monotone)."""
    ranges = [(poly[0], poly[0])]
    for c in poly[1:]:
        h_lo, h_hi = ranges[-1]
        corners = [x * h for x in (lo, hi) for h in (h_lo, h_hi)]
        ranges.append((c + (min(corners) >> shift), c + (max(corners) >> shift)))
    return ranges


def power_offset(lo: int, hi: int) -> int:
    """0 or the signed power of two ``p`` that makes [lo - p, hi - p] narrowest (the first
    such, 0 before the positive powers before the negative): ``x * h`` is then
    ``x * (h - p) + (x << log2 |p|)`` (or minus), the same integer from a narrower product."""
    best, best_bits = 0, signed_bits(lo, hi)
    for sign in (1, -1):
        for e in range(max(abs(lo), abs(hi)).bit_length() + 1):
            bits = signed_bits(lo - sign * (1 << e), hi - sign * (1 << e))
            if bits < best_bits:
                best, best_bits = sign * (1 << e), bits
    return best


def log_z_range() -> tuple[int, int]:
    """The range of LOG's ``z = m R[j] - 1`` (Q34) over every significand ``m`` in [0.75,
    1.5) (Q24) and its table entry ``j``: for each ``j``, z is linear in m, so its extremes
    are at the ends of j's interval."""
    zs = []
    for j, recip in enumerate(sp.LOG_RECIP):
        centre = (sp.LOG_CENTRE + j) << 17
        m_lo, m_hi = max(3 << 22, centre - (1 << 16)), min((3 << 23) - 1, centre + (1 << 16) - 1)
        zs += [m_lo * recip - (1 << 34), m_hi * recip - (1 << 34)]
    return min(zs), max(zs)


def _horner(
    m: Module,
    mul: Multiply,
    x: Value,
    x_range: tuple[int, int],
    poly: tuple[int, ...],
    shift: int,
    name: str,
    bits: int,
    first: int = 0,
) -> tuple[Value, int]:
    """Horner's ``h = poly[0]``, ``h = c + (x * h >> shift)`` for each later ``c``, its k-th
    product from ``mul(first + k, ...)``, for ``x`` in ``x_range``: the last ``h`` as
    ``(h - p, p)``. Each ``h`` is held in exactly the bits its range needs; one that needs more
    than ``bits`` is held less its `power_offset`, so every product has a factor of at most
    ``bits`` and is the same integer as the wide one."""
    ranges = horner_ranges(poly, *x_range, shift)
    offsets = [0 if signed_bits(*r) <= bits else power_offset(*r) for r in ranges]
    for (lo, hi), off in zip(ranges, offsets, strict=True):
        if signed_bits(lo - off, hi - off) > bits:
            raise ValueError(f"{name}: a Horner value in [{lo}, {hi}] does not fit {bits} bits")
    h0 = poly[0] - offsets[0]
    h: Value = C(h0, signed(signed_bits(h0, h0)))
    for i, c in enumerate(poly[1:]):
        (lo, hi), off = ranges[i + 1], offsets[i + 1]
        nh = Signal(signed(signed_bits(lo - off, hi - off)), name=f"{name}_h{i}")
        product = offset_product(mul, first + i, x, h, offsets[i])
        m.d.comb += nh.eq(c - off + (product >> shift))
        h = nh
    return h, offsets[-1]


def offset_product(mul: Multiply, k: int, x: Value, h: Value, offset: int) -> Value:
    """``x * (h + offset)`` for a `power_offset` ``offset``, the product ``x * h`` from
    ``mul(k, ...)``."""
    product = mul(k, x, h)
    if offset == 0:
        return product
    shifted = Value.cast(x) << (abs(offset).bit_length() - 1)
    return product + shifted if offset > 0 else product - shifted


def _signed_len(v: Value) -> int:
    """The bits of ``v`` as a signed value (one more when unsigned)."""
    return len(v) + (0 if v.shape().signed else 1)


def _extend(v: Value, bits: int | None = None) -> Value:
    """``v`` as a signed ``bits``-bit value (zero-extended when unsigned; by default one bit
    wider than an unsigned ``v``: the same integer)."""
    if v.shape().signed:
        return v.as_signed()
    return Cat(v, C(0, (len(v) + 1 if bits is None else bits) - len(v))).as_signed()


def _table(values: tuple[int, ...], shape, index: Value) -> Value:
    """``values[index]`` as a tree of 2:1 multiplexers on the index bits (a ``Switch`` or an
    `Array` would become a ROM process, which Yosys writes with an ``initial`` block)."""
    level = [C(v, shape) for v in values]
    for bit in range(len(index)):
        if len(level) == 1:
            break
        pairs = [level[i : i + 2] for i in range(0, len(level), 2)]
        level = [Mux(index[bit], p[-1], p[0]) for p in pairs]
    return level[0]


def _round(m: Module, neg: Value, mag: Value, exp2: Value, name: str) -> Signal:
    """chip/machine/special_kernels.py's fixed_to_f32: ``(-1)**neg * mag * 2**exp2`` rounded
    to binary32."""
    norm, lz = normalize(m, mag, f"{name}_norm")
    exp = Signal(signed(14), name=f"{name}_exp")
    m.d.comb += exp.eq(exp2 + (len(mag) - 1) - lz)
    return round_pack(m, neg, exp, norm, f"{name}_rp")


def _own_round(m: Module, name: str, rnd: Round | None) -> Round:
    """``rnd``, or a rounding of the function's own when it is None."""
    if rnd is not None:
        return rnd
    return lambda neg, mag, exp2: _round(m, neg, mag, exp2, f"{name}_rnd")


def f32_exp(
    m: Module, a: Value, name: str, mul: Multiply = _plain, rnd: Round | None = None
) -> Signal:
    """e**a in binary32: chip.special.exp_bits. ``mul`` makes the polynomial's five
    products, ``rnd`` the final rounding (by default its own)."""
    sign, exp = a[31], a[23:31]
    sig = Cat(a[:23], exp != 0)
    eu = Mux(exp == 0, 1, exp)
    # Intermediates are exactly as wide as their expressions: a wider signed signal would be
    # written by Yosys with sign-extension copies of its own top bit.
    sh = Signal(signed(9), name=f"{name}_sh")
    m.d.comb += sh.eq(eu - (150 - sp.EXP_FRAC))
    mag = Signal(unsigned(55), name=f"{name}_mag")  # |x| < 2**7 in Q48
    m.d.comb += mag.eq(Mux(sh >= 0, sig << sh[:5], sig >> Mux(sh < 0, -sh, 0)[:7]))
    big = Signal(name=f"{name}_big")
    m.d.comb += big.eq(exp >= sp.EXP_BIG)
    x = Signal(signed(56), name=f"{name}_x")  # Q48
    m.d.comb += x.eq(Mux(big, 0, Mux(sign, -mag, mag)))
    k0 = Signal(signed(16), name=f"{name}_k0")
    m.d.comb += k0.eq(((x >> 24) * sp.EXP_INV_LN2) >> 48)
    r0 = Signal(signed(64), name=f"{name}_r0")
    m.d.comb += r0.eq(x - k0 * sp.EXP_LN2)
    k1, r1 = Signal(signed(16), name=f"{name}_k1"), Signal(signed(64), name=f"{name}_r1")
    low = r0 < 0
    m.d.comb += [k1.eq(Mux(low, k0 - 1, k0)), r1.eq(Mux(low, r0 + sp.EXP_LN2, r0))]
    k, r = Signal(signed(16), name=f"{name}_k"), Signal(unsigned(48), name=f"{name}_r")
    high = r1 >= sp.EXP_LN2
    m.d.comb += [k.eq(Mux(high, k1 + 1, k1)), r.eq(Mux(high, r1 - sp.EXP_LN2, r1))]
    j = r[sp.EXP_FRAC - 6 : sp.EXP_FRAC]
    d = r[sp.EXP_FRAC - 32 : sp.EXP_FRAC - 6]  # Q32
    h: Value = C(sp.EXP_POLY[3], 33)
    for i, c in enumerate(sp.EXP_POLY[2::-1]):
        nh = Signal(34, name=f"{name}_h{i}")
        m.d.comb += nh.eq(c + (mul(i, d, h) >> 32))
        h = nh
    q = Signal(27, name=f"{name}_q")
    m.d.comb += q.eq(mul(3, d, h) >> 32)
    t = Signal(34, name=f"{name}_t")
    m.d.comb += t.eq(_table(sp.EXP_TABLE, 34, j))
    y = Signal(34, name=f"{name}_y")
    m.d.comb += y.eq(t + (mul(4, q, t) >> 32))
    finite = _own_round(m, name, rnd)(C(0, 1), y, k - 32)
    out = Signal(32, name=name)
    with m.If(is_nan(a)):
        m.d.comb += out.eq(a | F32_QUIET)
    with m.Elif(big):
        m.d.comb += out.eq(Mux(sign, 0, F32_INF))
    with m.Else():
        m.d.comb += out.eq(finite)
    return out


def f32_log(
    m: Module, a: Value, name: str, mul: Multiply = _plain, rnd: Round | None = None
) -> Signal:
    """ln(a) in binary32: chip.special.log_bits. ``mul`` makes the six products ``z * h``,
    ``rnd`` the final rounding (by default its own)."""
    sign, exp = a[31], a[23:31]
    norm, lz = normalize(m, Cat(a[:23], exp != 0), f"{name}_sig")
    e0 = Signal(signed(10), name=f"{name}_e0")
    m.d.comb += e0.eq(Mux(exp == 0, 1, exp) - lz - 127)
    upper = norm[22]  # the significand is at least 1.5
    mq = Signal(25, name=f"{name}_m")  # Q24 in [0.75, 1.5)
    m.d.comb += mq.eq(Mux(upper, norm, norm << 1))
    e = Signal(signed(10), name=f"{name}_e")
    m.d.comb += e.eq(e0 + upper)
    j = Signal(7, name=f"{name}_j")
    m.d.comb += j.eq(((mq + (1 << 16)) >> 17) - sp.LOG_CENTRE)
    z_range = log_z_range()
    z = Signal(signed(signed_bits(*z_range)), name=f"{name}_z")  # Q34
    m.d.comb += z.eq((mq * _table(sp.LOG_RECIP, 12, j)).as_signed() - (1 << 34))
    h, offset = _horner(m, mul, z, z_range, sp.LOG_POLY, 34, name, _PRODUCT_BITS)
    s = Signal(signed(64), name=f"{name}_s")  # Q56
    last = offset_product(mul, len(sp.LOG_POLY) - 1, z, h, offset)
    m.d.comb += s.eq(e * sp.LOG_LN2 + _table(sp.LOG_NEG_LN_R, signed(64), j) + (last >> 14))
    neg = s < 0
    mag = Signal(unsigned(64), name=f"{name}_mag")
    m.d.comb += mag.eq(Mux(neg, -s, s))
    finite = _own_round(m, name, rnd)(neg, mag, C(-56, signed(8)))
    out = Signal(32, name=name)
    with m.If(is_nan(a)):
        m.d.comb += out.eq(a | F32_QUIET)
    with m.Elif(a[:31] == 0):
        m.d.comb += out.eq(_NEG_INF)
    with m.Elif(sign):
        m.d.comb += out.eq(F32_DEFAULT_NAN)
    with m.Elif(exp == 0xFF):
        m.d.comb += out.eq(F32_INF)
    with m.Else():
        m.d.comb += out.eq(finite)
    return out


def f32_rand(
    m: Module,
    a: Value,
    b: Value,
    key: Value,
    name: str,
    mul: Multiply = _plain,
    stage: Stage = same_cycle,
    rnd: Round | None = None,
) -> Value:
    """RAND: Philox-2x32-10 of the counter (``a``, ``b``) under ``key`` (chip.semantics's
    ``philox_uniform``), its first word's top 24 bits / 2**24 in binary32 (exact). ``mul``
    makes round r's product as its r-th, ``rnd`` the conversion to binary32 (by default its
    own); ``stage`` cuts after the fifth round."""
    factor = C(int(PHILOX_M), 32)
    c0, c1, k = a, b, key
    for r in range(9):
        if r == 5:
            c0, c1 = stage(c0, f"{name}_c0_r"), stage(c1, f"{name}_c1_r")
            k = stage(k, f"{name}_k_r")
        if r:
            nk = Signal(32, name=f"{name}_k{r}")
            m.d.comb += nk.eq(k + PHILOX_W)
            k = nk
        prod = Signal(64, name=f"{name}_p{r}")
        m.d.comb += prod.eq(mul(r, c0, factor))
        n0, n1 = Signal(32, name=f"{name}_c0_{r}"), Signal(32, name=f"{name}_c1_{r}")
        m.d.comb += [n0.eq(prod[32:] ^ k ^ c1), n1.eq(prod[:32])]
        c0, c1 = n0, n1
    # The tenth round: only the first word's top 24 bits are used.
    hi = Signal(32, name=f"{name}_p9")
    m.d.comb += hi.eq(mul(9, c0, factor)[32:])
    word = Signal(24, name=f"{name}_word")
    m.d.comb += word.eq((hi ^ (k + PHILOX_W) ^ c1)[8:])
    return _own_round(m, name, rnd)(C(0, 1), Cat(C(0, 8), word), C(-32, signed(8)))


def f32_tanh_small(
    m: Module, a: Value, name: str, mul: Multiply = _plain, rnd: Round | None = None
) -> Value:
    """tanh(a) = a P(a**2) for |a| < 0.25: chip.special's ``_tanh_small`` (other inputs give
    values the lane does not use). ``mul`` makes its eight products (``a**2`` first, then
    Horner's, then the significand's), ``rnd`` the final rounding (by default its own)."""
    exp = a[23:31]
    sig = Cat(a[:23], exp != 0)
    eu = Mux(exp == 0, 1, exp)
    sh = Signal(signed(9), name=f"{name}_sh")
    m.d.comb += sh.eq(eu - 118)
    x = Signal(31, name=f"{name}_x")  # |a| in Q32
    left = Mux(sh >= 7, 7, Mux(sh >= 0, sh, 0))[:3]
    m.d.comb += x.eq(Mux(sh >= 0, sig << left, sig >> Mux(sh < 0, -sh, 0)[:8]))
    # a**2 in Q30, below 2**26 for |a| < 0.25 (the wider values of larger inputs are unused)
    s = Signal(26, name=f"{name}_s")
    m.d.comb += s.eq(mul(0, x, x) >> 34)
    h, offset = _horner(
        m, mul, _extend(s), (0, (1 << 26) - 1), sp.TANH_POLY, 30, name, _PRODUCT_BITS, 1
    )
    prod = Signal(61, name=f"{name}_prod")  # positive
    m.d.comb += prod.eq(offset_product(mul, len(sp.TANH_POLY), _extend(sig), h, offset))
    return _own_round(m, name, rnd)(a[31], prod, eu - 186)
