"""Interface signatures shared by the HDL blocks, each derived from the `ChipConfig`."""

from __future__ import annotations

from amaranth import Shape, unsigned
from amaranth.lib import data, stream, wiring
from amaranth.lib.wiring import In, Out

from chip.config import ChipConfig
from chip.hdl.numerics import numerics_for
from chip.isa import WORD_BITS


def read_port_signature(addr_bits: int, row: Shape | data.Layout) -> wiring.Signature:
    """A memory read port seen from the reader: the row at ``addr`` is on ``data`` in the same
    cycle (asynchronous read, as the timing contract's same-cycle row reads assume) or, on a
    synchronous port (`chip.hdl.ram.Ram`'s ``sync``), in the next cycle."""
    return wiring.Signature({"addr": Out(addr_bits), "data": In(row)})


def spad_row_layout(config: ChipConfig) -> data.ArrayLayout:
    return data.ArrayLayout(numerics_for(config.input_dtype).elem_shape, config.row_elems)


def acc_row_layout(config: ChipConfig) -> data.ArrayLayout:
    return data.ArrayLayout(numerics_for(config.input_dtype).acc_shape, config.row_elems)


def spad_write_signature(config: ChipConfig) -> stream.Signature:
    """Host writes into the scratchpad: one whole row per transfer (the scratchpad is always
    ready; the ready signal is kept so the port is a plain stream at the top level)."""
    layout = data.StructLayout(
        {
            "addr": unsigned(config.spad_addr_bits),
            "data": spad_row_layout(config),
        }
    )
    return stream.Signature(layout)


def acc_write_signature(config: ChipConfig) -> stream.Signature:
    """Array results into the accumulator: elements 0..cols-1 of row ``addr`` become ``data``
    (or are incremented by it when ``accumulate``), in the cycle of the transfer.

    ``next_addr``, unlike the other fields, is meaningful in every cycle: the row of the next
    cycle's transfer, if there is one, which the accumulator reads a cycle ahead through a
    synchronous (block RAM) port to add to it."""
    layout = data.StructLayout(
        {
            "addr": unsigned(config.acc_addr_bits),
            "next_addr": unsigned(config.acc_addr_bits),
            "accumulate": unsigned(1),
            "cols": range(config.cols + 1),
            "data": data.ArrayLayout(numerics_for(config.input_dtype).acc_shape, config.cols),
        }
    )
    return stream.Signature(layout, always_ready=True)


def instruction_signature() -> stream.Signature:
    """The execute queue: one 128-bit instruction word per transfer (chip/isa.py encoding)."""
    return stream.Signature(unsigned(WORD_BITS))


EVENT_INDEX_BITS = 32


def event_signature() -> wiring.Signature:
    """What the execute controller reports each cycle, seen from the controller.

    ``*_start`` is high in the cycle an instruction starts and ``*_done`` in the last cycle of
    its activity (``end - 1``; a MATMUL's activity includes the OS drain), each with the
    instruction's index in the stream (words counted from 0, halt included). ``halted`` rises
    once a HALT was taken and all work has finished; ``error`` is sticky and stops the stream at
    a word the RTL cannot run (an opcode it does not implement, or a tile outside the array).
    """
    index = unsigned(EVENT_INDEX_BITS)
    members = {"halted": Out(1), "error": Out(1)}
    for unit in ("preload", "matmul"):
        for edge in ("start", "done"):
            members[f"{unit}_{edge}"] = Out(1)
            members[f"{unit}_{edge}_index"] = Out(index)
    # A MOVE ends apart from ``load_done``: a LOAD in flight may end in the same cycle.
    members["move_done"] = Out(1)
    members["move_done_index"] = Out(index)
    return wiring.Signature(members)


def row_write_signature(addr_bits: int, row: data.ArrayLayout) -> wiring.Signature:
    """A row write seen from the writer: element k of row ``addr`` becomes ``data[k]`` when
    ``en[k]``, readable from the next cycle on."""
    return wiring.Signature({"addr": Out(addr_bits), "data": Out(row), "en": Out(row.length)})


def chip_event_signature() -> wiring.Signature:
    """`event_signature` plus the DMA engines' ``load_*`` and ``store_*`` strobes, the load
    engine's ``move_done``, and the vector unit's ``vector_*``. The DMA indices count every
    word of the stream (halt included); the execute units' indices count PRELOAD/MATMUL/VEC
    words only."""
    index = unsigned(EVENT_INDEX_BITS)
    members = dict(event_signature().members)
    for unit in ("load", "store", "vector"):
        for edge in ("start", "done"):
            members[f"{unit}_{edge}"] = Out(1)
            members[f"{unit}_{edge}_index"] = Out(index)
    # A MOVE ends apart from ``load_done``: a LOAD in flight may end in the same cycle.
    members["move_done"] = Out(1)
    members["move_done_index"] = Out(index)
    return wiring.Signature(members)
