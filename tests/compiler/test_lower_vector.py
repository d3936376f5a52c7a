"""Vector-unit lowering, op by op, on a 4-wide fp32 chip so rows split into chunks."""

import numpy as np
import pytest

from chip.asm import format_instr
from chip.config import ChipConfig
from chip.dtypes import DType
from compiler.ir import Op
from compiler.ir_builder import IRBuilder
from compiler.lower.context import LoweringError
from compiler.lower.program import lower
from tests.compiler.lowering_helpers import check_graph


def fp32_tiny() -> ChipConfig:
    return ChipConfig.from_toml("tiny").replace(input_dtype=DType.FP32)


def one_op(op: Op, shapes: list[tuple[int, ...]], **attrs):
    b = IRBuilder(op.value)
    ins = [b.input(f"in{i}", s) for i, s in enumerate(shapes)]
    b.output("y", b.add(op, ins, "op", **attrs))
    return b.build()


def data(shapes, seed=0, positive=False):
    rng = np.random.default_rng(seed)
    out = {}
    for i, s in enumerate(shapes):
        v = rng.standard_normal(s)
        out[f"in{i}"] = np.abs(v) + 0.5 if positive else v
    return out


SHAPE = (3, 10)  # 10 columns: chunks of 4, 4, 2 on a 4-wide chip; 30 elements flat


@pytest.mark.parametrize("op", [Op.ADD, Op.SUB, Op.MUL, Op.MAX, Op.GREATER, Op.EQUAL, Op.RELU_GRAD])
@pytest.mark.parametrize(
    "second", [SHAPE, (10,), (3, 1), (1,)], ids=["full", "row", "rowscalar", "scalar"]
)
def test_binary_with_broadcasts(op, second):
    shapes = [SHAPE, second]
    inputs = data(shapes)
    if op is Op.EQUAL:
        inputs["in1"] = (
            np.broadcast_to(inputs["in0"], SHAPE)[:1, :]
            .reshape(-1)[: np.prod(second)]
            .reshape(second)
            if second != SHAPE
            else inputs["in0"].copy()
        )
    check_graph(one_op(op, shapes), fp32_tiny(), inputs, rtol=1e-6)


@pytest.mark.parametrize(
    "op,attrs,positive",
    [
        (Op.RELU, {}, False),
        (Op.SIGMOID, {}, False),
        (Op.TANH, {}, False),
        (Op.EXP, {}, False),
        (Op.LOG, {}, True),
        (Op.RECIP, {}, True),
        (Op.RSQRT, {}, True),
        (Op.SQRT, {}, True),
        (Op.SCALE, {"value": -2.5}, False),
        (Op.ADD_CONST, {"value": 0.75}, False),
    ],
)
def test_unary(op, attrs, positive):
    check_graph(
        one_op(op, [(5, 7)], **attrs), fp32_tiny(), data([(5, 7)], positive=positive), rtol=1e-6
    )


@pytest.mark.parametrize("op", [Op.REDUCE_SUM, Op.REDUCE_MAX])
@pytest.mark.parametrize("axis", [-1, 0])
def test_reductions(op, axis):
    check_graph(one_op(op, [(6, 10)], axis=axis), fp32_tiny(), data([(6, 10)]), rtol=1e-6)


def test_fill_and_cast_to_bf16():
    cfg = ChipConfig.from_toml("tiny").replace(input_dtype=DType.BF16)
    b = IRBuilder("cast")
    x = b.input("x", (3, 9))
    c = b.add(Op.CAST, (x,), "c", dtype=DType.BF16)
    b.output("c", c)
    b.output("f", b.fill((2, 5), 1.5, "f"))
    b.output("back", b.add(Op.CAST, (c,), "back", dtype=DType.FP32))
    check_graph(b.build(), cfg, {"x": data([(3, 9)])["in0"]}, rtol=0.0)


@pytest.mark.parametrize("op", [Op.SOFTMAX_CE, Op.SOFTMAX_CE_GRAD])
@pytest.mark.parametrize("classes", [3, 10])
def test_softmax_cross_entropy(op, classes):
    rng = np.random.default_rng(1)
    shapes = [(6, classes), (6, classes)]
    labels = np.eye(classes)[rng.integers(0, classes, 6)]
    inputs = {"in0": 3 * rng.standard_normal((6, classes)), "in1": labels}
    check_graph(one_op(op, shapes), fp32_tiny(), inputs, rtol=2e-6)


@pytest.mark.parametrize("op", [Op.MSE, Op.MSE_GRAD])
def test_mean_squared_error(op):
    check_graph(one_op(op, [(5, 7), (5, 7)]), fp32_tiny(), data([(5, 7), (5, 7)]), rtol=1e-6)


def test_many_rows_use_several_blocks():
    # 1200 rows x 10 cols: more rows than one frame of the tiny accumulator holds
    shapes = [(1200, 10), (10,)]
    check_graph(one_op(Op.ADD, shapes), fp32_tiny(), data(shapes), rtol=1e-6, machine=True)


def test_float_op_on_int8_chip_uses_the_accumulators_fp32_view():
    cfg = ChipConfig.from_toml("tiny")  # int8 inputs, int32 accumulators
    graph = one_op(Op.SIGMOID, [(5, 7)])
    text = "\n".join(format_instr(i) for i in lower(graph, cfg).program.instrs)
    assert "accf:" in text and " acc:" not in text  # fp32 values never pass as int32
    check_graph(graph, cfg, data([(5, 7)]), rtol=1e-6, machine=True)


def test_type_no_memory_of_the_chip_holds_is_rejected():
    cfg = ChipConfig.from_toml("tiny")  # int8 scratchpad, int32 (and fp32-view) accumulator
    b = IRBuilder("bf16")
    x = b.input("x", (2, 3), dtype=DType.BF16)
    b.output("y", b.add(Op.RELU, (x,), "relu"))
    with pytest.raises(LoweringError, match="bf16 tensors cannot be held on chip 'tiny'"):
        lower(b.build(), cfg)


def test_network_too_big_for_dram_names_the_sizes():
    from compiler.lower.memory import DramOverflow

    cfg = ChipConfig.from_toml("tiny").replace(input_dtype=DType.FP32, dram_mib=1)
    with pytest.raises(DramOverflow, match="needs .* bytes of DRAM .* chip 'tiny' has 1048576"):
        lower(one_op(Op.ADD, [(600, 600), (600, 600)]), cfg)


def test_composite_op_must_be_decomposed_first():
    b = IRBuilder("softmax")
    x = b.input("x", (2, 3))
    b.output("y", b.add(Op.SOFTMAX, (x,), "sm"))
    with pytest.raises(LoweringError, match="op softmax has no lowering"):
        lower(b.build(), fp32_tiny())


def test_values_that_never_leave_a_fusion_group_take_no_dram():
    from compiler.lower.memory import ON_CHIP_ONLY
    from compiler.lower.units import lower_units

    b = IRBuilder("chain")
    x = b.input("x", (64, 16))
    h = b.add(Op.RELU, (b.scale(x, 2.0, "double"),), "relu")
    b.output("y", b.add_const(h, 1.0, "shift"))
    graph = b.build()
    cfg = ChipConfig.from_toml("edge")
    plan = lower_units(graph, cfg)[1]
    inner = [n.id for n in graph.nodes if n.op in (Op.SCALE, Op.RELU)]
    assert all(plan.bufs[i].addr == ON_CHIP_ONLY for i in inner)
    assert plan.scratch_bytes == 0  # x and y are named tensors; nothing in between
    check_graph(graph, cfg, {"x": data([(64, 16)])["in0"]}, rtol=1e-6, machine=True)


def test_vector_update_runs_as_one_block_with_a_scalar_operand():
    # b - lr * g over a 48-vector: three rows of 16 in one instruction per op (not three
    # single-row column blocks), lr loaded once as a broadcast row; values as NumPy's
    from compiler.lower.vector import Broadcast, broadcast_role

    assert broadcast_role((48,), (1,)) is Broadcast.SCALAR
    assert broadcast_role((4, 48), (4, 1)) is Broadcast.ROW_SCALAR
    b = IRBuilder("update")
    w = b.input("w", (48,))
    g = b.input("g", (48,))
    lr = b.input("lr", (1,))
    b.output("out", b.add(Op.SUB, (w, b.add(Op.MUL, (g, lr)))))
    graph = b.build()
    rng = np.random.default_rng(0)
    feeds = {"w": rng.standard_normal(48), "g": rng.standard_normal(48), "lr": np.array([0.1])}
    cfg = ChipConfig.from_toml("edge")
    assert check_graph(graph, cfg, feeds, rtol=1e-6, machine=True) <= 1e-6
    text = [format_instr(i) for i in lower(graph, cfg).program.instrs]
    assert any("op=MUL" in t and "rows=3 " in t and "bcast2=1" in t for t in text)
