"""The bad-input corpus (tests/runtime/bad_inputs.py) through the `systolic` entry point: every
case ends with one line naming the file, field or argument at fault, a documented non-zero
exit (1 or 2), no traceback and no "internal error"; hostile sizes are refused in bounded
memory."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from runtime.cli import main
from tests.runtime.bad_inputs import Case, build_corpus

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> list[Case]:
    return build_corpus(tmp_path_factory.mktemp("bad"))


def check_outcome(case: Case, code: int, out: str, err: str) -> None:
    lines = err.strip().splitlines()
    assert code in (1, 2), (case.name, code, err)
    assert len(lines) == 1, (case.name, err)
    assert "Traceback" not in err and "internal error" not in err, (case.name, err)
    assert lines[0].startswith("systolic"), (case.name, err)
    assert case.expect in lines[0], (case.name, case.expect, lines[0])


def test_corpus_is_large_and_covers_every_command(corpus):
    assert len(corpus) >= 200
    commands = {c.argv[0] for c in corpus}
    assert {"train", "compile", "run", "disasm", "asm", "report", "chips", "hdl"} <= commands
    assert all(c.expect for c in corpus)


def test_every_bad_input_gets_one_clear_line(corpus, capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # nothing may be written where the test runs from
    failures = []
    for case in corpus:
        code = main(list(case.argv))
        out, err = capsys.readouterr()
        try:
            check_outcome(case, code, out, err)
        except AssertionError as e:
            failures.append(str(e))
    assert not failures, "\n".join(failures)
    assert not any(tmp_path.iterdir()), list(tmp_path.iterdir())


# The command runs as the grandchild of this process, under a small launcher: on Linux a child
# started by fork or vfork reports the high-water mark of its parent's memory as its own peak
# until it exec's, so a child of a large pytest process would report pytest's memory.
_LAUNCHER = """
import resource, subprocess, sys
code = subprocess.run([sys.executable, "-m", "runtime.cli", *sys.argv[2:]]).returncode
with open(sys.argv[1], "w") as f:
    f.write(f"{code} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}")
"""


def _child_peak_rss(argv: tuple[str, ...], cwd: Path) -> tuple[int, str, str, int]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryDirectory() as d:
        result = Path(d) / "result"
        p = subprocess.run(
            [sys.executable, "-c", _LAUNCHER, str(result), *argv],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
        )
        assert p.returncode == 0, p.stderr
        code, kib = (int(v) for v in result.read_text().split())
    return code, p.stdout, p.stderr, kib * 1024


@pytest.mark.slow
def test_hostile_sizes_refused_in_bounded_memory(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    cases = [c for c in build_corpus(root, hostile_bombs=True) if c.hostile]
    assert len(cases) >= 12
    for case in cases:
        code, out, err, rss = _child_peak_rss(case.argv, root)
        check_outcome(case, code, out, err)
        assert rss < 500 * 2**20, (case.name, rss)


@pytest.mark.slow
def test_a_sample_in_child_processes(corpus, tmp_path):
    """The real entry point, as a user runs it: a sample of every tenth case."""
    for case in corpus[::10]:
        code, out, err, _ = _child_peak_rss(case.argv, tmp_path)
        check_outcome(case, code, out, err)
