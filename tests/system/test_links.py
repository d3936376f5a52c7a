"""Link instructions and the system runner: values, timing rule, and the one-line errors."""

from __future__ import annotations

import numpy as np
import pytest

from chip.asm import format_instr, parse_instr
from chip.config import load_preset
from chip.dtypes import DType
from chip.errors import ProgramError
from chip.functional import run_functional
from chip.hdl.run_program import check_program
from chip.isa import (
    Halt,
    Load,
    Loc,
    Mem,
    Recv,
    Send,
    Store,
    Vec,
    VecOp,
    decode,
    decode_program,
    encode_program,
)
from chip.links import (
    Segment,
    SystemError_,
    functional_executor,
    machine_executor,
    plan_system,
    run_system,
)
from chip.machine import machine
from chip.machine.machine import run_machine
from chip.program import Phase, Program, Tag, TensorInfo, TensorKind
from chip.system import ring
from compiler.parallel import all_reduce_programs

TINY = load_preset("tiny")
TAG = Tag("t", Phase.FORWARD)
X = TensorInfo("x", 0, (8, 4), DType.FP32, TensorKind.STATE)


def _program(body: list, x: np.ndarray | None = None) -> Program:
    body = [*body, Halt()]
    init = {} if x is None else {"x": x.astype(np.float32)}
    return Program(TINY, body, [TAG] * len(body), {"x": X}, init)


def _load() -> Load:
    return Load(dram=0, dst=Loc(Mem.ACCF, 0), rows=8, cols=4, stride=16, transpose=False)


def _store(row: int = 0) -> Store:
    return Store(dram=0, src=Loc(Mem.ACCF, row), rows=8, cols=4, stride=16, transpose=False)


def _add(dst: int, a: int, b: int) -> Vec:
    return Vec(
        op=VecOp.ADD, dst=Loc(Mem.ACCF, dst), src1=Loc(Mem.ACCF, a), src2=Loc(Mem.ACCF, b),
        rows=8, cols=4, bcast1=False, bcast2=False, imm=0.0,
    )  # fmt: skip


def _exchange(system):
    """Chip 0 sends its x to chip 1, which adds it to its own and stores the sum."""
    rng = np.random.default_rng(0)
    xs = [rng.standard_normal((8, 4)).astype(np.float32) for _ in range(2)]
    send = Send(link=0, src=Loc(Mem.ACCF, 0), rows=8, cols=4)
    recv = Recv(link=1, dst=Loc(Mem.ACCF, 8), rows=8, cols=4)
    p0 = _program([_load(), send], xs[0])
    p1 = _program([_load(), recv, _add(0, 0, 8), _store()], xs[1])
    return plan_system(system, [p0, p1]), xs


def test_link_instructions_round_trip() -> None:
    ins = [
        Send(link=3, src=Loc(Mem.SPAD, 7), rows=2, cols=5),
        Recv(link=1, dst=Loc(Mem.ACC, 9), rows=2, cols=5),
    ]
    assert decode_program(encode_program(ins)) == ins
    for i in ins:
        assert decode(i.encode()) == i
        assert parse_instr(format_instr(i)) == i
    with pytest.raises(ValueError, match="send.link = 8 does not fit in 3 bits"):
        Send(link=8, src=Loc(Mem.SPAD, 0), rows=1, cols=1)


def test_single_chip_models_refuse_link_instructions() -> None:
    p = _program([Send(link=0, src=Loc(Mem.ACCF, 0), rows=1, cols=1)])
    with pytest.raises(ProgramError, match=r"instruction 0 \(send\): a link instruction runs only"):
        run_functional(p)
    with pytest.raises(ProgramError, match=r"instruction 0 \(send\): a link instruction runs only"):
        run_machine(p)


@pytest.mark.parametrize("fidelity", ["functional", "fast", "pe"])
def test_exchange_values_equal_numpy(fidelity: str) -> None:
    system = ring(TINY, 2, 8, 30)
    plan, xs = _exchange(system)
    ex = functional_executor if fidelity == "functional" else machine_executor(fidelity)
    res = run_system(plan, ex)
    got = res.chips[1].state.read_tensor(X)
    np.testing.assert_array_equal(got, xs[1] + xs[0])
    np.testing.assert_array_equal(res.chips[0].state.read_tensor(X), xs[0])


def test_exchange_timing_rule() -> None:
    system = ring(TINY, 2, 8, 30)
    plan, _ = _exchange(system)
    res = run_system(plan, machine_executor("fast"))
    load0 = res.chips[0].results[0].cycles
    (msg,) = res.messages
    assert msg.start == load0  # the send issues when the chip's load has finished
    assert msg.arrival == load0 + 128 // 8 + 30  # 8 x 4 fp32 = 128 bytes at 8 bytes/cycle
    c1 = res.chips[1]
    # chip 1 waits for the data, then runs its add and store
    assert len(c1.results) == 2  # [load], then [add, store] after the recv
    assert c1.cycles == msg.arrival + c1.results[1].cycles
    assert res.link_busy == {(0, 0): 16} and res.link_bytes == {(0, 0): 128}
    assert c1.exposed + c1.imbalance == msg.arrival - c1.results[0].cycles
    assert res.cycles == c1.cycles


def test_one_transfer_per_link_direction() -> None:
    system = ring(TINY, 2, 4, 10)
    sends = [Send(link=0, src=Loc(Mem.ACCF, 0), rows=8, cols=4) for _ in range(2)]
    recvs = [Recv(link=1, dst=Loc(Mem.ACCF, 8), rows=8, cols=4) for _ in range(2)]
    res = run_system(
        plan_system(system, [_program([_load(), *sends]), _program(recvs)]),
        machine_executor("fast"),
        None,
    )
    a, b = res.messages
    assert b.start == a.start + 32  # the second waits for the first's 32 cycles on the wire
    assert b.arrival == a.arrival + 32  # latency is paid once for back-to-back transfers
    assert res.chips[1].cycles == b.arrival


def test_deadlock_names_chip_instruction_and_link() -> None:
    system = ring(TINY, 2, 8, 30)
    recv = Recv(link=1, dst=Loc(Mem.ACCF, 8), rows=8, cols=4)
    plan = plan_system(system, [_program([_load(), recv]), _program([_load(), recv])])
    with pytest.raises(
        SystemError_,
        match=r"chip 0 instruction 1 \(recv\): waits on link 1 for a send chip 1 never "
        r"makes \(deadlock",
    ):
        run_system(plan, functional_executor)


def test_unmatched_send_and_mismatched_sizes() -> None:
    system = ring(TINY, 2, 8, 30)
    send = Send(link=0, src=Loc(Mem.ACCF, 0), rows=8, cols=4)
    plan = plan_system(system, [_program([_load(), send]), _program([])])
    with pytest.raises(
        SystemError_,
        match=r"chip 0 instruction 1 \(send\): on link 0: no recv on chip 1 link 1 takes it "
        r"\(unmatched send\)",
    ):
        run_system(plan, functional_executor)
    small = Recv(link=1, dst=Loc(Mem.ACCF, 8), rows=4, cols=4)
    plan = plan_system(system, [_program([_load(), send]), _program([small])])
    with pytest.raises(
        SystemError_,
        match=r"chip 1 instruction 0 \(recv\): on link 1 expects 4x4 fp32 but chip 0 "
        r"instruction 1 sends 8x4 fp32",
    ):
        run_system(plan, functional_executor)


def test_plan_refuses_bad_links_and_tokens_across_fences() -> None:
    system = ring(TINY, 2, 8, 30)
    bad = Send(link=2, src=Loc(Mem.ACCF, 0), rows=1, cols=1)
    with pytest.raises(SystemError_, match=r"chip 1 instruction 1 \(send\): chip 1 has no link 2"):
        plan_system(system, [_program([]), _program([_load(), bad])])
    crossing = [
        _load().with_deps(push_next=True),
        Send(link=0, src=Loc(Mem.ACCF, 0), rows=1, cols=1),
    ]
    with pytest.raises(
        SystemError_,
        match=r"chip 0 instruction 1 \(send\): the dependency tokens of instructions 0..0 "
        r"do not balance",
    ):
        plan_system(system, [_program(crossing), _program([])])


def test_fault_in_a_segment_names_the_chip_and_program_index() -> None:
    system = ring(TINY, 2, 8, 30)
    recv = Recv(link=1, dst=Loc(Mem.ACCF, 8), rows=8, cols=4)
    send = Send(link=0, src=Loc(Mem.ACCF, 0), rows=8, cols=4)
    bad = _add(0, 0, 100)  # reads rows never written
    plan = plan_system(system, [_program([_load(), send]), _program([recv, bad])])
    with pytest.raises(ProgramError, match=r"instruction 1 \(vec\).*on chip 1: .*never written"):
        run_system(plan, machine_executor("fast"))


def test_rtl_refuses_link_instructions() -> None:
    p = _program([_load(), Send(link=0, src=Loc(Mem.ACCF, 0), rows=1, cols=1)])
    with pytest.raises(ProgramError, match=r"instruction 1 \(send\): a link instruction runs only"):
        check_program(p, "amaranth")


def test_a_system_run_limits_the_blas_threads_once(monkeypatch: pytest.MonkeyPatch) -> None:
    real = machine._threadpools()
    limits: list[dict] = []

    class Counting:
        def limit(self, **kw):
            limits.append(kw)
            return real.limit(**kw)

    monkeypatch.setattr(machine, "_threadpools", lambda: Counting())
    system = ring(TINY, 2, 8, 20)
    plan = plan_system(system, all_reduce_programs(system, 16, 4, pieces=2))
    segments = sum(isinstance(s, Segment) for steps in plan.steps for s in steps)
    assert segments > 4
    run_system(plan, machine_executor("fast"))
    assert limits == [{"limits": 1, "user_api": "blas"}]
    with machine.one_blas_thread(), machine.one_blas_thread():
        blas = [p for p in real.info() if p["user_api"] == "blas"]
        assert blas and all(p["num_threads"] == 1 for p in blas)
    assert len(limits) == 2  # the nested block limited nothing more
