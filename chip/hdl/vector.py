"""The vector unit: VEC instructions over scratchpad and accumulator rows.

Timing (docs/timing.md): ``passes = rows * ceil(cols / vector_lanes)`` (``vector_special_lanes``
for a special function, which only the first lanes have), one pass per cycle
(two when both sources read overlapping banks of one memory, neither broadcast), and the
instruction lasts ``passes + L - 1`` cycles, L the latency of the function's class. Each pass
reads ``lanes`` elements of the source rows through asynchronous read ports into the lanes'
pipeline (`VectorLane`), whose results are written L - 1 cycles later, the last pass's in the
instruction's last cycle; only the instruction's start and end are visible to the other
queues, as in the machine.

Numerics are chip/semantics.py's ``vector_apply`` followed by ``to_storage``: exact 64-bit
integer arithmetic when every source is an integer memory and the function is one of
``INT_EXACT``, else binary32 (integer sources converted with round to nearest even), then the
destination's conversion (saturating RNE to integers, RNE to bfloat16, none to fp32). The
functions of `SUPPORTED` are built (RECIP and SQRT as the correctly rounded reciprocal and
square root, which their float64 definitions rounded once are; EXP, LOG, SIGMOID, TANH and
RSQRT as chip/special.py's algorithms; RAND as Philox-2x32-10; CVT as chip/hdl/fpconvert.py's
`NarrowConverter`). A CVT word whose immediate names no conversion stops the chip with
``error``, as the functional model faults on it.
"""

from __future__ import annotations

from amaranth import Array, C, Cat, Const, Module, Mux, Signal, Value, signed
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from chip.config import ChipConfig
from chip.hdl import banks
from chip.hdl.banks import port_bits
from chip.hdl.blackbox import VerilogModule
from chip.hdl.decoder import decoder_layout
from chip.hdl.fpconvert import conversion_code
from chip.hdl.ports import (
    EVENT_INDEX_BITS,
    acc_row_layout,
    read_port_signature,
    row_write_signature,
    spad_row_layout,
)
from chip.hdl.vector_lane import (
    VectorLane,
    lane_delays,
    lane_module_name,
    lane_signature,
    special_lane_count,
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
from chip.semantics import INT_EXACT

# Every function: RECIP and SQRT are the correctly rounded binary32 reciprocal and square root
# (their float64 definitions rounded once), the other special functions chip/special.py's
# algorithms, RAND chip/semantics.py's Philox-2x32-10, CVT chip/formats.py's conversions.
SUPPORTED = frozenset(VecOp)
SPAD_CODE, ACC_CODE, ACCF_CODE = 0, 1, 2  # chip.isa's memory codes


def _op_in(op: Value, ops: frozenset[VecOp]) -> Value:
    out = Const(0)
    for o in sorted(ops, key=lambda o: o.value):
        out = out | (op == o.value)
    return out


def vec_supported(config: ChipConfig, v: data.View) -> Value:
    """True if the VEC word viewed by ``v`` (`decoder_layout(Vec)`) is one this unit runs."""
    return (
        _op_in(v.op, SUPPORTED)
        & ((v.op != VecOp.CVT.value) | conversion_code(v.imm)[0])
        & (v.rows >= 1)
        & (v.cols >= 1)
        & (v.cols <= config.row_elems)
        & (v.dst[ROW_BITS:] <= ACCF_CODE)
        & (v.src1[ROW_BITS:] <= ACCF_CODE)
        & (v.src2[ROW_BITS:] <= ACCF_CODE)
    )


def vec_read_ports(config: ChipConfig, v: data.View) -> tuple[Value, Value, Value, Value]:
    """(src1's read ports, src2's, whether each source is read) of the VEC word ``v``."""
    reads_a = v.op != VecOp.SET.value
    reads_b = _op_in(v.op, VEC_READS_B)
    pa = banks.loc_ports(config, v.src1, False, Mux(v.bcast1, 1, v.rows))
    pb = banks.loc_ports(config, v.src2, False, Mux(v.bcast2, 1, v.rows))
    return pa, pb, reads_a, reads_b


def vec_ports(config: ChipConfig, v: data.View) -> Value:
    """The bank ports a VEC reserves (docs/timing.md): its sources' read ports and its
    destination's write ports."""
    pa, pb, reads_a, reads_b = vec_read_ports(config, v)
    dst_rows = Mux(v.op == VecOp.CSUM.value, 1, v.rows)
    pd = banks.loc_ports(config, v.dst, True, dst_rows)
    return Mux(reads_a, pa, 0) | Mux(reads_b, pb, 0) | pd


def vector_signature(config: ChipConfig) -> wiring.Signature:
    """Between the execute controller and the vector unit, seen from the controller: ``go``
    starts the instruction ``word`` (program index ``index``) this cycle; ``ahead`` is the
    word that may start in the next cycle (the execute queue's next oldest), whose first
    source rows the unit's synchronous read ports address now; ``busy`` is high from the
    cycle after its start to its last cycle, ``done`` in its last cycle, with
    ``push_prev``/``push_next`` its token pushes; ``held`` its ports after its start cycle."""
    return wiring.Signature(
        {
            "go": Out(1),
            "word": Out(WORD_BITS),
            "ahead": Out(WORD_BITS),
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
    ports with one enable per element. Each lane is a `VectorLane`; with ``lane_module``
    (export) an instance of that Verilog module instead."""

    def __init__(self, config: ChipConfig, lane_module: str | None = None) -> None:
        self.config = config
        self.lane_module = lane_module
        self.lanes = min(config.vector_lanes, config.row_elems)
        self.chunks = -(-config.row_elems // self.lanes)
        # The first `special` lanes have the special functions; a pass of one covers that many
        # elements (docs/timing.md), so a row has up to `narrow_chunks` chunks.
        self.special = special_lane_count(config)
        self.narrow_chunks = -(-config.row_elems // self.special)
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
        narrow = self._narrow(op)
        nch = Mux(
            narrow,
            (cur.cols + (cfg.special_lanes - 1)) // cfg.special_lanes,
            (cur.cols + (cfg.vector_lanes - 1)) // cfg.vector_lanes,
        )
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
        # L - 1 (every latency is at least 1), so that ``total`` needs no subtraction.
        latency_m1 = Mux(
            _op_in(op, VEC_SPECIAL),
            cfg.vector_latency_special - 1,
            Mux(
                _op_in(op, VEC_REDUCE),
                cfg.vector_latency_reduce - 1,
                Mux(_op_in(op, VEC_MUL), cfg.vector_latency_mul - 1, cfg.vector_latency_alu - 1),
            ),
        )
        cycles = cur.rows * nch * (conflict + 1) + latency_m1
        total = Signal(len(cycles))
        m.d.comb += total.eq(cycles)
        k_reg, r_reg, c_reg = (
            Signal(32),
            Signal(cur.rows.shape()),
            Signal(range(self.narrow_chunks)),
        )
        half_reg, more_reg = Signal(), Signal()
        k, r, c, half, more = (
            Signal(32),
            Signal(cur.rows.shape()),
            Signal(range(self.narrow_chunks)),
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
        m.d.comb += last_chunk.eq((c + 1) * Mux(narrow, self.special, lanes) >= cur.cols)
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
        # The source rows of the next cycle, on the synchronous read ports then: this
        # instruction's next pass while it runs, else the first of the one that may start.
        r_next, going = Signal(cur.rows.shape()), Signal()
        m.d.comb += [
            r_next.eq(Mux(active & advance & last_chunk, r + 1, r)),
            going.eq(active & ~last),
        ]
        nxt = data.View(layout, ctrl.ahead)
        rows = [
            Mux(going, src[:ROW_BITS] + Mux(bcast, 0, r_next), first[:ROW_BITS])
            for src, bcast, first in (
                (cur.src1, cur.bcast1, nxt.src1),
                (cur.src2, cur.bcast2, nxt.src2),
            )
        ]
        self._datapath(m, cur, r, rows, c, narrow, pass_now, last_chunk, latency_m1)
        return m

    def _narrow(self, op: Value) -> Value:
        """Whether ``op``'s passes cover `special` elements, not `lanes` (a special function
        on a chip whose special functions are in fewer lanes than the others)."""
        if self.config.special_lanes == self.config.vector_lanes:
            return Const(0)
        return _op_in(op, VEC_SPECIAL)

    def _element(self, row: Value, lane: int, c: Value, narrow: Value) -> Value:
        """Element ``c * width + lane`` of ``row`` (zero past its end), the pass width being
        `special` when ``narrow`` else `lanes`: lane ``lane``'s element at chunk ``c``."""
        n, zero = self.config.row_elems, C(0, len(Value.cast(row[0])))
        wide = Array(
            row[e] if e < n else zero for e in range(lane, self.chunks * self.lanes, self.lanes)
        )[c]
        if lane >= self.special or self.special == self.lanes:
            return wide
        # A tree of 2:1 multiplexers on c's bits: an `Array` of more than two becomes a Yosys
        # `$pmux`, written as a Verilog function whose `casez` items overlap.
        level = [Value.cast(row[e]) for e in range(lane, n, self.special)]
        for bit in range(len(c)):
            if len(level) == 1:
                break
            pairs = [level[i : i + 2] for i in range(0, len(level), 2)]
            level = [Mux(c[bit], p[-1], p[0]) for p in pairs]
        return Mux(narrow, level[0], wide)

    def _operand(
        self, m: Module, loc: Value, row: Value, which: str, c: Value, narrow: Value
    ) -> list:
        """Per lane (int value, raw bits, convert flag) of source ``loc``'s row at chunk ``c``,
        the row the synchronous ports read (addressed a cycle before at ``row``): the lane's
        ``*_int``, ``*_bits`` and ``*_conv`` inputs (`VectorLane`)."""
        sp, ac = getattr(self, f"spad_{which}"), getattr(self, f"acc_{which}")
        m.d.comb += [sp.addr.eq(row), ac.addr.eq(row)]
        code = loc[ROW_BITS:]
        out = []
        for lane in range(self.lanes):
            sp_el = self._element(sp.data, lane, c, narrow)
            ac_el = self._element(ac.data, lane, c, narrow)
            raw_sp, raw_ac = Value.cast(sp_el), Value.cast(ac_el)
            name = f"{which}{lane}"
            iv, bits = Signal(signed(32), name=f"{name}_int"), Signal(32, name=f"{name}_bits")
            if self.int_chip:
                m.d.comb += [
                    iv.eq(Mux(code == SPAD_CODE, raw_sp.as_signed(), raw_ac.as_signed())),
                    bits.eq(raw_ac),
                ]
                conv = code != ACCF_CODE
            else:
                # A bf16 element is the top half of its binary32 value; fp32 is one already.
                f32_sp = raw_sp if len(raw_sp) == 32 else Cat(C(0, 32 - len(raw_sp)), raw_sp)
                m.d.comb += bits.eq(Mux(code == SPAD_CODE, f32_sp, raw_ac))
                conv = Const(0)
            out.append((iv, bits, conv))
        return out

    def _lane(self, m: Module, lane: int, op_bits: int) -> wiring.Component:
        """Lane ``lane``'s `VectorLane` (with the special functions in the first `special`
        lanes), or an instance of its Verilog module on export (`lane_modules`)."""
        special = lane < self.special
        if self.lane_module is None:
            unit = VectorLane(self.config, op_bits, special)
        else:
            sig = lane_signature(self.config, op_bits)
            name = lane_module_name(self.lane_module, special)
            unit = VerilogModule(name, sig, reset=True)
        m.submodules[f"lane{lane}"] = unit
        return unit

    def _datapath(
        self,
        m: Module,
        cur: Value,
        r: Value,
        rows: list[Value],
        c: Value,
        narrow: Value,
        pass_now: Value,
        last_chunk: Value,
        latency_m1: Value,
    ) -> None:
        """The lanes and the writes of pass row ``r``; ``rows`` are the rows the two source
        ports address (the next cycle's)."""
        cfg, lanes, int_chip = self.config, self.lanes, self.int_chip
        op = cur.op

        def is_(o: VecOp) -> Value:
            return op == o.value

        a = self._operand(m, cur.src1, rows[0], "a", c, narrow)
        b = self._operand(m, cur.src2, rows[1], "b", c, narrow)
        reads_b = _op_in(op, VEC_READS_B)
        int_mode = Signal()
        m.d.comb += int_mode.eq(
            _op_in(op, INT_EXACT) & a[0][2] & (~reads_b | b[0][2]) & ~is_(VecOp.SET)
        )
        reduce_row = is_(VecOp.RSUM) | is_(VecOp.RMAX)

        # Registers carried across passes: the row's running reduction, BCAST's element 0,
        # CSUM's column sums.
        red_i, red_f = Signal(signed(64)), Signal(32)
        b0_i, b0_f = Signal(signed(64)), Signal(32)
        col_i = [Signal(signed(64), name=f"col{e}_int") for e in range(cfg.row_elems)]
        col_f = [Signal(32, name=f"col{e}_f32") for e in range(cfg.row_elems)]

        chain_i: Value = Mux(c == 0, 0, red_i)
        chain_f: Value = Mux(c == 0, 0, red_f)
        units = []
        for lane in range(lanes):
            unit = self._lane(m, lane, len(op))
            units.append(unit)
            e_of_chunk = Array(ch * lanes + lane for ch in range(self.chunks))[c]
            col_fi = Array(
                col_f[ch * lanes + lane] if ch * lanes + lane < cfg.row_elems else C(0, 32)
                for ch in range(self.chunks)
            )[c]
            m.d.comb += [
                unit.op.eq(op),
                unit.imm.eq(cur.imm),
                unit.a_bits.eq(a[lane][1]),
                unit.b_bits.eq(b[lane][1]),
                unit.col_f32.eq(col_fi),
                unit.chain_f32.eq(chain_f),
                unit.first_el.eq((c == 0) & (lane == 0)),
                unit.valid.eq(e_of_chunk < cur.cols),
                unit.first_row.eq(r == 0),
            ]
            chain_f = unit.next_f32
            if int_chip:
                col_ii = Array(
                    col_i[ch * lanes + lane] if ch * lanes + lane < cfg.row_elems else C(0, 64)
                    for ch in range(self.chunks)
                )[c]
                m.d.comb += [
                    unit.a_int.eq(a[lane][0]),
                    unit.a_conv.eq(a[lane][2]),
                    unit.b_int.eq(b[lane][0]),
                    unit.b_conv.eq(b[lane][2]),
                    unit.col_int.eq(col_ii),
                    unit.chain_int.eq(chain_i),
                ]
                chain_i = unit.next_int
            # CSUM's column sums follow the rows.
            for ch in range(self.chunks):
                e = ch * lanes + lane
                if e < cfg.row_elems:
                    with m.If(pass_now & (c == ch)):
                        m.d.sync += col_f[e].eq(unit.res_f32)
                        if int_chip:
                            m.d.sync += col_i[e].eq(unit.res_int)
        a0_f = units[0].a_f32
        with m.If(pass_now):
            m.d.sync += [red_i.eq(chain_i), red_f.eq(chain_f)]
            with m.If(c == 0):
                m.d.sync += [b0_i.eq(a[0][0]), b0_f.eq(a0_f)]
        bcast_i = Mux(c == 0, a[0][0], b0_i)
        bcast_f = Mux(c == 0, a0_f, b0_f)

        # Every lane's value, converted by its lane to the destination's type.
        dcode = cur.dst[ROW_BITS:]
        for unit in units:
            m.d.comb += unit.out_f32.eq(
                Mux(reduce_row, chain_f, Mux(is_(VecOp.BCAST), bcast_f, unit.res_f32))
            )
            if int_chip:
                m.d.comb += [
                    unit.out_int.eq(
                        Mux(reduce_row, chain_i, Mux(is_(VecOp.BCAST), bcast_i, unit.res_int))
                    ),
                    unit.int_mode.eq(int_mode),
                    unit.dst_f32.eq(dcode == ACCF_CODE),
                ]

        is_csum = is_(VecOp.CSUM)
        writing = Signal()
        m.d.comb += writing.eq(pass_now & (~is_csum | (r == cur.rows - 1)))
        drow = cur.dst[:ROW_BITS] + Mux(is_csum, 0, r)
        special = self.special
        en = []
        for e in range(cfg.row_elems):
            ch = e // lanes
            # A narrow pass (a special function) writes element e from lane e % special.
            chunk = c == ch if special == lanes else Mux(narrow, c == e // special, c == ch)
            en.append(writing & (e < cur.cols) & Mux(reduce_row, last_chunk, chunk))
        wrow, wen = self._write_delay(m, drow, Cat(*en), latency_m1)
        m.d.comb += [self.spad_w.addr.eq(wrow), self.acc_w.addr.eq(wrow)]
        for e in range(cfg.row_elems):
            lane = e % lanes
            enc_spad, enc_acc = units[lane].enc_spad, units[lane].enc_acc
            if special != lanes and e % special != lane:
                enc_spad = Mux(narrow, units[e % special].enc_spad, enc_spad)
                enc_acc = Mux(narrow, units[e % special].enc_acc, enc_acc)
            m.d.comb += [
                self.spad_w.data[e].eq(enc_spad),
                self.acc_w.data[e].eq(enc_acc),
                self.spad_w.en[e].eq(wen[e] & (dcode == SPAD_CODE)),
                self.acc_w.en[e].eq(wen[e] & (dcode != SPAD_CODE)),
            ]

    def _write_delay(
        self, m: Module, row: Value, en: Value, latency_m1: Value
    ) -> tuple[Value, Value]:
        """(row, element enables) of the write ``latency_m1`` cycles after the pass that
        gives ``row`` and ``en``: when the lanes' pipeline delivers that pass's values.

        A write enters the line at the slot that leaves it ``latency_m1`` cycles later, so
        every write leaves in its own cycle whatever the latencies of the instructions
        around it (an instruction's writes have all left by its last cycle)."""
        depth = max(lane_delays(self.config).values())
        if depth == 0:
            return row, en
        slots = [
            (Signal(len(row), name=f"wrow_d{k}"), Signal(len(en), name=f"wen_d{k}"))
            for k in range(depth)
        ]
        prev_row, prev_en = Value.cast(0), Value.cast(0)
        for k, (srow, sen) in enumerate(slots):
            enter = latency_m1 == depth - k
            m.d.sync += [
                srow.eq(Mux(enter, row, prev_row)),
                sen.eq(Mux(enter, en, prev_en)),
            ]
            prev_row, prev_en = srow, sen
        now = latency_m1 == 0
        return Mux(now, row, prev_row), Mux(now, en, prev_en)
