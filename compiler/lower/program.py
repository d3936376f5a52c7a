"""The lowering driver: a graph of primitives -> a `chip.program.Program`.

Nodes are lowered one at a time in graph (topological) order; each op's lowering reads its
operands from DRAM and writes its result to DRAM at the addresses `plan_dram` chose, so the
layers are independent and the tokens the emitter derives let one layer's loads start while
the previous layer's tail still computes. Every instruction is tagged with its node's layer
name and training phase (`node_tags`), and the program carries each tag's useful MACs and
minimal DRAM bytes (compiler/lower/layers.py).
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from chip.config import ChipConfig, Dataflow
from chip.dtypes import DType, to_storage
from chip.program import Phase, Program, Tag, TensorInfo, TensorKind, TensorRole
from compiler.ir import Graph, Node, Op
from compiler.lower.context import Ctx, LoweringError
from compiler.lower.emit import Emitter
from compiler.lower.epilogue import epilogue_packs, fuse_epilogues, gemm_epilogue
from compiler.lower.fusion import Group, lower_group, plan_groups
from compiler.lower.gemm_ops import lower_matmul
from compiler.lower.layers import layer_table
from compiler.lower.loss_pair import LossPair, lower_loss_pair, pair_losses
from compiler.lower.memory import Buf, DramPlan, live_nodes, plan_dram
from compiler.lower.pool_fusion import CAST_OUTPUT_OPS, fuse_casts
from compiler.lower.residency import Residency
from compiler.lower.residency_rows import spad_region
from compiler.lower.schedule import schedule_updates
from compiler.lower.tiling import Tiling

Lowering = Callable[[Ctx, Node, list[Buf], Buf], None]

SCRATCH_TENSOR = "__scratch"
TEMP_TENSOR = "__temp"


@dataclass(frozen=True)
class Lowered:
    """A compiled program plus what the lowering decided: ``notes`` holds, per GEMM, the
    tiling the cost model chose and why; ``relays`` counts the one-element vector SETs
    inserted to pass a token between the load and store queues."""

    program: Program
    notes: tuple[str, ...]
    relays: int

    def report(self) -> str:
        """Readable summary: instruction counts by phase and the tiling of every GEMM."""
        by_phase: dict[str, int] = {}
        for tag in self.program.tags:
            by_phase[tag.phase.value] = by_phase.get(tag.phase.value, 0) + 1
        lines = [
            f"program for {self.program.config.name}: {len(self.program.instrs)} "
            "instructions ("
            + ", ".join(f"{k} {v}" for k, v in by_phase.items())
            + f"), {self.relays} token relays",
            "gemm tiling:",
        ]
        lines += [f"  {note}" for note in self.notes]
        return "\n".join(lines)


def _rules() -> dict[Op, Lowering]:
    from compiler.lower import conv, conv_grad_weight, movement, pool, pool_grad, vector

    table: dict[Op, Lowering] = {Op.MATMUL: lower_matmul}
    table.update(vector.RULES)
    table.update(movement.RULES)
    table.update(conv.RULES)
    table.update(conv_grad_weight.RULES)
    table.update(pool.RULES)
    table.update(pool_grad.RULES)
    return table


def phases(graph: Graph) -> list[Phase]:
    """FORWARD for what the outputs need; of the rest, OPTIMIZER if it reads optimizer state
    (the learning rate, moments), else BACKWARD."""
    forward = [False] * len(graph.nodes)
    stack = list(graph.outputs.values())
    while stack:
        i = stack.pop()
        if not forward[i]:
            forward[i] = True
            stack.extend(graph.nodes[i].inputs)
    state = [False] * len(graph.nodes)
    out = []
    for n in graph.nodes:
        state[n.id] = n.op is Op.STATE or any(state[i] for i in n.inputs)
        if forward[n.id]:
            out.append(Phase.FORWARD)
        else:
            out.append(Phase.OPTIMIZER if state[n.id] else Phase.BACKWARD)
    return out


def lower_units(graph: Graph, config: ChipConfig) -> tuple[list, DramPlan]:
    """The lowering units in order (nodes, fusion groups, GEMMs with their epilogue group)
    and the DRAM plan that places their values."""
    live = live_nodes(graph)
    units = fuse_epilogues(graph, plan_groups(graph, live), config.dataflow is Dataflow.IS)
    units = pair_losses(fuse_casts(graph, units))
    spans = [(i, i) for i in range(len(graph.nodes))]
    for unit in units:
        members = _unit_nodes(unit)
        for m in members:
            spans[m.id] = (members[0].id, members[-1].id)
    return units, plan_dram(graph, config, spans, _on_chip_values(units))


def _on_chip_values(units: list) -> frozenset[int]:
    """Values a lowering unit computes and never stores: fusion-group members outside the
    group's ``keep`` and a GEMM whose only reader is its epilogue."""
    out: set[int] = set()
    for unit in units:
        if isinstance(unit, Group):
            out |= {m.id for m in unit.members} - unit.keep
        elif isinstance(unit, tuple):
            gemm, group, keep_gemm = unit
            out |= {m.id for m in group.members} - group.keep
            if not keep_gemm:
                out.add(gemm.id)
    return frozenset(out)


def _unit_nodes(unit) -> list[Node]:
    if isinstance(unit, Group):
        return list(unit.members)
    if isinstance(unit, tuple):
        return [unit[0], *unit[1].members]
    if isinstance(unit, LossPair):
        return list(unit.members)
    return [unit]


def layer_name(node: Node) -> str:
    return node.name or f"{node.op.value}{node.id}"


def node_tags(graph: Graph, units: list) -> dict[int, Tag]:
    """The tag of every node a unit lowers: the unit's first node's layer and phase, except
    for members of another phase (an optimizer update fused into a weight gradient's epilogue),
    which keep their own layer name and phase."""
    phase = phases(graph)
    out: dict[int, Tag] = {}
    for unit in units:
        members = _unit_nodes(unit)
        first = members[0]
        for m in members:
            named = m if phase[m.id] is not phase[first.id] else first
            out[m.id] = Tag(layer_name(named), phase[m.id])
    return out


def residency_reserve(
    graph: Graph, config: ChipConfig, units: list, plan: DramPlan
) -> tuple[int, int]:
    """(scratchpad, accumulator) rows held for values that stay on chip across layers: the
    rows of every intermediate a later unit reads (`residency_need`), at most a quarter of
    each memory, which leaves the layers' tilings most of the chip; and in the accumulator
    the rows of the parameters kept from their first load to their update (`host_kept`)."""
    spad, acc = residency_need(graph, config, units, plan)
    host = host_kept(graph, config, units, plan)[1]
    return min(spad, config.spad_rows // 4), min(acc, (config.acc_rows - 1) // 4) + host


def kept_scalars(graph: Graph, units: list, plan: DramPlan) -> tuple[tuple[int, int, int], ...]:
    """The host scalars (a learning rate) that several units read and the step does not
    write, as (DRAM extent, node id): the residency plan keeps each in one accumulator row,
    broadcast, from its first reader's load, and later readers use that row instead of
    loading it again (each load waits for the previous reader of its row and pays the DRAM
    latency on the update's critical path). The row is a free one of the reserve, not one
    added to it: a larger reserve shifts which values fit and spilled some of the LSTM
    step's (bench/step_cycles: 278,808 cycles without, 280,733 with a row added)."""
    updated = set(graph.updates)
    readers: dict[int, int] = {}
    for unit in units:
        for i in {i for m in _unit_nodes(unit) for i in m.inputs}:
            readers[i] = readers.get(i, 0) + 1
    out = []
    for i, count in readers.items():
        n, buf = graph.nodes[i], plan.bufs.get(i)
        if count < 2 or buf is None or buf.size != 1 or n.name in updated:
            continue
        if n.op in (Op.PARAM, Op.STATE, Op.CONST):
            out.append((buf.addr, buf.addr + buf.nbytes, i))
    return tuple(sorted(out))


def residency_need(
    graph: Graph, config: ChipConfig, units: list, plan: DramPlan
) -> tuple[int, int]:
    """The (scratchpad, accumulator) rows of every intermediate a later unit reads
    (scratchpad for the array's operand type, accumulator otherwise)."""
    lo, hi = plan.scratch_base, plan.scratch_base + plan.scratch_bytes
    unit_of = {m.id: u for u, unit in enumerate(units) for m in _unit_nodes(unit)}
    later: set[int] = set()
    for u, unit in enumerate(units):
        for m in _unit_nodes(unit):
            later.update(i for i in m.inputs if unit_of.get(i, u) < u)
    outs = _read_outputs(graph, plan)
    spad = acc = 0
    for i in later:
        buf = plan.bufs.get(i)
        if buf is None or not (lo <= buf.addr < hi or (buf.addr, buf.addr + buf.nbytes) in outs):
            continue
        cols = buf.shape[-1] if buf.shape else 1
        rows = buf.size // max(cols, 1) * -(-cols // config.row_elems)
        if buf.dtype is config.input_dtype:
            spad += rows
        else:
            acc += rows
    return spad, acc


def host_kept(
    graph: Graph, config: ChipConfig, units: list, plan: DramPlan
) -> tuple[tuple[tuple[int, int, int], ...], int]:
    """The parameters the residency plan keeps on chip from their first load to their
    optimizer update, as (DRAM extent, node id), and the accumulator rows they take: the
    matrices not of the array's input type (fp32 master weights) that a unit of another phase
    reads first (the forward's cast), in order of first reader, while they fit in a quarter of
    the accumulator and beside every intermediate the residency plan would hold there. Kept,
    a parameter's update reads it in place instead of reading DRAM again.

    Only when the step's fp32 intermediates fit too: where they do not (LeNet's and the LSTM's
    steps), rows given to parameters are taken from values that would then spill, and those
    steps measured slower (bench/step_cycles)."""
    acc_rows = config.acc_rows - 1  # the last is the emitter's sync row
    budget = min(acc_rows // 4, acc_rows - residency_need(graph, config, units, plan)[1])
    phase = phases(graph)
    first: dict[int, int] = {}
    opt_read: set[int] = set()
    for u, unit in enumerate(units):
        for m in _unit_nodes(unit):
            for i in m.inputs:
                first.setdefault(i, u)
                if phase[m.id] is Phase.OPTIMIZER:
                    opt_read.add(i)
    out, rows_left = [], max(0, budget)
    for i in sorted(opt_read, key=lambda i: first[i]):
        n, buf = graph.nodes[i], plan.bufs.get(i)
        if n.op is not Op.PARAM or buf is None or len(buf.shape) != 2:
            continue
        if buf.dtype is config.input_dtype or phase[i] is Phase.OPTIMIZER:
            continue
        readers = [m for unit in units for m in _unit_nodes(unit) if i in m.inputs]
        if all(phase[m.id] is Phase.OPTIMIZER for m in readers):
            continue
        rows = buf.shape[0] * -(-buf.shape[1] // config.row_elems)
        if rows <= rows_left:
            out.append((buf.addr, buf.addr + buf.nbytes, i))
            rows_left -= rows
    return tuple(out), max(0, budget) - rows_left


def update_operands(
    graph: Graph, config: ChipConfig, plan: DramPlan
) -> tuple[tuple[int, int, int], ...]:
    """The DRAM extents, with their node ids, of the optimizer state matrices (momentum, Adam
    moments) that updates read: an update loads them into reserved rows the residency plan
    has free at that point (`Residency.keep`). Those rows lie above the layer's own, in
    another accumulator bank than the layer's GEMM outputs when the layer's rows fill one, so
    the loads (which hold their destination bank's write port from their start, DRAM latency
    included) do not stop the array writing the next gradient tile: the digits MLP step
    measured 19,586 -> 18,514 cycles (bench/step_cycles); with the parameters' update reads
    taken the same way too, 19,164."""
    phase = phases(graph)
    readers: dict[int, list[Node]] = {}
    for m in graph.nodes:
        for i in m.inputs:
            readers.setdefault(i, []).append(m)
    out = []
    for n in graph.nodes:
        buf = plan.bufs.get(n.id)
        if n.op is not Op.STATE or buf is None or len(buf.shape) != 2:
            continue
        if buf.dtype is config.input_dtype:
            continue
        if any(phase[m.id] is Phase.OPTIMIZER for m in readers.get(n.id, ())):
            out.append((buf.addr, buf.addr + buf.nbytes, n.id))
    return tuple(out)


def _read_outputs(graph: Graph, plan: DramPlan) -> frozenset[tuple[int, int]]:
    """The DRAM extents of the outputs outside the scratch arena that some node reads (the
    logits a loss reads): the residency plan may keep them on chip for their readers too,
    though they still reach DRAM."""
    lo, hi = plan.scratch_base, plan.scratch_base + plan.scratch_bytes
    read = {i for n in graph.nodes for i in n.inputs}
    out = set()
    for nid in graph.outputs.values():
        buf = plan.bufs.get(nid)
        if buf is not None and nid in read and not lo <= buf.addr < hi:
            out.add((buf.addr, buf.addr + buf.nbytes))
    return frozenset(out)


def _residency(
    graph: Graph,
    config: ChipConfig,
    plan: DramPlan,
    reserve: tuple[int, int],
    host: tuple[tuple[int, int, int], ...] = (),
    operands: tuple[tuple[int, int, int], ...] = (),
    scalars: tuple[tuple[int, int, int], ...] = (),
) -> Residency:
    spad_rows, acc_rows = reserve
    base, size, split = spad_region(config.spad_rows, config.spad_banks, spad_rows)
    return Residency(
        plan.scratch_base,
        plan.scratch_base + plan.scratch_bytes,
        (base, size),
        (config.acc_rows - 1 - acc_rows, acc_rows),
        split,
        config.spad_rows // config.spad_banks,
        _read_outputs(graph, plan),
        host,
        operands,
        scalars,
    )


def _layers_reserve(config: ChipConfig, reserve: tuple[int, int]) -> tuple[int, int]:
    """The (scratchpad, accumulator) rows the layers leave to the residency plan: its
    scratchpad region reaches the top (`spad_region`)."""
    base = spad_region(config.spad_rows, config.spad_banks, reserve[0])[0]
    return config.spad_rows - base, reserve[1]


def _last_readers(graph: Graph, units: list) -> list[set[int]]:
    """For each unit, the values (root node ids) no later unit reads; an output read by a
    unit is dead to the residency plan after its last reader (it is in DRAM too)."""
    root = list(range(len(graph.nodes)))
    for n in graph.nodes:
        if n.op is Op.RESHAPE:
            root[n.id] = root[n.inputs[0]]
    last: dict[int, int] = {}
    for u, unit in enumerate(units):
        for m in _unit_nodes(unit):
            last.setdefault(root[m.id], u)
            for i in m.inputs:
                last[root[i]] = u
    read = {root[i] for unit in units for m in _unit_nodes(unit) for i in m.inputs}
    for nid in list(graph.outputs.values()) + list(graph.updates.values()):
        if not (nid in graph.outputs.values() and root[nid] in read):
            last[root[nid]] = len(units)
    dead: list[set[int]] = [set() for _ in units]
    for r, u in last.items():
        if u < len(units):
            dead[u].add(r)
    return dead


def _lower_units(
    graph: Graph,
    config: ChipConfig,
    tiling: Tiling,
    units: list,
    plan: DramPlan,
    res: Residency | None,
    reserve: tuple[int, int],
) -> Ctx:
    """Emit every unit's instructions; returns the lowering context (emitter included)."""
    rules = _rules()
    em = Emitter(config, plan.temp_base)
    ctx = Ctx(config, em, plan.temp_base, tiling, res, reserve if res else (0, 0))
    dead = _last_readers(graph, units)
    tag_of = node_tags(graph, units)
    for u, unit in enumerate(units):
        members = _unit_nodes(unit)
        n = members[0]
        ctx.begin_layer()
        em.tag = ctx.unit_tag = tag_of[n.id]
        ctx.node_tags = {m.id: tag_of[m.id] for m in members if tag_of[m.id] != em.tag}
        if res is not None:
            res.begin_unit(
                [
                    (b.addr, b.addr + b.nbytes, m.id)
                    for m in _unit_nodes(unit)
                    if (b := plan.bufs.get(m.id)) is not None
                ]
            )
        try:
            if isinstance(unit, Group):
                lower_group(ctx, unit, plan.bufs)
            elif isinstance(unit, LossPair):
                lower_loss_pair(ctx, unit, plan.bufs, dead[u])
            elif isinstance(unit, tuple):
                gemm, group, keep = unit
                ins = [plan.bufs[i] for i in gemm.inputs]
                if gemm.op is Op.MATMUL:
                    epilogue = gemm_epilogue(ctx, group, gemm, plan.bufs, keep)
                    lower_matmul(ctx, gemm, ins, plan.bufs[gemm.id], epilogue)
                elif gemm.op in CAST_OUTPUT_OPS:  # a cast of its value, its channel sum
                    fused = {m.op: plan.bufs[m.id] for m in group.members}
                    out = plan.bufs[gemm.id]
                    cast, total = fused.get(Op.CAST), fused.get(Op.REDUCE_SUM)
                    if cast is not None:  # the cast may read a reshape of the value
                        cast = Buf(cast.addr, out.shape, cast.dtype)
                    if not rules[gemm.op](ctx, gemm, ins, out, cast, total) and cast:
                        lower_group(ctx, group, plan.bufs)  # only a cast: it reads the value
                else:

                    def epilogue_for(row_map, pack=1, group=group, gemm=gemm, keep=keep):
                        if not epilogue_packs(group, gemm, plan.bufs, pack, config.row_elems):
                            return None
                        return gemm_epilogue(ctx, group, gemm, plan.bufs, keep, row_map, pack)

                    rules[gemm.op](ctx, gemm, ins, plan.bufs[gemm.id], epilogue_for)
            else:
                rule = rules.get(n.op)
                if rule is None:
                    raise LoweringError(
                        f"op {n.op.value} has no lowering (composite ops must be decomposed first)"
                    )
                rule(ctx, n, [plan.bufs[i] for i in n.inputs], plan.bufs[n.id])
        except ValueError as e:  # LoweringError, and tiling or instruction-field limits
            raise LoweringError(f"node %{n.id} {layer_name(n)!r} ({n.op.value}): {e}") from None
        if res is not None:
            res.release(dead[u])
    if plan.copies:
        from compiler.lower.movement import copy_flat

        ctx.begin_layer()
        em.tag = Tag("writeback", Phase.OPTIMIZER if graph.updates else Phase.FORWARD)
        if res is not None:
            res.begin_unit([])
        for src, dst in plan.copies:
            copy_flat(ctx, src, dst)
    return ctx


def lower(graph: Graph, config: ChipConfig, tiling: Tiling = Tiling.COST_MODEL) -> Lowered:
    """Lower a graph of primitives (shapes inferred, composites decomposed) for ``config``;
    ``tiling`` chooses how GEMMs are tiled (compiler/lower/tiling.py).

    Values may stay on chip between layers (compiler/lower/residency.py): once every reader
    is lowered, the DRAM stores of those no reader missed are removed. Optimizer updates are
    first moved next to their gradients (`schedule_updates`).

    Python's cycle collector is off meanwhile: the lowering makes a few objects per
    instruction and keeps most of them, so each full collection walks every instruction made
    so far (over a quarter of a ResNet-18 training step's compile time); what it leaves in
    cycles is collected once it is back on."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _lower(graph, config, tiling)
    finally:
        if collecting:
            gc.enable()


def _lower(graph: Graph, config: ChipConfig, tiling: Tiling) -> Lowered:
    graph = schedule_updates(graph, phases(graph))
    units, plan = lower_units(graph, config)
    ctx = None
    reserve = residency_reserve(graph, config, units, plan)
    host = host_kept(graph, config, units, plan)[0]
    operands = update_operands(graph, config, plan)
    scalars = kept_scalars(graph, units, plan)
    try:
        if any(reserve):
            res = _residency(graph, config, plan, reserve, host, operands, scalars)
            ctx = _lower_units(
                graph, config, tiling, units, plan, res, _layers_reserve(config, reserve)
            )
            ctx.em.drop(res.skipped_stores())
    except LoweringError:  # a layer needs the reserved rows: every value goes through DRAM
        ctx = None
    if ctx is None:
        ctx = _lower_units(graph, config, tiling, units, plan, None, (0, 0))
    em = ctx.em
    instrs, tags, dram = em.finish()
    tensors = dict(plan.tensors)
    if plan.scratch_bytes:
        tensors[SCRATCH_TENSOR] = TensorInfo(
            SCRATCH_TENSOR,
            plan.scratch_base,
            (plan.scratch_bytes,),
            DType.INT8,
            TensorKind.SCRATCH,
            TensorRole.SCRATCH,
        )
    if ctx.temp_top > plan.temp_base:
        tensors[TEMP_TENSOR] = TensorInfo(
            TEMP_TENSOR,
            plan.temp_base,
            (ctx.temp_top - plan.temp_base,),
            DType.INT8,
            TensorKind.SCRATCH,
            TensorRole.SCRATCH,
        )
    init = {}
    for table in (graph.params, graph.consts, graph.state):
        for name, value in table.items():
            if name in tensors:
                t = tensors[name]
                init[name] = to_storage(np.asarray(value).reshape(t.shape), t.dtype)
    layers = layer_table(
        graph, [_unit_nodes(u) for u in units], node_tags(graph, units), plan.bufs, tags, dram
    )
    program = Program(config, tuple(instrs), tuple(tags), tensors, init, layers)
    return Lowered(program, tuple(ctx.notes), em.relays)
