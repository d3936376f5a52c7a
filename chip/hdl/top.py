"""The execute datapath of one chip: controller, array, scratchpad and accumulator."""

from __future__ import annotations

from amaranth import Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from chip.config import ChipConfig
from chip.dtypes import DType
from chip.hdl.accumulator import Accumulator
from chip.hdl.array import SystolicArray, array_signature
from chip.hdl.blackbox import VerilogModule
from chip.hdl.controller import ExecuteController, check_config
from chip.hdl.ports import (
    acc_row_layout,
    event_signature,
    instruction_signature,
    read_port_signature,
    spad_write_signature,
)
from chip.hdl.scratchpad import Scratchpad

CYCLE_BITS = 32


class ExecuteTop(wiring.Component):
    """Everything the PRELOAD and MATMUL instructions touch, built from one `ChipConfig`.

    ``instr`` takes 128-bit instruction words (chip/isa.py) in program order; ``spad_write``
    lets a host (or a testbench, standing in for the DMA) fill scratchpad rows and
    ``acc_read`` read accumulator rows; ``events`` reports the cycle each instruction starts
    and ends (see `chip.hdl.ports.event_signature`), against ``cycle``, which counts clock
    cycles since reset (the first cycle after reset is cycle 0).

    With ``verilog_prefix`` (export), the array and the memories are instances of the Verilog
    modules ``<prefix>_array`` and ``<prefix>_ram`` (`chip.hdl.verilog_blocks`) instead of
    Amaranth logic, and the bf16 accumulator's adders of ``<prefix>_fp32_add``, so the netlist
    does not grow with the array or memory size.
    """

    def __init__(self, config: ChipConfig, verilog_prefix: str | None = None) -> None:
        check_config(config)
        self.config = config
        self.verilog_prefix = verilog_prefix
        super().__init__(
            {
                "instr": In(instruction_signature()),
                "spad_write": In(spad_write_signature(config)),
                "acc_read": In(read_port_signature(config.acc_addr_bits, acc_row_layout(config))),
                "events": Out(event_signature()),
                "cycle": Out(CYCLE_BITS),
            }
        )

    def elaborate(self, platform: object) -> Module:
        m = Module()
        cfg = self.config
        prefix = self.verilog_prefix
        ram = None if prefix is None else f"{prefix}_ram"
        m.submodules.controller = ctrl = ExecuteController(cfg, ram)
        if prefix is None:
            m.submodules.array = array = SystolicArray(cfg)
        else:
            array = VerilogModule(f"{prefix}_array", array_signature(cfg), reset=True)
            m.submodules.array = array
        m.submodules.scratchpad = spad = Scratchpad(cfg, ram)
        adder = None if prefix is None or cfg.input_dtype is DType.INT8 else f"{prefix}_fp32_add"
        m.submodules.accumulator = acc = Accumulator(cfg, ram, adder)
        wiring.connect(m, wiring.flipped(self.instr), ctrl.instr)
        wiring.connect(m, ctrl.read_x, spad.read_x)
        wiring.connect(m, ctrl.read_y, spad.read_y)
        wiring.connect(m, ctrl.array, array)
        wiring.connect(m, ctrl.acc_write, acc.write)
        wiring.connect(m, wiring.flipped(self.spad_write), spad.write)
        wiring.connect(m, wiring.flipped(self.acc_read), acc.read)
        wiring.connect(m, ctrl.events, wiring.flipped(self.events))
        cycle = Signal(CYCLE_BITS)
        m.d.sync += cycle.eq(cycle + 1)
        m.d.comb += self.cycle.eq(cycle)
        return m
