"""The execute datapath of one chip: controller, array, scratchpad and accumulator."""

from __future__ import annotations

from amaranth import Module, Mux, Signal, Value
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
from chip.isa import WORD_BITS

CYCLE_BITS = 32


class ExecuteTop(wiring.Component):
    """Everything the PRELOAD and MATMUL instructions touch, built from one `ChipConfig`.

    ``instr`` takes 128-bit instruction words (chip/isa.py) in program order; ``spad_write``
    lets a host (or a testbench, standing in for the DMA) fill scratchpad rows and
    ``acc_read`` read accumulator rows (a row the cycle after its address); ``events`` reports
    the cycle each instruction starts and ends (see `chip.hdl.ports.event_signature`), against
    ``cycle``, which counts clock cycles since reset (the first cycle after reset is cycle 0).
    ``instr_ahead`` is the word the feeder offers on ``instr`` next (`next_word`): the
    scratchpad's reads are synchronous, so a unit addresses an instruction's first row in the
    cycle before it starts, which may be its dispatch cycle.

    With ``verilog_prefix`` (export), the array and the memories are instances of the Verilog
    modules ``<prefix>_array`` and ``<prefix>_ram`` (`chip.hdl.verilog_blocks`) instead of
    Amaranth logic, and the bf16 accumulator's adders of ``<prefix>_fp32_add``, so the netlist
    does not grow with the array or memory size.
    """

    def __init__(self, config: ChipConfig, verilog_prefix: str | None = None) -> None:
        check_config(config)
        self.config = config
        self.verilog_prefix = verilog_prefix
        super().__init__(top_signature(config, event_signature(), ahead=True))

    def elaborate(self, platform: object) -> Module:
        m = Module()
        ctrl, _, _ = add_datapath(
            m, self.config, self.verilog_prefix, self.spad_write, self.acc_read, dma=False
        )
        wiring.connect(m, wiring.flipped(self.instr), ctrl.instr)
        m.d.comb += ctrl.ahead.eq(next_word(self.instr, self.instr_ahead))
        wiring.connect(m, ctrl.events, wiring.flipped(self.events))
        add_cycle_counter(m, self.cycle)
        return m


def top_signature(
    config: ChipConfig,
    events: wiring.Signature,
    buses: dict[str, wiring.Member] | None = None,
    ahead: bool = False,
) -> dict[str, wiring.Member]:
    """The ports of a top (`ExecuteTop`, `chip.hdl.chip_top.ChipTop`), in their Verilog order:
    ``instr``, with ``ahead`` ``instr_ahead`` (`next_word`), any ``buses`` to DRAM, the host's
    ``spad_write`` and ``acc_read``, ``events`` and ``cycle``."""
    return {
        "instr": In(instruction_signature()),
        **({"instr_ahead": In(WORD_BITS)} if ahead else {}),
        **(buses or {}),
        "spad_write": In(spad_write_signature(config)),
        "acc_read": In(read_port_signature(config.acc_addr_bits, acc_row_layout(config))),
        "events": Out(events),
        "cycle": Out(CYCLE_BITS),
    }


def next_word(instr: wiring.PureInterface, ahead: Value) -> Value:
    """The word ``instr`` carries in the next cycle: the same one while it waits (``valid``
    and not ``ready``), else ``ahead``, which the feeder drives with the word it will offer
    next (the program's next word; any value when it offers none). With it a unit addresses
    a synchronous read port in the cycle before an instruction that starts straight from
    ``instr`` (in its dispatch cycle, docs/timing.md) reads its first row."""
    return Mux(instr.valid & ~instr.ready, instr.payload, ahead)


def add_datapath(
    m: Module,
    cfg: ChipConfig,
    prefix: str | None,
    spad_write: wiring.PureInterface,
    acc_read: wiring.PureInterface,
    dma: bool,
) -> tuple[ExecuteController, Scratchpad, Accumulator]:
    """Add the execute datapath to ``m``: the submodules ``controller``, ``array``,
    ``scratchpad`` and ``accumulator``, connected to each other and to a top's host ports
    ``spad_write`` and ``acc_read``. The controller's ``instr`` and ``events`` are left for the
    top to connect. With ``dma``, the controller counts dependency tokens and the memories have
    the ports of the DMA engines and the vector unit (`chip.hdl.chip_top.ChipTop`). With
    ``prefix`` (export), the array, memories and bf16 adders are Verilog instances
    (see `ExecuteTop`)."""
    ram = None if prefix is None else f"{prefix}_ram"
    m.submodules.controller = ctrl = ExecuteController(cfg, ram, tokens=dma)
    if prefix is None:
        m.submodules.array = array = SystolicArray(cfg)
    else:
        array = VerilogModule(f"{prefix}_array", array_signature(cfg), reset=True)
        m.submodules.array = array
    m.submodules.scratchpad = spad = Scratchpad(cfg, ram, dma=dma)
    adder = None if prefix is None or cfg.input_dtype is DType.INT8 else f"{prefix}_fp32_add"
    m.submodules.accumulator = acc = Accumulator(cfg, ram, adder, dma=dma)
    wiring.connect(m, ctrl.read_x, spad.read_x)
    wiring.connect(m, ctrl.read_y, spad.read_y)
    wiring.connect(m, ctrl.array, array)
    wiring.connect(m, ctrl.acc_write, acc.write)
    wiring.connect(m, wiring.flipped(spad_write), spad.write)
    wiring.connect(m, wiring.flipped(acc_read), acc.read)
    return ctrl, spad, acc


def add_cycle_counter(m: Module, cycle_out: Signal) -> None:
    """Drive ``cycle_out`` with the count of clock cycles since reset (the first cycle after
    reset is cycle 0)."""
    cycle = Signal(len(cycle_out))
    m.d.sync += cycle.eq(cycle + 1)
    m.d.comb += cycle_out.eq(cycle)
