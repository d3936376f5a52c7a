"""kill -9 at any point of `systolic train`, then `--resume`: every output is bit-identical to an
uninterrupted run's, and no temporary file is left behind.

The training runs in a child process (``python -m runtime.cli train``), which is SIGKILLed as
soon as the test, polling the run directory every few milliseconds, sees the point reached: the
trace written (before the first checkpoint), the first and a later checkpoint, the report being
written. Polling needs no hook in the code under test; where exactly between two polls the kill
lands varies from run to run, and every landing must give the same files. The wall time of the
host is not an output (it is printed, not stored), so "bit-identical" covers every file.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Small and quick, with every kind of output: cycles sampled on the machine (so a trace and the
# cycle plots), two epochs of 89 steps, a checkpoint every 40 steps and at each epoch's end.
TRAIN = ("--sampled-timing", "--epochs", "2", "--checkpoint-every", "40")
TIMEOUT = 600.0

pytestmark = pytest.mark.slow


def _start(*args: str, log: Path) -> subprocess.Popen:
    with open(log, "ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "runtime.cli", "train", *args],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _finish(proc: subprocess.Popen, log: Path) -> None:
    assert proc.wait(timeout=TIMEOUT) == 0, log.read_text()


def _kill_when(proc: subprocess.Popen, reached: Callable[[], bool], log: Path) -> None:
    """SIGKILL ``proc`` as soon as ``reached()``; fails if it ends first."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if reached():
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=60)
            return
        if proc.poll() is not None:
            pytest.fail(f"the run ended before the kill point:\n{log.read_text()}")
        time.sleep(0.005)
    proc.kill()
    pytest.fail("the kill point was not reached in time")


def _exists(path: Path) -> Callable[[], bool]:
    return path.exists


def _replaced(path: Path, times: int) -> Callable[[], bool]:
    """True once ``path`` has been seen as ``times`` different files. Each atomic write renames
    a new file over it; the file system may give the new file the inode number just freed, so a
    file is told apart by its inode and its modification time together."""
    seen: set[tuple[int, int]] = set()

    def check() -> bool:
        try:
            st = os.stat(path)
        except FileNotFoundError:
            return False
        seen.add((st.st_ino, st.st_mtime_ns))
        return len(seen) >= times

    return check


def _files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> dict[str, bytes]:
    run = tmp_path_factory.mktemp("whole") / "run"
    log = run.with_name("log.txt")
    _finish(_start(*TRAIN, "--out", str(run), log=log), log)
    files = _files(run)
    assert {"report.json", "layers.csv", "trace.json", "checkpoint.npz", "run.json"} <= set(files)
    assert {"training.png", "cycles_by_layer.png"} <= set(files)
    return files


@pytest.mark.parametrize(
    "kill_points",
    [
        pytest.param(["trace.json"], id="before-the-first-checkpoint"),
        pytest.param(["checkpoint.npz", ("checkpoint.npz", 2)], id="first-checkpoint-twice"),
        pytest.param([("checkpoint.npz", 4)], id="in-epoch-2"),
        pytest.param(["report.json"], id="writing-the-reports"),
    ],
)
def test_kill_then_resume_gives_identical_files(uninterrupted, tmp_path, kill_points):
    run, log = tmp_path / "run", tmp_path / "log.txt"
    for i, point in enumerate(kill_points):
        args = (*TRAIN, "--out", str(run)) if i == 0 else ("--resume", str(run))
        if isinstance(point, tuple):
            reached = _replaced(run / point[0], point[1])
        else:
            reached = _exists(run / point)
        _kill_when(_start(*args, log=log), reached, log)
    _finish(_start("--resume", str(run), log=log), log)
    got = _files(run)
    assert sorted(got) == sorted(uninterrupted)  # also: no stale temporary is left
    differ = [name for name in got if got[name] != uninterrupted[name]]
    assert not differ, f"differ from the uninterrupted run: {differ}"
