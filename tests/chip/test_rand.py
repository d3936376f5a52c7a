"""The vector unit's RAND: Random123's Philox-2x32-10 known answers, the same numbers on the
functional model and both cycle-level machines, and numbers that look uniform."""

from __future__ import annotations

import numpy as np
import pytest

from chip.config import ChipConfig
from chip.dtypes import DType, to_storage
from chip.functional import run_functional
from chip.isa import (
    Halt,
    Load,
    Store,
    Vec,
    VecOp,
    acc,
    decode_program,
    encode_program,
    f32_bits,
)
from chip.program import Phase, Program, Tag, TensorInfo, TensorKind
from chip.semantics import philox2x32, philox_uniform, vector_apply
from tests.machine.test_random import check_agree

# Random123 1.14, examples/kat_vectors: "philox2x32 10 ctr0 ctr1 key -> out0 out1".
KAT = [
    ((0x00000000, 0x00000000, 0x00000000), (0xFF1DAE59, 0x6CD10DF2)),
    ((0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF), (0x2C3F628B, 0xAB4FD7AD)),
    ((0x243F6A88, 0x85A308D3, 0x13198A2E), (0xDD7CE038, 0xF62A4C12)),
]


@pytest.mark.parametrize(("given", "want"), KAT)
def test_philox_matches_random123_known_answers(given, want) -> None:
    c0, c1, key = given
    out = philox2x32(np.array([c0], np.uint32), np.array([c1], np.uint32), key)
    assert (int(out[0][0]), int(out[1][0])) == want


def test_rand_is_the_top_24_bits_of_the_first_word() -> None:
    (c0, c1, key), (word, _) = KAT[2]
    got = philox_uniform(np.array([c0], np.uint32), np.array([c1], np.uint32), key)
    assert got.dtype == np.float32 and got[0] == (word >> 8) / 2**24


def test_rand_values_look_uniform_and_depend_on_every_input() -> None:
    counter = np.arange(1 << 14, dtype=np.float32).reshape(64, 256)
    key = np.full_like(counter, 3.0)
    u = vector_apply(VecOp.RAND, counter, key, 7.0, 64, 256)
    assert u.min() >= 0.0 and u.max() < 1.0
    hist = np.histogram(u, bins=16, range=(0.0, 1.0))[0]
    assert np.abs(hist - 1024).max() < 5 * 32  # 5 sigma of a binomial count of 1024
    assert abs(np.corrcoef(u.ravel()[:-1], u.ravel()[1:])[0, 1]) < 0.05  # neighbours unrelated
    for other in (
        vector_apply(VecOp.RAND, counter, key + 1, 7.0, 64, 256),  # next step
        vector_apply(VecOp.RAND, counter, key, 8.0, 64, 256),  # another seed
    ):
        assert np.mean(other == u) < 0.01
    np.testing.assert_array_equal(vector_apply(VecOp.RAND, counter, key, 7.0, 64, 256), u)


@pytest.mark.parametrize("dtype", ["fp32", "bf16"])
def test_rand_is_the_same_on_every_model_of_the_chip(dtype: str) -> None:
    """A RAND over rows of counters with a broadcast key row: functional == fast == pe."""
    cfg = ChipConfig.from_toml("tiny").replace(input_dtype=DType(dtype))
    w, rows, fp32 = cfg.row_elems, 6, DType.FP32
    tensors = {
        "C": TensorInfo("C", 0, (rows, w), fp32, TensorKind.INPUT),
        "K": TensorInfo("K", 4096, (1, w), fp32, TensorKind.INPUT),
        "U": TensorInfo("U", 8192, (rows, w), fp32, TensorKind.OUTPUT),
    }
    init = {
        "C": to_storage(np.arange(rows * w, dtype=np.float64).reshape(rows, w), fp32),
        "K": to_storage(np.full((1, w), 41.0), fp32),
    }
    stride = w * fp32.nbytes
    instrs = (
        Load(dram=0, dst=acc(0), rows=rows, cols=w, stride=stride, transpose=False),
        Load(dram=4096, dst=acc(6), rows=1, cols=w, stride=stride, transpose=False, push_next=True),
        Vec(
            op=VecOp.RAND,
            dst=acc(8),
            src1=acc(0),
            src2=acc(6),
            rows=rows,
            cols=w,
            bcast1=False,
            bcast2=True,
            imm=12345.0,
            pop_prev=True,
            push_next=True,
        ),
        Store(
            dram=8192, src=acc(8), rows=rows, cols=w, stride=stride, transpose=False, pop_prev=True
        ),
        Halt(),
    )
    tags = tuple(Tag("rand", Phase.FORWARD) for _ in instrs)
    program = Program(cfg, instrs, tags, tensors, init)
    check_agree(program)
    got = run_functional(program).state.read_tensor(tensors["U"])
    counter = np.arange(rows * w, dtype=np.float32).reshape(rows, w).view(np.uint32)
    key = np.full((rows, w), 41.0, np.float32).view(np.uint32)
    np.testing.assert_array_equal(got, philox_uniform(counter, key, f32_bits(12345.0)))
    assert decode_program(encode_program(instrs)) == list(instrs)
