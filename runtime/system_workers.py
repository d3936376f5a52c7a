"""Chips of a system in worker processes: one process per chip, link data through pipes.

`WorkerPool` forks one process per chip (each holds its chip's state and the segments of its
plan); `chip.links.run_chips` drives them through `WorkerChip` handles, starting every chip
whose next step is a segment at once, so the segments of different chips run in parallel.
Link data, a step's inputs and its outputs cross the pipes; a chip's DRAM never does, nor do
the programs (forked with the plan). Link data avoids round trips (`WorkerChip`). Results
equal those of the chips run in this process (the same programs on the same states, and
timing does not depend on the order the chips finish in).
"""

from __future__ import annotations

import multiprocessing as mp
from collections import deque
from multiprocessing.connection import Connection, wait
from typing import Any

import numpy as np

from chip.config import ChipConfig
from chip.dtypes import DType
from chip.errors import Fault, ProgramError
from chip.isa import Loc, Send
from chip.links import LinkStep, SystemPlan, fresh_state, functional_executor, machine_executor
from chip.machine.machine import one_blas_thread
from chip.program import TensorInfo
from chip.state import ChipState


def _serve(conn: Connection, plan: SystemPlan, chip: int, fidelity: str) -> None:
    """A worker's loop: answer the coordinator's requests on its chip until told to stop,
    with BLAS on one thread throughout (limited once, not per segment)."""
    with one_blas_thread():
        _answer(conn, plan, chip, fidelity)


def _answer(conn: Connection, plan: SystemPlan, chip: int, fidelity: str) -> None:
    execute = functional_executor if fidelity == "functional" else machine_executor(fidelity)
    state = fresh_state(plan, chip)
    steps = plan.steps[chip]
    while True:
        what, *args = conn.recv()
        try:
            if what == "start":
                k = args[0]
                cycles, result = execute(steps[k].program, state)
                sends = _read_sends(state, steps, k + 1)
                conn.send(("ok", (cycles, getattr(result, "counters", None), sends)))
            elif what == "write_async":  # no reply: the coordinator checked the destination
                state.write(args[0], args[1], "recv destination")
            elif what == "read":
                loc, rows, cols = args
                conn.send(
                    ("ok", (state.read(loc, rows, cols, "send source"), state.dtype_of(loc.mem)))
                )
            elif what == "fresh":  # on-chip memories unwritten, DRAM kept
                dram, state = state.dram, ChipState(plan.system.chip)
                state.dram = dram
                conn.send(("ok", None))
            elif what == "write_tensor":
                state.write_tensor(args[0], args[1])
                conn.send(("ok", None))
            elif what == "read_tensor":
                conn.send(("ok", state.read_tensor(args[0])))
            elif what == "stop":
                conn.send(("ok", None))
                return
            else:
                raise ValueError(f"unknown request {what!r}")
        except ProgramError as e:
            conn.send(("program_error", (e.index, e.mnemonic, e.reason, e.unit, e.cycle)))
        except Fault as e:
            conn.send(("fault", str(e)))


def _read_sends(state: ChipState, steps: tuple, first: int) -> list[tuple[str, Any]]:
    """The source data of the SENDs from step ``first`` up to the next RECV or segment, read
    now (nothing changes the state before the coordinator takes them), each ``("ok", (raw,
    dtype))`` or ``("fault", message)``: the coordinator then needs no round trip per SEND."""
    out: list[tuple[str, Any]] = []
    for step in steps[first:]:
        if not (isinstance(step, LinkStep) and isinstance(step.ins, Send)):
            break
        ins = step.ins
        try:
            if ins.rows < 1 or ins.cols < 1:
                break  # the coordinator's own check reports it
            raw = state.read(ins.src, ins.rows, ins.cols, "send source")
            out.append(("ok", (raw, state.dtype_of(ins.src.mem))))
        except Fault as e:
            out.append(("fault", str(e)))
            break
    return out


def _reply(conn: Connection) -> Any:
    kind, value = conn.recv()
    if kind == "program_error":
        raise ProgramError(*value)
    if kind == "fault":
        raise Fault(value)
    return value


class WorkerChip:
    """The `chip.links.ChipHandle` of a chip in a worker process.

    Link data costs no round trip where it can be avoided: a segment's reply carries the data
    of the SENDs right after it (read by the worker, `_read_sends`), a SEND of exactly what the
    last RECV wrote takes that data, and a RECV's data is sent without waiting for an answer,
    its destination checked here against an empty state of the same chip (pipes keep order,
    so it lands before the worker's next request)."""

    def __init__(self, conn: Connection, config: ChipConfig) -> None:
        self.conn = conn
        self.shape = ChipState(config)  # never written: its memories map no pages
        self.sends: deque[tuple[str, Any]] = deque()
        self.written: tuple[Loc, np.ndarray] | None = None  # the last RECV's, since a segment

    def start(self, k: int) -> None:
        self.sends.clear()
        self.written = None
        self.conn.send(("start", k))

    def finish(self) -> tuple[int, object]:
        cycles, counters, sends = _reply(self.conn)
        self.sends.extend(sends)
        return cycles, counters

    def read(self, loc: Loc, rows: int, cols: int) -> tuple[np.ndarray, DType]:
        if self.sends:
            kind, value = self.sends.popleft()
            if kind == "fault":
                raise Fault(value)
            return value
        if (
            self.written is not None
            and self.written[0] == loc
            and self.written[1].shape
            == (
                rows,
                cols,
            )
        ):  # a SEND forwarding what the last RECV wrote (a ring's all-gather)
            return self.written[1].copy(), self.shape.dtype_of(loc.mem)
        self.conn.send(("read", loc, rows, cols))
        return _reply(self.conn)

    def write(self, loc: Loc, raw: np.ndarray) -> None:
        self.sends.clear()  # the prefetched SENDs end at a RECV
        self.shape.check_rows(loc, *raw.shape, "recv destination")
        self.conn.send(("write_async", loc, raw))
        self.written = (loc, raw)

    def request(self, *message: Any) -> Any:
        self.conn.send(message)
        return _reply(self.conn)


class WorkerPool:
    """One worker process per chip of ``plan`` (forked: they inherit the plan, nothing is
    pickled but requests and replies). Use as a context manager, or call `close`."""

    def __init__(self, plan: SystemPlan, fidelity: str) -> None:
        ctx = mp.get_context("fork")
        self.chips: list[WorkerChip] = []
        self.procs = []
        for c in range(plan.system.chips):
            here, there = ctx.Pipe()
            proc = ctx.Process(target=_serve, args=(there, plan, c, fidelity), daemon=True)
            proc.start()
            self.chips.append(WorkerChip(here, plan.system.chip))
            self.procs.append(proc)

    def wait(self, in_flight: list[int]) -> int:
        """The first of the started chips ``in_flight`` to have finished."""
        conns = {self.chips[c].conn: c for c in in_flight}
        return conns[wait(list(conns))[0]]

    def write_tensor(self, chip: int, t: TensorInfo, values: np.ndarray) -> None:
        self.chips[chip].request("write_tensor", t, values)

    def read_tensor(self, chip: int, t: TensorInfo) -> np.ndarray:
        return self.chips[chip].request("read_tensor", t)

    def fresh(self) -> None:
        for chip in self.chips:
            chip.request("fresh")

    def close(self) -> None:
        for chip, proc in zip(self.chips, self.procs, strict=True):
            if proc.is_alive():
                chip.request("stop")
            proc.join()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
