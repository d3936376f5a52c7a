"""Which model of the chip runs a program: the one list of fidelities.

Every model gives the same values bit for bit (docs/timing.md, docs/hdl.md); they differ in
what else they measure and how fast they run:

- ``functional``: chip/functional.py, the definition of each instruction; values only.
- ``fast``: the cycle-level machine (chip/machine) with block computation; values, cycles and
  counters.
- ``pe``: the same machine stepping every PE register every cycle; the same cycles and counters
  as ``fast``, with the array's closed-form durations checked cycle by cycle.
- ``rtl``: the Amaranth RTL of the execute datapath (chip/hdl), co-simulated against ``pe``;
  execute-only programs (PRELOAD, MATMUL, HALT) on small arrays.
"""

from __future__ import annotations

import enum

from chip.errors import ChipError


class Fidelity(enum.Enum):
    """A model of the chip (see the module docstring)."""

    FUNCTIONAL = "functional"
    FAST = "fast"
    PE = "pe"
    RTL = "rtl"

    @property
    def has_cycles(self) -> bool:
        """Does a run measure cycles?"""
        return self is not Fidelity.FUNCTIONAL

    @property
    def on_machine(self) -> bool:
        """Is it a fidelity of the cycle-level machine (chip/machine)?"""
        return self in (Fidelity.FAST, Fidelity.PE)

    @classmethod
    def parse(cls, text: Fidelity | str) -> Fidelity:
        """The fidelity named ``text``; `ChipError` naming the choices if there is none."""
        if isinstance(text, Fidelity):
            return text
        try:
            return cls(text)
        except ValueError:
            names = ", ".join(f.value for f in cls)
            raise ChipError(f"unknown fidelity {text!r}; expected one of {names}") from None
