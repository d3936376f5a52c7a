"""Pieces shared by the floating-point units: IEEE fields, NaN rules, shifts with sticky bits.

NaN results follow the x86 SSE rule, which is what NumPy's float32 arithmetic produces on the
machines the reference models run on: a NaN first operand is returned quieted, else a NaN
second operand quieted, else an invalid operation (inf - inf, 0 * inf) gives the default NaN
0xFFC00000.
"""

from __future__ import annotations

from collections.abc import Callable

from amaranth import C, Cat, Module, Mux, Signal, Value

F32_QUIET = 1 << 22
F32_DEFAULT_NAN = 0xFFC00000


def leading_zeros(m: Module, value: Value, name: str) -> Signal:
    """The number of leading zero bits of ``value`` (its width if it is zero)."""
    width = len(value)
    count = Signal(range(width + 1), name=name)
    result = Value.cast(width)
    # Scanning from the LSB up, the last set bit seen (the highest one) wins.
    for bit in range(width):
        result = Mux(value[bit], width - 1 - bit, result)
    m.d.comb += count.eq(result)
    return count


def shift_right_sticky(m: Module, value: Value, amount: Value, name: str) -> Signal:
    """``value >> amount`` with bit 0 ORed with every bit shifted out (the sticky bit).

    ``amount`` may exceed the width; everything is then shifted out into the sticky bit.
    """
    width = len(value)
    limit = width + 1
    clamped = Signal(range(limit + 1), name=f"{name}_amount")
    m.d.comb += clamped.eq(Mux(amount > limit, limit, amount))
    shifted = Signal(width, name=f"{name}_shifted")
    m.d.comb += shifted.eq(value >> clamped)
    # The bits shifted out are those under a mask of ``clamped`` ones: a shifter of constants,
    # which synthesis folds into a comparison per bit, not a second barrel shifter of ``value``.
    below = Signal(width, name=f"{name}_below")
    m.d.comb += below.eq(~(C((2 << width) - 1, width + 1) << clamped)[:width])
    lost = (value & below) != 0
    out = Signal(width, name=name)
    m.d.comb += out.eq(Cat(shifted[0] | lost, shifted[1:]))
    return out


# ``stage(value, name)``: ``value`` one pipeline register later (`registered`), or ``value``
# itself in a unit built without registers (`same_cycle`). The floating-point functions cut
# their logic with it where a pipeline puts a register.
Stage = Callable[[Value, str], Value]


def same_cycle(value: Value, name: str) -> Value:
    return value


def registered(m: Module) -> Stage:
    """The `Stage` of a pipeline in ``m``'s ``sync`` domain: every value passed in comes out of
    a register of its own shape."""

    def stage(value: Value, name: str) -> Value:
        value = Value.cast(value)
        out = Signal(value.shape(), name=name)
        m.d.sync += out.eq(value)
        return out

    return stage
