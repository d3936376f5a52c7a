"""A softmax cross-entropy loss and its gradient lowered as one unit (compiler/lower/loss_pair.py)
give the bits the two separate lowerings give, on the fused path and on the fallback."""

import numpy as np
import pytest

from chip.config import ChipConfig
from chip.dtypes import DType
from chip.isa import Load
from compiler.ir import Op
from compiler.ir_builder import IRBuilder
from compiler.lower.loss_pair import LossPair
from compiler.lower.program import lower
from compiler.lower.units import lower_units
from tests.compiler.lowering_helpers import run_on_chip


def fp32_tiny() -> ChipConfig:
    return ChipConfig.from_toml("tiny").replace(input_dtype=DType.FP32)


def graph(batch: int, classes: int, ops: tuple[Op, ...]):
    b = IRBuilder("loss")
    z = b.input("z", (batch, classes))
    t = b.input("t", (batch, classes))
    for op in ops:
        b.output(op.value, b.add(op, (z, t), op.value))
    return b.build()


def inputs(batch: int, classes: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(3)
    labels = np.eye(classes)[rng.integers(0, classes, batch)]
    return {"z": 3 * rng.standard_normal((batch, classes)), "t": labels}


def label_loads(program) -> int:
    t = program.tensor("t")
    return sum(
        1 for i in program.instrs if isinstance(i, Load) and t.addr <= i.dram < t.addr + t.nbytes
    )


@pytest.mark.parametrize(
    ("batch", "classes", "fused"),
    [(6, 3, True), (6, 10, True), (1200, 10, False)],  # 1200 rows: the extra buffers shrink rb
)
def test_the_pair_gives_the_bits_of_the_separate_lowerings(batch, classes, fused):
    cfg = fp32_tiny()
    both = graph(batch, classes, (Op.SOFTMAX_CE, Op.SOFTMAX_CE_GRAD))
    units, _ = lower_units(both, cfg)
    assert [type(u) for u in units] == [LossPair]
    data = inputs(batch, classes)
    lowered = lower(both, cfg)
    got = run_on_chip(lowered, data)
    apart = 0
    for op in (Op.SOFTMAX_CE, Op.SOFTMAX_CE_GRAD):
        alone = lower(graph(batch, classes, (op,)), cfg)
        apart += label_loads(alone.program)
        assert got[op.value].tobytes() == run_on_chip(alone, data)[op.value].tobytes(), op
    # fused, the labels are read once for both; on the fallback, once by each
    assert (label_loads(lowered.program) < apart) == fused
