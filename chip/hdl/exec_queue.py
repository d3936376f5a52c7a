"""The execute queue: instruction words dispatched but not yet started."""

from __future__ import annotations

from amaranth import Module, Mux, Signal, Value, unsigned
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from chip.hdl.ram import Ram
from chip.isa import WORD_BITS


class ExecuteQueue(wiring.Component):
    """A FIFO of ``depth`` instruction words whose two oldest entries are visible at once.

    ``first`` and ``second`` are the oldest and second-oldest words (meaningful when ``count``
    is at least 1 and 2). Each cycle the controller removes ``pop`` (0, 1 or 2) words from the
    front and, with ``push``, appends ``push_word``; a pushed word is visible from the next
    cycle. The controller must not push into a queue that stays full after its pops.
    ``ram_module`` names the Verilog RAM module holding the words on export (see `Ram`);
    ``width`` is the bits per entry (the DMA queues keep the word's program index beside it);
    without ``second`` the queue has no ``second`` port and pops at most one word a cycle.

    The words are in a RAM with synchronous read ports (block RAM): each cycle the queue reads
    the rows that will be its oldest two in the next cycle, after this cycle's pops, and a word
    pushed into one of them this cycle is forwarded by the RAM's write-first read, so
    ``first`` and ``second`` are the same in every cycle as with asynchronous reads.

    With ``ahead`` (a number of bits) the queue also shows, in each cycle, the low ``ahead``
    bits of the words ``first`` (``next_first``) and ``second`` (``next_second``) will be in
    the next cycle, after this cycle's ``pop`` and ``push`` (meaningful when the queue will
    hold them): a reader with a synchronous port
    addresses in this cycle the row a word starting in the next cycle reads first. It reads
    as many rows more as it pops at most, each a synchronous port of its own.
    """

    def __init__(
        self,
        depth: int,
        ram_module: str | None = None,
        width: int = WORD_BITS,
        second: bool = True,
        ahead: int = 0,
    ) -> None:
        if depth < 1:
            raise ValueError(f"queue depth must be at least 1, not {depth}")
        self.depth, self.width = depth, width
        self.ram_module = ram_module
        self.has_second = second
        self.ahead = ahead
        members = {
            "push": In(1),
            "push_word": In(unsigned(width)),
            "pop": In(range(3 if second else 2)),
            "count": Out(range(depth + 1)),
            "first": Out(unsigned(width)),
        }
        if second:
            members["second"] = Out(unsigned(width))
        if ahead:
            members["next_first"] = Out(unsigned(ahead))
            if second:
                members["next_second"] = Out(unsigned(ahead))
        super().__init__(members)

    def elaborate(self, platform: object) -> Module:
        m = Module()
        depth = self.depth
        pops = 2 if self.has_second else 1
        shown = 2 if self.has_second else 1
        # Row i of the next cycle's head, i < shown, and with ``ahead`` the rows after them
        # that this cycle's pops may bring to the front a cycle later.
        reads = shown + (pops if self.ahead else 0)
        m.submodules.words = words = Ram(
            unsigned(self.width), depth, 1, self.ram_module, reads=reads, sync=range(reads)
        )
        head, tail = Signal(range(depth)), Signal(range(depth))
        count = Signal(range(depth + 1))

        def step(ptr: Signal, by: int) -> Value:
            # Pointers wrap at any depth, not only powers of two.
            nxt = ptr + by % depth
            return Mux(nxt >= depth, nxt - depth, nxt)

        def advance(ptr: Signal, by: Value, most: int) -> Value:
            """``ptr`` moved ``by`` (0..most) rows: one constant step per value of ``by``."""
            out = step(ptr, 0)
            for n in range(1, most + 1):
                out = Mux(by == n, step(ptr, n), out)
            return out

        # The head of the next cycle, whose rows the synchronous ports read now.
        next_head = Signal(range(depth))
        m.d.comb += next_head.eq(advance(head, self.pop, pops))
        rows = [getattr(words, f"r{i}") for i in range(reads)]
        for i, port in enumerate(rows):
            m.d.comb += port.addr.eq(advance(head, self.pop + i, pops + i))
        m.d.comb += self.first.eq(rows[0].data)
        if self.has_second:
            m.d.comb += self.second.eq(rows[1].data)
        if self.ahead:
            # Word j of the next cycle: row pop + j of this one while the queue holds it, the
            # word pushed now when it lands there.
            outs = [self.next_first, *([self.next_second] if self.has_second else [])]
            for j, out in enumerate(outs):
                bits = Value.cast(self.push_word)[: self.ahead]
                word = bits
                for p in range(pops + 1):
                    row = Mux(count > p + j, rows[p + j].data[: self.ahead], bits)
                    word = Mux(self.pop == p, row, word)
                m.d.comb += out.eq(word)
        write = words.w
        m.d.comb += [
            write.addr.eq(tail),
            write.data.eq(self.push_word),
            write.en.eq(self.push),
            self.count.eq(count),
        ]
        m.d.sync += [head.eq(next_head), count.eq(count - self.pop + self.push)]
        with m.If(self.push):
            m.d.sync += tail.eq(step(tail, 1))
        return m
