"""The DMA engines' memory interface: Wishbone B4, pipelined mode, written out by hand.

Signals (seen from the master, the DMA engine): ``cyc`` and ``stb`` frame a request, ``we``
marks a write, ``adr`` is a byte address, ``sel`` enables byte lanes of ``dat_w``/``dat_r``
(lane 0 holds the byte at ``adr``), ``cti`` is the cycle type identifier (``INCREMENTING``
for every request of a transfer but the last, ``END_OF_BURST`` for the last), and ``tgc``, the
cycle tag, carries the instruction's index in the program, so the memory controller can grant
transfers that start in the same cycle in program order. A request is accepted in a cycle with
``stb`` high and ``stall`` low; every accepted request receives one ``ack`` later (reads with
``dat_r``), in order. ``dat_w`` and ``dat_r`` are one accumulator row wide; a request moves the
elements of one on-chip row, strided rows being separate requests. ``tga``, the address tag,
says where those elements lie: ``tga.size`` bytes each, element e at ``adr + e * tga.step``, so
lane ``b`` holds the byte at ``adr + (b // size) * step + b % size``. A row of consecutive
elements has ``step == size``; a row of a transposed block (chip/footprint.py's
`dram_layout`) gathers (a read) or scatters (a write) elements ``stride`` bytes apart, as a
scatter-gather memory controller does, paced by the bytes moved like any other row. Addresses
need not be aligned to the data width: the slave places byte ``adr`` in lane 0 (a DRAM
controller would split an unaligned row into two beats; the co-simulation model does not need
to).
"""

from __future__ import annotations

from amaranth import unsigned
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from chip.config import ChipConfig

ADDR_BITS = 32  # the ISA's DRAM address field
TAG_BITS = 32  # the program index (chip.hdl.ports.EVENT_INDEX_BITS)
INCREMENTING, END_OF_BURST = 0b010, 0b111
STEP_BITS = 24  # the ISA's DMA stride field

# The address tag: where the elements of a request lie (see the module docstring).
ADDRESS_TAG = data.StructLayout({"size": unsigned(3), "step": unsigned(STEP_BITS)})


def bus_bytes(config: ChipConfig) -> int:
    """Bytes per data beat: one accumulator row, the widest on-chip row."""
    return config.row_elems * config.acc_dtype.nbytes


def wishbone_signature(config: ChipConfig) -> wiring.Signature:
    """A Wishbone B4 pipelined master port (see the module docstring)."""
    lanes = bus_bytes(config)
    return wiring.Signature(
        {
            "cyc": Out(1),
            "stb": Out(1),
            "we": Out(1),
            "adr": Out(ADDR_BITS),
            "sel": Out(lanes),
            "dat_w": Out(8 * lanes),
            "cti": Out(3),
            "tga": Out(ADDRESS_TAG),
            "tgc": Out(TAG_BITS),
            "stall": In(1),
            "ack": In(1),
            "dat_r": In(8 * lanes),
        }
    )
