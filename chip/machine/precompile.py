"""The machine's numba kernels compiled ahead of their first use, and the cache shipped with the
package.

`precompile()` compiles (or loads from numba's disk cache) every kernel the machine calls from
Python, in each argument type and array layout it passes them: the timing loop
(chip/machine/engine.py's `warm_up`) and its critical path (`critical.warm_up`), the `fast`
value kernels (`block_kernels.warm_up`), the `pe` register kernels (`pe_kernels.warm_up`), the
`fast` machine's replay kernel
(`replay.warm_up`), the special functions (`special_kernels.warm_up`), and the compiler's hazard
scan (`hazard_kernel.warm_up`) and token derivation (`token_kernel.warm_up`).
tests/machine/test_precompile.py checks that running programs afterwards, in every dtype,
dataflow and fidelity, and the special functions on arrays of any shape, compile nothing more.

``python -m chip.machine.precompile --write DIR`` does so with ``$NUMBA_CACHE_DIR`` set to an
empty folder, then copies the cache files numba wrote into DIR. Building the package does this
(build_kernels.py at the repository root) into ``chip/machine/_numba_cache/``, so an install
compiles the kernels once, for the CPU it runs on; chip/machine/jit.py copies them into the
user's cache on import. Without ``--write`` it fills the user's cache, e.g. in a container image.
"""

from __future__ import annotations

import argparse
import importlib
import os
import shutil
import sys
from pathlib import Path

from chip.machine.jit import cache_folder_of

# The modules whose `warm_up` compiles the kernels, in the order `precompile` runs them.
WARM_UPS = (
    "engine",
    "critical",
    "block_kernels",
    "pe_kernels",
    "replay",
    "special_kernels",
    "hazard_kernel",
    "token_kernel",
)


def precompile() -> None:
    """Compile, or load from the disk cache, every kernel specialisation the machine uses."""
    for name in WARM_UPS:
        importlib.import_module(f"chip.machine.{name}").warm_up()


def write_cache(dest: Path) -> list[str]:
    """`precompile` into the numba cache folder of this process, which must start empty, then
    copy its files for this package's kernels into ``dest``; returns their names."""
    source = cache_folder_of(Path(__file__))
    if source is None:
        raise RuntimeError("numba has no cache folder: set NUMBA_CACHE_DIR to an empty folder")
    if source.is_dir() and any(source.iterdir()):
        raise RuntimeError(f"the numba cache folder {source} is not empty")
    precompile()
    dest.mkdir(parents=True, exist_ok=True)
    names = sorted(p.name for p in source.iterdir() if p.suffix in (".nbi", ".nbc"))
    for name in names:
        shutil.copyfile(source / name, dest / name)
    return names


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--write",
        metavar="DIR",
        type=Path,
        help="copy the cache files into DIR ($NUMBA_CACHE_DIR must name an empty folder)",
    )
    args = ap.parse_args(argv)
    if args.write is None:
        precompile()
        return 0
    if not os.environ.get("NUMBA_CACHE_DIR"):
        print("precompile --write: set NUMBA_CACHE_DIR to an empty folder", file=sys.stderr)
        return 2
    try:
        names = write_cache(args.write)
    except RuntimeError as e:
        print(f"precompile --write: {e}", file=sys.stderr)
        return 2
    print(f"{len(names)} kernel cache files written to {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
