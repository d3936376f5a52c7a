"""The program file's rules: its format constants, the caps on what it may hold, and every
check of an untrusted file before anything is built from it (`chip.program.Program.load`), or
of a program before it is written (`Program.save` writes only what `load` reads back).

`chip.program` re-exports the public names here; see docs/program-format.md.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from chip.archive import member_info, read_npy
from chip.config import ChipConfig
from chip.dtypes import DType
from chip.errors import ProgramFormatError
from chip.isa import WORD_BYTES
from chip.program_parts import Phase, TensorInfo, TensorKind

if TYPE_CHECKING:
    from chip.program import Program

FORMAT = "systolic-program"
VERSION = 3  # 3: tensors carry a role; 2: on-chip addresses carry two memory bits (accf)
ROLELESS_VERSION = 2  # read by giving every tensor its kind's plain role (docs/program-format.md)
MAX_INSTRUCTIONS = 1 << 19  # three times the largest program the zoo compiles (160,784)
MAX_MANIFEST_BYTES = 64 << 20
MAX_PROGRAM_BYTES = 1 << 30  # all members together, unpacked
MAX_INIT_BYTES = MAX_PROGRAM_BYTES - (128 << 20)  # leaves room for the manifest and stream
MAX_BLOB = MAX_INSTRUCTIONS * WORD_BYTES
_REQUIRED = ("manifest.json", "instructions.bin", "tag_index.npy")
READ_VERSIONS = (ROLELESS_VERSION, VERSION)  # the manifest versions `Program.load` reads


def check_savable(program: Program) -> None:
    """A program is written only if `Program.load` will read it back."""
    if len(program.instrs) > MAX_INSTRUCTIONS:
        raise ValueError(
            f"program has {len(program.instrs)} instructions; a program file holds at most "
            f"{MAX_INSTRUCTIONS} (compile a smaller batch)"
        )
    data = sum(a.nbytes for a in program.init.values())
    if data > MAX_INIT_BYTES:
        raise ValueError(
            f"program has {data} bytes of initial contents; a program file holds at most "
            f"{MAX_INIT_BYTES}"
        )


def check_members(z: zipfile.ZipFile, p: Path) -> list[str]:
    """The ``init/`` member names, after checking that the archive holds exactly the members
    of a program, each once, and that together they unpack to at most `MAX_PROGRAM_BYTES`."""
    infos = z.infolist()
    names = [i.filename for i in infos]
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise ProgramFormatError(f"{p}: member {dup} appears twice")
    for required in _REQUIRED:
        if required not in names:
            raise ProgramFormatError(f"{p}: missing {required}")
    inits = [n for n in names if n.startswith("init/") and n.endswith(".npy")]
    extra = sorted(set(names) - set(_REQUIRED) - set(inits))
    if extra:
        raise ProgramFormatError(
            f"{p}: unexpected member {extra[0]}; a program holds "
            f"{', '.join(_REQUIRED)} and init/NAME.npy"
        )
    total = sum(
        member_info(z, p, n, ProgramFormatError, MAX_PROGRAM_BYTES).file_size for n in names
    )
    if total > MAX_PROGRAM_BYTES:
        raise ProgramFormatError(
            f"{p}: members unpack to {total} bytes; the limit is {MAX_PROGRAM_BYTES} bytes"
        )
    return inits


def parse_manifest(raw: bytes, p: Path) -> dict[str, Any]:
    """The manifest as a dict whose every field has the type and range a program needs."""
    where = f"{p}: manifest.json"
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        raise ProgramFormatError(f"{where} is not valid JSON: {e}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ProgramFormatError(f"{p} is not a {FORMAT} file")
    if manifest.get("version") not in READ_VERSIONS:
        raise ProgramFormatError(
            f"{p}: unsupported format version {manifest.get('version')!r} (this build reads "
            f"versions {' and '.join(str(v) for v in READ_VERSIONS)}; recompile the model)"
        )
    for key, kind in (("chip", dict), ("tensors", list), ("tags", list), ("instructions", int)):
        if key not in manifest:
            raise ProgramFormatError(f"{p}: the manifest has no field {key!r}")
        if not isinstance(manifest[key], kind) or isinstance(manifest[key], bool):
            raise ProgramFormatError(
                f"{where}: field {key!r} must be a JSON {_JSON_NAMES[kind]}, not "
                f"{type(manifest[key]).__name__}"
            )
    count = manifest["instructions"]
    if not 0 <= count <= MAX_INSTRUCTIONS:
        raise ProgramFormatError(
            f"{where}: field 'instructions' = {count} must be between 0 and {MAX_INSTRUCTIONS}"
        )
    phases = {ph.value for ph in Phase}
    for k, tag in enumerate(manifest["tags"]):
        if not (
            isinstance(tag, list) and len(tag) == 2 and isinstance(tag[0], str) and tag[1] in phases
        ):
            raise ProgramFormatError(
                f"{where}: tags[{k}] = {_short(tag)} must be [LAYER, PHASE] with PHASE one of "
                f"{', '.join(sorted(phases))}"
            )
    for k, t in enumerate(manifest["tensors"]):
        _check_tensor_json(t, f"{where}: tensors[{k}]")
    layers = manifest.get("layers", [])  # absent in files written before the layer table
    if not isinstance(layers, list):
        raise ProgramFormatError(
            f"{where}: field 'layers' must be a JSON array, not {_short(layers)}"
        )
    for k, row in enumerate(layers):
        if not (
            isinstance(row, list)
            and len(row) == 4
            and isinstance(row[0], str)
            and row[1] in phases
            and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in row[2:])
        ):
            raise ProgramFormatError(
                f"{where}: layers[{k}] = {_short(row)} must be [LAYER, PHASE, USEFUL_MACS, "
                "MIN_DRAM_BYTES] with non-negative integer counts"
            )
    return manifest


_JSON_NAMES = {dict: "object", list: "array", int: "integer", str: "string"}
_TENSOR_FIELDS = {"name": str, "addr": int, "shape": list, "dtype": str, "kind": str}


def _check_tensor_json(t: Any, where: str) -> None:
    """One manifest tensor entry: typed fields, a known dtype and kind, a shape of positive
    sizes (a tensor of no elements has no DRAM to describe)."""
    if not isinstance(t, dict):
        raise ProgramFormatError(f"{where} must be a JSON object, not {_short(t)}")
    for key, kind in _TENSOR_FIELDS.items():
        if key not in t:
            raise ProgramFormatError(f"{where} has no field {key!r}")
        if not isinstance(t[key], kind) or isinstance(t[key], bool):
            raise ProgramFormatError(
                f"{where}: field {key!r} must be a JSON {_JSON_NAMES[kind]}, not {_short(t[key])}"
            )
    where = f"{where} ({_short(t['name'])})"
    if not t["name"]:
        raise ProgramFormatError(f"{where}: the name must not be empty")
    for s in t["shape"]:
        if not isinstance(s, int) or isinstance(s, bool) or s < 1:
            raise ProgramFormatError(
                f"{where}: shape {_short(t['shape'])} must list positive integer sizes"
            )
    if t["addr"] < 0:
        raise ProgramFormatError(f"{where}: addr {t['addr']} must not be negative")
    if t["dtype"] not in {d.value for d in DType}:
        raise ProgramFormatError(
            f"{where}: dtype {t['dtype']!r} must be one of {', '.join(d.value for d in DType)}"
        )
    if t["kind"] not in {k.value for k in TensorKind}:
        raise ProgramFormatError(
            f"{where}: kind {t['kind']!r} must be one of {', '.join(k.value for k in TensorKind)}"
        )


def manifest_config(manifest: dict[str, Any], p: Path) -> ChipConfig:
    try:
        return ChipConfig.from_dict(manifest["chip"], where=f"{p}: manifest.json chip")
    except ValueError as e:
        raise ProgramFormatError(str(e) if str(p) in str(e) else f"{p}: chip: {e}") from None


def manifest_tensors(manifest: dict[str, Any], p: Path) -> dict[str, TensorInfo]:
    """The manifest's tensors by name; a name given twice is refused, not overwritten."""
    tensors: dict[str, TensorInfo] = {}
    for d in manifest["tensors"]:
        if d["name"] in tensors:
            raise ProgramFormatError(f"{p}: manifest.json: two tensors are named {d['name']!r}")
        try:
            tensors[d["name"]] = TensorInfo.from_json(d, manifest["version"] != ROLELESS_VERSION)
        except ValueError as e:
            raise ProgramFormatError(f"{p}: manifest.json: tensor {d['name']!r}: {e}") from None
    return tensors


def init_arrays(
    z: zipfile.ZipFile, p: Path, members: list[str], tensors: Mapping[str, TensorInfo]
) -> dict[str, np.ndarray]:
    """The ``init/`` arrays, each checked against its tensor's storage type and shape from
    its header, before its data is read."""
    init = {}
    for member in members:
        name = member[len("init/") : -len(".npy")]
        t = tensors.get(name)
        if t is None:
            raise ProgramFormatError(
                f"{p}: member {member} gives initial contents of {name!r}, which the manifest "
                "does not declare"
            )
        init[name] = read_npy(z, p, member, ProgramFormatError, expect=(t.dtype.storage, t.shape))
    return init


def _short(v: Any, limit: int = 60) -> str:
    text = repr(v)
    return text if len(text) <= limit else text[: limit - 3] + "..."
