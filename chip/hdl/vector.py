"""The vector unit: VEC instructions over scratchpad and accumulator rows.

Timing (docs/timing.md): ``passes = rows * ceil(cols / vector_lanes)``, one pass per cycle
(two when both sources read overlapping banks of one memory, neither broadcast), and the
instruction lasts ``passes + L - 1`` cycles, L the latency of the function's class. Each pass
reads ``lanes`` elements of the source rows through asynchronous read ports and writes the
results in the same cycle; the unit then stays busy for the remaining L - 1 cycles, so only
the instruction's start and end are visible to the other queues, as in the machine.

Numerics are chip/semantics.py's ``vector_apply`` followed by ``to_storage``: exact 64-bit
integer arithmetic when every source is an integer memory and the function is one of
``INT_EXACT``, else binary32 (integer sources converted with round to nearest even), then the
destination's conversion (saturating RNE to integers, RNE to bfloat16). The functions of
`SUPPORTED` are built (RECIP and SQRT as the correctly rounded reciprocal and square root,
which their float64 definitions rounded once are); the other special functions (EXP, LOG,
SIGMOID, TANH, RSQRT), CVT
and RAND are not, and a word using one stops the chip with ``error``
(`chip.hdl.run_program.check_program` names it first).
"""

from __future__ import annotations

from amaranth import Array, C, Cat, Const, Module, Mux, Signal, Value, signed
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from chip.config import ChipConfig
from chip.dtypes import DType
from chip.hdl import banks
from chip.hdl.banks import port_bits
from chip.hdl.fp32_add import Fp32Adder
from chip.hdl.fpconv import (
    f32_mul,
    f32_recip,
    f32_sqrt,
    f32_to_bf16,
    f32_to_int,
    int_to_f32,
    is_nan,
)
from chip.hdl.ports import (
    EVENT_INDEX_BITS,
    acc_row_layout,
    read_port_signature,
    row_write_signature,
    spad_row_layout,
)
from chip.isa import (
    ROW_BITS,
    VEC_MUL,
    VEC_READS_B,
    VEC_REDUCE,
    VEC_SPECIAL,
    WORD_BITS,
    Vec,
    VecOp,
)

# RECIP and SQRT are the special functions whose definitions (float64, rounded once) are
# buildable exactly: they are the correctly rounded binary32 reciprocal and square root.
SUPPORTED = frozenset(VecOp) - VEC_SPECIAL - {VecOp.CVT} | {VecOp.RECIP, VecOp.SQRT}
# chip/semantics.py's functions computed exactly in integers when every source is an integer.
INT_EXACT = frozenset(
    {
        VecOp.ADD,
        VecOp.SUB,
        VecOp.MUL,
        VecOp.MAX,
        VecOp.MIN,
        VecOp.COPY,
        VecOp.RELU,
        VecOp.RELU_MASK,
        VecOp.RSUM,
        VecOp.RMAX,
        VecOp.BCAST,
        VecOp.EQ,
        VecOp.GT,
        VecOp.CSUM,
    }
)
SPAD_CODE, ACC_CODE, ACCF_CODE = 0, 1, 2  # chip.isa's memory codes
_SIGN = 1 << 31
_ONE = 0x3F800000


def _op_in(op: Value, ops: frozenset[VecOp]) -> Value:
    out = Const(0)
    for o in sorted(ops, key=lambda o: o.value):
        out = out | (op == o.value)
    return out


def vec_supported(config: ChipConfig, v: data.View) -> Value:
    """True if the VEC word viewed by ``v`` (`decoder_layout(Vec)`) is one this unit runs."""
    return (
        _op_in(v.op, SUPPORTED)
        & (v.rows >= 1)
        & (v.cols >= 1)
        & (v.cols <= config.row_elems)
        & (v.dst[ROW_BITS:] <= ACCF_CODE)
        & (v.src1[ROW_BITS:] <= ACCF_CODE)
        & (v.src2[ROW_BITS:] <= ACCF_CODE)
    )


def _loc_ports(config: ChipConfig, loc: Value, write: bool, rows: Value) -> Value:
    row, code = loc[:ROW_BITS], loc[ROW_BITS:]
    return Mux(
        code == SPAD_CODE,
        banks.ports(config, banks.SPAD, write, row, rows),
        banks.ports(config, banks.ACC, write, row, rows),
    )


def vec_read_ports(config: ChipConfig, v: data.View) -> tuple[Value, Value, Value, Value]:
    """(src1's read ports, src2's, whether each source is read) of the VEC word ``v``."""
    reads_a = v.op != VecOp.SET.value
    reads_b = _op_in(v.op, VEC_READS_B)
    pa = _loc_ports(config, v.src1, False, Mux(v.bcast1, 1, v.rows))
    pb = _loc_ports(config, v.src2, False, Mux(v.bcast2, 1, v.rows))
    return pa, pb, reads_a, reads_b


def vec_ports(config: ChipConfig, v: data.View) -> Value:
    """The bank ports a VEC reserves (docs/timing.md): its sources' read ports and its
    destination's write ports."""
    pa, pb, reads_a, reads_b = vec_read_ports(config, v)
    dst_rows = Mux(v.op == VecOp.CSUM.value, 1, v.rows)
    pd = _loc_ports(config, v.dst, True, dst_rows)
    return Mux(reads_a, pa, 0) | Mux(reads_b, pb, 0) | pd


def vector_signature(config: ChipConfig) -> wiring.Signature:
    """Between the execute controller and the vector unit, seen from the controller: ``go``
    starts the instruction ``word`` (program index ``index``) this cycle; ``busy`` is high
    from the cycle after its start to its last cycle, ``done`` in its last cycle, with
    ``push_prev``/``push_next`` its token pushes; ``held`` its ports after its start cycle."""
    return wiring.Signature(
        {
            "go": Out(1),
            "word": Out(WORD_BITS),
            "index": Out(EVENT_INDEX_BITS),
            "busy": In(1),
            "done": In(1),
            "done_index": In(EVENT_INDEX_BITS),
            "push_prev": In(1),
            "push_next": In(1),
            "held": In(port_bits(config)),
        }
    )


class VectorUnit(wiring.Component):
    """Runs one VEC instruction at a time (see the module docstring). ``ctrl`` is the
    controller's port (`vector_signature`, flipped); ``spad_a``/``spad_b`` and
    ``acc_a``/``acc_b`` are read ports for the two sources, ``spad_w``/``acc_w`` row write
    ports with one enable per element."""

    def __init__(self, config: ChipConfig) -> None:
        self.config = config
        self.lanes = min(config.vector_lanes, config.row_elems)
        self.chunks = -(-config.row_elems // self.lanes)
        self.int_chip = not config.input_dtype.is_float
        spad, acc = spad_row_layout(config), acc_row_layout(config)
        super().__init__(
            {
                "ctrl": In(vector_signature(config)),
                "spad_a": Out(read_port_signature(config.spad_addr_bits, spad)),
                "spad_b": Out(read_port_signature(config.spad_addr_bits, spad)),
                "acc_a": Out(read_port_signature(config.acc_addr_bits, acc)),
                "acc_b": Out(read_port_signature(config.acc_addr_bits, acc)),
                "spad_w": Out(row_write_signature(config.spad_addr_bits, spad)),
                "acc_w": Out(row_write_signature(config.acc_addr_bits, acc)),
            }
        )

    def elaborate(self, platform: object) -> Module:
        from chip.hdl.controller import decoder_layout

        m = Module()
        cfg, lanes = self.config, self.lanes
        ctrl = self.ctrl
        layout = decoder_layout(Vec)
        saved, cur = Signal(layout), Signal(layout)
        busy, go = Signal(), ctrl.go
        m.d.comb += cur.eq(Mux(go, data.View(layout, ctrl.word).as_value(), saved))
        active = Signal()
        m.d.comb += active.eq(go | busy)

        # Timing: the cycle counter k runs to total - 1; passes advance r (row) and c (chunk).
        op = cur.op
        nch = (cur.cols + (cfg.vector_lanes - 1)) // cfg.vector_lanes
        pa, pb, reads_a, reads_b = vec_read_ports(cfg, cur)
        conflict = Signal()
        m.d.comb += conflict.eq(
            reads_a
            & reads_b
            & ~cur.bcast1
            & ~cur.bcast2
            & ((cur.src1[ROW_BITS:] == SPAD_CODE) == (cur.src2[ROW_BITS:] == SPAD_CODE))
            & (pa & pb).any()
        )
        latency = Mux(
            _op_in(op, VEC_SPECIAL),
            cfg.vector_latency_special,
            Mux(
                _op_in(op, VEC_REDUCE),
                cfg.vector_latency_reduce,
                Mux(_op_in(op, VEC_MUL), cfg.vector_latency_mul, cfg.vector_latency_alu),
            ),
        )
        total = Signal(32)
        m.d.comb += total.eq(cur.rows * nch * (conflict + 1) + latency - 1)
        k_reg, r_reg, c_reg = Signal(32), Signal(cur.rows.shape()), Signal(range(self.chunks))
        half_reg, more_reg = Signal(), Signal()
        k, r, c, half, more = (
            Signal(32),
            Signal(cur.rows.shape()),
            Signal(range(self.chunks)),
            Signal(),
            Signal(),
        )
        m.d.comb += [
            k.eq(Mux(go, 0, k_reg)),
            r.eq(Mux(go, 0, r_reg)),
            c.eq(Mux(go, 0, c_reg)),
            half.eq(Mux(go, 0, half_reg)),
            more.eq(go | more_reg),
        ]
        last = Signal()
        m.d.comb += last.eq(active & (k == total - 1))
        pass_now = Signal()
        m.d.comb += pass_now.eq(active & more & ~half)
        last_chunk = Signal()
        m.d.comb += last_chunk.eq((c + 1) * lanes >= cur.cols)
        advance = Signal()
        m.d.comb += advance.eq(active & more & (half | ~conflict))
        index = Signal(EVENT_INDEX_BITS)
        with m.If(go):
            m.d.sync += index.eq(ctrl.index)
        with m.If(active):
            m.d.sync += [saved.eq(cur), k_reg.eq(k + 1), busy.eq(~last)]
            m.d.sync += half_reg.eq(conflict & more & ~half)
            with m.If(advance):
                with m.If(last_chunk):
                    m.d.sync += [c_reg.eq(0), r_reg.eq(r + 1)]
                    m.d.sync += more_reg.eq(r + 1 < cur.rows)
                with m.Else():
                    m.d.sync += [c_reg.eq(c + 1), r_reg.eq(r), more_reg.eq(1)]
            with m.Else():
                m.d.sync += [c_reg.eq(c), r_reg.eq(r), more_reg.eq(more)]
        m.d.comb += [
            ctrl.busy.eq(busy),
            ctrl.done.eq(last),
            ctrl.done_index.eq(Mux(go, ctrl.index, index)),
            ctrl.push_prev.eq(cur.push_prev),
            ctrl.push_next.eq(cur.push_next),
            ctrl.held.eq(Mux(busy, vec_ports(cfg, saved), 0)),
        ]
        self._datapath(m, cur, r, c, pass_now, last_chunk)
        return m

    def _operand(self, m: Module, loc: Value, row: Value, which: str, c: Value) -> list:
        """Per lane (int value, binary32 bits, int-memory flag) of source ``loc``'s row ``row``
        at chunk ``c``."""
        cfg, lanes = self.config, self.lanes
        sp, ac = getattr(self, f"spad_{which}"), getattr(self, f"acc_{which}")
        m.d.comb += [sp.addr.eq(row), ac.addr.eq(row)]
        code = loc[ROW_BITS:]
        out = []
        for lane in range(lanes):
            sp_el = Array(
                sp.data[e] if e < cfg.row_elems else C(0, len(Value.cast(sp.data[0])))
                for e in (ch * lanes + lane for ch in range(self.chunks))
            )[c]
            ac_el = Array(
                ac.data[e] if e < cfg.row_elems else C(0, 32)
                for e in (ch * lanes + lane for ch in range(self.chunks))
            )[c]
            raw_sp, raw_ac = Value.cast(sp_el), Value.cast(ac_el)
            name = f"{which}{lane}"
            iv, fv = Signal(signed(64), name=f"{name}_int"), Signal(32, name=f"{name}_f32")
            if self.int_chip:
                m.d.comb += iv.eq(Mux(code == SPAD_CODE, raw_sp.as_signed(), raw_ac.as_signed()))
                conv = int_to_f32(m, iv, f"{name}_i2f")
                m.d.comb += fv.eq(Mux(code == ACCF_CODE, raw_ac, conv))
                is_int = code != ACCF_CODE
            else:
                m.d.comb += fv.eq(Mux(code == SPAD_CODE, Cat(C(0, 16), raw_sp), raw_ac))
                is_int = Const(0)
            out.append((iv, fv, is_int))
        return out

    def _datapath(
        self, m: Module, cur: Value, r: Value, c: Value, pass_now: Value, last_chunk: Value
    ) -> None:
        cfg, lanes = self.config, self.lanes
        op = cur.op

        def is_(o: VecOp) -> Value:
            return op == o.value

        row1 = cur.src1[:ROW_BITS] + Mux(cur.bcast1, 0, r)
        row2 = cur.src2[:ROW_BITS] + Mux(cur.bcast2, 0, r)
        a = self._operand(m, cur.src1, row1, "a", c)
        b = self._operand(m, cur.src2, row2, "b", c)
        reads_b = _op_in(op, VEC_READS_B)
        int_mode = Signal()
        m.d.comb += int_mode.eq(
            _op_in(op, INT_EXACT) & a[0][2] & (~reads_b | b[0][2]) & ~is_(VecOp.SET)
        )
        imm = cur.imm
        reduce_row = is_(VecOp.RSUM) | is_(VecOp.RMAX)
        first_row = r == 0

        # Registers carried across passes: the row's running reduction, BCAST's element 0,
        # CSUM's column sums.
        red_i, red_f = Signal(signed(64)), Signal(32)
        b0_i, b0_f = Signal(signed(64)), Signal(32)
        col_i = [Signal(signed(64), name=f"col{e}_int") for e in range(cfg.row_elems)]
        col_f = [Signal(32, name=f"col{e}_f32") for e in range(cfg.row_elems)]

        def f_key(x: Value) -> Value:  # binary32 order as a signed integer (-0 == +0)
            mag = Cat(x[:31], C(0, 1)).as_signed()
            return Mux(x[31], -mag, mag)

        def f_gt(x: Value, y: Value) -> Value:
            return ~is_nan(x) & ~is_nan(y) & (f_key(x) > f_key(y))

        def f_ge(x: Value, y: Value) -> Value:
            return ~is_nan(x) & ~is_nan(y) & (f_key(x) >= f_key(y))

        # NumPy's maximum/minimum: the first operand if it is NaN or strictly larger
        # (smaller), else the second (so max(-0, +0) is +0 and max(+0, -0) is -0).
        def f_max(x: Value, y: Value) -> Value:
            return Mux(f_gt(x, y) | is_nan(x), x, y)

        def f_min(x: Value, y: Value) -> Value:
            return Mux(f_gt(y, x) | is_nan(x), x, y)

        chain_i: Value = Mux(c == 0, 0, red_i)
        chain_f: Value = Mux(c == 0, 0, red_f)
        results = []
        for lane in range(lanes):
            ai, af, _ = a[lane]
            bi, bf, _ = b[lane]
            e_of_chunk = Array(ch * lanes + lane for ch in range(self.chunks))[c]
            valid = e_of_chunk < cur.cols
            first_el = (c == 0) & (lane == 0)
            col_fi = Array(
                col_f[ch * lanes + lane] if ch * lanes + lane < cfg.row_elems else C(0, 32)
                for ch in range(self.chunks)
            )[c]
            col_ii = Array(
                col_i[ch * lanes + lane] if ch * lanes + lane < cfg.row_elems else C(0, 64)
                for ch in range(self.chunks)
            )[c]
            m.submodules[f"add{lane}"] = adder = Fp32Adder()
            neg_b = Mux(is_nan(bf), bf, bf ^ _SIGN)
            with m.Switch(op):
                with m.Case(VecOp.SUB.value):
                    m.d.comb += [adder.a.eq(af), adder.b.eq(neg_b)]
                with m.Case(VecOp.ADDI.value):
                    m.d.comb += [adder.a.eq(af), adder.b.eq(imm)]
                with m.Case(VecOp.RSUM.value):
                    m.d.comb += [adder.a.eq(chain_f), adder.b.eq(af)]
                with m.Case(VecOp.CSUM.value):
                    m.d.comb += [adder.a.eq(col_fi), adder.b.eq(af)]
                with m.Default():
                    m.d.comb += [adder.a.eq(af), adder.b.eq(bf)]
            prod = f32_mul(m, af, Mux(is_(VecOp.MULI), imm, bf), f"mul{lane}")
            recip = f32_recip(m, af, f"recip{lane}")
            root = f32_sqrt(m, af, f"sqrt{lane}")
            zero_i = C(0, signed(64))
            one_f = C(_ONE, 32)
            rf, ri = Signal(32, name=f"res{lane}_f32"), Signal(signed(64), name=f"res{lane}_int")
            with m.Switch(op):
                with m.Case(VecOp.ADD.value, VecOp.SUB.value, VecOp.ADDI.value):
                    m.d.comb += rf.eq(adder.y)
                with m.Case(VecOp.MUL.value, VecOp.MULI.value):
                    m.d.comb += rf.eq(prod)
                with m.Case(VecOp.MAX.value):
                    m.d.comb += rf.eq(f_max(af, bf))
                with m.Case(VecOp.MIN.value):
                    m.d.comb += rf.eq(f_min(af, bf))
                with m.Case(VecOp.SET.value):
                    m.d.comb += rf.eq(imm)
                with m.Case(VecOp.COPY.value):
                    m.d.comb += rf.eq(af)
                with m.Case(VecOp.RELU.value):
                    m.d.comb += rf.eq(f_max(af, C(0, 32)))
                with m.Case(VecOp.RELU_MASK.value):
                    m.d.comb += rf.eq(Mux(f_gt(af, C(0, 32)), bf, 0))
                with m.Case(VecOp.EQ.value):
                    m.d.comb += rf.eq(Mux(f_ge(af, bf) & f_ge(bf, af), one_f, 0))
                with m.Case(VecOp.GT.value):
                    m.d.comb += rf.eq(Mux(f_gt(af, bf), one_f, 0))
                with m.Case(VecOp.CSUM.value):
                    m.d.comb += rf.eq(Mux(first_row, af, adder.y))
                with m.Case(VecOp.RECIP.value):
                    m.d.comb += rf.eq(recip)
                with m.Case(VecOp.SQRT.value):
                    m.d.comb += rf.eq(root)
            with m.Switch(op):
                with m.Case(VecOp.ADD.value):
                    m.d.comb += ri.eq(ai + bi)
                with m.Case(VecOp.SUB.value):
                    m.d.comb += ri.eq(ai - bi)
                with m.Case(VecOp.MUL.value):
                    m.d.comb += ri.eq(ai * bi)
                with m.Case(VecOp.MAX.value):
                    m.d.comb += ri.eq(Mux(ai >= bi, ai, bi))
                with m.Case(VecOp.MIN.value):
                    m.d.comb += ri.eq(Mux(ai <= bi, ai, bi))
                with m.Case(VecOp.COPY.value):
                    m.d.comb += ri.eq(ai)
                with m.Case(VecOp.RELU.value):
                    m.d.comb += ri.eq(Mux(ai > 0, ai, zero_i))
                with m.Case(VecOp.RELU_MASK.value):
                    m.d.comb += ri.eq(Mux(ai > 0, bi, zero_i))
                with m.Case(VecOp.EQ.value):
                    m.d.comb += ri.eq(ai == bi)
                with m.Case(VecOp.GT.value):
                    m.d.comb += ri.eq(ai > bi)
                with m.Case(VecOp.CSUM.value):
                    m.d.comb += ri.eq(Mux(first_row, ai, col_ii + ai))
            # The row reductions chain through the lanes, element 0 first.
            sum_f = Mux(first_el, af, adder.y)
            max_f = Mux(first_el, af, f_max(chain_f, af))
            sum_i = Mux(first_el, ai, chain_i + ai)
            max_i = Mux(first_el, ai, Mux(chain_i >= ai, chain_i, ai))
            next_f, next_i = Signal(32, name=f"chain{lane}_f32"), Signal(signed(64))
            m.d.comb += [
                next_f.eq(Mux(valid, Mux(is_(VecOp.RSUM), sum_f, max_f), chain_f)),
                next_i.eq(Mux(valid, Mux(is_(VecOp.RSUM), sum_i, max_i), chain_i)),
            ]
            chain_f, chain_i = next_f, next_i
            results.append((ri, rf, e_of_chunk))
            # CSUM's column sums follow the rows.
            for ch in range(self.chunks):
                e = ch * lanes + lane
                if e < cfg.row_elems:
                    with m.If(pass_now & (c == ch)):
                        m.d.sync += [col_i[e].eq(ri), col_f[e].eq(rf)]
        with m.If(pass_now):
            m.d.sync += [red_i.eq(chain_i), red_f.eq(chain_f)]
            with m.If(c == 0):
                m.d.sync += [b0_i.eq(a[0][0]), b0_f.eq(a[0][1])]
        bcast_i = Mux(c == 0, a[0][0], b0_i)
        bcast_f = Mux(c == 0, a[0][1], b0_f)

        # Every lane's value, then converted to the destination's type.
        dcode = cur.dst[ROW_BITS:]
        enc_sp, enc_ac = [], []
        for lane, (ri, rf, _) in enumerate(results):
            vi, vf = Signal(signed(64), name=f"out{lane}_int"), Signal(32, name=f"out{lane}_f32")
            m.d.comb += [
                vi.eq(Mux(reduce_row, chain_i, Mux(is_(VecOp.BCAST), bcast_i, ri))),
                vf.eq(Mux(reduce_row, chain_f, Mux(is_(VecOp.BCAST), bcast_f, rf))),
            ]
            if self.int_chip:
                i8 = Mux(vi > 127, 127, Mux(vi < -128, -128, vi))
                i32 = Mux(vi > 2**31 - 1, 2**31 - 1, Mux(vi < -(2**31), -(2**31), vi))
                f8 = f32_to_int(m, vf, -128, 127, f"out{lane}_f2i8")
                f32i = f32_to_int(m, vf, -(2**31), 2**31 - 1, f"out{lane}_f2i32")
                as_f = int_to_f32(m, vi, f"out{lane}_i2f")
                enc_sp.append(Mux(int_mode, i8, f8)[:8])
                enc_ac.append(
                    Mux(dcode == ACCF_CODE, Mux(int_mode, as_f, vf), Mux(int_mode, i32, f32i)[:32])
                )
            else:
                assert self.config.input_dtype is DType.BF16
                enc_sp.append(f32_to_bf16(vf))
                enc_ac.append(vf)

        is_csum = is_(VecOp.CSUM)
        writing = Signal()
        m.d.comb += writing.eq(pass_now & (~is_csum | (r == cur.rows - 1)))
        drow = cur.dst[:ROW_BITS] + Mux(is_csum, 0, r)
        m.d.comb += [self.spad_w.addr.eq(drow), self.acc_w.addr.eq(drow)]
        for e in range(cfg.row_elems):
            lane, ch = e % lanes, e // lanes
            en = writing & (e < cur.cols) & Mux(reduce_row, last_chunk, c == ch)
            m.d.comb += [
                self.spad_w.data[e].eq(enc_sp[lane]),
                self.acc_w.data[e].eq(enc_ac[lane]),
                self.spad_w.en[e].eq(en & (dcode == SPAD_CODE)),
                self.acc_w.en[e].eq(en & (dcode != SPAD_CODE)),
            ]
