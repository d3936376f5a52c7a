"""The chip's counters, counted in one place: the one counter type of the machine and reports.

`Counters` is plain typed data: cycles, MACs, instructions, per-unit busy cycles, per-unit stall
cycles by `Cause`, and bytes moved per memory and direction (`Traffic`). Addition (layer ->
step -> epoch) and (de)serialization walk the dataclass fields, so a new counter is one field;
a new unit, cause or traffic kind is one line in its enum. Derived figures (idle cycles, stall
totals, DRAM bytes, PE utilization, arithmetic intensity) are defined here once.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from chip.footprint import Action, Traffic, Unit


class Cause(enum.Enum):
    """Why a unit was not doing useful work in a cycle (docs/timing.md, stall attribution)."""

    DRAM_BANDWIDTH = "dram_bandwidth"
    DRAM_LATENCY = "dram_latency"
    TOKEN = "token"
    QUEUE_FULL = "queue_full"
    BANK_CONFLICT = "bank_conflict"
    FILL_DRAIN = "fill_drain"
    PRELOAD = "preload"


class Critical(enum.Enum):
    """What a cycle on the critical path was spent on (chip/machine/critical.py): a unit's
    useful work, a stall inside the instruction the end was waiting on, or the dispatcher
    handing out instructions (one per cycle) while nothing else was pending."""

    LOAD = "load"
    ARRAY = "array"
    VECTOR = "vector"
    STORE = "store"
    DRAM_BANDWIDTH = "dram_bandwidth"
    DRAM_LATENCY = "dram_latency"
    FILL_DRAIN = "fill_drain"
    PRELOAD = "preload"
    BANK_CONFLICT = "bank_conflict"
    DISPATCH = "dispatch"


def _counts(*keys: type[enum.Enum]) -> Any:
    """A field of counts keyed by the members of ``keys[0]`` (nested for more enums), zero by
    default; the enums are kept in the field's metadata for addition and deserialization."""
    return field(default_factory=lambda: _zeros(keys), metadata={"keys": keys})


def _zeros(keys: tuple[type[enum.Enum], ...]) -> Any:
    if not keys:
        return 0
    return {k: _zeros(keys[1:]) for k in keys[0]}


def _shape() -> Any:
    """An array dimension: not a count; counters of the same array add, 0 means unknown."""
    return field(default=0, metadata={"shape": True})


@dataclass
class Counters:
    """What the chip did over some span of cycles (a run, one tag's share of it, or a sum).

    Contract: for a whole run, every cycle of every unit is busy, idle, or stalled for exactly one
    cause, so ``busy[u] + idle(u) + stall(u) == cycles``. For a tag's share, cycles are the
    cycles of the run's critical path spent in the tag's instructions (chip/machine/critical.py),
    split in ``critical`` by what they were spent on, so ``sum(critical.values()) == cycles``
    and the tags' cycles sum to the run's; busy/stall cycles are those of the tag's
    instructions (so `idle` is not meaningful there). ``timed`` is False when the counts come
    from a model without time (the functional model): cycles, busy, stalls and critical are
    then zero and MACs, bytes and instructions are read off the instruction stream.

    ``macs`` are the MACs the array computed, ``useful_macs`` the network's own (its layers'
    shapes, from the program's layer table, `chip.program.LayerInfo`): the difference is
    padding (outputs computed and thrown away). ``min_dram_bytes`` is what the tag's operands
    and results must move across DRAM, each once (zero for those the compiler kept on chip).
    """

    cycles: int = 0
    macs: int = 0
    useful_macs: int = 0
    min_dram_bytes: int = 0
    instructions: int = 0  # instructions that ran on a unit (halt excluded)
    rows: int = _shape()  # array rows and columns, so utilization is a property of the counters
    cols: int = _shape()
    busy: dict[Unit, int] = _counts(Unit)
    stalls: dict[Unit, dict[Cause, int]] = _counts(Unit, Cause)
    bytes: dict[Traffic, int] = _counts(Traffic)
    actions: dict[Action, int] = _counts(Action)  # what the energy model prices (chip/actions.py)
    critical: dict[Critical, int] = _counts(Critical)
    timed: bool = True

    # ---- derived ----
    def idle(self, unit: Unit) -> int:
        """Cycles in which ``unit`` had nothing to do."""
        return self.cycles - self.busy[unit] - self.stall(unit)

    def stall(self, unit: Unit) -> int:
        """Stall cycles of ``unit``, all causes."""
        return sum(self.stalls[unit].values())

    @property
    def stalls_by_cause(self) -> dict[Cause, int]:
        """Stall cycles of all units together, by cause."""
        return {c: sum(self.stalls[u][c] for u in Unit) for c in Cause}

    @property
    def stall_cycles(self) -> int:
        """Stall cycles summed over units and causes (several units can stall at once)."""
        return sum(self.stall(u) for u in Unit)

    @property
    def dram_read_bytes(self) -> int:
        return self.bytes[Traffic.DRAM_READ]

    @property
    def dram_write_bytes(self) -> int:
        return self.bytes[Traffic.DRAM_WRITE]

    @property
    def dram_bytes(self) -> int:
        return self.dram_read_bytes + self.dram_write_bytes

    @property
    def padding_macs(self) -> int:
        """MACs the array computed beyond the network's (outputs thrown away)."""
        return self.macs - self.useful_macs

    @property
    def tile_waste(self) -> int:
        """PE-cycles streams occupied without a MAC (partial tiles)."""
        return self.actions[Action.PE_SLOT] - self.macs

    @property
    def pe_utilization(self) -> float:
        """Useful MACs / (rows x cols x cycles); 0 for an empty or untimed span."""
        peak = self.rows * self.cols * self.cycles
        return self.useful_macs / peak if peak else 0.0

    @property
    def intensity(self) -> float:
        """Arithmetic intensity: operations (2 per useful MAC) per DRAM byte moved; 0 without
        DRAM bytes."""
        return 2 * self.useful_macs / self.dram_bytes if self.dram_bytes else 0.0

    # ---- algebra ----
    def __add__(self, other: Counters) -> Counters:
        if not isinstance(other, Counters):
            return NotImplemented
        if (self.rows, self.cols) != (other.rows, other.cols) and self.cycles and other.cycles:
            raise ValueError(
                f"cannot add counters of a {self.rows}x{self.cols} array and a "
                f"{other.rows}x{other.cols} array"
            )
        summed: dict[str, Any] = {}
        for f in fields(self):
            a, b = getattr(self, f.name), getattr(other, f.name)
            if f.metadata.get("shape"):
                summed[f.name] = a or b
            elif isinstance(a, bool):
                summed[f.name] = a and b  # timed only if both sides were
            else:
                summed[f.name] = _add(a, b)
        return Counters(**summed)

    def copy(self) -> Counters:
        """An independent copy: the same counts in new dicts."""
        new = Counters.__new__(Counters)
        new.__dict__.update(self.__dict__)  # (copy.copy takes the slower pickling path)
        for name, depth in _NESTED:
            d = getattr(self, name)
            setattr(new, name, d.copy() if depth == 1 else {k: v.copy() for k, v in d.items()})
        return new

    def times(self, n: int) -> Counters:
        """The sum of ``n`` (at least 1) runs that each counted these: every count times ``n``,
        equal to adding the counters ``n`` times (all counts are integers); a new object."""
        if n < 1:
            raise ValueError(f"counters can be repeated at least once, not {n} times")
        scaled: dict[str, Any] = {}
        for f in fields(self):
            a = getattr(self, f.name)
            keep = f.metadata.get("shape") or isinstance(a, bool)
            scaled[f.name] = a if keep else _scale(a, n)
        return Counters(**scaled)

    # ---- serialization ----
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready mapping (enum keys become their string values)."""
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Counters:
        """Inverse of `to_dict`; missing counts (units, causes, traffic kinds) read as 0.
        Raises `ValueError` naming a key that is no member of its enum."""
        if not isinstance(d, Mapping):
            raise ValueError(f"counters must be a table, not {d!r}")
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name not in d:
                continue
            keys = f.metadata.get("keys")
            if keys:
                values[f.name] = _read(d[f.name], keys, f.name)
            elif f.type == "bool":
                if not isinstance(d[f.name], bool):
                    raise ValueError(f"counters.{f.name} must be true or false, not {d[f.name]!r}")
                values[f.name] = d[f.name]
            else:
                values[f.name] = _count(d[f.name], f.name)
        return cls(**values)


# the dict fields and how deep their keys go (chip/counters.py nests at most two enums)
_NESTED = tuple((f.name, len(f.metadata["keys"])) for f in fields(Counters) if "keys" in f.metadata)
assert all(depth <= 2 for _, depth in _NESTED)


def _add(a: Any, b: Any) -> Any:
    if isinstance(a, dict):
        return {k: _add(v, b[k]) for k, v in a.items()}
    return a + b


def _scale(a: Any, n: int) -> Any:
    if isinstance(a, dict):
        return {k: _scale(v, n) for k, v in a.items()}
    return a * n


def _plain(v: Any) -> Any:
    if isinstance(v, dict):
        return {k.value: _plain(x) for k, x in v.items()}
    return v


def _count(v: Any, where: str) -> int:
    """A stored count: a non-negative integer (a bool, a float or a string is malformed)."""
    if isinstance(v, bool) or not isinstance(v, int) or v < 0:
        raise ValueError(f"counters.{where} must be a non-negative integer, not {v!r}")
    return v


def _read(d: Mapping[str, Any], keys: tuple[type[enum.Enum], ...], where: str) -> Any:
    enum_type, rest = keys[0], keys[1:]
    if not isinstance(d, Mapping):
        raise ValueError(f"counters.{where} must be a table of {enum_type.__name__}, not {d!r}")
    try:
        given = {enum_type(k): v for k, v in d.items()}
    except ValueError:
        bad = sorted(set(d) - {m.value for m in enum_type})
        raise ValueError(f"counters.{where}: unknown {enum_type.__name__} {bad[0]!r}") from None
    leaf: Callable[[Any], Any] = (
        (lambda v: _read(v, rest, where)) if rest else (lambda v: _count(v, where))
    )
    return {k: leaf(given[k]) if k in given else _zeros(rest) for k in enum_type}


def total(counters: Iterable[Counters]) -> Counters:
    """The sum of an iterable of `Counters` (zero counters if it is empty)."""
    out = Counters()
    for c in counters:
        out = out + c
    return out
