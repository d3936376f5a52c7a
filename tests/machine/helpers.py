"""Small builders shared by the machine tests."""

from __future__ import annotations

import numpy as np

from chip.config import ChipConfig, Dataflow
from chip.dtypes import DType, to_storage
from chip.isa import Halt, Instr, Loc, Mem
from chip.program import Phase, Program, Tag
from chip.state import ChipState


def chip4(dataflow: str = "ws", double_buffer: bool = True, **knobs) -> ChipConfig:
    """The tiny 4x4 int8 chip with a slow DRAM (2 bytes/cycle, 20 cycles latency).

    Scratchpad: 4096 rows of 4 bytes in 4 banks of 1024 rows. Accumulator: 256 rows of 16 bytes
    in 2 banks of 128 rows.
    """
    base = ChipConfig.from_toml("tiny").replace(
        dataflow=Dataflow(dataflow),
        double_buffer_stationary=double_buffer,
        dram_bytes_per_cycle=2,
        dram_latency=20,
    )
    return base.replace(**knobs)


def program(cfg: ChipConfig, instrs: list[Instr], layer: str = "t") -> Program:
    instrs = list(instrs)
    if not instrs or not isinstance(instrs[-1], Halt):
        instrs.append(Halt())
    return Program(cfg, tuple(instrs), (Tag(layer, Phase.FORWARD),) * len(instrs), {})


def filled_state(
    cfg: ChipConfig, spad_rows: int = 64, acc_rows: int = 16, seed: int = 0
) -> ChipState:
    """A chip whose first scratchpad and accumulator rows hold small random values."""
    state = ChipState(cfg)
    rng = np.random.default_rng(seed)
    w = cfg.row_elems
    if cfg.input_dtype is DType.INT8:
        sp = rng.integers(-8, 8, (spad_rows, w)).astype(np.int8)
    else:
        sp = to_storage(rng.standard_normal((spad_rows, w)), cfg.input_dtype)
    state.write(Loc(Mem.SPAD, 0), sp, "test setup")
    if cfg.acc_dtype is DType.INT32:
        ac = rng.integers(-100, 100, (acc_rows, w)).astype(np.int32)
    else:
        ac = rng.standard_normal((acc_rows, w)).astype(np.float32)
    state.write(Loc(Mem.ACC, 0), ac, "test setup")
    return state


def spans(result) -> list[tuple[int, int]]:
    """(start, end) of every instruction event, in program order."""
    return [(e.start, e.end) for e in sorted(result.events, key=lambda e: e.index)]
