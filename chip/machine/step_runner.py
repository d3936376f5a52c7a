"""Applying a value plan (chip/machine/values.py) to one run's state, step by step.

A direct step is a plain copy, a block kernel or a NumPy call with no checks; a checked step goes
through chip/machine/dma.py, chip/machine/array.py and chip/semantics.py, and its `Fault` becomes
a `ProgramError` naming the instruction, its unit and its start cycle.
"""

from __future__ import annotations

import numpy as np

from chip.config import Dataflow
from chip.dtypes import compute_values, f32_from_bf16_bits, to_storage
from chip.errors import Fault, ProgramError
from chip.isa import Load, Matmul, Preload, Store
from chip.machine.array import ArrayModel
from chip.machine.block_kernels import float_into, int_into
from chip.machine.direct_vec import direct_vec
from chip.machine.dma import load_values, store_values
from chip.machine.value_steps import (
    LOAD_D,
    MATMUL_D,
    MOVE_D,
    PRELOAD_D,
    STORE_D,
    VEC_D,
    MatmulStep,
    MoveStep,
    Step,
    VecSource,
    VecStep,
)
from chip.machine.values import ValuePlan
from chip.program import Program
from chip.semantics import SPECIAL_FUNCTIONS, execute, vector_apply, vector_special
from chip.state import ChipState


def apply_values(
    program: Program,
    plan: ValuePlan,
    units: tuple,
    start: tuple,
    state: ChipState,
    array: ArrayModel,
) -> None:
    """Give every step's instruction its effect on ``state``, in the plan's order.

    Raises `ProgramError` (with the instruction's unit and start cycle) for the first fault."""
    steps = StepRunner(program, plan, units, start, state, array)
    with np.errstate(all="ignore"):  # the ISA defines overflow and NaN; NumPy need not warn
        for step in plan.steps:
            steps.apply(step)


class StepRunner:
    """Applies single steps of a value plan to one run's state (the arrays and work buffers
    the steps reuse, set up once per run). Callers run it under ``np.errstate(all="ignore")``:
    the ISA defines overflow and NaN, NumPy need not warn."""

    def __init__(
        self,
        program: Program,
        plan: ValuePlan,
        units: tuple,
        start: tuple,
        state: ChipState,
        array: ArrayModel,
    ) -> None:
        self.mems = (state.spad, state.acc, state.acc.view(np.float32))
        # the arrays as unsigned words of their element size: a MOVE copies bits, unconverted
        spad_u = state.spad.view(f"u{state.spad.itemsize}")
        self.words = (spad_u, state.acc.view(np.uint32), state.acc.view(np.uint32))
        self.written = (state.spad_written, state.acc_written, state.acc_written)
        self.state, self.array = state, array
        self.direct_array = not array.pe
        self.values = _ArrayValues(state)
        self.instrs, self.units, self.start = program.instrs, units, start

    def apply(self, step: Step) -> None:
        """Give ``step``'s instruction its effect; raises `ProgramError` if it faults."""
        kind = step.kind
        mems, written, state = self.mems, self.written, self.state
        if kind == LOAD_D:
            view = np.ndarray(step.shape, step.dtype, state.dram, step.offset, step.strides)
            mems[step.array][step.lo : step.hi, : step.cols] = view
            if step.mark:
                written[step.array][step.lo : step.hi, : step.cols] = True
        elif kind == STORE_D:
            view = np.ndarray(step.shape, step.dtype, state.dram, step.offset, step.strides)
            view[...] = mems[step.array][step.lo : step.hi, : step.cols]
        elif kind == PRELOAD_D and self.direct_array:
            state.stationary = state.spad[step.lo : step.hi, : step.cols].copy()
        elif kind == MATMUL_D and self.direct_array:
            self.values.matmul(step)
        elif kind == VEC_D and step.direct:
            direct_vec(mems, written, step)
        elif kind == MOVE_D:
            _move(self.words, written, step)
        else:
            i = step.index
            ins = self.instrs[i]
            try:
                if kind == VEC_D:
                    _vec(mems, written, step)
                elif isinstance(ins, (Matmul, Preload)):
                    self.array.apply(state, ins)
                elif isinstance(ins, Load):
                    load_values(state, ins)
                elif isinstance(ins, Store):
                    store_values(state, ins)
                else:
                    execute(state, ins)
            except Fault as err:
                unit = self.units[i]
                raise ProgramError(
                    i, ins.MNEMONIC, str(err), unit.value if unit else None, self.start[i]
                ) from None


def _move(words: tuple, written: tuple, step: MoveStep) -> None:
    """chip/semantics.py's `move` without the checks: the block's words, read whole (NumPy
    copies a source that overlaps its destination first)."""
    rows, cols, lo = step.rows, step.cols, step.dst_lo
    block = words[step.src][step.src_lo : step.src_lo + rows, :cols]
    if step.transpose:
        rows, cols, block = cols, rows, block.T
    words[step.dst][lo : lo + rows, :cols] = block
    if step.mark:
        written[step.dst][lo : lo + rows, :cols] = True


def _vec(mems: tuple, written: tuple, step: VecStep) -> None:
    """A vector instruction whose reads are covered and whose rows are valid: chip/semantics.py's
    `vec` without the checks (the same functions compute the result)."""
    rows, cols = step.rows, step.cols
    lo, hi = step.row, step.row + step.n_out
    a = b = None
    if step.src1 is not None:
        a = _vec_source(mems, step.src1, rows, cols)
    if step.src2 is not None:
        b = _vec_source(mems, step.src2, rows, cols)
    if step.op in SPECIAL_FUNCTIONS:  # (vector_apply's dispatch costs more than the function here)
        out = vector_special(step.op, a)
    else:
        out = vector_apply(step.op, a, b, step.imm, rows, cols)
    mems[step.dst][lo:hi, :cols] = to_storage(out, step.dtype)
    if step.mark:
        written[step.dst][lo:hi, :cols] = True


def _vec_source(mems: tuple, src: VecSource, rows: int, cols: int) -> np.ndarray:
    """A source's values, its one row repeated if broadcast (vector_apply converts, copying,
    before computing)."""
    raw = mems[src.array][src.lo : src.lo + src.n, :cols]
    return compute_values(np.repeat(raw, rows, axis=0) if src.n < rows else raw, src.dtype)


class _ArrayValues:
    """The direct matmul steps of one run, with the work arrays they reuse: a fresh array of a
    few hundred KiB costs page faults on every allocation (the allocator hands such blocks back
    to the OS), measured at several times the product computed on it."""

    def __init__(self, state: ChipState) -> None:
        cfg = state.config
        self.state = state
        self.spad, self.acc, self.acc_written = state.spad, state.acc, state.acc_written
        self.os_flow = cfg.dataflow is Dataflow.OS
        self.ints = not cfg.input_dtype.is_float
        self.work: dict[str, np.ndarray] = {}
        self.tile_of: np.ndarray | None = None  # the stationary tile `tile` was made from
        self.tile: np.ndarray | None = None

    def _work(self, name: str, rows: int, cols: int, dtype: type) -> np.ndarray:
        buf = self.work.get(name)
        if buf is None or buf.size < rows * cols:
            buf = self.work[name] = np.empty(rows * cols, dtype=dtype)
        return buf[: rows * cols].reshape(rows, cols)

    def _stationary(self) -> np.ndarray:
        """The stationary tile as float32 values (int8 and fp32 exactly, bf16 widened)."""
        raw = self.state.stationary
        if self.tile_of is not raw:
            assert raw is not None
            self.tile_of = raw
            self.tile = (
                f32_from_bf16_bits(raw) if raw.dtype == np.uint16 else raw.astype(np.float32)
            )
        return self.tile

    def matmul(self, step: MatmulStep) -> None:
        x0, t, rows, cols, y0 = step.x, step.t, step.rows, step.cols, step.y
        out, out_rows, accumulate = step.out, step.out_rows, step.accumulate
        x = self.spad[x0 : x0 + t, :rows]
        block = self.acc[out : out + out_rows, :cols]
        if self.ints:
            xf = self._work("x", t, rows, np.float32)
            xf[...] = x  # int8 values, exact in float32
            if self.os_flow:
                yf = self._work("y", t, cols, np.float32)
                yf[...] = self.spad[y0 : y0 + t, :cols]
                a, b = xf.T, yf
            else:
                a, b = xf, self._stationary()
            int_into(
                a,
                b,
                block,
                accumulate,
                self._work("pf", out_rows, cols, np.float32),
                self._work("pi", out_rows, cols, np.int32),
            )
        else:  # the kernels write (or add, in fp32) straight into the accumulator
            other = self.spad[y0 : y0 + t, :cols] if self.os_flow else self._stationary()
            float_into(
                x, other, block, accumulate, self.os_flow, self._work("x bits", t, rows, np.uint32)
            )
        if step.mark:
            self.acc_written[out : out + out_rows, :cols] = True
