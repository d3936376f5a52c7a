"""Chips in worker processes: the same results and errors as in this process, and link data
without a round trip per link instruction."""

from __future__ import annotations

import pytest

from chip.isa import Loc, Mem, Recv
from chip.links import SystemError_, machine_executor, plan_system, run_chips, run_system
from chip.system import ring
from compiler.parallel import all_reduce_programs
from runtime.system_workers import WorkerPool
from tests.system.test_all_reduce import _values
from tests.system.test_links import TINY, X, _exchange, _load, _program, _store


def test_all_reduce_on_workers_sends_no_read_requests() -> None:
    system = ring(TINY, 4, 8, 20)
    programs = all_reduce_programs(system, 16, 4, _values(4, 16, 4), pieces=2)
    plan = plan_system(system, programs)
    here = run_system(plan, machine_executor("fast"))
    with WorkerPool(plan, "fast") as pool:
        sent: list[str] = []
        for chip in pool.chips:
            send = chip.conn.send
            chip.conn.send = lambda m, send=send: (sent.append(m[0]), send(m))[1]
        there = run_chips(plan, pool.chips, wait=pool.wait)
        x = programs[0].tensor("x")
        for c, run in enumerate(here.chips):
            assert (pool.read_tensor(c, x) == run.state.read_tensor(x)).all()
    assert there.cycles == here.cycles
    key = lambda m: (m.chip, m.index)  # noqa: E731
    assert [(key(m), m.start, m.arrival) for m in sorted(there.messages, key=key)] == [
        (key(m), m.start, m.arrival) for m in sorted(here.messages, key=key)
    ]
    recvs = sum(isinstance(s.ins, Recv) for steps in plan.steps for s in steps if hasattr(s, "ins"))
    # one request per segment and per RECV (no answer awaited), none per SEND
    assert sent.count("read") == 0 and sent.count("write_async") == recvs


@pytest.mark.parametrize("workers", [False, True])
def test_recv_outside_memory_is_the_same_error(workers: bool) -> None:
    system = ring(TINY, 2, 8, 30)
    plan, _ = _exchange(system)
    bad = Recv(link=1, dst=Loc(Mem.ACCF, TINY.acc_rows - 4), rows=8, cols=4)
    p1 = _program([_load(), bad, _store()])
    plan = plan_system(system, [plan.programs[0][0], p1])
    want = r"chip 1 instruction 1 \(recv\): recv destination: rows .* exceed the"
    with pytest.raises(SystemError_, match=want):
        if workers:
            with WorkerPool(plan, "fast") as pool:
                run_chips(plan, pool.chips, wait=pool.wait)
        else:
            run_system(plan, machine_executor("fast"))
    assert X.shape == (8, 4)
