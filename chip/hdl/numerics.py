"""The arithmetic of one datapath element type, as Amaranth expressions.

The processing element and the accumulator are written once against this small interface
(element shape, accumulator shape, multiply, add); which arithmetic they get is chosen by the
`ChipConfig`'s input dtype. The semantics are those of the timing contract and chip/semantics.py:
int8 operands multiply exactly into int16, and products and partial sums add into int32 with
two's-complement wrap-around; bf16 operands (`Bf16Multiplier`) and fp32 operands
(`Fp32Multiplier`) multiply into an fp32 product rounded to nearest even and add in fp32 with
round to nearest even (`Fp32Adder`), never fused.
"""

from __future__ import annotations

from amaranth import Module, Shape, signed, unsigned
from amaranth.hdl import Value

from chip.dtypes import DType
from chip.hdl.bf16_mul import Bf16Multiplier
from chip.hdl.fp32_add import Fp32Adder
from chip.hdl.fp32_mul import Fp32Multiplier


class IntNumerics:
    """int8 operands, int32 wrapping accumulation."""

    elem_shape: Shape = signed(8)
    acc_shape: Shape = signed(32)

    def mul(self, m: Module, a: Value, b: Value) -> Value:
        # A signed 8x8 product is exact in 16 bits; widening to the accumulator is a sign
        # extension, so no rounding or wrap happens here.
        return a * b

    def add(self, m: Module, x: Value, y: Value) -> Value:
        return (x + y)[:32].as_signed()


class FloatNumerics:
    """Float operands (raw bits), fp32 accumulation (raw bits); each operation is a submodule.

    ``multiplier`` is the unit whose product, rounded to binary32, the adder takes."""

    def __init__(self, elem_shape: Shape, multiplier: type[Bf16Multiplier | Fp32Multiplier]):
        self.elem_shape = elem_shape
        self.acc_shape: Shape = unsigned(32)
        self.multiplier = multiplier

    def mul(self, m: Module, a: Value, b: Value) -> Value:
        m.submodules += (unit := self.multiplier())
        m.d.comb += [unit.a.eq(a), unit.b.eq(b)]
        return unit.y

    def add(self, m: Module, x: Value, y: Value) -> Value:
        m.submodules += (unit := Fp32Adder())
        m.d.comb += [unit.a.eq(x), unit.b.eq(y)]
        return unit.y


def numerics_for(dtype: DType) -> IntNumerics | FloatNumerics:
    """The datapath arithmetic for input dtype ``dtype``; raises for what the RTL lacks."""
    if dtype is DType.INT8:
        return IntNumerics()
    if dtype is DType.BF16:
        return FloatNumerics(unsigned(16), Bf16Multiplier)
    if dtype is DType.FP32:
        return FloatNumerics(unsigned(32), Fp32Multiplier)
    raise ValueError(
        f"input_dtype {dtype.value} is not implemented in the RTL: its datapaths take int8, "
        f"bf16 and fp32 inputs (see docs/hdl.md)"
    )
