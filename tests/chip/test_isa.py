import dataclasses
import random

import numpy as np
import pytest

from chip.asm import format_instr, parse_instr
from chip.isa import (
    DEP_FIELDS,
    INSTRUCTIONS,
    WORD_BITS,
    DecodeError,
    FieldKind,
    Load,
    Loc,
    Matmul,
    Mem,
    VecOp,
    decode,
    decode_program,
    encode_program,
    encoded_fields,
    field_layout,
    sp,
)


def random_instr(cls, rng: random.Random):
    values = {}
    for f in encoded_fields(cls):
        kind, bits = f.metadata["kind"], f.metadata["bits"]
        if kind is FieldKind.BOOL:
            values[f.name] = rng.random() < 0.5
        elif kind is FieldKind.UINT:
            values[f.name] = rng.choice([0, (1 << bits) - 1, rng.randrange(1 << bits)])
        elif kind is FieldKind.LOC:
            values[f.name] = Loc(rng.choice(list(Mem)), rng.randrange(1 << 18))
        elif kind is FieldKind.VECOP:
            values[f.name] = rng.choice(list(VecOp))
        elif kind is FieldKind.F32:
            values[f.name] = rng.choice([0.0, -1.5, 3.0e38, rng.uniform(-1e6, 1e6)])
    return cls(**values)


@pytest.mark.parametrize("cls", INSTRUCTIONS, ids=lambda c: c.__name__)
def test_random_instructions_round_trip_binary_and_text(cls):
    rng = random.Random(cls.OPCODE)
    for _ in range(300):
        ins = random_instr(cls, rng)
        word = ins.encode()
        assert 0 <= word < (1 << WORD_BITS)
        assert decode(word) == ins
        assert parse_instr(format_instr(ins)) == ins


def test_program_bytes_round_trip():
    rng = random.Random(7)
    instrs = [random_instr(rng.choice(INSTRUCTIONS), rng) for _ in range(200)]
    assert decode_program(encode_program(instrs)) == instrs


def test_field_too_wide_names_field_and_width():
    with pytest.raises(ValueError, match=r"matmul.rows = 512 does not fit in 9 bits \(0..511\)"):
        Matmul(x=0, y=0, out=0, t=1, rows=512, cols=1, accumulate=False)
    with pytest.raises(ValueError, match="matmul.t = -1 does not fit in 16 bits"):
        Matmul(x=0, y=0, out=0, t=-1, rows=1, cols=1, accumulate=False)


def test_undecodable_words():
    with pytest.raises(DecodeError, match="unknown opcode 15"):
        decode(15)
    with pytest.raises(DecodeError, match="reserved bits set"):
        decode(5 | (1 << 100))  # halt with a high bit set
    vec_op_shift = dict((n, s) for n, s, _ in field_layout(INSTRUCTIONS[4]))["op"]
    with pytest.raises(DecodeError, match="unknown vector function 31"):
        decode(4 | (31 << vec_op_shift))
    with pytest.raises(DecodeError, match="instruction 1: unknown opcode 9"):
        decode_program(encode_program([INSTRUCTIONS[5]()]) + (9).to_bytes(16, "little"))
    with pytest.raises(DecodeError, match="not a multiple of the 16-byte"):
        decode_program(b"\0" * 17)


def test_text_errors():
    with pytest.raises(DecodeError, match="unknown mnemonic 'jump'"):
        parse_instr("jump x=1")
    with pytest.raises(DecodeError, match="missing field"):
        parse_instr("preload src=0 rows=4")
    with pytest.raises(DecodeError, match="preload.rows: bad value 'four'; expected an integer"):
        parse_instr("preload src=0 rows=four cols=4")
    with pytest.raises(DecodeError, match="unknown dependency flag"):
        parse_instr("halt +push_sideways")


def test_layout_is_the_field_list():
    for cls in INSTRUCTIONS:
        names = [n for n, _, _ in field_layout(cls)]
        assert names == ["opcode"] + [f.name for f in dataclasses.fields(cls)]
        assert names[1:5] == list(DEP_FIELDS)


def test_every_field_kind_has_an_assembly_error_message():
    from chip.asm import _EXPECTED

    assert set(_EXPECTED) == set(FieldKind)


def _width(cls, name):
    return next(w for n, _, w in field_layout(cls) if n == name)


def test_limits_elsewhere_follow_the_field_widths():
    """Every limit the config and the compiler take from the ISA equals what its field holds,
    read from the encoding layout (so a width change cannot leave a limit behind)."""
    from chip import config
    from chip.isa import Load, Store, Vec, max_value
    from compiler.lower.context import MAX_DMA_ROWS, MAX_VEC_ROWS
    from compiler.lower.tiling import MAX_T

    for cls in INSTRUCTIONS:
        for f in encoded_fields(cls):
            if f.metadata["kind"] is FieldKind.UINT:
                assert max_value(cls, f.name) == 2 ** _width(cls, f.name) - 1
    assert MAX_DMA_ROWS == 2 ** _width(Load, "rows") - 1 == 2 ** _width(Store, "rows") - 1
    assert MAX_VEC_ROWS == 2 ** _width(Vec, "rows") - 1
    assert MAX_T == 2 ** _width(Matmul, "t") - 1
    assert config.MAX_LOCAL_ROWS == 2 ** _width(Matmul, "out")
    assert config.MAX_DRAM_MIB * 2**20 == 2 ** _width(Load, "dram")
    with pytest.raises(ValueError, match="load.dst is a loc field, not an integer"):
        max_value(Load, "dst")
    with pytest.raises(ValueError, match="vec has no field 'depth'"):
        max_value(Vec, "depth")


def test_constructor_normalizes_like_the_field_check_and_names_bad_fields():
    """Instructions share one constructor: values of other integer and bool types are
    normalized to the plain Python values the well-typed fast path keeps; a missing or
    unknown field raises naming it."""
    fast = Load(dram=64, dst=sp(3), rows=2, cols=8, stride=16, transpose=False)
    slow = Load(
        dram=np.int64(64), dst=sp(3), rows=np.int32(2), cols=8, stride=16, transpose=np.bool_(0)
    )
    assert slow == fast and hash(slow) == hash(fast)
    assert type(slow.dram) is int and type(slow.transpose) is bool
    assert fast.pop_prev is False and fast.with_deps(pop_prev=True).pop_prev is True
    with pytest.raises(TypeError, match="Load: missing cols, stride"):
        Load(dram=0, dst=sp(0), rows=1, transpose=False)
    with pytest.raises(TypeError, match="Load: no field bogus"):
        Load(dram=0, dst=sp(0), rows=1, cols=1, stride=1, transpose=False, bogus=1)
    with pytest.raises(ValueError, match="load.rows = 65536 does not fit in 16 bits"):
        Load(dram=0, dst=sp(0), rows=1 << 16, cols=1, stride=1, transpose=False)
