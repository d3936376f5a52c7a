"""Writes stay where the user said: safe output names, atomic writes that follow no symlink."""

from __future__ import annotations

import os
import tempfile

import numpy as np
import pytest

from chip.config import load_preset
from compiler.compile import compile
from compiler.ir_builder import IRBuilder
from runtime.cli import main
from runtime.files import (
    MAX_STEM,
    atomic_open,
    atomic_write_bytes,
    output_file_names,
    remove_stale_temporaries,
    safe_stem,
)


@pytest.mark.parametrize(
    "name, stem",
    [
        ("logits", "logits"),
        ("output:0", "output_0"),
        ("../../x", "_.._x"),
        ("/etc/passwd", "_etc_passwd"),
        ("a\\b", "a_b"),
        ("nul\0byte", "nul_byte"),
        ("..", "_"),
        (".hidden", "hidden"),
        ("", "_"),
        ("CON", "_CON"),
        ("com1.tar", "_com1.tar"),
        ("é", "_"),
        ("x" * 300, "x" * MAX_STEM),
    ],
)
def test_safe_stem(name, stem):
    assert safe_stem(name) == stem


def test_colliding_names_get_distinct_deterministic_files():
    names = ["a/b", "a\\b", "a_b", "A_B", "y"]
    files = output_file_names(names, ".npy")
    assert files["y"] == "y.npy"
    assert len({f.lower() for f in files.values()}) == len(names)
    assert all(
        f.startswith(("a_b-", "A_B-")) and len(f) == len("a_b-12345678.npy")
        for f in [files[n] for n in names[:4]]
    )
    assert output_file_names(reversed(names), ".npy") == files  # independent of order


def test_atomic_write_does_not_follow_a_symlink_at_the_temporary_name(tmp_path, monkeypatch):
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    out = tmp_path / "out"
    out.mkdir()
    planted = ["PLANTED", "x9x9x9x9"]
    for name in planted:
        os.symlink(victim, out / f".report.json.{name}.tmp")
    # The temporary file's name is random; make it predictable, as an attacker would hope.
    monkeypatch.setattr(tempfile, "_get_candidate_names", lambda: iter(planted + ["free"]))
    atomic_write_bytes(out / "report.json", b"new")
    assert victim.read_bytes() == b"precious"
    assert (out / "report.json").read_bytes() == b"new"
    assert not (out / ".report.json.free.tmp").exists()


def test_atomic_write_replaces_a_symlink_at_the_target_instead_of_writing_through_it(tmp_path):
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    os.symlink(victim, tmp_path / "report.json")
    atomic_write_bytes(tmp_path / "report.json", b"new")
    assert victim.read_bytes() == b"precious"
    assert not (tmp_path / "report.json").is_symlink()
    assert (tmp_path / "report.json").read_bytes() == b"new"


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "f.bin"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_open(target) as f:
        f.write(b"half")
        raise RuntimeError("disk full")
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["f.bin"]


def test_remove_stale_temporaries(tmp_path):
    keep = [tmp_path / "report.json", tmp_path / "x.tmp", tmp_path / ".hidden"]
    stale = [tmp_path / ".report.json.abc123.tmp", tmp_path / ".c.npz.zz.tmp"]
    for p in keep + stale:
        p.write_bytes(b"")
    os.symlink(tmp_path / "report.json", tmp_path / ".link.q.tmp")
    assert remove_stale_temporaries(tmp_path) == sorted([*stale, tmp_path / ".link.q.tmp"])
    assert sorted(tmp_path.iterdir()) == sorted(keep)


def test_run_writes_an_output_named_like_a_path_inside_the_out_folder(tmp_path, capsys):
    chip = load_preset("tiny")
    b = IRBuilder("evil")
    x = b.input("x", (2, 4))
    b.output("../../x", b.matmul(x, b.param("w", np.ones((4, 3), np.float32))))
    b.output("sub/../../y", b.scale(x, 2.0))
    prog = tmp_path / "a" / "b" / "evil.prog"
    prog.parent.mkdir(parents=True)
    compile(b.build(), chip).save(prog)
    out = tmp_path / "a" / "b" / "out"
    before = set(tmp_path.rglob("*"))
    code = main(
        ["run", str(prog), "--random-inputs", "--fidelity", "functional", "--out", str(out)]
    )
    _, err = capsys.readouterr()
    assert code == 0, err
    created = set(tmp_path.rglob("*")) - before
    assert created and all(p.is_relative_to(out) for p in created), sorted(created)
    assert np.load(out / "_.._x.npy").shape == (2, 3)
    assert np.load(out / "sub_.._.._y.npy").shape == (2, 4)


def test_written_files_get_the_usual_permissions(tmp_path):
    mask = os.umask(0o027)
    try:
        atomic_write_bytes(tmp_path / "f", b"x")
    finally:
        os.umask(mask)
    assert (tmp_path / "f").stat().st_mode & 0o777 == 0o640


def test_compile_does_not_write_through_symlinks_planted_in_the_output_folder(tmp_path, capsys):
    from chip.program import Program

    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    out = tmp_path / "out"
    out.mkdir()
    for name in (".m.prog.tmp", ".m.prog.tmp.npy", "..m.prog.tmp"):
        os.symlink(victim, out / name)
    code = main(["compile", "mlp", "--chip", "tiny", "-o", str(out / "m.prog")])
    assert code == 0, capsys.readouterr().err
    assert victim.read_bytes() == b"precious"
    assert Program.load(out / "m.prog").instrs
    assert sorted(p.name for p in out.iterdir()) == [
        "..m.prog.tmp",
        ".m.prog.tmp",
        ".m.prog.tmp.npy",
        "m.prog",
    ]
