"""One lane of the vector unit: the element arithmetic of every built VEC function.

`chip.hdl.vector.VectorUnit` sequences the passes, reads the rows and writes the results; each
of its ``vector_lanes`` lanes is one `VectorLane`, so the exported Verilog holds one lane module
instantiated per lane (as the array holds one PE module), not ``lanes`` copies of its logic.
"""

from __future__ import annotations

from amaranth import C, Cat, Module, Mux, Value, signed
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from chip.config import ChipConfig
from chip.dtypes import DType
from chip.hdl.fp32_add import Fp32Adder
from chip.hdl.fpcommon import F32_QUIET, registered
from chip.hdl.fpconv import (
    f32_mul,
    f32_recip,
    f32_sqrt,
    f32_to_bf16,
    f32_to_int,
    int_to_f32,
    is_nan,
)
from chip.hdl.fpconvert import NarrowConverter, conversion_code
from chip.hdl.fpspecial import (
    Multiply,
    SharedProducts,
    SharedRounding,
    f32_exp,
    f32_log,
    f32_rand,
    f32_tanh_small,
)
from chip.hdl.numerics import numerics_for
from chip.isa import VEC_MUL, VEC_REDUCE, VEC_SPECIAL, VecOp
from chip.special import NEG_INF as _NEG_INF
from chip.special import TANH_SMALL

_SIGN = 1 << 31
_ONE = 0x3F800000


def _f_key(x: Value) -> Value:
    """An unsigned integer in binary32 order (-0 just below +0): the magnitude above the
    midpoint for a positive number, its complement below it for a negative one. Comparing
    keys needs no negation, only a comparator."""
    return Mux(x[31], ~x, x | _SIGN)


def _both_zero(x: Value, y: Value) -> Value:
    return (x[:31] | y[:31]) == 0


def _f_gt(x: Value, y: Value) -> Value:
    return ~is_nan(x) & ~is_nan(y) & (_f_key(x) > _f_key(y)) & ~_both_zero(x, y)


def _f_eq(x: Value, y: Value) -> Value:
    return ~is_nan(x) & ~is_nan(y) & ((x == y) | _both_zero(x, y))


def _f_pos(x: Value) -> Value:  # x > 0
    return ~x[31] & (x[:31] != 0) & ~is_nan(x)


# NumPy's maximum/minimum: the first operand if it is NaN or strictly larger (smaller), else
# the second (so max(-0, +0) is +0 and max(+0, -0) is -0).
def f_max(x: Value, y: Value) -> Value:
    return Mux(_f_gt(x, y) | is_nan(x), x, y)


def _f_min(x: Value, y: Value) -> Value:
    return Mux(_f_gt(y, x) | is_nan(x), x, y)


def _saturate(x: Value, bits: int) -> Value:
    """Signed ``x`` saturated to ``bits`` bits: it fits when its bits from ``bits - 1`` up
    are all equal (a sign extension), which needs no comparator."""
    top = x[bits - 1 :]
    fits = (top == 0) | (top == (1 << len(top)) - 1)
    bound = Cat((~x[-1]).replicate(bits - 1), x[-1])
    return Mux(fits, x[:bits], bound)


def _op_in(op: Value, ops: frozenset[VecOp]) -> Value:
    hit = C(0, 1)
    for o in sorted(ops, key=lambda o: o.value):
        hit = hit | (op == o.value)
    return hit


def _select(op: Value, cases: list[tuple[tuple[VecOp, ...], Value]], default: Value) -> Value:
    """The value of the first case whose functions include ``op``, else ``default``: a chain
    of 2:1 multiplexers (a `Switch` would become a parallel multiplexer, which Yosys writes as
    a Verilog function with overlapping ``casez`` items)."""
    out = default
    for ops, value in reversed(cases):
        hit = C(0, 1)
        for o in ops:
            hit = hit | (op == o.value)
        out = Mux(hit, value, out)
    return out


def lane_signature(config: ChipConfig, op_bits: int) -> wiring.Signature:
    """The lane's ports, seen from the lane (all combinational).

    Operands: ``a_int``/``b_int`` (the element as an integer, from an integer memory),
    ``a_bits``/``b_bits`` (its binary32 bits when ``a_conv``/``b_conv`` is low; when high, on
    an integer chip, the lane converts ``*_int`` to binary32 with round to nearest even), and
    ``a_f32`` returns source 1's binary32 value. ``col_*`` are CSUM's running column sum of
    this element, ``chain_*`` the row reduction so far (from the previous lane), ``first_el``,
    ``valid`` (element within ``cols``) and ``first_row`` the pass's position. ``res_*`` is
    the function's result, ``next_*`` the reduction after this element. Separately,
    ``out_int``/``out_f32`` (the value to store: ``int_mode`` says which is meant) are
    converted to the scratchpad's element (``enc_spad``) and the accumulator's (``enc_acc``,
    binary32 when ``dst_f32``). Float chips have no integer memories: their lanes have only the
    binary32 ports."""
    elem = numerics_for(config.input_dtype).elem_shape
    members = {
        "op": In(op_bits),
        "imm": In(32),
        "a_bits": In(32),
        "b_bits": In(32),
        "col_f32": In(32),
        "chain_f32": In(32),
        "first_el": In(1),
        "valid": In(1),
        "first_row": In(1),
        "a_f32": Out(32),
        "res_f32": Out(32),
        "next_f32": Out(32),
        "out_f32": In(32),
        "enc_spad": Out(elem),
        "enc_acc": Out(32),
    }
    if not config.input_dtype.is_float:
        members["a_int"] = In(signed(32))  # an int8 or int32 element
        members["b_int"] = In(signed(32))
        for name in ("col_int", "chain_int", "out_int"):
            members[name] = In(signed(64))
        for name in ("a_conv", "b_conv", "int_mode", "dst_f32"):
            members[name] = In(1)
        members["res_int"] = Out(signed(64))
        members["next_int"] = Out(signed(64))
    return wiring.Signature(members)


def special_lane_count(config: ChipConfig) -> int:
    """How many of ``config``'s lanes have the special functions (the first ones)."""
    return min(config.special_lanes, config.vector_lanes, config.row_elems)


def lane_module_name(prefix: str, special: bool) -> str:
    """The exported Verilog module of a lane with or without the special functions; a chip
    whose every lane has them exports only the first."""
    return prefix if special else f"{prefix}_basic"


# Pipeline registers inside the lane: the special functions' (EXP, LOG, SQRT, RAND's first
# five rounds | the adder and RECIP's first half | RECIP's second half and the multiplier's
# product | its rounding and the result's conversion) and the multiplier's (product |
# rounding), which the functions' latencies must leave room for.
SPECIAL_STAGES = 3
MUL_STAGES = 1


def lane_delays(config: ChipConfig) -> dict[str, int]:
    """Cycles from a pass to its write (L - 1) by latency class: ``alu``, ``mul``,
    ``special``, ``reduce`` (docs/timing.md)."""
    return {
        "alu": config.vector_latency_alu - 1,
        "mul": config.vector_latency_mul - 1,
        "special": config.vector_latency_special - 1,
        "reduce": config.vector_latency_reduce - 1,
    }


def _delay(m: Module, value: Value, cycles: int, name: str) -> list[Value]:
    """``value`` and its copies 1, 2, ... ``cycles`` cycles later."""
    taps = [Value.cast(value)]
    stage = registered(m)
    for k in range(cycles):
        taps.append(stage(taps[-1], f"{name}_d{k + 1}"))
    return taps


class VectorLane(wiring.Component):
    """One lane of `chip.hdl.vector.VectorUnit` (ports: `lane_signature`): chip/semantics.py's
    ``vector_apply`` of one element, exact 64-bit integer arithmetic and binary32 side by side,
    and ``to_storage``'s conversion of the stored value.

    A pipeline of latency L (docs/timing.md): ``enc_spad``/``enc_acc`` hold the value of the
    pass L - 1 cycles earlier, L that of ``op``'s class, which stays the same while passes are
    in flight (one instruction at a time). ``res_*``, ``next_*`` and ``a_f32`` are the pass's
    own cycle's; ``res_*`` is meaningless for MUL, MULI and the special functions, whose
    results only the pipeline carries. ``out_*`` (given in the pass's cycle) is what is
    stored for the other functions.

    With ``special`` false the lane leaves out the special functions (VEC_SPECIAL: EXP, LOG,
    SIGMOID, TANH, RECIP, RSQRT, SQRT, RAND) and its result for them is meaningless: the unit
    runs them on the first ``special_lanes`` lanes only (`ChipConfig.vector_special_lanes`)."""

    def __init__(self, config: ChipConfig, op_bits: int, special: bool = True) -> None:
        delays = lane_delays(config)
        for cls, stages in (("mul", MUL_STAGES), ("special", SPECIAL_STAGES)):
            if delays[cls] < stages:
                # Refused before elaboration: Amaranth would otherwise warn that it was unused.
                self._MustUse__silence = True
                raise ValueError(
                    f"vector_latency_{cls} must be at least {stages + 1} for the RTL lane's "
                    f"pipeline, not {delays[cls] + 1}"
                )
        self.config = config
        self.int_chip = not config.input_dtype.is_float
        self.special = special
        super().__init__(lane_signature(config, op_bits))

    def elaborate(self, platform: object) -> Module:
        m = Module()
        op, imm = self.op, self.imm
        stage = registered(m)

        def is_(o: VecOp) -> Value:
            return op == o.value

        if self.int_chip:
            af = Mux(self.a_conv, int_to_f32(m, self.a_int, "a_i2f"), self.a_bits)
            bf = Mux(self.b_conv, int_to_f32(m, self.b_int, "b_i2f"), self.b_bits)
        else:
            af, bf = self.a_bits, self.b_bits
        m.d.comb += self.a_f32.eq(af)
        chain_f, col_fi = self.chain_f32, self.col_f32
        first_row, first_el = self.first_row, self.first_el

        one_f = C(_ONE, 32)
        m.submodules.add = adder = Fp32Adder()
        neg_b = Mux(is_nan(bf), bf, bf ^ _SIGN)
        add_a = [((VecOp.RSUM,), chain_f), ((VecOp.CSUM,), col_fi)]
        add_b = [((VecOp.SUB,), neg_b), ((VecOp.ADDI,), imm), ((VecOp.RSUM, VecOp.CSUM), af)]
        mul_a: list[tuple[tuple[VecOp, ...], Value]] = []
        mul_b = [((VecOp.MULI,), imm)]
        squash = (VecOp.SIGMOID, VecOp.TANH)
        if self.special:
            # SIGMOID and TANH (|a| >= 0.25) run through EXP, the adder, RECIP and the
            # multiplier (chip/special.py's compositions); RSQRT through SQRT and RECIP. The
            # names end in the pipeline stage their value belongs to.
            mag = af[:31]
            neg2 = Mux(mag >= 0x7F000000, C(_NEG_INF, 32), Cat((mag + (1 << 23))[:31], C(1, 1)))
            exp_in = _select(op, [((VecOp.SIGMOID,), af | _SIGN), ((VecOp.TANH,), neg2)], af)
            # EXP (also in SIGMOID and TANH of |a| >= 0.25), TANH's small-argument polynomial,
            # LOG and RAND never serve the same element: their products take turns on six
            # multipliers (`SharedProducts`), their final roundings on one (`SharedRounding`;
            # RAND's in stage 1, the others' in stage 0).
            shared = SharedProducts("shared_mul", 6, 33, 35, 64)
            rounding = SharedRounding("shared_rnd", 64)
            small_tanh = is_(VecOp.TANH) & (mag < TANH_SMALL)
            uses_exp = (is_(VecOp.EXP) | is_(VecOp.SIGMOID) | is_(VecOp.TANH)) & ~small_tanh
            e0 = f32_exp(m, exp_in, "exp", shared.user(uses_exp), rounding.user(uses_exp))
            is_log, is_rand = is_(VecOp.LOG), is_(VecOp.RAND)
            log0 = f32_log(m, af, "log", shared.user(is_log), rounding.user(is_log))
            root0 = f32_sqrt(m, af, "sqrt")
            # RAND's sixth round is in stage 1: on slot 5, which LOG's and TANH's stage-0
            # chains reach, it would join their paths to stage 1's, a false path longer than
            # any true one to a static timer. (Yosys' `share` pass may still merge its own
            # multiplier with another function's: docs/hdl.md, "Narrower products".)
            rand_mul = shared.user(is_rand, slots=5)
            rand1 = f32_rand(m, af, bf, imm, "rand", rand_mul, stage, rounding.user(is_rand))
            small0 = f32_tanh_small(
                m, af, "tanh", shared.user(small_tanh), rounding.user(small_tanh)
            )
            e1, root1, af1 = stage(e0, "exp_r1"), stage(root0, "sqrt_r1"), stage(af, "a_r1")
            log1, small1 = stage(log0, "log_r1"), stage(small0, "tanh_small_r1")
            # The results that are final after one stage ride in one register from here on
            # (TANH's small-argument one by default).
            done1 = _select(
                op,
                [
                    ((VecOp.EXP,), e1),
                    ((VecOp.LOG,), log1),
                    ((VecOp.SQRT,), root1),
                    ((VecOp.RAND,), rand1),
                ],
                small1,
            )
            add_a.append((squash, one_f))
            add_b.append((squash, e1))
            m.submodules.sub = e_minus_one = Fp32Adder()  # TANH's e - 1, -(1 - e)
            m.d.comb += [e_minus_one.a.eq(e1), e_minus_one.b.eq(C(_ONE | _SIGN, 32))]
            recip_in = _select(op, [(squash, adder.y), ((VecOp.RSQRT,), root1)], af1)
            recip2 = f32_recip(m, recip_in, "recip", stage)
            e2, em1_2 = stage(e1, "exp_r2"), stage(e_minus_one.y, "em1_r2")
            af2, done2 = stage(af1, "a_r2"), stage(done1, "done_r2")
            mul_a = [((VecOp.SIGMOID,), e2), ((VecOp.TANH,), em1_2)]
            mul_b.insert(0, (squash, recip2))
        m.d.comb += [adder.a.eq(_select(op, add_a, af)), adder.b.eq(_select(op, add_b, bf))]
        sig_mul = None
        if self.int_chip:
            # The integer MUL and the binary32 significands' product (whose result the unit
            # does not use in integer mode) take turns on one signed 33x33-bit multiplier; the
            # 64-bit integer product is the widest read.
            products = SharedProducts("int_f32_mul", 1, 33, 33, 64)
            f32_user, int_mul = products.user(~self.int_mode), products.user(self.int_mode)

            def sig_mul(x: Value, y: Value) -> Value:
                return f32_user(0, x, y)

        # One stage after its operands: MUL's result in stage 1, SIGMOID's and TANH's in 3.
        prod = f32_mul(m, _select(op, mul_a, af), _select(op, mul_b, bf), "mul", sig_mul, stage)
        m.submodules.cvt = cvt = NarrowConverter()
        m.d.comb += [cvt.a.eq(af), cvt.code.eq(conversion_code(imm)[1])]
        cases = [
            ((VecOp.ADD, VecOp.SUB, VecOp.ADDI), adder.y),
            ((VecOp.MAX,), f_max(af, bf)),
            ((VecOp.MIN,), _f_min(af, bf)),
            ((VecOp.SET,), imm),
            ((VecOp.COPY,), af),
            ((VecOp.RELU,), Mux(_f_pos(af) | is_nan(af), af, 0)),
            ((VecOp.RELU_MASK,), Mux(_f_pos(af), bf, 0)),
            ((VecOp.EQ,), Mux(_f_eq(af, bf), one_f, 0)),
            ((VecOp.GT,), Mux(_f_gt(af, bf), one_f, 0)),
            ((VecOp.CSUM,), Mux(first_row, af, adder.y)),
            ((VecOp.CVT,), cvt.y),
        ]
        m.d.comb += self.res_f32.eq(_select(op, cases, C(0, 32)))
        sum_f = Mux(first_el, af, adder.y)
        max_f = Mux(first_el, af, f_max(chain_f, af))
        m.d.comb += self.next_f32.eq(Mux(self.valid, Mux(is_(VecOp.RSUM), sum_f, max_f), chain_f))

        delays = lane_delays(self.config)
        own = delays["alu"], delays["reduce"]
        out_f = _delay(m, self.out_f32, max(own), "out_f32")
        stored_f = Mux(_op_in(op, VEC_REDUCE), out_f[delays["reduce"]], out_f[delays["alu"]])
        mul_late = _delay(m, prod, delays["mul"] - MUL_STAGES, "mul")[-1]
        stored_f = Mux(_op_in(op, VEC_MUL), mul_late, stored_f)
        if self.special:
            af3, recip3, done3 = (
                stage(af2, "a_r3"),
                stage(recip2, "recip_r3"),
                stage(done2, "done_r3"),
            )
            quiet = af3 | F32_QUIET
            sigmoid = Mux(is_nan(af3), quiet, Mux(af3[31], prod, recip3))
            small = af3[:31] < TANH_SMALL
            tanh = Mux(is_nan(af3), quiet, Mux(small, done3, Cat(prod[:31], af3[31])))
            special3 = _select(
                op,
                [
                    ((VecOp.RECIP, VecOp.RSQRT), recip3),
                    ((VecOp.SIGMOID,), sigmoid),
                    ((VecOp.TANH,), tanh),
                ],
                done3,
            )
            late = _delay(m, special3, delays["special"] - SPECIAL_STAGES, "special")[-1]
            stored_f = Mux(_op_in(op, VEC_SPECIAL), late, stored_f)
            shared.build(m)
            rounding.build(m)
        stored_i = None
        if self.int_chip:
            self._integer(m, int_mul)
            products.build(m)
            out_i = _delay(m, self.out_int, max(*own, delays["mul"]), "out_int")
            stored_i = Mux(
                _op_in(op, VEC_REDUCE),
                out_i[delays["reduce"]],
                Mux(_op_in(op, VEC_MUL), out_i[delays["mul"]], out_i[delays["alu"]]),
            )
        self._encode(m, stored_f, stored_i)
        return m

    def _integer(self, m: Module, int_mul: Multiply) -> None:
        """The exact 64-bit integer results, beside the binary32 ones (integer chips);
        ``int_mul`` makes MUL's product."""
        op, ai, bi, ri = self.op, self.a_int, self.b_int, self.res_int
        chain_i, col_ii = self.chain_int, self.col_int
        first_row, first_el = self.first_row, self.first_el
        zero_i = C(0, signed(64))

        def is_(o: VecOp) -> Value:
            return op == o.value

        # One comparator serves MAX, MIN and GT (equal operands give either one).
        gt, pos = ai > bi, ~ai[-1] & (ai != 0)
        cases = [
            ((VecOp.ADD,), ai + bi),
            ((VecOp.SUB,), ai - bi),
            ((VecOp.MUL,), int_mul(0, ai, bi)),
            ((VecOp.MAX,), Mux(gt, ai, bi)),
            ((VecOp.MIN,), Mux(gt, bi, ai)),
            ((VecOp.COPY,), ai),
            ((VecOp.RELU,), Mux(pos, ai, zero_i)),
            ((VecOp.RELU_MASK,), Mux(pos, bi, zero_i)),
            ((VecOp.EQ,), ai == bi),
            ((VecOp.GT,), gt),
            ((VecOp.CSUM,), Mux(first_row, ai, col_ii + ai)),
        ]
        m.d.comb += ri.eq(_select(op, cases, zero_i))
        # The row reductions chain through the lanes, element 0 first.
        sum_i = Mux(first_el, ai, chain_i + ai)
        max_i = Mux(first_el, ai, Mux(chain_i >= ai, chain_i, ai))
        m.d.comb += [
            self.next_int.eq(Mux(self.valid, Mux(is_(VecOp.RSUM), sum_i, max_i), chain_i)),
        ]

    def _encode(self, m: Module, vf: Value, vi: Value | None) -> None:
        """``enc_*`` from the binary32 and integer values to store (int chips)."""
        if self.int_chip:
            int_mode = self.int_mode
            i8, i32 = _saturate(vi, 8), _saturate(vi, 32)
            f32i = f32_to_int(m, vf, -(2**31), 2**31 - 1, "out_f2i32")
            # Rounding first and saturating to int32 then int8 is saturating to int8 at once.
            f8 = _saturate(f32i, 8)
            as_f = int_to_f32(m, vi, "out_i2f")
            m.d.comb += [
                self.enc_spad.eq(Mux(int_mode, i8, f8)[:8]),
                self.enc_acc.eq(
                    Mux(self.dst_f32, Mux(int_mode, as_f, vf), Mux(int_mode, i32, f32i)[:32])
                ),
            ]
        elif self.config.input_dtype is DType.BF16:
            m.d.comb += [self.enc_spad.eq(f32_to_bf16(vf)), self.enc_acc.eq(vf)]
        else:
            assert self.config.input_dtype is DType.FP32
            m.d.comb += [self.enc_spad.eq(vf), self.enc_acc.eq(vf)]
