"""One interface over every model of the chip: the host's view of an accelerator.

A `Backend` owns one `ChipState` for one `Program`. The host writes INPUT tensors into the chip's
DRAM, runs the program, and reads OUTPUT tensors back, exactly as a driver would; PARAM and STATE
tensors stay resident in DRAM between runs (weights are not re-sent each training step).
Host<->chip traffic is counted in bytes (`Transfer`) and kept apart from on-chip cycles, which
only the cycle-level machine measures.

Fidelities (`chip.fidelity.Fidelity`):
- ``functional``: the functional model (chip/functional.py); values only, no cycles.
- ``fast`` / ``pe``: the cycle-level machine (chip/machine); values plus `Counters`.
- ``rtl``: the RTL (chip/hdl/run_program.py), co-simulated against the ``pe`` machine
  instruction by instruction; programs of LOAD, STORE, PRELOAD and MATMUL on small arrays,
  whose inputs are DRAM and the scratchpad rows read before any LOAD writes them.
All fidelities produce bit-identical values; that is the chip models' contract, not ours.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from chip.config import ChipConfig
from chip.counters import Counters, total
from chip.errors import ChipError
from chip.fidelity import Fidelity
from chip.functional import run_functional
from chip.isa import Loc, Mem
from chip.program import Program, Tag, TensorKind
from chip.state import ChipState
from runtime.report import static_work


class BackendError(ChipError):
    """A backend that cannot be used (missing simulator) or bad host data (name, shape)."""


def parse_fidelity(text: Fidelity | str) -> Fidelity:
    """`Fidelity.parse`, with an unknown name raised as `BackendError`."""
    try:
        return Fidelity.parse(text)
    except ChipError as e:
        raise BackendError(str(e)) from None


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
    accumulator: np.ndarray | None = None  # see `Backend.run`

    @property
    def cycles(self) -> int | None:
        return self.work.cycles if self.work.timed else None


class Backend:
    """A simulated chip with one program loaded.

    Contract: construction places the program's initial DRAM contents once; `run` writes only
    the INPUT tensors given, runs the whole program from a clean on-chip state (scratchpad,
    accumulator and array start unwritten every run, so nothing of them is carried over; DRAM
    is) and reads every OUTPUT tensor; runs of one backend do not overlap. `snapshot`/`restore`
    save and reload the resident PARAM and STATE tensors as raw storage, so a restored backend
    continues bit for bit.
    """

    def __init__(
        self,
        program: Program,
        fidelity: Fidelity | str = Fidelity.FAST,
        max_cycles: int | None = None,
    ) -> None:
        self.program = program
        self.fidelity = parse_fidelity(fidelity)
        self.max_cycles = max_cycles
        self._run_machine = machine_runner() if self.fidelity.has_cycles else None
        self.simulator: str | None = None  # rtl: the HDL simulator it runs on
        if self.fidelity is Fidelity.RTL:
            from chip.hdl.run_program import available_simulator, check_program

            self.simulator = available_simulator()
            check_program(program, self.simulator)  # refused before any run
        self.state = ChipState(program.config)
        self.state.load_program(program)
        self._run_state = ChipState(program.config)  # on-chip memories of a run (`_fresh_state`)
        self._run_state.dram = self.state.dram
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

    def run(
        self,
        inputs: Mapping[str, np.ndarray],
        trace: bool = False,
        scratchpad: np.ndarray | None = None,
        copy_counters: bool = True,
    ) -> RunResult:
        """Write ``inputs`` (INPUT tensors by name), run the program, read every OUTPUT.

        ``scratchpad``: rows 0.. of the scratchpad when the run starts (raw storage, row_elems
        wide), the inputs of an execute-only program; the result then holds the final
        accumulator (always, for the ``rtl`` fidelity). ``copy_counters`` False: the result's
        counters are the machine's cached ones for this program, shared by every run (see
        `chip.machine.run_machine`): read them, never change them."""
        unknown = sorted(set(inputs) - set(self.inputs))
        if unknown:
            raise BackendError(
                f"{', '.join(map(repr, unknown))} not an input of the program; "
                f"its inputs are {', '.join(sorted(self.inputs)) or 'none'}"
            )
        sent = sum(self.write(name, v) for name, v in inputs.items())
        fresh = self._fresh_state(scratchpad)
        accumulator = None
        if self.fidelity is Fidelity.RTL:
            from chip.hdl.run_program import cosimulate

            sim = cosimulate(self.program, fresh, self.simulator, max_cycles=self.max_cycles)
            result = sim.machine  # the RTL agreed with it on every cycle and value
            accumulator = np.where(fresh.acc_written[: len(sim.rtl.acc)], sim.rtl.acc, 0)
        elif self._run_machine is not None:
            result = self._run_machine(
                self.program,
                fidelity=self.fidelity.value,
                state=fresh,
                max_cycles=self.max_cycles,
                trace=trace,
                copy_counters=copy_counters,
            )
        else:
            result = None
            run_functional(self.program, fresh)
        if result is None:
            work, by_tag, counters, events = self._static_total, self._static, None, ()
        else:
            counters = work = result.counters
            by_tag = dict(result.by_tag)
            events = tuple(result.events) if trace else ()
        if scratchpad is not None and accumulator is None:
            accumulator = _written_rows(fresh)
        outputs = {name: self.read(name) for name in self.outputs}
        received = sum(t.nbytes for t in self.outputs.values())
        return RunResult(
            outputs, Transfer(sent, received), work, by_tag, counters, events, accumulator
        )

    def _fresh_state(self, scratchpad: np.ndarray | None = None) -> ChipState:
        # On-chip memories start unwritten every run, so a program that reads stale scratchpad
        # rows from a previous step faults instead of silently depending on them. Every read
        # checks the written-masks, so clearing those is enough (a new state costs more than a
        # small program's run); the RTL is handed the whole state and gets a new one.
        if self.fidelity is Fidelity.RTL:
            fresh = ChipState(self.program.config)
            fresh.dram = self.state.dram
        else:
            fresh = self._run_state
            fresh.spad_written.fill(False)
            fresh.acc_written.fill(False)
            fresh.stationary = None
        if scratchpad is not None and len(scratchpad):
            raw = np.asarray(scratchpad)
            if raw.dtype != fresh.spad.dtype:
                raise BackendError(
                    f"scratchpad rows must be raw {fresh.spad.dtype} storage, not {raw.dtype}"
                )
            try:
                fresh.write(Loc(Mem.SPAD, 0), raw, "scratchpad rows from the host")
            except ChipError as e:
                raise BackendError(str(e)) from None
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


def _written_rows(state: ChipState) -> np.ndarray:
    """The accumulator up to its last written row (raw storage; unwritten elements zero)."""
    rows = np.flatnonzero(state.acc_written.any(axis=1))
    n = int(rows[-1]) + 1 if rows.size else 0
    return np.where(state.acc_written[:n], state.acc[:n], 0)
