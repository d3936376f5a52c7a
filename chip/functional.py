"""The functional model: runs a program instruction by instruction, in program order.

It has no notion of time; dependency tokens are checked for consistency with the queues they
name but otherwise ignored, since program order already satisfies every dependency. Its results
are the reference the cycle-level machine (both fidelities) and the RTL must reproduce bit for
bit.
"""

from __future__ import annotations

from dataclasses import dataclass

from chip.errors import Fault, ProgramError
from chip.isa import Halt, Instr, Queue
from chip.program import Program
from chip.semantics import execute
from chip.state import ChipState


@dataclass
class FunctionalResult:
    """The state after a run and how many instructions executed (up to and including halt)."""

    state: ChipState
    executed: int


def check_deps(ins: Instr) -> None:
    """Raise if a dependency flag names a queue that does not exist for this instruction."""
    q = ins.QUEUE
    if q is None:
        if ins.pop_prev or ins.pop_next or ins.push_prev or ins.push_next:
            raise Fault("halt takes no dependency flags")
        return
    if q is Queue.LOAD and (ins.pop_prev or ins.push_prev):
        raise Fault("the load queue has no previous queue to exchange tokens with")
    if q is Queue.STORE and (ins.pop_next or ins.push_next):
        raise Fault("the store queue has no next queue to exchange tokens with")


def run_functional(program: Program, state: ChipState | None = None) -> FunctionalResult:
    """Execute ``program`` on ``state`` (a fresh chip with the program's initial DRAM contents
    if None) and return the final state. Errors name the instruction index and opcode."""
    if state is None:
        state = ChipState(program.config)
        state.load_program(program)
    executed = 0
    for index, ins in enumerate(program.instrs):
        try:
            check_deps(ins)
            execute(state, ins)
        except Fault as e:
            raise ProgramError(index, ins.MNEMONIC, str(e)) from None
        executed += 1
        if isinstance(ins, Halt):
            break
    return FunctionalResult(state, executed)
