"""The execute controller: decodes PRELOAD and MATMUL words and sequences the array.

An instruction starts in the cycle its word is accepted from the stream or later, from the
execute queue; every unit acts in its start cycle already (its first-cycle fields come
straight from the decoder, later ones from a saved copy). The decoder layout is derived from the
ISA table (`chip.hdl.decoder.decoder_layout`), never written by hand.
"""

from __future__ import annotations

from amaranth import Cat, Const, Module, Mux, Signal, Value
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from chip.config import ChipConfig, Dataflow
from chip.hdl import banks
from chip.hdl.array import array_signature
from chip.hdl.banks import port_bits
from chip.hdl.decoder import decoder_layout
from chip.hdl.exec_queue import ExecuteQueue
from chip.hdl.ports import (
    EVENT_INDEX_BITS,
    acc_write_signature,
    event_signature,
    instruction_signature,
    read_port_signature,
    spad_row_layout,
)
from chip.hdl.vector import vec_ports, vec_supported, vector_signature
from chip.isa import OPCODE_BITS, WORD_BITS, Halt, Matmul, Preload, Vec


def token_signature(config: ChipConfig) -> wiring.Signature:
    """What the controller exchanges with the other queues, seen from the controller.

    Tokens: the load -> execute (``avail_prev``) and store -> execute (``avail_next``) counters
    it may pop, how many tokens its starts pop from each this cycle, and how many its ends push
    towards the load (``push_prev``) and store (``push_next``) queues (0, 1 or 2: two units may
    start or end together). Bank ports (chip/hdl/banks.py): ``index`` is the program index of
    the incoming word; A and B are the two oldest instructions, ``*_want`` says one would
    start this cycle by every other rule (B: together with A), ``*_ports`` and ``*_index`` are
    its ports and program index, and it starts only with ``*_allow``; ``held`` are the ports of
    the execute instructions started in earlier cycles and not ended. B is a PRELOAD, whose
    ports are scratchpad read ports only: ``b_ports`` are those bits of its port set."""
    ports = port_bits(config)
    return wiring.Signature(
        {
            "avail_prev": In(TOKEN_BITS),
            "avail_next": In(TOKEN_BITS),
            "pop_prev": Out(range(3)),
            "pop_next": Out(range(3)),
            "push_prev": Out(range(4)),
            "push_next": Out(range(4)),
            "index": In(EVENT_INDEX_BITS),
            "a_want": Out(1),
            "a_ports": Out(ports),
            "a_index": Out(EVENT_INDEX_BITS),
            "a_allow": In(1),
            "b_want": Out(1),
            "b_ports": Out(config.spad_banks),
            "b_index": Out(EVENT_INDEX_BITS),
            "b_allow": In(1),
            "held": Out(ports),
        }
    )


TOKEN_BITS = 16  # a token counter: more tokens outstanding than any queue holds instructions


def _or(values: list[Value], config: ChipConfig) -> Value:
    """The union of port sets ``values`` (none: the empty set)."""
    out = Const(0, port_bits(config))
    for v in values:
        out = out | v
    return out


def check_config(config: ChipConfig) -> None:
    """Raise `ValueError` if ``config`` describes timing the controller cannot build."""
    if config.dataflow is Dataflow.OS and not config.os_drain:
        raise ValueError(
            "os_drain must be true for the RTL: writing all R result rows in the "
            "last MAC cycle is SCALE-Sim's accounting, not hardware"
        )


class ExecuteController(wiring.Component):
    """Dispatches PRELOAD / MATMUL / HALT in order and drives the array, scratchpad reads and
    accumulator writes at the cycles of docs/timing.md.

    Dispatch: one word per cycle is accepted from ``instr`` into the execute queue of
    ``queue_depth`` words (`ExecuteQueue`) while it has room, counting the words that start in
    that cycle; a word may start in the cycle it is accepted. HALT is accepted at once and stops
    dispatch; ``halted`` rises when the queue is empty and every unit is idle.
    Start rules (R, C = array rows, cols; D = T+R+C-2): each instruction in order after every
    earlier one has ended, except with the double buffer:
    - PRELOAD (WS/IS): lasts R; in its cycle k it shifts in tile row R-1-k (zero beyond
      rows/cols). With the double buffer, directly after a MATMUL it may start in the cycle that
      MATMUL starts (both start together when the MATMUL waited in the queue).
    - MATMUL (WS/IS): in its cycle k < T it reads X row k; output row t is written, de-skewed,
      in cycle t+R+C-2. Lasts D.
    - MATMUL (OS): computes for D cycles, then drains R cycles (bottom row first): lasts D+R.
      With the double buffer, the next MATMUL may start when the previous one's compute ends.
    Without ``tokens`` the pop/push flags are ignored (the execute datapath alone). With
    ``tokens`` the controller has a ``tokens`` port (`token_signature`): an instruction also
    waits until the token counters it pops (``avail_prev``: load -> execute, ``avail_next``:
    store -> execute) hold its pops, of both instructions when two start together, and the
    controller reports the tokens its starts pop and its ends push (docs/timing.md). The same
    port carries the bank-port handshake: the controller offers its one or two instructions
    (``a_want``, ``b_want``, with their ports and program indices, the queue storing each
    word's index beside it) and starts them on ``a_allow``/``b_allow`` (chip/hdl/banks.py).
    ``ram_module`` names the Verilog RAM module of the queue on export (see `chip.hdl.ram.Ram`).

    The scratchpad reads (``read_x``, ``read_y``) are synchronous ports (block RAM): each cycle
    they address the rows of the next one, a running unit's next row, or else the first row
    of the instruction that may start then: the execute queue's oldest words of the next cycle
    or, when it will hold fewer, ``ahead``, the word ``instr`` carries then
    (`chip.hdl.top.next_word`).
    """

    def __init__(
        self, config: ChipConfig, ram_module: str | None = None, tokens: bool = False
    ) -> None:
        check_config(config)
        self.config = config
        self.ram_module = ram_module
        self.with_tokens = tokens
        read = read_port_signature(config.spad_addr_bits, spad_row_layout(config))
        members = {
            "instr": In(instruction_signature()),
            "ahead": In(WORD_BITS),
            "read_x": Out(read),
            "read_y": Out(read),
            "array": Out(array_signature(config).flip()),
            "acc_write": Out(acc_write_signature(config)),
            "events": Out(event_signature()),
        }
        if tokens:
            members["tokens"] = Out(token_signature(config))
            members["vector"] = Out(vector_signature(config))
        super().__init__(members)

    def elaborate(self, platform: object) -> Module:
        m = Module()
        cfg = self.config
        stationary = cfg.dataflow.has_stationary_operand
        db = cfg.double_buffer_stationary

        p_busy, m_busy, d_busy, v_busy = Signal(), Signal(), Signal(), Signal()
        if self.with_tokens:
            m.d.comb += v_busy.eq(self.vector.busy)
        # PRELOAD/MATMUL words taken so far. HALT, the only other word taken, is the last one,
        # so this is also the index of the next word and the queue holds the words just before.
        dispatched = Signal(EVENT_INDEX_BITS)
        halting, error = Signal(), Signal()
        after_matmul = Signal()  # the last execute instruction started was a MATMUL
        width = WORD_BITS + (EVENT_INDEX_BITS if self.with_tokens else 0)
        m.submodules.queue = queue = ExecuteQueue(
            cfg.queue_depth, self.ram_module, width, ahead=WORD_BITS
        )
        # Named signals, not Python expressions: each is computed once per evaluation, in the
        # simulator as in the netlist.
        incoming, all_idle = Signal(), Signal()
        m.d.comb += [
            incoming.eq(self.instr.valid & ~halting & ~error),
            all_idle.eq(~p_busy & ~m_busy & ~d_busy & ~v_busy),
        ]
        new = self._decode(m, self.instr.payload, "new")
        offered = Signal()
        m.d.comb += offered.eq(incoming & new["exec"])

        # The two oldest dispatched instructions, A then B; the incoming word falls through
        # into whichever the queue leaves empty, so it may start in the cycle it is taken.
        in_a, in_b = Signal(), Signal()  # the queue holds at least one / two words
        m.d.comb += [in_a.eq(queue.count >= 1), in_b.eq(queue.count >= 2)]
        a_word, b_word = Signal(WORD_BITS), Signal(WORD_BITS)
        a_index = Signal(EVENT_INDEX_BITS)
        m.d.comb += [
            a_word.eq(Mux(in_a, queue.first, self.instr.payload)),
            b_word.eq(Mux(in_b, queue.second, self.instr.payload)),
            a_index.eq(dispatched - queue.count),
        ]
        a, b = self._decode(m, a_word, "a"), self._decode(m, b_word, "b")
        pre_may, mm_may, a_start, b_start = Signal(), Signal(), Signal(), Signal()
        if stationary:
            m.d.comb += [pre_may.eq(all_idle | (after_matmul if db else 0)), mm_may.eq(all_idle)]
        else:
            m.d.comb += mm_may.eq(all_idle | (~m_busy & after_matmul if db else 0))
        a_tok, ab_tok = Signal(), Signal()  # A's pops, and A's and B's, are available
        if self.with_tokens:
            tok = self.tokens
            a_flags, b_flags = a["preload"], b["preload"]  # the flags sit alike in every word
            m.d.comb += [
                a_tok.eq(
                    (tok.avail_prev >= a_flags.pop_prev) & (tok.avail_next >= a_flags.pop_next)
                ),
                ab_tok.eq(
                    (tok.avail_prev >= a_flags.pop_prev + b_flags.pop_prev)
                    & (tok.avail_next >= a_flags.pop_next + b_flags.pop_next)
                ),
            ]
        else:
            m.d.comb += [a_tok.eq(1), ab_tok.eq(1)]
        a_want, b_want = Signal(), Signal()
        m.d.comb += a_want.eq(
            (in_a | offered) & (a["pre"] & pre_may | a["mm"] & mm_may | a["vec"] & all_idle) & a_tok
        )
        if stationary and db:
            # A PRELOAD directly after a MATMUL starts with it (docs/timing.md).
            m.d.comb += b_want.eq(a_want & a["mm"] & (in_b | in_a & offered) & b["pre"] & ab_tok)
        if self.with_tokens:
            tok = self.tokens
            m.d.comb += [
                tok.a_want.eq(a_want),
                tok.b_want.eq(b_want),
                tok.a_ports.eq(
                    Mux(
                        a["vec"],
                        vec_ports(cfg, a["vec_view"]),
                        Mux(
                            a["pre"],
                            self._preload_ports(a["preload"]),
                            self._matmul_ports(a["matmul"]),
                        ),
                    )
                ),
                tok.b_ports.eq(self._preload_ports(b["preload"])[: cfg.spad_banks]),
                tok.a_index.eq(Mux(in_a, queue.first[WORD_BITS:], tok.index)),
                tok.b_index.eq(Mux(in_b, queue.second[WORD_BITS:], tok.index)),
                a_start.eq(a_want & tok.a_allow),
                b_start.eq(b_want & tok.a_allow & tok.b_allow),
                queue.push_word.eq(Cat(self.instr.payload, tok.index)),
            ]
        else:
            m.d.comb += [
                a_start.eq(a_want),
                b_start.eq(b_want),
                queue.push_word.eq(self.instr.payload),
            ]
        self._held: list[Value] = []  # ports of the units busy since an earlier cycle
        if self.with_tokens:
            a_flags, b_flags = a["preload"], b["preload"]
            m.d.comb += [
                self.tokens.pop_prev.eq(
                    (a_start & a_flags.pop_prev) + (b_start & b_flags.pop_prev)
                ),
                self.tokens.pop_next.eq(
                    (a_start & a_flags.pop_next) + (b_start & b_flags.pop_next)
                ),
            ]
        self._pushes: list[tuple[Value, Value, Value]] = []  # (done strobe, push_prev, push_next)

        direct = Signal()  # the incoming word starts at once, without entering the queue
        accept, enqueue = Signal(), Signal()
        pops = Signal(range(3))
        m.d.comb += [
            direct.eq(a_start & ~in_a | b_start & in_a & ~in_b),
            pops.eq((a_start & in_a) + (b_start & in_b)),
            accept.eq(
                incoming
                & (new["halt"] | new["exec"] & (direct | (queue.count - pops < cfg.queue_depth)))
            ),
            enqueue.eq(accept & new["exec"] & ~direct),
            self.instr.ready.eq(accept),
            queue.push.eq(enqueue),
            queue.pop.eq(pops),
        ]
        # The two oldest instructions of the next cycle, A then B as above, whose first rows
        # the synchronous read ports address now.
        left = Signal(range(cfg.queue_depth + 1))  # the words the queue holds next cycle
        a_next, b_next = Signal(WORD_BITS), Signal(WORD_BITS)
        m.d.comb += [
            left.eq(queue.count - pops + enqueue),
            a_next.eq(Mux(left >= 1, queue.next_first, self.ahead)),
            b_next.eq(Mux(left >= 2, queue.next_second, self.ahead)),
        ]
        with m.If(accept & new["exec"]):
            m.d.sync += dispatched.eq(dispatched + 1)
        with m.If(accept & new["halt"]):
            m.d.sync += halting.eq(1)
        with m.If(incoming & ~new["exec"] & ~new["halt"]):
            m.d.sync += error.eq(1)
        with m.If(b_start):
            m.d.sync += after_matmul.eq(0)
        with m.Elif(a_start):
            m.d.sync += after_matmul.eq(a["mm"])

        m.d.comb += [
            self.events.halted.eq(halting & (queue.count == 0) & all_idle),
            self.events.error.eq(error),
        ]
        if stationary:
            p_go = Signal()
            m.d.comb += p_go.eq(a_start & a["pre"] | b_start)
            p_fields = Signal(decoder_layout(Preload))
            m.d.comb += p_fields.eq(Mux(b_start, b["preload"].as_value(), a["preload"].as_value()))
            # The PRELOAD that may start next cycle: A, or B with a MATMUL A.
            p_next = data.View(
                decoder_layout(Preload),
                Mux(a_next[:OPCODE_BITS] == Preload.OPCODE, a_next, b_next),
            )
            self._preload_unit(
                m, p_go, p_fields, p_busy, Mux(b_start, a_index + 1, a_index), p_next
            )
        m_go = Signal()
        m.d.comb += m_go.eq(a_start & a["mm"])
        m_next = data.View(decoder_layout(Matmul), a_next)
        self._matmul_unit(m, m_go, a["matmul"], m_busy, d_busy, a_index, m_next)
        if self.with_tokens:
            vec = self.vector
            m.d.comb += [
                vec.go.eq(a_start & a["vec"]),
                vec.word.eq(a_word),
                vec.ahead.eq(a_next),
                vec.index.eq(a_index),
            ]
            self._pushes.append((vec.done, vec.push_prev, vec.push_next))
            self._held.append(vec.held)
        if self.with_tokens:
            m.d.comb += self.tokens.held.eq(_or(self._held, cfg))
            m.d.comb += [
                self.tokens.push_prev.eq(sum(done & prev for done, prev, _ in self._pushes)),
                self.tokens.push_next.eq(sum(done & nxt for done, _, nxt in self._pushes)),
            ]
        return m

    def _decode(self, m: Module, word: Signal, name: str) -> dict:
        """The views and opcode tests of a word; ``exec`` means a PRELOAD, MATMUL or (with the
        vector unit, which comes with ``tokens``) VEC this RTL can run (its tile fits the
        array; its function is built)."""
        R, C = self.config.rows, self.config.cols
        opcode = word[:OPCODE_BITS]
        pre = data.View(decoder_layout(Preload), word)
        mm = data.View(decoder_layout(Matmul), word)
        vec = data.View(decoder_layout(Vec), word)
        flags = {f: Signal(name=f"{name}_{f}") for f in ("pre", "mm", "vec", "exec", "halt")}
        if self.with_tokens:
            m.d.comb += flags["vec"].eq((opcode == Vec.OPCODE) & vec_supported(self.config, vec))
        if self.config.dataflow.has_stationary_operand:
            m.d.comb += flags["pre"].eq(
                (opcode == Preload.OPCODE)
                & (pre.rows >= 1)
                & (pre.rows <= R)
                & (pre.cols >= 1)
                & (pre.cols <= C)
            )
        m.d.comb += [
            flags["mm"].eq(
                (opcode == Matmul.OPCODE)
                & (mm.rows >= 1)
                & (mm.rows <= R)
                & (mm.cols >= 1)
                & (mm.cols <= C)
                & (mm.t >= 1)
            ),
            flags["exec"].eq(flags["pre"] | flags["mm"] | flags["vec"]),
            flags["halt"].eq(opcode == Halt.OPCODE),
        ]
        return {**flags, "preload": pre, "matmul": mm, "vec_view": vec}

    def _preload_ports(self, pre: Value) -> Value:
        """The ports a PRELOAD reserves: the scratchpad banks it reads."""
        return banks.ports(self.config, banks.SPAD, False, pre.src, pre.rows)

    def _matmul_ports(self, mm: Value) -> Value:
        """The ports a MATMUL reserves: the scratchpad banks of X (and, OS, Y), the accumulator
        banks it writes and, accumulating, reads."""
        cfg = self.config
        os = cfg.dataflow is Dataflow.OS
        out_rows = mm.rows if os else mm.t
        ports = banks.ports(cfg, banks.SPAD, False, mm.x, mm.t)
        if os:
            ports = ports | banks.ports(cfg, banks.SPAD, False, mm.y, mm.t)
        ports = ports | banks.ports(cfg, banks.ACC, True, mm.out, out_rows)
        return ports | Mux(mm.accumulate, banks.ports(cfg, banks.ACC, False, mm.out, out_rows), 0)

    def _preload_unit(
        self, m: Module, go: Value, pre: Value, busy: Signal, go_index: Value, nxt: data.View
    ) -> None:
        R, C = self.config.rows, self.config.cols
        k_reg = Signal(range(R))
        saved = Signal(decoder_layout(Preload))
        index = Signal(EVENT_INDEX_BITS)
        cur = Signal(decoder_layout(Preload))
        k = Signal(range(R))
        active, last = Signal(name="p_active"), Signal(name="p_last")
        m.d.comb += [
            cur.eq(Mux(go, pre, saved)),
            k.eq(Mux(go, 0, k_reg)),
            active.eq(go | busy),
            last.eq(active & (k == R - 1)),
        ]
        # Cycle k shifts in tile row R-1-k, so after R shifts PE row i holds tile row i; the
        # synchronous port reads it from cycle k-1: row R-2-k of this PRELOAD, or the next
        # one's first, R-1.
        row = Signal(range(R))
        m.d.comb += [
            row.eq(R - 1 - k),
            self.read_y.addr.eq(Mux(active & ~last, cur.src + (R - 2) - k, nxt.src + (R - 1))),
            self.array.load.eq(active),
        ]
        for j in range(C):
            keep = active & (row < cur.rows) & (j < cur.cols)
            m.d.comb += self.array.north[j].eq(Mux(keep, self.read_y.data[j], 0))
        with m.If(active):
            m.d.sync += [k_reg.eq(k + 1), saved.eq(cur), busy.eq(~last)]
        with m.If(go):
            m.d.sync += index.eq(go_index)
        self._pushes.append((last, cur.push_prev, cur.push_next))
        self._held.append(Mux(busy, self._preload_ports(saved), 0))
        m.d.comb += [
            self.events.preload_start.eq(go),
            self.events.preload_start_index.eq(go_index),
            self.events.preload_done.eq(last),
            self.events.preload_done_index.eq(Mux(go, go_index, index)),
        ]

    def _matmul_unit(
        self,
        m: Module,
        go: Value,
        mm: data.View,
        busy: Signal,
        d_busy: Signal,
        go_index: Value,
        nxt: data.View,
    ) -> None:
        cfg, R, C = self.config, self.config.rows, self.config.cols
        fill = R + C - 2  # cycles from a row entering the array to its de-skewed result
        k_reg, k = Signal(18), Signal(18)
        saved, cur = Signal(decoder_layout(Matmul)), Signal(decoder_layout(Matmul))
        index = Signal(EVENT_INDEX_BITS)
        active, last, feed = Signal(name="m_active"), Signal(name="m_last"), Signal(name="feed")
        m.d.comb += [
            cur.eq(Mux(go, mm.as_value(), saved)),
            k.eq(Mux(go, 0, k_reg)),
            active.eq(go | busy),
            last.eq(active & (k == cur.t + (fill - 1))),
            feed.eq(active & (k < cur.t)),
        ]
        # X row k (and, OS, Y row k) on the synchronous ports, addressed in cycle k-1: row k+1
        # of this MATMUL, or the next one's first.
        going = Signal(name="m_going")  # this MATMUL runs in the next cycle
        m.d.comb += [
            going.eq(active & ~last),
            self.read_x.addr.eq(Mux(going, cur.x + k + 1, nxt.x)),
        ]
        for i in range(R):
            m.d.comb += self.array.west[i].eq(Mux(feed & (i < cur.rows), self.read_x.data[i], 0))
        with m.If(active):
            m.d.sync += [k_reg.eq(k + 1), saved.eq(cur), busy.eq(~last)]
        with m.If(go):
            m.d.sync += index.eq(go_index)
        self._held.append(Mux(busy, self._matmul_ports(saved), 0))
        my_index = Mux(go, go_index, index)
        m.d.comb += [self.events.matmul_start.eq(go), self.events.matmul_start_index.eq(go_index)]
        write = self.acc_write
        if cfg.dataflow is not Dataflow.OS:
            if cfg.double_buffer_stationary:
                m.d.comb += self.array.flip.eq(go)
            self._pushes.append((last, cur.push_prev, cur.push_next))
            m.d.comb += [
                write.valid.eq(active & (k >= fill)),
                write.payload.addr.eq(cur.out + k - fill),
                # A write in the next cycle continues this MATMUL: one started then writes
                # only after its fill (one cycle or more, `rmw_reads_ahead`).
                write.payload.next_addr.eq(cur.out + k + 1 - fill),
                write.payload.accumulate.eq(cur.accumulate),
                write.payload.cols.eq(cur.cols),
                write.payload.data.eq(self.array.south),
                self.events.matmul_done.eq(last),
                self.events.matmul_done_index.eq(my_index),
            ]
            return
        m.d.comb += [
            self.array.west_valid.eq(feed),
            self.array.west_first.eq(feed & (k == 0)),
            self.read_y.addr.eq(Mux(going, cur.y + k + 1, nxt.y)),
        ]
        for j in range(C):
            m.d.comb += self.array.north[j].eq(Mux(feed & (j < cur.cols), self.read_y.data[j], 0))
        self._drain(m, last, cur, my_index, d_busy)

    def _drain(self, m: Module, start_next: Value, cur: Signal, index: Value, busy: Signal) -> None:
        """OS: empty the finished tile, bottom PE row first, from the cycle after compute."""
        R = self.config.rows
        k = Signal(range(R))
        tile = Signal(decoder_layout(Matmul))
        d_index = Signal(EVENT_INDEX_BITS)
        row = Signal(range(R))
        last = busy & (k == R - 1)
        self._pushes.append((last, tile.push_prev, tile.push_next))
        self._held.append(Mux(busy, self._matmul_ports(tile), 0))
        m.d.comb += [
            row.eq(R - 1 - k),
            self.array.capture.eq(busy & (k == 0)),
            self.array.shift.eq(busy & (k != 0)),
            self.acc_write.valid.eq(busy & (row < tile.rows)),
            self.acc_write.payload.addr.eq(tile.out + row),
            # The next cycle's row: the next tile's bottom row when it starts draining then.
            self.acc_write.payload.next_addr.eq(
                Mux(start_next, cur.out + (R - 1), tile.out + row - 1)
            ),
            self.acc_write.payload.accumulate.eq(tile.accumulate),
            self.acc_write.payload.cols.eq(tile.cols),
            self.acc_write.payload.data.eq(self.array.south),
            self.events.matmul_done.eq(last),
            self.events.matmul_done_index.eq(d_index),
        ]
        with m.If(busy):
            m.d.sync += [k.eq(k + 1), busy.eq(~last)]
        # A new tile's drain may be scheduled in the cycle the previous one ends: this wins.
        with m.If(start_next):
            m.d.sync += [busy.eq(1), k.eq(0), tile.eq(cur), d_index.eq(index)]
