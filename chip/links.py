"""A system of chips running together: programs per chip, exchanging data over links.

Each chip's program is split at its link instructions (SEND, RECV: chip/isa.py) into segments
of ordinary instructions. A segment runs on the chip's model (the functional model, or the
cycle-level machine at either fidelity: ``run_machine`` continues on the chip's state), and the
runner executes the link instructions between segments. A link instruction is a fence: it
issues when every earlier instruction of its chip has finished, and nothing after it starts
before it has issued (a SEND) or its data has arrived (a RECV). Dependency tokens therefore
never cross a link instruction (checked by `plan_system`).

Timing (docs/multichip.md): a SEND of S bytes on a link direction occupies it for
ceil(S / link_bytes_per_cycle) cycles, starting when both the chip reaches it and the direction
is free (one transfer per direction at a time); the data arrives ``link_latency`` cycles after
its last byte left. The chip does not wait for its sends. A RECV waits for the arrival of the
k-th SEND on the other end of its link (the links' token discipline). Timing depends on the
instruction streams alone, so the order the runner advances chips in changes nothing: it starts
every chip whose next step is a segment, does link steps as their data allows, and chips may run
in this process (`LocalChip`) or elsewhere (runtime/system_workers.py) with the same result.

A RECV whose SEND never comes is a deadlock, and a SEND nobody receives is an unmatched send:
both raise `SystemError_` naming the chip, the instruction index and the link.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from chip.config import ChipConfig
from chip.counters import Counters
from chip.dtypes import DType
from chip.errors import ChipError, ConfigError, Fault, ProgramError
from chip.fidelity import Fidelity
from chip.footprint import Action
from chip.functional import run_functional
from chip.isa import LINK_INSTRUCTIONS, Halt, Instr, Loc, Queue, Recv, Send, mem_dtype
from chip.machine.machine import one_blas_thread, run_machine
from chip.program import Program
from chip.state import ChipState
from chip.system import SystemConfig

_QUEUE_INDEX = {Queue.LOAD: 0, Queue.EXECUTE: 1, Queue.STORE: 2}


class SystemError_(ChipError):  # noqa: N801 (SystemError is a Python builtin)
    """A system program that cannot run: names the chip, the instruction index (and, for a chip
    that runs several programs, which one) and the link."""

    def __init__(
        self, chip: int, index: int, mnemonic: str, message: str, program: int | None = None
    ) -> None:
        self.chip, self.index, self.program = chip, index, program
        where = f"chip {chip}" if program is None else f"chip {chip} program {program}"
        super().__init__(f"{where} instruction {index} ({mnemonic}): {message}")


@dataclass(frozen=True)
class Segment:
    """Instructions ``first .. first + len - 1`` of a chip's program number ``source`` (None if
    the chip runs one), as a program of its own (ending in a halt) on the chip's state."""

    first: int
    program: Program
    source: int | None = None


@dataclass(frozen=True)
class LinkStep:
    """Link instruction ``index`` of a chip's program number ``source`` (None: its only one)."""

    index: int
    ins: Send | Recv
    source: int | None = None


@dataclass(frozen=True)
class SystemPlan:
    """Per chip, its programs split into segments and link steps (see the module docstring)."""

    system: SystemConfig
    programs: tuple[tuple[Program, ...], ...]
    steps: tuple[tuple[Segment | LinkStep, ...], ...]


def plan_system(
    system: SystemConfig, programs: Sequence[Program | Sequence[Program]]
) -> SystemPlan:
    """Split every chip's program at its link instructions; raises `SystemError_` for a link
    that does not exist or tokens that cross a link instruction, `ConfigError` for a program
    for another chip. A chip given several programs runs them one after another, each
    finishing before the next starts (as a host launching them in turn); they share the
    chip's DRAM, so their tensors must agree on it."""
    if len(programs) != system.chips:
        raise ConfigError(f"the system has {system.chips} chips but {len(programs)} programs")
    per_chip, steps = [], []
    for c, given in enumerate(programs):
        chip_programs = (given,) if isinstance(given, Program) else tuple(given)
        many = len(chip_programs) > 1
        chip_steps: list[Segment | LinkStep] = []
        for k, program in enumerate(chip_programs):
            if program.config != system.chip:
                raise ConfigError(
                    f"chip {c}'s program is for chip {program.config.name!r}, "
                    f"not the system's {system.chip.name!r}"
                )
            chip_steps += _split(system, c, program, k if many else None)
        per_chip.append(chip_programs)
        steps.append(tuple(chip_steps))
    return SystemPlan(system, tuple(per_chip), tuple(steps))


def _split(
    system: SystemConfig, chip: int, program: Program, source: int | None
) -> list[Segment | LinkStep]:
    out: list[Segment | LinkStep] = []
    first, body = 0, []
    instrs = program.instrs

    def fail(i: int, ins: Instr, message: str) -> SystemError_:
        return SystemError_(chip, i, ins.MNEMONIC, message, source)

    def close(end: int) -> None:
        if body:
            after = instrs[end] if end < len(instrs) else Halt()
            if not _tokens_balance(body):
                raise fail(
                    end,
                    after,
                    f"the dependency tokens of instructions {first}.."
                    f"{end - 1} do not balance before this fence: tokens cannot cross "
                    "a link instruction",
                )
            tags = program.tags[first:end]
            seg = Program(program.config, (*body, Halt()), (*tags, tags[-1]), program.tensors)
            out.append(Segment(first, seg, source))

    for i, ins in enumerate(instrs):
        if isinstance(ins, Halt):
            break
        if isinstance(ins, LINK_INSTRUCTIONS):
            close(i)
            if ins.pop_prev or ins.pop_next or ins.push_prev or ins.push_next:
                raise fail(i, ins, "a link instruction takes no dependency flags: it is a fence")
            try:
                system.neighbour(chip, ins.link)
            except ConfigError as e:
                raise fail(i, ins, str(e)) from None
            out.append(LinkStep(i, ins, source))
            first, body = i + 1, []
        else:
            body.append(ins)
    else:
        i = len(instrs)
    close(i)
    return out


def _tokens_balance(body: list[Instr]) -> bool:
    """Whether every token pushed in a segment is popped in it."""
    balance = np.zeros((3, 3), dtype=np.int64)
    for ins in body:
        if ins.QUEUE is None:
            continue
        q = _QUEUE_INDEX[ins.QUEUE]
        balance[q, q - 1] += ins.push_prev
        balance[q, (q + 1) % 3] += ins.push_next
        balance[q - 1, q] -= ins.pop_prev
        balance[(q + 1) % 3, q] -= ins.pop_next
    return not balance.any()


@dataclass
class Message:
    """One SEND in flight: its data and when it left and arrives."""

    chip: int
    index: int
    source: int | None
    link: int
    raw: np.ndarray
    dtype: object
    start: int
    arrival: int


@dataclass
class ChipRun:
    """What one chip did: its end cycle, its segments' cycles, the cycles it waited in RECVs
    (``exposed``: while a transfer it waited for was in flight; ``imbalance``: before its
    sender reached the SEND), trace intervals ``(name, kind, start, end)``, and ``actions``:
    the `Action` counts of its segments on the machine (empty on the functional model).
    ``state`` and the model's ``results`` per segment are kept when the chip ran in this
    process."""

    state: ChipState | None
    cycles: int = 0
    compute: int = 0
    exposed: int = 0
    imbalance: int = 0
    results: list = field(default_factory=list)
    intervals: list[tuple[str, str, int, int]] = field(default_factory=list)
    actions: dict[Action, int] = field(default_factory=dict)


@dataclass
class SystemResult:
    """Per chip its `ChipRun`; per directed link ``(chip, link)`` its busy cycles and bytes;
    ``cycles`` the system's: the last chip's end or the last arrival."""

    chips: list[ChipRun]
    link_busy: dict[tuple[int, int], int]
    link_bytes: dict[tuple[int, int], int]
    messages: list[Message]
    cycles: int


# Runs one segment on a chip's state and returns (cycles, the model's result).
Executor = Callable[[Program, ChipState], tuple[int, object]]


class ChipHandle(Protocol):
    """Where a chip of the system runs: `LocalChip` here, or a worker process
    (runtime/system_workers.py). `start` begins step ``k`` of the chip's plan (a segment);
    `finish` returns its (cycles, result) once done, the result being the model's (e.g. a
    `MachineResult`), its `Counters` alone, or None; `read`/`write` move link data."""

    def start(self, k: int) -> None: ...

    def finish(self) -> tuple[int, object]: ...

    def read(self, loc: Loc, rows: int, cols: int) -> tuple[np.ndarray, DType]: ...

    def write(self, loc: Loc, raw: np.ndarray) -> None: ...


class LocalChip:
    """A chip in this process: segments run at `start` with ``execute`` on ``state``."""

    def __init__(self, steps: tuple, state: ChipState, execute: Executor) -> None:
        self.steps, self.state, self.execute = steps, state, execute
        self._done: tuple[int, object] | ProgramError | None = None

    def start(self, k: int) -> None:
        try:
            self._done = self.execute(self.steps[k].program, self.state)
        except ProgramError as e:  # reported by `finish`, as a worker's would be
            self._done = e

    def finish(self) -> tuple[int, object]:
        done, self._done = self._done, None
        if isinstance(done, ProgramError):
            raise done
        assert done is not None
        return done

    def read(self, loc: Loc, rows: int, cols: int) -> tuple[np.ndarray, DType]:
        return self.state.read(loc, rows, cols, "send source"), self.state.dtype_of(loc.mem)

    def write(self, loc: Loc, raw: np.ndarray) -> None:
        self.state.write(loc, raw, "recv destination")


def fresh_state(plan: SystemPlan, chip: int) -> ChipState:
    """Chip ``chip`` holding its programs' initial DRAM contents."""
    st = ChipState(plan.system.chip)
    for p in plan.programs[chip]:
        st.load_program(p)
    return st


def fresh_states(plan: SystemPlan) -> list[ChipState]:
    """Every chip holding its programs' initial DRAM contents."""
    return [fresh_state(plan, c) for c in range(plan.system.chips)]


def run_system(
    plan: SystemPlan, execute: Executor, states: list[ChipState] | None = None
) -> SystemResult:
    """Run every chip's program with ``execute`` for its segments (see the module docstring);
    ``states`` given: continue on them, else fresh chips with their programs' DRAM contents."""
    states = fresh_states(plan) if states is None else states
    chips = [LocalChip(plan.steps[c], st, execute) for c, st in enumerate(states)]
    return run_chips(plan, chips, states)


def run_chips(
    plan: SystemPlan,
    chips: Sequence[ChipHandle],
    states: Sequence[ChipState | None] | None = None,
    wait: Callable[[list[int]], int] | None = None,
) -> SystemResult:
    """Run ``plan`` on ``chips``: every chip whose next step is a segment is started, link
    steps are done as their data allows, and ``wait(in_flight)`` picks a started chip to
    finish next (default: the first). Timing does not depend on that order. BLAS keeps one
    thread throughout (as each machine run would have it), limited once."""
    with one_blas_thread():
        return _run_chips(plan, chips, states, wait)


def _run_chips(
    plan: SystemPlan,
    chips: Sequence[ChipHandle],
    states: Sequence[ChipState | None] | None,
    wait: Callable[[list[int]], int] | None,
) -> SystemResult:
    system = plan.system
    n = system.chips
    runs = [ChipRun(None if states is None else states[c]) for c in range(n)]
    pcs = [0] * n
    in_flight: list[int] = []
    channels: dict[tuple[int, int], deque[Message]] = {}
    link_free: dict[tuple[int, int], int] = {}
    busy: dict[tuple[int, int], int] = {}
    nbytes: dict[tuple[int, int], int] = {}
    messages: list[Message] = []
    while True:
        progressed = False
        for c in range(n):
            while c not in in_flight and pcs[c] < len(plan.steps[c]):
                step = plan.steps[c][pcs[c]]
                if isinstance(step, Segment):
                    chips[c].start(pcs[c])
                    in_flight.append(c)
                elif isinstance(step.ins, Send):
                    msg = _send(system, c, step, runs[c], chips[c], link_free, busy, nbytes)
                    channels.setdefault((c, step.ins.link), deque()).append(msg)
                    messages.append(msg)
                    pcs[c] += 1
                else:
                    peer = system.neighbour(c, step.ins.link)
                    queue = channels.get((peer, system.peer_link(step.ins.link)))
                    if not queue:
                        break  # blocked until the sender gets there
                    _receive(system.chip, c, step, runs[c], chips[c], queue.popleft())
                    pcs[c] += 1
                progressed = True
        if in_flight:
            c = in_flight.pop(0 if wait is None else in_flight.index(wait(in_flight)))
            _finish(c, plan.steps[c][pcs[c]], chips[c], runs[c])
            pcs[c] += 1
            continue
        waiting = [c for c in range(n) if pcs[c] < len(plan.steps[c])]
        if not waiting:
            break
        if not progressed:
            c = waiting[0]
            step = plan.steps[c][pcs[c]]
            peer = system.neighbour(c, step.ins.link)
            raise SystemError_(
                c,
                step.index,
                step.ins.MNEMONIC,
                f"waits on link {step.ins.link} for a send chip {peer} never makes "
                f"(deadlock: chips {', '.join(map(str, waiting))} are all waiting)",
                step.source,
            )
    for (c, link), queue in sorted(channels.items()):
        if queue:
            m = queue[0]
            peer = system.neighbour(c, link)
            raise SystemError_(
                c,
                m.index,
                "send",
                f"on link {link}: no recv on chip {peer} "
                f"link {system.peer_link(link)} takes it (unmatched send)",
                m.source,
            )
    last = max((m.arrival for m in messages), default=0)
    total = max([last, *(r.cycles for r in runs)])
    return SystemResult(runs, busy, nbytes, messages, total)


def _finish(c: int, step: Segment, chip: ChipHandle, run: ChipRun) -> None:
    try:
        cycles, result = chip.finish()
    except ProgramError as e:
        raise ProgramError(
            step.first + e.index,
            e.mnemonic,
            f"on chip {c}{_of(step.source)}: {e.reason}",
            e.unit,
            e.cycle,
        ) from None
    run.intervals.append(("compute", "compute", run.cycles, run.cycles + cycles))
    counters = result if isinstance(result, Counters) else getattr(result, "counters", None)
    if counters is not None:
        for a, n in counters.actions.items():
            run.actions[a] = run.actions.get(a, 0) + n
    if result is not None and not isinstance(result, Counters):
        run.results.append(result)
    run.cycles += cycles
    run.compute += cycles


def _send(system, c, step, run, chip, link_free, busy, nbytes) -> Message:
    ins = step.ins
    try:
        if ins.rows < 1 or ins.cols < 1:
            raise Fault(f"rows={ins.rows} and cols={ins.cols} must both be at least 1")
        raw, dtype = chip.read(ins.src, ins.rows, ins.cols)
    except Fault as e:
        raise SystemError_(c, step.index, "send", str(e), step.source) from None
    size = raw.size * dtype.nbytes
    key = (c, ins.link)
    start = max(run.cycles, link_free.get(key, 0))
    length = system.transfer_cycles(size)
    link_free[key] = start + length
    busy[key] = busy.get(key, 0) + length
    nbytes[key] = nbytes.get(key, 0) + size
    run.intervals.append((f"send link {ins.link}", f"link {ins.link}", start, start + length))
    arrival = start + length + system.link_latency
    return Message(c, step.index, step.source, ins.link, raw, dtype, start, arrival)


def _receive(
    config: ChipConfig, c: int, step: LinkStep, run: ChipRun, chip: ChipHandle, msg: Message
) -> None:
    ins = step.ins
    dtype = mem_dtype(config, ins.dst.mem)
    if msg.raw.shape != (ins.rows, ins.cols) or dtype != msg.dtype:
        _mismatch(c, step, msg, dtype.value)
    try:
        chip.write(ins.dst, msg.raw)
    except Fault as e:
        raise SystemError_(c, step.index, "recv", str(e), step.source) from None
    if msg.arrival > run.cycles:
        waited_from = run.cycles
        in_flight = max(waited_from, msg.start)
        run.imbalance += in_flight - waited_from
        run.exposed += msg.arrival - in_flight
        run.intervals.append(("wait", "wait", waited_from, msg.arrival))
        run.cycles = msg.arrival


def _mismatch(c: int, step: LinkStep, msg: Message, dtype: str) -> None:
    ins = step.ins
    raise SystemError_(
        c,
        step.index,
        "recv",
        f"on link {ins.link} expects {ins.rows}x{ins.cols} {dtype} but chip {msg.chip} "
        f"instruction {msg.index} sends {msg.raw.shape[0]}x{msg.raw.shape[1]} "
        f"{msg.dtype.value}",
        step.source,
    )


def functional_executor(program: Program, state: ChipState) -> tuple[int, object]:
    """Segments on the functional model: values only, no time."""
    return 0, run_functional(program, state)


def machine_executor(fidelity: Fidelity | str = Fidelity.FAST) -> Executor:
    """Segments on the cycle-level machine at ``fidelity`` (its `MachineResult` per segment)."""

    def execute(program: Program, state: ChipState) -> tuple[int, object]:
        result = run_machine(program, fidelity, state=state, trace=False)
        return result.cycles, result

    return execute


def _of(source: int | None) -> str:
    return "" if source is None else f" program {source}"
