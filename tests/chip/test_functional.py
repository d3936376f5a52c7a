import numpy as np
import pytest

from chip.config import ChipConfig, Dataflow
from chip.dtypes import DType, round_bf16
from chip.errors import ProgramError
from chip.functional import run_functional
from chip.isa import Halt, Load, Matmul, Preload, Store, Vec, VecOp, acc, sp
from chip.program import Phase, Program, Tag, TensorInfo, TensorKind
from tests.programs import gemm_program, softmax_program


def chip(dataflow: str, dtype: str) -> ChipConfig:
    return ChipConfig.from_toml("tiny").replace(
        dataflow=Dataflow(dataflow), input_dtype=DType(dtype)
    )


def reference_gemm(a: np.ndarray, b: np.ndarray, cfg: ChipConfig) -> np.ndarray:
    """C = A @ B in the documented order, written independently of chip/semantics.py."""
    m, k = a.shape
    n = b.shape[1]
    if cfg.input_dtype is DType.INT8:
        return (a.astype(np.int64) @ b.astype(np.int64)).astype(np.int32)
    c = np.zeros((m, n), dtype=np.float32)
    if cfg.dataflow is Dataflow.OS:
        # each output accumulates over the whole K in one pass, t = 0..K-1
        for i in range(m):
            for j in range(n):
                p = np.float32(0)
                for t in range(k):
                    p = np.float32(p + np.float32(a[i, t] * b[t, j]))
                c[i, j] = p
        return c
    for k0 in range(0, k, cfg.rows):  # one partial sum per K tile, added to the accumulator
        for i in range(m):
            for j in range(n):
                p = np.float32(0)
                for t in range(k0, min(k, k0 + cfg.rows)):
                    p = np.float32(p + np.float32(a[i, t] * b[t, j]))
                c[i, j] = p if k0 == 0 else np.float32(c[i, j] + p)
    return c


def operands(cfg: ChipConfig, m: int, k: int, n: int, seed: int):
    rng = np.random.default_rng(seed)
    if cfg.input_dtype is DType.INT8:
        return (
            rng.integers(-128, 128, (m, k)).astype(np.int8),
            rng.integers(-128, 128, (k, n)).astype(np.int8),
        )
    a = rng.standard_normal((m, k)).astype(np.float32)
    b = rng.standard_normal((k, n)).astype(np.float32)
    if cfg.input_dtype is DType.BF16:
        a, b = round_bf16(a), round_bf16(b)
    return a, b


@pytest.mark.parametrize("dtype", ["int8", "bf16", "fp32"])
@pytest.mark.parametrize("dataflow", ["ws", "os", "is"])
def test_tiled_gemm_larger_than_array(dataflow, dtype):
    cfg = chip(dataflow, dtype)
    m, k, n = 10, 11, 9  # 3 x 3 x 3 tiles of a 4x4 array, all of them ragged
    a, b = operands(cfg, m, k, n, seed=len(dataflow) + len(dtype))
    prog = gemm_program(cfg, a, b)
    got = run_functional(prog).state.read_tensor(prog.tensor("C"))
    expected = reference_gemm(a, b, cfg)
    np.testing.assert_array_equal(got, expected)
    exact = a.astype(np.float64) @ b.astype(np.float64)
    np.testing.assert_allclose(got, exact, rtol=1e-5, atol=1e-4)


def test_int8_accumulation_wraps_at_32_bits():
    cfg = chip("ws", "int8")
    a = np.full((1, 4), -128, dtype=np.int8)
    b = np.full((4, 1), -128, dtype=np.int8)
    prog = gemm_program(cfg, a, b)
    assert run_functional(prog).state.read_tensor(prog.tensor("C"))[0, 0] == 4 * 16384


@pytest.mark.parametrize("dtype", ["bf16", "fp32"])
def test_vector_softmax(dtype):
    cfg = ChipConfig.from_toml("edge").replace(input_dtype=DType(dtype))
    x = np.random.default_rng(3).standard_normal((6, 10)).astype(np.float32) * 4
    prog = softmax_program(cfg, x)
    got = run_functional(prog).state.read_tensor(prog.tensor("Y"))
    e = np.exp(x.astype(np.float64) - x.max(axis=1, keepdims=True))
    np.testing.assert_allclose(got, e / e.sum(axis=1, keepdims=True), rtol=2e-6, atol=1e-7)
    np.testing.assert_allclose(got.sum(axis=1), 1.0, rtol=1e-6)


def small_program(instrs, cfg=None):
    cfg = cfg or ChipConfig.from_toml("tiny")
    tensors = {"X": TensorInfo("X", 0, (4, 4), DType.INT8, TensorKind.INPUT)}
    init = {"X": np.arange(16, dtype=np.int8).reshape(4, 4)}
    tags = [Tag("t", Phase.FORWARD)] * len(instrs)
    return Program(cfg, tuple(instrs), tuple(tags), tensors, init)


def ld(**kw):
    base = dict(dram=0, dst=sp(0), rows=4, cols=4, stride=4, transpose=False)
    return Load(**{**base, **kw})


@pytest.mark.parametrize(
    "instrs, message",
    [
        ([ld(dram=16 * 2**20 - 8)], r"instruction 0 \(load\): load source: DRAM bytes up to"),
        (
            [ld(dst=sp(4095))],
            r"instruction 0 \(load\): load destination: rows sp:4095..4098 exceed",
        ),
        ([ld(cols=5)], "5 elements per row exceed the 4-element rows"),
        (
            [ld(), Preload(src=8, rows=4, cols=4)],
            r"instruction 1 \(preload\): preload source: reads scratchpad row 8 element 0, "
            "which was never written",
        ),
        (
            [
                ld(),
                Preload(src=0, rows=4, cols=4),
                Matmul(x=0, y=0, out=0, t=2, rows=4, cols=5, accumulate=False),
            ],
            r"instruction 2 \(matmul\): cols=5 exceeds the array's 4 columns",
        ),
        (
            [ld(), Matmul(x=0, y=0, out=0, t=2, rows=4, cols=4, accumulate=False)],
            "no stationary tile: a preload must come first",
        ),
        (
            [
                ld(),
                Preload(src=0, rows=4, cols=4),
                Matmul(x=0, y=0, out=0, t=2, rows=3, cols=4, accumulate=False),
            ],
            "rows=3 cols=4 differ from the preloaded 4x4 tile",
        ),
        (
            [
                ld(),
                Preload(src=0, rows=4, cols=4),
                Matmul(x=0, y=0, out=0, t=1, rows=4, cols=4, accumulate=True),
            ],
            "matmul accumulate: reads accumulator row 0 element 0, which was never written",
        ),
        (
            [ld(dram=2, dst=acc(0), stride=16)],
            "DRAM address 0x2 and stride 16 must be multiples of the 4-byte int32",
        ),
        (
            [Store(dram=0, src=acc(0), rows=1, cols=1, stride=4, transpose=False)],
            "store source: reads accumulator row 0",
        ),
        ([ld(push_prev=True)], "the load queue has no previous queue"),
        (
            [
                ld(),
                Vec(
                    op=VecOp.ADD,
                    dst=acc(0),
                    src1=sp(0),
                    src2=sp(0),
                    rows=4,
                    cols=4,
                    bcast1=False,
                    bcast2=False,
                    imm=2.0,
                ),
            ],
            "imm=2.0 must be 0 for ADD",
        ),
    ],
)
def test_bad_programs_name_instruction_and_problem(instrs, message):
    with pytest.raises(ProgramError, match=message):
        run_functional(small_program(instrs + [Halt()]))


def test_preload_rejected_in_output_stationary():
    cfg = ChipConfig.from_toml("tiny").replace(dataflow=Dataflow.OS)
    with pytest.raises(ProgramError, match="preload is not used by the output-stationary"):
        run_functional(small_program([ld(), Preload(src=0, rows=4, cols=4)], cfg))


def test_transposing_load_and_store():
    cfg = ChipConfig.from_toml("tiny")
    prog = small_program(
        [
            ld(transpose=True),
            Vec(
                op=VecOp.COPY,
                dst=acc(0),
                src1=sp(0),
                src2=sp(0),
                rows=4,
                cols=4,
                bcast1=False,
                bcast2=False,
                imm=0.0,
            ),
            Store(dram=64, src=acc(0), rows=4, cols=4, stride=16, transpose=True),
        ],
        cfg,
    )
    st = run_functional(prog).state
    np.testing.assert_array_equal(st.spad[:4], np.arange(16).reshape(4, 4).T)
    back = st.dram[64:128].view(np.int32).reshape(4, 4)
    np.testing.assert_array_equal(back, np.arange(16).reshape(4, 4))


def test_requantize_int32_to_int8_rounds_half_even_and_saturates():
    cfg = ChipConfig.from_toml("tiny")
    vals = np.array([[5, 7, -5, 1000]], dtype=np.int32)
    tensors = {"V": TensorInfo("V", 0, (1, 4), DType.INT32, TensorKind.INPUT)}
    prog = Program(
        cfg,
        (
            Load(dram=0, dst=acc(0), rows=1, cols=4, stride=16, transpose=False),
            Vec(
                op=VecOp.MULI,
                dst=sp(0),
                src1=acc(0),
                src2=acc(0),
                rows=1,
                cols=4,
                bcast1=False,
                bcast2=False,
                imm=0.5,
            ),
            Halt(),
        ),
        (Tag("q", Phase.FORWARD),) * 3,
        tensors,
        {"V": vals},
    )
    st = run_functional(prog).state
    np.testing.assert_array_equal(st.spad[0], [2, 4, -2, 127])
