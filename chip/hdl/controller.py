"""The execute controller: decodes PRELOAD and MATMUL words and sequences the array.

Each instruction starts in the cycle its word is accepted from the stream, and every unit acts
in its start cycle already (its first-cycle fields come straight from the decoder). The decoder
layout is derived from the ISA table (`chip.isa.field_layout`), never written by hand.
"""

from __future__ import annotations

from amaranth import Module, Mux, Signal, unsigned
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from chip.config import ChipConfig, Dataflow
from chip.hdl.array import array_signature
from chip.hdl.ports import (
    EVENT_INDEX_BITS,
    acc_write_signature,
    event_signature,
    instruction_signature,
    read_port_signature,
    spad_row_layout,
)
from chip.isa import OPCODE_BITS, WORD_BITS, Halt, Instr, Matmul, Preload, field_layout


def decoder_layout(cls: type[Instr]) -> data.FlexibleLayout:
    """A view of a 128-bit instruction word with one field per ISA field of ``cls``."""
    fields = {name: data.Field(unsigned(width), lo) for name, lo, width in field_layout(cls)}
    return data.FlexibleLayout(WORD_BITS, fields)


class ExecuteController(wiring.Component):
    """Issues PRELOAD / MATMUL / HALT in order and drives the array, scratchpad reads and
    accumulator writes at the cycles of the timing contract (docs/timing.md, docs/hdl.md).

    Start rules (R, C = array rows, cols; D = T+R+C-2):
    - PRELOAD (WS/IS): the preload shifter is idle and, without a double buffer, the array too.
      It lasts R cycles; in its cycle k it shifts in tile row R-1-k (zero beyond rows/cols).
    - MATMUL (WS/IS): the array and the preload shifter are idle (the tile is complete). In its
      cycle k < T it reads X row k; the output row t is written in cycle t+R+C-2. Lasts D.
    - MATMUL (OS): the array is idle; with a double buffer the previous tile may still be
      draining. Computes for D cycles, then drains R cycles (bottom row first): lasts D+R.
    - HALT: taken at once; ``halted`` rises when every unit is idle.
    Tokens (pop/push flags) are ignored: the RTL has only the execute queue.
    """

    def __init__(self, config: ChipConfig) -> None:
        self.config = config
        read = read_port_signature(config.spad_addr_bits, spad_row_layout(config))
        super().__init__({
            "instr": In(instruction_signature()),
            "read_x": Out(read),
            "read_y": Out(read),
            "array": Out(array_signature(config).flip()),
            "acc_write": Out(acc_write_signature(config)),
            "events": Out(event_signature()),
        })

    def elaborate(self, platform: object) -> Module:
        m = Module()
        cfg, R, C = self.config, self.config.rows, self.config.cols
        stationary = cfg.dataflow.has_stationary_operand
        db = cfg.double_buffer_stationary
        word = self.instr.payload
        opcode = word[:OPCODE_BITS]
        pre = data.View(decoder_layout(Preload), word)
        mm = data.View(decoder_layout(Matmul), word)

        # ---- unit state: busy means the unit acts in this cycle (besides its start cycle) ----
        p_busy, m_busy, d_busy = Signal(), Signal(), Signal()
        count = Signal(EVENT_INDEX_BITS)
        halting, error = Signal(), Signal()

        # ---- issue ----
        is_pre = (opcode == Preload.OPCODE) if stationary else False
        is_mm = opcode == Matmul.OPCODE
        is_halt = opcode == Halt.OPCODE
        pre_ok = (pre.rows >= 1) & (pre.rows <= R) & (pre.cols >= 1) & (pre.cols <= C)
        mm_ok = (mm.rows >= 1) & (mm.rows <= R) & (mm.cols >= 1) & (mm.cols <= C) & (mm.t >= 1)
        if stationary:
            can_pre = ~p_busy if db else ~p_busy & ~m_busy
            can_mm = ~m_busy & ~p_busy
        else:
            can_pre = False
            can_mm = ~m_busy if db else ~m_busy & ~d_busy
        stopped = halting | error
        m.d.comb += self.instr.ready.eq(~stopped & (
            (is_pre & pre_ok & can_pre) | (is_mm & mm_ok & can_mm) | is_halt))
        accept = self.instr.valid & self.instr.ready
        with m.If(accept):
            m.d.sync += count.eq(count + 1)
        with m.If(accept & is_halt):
            m.d.sync += halting.eq(1)
        with m.If(self.instr.valid & ~stopped & ~((is_pre & pre_ok) | (is_mm & mm_ok) | is_halt)):
            m.d.sync += error.eq(1)
        m.d.comb += [
            self.events.issue.eq(accept),
            self.events.issue_index.eq(count),
            self.events.halted.eq(halting & ~p_busy & ~m_busy & ~d_busy),
            self.events.error.eq(error),
        ]
        if stationary:
            self._preload_unit(m, accept & is_pre, pre, p_busy, count)
        self._matmul_unit(m, accept & is_mm, mm, m_busy, d_busy, count)
        return m

    def _preload_unit(self, m: Module, go, pre: data.View, busy: Signal, count: Signal) -> None:
        R, C = self.config.rows, self.config.cols
        k_reg = Signal(range(R))
        saved = Signal(decoder_layout(Preload))
        index = Signal(EVENT_INDEX_BITS)
        cur = Signal(decoder_layout(Preload))
        k = Signal(range(R))
        m.d.comb += [cur.eq(Mux(go, pre.as_value(), saved)), k.eq(Mux(go, 0, k_reg))]
        active = go | busy
        last = active & (k == R - 1)
        # Cycle k shifts in tile row R-1-k, so after R shifts PE row i holds tile row i.
        row = Signal(range(R))
        m.d.comb += [row.eq(R - 1 - k), self.read_y.addr.eq(cur.src + row),
                     self.array.load.eq(active)]
        for j in range(C):
            keep = active & (row < cur.rows) & (j < cur.cols)
            m.d.comb += self.array.north[j].eq(Mux(keep, self.read_y.data[j], 0))
        with m.If(active):
            m.d.sync += [k_reg.eq(k + 1), saved.eq(cur), busy.eq(~last)]
        with m.If(go):
            m.d.sync += index.eq(count)
        m.d.comb += [self.events.preload_done.eq(last),
                     self.events.preload_index.eq(Mux(go, count, index))]

    def _matmul_unit(self, m: Module, go, mm: data.View, busy: Signal, d_busy: Signal,
                     count: Signal) -> None:
        cfg, R, C = self.config, self.config.rows, self.config.cols
        fill = R + C - 2  # cycles from a row entering the array to its de-skewed result
        k_reg, k = Signal(18), Signal(18)
        saved, cur = Signal(decoder_layout(Matmul)), Signal(decoder_layout(Matmul))
        index = Signal(EVENT_INDEX_BITS)
        m.d.comb += [cur.eq(Mux(go, mm.as_value(), saved)), k.eq(Mux(go, 0, k_reg))]
        active = go | busy
        last = active & (k == cur.t + (fill - 1))
        feed = active & (k < cur.t)
        m.d.comb += self.read_x.addr.eq(cur.x + k)
        for i in range(R):
            m.d.comb += self.array.west[i].eq(
                Mux(feed & (i < cur.rows), self.read_x.data[i], 0))
        with m.If(active):
            m.d.sync += [k_reg.eq(k + 1), saved.eq(cur), busy.eq(~last)]
        with m.If(go):
            m.d.sync += index.eq(count)
        my_index = Mux(go, count, index)
        write = self.acc_write
        if cfg.dataflow is not Dataflow.OS:
            if cfg.double_buffer_stationary:
                m.d.comb += self.array.flip.eq(go)
            m.d.comb += [
                write.valid.eq(active & (k >= fill)),
                write.payload.addr.eq(cur.out + k - fill),
                write.payload.accumulate.eq(cur.accumulate),
                write.payload.cols.eq(cur.cols),
                write.payload.data.eq(self.array.south),
                self.events.matmul_done.eq(last),
                self.events.matmul_index.eq(my_index),
            ]
            return
        m.d.comb += [self.array.west_valid.eq(feed), self.array.west_first.eq(feed & (k == 0)),
                     self.read_y.addr.eq(cur.y + k)]
        for j in range(C):
            m.d.comb += self.array.north[j].eq(
                Mux(feed & (j < cur.cols), self.read_y.data[j], 0))
        self._drain(m, last, cur, my_index, d_busy)

    def _drain(self, m: Module, start_next: object, cur: Signal, index: object,
               busy: Signal) -> None:
        """OS: empty the finished tile, bottom PE row first, from the cycle after compute."""
        R = self.config.rows
        k = Signal(range(R))
        tile = Signal(decoder_layout(Matmul))
        d_index = Signal(EVENT_INDEX_BITS)
        row = Signal(range(R))
        last = busy & (k == R - 1)
        m.d.comb += [
            row.eq(R - 1 - k),
            self.array.capture.eq(busy & (k == 0)),
            self.array.shift.eq(busy & (k != 0)),
            self.acc_write.valid.eq(busy & (row < tile.rows)),
            self.acc_write.payload.addr.eq(tile.out + row),
            self.acc_write.payload.accumulate.eq(tile.accumulate),
            self.acc_write.payload.cols.eq(tile.cols),
            self.acc_write.payload.data.eq(self.array.south),
            self.events.matmul_done.eq(last),
            self.events.matmul_index.eq(d_index),
        ]
        with m.If(busy):
            m.d.sync += [k.eq(k + 1), busy.eq(~last)]
        # A new tile's drain may be scheduled in the cycle the previous one ends: this wins.
        with m.If(start_next):
            m.d.sync += [busy.eq(1), k.eq(0), tile.eq(cur), d_index.eq(index)]
