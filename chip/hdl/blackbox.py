"""A component that stands for a Verilog module written outside Amaranth."""

from __future__ import annotations

from amaranth import ClockSignal, Instance, Module, ResetSignal, Value
from amaranth.lib import wiring
from amaranth.lib.wiring import In


class VerilogModule(wiring.Component):
    """An instance of Verilog module ``name`` with the ports of ``signature``.

    Port names are the signature's member paths joined by ``__`` (``write__payload``), as
    Amaranth names the ports of a top-level component, so a module converted from a component
    with the same signature plugs in unchanged. ``clock``/``reset`` add the ``clk``/``rst``
    inputs of the ``sync`` domain.
    """

    def __init__(
        self, name: str, signature: wiring.Signature, clock: bool = True, reset: bool = False
    ) -> None:
        self.module = name
        self.clock, self.reset = clock, reset
        super().__init__(signature)

    def elaborate(self, platform: object) -> Module:
        m = Module()
        ports: dict[str, object] = {}
        if self.clock:
            ports["i_clk"] = ClockSignal()
        if self.reset:
            ports["i_rst"] = ResetSignal()
        for path, member, value in self.signature.flatten(self):
            prefix = "i_" if member.flow == In else "o_"
            ports[prefix + "__".join(str(p) for p in path)] = Value.cast(value)
        m.submodules.inst = Instance(self.module, **ports)
        return m
