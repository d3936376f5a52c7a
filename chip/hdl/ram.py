"""A memory with asynchronous or synchronous read ports and one write port with per-lane
enables."""

from __future__ import annotations

from collections.abc import Sequence

from amaranth import Cat, ClockSignal, Instance, Module, Shape, Value
from amaranth.lib import data, wiring
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

from chip.hdl.ports import read_port_signature


class Ram(wiring.Component):
    """``depth`` rows of ``shape``: read ports ``r0``, ``r1`` (and ``r2``... up to ``reads``)
    return the row at their address in the same cycle; ``w`` writes lane k of row ``w.addr``
    when ``w.en[k]``, visible from the next cycle on. ``lanes`` > 1 needs an `ArrayLayout` row
    of ``lanes`` elements. One write port is what FPGA LUT RAM (and block RAM) offers: a memory
    with several writers is built of banks (`chip.hdl.banked_ram.BankedRam`).

    With ``verilog_module`` the RAM elaborates to an instance of that Verilog module (written by
    `chip.hdl.verilog_blocks.ram_verilog`) instead of an Amaranth `Memory`: export then emits
    one small parametrized module instead of the contents of every memory, and no ``initial``
    block. The Amaranth `Memory` is what co-simulation runs; the Verilator tests
    (tests/hdl/test_verilated.py) run the exported module.

    The read ports numbered in ``sync`` are synchronous: the address is registered, so the row
    at the address of cycle t is on ``data`` in cycle t+1, including cycle t's write to that
    row (a write-first bypass). A reader that presents in cycle t the address it would have
    presented to an asynchronous port in cycle t+1 sees the same row in the same cycle: that
    is how the timing contract's same-cycle row reads map to block RAM (DP16KD, RAMB18/36),
    which registers the read address. An asynchronous port can only become LUT RAM.
    """

    def __init__(
        self,
        shape: Shape | data.Layout,
        depth: int,
        lanes: int = 1,
        verilog_module: str | None = None,
        reads: int = 2,
        sync: Sequence[int] = (),
    ) -> None:
        if reads < 1:
            raise ValueError(f"a RAM has 1 or more read ports, not {reads}")
        if any(not 0 <= k < reads for k in sync):
            raise ValueError(f"synchronous read ports must be among the {reads}, not {sync}")
        if lanes > 1 and not (isinstance(shape, data.ArrayLayout) and shape.length == lanes):
            raise ValueError(f"a RAM with {lanes} write lanes needs an ArrayLayout of {lanes}")
        self.shape, self.depth, self.lanes = shape, depth, lanes
        self.verilog_module = verilog_module
        self.reads = reads
        self.sync = frozenset(sync)
        self.addr_bits = max(1, (depth - 1).bit_length())
        read = In(read_port_signature(self.addr_bits, shape))
        write = wiring.Signature(
            {"addr": Out(self.addr_bits), "data": Out(shape), "en": Out(lanes)}
        )
        members = {f"r{k}": read for k in range(reads)}
        members["w"] = In(write)
        super().__init__(members)

    def elaborate(self, platform: object) -> Module:
        m = Module()
        if self.verilog_module is not None:
            reads = [getattr(self, f"r{k}") for k in range(self.reads)]
            m.submodules.ram = Instance(
                self.verilog_module,
                p_ABITS=self.addr_bits,
                p_DEPTH=self.depth,
                p_WIDTH=Shape.cast(self.shape).width,
                p_LANES=self.lanes,
                p_READS=self.reads,
                p_SYNC=sum(1 << k for k in self.sync),
                i_clk=ClockSignal(),
                i_r_addr=Cat(port.addr for port in reads),
                o_r_data=Cat(Value.cast(port.data) for port in reads),
                i_w_addr=self.w.addr,
                i_w_data=Value.cast(self.w.data),
                i_w_en=self.w.en,
            )
            return m
        m.submodules.mem = mem = Memory(shape=self.shape, depth=self.depth, init=[])
        wr = mem.write_port(granularity=1) if self.lanes > 1 else mem.write_port()
        for k in range(self.reads):
            port = getattr(self, f"r{k}")
            if k in self.sync:
                rd = mem.read_port(domain="sync", transparent_for=(wr,))
            else:
                rd = mem.read_port(domain="comb")
            m.d.comb += [rd.addr.eq(port.addr), port.data.eq(rd.data)]
        m.d.comb += [wr.addr.eq(self.w.addr), wr.data.eq(self.w.data), wr.en.eq(self.w.en)]
        return m
