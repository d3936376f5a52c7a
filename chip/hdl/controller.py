"""The execute controller: takes PRELOAD, MATMUL and VEC words into the execute queue and
starts them, in order, on the units that sequence the array (chip/hdl/exec_units.py) and on the
vector unit.

An instruction starts in the cycle its word is accepted from the stream or later, from the
execute queue; every unit acts in its start cycle already (its first-cycle fields come
straight from the decoder, later ones from a saved copy). The decoder's views come from the
ISA table (`chip.hdl.decoder.decoder_layout`), never written by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

from amaranth import Cat, Const, Module, Mux, Signal, Value
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from chip.config import ChipConfig, Dataflow
from chip.hdl.array import array_signature
from chip.hdl.banks import port_bits
from chip.hdl.decoder import decoder_layout
from chip.hdl.exec_queue import ExecuteQueue
from chip.hdl.exec_units import (
    Ending,
    Exchange,
    matmul_ports,
    matmul_unit,
    preload_ports,
    preload_unit,
)
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

TOKEN_BITS = 16  # a token counter: more tokens outstanding than any queue holds instructions


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


@dataclass(frozen=True)
class Decoded:
    """One word seen as each execute instruction, and what it is (`ExecuteController._decode`).

    ``pre``, ``mm`` and ``vec`` are high for a PRELOAD, MATMUL or VEC this RTL can run (its
    tile fits the array; its function is built), ``exec`` for any of the three, ``halt`` for
    a HALT. ``preload``, ``matmul`` and ``vec_view`` are the word's fields as each of the
    three; the token flags sit alike in every word.
    """

    pre: Signal
    mm: Signal
    vec: Signal
    exec: Signal
    halt: Signal
    preload: data.View
    matmul: data.View
    vec_view: data.View


@dataclass(frozen=True)
class _Oldest:
    """The two oldest dispatched instructions of a cycle, A then B. Each is the queue's word
    when it holds one (``in_a``: at least one word, ``in_b``: two) or else the incoming word,
    which so may start in the cycle it is taken. ``a_index`` is A's program index."""

    in_a: Signal
    in_b: Signal
    a_word: Signal
    a_index: Signal
    a: Decoded
    b: Decoded


class ExecuteController(wiring.Component):
    """Dispatches PRELOAD / MATMUL / VEC / HALT in order and drives the array, scratchpad reads and
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
        m.d.comb += offered.eq(incoming & new.exec)

        ab = self._oldest(m, queue, dispatched)
        a_start, b_start = self._issue(m, queue, ab, offered, all_idle, after_matmul, m_busy)
        accept, a_next, b_next = self._hand_off(m, queue, ab, new, incoming, a_start, b_start)

        with m.If(accept & new.exec):
            m.d.sync += dispatched.eq(dispatched + 1)
        with m.If(accept & new.halt):
            m.d.sync += halting.eq(1)
        with m.If(incoming & ~new.exec & ~new.halt):
            m.d.sync += error.eq(1)
        with m.If(b_start):
            m.d.sync += after_matmul.eq(0)
        with m.Elif(a_start):
            m.d.sync += after_matmul.eq(ab.a.mm)
        m.d.comb += [
            self.events.halted.eq(halting & (queue.count == 0) & all_idle),
            self.events.error.eq(error),
        ]

        units = self._units(m, ab, a_start, b_start, a_next, b_next, p_busy, m_busy, d_busy)
        if self.with_tokens:
            self._report_units(m, units)
        return m

    def _decode(self, m: Module, word: Value, name: str) -> Decoded:
        """Decode ``word``, its flags named ``<name>_pre`` and so on. A VEC is runnable only
        with the vector unit (which comes with ``tokens``), a PRELOAD only in a dataflow with a
        stationary operand."""
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
        return Decoded(**flags, preload=pre, matmul=mm, vec_view=vec)

    def _oldest(self, m: Module, queue: ExecuteQueue, dispatched: Signal) -> _Oldest:
        """A and B of this cycle, the incoming word falling through into whichever the queue
        leaves empty (``dispatched`` words were taken so far)."""
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
        return _Oldest(in_a, in_b, a_word, a_index, a, b)

    def _issue(
        self,
        m: Module,
        queue: ExecuteQueue,
        ab: _Oldest,
        offered: Signal,
        all_idle: Signal,
        after_matmul: Signal,
        m_busy: Signal,
    ) -> tuple[Signal, Signal]:
        """Whether A, and B together with it, start this cycle: by the start rules, when the
        tokens they pop are there and, with ``tokens``, the bank ports allow them; the tokens
        their starts pop are reported. ``offered``: the incoming word is one to run."""
        cfg = self.config
        stationary = cfg.dataflow.has_stationary_operand
        db = cfg.double_buffer_stationary
        a, b = ab.a, ab.b
        pre_may, mm_may, a_start, b_start = Signal(), Signal(), Signal(), Signal()
        if stationary:
            m.d.comb += [pre_may.eq(all_idle | (after_matmul if db else 0)), mm_may.eq(all_idle)]
        else:
            m.d.comb += mm_may.eq(all_idle | (~m_busy & after_matmul if db else 0))
        a_tok, ab_tok = self._pops_available(m, ab)
        a_want, b_want = Signal(), Signal()
        m.d.comb += a_want.eq(
            (ab.in_a | offered) & (a.pre & pre_may | a.mm & mm_may | a.vec & all_idle) & a_tok
        )
        if stationary and db:
            # A PRELOAD directly after a MATMUL starts with it (docs/timing.md).
            m.d.comb += b_want.eq(a_want & a.mm & (ab.in_b | ab.in_a & offered) & b.pre & ab_tok)
        if not self.with_tokens:
            m.d.comb += [
                a_start.eq(a_want),
                b_start.eq(b_want),
                queue.push_word.eq(self.instr.payload),
            ]
            return a_start, b_start
        tok = self.tokens
        m.d.comb += [
            tok.a_want.eq(a_want),
            tok.b_want.eq(b_want),
            tok.a_ports.eq(self._a_ports(a)),
            tok.b_ports.eq(preload_ports(cfg, b.preload)[: cfg.spad_banks]),
            tok.a_index.eq(Mux(ab.in_a, queue.first[WORD_BITS:], tok.index)),
            tok.b_index.eq(Mux(ab.in_b, queue.second[WORD_BITS:], tok.index)),
            a_start.eq(a_want & tok.a_allow),
            b_start.eq(b_want & tok.a_allow & tok.b_allow),
            # The queue keeps each word's program index beside it for the bank ports.
            queue.push_word.eq(Cat(self.instr.payload, tok.index)),
        ]
        m.d.comb += [
            tok.pop_prev.eq((a_start & a.preload.pop_prev) + (b_start & b.preload.pop_prev)),
            tok.pop_next.eq((a_start & a.preload.pop_next) + (b_start & b.preload.pop_next)),
        ]
        return a_start, b_start

    def _pops_available(self, m: Module, ab: _Oldest) -> tuple[Signal, Signal]:
        """Whether the token counters hold A's pops, and A's and B's together (always, without
        ``tokens``)."""
        a_tok, ab_tok = Signal(), Signal()
        if not self.with_tokens:
            m.d.comb += [a_tok.eq(1), ab_tok.eq(1)]
            return a_tok, ab_tok
        tok = self.tokens
        a_flags, b_flags = ab.a.preload, ab.b.preload  # the flags sit alike in every word
        m.d.comb += [
            a_tok.eq((tok.avail_prev >= a_flags.pop_prev) & (tok.avail_next >= a_flags.pop_next)),
            ab_tok.eq(
                (tok.avail_prev >= a_flags.pop_prev + b_flags.pop_prev)
                & (tok.avail_next >= a_flags.pop_next + b_flags.pop_next)
            ),
        ]
        return a_tok, ab_tok

    def _a_ports(self, a: Decoded) -> Value:
        """The ports A reserves, as the VEC, PRELOAD or MATMUL it is."""
        cfg = self.config
        return Mux(
            a.vec,
            vec_ports(cfg, a.vec_view),
            Mux(a.pre, preload_ports(cfg, a.preload), matmul_ports(cfg, a.matmul)),
        )

    def _hand_off(
        self,
        m: Module,
        queue: ExecuteQueue,
        ab: _Oldest,
        new: Decoded,
        incoming: Signal,
        a_start: Signal,
        b_start: Signal,
    ) -> tuple[Signal, Signal, Signal]:
        """Accept the incoming word (``new``) if it starts at once or the queue has room after
        this cycle's starts, queue it unless it starts at once, and pop the words that start.
        Returns whether it is accepted, and A and B of the next cycle, whose first rows the
        synchronous read ports address now."""
        cfg = self.config
        direct = Signal()  # the incoming word starts at once, without entering the queue
        accept, enqueue = Signal(), Signal()
        pops = Signal(range(3))
        m.d.comb += [
            direct.eq(a_start & ~ab.in_a | b_start & ab.in_a & ~ab.in_b),
            pops.eq((a_start & ab.in_a) + (b_start & ab.in_b)),
            accept.eq(
                incoming & (new.halt | new.exec & (direct | (queue.count - pops < cfg.queue_depth)))
            ),
            enqueue.eq(accept & new.exec & ~direct),
            self.instr.ready.eq(accept),
            queue.push.eq(enqueue),
            queue.pop.eq(pops),
        ]
        left = Signal(range(cfg.queue_depth + 1))  # the words the queue holds next cycle
        a_next, b_next = Signal(WORD_BITS), Signal(WORD_BITS)
        m.d.comb += [
            left.eq(queue.count - pops + enqueue),
            a_next.eq(Mux(left >= 1, queue.next_first, self.ahead)),
            b_next.eq(Mux(left >= 2, queue.next_second, self.ahead)),
        ]
        return accept, a_next, b_next

    def _units(
        self,
        m: Module,
        ab: _Oldest,
        a_start: Signal,
        b_start: Signal,
        a_next: Signal,
        b_next: Signal,
        p_busy: Signal,
        m_busy: Signal,
        d_busy: Signal,
    ) -> list[Exchange]:
        """Start A, and B with it, on their units: the PRELOAD unit (WS/IS; its busy flag
        ``p_busy``), the MATMUL unit (``m_busy``, and ``d_busy`` for the OS drain) and, with
        ``tokens``, the vector unit. ``a_next`` and ``b_next`` are A and B of the next cycle."""
        cfg = self.config
        a, b = ab.a, ab.b
        units: list[Exchange] = []
        if cfg.dataflow.has_stationary_operand:
            p_go = Signal()
            m.d.comb += p_go.eq(a_start & a.pre | b_start)
            p_fields = Signal(decoder_layout(Preload))
            m.d.comb += p_fields.eq(Mux(b_start, b.preload.as_value(), a.preload.as_value()))
            # The PRELOAD that may start next cycle: A, or B with a MATMUL A.
            p_next = data.View(
                decoder_layout(Preload),
                Mux(a_next[:OPCODE_BITS] == Preload.OPCODE, a_next, b_next),
            )
            p_index = Mux(b_start, ab.a_index + 1, ab.a_index)
            units.append(preload_unit(m, self, p_go, p_fields, p_busy, p_index, p_next))
        m_go = Signal()
        m.d.comb += m_go.eq(a_start & a.mm)
        m_next = data.View(decoder_layout(Matmul), a_next)
        units.append(matmul_unit(m, self, m_go, a.matmul, m_busy, d_busy, ab.a_index, m_next))
        if self.with_tokens:
            vec = self.vector
            m.d.comb += [
                vec.go.eq(a_start & a.vec),
                vec.word.eq(ab.a_word),
                vec.ahead.eq(a_next),
                vec.index.eq(ab.a_index),
            ]
            units.append(Exchange((Ending(vec.done, vec.push_prev, vec.push_next),), (vec.held,)))
        return units

    def _report_units(self, m: Module, units: list[Exchange]) -> None:
        """Tell the token and bank-port exchange the ports the units hold and the tokens their
        ends push this cycle."""
        held = [h for unit in units for h in unit.held]
        ends = [e for unit in units for e in unit.ends]
        m.d.comb += self.tokens.held.eq(_or(held, self.config))
        m.d.comb += [
            self.tokens.push_prev.eq(sum(e.done & e.push_prev for e in ends)),
            self.tokens.push_next.eq(sum(e.done & e.push_next for e in ends)),
        ]
