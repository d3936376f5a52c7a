"""Pooling with the images across the vector lanes (compiler/lower/pool_lanes.py), forward and
the disjoint gradient: chosen when the channels fill fewer lanes than the images, and bit for
bit the values of the channel layout, ties and the folded ReLU gradient included; and the
gradient storing the cast of its value (compiler/lower/pool_fusion.py's `fuse_casts`) bit for bit
as the cast alone does, and summing its channels (the bias gradient) on chip; the max gradient
keeps what its DMAs load and what its vector unit writes in separate banks."""

import numpy as np
import pytest

from chip.config import ChipConfig
from chip.dtypes import DType
from chip.isa import Load, Mem, Store, Vec, VecOp
from chip.machine import run_machine
from compiler.ir import Op
from compiler.ir_builder import IRBuilder
from compiler.lower import pool, pool_grad, units
from compiler.lower.program import lower
from compiler.reference import evaluate
from tests.compiler.lowering_helpers import run_on_chip
from tests.compiler.test_lower_conv import fp32_tiny


def pool_grad_graph(op: Op, x_shape, relu_mask: bool = False):
    b = IRBuilder("lanes")
    x = b.input("x", x_shape)
    attrs = dict(kernel=(2, 2), stride=(2, 2), padding=(0, 0, 0, 0))
    fwd = Op.MAXPOOL2D if op is Op.MAXPOOL2D_GRAD else Op.AVGPOOL2D
    dy = b.input("dy", b.shape(b.add(fwd, (x,), "pool", **attrs)))
    if relu_mask:
        attrs["relu_mask"] = True
    b.output("dx", b.add(op, (x, dy), "grad", **attrs))
    rng = np.random.default_rng(11)
    # rounded to tenths: ties (several maxima, zeros) in many windows
    inputs = {
        "x": np.round(rng.standard_normal(x_shape), 1),
        "dy": rng.standard_normal(b.shape(dy)),
    }
    return b.build(), inputs


def loads(lowered) -> int:
    return sum(1 for i in lowered.program.instrs if isinstance(i, Load))


def transposed_dmas(lowered) -> int:
    return sum(1 for i in lowered.program.instrs if isinstance(i, Load | Store) and i.transpose)


CASES = [  # (chip, input NHWC): images beyond one lane group, pixels and channels split
    (fp32_tiny(), (9, 4, 6, 2)),
    (fp32_tiny().replace(acc_kib=1, acc_banks=1), (7, 4, 8, 3)),
    (ChipConfig.from_toml("edge"), (20, 4, 4, 8)),
]


@pytest.mark.parametrize("case", CASES, ids=["tiny", "small-acc", "edge"])
@pytest.mark.parametrize(
    "op,relu_mask",
    [(Op.MAXPOOL2D_GRAD, False), (Op.MAXPOOL2D_GRAD, True), (Op.AVGPOOL2D_GRAD, False)],
)
def test_lanes_equal_the_channel_layout_bit_for_bit(case, op, relu_mask, monkeypatch):
    cfg, x_shape = case
    graph, inputs = pool_grad_graph(op, x_shape, relu_mask)
    lanes = lower(graph, cfg)
    assert transposed_dmas(lanes) > 0
    got = run_on_chip(lanes, inputs, machine=True)["dx"]
    monkeypatch.setattr(pool_grad, "lanes_pay", lambda ctx, n, c: False)
    channels = lower(graph, cfg)
    assert transposed_dmas(channels) == 0
    np.testing.assert_array_equal(got, run_on_chip(channels, inputs, machine=True)["dx"])
    want = evaluate(graph, inputs, round_casts=True).outputs["dx"]
    np.testing.assert_allclose(got, want, rtol=1e-2 if cfg.name == "edge" else 1e-6, atol=1e-6)


def test_lanes_only_where_they_fill_more_lanes():
    # 16 channels fill the edge chip's 16 lanes: the channel layout stays
    graph, _ = pool_grad_graph(Op.MAXPOOL2D_GRAD, (32, 4, 4, 16))
    assert transposed_dmas(lower(graph, ChipConfig.from_toml("edge"))) == 0
    graph, _ = pool_grad_graph(Op.MAXPOOL2D_GRAD, (32, 4, 4, 8))
    assert transposed_dmas(lower(graph, ChipConfig.from_toml("edge"))) > 0


def pool_grad_cast_graph(
    op: Op, x_shape, stride=(2, 2), relu_mask: bool = False, cast: DType = DType.BF16
):
    """dx of pooling, its bf16 cast (the weight gradient's operand) and its sum per channel
    (the bias gradient's), as the training step's autodiff writes them."""
    b = IRBuilder("cast")
    x = b.input("x", x_shape)
    attrs = dict(kernel=(2, 2), stride=stride, padding=(0, 0, 0, 0))
    fwd = Op.MAXPOOL2D if op is Op.MAXPOOL2D_GRAD else Op.AVGPOOL2D
    dy = b.input("dy", b.shape(b.add(fwd, (x,), "pool", **attrs)))
    if relu_mask:
        attrs["relu_mask"] = True
    dx = b.add(op, (x, dy), "grad", **attrs)
    flat = b.add(Op.RESHAPE, (dx,), "flat", shape=(-1, x_shape[-1]))
    b.output("db", b.add(Op.REDUCE_SUM, (flat,), "db", axis=0))
    b.output("dx16", b.add(Op.CAST, (dx,), "dx16", dtype=cast))
    rng = np.random.default_rng(12)
    inputs = {"x": np.round(rng.standard_normal(x_shape), 1)}
    inputs["dy"] = rng.standard_normal(b.shape(dy))
    return b.build(), inputs


@pytest.mark.parametrize("op", [Op.MAXPOOL2D_GRAD, Op.AVGPOOL2D_GRAD])
@pytest.mark.parametrize(
    "x_shape,stride,fused",
    [
        ((10, 4, 4, 8), (2, 2), True),
        ((2, 4, 4, 16), (2, 2), True),
        ((2, 4, 7, 8), (2, 3), False),
        ((2, 5, 5, 8), (1, 1), False),
    ],
    ids=["lanes", "channels", "gaps", "overlapping"],
)
def test_cast_stored_by_the_pool_gradient_is_the_cast_bit_for_bit(
    op, x_shape, stride, fused, monkeypatch
):
    cfg = ChipConfig.from_toml("edge")
    graph, inputs = pool_grad_cast_graph(op, x_shape, stride)
    with_cast = lower(graph, cfg)
    got = run_on_chip(with_cast, inputs, machine=True)
    monkeypatch.setattr(units, "fuse_casts", lambda graph, units: units)
    alone = lower(graph, cfg)
    want = run_on_chip(alone, inputs, machine=True)
    # fused, the cast reads no dx back from DRAM: fewer loads; not where dx has elements in
    # no window (gaps) or windows overlap, where the cast is lowered alone after the gradient
    assert (loads(with_cast) < loads(alone)) is fused
    np.testing.assert_array_equal(got["dx16"], want["dx16"])
    if not fused:
        np.testing.assert_array_equal(got["db"], want["db"])


def stored_bytes(lowered) -> int:
    return run_machine(lowered.program, "fast", trace=False).counters.dram_write_bytes


@pytest.mark.parametrize(
    "case",
    [*CASES, (ChipConfig.from_toml("edge"), (6, 4, 4, 16))],
    ids=["tiny", "small-acc", "edge-lanes", "edge-channels"],
)
@pytest.mark.parametrize(
    "op,relu_mask",
    [(Op.MAXPOOL2D_GRAD, False), (Op.MAXPOOL2D_GRAD, True), (Op.AVGPOOL2D_GRAD, False)],
    ids=["max", "max-relu", "avg"],
)
def test_channel_sum_computed_by_the_pool_gradient(case, op, relu_mask, monkeypatch):
    # fused, the bias gradient sums dx's shares on chip and dx (read by nothing else) never
    # reaches DRAM: the sum adds in another order than the REDUCE_SUM's row order, so it is
    # compared with the float64 sum to fp32 rounding; the cast stays bit for bit
    cfg, x_shape = case
    graph, inputs = pool_grad_cast_graph(op, x_shape, relu_mask=relu_mask, cast=cfg.input_dtype)
    fused = lower(graph, cfg)
    got = run_on_chip(fused, inputs, machine=True)
    monkeypatch.setattr(units, "fuse_casts", lambda graph, units: units)
    alone = lower(graph, cfg)
    want = run_on_chip(alone, inputs, machine=True)
    dx_bytes = int(np.prod(x_shape)) * 4
    assert stored_bytes(fused) <= stored_bytes(alone) - dx_bytes
    np.testing.assert_array_equal(got["dx16"], want["dx16"])
    ref = evaluate(graph, inputs, round_casts=True).outputs["db"]
    scale = np.abs(inputs["dy"]).sum()  # bounds every partial sum
    np.testing.assert_allclose(got["db"], ref, rtol=0, atol=scale * 2**-22)
    assert not np.array_equal(ref, np.zeros_like(ref))


@pytest.mark.parametrize("op", [Op.MAXPOOL2D, Op.AVGPOOL2D])
@pytest.mark.parametrize("reshape", [False, True], ids=["nhwc", "flat"])
@pytest.mark.parametrize(
    "case",
    [CASES[0], CASES[2], (ChipConfig.from_toml("edge"), (6, 4, 4, 16))],
    ids=["tiny", "edge-lanes", "edge-channels"],
)
def test_forward_pooling_stores_its_cast(op, reshape, case, monkeypatch):
    # the cast the next GEMM reads (of the output, or of its flattened rows) is stored from
    # the chip by the pooling, bit for bit the cast alone; the pooled value, read by nothing
    # else, never reaches DRAM
    cfg, x_shape = case
    b = IRBuilder("fwd_cast")
    x = b.input("x", x_shape)
    y = b.add(op, (x,), "pool", kernel=(2, 2), stride=(2, 2), padding=(0, 0, 0, 0))
    if reshape:
        y = b.add(Op.RESHAPE, (y,), "flat", shape=(x_shape[0], -1))
    b.output("y16", b.add(Op.CAST, (y,), "y16", dtype=cfg.input_dtype))
    graph = b.build()
    inputs = {"x": np.round(np.random.default_rng(14).standard_normal(x_shape), 1)}
    fused = lower(graph, cfg)
    got = run_on_chip(fused, inputs, machine=True)["y16"]
    monkeypatch.setattr(units, "fuse_casts", lambda graph, units: units)
    alone = lower(graph, cfg)
    np.testing.assert_array_equal(got, run_on_chip(alone, inputs, machine=True)["y16"])
    assert stored_bytes(fused) == got.size * cfg.input_dtype.nbytes  # the cast alone
    assert len(fused.program.instrs) < len(alone.program.instrs)


@pytest.mark.parametrize("case", CASES, ids=["tiny", "small-acc", "edge"])
@pytest.mark.parametrize("op,padding", [(Op.MAXPOOL2D, 0), (Op.AVGPOOL2D, 0), (Op.MAXPOOL2D, 1)])
def test_forward_pooling_by_lanes_equals_the_channel_layout(case, op, padding, monkeypatch):
    cfg, x_shape = case
    b = IRBuilder("fwd")
    x = b.input("x", x_shape)
    pads = (padding, padding, padding, padding)
    b.output("y", b.add(op, (x,), "pool", kernel=(2, 2), stride=(2, 2), padding=pads))
    graph = b.build()
    inputs = {"x": np.round(np.random.default_rng(13).standard_normal(x_shape), 1)}
    lanes = lower(graph, cfg)
    assert transposed_dmas(lanes) > 0
    got = run_on_chip(lanes, inputs, machine=True)["y"]
    monkeypatch.setattr(pool, "lanes_pay", lambda ctx, n, c: False)
    channels = lower(graph, cfg)
    assert transposed_dmas(channels) == 0
    np.testing.assert_array_equal(got, run_on_chip(channels, inputs, machine=True)["y"])
    want = evaluate(graph, inputs, round_casts=True).outputs["y"]
    np.testing.assert_allclose(got, want, rtol=1e-2 if cfg.name == "edge" else 1e-6, atol=1e-6)


def _banks(row: int, rows: int, per_bank: int) -> set[int]:
    return set(range(row // per_bank, (row + rows - 1) // per_bank + 1))


@pytest.mark.parametrize("x_shape", [(32, 8, 8, 8), (32, 4, 4, 16)], ids=["lanes", "channels"])
def test_max_pool_gradient_keeps_its_loads_and_vector_writes_in_separate_banks(x_shape):
    # LeNet's pooling gradients: the next block's loads hold their accumulator bank's write
    # port through the DRAM latency, so the vector unit writes only the other bank; the
    # selections the products read sit in no scratchpad bank that a store reads, and the
    # products are written as the cast shares (no COPY)
    cfg = ChipConfig.from_toml("edge")
    graph, _ = pool_grad_cast_graph(
        Op.MAXPOOL2D_GRAD, x_shape, relu_mask=True, cast=cfg.input_dtype
    )
    prog = lower(graph, cfg).program
    instrs = [ins for ins, tag in zip(prog.instrs, prog.tags, strict=True) if tag.layer == "grad"]
    acc_bank = cfg.acc_rows // cfg.acc_banks
    sp_bank = cfg.spad_rows // cfg.spad_banks
    loaded, written, stored, selections = set(), set(), set(), set()
    for ins in instrs:
        if isinstance(ins, Load) and ins.dst.mem.is_acc:
            loaded |= _banks(ins.dst.row, ins.rows, acc_bank)
        elif isinstance(ins, Vec) and ins.dst.mem.is_acc:
            written |= _banks(ins.dst.row, ins.rows, acc_bank)
        elif isinstance(ins, Store) and ins.src.mem is Mem.SPAD:
            stored |= _banks(ins.src.row, ins.rows, sp_bank)
        if isinstance(ins, Vec) and ins.op is VecOp.MUL and ins.src1.mem is Mem.SPAD:
            selections |= _banks(ins.src1.row, ins.rows, sp_bank)
    assert loaded and written and not loaded & written
    assert selections and stored and not selections & stored
    assert not any(isinstance(ins, Vec) and ins.op is VecOp.COPY for ins in instrs)
