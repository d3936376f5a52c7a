"""The program's layer table: each tag's useful MACs and minimal DRAM bytes, from the graph.

A report bounds each (layer, phase) tag's cycles by what the network asks of it, not by what
the lowering did (docs/report.md): its GEMMs' multiply-accumulates from their shapes alone, and
the bytes its operands and results must cross DRAM, each once. Whether a value crosses DRAM is
the compiler's decision (values kept on chip by fusion or the residency plan never do), read
off the emitted DMAs: an operand's bytes count where a load of the tag reads them, a result's
where a store of the tag writes them, each byte once.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from chip.config import ChipConfig
from chip.footprint import DramBlock, Footprints
from chip.isa import Instr
from chip.program import LayerInfo, Tag
from compiler.ir import Graph, Node, Op
from compiler.lower.memory import Buf


def gemm_macs(graph: Graph, node: Node) -> int:
    """Multiply-accumulates of a GEMM node from its shapes (0 for any other op): MATMUL
    M x K x N; a convolution or either of its gradients, the forward convolution's output
    elements x kernel taps x input channels (zero-padding taps included, as is standard)."""
    shapes = [graph.nodes[i].shape for i in node.inputs]
    if node.op is Op.MATMUL:
        a = shapes[0]
        k = a[0] if node.attrs.get("trans_a") else a[1]
        return math.prod(node.shape) * k
    if node.op is Op.CONV2D:  # (x, w [KH, KW, Cin, Cout]) -> y
        return math.prod(node.shape) * math.prod(shapes[1][:3])
    if node.op is Op.CONV2D_GRAD_INPUT:  # (dy, w) -> dx
        return math.prod(shapes[0]) * math.prod(shapes[1][:3])
    if node.op is Op.CONV2D_GRAD_WEIGHT:  # (x, dy) -> dw
        return math.prod(shapes[1]) * math.prod(node.shape[:3])
    return 0


def layer_table(
    graph: Graph,
    config: ChipConfig,
    units: Sequence[Sequence[Node]],
    tag_of: Mapping[int, Tag],
    bufs: Mapping[int, Buf],
    instrs: Sequence[Instr],
    tags: Sequence[Tag],
) -> dict[Tag, LayerInfo]:
    """`LayerInfo` for every tag of ``tags``: ``units`` are the lowering units' nodes,
    ``tag_of`` each node's tag, ``bufs`` the values' DRAM buffers, ``instrs``/``tags`` the
    emitted program."""
    macs: dict[Tag, int] = dict.fromkeys(tags, 0)
    reads: dict[Tag, dict[tuple[int, int], None]] = {t: {} for t in tags}
    writes: dict[Tag, dict[tuple[int, int], None]] = {t: {} for t in tags}
    for members in units:
        ids = {m.id for m in members}
        for m in members:
            tag = tag_of[m.id]
            macs[tag] = macs.get(tag, 0) + gemm_macs(graph, m)
            for i in m.inputs:
                if i not in ids and i in bufs:
                    reads.setdefault(tag, {})[_extent(bufs[i])] = None
            if m.id in bufs:
                writes.setdefault(tag, {})[_extent(bufs[m.id])] = None
    loads, stores = _dram_spans(config, instrs, tags)
    return {
        tag: LayerInfo(
            macs.get(tag, 0),
            _crossing(reads.get(tag, {}), loads.get(tag))
            + _crossing(writes.get(tag, {}), stores.get(tag)),
        )
        for tag in dict.fromkeys(tags)
    }


def _extent(buf: Buf) -> tuple[int, int]:
    return buf.addr, buf.addr + buf.nbytes


def _dram_spans(
    config: ChipConfig, instrs: Sequence[Instr], tags: Sequence[Tag]
) -> tuple[dict[Tag, np.ndarray], dict[Tag, np.ndarray]]:
    """Per tag, the DRAM bytes its loads read and its stores write, as sorted disjoint
    ``[lo, hi)`` intervals (an array of shape (k, 2))."""
    footprints = Footprints(config)
    parts: tuple[dict[Tag, list[np.ndarray]], dict[Tag, list[np.ndarray]]] = ({}, {})
    seen: dict[Instr, list[tuple[bool, np.ndarray]]] = {}
    for ins, tag in zip(instrs, tags, strict=True):
        runs = seen.get(ins)
        if runs is None:
            accesses = footprints.of(ins).accesses
            runs = seen[ins] = [(a.write, _runs(a.block)) for a in accesses if a.block]
        for write, r in runs:
            parts[write].setdefault(tag, []).append(r)
    loads, stores = ({t: _merge(np.concatenate(rs)) for t, rs in p.items()} for p in parts)
    return loads, stores


def _runs(b: DramBlock) -> np.ndarray:
    """The contiguous byte runs of a DRAM block: one per row, or per column when the block
    is transposed (its elements ``size`` bytes apart down a column)."""
    if b.transpose:
        n, length, step = b.cols, b.rows * b.size, b.stride
    else:
        n, length, step = b.rows, b.cols * b.size, b.stride
    lo = b.addr + np.arange(n, dtype=np.int64) * step
    return np.stack([lo, lo + length], axis=1)


def _merge(runs: np.ndarray) -> np.ndarray:
    """Sorted disjoint intervals covering the same bytes as ``runs``."""
    runs = runs[np.argsort(runs[:, 0], kind="stable")]
    reach = np.maximum.accumulate(runs[:, 1])
    new = np.ones(len(runs), dtype=bool)
    new[1:] = runs[1:, 0] > reach[:-1]
    first = np.flatnonzero(new)
    last = np.append(first[1:], len(runs)) - 1
    return np.stack([runs[first, 0], reach[last]], axis=1)


def _crossing(values: Mapping[tuple[int, int], None], covered: np.ndarray | None) -> int:
    """Bytes of the value extents inside the ``covered`` intervals (sorted, disjoint): a value
    some of whose rows were served from chip counts only the rows that crossed DRAM."""
    if not values or covered is None:
        return 0
    total = 0
    for lo, hi in values:
        a = max(int(np.searchsorted(covered[:, 1], lo, side="right")), 0)
        b = int(np.searchsorted(covered[:, 0], hi, side="left"))
        if b > a:
            seg = covered[a:b]
            total += int((np.minimum(seg[:, 1], hi) - np.maximum(seg[:, 0], lo)).sum())
    return total
