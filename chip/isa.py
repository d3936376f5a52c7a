"""The instruction set, as one table.

Each instruction is a frozen dataclass; its dataclass fields, in declaration order, *are* its
encoding: every field carries its bit width and kind in ``metadata``. Binary encode/decode, text
assembly/disassembly (chip/asm.py), docs/isa.md and the HDL decoder layout all walk the same
field list, so they cannot disagree.

Word layout (128 bits, little-endian): bits 0-3 opcode, bits 4-7 the dependency-token flags
(pop_prev, pop_next, push_prev, push_next), then the instruction's own fields LSB-first; all
unused high bits must be zero. What each instruction computes is defined by the functional model
(chip/functional.py) and documented in docs/isa.md.
"""

from __future__ import annotations

import dataclasses
import enum
import math
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

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


_MEM_CODES = {Mem.SPAD: 0, Mem.ACC: 1, Mem.ACCF: 2}
_MEM_OF_CODE = {v: k for k, v in _MEM_CODES.items()}


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
        return Loc(self.mem, self.row + rows)


def sp(row: int) -> Loc:
    return Loc(Mem.SPAD, row)


def acc(row: int) -> Loc:
    return Loc(Mem.ACC, row)


class VecOp(enum.Enum):
    """Vector-unit functions; `VEC_DOC` says what each computes."""

    ADD = 0
    SUB = 1
    MUL = 2
    MAX = 3
    MIN = 4
    MULI = 5
    ADDI = 6
    SET = 7
    COPY = 8
    RELU = 9
    RELU_MASK = 10
    SIGMOID = 11
    TANH = 12
    EXP = 13
    LOG = 14
    RECIP = 15
    RSQRT = 16
    SQRT = 17
    RSUM = 18
    RMAX = 19
    BCAST = 20
    EQ = 21
    CSUM = 22
    GT = 23
    CVT = 24
    RAND = 25

    __hash__ = object.__hash__  # see _IDENTITY_HASH


# ``a``/``b`` are the src1/src2 rows, ``imm`` the immediate; docs/isa.md is built from this.
VEC_DOC: dict[VecOp, str] = {
    VecOp.ADD: "a + b",
    VecOp.SUB: "a - b",
    VecOp.MUL: "a * b",
    VecOp.MAX: "max(a, b)",
    VecOp.MIN: "min(a, b)",
    VecOp.MULI: "a * imm (scale; with an integer destination this requantizes)",
    VecOp.ADDI: "a + imm",
    VecOp.SET: "imm",
    VecOp.COPY: "a, converted to the destination's dtype",
    VecOp.RELU: "max(a, 0)",
    VecOp.RELU_MASK: "b where a > 0 else 0 (the ReLU gradient)",
    VecOp.SIGMOID: (
        "1 / (1 + exp(-a)): RECIP(1 + EXP(-a)) for a >= +0, EXP(a) * RECIP(1 + EXP(a)) below "
        "(within 3 ulp)"
    ),
    VecOp.TANH: (
        "tanh(a): a P(a^2) where |a| < 0.25 (a fixed-point polynomial, within 0.51 ulp), else "
        "sign(a) (1 - e) * RECIP(1 + e), e = EXP(-2|a|) (within 3.5 ulp)"
    ),
    VecOp.EXP: "exp(a) by chip/special.py's table and polynomial (within 0.51 ulp)",
    VecOp.LOG: "ln(a) by chip/special.py's table and polynomial (within 0.51 ulp)",
    VecOp.RECIP: "1 / a",
    VecOp.RSQRT: "1 / sqrt(a): RECIP(SQRT(a)) (within 1.5 ulp)",
    VecOp.SQRT: "sqrt(a)",
    VecOp.RSUM: "sum of the row's first cols elements, written to all cols elements",
    VecOp.RMAX: "max of the row's first cols elements, written to all cols elements",
    VecOp.BCAST: "a[row][0] written to all cols elements",
    VecOp.EQ: "1 if a == b else 0",
    VecOp.CSUM: "one destination row: sum over the rows of a, in row order",
    VecOp.GT: "1 if a > b else 0",
    VecOp.CVT: (
        "a rounded to the number format imm names (chip/formats.py: float16, bfloat16, float8, "
        "float4, 4/2-bit integers; saturating or not), as a value of the destination's dtype"
    ),
    VecOp.RAND: (
        "uniform in [0, 1): the first word of Philox-2x32-10 on the counter (bits(a), "
        "bits(b)) under the key bits(imm), its top 24 bits / 2^24 (a counter-based random "
        "number: the same a, b, imm give the same value on every model of the chip)"
    ),
}

VECOP_BITS = 5

# Which sources each vector function reads; used by validation, docs and the machine.
VEC_READS_B = frozenset(
    {
        VecOp.ADD,
        VecOp.SUB,
        VecOp.MUL,
        VecOp.MAX,
        VecOp.MIN,
        VecOp.RELU_MASK,
        VecOp.EQ,
        VecOp.GT,
        VecOp.RAND,
    }
)
VEC_READS_A = frozenset(VecOp) - {VecOp.SET}
VEC_USES_IMM = frozenset({VecOp.MULI, VecOp.ADDI, VecOp.SET, VecOp.CVT, VecOp.RAND})
# Multi-cycle functions: the transcendentals and the random-number hash (10 multiply rounds).
VEC_SPECIAL = frozenset(
    {
        VecOp.SIGMOID,
        VecOp.TANH,
        VecOp.EXP,
        VecOp.LOG,
        VecOp.RECIP,
        VecOp.RSQRT,
        VecOp.SQRT,
        VecOp.RAND,
    }
)
VEC_REDUCE = frozenset({VecOp.RSUM, VecOp.RMAX, VecOp.CSUM})
VEC_MUL = frozenset({VecOp.MUL, VecOp.MULI})


class FieldKind(enum.Enum):
    """How an instruction field's Python value maps to its bits in the instruction word."""

    UINT = "uint"
    BOOL = "bool"
    LOC = "loc"
    F32 = "f32"
    VECOP = "vecop"


def _f(kind: FieldKind, bits: int, doc: str, default: Any = dataclasses.MISSING) -> Any:
    return dataclasses.field(default=default, metadata={"kind": kind, "bits": bits, "doc": doc})


def uint(bits: int, doc: str) -> Any:
    return _f(FieldKind.UINT, bits, doc)


def flag(doc: str) -> Any:
    return _f(FieldKind.BOOL, 1, doc)


def loc(doc: str) -> Any:
    return _f(FieldKind.LOC, LOC_BITS, doc)


def dep(doc: str) -> Any:
    return _f(FieldKind.BOOL, 1, doc, default=False)


DEP_FIELDS = ("pop_prev", "pop_next", "push_prev", "push_next")


@dataclass(frozen=True, kw_only=True, init=False)
class Instr:
    """Base of every instruction: the four dependency-token flags, encoded right after the opcode.

    A flag ``pop_X`` makes the instruction wait, before it starts, for a token from the queue
    before (``prev``) or after (``next``) its own in the order load -> execute -> store, and
    consume it; ``push_X`` sends a token to that queue when the instruction completes.
    """

    OPCODE: ClassVar[int]
    MNEMONIC: ClassVar[str]
    QUEUE: ClassVar[Queue | None]
    pop_prev: bool = dep("wait for a token from the previous queue")
    pop_next: bool = dep("wait for a token from the next queue")
    push_prev: bool = dep("send a token to the previous queue when done")
    push_next: bool = dep("send a token to the next queue when done")

    def __init__(self, **fields: Any) -> None:
        # One constructor for every instruction (``init=False`` on each class): dataclass's own
        # sets each frozen field through object.__setattr__, and compiled programs make
        # instructions by the hundred thousand. A frozen dataclass's fields are its __dict__.
        values = self.__dict__
        values.update(_DEFAULTS[type(self)])
        values.update(fields)
        if values.keys() != _NAMES[type(self)]:
            given = set(fields)
            unknown = sorted(given - _NAMES[type(self)])
            missing = sorted(_NAMES[type(self)] - values.keys())
            raise TypeError(
                f"{type(self).__name__}: "
                + (f"no field {', '.join(unknown)}" if unknown else f"missing {', '.join(missing)}")
            )
        self.__post_init__()

    def __post_init__(self) -> None:
        # Fast path for the common well-typed values; anything else gets the full check of
        # every field in order, which normalizes the value or raises with the field's name and
        # width.
        if not _well_typed(self.__dict__, _CHECKS[type(self)]):
            for f in _FIELDS[type(self)]:
                _check_value(self, f)

    def encode(self) -> int:
        """The instruction word as an integer (use `encode_program` for bytes)."""
        word, shift = self.OPCODE, OPCODE_BITS
        for f in encoded_fields(type(self)):
            word |= _to_bits(f, getattr(self, f.name)) << shift
            shift += f.metadata["bits"]
        return word

    def with_deps(self, **flags: bool) -> Instr:
        return dataclasses.replace(self, **flags)


@dataclass(frozen=True, kw_only=True, init=False)
class Load(Instr):
    """DMA from DRAM into scratchpad or accumulator rows (load queue).

    Element (r, e) of the block, r < rows and e < cols, is read from DRAM byte address
    ``dram + r*stride + e*size`` (``transpose=0``) or ``dram + e*stride + r*size``
    (``transpose=1``) and written to element e of on-chip row ``dst.row + r``. The element type
    and size are the destination memory's.
    """

    OPCODE: ClassVar[int] = 0
    MNEMONIC: ClassVar[str] = "load"
    QUEUE: ClassVar[Queue | None] = Queue.LOAD
    dram: int = uint(32, "DRAM byte address of element (0, 0)")
    dst: Loc = loc("first on-chip row written")
    rows: int = uint(16, "rows written on chip")
    cols: int = uint(COLS_BITS, "elements per on-chip row (at most row_elems)")
    stride: int = uint(24, "DRAM bytes between consecutive rows (transpose: columns)")
    transpose: bool = flag("read the DRAM block transposed")


@dataclass(frozen=True, kw_only=True, init=False)
class Store(Instr):
    """DMA from scratchpad or accumulator rows to DRAM (store queue); the mirror of `Load`.

    Element e of on-chip row ``src.row + r`` goes to DRAM byte address ``dram + r*stride +
    e*size`` (``transpose=0``) or ``dram + e*stride + r*size`` (``transpose=1``).
    """

    OPCODE: ClassVar[int] = 1
    MNEMONIC: ClassVar[str] = "store"
    QUEUE: ClassVar[Queue | None] = Queue.STORE
    dram: int = uint(32, "DRAM byte address of element (0, 0)")
    src: Loc = loc("first on-chip row read")
    rows: int = uint(16, "rows read on chip")
    cols: int = uint(COLS_BITS, "elements per on-chip row (at most row_elems)")
    stride: int = uint(24, "DRAM bytes between consecutive rows (transpose: columns)")
    transpose: bool = flag("write the DRAM block transposed")


@dataclass(frozen=True, kw_only=True, init=False)
class Preload(Instr):
    """Load the stationary tile S = spad[src : src+rows, 0:cols] into the array (WS and IS).

    S becomes the operand of the following `Matmul` instructions until the next preload.
    """

    OPCODE: ClassVar[int] = 2
    MNEMONIC: ClassVar[str] = "preload"
    QUEUE: ClassVar[Queue | None] = Queue.EXECUTE
    src: int = uint(ROW_BITS, "first scratchpad row of the tile")
    rows: int = uint(DIM_BITS, "tile rows (at most the array's rows)")
    cols: int = uint(DIM_BITS, "tile columns (at most the array's cols)")


@dataclass(frozen=True, kw_only=True, init=False)
class Matmul(Instr):
    """Stream ``t`` scratchpad rows through the array into the accumulator.

    X = spad[x : x+t, 0:rows] enters the array's left edge.
    - WS/IS: the preloaded S (rows x cols) is used; out[i, :] (+)= X[i, :] @ S for the t rows
      acc[out : out+t, 0:cols]. ``y`` must be 0.
    - OS: Y = spad[y : y+t, 0:cols] enters the top edge; acc[out : out+rows, 0:cols] (+)= X^T @ Y.
    ``accumulate`` adds to the accumulator rows instead of overwriting them.
    """

    OPCODE: ClassVar[int] = 3
    MNEMONIC: ClassVar[str] = "matmul"
    QUEUE: ClassVar[Queue | None] = Queue.EXECUTE
    x: int = uint(ROW_BITS, "first scratchpad row of the left-edge stream")
    y: int = uint(ROW_BITS, "first scratchpad row of the top-edge stream (OS only)")
    out: int = uint(ROW_BITS, "first accumulator row written")
    t: int = uint(16, "rows streamed (the reduction length in OS)")
    rows: int = uint(DIM_BITS, "array rows used: elements per X row")
    cols: int = uint(DIM_BITS, "array columns used: elements per output row")
    accumulate: bool = flag("add to the accumulator instead of overwriting")


@dataclass(frozen=True, kw_only=True, init=False)
class Vec(Instr):
    """A vector-unit function over ``rows`` rows of ``cols`` elements (execute queue).

    Row r reads src1 row ``src1.row + r`` (or ``src1.row`` when ``bcast1``) and likewise src2,
    and writes dst row ``dst.row + r``; CSUM writes the single row ``dst.row``.
    """

    OPCODE: ClassVar[int] = 4
    MNEMONIC: ClassVar[str] = "vec"
    QUEUE: ClassVar[Queue | None] = Queue.EXECUTE
    op: VecOp = _f(FieldKind.VECOP, VECOP_BITS, "the function")
    dst: Loc = loc("first destination row")
    src1: Loc = loc("first row of operand a")
    src2: Loc = loc("first row of operand b")
    rows: int = uint(VEC_ROWS_BITS, "rows processed")
    cols: int = uint(COLS_BITS, "elements per row (at most row_elems)")
    bcast1: bool = flag("reuse src1's first row for every row")
    bcast2: bool = flag("reuse src2's first row for every row")
    imm: float = _f(FieldKind.F32, 32, "float32 immediate")


@dataclass(frozen=True, kw_only=True, init=False)
class Halt(Instr):
    """End of the instruction stream: the program finishes when every queue has drained."""

    OPCODE: ClassVar[int] = 5
    MNEMONIC: ClassVar[str] = "halt"
    QUEUE: ClassVar[Queue | None] = None


LINK_BITS = 3  # link ports per chip (chip/system.py numbers them)


@dataclass(frozen=True, kw_only=True, init=False)
class Send(Instr):
    """Send ``rows`` x ``cols`` on-chip elements to the neighbour at the other end of link
    ``link`` (a system of chips only: chip/system.py, docs/multichip.md).

    The link engine reads rows ``src.row .. src.row + rows - 1`` (the source memory's element
    type, moved as bytes) when the send issues, after every earlier instruction of the chip has
    finished; the chip goes on while the data travels. The k-th SEND on a link is taken by the
    k-th RECV at the link's other end, which must name as many elements of the same type.
    """

    OPCODE: ClassVar[int] = 6
    MNEMONIC: ClassVar[str] = "send"
    QUEUE: ClassVar[Queue | None] = Queue.STORE
    link: int = uint(LINK_BITS, "link port the data leaves on")
    src: Loc = loc("first on-chip row read")
    rows: int = uint(16, "rows sent")
    cols: int = uint(COLS_BITS, "elements per row (at most row_elems)")


@dataclass(frozen=True, kw_only=True, init=False)
class Recv(Instr):
    """Receive the data of the matching `Send` from link ``link`` into on-chip rows
    ``dst.row .. dst.row + rows - 1`` (a system of chips only).

    The chip waits until every earlier instruction has finished and the data has arrived;
    later instructions start after it. This pairing is the links' token discipline: the k-th
    RECV on a link consumes the k-th SEND, as the k-th pop of a queue consumes its k-th push.
    """

    OPCODE: ClassVar[int] = 7
    MNEMONIC: ClassVar[str] = "recv"
    QUEUE: ClassVar[Queue | None] = Queue.LOAD
    link: int = uint(LINK_BITS, "link port the data arrives on")
    dst: Loc = loc("first on-chip row written")
    rows: int = uint(16, "rows received")
    cols: int = uint(COLS_BITS, "elements per row (at most row_elems)")


@dataclass(frozen=True, kw_only=True, init=False)
class Move(Instr):
    """On-chip DMA between scratchpad and accumulator rows, run by the load queue's engine.

    Element (r, e) of the block, r < rows and e < cols, is read from element e of row
    ``src.row + r`` and written to element e of row ``dst.row + r`` (``transpose=0``) or to
    element r of row ``dst.row + e`` (``transpose=1``: ``cols`` rows of ``rows`` elements, so
    ``rows`` is at most row_elems). Like every DMA it moves the elements' bytes unconverted:
    both memories must hold elements of one size (an accumulator word moved to the fp32 view
    keeps its bits).
    """

    OPCODE: ClassVar[int] = 8
    MNEMONIC: ClassVar[str] = "move"
    QUEUE: ClassVar[Queue | None] = Queue.LOAD
    src: Loc = loc("first on-chip row read")
    dst: Loc = loc("first on-chip row written")
    rows: int = uint(16, "rows read")
    cols: int = uint(COLS_BITS, "elements per row read (at most row_elems)")
    transpose: bool = flag("write the block transposed")


INSTRUCTIONS: tuple[type[Instr], ...] = (Load, Store, Preload, Matmul, Vec, Halt, Move)
# Instructions between chips: encoded, assembled and documented like the others, executed by
# the system runner (chip/links.py); the single-chip models refuse them.
LINK_INSTRUCTIONS: tuple[type[Instr], ...] = (Send, Recv)
LINK_ONLY = "a link instruction runs only on a system of chips (chip/links.py run_system)"
BY_OPCODE: dict[int, type[Instr]] = {c.OPCODE: c for c in INSTRUCTIONS + LINK_INSTRUCTIONS}
BY_MNEMONIC: dict[str, type[Instr]] = {c.MNEMONIC: c for c in INSTRUCTIONS + LINK_INSTRUCTIONS}


def encoded_fields(cls: type[Instr]) -> tuple[dataclasses.Field, ...]:
    """The fields of ``cls`` in encoding order (after the opcode)."""
    return _FIELDS[cls]


_FIELDS = {c: tuple(dataclasses.fields(c)) for c in INSTRUCTIONS + LINK_INSTRUCTIONS}
_NAMES = {c: frozenset(f.name for f in fs) for c, fs in _FIELDS.items()}
_DEFAULTS = {
    c: {f.name: f.default for f in fs if f.default is not dataclasses.MISSING}
    for c, fs in _FIELDS.items()
}
_ROW_LIMIT = 1 << ROW_BITS  # on-chip rows a LOC field holds


def _fast_checks(fields: tuple[dataclasses.Field, ...]) -> tuple[tuple, ...]:
    """The names of ``fields`` grouped by kind for `_well_typed`, with each UINT's limit."""

    def named(kind: FieldKind) -> tuple:
        return tuple(f.name for f in fields if f.metadata["kind"] is kind)

    uints = tuple(
        (f.name, 1 << f.metadata["bits"]) for f in fields if f.metadata["kind"] is FieldKind.UINT
    )
    return (uints, *map(named, (FieldKind.BOOL, FieldKind.LOC, FieldKind.VECOP, FieldKind.F32)))


_CHECKS = {c: _fast_checks(fs) for c, fs in _FIELDS.items()}
assert all(sum(map(len, _CHECKS[c])) == len(fs) for c, fs in _FIELDS.items()), (
    "a field kind the fast check does not cover"
)
for _cls, _fields in _FIELDS.items():
    _used = OPCODE_BITS + sum(f.metadata["bits"] for f in _fields)
    assert _used <= WORD_BITS, f"{_cls.__name__} needs {_used} bits"
    assert tuple(f.name for f in _fields[:4]) == DEP_FIELDS, _cls.__name__


def field_layout(cls: type[Instr]) -> list[tuple[str, int, int]]:
    """(name, lowest bit, width) of every field of ``cls`` including the opcode."""
    layout, shift = [("opcode", 0, OPCODE_BITS)], OPCODE_BITS
    for f in encoded_fields(cls):
        layout.append((f.name, shift, f.metadata["bits"]))
        shift += f.metadata["bits"]
    return layout


def max_value(cls: type[Instr], name: str) -> int:
    """The largest value unsigned field ``name`` of ``cls`` holds: ``2**bits - 1``.

    Limits the compiler and the config derive from the ISA (rows per DMA or vector
    instruction, rows streamed per matmul, addressable rows) come from here, so they follow
    the field table."""
    for f in _FIELDS[cls]:
        if f.name == name:
            if f.metadata["kind"] is not FieldKind.UINT:
                raise ValueError(
                    f"{cls.MNEMONIC}.{name} is a {f.metadata['kind'].value} field, not an integer"
                )
            return (1 << f.metadata["bits"]) - 1
    raise ValueError(f"{cls.MNEMONIC} has no field {name!r}")


def _well_typed(values: dict[str, Any], checks: tuple[tuple, ...]) -> bool:
    """Whether every field already holds the value `_check_value` would leave: an in-range
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


def _check_value(ins: Instr, f: dataclasses.Field) -> None:
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


def _to_bits(f: dataclasses.Field, v: Any) -> int:
    kind = f.metadata["kind"]
    if kind is FieldKind.LOC:
        return (_MEM_CODES[v.mem] << ROW_BITS) | v.row
    if kind is FieldKind.VECOP:
        return v.value
    if kind is FieldKind.F32:
        return f32_bits(v)
    return int(v)


def _from_bits(f: dataclasses.Field, raw: int, mnemonic: str) -> Any:
    kind = f.metadata["kind"]
    if kind is FieldKind.LOC:
        code = raw >> ROW_BITS
        if code not in _MEM_OF_CODE:
            raise DecodeError(f"{mnemonic}.{f.name}: unknown memory code {code}")
        return Loc(_MEM_OF_CODE[code], raw & ((1 << ROW_BITS) - 1))
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


def decode(word: int) -> Instr:
    """The instruction a 128-bit word encodes; `DecodeError` if it encodes none."""
    if not 0 <= word < (1 << WORD_BITS):
        raise DecodeError(f"word 0x{word:x} is wider than {WORD_BITS} bits")
    opcode = word & ((1 << OPCODE_BITS) - 1)
    cls = BY_OPCODE.get(opcode)
    if cls is None:
        raise DecodeError(f"unknown opcode {opcode} in word 0x{word:032x}")
    values, shift = {}, OPCODE_BITS
    for f in encoded_fields(cls):
        bits = f.metadata["bits"]
        values[f.name] = _from_bits(f, (word >> shift) & ((1 << bits) - 1), cls.MNEMONIC)
        shift += bits
    if word >> shift:
        raise DecodeError(
            f"{cls.MNEMONIC} word 0x{word:032x} has reserved bits set above bit {shift - 1}"
        )
    return cls(**values)


def encode_program(instrs: list[Instr]) -> bytes:
    return b"".join(i.encode().to_bytes(WORD_BYTES, "little") for i in instrs)


def decode_program(blob: bytes) -> list[Instr]:
    """Decode a byte string of instruction words; errors name the instruction index."""
    if len(blob) % WORD_BYTES:
        raise DecodeError(
            f"program is {len(blob)} bytes, not a multiple of the "
            f"{WORD_BYTES}-byte instruction word"
        )
    out = []
    for i in range(len(blob) // WORD_BYTES):
        word = int.from_bytes(blob[i * WORD_BYTES : (i + 1) * WORD_BYTES], "little")
        try:
            out.append(decode(word))
        except (DecodeError, ValueError) as e:
            raise DecodeError(f"instruction {i}: {e}") from None
    return out
