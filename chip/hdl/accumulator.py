"""The accumulator: accumulator-dtype rows that collect the array's results."""

from __future__ import annotations

from amaranth import Module, Mux
from amaranth.lib import wiring
from amaranth.lib.wiring import In

from chip.config import ChipConfig, Dataflow
from chip.hdl.banked_ram import BankedRam
from chip.hdl.blackbox import VerilogModule
from chip.hdl.fp32_add import adder_signature
from chip.hdl.numerics import numerics_for
from chip.hdl.ports import (
    acc_row_layout,
    acc_write_signature,
    read_port_signature,
    row_write_signature,
)

# The units' ports, each passed through to the `BankedRam` of the same name: the host's read
# port, and with the DMA engines and the vector unit theirs. The array's read-modify-write has
# the RAM's ports ``old`` and ``array``. No two writers write one bank in the same cycle
# (docs/hdl.md).
READS = ("read",)
DMA_READS = ("read_s", "read_va", "read_vb", "read_m")
DMA_WRITES = ("load_write", "move_write", "vec_write")


def rmw_reads_ahead(config: ChipConfig) -> bool:
    """Whether the read-modify-write reads its old row a cycle ahead (a synchronous, block RAM
    port at ``write.payload.next_addr``): every array write comes a cycle or more after its
    MATMUL's start, except on a 1x1 WS/IS array, whose results need no cycles to cross it and
    are written in the start cycle, when the row is not known a cycle before."""
    return config.dataflow is Dataflow.OS or config.rows + config.cols > 2


class Accumulator(wiring.Component):
    """``config.acc_rows`` rows of ``config.row_elems`` accumulator-dtype elements, in
    ``config.acc_banks`` banks of one write port each (`BankedRam`).

    ``write`` (from the array) is a read-modify-write in one cycle: elements j < cols of row
    addr become data[j], or row[j] + data[j] when ``accumulate`` (int32 wrapping), and are
    readable from the next cycle on; row[j] is read a cycle ahead at ``next_addr`` when
    `rmw_reads_ahead`. ``read`` (for the host, outside the timing contract) is synchronous:
    the row addressed in one cycle is on its ``data`` in the next. ``ram_module`` names the
    Verilog RAM module the banks instantiate instead of Amaranth memories (see
    `chip.hdl.ram.Ram`), and ``adder_module`` (bf16 only) the
    Verilog module of `Fp32Adder` to instantiate per column instead of converting C copies of
    it (see `chip.hdl.export.write_verilog`).

    With ``dma`` it also has the DMA engines' ports: ``read_s`` (the store engine, a third
    read port) and ``load_write`` (the load engine, a write port with one enable per element,
    raw elements: a LOAD never accumulates), and the vector unit's: ``read_va``, ``read_vb``
    (its two sources), ``vec_write`` (a write port, raw elements, one enable per element), and
    ``read_m`` and ``move_write``, the load engine's MOVE unit's for a MOVE's source and
    destination rows. Those read ports are synchronous, as ``read``: each reader addresses a
    row in the cycle before it uses it.
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
        self.reads = READS + (DMA_READS if dma else ())
        self.writes = DMA_WRITES if dma else ()
        layout = acc_row_layout(config)
        read = read_port_signature(config.acc_addr_bits, layout)
        write = row_write_signature(config.acc_addr_bits, layout)
        members = {name: In(read) for name in self.reads}
        members.update({name: In(write) for name in self.writes})
        members["write"] = In(acc_write_signature(config))
        super().__init__(members)

    def elaborate(self, platform: object) -> Module:
        m = Module()
        cfg = self.config
        m.submodules.mem = mem = BankedRam(
            acc_row_layout(cfg),
            cfg.acc_rows,
            cfg.acc_banks,
            (*self.reads, "old"),
            ("array", *self.writes),
            self.ram_module,
            sync=(*self.reads, *(("old",) if rmw_reads_ahead(cfg) else ())),
        )
        for name in (*self.reads, *self.writes):
            wiring.connect(m, wiring.flipped(getattr(self, name)), getattr(mem, name))

        req = self.write.payload
        old, new = mem.old, mem.array
        if rmw_reads_ahead(cfg):
            m.d.comb += old.addr.eq(req.next_addr)
        else:
            m.d.comb += old.addr.eq(req.addr)
        m.d.comb += new.addr.eq(req.addr)
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
                new.data[j].eq(Mux(req.accumulate, total, req.data[j])),
                new.en[j].eq(self.write.valid & (j < req.cols)),
            ]
        return m
