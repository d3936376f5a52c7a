"""One processing element (PE) of the systolic array, for every dataflow.

Weight-stationary and input-stationary PEs are the same hardware (only the compiler's choice of
stationary operand differs); output-stationary PEs keep the partial sum instead of an operand.
"""

from __future__ import annotations

from amaranth import Module, Mux, Signal, Value
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from chip.config import Dataflow
from chip.dtypes import DType
from chip.hdl.numerics import numerics_for


class ProcessingElement(wiring.Component):
    """A multiply-accumulate cell; its ports depend on the dataflow.

    Stationary dataflows (WS, IS), in the cycle where ``a_in`` carries X[t, i]:
      ``psum_out = psum + a_in * w`` combinationally, where ``psum`` is ``psum_in`` registered
      one cycle earlier (so the partial sum from the PE above, computed in the previous cycle,
      meets this row's operand) and ``w`` is the stationary operand. ``a_out`` is ``a_in``
      registered: it reaches the PE to the right one cycle later.
      The stationary operand is loaded by shifting: while ``load`` is high, the loading register
      takes ``w_in`` (from the PE above) and ``w_out`` shows it to the PE below. With
      ``double_buffer`` the loading register is a shadow copy: ``flip`` copies it into the
      active register, and in the flip cycle itself the multiplier already uses the shadow, so
      the first operand of a new MATMUL meets the new tile. Without it, loading writes the
      active register directly.

    Output-stationary (OS), in the cycle where ``a_in``/``b_in`` carry X[t, i] and Y[t, j]:
      when ``valid_in``, ``acc <= (0 if first_in else acc) + a_in * b_in``. ``a``, ``valid``
      and ``first`` move right and ``b`` moves down, each registered. Draining:
      ``drain_out`` is ``acc`` in a ``capture`` cycle and the drain register otherwise; the
      drain register takes ``drain_in`` (the PE above's ``drain_out``) on ``capture`` or
      ``shift``. A column therefore empties bottom-first, one row per cycle, starting in the
      capture cycle itself, while the PE is free to start the next tile.
    """

    def __init__(self, dataflow: Dataflow, input_dtype: DType, double_buffer: bool) -> None:
        self.dataflow = dataflow
        self.double_buffer = double_buffer
        self.numerics = numerics_for(input_dtype)
        e, a = self.numerics.elem_shape, self.numerics.acc_shape
        if dataflow.has_stationary_operand:
            members = {
                "a_in": In(e),
                "a_out": Out(e),
                "psum_in": In(a),
                "psum_out": Out(a),
                "w_in": In(e),
                "w_out": Out(e),
                "load": In(1),
            }
            if double_buffer:
                members["flip"] = In(1)
        else:
            members = {
                "a_in": In(e),
                "valid_in": In(1),
                "first_in": In(1),
                "a_out": Out(e),
                "valid_out": Out(1),
                "first_out": Out(1),
                "b_in": In(e),
                "b_out": Out(e),
                "drain_in": In(a),
                "drain_out": Out(a),
                "capture": In(1),
                "shift": In(1),
            }
        super().__init__(members)

    def elaborate(self, platform: object) -> Module:
        m = Module()
        if self.dataflow.has_stationary_operand:
            self._stationary(m)
        else:
            self._output_stationary(m)
        return m

    def _stationary(self, m: Module) -> None:
        num = self.numerics
        # Datapath registers need no reset: nothing reads them before they are written.
        psum = Signal(num.acc_shape, reset_less=True)
        active = Signal(num.elem_shape, reset_less=True)
        m.d.sync += psum.eq(self.psum_in)
        m.d.comb += self.a_out.eq(_registered(m, self.a_in))
        if self.double_buffer:
            shadow = Signal(num.elem_shape, reset_less=True)
            with m.If(self.load):
                m.d.sync += shadow.eq(self.w_in)
            with m.If(self.flip):
                m.d.sync += active.eq(shadow)
            weight = Mux(self.flip, shadow, active)
            m.d.comb += self.w_out.eq(shadow)
        else:
            with m.If(self.load):
                m.d.sync += active.eq(self.w_in)
            weight = active
            m.d.comb += self.w_out.eq(active)
        product = num.mul(m, self.a_in, weight)
        m.d.comb += self.psum_out.eq(num.add(m, psum, product))

    def _output_stationary(self, m: Module) -> None:
        num = self.numerics
        acc = Signal(num.acc_shape, reset_less=True)
        drain = Signal(num.acc_shape, reset_less=True)
        # valid and first are control: they reset, so no stale MAC happens after a reset.
        m.d.sync += [self.valid_out.eq(self.valid_in), self.first_out.eq(self.first_in)]
        m.d.comb += [
            self.a_out.eq(_registered(m, self.a_in)),
            self.b_out.eq(_registered(m, self.b_in)),
        ]
        product = num.mul(m, self.a_in, self.b_in)
        with m.If(self.valid_in):
            m.d.sync += acc.eq(num.add(m, Mux(self.first_in, 0, acc), product))
        m.d.comb += self.drain_out.eq(Mux(self.capture, acc, drain))
        with m.If(self.capture | self.shift):
            m.d.sync += drain.eq(self.drain_in)


def _registered(m: Module, value: Value) -> Signal:
    """``value`` through one reset-less register."""
    reg = Signal.like(value, reset_less=True)
    m.d.sync += reg.eq(value)
    return reg
