"""Run programs with DMA on `ChipTop` in Amaranth's simulator, DRAM modelled by `DramModel`.

`run_chip` is `chip.hdl.cosim.run_rtl` for the chip with its load/store path: the program's
inputs are a DRAM image (and optionally scratchpad rows written by the host first), its
results the DRAM image after the run and the accumulator rows; every LOAD, STORE, PRELOAD and
MATMUL yields an `RtlEvent` with its index in the program.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from chip.config import ChipConfig
from chip.hdl.chip_top import ChipTop
from chip.hdl.cosim import (
    RtlEvent,
    encode_stream,
    fill_spad,
    halted,
    read_acc,
    rtl_events,
    simulate,
)
from chip.hdl.dram_model import DramModel, Request
from chip.isa import Instr, Matmul, Preload, Vec

_UNITS = ("preload", "matmul", "vector", "load", "store")
_EXEC = (Preload, Matmul, Vec)


@dataclass(frozen=True)
class ChipRun:
    """The outcome of `run_chip`: the DRAM image after the run, accumulator rows
    0..acc_rows-1 (raw storage), one event per LOAD/STORE/PRELOAD/MATMUL in program order, and
    ``cycles``, the cycle the chip reported halted (the machine's total)."""

    dram: np.ndarray
    acc: np.ndarray
    events: tuple[RtlEvent, ...]
    cycles: int


def run_chip(
    config: ChipConfig,
    instrs: Sequence[Instr],
    dram: np.ndarray,
    acc_rows: int = 0,
    spad: np.ndarray | None = None,
    max_cycles: int = 20_000,
) -> ChipRun:
    """Run ``instrs`` (a HALT appended if missing) on `ChipTop` over a copy of the DRAM byte
    image ``dram``, after writing ``spad`` (raw storage, row_elems wide) into scratchpad rows
    0.. through the host port; raise `RtlError` naming the instruction the RTL stopped at, or
    if it does not halt within ``max_cycles``."""
    image = np.array(dram, dtype=np.uint8).ravel()
    fill = [] if spad is None else list(np.asarray(spad, dtype=config.input_dtype.storage))
    program, words, _ = encode_stream(instrs, None)
    # The execute units count PRELOAD/MATMUL words only: their k-th is this program index.
    exec_index = [i for i, ins in enumerate(program) if isinstance(ins, _EXEC)]
    dut = ChipTop(config)
    model = DramModel(config, image)
    ev = dut.events
    starts: dict[int, int] = {}
    ends: dict[int, int] = {}
    out: dict[str, object] = {}

    def request(ctx, bus) -> Request:
        if not ctx.get(bus.stb):
            return Request(False)
        return Request(
            True,
            ctx.get(bus.adr),
            ctx.get(bus.sel),
            ctx.get(bus.cti) == 0b111,
            ctx.get(bus.tgc),
            ctx.get(bus.dat_w),
            ctx.get(bus.tga.size),
            ctx.get(bus.tga.step),
        )

    async def bench(ctx) -> None:
        await fill_spad(ctx, dut, enumerate(fill))
        # The cycle before cycle 0 shows the first word as the next one: an instruction may
        # start in its dispatch cycle and reads its first row a cycle ahead.
        ctx.set(dut.instr_ahead, words[0])
        await ctx.tick()
        c0 = ctx.get(dut.cycle)
        sent, shown = 0, None
        while True:
            cycle = ctx.get(dut.cycle) - c0
            if halted(ctx, dut, program, sent, cycle, max_cycles):
                out["cycles"] = cycle
                break
            if shown != sent:  # setting a signal re-settles the design: on change only
                shown = sent
                more = sent < len(words)
                ctx.set(dut.instr.valid, more)
                ctx.set(dut.instr.payload, words[sent] if more else 0)
                # The word offered next (`chip.hdl.top.next_word`): the units read ahead.
                ctx.set(dut.instr_ahead, words[sent + 1] if sent + 1 < len(words) else 0)
            if sent < len(words) and ctx.get(dut.instr.ready):
                sent += 1
            replies = model.step(cycle, request(ctx, dut.load_bus), request(ctx, dut.store_bus))
            for bus, reply in zip((dut.load_bus, dut.store_bus), replies, strict=True):
                ctx.set(bus.stall, reply.stall)
                ctx.set(bus.ack, reply.ack)
                ctx.set(bus.dat_r, reply.data)
            for unit in _UNITS:
                for edge, seen in (("start", starts), ("done", ends)):
                    if ctx.get(getattr(ev, f"{unit}_{edge}")):
                        i = ctx.get(getattr(ev, f"{unit}_{edge}_index"))
                        i = exec_index[i] if unit in ("preload", "matmul", "vector") else i
                        seen[i] = cycle if edge == "start" else cycle + 1
            if ctx.get(ev.move_done):
                ends[ctx.get(ev.move_done_index)] = cycle + 1
            await ctx.tick()
        out["acc"] = await read_acc(ctx, dut, config, range(acc_rows))

    simulate(dut, bench)
    return ChipRun(image, out["acc"], rtl_events(program, starts, ends), out["cycles"])
