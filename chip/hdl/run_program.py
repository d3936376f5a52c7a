"""Run a `Program` on the RTL and check it against the cycle-level machine, instruction by
instruction: the `rtl` fidelity.

The RTL implements the execute datapath (PRELOAD, MATMUL, HALT with the scratchpad, the
accumulator and the controller), the vector unit (VEC) and the load/store path (LOAD, STORE and
the on-chip MOVE on the DMA engines, the three queues and their tokens: docs/hdl.md).
`check_program` refuses anything else up front, naming the first instruction or setting the
RTL lacks (link instructions, a vector function it does not build). `cosimulate` runs the
program on the RTL and on the `pe` machine from the same scratchpad rows and DRAM image, and
raises `Divergence` naming the first instruction whose start or end cycle differs, then the
total, then the first accumulator element or DRAM byte that does. Programs run on Verilator
when it and a C++ compiler are installed (execute-only programs on the exported Verilog of
`ExecuteTop`, programs with DMA on `ChipTop` converted whole, with the DRAM model in C++), on
Amaranth's simulator otherwise.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from chip.config import ChipConfig, Dataflow
from chip.dtypes import to_storage
from chip.errors import ChipError, ProgramError
from chip.fidelity import Fidelity
from chip.formats import Conversion
from chip.hdl.chip_cosim import run_chip
from chip.hdl.controller import check_config
from chip.hdl.cosim import RtlError, RtlRun, run_rtl
from chip.hdl.numerics import numerics_for
from chip.hdl.vector import SUPPORTED
from chip.isa import (
    LINK_INSTRUCTIONS,
    LINK_ONLY,
    VEC_READS_B,
    Halt,
    Load,
    Matmul,
    Mem,
    Move,
    Preload,
    Store,
    Vec,
    VecOp,
)
from chip.machine import MachineResult, run_machine
from chip.program import Program
from chip.state import ChipState

AMARANTH, VERILATOR = "amaranth", "verilator"
# Largest arrays co-simulated in reasonable time (docs/hdl.md, Speed): Amaranth's Python
# simulator re-evaluates every PE's logic on every change; the Verilator model is compiled once
# per design (about 100 s at 16x16) and then fast.
MAX_PES = {AMARANTH: 8 * 8, VERILATOR: 16 * 16}
# `ChipTop` is converted to Verilog whole, every PE and memory word in one netlist.
MAX_DMA_PES = 8 * 8
# Instructions that only `ChipTop` runs (`ExecuteTop`, the execute datapath, runs the others).
ON_CHIP_TOP = (Load, Store, Move, Vec)


class Divergence(RtlError):
    """The RTL and the `pe` machine disagree on a program both ran: a bug in one of them."""


@dataclass(frozen=True)
class Cosimulation:
    """A program's run on the RTL (``simulator``: `AMARANTH` or `VERILATOR`) and on the `pe`
    machine, which agreed on every start and end cycle and every accumulator element the
    program wrote. ``machine.state`` is the machine's final chip state."""

    rtl: RtlRun
    machine: MachineResult
    simulator: str


def available_simulator() -> str:
    """`VERILATOR` if verilator and a C++ compiler are on PATH, else `AMARANTH`."""
    if shutil.which("verilator") and (shutil.which("g++") or shutil.which("clang++")):
        return VERILATOR
    return AMARANTH


def check_program(program: Program, simulator: str) -> None:
    """Raise if the RTL cannot run ``program`` under ``simulator``: `ProgramError` for the first
    instruction other than LOAD, STORE, MOVE, PRELOAD, MATMUL, VEC (a function the RTL builds)
    and HALT, `ChipError` for a chip the RTL lacks or an array too large to co-simulate."""
    for i, ins in enumerate(program.instrs):
        if isinstance(ins, Halt):
            break
        if isinstance(ins, LINK_INSTRUCTIONS):
            raise ProgramError(i, ins.MNEMONIC, LINK_ONLY)
        if isinstance(ins, Vec) and ins.op not in SUPPORTED:
            built = ", ".join(op.name for op in VecOp if op in SUPPORTED)
            raise ProgramError(
                i,
                ins.MNEMONIC,
                f"the RTL's vector unit has no {ins.op.name} (it builds {built}): "
                "run this program with --fidelity pe",
            )
        if isinstance(ins, Vec) and ins.op is VecOp.CVT:
            try:
                Conversion.from_code(ins.imm)
            except ValueError as e:
                raise ProgramError(i, ins.MNEMONIC, f"CVT: {e}") from None
        if isinstance(ins, Vec) and (clash := vec_overlap(ins)):
            raise ProgramError(
                i,
                ins.MNEMONIC,
                f"its destination rows overlap its {clash} rows without being the same rows: "
                "the RTL's vector unit writes each row as it goes (pipelined hardware), the "
                "ISA reads every source row first; run this program with --fidelity pe",
            )
        if not isinstance(ins, (*ON_CHIP_TOP, Preload, Matmul)):
            raise ProgramError(
                i,
                ins.MNEMONIC,
                "the RTL implements load, store, move, preload, matmul, vec and halt: "
                "run this program with --fidelity pe",
            )
    cfg = program.config
    dma = any(isinstance(ins, ON_CHIP_TOP) for ins in program.instrs)
    limit = MAX_PES[simulator]
    if dma:
        limit = min(limit, MAX_DMA_PES)
        if cfg.dram_latency < 1:
            raise ChipError(
                f"dram_latency must be at least 1 for the RTL, not {cfg.dram_latency}: "
                "a Wishbone acknowledge follows its request"
            )
    try:
        check_config(cfg)
        numerics_for(cfg.input_dtype)
    except ValueError as e:
        raise ChipError(str(e)) from None
    pes = cfg.rows * cfg.cols
    if pes > limit:
        hint = "" if simulator == VERILATOR or dma else "; install Verilator for up to 16x16"
        what = " a program with DMA or VEC" if dma else ""
        raise ChipError(
            f"the {cfg.rows}x{cfg.cols} array is too large to co-simulate{what} with "
            f"{simulator} (at most {limit} PEs{hint})"
        )


def vec_overlap(ins: Vec) -> str | None:
    """Which source (``src1``/``src2``) of ``ins`` overlaps its destination rows other than
    row for row in place, or None: the one case where writing row r L - 1 cycles after its
    pass, before the reads of the rows after that, differs from the ISA's read-everything-first
    (CSUM writes after its last read)."""
    if ins.op is VecOp.CSUM:
        return None
    for name, loc, used, bcast in (
        ("src1", ins.src1, ins.op is not VecOp.SET, ins.bcast1),
        ("src2", ins.src2, ins.op in VEC_READS_B, ins.bcast2),
    ):
        if not used or loc.mem.is_acc != ins.dst.mem.is_acc:
            continue
        n = 1 if bcast else ins.rows
        disjoint = loc.row + n <= ins.dst.row or ins.dst.row + ins.rows <= loc.row
        if not disjoint and not (loc.row == ins.dst.row and n == ins.rows):
            return name
    return None


def scratchpad_rows(program: Program) -> int:
    """How many scratchpad rows (from row 0) ``program`` reads before any LOAD writes them:
    the rows its run starts from."""
    loaded = np.zeros(program.config.spad_rows, dtype=bool)
    rows = 0

    def read(first: int, n: int) -> None:
        nonlocal rows
        stop = min(first + n, loaded.size)
        unloaded = np.flatnonzero(~loaded[first:stop])
        if unloaded.size:
            rows = max(rows, first + int(unloaded[-1]) + 1)

    for ins in program.instrs:
        if isinstance(ins, Halt):
            break
        if isinstance(ins, Preload):
            read(ins.src, ins.rows)
        elif isinstance(ins, Matmul):
            read(ins.x, ins.t)
            if program.config.dataflow is Dataflow.OS:  # streams Y as well
                read(ins.y, ins.t)
        elif isinstance(ins, Store) and ins.src.mem is Mem.SPAD:
            read(ins.src.row, ins.rows)
        elif isinstance(ins, Load) and ins.dst.mem is Mem.SPAD:
            loaded[ins.dst.row : ins.dst.row + ins.rows] = True
        elif isinstance(ins, Move):  # across memories only on fp32 chips (chip/hdl/move.py)
            if ins.src.mem is Mem.SPAD:
                read(ins.src.row, ins.rows)
            if ins.dst.mem is Mem.SPAD:
                n = ins.cols if ins.transpose else ins.rows
                loaded[ins.dst.row : ins.dst.row + n] = True
        elif isinstance(ins, Vec):
            for loc, used, bcast in (
                (ins.src1, ins.op is not VecOp.SET, ins.bcast1),
                (ins.src2, ins.op in VEC_READS_B, ins.bcast2),
            ):
                if used and loc.mem is Mem.SPAD:
                    read(loc.row, 1 if bcast else ins.rows)
            if ins.dst.mem is Mem.SPAD:
                n = 1 if ins.op is VecOp.CSUM else ins.rows
                loaded[ins.dst.row : ins.dst.row + n] = True
    return rows


def cosimulate(
    program: Program,
    state: ChipState,
    simulator: str | None = None,
    build_dir: Path | None = None,
    max_cycles: int | None = None,
) -> Cosimulation:
    """Run ``program`` on the RTL and on the `pe` machine, both from the scratchpad rows of
    ``state`` the program reads (see the module docstring); ``state`` ends as the machine left
    it. The machine's faults (`ProgramError`) are raised as on any backend. ``build_dir``
    caches Verilator models (default: the user's cache folder)."""
    simulator = simulator or available_simulator()
    check_program(program, simulator)
    cfg = program.config
    spad = state.spad[: scratchpad_rows(program)].copy()
    dram = state.dram.copy()
    machine = run_machine(program, Fidelity.PE, state, max_cycles=max_cycles)
    instrs = program.instrs[: machine.executed]
    acc_rows = _rows_written(state.acc_written)
    limit = max_cycles if max_cycles is not None else 2 * machine.cycles + 1000
    dma = any(isinstance(ins, ON_CHIP_TOP) for ins in instrs)
    try:
        if dma and simulator == VERILATOR:
            from chip.hdl.chip_verilated import run_chip_verilated

            build = build_dir or _cache_dir()
            run = run_chip_verilated(cfg, instrs, dram, build, acc_rows, spad, limit)
            rtl = RtlRun(run.acc, run.events, run.cycles, run.cycles)
        elif dma:
            run = run_chip(cfg, instrs, dram, acc_rows, spad, limit)
            rtl = RtlRun(run.acc, run.events, run.cycles, run.cycles)
        elif simulator == VERILATOR:
            from chip.hdl.verilated import run_verilated

            rtl = run_verilated(cfg, instrs, spad, acc_rows, build_dir or _cache_dir(), limit)
        else:
            rtl = run_rtl(cfg, instrs, spad, acc_rows, limit)
    except RtlError as e:
        raise Divergence(f"the pe machine ran the program, but {e}") from None
    _compare(program, rtl, machine, state)
    if dma:
        _compare_dram(run.dram, state.dram)
    return Cosimulation(rtl, machine, simulator)


def _compare_dram(rtl: np.ndarray, machine: np.ndarray) -> None:
    """Raise `Divergence` at the first DRAM byte that differs."""
    bad = np.flatnonzero(rtl != machine)
    if bad.size:
        a = int(bad[0])
        raise Divergence(
            f"DRAM byte 0x{a:x}: the RTL holds 0x{int(rtl[a]):02x}, "
            f"the pe machine 0x{int(machine[a]):02x}"
        )


def _rows_written(written: np.ndarray) -> int:
    rows = np.flatnonzero(written.any(axis=1))
    return int(rows[-1]) + 1 if rows.size else 0


def _compare(program: Program, rtl: RtlRun, machine: MachineResult, state: ChipState) -> None:
    """Raise `Divergence` at the first instruction (program order) whose cycles differ, then at
    the total, then at the first accumulator element the program wrote."""
    on_rtl = {e.index: (e.start, e.end) for e in rtl.events}
    on_machine = {e.index: (e.start, e.end) for e in machine.events}
    for i in sorted(set(on_rtl) | set(on_machine)):
        a, b = on_rtl.get(i), on_machine.get(i)
        if a != b:
            raise Divergence(
                f"instruction {i} ({program.instrs[i].MNEMONIC}): the RTL runs it in cycles "
                f"{_span(a)}, the pe machine in {_span(b)}"
            )
    if rtl.cycles != machine.cycles:
        raise Divergence(
            f"the RTL halts after {rtl.cycles} cycles, the pe machine after {machine.cycles}"
        )
    n = len(rtl.acc)
    want = state.acc[:n].view(np.uint32)
    got = np.ascontiguousarray(rtl.acc).view(np.uint32)
    bad = np.argwhere((got != want) & state.acc_written[:n])
    if bad.size:
        r, c = bad[0]
        raise Divergence(
            f"accumulator row {r} element {c}: the RTL holds 0x{int(got[r, c]):08x}, "
            f"the pe machine 0x{int(want[r, c]):08x}"
        )


def _span(cycles: tuple[int, int] | None) -> str:
    return "none (it never ran)" if cycles is None else f"[{cycles[0]}, {cycles[1]})"


def _cache_dir() -> Path:
    """Where compiled Verilator models are kept: the user's cache folder."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "systolic" / "verilator"


def random_scratchpad(config: ChipConfig, rows: int, seed: int) -> np.ndarray:
    """``rows`` scratchpad rows of seeded random values (raw storage): small integers for int8,
    normal values rounded to the input type for floats."""
    rng = np.random.default_rng(seed)
    dtype = config.input_dtype
    if not dtype.is_float:
        return rng.integers(-8, 8, (rows, config.row_elems)).astype(dtype.storage)
    return to_storage(rng.standard_normal((rows, config.row_elems)).astype(np.float32), dtype)
