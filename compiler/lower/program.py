"""The lowering driver: a graph of primitives -> a `chip.program.Program`.

Nodes are lowered one at a time in graph (topological) order; each op's lowering reads its
operands from DRAM and writes its result to DRAM at the addresses `plan_dram` chose, so the
layers are independent and the tokens the emitter derives let one layer's loads start while
the previous layer's tail still computes. Every instruction is tagged with its node's layer
name and training phase (`node_tags`), and the program carries each tag's useful MACs and
minimal DRAM bytes (compiler/lower/layers.py).

The units and their tags come from compiler/lower/units.py, what the residency plan holds
from compiler/lower/reserve.py; this module lowers the units and assembles the program.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from chip.collector import without_collection
from chip.config import ChipConfig
from chip.dtypes import DType, to_storage
from chip.program import Phase, Program, Tag, TensorInfo, TensorKind, TensorRole
from compiler.ir import Graph, Node, Op
from compiler.lower.context import Ctx, LoweringError
from compiler.lower.emit import Emitter
from compiler.lower.epilogue import epilogue_packs, gemm_epilogue
from compiler.lower.fusion import Group, lower_group
from compiler.lower.gemm_ops import lower_matmul
from compiler.lower.layers import layer_table
from compiler.lower.loss_pair import LossPair, lower_loss_pair
from compiler.lower.memory import Buf, DramPlan
from compiler.lower.pool_fusion import CAST_OUTPUT_OPS
from compiler.lower.reserve import (
    host_kept,
    kept_scalars,
    layers_reserve,
    new_residency,
    residency_reserve,
    update_operands,
)
from compiler.lower.residency import Residency
from compiler.lower.schedule import schedule_updates
from compiler.lower.tiling import Tiling
from compiler.lower.units import (
    last_readers,
    layer_name,
    lower_units,
    node_tags,
    phases,
    unit_nodes,
)

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
    dead = last_readers(graph, units)
    tag_of = node_tags(graph, units)
    for u, unit in enumerate(units):
        members = unit_nodes(unit)
        n = members[0]
        ctx.begin_layer()
        em.tag = ctx.unit_tag = tag_of[n.id]
        ctx.node_tags = {m.id: tag_of[m.id] for m in members if tag_of[m.id] != em.tag}
        if res is not None:
            res.begin_unit(
                [
                    (b.addr, b.addr + b.nbytes, m.id)
                    for m in unit_nodes(unit)
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

    Python's cycle collector is off meanwhile (`chip.collector.without_collection`): the
    lowering makes a few objects per instruction and keeps most of them, so each full
    collection would walk every instruction made so far (over a quarter of a ResNet-18
    training step's compile time), and the first young collection after it all of them (0.3
    CPU s of that step)."""
    return without_collection(lambda: _lower(graph, config, tiling))


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
            res = new_residency(graph, config, plan, reserve, host, operands, scalars)
            ctx = _lower_units(
                graph, config, tiling, units, plan, res, layers_reserve(config, reserve)
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
        graph, [unit_nodes(u) for u in units], node_tags(graph, units), plan.bufs, tags, dram
    )
    program = Program(config, tuple(instrs), tuple(tags), tensors, init, layers)
    return Lowered(program, tuple(ctx.notes), em.relays)
