"""The arithmetic of one datapath element type, as Amaranth expressions.

The processing element and the accumulator are written once against this small interface
(element shape, accumulator shape, multiply, add); which arithmetic they get is chosen by the
`ChipConfig`'s input dtype. The semantics are those of the timing contract and chip/dtypes.py:
int8 operands multiply exactly into int16, and products and partial sums add into int32 with
two's-complement wrap-around.
"""

from __future__ import annotations

from amaranth import Module, Shape, signed
from amaranth.hdl import Value

from chip.dtypes import DType


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


def numerics_for(dtype: DType) -> IntNumerics:
    """The datapath arithmetic for input dtype ``dtype``; raises for what the RTL lacks."""
    if dtype is DType.INT8:
        return IntNumerics()
    raise ValueError(
        f"input_dtype {dtype.value} is not implemented in the RTL; the HDL supports int8 "
        f"(see docs/hdl.md)"
    )
