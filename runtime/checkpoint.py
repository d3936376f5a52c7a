"""Checkpoints of a training run, written atomically.

A checkpoint is one ``.npz`` file: the raw storage of every resident tensor (PARAM and STATE) as
``tensor/<name>``, plus ``meta``, a JSON document with the loop position, the accumulated
reports and fingerprints of the program, the data and the training settings. It is written with
`runtime.files.atomic_write_bytes` (a fresh temporary in the same directory, flushed to disk,
then renamed over the old one); a crash at any moment leaves either the previous checkpoint
or the new one, never a torn file.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from chip.archive import check_file, check_npy_member, member_info, open_zip, read_npy, read_npz
from chip.isa import encode_program
from chip.program import Program
from runtime.files import atomic_write_bytes

CHECKPOINT_NAME = "checkpoint.npz"
FORMAT = "systolic-checkpoint"
VERSION = 3  # 3: the progress's counters carry useful MACs, minimal DRAM bytes, critical cycles
_TENSOR = "tensor/"
MAX_CHECKPOINT_BYTES = (1 << 30) + (64 << 20)  # a program's data cap, plus the meta
_MAX_META_BYTES = 64 << 20


class CheckpointError(ValueError):
    """A checkpoint that cannot be read or does not belong to this run."""


@dataclass(frozen=True)
class Checkpoint:
    """Resident tensors (raw storage) and the JSON-able loop state at one point of a run."""

    tensors: Mapping[str, np.ndarray]
    meta: Mapping[str, Any]


def program_fingerprint(program: Program) -> str:
    """A digest of everything that determines what a program computes and how long it takes."""
    h = hashlib.sha256()
    h.update(json.dumps(program.config.to_dict(), sort_keys=True).encode())
    h.update(encode_program(list(program.instrs)))
    h.update(json.dumps([t.to_json() for t in program.tensors.values()]).encode())
    for name in sorted(program.init):
        h.update(name.encode())
        h.update(np.ascontiguousarray(program.init[name]).tobytes())
    return h.hexdigest()


def array_fingerprint(*arrays: np.ndarray) -> str:
    h = hashlib.sha256()
    for a in arrays:
        h.update(str(a.dtype).encode() + str(a.shape).encode())
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def save(directory: Path, checkpoint: Checkpoint) -> Path:
    """Write ``directory/checkpoint.npz`` atomically; returns its path.

    The file is a function of the checkpoint alone (`npz_bytes`), so a resumed run leaves the
    same bytes as an uninterrupted one.
    """
    meta = {"format": FORMAT, "version": VERSION, **checkpoint.meta}
    arrays = {"meta": np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)}
    arrays |= {f"{_TENSOR}{k}": v for k, v in checkpoint.tensors.items()}
    path = directory / CHECKPOINT_NAME
    atomic_write_bytes(path, npz_bytes(arrays))
    return path


def npz_bytes(arrays: Mapping[str, np.ndarray]) -> bytes:
    """An uncompressed ``.npz`` of ``arrays`` (readable by `np.load`) with fixed member time
    stamps, unlike `np.savez`, which stamps each member with the current time."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED, allowZip64=True) as z:
        for name, value in arrays.items():
            member = io.BytesIO()
            np.lib.format.write_array(member, np.ascontiguousarray(value), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            z.writestr(info, member.getvalue())
    return buf.getvalue()


def verify(directory: Path) -> dict[str, Any]:
    """Check ``directory/checkpoint.npz`` without reading its tensors' data, and return its
    meta: every member's size against `MAX_CHECKPOINT_BYTES`, every array header against its
    payload, and the meta's format, version and fields. `CheckpointError` says what is wrong.
    A run checks this before it compiles anything, so a bad checkpoint is refused at once."""
    path = directory / CHECKPOINT_NAME
    if directory.exists() and not directory.is_dir():
        raise CheckpointError(f"{directory} is not a run directory (it is a file)")
    if not path.exists():
        raise CheckpointError(f"no checkpoint at {path}; nothing to resume")
    check_file(path, "checkpoint", CheckpointError)
    with open_zip(path, "checkpoint", CheckpointError) as z:
        names = z.namelist()
        if len(set(names)) != len(names):
            raise CheckpointError(f"checkpoint {path}: two members have the same name")
        total = sum(member_info(z, path, n, CheckpointError).file_size for n in names)
        if total > MAX_CHECKPOINT_BYTES:
            raise CheckpointError(
                f"checkpoint {path} unpacks to {total} bytes; the limit is {MAX_CHECKPOINT_BYTES}"
            )
        if "meta.npy" not in names:
            raise CheckpointError(f"checkpoint {path} has no member meta.npy")
        for n in names:
            if n != "meta.npy" and not (n.startswith(_TENSOR) and n.endswith(".npy")):
                raise CheckpointError(f"checkpoint {path}: unexpected member {n}")
            check_npy_member(z, path, n, CheckpointError, MAX_CHECKPOINT_BYTES)
        raw = read_npy(z, path, "meta.npy", CheckpointError, _MAX_META_BYTES)
    return _parse_meta(raw, path)


def _parse_meta(raw: np.ndarray, path: Path) -> dict[str, Any]:
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise CheckpointError(
            f"checkpoint {path}: meta must be uint8 JSON bytes, not {raw.dtype}{list(raw.shape)}"
        )
    try:
        meta = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        raise CheckpointError(f"checkpoint {path}: meta is not valid JSON: {e}") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a {FORMAT} file")
    if meta.get("version") != VERSION:
        raise CheckpointError(
            f"{path}: unsupported checkpoint version {meta.get('version')!r} (this build reads "
            f"version {VERSION}: its report counters changed; start the run again)"
        )
    for key in ("fingerprints", "progress"):
        if not isinstance(meta.get(key), dict):
            raise CheckpointError(f"checkpoint {path}: meta field {key!r} must be a JSON object")
    return meta


def load(directory: Path) -> Checkpoint:
    """Read ``directory/checkpoint.npz`` (checked by `verify` first); `CheckpointError` says
    what is wrong with a bad one."""
    meta = verify(directory)
    path = directory / CHECKPOINT_NAME
    arrays = read_npz(path, "checkpoint", CheckpointError, MAX_CHECKPOINT_BYTES)
    tensors = {k[len(_TENSOR) :]: v for k, v in arrays.items() if k.startswith(_TENSOR)}
    return Checkpoint(tensors, meta)
