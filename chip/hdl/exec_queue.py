"""The execute queue: instruction words dispatched but not yet started."""

from __future__ import annotations

from amaranth import Module, Mux, Signal, unsigned
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
    """

    def __init__(
        self,
        depth: int,
        ram_module: str | None = None,
        width: int = WORD_BITS,
        second: bool = True,
    ) -> None:
        if depth < 1:
            raise ValueError(f"queue depth must be at least 1, not {depth}")
        self.depth, self.width = depth, width
        self.ram_module = ram_module
        self.has_second = second
        members = {
            "push": In(1),
            "push_word": In(unsigned(width)),
            "pop": In(range(3 if second else 2)),
            "count": Out(range(depth + 1)),
            "first": Out(unsigned(width)),
        }
        if second:
            members["second"] = Out(unsigned(width))
        super().__init__(members)

    def elaborate(self, platform: object) -> Module:
        m = Module()
        depth = self.depth
        reads = 2 if self.has_second else 1
        m.submodules.words = words = Ram(
            unsigned(self.width), depth, 1, self.ram_module, reads=reads
        )
        head, tail = Signal(range(depth)), Signal(range(depth))
        count = Signal(range(depth + 1))

        def step(ptr: Signal, by: int) -> object:
            # Pointers wrap at any depth, not only powers of two.
            nxt = ptr + by
            return Mux(nxt >= depth, nxt - depth, nxt)

        first, write = words.r0, words.w
        if self.has_second:
            m.d.comb += [
                words.r1.addr.eq(step(head, 1 % depth)),
                self.second.eq(words.r1.data),
            ]
        m.d.comb += [
            first.addr.eq(head),
            self.first.eq(first.data),
            write.addr.eq(tail),
            write.data.eq(self.push_word),
            write.en.eq(self.push),
            self.count.eq(count),
        ]
        m.d.sync += [head.eq(step(head, self.pop)), count.eq(count - self.pop + self.push)]
        with m.If(self.push):
            m.d.sync += tail.eq(step(tail, 1 % depth))
        return m
