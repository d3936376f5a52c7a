"""Every file the runtime writes goes through here: atomic writes and safe file names.

`atomic_open` creates its temporary file with `tempfile.mkstemp` in the target's own folder
(``O_CREAT | O_EXCL``, a random name; the mode is then set as ``open`` would, 0666 less the
umask), so a symlink planted at a predictable name is never followed; the data is flushed and
fsynced, then `os.replace` renames the temporary over the target (replacing a symlink at the
target itself, not writing through it). A crash leaves the old file or the new one, never half
of one; an error deletes the temporary. A temporary left by a killed process is named
``.NAME.<random>.tmp`` and `remove_stale_temporaries` deletes it.

`output_file_names` turns names that come from programs and models (tensor names) into file
names that cannot leave their folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

TEMP_SUFFIX = ".tmp"
MAX_STEM = 100  # characters; with a hash and a suffix, far below every filesystem's 255 bytes
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
# Device names Windows reserves in every folder, with any extension.
_RESERVED = {"con", "prn", "aux", "nul"} | {f"{p}{i}" for p in ("com", "lpt") for i in range(10)}


@contextlib.contextmanager
def atomic_open(path: str | Path) -> Iterator[BinaryIO]:
    """A binary file that replaces ``path`` when the ``with`` block ends without an error."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp's 0600 would make outputs private
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that readers see the old or the new file, never half."""
    with atomic_open(path) as f:
        f.write(data)


def remove_stale_temporaries(directory: Path) -> list[Path]:
    """Delete the temporaries `atomic_open` leaves in ``directory`` when a process is killed
    mid-write (``.NAME.<random>.tmp``, files or symlinks, never followed); returns them."""
    removed = []
    with contextlib.suppress(FileNotFoundError):
        for entry in os.scandir(directory):
            name = entry.name
            if name.startswith(".") and name.endswith(TEMP_SUFFIX) and not entry.is_dir():
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
    return sorted(removed)


def safe_stem(name: str) -> str:
    """A file name stem made from ``name`` that names a file in the current folder and nothing
    else: only ``A-Z a-z 0-9 . _ -`` (every other character, ``/``, ``\\`` and NUL included,
    becomes ``_``), no leading dot, not a reserved device name, at most `MAX_STEM` characters,
    never empty."""
    stem = _UNSAFE.sub("_", name).lstrip(".")[:MAX_STEM] or "_"
    if stem.split(".")[0].lower() in _RESERVED:
        stem = "_" + stem[: MAX_STEM - 1]
    return stem


def output_file_names(names: Iterable[str], suffix: str) -> dict[str, str]:
    """``{name: file name}`` for writing one file per name into one folder.

    Each file name is `safe_stem` of its name plus ``suffix``. Names whose stems collide (case
    ignored, for case-insensitive filesystems) get ``-`` and 8 hex digits of their name's
    SHA-256 appended, and a counter after that in the unlikely case that still collides; the
    result depends only on the set of names, not on their order.
    """
    names = list(dict.fromkeys(names))
    stems = {n: safe_stem(n) for n in names}
    counts = Counter(s.lower() for s in stems.values())
    taken: set[str] = set()
    out = {}
    for n in sorted(names):
        base = stems[n]
        if counts[base.lower()] > 1:
            base = f"{base}-{hashlib.sha256(n.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}"
        candidate, i = base, 2
        while candidate.lower() in taken:
            candidate, i = f"{base}-{i}", i + 1
        taken.add(candidate.lower())
        out[n] = candidate + suffix
    return {n: out[n] for n in names}
