"""A program's value plan replayed by one compiled kernel per run, with no per-step Python.

The `fast` machine applies a program's values in the commit order of its timing
(chip/machine/values.py's value plan, decided once per program). `replay_of` encodes that plan
once more, as a table of int64 rows (chip/machine/replay_kernel.py's ``F_*`` columns): every
direct LOAD, STORE, PRELOAD, MATMUL and MOVE, and every vector step of fp32/bf16 values whose
function the kernel computes (`_VEC_CODES`), becomes a kernel step; the rest (checked steps,
integer and special vector functions, CVT, RAND) stays a Python step, applied by step_runner.py's
`StepRunner`, which calls chip/semantics.py. `apply_replay` runs the kernel from the first
step, hands each Python step (and each vector step the kernel declines at run time, see
replay_kernel.py) to the `StepRunner`, and resumes the kernel after it.

Both paths compute the functional model's bits; between them the stationary tile is passed
over (`ChipState.stationary` is the raw tile, the kernel keeps it widened as well).
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import NamedTuple

import numpy as np

from chip.config import ChipConfig, Dataflow
from chip.dtypes import DType
from chip.isa import VecOp
from chip.machine import chains
from chip.machine import replay_kernel as rk
from chip.machine import vec_kernels as vk
from chip.machine.array import ArrayModel
from chip.machine.fma_kernels import exponents
from chip.machine.schedule import _CACHE
from chip.machine.step_runner import StepRunner
from chip.machine.value_steps import (
    ARRAY_ACC,
    ARRAY_ACCF,
    ARRAY_SPAD,
    LOAD_D,
    MATMUL_D,
    MOVE_D,
    PRELOAD_D,
    STORE_D,
    VEC_D,
    LoadStep,
    Step,
    StoreStep,
    VecSource,
    VecStep,
)
from chip.machine.values import ValuePlan
from chip.program import Program
from chip.state import ChipState

_VEC_CODES = {
    VecOp.ADD: vk.V_ADD,
    VecOp.SUB: vk.V_SUB,
    VecOp.MUL: vk.V_MUL,
    VecOp.MAX: vk.V_MAX,
    VecOp.MIN: vk.V_MIN,
    VecOp.MULI: vk.V_MULI,
    VecOp.ADDI: vk.V_ADDI,
    VecOp.SET: vk.V_SET,
    VecOp.COPY: vk.V_COPY,
    VecOp.RELU: vk.V_RELU,
    VecOp.RELU_MASK: vk.V_RELU_MASK,
    VecOp.EQ: vk.V_EQ,
    VecOp.GT: vk.V_GT,
    VecOp.BCAST: vk.V_BCAST,
    VecOp.RSUM: vk.V_RSUM,
    VecOp.RMAX: vk.V_RMAX,
    VecOp.CSUM: vk.V_CSUM,
}
_TYPE_CODES = {DType.FP32: vk.T_FP32, DType.BF16: vk.T_BF16}
# on-chip arrays by their words; the operand's type (int32 ones are Python's) says how to read them
_MEM_CODES = {ARRAY_SPAD: rk.M_SPAD, ARRAY_ACC: rk.M_ACC, ARRAY_ACCF: rk.M_ACCF}


class Replay(NamedTuple):
    """A value plan as kernel steps: ``code`` (one `replay_kernel` row per step of
    ``plan.steps``), each step's immediate as float32, and the words each work buffer needs.
    Shared by every run of the program: never mutate it."""

    code: np.ndarray
    imms: np.ndarray
    work: int
    kernel_steps: int  # steps the kernel applies (for tests and benchmarks)
    blas: bool  # Python may multiply matrices (a Python step but a vector function)
    folds: int  # the most folds of a chain of MATMULs (chip/machine/chains.py), 1 if none
    fold_words: int  # the most X words of one of their folds


def encode(program: Program, plan: ValuePlan) -> Replay:
    """The kernel steps of ``plan``, a value plan of ``program``."""
    cfg = program.config
    n = len(plan.steps)
    code = np.zeros((n, rk.WIDTH), dtype=np.int64)
    imms = np.zeros(n, dtype=np.float32)
    work = cfg.rows * cfg.cols
    # rows grouped by width, each group written into the table by one NumPy assignment; a
    # step that repeats an earlier one (`ValuePlan.same`) copies its row afterwards
    groups: dict[int, tuple[list[int], list[tuple[int, ...]]]] = {}
    vec_at, vec_imms = [], []
    steps = plan.steps
    own = range(n) if plan.same is None else np.flatnonzero(plan.same == np.arange(n)).tolist()
    # the DMA steps (most of a tiled program's own steps) are encoded by columns afterwards
    dma_at: dict[int, list[int]] = {LOAD_D: [], STORE_D: []}
    for k in own:
        step = steps[k]
        dma = dma_at.get(step[0])
        if dma is not None:
            dma.append(k)
            continue
        row, words = _row(cfg, step)
        if row:
            group = groups.get(len(row))
            if group is None:
                group = groups[len(row)] = ([], [])
            group[0].append(k)
            group[1].append(row)
            if step.kind == VEC_D:
                vec_at.append(k)
                vec_imms.append(step.imm)
        if words > work:
            work = words
    for width, (at, rows) in groups.items():
        code[at, :width] = rows
    for kind, at in dma_at.items():
        if at:
            code[at] = _dma_rows([steps[k] for k in at], kind)
    imms[vec_at] = np.array(vec_imms, dtype=np.float64).astype(np.float32)
    if plan.same is not None:
        code, imms = code[plan.same], imms[plan.same]
    python = code[:, rk.F_KIND] == rk.R_PY
    blas = any(plan.steps[k].kind != VEC_D for k in np.flatnonzero(python))
    folds, fold_words = 1, 0
    # chains where `matmul_chain` may apply them (fp32 products are never fused)
    if cfg.dataflow is not Dataflow.OS and cfg.input_dtype in (DType.BF16, DType.INT8):
        folds, fold_words = chains.mark(code, chains.CHAIN_WORDS)
    code.setflags(write=False)
    imms.setflags(write=False)
    kernel_steps = n - int(np.count_nonzero(python))
    return Replay(code, imms, work, kernel_steps, blas, folds, fold_words)


def _row(cfg: ChipConfig, step: Step) -> tuple[tuple[int, ...], int]:
    """A step's kernel row (empty: a Python step) and the work words it needs."""
    kind = step.kind
    if kind == PRELOAD_D:
        return (rk.R_PRELOAD, 0, step.lo, step.hi - step.lo, step.cols), 0  # (no F_MEM)
    if kind == MATMUL_D:
        fields = (step.x, step.t, step.rows, step.cols, step.y, step.out, step.out_rows)
        words = step.t * max(step.rows, step.cols)
        return (rk.R_MATMUL, *fields, int(step.accumulate), int(step.mark)), words
    if kind == MOVE_D:
        head = (rk.R_MOVE, _MEM_CODES[step.src], step.src_lo, step.rows, step.cols)
        tail = (_MEM_CODES[step.dst], step.dst_lo, int(step.transpose))
        return (*head, int(step.mark), *tail), step.rows * step.cols
    if kind == VEC_D:
        return _vec_row(step)
    return (), 0


def _dma_rows(steps: list[LoadStep] | list[StoreStep], kind: int) -> np.ndarray:
    """The kernel rows of direct DMA steps of one ``kind`` (`LOAD_D` or `STORE_D`), made by
    columns: a step whose view is not aligned to its elements stays a Python step (a zero
    row; plain views are aligned)."""
    columns = list(zip(*steps, strict=True))
    array, lo, hi, cols = (np.array(c, dtype=np.int64) for c in columns[2:6])
    mark = np.array(columns[6], dtype=np.int64) if kind == LOAD_D else 0
    offset, shape, strides, dtype = columns[-4:]
    assert list(shape) == list(zip((hi - lo).tolist(), cols.tolist(), strict=True))
    size = np.fromiter((d.itemsize for d in dtype), dtype=np.int64, count=len(steps))
    offset = np.array(offset, dtype=np.int64)
    step_r, step_e = np.array(strides, dtype=np.int64).reshape(-1, 2).T
    aligned = (offset % size == 0) & (step_r % size == 0) & (step_e % size == 0)
    rows = np.zeros((len(steps), rk.WIDTH), dtype=np.int64)
    rows[:, rk.F_KIND] = rk.R_LOAD if kind == LOAD_D else rk.R_STORE
    rows[:, rk.F_MEM] = np.where(array == ARRAY_SPAD, rk.M_SPAD, rk.M_ACC)
    rows[:, rk.F_LO], rows[:, rk.F_ROWS], rows[:, rk.F_COLS] = lo, hi - lo, cols
    rows[:, rk.F_MARK] = mark
    rows[:, rk.F_OFFSET] = offset // size
    rows[:, rk.F_STEP_R], rows[:, rk.F_STEP_E] = step_r // size, step_e // size
    rows[~aligned] = 0  # R_PY
    return rows


def _vec_row(step: VecStep) -> tuple[tuple[int, ...], int]:
    op = _VEC_CODES.get(step.op)
    rows, cols = step.rows, step.cols
    imm = np.float32(step.imm)
    ok = (
        op is not None
        and step.dtype in _TYPE_CODES
        and step.dst in _MEM_CODES
        and step.n_out == (1 if op == vk.V_CSUM else rows)
        and not np.isnan(imm)
        and (op == vk.V_SET or step.src1 is not None)
        and all(_source_ok(s, rows) for s in (step.src1, step.src2))
    )
    if not ok:
        return (), 0
    head = (rk.R_VEC, op, rows, cols, _MEM_CODES[step.dst], step.row, step.n_out)
    imm_bits = int(imm.view(np.uint32))
    fields = (*head, _TYPE_CODES[step.dtype], int(step.mark), imm_bits)
    return (*fields, *_source(step.src1), *_source(step.src2)), rows * cols


def _source_ok(src: VecSource | None, rows: int) -> bool:
    return src is None or (
        src.array in _MEM_CODES and src.dtype in _TYPE_CODES and src.n in (1, rows)
    )


def _source(src: VecSource | None) -> tuple[int, int, int, int]:
    if src is None:
        return (-1, 0, 0, 0)
    return (_MEM_CODES[src.array], src.lo, src.n, _TYPE_CODES[src.dtype])


def replay_of(program: Program, plan: ValuePlan, max_cycles: int | None) -> Replay:
    """`encode` of ``program``'s value plan for ``max_cycles``, cached with its timing."""
    return _CACHE.memo(program, ("replay", max_cycles), lambda: encode(program, plan))


def apply_replay(
    program: Program,
    plan: ValuePlan,
    rep: Replay,
    units: tuple,
    start: tuple,
    state: ChipState,
    array: ArrayModel,
) -> None:
    """What `step_runner.apply_values` does, with the kernel applying its steps (``array`` is the
    `fast` fidelity's). Raises `ProgramError` for the first fault."""
    cfg = state.config
    spad, acc = state.spad, state.acc
    size = spad.dtype.itemsize
    spad_u = spad.view(_UNSIGNED[size])
    acc_u = acc.view(np.uint32)
    stat_raw = np.empty((cfg.rows, cfg.cols), dtype=spad_u.dtype)
    stat = np.empty(cfg.rows * cfg.cols, dtype=np.uint32)
    work = np.empty((3, rep.work), dtype=np.uint32)
    regs = np.zeros(rk.REGS, dtype=np.int64)
    fold_x = np.empty(rep.folds * rep.fold_words, dtype=np.uint32)
    fold_s = np.empty(rep.folds * cfg.rows * cfg.cols, dtype=np.uint32)
    fold_e = np.empty((rep.folds, 5), dtype=np.int64)
    floats = cfg.input_dtype.is_float
    os_flow = cfg.dataflow is Dataflow.OS
    if state.stationary is not None:
        _tile_in(state.stationary, stat_raw, stat, regs, floats)
    steps: StepRunner | None = None
    code, imms, n, k = rep.code, rep.imms, len(rep.code), 0
    with ExitStack() as python:
        while True:
            k = rk.replay(
                code, imms, k, state.dram, spad_u, acc_u,
                state.spad_written, state.acc_written, stat_raw, stat, work, regs,
                fold_x, fold_s, fold_e, floats, os_flow,
            )  # fmt: skip
            if regs[rk.REG_FRESH]:
                rows, cols = int(regs[rk.REG_SROWS]), int(regs[rk.REG_SCOLS])
                state.stationary = stat_raw[:rows, :cols].view(spad.dtype).copy()
                regs[rk.REG_FRESH] = 0
            if k == n:
                return
            if steps is None:  # the first Python step of the run
                python.enter_context(np.errstate(all="ignore"))  # the ISA defines overflow, NaN
                steps = StepRunner(program, plan, units, start, state, array)
            tile = state.stationary
            steps.apply(plan.steps[k])
            if state.stationary is not tile:
                _tile_in(state.stationary, stat_raw, stat, regs, floats)
            k += 1


_UNSIGNED = {1: np.uint8, 2: np.uint16, 4: np.uint32}


def _tile_in(
    tile: np.ndarray, stat_raw: np.ndarray, stat: np.ndarray, regs: np.ndarray, floats: bool
) -> None:
    """Give the kernel the stationary tile ``tile`` (raw storage) set outside it."""
    rows, cols = tile.shape
    stat_raw[:rows, :cols] = tile.view(stat_raw.dtype)
    block = stat[: rows * cols].reshape(rows, cols)
    if not floats:
        block[...] = tile.astype(np.int32).view(np.uint32)
    elif tile.dtype == np.uint16:
        block[...] = tile.astype(np.uint32) << np.uint32(16)
        regs[rk.REG_SLOW], regs[rk.REG_SHIGH] = exponents(tile, 0, rows, cols)
    else:
        block[...] = tile.view(np.uint32)
    regs[rk.REG_SROWS], regs[rk.REG_SCOLS] = rows, cols


def warm_up() -> None:
    """Compile (or load from the disk cache) the replay kernel for each scratchpad word size
    (int8, bf16, fp32 inputs), as `apply_replay` calls it: the code table is empty, so nothing
    runs, but numba compiles the whole kernel and every kernel it calls; `exponents` as
    `_tile_in` calls it on a bf16 tile set outside the kernel; and the chains' `mark`."""
    exponents(np.zeros((1, 1), dtype=np.uint16), 0, 1, 1)
    code = np.zeros((0, rk.WIDTH), dtype=np.int64)
    imms = np.zeros(0, dtype=np.float32)
    code.flags.writeable = imms.flags.writeable = False  # as `encode` shares them
    for dtype in (DType.INT8, DType.BF16, DType.FP32):
        cfg = ChipConfig.from_toml("tiny").replace(input_dtype=dtype)
        state = ChipState(cfg)
        spad_u = state.spad.view(_UNSIGNED[state.spad.dtype.itemsize])
        rk.replay(
            code, imms, 0,
            state.dram, spad_u, state.acc.view(np.uint32), state.spad_written,
            state.acc_written, np.empty((cfg.rows, cfg.cols), dtype=spad_u.dtype),
            np.empty(cfg.rows * cfg.cols, dtype=np.uint32), np.empty((3, 1), dtype=np.uint32),
            np.zeros(rk.REGS, dtype=np.int64), np.empty(0, dtype=np.uint32),
            np.empty(0, dtype=np.uint32), np.empty((1, 5), dtype=np.int64), dtype.is_float,
            False,
        )  # fmt: skip
    chains.warm_up()
