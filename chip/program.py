"""The program container: what a compiler hands to a chip.

A `Program` holds the instruction stream, a tag per instruction (layer and phase), the DRAM layout
of named tensors, the initial contents of some of them (weights, constants) and the `ChipConfig`
it was compiled for. It is saved as one zip file:

- ``manifest.json``: ``{"format": "systolic-program", "version": 3, "chip": {...},
  "tensors": [{"name", "addr", "shape", "dtype", "kind", "role"}...],
  "tags": [[layer, phase]...], "instructions": N}``
- ``instructions.bin``: N little-endian 128-bit instruction words (chip/isa.py)
- ``tag_index.npy``: uint32, for each instruction an index into the manifest's tag table
- ``init/<name>.npy``: initial DRAM contents of a tensor, in its raw storage type (bf16 as uint16)

The parts it is described by (tags, layers, tensors) are in chip/program_parts.py and the file's
rules (format constants, caps, the checks of an untrusted file) in chip/program_file.py; this
module re-exports their public names. See docs/program-format.md.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from chip.archive import check_file, member_info, open_zip, read_member, read_npy
from chip.config import ChipConfig
from chip.errors import ProgramFormatError
from chip.isa import WORD_BYTES, DecodeError, Instr, decode_program, encode_program
from chip.program_file import (
    FORMAT,
    MAX_BLOB,
    MAX_INIT_BYTES,
    MAX_INSTRUCTIONS,
    MAX_MANIFEST_BYTES,
    MAX_PROGRAM_BYTES,
    READ_VERSIONS,
    ROLELESS_VERSION,
    VERSION,
    check_members,
    check_savable,
    init_arrays,
    manifest_config,
    manifest_tensors,
    parse_manifest,
)
from chip.program_parts import (
    ROLE_KINDS,
    LayerInfo,
    Phase,
    Tag,
    TensorInfo,
    TensorKind,
    TensorRole,
)

__all__ = [
    "FORMAT",
    "MAX_INIT_BYTES",
    "MAX_INSTRUCTIONS",
    "MAX_MANIFEST_BYTES",
    "MAX_PROGRAM_BYTES",
    "READ_VERSIONS",
    "ROLELESS_VERSION",
    "ROLE_KINDS",
    "VERSION",
    "LayerInfo",
    "Phase",
    "Program",
    "Tag",
    "TensorInfo",
    "TensorKind",
    "TensorRole",
]


@dataclass(frozen=True)
class Program:
    """An instruction stream for one chip, with its DRAM layout and initial contents.

    Contract: ``len(tags) == len(instrs)``; tensors lie inside DRAM, aligned to their element
    size, and do not overlap; every ``init`` array names a tensor and has its shape and raw
    storage dtype; ``layers`` (the compiler's `LayerInfo` per tag; empty for a hand-written
    program) names only tags of the program. Violations raise `ValueError` at construction.
    """

    config: ChipConfig
    instrs: tuple[Instr, ...]
    tags: tuple[Tag, ...]
    tensors: Mapping[str, TensorInfo]
    init: Mapping[str, np.ndarray] = field(default_factory=dict)
    layers: Mapping[Tag, LayerInfo] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "instrs", tuple(self.instrs))
        object.__setattr__(self, "tags", tuple(self.tags))
        if len(self.tags) != len(self.instrs):
            raise ValueError(
                f"program has {len(self.instrs)} instructions but {len(self.tags)} tags"
            )
        spans = []
        for name, t in self.tensors.items():
            if name != t.name:
                raise ValueError(f"tensor key {name!r} differs from its name {t.name!r}")
            if t.addr % t.dtype.nbytes:
                raise ValueError(
                    f"tensor {name!r} at 0x{t.addr:x} is not aligned to its "
                    f"{t.dtype.nbytes}-byte elements"
                )
            if t.addr < 0 or t.addr + t.nbytes > self.config.dram_bytes:
                raise ValueError(
                    f"tensor {name!r} (0x{t.addr:x}, {t.nbytes} bytes) lies outside "
                    f"the {self.config.dram_mib} MiB DRAM"
                )
            spans.append((t.addr, t.addr + t.nbytes, name))
        spans.sort()
        for (_, end, a), (start, _, b) in zip(spans, spans[1:], strict=False):
            if start < end:
                raise ValueError(f"tensors {a!r} and {b!r} overlap in DRAM")
        if self.layers:
            unknown = set(self.layers) - _distinct_tags(self.tags)
            if unknown:
                raise ValueError(
                    f"layer table names {min(map(str, unknown))}, no tag of the program"
                )
        for name, arr in self.init.items():
            t = self.tensors.get(name)
            if t is None:
                raise ValueError(f"initial contents given for unknown tensor {name!r}")
            if tuple(arr.shape) != t.shape or arr.dtype != t.dtype.storage:
                raise ValueError(
                    f"initial contents of {name!r} are {arr.dtype}{list(arr.shape)}, "
                    f"expected {t.dtype.storage}{list(t.shape)}"
                )

    def tensor(self, name: str) -> TensorInfo:
        try:
            return self.tensors[name]
        except KeyError:
            raise KeyError(
                f"program has no tensor {name!r}; it has {', '.join(sorted(self.tensors))}"
            ) from None

    def of_kind(self, kind: TensorKind) -> list[TensorInfo]:
        return [t for t in self.tensors.values() if t.kind is kind]

    def of_role(self, role: TensorRole) -> list[TensorInfo]:
        """The tensors with ``role``, in layout order."""
        return [t for t in self.tensors.values() if t.role is role]

    # ---- file format ----
    def save(self, path: str | Path) -> None:
        """Write the program to one zip file (see the module docstring)."""
        check_savable(self)
        table = sorted(set(self.tags), key=lambda t: (t.layer, t.phase.value))
        index = {t: i for i, t in enumerate(table)}
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "chip": self.config.to_dict(),
            "tensors": [t.to_json() for t in self.tensors.values()],
            "tags": [[t.layer, t.phase.value] for t in table],
            "instructions": len(self.instrs),
            "layers": [
                [t.layer, t.phase.value, info.useful_macs, info.min_dram_bytes]
                for t, info in self.layers.items()
            ],
        }
        tag_index = np.array([index[t] for t in self.tags], dtype=np.uint32)
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
            z.writestr("manifest.json", json.dumps(manifest, indent=1))
            z.writestr("instructions.bin", encode_program(list(self.instrs)))
            z.writestr("tag_index.npy", _npy_bytes(tag_index))
            for name, arr in self.init.items():
                z.writestr(f"init/{name}.npy", _npy_bytes(arr))

    @classmethod
    def load(cls, path: str | Path) -> Program:
        """Read a program file; `ProgramFormatError` says what is wrong with a bad one.

        Every declared size is checked against the archive's real member sizes and the caps
        `MAX_INSTRUCTIONS` and `MAX_PROGRAM_BYTES` before anything is decompressed or decoded.
        """
        p = Path(path)
        check_file(p, "program file", ProgramFormatError)
        with open_zip(p, "program file", ProgramFormatError) as z:
            inits = check_members(z, p)
            raw = read_member(z, p, "manifest.json", ProgramFormatError, MAX_MANIFEST_BYTES)
            manifest = parse_manifest(raw, p)
            count = manifest["instructions"]
            info = member_info(z, p, "instructions.bin", ProgramFormatError, MAX_BLOB)
            if info.file_size != count * WORD_BYTES:
                raise ProgramFormatError(
                    f"{p}: instructions.bin holds {info.file_size} bytes; the manifest's "
                    f"{count} instructions need {count * WORD_BYTES}"
                )
            config = manifest_config(manifest, p)
            tensors = manifest_tensors(manifest, p)
            table = [Tag(layer, Phase(phase)) for layer, phase in manifest["tags"]]
            tag_index = read_npy(
                z, p, "tag_index.npy", ProgramFormatError, expect=(np.uint32, (count,))
            )
            if count and int(tag_index.max()) >= len(table):
                raise ProgramFormatError(
                    f"{p}: tag_index.npy refers to tag {int(tag_index.max())}; the manifest "
                    f"has {len(table)} tags"
                )
            init = init_arrays(z, p, inits, tensors)
            try:
                instrs = decode_program(read_member(z, p, "instructions.bin", ProgramFormatError))
            except DecodeError as e:
                raise ProgramFormatError(f"{p}: instructions.bin: {e}") from None
        tags = tuple(table[i] for i in tag_index.tolist())
        layers = {
            Tag(layer, Phase(phase)): LayerInfo(useful, least)
            for layer, phase, useful, least in manifest.get("layers", [])
        }
        try:
            return cls(config, tuple(instrs), tags, tensors, init, layers)
        except ValueError as e:
            raise ProgramFormatError(f"{p}: {e}") from None


def _distinct_tags(tags: tuple[Tag, ...]) -> set[Tag]:
    """The distinct tags: they come in runs of one object, and each run is hashed once (a
    tag's hash is a Python call; programs have hundreds of thousands)."""
    out: set[Tag] = set()
    last = None
    for tag in tags:
        if tag is not last:
            out.add(tag)
            last = tag
    return out


def _npy_bytes(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(arr), allow_pickle=False)
    return buf.getvalue()
