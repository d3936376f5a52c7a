"""Reading zip archives and ``.npy`` arrays from files nobody vouches for.

Programs, checkpoints and data sets are zip files of ``.npy`` members. Everything here checks
sizes *before* it decompresses or allocates: a member's declared size against a cap, its
compression ratio against what deflate can produce, an array header's shape times item size
against the payload actually present. Object arrays (pickles) are refused. Each check raises the
caller's error type with a message naming the file, the member and what was expected, so one
loader's errors are one type.

Caps (documented in docs/program-format.md):

- `MAX_MEMBER_BYTES`: no single member may unpack to more than 1 GiB;
- `MAX_DEFLATE_RATIO`: deflate cannot expand data more than about 1032 times, so a member whose
  header claims more is corrupt or hostile;
- `MAX_NPY_HEADER`: an ``.npy`` header longer than 64 KiB is not one numpy wrote.
"""

from __future__ import annotations

import ast
import contextlib
import math
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np

MAX_MEMBER_BYTES = 1 << 30
MAX_DEFLATE_RATIO = 1100
MAX_NPY_HEADER = 1 << 16
_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate"}
_NPY_MAGIC = b"\x93NUMPY"


def check_file(path: Path, what: str, error: type[Exception]) -> None:
    """Raise ``error`` unless ``path`` is an existing regular file (a directory says so)."""
    if path.is_dir():
        raise error(f"{what} {str(path)!r} is a directory, not a file")
    if not path.exists():
        raise error(f"{what} {str(path)!r} does not exist")
    if not path.is_file():
        raise error(f"{what} {str(path)!r} is not a regular file")


def open_zip(path: Path, what: str, error: type[Exception]) -> zipfile.ZipFile:
    """Open ``path`` as a zip archive; ``error`` names the file if it is not one."""
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as e:
        raise error(
            f"{path} is not a readable {what}: it is corrupt or unreadable (not a zip archive: {e})"
        ) from None


def member_info(
    z: zipfile.ZipFile, path: Path, name: str, error: type[Exception], cap: int = MAX_MEMBER_BYTES
) -> zipfile.ZipInfo:
    """The entry of member ``name`` after checking its method, declared size and ratio."""
    try:
        info = z.getinfo(name)
    except KeyError:
        raise error(f"{path}: missing member {name}") from None
    if info.compress_type not in _METHODS:
        raise error(
            f"{path}: member {name} uses compression method {info.compress_type}; "
            f"expected {' or '.join(_METHODS.values())}"
        )
    if info.file_size > cap:
        raise error(
            f"{path}: member {name} unpacks to {info.file_size} bytes; the limit is {cap} bytes"
        )
    if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
        raise error(
            f"{path}: stored member {name} is {info.compress_size} bytes but declares "
            f"{info.file_size}"
        )
    if info.file_size > MAX_DEFLATE_RATIO * max(info.compress_size, 1):
        raise error(
            f"{path}: member {name} claims to unpack {info.compress_size} bytes to "
            f"{info.file_size} (more than deflate's {MAX_DEFLATE_RATIO}:1); the file is corrupt"
        )
    return info


def read_member(
    z: zipfile.ZipFile,
    path: Path,
    name: str,
    error: type[Exception],
    cap: int = MAX_MEMBER_BYTES,
) -> bytes:
    """The bytes of member ``name``, its declared size checked first (see `member_info`)."""
    info = member_info(z, path, name, error, cap)
    with _member_errors(path, name, error):
        data = z.read(info)
    if len(data) != info.file_size:
        raise error(f"{path}: member {name} is {len(data)} bytes, declares {info.file_size}")
    return data


@contextlib.contextmanager
def _member_errors(path: Path, name: str, error: type[Exception]) -> Iterator[None]:
    """Turn what zipfile and zlib raise for damaged data into ``error`` naming the member."""
    try:
        yield
    except error:
        raise  # already says what is wrong
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, RuntimeError) as e:
        raise error(f"{path}: member {name} is corrupt: {str(e) or type(e).__name__}") from None


def npy_header(
    data: bytes, where: str, error: type[Exception]
) -> tuple[np.dtype, tuple, bool, int]:
    """(dtype, shape, fortran_order, payload offset) of an ``.npy`` byte string, parsed without
    numpy's loader so that nothing is allocated and no pickle is ever considered."""
    if len(data) < 10 or not data.startswith(_NPY_MAGIC):
        raise error(f"{where}: not a .npy array (bad magic bytes)")
    major = data[6]
    if major == 1:
        size, start = int.from_bytes(data[8:10], "little"), 10
    elif major in (2, 3):
        if len(data) < 12:
            raise error(f"{where}: truncated .npy header")
        size, start = int.from_bytes(data[8:12], "little"), 12
    else:
        raise error(f"{where}: unsupported .npy format version {major}")
    if size > MAX_NPY_HEADER or start + size > len(data):
        raise error(f"{where}: .npy header of {size} bytes does not fit in the member")
    try:
        text = data[start : start + size].decode("utf-8" if major == 3 else "latin1")
        header = ast.literal_eval(text)
    except (UnicodeDecodeError, ValueError, SyntaxError, MemoryError, RecursionError):
        raise error(f"{where}: .npy header is not a Python dict literal") from None
    if not isinstance(header, dict) or set(header) != {"descr", "fortran_order", "shape"}:
        raise error(f"{where}: .npy header must hold exactly descr, fortran_order and shape")
    descr, fortran, shape = header["descr"], header["fortran_order"], header["shape"]
    if not isinstance(descr, str):
        raise error(f"{where}: structured .npy arrays are not supported (descr {descr!r})")
    try:
        dtype = np.dtype(descr)
    except (TypeError, ValueError):
        raise error(f"{where}: unknown .npy element type {descr!r}") from None
    if dtype.hasobject or dtype.kind not in "biuf":
        raise error(
            f"{where}: element type {dtype} is not allowed (numeric arrays only; object "
            "arrays would need pickle, which is never loaded)"
        )
    if not isinstance(fortran, bool):
        raise error(f"{where}: .npy fortran_order must be True or False")
    if not isinstance(shape, tuple) or not all(type(s) is int and s >= 0 for s in shape):
        raise error(f"{where}: .npy shape must be a tuple of non-negative integers, not {shape!r}")
    return dtype, shape, fortran, start + size


def read_npy(
    z: zipfile.ZipFile,
    path: Path,
    name: str,
    error: type[Exception],
    cap: int = MAX_MEMBER_BYTES,
    expect: tuple[np.dtype, tuple[int, ...]] | None = None,
) -> np.ndarray:
    """Member ``name`` of ``z`` as an array. The header is read and checked first: shape times
    item size must equal the member's declared payload, stay under ``cap`` and, if given,
    match ``expect`` (dtype, shape); only then is the array allocated and filled."""
    info = member_info(z, path, name, error, cap)
    with _member_errors(path, name, error), z.open(info) as f:
        return _read_npy_stream(f, info.file_size, f"{path}: {name}", error, cap, expect)


def load_npy(
    path: Path, what: str, error: type[Exception], cap: int = MAX_MEMBER_BYTES
) -> np.ndarray:
    """A standalone ``.npy`` file, checked like `read_npy` (header first, no pickle)."""
    check_file(path, what, error)
    size = path.stat().st_size
    if size > cap + 12 + MAX_NPY_HEADER:
        raise error(f"{what} {str(path)!r} is {size} bytes; the limit is {cap}")
    try:
        with open(path, "rb") as f:
            return _read_npy_stream(f, size, f"{what} {path}", error, cap, None)
    except OSError as e:
        raise error(f"{what} {str(path)!r} cannot be read: {e.strerror or e}") from None


def check_npy_member(
    z: zipfile.ZipFile,
    path: Path,
    name: str,
    error: type[Exception],
    cap: int = MAX_MEMBER_BYTES,
) -> tuple[np.dtype, tuple[int, ...]]:
    """(dtype, shape) of member ``name`` after the checks of `read_npy`, reading only its
    header: for validating an archive before spending time on what it is for."""
    info = member_info(z, path, name, error, cap)
    with _member_errors(path, name, error), z.open(info) as f:
        head = f.read(min(info.file_size, 12 + MAX_NPY_HEADER))
    dtype, shape, _, _ = _checked_header(head, info.file_size, f"{path}: {name}", error, cap)
    return dtype, shape


def _checked_header(
    head: bytes,
    size: int,
    where: str,
    error: type[Exception],
    cap: int,
    expect: tuple[np.dtype, tuple[int, ...]] | None = None,
) -> tuple[np.dtype, tuple[int, ...], bool, int]:
    dtype, shape, fortran, offset = npy_header(head, where, error)
    nbytes = math.prod(shape) * dtype.itemsize
    if expect is not None and (dtype, shape) != (np.dtype(expect[0]), tuple(expect[1])):
        raise error(
            f"{where}: array is {dtype}{list(shape)}, expected "
            f"{np.dtype(expect[0])}{list(expect[1])}"
        )
    if nbytes > cap:
        raise error(f"{where}: array {list(shape)} of {dtype} is {nbytes} bytes; limit {cap}")
    if size - offset != nbytes:
        raise error(
            f"{where}: array {list(shape)} of {dtype} needs {nbytes} bytes of data, "
            f"the file holds {size - offset}"
        )
    return dtype, shape, fortran, offset


def _read_npy_stream(
    f: BinaryIO,
    size: int,
    where: str,
    error: type[Exception],
    cap: int,
    expect: tuple[np.dtype, tuple[int, ...]] | None,
) -> np.ndarray:
    head = f.read(min(size, 12 + MAX_NPY_HEADER))
    dtype, shape, fortran, offset = _checked_header(head, size, where, error, cap, expect)
    nbytes = math.prod(shape) * dtype.itemsize
    out = np.empty(math.prod(shape), dtype=dtype)
    buf = memoryview(out.view(np.uint8))
    got = len(head) - offset
    buf[:got] = head[offset:]
    while got < nbytes:
        n = f.readinto(buf[got:])
        if not n:
            raise error(f"{where}: the data ends after {got} of {nbytes} bytes")
        got += n
    return out.reshape(shape, order="F" if fortran else "C")


def read_npz(path: Path, what: str, error: type[Exception], cap: int = MAX_MEMBER_BYTES) -> dict:
    """Every array of an ``.npz`` file by key (member name without ``.npy``)."""
    with open_zip(path, what, error) as z:
        names = z.namelist()
        if len(set(names)) != len(names):
            raise error(f"{path}: two members have the same name")
        infos = [member_info(z, path, n, error, cap) for n in names]
        total = sum(i.file_size for i in infos)
        if total > cap:
            raise error(f"{path}: the {what} unpacks to {total} bytes; the limit is {cap} bytes")
        out = {}
        for n in names:
            if not n.endswith(".npy"):
                raise error(f"{path}: member {n} is not a .npy array")
            out[n[: -len(".npy")]] = read_npy(z, path, n, error, cap)
        return out
