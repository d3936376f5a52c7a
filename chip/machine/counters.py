"""The machine's counter types: `chip.counters`, named here for the machine's modules (importing
`chip.counters` directly does not load the machine's compiled kernels)."""

from chip.counters import Cause, Counters, Traffic, Unit, total

__all__ = ["Cause", "Counters", "Traffic", "Unit", "total"]
