"""SCALE-Sim compatibility: a chip configuration and GEMM programs that count as SCALE-Sim v3 does.

SCALE-Sim's compute cycles assume folds run strictly one after another (no stationary double
buffering), operands already on chip, outputs written without stalls, and no OS drain. The
machine reproduces them with `scalesim_config` (double buffering off, ``os_drain`` off, no DMA in
the program) and `scalesim_gemm`, which runs every fold of an M x N x K GEMM from operands placed
in the scratchpad beforehand. The fold of a GEMM maps to (Sr, Sc, T) = (M, N, K) for OS,
(K, N, M) for WS and (K, M, N) for IS; the machine's total cycle count minus one is SCALE-Sim's
"Total Cycles". docs/timing.md explains where realistic configurations differ. `ScaleSimLayer`
derives SCALE-Sim's three utilization figures from the fold shape and that cycle count.

Every fold reads the same scratchpad rows (timing does not depend on the values), so the
scratchpad only needs to hold one fold's operands.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from chip.config import ChipConfig, Dataflow
from chip.dtypes import DType
from chip.isa import Halt, Instr, Loc, Matmul, Mem, Preload
from chip.machine.machine import run_machine
from chip.program import Phase, Program, Tag
from chip.state import ChipState


def fold_shape(dataflow: Dataflow, m: int, n: int, k: int) -> tuple[int, int, int]:
    """(Sr, Sc, T) of an M x N x K GEMM: stationary/output rows, columns, streamed length."""
    if dataflow is Dataflow.OS:
        return m, n, k
    if dataflow is Dataflow.WS:
        return k, n, m
    return k, m, n


def scalesim_config(rows: int, cols: int, dataflow: Dataflow, t_max: int) -> ChipConfig:
    """A chip that counts like SCALE-Sim, with room for a streamed length of up to ``t_max``."""
    width = max(rows, cols)  # int8 scratchpad rows: one byte per element
    return ChipConfig(
        name=f"scalesim-{rows}x{cols}-{dataflow.value}",
        rows=rows,
        cols=cols,
        dataflow=dataflow,
        input_dtype=DType.INT8,
        double_buffer_stationary=False,
        os_drain=False,
        spad_kib=_kib_for(2 * t_max + rows, width),
        spad_banks=1,
        acc_kib=_kib_for(max(t_max, rows), 4 * width),
        acc_banks=1,
        dram_mib=1,
        dram_bytes_per_cycle=width,
        dram_latency=0,
        vector_lanes=width,
        vector_latency_alu=1,
        vector_latency_mul=1,
        vector_latency_special=1,
        vector_latency_reduce=1,
        queue_depth=8,
        clock_mhz=1000.0,
    )


def _kib_for(n_rows: int, row_bytes: int) -> int:
    """Smallest KiB count holding ``n_rows`` rows that is a whole number of rows."""
    unit = row_bytes // math.gcd(row_bytes, 1024)  # KiB granularity of whole rows
    kib = -(-n_rows * row_bytes // 1024)
    return -(-kib // unit) * unit


def scalesim_gemm(
    cfg: ChipConfig, m: int, n: int, k: int, seed: int = 0
) -> tuple[Program, ChipState]:
    """Every fold of an M x N x K GEMM, operands already in the scratchpad.

    Returns the program (no DMA: PRELOAD + MATMUL per fold for WS/IS, one MATMUL per fold for
    OS) and the chip state holding the operands, to pass to `run_machine`.
    """
    R, C = cfg.rows, cfg.cols
    sr, sc, t = fold_shape(cfg.dataflow, m, n, k)
    state = ChipState(cfg)
    rng = np.random.default_rng(seed)
    state.write(
        Loc(Mem.SPAD, 0), rng.integers(-128, 128, (2 * t + R, max(R, C)), dtype=np.int8), "operands"
    )
    instrs: list[Instr] = []
    for r0 in range(0, sr, R):
        rr = min(R, sr - r0)
        for c0 in range(0, sc, C):
            cc = min(C, sc - c0)
            if cfg.dataflow is Dataflow.OS:
                instrs.append(Matmul(x=0, y=t, out=0, t=t, rows=rr, cols=cc, accumulate=False))
            else:
                instrs.append(Preload(src=2 * t, rows=rr, cols=cc))
                instrs.append(Matmul(x=0, y=0, out=0, t=t, rows=rr, cols=cc, accumulate=False))
    instrs.append(Halt())
    tags = (Tag("gemm", Phase.FORWARD),) * len(instrs)
    return Program(cfg, tuple(instrs), tags, {}), state


@dataclass(frozen=True)
class ScaleSimLayer:
    """One M x N x K GEMM as SCALE-Sim v3 reports it in COMPUTE_REPORT.csv.

    ``total_cycles`` is SCALE-Sim's "Total Cycles" (the machine's cycle count minus one). The
    utilizations follow SCALE-Sim's definitions: mapping efficiency is the mean over folds of
    the fraction of PEs mapped; compute utilization is the mean over folds of the MACs done over
    the PE-cycles of the fold's own window (T + R + C - 2 cycles for OS, 2R + 2C + T - 3 for WS
    and IS, which count the stationary tile's load and the last partial sums' exit); overall
    utilization is all MACs over ``total_cycles`` x R x C.
    """

    dataflow: Dataflow
    rows: int
    cols: int
    m: int
    n: int
    k: int
    total_cycles: int

    @property
    def macs(self) -> int:
        return self.m * self.n * self.k

    @property
    def folds(self) -> int:
        sr, sc, _ = fold_shape(self.dataflow, self.m, self.n, self.k)
        return math.ceil(sr / self.rows) * math.ceil(sc / self.cols)

    @property
    def mapping_efficiency(self) -> float:
        sr, sc, _ = fold_shape(self.dataflow, self.m, self.n, self.k)
        return sr * sc / (self.folds * self.rows * self.cols)

    @property
    def compute_utilization(self) -> float:
        t = fold_shape(self.dataflow, self.m, self.n, self.k)[2]
        r, c = self.rows, self.cols
        window = t + r + c - 2 if self.dataflow is Dataflow.OS else 2 * r + 2 * c + t - 3
        return self.mapping_efficiency * t / window

    @property
    def overall_utilization(self) -> float:
        return self.macs / (self.total_cycles * self.rows * self.cols)


def run_scalesim_layer(
    dataflow: Dataflow, rows: int, cols: int, m: int, n: int, k: int, fidelity: str = "fast"
) -> ScaleSimLayer:
    """Run every fold of an M x N x K GEMM on a SCALE-Sim-compatible chip and report it."""
    cfg = scalesim_config(rows, cols, dataflow, fold_shape(dataflow, m, n, k)[2])
    program, state = scalesim_gemm(cfg, m, n, k)
    cycles = run_machine(program, fidelity, state, trace=False).cycles
    return ScaleSimLayer(dataflow, rows, cols, m, n, k, cycles - 1)
