"""A DMA engine: the load or the store queue, its instruction queue and its Wishbone master.

One component serves both directions (``store`` chooses): LOAD moves DRAM rows into scratchpad
or accumulator rows, STORE the other way. The timing is docs/timing.md's, with the bandwidth
and latency living where they do in hardware, in the memory controller behind the bus (the
co-simulation's `chip.hdl.dram_model.DramModel`):

- An instruction wants to start (``want``) when it is at the head of the queue (or arrives into
  an empty one), the token it pops is available, and the engine has sent every request of the
  previous instruction; it starts when the chip's bank-port rule agrees (``allow``,
  chip/hdl/banks.py). ``head_ports`` are the bank ports it needs, ``held`` those of the engine's
  instructions started and not ended (a STORE's only until its last row is read). In its start
  cycle it presents its first request: row r of the block, one request per row, the last
  marked end-of-burst, with the row's ``cols * size`` bytes enabled. Where the row lies is
  chip/footprint.py's `dram_layout`: at ``dram + r * stride`` with consecutive elements, or in
  a transposed block at ``dram + r * size`` with elements ``stride`` bytes apart (the address
  tag ``tga`` carries the element size and step; the memory controller gathers or scatters,
  chip/hdl/wishbone.py). The slave's ``stall`` paces the requests (a
  LOAD's at the bus bandwidth, a STORE's until its data may use the bus), so the engine is free
  for the next instruction the cycle after its last request is accepted: ``start + n`` for a
  LOAD, ``grant + n`` for a STORE.
- Acknowledges arrive in order. A LOAD writes the row of each one (elements ``< cols``) in the
  cycle it arrives; an instruction ends with its last acknowledge, in whose cycle it reports
  ``done`` and pushes its token. A STORE reads the row of each request in the cycle it is
  accepted; it ends with the acknowledge of its last write.

Started instructions whose acknowledges are pending wait in a FIFO of ``config.dram_latency +
16`` entries; the machine has no such limit, so a program that keeps more transfers in flight
stalls here and diverges from it (docs/hdl.md).

The load engine also runs MOVE, the on-chip copy (`chip.hdl.move.MoveUnit`, which reads rows
through its own read ports and writes them through its own write ports, ``move_spad_write`` and
``move_acc_write``, beside the LOADs' ``spad_write`` and ``acc_write``). A MOVE starts once
no LOAD in flight writes a row of its source or destination (each in-flight LOAD's destination
rows are kept beside the FIFO and compared with the MOVE's two ranges) nor a bank it writes (the
write ports ``held`` by the LOADs in flight against the MOVE's: a bank has one write port);
LOADs of other banks keep arriving while it runs. It sends no request and holds the engine until
it ends; its bank ports are its source's read ports and its destination's write ports, from its
start to its end. The engine retires in order: a MOVE that ends while earlier LOADs are in
flight owes its token to the youngest of them and pushes it with that LOAD's last acknowledge
(``push`` counts the tokens of a cycle). Its ``move_done`` is separate from ``done``, which a
LOAD may raise in the same cycle. A LOAD's row and a MOVE's row written in one cycle land
through their two ports when their banks differ; in one bank (a bank has one write port) they
raise ``clash`` instead, a guard the bank rule keeps from firing on any valid schedule
(docs/hdl.md).
"""

from __future__ import annotations

from amaranth import Array, Cat, Const, Module, Mux, Signal, Value, unsigned
from amaranth.lib import data, stream, wiring
from amaranth.lib.wiring import In, Out

from chip.config import ChipConfig
from chip.hdl import banks
from chip.hdl.banks import half_bits, port_bits
from chip.hdl.decoder import decoder_layout
from chip.hdl.exec_queue import ExecuteQueue
from chip.hdl.move import MoveUnit, move_ports
from chip.hdl.ports import (
    EVENT_INDEX_BITS,
    acc_row_layout,
    read_port_signature,
    row_write_signature,
    spad_row_layout,
)
from chip.hdl.wishbone import (
    END_OF_BURST,
    INCREMENTING,
    STEP_BITS,
    bus_bytes,
    wishbone_signature,
)
from chip.isa import OPCODE_BITS, ROW_BITS, WORD_BITS, Load, Move, Store

SPAD_CODE = 0  # chip.isa's memory code of the scratchpad (1, 2: the accumulator, its fp32 view)
FLIGHT_EXTRA = 16  # in-flight FIFO entries beyond dram_latency
PUSH_BITS = 16  # tokens pushed in one cycle: a LOAD's and those of the MOVEs owed to it


def dma_word_signature() -> stream.Signature:
    """A DMA instruction word with its index in the program, from the dispatcher."""
    layout = data.StructLayout({"word": unsigned(WORD_BITS), "index": unsigned(EVENT_INDEX_BITS)})
    return stream.Signature(layout)


def dma_word_ok(config: ChipConfig, word: Value, store: bool) -> Value:
    """True for a LOAD (STORE) word the engine runs: 1 <= rows, 1 <= cols <= row_elems, a known
    memory."""
    f = data.View(decoder_layout(Store if store else Load), word)
    loc = f.src if store else f.dst
    return (f.rows >= 1) & (f.cols >= 1) & (f.cols <= config.row_elems) & (loc[ROW_BITS:] <= 2)


class DmaEngine(wiring.Component):
    """The load (``store`` false) or store DMA engine of docs/timing.md (module docstring).

    Ports: ``instr`` (words in program order with their index), ``ahead`` (the word ``instr``
    carries in the next cycle, `chip.hdl.top.next_word`), ``token_avail`` (the counter
    of the channel the engine pops: execute -> load, or execute -> store) with ``pop`` (the
    start pops one) and ``push`` (the tokens of the cycle: an end pushes one, with those of the
    MOVEs retired after it), ``bus`` (Wishbone B4 pipelined master), the on-chip side (LOAD:
    ``spad_write`` and ``acc_write``; MOVE: ``move_spad_write`` and ``move_acc_write``; STORE:
    ``spad_read`` and ``acc_read``), the ``start``/``done`` strobes with their instruction's
    index (the load engine's MOVEs end on ``move_done``), ``clash`` (module docstring), and
    ``idle`` (nothing queued, issuing, in flight or moving). ``ram_module`` names the Verilog
    RAM module of its queue on export (see `chip.hdl.ram.Ram`).

    Bank ports (``head_ports``, ``held``): the read half of a port set for the store engine, a
    whole set for the load engine, whose LOADs write and whose MOVEs read (through
    ``move_spad_read`` and ``move_acc_read``, the MOVE unit's read ports) and write.
    """

    def __init__(self, config: ChipConfig, store: bool, ram_module: str | None = None) -> None:
        if config.dram_latency < 1:
            raise ValueError(
                f"dram_latency must be at least 1 for the RTL, not {config.dram_latency}: "
                "a Wishbone acknowledge follows its request"
            )
        self.config = config
        self.store = store
        self.ram_module = ram_module
        self.cls = Store if store else Load
        spad, acc = spad_row_layout(config), acc_row_layout(config)
        members = {
            "instr": In(dma_word_signature()),
            "ahead": In(WORD_BITS),
            "token_avail": In(16),
            "pop": Out(1),
            "push": Out(PUSH_BITS),
            "bus": Out(wishbone_signature(config)),
            "start": Out(1),
            "start_index": Out(EVENT_INDEX_BITS),
            "done": Out(1),
            "done_index": Out(EVENT_INDEX_BITS),
            "idle": Out(1),
            "want": Out(1),
            "allow": In(1),
        }
        if store:
            members["head_ports"] = Out(half_bits(config))
            members["held"] = Out(half_bits(config))
            members["spad_read"] = Out(read_port_signature(config.spad_addr_bits, spad))
            members["acc_read"] = Out(read_port_signature(config.acc_addr_bits, acc))
        else:
            members["head_ports"] = Out(port_bits(config))
            members["held"] = Out(port_bits(config))
            members["spad_write"] = Out(row_write_signature(config.spad_addr_bits, spad))
            members["acc_write"] = Out(row_write_signature(config.acc_addr_bits, acc))
            members["move_spad_read"] = Out(read_port_signature(config.spad_addr_bits, spad))
            members["move_acc_read"] = Out(read_port_signature(config.acc_addr_bits, acc))
            members["move_spad_write"] = Out(row_write_signature(config.spad_addr_bits, spad))
            members["move_acc_write"] = Out(row_write_signature(config.acc_addr_bits, acc))
            members["move_done"] = Out(1)
            members["move_done_index"] = Out(EVENT_INDEX_BITS)
            members["clash"] = Out(1)
        super().__init__(members)

    def elaborate(self, platform: object) -> Module:
        m = Module()
        cfg, store, bus = self.config, self.store, self.bus
        layout = decoder_layout(self.cls)
        entry_bits = WORD_BITS + EVENT_INDEX_BITS
        m.submodules.queue = queue = ExecuteQueue(
            cfg.queue_depth, self.ram_module, entry_bits, second=False, ahead=WORD_BITS
        )
        fields = {
            "index": unsigned(EVENT_INDEX_BITS),
            "rows": unsigned(16),
            "push": unsigned(1),
        }
        if not store:
            # Where the LOAD's returning rows go; a STORE has read its rows before.
            fields |= {"acc": unsigned(1), "row": unsigned(ROW_BITS), "cols": unsigned(10)}
        flight = data.StructLayout(fields)
        # The in-flight FIFO is a queue on the same RAM as the instruction queue, so the
        # exported Verilog holds no memory of Amaranth's (whose power-on contents would be an
        # ``initial`` block).
        flight_depth = cfg.dram_latency + FLIGHT_EXTRA
        m.submodules.flight = fifo = ExecuteQueue(
            flight_depth, self.ram_module, flight.size, second=False
        )
        fifo_room, fifo_any = Signal(), Signal()
        m.d.comb += [fifo_room.eq(fifo.count < flight_depth), fifo_any.eq(fifo.count != 0)]

        # The head: the oldest queued word, or the incoming one when the queue is empty.
        in_q = Signal()
        head_entry = Signal(entry_bits)
        m.d.comb += [
            in_q.eq(queue.count != 0),
            head_entry.eq(
                Mux(in_q, queue.first, Cat(self.instr.payload.word, self.instr.payload.index))
            ),
        ]
        head = data.View(layout, head_entry[:WORD_BITS])
        head_index = head_entry[WORD_BITS:]
        # The head of the next cycle, whose first row a synchronous read port addresses now.
        next_word = Signal(WORD_BITS)
        m.d.comb += next_word.eq(
            Mux(
                queue.count - queue.pop + queue.push != 0,
                queue.next_first,
                self.ahead,
            )
        )
        pops_flag = head.pop_prev if store else head.pop_next
        pushes_flag = head.push_prev if store else head.push_next

        # A MOVE (load engine only) at the head, and one running after its start cycle.
        is_move, moving = Signal(), Signal()
        if not store:
            m.submodules.move = mover = MoveUnit(cfg)
            m.d.comb += [
                is_move.eq(head_entry[:OPCODE_BITS] == Move.OPCODE),
                moving.eq(mover.busy),
            ]
        # a LOAD in flight writes a row the MOVE at the head touches, or a bank it writes
        move_blocked, rows_blocked = Signal(), Signal()
        issuing = Signal()  # an instruction started and has requests left to send
        go, go_dma, go_move = Signal(), Signal(), Signal()
        m.d.comb += [
            self.want.eq(
                (in_q | self.instr.valid)
                & ~issuing
                & ~moving
                & Mux(is_move, ~move_blocked, fifo_room)
                & ((self.token_avail != 0) | ~pops_flag)
            ),
            go.eq(self.want & self.allow),
            go_dma.eq(go & ~is_move),
            go_move.eq(go & is_move),
        ]
        direct = Signal()
        m.d.comb += [
            direct.eq(go & ~in_q),
            self.instr.ready.eq(direct | (queue.count - (go & in_q) < cfg.queue_depth)),
            queue.push.eq(self.instr.valid & self.instr.ready & ~direct),
            queue.push_word.eq(Cat(self.instr.payload.word, self.instr.payload.index)),
            queue.pop.eq(go & in_q),
            self.pop.eq(go & pops_flag),
            self.start.eq(go),
            self.start_index.eq(head_index),
        ]

        # Requests: row k of the current instruction (the head's in its start cycle).
        saved = Signal(layout)
        saved_index = Signal(EVENT_INDEX_BITS)
        cur = Signal(layout)
        cur_index = Signal(EVENT_INDEX_BITS)
        k_reg, k = Signal(16), Signal(16)
        adr_reg, adr = Signal(32), Signal(32)
        m.d.comb += [
            cur.eq(Mux(go_dma, head.as_value(), saved)),
            cur_index.eq(Mux(go_dma, head_index, saved_index)),
            k.eq(Mux(go_dma, 0, k_reg)),
            adr.eq(Mux(go_dma, head.dram, adr_reg)),
        ]
        loc = cur.src if store else cur.dst
        is_acc = Signal()
        m.d.comb += is_acc.eq(loc[ROW_BITS:] != SPAD_CODE)
        active, last_req, accepted = Signal(), Signal(), Signal()
        k_next, issuing_next = Signal(16), Signal()
        m.d.comb += [
            k_next.eq(Mux(accepted, k + 1, k)),
            issuing_next.eq(active & ~(accepted & last_req)),
            active.eq(go_dma | issuing),
            last_req.eq(k == cur.rows - 1),
            accepted.eq(active & ~bus.stall),
            bus.cyc.eq(active),
            bus.stb.eq(active),
            bus.we.eq(store),
            bus.adr.eq(adr),
            bus.cti.eq(Mux(last_req, END_OF_BURST, INCREMENTING)),
            bus.tgc.eq(cur_index),
        ]
        # dram_layout's steps: from one row to the next (``step_r``) and from one element of a
        # row to the next (the tag's step).
        size, step_r = Signal(3), Signal(STEP_BITS)
        m.d.comb += [
            size.eq(Mux(is_acc, cfg.acc_dtype.nbytes, cfg.input_dtype.nbytes)),
            step_r.eq(Mux(cur.transpose, size, cur.stride)),
            bus.tga.size.eq(size),
            bus.tga.step.eq(Mux(cur.transpose, cur.stride, size)),
        ]
        nbytes = Signal(range(bus_bytes(cfg) + 1))
        m.d.comb += nbytes.eq(cur.cols * size)
        m.d.comb += bus.sel.eq(Cat(nbytes > b for b in range(bus_bytes(cfg))))
        m.d.sync += issuing.eq(issuing_next)
        with m.If(active):
            m.d.sync += [saved.eq(cur), saved_index.eq(cur_index), k_reg.eq(k_next)]
        with m.If(accepted):
            m.d.sync += adr_reg.eq(adr + step_r)
        with m.Elif(go_dma):
            m.d.sync += adr_reg.eq(adr)

        row = Signal(ROW_BITS)
        m.d.comb += row.eq(loc[:ROW_BITS])
        if store:
            # The row of request k is on the synchronous ports in the cycle the request is
            # presented: addressed a cycle before, the next request's row while the engine
            # issues then, else the first row of the next cycle's head, which may start then.
            spad_bits = Value.cast(self.spad_read.data)
            acc_bits = Value.cast(self.acc_read.data)
            next_row = Mux(issuing_next, row + k_next, data.View(layout, next_word).src[:ROW_BITS])
            m.d.comb += [
                self.spad_read.addr.eq(next_row),
                self.acc_read.addr.eq(next_row),
                bus.dat_w.eq(Mux(is_acc, acc_bits, spad_bits)),
            ]

        # In flight: started instructions whose acknowledges are pending, oldest first.
        new = Signal(flight)
        m.d.comb += [
            new.index.eq(head_index),
            new.rows.eq(head.rows),
            new.push.eq(pushes_flag),
            fifo.push.eq(go_dma),
            fifo.push_word.eq(new),
        ]
        if not store:
            m.d.comb += [
                new.acc.eq(head.dst[ROW_BITS:] != SPAD_CODE),
                new.row.eq(head.dst[:ROW_BITS]),
                new.cols.eq(head.cols),
            ]
        oldest = data.View(flight, fifo.first)
        acks = Signal(16)  # acknowledges of the oldest instruction so far
        last_ack = Signal()
        owed = Signal(PUSH_BITS)  # tokens of MOVEs retired with the LOAD ending this cycle
        move_push_now = Signal()  # the MOVE ending this cycle pushes its token now
        m.d.comb += [
            last_ack.eq(bus.ack & (acks == oldest.rows - 1)),
            fifo.pop.eq(last_ack & fifo_any),
            self.done.eq(last_ack),
            self.done_index.eq(oldest.index),
            self.push.eq((last_ack & oldest.push) + owed + move_push_now),
            self.idle.eq((queue.count == 0) & ~issuing & ~fifo_any & ~moving),
        ]
        if not store:
            move_index, move_push = Signal(EVENT_INDEX_BITS), Signal()
            m.d.comb += [
                mover.go.eq(go_move),
                mover.word.eq(head_entry[:WORD_BITS]),
                mover.ahead.eq(next_word),
                self.move_done.eq(mover.last),
                self.move_done_index.eq(Mux(go_move, head_index, move_index)),
            ]
            with m.If(go_move):
                m.d.sync += [move_index.eq(head_index), move_push.eq(pushes_flag)]
            self._flight_rows(
                m, head_entry, go_dma, fifo.pop, fifo.count, head, mover.last,
                Mux(go_move, pushes_flag, move_push), rows_blocked, owed, move_push_now,
            )  # fmt: skip
        with m.If(bus.ack):
            m.d.sync += acks.eq(Mux(last_ack, 0, acks + 1))

        # Bank ports held by started instructions, counted per port: a LOAD's until it ends,
        # a STORE's until its last row is read (the cycle its last request is accepted). A LOAD
        # reserves write ports, a STORE read ports (``own``: that half of a port set); a MOVE
        # both, and it runs alone.
        half = half_bits(cfg)

        def own(acc: Value, lo: Value, rows: Value) -> Value:
            ports = Mux(
                acc,
                banks.ports(cfg, banks.ACC, not store, lo, rows),
                banks.ports(cfg, banks.SPAD, not store, lo, rows),
            )
            return ports[:half] if store else ports[half:]

        head_loc = head.src if store else head.dst
        head_own = Signal(half)
        m.d.comb += head_own.eq(
            own(head_loc[ROW_BITS:] != SPAD_CODE, head_loc[:ROW_BITS], head.rows)
        )
        released, release = Signal(half), Signal()
        if store:
            m.d.comb += [release.eq(accepted & last_req), released.eq(own(is_acc, row, cur.rows))]
        else:
            m.d.comb += [
                release.eq(last_ack),
                released.eq(own(oldest.acc, oldest.row, oldest.rows)),
            ]
        depth = cfg.dram_latency + FLIGHT_EXTRA
        counted = Signal(half)
        for p in range(half):
            count = Signal(range(depth + 2), name=f"held_{p}")
            m.d.sync += count.eq(count + (go_dma & head_own[p]) - (release & released[p]))
            m.d.comb += counted[p].eq(count != 0)
        if store:
            m.d.comb += [self.head_ports.eq(head_own), self.held.eq(counted)]
            return m
        head_move = move_ports(cfg, head_entry[:WORD_BITS])
        move_held = Signal(port_bits(cfg))
        with m.If(go_move):
            m.d.sync += move_held.eq(head_move)
        m.d.comb += [
            move_blocked.eq(rows_blocked | (counted & head_move[half:]).any()),
            self.head_ports.eq(Mux(is_move, head_move, Cat(Const(0, half), head_own))),
            self.held.eq(Cat(Const(0, half), counted) | Mux(moving, move_held, 0)),
        ]
        # The acknowledged row (elements < cols) goes to the LOAD's memory through the engine's
        # write port there, the MOVE's rows through the MOVE unit's own: both in one cycle is a
        # ``clash`` only in one bank, which the bank rule keeps from every valid schedule.
        wiring.connect(m, mover.spad_read, wiring.flipped(self.move_spad_read))
        wiring.connect(m, mover.acc_read, wiring.flipped(self.move_acc_read))
        wiring.connect(m, mover.spad_write, wiring.flipped(self.move_spad_write))
        wiring.connect(m, mover.acc_write, wiring.flipped(self.move_acc_write))
        clashes = []
        for space, port, copy, layout_ in (
            (banks.SPAD, self.spad_write, mover.spad_write, spad_row_layout(cfg)),
            (banks.ACC, self.acc_write, mover.acc_write, acc_row_layout(cfg)),
        ):
            write = bus.ack & (oldest.acc if space == banks.ACC else ~oldest.acc)
            one = Const(1)
            load_bank = banks.ports(cfg, space, True, port.addr, one)
            same_bank = (load_bank & banks.ports(cfg, space, True, copy.addr, one)).any()
            clashes.append(copy.en.any() & write & same_bank)
            m.d.comb += [
                port.addr.eq(oldest.row + acks),
                Value.cast(port.data).eq(bus.dat_r[: layout_.size]),
                port.en.eq(Cat((write & (oldest.cols > e)) for e in range(cfg.row_elems))),
            ]
        m.d.comb += self.clash.eq(Cat(clashes).any())
        return m

    def _flight_rows(
        self, m, head_entry, go_dma, pop, count, head, move_last, move_pushes, blocked, owed, now
    ) -> None:
        """The destination rows of the LOADs in flight, one slot per FIFO entry in the FIFO's
        order: ``blocked`` when one of them overlaps the source or destination of the MOVE
        at the head (each in its memory); the token of a MOVE ending (``move_last``,
        ``move_pushes``) while LOADs stay in flight is owed to the youngest of them and pushed
        with its last acknowledge (``owed``), else ``now``."""
        cfg = self.config
        depth = cfg.dram_latency + FLIGHT_EXTRA
        # A valid program's rows lie in their memory (chip/semantics.py faults otherwise, and
        # the memories' ports wrap the address), so a range's ends fit the wider memory's
        # address and one bit more: the comparisons below are that wide, not ROW_BITS + 1.
        addr_bits = max(cfg.spad_addr_bits, cfg.acc_addr_bits)
        wr, rd = Signal(range(depth)), Signal(range(depth))
        valid = [Signal(name=f"flight_valid_{i}") for i in range(depth)]
        acc = [Signal(name=f"flight_acc_{i}") for i in range(depth)]
        lo = [Signal(addr_bits, name=f"flight_lo_{i}") for i in range(depth)]
        hi = [Signal(addr_bits + 1, name=f"flight_hi_{i}") for i in range(depth)]
        tokens = Array(Signal(PUSH_BITS, name=f"flight_owed_{i}") for i in range(depth))
        with m.If(go_dma):
            m.d.sync += wr.eq(Mux(wr == depth - 1, 0, wr + 1))
        with m.If(pop):
            m.d.sync += rd.eq(Mux(rd == depth - 1, 0, rd + 1))
        youngest = Signal(range(depth))
        remains = Signal()  # LOADs stay in flight after this cycle's acknowledge
        m.d.comb += [
            youngest.eq(Mux(wr == 0, depth - 1, wr - 1)),
            remains.eq(count - pop != 0),
            owed.eq(Mux(pop, tokens[rd], 0)),
            now.eq(move_last & move_pushes & ~remains),
        ]
        dst = head.dst
        for i in range(depth):
            with m.If(go_dma & (wr == i)):
                m.d.sync += [
                    valid[i].eq(1),
                    acc[i].eq(dst[ROW_BITS:] != SPAD_CODE),
                    lo[i].eq(dst[:addr_bits]),
                    hi[i].eq(dst[:addr_bits] + head.rows),
                ]
            with m.Elif(pop & (rd == i)):
                m.d.sync += [valid[i].eq(0), tokens[i].eq(0)]
            with m.If(move_last & move_pushes & remains & (youngest == i)):
                m.d.sync += tokens[i].eq(tokens[i] + 1)
        mv = data.View(decoder_layout(Move), head_entry[:WORD_BITS])
        s_acc, d_acc = mv.src[ROW_BITS:] != SPAD_CODE, mv.dst[ROW_BITS:] != SPAD_CODE
        s_lo, d_lo = mv.src[:addr_bits], mv.dst[:addr_bits]
        s_hi = (s_lo + mv.rows)[: addr_bits + 1]
        d_hi = (d_lo + Mux(mv.transpose, mv.cols, mv.rows))[: addr_bits + 1]
        hits = [
            valid[i]
            & (
                (acc[i] == s_acc) & (lo[i] < s_hi) & (s_lo < hi[i])
                | (acc[i] == d_acc) & (lo[i] < d_hi) & (d_lo < hi[i])
            )
            for i in range(depth)
        ]
        m.d.comb += blocked.eq(Cat(hits).any())
