"""Instruction emission: collect instructions with their tags, derive the dependency tokens.

The lowering writes instructions in program order without thinking about tokens. `Emitter`
derives them from what each instruction reads and writes (scratchpad rows, accumulator rows,
DRAM bytes), so the decoupled machine (load, execute and store queues running concurrently)
computes exactly what program order computes, with no more waiting than the hazards need.
Double buffering therefore falls out of buffer allocation: a load into a slot the execute
queue is not reading proceeds while the array computes.

Token model (VTA/Gemmini): four FIFO channels, load->execute, execute->load, execute->store and
store->execute. ``push_X`` sends a token when the instruction completes; ``pop_X`` waits for one
before the instruction starts; the k-th pop on a channel consumes the k-th push. We rely on each
queue completing its instructions in order, so a token from instruction ``a`` proves every
earlier instruction of ``a``'s queue complete too. Hazards inside one queue are the machine's
(in-order) business. Load and store queues are not adjacent: a hazard between them is relayed
by the execute queue (its latest instruction if that follows the producer, otherwise a
one-element vector SET on the reserved sync row is inserted).

Both steps run over the whole program in numba: the hazard scan (chip/machine/hazard_kernel.py)
over flat arrays of every instruction's accesses, then the token rules
(chip/machine/token_kernel.py) over the hazards it finds.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from chip.config import ChipConfig
from chip.isa import Halt, Instr, Mem, Vec, VecOp, acc
from chip.machine.token_kernel import derive_tokens
from chip.program import Phase, Tag
from compiler.lower.dma_records import Recorded, dma_maker, made, with_flags
from compiler.lower.hazards import DramAccesses, Hazards


def sync_row(config: ChipConfig) -> int:
    """The accumulator row reserved for token-relay instructions (the last one)."""
    return config.acc_rows - 1


class Emitted(NamedTuple):
    """What `Emitter.finish` returns: the instructions with their tokens and a final halt,
    their tags, and their DRAM accesses (found while deriving the tokens; the layer table
    counts the bytes each tag moves from them)."""

    instrs: list[Instr]
    tags: list[Tag]
    dram: DramAccesses


class Emitter:
    """Program-order instruction list with tags; `finish` derives the tokens.

    Contract: `emit` appends one instruction (without dependency flags) tagged with the current
    ``tag``; `finish` returns the instructions with their tokens and a final `Halt`, such that
    any schedule the token rules allow computes what program order computes. Emitting only
    records: the residency plan's first lowering pass (compiler/lower/program.py) is never
    finished, so it pays nothing for tokens.
    """

    def __init__(self, config: ChipConfig, dram_bytes: int) -> None:
        self.config = config
        self.tag = Tag("program", Phase.FORWARD)
        self._dram_bytes = dram_bytes
        self._instrs: list[Instr] = []
        self._tags: list[Tag] = []
        self.relays = 0  # token-relay instructions `finish` inserted

    def __len__(self) -> int:
        return len(self._instrs)

    def emit(self, ins: Instr) -> None:
        """Append ``ins`` (its dependency flags must be clear) with the current tag."""
        if isinstance(ins, Halt):
            raise ValueError("the emitter appends the halt itself in finish()")
        self._instrs.append(ins)
        self._tags.append(self.tag)

    def dma(
        self,
        load: bool,
        dram: int,
        mem: Mem,
        row: int,
        rows: int,
        cols: int,
        stride: int,
        transpose: bool,
    ) -> None:
        """Append ``Load(dram=dram, dst=Loc(mem, row), rows=rows, cols=cols, stride=stride,
        transpose=transpose)`` (the `Store` from those rows unless ``load``) with the current
        tag. Tiled programs are mostly DMAs: their fields are kept as a tuple, checked all at
        once by `finish` (a value the instruction could not hold raises there, as its
        constructor would), which makes each instruction once, with its tokens."""
        self._instrs.append((dram, rows, cols, stride, transpose, row, load, mem))
        self._tags.append(self.tag)

    def drop(self, spans: list[tuple[int, int]]) -> None:
        """Remove the instructions of the [first, end) ``spans`` (in order, disjoint)."""
        if not spans:
            return
        instrs, tags = [], []
        at = 0
        for first, end in spans:
            instrs += self._instrs[at:first]
            tags += self._tags[at:first]
            at = end
        self._instrs = instrs + self._instrs[at:]
        self._tags = tags + self._tags[at:]

    def finish(self) -> Emitted:
        """The instructions with their dependency flags (relays inserted), ending in a halt."""
        tokens = Hazards(self.config, self._dram_bytes)
        instrs, tags = self._instrs, self._tags
        dmas = Recorded.of(instrs)
        if dmas is None:  # a value no instruction field holds as is: the constructor's word
            instrs = [made(x) if type(x) is tuple else x for x in instrs]
            dmas = Recorded.of(instrs)
        queue, kind, need, dram = tokens.conflicts(instrs, dmas)
        source, flags = derive_tokens(queue, need, kind, bool(self.config.double_buffer_stationary))
        make = dma_maker()
        # a relay before instruction -1 - j (source j < 0) has its tag; the relay itself is
        # the entry after the instructions
        placed = np.where(source >= 0, source, len(instrs)).tolist()
        tag_of = np.where(source >= 0, source, -1 - source).tolist()
        pick = [*instrs, _relay(self.config)].__getitem__
        out: list[Instr] = [
            make(ins, f) if type(ins) is tuple else with_flags(ins, f) if f else ins
            for ins, f in zip(map(pick, placed), flags.tolist(), strict=True)
        ]
        out_tags = list(map(tags.__getitem__, tag_of))
        self.relays = len(out) - len(instrs)
        final = np.flatnonzero(source >= 0)  # where each instruction went
        out.append(Halt())
        out_tags.append(self.tag)
        return Emitted(out, out_tags, dram._replace(instr=final[dram.instr]))


def _relay(config: ChipConfig) -> Vec:
    """A token relay: one execute instruction that passes a token on."""
    row = sync_row(config)
    return Vec(
        op=VecOp.SET,
        dst=acc(row),
        src1=acc(row),
        src2=acc(row),
        rows=1,
        cols=1,
        bcast1=False,
        bcast2=False,
        imm=0.0,
    )
