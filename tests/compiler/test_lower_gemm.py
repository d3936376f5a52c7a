"""MATMUL lowering on all dataflows and dtypes: functional model vs NumPy, machine agreement."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chip.config import ChipConfig, Dataflow
from chip.dtypes import DType, round_bf16
from chip.functional import run_functional
from chip.isa import Load, Matmul, Store
from chip.machine import run_machine
from chip.state import ChipState
from compiler.ir import Op
from compiler.ir_builder import IRBuilder
from compiler.lower.hazards import E, L, S
from compiler.lower.program import lower
from compiler.lower.tiling import Budget, plan_stationary


def chip(dataflow: str, dtype: str, **changes) -> ChipConfig:
    return ChipConfig.from_toml("tiny").replace(
        dataflow=Dataflow(dataflow), input_dtype=DType(dtype), **changes
    )


def matmul_graph(m: int, k: int, n: int, dtype: DType, ta: bool, tb: bool):
    b = IRBuilder("mm")
    a = b.input("a", (k, m) if ta else (m, k), dtype=dtype)
    w = b.input("b", (n, k) if tb else (k, n), dtype=dtype)
    b.output("c", b.matmul(a, w, trans_a=ta, trans_b=tb, name="mm"))
    return b.build()


def operands(dtype: DType, m: int, k: int, n: int, seed: int):
    rng = np.random.default_rng(seed)
    if dtype is DType.INT8:
        return rng.integers(-128, 128, (m, k)), rng.integers(-128, 128, (k, n))
    a, b = rng.standard_normal((m, k)), rng.standard_normal((k, n))
    if dtype is DType.BF16:
        return round_bf16(a), round_bf16(b)
    return a.astype(np.float32), b.astype(np.float32)


def ordered_gemm(a: np.ndarray, b: np.ndarray, chunk: int) -> np.ndarray:
    """fp32 C = A @ B in the documented order: a partial sum per K chunk (products rounded to
    fp32, summed in k order from 0), the chunks added to the accumulator in order."""
    a32, b32 = a.astype(np.float32), b.astype(np.float32)
    c = np.zeros((a.shape[0], b.shape[1]), dtype=np.float32)
    for k0 in range(0, a.shape[1], chunk):
        p = np.zeros_like(c)
        for kk in range(k0, min(a.shape[1], k0 + chunk)):
            p = p + np.outer(a32[:, kk], b32[kk, :]).astype(np.float32)
        c = p if k0 == 0 else c + p
    return c


def run(
    cfg: ChipConfig,
    ta: bool,
    tb: bool,
    m: int,
    k: int,
    n: int,
    seed: int = 0,
    machine: bool = False,
):
    lowered = lower(matmul_graph(m, k, n, cfg.input_dtype, ta, tb), cfg)
    prog = lowered.program
    a, b = operands(cfg.input_dtype, m, k, n, seed)
    state = ChipState(cfg)
    state.load_program(prog)
    state.write_tensor(prog.tensor("a"), a.T if ta else a)
    state.write_tensor(prog.tensor("b"), b.T if tb else b)
    if machine:
        out = run_machine(prog, state=state).state.read_tensor(prog.tensor("c"))
    else:
        out = run_functional(prog, state).state.read_tensor(prog.tensor("c"))
    return out, a, b, lowered


@pytest.mark.parametrize("trans", [(False, False), (True, False), (False, True), (True, True)])
@pytest.mark.parametrize("dtype", ["int8", "bf16", "fp32"])
@pytest.mark.parametrize("dataflow", ["ws", "is", "os"])
def test_matmul_matches_numpy(dataflow, dtype, trans):
    cfg = chip(dataflow, dtype)
    out, a, b, lowered = run(cfg, *trans, m=10, k=11, n=9)
    if cfg.input_dtype is DType.INT8:
        assert np.array_equal(out, (a @ b).astype(np.int32))  # exact, int32 accumulation
        return
    # WS/IS add one partial sum per R rows of K; OS one per K chunk of the chosen plan.
    chunk = cfg.rows
    if cfg.dataflow is Dataflow.OS:
        chunk = int(lowered.notes[0].split(" tb=")[1].split()[0])
    assert np.array_equal(out, ordered_gemm(a, b, chunk))
    ref = a.astype(np.float64) @ b.astype(np.float64)
    assert (np.abs(out - ref) <= 1e-5 * (np.abs(a) @ np.abs(b))).all()


@pytest.mark.parametrize("dataflow", ["ws", "is", "os"])
def test_machine_agrees_and_tokens_cover_hazards(dataflow):
    # the machine faults on any cross-queue hazard the tokens do not order
    cfg = chip(dataflow, "int8")
    fun, a, b, lowered = run(cfg, False, True, m=13, k=9, n=7, seed=3)
    mach, *_ = run(cfg, False, True, m=13, k=9, n=7, seed=3, machine=True)
    assert np.array_equal(fun, mach)
    pushes = {ch: 0 for ch in ("le", "el", "es", "se")}
    pops = dict(pushes)
    for ins in lowered.program.instrs:
        q = {Load: L, Store: S}.get(type(ins), E)
        pushes["le" if q == L else "es" if q == E else "se"] += ins.push_next if q != S else 0
        pushes["el" if q == E else "se"] += ins.push_prev if q != L else 0
        pops["el" if q == L else "se" if q == E else "es"] += ins.pop_next if q != S else 0
        pops["le" if q == E else "es"] += ins.pop_prev if q != L else 0
    assert pushes == pops


@pytest.mark.parametrize("dataflow", ["ws", "is", "os"])
def test_small_scratchpad_forces_streaming(dataflow):
    # 1 KiB = 256 int8 rows of 4: operands far bigger than that
    cfg = chip(dataflow, "int8", spad_kib=1, spad_banks=1)
    out, a, b, lowered = run(cfg, False, False, m=70, k=90, n=60, seed=1)
    assert np.array_equal(out, (a @ b).astype(np.int32))
    assert "fitting 256 spad" in lowered.notes[0]


def test_double_buffering_overlaps_loads_with_compute():
    cfg = ChipConfig.from_toml("edge")
    prog = lower(matmul_graph(64, 64, 64, DType.BF16, False, False), cfg).program
    res = run_machine(prog)
    kind = [type(prog.instrs[e.index]) for e in res.events]
    matmuls = [e for e, k in zip(res.events, kind, strict=True) if k is Matmul]
    loads = [e for e, k in zip(res.events, kind, strict=True) if k is Load]
    overlapped = [ld for ld in loads if any(m.start < ld.end and ld.start < m.end for m in matmuls)]
    assert len(overlapped) >= len(loads) // 2


def test_cost_model_prefers_resident_operand_and_explains():
    cfg = ChipConfig.from_toml("edge")
    budget = Budget(cfg.spad_rows, cfg.acc_rows - 1, 2, 2, 4)
    plan = plan_stationary(cfg, 256, 512, 256, budget)
    assert plan.resident
    assert "cheapest of" in plan.why and "candidates" in plan.why
    assert plan.cycles >= plan.compute_cycles


def test_gemm_too_big_for_chip_raises():
    cfg = chip("ws", "int8", spad_kib=1, spad_banks=1, acc_kib=1, acc_banks=1)
    budget = Budget(2, 1, 1, 1, 4)
    with pytest.raises(ValueError, match="does not fit chip"):
        plan_stationary(cfg, 8, 8, 8, budget)


def test_report_lists_every_gemm_with_its_choice():
    lowered = lower(matmul_graph(20, 30, 40, DType.INT8, False, False), chip("ws", "int8"))
    text = lowered.report()
    assert "instructions (forward" in text
    assert "mm: ws gemm T=20 K=30 N=40" in text and "cheapest of" in text


@pytest.mark.parametrize("dataflow", ["ws", "os"])
def test_update_fused_into_a_gemm_that_reads_the_old_value_is_not_in_place(dataflow):
    # W <- W - 0.1 * (X @ W): the subtraction runs as the GEMM's epilogue, tile by tile, while
    # later tiles still read the old W, so the new W must not overwrite it in place
    from tests.compiler.lowering_helpers import check_graph

    b = IRBuilder("self_update")
    x = b.input("x", (9, 9))
    w = b.param("w", np.random.default_rng(0).standard_normal((9, 9)))
    y = b.matmul(x, w, name="mm")
    b.updates["w"] = b.add(Op.SUB, (w, b.scale(y, 0.1, "s")), "upd")
    b.output("y", y)
    cfg = chip(dataflow, "fp32")
    check_graph(
        b.build(),
        cfg,
        {"x": np.random.default_rng(1).standard_normal((9, 9))},
        rtol=1e-5,
        machine=True,
    )


@settings(max_examples=25, deadline=None)
@given(
    m=st.integers(1, 40),
    k=st.integers(1, 40),
    n=st.integers(1, 40),
    rows=st.sampled_from([2, 4, 8]),
    cols=st.sampled_from([2, 4, 8]),
    dataflow=st.sampled_from(["ws", "is", "os"]),
    trans=st.tuples(st.booleans(), st.booleans()),
    spad_kib=st.sampled_from([1, 2, 16]),
)
def test_random_gemm_shapes_and_arrays_are_exact_for_int8(
    m, k, n, rows, cols, dataflow, trans, spad_kib
):
    cfg = ChipConfig.from_toml("tiny").replace(
        rows=rows, cols=cols, dataflow=Dataflow(dataflow), spad_kib=spad_kib, spad_banks=1
    )
    out, a, b, _ = run(cfg, *trans, m=m, k=k, n=n, seed=m * k + n)
    assert np.array_equal(out, (a @ b).astype(np.int32))


def test_operand_rings_are_as_deep_as_the_load_queue_when_rows_allow():
    # 16 K chunks x 4 column tiles of B on the 4x4 tiny chip: with rows to spare the S tiles
    # rotate through queue_depth slots (loads run that far ahead of the array), and the
    # product is still the documented one, on the machine too
    from chip.isa import Preload

    cfg = chip("ws", "int8")
    out, a, b, lowered = run(cfg, False, False, 8, 64, 16, machine=True)
    assert np.array_equal(out, a.astype(np.int64) @ b.astype(np.int64))
    slots = {i.src for i in lowered.program.instrs if isinstance(i, Preload)}
    assert 2 < len(slots) <= cfg.queue_depth
