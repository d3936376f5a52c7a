"""The cycle-level machine (docs/timing.md): decoupled queues, DMA, array, vector unit, counters.

from chip.machine import run_machine, MachineResult, Counters
res = run_machine(program, fidelity="fast")  # or "pe": every PE register stepped per cycle
"""

# Before any kernel module imports numba: its cache folder and the first-compile note.
from chip.machine import jit  # noqa: F401  # isort: skip
from chip.machine.counters import Cause, Counters, Traffic, Unit
from chip.machine.machine import Event, MachineResult, run_machine

__all__ = ["Cause", "Counters", "Event", "MachineResult", "Traffic", "Unit", "run_machine"]
