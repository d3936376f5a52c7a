"""One interface over every model of the chip: the host's view of an accelerator.

A `Backend` owns one `ChipState` for one `Program`. The host writes INPUT tensors into the chip's
DRAM, runs the program, and reads OUTPUT tensors back, exactly as a driver would; PARAM and STATE
tensors stay resident in DRAM between runs (weights are not re-sent each training step).
Host<->chip traffic is counted in bytes (`Transfer`) and kept apart from on-chip cycles, which
only the cycle-level machine measures.

Fidelities:
- ``functional``: the functional model (chip/functional.py); values only, no cycles.
- ``fast`` / ``pe``: the cycle-level machine (chip/machine); values plus `Counters`.
All fidelities produce bit-identical values; that is the chip models' contract, not ours.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from chip.config import ChipConfig
from chip.counters import Counters, total
from chip.errors import ChipError
from chip.functional import run_functional
from chip.program import Program, Tag, TensorKind
from chip.state import ChipState
from runtime.report import static_work


class BackendError(ChipError):
    """A backend that cannot be used (missing simulator) or bad host data (name, shape)."""


class Fidelity(enum.Enum):
    """Which model of the chip executes the program."""

    FUNCTIONAL = "functional"
    FAST = "fast"
    PE = "pe"

    @property
    def has_cycles(self) -> bool:
        return self is not Fidelity.FUNCTIONAL

    @classmethod
    def parse(cls, text: str) -> Fidelity:
        try:
            return cls(text)
        except ValueError:
            names = ", ".join(f.value for f in cls)
            raise BackendError(f"unknown fidelity {text!r}; expected one of {names}") from None


def machine_runner() -> Any:
    """`chip.machine.run_machine`, or `BackendError` saying why the machine cannot be used."""
    try:
        from chip.machine import run_machine
    except ImportError as e:
        raise BackendError(
            f"the cycle-level machine (chip.machine) cannot be imported ({e}); "
            "use --fidelity functional"
        ) from None
    return run_machine


@dataclass(frozen=True)
class Transfer:
    """Bytes moved between host memory and chip DRAM (over the host link, not the chip's DMA)."""

    to_chip: int = 0
    from_chip: int = 0

    def __add__(self, other: Transfer) -> Transfer:
        return Transfer(self.to_chip + other.to_chip, self.from_chip + other.from_chip)

    @property
    def total(self) -> int:
        return self.to_chip + self.from_chip


@dataclass(frozen=True)
class RunResult:
    """What one run of the program returned to the host.

    ``outputs`` are the OUTPUT tensors' values (float32 for float types). ``work`` and
    ``by_tag`` are the run's `Counters`, whole and per tag: measured by the cycle-level machine,
    or, for the functional model, read off the instruction stream with no time (``work.timed``
    False). ``counters`` is the machine's whole-run `Counters` (the same as ``work``; None for
    the functional model) and ``events`` its per-instruction events (only when traced).
    """

    outputs: Mapping[str, np.ndarray]
    transfer: Transfer
    work: Counters
    by_tag: Mapping[Tag, Counters] = field(default_factory=dict)
    counters: Any = None
    events: tuple[Any, ...] = ()

    @property
    def cycles(self) -> int | None:
        return self.work.cycles if self.work.timed else None


class Backend:
    """A simulated chip with one program loaded.

    Contract: construction places the program's initial DRAM contents once; `run` writes only
    the INPUT tensors given, runs the whole program from a clean on-chip state (scratchpad,
    accumulator and array are not carried over between runs, DRAM is) and reads every OUTPUT
    tensor. `snapshot`/`restore` save and reload the resident PARAM and STATE tensors as raw
    storage, so a restored backend continues bit for bit.
    """

    def __init__(
        self,
        program: Program,
        fidelity: Fidelity | str = Fidelity.FAST,
        max_cycles: int | None = None,
    ) -> None:
        self.program = program
        self.fidelity = Fidelity.parse(fidelity) if isinstance(fidelity, str) else fidelity
        self.max_cycles = max_cycles
        self._run_machine = machine_runner() if self.fidelity.has_cycles else None
        self.state = ChipState(program.config)
        self.state.load_program(program)
        self.inputs = {t.name: t for t in program.of_kind(TensorKind.INPUT)}
        self.outputs = {t.name: t for t in program.of_kind(TensorKind.OUTPUT)}
        self.resident = {
            t.name: t
            for t in program.tensors.values()
            if t.kind in (TensorKind.PARAM, TensorKind.STATE)
        }
        self._static = static_work(program)
        self._static_total = total(self._static.values())

    @property
    def config(self) -> ChipConfig:
        return self.program.config

    def write(self, name: str, values: np.ndarray) -> int:
        """Copy ``values`` into tensor ``name`` in DRAM; returns the bytes sent to the chip."""
        t = self.program.tensor(name)
        v = np.asarray(values)
        if v.shape != t.shape:
            raise BackendError(f"tensor {name!r} has shape {list(t.shape)}, got {list(v.shape)}")
        self.state.write_tensor(t, v)
        return t.nbytes

    def read(self, name: str, raw: bool = False) -> np.ndarray:
        """Tensor ``name``'s current DRAM contents (float32 for floats, or raw storage)."""
        return self.state.read_tensor(self.program.tensor(name), raw=raw)

    def run(self, inputs: Mapping[str, np.ndarray], trace: bool = False) -> RunResult:
        """Write ``inputs`` (INPUT tensors by name), run the program, read every OUTPUT."""
        unknown = sorted(set(inputs) - set(self.inputs))
        if unknown:
            raise BackendError(
                f"{', '.join(map(repr, unknown))} not an input of the program; "
                f"its inputs are {', '.join(sorted(self.inputs)) or 'none'}"
            )
        sent = sum(self.write(name, v) for name, v in inputs.items())
        fresh = self._fresh_state()
        if self._run_machine is None:
            run_functional(self.program, fresh)
            work, by_tag, counters, events = self._static_total, self._static, None, ()
        else:
            result = self._run_machine(
                self.program,
                fidelity=self.fidelity.value,
                state=fresh,
                max_cycles=self.max_cycles,
                trace=trace,
            )
            counters = work = result.counters
            by_tag = dict(result.by_tag)
            events = tuple(result.events) if trace else ()
        outputs = {name: self.read(name) for name in self.outputs}
        received = sum(t.nbytes for t in self.outputs.values())
        return RunResult(outputs, Transfer(sent, received), work, by_tag, counters, events)

    def _fresh_state(self) -> ChipState:
        # On-chip memories start unwritten every run, so a program that reads stale scratchpad
        # rows from a previous step faults instead of silently depending on them.
        fresh = ChipState(self.program.config)
        fresh.dram = self.state.dram
        return fresh

    def snapshot(self) -> dict[str, np.ndarray]:
        """Raw storage of every PARAM and STATE tensor (what training changes)."""
        return {name: self.read(name, raw=True) for name in self.resident}

    def restore(self, snapshot: Mapping[str, np.ndarray]) -> None:
        """Write back a `snapshot`; raises if it does not match this program's tensors."""
        missing = sorted(set(self.resident) - set(snapshot))
        extra = sorted(set(snapshot) - set(self.resident))
        if missing or extra:
            raise BackendError(
                f"snapshot does not match the program: missing {missing}, unexpected {extra}"
            )
        for name, raw in snapshot.items():
            t = self.resident[name]
            if raw.shape != t.shape or raw.dtype != t.dtype.storage:
                raise BackendError(
                    f"snapshot tensor {name!r} is {raw.dtype}{list(raw.shape)}, "
                    f"expected {t.dtype.storage}{list(t.shape)}"
                )
            self.state.write_tensor(t, raw, raw=True)

    def params(self) -> dict[str, np.ndarray]:
        """Values of the PARAM tensors (float32 for floats)."""
        return {t.name: self.read(t.name) for t in self.program.of_kind(TensorKind.PARAM)}
