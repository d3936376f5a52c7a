"""numba, set up once for the machine's kernels: where its cache goes, and a note when it
compiles.

The kernels (chip/machine/*_kernels.py, schedule_kernel.py) are compiled by numba and cached on
disk. The cache goes to a user cache folder, never into the installed package
(which is read-only for a normal install): ``$NUMBA_CACHE_DIR`` if the user set it, else
``$XDG_CACHE_HOME/systolic/numba``, else ``~/.cache/systolic/numba``; if that folder cannot be
created or written, a per-user folder in the system's temporary folder. This module is imported
by ``chip/machine/__init__.py`` before any kernel module, so the setting is in place before
numba reads it.

Compiling takes a while (`COMPILE_SECONDS`, measured on a 2-core machine), so the first
compilation in a process prints one line to stderr; with a warm cache nothing is compiled and
nothing is printed.

Building the package compiles the kernels ahead (chip/machine/precompile.py) into
``_numba_cache/`` beside this file; on import, this module copies those files into the user's
cache folder where numba looks for them (`seed_cache`), unless the folder holds an index as
new, so a fresh install compiles nothing on the CPU it was built on. numba keys its
index on the source file's content (not its time stamp), the Python version and the CPU, so the
copies are valid wherever the package is installed; on another CPU numba compiles as usual.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
import uuid
from pathlib import Path
from types import ModuleType

# CPU time to compile every kernel from an empty cache: 308 s (`python -m bench.kernel_cache`,
# 2026-12-07, the 2-core VM), about 250 s of it the replay kernel and its callees for the three
# scratchpad word sizes; a first `systolic train` without the shipped cache compiled for 212 s.
# A loaded machine takes longer in wall time.
COMPILE_SECONDS = 300
NOTE = (
    f"compiling machine kernels, once (up to about {COMPILE_SECONDS // 60} minutes; "
    "cached for later runs) ..."
)


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
from numba.core.caching import (  # noqa: E402
    CacheImpl,
    InTreeCacheLocator,
    UserProvidedCacheLocator,
)
from numba.core.compiler import CompilerBase, DefaultPassBuilder  # noqa: E402
from numba.core.compiler_machinery import register_pass  # noqa: E402
from numba.core.dispatcher import Dispatcher  # noqa: E402
from numba.core.typed_passes import NativeLowering  # noqa: E402

if _folder is not None:
    # numba read the environment when it was first imported, perhaps before this module.
    numba.config.CACHE_DIR = str(_folder)

SHIPPED = Path(__file__).with_name("_numba_cache")


def cache_folder_of(py_file: Path) -> Path | None:
    """The folder where numba caches the kernels of the module ``py_file`` (numba's own rule
    for a user-provided cache folder); None if numba has no cache folder."""
    if not numba.config.CACHE_DIR:
        return None
    sub = UserProvidedCacheLocator.get_suitable_cache_subpath(str(py_file))
    return Path(numba.config.CACHE_DIR) / sub


def _copy(src: Path, dst: Path) -> None:
    """Copy through a temporary name and a rename: processes starting together (a sweep's
    workers) never read a half-written file."""
    tmp = dst.with_name(f"{dst.name}.tmp.{uuid.uuid4().hex[:16]}")
    shutil.copyfile(src, tmp)
    os.replace(tmp, dst)


def seed_cache(shipped: Path = SHIPPED) -> int:
    """Copy the cache files built with the package (``shipped``) into the user's numba cache
    where an index is missing or older than the shipped one (an earlier install); an index
    written since (numba adds the signatures it compiles later) is left alone. Returns how many
    indexes were copied. A failure only means that numba compiles as usual."""
    if not shipped.is_dir():
        return 0
    copied = 0
    for index in sorted(shipped.glob("*.nbi")):
        module = index.name.split(".", 1)[0]
        target = cache_folder_of(Path(__file__).with_name(f"{module}.py"))
        if target is None:
            return copied
        have = target / index.name
        try:
            if have.is_file() and have.stat().st_mtime >= index.stat().st_mtime:
                continue
            target.mkdir(parents=True, exist_ok=True)
            stem = index.name[: -len(".nbi")]
            for data in shipped.glob(f"{stem}.*.nbc"):
                _copy(data, target / data.name)
            _copy(index, have)  # last: the index names the data files
        except OSError:
            continue
        copied += 1
    return copied


if _folder is not None:
    seed_cache()


def kernel_dependencies(module: str) -> list[Path]:
    """The files of the other modules of this package whose compiled functions the kernels of
    ``module`` may call, directly or through them: the modules it imports, or imports compiled
    functions from, and so on (sorted)."""
    found: set[str] = set()
    todo = [module]
    while todo:
        for value in list(vars(sys.modules[todo.pop()]).values()):
            if isinstance(value, Dispatcher):
                name = value.py_func.__module__
            elif isinstance(value, ModuleType):
                name = value.__name__
            else:
                continue
            if name != module and name not in found and name.startswith(_PACKAGE):
                found.add(name)
                todo.append(name)
    return sorted(Path(sys.modules[name].__file__) for name in found)


_PACKAGE = __name__.split(".")[0] + "."


def _digest(path: Path) -> bytes:
    return hashlib.sha256(path.read_bytes()).digest()


class _DependentStamp:
    """A kernel's cache stamp (numba keeps the machine code while the stamp is unchanged):
    its own file's, and each file of `kernel_dependencies`. numba stamps a function with its
    own file alone, so a changed kernel of another module, compiled into its callers (inlined
    or not), would leave their old machine code in use."""

    def __init__(self, py_func, py_file) -> None:
        super().__init__(py_func, py_file)
        self._module = py_func.__module__

    @classmethod
    def from_function(cls, py_func, py_file):
        if not py_func.__module__.startswith(_PACKAGE):
            return None
        return super().from_function(py_func, py_file)

    def get_source_stamp(self):
        own = super().get_source_stamp()
        deps = kernel_dependencies(self._module)
        return (own, *map(_digest, deps)) if deps else own


class _UserProvidedDependent(_DependentStamp, UserProvidedCacheLocator):
    pass


class _InTreeDependent(_DependentStamp, InTreeCacheLocator):
    pass


# Tried before numba's own locators (the same folders and file names, so `seed_cache` and
# `cache_folder_of` hold), for the functions of this package only.
CacheImpl._locator_classes[:0] = [_UserProvidedDependent, _InTreeDependent]


@register_pass(mutates_CFG=True, analysis_only=False)
class _SLPLowering(NativeLowering):
    """numba's lowering, with LLVM's SLP vectorizer on while the function's machine code is
    optimized (numba turns it off by default, `numba.config.SLP_VECTORIZE`, read then). It packs
    isomorphic scalar operations into vector ones without reordering any of them: float
    results keep their bits (no reassociation or FMA contraction without fastmath)."""

    _name = "native_lowering_slp"

    def run_pass(self, state) -> bool:
        saved = numba.config.SLP_VECTORIZE
        numba.config.SLP_VECTORIZE = 1
        try:
            return super().run_pass(state)
        finally:
            numba.config.SLP_VECTORIZE = saved


class SLPCompiler(CompilerBase):
    """numba's nopython pipeline with `_SLPLowering`: ``numba.njit(pipeline_class=SLPCompiler)``
    for kernels whose inner loops update several accumulator rows held in registers."""

    def define_pipelines(self) -> list:
        pm = DefaultPassBuilder.define_nopython_pipeline(self.state)
        pm.passes[:] = [(_SLPLowering if p is NativeLowering else p, d) for p, d in pm.passes]
        pm.finalize()
        return [pm]


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
