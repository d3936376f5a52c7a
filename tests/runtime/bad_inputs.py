"""A generated corpus of bad inputs for every file kind and command of `systolic`.

Each `Case` is a command line (files written under a directory given to `build_corpus`) and a
text its one-line error must contain: the file, field or argument at fault. Nothing here is a
checked-in blob: valid files are made by the project's own writers, then corrupted, truncated,
bit-flipped, retyped or given hostile sizes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tests.runtime.bad_files import add_assembly, add_chip_tomls, add_onnx_files, add_reports
from tests.runtime.bad_programs import add_program_manifests, add_programs, valid_program_bytes
from tests.runtime.bad_training import add_checkpoints, add_datasets, run_dir_with
from tests.runtime.bad_zip import (
    MiB,
    deflated_zeros_member,
    lying_size_zip,
    npy,
    npy_header_only,
    unzip,
    zip_bytes,
)


@dataclass(frozen=True)
class Case:
    """One bad input: ``argv`` for `runtime.cli.main` and what its error line must name."""

    name: str
    argv: tuple[str, ...]
    expect: str
    hostile: bool = False  # a size attack: checked for memory in a child process too


class Corpus:
    """The cases built so far and the directory their files are written to (each section of
    the corpus, tests/runtime/bad_*.py, adds to one)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.cases: list[Case] = []
        self.n = 0

    def file(self, suffix: str, data: bytes | str) -> Path:
        self.n += 1
        path = self.root / f"f{self.n:03d}{suffix}"
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        return path

    def add(self, name: str, argv: list, expect: str, hostile: bool = False) -> None:
        name = f"#{len(self.cases)} {name}"
        self.cases.append(Case(name, tuple(str(a) for a in argv), expect, hostile))


def build_corpus(root: Path, hostile_bombs: bool = False) -> list[Case]:
    """Write every bad input under ``root`` and return the cases. ``hostile_bombs`` adds the
    real zip bombs (gigabyte members written by compression, a few seconds to build)."""
    c = Corpus(root)
    add_programs(c)
    add_program_manifests(c)
    add_checkpoints(c)
    add_datasets(c)
    add_reports(c)
    add_onnx_files(c)
    add_chip_tomls(c)
    add_assembly(c)
    _cli_misuse(c)
    _hostile(c, bombs=hostile_bombs)
    return c.cases


def _cli_misuse(c: Corpus) -> None:
    prog = c.root / "valid.prog"
    for argv, expect in [
        (["train", "--batch-size", "100000"], "--batch-size"),
        (["train", "--batch-size", "0"], "--batch-size"),
        (["train", "--batch-size", "-3"], "--batch-size"),
        (["train", "--epochs", "0"], "--epochs"),
        (["train", "--epochs", "10000000000"], "--epochs"),
        (["train", "--lr", "nan"], "--lr"),
        (["train", "--lr", "inf"], "--lr"),
        (["train", "--lr", "-1"], "--lr"),
        (["train", "--seed", "-1"], "--seed"),
        (["train", "--checkpoint-every", "-2"], "--checkpoint-every"),
        (["train", "--model", "gpt"], "gpt"),
        (["train", "--model", "resnet18"], "resnet18"),
        (["train", "--chip", "nosuchchip"], "nosuchchip"),
        (["compile", "mlp", "--batch", "100000", "-o", c.root / "o.prog"], "--batch"),
        (["compile", "mlp", "--batch", "0", "-o", c.root / "o.prog"], "--batch"),
        (["compile", "mlp", "--lr", "nan", "--train", "-o", c.root / "o.prog"], "--lr"),
        (["compile", "mlp", "--dtype", "fp64", "-o", c.root / "o.prog"], "--dtype"),
        (["compile", "mlp", "--quantize", "static", "-o", c.root / "o.prog"], "--quantize"),
        (["run", prog, "--seed", "-1"], "--seed"),
        (["run", prog], "--input"),
        (["run", prog, "--input", "x"], "NAME=FILE"),
        (["run", prog, "--input", f"x={c.root}"], "is a directory"),
        (["run", prog, "--input", f"x={c.file('.npy', b'junk')}"], "--input x"),
        (["run", prog, "--input", f"x={c.file('.npy', npy(np.array([None], object)))}"], "pickle"),
        (["run", prog, "--input", f"x={c.file('.npy', npy(np.zeros((2, 2))))}"], "'x'"),
        (
            ["run", prog, "--input", f"x={c.file('.npy', npy_header_only('<f4', (1 << 40,)))}"],
            "--input x",
        ),
        (["run", prog, "--fidelity", "rtl", "--random-inputs"], "too large to co-simulate"),
        (["disasm"], "PROGRAM"),
        (["report"], "RUN_DIR"),
        (["report", c.root, "--format", "xml"], "--format"),
        (["hdl"], "--output"),
        (["frobnicate"], "frobnicate"),
        (["train", "--resume", c.root / "nothing-here"], "nothing-here"),
        (["train", "--resume", c.root, "--epochs", "3"], "--epochs"),
    ]:
        c.add("cli " + " ".join(str(a) for a in argv)[:60], argv, expect)


def _hostile(c: Corpus, bombs: bool) -> None:
    """Size attacks: each must be refused before its size is allocated."""
    good = dict(unzip(valid_program_bytes(c.root)))
    manifest = json.loads(good["manifest.json"])
    # an instruction stream that unpacks to 64 MiB, the manifest's count unchanged or matching
    big = {**good, "instructions.bin": bytes(64 * MiB)}
    c.add(
        "hostile 64 MiB stream",
        ["disasm", c.file(".prog", zip_bytes(list(big.items())))],
        "instructions.bin",
        True,
    )
    matching = json.dumps({**manifest, "instructions": 4 * MiB}).encode()
    big_m = {**big, "manifest.json": matching}
    c.add(
        "hostile 4M instructions declared",
        ["disasm", c.file(".prog", zip_bytes(list(big_m.items())))],
        "instructions",
        True,
    )
    c.add(
        "hostile tag_index 2^40",
        [
            "disasm",
            c.file(
                ".prog",
                zip_bytes(
                    list({**good, "tag_index.npy": npy_header_only("<u4", (1 << 40,))}.items())
                ),
            ),
        ],
        "tag_index.npy",
        True,
    )
    c.add(
        "hostile lying member size",
        ["disasm", c.file(".prog", lying_size_zip("manifest.json", b"{}", 0xF000_0000, good))],
        "manifest.json",
        True,
    )
    c.add(
        "hostile dataset lying size",
        ["train", "--dataset", c.file(".npz", lying_size_zip("x.npy", bytes(1000), 3 << 30))],
        "x.npy",
        True,
    )
    c.add(
        "hostile dataset header 2^40",
        [
            "train",
            "--dataset",
            c.file(
                ".npz",
                zip_bytes(
                    [
                        ("x.npy", npy_header_only("<f4", (1 << 20, 1 << 20))),
                        ("y.npy", npy(np.zeros(3, np.int64))),
                    ]
                ),
            ),
        ],
        "x.npy",
        True,
    )
    c.add(
        "hostile checkpoint lying size",
        ["train", "--resume", run_dir_with(c, lying_size_zip("meta.npy", b"x", 0xF000_0000))],
        "meta.npy",
        True,
    )
    big_onnx = c.file(".onnx", b"\x08")
    with open(big_onnx, "r+b") as f:
        f.truncate(3 << 30)  # sparse: the size check must refuse it without reading
    c.add("hostile 3 GiB onnx", ["compile", big_onnx, "-o", c.root / "o.prog"], "bytes", True)
    rep = c.root / "rep-huge"
    rep.mkdir()
    with open(rep / "report.json", "wb") as f:
        f.truncate(1 << 30)
    c.add("hostile 1 GiB report", ["report", rep], "bytes", True)
    if bombs:
        bomb = deflated_zeros_member("tensor/w.npy", (1 << 30) + MiB)
        c.add(
            "bomb checkpoint 1 GiB member",
            ["train", "--resume", run_dir_with(c, bomb)],
            "tensor/w.npy",
            True,
        )
        c.add(
            "bomb dataset 1 GiB member", ["train", "--dataset", c.file(".npz", bomb)], "w.npy", True
        )
        prog_bomb = deflated_zeros_member("init/w.npy", (1 << 30) + MiB, list(good.items()))
        c.add("bomb program 1 GiB member", ["disasm", c.file(".prog", prog_bomb)], "bytes", True)
