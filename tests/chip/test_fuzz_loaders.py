"""Fuzzing every loader with random and mutated files, and the ISA with random words: each
raises only its documented error type, and every word that decodes round-trips exactly
through encode and through disassembly and assembly (NaN immediates included)."""

from __future__ import annotations

import io
import json
import math
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from chip.asm import assemble, format_instr, parse_instr
from chip.config import ChipConfig
from chip.errors import ConfigError, ProgramFormatError
from chip.isa import INSTRUCTIONS, OPCODE_BITS, DecodeError, NanBits, Vec, decode, field_layout
from chip.program import Program
from runtime import checkpoint as ckpt
from runtime.data import DataError, load_npz
from runtime.outputs import ReportError, read_report
from tests.runtime.programs import regression_chip, softmax_regression


@pytest.fixture(scope="module")
def program_bytes(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("fuzz") / "p.prog"
    softmax_regression(regression_chip(), 16, 64, 10, np.zeros((64, 10), np.float32)).save(path)
    return path.read_bytes()


def _members(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [(n, z.read(n)) for n in z.namelist()]


def _rezip(members: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            z.writestr(name, data)
    return buf.getvalue()


def _mutate(data: bytes, rng: np.random.Generator) -> bytes:
    """One of: flipped bits, a random span, a truncation, an insertion, a duplicated span."""
    b = bytearray(data)
    kind = int(rng.integers(5))
    if kind == 0:
        for _ in range(int(rng.integers(1, 9))):
            b[int(rng.integers(len(b)))] ^= 1 << int(rng.integers(8))
    elif kind == 1:
        at = int(rng.integers(len(b)))
        n = int(rng.integers(1, 32))
        b[at : at + n] = rng.bytes(n)
    elif kind == 2:
        del b[int(rng.integers(len(b))) :]
    elif kind == 3:
        at = int(rng.integers(len(b) + 1))
        b[at:at] = rng.bytes(int(rng.integers(1, 64)))
    else:
        at, n = int(rng.integers(len(b))), int(rng.integers(1, 200))
        b[at:at] = b[at : at + n]
    return bytes(b)


def test_program_load_on_2000_mutated_files(program_bytes, tmp_path):
    """Half mutate the archive's bytes, half one member's content inside a valid archive (so
    the manifest, the npy headers and the instruction words are reached, not only the zip
    layer): every file loads or raises `ProgramFormatError`, nothing else."""
    rng = np.random.default_rng(0)
    members = _members(program_bytes)
    path = tmp_path / "m.prog"
    outcomes = {"loaded": 0, "refused": 0}
    for k in range(2000):
        if k % 2:
            data = _mutate(program_bytes, rng)
        else:
            i = int(rng.integers(len(members)))
            changed = list(members)
            changed[i] = (changed[i][0], _mutate(changed[i][1] or b"\0", rng))
            data = _rezip(changed)
        path.write_bytes(data)
        try:
            Program.load(path)
            outcomes["loaded"] += 1
        except ProgramFormatError:
            outcomes["refused"] += 1
    assert outcomes["refused"] > 1500, outcomes


# ---- random bytes through every loader ----
def _in_temp(name: str, data: bytes, load):
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / name
        path.write_bytes(data)
        return load(path)


# random archives may name a member twice, which zipfile warns about while writing
pytestmark = pytest.mark.filterwarnings("ignore:Duplicate name")

_ZIPPY = st.one_of(
    st.binary(max_size=2000),
    st.binary(max_size=500).map(lambda b: b"PK\x03\x04" + b),
    st.lists(
        st.tuples(
            st.sampled_from(["manifest.json", "meta.npy", "x.npy", "y.npy", "a"]), st.binary()
        ),
        max_size=4,
    ).map(_rezip),
)


@hsettings(max_examples=150)
@given(_ZIPPY)
def test_program_load_random_bytes(data):
    with pytest.raises(ProgramFormatError):
        _in_temp("r.prog", data, Program.load)


@hsettings(max_examples=150)
@given(_ZIPPY)
def test_checkpoint_load_random_bytes(data):
    with tempfile.TemporaryDirectory() as d:
        (Path(d) / ckpt.CHECKPOINT_NAME).write_bytes(data)
        with pytest.raises(ckpt.CheckpointError):
            ckpt.load(Path(d))


@hsettings(max_examples=150)
@given(_ZIPPY)
def test_load_npz_random_bytes(data):
    with pytest.raises(DataError):
        _in_temp("d.npz", data, load_npz)


@hsettings(max_examples=150)
@given(st.one_of(st.binary(max_size=500), st.text(max_size=300).map(str.encode)))
def test_read_report_random_bytes(data):
    with pytest.raises(ReportError):
        _in_temp("report.json", data, read_report)


@hsettings(max_examples=150)
@given(
    st.one_of(
        st.binary(max_size=400),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
            lambda inner: (
                st.lists(inner, max_size=3)
                | st.dictionaries(st.text(max_size=5), inner, max_size=3)
            ),
            max_leaves=10,
        ).map(lambda v: json.dumps({"version": 1, "total": v, "chip": v}).encode()),
    )
)
def test_read_report_json_shapes(data):
    with pytest.raises(ReportError):
        _in_temp("report.json", data, read_report)


_TOML_VALUES = st.one_of(
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True),
    st.booleans(),
    st.text(max_size=6),
)


@hsettings(max_examples=200)
@given(st.data())
def test_chip_toml_mutations(data):
    """The edge preset with one field given a random value or removed, or random bytes:
    a valid config or `ConfigError`."""
    text = ChipConfig.from_toml("edge").to_toml()
    choice = data.draw(st.integers(0, 2))
    if choice == 0:
        lines = text.splitlines()
        k = data.draw(st.integers(0, len(lines) - 1))
        if "=" in lines[k]:
            key = lines[k].split("=")[0].strip()
            value = data.draw(_TOML_VALUES)
            text_value = _toml_float(value) if isinstance(value, float) else json.dumps(value)
            lines[k] = f"{key} = {text_value}"
        raw = "\n".join(lines).encode()
    elif choice == 1:
        raw = data.draw(st.binary(max_size=300))
    else:
        raw = text.encode()[: data.draw(st.integers(0, len(text)))]
    try:
        cfg = _in_temp("c.toml", raw, ChipConfig.from_toml)
    except ConfigError:
        return
    assert isinstance(cfg.name, str) and 1 <= cfg.rows <= 256


def _toml_float(v: float) -> str:
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return repr(v)


@hsettings(max_examples=200)
@given(st.text(max_size=400))
def test_assemble_random_text(text):
    try:
        assemble(text)
    except DecodeError:
        pass
    except ConfigError:
        pass


# ---- the ISA: random words ----
def _word_of(cls, values: list[int]) -> int:
    word = 0
    for (name, shift, bits), v in zip(field_layout(cls), values, strict=True):
        word |= (cls.OPCODE if name == "opcode" else v % (1 << bits)) << shift
    return word


_STRUCTURED_WORDS = st.sampled_from(INSTRUCTIONS).flatmap(
    lambda cls: st.lists(
        st.integers(0, 2**32 - 1), min_size=len(field_layout(cls)), max_size=len(field_layout(cls))
    ).map(lambda vs: _word_of(cls, vs))
)
_NAN_BITS = (
    st.integers(0, 2**23 - 1)
    .filter(bool)
    .flatmap(lambda m: st.sampled_from([0x7F800000 | m, 0xFF800000 | m]))
)


def _check_round_trips(word: int) -> None:
    try:
        ins = decode(word)
    except DecodeError:
        return
    assert ins.encode() == word
    text = format_instr(ins)
    again = parse_instr(text)
    assert again == ins, text
    assert again.encode() == word, text


@hsettings(max_examples=600)
@given(st.one_of(st.integers(0, 2**128 - 1), _STRUCTURED_WORDS))
def test_random_words_round_trip(word):
    _check_round_trips(word)


@hsettings(max_examples=300)
@given(_STRUCTURED_WORDS, _NAN_BITS)
def test_nan_immediates_round_trip(word, bits):
    imm_shift = next(s for n, s, _ in field_layout(Vec) if n == "imm")
    word = (word & ~(0xFFFFFFFF << imm_shift) & ~((1 << OPCODE_BITS) - 1)) | Vec.OPCODE
    word |= bits << imm_shift
    try:
        ins = decode(word)
    except DecodeError:
        return
    assert isinstance(ins.imm, NanBits) and ins.imm.bits == bits
    _check_round_trips(word)


def test_nan_immediate_text_and_value():
    word = _word_of(Vec, [0] * len(field_layout(Vec)))
    imm_shift = next(s for n, s, _ in field_layout(Vec) if n == "imm")
    ins = decode(word | (0x7FA00001 << imm_shift))  # a signalling NaN with a payload
    assert "imm=nan:0x7fa00001" in format_instr(ins)
    assert math.isnan(ins.imm)
    assert ins == decode(ins.encode())
    with pytest.raises(DecodeError, match="imm"):
        parse_instr(format_instr(ins).replace("nan:0x7fa00001", "nan:0x3f800000"))
    with pytest.raises(DecodeError, match="imm"):
        parse_instr(format_instr(ins).replace("nan:0x7fa00001", "1e39"))


@hsettings(max_examples=150)
@given(st.binary(max_size=600))
def test_onnx_entry_random_bytes(data):
    """Random bytes as an ONNX file: the model loader's documented errors, nothing else
    (`OnnxFileError` and `ModelError` are ValueErrors, as are the importer's refusals)."""
    from runtime.models import forward_graph

    with pytest.raises(ValueError):
        _in_temp("m.onnx", data, lambda p: forward_graph(str(p), 1))
