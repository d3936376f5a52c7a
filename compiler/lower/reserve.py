"""How much of the chip the residency plan (compiler/lower/residency.py) holds, and for what:
the scratchpad and accumulator rows reserved for values that stay on chip across layers
(`residency_reserve`), the host tensors it keeps from their first load (`host_kept`,
`kept_scalars`), the optimizer state an update loads into its free rows (`update_operands`),
and the `Residency` built from them (`new_residency`) beside the rows the layers keep
(`layers_reserve`).

Decided from the graph, its lowering units and the DRAM plan before any unit is lowered;
nothing here emits an instruction.
"""

from __future__ import annotations

from chip.config import ChipConfig
from chip.program import Phase
from compiler.ir import Graph, Node, Op
from compiler.lower.memory import DramPlan
from compiler.lower.residency import Residency
from compiler.lower.residency_rows import spad_region
from compiler.lower.units import phases, unit_nodes


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
        for i in {i for m in unit_nodes(unit) for i in m.inputs}:
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
    unit_of = {m.id: u for u, unit in enumerate(units) for m in unit_nodes(unit)}
    later: set[int] = set()
    for u, unit in enumerate(units):
        for m in unit_nodes(unit):
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
        for m in unit_nodes(unit):
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
        readers = [m for unit in units for m in unit_nodes(unit) if i in m.inputs]
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


def new_residency(
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


def layers_reserve(config: ChipConfig, reserve: tuple[int, int]) -> tuple[int, int]:
    """The (scratchpad, accumulator) rows the layers leave to the residency plan: its
    scratchpad region reaches the top (`spad_region`)."""
    base = spad_region(config.spad_rows, config.spad_banks, reserve[0])[0]
    return config.spad_rows - base, reserve[1]
