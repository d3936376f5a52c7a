"""The program file's size rules: checked before any word is decoded, and held on save too."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest

import chip.program as program_mod
import chip.program_file as program_file
from chip.errors import ProgramFormatError
from chip.program import Program
from tests.runtime.programs import regression_chip, softmax_regression


@pytest.fixture
def program() -> Program:
    return softmax_regression(regression_chip(), 16, 64, 10, np.zeros((64, 10), np.float32))


def _rewrite(src, dst, **members: bytes) -> None:
    with zipfile.ZipFile(src) as z:
        old = {n: z.read(n) for n in z.namelist()}
    with zipfile.ZipFile(dst, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for n, data in {**old, **members}.items():
            z.writestr(n, data)


def test_stream_longer_than_declared_is_refused_before_decoding(program, tmp_path, monkeypatch):
    good, bad = tmp_path / "good.prog", tmp_path / "bad.prog"
    program.save(good)
    _rewrite(good, bad, **{"instructions.bin": bytes(64 << 20)})  # 64 MiB of zero words
    assert bad.stat().st_size < 200_000

    def no_decoding(blob: bytes) -> None:
        raise AssertionError("decoded before the size check")

    monkeypatch.setattr(program_mod, "decode_program", no_decoding)
    with pytest.raises(ProgramFormatError, match="instructions.bin unpacks to 67108864 bytes"):
        Program.load(bad)
    manifest = json.loads(zipfile.ZipFile(good).read("manifest.json"))
    manifest["instructions"] += 1
    _rewrite(good, bad, **{"manifest.json": json.dumps(manifest).encode()})
    with pytest.raises(ProgramFormatError, match=r"instructions.bin holds \d+ bytes; the manifest"):
        Program.load(bad)


def test_npy_header_checked_against_the_manifest_before_its_data(program, tmp_path):
    good, bad = tmp_path / "good.prog", tmp_path / "bad.prog"
    program.save(good)
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<u4", "fortran_order": False, "shape": (1 << 40,)}
    )
    _rewrite(good, bad, **{"tag_index.npy": b"\x93NUMPY\x01\x00" + header.getvalue()[8:]})
    with pytest.raises(
        ProgramFormatError, match=r"tag_index.npy: array is uint32\[1099511627776\]"
    ):
        Program.load(bad)


def test_save_refuses_what_load_would_refuse(program, tmp_path, monkeypatch):
    monkeypatch.setattr(program_file, "MAX_INSTRUCTIONS", len(program.instrs) - 1)
    with pytest.raises(ValueError, match="a program file holds at most"):
        program.save(tmp_path / "p.prog")
    assert not (tmp_path / "p.prog").exists()
    monkeypatch.setattr(program_file, "MAX_INSTRUCTIONS", len(program.instrs))
    program.save(tmp_path / "p.prog")
    assert Program.load(tmp_path / "p.prog").instrs == program.instrs
