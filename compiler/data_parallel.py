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

from chip.config import ChipConfig
from chip.dtypes import DType
from chip.isa import (
    Halt,
    Instr,
    Load,
    Loc,
    Matmul,
    Mem,
    Preload,
    Queue,
    Recv,
    Send,
    Store,
    Vec,
    VecOp,
    max_value,
)
from chip.links import SystemPlan, plan_system
from chip.machine.schedule import schedule_of
from chip.program import Phase, Program, Tag, TensorInfo, TensorRole
from chip.system import SystemConfig
from compiler.compile import compile
from compiler.ir import Graph
from compiler.parallel import all_reduce, staging_rows
from compiler.train import GRAD_PREFIX, TrainSpec, update_step

ALIGN = 64  # bytes: where the update program's own tensors start after the gradients program's


@dataclass(frozen=True)
class DataParallelStep:
    """One training step of a system: the programs every chip runs (module docstring).

    ``gradients`` and ``update`` are the whole gradients and update programs (their tensors
    are the chips' DRAM layout); ``chip_programs[c]`` is what chip c runs in order: the
    gradients program, its reduce program and the update, or with ``overlap`` the gradients
    program in parts with the all-reduce's steps between them."""

    system: SystemConfig
    gradients: Program
    update: Program
    chip_programs: tuple[tuple[Program, ...], ...]
    global_batch: int
    buckets: tuple[int, ...]  # accumulator rows of each all-reduce bucket
    overlap: bool = False

    def programs(self, chip: int) -> tuple[Program, ...]:
        """What chip ``chip`` runs each step, in order."""
        return self.chip_programs[chip]

    def plan(self) -> SystemPlan:
        return plan_system(self.system, [self.programs(c) for c in range(self.system.chips)])

    @property
    def trained(self) -> list[str]:
        """The trained PARAMs, in layout order."""
        return [
            t.name.removeprefix(GRAD_PREFIX) for t in self.gradients.of_role(TensorRole.GRADIENT)
        ]


def compile_data_parallel(
    graph: Graph,
    system: SystemConfig,
    batch: int,
    spec: TrainSpec,
    pieces: int = 4,
    overlap: bool = False,
    reserve: float = 0.25,
) -> DataParallelStep:
    """The data-parallel training step of ``graph`` on ``system`` at global batch ``batch``
    (a multiple of the chips); ``pieces`` per all-reduce chunk (compiler/parallel.py).

    ``overlap``: the gradients program is compiled for the accumulator less its last
    ``reserve`` fraction, which the all-reduce uses meanwhile; it runs in parts, split where
    the array holds no preloaded weights (`_cut_points`), and between the parts the chip does
    the next steps of the all-reduce of every bucket whose gradients are stored, so transfers
    proceed while it computes the rest of the backward pass. Where no step fits before the
    backward pass ends (no cut point after the first gradients are stored), the plain schedule
    is compiled instead and the step's ``overlap`` is False."""
    n = system.chips
    if batch < n or batch % n:
        raise ValueError(f"the global batch ({batch}) must be a multiple of the {n} chips")
    if not 0 < reserve < 1:
        raise ValueError(f"reserve must be a fraction in (0, 1), not {reserve}")
    spec_g = dataclasses.replace(spec, gradients_only=True)
    if overlap and n > 1:
        small = system.chip.replace(acc_kib=_reserved_kib(system.chip, reserve))
        grads = _on(system.chip, compile(graph, small, batch=batch // n, train=spec_g))
        step = _step(system, grads, batch, spec, pieces, small.acc_rows)
        if step is not None:
            return step
    grads = compile(graph, system.chip, batch=batch // n, train=spec_g)
    step = _step(system, grads, batch, spec, pieces, 0)
    assert step is not None  # only an overlapped schedule can be refused
    return step


def _step(
    system: SystemConfig, grads: Program, batch: int, spec: TrainSpec, pieces: int, base: int
) -> DataParallelStep | None:
    """The step around the gradients program ``grads``, overlapped when ``base`` (the first
    accumulator row it leaves free) is not 0; None if no all-reduce step fits in its
    backward pass."""
    chip, n = system.chip, system.chips
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
    bucket_rows = _bucket_rows(system, pieces, chip.acc_rows - base)
    if base:  # the gradients in the order the backward pass finishes them (as DDP buckets)
        grad_tensors.sort(key=lambda t: _last_store(grads, [(t, 0, t.size)]))
    buckets = _buckets(grad_tensors, chip.row_elems, bucket_rows)
    sizes = tuple(sum(-(-(hi - lo) // chip.row_elems) for _, lo, hi in b) for b in buckets)
    if base:
        parts = [_overlapped(system, c, grads, buckets, pieces, base) for c in range(n)]
        if any(p is None for p in parts):
            return None
        per_chip = tuple((*p, update) for p in parts)
    else:
        per_chip = tuple(
            (grads, _reduce_program(system, c, grads, buckets, pieces), update) for c in range(n)
        )
    return DataParallelStep(system, grads, update, per_chip, batch, sizes, bool(base))


def _reserved_kib(chip: ChipConfig, reserve: float) -> int:
    """The accumulator KiB left to the gradients program: a multiple of what keeps the
    accumulator's banks whole (the config validates the rest)."""
    step = max(1, chip.acc_row_bytes * chip.acc_banks // 1024)
    kib = int(chip.acc_kib * (1 - reserve)) // step * step
    if kib < step:
        raise ValueError(f"reserving {reserve} of {chip.acc_kib} KiB leaves no accumulator")
    return kib


def _on(chip: ChipConfig, p: Program) -> Program:
    """``p`` (compiled for a smaller accumulator) as a program of ``chip``."""
    return Program(chip, p.instrs, p.tags, p.tensors, p.init, p.layers)


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


def _bucket_rows(system: SystemConfig, pieces: int, available: int) -> int:
    """The most of ``available`` accumulator rows a bucket may take with its staging rows
    (and that one vector instruction may cover)."""
    rows = min(available, max_value(Vec, "rows"))
    while rows + staging_rows(system, rows, pieces) > available:
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
    """Chip ``chip``'s all-reduce of the gradients, bucket by bucket in accumulator rows 0..
    Tokens order the reuse of the rows: the next bucket's zeroing after this one's stores."""
    body: list[Instr] = []
    for k, bucket in enumerate(buckets if system.chips > 1 else []):
        instrs = _bucket_instrs(system, chip, bucket, 0, pieces)
        if k:
            instrs[0] = instrs[0].with_deps(pop_next=True)
        if k < len(buckets) - 1:
            instrs[-1] = instrs[-1].with_deps(push_prev=True)
        body += instrs
    return _program(system, grads, body)


def _program(system: SystemConfig, grads: Program, body: list[Instr]) -> Program:
    body = [*body, Halt()]
    tag = Tag("all_reduce", Phase.OPTIMIZER)
    tensors = {t.name: t for t in grads.of_role(TensorRole.GRADIENT)}
    return Program(system.chip, body, [tag] * len(body), tensors)


def _bucket_instrs(
    system: SystemConfig, chip: int, bucket: list[Piece], base: int, pieces: int
) -> list[Instr]:
    """One bucket's all-reduce in accumulator rows ``base``..: zeroing (so that partial last
    rows hold only written elements), loads, the link steps and adds, stores."""
    w = system.chip.row_elems
    rows = sum(-(-(hi - lo) // w) for _, lo, hi in bucket)
    at = Loc(Mem.ACCF, base)
    zero = Vec(
        op=VecOp.SET,
        dst=at,
        src1=at,
        src2=at,
        rows=rows,
        cols=w,
        bcast1=False,
        bcast2=False,
        imm=0.0,
        push_prev=True,
    )
    loads = _dma(True, bucket, w, base)
    loads[0] = loads[0].with_deps(pop_next=True)
    reduce = all_reduce(system, chip, base, rows, w, base + rows, min(pieces, rows))
    return [zero, *loads, *reduce, *_dma(False, bucket, w, base)]


def _overlapped(
    system: SystemConfig,
    chip: int,
    grads: Program,
    buckets: list[list[Piece]],
    pieces: int,
    base: int,
) -> list[Program] | None:
    """The gradients program in parts, each followed by the next step of the all-reduce (up
    to the next RECV) of a bucket whose gradients are stored by then; None if no step fits
    before the backward pass ends (overlap would only add parts and smaller buckets).

    A step is placed once the previous one's data can have arrived: its SENDs' transfer plus
    a link latency after it, in the gradients program's own cycles (its machine schedule up
    to each cut). Earlier, its RECV would stall the chip for the rest of that time; the
    steps that do not fit follow the backward pass as the plain all-reduce does."""
    groups: list[tuple[int, list[Instr]]] = []  # (instruction index it must follow, group)
    for bucket in buckets:
        ready = _last_store(grads, bucket) + 1
        group: list[Instr] = []
        for ins in _bucket_instrs(system, chip, bucket, base, pieces):
            if isinstance(ins, Recv) and group:
                groups.append((ready, group))
                group = []
            group.append(ins)
        groups.append((ready, group))
    sched = schedule_of(grads)
    done = np.maximum.accumulate(np.asarray(sched.end[: sched.n]))  # all before i+1 ended
    tokens = _tokens(grads)
    parts: list[Program] = []
    first, g, due = 0, 0, 0
    for cut in _cut_points(grads):
        if g == len(groups) or cut < groups[g][0] or done[cut - 1] < due:
            continue
        parts.append(_part(grads, first, cut, tokens))
        parts.append(_program(system, grads, groups[g][1]))
        sent = sum(i.rows * i.cols * 4 for i in groups[g][1] if isinstance(i, Send))
        due = int(done[cut - 1]) + system.transfer_cycles(sent) + system.link_latency
        first, g = cut, g + 1
    if g == 0:
        return None
    parts.append(_part(grads, first, len(grads.instrs), tokens))
    parts += [_program(system, grads, group) for _, group in groups[g:]]
    return parts


Token = tuple[int, str, int, str]  # (pushing instruction, its flag, popping one, its flag)


def _part(grads: Program, lo: int, hi: int, tokens: list[Token]) -> Program:
    """Instructions [lo, hi) of the gradients program (through its halt) as a program; the
    first part carries the initial DRAM contents. A token that crosses a cut is dropped at
    both ends: the part before the cut has finished when the next one starts (programs run
    one after the other), so the dependency it carried holds without it."""
    drop: dict[int, list[str]] = {}
    for push, push_flag, pop, pop_flag in tokens:
        if lo <= push < hi <= pop:
            drop.setdefault(push, []).append(push_flag)
        if push < lo <= pop < hi:
            drop.setdefault(pop, []).append(pop_flag)
    body = [
        dataclasses.replace(ins, **dict.fromkeys(drop.get(i, ()), False))
        for i, ins in enumerate(grads.instrs[lo:hi], start=lo)
        if not isinstance(ins, Halt)
    ]
    tags = list(grads.tags[lo : lo + len(body)])
    body.append(Halt())
    tags.append(tags[-1] if tags else grads.tags[-1])
    init = grads.init if lo == 0 else {}
    layers = {t: grads.layers[t] for t in set(tags) if t in grads.layers}
    return Program(grads.config, body, tags, grads.tensors, init, layers)


_QUEUES = {Queue.LOAD: 0, Queue.EXECUTE: 1, Queue.STORE: 2}


def _tokens(p: Program) -> list[Token]:
    """Every dependency token of ``p``: who pushes it and who pops it (each pair of queues
    passes its tokens in order)."""
    fifos: dict[tuple[int, int], list[tuple[int, str]]] = {}
    out: list[Token] = []
    for i, ins in enumerate(p.instrs):
        if isinstance(ins, Halt):
            break
        q = _QUEUES[ins.QUEUE]
        for flag, src in (("pop_prev", (q - 1) % 3), ("pop_next", (q + 1) % 3)):
            if getattr(ins, flag):
                push, push_flag = fifos[src, q].pop(0)
                out.append((push, push_flag, i, flag))
        for flag, dst in (("push_prev", (q - 1) % 3), ("push_next", (q + 1) % 3)):
            if getattr(ins, flag):
                fifos.setdefault((q, dst), []).append((i, flag))
    return out


def _cut_points(p: Program) -> list[int]:
    """Indices i where the program may stop and resume as another program: not at its first
    instruction or its halt, and not where the next array instruction is a MATMUL (it would
    use weights that a PRELOAD before the cut placed in the array: a program does not rely
    on what another one left there). Dependency tokens may be outstanding there:
    `_part` drops them. A software-pipelined loop (the weight gradient across images, say)
    has no token-free point, yet the overlap needs places inside it."""
    end = next((i for i, ins in enumerate(p.instrs) if isinstance(ins, Halt)), len(p.instrs))
    out = []
    uses_array = False  # whether the next array instruction at or after i is a MATMUL
    for i in range(end - 1, 0, -1):
        ins = p.instrs[i]
        if isinstance(ins, Matmul | Preload):
            uses_array = isinstance(ins, Matmul)
        if not uses_array:
            out.append(i)
    return out[::-1]


def _last_store(p: Program, bucket: list[Piece]) -> int:
    """The index of the last instruction of ``p`` storing into a tensor of ``bucket``."""
    spans = [(t.addr, t.addr + t.nbytes) for t, _, _ in bucket]
    last = 0
    for i, ins in enumerate(p.instrs):
        if isinstance(ins, Store) and any(a <= ins.dram < b for a, b in spans):
            last = i
    return last


def _dma(load: bool, bucket: list[Piece], w: int, base: int) -> list[Instr]:
    """Loads (or stores) of a bucket's pieces to (from) accumulator rows ``base``, ``base +
    1``, ...: each piece as its full rows and one partial row."""
    out: list[Instr] = []
    row = base
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
