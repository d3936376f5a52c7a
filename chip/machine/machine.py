"""The cycle-level machine: decoupled load / execute / store queues, event-driven.

`run_machine` runs a program and returns the final `ChipState` (bit-identical to the functional
model), the total cycle count, `Counters` for the run and per tag, and an event per instruction.
The rules are those of docs/timing.md.

A run has two halves. The timing (chip/machine/engine.py, cached by schedule.py) does not depend
on data: it commits instructions in order of their start cycle and fixes every start, end and
counter; it is computed once per program and cached. The values are then applied instruction by
instruction in that commit order (chip/machine/values.py: a value plan, also cached, that skips
the checks that cannot fail for this program); the hazard rule of docs/timing.md guarantees that
no instruction of another queue observes the state in between, so the values equal the
functional model's (program order). A fault found by either half names the instruction, its unit
and its start cycle, and the first one in commit order wins, as if both halves ran together.
Both fidelities share the timing; they differ only in how the array computes values
(chip/machine/array.py), so their cycles and counters are identical by construction, and the
`pe` kernels check the closed-form array durations cycle by cycle.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from functools import cache

from threadpoolctl import ThreadpoolController

from chip.actions import actions_by_tag, layer_counts
from chip.counters import Critical
from chip.fidelity import Fidelity
from chip.machine import accounting as acct
from chip.machine.array import ArrayModel
from chip.machine.counters import Counters, Unit
from chip.machine.replay import apply_replay, replay_of
from chip.machine.schedule import _CACHE, Schedule, schedule_of
from chip.machine.step_runner import apply_values
from chip.machine.values import value_plan_of
from chip.program import Program, Tag
from chip.state import ChipState


@dataclass(frozen=True, slots=True)
class Event:
    """Instruction ``index`` ran on ``unit`` in cycles [start, end)."""

    index: int
    unit: Unit
    start: int
    end: int


@dataclass
class MachineResult:
    """Outcome of `run_machine` (see its docstring)."""

    state: ChipState
    cycles: int
    counters: Counters
    by_tag: dict[Tag, Counters]
    events: list[Event]
    executed: int  # instructions run, up to and including halt
    pe_updates: int = 0  # PE register updates stepped (pe fidelity only)


def run_machine(
    program: Program,
    fidelity: Fidelity | str = Fidelity.FAST,
    state: ChipState | None = None,
    max_cycles: int | None = None,
    trace: bool = True,
    copy_counters: bool = True,
) -> MachineResult:
    """Run ``program`` on the cycle-level machine.

    ``state`` given: continue on it (it must belong to the program's chip); None: a fresh chip
    with the program's initial DRAM contents. ``fidelity`` (a `Fidelity` or its name) is
    ``fast`` (block computation) or ``pe`` (every PE register stepped every cycle); both give
    the same values, cycles and counters. A program that would run past ``max_cycles`` stops
    with `ProgramError`, as do token deadlocks, memory overruns and cross-queue hazards.
    ``trace`` keeps one `Event` per instruction. The counters depend only on the program, so
    they are computed once per program; each result gets its own copy unless
    ``copy_counters`` is False: then every run shares the same objects, which callers (a
    training loop that adds up thousands of runs) read and never change.
    """
    if state is None:
        state = ChipState(program.config)
        state.load_program(program)
    elif state.config is not program.config and state.config != program.config:
        raise ValueError(
            f"state belongs to another chip than the program: {state.config} != {program.config}"
        )
    if max_cycles is not None and max_cycles < 1:
        raise ValueError(f"max_cycles must be at least 1, not {max_cycles}")
    array = ArrayModel(program.config, Fidelity.parse(fidelity))
    sched = schedule_of(program, max_cycles)
    # The per-fold products are small (at most 256 wide); multithreaded BLAS spends more time
    # synchronizing than computing on them (measured 6x slower on a busy 2-core machine).
    plan = value_plan_of(program, sched, max_cycles)
    rep = None if array.pe else replay_of(program, plan, max_cycles)
    blas = rep is None or rep.blas  # (limiting the pools costs as much as a small run)
    with one_blas_thread() if blas else nullcontext():
        if rep is None:
            apply_values(program, plan, sched.units, sched.start, state, array)
        else:
            apply_replay(program, plan, rep, sched.units, sched.start, state, array)
    sched.raise_error()
    return _result(program, sched, max_cycles, state, array, trace, copy_counters)


class _BlasLimit:
    held = False  # inside a `one_blas_thread` block of this process


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """BLAS limited to one thread until the block ends. Re-entrant: `run_machine` inside it
    does not limit the pools again, so a caller running many small programs (a system's link
    segments, hundreds per step) pays the limit (0.1-0.5 ms) once instead of per run."""
    if _BlasLimit.held:
        yield
        return
    with _threadpools().limit(limits=1, user_api="blas"):
        _BlasLimit.held = True
        try:
            yield
        finally:
            _BlasLimit.held = False


@cache
def _threadpools() -> ThreadpoolController:
    """The process's thread pools, found once: `threadpool_limits` searches the loaded
    libraries on every call (about 1 ms, as much as a small program's values)."""
    return ThreadpoolController()


def _result(
    program: Program,
    sched: Schedule,
    max_cycles: int | None,
    state: ChipState,
    array: ArrayModel,
    trace: bool,
    copy_counters: bool,
) -> MachineResult:
    counters, by_tag = _CACHE.memo(
        program, ("counters", max_cycles), lambda: _counters(program, sched)
    )
    events = []
    if trace:
        start, end, units = sched.start, sched.end, sched.units
        events = [Event(i, units[i], start[i], end[i]) for i in sched.order]
    if copy_counters:  # each result owns its counters
        counters, by_tag = counters.copy(), {tag: c.copy() for tag, c in by_tag.items()}
    return MachineResult(
        state,
        sched.total,
        counters,
        by_tag,
        events,
        sched.n,
        array.updates,
    )


def _counters(program: Program, sched: Schedule) -> tuple[Counters, dict[Tag, Counters]]:
    """The run's counters and those per tag: a function of the timing alone (it does not
    depend on data), so computed once per program and schedule."""
    cfg = program.config
    by_tag = {}
    for k, t in enumerate(sched.tags):
        path = dict(zip(Critical, sched.critical[k], strict=True))
        by_tag[t] = acct.to_counters(list(sched.tallies[k]), sum(path.values()), cfg.rows, cfg.cols)
        by_tag[t].critical = path
    for tag, acts in actions_by_tag(program).items():
        by_tag[tag].actions = dict(acts)
    for tag, (useful, least) in layer_counts(program).items():
        if tag in by_tag:  # a tag only after the halt does not run
            by_tag[tag].useful_macs, by_tag[tag].min_dram_bytes = useful, least
    counters = sum(by_tag.values(), Counters(rows=cfg.rows, cols=cfg.cols))
    counters.cycles = sched.total
    return counters, by_tag
