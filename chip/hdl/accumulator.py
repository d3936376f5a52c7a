"""The accumulator: accumulator-dtype rows that collect the array's results."""

from __future__ import annotations

from amaranth import Module, Mux
from amaranth.lib import wiring
from amaranth.lib.wiring import In

from chip.config import ChipConfig
from chip.hdl.blackbox import VerilogModule
from chip.hdl.fp32_add import adder_signature
from chip.hdl.numerics import numerics_for
from chip.hdl.ports import (
    acc_row_layout,
    acc_write_signature,
    read_port_signature,
    row_write_signature,
)
from chip.hdl.ram import Ram


class Accumulator(wiring.Component):
    """``config.acc_rows`` rows of ``config.row_elems`` accumulator-dtype elements.

    ``write`` (from the array) is a read-modify-write in one cycle: elements j < cols of row
    addr become data[j], or row[j] + data[j] when ``accumulate`` (int32 wrapping), and are
    readable from the next cycle on. ``read`` (for the host) returns a row in the cycle its
    address is presented. Banks are not modelled (docs/hdl.md). ``ram_module`` names the
    Verilog RAM module to instantiate instead of an Amaranth memory (see `Ram`), and
    ``adder_module`` (bf16 only) the Verilog module of `Fp32Adder` to instantiate per column
    instead of converting C copies of it (see `chip.hdl.export.write_verilog`).

    With ``dma`` it also has the DMA engines' ports: ``read_s`` (the store engine, a third
    asynchronous read port) and ``load_write`` (the load engine, a second write port with one
    enable per element, raw elements: a LOAD never accumulates), and the vector unit's:
    ``read_va``, ``read_vb`` (its two sources) and ``vec_write`` (a third write port, raw
    elements, one enable per element), and ``read_m``, the load engine's for the source rows
    of a MOVE.
    """

    def __init__(
        self,
        config: ChipConfig,
        ram_module: str | None = None,
        adder_module: str | None = None,
        dma: bool = False,
    ) -> None:
        self.config = config
        self.dma = dma
        self.ram_module = ram_module
        self.adder_module = adder_module
        self.numerics = numerics_for(config.input_dtype)
        layout = acc_row_layout(config)
        read = read_port_signature(config.acc_addr_bits, layout)
        members = {"write": In(acc_write_signature(config)), "read": In(read)}
        if dma:
            members["read_s"] = In(read)
            members["load_write"] = In(row_write_signature(config.acc_addr_bits, layout))
            members["read_va"] = In(read)
            members["read_vb"] = In(read)
            members["vec_write"] = In(row_write_signature(config.acc_addr_bits, layout))
            members["read_m"] = In(read)
        super().__init__(members)

    def elaborate(self, platform: object) -> Module:
        m = Module()
        cfg = self.config
        layout = acc_row_layout(cfg)
        if self.dma:
            mem = Ram(layout, cfg.acc_rows, cfg.row_elems, self.ram_module, reads=6, writes=3)
            load, vec = self.load_write, self.vec_write
            m.d.comb += [
                mem.r3.addr.eq(self.read_va.addr),
                self.read_va.data.eq(mem.r3.data),
                mem.r4.addr.eq(self.read_vb.addr),
                self.read_vb.data.eq(mem.r4.data),
                mem.w2.addr.eq(vec.addr),
                mem.w2.data.eq(vec.data),
                mem.w2.en.eq(vec.en),
                mem.r2.addr.eq(self.read_s.addr),
                self.read_s.data.eq(mem.r2.data),
                mem.r5.addr.eq(self.read_m.addr),
                self.read_m.data.eq(mem.r5.data),
                mem.w1.addr.eq(load.addr),
                mem.w1.data.eq(load.data),
                mem.w1.en.eq(load.en),
            ]
        else:
            mem = Ram(layout, cfg.acc_rows, cfg.row_elems, self.ram_module)
        m.submodules.mem = mem
        host, old = mem.r0, mem.r1
        m.d.comb += [host.addr.eq(self.read.addr), self.read.data.eq(host.data)]

        req = self.write.payload
        m.d.comb += [old.addr.eq(req.addr), mem.w.addr.eq(req.addr)]
        for j in range(cfg.cols):
            if self.adder_module is None:
                total = self.numerics.add(m, old.data[j], req.data[j])
            else:
                m.submodules[f"add_{j}"] = adder = VerilogModule(
                    self.adder_module, adder_signature(), clock=False
                )
                m.d.comb += [adder.a.eq(old.data[j]), adder.b.eq(req.data[j])]
                total = adder.y
            m.d.comb += [
                mem.w.data[j].eq(Mux(req.accumulate, total, req.data[j])),
                mem.w.en[j].eq(self.write.valid & (j < req.cols)),
            ]
        return m
