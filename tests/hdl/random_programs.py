"""Seeded random PRELOAD/MATMUL programs, a NumPy reference and the contract's closed form.

The NumPy reference and the schedule below are written independently of chip/semantics.py and
of the RTL, from the ISA docstrings and the array timing contract, so a co-simulation test
compares three separately written descriptions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chip.config import ChipConfig, Dataflow
from chip.dtypes import DType, bf16_bits_from_f32, f32_from_bf16_bits
from chip.isa import Instr, Matmul, Preload

SPAD_ROWS = 48
ACC_ROWS = 32


@dataclass(frozen=True)
class Case:
    """A program with the scratchpad contents it runs on (raw storage, row_elems wide)."""

    instrs: tuple[Instr, ...]
    spad: np.ndarray


def random_case(cfg: ChipConfig, seed: int, n_tiles: int = 4, max_t: int = 6) -> Case:
    """A random program over ``n_tiles`` tiles; accumulating matmuls only read written rows."""
    rng = np.random.default_rng(seed)
    R, C = cfg.rows, cfg.cols
    spad = random_values(cfg.input_dtype, (SPAD_ROWS, cfg.row_elems), rng)
    written = np.zeros((ACC_ROWS, cfg.row_elems), dtype=bool)
    instrs: list[Instr] = []

    def matmul(rows: int, cols: int) -> Matmul:
        t = int(rng.integers(1, max_t + 1))
        out_rows = rows if cfg.dataflow is Dataflow.OS else t
        out = int(rng.integers(0, ACC_ROWS - out_rows + 1))
        accumulate = bool(written[out : out + out_rows, :cols].all() and rng.random() < 0.6)
        written[out : out + out_rows, :cols] = True
        y = int(rng.integers(0, SPAD_ROWS - t + 1)) if cfg.dataflow is Dataflow.OS else 0
        return Matmul(
            x=int(rng.integers(0, SPAD_ROWS - t + 1)),
            y=y,
            out=out,
            t=t,
            rows=rows,
            cols=cols,
            accumulate=accumulate,
        )

    for _ in range(n_tiles):
        full = rng.random() < 0.5
        rows = R if full else int(rng.integers(1, R + 1))
        cols = C if full else int(rng.integers(1, C + 1))
        if cfg.dataflow.has_stationary_operand:
            instrs.append(
                Preload(src=int(rng.integers(0, SPAD_ROWS - rows + 1)), rows=rows, cols=cols)
            )
        instrs += [matmul(rows, cols) for _ in range(int(rng.integers(1, 4)))]
    return Case(tuple(instrs), spad)


def random_values(dtype: DType, shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """Raw storage of random ``dtype`` values. Float values span magnitudes from 2^-70 to 2^60,
    so products land in fp32's subnormals (and fp32 operands are subnormal themselves), products
    overflow and sums cancel, exercising every rounding path."""
    if dtype is DType.INT8:
        return rng.integers(-128, 128, shape).astype(np.int8)
    if dtype.is_float:
        scale = np.exp2(rng.choice([-70.0, -40.0, -8.0, 0.0, 0.0, 0.0, 30.0, 60.0], shape))
        values = rng.standard_normal(shape) * scale
        values[rng.random(shape) < 0.05] = 0.0
        if dtype is DType.FP32:
            # A 24-bit significand: products of two values are inexact in fp32, unlike bf16's.
            values[rng.random(shape) < 0.05] *= 2.0**-80  # subnormal operands
            return values.astype(np.float32)
        return bf16_bits_from_f32(values.astype(np.float32))
    raise ValueError(f"no random values for {dtype.value}")


def numpy_reference(cfg: ChipConfig, case: Case) -> tuple[np.ndarray, np.ndarray]:
    """Accumulator rows 0..ACC_ROWS-1 after the program (raw storage), and which elements were
    written. Integer arithmetic wraps at 32 bits; float sums run in the contract's order."""
    if cfg.input_dtype is DType.INT8:
        return _int_reference(cfg, case)
    acc = np.zeros((ACC_ROWS, cfg.row_elems), dtype=np.float32)
    written = np.zeros(acc.shape, dtype=bool)
    sp = case.spad if cfg.input_dtype is DType.FP32 else f32_from_bf16_bits(case.spad)
    tile = None
    for ins in case.instrs:
        if isinstance(ins, Preload):
            tile = sp[ins.src : ins.src + ins.rows, : ins.cols]
            continue
        x = sp[ins.x : ins.x + ins.t, : ins.rows]
        if cfg.dataflow is Dataflow.OS:
            y = sp[ins.y : ins.y + ins.t, : ins.cols]
            p = np.zeros((ins.rows, ins.cols), dtype=np.float32)
            for t in range(ins.t):  # p = p + X[t, i] * Y[t, j], t ascending
                p = p + np.outer(x[t], y[t])
        else:
            p = np.zeros((ins.t, ins.cols), dtype=np.float32)
            for i in range(ins.rows):  # p = p + X[t, i] * S[i, j], i ascending
                p = p + np.outer(x[:, i], tile[i])
        block = (slice(ins.out, ins.out + p.shape[0]), slice(0, ins.cols))
        acc[block] = acc[block] + p if ins.accumulate else p
        written[block] = True
    return acc, written


def _int_reference(cfg: ChipConfig, case: Case) -> tuple[np.ndarray, np.ndarray]:
    acc = np.zeros((ACC_ROWS, cfg.row_elems), dtype=np.int64)
    written = np.zeros(acc.shape, dtype=bool)
    sp = case.spad.astype(np.int64)
    tile = None
    for ins in case.instrs:
        if isinstance(ins, Preload):
            tile = sp[ins.src : ins.src + ins.rows, : ins.cols]
            continue
        x = sp[ins.x : ins.x + ins.t, : ins.rows]
        if cfg.dataflow is Dataflow.OS:
            p = x.T @ sp[ins.y : ins.y + ins.t, : ins.cols]
        else:
            p = x @ tile
        block = (slice(ins.out, ins.out + p.shape[0]), slice(0, ins.cols))
        acc[block] = p + acc[block] if ins.accumulate else p
        acc[block] = (acc[block] + 2**31) % 2**32 - 2**31  # int32 wrap-around
        written[block] = True
    return acc.astype(np.int32), written


def contract_schedule(
    cfg: ChipConfig,
    instrs: tuple[Instr, ...],
    gaps: list[int] | None = None,
    queue_depth: int | None = None,
) -> list[tuple[int, str, int, int]]:
    """(index, unit, start, end) of every instruction under docs/timing.md for a program of
    array instructions: dispatch in order, one per cycle, into an execute queue of
    ``queue_depth``; each instruction starts after every earlier one has ended, except, with the
    double buffer, a PRELOAD directly after a MATMUL (from that MATMUL's start) and an OS MATMUL
    directly after a MATMUL (from the end of that MATMUL's compute). ``gaps[i]`` delays the
    offer of instruction i after instruction i-1 was dispatched (stream bubbles)."""
    R, C, db = cfg.rows, cfg.cols, cfg.double_buffer_stationary
    starts: list[int] = []
    dispatch = -1
    end_all = end_before_last = 0
    last: tuple[Instr, int, int] | None = None  # previous instruction, its start, compute
    events = []
    depth = cfg.queue_depth if queue_depth is None else queue_depth
    for index, ins in enumerate(instrs):
        dispatch += 1 + (gaps[index] if gaps else 0)
        if index >= depth:  # the queue is full until instruction index-depth starts
            dispatch = max(dispatch, starts[index - depth])
        order = end_all
        if db and last is not None and isinstance(last[0], Matmul):
            if isinstance(ins, Preload):
                order = max(last[1], end_before_last)
            elif cfg.dataflow is Dataflow.OS:
                order = max(last[1] + last[2], end_before_last)
        start = max(dispatch, order)
        if isinstance(ins, Preload):
            compute = end = start + R
            unit = "preload"
        else:
            compute = ins.t + R + C - 2
            end = start + compute + (R if cfg.dataflow is Dataflow.OS else 0)
            unit = "matmul"
        events.append((index, unit, start, end))
        starts.append(start)
        end_before_last, end_all = end_all, max(end_all, end)
        last = (ins, start, compute)
    return events
