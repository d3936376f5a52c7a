"""What instruction fields hold: the word's widths, on-chip addresses and float32 immediates.

chip/isa.py's instructions are built from these; `from chip.isa import X` reaches every name
here as well.
"""

from __future__ import annotations

import enum
import math
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chip.dtypes import DType
from chip.errors import ChipError

if TYPE_CHECKING:
    from chip.config import ChipConfig

WORD_BITS = 128
WORD_BYTES = WORD_BITS // 8
OPCODE_BITS = 4
ROW_BITS = 18  # on-chip row addresses (scratchpad or accumulator)
DIM_BITS = 9  # array-edge lengths, 1..256
COLS_BITS = 10  # elements per row in DMA / vector instructions, 0..1023
VEC_ROWS_BITS = 11  # rows per vector instruction, 1..2047 (three 20-bit LOCs leave no more)
LOC_BITS = ROW_BITS + 2  # a row address plus two bits choosing the memory (and its view)


class DecodeError(ChipError):
    """A word or text line that is not a valid instruction."""


class NanBits(float):
    """A NaN immediate that keeps its exact float32 bit pattern (sign, quiet bit, payload).

    A Python float cannot carry a signalling float32 NaN through a conversion, so a decoded NaN
    is held as this float subclass: it computes as NaN, encodes back to the same bits, prints
    as ``nan:0x7fa00001`` in assembly, and equals another `NanBits` of the same bits, so that
    decode(encode(i)) == i holds for every instruction.
    """

    __slots__ = ("bits",)
    bits: int

    def __new__(cls, bits: int) -> NanBits:
        if not is_f32_nan(bits):
            raise ValueError(f"0x{bits:x} is not the bit pattern of a float32 NaN")
        obj = super().__new__(cls, math.nan)
        obj.bits = bits
        return obj

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NanBits) and other.bits == self.bits

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash((NanBits, self.bits))

    def __repr__(self) -> str:
        return f"nan:0x{self.bits:08x}"


def is_f32_nan(bits: int) -> bool:
    """Whether a 32-bit pattern is a float32 NaN: exponent all ones, mantissa not zero."""
    return 0 <= bits < 1 << 32 and (bits >> 23) & 0xFF == 0xFF and bits & 0x7FFFFF != 0


def f32_bits(v: float) -> int:
    """The float32 bits of an immediate (`NanBits` keeps its own; other values round to
    float32, and a value beyond float32's range raises `OverflowError`)."""
    if isinstance(v, NanBits):
        return v.bits
    return struct.unpack("<I", struct.pack("<f", v))[0]


def f32_value(bits: int) -> float:
    """The immediate a float32 bit pattern holds (a NaN as `NanBits`)."""
    if is_f32_nan(bits):
        return NanBits(bits)
    return struct.unpack("<f", struct.pack("<I", bits))[0]


# _IDENTITY_HASH: every instruction is hashed wherever repeated instructions are found (the
# compiler's emission, the machine's plans): its hash hashes its enum fields, which `enum.Enum`
# hashes by name, in Python. Members are singletons compared by identity, so the identity hash
# (in C) keeps the hash/equality contract at a fraction of the cost.


class Queue(enum.Enum):
    """The decoupled instruction queues (VTA/Gemmini style)."""

    LOAD = "load"
    EXECUTE = "execute"
    STORE = "store"

    __hash__ = object.__hash__  # see _IDENTITY_HASH


class Mem(enum.Enum):
    """An on-chip memory an instruction addresses, as the element type it is read as; the value
    is its assembly prefix.

    ``ACCF`` is the accumulator's 32-bit words read and written as fp32. On a float chip it is
    the accumulator itself; on an int8 chip (int32 accumulator) it lets the vector unit keep
    fp32 values beside the array's int32 results (scales, master weights, softmax), as the
    float post-processing units of int8 accelerators do. Same rows, banks and timing as ACC.
    """

    SPAD = "sp"
    ACC = "acc"
    ACCF = "accf"

    __hash__ = object.__hash__  # see _IDENTITY_HASH

    @property
    def is_acc(self) -> bool:
        """True for the accumulator's rows, whichever view."""
        return self is not Mem.SPAD


MEM_CODES = {Mem.SPAD: 0, Mem.ACC: 1, Mem.ACCF: 2}
MEM_OF_CODE = {v: k for k, v in MEM_CODES.items()}


def mem_dtype(config: ChipConfig, mem: Mem) -> DType:
    """The element type ``mem`` holds on chip ``config``: inputs in the scratchpad, the
    accumulator type in the accumulator, fp32 in its fp32 view (DMA never converts: it moves
    the element's bytes)."""
    if mem is Mem.SPAD:
        return config.input_dtype
    if mem is Mem.ACCF:
        return DType.FP32
    return config.acc_dtype


@dataclass(frozen=True)
class Loc:
    """A row of on-chip memory: scratchpad (``sp:12``), accumulator (``acc:3``) or the
    accumulator read as fp32 (``accf:3``)."""

    mem: Mem
    row: int

    def __str__(self) -> str:
        return f"{self.mem.value}:{self.row}"

    @classmethod
    def parse(cls, text: str) -> Loc:
        mem, sep, row = text.partition(":")
        if not sep or mem not in ("sp", "acc", "accf") or not row.isdigit():
            raise DecodeError(f"bad on-chip address {text!r}; expected sp:ROW or acc:ROW")
        return cls(Mem(mem), int(row))

    def offset(self, rows: int) -> Loc:
        # made without the frozen dataclass's __init__ (one object.__setattr__ per field):
        # the lowering offsets rows for every block it moves
        out = _new(Loc)
        _set(out, "__dict__", {"mem": self.mem, "row": self.row + rows})
        return out


_new, _set = object.__new__, object.__setattr__


def sp(row: int) -> Loc:
    return Loc(Mem.SPAD, row)


def acc(row: int) -> Loc:
    return Loc(Mem.ACC, row)
