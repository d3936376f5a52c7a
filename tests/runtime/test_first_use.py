"""First use and pipes: numba's cache goes to the user's cache folder with one line saying it
compiles; output into a pipe closed early ends quietly."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from chip.machine.jit import NOTE
from runtime.data import load_digits
from runtime.outputs import write_run_dir
from runtime.train import Trainer, TrainSettings
from tests.runtime.programs import regression_chip, softmax_regression

ROOT = Path(__file__).resolve().parents[2]


# ---- pipes
@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("pipe")
    cfg = regression_chip()
    w0 = np.zeros((64, 10), np.float32)
    program = softmax_regression(cfg, 16, 64, 10, w0)
    program.save(d / "step.prog")
    t = Trainer(
        program,
        softmax_regression(cfg, 16, 64, 10, w0, train=False),
        load_digits(),
        TrainSettings(epochs=1, lr=0.5),
        "functional",
        name="softreg",
    )
    write_run_dir(d / "run", t.run().report, plots=False)
    return {"program": d / "step.prog", "run": d / "run"}


@pytest.mark.parametrize(
    "argv",
    [("report", "{run}"), ("disasm", "{program}"), ("chips", "--format", "json")],
    ids=["report", "disasm", "chips"],
)
def test_output_into_a_closed_pipe_ends_quietly(files, argv):
    """As `systolic report DIR | head -1`, with the reader gone before the first write."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    args = [a.format(**files) for a in argv]
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "runtime.cli", *args],
            cwd=ROOT,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=300,
        )
    finally:
        os.close(write_end)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""


# ---- numba's cache
CHILD = "from chip.machine.engine import warm_up; warm_up()"


def _child(cwd: Path, home: Path, **env: str) -> str:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in ("NUMBA_CACHE_DIR", "XDG_CACHE_HOME", "PYTHONPATH")
    }
    proc = subprocess.run(
        [sys.executable, "-c", CHILD],
        cwd=cwd,
        env={**base, "HOME": str(home), "PYTHONDONTWRITEBYTECODE": "1", **env},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stderr


def _numba_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.suffix in (".nbi", ".nbc")]


@pytest.mark.slow  # compiles the timing kernels from an empty cache, several times
def test_numba_cache_goes_to_the_user_cache_folder_and_first_use_says_so(tmp_path):
    package = tmp_path / "install"
    # without the kernels a build compiles into the package: this is the first-use path
    shutil.copytree(
        ROOT / "chip",
        package / "chip",
        ignore=shutil.ignore_patterns("__pycache__", "_numba_cache"),
    )
    before = sorted(package.rglob("*"))
    home = tmp_path / "home"
    home.mkdir()

    assert _child(package, home).splitlines() == [NOTE]
    assert _numba_files(home / ".cache" / "systolic" / "numba")
    assert _child(package, home) == ""  # a warm cache compiles nothing and says nothing

    xdg = tmp_path / "xdg"
    assert _child(package, home, XDG_CACHE_HOME=str(xdg)).splitlines() == [NOTE]
    assert _numba_files(xdg / "systolic" / "numba")
    mine = tmp_path / "mine"
    assert _child(package, home, NUMBA_CACHE_DIR=str(mine)).splitlines() == [NOTE]
    assert _numba_files(mine)
    # Nothing is written into the package itself (a normal install's folder is read-only).
    assert sorted(package.rglob("*")) == before
