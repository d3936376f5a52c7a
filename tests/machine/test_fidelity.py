"""One `Fidelity` enum for every model of the chip; the machine runs two of them."""

import pytest

from chip.errors import ChipError
from chip.fidelity import Fidelity
from chip.isa import Halt
from chip.machine import run_machine
from tests.machine.helpers import chip4, program


def test_parse_names_every_choice():
    assert Fidelity.parse("pe") is Fidelity.PE and Fidelity.parse(Fidelity.RTL) is Fidelity.RTL
    with pytest.raises(ChipError, match="unknown fidelity 'sampled'; expected one of functional"):
        Fidelity.parse("sampled")
    assert [f for f in Fidelity if f.on_machine] == [Fidelity.FAST, Fidelity.PE]
    assert [f for f in Fidelity if not f.has_cycles] == [Fidelity.FUNCTIONAL]


def test_the_machine_refuses_the_other_models():
    prog = program(chip4(), [Halt()])
    assert run_machine(prog, Fidelity.PE).cycles == run_machine(prog, "fast").cycles
    for other in ("rtl", Fidelity.FUNCTIONAL):
        with pytest.raises(ValueError, match="runs fidelity fast or pe, not"):
            run_machine(prog, other)
