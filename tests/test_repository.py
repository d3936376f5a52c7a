"""The repository stands alone: no tracked file names a path on one particular machine."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Folders that exist only on the machine a file was written on. Spelled in pieces so this file
# does not match itself.
MACHINE_PATHS = re.compile(
    "|".join(
        re.escape(p)
        for p in ("/" + "work/", "/" + "root/", "/" + "home/", "/" + "tmp/", ".." + "/shared")
    )
)


def _tracked_files() -> list[str]:
    if shutil.which("git") is None:
        pytest.skip("git is not installed: cannot list the tracked files")
    proc = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=False, timeout=60
    )
    if proc.returncode != 0:
        pytest.skip(f"not a git checkout ({proc.stderr.decode(errors='replace').strip()})")
    return [name for name in proc.stdout.decode().split("\0") if name]


def _text(path: Path) -> str | None:
    """The file's text, or None for a binary file (a NUL byte or not UTF-8)."""
    data = path.read_bytes()
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def test_no_tracked_file_names_a_machine_path():
    offenders = []
    for name in _tracked_files():
        path = ROOT / name
        if not path.is_file() or path.is_symlink():
            continue
        text = _text(path)
        if text is None:
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            match = MACHINE_PATHS.search(line)
            if match:
                offenders.append(f"{name}:{number}: {match.group()!r} in {line.strip()[:100]!r}")
    assert not offenders, "machine-specific paths in tracked files:\n" + "\n".join(offenders)


def test_the_pattern_catches_each_machine_path():
    for sample in ("/" + "work/shared/x.csv", "open('/" + "tmp/a')", "../" + "shared/ref"):
        assert MACHINE_PATHS.search(sample), sample
    assert not MACHINE_PATHS.search("tests/data/scalesim/Resnet18.csv")
