"""Full address ranges and a mutation check: deliberate RTL bugs must make co-simulation fail.

Each mutation is applied by monkeypatching one piece of chip/hdl for the duration of a test;
`_diverges` then runs the same co-simulation as tests/hdl/test_cosim.py (values against a NumPy
reference and the cycle-level machine, every instruction's start and end cycle) and reports
whether any comparison failed. The unmutated RTL passes the same checks
(`test_both_ends_of_both_memories_match_the_machine`), so a detected divergence is the bug's.
"""

import dataclasses

import numpy as np
import pytest
from amaranth import Module

import chip.hdl.accumulator
import chip.hdl.array
import chip.hdl.pe
import chip.hdl.scratchpad
from chip.config import Dataflow, load_preset
from chip.hdl.banked_ram import BankedRam
from chip.hdl.cosim import run_rtl
from chip.isa import Halt, Matmul, sp
from chip.machine import run_machine
from chip.program import Phase, Program, Tag
from chip.state import ChipState
from tests.hdl.random_programs import ACC_ROWS, SPAD_ROWS, numpy_reference, random_case


def _two_ended_case(cfg, seed):
    """One random program at the bottom of both memories and a second, on other data, at the
    top: any address bit the RTL drops makes the two halves collide."""
    low = random_case(cfg, seed=seed)
    high = random_case(cfg, seed=seed + 1)
    spad_top, acc_top = cfg.spad_rows - SPAD_ROWS, cfg.acc_rows - ACC_ROWS
    moved = []
    for ins in high.instrs:
        if isinstance(ins, Matmul) and cfg.dataflow is not Dataflow.OS:
            ins = dataclasses.replace(ins, x=ins.x + spad_top, out=ins.out + acc_top)
        elif isinstance(ins, Matmul):
            ins = dataclasses.replace(
                ins, x=ins.x + spad_top, y=ins.y + spad_top, out=ins.out + acc_top
            )
        else:
            ins = dataclasses.replace(ins, src=ins.src + spad_top)
        moved.append(ins)
    return low, high, (*low.instrs, *moved), spad_top, acc_top


def _check(cfg, seed):
    """Co-simulate the two-ended program; raise AssertionError on any divergence."""
    low, high, instrs, spad_top, acc_top = _two_ended_case(cfg, seed)
    acc_rows = [*range(ACC_ROWS), *range(acc_top, acc_top + ACC_ROWS)]
    rtl = run_rtl(cfg, instrs, low.spad, 0, spad_blocks=[(spad_top, high.spad)], acc_read=acc_rows)
    bits = rtl.acc.view(np.uint32)
    for part, case in ((bits[:ACC_ROWS], low), (bits[ACC_ROWS:], high)):
        expect, written = numpy_reference(cfg, case)
        assert written.any()
        assert np.array_equal(part[written], expect.view(np.uint32)[written])

    state = ChipState(cfg)
    state.write(sp(0), low.spad, "low block")
    state.write(sp(spad_top), high.spad, "high block")
    program = Program(cfg, (*instrs, Halt()), [Tag("cosim", Phase.FORWARD)] * (len(instrs) + 1), {})
    machine = run_machine(program, fidelity="pe", state=state)
    mask = state.acc_written[acc_rows]
    assert np.array_equal(bits[mask], state.acc[acc_rows].view(np.uint32)[mask])
    assert [(e.index, e.start, e.end) for e in rtl.events] == [
        (e.index, e.start, e.end) for e in machine.events
    ]
    assert rtl.cycles == machine.cycles


def _diverges(cfg, seed=5):
    try:
        _check(cfg, seed)
    except AssertionError:
        return True
    return False


def _chip(dataflow):
    return load_preset("tiny").replace(dataflow=dataflow)


@pytest.mark.parametrize("dataflow", list(Dataflow))
def test_both_ends_of_both_memories_match_the_machine(dataflow):
    cfg = _chip(dataflow)
    assert cfg.spad_rows - SPAD_ROWS >= 1 << 6 and cfg.acc_rows - ACC_ROWS >= 1 << 5
    _check(cfg, seed=5)


def _narrow_ram(bits):
    """A `BankedRam` whose ports see only the low ``bits`` bits of every address."""

    class NarrowRam(BankedRam):
        def elaborate(self, platform):
            m = Module()
            m.submodules.inner = inner = BankedRam(
                self.row,
                self.depth,
                self.banks,
                self.reads,
                self.writes,
                waiting=self.waiting,
                sync=self.sync,
            )
            for name in self.reads:
                outer, port = getattr(self, name), getattr(inner, name)
                m.d.comb += [port.addr.eq(outer.addr[:bits]), outer.data.eq(port.data)]
            for name in self.writers:
                outer, port = getattr(self, name), getattr(inner, name)
                m.d.comb += [
                    port.addr.eq(outer.addr[:bits]),
                    port.data.eq(outer.data),
                    port.en.eq(outer.en),
                ]
            if self.waiting:
                m.d.comb += self.free.eq(inner.free)
            return m

    return NarrowRam


def _drop_one_skew_stage(real):
    def delay(m, value, cycles, name, control=False):
        if name.startswith("west_skew") and cycles > 1:
            cycles -= 1
        return real(m, value, cycles, name, control)

    return delay


def _ignore_first_choice(real):
    # Mux(sel, a, b) that always picks b: the accumulator never accumulates, the PE always
    # multiplies by its active (never its shadow) register.
    return lambda sel, a, b: b


MUTATIONS = {
    "scratchpad reads 6 address bits": (chip.hdl.scratchpad, "BankedRam", lambda _: _narrow_ram(6)),
    "accumulator 5 address bits": (chip.hdl.accumulator, "BankedRam", lambda _: _narrow_ram(5)),
    "a west skew stage dropped": (chip.hdl.array, "_delay", _drop_one_skew_stage),
    "accumulate flag ignored": (chip.hdl.accumulator, "Mux", _ignore_first_choice),
    "flip cycle reads the old tile": (chip.hdl.pe, "Mux", _ignore_first_choice),
}


@pytest.mark.parametrize(
    "mutation,dataflow",
    [
        (mutation, dataflow)
        for mutation in MUTATIONS
        for dataflow in (Dataflow.WS, Dataflow.OS)
        # the OS PE has no stationary register to flip
        if not (mutation.startswith("flip") and dataflow is Dataflow.OS)
    ],
)
def test_each_deliberate_rtl_bug_is_caught(mutation, dataflow, monkeypatch):
    module, name, make = MUTATIONS[mutation]
    monkeypatch.setattr(module, name, make(getattr(module, name)))
    assert _diverges(_chip(dataflow)), f"co-simulation missed: {mutation}"
