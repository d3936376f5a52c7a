"""setuptools hook: building the package compiles the machine's numba kernels into it.

`BuildPy` runs setuptools' build_py, then ``python -m chip.machine.precompile --write`` on the
built copy of the package in a fresh numba cache folder, which writes numba's cache files into
``chip/machine/_numba_cache/`` of the build (of the source tree for an editable install, where
the package is imported from; the folder is not tracked). chip/machine/jit.py copies them into
the user's cache folder on import, so the first `systolic` command compiles nothing. numba keys
the files on the CPU, so a wheel carried to another kind of machine compiles on first use there
instead. If compiling fails the build goes on without the files (a warning says why): the
kernels then compile on first use, as without this hook.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from setuptools.command.build_py import build_py

CACHE = Path("chip", "machine", "_numba_cache")


class BuildPy(build_py):
    def run(self) -> None:
        super().run()
        root = (Path.cwd() if self.editable_mode else Path(self.build_lib)).resolve()
        if not (root / "chip" / "machine" / "precompile.py").is_file():
            return  # a partial build (e.g. a single module): nothing to compile
        shutil.rmtree(root / CACHE, ignore_errors=True)  # files of an earlier build
        with tempfile.TemporaryDirectory(prefix="systolic-numba-") as folder:
            env = dict(os.environ, NUMBA_CACHE_DIR=folder)
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))
            cmd = [sys.executable, "-m", "chip.machine.precompile", "--write", str(root / CACHE)]
            msg = "compiling the machine's numba kernels (about 5 minutes of CPU time)"
            self.announce(msg, level=2)
            done = subprocess.run(cmd, env=env, cwd=root, capture_output=True, text=True)
        if done.returncode != 0:
            tail = (done.stderr.strip().splitlines() or ["no message"])[-1]
            self.warn(f"machine kernels not precompiled, they compile on first use: {tail}")
