"""Bank ports in hardware: which ports an instruction reserves, and who may start first.

docs/timing.md: each memory is split into ``*_banks`` banks of consecutive rows, each with one
read and one write port; an instruction reserves, from its start, the read port of every bank it
reads and the write port of every bank it writes (until it ends; a STORE until its last row is
read), and may not start while an instruction of another queue holds one of them. Instructions
of several queues that could start in the same cycle are committed in program order, so a later
one conflicting with an earlier one waits.

A port set is a bit vector (`port_bits`): the scratchpad's read ports, the accumulator's read
ports, then the same for the write ports, one bit per bank. A unit that only ever reserves some
of them (the store engine the read half, a PRELOAD the scratchpad's read ports) exports
only those bits, widened to a whole set where the sets meet (`ChipTop`), so no port carries bits
that are constant by design.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from amaranth import Const, Mux, Value

from chip.config import ChipConfig
from chip.isa import ROW_BITS

SPAD, ACC = 0, 1
SPAD_CODE = 0  # chip.isa's memory code of the scratchpad (1, 2: the accumulator, its fp32 view)


def port_bits(config: ChipConfig) -> int:
    """Bits of a port set on ``config``."""
    return 2 * (config.spad_banks + config.acc_banks)


def half_bits(config: ChipConfig) -> int:
    """Bits of the read (or the write) half of a port set: one per bank of both memories."""
    return config.spad_banks + config.acc_banks


def ports(config: ChipConfig, space: int, write: bool, lo: Value, rows: Value) -> Value:
    """The ports of banks holding rows ``[lo, lo + rows)`` (``rows`` >= 1) of memory ``space``
    (`SPAD` or `ACC`), read or write: bank b when ``(b+1)*per > lo`` (or b is the last bank:
    rows past the memory map to it, as in chip/footprint.py) and ``b*per <= lo + rows - 1``."""
    n = config.spad_banks if space == SPAD else config.acc_banks
    depth = config.spad_rows if space == SPAD else config.acc_rows
    per = depth // n
    last = lo + rows - 1
    bits = []
    for b in range(n):
        first_ok = Const(1) if b == n - 1 else ~_at_least(lo, (b + 1) * per, per)
        bits.append(first_ok & _at_least(last, b * per, per))
    offset = (0 if space == SPAD else config.spad_banks) + (
        config.spad_banks + config.acc_banks if write else 0
    )
    vec = Value.cast(0)
    for b, bit in enumerate(bits):
        vec = vec | (bit.as_unsigned() << (offset + b))
    return vec[: port_bits(config)]


def _at_least(x: Value, bound: int, per: int) -> Value:
    """``x >= bound`` for a multiple ``bound`` of ``per``. With ``per`` a power of two that is
    the bits above the bank offset compared with ``bound // per``: the bits above that
    index's width any set, or the few below compared, which FPGA synthesis builds from LUTs
    rather than a carry chain the width of ``x``."""
    x = Value.cast(x)
    if x.shape().signed:  # ``lo + rows - 1`` is negative only for no rows at row 0
        return ~x[-1] & _at_least(x[:-1], bound, per)
    if bound == 0:
        return Const(1)
    if per & (per - 1):
        return x >= bound
    index = bound // per
    high = x[(per - 1).bit_length() :]
    width = index.bit_length()
    if len(high) <= width:
        return high >= index
    return (high[width:] != 0) | (high[:width] >= index)


def loc_ports(config: ChipConfig, loc: Value, write: bool, rows: Value) -> Value:
    """`ports` of ``rows`` rows from the on-chip location ``loc`` (an ISA LOC field: a row and
    the memory's code)."""
    row, code = loc[:ROW_BITS], loc[ROW_BITS:]
    return Mux(
        code == SPAD_CODE,
        ports(config, SPAD, write, row, rows),
        ports(config, ACC, write, row, rows),
    )


@dataclass(frozen=True)
class Candidate:
    """An instruction that may start this cycle: ``want`` (every other rule holds), its
    ``ports``, its program ``index``, its ``queue`` (0 load, 1 execute, 2 store) and, for the
    second of two execute instructions starting together, ``after`` (the first one's
    candidate position)."""

    want: Value
    ports: Value
    index: Value
    queue: int
    after: int | None = None


def starts(cands: Sequence[Candidate]) -> list[Value]:
    """Which candidates start: each, unless an earlier one (program order) of another queue
    that starts too needs one of its ports; an ``after`` candidate also needs its first one
    to start. Written out without combinational loops (the earlier-than relation is acyclic)."""

    def go(x: int, seen: frozenset[int]) -> Value:
        c = cands[x]
        ok = c.want
        if c.after is not None and c.after not in seen:
            ok = ok & go(c.after, seen | {x})
        for y, d in enumerate(cands):
            if y == x or y in seen or d.queue == c.queue:
                continue
            clash = (d.ports & c.ports).any() & (d.index < c.index)
            ok = ok & ~(clash & go(y, seen | {x}))
        return ok

    return [go(x, frozenset()) for x in range(len(cands))]
