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

from chip.program import LayerInfo, Tag
from compiler.ir import Graph, Node, Op
from compiler.lower.hazards import DramAccesses, distinct_rows
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
    units: Sequence[Sequence[Node]],
    tag_of: Mapping[int, Tag],
    bufs: Mapping[int, Buf],
    tags: Sequence[Tag],
    dram: DramAccesses,
) -> dict[Tag, LayerInfo]:
    """`LayerInfo` for every tag of ``tags``: ``units`` are the lowering units' nodes,
    ``tag_of`` each node's tag, ``bufs`` the values' DRAM buffers, ``tags`` the emitted
    program's and ``dram`` its DRAM accesses."""
    ids, distinct = tag_ids(tags)
    macs: dict[Tag, int] = dict.fromkeys(distinct, 0)
    reads: dict[Tag, dict[tuple[int, int], None]] = {t: {} for t in distinct}
    writes: dict[Tag, dict[tuple[int, int], None]] = {t: {} for t in distinct}
    for members in units:
        member_ids = {m.id for m in members}
        for m in members:
            tag = tag_of[m.id]
            macs[tag] = macs.get(tag, 0) + gemm_macs(graph, m)
            for i in m.inputs:
                if i not in member_ids and i in bufs:
                    reads.setdefault(tag, {})[_extent(bufs[i])] = None
            if m.id in bufs:
                writes.setdefault(tag, {})[_extent(bufs[m.id])] = None
    loads, stores = (_dram_spans(dram, ids, distinct, w) for w in (False, True))
    return {
        tag: LayerInfo(
            macs.get(tag, 0),
            _crossing(reads.get(tag, {}), loads.get(tag))
            + _crossing(writes.get(tag, {}), stores.get(tag)),
        )
        for tag in distinct
    }


def tag_ids(tags: Sequence[Tag]) -> tuple[np.ndarray, list[Tag]]:
    """The index of each of ``tags`` among the distinct ones, and those in order of first
    occurrence. A program's tags come in runs of one object, so each run is hashed once."""
    index: dict[Tag, int] = {}
    ids = np.empty(len(tags), dtype=np.int64)
    last, tag_id = None, -1
    for i, tag in enumerate(tags):
        if tag is not last:
            tag_id, last = index.setdefault(tag, len(index)), tag
        ids[i] = tag_id
    return ids, list(index)


def _extent(buf: Buf) -> tuple[int, int]:
    return buf.addr, buf.addr + buf.nbytes


def _dram_spans(
    dram: DramAccesses, ids: np.ndarray, distinct: list[Tag], write: bool
) -> dict[Tag, np.ndarray]:
    """Per tag, the DRAM bytes its loads read (its stores write, with ``write``) as sorted
    disjoint ``[lo, hi)`` intervals (an array of shape (k, 2)); ``ids`` index ``distinct``
    by instruction."""
    mine = dram.write == write
    runs = _runs_by_tag(dram.blocks[mine], ids[dram.instr[mine]])
    return {distinct[t]: _merge(r) for t, r in runs.items()}


def _runs_by_tag(fields: np.ndarray, tag: np.ndarray) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """The contiguous byte runs, ``[lo, hi)`` as arrays of their starts and ends, of DRAM
    blocks (`DramBlock` fields, one row per block) grouped by tag index: one run per block
    row, or per column when the block is transposed (its elements ``size`` bytes apart down
    a column), in no particular order."""
    if not len(fields):
        return {}
    # a tag moves many blocks more than once (a tile reloaded for each block it meets)
    once = distinct_rows(np.column_stack([tag, fields]))[1]
    order = once[np.argsort(tag[once], kind="stable")]
    fields, tag = fields[order], tag[order]
    addr, rows, cols, stride, transpose, size = fields.T
    flip = transpose != 0
    lines = np.where(flip, cols, rows)
    length = np.where(flip, rows, cols) * size
    # a block whose runs follow each other (a whole tile of a matrix) is one run: `_merge`
    # joins touching runs anyway, and tiled programs move millions of rows
    whole = stride == length
    length = np.where(whole, length * lines, length)
    lines = np.where(whole, 1, lines)
    bounds = np.flatnonzero(np.diff(tag)) + 1
    out = {}
    for lo, hi in zip(np.r_[0, bounds], np.r_[bounds, len(tag)], strict=True):
        n = lines[lo:hi]
        first = np.cumsum(n) - n  # each block's first run
        line = np.arange(int(n.sum()), dtype=np.int64) - np.repeat(first, n)
        start = np.repeat(addr[lo:hi], n) + line * np.repeat(stride[lo:hi], n)
        out[int(tag[lo])] = (start, start + np.repeat(length[lo:hi], n))
    return out


def _merge(runs: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Sorted disjoint intervals, an array of shape (k, 2), covering the same bytes as the
    (non-empty) runs ``[start, end)``. The starts and the ends are sorted apart (two sorts
    cost less than one argsort and its gathers): the i + 1 smallest ends are the ends of
    the runs that close first, so the covered bytes break after the i-th end exactly when
    the (i + 1)-th start lies beyond it."""
    # (a stable sort: a tag's runs come in ascending stretches, one per block)
    start, end = np.sort(runs[0], kind="stable"), np.sort(runs[1], kind="stable")
    new = np.ones(len(start), dtype=bool)
    new[1:] = start[1:] > end[:-1]
    first = np.flatnonzero(new)
    last = np.append(first[1:], len(start)) - 1
    return np.stack([start[first], end[last]], axis=1)


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
