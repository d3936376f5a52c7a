"""Run instruction streams on the RTL in Amaranth's simulator and collect values and timing.

This is the RTL's entry point for co-simulation: tests (tests/hdl) and the speed benchmark
(bench/hdl_speed.py) call `run_rtl` and compare its accumulator rows and per-instruction
start/end cycles with the functional model and the cycle-level machine. The testbench steps
(scratchpad fill, stop checks, accumulator read-back) and the stream encoding are also those of
the whole chip's co-simulations (`chip.hdl.chip_cosim`, the Verilator harnesses).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from amaranth.sim import Simulator, SimulatorContext

from chip.config import ChipConfig
from chip.hdl.top import ExecuteTop
from chip.isa import Halt, Instr, Load, Matmul, Move, Preload, Store, Vec

if TYPE_CHECKING:
    from chip.hdl.chip_top import ChipTop

# The unit each instruction kind occupies, as `RtlEvent.unit` names it.
_UNITS = {
    Preload: "preload",
    Matmul: "matmul",
    Vec: "vector",
    Load: "load",
    Store: "store",
    Move: "move",
}


@dataclass(frozen=True)
class RtlEvent:
    """Instruction ``index`` of the stream occupied ``unit`` in cycles [start, end)."""

    index: int
    unit: str
    start: int
    end: int


@dataclass(frozen=True)
class RtlRun:
    """The outcome of `run_rtl`: accumulator rows 0..acc_rows-1 (raw storage), one event per
    PRELOAD/MATMUL, and ``cycles``, the cycle in which the chip reported halted (the machine's
    total cycle count). Cycles count from the cycle the first instruction word was offered
    (cycle 0); ``sim_cycles`` is every cycle simulated, the scratchpad fill included."""

    acc: np.ndarray
    events: tuple[RtlEvent, ...]
    cycles: int
    sim_cycles: int


class RtlError(RuntimeError):
    """The RTL stopped on an instruction it cannot run, or did not halt in time."""


def run_rtl(
    config: ChipConfig,
    instrs: Sequence[Instr],
    spad: np.ndarray,
    acc_rows: int,
    max_cycles: int = 100_000,
    gaps: Sequence[int] | None = None,
    vcd: Path | None = None,
    spad_blocks: Sequence[tuple[int, np.ndarray]] = (),
    acc_read: Sequence[int] | None = None,
) -> RtlRun:
    """Fill scratchpad rows 0..len(spad)-1 with ``spad`` (raw storage, row_elems wide), run
    ``instrs`` (a HALT is appended if missing) and read accumulator rows 0..acc_rows-1.

    ``spad_blocks`` are further ``(first_row, rows)`` blocks written after ``spad``;
    ``acc_read`` lists the accumulator rows to read instead of 0..acc_rows-1 (the returned
    ``acc`` then has one row per entry), so a test can reach the top of both memories.

    Word i is offered as soon as word i-1 was taken, or ``gaps[i]`` cycles later (bubbles in
    the stream: ``valid`` low meanwhile; missing entries mean 0). ``vcd`` names a waveform file
    to write (every signal of the design; open it with GTKWave or Surfer)."""
    spad = np.asarray(spad, dtype=config.input_dtype.storage)
    if spad.ndim != 2 or spad.shape[1] != config.row_elems or len(spad) > config.spad_rows:
        raise ValueError(
            f"spad must be at most {config.spad_rows} x {config.row_elems} "
            f"elements, not {list(spad.shape)}"
        )
    if not 0 <= acc_rows <= config.acc_rows:
        raise ValueError(f"acc_rows must be between 0 and {config.acc_rows}, not {acc_rows}")
    fill = [(r, row) for r, row in enumerate(spad)]
    for first, block in spad_blocks:
        block = np.asarray(block, dtype=config.input_dtype.storage)
        if first < 0 or first + len(block) > config.spad_rows:
            raise ValueError(f"spad block at row {first} does not fit {config.spad_rows} rows")
        fill += [(first + r, row) for r, row in enumerate(block)]
    read_rows = list(range(acc_rows) if acc_read is None else acc_read)
    if any(not 0 <= r < config.acc_rows for r in read_rows):
        raise ValueError(f"acc_read rows must be below {config.acc_rows}, not {read_rows}")
    program, words, gaps = encode_stream(instrs, gaps)
    dut = ExecuteTop(config)
    ev = dut.events
    starts: dict[int, int] = {}
    ends: dict[int, int] = {}
    out: dict[str, object] = {}

    async def bench(ctx) -> None:
        await fill_spad(ctx, dut, fill)
        # The cycle before cycle 0 shows the first word as the next one (`next_word`): an
        # instruction may start in its dispatch cycle and reads its first row a cycle ahead.
        ctx.set(dut.instr_ahead, words[0])
        await ctx.tick()
        c0 = ctx.get(dut.cycle)
        sent, wait, offered = 0, gaps[0], None
        while True:
            cycle = ctx.get(dut.cycle) - c0
            if halted(ctx, dut, program, sent, cycle, max_cycles):
                out["cycles"] = cycle
                break
            show = sent < len(words) and wait == 0
            if offered != (sent, show):  # setting a signal re-settles the design: on change only
                offered = (sent, show)
                ctx.set(dut.instr.valid, show)
                ctx.set(dut.instr.payload, words[sent] if show else 0)
                # The word offered next: the one after this when it is shown, else this one.
                ahead = sent + 1 if show else sent
                ctx.set(dut.instr_ahead, words[ahead] if ahead < len(words) else 0)
            if show and ctx.get(dut.instr.ready):
                sent += 1
                wait = gaps[sent] if sent < len(words) else 0
            elif not show and sent < len(words):
                wait -= 1
            for unit in ("preload", "matmul"):
                if ctx.get(getattr(ev, f"{unit}_start")):
                    starts[ctx.get(getattr(ev, f"{unit}_start_index"))] = cycle
                if ctx.get(getattr(ev, f"{unit}_done")):
                    ends[ctx.get(getattr(ev, f"{unit}_done_index"))] = cycle + 1
            await ctx.tick()
        out["sim_cycles"] = ctx.get(dut.cycle)
        out["acc"] = await read_acc(ctx, dut, config, read_rows)

    simulate(dut, bench, vcd)
    return RtlRun(out["acc"], rtl_events(program, starts, ends), out["cycles"], out["sim_cycles"])


def encode_stream(
    instrs: Sequence[Instr], gaps: Sequence[int] | None
) -> tuple[list[Instr], list[int], list[int]]:
    """The instructions with a HALT appended if missing, their words, and one gap per word."""
    program = list(instrs)
    if not program or not isinstance(program[-1], Halt):
        program.append(Halt())
    gaps = list(gaps or [])
    if any(g < 0 for g in gaps) or len(gaps) > len(program):
        raise ValueError(f"gaps must be at most one non-negative count per word, not {gaps}")
    gaps += [0] * (len(program) - len(gaps))
    return program, [ins.encode() for ins in program], gaps


def pack_row(row: np.ndarray) -> int:
    """A memory row (raw storage) as the integer on a row port: element 0 in the lowest bits,
    the ArrayLayout order."""
    return int.from_bytes(np.ascontiguousarray(row).tobytes(), "little")


def unpack_acc_row(raw: int, config: ChipConfig) -> np.ndarray:
    """The accumulator row (raw storage) an integer from a row port holds."""
    dtype = config.acc_dtype.storage
    nbytes = config.row_elems * dtype.itemsize
    return np.frombuffer(raw.to_bytes(nbytes, "little"), dtype=dtype.newbyteorder("<"))


# The testbench steps and checks both co-simulations (`run_rtl` here, `chip.hdl.chip_cosim`'s
# `run_chip`) take, on any top with the host ports and events of `chip.hdl.top.ExecuteTop`.
async def fill_spad(
    ctx: SimulatorContext, dut: ExecuteTop | ChipTop, fill: Iterable[tuple[int, np.ndarray]]
) -> None:
    """Write each ``(row, values)`` of ``fill`` through the host port, one row a cycle."""
    for r, row in fill:
        ctx.set(dut.spad_write.valid, 1)
        ctx.set(dut.spad_write.payload.addr, r)
        ctx.set(dut.spad_write.payload.data.as_value(), pack_row(row))
        await ctx.tick()
    ctx.set(dut.spad_write.valid, 0)


def halted(
    ctx: SimulatorContext,
    dut: ExecuteTop | ChipTop,
    program: Sequence[Instr],
    sent: int,
    cycle: int,
    max_cycles: int,
) -> bool:
    """Whether the design reports halted in this cycle; raise `RtlError` if it flags an error
    (at instruction ``sent``, the word it did not take) or ``cycle`` reached ``max_cycles``."""
    if ctx.get(dut.events.error):
        raise stopped_at(program, sent, cycle)
    if ctx.get(dut.events.halted):
        return True
    if cycle >= max_cycles:
        raise RtlError(f"no halt after {max_cycles} cycles")
    return False


def stopped_at(program: Sequence[Instr], index: int, cycle: int | str) -> RtlError:
    """The error for an RTL that stopped on instruction ``index`` of ``program``, or after
    taking all of it (a clash of the load engine's writes, docs/hdl.md)."""
    if index >= len(program):
        return RtlError(f"the RTL stopped in cycle {cycle}, after taking every instruction")
    return RtlError(
        f"the RTL stopped at instruction {index} ({program[index].MNEMONIC}) in cycle {cycle}"
    )


async def read_acc(
    ctx: SimulatorContext, dut: ExecuteTop | ChipTop, config: ChipConfig, rows: Sequence[int]
) -> np.ndarray:
    """Accumulator ``rows`` (raw storage) read through the host port, one row a cycle (the
    port is synchronous: a row is on its data the cycle after its address)."""
    values = []
    for r in rows:
        ctx.set(dut.acc_read.addr, r)
        await ctx.tick()
        values.append(unpack_acc_row(ctx.get(dut.acc_read.data.as_value()), config))
    return np.array(values, dtype=config.acc_dtype.storage).reshape(len(rows), config.row_elems)


def simulate(
    dut: ExecuteTop | ChipTop,
    bench: Callable[[SimulatorContext], Awaitable[None]],
    vcd: Path | None = None,
) -> None:
    """Run ``bench`` against ``dut`` in Amaranth's simulator, one clock; ``vcd`` names a
    waveform file to write."""
    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    if vcd is None:
        sim.run()
    else:
        with sim.write_vcd(str(vcd)):
            sim.run()


def rtl_events(
    program: Sequence[Instr], starts: dict[int, int], ends: dict[int, int]
) -> tuple[RtlEvent, ...]:
    """One event per instruction that both started and ended, in program order."""
    return tuple(
        RtlEvent(i, _UNITS[type(program[i])], starts[i], ends[i])
        for i in sorted(starts)
        if i in ends
    )
