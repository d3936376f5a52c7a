"""Bytes of zip and npy files for the bad-input corpus (tests/runtime/bad_inputs.py): writing
them, corrupting them (bit flips that change content, members whose headers lie about their
size), and building hostile ones without allocating what they claim."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import numpy as np

MiB = 1 << 20


def zip_bytes(members: list[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=method) as z:
        for name, data in members:
            z.writestr(name, data)
    return buf.getvalue()


def unzip(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [(n, z.read(n)) for n in z.namelist()]


def npy(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=True)
    return buf.getvalue()


def npy_header_only(descr: str, shape: tuple, payload: bytes = b"") -> bytes:
    """An .npy whose header declares ``shape`` whatever ``payload`` holds."""
    header = repr({"descr": descr, "fortran_order": False, "shape": shape}).encode()
    header += b" " * (-(len(header) + 11) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + payload


def changes_content(good: bytes, bad: bytes) -> bool:
    """Whether a mutated archive reads differently from the original by the standard library's
    zipfile (some header bytes, such as timestamps, change nothing a reader sees)."""
    try:
        with zipfile.ZipFile(io.BytesIO(bad)) as z:
            got = [(i.filename, i.compress_type, z.read(i)) for i in z.infolist()]
    except Exception:  # noqa: BLE001 - any failure means the archive is damaged
        return True
    with zipfile.ZipFile(io.BytesIO(good)) as z:
        return got != [(i.filename, i.compress_type, z.read(i)) for i in z.infolist()]


def flips(good: bytes, rng: np.random.Generator, n: int, lo: int = 0, hi: int = 0) -> list:
    """``n`` (position, mutated bytes) pairs, each one flipped byte in ``lo..hi`` (default the
    whole file) that changes what the archive holds."""
    out = []
    hi = hi or len(good)
    while len(out) < n:
        pos = int(rng.integers(lo, hi))
        bad = bytearray(good)
        bad[pos] ^= 1 << int(rng.integers(8))
        if changes_content(good, bytes(bad)):
            out.append((pos, bytes(bad)))
    return out


def data_ranges(data: bytes) -> list[tuple[int, int]]:
    """(start, end) of every member's stored bytes: a bit flipped there changes the content
    (CRC-32 catches every single-bit error), unlike one in a timestamp."""
    out = []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for info in z.infolist():
            start = info.header_offset + 30
            name_len, extra_len = struct.unpack("<HH", data[info.header_offset + 26 : start])
            start += name_len + extra_len
            if info.compress_size:
                out.append((start, start + info.compress_size))
    return out


def deflated_zeros_member(name: str, size: int, others: list[tuple[str, bytes]] = ()) -> bytes:
    """A zip of ``others`` and one deflated member of ``size`` zero bytes, compressed chunk by
    chunk (a real zip bomb: about size/1000 bytes on disk)."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = bytes(MiB)
    parts, crc, left = [], 0, size
    while left:
        piece = chunk[: min(left, MiB)]
        crc = zlib.crc32(piece, crc)
        parts.append(comp.compress(piece))
        left -= len(piece)
    parts.append(comp.flush())
    body = b"".join(parts)
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.CRC, info.compress_size, info.file_size = crc, len(body), size
    entries = []
    for other, data in others:
        oc = zlib.compressobj(9, zlib.DEFLATED, -15)
        obody = oc.compress(data) + oc.flush()
        oinfo = zipfile.ZipInfo(other)
        oinfo.compress_type = zipfile.ZIP_DEFLATED
        oinfo.CRC, oinfo.compress_size, oinfo.file_size = zlib.crc32(data), len(obody), len(data)
        entries.append((oinfo, obody))
    return _raw_zip([*entries, (info, body)])


def _raw_zip(entries: list[tuple[zipfile.ZipInfo, bytes]]) -> bytes:
    """A zip written from given (info, already compressed body) pairs, sizes as declared."""
    out, central = io.BytesIO(), []
    for info, body in entries:
        offset = out.tell()
        name = info.filename.encode()
        out.write(
            struct.pack(
                "<4s5H3L2H",
                b"PK\x03\x04",
                20,
                0,
                info.compress_type,
                0,
                0,
                info.CRC,
                info.compress_size,
                info.file_size,
                len(name),
                0,
            )
            + name
            + body
        )
        central.append(
            struct.pack(
                "<4s6H3L5H2L",
                b"PK\x01\x02",
                20,
                20,
                0,
                info.compress_type,
                0,
                0,
                info.CRC,
                info.compress_size,
                info.file_size,
                len(name),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + name
        )
    start = out.tell()
    cd = b"".join(central)
    out.write(cd)
    out.write(
        struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(cd), start, 0)
    )
    return out.getvalue()


def lying_size_zip(
    name: str, body_plain: bytes, claimed: int, others: dict[str, bytes] | None = None
) -> bytes:
    """A zip of ``others`` whose member ``name`` claims ``claimed`` unpacked bytes for a
    small body."""
    entries = []
    for n, plain in {**(others or {}), name: body_plain}.items():
        comp = zlib.compressobj(9, zlib.DEFLATED, -15)
        body = comp.compress(plain) + comp.flush()
        info = zipfile.ZipInfo(n)
        info.compress_type = zipfile.ZIP_DEFLATED
        size = claimed if n == name else len(plain)
        info.CRC, info.compress_size, info.file_size = zlib.crc32(plain), len(body), size
        entries.append((info, body))
    return _raw_zip(entries)
