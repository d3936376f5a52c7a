"""The scratchpad: input-dtype rows that feed the array."""

from __future__ import annotations

from amaranth import Module
from amaranth.lib import wiring
from amaranth.lib.wiring import In

from chip.config import ChipConfig
from chip.hdl.banked_ram import BankedRam
from chip.hdl.ports import (
    read_port_signature,
    row_write_signature,
    spad_row_layout,
    spad_write_signature,
)

# The units' ports, each passed through to the `BankedRam` of the same name: the array's two
# read ports, and with the DMA engines and the vector unit theirs. Writers listed here never
# write one bank in the same cycle (docs/hdl.md); the host's port comes after them.
READS = ("read_x", "read_y")
DMA_READS = ("read_s", "read_va", "read_vb", "read_m")
DMA_WRITES = ("load_write", "move_write", "vec_write")


class Scratchpad(wiring.Component):
    """``config.spad_rows`` rows of ``config.row_elems`` input-dtype elements, in
    ``config.spad_banks`` banks of one write port each (`BankedRam`).

    Two read ports (``read_x`` for the array's left edge; ``read_y`` for the top edge in OS and
    the stationary tile in WS/IS), each returning its row in the cycle after the address is
    presented, and the host's write port (``write``), whose row is readable from the next
    cycle on; it is ready unless a unit writes the same bank in that cycle. ``ram_module``
    names the Verilog RAM module the banks instantiate instead of Amaranth memories (see
    `chip.hdl.ram.Ram`).

    With ``dma`` it also has the DMA engines' ports: ``read_s`` (the store engine, a third
    read port) and ``load_write`` (the load engine, a write port with one enable per element),
    the vector unit's: ``read_va``, ``read_vb`` (its two sources) and ``vec_write`` (a write
    port with one enable per element), and ``read_m`` and ``move_write``, the load engine's
    MOVE unit's for a MOVE's source and destination rows. Every read port is synchronous
    (block RAM): the row addressed in one cycle is on ``data`` in the next.
    """

    def __init__(
        self, config: ChipConfig, ram_module: str | None = None, dma: bool = False
    ) -> None:
        self.config = config
        self.ram_module = ram_module
        self.dma = dma
        self.reads = READS + (DMA_READS if dma else ())
        self.writes = DMA_WRITES if dma else ()
        layout = spad_row_layout(config)
        read = read_port_signature(config.spad_addr_bits, layout)
        write = row_write_signature(config.spad_addr_bits, layout)
        members = {name: In(read) for name in self.reads}
        members.update({name: In(write) for name in self.writes})
        members["write"] = In(spad_write_signature(config))
        super().__init__(members)

    def elaborate(self, platform: object) -> Module:
        m = Module()
        cfg = self.config
        m.submodules.mem = mem = BankedRam(
            spad_row_layout(cfg),
            cfg.spad_rows,
            cfg.spad_banks,
            self.reads,
            self.writes,
            self.ram_module,
            waiting="host",
            sync=self.reads,
        )
        for name in (*self.reads, *self.writes):
            wiring.connect(m, wiring.flipped(getattr(self, name)), getattr(mem, name))
        host = self.write
        m.d.comb += [
            mem.host.addr.eq(host.payload.addr),
            mem.host.data.eq(host.payload.data),
            mem.host.en.eq(host.valid.replicate(cfg.row_elems)),
            host.ready.eq(mem.free),
        ]
        return m
