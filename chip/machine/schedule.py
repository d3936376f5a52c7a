"""The machine's timing: when every instruction starts and ends, and what every unit did.

Timing on this chip never depends on data (docs/timing.md: dispatch, queue order, tokens, bank
ports and DMA are functions of the instruction stream alone), so it is computed once per program
and cached: `schedule_of` returns the program's `Schedule` (computed by chip/machine/engine.py),
which chip/machine/machine.py replays to apply values in commit order. A training loop runs the
same (immutable) program thousands of times and pays for its timing once. The cache also holds
each program's value plan (chip/machine/values.py).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable
from typing import TypeVar

from chip.collector import without_collection
from chip.machine.engine import Schedule, compute_schedule
from chip.program import Program

__all__ = ["Schedule", "compute_schedule", "schedule_of"]
T = TypeVar("T")


class _Cache:
    """Per live program, what the machine derives from it alone (its schedule per cycle limit,
    its value plan: chip/machine/values.py); an entry dies with its program."""

    def __init__(self) -> None:
        self._by_id: dict[int, tuple[weakref.ref, dict[Hashable, object]]] = {}

    def memo(self, program: Program, key: Hashable, make: Callable[[], T]) -> T:
        """``make()``, computed once per live ``program`` and ``key``."""
        pid = id(program)
        entry = self._by_id.get(pid)
        if entry is None or entry[0]() is not program:
            entry = (weakref.ref(program, lambda _, k=pid: self._by_id.pop(k, None)), {})
            self._by_id[pid] = entry
        found = entry[1].get(key, _MISSING)
        if found is _MISSING:
            found = entry[1][key] = without_collection(make)
        return found  # type: ignore[return-value]

    def get(self, program: Program, max_cycles: int | None) -> Schedule:
        return self.memo(program, max_cycles, lambda: compute_schedule(program, max_cycles))


_MISSING = object()
_CACHE = _Cache()


def schedule_of(program: Program, max_cycles: int | None = None) -> Schedule:
    """The `Schedule` of ``program`` with the cycle limit ``max_cycles`` (computed once, then
    cached while the program lives). Raises `ProgramError` for invalid dependency flags."""
    return _CACHE.get(program, max_cycles)
