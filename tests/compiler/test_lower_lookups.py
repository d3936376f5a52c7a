"""The lowering's lookups that have a fast path beside the plain one: `distinct_rows` (the
hazard scan's and the layer table's grouping of DMA fields) and `RowGroup.touches` (which
resident rows a DMA reaches) must answer exactly as the plain computation does."""

import numpy as np
import pytest

from chip.dtypes import DType
from chip.isa import Mem
from compiler.lower import residency_rows
from compiler.lower.context import View
from compiler.lower.hazards import distinct_rows
from compiler.lower.residency_rows import RowGroup


@pytest.mark.parametrize("seed", range(20))
def test_distinct_rows_groups_rows_as_numpy_unique(seed: int) -> None:
    """Columns of a few values, of negative values and of spans too wide to pack (over 62
    bits) are grouped as `np.unique` groups them, each group found at its first row."""
    rng = np.random.default_rng(seed)
    n, ncols = int(rng.integers(1, 400)), int(rng.integers(1, 9))
    spans = rng.choice([1, 2, 7, 1 << 20, 1 << 40, (1 << 62) + 5], ncols)
    columns = [
        rng.choice(rng.integers(-int(s) // 2, int(s) // 2 + 1, 5), n) for s in spans.tolist()
    ]
    keys = np.stack(columns, axis=1).astype(np.int64)
    rows, where, which = distinct_rows(keys)
    expect, first, _ = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    assert sorted(map(tuple, rows.tolist())) == sorted(map(tuple, expect.tolist()))
    assert (keys[where] == rows).all() and (rows[which] == keys).all()
    assert sorted(where.tolist()) == sorted(first.tolist())


def _group(lo: int, nrows: int, stride: int, width: int) -> RowGroup:
    rows = {lo + j * stride: (j, width // 4) for j in range(nrows)}
    return RowGroup(0, 0, Mem.SPAD, lo, lo + (nrows - 1) * stride + width, 0, nrows, rows,
                    stride, width)  # fmt: skip


@pytest.mark.parametrize("seed", range(10))
def test_touches_of_long_views_as_arrays_agrees_line_by_line(seed: int, monkeypatch) -> None:
    """A view of many DRAM lines (rows, or columns when transposed) is checked against a
    group as arrays; the answer is the line-by-line one."""
    rng = np.random.default_rng(seed)
    cases = []
    for _ in range(200):
        lo, nrows = int(rng.integers(0, 4096)) * 4, int(rng.integers(1, 80))
        stride, width = int(rng.choice([0, 64, 256, 512])), int(rng.choice([16, 64, 256]))
        group = _group(lo, nrows, stride, width)
        rows, cols = int(rng.integers(1, 120)), int(rng.integers(1, 120))
        rs, cs = (int(rng.choice([0, 16, 64, 128])), 1) if rng.random() < 0.6 else (1, 64)
        view = View(int(rng.integers(0, 8192)) * 4, DType.FP32, rows, cols, rs, cs)
        cases.append((group, view))
    fast = [g.touches(v) for g, v in cases]
    monkeypatch.setattr(residency_rows, "_ARRAY_LINES", 1 << 30)
    plain = [g.touches(v) for g, v in cases]
    assert fast == plain
    assert any(fast) and not all(fast)  # both answers occur
