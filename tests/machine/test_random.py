"""Randomized programs: functional == fast == pe in values, fast == pe in every counter."""

import numpy as np
import pytest

from bench.programs import tiled_gemm
from chip.config import ChipConfig, Dataflow
from chip.dtypes import DType, round_bf16, to_storage
from chip.formats import Conversion, Format
from chip.functional import run_functional
from chip.isa import VEC_READS_B, VEC_USES_IMM, Halt, Load, Store, Vec, VecOp, acc, sp
from chip.machine import Unit, run_machine
from chip.program import Phase, Program, Tag, TensorInfo, TensorKind
from tests.programs import gemm_program

SHAPES = [(2, 2), (4, 4), (2, 4), (4, 2), (3, 5), (5, 3), (6, 6)]


def random_chip(rng: np.random.Generator) -> ChipConfig:
    rows, cols = SHAPES[rng.integers(len(SHAPES))]
    dtype = DType(rng.choice(["int8", "bf16", "fp32"]))
    width = max(rows, cols)
    acc_bytes = width * 4
    return ChipConfig.from_toml("tiny").replace(
        rows=rows,
        cols=cols,
        dataflow=Dataflow(rng.choice(["ws", "os", "is"])),
        input_dtype=dtype,
        double_buffer_stationary=bool(rng.integers(2)),
        os_drain=bool(rng.integers(2)),
        spad_kib=width * dtype.nbytes,
        spad_banks=int(rng.choice([1, 2, 4])),  # 1024 rows
        acc_kib=acc_bytes,
        acc_banks=int(rng.choice([1, 2, 4])),
        dram_bytes_per_cycle=int(rng.choice([1, 3, 8, 64])),
        dram_latency=int(rng.choice([0, 1, 7, 30])),
        vector_lanes=int(rng.choice([1, 2, 4])),
        queue_depth=int(rng.choice([1, 2, 3, 8])),
    )


def operands(cfg: ChipConfig, rng, m: int, k: int, n: int):
    if cfg.input_dtype is DType.INT8:
        return (
            rng.integers(-128, 128, (m, k)).astype(np.int8),
            rng.integers(-128, 128, (k, n)).astype(np.int8),
        )
    a, b = rng.standard_normal((m, k)), rng.standard_normal((k, n))
    return round_bf16(a), round_bf16(b)


def check_agree(prog: Program) -> None:
    ref = run_functional(prog).state
    fast = run_machine(prog, "fast")
    pe = run_machine(prog, "pe")
    for res in (fast, pe):
        for name in ("spad", "acc", "spad_written", "acc_written"):
            np.testing.assert_array_equal(getattr(res.state, name), getattr(ref, name), name)
        for t in prog.tensors.values():
            np.testing.assert_array_equal(
                res.state.read_tensor(t, raw=True), ref.read_tensor(t, raw=True), t.name
            )
    assert fast.cycles == pe.cycles
    assert fast.counters == pe.counters
    assert fast.by_tag == pe.by_tag
    assert fast.events == pe.events
    c = fast.counters
    for u in Unit:
        assert c.idle(u) >= 0 and c.busy[u] + c.idle(u) + c.stall(u) == c.cycles
    assert sum(t.cycles for t in fast.by_tag.values()) == fast.cycles
    assert c.instructions == len(prog.instrs) - 1  # halt runs on no unit
    assert pe.pe_updates > 0 or c.macs == 0


@pytest.mark.parametrize("seed", range(24))
def test_random_gemm_programs(seed):
    rng = np.random.default_rng(seed)
    cfg = random_chip(rng)
    m, k, n = (int(v) for v in rng.integers(1, 13, 3))
    a, b = operands(cfg, rng, m, k, n)
    if seed % 2:
        prog = gemm_program(cfg, a, b)
    else:
        prog = tiled_gemm(cfg, a, b, block_rows=int(rng.integers(1, 9)))
    check_agree(prog)
    if cfg.input_dtype is DType.INT8:  # and the program computes the GEMM
        got = run_machine(prog).state.read_tensor(prog.tensor("C"))
        np.testing.assert_array_equal(got, a.astype(np.int64) @ b.astype(np.int64))


def random_vector_program(cfg: ChipConfig, rng) -> Program:
    """Loads into both memories, a random chain of vector functions, stores of both."""
    n_rows, w = 12, cfg.row_elems
    sdt, adt = cfg.input_dtype, cfg.acc_dtype
    tensors = {
        "X": TensorInfo("X", 0, (n_rows, w), adt, TensorKind.INPUT),
        "S": TensorInfo("S", 4096, (n_rows, w), sdt, TensorKind.INPUT),
        "Y": TensorInfo("Y", 8192, (n_rows, w), adt, TensorKind.OUTPUT),
        "T": TensorInfo("T", 12288, (n_rows, w), sdt, TensorKind.OUTPUT),
    }
    x = rng.standard_normal((n_rows, w)) * 4
    init = {"X": to_storage(x, adt), "S": to_storage(x[::-1], sdt)}
    # rows 0..11 of the accumulator and of the scratchpad hold data; the second copy region
    # starts in another bank when there are several
    s_hi, a_hi = cfg.spad_rows // 2, cfg.acc_rows // 2
    instrs = [
        Load(dram=0, dst=acc(0), rows=n_rows, cols=w, stride=w * adt.nbytes, transpose=False),
        Load(
            dram=4096,
            dst=sp(0),
            rows=n_rows,
            cols=w,
            stride=w * sdt.nbytes,
            transpose=False,
            push_next=True,
        ),
    ]
    regions = [acc(0), sp(0)]
    ops = [op for op in VecOp if op is not VecOp.CSUM] + [VecOp.CSUM]
    vecs = []
    for _ in range(int(rng.integers(2, 9))):
        op = ops[rng.integers(len(ops))]
        rows = int(rng.integers(1, 5))
        cols = int(rng.integers(1, w + 1))
        src1 = regions[rng.integers(2)].offset(int(rng.integers(0, n_rows - rows + 1)))
        src2 = regions[rng.integers(2)].offset(int(rng.integers(0, n_rows - rows + 1)))
        dst_region = regions[rng.integers(2)]
        dst = dst_region.offset(int(rng.integers(0, n_rows - rows + 1)))
        if rng.integers(3) == 0:  # a destination in another bank, copied back later
            dst = sp(s_hi) if dst_region.mem is sp(0).mem else acc(a_hi)
        imm = float(rng.standard_normal()) if op in VEC_USES_IMM else 0.0
        if op is VecOp.CVT:  # the immediate names a format
            imm = float(Conversion(list(Format)[rng.integers(len(Format))], bool(imm > 0)).code)
        vecs.append(
            Vec(
                op=op,
                dst=dst,
                src1=src1,
                src2=src2 if op in VEC_READS_B else src1,
                rows=rows,
                cols=cols,
                bcast1=bool(rng.integers(2)),
                bcast2=bool(rng.integers(2)),
                imm=imm,
            )
        )
    # every row read later must have been written: copy the full regions once up front
    vecs.insert(
        0,
        Vec(
            op=VecOp.COPY,
            dst=sp(s_hi),
            src1=sp(0),
            src2=sp(0),
            rows=n_rows,
            cols=w,
            bcast1=False,
            bcast2=False,
            imm=0.0,
        ),
    )
    vecs.insert(
        1,
        Vec(
            op=VecOp.COPY,
            dst=acc(a_hi),
            src1=acc(0),
            src2=acc(0),
            rows=n_rows,
            cols=w,
            bcast1=False,
            bcast2=False,
            imm=0.0,
        ),
    )
    vecs[0] = vecs[0].with_deps(pop_prev=True)
    vecs[-1] = vecs[-1].with_deps(push_next=True)
    stores = [
        Store(
            dram=8192,
            src=acc(0),
            rows=n_rows,
            cols=w,
            stride=w * adt.nbytes,
            transpose=False,
            pop_prev=True,
        ),
        Store(dram=12288, src=sp(0), rows=n_rows, cols=w, stride=w * sdt.nbytes, transpose=False),
    ]
    instrs += vecs + stores
    tags = (
        [Tag("load", Phase.FORWARD)] * 2
        + [Tag("vec", Phase.BACKWARD)] * len(vecs)
        + [Tag("store", Phase.OPTIMIZER)] * 2
    )
    return Program(cfg, tuple(instrs + [Halt()]), tuple(tags + [tags[-1]]), tensors, init)


@pytest.mark.parametrize("seed", range(24))
def test_random_vector_programs(seed):
    rng = np.random.default_rng(1000 + seed)
    cfg = random_chip(rng)
    with np.errstate(all="ignore"):
        check_agree(random_vector_program(cfg, rng))


@pytest.mark.parametrize("dataflow", ["ws", "os", "is"])
def test_edge_preset_gemm(dataflow):
    # the default 16x16 bf16 chip, several folds per dimension, both generators
    cfg = ChipConfig.from_toml("edge").replace(dataflow=Dataflow(dataflow))
    rng = np.random.default_rng(7)
    a, b = operands(cfg, rng, 40, 37, 33)
    check_agree(tiled_gemm(cfg, a, b, block_rows=24))
    check_agree(gemm_program(cfg, a, b))
