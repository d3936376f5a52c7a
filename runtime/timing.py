"""Sampled timing: cycle counts for runs whose values come from the functional model.

A training step runs the same instruction stream every time, and the cycle-level machine's
timing depends on the instructions and the chip, not on the data values. So a long run can
compute its values on the (much faster) functional model and take its cycle counts from the
machine running the first two steps. `SampledTiming` does exactly that, and checks the claim:
if the two measured runs differ in any count, it raises instead of reporting a wrong total.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from chip.counters import Counters
from chip.program import Program, Tag
from runtime.backend import Backend, BackendError, Fidelity


class SampledTiming:
    """Counts for one program, measured on the machine for two runs, then reused.

    Contract: call `measure` with the values backend *before* it runs the same inputs (the
    machine starts from the same resident weights); the returned `Counters` and per-tag counters are
    those of the machine for this run. After two identical measurements the counts are fixed.
    """

    def __init__(self, program: Program, fidelity: Fidelity = Fidelity.FAST) -> None:
        if not fidelity.has_cycles:
            raise BackendError(f"sampled timing needs a cycle-level fidelity, not {fidelity.value}")
        self.machine = Backend(program, fidelity)
        self.work: Counters | None = None
        self.by_tag: dict[Tag, Counters] = {}
        self.events: tuple[Any, ...] = ()
        self.confirmed = False

    def measure(
        self, values: Backend, inputs: Mapping[str, np.ndarray]
    ) -> tuple[Counters, dict[Tag, Counters]]:
        if self.confirmed:
            assert self.work is not None
            return self.work, self.by_tag
        self.machine.restore(values.snapshot())
        first = self.work is None
        result = self.machine.run(inputs, trace=first)
        if first:
            self.work, self.by_tag, self.events = result.work, dict(result.by_tag), result.events
        elif result.work != self.work or dict(result.by_tag) != self.by_tag:
            assert self.work is not None
            a, b = self.work.cycles, result.work.cycles
            # equal totals can still hide different per-layer or per-unit counts
            what = (
                f"took {a} then {b} cycles"
                if a != b
                else f"took {a} cycles both times but counted different work"
            )
            raise BackendError(
                f"the machine {what} for two runs of the same program: its timing "
                "depends on the data, so sampled timing cannot be used; use --fidelity fast"
            )
        else:
            self.confirmed = True
        assert self.work is not None
        return self.work, self.by_tag
