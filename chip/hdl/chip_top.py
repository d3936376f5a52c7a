"""The chip with its load/store path: dispatcher, DMA engines, tokens and the execute datapath.

`ChipTop` adds to the execute datapath of `chip.hdl.top.ExecuteTop` what a compiled program
needs to move its data: the dispatcher that sends each word to the load, execute or store
queue, the two DMA engines (`chip.hdl.dma.DmaEngine`) with their Wishbone ports, and the four
dependency-token counters of docs/timing.md. DRAM itself is outside: ``load_bus`` and
``store_bus`` go to the memory controller (in co-simulation, `chip.hdl.dram_model.DramModel`).
"""

from __future__ import annotations

from amaranth import Cat, Const, Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import Out

from chip.config import ChipConfig
from chip.hdl import banks
from chip.hdl.controller import TOKEN_BITS, ExecuteController, check_config
from chip.hdl.dma import DmaEngine, dma_word_ok
from chip.hdl.move import move_word_ok
from chip.hdl.ports import (
    EVENT_INDEX_BITS,
    chip_event_signature,
)
from chip.hdl.top import add_cycle_counter, add_datapath, next_word, top_signature
from chip.hdl.vector import VectorUnit
from chip.hdl.wishbone import wishbone_signature
from chip.isa import OPCODE_BITS, Halt, Load, Move, Store


class ChipTop(wiring.Component):
    """Runs LOAD, STORE, MOVE, PRELOAD, MATMUL, VEC and HALT words against DRAM behind two
    Wishbone ports (VEC: the functions `chip.hdl.vector.VectorUnit` builds; MOVE: the load
    engine's `chip.hdl.move.MoveUnit`).

    Dispatch (docs/timing.md): ``instr`` words are taken in program order, one per cycle, each
    into its queue when that queue has room after the cycle's starts; a full queue holds up
    every later word. HALT stops dispatch; ``events.halted`` rises once it was taken and every
    queue is empty and every unit idle. A word no unit runs (a vector function not built, a DMA
    block wider than a row, a tile outside the array) raises the sticky ``events.error`` and is
    never taken (a MOVE between the scratchpad and the accumulator of an int8 or bf16 chip,
    whose elements differ in size, is one); so does the load engine's ``clash``, a LOAD's and a
    MOVE's rows written into one bank in one cycle, which the bank rule keeps from every valid
    schedule (the MOVE unit has its own write port on each memory, so their rows in two banks
    both land: chip/hdl/dma.py).

    Tokens: four counters, load -> execute, execute -> load, execute -> store and store ->
    execute, each incremented in the cycle after its producer's last cycle (a MOVE's once the
    LOADs before it have ended, chip/hdl/dma.py) and decremented when
    a consumer starts, so the k-th pop starts no earlier than the k-th push's end.

    Bank ports: an instruction starts only when no other queue holds a bank port it needs, and
    after every same-cycle candidate earlier in program order that needs one (chip/hdl/banks.py).

    ``spad_write`` and ``acc_read`` are the host's ports (fill before, read after a run);
    ``cycle`` counts cycles since reset.

    ``instr_ahead`` is the word the feeder offers on ``instr`` next (`chip.hdl.top.next_word`):
    the units whose memory reads are synchronous (the array's, the store engine's, the MOVE
    unit's) address a row the cycle before they read it, and an instruction may start in its
    dispatch cycle, so its first row is addressed from this word.

    With ``verilog_prefix`` (export, `chip.hdl.export`), the array, the memories, the bf16
    accumulator's adders and the vector unit's lanes are instances of the Verilog modules
    ``<prefix>_array``, ``<prefix>_ram``, ``<prefix>_fp32_add`` and ``<prefix>_vector_lane``
    instead of Amaranth logic, so the netlist does not grow with the array, the memories or
    the lanes.
    """

    def __init__(self, config: ChipConfig, verilog_prefix: str | None = None) -> None:
        check_config(config)
        self.config = config
        self.verilog_prefix = verilog_prefix
        buses = {
            "load_bus": Out(wishbone_signature(config)),
            "store_bus": Out(wishbone_signature(config)),
        }
        super().__init__(top_signature(config, chip_event_signature(), buses, ahead=True))

    def elaborate(self, platform: object) -> Module:
        m = Module()
        cfg = self.config
        prefix = self.verilog_prefix
        ctrl, spad, acc = add_datapath(m, cfg, prefix, self.spad_write, self.acc_read, dma=True)
        ram = None if prefix is None else f"{prefix}_ram"
        m.submodules.load = load = DmaEngine(cfg, store=False, ram_module=ram)
        m.submodules.store = store = DmaEngine(cfg, store=True, ram_module=ram)
        lane = None if prefix is None else f"{prefix}_vector_lane"
        m.submodules.vector = vec = VectorUnit(cfg, lane)
        wiring.connect(m, ctrl.vector, vec.ctrl)
        wiring.connect(m, vec.spad_a, spad.read_va)
        wiring.connect(m, vec.spad_b, spad.read_vb)
        wiring.connect(m, vec.acc_a, acc.read_va)
        wiring.connect(m, vec.acc_b, acc.read_vb)
        wiring.connect(m, vec.spad_w, spad.vec_write)
        wiring.connect(m, vec.acc_w, acc.vec_write)
        wiring.connect(m, load.spad_write, spad.load_write)
        wiring.connect(m, load.acc_write, acc.load_write)
        wiring.connect(m, load.move_spad_write, spad.move_write)
        wiring.connect(m, load.move_acc_write, acc.move_write)
        wiring.connect(m, store.spad_read, spad.read_s)
        wiring.connect(m, load.move_spad_read, spad.read_m)
        wiring.connect(m, load.move_acc_read, acc.read_m)
        wiring.connect(m, store.acc_read, acc.read_s)
        wiring.connect(m, load.bus, wiring.flipped(self.load_bus))
        wiring.connect(m, store.bus, wiring.flipped(self.store_bus))

        self._dispatch(m, ctrl, load, store)
        self._tokens(m, ctrl, load, store)
        self._bank_ports(m, ctrl, load, store)

        ev = self.events
        for name in ("preload", "matmul"):
            for edge in ("start", "done"):
                for suffix in ("", "_index"):
                    sig = f"{name}_{edge}{suffix}"
                    m.d.comb += getattr(ev, sig).eq(getattr(ctrl.events, sig))
        for name, engine in (("load", load), ("store", store)):
            m.d.comb += [
                getattr(ev, f"{name}_start").eq(engine.start),
                getattr(ev, f"{name}_start_index").eq(engine.start_index),
                getattr(ev, f"{name}_done").eq(engine.done),
                getattr(ev, f"{name}_done_index").eq(engine.done_index),
            ]
        m.d.comb += [
            ev.move_done.eq(load.move_done),
            ev.move_done_index.eq(load.move_done_index),
            ev.vector_start.eq(ctrl.vector.go),
            ev.vector_start_index.eq(ctrl.vector.index),
            ev.vector_done.eq(vec.ctrl.done),
            ev.vector_done_index.eq(vec.ctrl.done_index),
        ]
        m.d.comb += ev.halted.eq(ctrl.events.halted & load.idle & store.idle)
        add_cycle_counter(m, self.cycle)
        return m

    def _dispatch(
        self, m: Module, ctrl: ExecuteController, load: DmaEngine, store: DmaEngine
    ) -> None:
        """Route each word to its queue; DMA words carry their program index."""
        cfg = self.config
        word = self.instr.payload
        opcode = word[:OPCODE_BITS]
        is_load, is_move, is_store, is_halt = Signal(), Signal(), Signal(), Signal()
        bad, stopped, dma_error = Signal(), Signal(), Signal()
        index = Signal(EVENT_INDEX_BITS)
        live = Signal()
        m.d.comb += [
            is_load.eq(opcode == Load.OPCODE),
            is_move.eq(opcode == Move.OPCODE),
            is_store.eq(opcode == Store.OPCODE),
            is_halt.eq(opcode == Halt.OPCODE),
            bad.eq(
                is_load & ~dma_word_ok(cfg, word, store=False)
                | is_move & ~move_word_ok(cfg, word)
                | is_store & ~dma_word_ok(cfg, word, store=True)
            ),
            live.eq(self.instr.valid & ~stopped & ~dma_error & ~bad),
        ]
        m.d.comb += ctrl.tokens.index.eq(index)
        upcoming = Signal.like(word, name="upcoming")
        m.d.comb += upcoming.eq(next_word(self.instr, self.instr_ahead))
        for engine, mine in ((load, is_load | is_move), (store, is_store)):
            m.d.comb += [
                engine.instr.valid.eq(live & mine),
                engine.instr.payload.word.eq(word),
                engine.instr.payload.index.eq(index),
                engine.ahead.eq(upcoming),
            ]
        m.d.comb += ctrl.ahead.eq(upcoming)
        # Execute words, HALT, and words no unit runs (the controller flags those).
        m.d.comb += [
            ctrl.instr.valid.eq(live & ~is_load & ~is_move & ~is_store),
            ctrl.instr.payload.eq(word),
            self.instr.ready.eq(
                live
                & Mux(
                    is_load | is_move,
                    load.instr.ready,
                    Mux(is_store, store.instr.ready, ctrl.instr.ready),
                )
            ),
            self.events.error.eq(ctrl.events.error | dma_error),
        ]
        with m.If(self.instr.valid & self.instr.ready):
            m.d.sync += index.eq(index + 1)
            with m.If(is_halt):
                m.d.sync += stopped.eq(1)
        # A LOAD's row and a MOVE's row into one memory in one cycle: the load engine has one
        # write port per memory (docs/hdl.md), so the run stops rather than lose a row.
        with m.If(self.instr.valid & ~stopped & bad | load.clash):
            m.d.sync += dma_error.eq(1)

    def _tokens(
        self, m: Module, ctrl: ExecuteController, load: DmaEngine, store: DmaEngine
    ) -> None:
        """The four token counters (docs/timing.md, VTA semantics)."""
        tok = ctrl.tokens
        channels = (
            ("load_exec", load.push, tok.pop_prev, tok.avail_prev),
            ("exec_load", tok.push_prev, load.pop, load.token_avail),
            ("exec_store", tok.push_next, store.pop, store.token_avail),
            ("store_exec", store.push, tok.pop_next, tok.avail_next),
        )
        for name, push, pop, avail in channels:
            count = Signal(TOKEN_BITS, name=f"tokens_{name}")
            m.d.sync += count.eq(count + push - pop)
            m.d.comb += avail.eq(count)

    def _bank_ports(
        self, m: Module, ctrl: ExecuteController, load: DmaEngine, store: DmaEngine
    ) -> None:
        """Start each queue's candidate only when no other queue holds one of its ports, and
        among same-cycle candidates in program order (chip/hdl/banks.py)."""
        tok = ctrl.tokens
        # Each unit's ports widened to whole port sets: the store engine owns the read half,
        # the execute queue's B (a PRELOAD) the scratchpad reads; the load engine's are whole
        # (a LOAD writes, a MOVE reads and writes).
        half = banks.half_bits(self.config)
        load_held, load_ports = load.held, load.head_ports
        store_held, store_ports = (Cat(p, Const(0, half)) for p in (store.held, store.head_ports))
        held = {0: load_held, 1: tok.held, 2: store_held}

        def free(ports, queue):
            others = [held[q] for q in held if q != queue]
            return ~(ports & (others[0] | others[1])).any()

        cands = [
            banks.Candidate(load.want & free(load_ports, 0), load_ports, load.start_index, 0),
            banks.Candidate(tok.a_want & free(tok.a_ports, 1), tok.a_ports, tok.a_index, 1),
            banks.Candidate(
                tok.b_want & free(tok.b_ports, 1), tok.b_ports, tok.b_index, 1, after=1
            ),
            banks.Candidate(store.want & free(store_ports, 2), store_ports, store.start_index, 2),
        ]
        go = banks.starts(cands)
        m.d.comb += [
            load.allow.eq(go[0]),
            tok.a_allow.eq(go[1]),
            tok.b_allow.eq(go[2]),
            store.allow.eq(go[3]),
        ]
