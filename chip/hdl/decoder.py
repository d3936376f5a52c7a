"""The instruction decoder's layouts: views of a 128-bit word built from the ISA table.

Every HDL block that reads instruction fields (the execute controller and its units, the DMA
engines, the MOVE unit, the vector unit) decodes through `decoder_layout`, derived from
`chip.isa.field_layout` and never written by hand, so the RTL reads the fields the assembler
writes. This module imports no other HDL block, so any of them may import it.
"""

from __future__ import annotations

from amaranth import unsigned
from amaranth.lib import data

from chip.isa import WORD_BITS, Instr, field_layout


def decoder_layout(cls: type[Instr]) -> data.FlexibleLayout:
    """A view of a 128-bit instruction word with one field per ISA field of ``cls``."""
    fields = {name: data.Field(unsigned(width), lo) for name, lo, width in field_layout(cls)}
    return data.FlexibleLayout(WORD_BITS, fields)
