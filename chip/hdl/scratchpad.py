"""The scratchpad: input-dtype rows that feed the array."""

from __future__ import annotations

from amaranth import Module
from amaranth.lib import wiring
from amaranth.lib.wiring import In

from chip.config import ChipConfig
from chip.hdl.ports import (
    read_port_signature,
    row_write_signature,
    spad_row_layout,
    spad_write_signature,
)
from chip.hdl.ram import Ram


class Scratchpad(wiring.Component):
    """``config.spad_rows`` rows of ``config.row_elems`` input-dtype elements.

    Two read ports (``read_x`` for the array's left edge; ``read_y`` for the top edge in OS and
    the stationary tile in WS/IS), each returning its row in the cycle the address is presented,
    and one host write port (``write``), whose row is readable from the next cycle on. The
    configuration's bank count is not modelled: one memory serves all ports (docs/hdl.md).
    ``ram_module`` names the Verilog RAM module to instantiate instead (see `Ram`).

    With ``dma`` it also has the DMA engines' ports: ``read_s`` (the store engine, a third
    asynchronous read port) and ``load_write`` (the load engine, a second write port with one
    enable per element), the vector unit's: ``read_va``, ``read_vb`` (its two sources) and
    ``vec_write`` (a third write port with one enable per element), and ``read_m``, the load
    engine's for the source rows of a MOVE.
    """

    def __init__(
        self, config: ChipConfig, ram_module: str | None = None, dma: bool = False
    ) -> None:
        self.config = config
        self.ram_module = ram_module
        self.dma = dma
        layout = spad_row_layout(config)
        read = read_port_signature(config.spad_addr_bits, layout)
        members = {
            "read_x": In(read),
            "read_y": In(read),
            "write": In(spad_write_signature(config)),
        }
        if dma:
            members["read_s"] = In(read)
            members["load_write"] = In(row_write_signature(config.spad_addr_bits, layout))
            members["read_va"] = In(read)
            members["read_vb"] = In(read)
            members["vec_write"] = In(row_write_signature(config.spad_addr_bits, layout))
            members["read_m"] = In(read)
        super().__init__(members)

    def elaborate(self, platform: object) -> Module:
        m = Module()
        cfg = self.config
        if not self.dma:
            mem = Ram(spad_row_layout(cfg), cfg.spad_rows, 1, self.ram_module)
            m.submodules.mem = mem
            reads = [(self.read_x, mem.r0), (self.read_y, mem.r1)]
            host_en = self.write.valid
        else:
            lanes = cfg.row_elems
            mem = Ram(
                spad_row_layout(cfg), cfg.spad_rows, lanes, self.ram_module, reads=6, writes=3
            )
            m.submodules.mem = mem
            reads = [
                (self.read_x, mem.r0),
                (self.read_y, mem.r1),
                (self.read_s, mem.r2),
                (self.read_va, mem.r3),
                (self.read_vb, mem.r4),
                (self.read_m, mem.r5),
            ]
            host_en = self.write.valid.replicate(lanes)
            load = self.load_write
            m.d.comb += [
                mem.w1.addr.eq(load.addr),
                mem.w1.data.eq(load.data),
                mem.w1.en.eq(load.en),
                mem.w2.addr.eq(self.vec_write.addr),
                mem.w2.data.eq(self.vec_write.data),
                mem.w2.en.eq(self.vec_write.en),
            ]
        for port, rd in reads:
            m.d.comb += [rd.addr.eq(port.addr), port.data.eq(rd.data)]
        m.d.comb += [
            mem.w.addr.eq(self.write.payload.addr),
            mem.w.data.eq(self.write.payload.data),
            mem.w.en.eq(host_en),
            self.write.ready.eq(1),
        ]
        return m
