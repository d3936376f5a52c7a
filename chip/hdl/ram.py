"""A memory with asynchronous read ports and write ports with per-lane enables."""

from __future__ import annotations

from amaranth import Cat, ClockSignal, Instance, Module, Shape, Value
from amaranth.lib import data, wiring
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

from chip.hdl.ports import read_port_signature


class Ram(wiring.Component):
    """``depth`` rows of ``shape``: read ports ``r0``, ``r1`` (and ``r2``... up to ``reads``)
    return the row at their address in the same cycle; ``w`` (and ``w1``, ``w2`` up to
    ``writes``, at most 3) writes lane k of row ``w.addr`` when ``w.en[k]``, visible from the
    next cycle on. ``lanes`` > 1 needs an `ArrayLayout` row of ``lanes`` elements. Two ports
    writing one lane of one row in the same cycle are a caller's error (the result is unspecified).

    With ``verilog_module`` the RAM elaborates to an instance of that Verilog module (written by
    `chip.hdl.verilog_blocks.ram_verilog`) instead of an Amaranth `Memory`: export then emits
    one small parametrized module instead of the contents of every memory, and no ``initial``
    block. The Amaranth `Memory` is what co-simulation runs; the Verilator tests
    (tests/hdl/test_verilated.py) run the exported module.
    """

    def __init__(
        self,
        shape: Shape | data.Layout,
        depth: int,
        lanes: int = 1,
        verilog_module: str | None = None,
        reads: int = 2,
        writes: int = 1,
    ) -> None:
        if reads < 1 or writes not in (1, 2, 3):
            raise ValueError(
                f"a RAM has 1 or more read ports and 1 to 3 write ports, not {reads} and {writes}"
            )
        if lanes > 1 and not (isinstance(shape, data.ArrayLayout) and shape.length == lanes):
            raise ValueError(f"a RAM with {lanes} write lanes needs an ArrayLayout of {lanes}")
        self.shape, self.depth, self.lanes = shape, depth, lanes
        self.verilog_module = verilog_module
        self.reads, self.writes = reads, writes
        self.addr_bits = max(1, (depth - 1).bit_length())
        read = In(read_port_signature(self.addr_bits, shape))
        write = wiring.Signature(
            {"addr": Out(self.addr_bits), "data": Out(shape), "en": Out(lanes)}
        )
        members = {f"r{k}": read for k in range(reads)}
        members["w"] = In(write)
        for k in range(1, writes):
            members[f"w{k}"] = In(write)
        super().__init__(members)

    def elaborate(self, platform: object) -> Module:
        m = Module()
        if self.verilog_module is not None:
            reads = [getattr(self, f"r{k}") for k in range(self.reads)]
            writes = [self.w] + [getattr(self, f"w{k}") for k in range(1, self.writes)]
            m.submodules.ram = Instance(
                self.verilog_module,
                p_ABITS=self.addr_bits,
                p_DEPTH=self.depth,
                p_WIDTH=Shape.cast(self.shape).width,
                p_LANES=self.lanes,
                p_READS=self.reads,
                p_WRITES=self.writes,
                i_clk=ClockSignal(),
                i_r_addr=Cat(port.addr for port in reads),
                o_r_data=Cat(Value.cast(port.data) for port in reads),
                i_w_addr=Cat(port.addr for port in writes),
                i_w_data=Cat(Value.cast(port.data) for port in writes),
                i_w_en=Cat(port.en for port in writes),
            )
            return m
        m.submodules.mem = mem = Memory(shape=self.shape, depth=self.depth, init=[])
        for k in range(self.reads):
            port = getattr(self, f"r{k}")
            rd = mem.read_port(domain="comb")
            m.d.comb += [rd.addr.eq(port.addr), port.data.eq(rd.data)]
        writes = [self.w] + [getattr(self, f"w{k}") for k in range(1, self.writes)]
        for port in writes:
            wr = mem.write_port(granularity=1) if self.lanes > 1 else mem.write_port()
            m.d.comb += [wr.addr.eq(port.addr), wr.data.eq(port.data), wr.en.eq(port.en)]
        return m
