"""The instruction set, as one table.

Each instruction is a frozen dataclass; its dataclass fields, in declaration order, *are* its
encoding: every field carries its bit width and kind in ``metadata``. Binary encode/decode, text
assembly/disassembly (chip/asm.py), docs/isa.md and the HDL decoder layout all walk the same
field list, so they cannot disagree.

Word layout (128 bits, little-endian): bits 0-3 opcode, bits 4-7 the dependency-token flags
(pop_prev, pop_next, push_prev, push_next), then the instruction's own fields LSB-first; all
unused high bits must be zero. What each instruction computes is defined by the functional model
(chip/functional.py) and documented in docs/isa.md.

The pieces live in three modules by meaning, all re-exported here: chip/isa_operands.py (word
widths, on-chip addresses, float32 immediates), chip/vecops.py (the vector functions) and
chip/isa_fields.py (field kinds, value checks, bits of a field).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar

from chip.isa_fields import (
    DEP_FIELDS,
    FieldKind,
    check_value,
    dep,
    fast_checks,
    field_bits,
    field_value,
    flag,
    loc,
    make_field,
    uint,
    well_typed,
)
from chip.isa_operands import (
    COLS_BITS,
    DIM_BITS,
    LOC_BITS,
    OPCODE_BITS,
    ROW_BITS,
    VEC_ROWS_BITS,
    WORD_BITS,
    WORD_BYTES,
    DecodeError,
    Loc,
    Mem,
    NanBits,
    Queue,
    acc,
    f32_bits,
    f32_value,
    is_f32_nan,
    mem_dtype,
    sp,
)
from chip.vecops import (
    VEC_DOC,
    VEC_MUL,
    VEC_READS_A,
    VEC_READS_B,
    VEC_REDUCE,
    VEC_SPECIAL,
    VEC_USES_IMM,
    VECOP_BITS,
    VecOp,
)

__all__ = [
    "BY_MNEMONIC",
    "BY_OPCODE",
    "COLS_BITS",
    "DEP_FIELDS",
    "DIM_BITS",
    "INSTRUCTIONS",
    "LINK_BITS",
    "LINK_INSTRUCTIONS",
    "LINK_ONLY",
    "LOC_BITS",
    "OPCODE_BITS",
    "ROW_BITS",
    "VECOP_BITS",
    "VEC_DOC",
    "VEC_MUL",
    "VEC_READS_A",
    "VEC_READS_B",
    "VEC_REDUCE",
    "VEC_ROWS_BITS",
    "VEC_SPECIAL",
    "VEC_USES_IMM",
    "WORD_BITS",
    "WORD_BYTES",
    "DecodeError",
    "FieldKind",
    "Halt",
    "Instr",
    "Load",
    "Loc",
    "Matmul",
    "Mem",
    "Move",
    "NanBits",
    "Preload",
    "Queue",
    "Recv",
    "Send",
    "Store",
    "Vec",
    "VecOp",
    "acc",
    "decode",
    "decode_program",
    "dep",
    "encode_program",
    "encoded_fields",
    "f32_bits",
    "f32_value",
    "field_layout",
    "flag",
    "is_f32_nan",
    "loc",
    "max_value",
    "mem_dtype",
    "sp",
    "uint",
]


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
        if not well_typed(self.__dict__, _CHECKS[type(self)]):
            for f in _FIELDS[type(self)]:
                check_value(self, f)

    def encode(self) -> int:
        """The instruction word as an integer (use `encode_program` for bytes)."""
        word, shift = self.OPCODE, OPCODE_BITS
        for f in encoded_fields(type(self)):
            word |= field_bits(f, getattr(self, f.name)) << shift
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
    op: VecOp = make_field(FieldKind.VECOP, VECOP_BITS, "the function")
    dst: Loc = loc("first destination row")
    src1: Loc = loc("first row of operand a")
    src2: Loc = loc("first row of operand b")
    rows: int = uint(VEC_ROWS_BITS, "rows processed")
    cols: int = uint(COLS_BITS, "elements per row (at most row_elems)")
    bcast1: bool = flag("reuse src1's first row for every row")
    bcast2: bool = flag("reuse src2's first row for every row")
    imm: float = make_field(FieldKind.F32, 32, "float32 immediate")


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

_CHECKS = {c: fast_checks(fs) for c, fs in _FIELDS.items()}
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
        values[f.name] = field_value(f, (word >> shift) & ((1 << bits) - 1), cls.MNEMONIC)
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
