"""Instruction fields: their kinds and widths, the checks a value must pass, and its bits.

Every field of chip/isa.py's instructions is made by `uint`, `flag`, `loc`, `dep` or
`make_field`, which record its `FieldKind` and width in the dataclass field's metadata; the
functions here check a value against them (`well_typed`, `check_value`, errors naming the field
and its width) and turn it into its bits and back (`field_bits`, `field_value`).
"""

from __future__ import annotations

import dataclasses
import enum
from typing import TYPE_CHECKING, Any

import numpy as np

from chip.isa_operands import (
    LOC_BITS,
    MEM_CODES,
    MEM_OF_CODE,
    ROW_BITS,
    DecodeError,
    Loc,
    NanBits,
    f32_bits,
    f32_value,
)
from chip.vecops import VecOp

if TYPE_CHECKING:
    from chip.isa import Instr


class FieldKind(enum.Enum):
    """How an instruction field's Python value maps to its bits in the instruction word."""

    UINT = "uint"
    BOOL = "bool"
    LOC = "loc"
    F32 = "f32"
    VECOP = "vecop"


def make_field(kind: FieldKind, bits: int, doc: str, default: Any = dataclasses.MISSING) -> Any:
    return dataclasses.field(default=default, metadata={"kind": kind, "bits": bits, "doc": doc})


def uint(bits: int, doc: str) -> Any:
    return make_field(FieldKind.UINT, bits, doc)


def flag(doc: str) -> Any:
    return make_field(FieldKind.BOOL, 1, doc)


def loc(doc: str) -> Any:
    return make_field(FieldKind.LOC, LOC_BITS, doc)


def dep(doc: str) -> Any:
    return make_field(FieldKind.BOOL, 1, doc, default=False)


DEP_FIELDS = ("pop_prev", "pop_next", "push_prev", "push_next")

_ROW_LIMIT = 1 << ROW_BITS  # on-chip rows a LOC field holds


def fast_checks(fields: tuple[dataclasses.Field, ...]) -> tuple[tuple, ...]:
    """The names of ``fields`` grouped by kind for `well_typed`, with each UINT's limit."""

    def named(kind: FieldKind) -> tuple:
        return tuple(f.name for f in fields if f.metadata["kind"] is kind)

    uints = tuple(
        (f.name, 1 << f.metadata["bits"]) for f in fields if f.metadata["kind"] is FieldKind.UINT
    )
    return (uints, *map(named, (FieldKind.BOOL, FieldKind.LOC, FieldKind.VECOP, FieldKind.F32)))


def well_typed(values: dict[str, Any], checks: tuple[tuple, ...]) -> bool:
    """Whether every field already holds the value `check_value` would leave: an in-range
    int, a bool, an in-range `Loc`, a `VecOp`, a zero float immediate (instructions are made
    by the hundred thousand: this is the common case, checked with no per-field dispatch)."""
    uints, bools, locs, vecops, floats = checks
    for name, limit in uints:
        v = values[name]
        if type(v) is not int or not 0 <= v < limit:
            return False
    for name in bools:
        if type(values[name]) is not bool:
            return False
    for name in locs:
        v = values[name]
        if type(v) is not Loc or not 0 <= v.row < _ROW_LIMIT:
            return False
    for name in vecops:
        if type(values[name]) is not VecOp:
            return False
    for name in floats:
        v = values[name]
        if type(v) is not float or v != 0.0:
            return False
    return True


def check_value(ins: Instr, f: dataclasses.Field) -> None:
    kind, bits = f.metadata["kind"], f.metadata["bits"]
    v = getattr(ins, f.name)
    where = f"{ins.MNEMONIC}.{f.name}"
    if kind is FieldKind.BOOL:
        if not isinstance(v, (bool, np.bool_)) and v not in (0, 1):
            raise ValueError(f"{where} = {v!r} must be 0 or 1 (1 bit)")
        object.__setattr__(ins, f.name, bool(v))
    elif kind is FieldKind.UINT:
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise ValueError(f"{where} = {v!r} must be an integer")
        if not 0 <= v < (1 << bits):
            raise ValueError(f"{where} = {v} does not fit in {bits} bits (0..{(1 << bits) - 1})")
        object.__setattr__(ins, f.name, int(v))
    elif kind is FieldKind.LOC:
        if not isinstance(v, Loc):
            raise ValueError(
                f"{where} = {v!r} must be an on-chip address (sp:ROW, acc:ROW or accf:ROW)"
            )
        if not 0 <= v.row < (1 << ROW_BITS):
            raise ValueError(f"{where} = {v} row does not fit in {ROW_BITS} bits")
    elif kind is FieldKind.VECOP:
        if not isinstance(v, VecOp):
            raise ValueError(f"{where} = {v!r} must be a VecOp")
    elif kind is FieldKind.F32:
        # Held exactly as the float32 the word carries, so encode/decode round-trips.
        if isinstance(v, NanBits):
            return
        if isinstance(v, np.floating) and np.isnan(v):
            bits = int(np.float32(v).view(np.uint32))  # keeps a float32 NaN's payload
            object.__setattr__(ins, f.name, NanBits(bits))
            return
        if isinstance(v, (bool, str)) or not isinstance(v, (int, float, np.number)):
            raise ValueError(f"{where} = {v!r} must be a number")
        try:
            object.__setattr__(ins, f.name, f32_value(f32_bits(float(v))))
        except OverflowError:
            raise ValueError(f"{where} = {v!r} does not fit in float32 ({bits} bits)") from None


def field_bits(f: dataclasses.Field, v: Any) -> int:
    kind = f.metadata["kind"]
    if kind is FieldKind.LOC:
        return (MEM_CODES[v.mem] << ROW_BITS) | v.row
    if kind is FieldKind.VECOP:
        return v.value
    if kind is FieldKind.F32:
        return f32_bits(v)
    return int(v)


def field_value(f: dataclasses.Field, raw: int, mnemonic: str) -> Any:
    kind = f.metadata["kind"]
    if kind is FieldKind.LOC:
        code = raw >> ROW_BITS
        if code not in MEM_OF_CODE:
            raise DecodeError(f"{mnemonic}.{f.name}: unknown memory code {code}")
        return Loc(MEM_OF_CODE[code], raw & ((1 << ROW_BITS) - 1))
    if kind is FieldKind.VECOP:
        try:
            return VecOp(raw)
        except ValueError:
            raise DecodeError(f"{mnemonic}.{f.name}: unknown vector function {raw}") from None
    if kind is FieldKind.F32:
        return f32_value(raw)
    if kind is FieldKind.BOOL:
        return bool(raw)
    return raw
