"""The machine's strided DMA path gives the state and faults of chip/semantics.py."""

import numpy as np
import pytest

from chip.config import ChipConfig
from chip.dtypes import DType
from chip.errors import Fault
from chip.isa import Load, Store, acc, sp
from chip.machine.dma import load_values, store_values
from chip.semantics import dma_load, dma_store
from chip.state import ChipState


def pair(cfg: ChipConfig, seed: int) -> tuple[ChipState, ChipState]:
    states = []
    for _ in range(2):
        st = ChipState(cfg)
        rng = np.random.default_rng(seed)
        st.dram[: 1 << 16] = rng.integers(0, 256, 1 << 16, dtype=np.uint8)
        st.write(acc(0), rng.integers(-9, 9, (8, cfg.row_elems)).astype(np.int32), "setup")
        st.write(sp(0), rng.integers(-9, 9, (8, cfg.row_elems)).astype(np.int8), "setup")
        states.append(st)
    return states[0], states[1]


def outcome(fn, state, ins):
    try:
        fn(state, ins)
    except Fault as e:
        return str(e)
    return None


@pytest.mark.parametrize("seed", range(40))
def test_random_transfers_match_semantics(seed):
    rng = np.random.default_rng(seed)
    cfg = ChipConfig.from_toml("tiny").replace(input_dtype=DType.INT8)
    mine, ref = pair(cfg, seed)
    mem = [sp, acc][rng.integers(2)]
    size = 1 if mem is sp else 4
    fields = dict(
        dram=int(rng.choice([0, 3, 4, 64, 16 * 1024 * 1024 - 8])),
        rows=int(rng.integers(0, 6)),
        cols=int(rng.integers(0, 6)),
        stride=int(rng.choice([0, 1, 2, 4, 8, 12, 20, 64])),
        transpose=bool(rng.integers(2)),
    )
    row = int(rng.choice([0, 2, 8, 254, 4094]))
    if rng.integers(2):
        ins, fn, ref_fn = Load(dst=mem(row), **fields), load_values, dma_load
    else:
        ins, fn, ref_fn = Store(src=mem(row), **fields), store_values, dma_store
    assert outcome(fn, mine, ins) == outcome(ref_fn, ref, ins), (ins, size)
    np.testing.assert_array_equal(mine.dram[: 1 << 16], ref.dram[: 1 << 16])
    np.testing.assert_array_equal(mine.spad, ref.spad)
    np.testing.assert_array_equal(mine.acc, ref.acc)
    np.testing.assert_array_equal(mine.spad_written, ref.spad_written)


def test_dram_overlap_is_exact():
    # against a brute-force comparison of every element's byte range
    from chip.machine.plan import DramBlock, _dram_overlap

    def elements(b):
        sr, se = (b.size, b.stride) if b.transpose else (b.stride, b.size)
        return [(b.addr + r * sr + e * se, b.size) for r in range(b.rows) for e in range(b.cols)]

    rng = np.random.default_rng(0)
    for _ in range(500):
        p, q = (
            DramBlock(
                int(rng.integers(0, 40)),
                int(rng.integers(1, 5)),
                int(rng.integers(1, 5)),
                int(rng.choice([0, 1, 2, 4, 8, 16])),
                bool(rng.integers(2)),
                int(rng.choice([1, 2, 4])),
            )
            for _ in range(2)
        )
        brute = any(a < c + sc and c < a + sa for a, sa in elements(p) for c, sc in elements(q))
        assert _dram_overlap(p, q) == brute, (p, q)
