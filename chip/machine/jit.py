"""numba, set up once for the machine's kernels: where its cache goes, and a note when it
compiles.

The kernels (chip/machine/*_kernels.py, schedule_kernel.py) are compiled by numba on first use
and cached on disk. The cache goes to a user cache folder, never into the installed package
(which is read-only for a normal install): ``$NUMBA_CACHE_DIR`` if the user set it, else
``$XDG_CACHE_HOME/systolic/numba``, else ``~/.cache/systolic/numba``; if that folder cannot be
created or written, a per-user folder in the system's temporary folder. This module is imported
by ``chip/machine/__init__.py`` before any kernel module, so the setting is in place before
numba reads it.

Compiling takes a while (`COMPILE_SECONDS`, measured on a 2-core machine), so the first
compilation in a process prints one line to stderr; with a warm cache nothing is compiled and
nothing is printed.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

# CPU time to compile the kernels of a GEMM in every dtype at both fidelities from an empty
# cache: 8 s measured (6 s for `fast` alone); a loaded machine takes longer in wall time.
COMPILE_SECONDS = 10
NOTE = f"compiling machine kernels, once (about {COMPILE_SECONDS} s; cached for later runs) ..."


def cache_dir() -> Path | None:
    """The numba cache folder for this user (see the module docstring); None if no folder
    can be written (numba then uses its own defaults)."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return Path(os.environ["NUMBA_CACHE_DIR"])
    candidates = []
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(xdg):  # the XDG spec: a relative value is to be ignored
        candidates.append(Path(xdg) / "systolic" / "numba")
    try:
        candidates.append(Path.home() / ".cache" / "systolic" / "numba")
    except RuntimeError:  # no home folder
        pass
    candidates.append(Path(tempfile.gettempdir()) / f"systolic-{os.getuid()}" / "numba")
    for folder in candidates:
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError:
            continue
        if os.access(folder, os.W_OK | os.X_OK):
            return folder
    return None


_folder = cache_dir()
if _folder is not None:
    os.environ["NUMBA_CACHE_DIR"] = str(_folder)

import numba  # noqa: E402 - after NUMBA_CACHE_DIR is set
from numba.core import event  # noqa: E402

if _folder is not None:
    # numba read the environment when it was first imported, perhaps before this module.
    numba.config.CACHE_DIR = str(_folder)


class _FirstCompileNote(event.Listener):
    """Prints `NOTE` once, when numba starts compiling one of this package's kernels (it
    fires no compile event for a function loaded from the cache)."""

    def __init__(self) -> None:
        self.printed = False

    def on_start(self, ev: event.Event) -> None:
        if self.printed:
            return
        dispatcher = (ev.data or {}).get("dispatcher")
        module = getattr(getattr(dispatcher, "py_func", None), "__module__", "") or ""
        if module.startswith("chip."):
            self.printed = True
            print(NOTE, file=sys.stderr, flush=True)

    def on_end(self, ev: event.Event) -> None:
        pass


event.register("numba:compile", _FirstCompileNote())
