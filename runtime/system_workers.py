"""Chips of a system in worker processes: one process per chip, link data through pipes.

`WorkerPool` forks one process per chip (each holds its chip's state and the segments of its
plan); `chip.links.run_chips` drives them through `WorkerChip` handles, starting every chip
whose next step is a segment at once, so the segments of different chips run in parallel.
Link data, a step's inputs and its outputs cross the pipes; a chip's DRAM never does. Results
equal those of the chips run in this process (the same programs on the same states, and
timing does not depend on the order the chips finish in).
"""

from __future__ import annotations

import multiprocessing as mp
from multiprocessing.connection import Connection, wait
from typing import Any

import numpy as np

from chip.dtypes import DType
from chip.errors import Fault, ProgramError
from chip.isa import Loc
from chip.links import SystemPlan, fresh_state, functional_executor, machine_executor
from chip.program import TensorInfo
from chip.state import ChipState


def _serve(conn: Connection, plan: SystemPlan, chip: int, fidelity: str) -> None:
    """A worker's loop: answer the coordinator's requests on its chip until told to stop."""
    execute = functional_executor if fidelity == "functional" else machine_executor(fidelity)
    state = fresh_state(plan, chip)
    steps = plan.steps[chip]
    while True:
        what, *args = conn.recv()
        try:
            if what == "start":
                cycles, result = execute(steps[args[0]].program, state)
                conn.send(("ok", (cycles, getattr(result, "counters", None))))
            elif what == "read":
                loc, rows, cols = args
                conn.send(
                    ("ok", (state.read(loc, rows, cols, "send source"), state.dtype_of(loc.mem)))
                )
            elif what == "write":
                state.write(args[0], args[1], "recv destination")
                conn.send(("ok", None))
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


def _reply(conn: Connection) -> Any:
    kind, value = conn.recv()
    if kind == "program_error":
        raise ProgramError(*value)
    if kind == "fault":
        raise Fault(value)
    return value


class WorkerChip:
    """The `chip.links.ChipHandle` of a chip in a worker process."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def start(self, k: int) -> None:
        self.conn.send(("start", k))

    def finish(self) -> tuple[int, object]:
        return _reply(self.conn)  # (cycles, the segment's Counters or None)

    def read(self, loc: Loc, rows: int, cols: int) -> tuple[np.ndarray, DType]:
        self.conn.send(("read", loc, rows, cols))
        return _reply(self.conn)

    def write(self, loc: Loc, raw: np.ndarray) -> None:
        self.conn.send(("write", loc, raw))
        _reply(self.conn)

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
            self.chips.append(WorkerChip(here))
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
