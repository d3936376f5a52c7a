"""The kinds that a footprint's counts are keyed by: the units that run instructions, the bytes
moved by memory and direction, the vector functions' classes, and the actions an energy model
prices. chip/footprint.py counts them (and re-exports these names); chip/counters.py keeps them;
chip/energy.py prices them.
"""

from __future__ import annotations

import enum

from chip.isa import VEC_MUL, VEC_REDUCE, VEC_SPECIAL, VecOp

# _identity_hash: the enums below are dictionary keys of every count (per instruction, per tag,
# per run). `enum.Enum` hashes a member by its name, in Python; members are singletons compared
# by identity, so the identity hash (in C) keeps the hash/equality contract at a third of the
# cost. (A name's hash differs between processes anyway: PYTHONHASHSEED.)


class Unit(enum.Enum):
    """The units that run instructions (and whose timelines the machine accounts for)."""

    LOAD = "load"  # DMA engine of the load queue
    ARRAY = "array"  # systolic array (PRELOAD, MATMUL)
    VECTOR = "vector"  # vector unit (VEC)
    STORE = "store"  # DMA engine of the store queue

    __hash__ = object.__hash__  # see _identity_hash


class Traffic(enum.Enum):
    """Bytes moved, by memory and direction."""

    DRAM_READ = "dram_read"
    DRAM_WRITE = "dram_write"
    SPAD_READ = "spad_read"
    SPAD_WRITE = "spad_write"
    ACC_READ = "acc_read"
    ACC_WRITE = "acc_write"

    __hash__ = object.__hash__  # see _identity_hash


# the Traffic kind of an access, by [space][write]
TRAFFIC_OF = (
    (Traffic.SPAD_READ, Traffic.SPAD_WRITE),
    (Traffic.ACC_READ, Traffic.ACC_WRITE),
    (Traffic.DRAM_READ, Traffic.DRAM_WRITE),
)


class VecClass(enum.Enum):
    """Vector functions by the hardware that evaluates them (their latency and energy class);
    the value names the `ChipConfig` latency field ``vector_latency_<value>``."""

    ALU = "alu"
    MUL = "mul"
    SPECIAL = "special"
    REDUCE = "reduce"

    __hash__ = object.__hash__  # see _identity_hash


def vec_class(op: VecOp) -> VecClass:
    if op in VEC_SPECIAL:
        return VecClass.SPECIAL
    if op in VEC_REDUCE:
        return VecClass.REDUCE
    if op in VEC_MUL:
        return VecClass.MUL
    return VecClass.ALU


VEC_CLASS = {op: vec_class(op) for op in VecOp}


class Action(enum.Enum):
    """Kinds of countable hardware action: what an energy model prices (one cost each, given
    the chip's data types)."""

    ISSUE = "issue"  # an instruction dispatched to its unit
    MAC = "mac"  # a multiply-accumulate that is part of the instruction's result
    PE_SLOT = "pe_slot"  # a PE-cycle of the array occupied by a stream (idle PEs included)
    SPAD_READ_BYTE = "spad_read_byte"
    SPAD_WRITE_BYTE = "spad_write_byte"
    ACC_READ_BYTE = "acc_read_byte"
    ACC_WRITE_BYTE = "acc_write_byte"
    DRAM_READ_BYTE = "dram_read_byte"
    DRAM_WRITE_BYTE = "dram_write_byte"
    VEC_ALU = "vec_alu"  # vector element-operations, by class
    VEC_MUL = "vec_mul"
    VEC_SPECIAL = "vec_special"
    VEC_REDUCE = "vec_reduce"
    TOKEN_PUSH = "token_push"
    TOKEN_POP = "token_pop"

    __hash__ = object.__hash__  # see _identity_hash
