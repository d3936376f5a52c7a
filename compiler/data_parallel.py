"""Data-parallel training compiled for a system of chips.

Every chip holds the same weights and runs three programs per step, sharing its DRAM:

1. ``gradients``: forward and backward on the chip's shard of the global batch (global batch /
   chips samples), storing every trained PARAM's gradient (`TrainSpec.gradients_only`; the
   mean over the shard) to ``grad.NAME``;
2. ``reduce`` (one per chip: its place on the ring differs): the gradients, packed into
   buckets of accumulator rows that fit the chip, loaded, all-reduced over the links
   (compiler/parallel.py: ring or torus, the documented summation order) and stored back;
3. ``update``: the optimizer step (`compiler.train.update_step`) on the summed gradients
   times 1 / chips, the mean over the global batch. It is compiled on its own and relocated
   into the same DRAM: its PARAMs and gradient inputs are the gradients program's tensors,
   its optimizer state and scratch lie after them.

Every chip applies the same update to the same bits, so the weights stay identical on every
chip. With one chip the reduce program is empty and the result equals single-chip training
up to the order of the per-layer sums.
"""

from __future__ import annotations

import bisect
import dataclasses
from dataclasses import dataclass

import numpy as np

from chip.dtypes import DType
from chip.isa import Halt, Instr, Load, Loc, Mem, Store, Vec, VecOp, max_value
from chip.links import SystemPlan, plan_system
from chip.program import Phase, Program, Tag, TensorInfo, TensorRole
from chip.system import SystemConfig
from compiler.compile import compile
from compiler.ir import Graph
from compiler.parallel import all_reduce, staging_rows
from compiler.train import GRAD_PREFIX, TrainSpec, update_step

ALIGN = 64  # bytes: where the update program's own tensors start after the gradients program's


@dataclass(frozen=True)
class DataParallelStep:
    """One training step of a system: the three programs of every chip (module docstring)."""

    system: SystemConfig
    gradients: Program
    reduce: tuple[Program, ...]
    update: Program
    global_batch: int
    buckets: tuple[int, ...]  # accumulator rows of each all-reduce bucket

    def programs(self, chip: int) -> tuple[Program, ...]:
        """What chip ``chip`` runs each step, in order."""
        return (self.gradients, self.reduce[chip], self.update)

    def plan(self) -> SystemPlan:
        return plan_system(self.system, [self.programs(c) for c in range(self.system.chips)])

    @property
    def trained(self) -> list[str]:
        """The trained PARAMs, in layout order."""
        return [
            t.name.removeprefix(GRAD_PREFIX) for t in self.gradients.of_role(TensorRole.GRADIENT)
        ]


def compile_data_parallel(
    graph: Graph, system: SystemConfig, batch: int, spec: TrainSpec, pieces: int = 4
) -> DataParallelStep:
    """The data-parallel training step of ``graph`` on ``system`` at global batch ``batch``
    (a multiple of the chips); ``pieces`` per all-reduce chunk (compiler/parallel.py)."""
    n = system.chips
    if batch < n or batch % n:
        raise ValueError(f"the global batch ({batch}) must be a multiple of the {n} chips")
    chip = system.chip
    grads = compile(
        graph, chip, batch=batch // n, train=dataclasses.replace(spec, gradients_only=True)
    )
    grad_tensors = grads.of_role(TensorRole.GRADIENT)
    for g in grad_tensors:
        if g.dtype is not DType.FP32:
            raise ValueError(f"gradient {g.name!r} is {g.dtype.value}; the all-reduce sums fp32")
    params = {
        g.name.removeprefix(GRAD_PREFIX): grads.init[g.name.removeprefix(GRAD_PREFIX)].astype(
            np.float32
        )
        for g in grad_tensors
    }
    update = compile(update_step(params, spec, 1.0 / n), chip)
    update = _relocate(update, grads)
    bucket_rows = _bucket_rows(system, pieces)
    buckets = _buckets(grad_tensors, chip.row_elems, bucket_rows)
    reduce = tuple(_reduce_program(system, c, grads, buckets, pieces) for c in range(n))
    sizes = tuple(sum(-(-(hi - lo) // chip.row_elems) for _, lo, hi in b) for b in buckets)
    return DataParallelStep(system, grads, reduce, update, batch, sizes)


def _relocate(update: Program, grads: Program) -> Program:
    """``update`` with its PARAMs and gradient inputs at ``grads``' tensors of the same names
    and its other tensors after ``grads``' last byte (renamed ``update.NAME`` where a name is
    taken); its DMA addresses follow their tensors."""
    end = max(t.addr + t.nbytes for t in grads.tensors.values())
    base = -(-end // ALIGN) * ALIGN
    moved: dict[str, TensorInfo] = {}
    init = {}
    for t in sorted(update.tensors.values(), key=lambda t: t.addr):
        shared = grads.tensors.get(t.name)
        if shared is not None and t.role in (TensorRole.PARAM, TensorRole.GRADIENT):
            if (shared.shape, shared.dtype) != (t.shape, t.dtype):
                raise ValueError(f"update tensor {t.name!r} does not match the gradients program's")
            moved[t.name] = shared
            continue
        name = t.name if t.name not in grads.tensors else f"update.{t.name}"
        moved[t.name] = dataclasses.replace(t, name=name, addr=base)
        base = -(-(base + t.nbytes) // ALIGN) * ALIGN
        if t.name in update.init:
            init[name] = update.init[t.name]
    if base > update.config.dram_bytes:
        raise ValueError(
            f"the training step needs {base} bytes of DRAM; the chip has {update.config.dram_bytes}"
        )
    old = sorted(update.tensors.values(), key=lambda t: t.addr)
    starts = [t.addr for t in old]

    def where(addr: int) -> int:
        t = old[bisect.bisect_right(starts, addr) - 1]
        return moved[t.name].addr + addr - t.addr

    instrs = [
        dataclasses.replace(i, dram=where(i.dram)) if isinstance(i, Load | Store) else i
        for i in update.instrs
    ]
    tensors = {m.name: m for m in moved.values()}
    layers = dict(update.layers)
    return Program(update.config, instrs, update.tags, tensors, init, layers)


def _bucket_rows(system: SystemConfig, pieces: int) -> int:
    """The most accumulator rows a bucket may take with its staging rows (and that one vector
    instruction may cover)."""
    rows = min(system.chip.acc_rows, max_value(Vec, "rows"))
    while rows + staging_rows(system, rows, pieces) > system.chip.acc_rows:
        rows -= 1
    return rows


Piece = tuple[TensorInfo, int, int]  # a tensor's elements [lo, hi)


def _buckets(tensors: list[TensorInfo], width: int, capacity: int) -> list[list[Piece]]:
    """The gradients in buckets of at most ``capacity`` rows of ``width`` elements, in layout
    order; every piece starts a row, a tensor larger than a bucket is split at row bounds."""
    buckets: list[list[Piece]] = [[]]
    used = 0
    for t in tensors:
        lo = 0
        while lo < t.size:
            if used == capacity:
                buckets.append([])
                used = 0
            hi = min(t.size, lo + (capacity - used) * width)
            buckets[-1].append((t, lo, hi))
            used += -(-(hi - lo) // width)
            lo = hi
    return [b for b in buckets if b]


def _reduce_program(
    system: SystemConfig, chip: int, grads: Program, buckets: list[list[Piece]], pieces: int
) -> Program:
    """Chip ``chip``'s all-reduce of the gradients, bucket by bucket. Tokens order the reuse
    of the bucket's rows: zeroing (so that partial last rows hold only written elements)
    before the loads, and the next bucket's zeroing after this bucket's stores."""
    cfg = system.chip
    w = cfg.row_elems
    body: list[Instr] = []
    for k, bucket in enumerate(buckets if system.chips > 1 else []):
        rows = sum(-(-(hi - lo) // w) for _, lo, hi in bucket)
        zero = Vec(
            op=VecOp.SET,
            dst=Loc(Mem.ACCF, 0),
            src1=Loc(Mem.ACCF, 0),
            src2=Loc(Mem.ACCF, 0),
            rows=rows,
            cols=w,
            bcast1=False,
            bcast2=False,
            imm=0.0,
            push_prev=True,
            pop_next=k > 0,
        )
        loads = _dma(True, bucket, w)
        loads[0] = loads[0].with_deps(pop_next=True)
        stores = _dma(False, bucket, w)
        if k < len(buckets) - 1:
            stores[-1] = stores[-1].with_deps(push_prev=True)
        reduce = all_reduce(system, chip, 0, rows, w, rows, min(pieces, rows))
        body += [zero, *loads, *reduce, *stores]
    body.append(Halt())
    tag = Tag("all_reduce", Phase.OPTIMIZER)
    tensors = {t.name: t for t in grads.of_role(TensorRole.GRADIENT)}
    return Program(cfg, body, [tag] * len(body), tensors)


def _dma(load: bool, bucket: list[Piece], w: int) -> list[Instr]:
    """Loads (or stores) of a bucket's pieces to (from) accumulator rows 0, 1, ...: each piece
    as its full rows and one partial row."""
    out: list[Instr] = []
    row = 0
    for t, lo, hi in bucket:
        full, rest = divmod(hi - lo, w)
        addr = t.addr + lo * 4
        for first, rows, cols in ((0, full, w), (full, 1 if rest else 0, rest)):
            if rows:
                at, dram = Loc(Mem.ACCF, row + first), addr + first * w * 4
                stride = cols * 4
                if load:
                    out.append(
                        Load(
                            dram=dram, dst=at, rows=rows, cols=cols, stride=stride, transpose=False
                        )
                    )
                else:
                    out.append(
                        Store(
                            dram=dram, src=at, rows=rows, cols=cols, stride=stride, transpose=False
                        )
                    )
        row += full + (1 if rest else 0)
    return out
