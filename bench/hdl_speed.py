"""RTL co-simulation speed: simulated cycles per second under Amaranth's Python simulator,
next to the cycle-level machine at ``pe`` fidelity on the same program and array.

    python -m bench.hdl_speed                 # 4x4 and 8x8 int8, weight-stationary
    python -m bench.hdl_speed --sizes 4 8 16 --dtype bf16
    python -m bench.hdl_speed --verilator build/vl     # also the Verilator model's rate

The RTL figure is marginal: two programs of different lengths are run and the difference in
cycles is divided by the difference in wall time, so elaborating the design and building the
simulator (seconds at 16x16) are not counted. The machine figure is total cycles over total time
of a second run (the first compiles its kernels). With ``--verilator DIR`` the exported Verilog
is compiled by Verilator (once per design, cached in DIR; tens of seconds) and its marginal rate
is printed as well.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from chip.config import ChipConfig, Dataflow, load_preset
from chip.dtypes import DType, to_storage
from chip.hdl.cosim import run_rtl
from chip.hdl.verilated import build, run_verilated
from chip.isa import Halt, Instr, Matmul, Preload, sp
from chip.machine import run_machine
from chip.program import Phase, Program, Tag
from chip.state import ChipState

T = 16  # rows streamed per MATMUL


def chip(size: int, dtype: DType, dataflow: Dataflow) -> ChipConfig:
    return load_preset("tiny").replace(
        rows=size, cols=size, input_dtype=dtype, dataflow=dataflow, vector_lanes=size, spad_kib=64
    )


def program(cfg: ChipConfig, folds: int) -> list[Instr]:
    """``folds`` full-array tiles: PRELOAD + MATMUL (WS/IS) or MATMUL (OS), accumulating."""
    R, C = cfg.rows, cfg.cols
    out: list[Instr] = []
    for f in range(folds):
        if cfg.dataflow.has_stationary_operand:
            out.append(Preload(src=T + f % 2 * R, rows=R, cols=C))
        out.append(
            Matmul(
                x=0,
                y=T if cfg.dataflow is Dataflow.OS else 0,
                out=0,
                t=T,
                rows=R,
                cols=C,
                accumulate=f > 0,
            )
        )
    return out


def spad_contents(cfg: ChipConfig) -> np.ndarray:
    rng = np.random.default_rng(0)
    rows = 2 * T + 2 * cfg.rows  # X rows 0..T-1, then two tiles (WS/IS) or Y rows (OS)
    return to_storage(rng.integers(-3, 4, (rows, cfg.row_elems)), cfg.input_dtype)


def rtl_rate(cfg: ChipConfig, short: int, long: int) -> tuple[float, float]:
    """(marginal simulated cycles per second, seconds for the long run)."""
    spad = spad_contents(cfg)
    runs = []
    for folds in (short, long):
        t0 = time.perf_counter()
        res = run_rtl(cfg, program(cfg, folds), spad, acc_rows=T)
        runs.append((res.sim_cycles, time.perf_counter() - t0))
    (c0, s0), (c1, s1) = runs
    return (c1 - c0) / (s1 - s0), s1


def verilator_rate(cfg: ChipConfig, build_dir: Path, short: int, long: int) -> float:
    """Marginal simulated cycles per second of the Verilator model (build excluded)."""
    build(cfg, build_dir)
    spad = spad_contents(cfg)
    runs = []
    for folds in (short, long):
        t0 = time.perf_counter()
        res = run_verilated(cfg, program(cfg, folds), spad, acc_rows=T, build_dir=build_dir)
        runs.append((res.sim_cycles, time.perf_counter() - t0))
    (c0, s0), (c1, s1) = runs
    return (c1 - c0) / (s1 - s0)


def machine_rate(cfg: ChipConfig, folds: int) -> float:
    instrs = (*program(cfg, folds), Halt())
    state = ChipState(cfg)
    state.write(sp(0), spad_contents(cfg), "benchmark operands")
    prog = Program(cfg, instrs, [Tag("bench", Phase.FORWARD)] * len(instrs), {})
    run_machine(prog, fidelity="pe", state=state, trace=False)  # JIT-compile the PE kernels
    t0 = time.perf_counter()
    res = run_machine(prog, fidelity="pe", state=state, trace=False)
    return res.cycles / (time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[4, 8])
    parser.add_argument("--dtype", type=DType.parse, default=DType.INT8)
    parser.add_argument("--dataflow", type=Dataflow, default=Dataflow.WS)
    parser.add_argument("--folds", type=int, default=8, help="tiles in the long program")
    parser.add_argument(
        "--verilator", type=Path, metavar="DIR", help="also time the Verilator model, built in DIR"
    )
    args = parser.parse_args()
    print(
        f"{'array':>7} {'dtype':>5} {'flow':>4} {'RTL cycles/s':>13} {'RTL run s':>9} "
        f"{'pe machine cycles/s':>20}" + (f" {'Verilator cycles/s':>19}" if args.verilator else "")
    )
    for size in args.sizes:
        cfg = chip(size, args.dtype, args.dataflow)
        rate, secs = rtl_rate(cfg, 1, args.folds)
        line = (
            f"{size:>3}x{size:<3} {args.dtype.value:>5} {args.dataflow.value:>4} "
            f"{rate:>13,.0f} {secs:>9.1f} {machine_rate(cfg, args.folds):>20,.0f}"
        )
        if args.verilator:
            line += f" {verilator_rate(cfg, args.verilator, 10, 100 * args.folds):>19,.0f}"
        print(line)


if __name__ == "__main__":
    main()
