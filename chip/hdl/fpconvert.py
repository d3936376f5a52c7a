"""The vector lane's CVT: binary32 rounded to a narrow number format, as chip/formats.py's
``convert`` does, bit for bit, for every conversion an immediate names.

One circuit serves every format. Its per-format constants (fraction bits, smallest normal
exponent, largest finite value, which special values exist, the integer range) come from
chip/formats.py's tables through two small constant tables indexed by the conversion code, so
the hardware and the model share one statement of the formats. The datapath has three parts,
chosen by the format's kind:

- IEEE-like floats (float16, bfloat16, the float8 formats but e8m0, float4 e2m1): the quantum
  of the result, ``2**(max(e, emin) - M)``, is bit ``d = (23 - M) + max(0, emin + 127 - E)``
  of the input's 24-bit significand (``E`` its biased exponent, 1 for subnormals). Rounding
  to a multiple of that bit (ties to even) is a thermometer mask and one add; while ``d <= 23``
  the hidden bit survives (or carries into the exponent), so the rounded significand added to
  ``(E - 1) << 23`` is already the binary32 encoding and no normalization is needed; for
  ``d = 24`` the result is 0 or the quantum itself, and beyond it 0. Overflow compares that
  encoding with the largest finite value's.
- float8 e8m0: the biased exponent, raised by one when the rounding mode asks.
- 4- and 2-bit integers: the input truncated to its top four integer bits, range-checked.
"""

from __future__ import annotations

from amaranth import C, Cat, Const, Module, Mux, Signal, Value
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from chip.formats import CODES, Conversion, Format, RoundMode
from chip.hdl.fpcommon import F32_QUIET
from chip.hdl.fpconv import F32_INF, is_nan
from chip.isa import f32_bits

_FRAC, _BIAS = 23, 127
CODE_BITS = (CODES - 1).bit_length()
_FLOAT, _E8M0, _INT = 0, 1, 2  # the datapath a format uses
_POSITIVE_NAN = 0x7FC00000  # NumPy's NaN as binary32, what overflow without infinity gives
_FORMATS = tuple(Format)
_MODES = tuple(RoundMode)
_FMT_BITS = (len(_FORMATS) - 1).bit_length()
_MODE_BITS = (len(_MODES) - 1).bit_length()


def _table(values: list[int], width: int, index: Value) -> Value:
    """``values[index]`` (zero past the end): one wide constant shifted by the index, rather
    than a multiplexer per entry."""
    size = 1 << len(index)
    packed = sum(v << (i * width) for i, v in enumerate(values))
    return Const(packed, width * size).word_select(index, width)


def conversion_code(imm: Value) -> tuple[Value, Value]:
    """(whether the binary32 immediate ``imm`` names a conversion, its code): an exact integer
    from 0 to ``CODES - 1`` (-0 included), as `chip.formats.Conversion.from_code` accepts."""
    exp = imm[_FRAC:31]
    zero = imm[:31] == 0
    # A code of CODE_BITS bits has its top bit at exponent 0 .. CODE_BITS - 1: its integer part
    # is the significand's top CODE_BITS bits shifted right by the rest.
    top = Cat(imm[_FRAC - CODE_BITS + 1 : _FRAC], C(1, 1))
    shift = (_BIAS + CODE_BITS - 1 - exp)[:3]
    code = top >> shift
    exact = (imm[: _FRAC - CODE_BITS + 1] == 0) & ((top & ((C(1, 8) << shift) - 1)) == 0)
    in_range = (exp >= _BIAS) & (exp < _BIAS + CODE_BITS) & (code < CODES)
    valid = zero | ~imm[31] & in_range & exact
    return valid, Mux(zero, 0, code)[:CODE_BITS]


def _format_fields() -> dict[str, tuple[int, list[int]]]:
    """Per format (in `Format` order): each constant the datapath reads, with its width."""
    kinds, d0, ebm, top, has_inf, has_nan, neg_zero, optional, hi, neg_lo = ([] for _ in range(10))
    for fmt in _FORMATS:
        spec = fmt.spec
        kinds.append(_E8M0 if fmt is Format.FLOAT8E8M0 else _INT if fmt.is_integer else _FLOAT)
        lo_value, hi_value = fmt.range if fmt.is_integer else (0, 0)
        if not -16 < lo_value <= hi_value < 16:  # the integer path keeps four integer bits
            raise ValueError(f"{fmt.value}: range {fmt.range} needs more than 4 integer bits")
        hi.append(int(hi_value))
        neg_lo.append(-int(lo_value))
        if spec is None:
            for column in (d0, ebm, top, has_inf, has_nan, neg_zero, optional):
                column.append(0)
            continue
        d0.append(_FRAC - spec.mantissa)
        ebm.append(spec.emin + _BIAS)
        top.append(f32_bits(spec.max))
        has_inf.append(spec.has_inf)
        has_nan.append(spec.has_nan)
        neg_zero.append(spec.neg_zero)
        optional.append(fmt.saturate_optional)
    return {
        "kind": (2, kinds),
        "d0": (5, d0),
        "ebm": (8, ebm),
        "top": (31, top),
        "has_inf": (1, has_inf),
        "has_nan": (1, has_nan),
        "neg_zero": (1, neg_zero),
        "optional": (1, optional),
        "hi": (4, hi),
        "neg_lo": (4, neg_lo),
    }


class NarrowConverter(wiring.Component):
    """``y`` is binary32 ``a`` rounded to the conversion whose code is ``code`` (chip/formats.py's
    ``convert`` of one element), combinationally; a code past the last converts to float16
    (the unit refuses such words before they reach the lane)."""

    def __init__(self) -> None:
        super().__init__({"a": In(32), "code": In(CODE_BITS), "y": Out(32)})

    def elaborate(self, platform: object) -> Module:
        m = Module()
        a = self.a
        convs = [Conversion.from_code(n) for n in range(CODES)]
        fields = [
            (_FORMATS.index(c.format) << _MODE_BITS | _MODES.index(c.round_mode)) << 1 | c.saturate
            for c in convs
        ]
        entry = _table(fields, 1 + _MODE_BITS + _FMT_BITS, self.code)
        saturate, mode, fmt = entry[0], entry[1 : 1 + _MODE_BITS], entry[1 + _MODE_BITS :]
        p = {}
        for name, (width, values) in _format_fields().items():
            p[name] = Signal(width, name=f"fmt_{name}")
            m.d.comb += p[name].eq(_table(values, width, fmt))

        sign, exp, frac = a[31], a[_FRAC:31], a[:_FRAC]
        nan = is_nan(a)
        kind = p["kind"]
        m.d.comb += self.y.eq(
            Mux(
                kind == _FLOAT,
                self._float(m, a, p, saturate),
                Mux(
                    kind == _E8M0,
                    self._e8m0(m, exp, frac, mode, saturate),
                    self._integer(m, sign, exp, frac, nan, p),
                ),
            )
        )
        return m

    @staticmethod
    def _float(m: Module, a: Value, p: dict[str, Signal], saturate: Value) -> Value:
        sign, exp, frac = a[31], a[_FRAC:31], a[:_FRAC]
        e_eff = Mux(exp == 0, 1, exp)
        sig = Cat(frac, exp != 0, C(0, 1))  # 25 bits: bit 24 is the guard of d = 25
        d = Signal(8, name="cvt_d")
        m.d.comb += d.eq(p["d0"] + Mux(p["ebm"] > e_eff, p["ebm"] - e_eff, 0))
        unit = Signal(26, name="cvt_unit")  # the quantum's bit; d >= 25 rounds to zero
        m.d.comb += unit.eq(C(1, 26) << Mux(d > 25, 25, d)[:5])
        below = unit - 1
        lsb = (sig & unit) != 0
        guard = (sig & (unit >> 1)) != 0
        sticky = (sig & (below >> 1)) != 0
        rsig = Signal(26, name="cvt_rsig")
        m.d.comb += rsig.eq((sig & ~below) + Mux(guard & (sticky | lsb), unit, 0))
        mag = Signal(32, name="cvt_mag")
        m.d.comb += mag.eq(Mux(rsig == 0, 0, ((e_eff - 1) << _FRAC) + rsig))
        too_big = mag > p["top"]
        saturating = Mux(p["optional"], saturate, ~p["has_inf"])
        overflow = Mux(
            saturating,
            p["top"],
            Mux(p["has_inf"], C(F32_INF, 31), C(_POSITIVE_NAN, 31)),
        )
        keep_sign = p["neg_zero"] | (mag != 0)
        return Mux(
            is_nan(a),
            Mux(p["has_nan"], a | F32_QUIET, sign << 31),
            Mux(too_big, Cat(overflow, sign), Cat(mag[:31], sign & keep_sign)),
        )

    @staticmethod
    def _e8m0(m: Module, exp: Value, frac: Value, mode: Value, saturate: Value) -> Value:
        up = frac != 0
        nearest = frac[_FRAC - 1] & ((frac[: _FRAC - 1] != 0) | (exp != 0))
        bump = Mux(
            mode == _MODES.index(RoundMode.UP),
            up,
            Mux(mode == _MODES.index(RoundMode.NEAREST), nearest, 0),
        ) & ~(saturate & (exp == 0xFE))
        e = Signal(9, name="cvt_e8m0")
        m.d.comb += e.eq(exp + bump)
        # 2**-127 is the binary32 subnormal with the top fraction bit.
        power = Mux(e == 0, C(1 << (_FRAC - 1), 32), e << _FRAC)
        return Mux((exp == 0xFF) | (e >= 0xFF), C(_POSITIVE_NAN, 32), power)

    @staticmethod
    def _integer(
        m: Module, sign: Value, exp: Value, frac: Value, nan: Value, p: dict[str, Signal]
    ) -> Value:
        # |a| < 16 keeps its integer part in the significand's top four bits (hidden bit first).
        top = Cat(frac[_FRAC - 3 :], C(1, 1))
        small = exp < _BIAS
        big = exp > _BIAS + 3  # |a| >= 16, infinities and NaNs: outside every range
        whole = Signal(4, name="cvt_int")
        m.d.comb += whole.eq(Mux(small, 0, top >> (_BIAS + 3 - exp)[:2]))
        fits = ~big & ~nan & Mux(sign, whole <= p["neg_lo"], whole <= p["hi"])
        # Truncation keeps the sign of a negative value that becomes 0 (C's -0.0).
        as_f32 = _table([f32_bits(float(k)) for k in range(16)], 32, whole)
        return Mux(fits, as_f32 | (sign << 31), 0)
