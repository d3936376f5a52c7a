"""The values of a program's run: a per-program value plan, replayed on every run.

chip/machine/machine.py applies every started instruction's effect on the `ChipState` in the
commit order of the timing (chip/machine/schedule.py). Most of what the checked path of
chip/semantics.py and chip/state.py does per instruction does not depend on data: bounds,
alignment, tile shapes, the stationary tile's shape, and whether a read touches elements the
program itself has already written. `value_plan` decides these once per program (cached with
its timing) and turns each instruction into a step:

- a *direct* step, when no check can fail on any state: plain slice copies between DRAM views
  and on-chip rows, and between on-chip rows (MOVE), the array's block kernels, and vector
  functions (elementwise ones on fp32 values and bf16 copies: one NumPy call into the
  destination rows), with no checks and no written-mask updates that are known to change
  nothing;
- a *checked* step otherwise: the path of chip/machine/dma.py, chip/machine/array.py and
  chip/semantics.py, which raises the functional model's `Fault` messages.

Whether a read is covered is proven without the state: written-masks only ever gain elements, so
the elements the program has written earlier in commit order are written on every state, and a
read within them cannot fault. Reads of anything else (e.g. data a caller placed in the state)
stay checked. A direct step therefore computes exactly what the checked one would, and a program
that faults on its first run faults again, with the same message, on every later run.

chip/machine/step_runner.py applies a plan's steps to one run's state.
"""

from __future__ import annotations

from math import copysign
from typing import NamedTuple

import numpy as np

from chip.config import ChipConfig, Dataflow
from chip.distinct import distinct_of
from chip.footprint import vec_rows
from chip.isa import (
    VEC_USES_IMM,
    Instr,
    Load,
    Matmul,
    Mem,
    Move,
    Preload,
    Store,
    Vec,
    mem_dtype,
)
from chip.machine.direct_vec import direct_vec_of
from chip.machine.dma import plain_view
from chip.machine.plan import LOAD, MATMUL, PRELOAD, STORE
from chip.machine.schedule import _CACHE, Schedule
from chip.machine.value_steps import (
    ARRAY_ACC,
    ARRAY_ACCF,
    ARRAY_SPAD,
    CHECKED,
    LOAD_D,
    MATMUL_D,
    MOVE_D,
    PRELOAD_D,
    STORE_D,
    VEC_D,
    Checked,
    LoadStep,
    MatmulStep,
    MoveStep,
    PreloadStep,
    Step,
    StoreStep,
    VecSource,
    VecStep,
)
from chip.program import Program

# by the memory's identity: `Mem` is hashed in Python, several times per instruction here
_ARRAY_OF = {id(Mem.SPAD): ARRAY_SPAD, id(Mem.ACC): ARRAY_ACC, id(Mem.ACCF): ARRAY_ACCF}
# named tuples built from a tuple: their generated constructors cost several times more, once
# per instruction of a program's first run
_new = tuple.__new__


class ValuePlan(NamedTuple):
    """One step per started instruction, in commit order (see the module docstring): its
    ``kind`` and the instruction's ``index``, then what the kind needs. ``same[k]`` is the
    position of an earlier step that step k repeats but for its index (k itself if none), so
    what is derived from a step's fields is derived once per distinct step; None: no step
    repeats another. Shared by every run of the program: never mutate it.
    """

    steps: tuple[Step, ...]
    direct: int  # how many steps are direct (for tests and benchmarks)
    same: np.ndarray | None = None


class _Written:
    """Elements the program has written so far in commit order: per on-chip row, the number of
    leading elements (every write covers a row prefix ``[:cols]``)."""

    def __init__(self, cfg: ChipConfig) -> None:
        self.cols = (
            np.zeros(cfg.spad_rows, dtype=np.int64),
            np.zeros(cfg.acc_rows, dtype=np.int64),
        )
        # blocks known covered: they stay covered (masks only grow), and tiled programs touch
        # the same few blocks over and over
        self.known: set[tuple[bool, int, int, int]] = set()

    def covers(self, mem: Mem, lo: int, hi: int, cols: int) -> bool:
        key = (mem is not Mem.SPAD, lo, hi, cols)  # (Mem.is_acc is a slow enum property)
        if key in self.known:
            return True
        seg = self.cols[key[0]][lo:hi]
        if hi - lo == seg.size > 0 and int(seg.min()) >= cols:
            self.known.add(key)
            return True
        return False

    def add(self, mem: Mem, lo: int, hi: int, cols: int) -> bool:
        """Record a write; True if it may change the written-mask."""
        if self.covers(mem, lo, hi, cols):
            return False
        seg = self.cols[mem is not Mem.SPAD][lo:hi]
        np.maximum(seg, cols, out=seg)
        return True


class _Builder:
    """Turns instructions into steps, in commit order, tracking what is known on every state."""

    def __init__(self, cfg: ChipConfig) -> None:
        self.cfg = cfg
        self.width = cfg.row_elems
        rows_of = {Mem.SPAD: cfg.spad_rows, Mem.ACC: cfg.acc_rows, Mem.ACCF: cfg.acc_rows}
        self.rows_of = {id(mem): rows for mem, rows in rows_of.items()}  # (as _ARRAY_OF)
        self.dtype_of = {mem: mem_dtype(cfg, mem) for mem in Mem}
        self.storage_of = {id(mem): np.dtype(d.storage) for mem, d in self.dtype_of.items()}
        self.size_of = {key: d.itemsize for key, d in self.storage_of.items()}
        self.written = _Written(cfg)
        self.stationary: tuple[int, int] | None = None  # shape after a preload in this program

    def in_rows(self, mem: Mem, row: int, rows: int, cols: int) -> bool:
        """`ChipState.check_rows` cannot fail (rows and cols at least 1)."""
        return rows >= 1 and 1 <= cols <= self.width and row + rows <= self.rows_of[id(mem)]

    def readable(self, mem: Mem, row: int, rows: int, cols: int) -> bool:
        """A read of ``rows x cols`` elements at ``row`` cannot fault on any state."""
        return self.in_rows(mem, row, rows, cols) and self.written.covers(
            mem, row, row + rows, cols
        )

    def write(self, mem: Mem, row: int, rows: int, cols: int) -> bool:
        """Record a write; True if its written-mask update may change the mask."""
        return self.written.add(mem, row, row + rows, cols)

    def holds(self, step: Step) -> bool:
        """A direct step whose write may not change the written-mask is the step of its
        instruction again now, but for a WS/IS MATMUL, which also needs the stationary shape:
        its reads stay covered (masks only grow), its write stays known, and the rest depends
        on the instruction alone. Applies what the step does to the builder's state."""
        kind = step[0]
        if kind == PRELOAD_D:
            self.stationary = (step.hi - step.lo, step.cols)
        elif kind == MATMUL_D and self.cfg.dataflow is not Dataflow.OS:
            return self.stationary == (step.rows, step.cols)
        return True

    def step(self, i: int, ins: Instr, kind: int) -> Step:
        if kind == LOAD:
            return self._load(i, ins)
        if kind == STORE:
            return self._store(i, ins)
        if kind == PRELOAD:
            return self._preload(i, ins)
        if kind == MATMUL:
            return self._matmul(i, ins)
        if isinstance(ins, Vec):
            return self._vec(i, ins)
        if isinstance(ins, Move):
            return self._move(i, ins)
        return _new(Checked, (CHECKED, i))

    def _move(self, i: int, ins: Move) -> Step:
        src, dst, rows, cols = ins.src, ins.dst, ins.rows, ins.cols
        out_rows, out_cols = (cols, rows) if ins.transpose else (rows, cols)
        ok = (
            self.size_of[id(src.mem)] == self.size_of[id(dst.mem)]
            and self.readable(src.mem, src.row, rows, cols)
            and self.in_rows(dst.mem, dst.row, out_rows, out_cols)
        )
        mark = self.write(dst.mem, dst.row, out_rows, out_cols)
        if not ok:
            return _new(Checked, (CHECKED, i))
        fields = (MOVE_D, i, _ARRAY_OF[id(src.mem)], src.row, rows, cols)
        return _new(MoveStep, (*fields, _ARRAY_OF[id(dst.mem)], dst.row, ins.transpose, mark))

    def _vec(self, i: int, ins: Vec) -> Step:
        rows, cols = ins.rows, ins.cols
        n1, n2, n_out = vec_rows(ins)
        reads_a, reads_b = n1 > 0, n2 > 0
        ok = (
            rows >= 1
            and cols >= 1
            and (not reads_a or self.readable(ins.src1.mem, ins.src1.row, n1, cols))
            and (not reads_b or self.readable(ins.src2.mem, ins.src2.row, n2, cols))
            and (ins.op in VEC_USES_IMM or ins.imm == 0.0)
            and self.in_rows(ins.dst.mem, ins.dst.row, n_out, cols)
        )
        mark = self.write(ins.dst.mem, ins.dst.row, n_out, cols)
        if not ok:
            return _new(Checked, (CHECKED, i))
        dtype = self.dtype_of
        src1 = src2 = None
        if reads_a:
            src1 = _new(
                VecSource, (_ARRAY_OF[id(ins.src1.mem)], ins.src1.row, n1, dtype[ins.src1.mem])
            )
        if reads_b:
            src2 = _new(
                VecSource, (_ARRAY_OF[id(ins.src2.mem)], ins.src2.row, n2, dtype[ins.src2.mem])
            )
        dst = ins.dst
        fields = (VEC_D, i, ins.op, ins.imm, rows, cols, src1, src2)
        direct = direct_vec_of(ins.op, n_out == rows, dtype[dst.mem], src1, src2, ins.imm)
        extra = (_ARRAY_OF[id(dst.mem)], dst.row, n_out, dtype[dst.mem], mark)
        return _new(VecStep, (*fields, *extra, *(direct or (False, None, None, None))))

    def _load(self, i: int, ins: Load) -> Step:
        dst = ins.dst
        view = plain_view(ins, self.size_of[id(dst.mem)], self.cfg.dram_bytes, False)
        ok = view is not None and self.in_rows(dst.mem, dst.row, ins.rows, ins.cols)
        mark = self.write(dst.mem, dst.row, ins.rows, ins.cols)
        if not ok:
            return _new(Checked, (CHECKED, i))
        lo, hi = dst.row, dst.row + ins.rows
        storage = self.storage_of[id(dst.mem)]
        return _new(
            LoadStep, (LOAD_D, i, _ARRAY_OF[id(dst.mem)], lo, hi, ins.cols, mark, *view, storage)
        )

    def _store(self, i: int, ins: Store) -> Step:
        src = ins.src
        view = plain_view(ins, self.size_of[id(src.mem)], self.cfg.dram_bytes, True)
        if view is None or not self.readable(src.mem, src.row, ins.rows, ins.cols):
            return _new(Checked, (CHECKED, i))
        lo, hi = src.row, src.row + ins.rows
        storage = self.storage_of[id(src.mem)]
        return _new(
            StoreStep, (STORE_D, i, _ARRAY_OF[id(src.mem)], lo, hi, ins.cols, *view, storage)
        )

    def _tile_ok(self, rows: int, cols: int) -> bool:
        return 1 <= rows <= self.cfg.rows and 1 <= cols <= self.cfg.cols

    def _preload(self, i: int, ins: Preload) -> Step:
        ok = (
            self.cfg.dataflow.has_stationary_operand
            and self._tile_ok(ins.rows, ins.cols)
            and self.readable(Mem.SPAD, ins.src, ins.rows, ins.cols)
        )
        # if a checked preload faults, nothing runs after it: the shape holds for what follows
        self.stationary = (ins.rows, ins.cols)
        if not ok:
            return _new(Checked, (CHECKED, i))
        return _new(PreloadStep, (PRELOAD_D, i, ins.src, ins.src + ins.rows, ins.cols))

    def _matmul(self, i: int, ins: Matmul) -> Step:
        os_flow = self.cfg.dataflow is Dataflow.OS
        t, rows, cols = ins.t, ins.rows, ins.cols
        out_rows = rows if os_flow else t
        ok = (
            self._tile_ok(rows, cols)
            and t >= 1
            and self.readable(Mem.SPAD, ins.x, t, rows)
            and self.in_rows(Mem.ACC, ins.out, out_rows, cols)
        )
        if os_flow:
            ok = ok and self.readable(Mem.SPAD, ins.y, t, cols)
        else:
            ok = ok and ins.y == 0 and self.stationary == (rows, cols)
        if ins.accumulate:
            ok = ok and self.readable(Mem.ACC, ins.out, out_rows, cols)
        mark = self.write(Mem.ACC, ins.out, out_rows, cols)
        if not ok:
            return _new(Checked, (CHECKED, i))
        fields = (MATMUL_D, i, ins.x, t, rows, cols, ins.y, ins.out, out_rows, ins.accumulate, mark)
        return _new(MatmulStep, fields)


def value_plan(program: Program, order: tuple[int, ...], kinds: tuple[int, ...]) -> ValuePlan:
    """The steps of the instructions ``order`` (commit order) of ``program``."""
    b = _Builder(program.config)
    instrs = program.instrs
    distinct = distinct_of(program).index_list
    # by distinct instruction: the position of a step that `_Builder.holds` may repeat
    first: dict[int, int] = {}
    steps: list[Step] = []
    same = list(range(len(order)))
    for k, i in enumerate(order):
        u = distinct[i]
        at = first.get(u)
        if at is not None:
            step = steps[at]
            if b.holds(step) and (step[0] != VEC_D or _same_imm(step.imm, instrs[i].imm)):
                steps.append(_new(type(step), (step[0], i, *step[2:])))
                same[k] = at
                continue
        step = b.step(i, instrs[i], kinds[i])
        steps.append(step)
        if step[0] != CHECKED and not (step[0] in _MARKING and step.mark):
            first[u] = k
    same_of = np.array(same, dtype=np.int64)
    return ValuePlan(tuple(steps), sum(s[0] != CHECKED for s in steps), same_of)


_MARKING = frozenset((LOAD_D, MATMUL_D, VEC_D, MOVE_D))  # steps with a ``mark``


def _same_imm(imm: float, other: float) -> bool:
    """Whether a vector step's immediate ``imm`` is ``other``, the immediate of an instruction
    equal to the step's: equal instructions may differ in the sign of a zero immediate
    (0.0 == -0.0), which the step computes with."""
    return imm != 0.0 or copysign(1.0, imm) == copysign(1.0, other)


def value_plan_of(program: Program, sched: Schedule, max_cycles: int | None) -> ValuePlan:
    """The value plan of ``program`` run with the cycle limit ``max_cycles`` (whose timing is
    ``sched``), computed once and cached with the timing while the program lives."""
    return _CACHE.memo(
        program, ("values", max_cycles), lambda: value_plan(program, sched.order, sched.kinds)
    )
