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

See docs/program-format.md.
"""

from __future__ import annotations

import enum
import io
import json
import math
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from chip.archive import check_file, member_info, open_zip, read_member, read_npy
from chip.config import ChipConfig
from chip.dtypes import DType
from chip.errors import ProgramFormatError
from chip.isa import WORD_BYTES, DecodeError, Instr, decode_program, encode_program

FORMAT = "systolic-program"
VERSION = 3  # 3: tensors carry a role; 2: on-chip addresses carry two memory bits (accf)
ROLELESS_VERSION = 2  # read by giving every tensor its kind's plain role (docs/program-format.md)


class Phase(enum.Enum):
    """The part of a training step an instruction belongs to."""

    FORWARD = "forward"
    BACKWARD = "backward"
    OPTIMIZER = "optimizer"

    __hash__ = object.__hash__  # identity, in C: every tag is hashed by its phase (see DType)


class TensorKind(enum.Enum):
    """What a DRAM tensor is for; the runtime uses it to know what to write and read back."""

    INPUT = "input"  # written by the host before each run (inputs, labels, learning rate)
    OUTPUT = "output"  # read by the host after each run (outputs, loss, correct count)
    PARAM = "param"  # trainable weights: initial contents, updated in place by training
    STATE = "state"  # optimizer state and counters: initial contents, updated in place
    CONST = "const"  # read-only constants with initial contents
    SCRATCH = "scratch"  # intermediate values, no contents expected

    @property
    def plain_role(self) -> TensorRole:
        """The role of a tensor of this kind that has no more specific one."""
        return _PLAIN_ROLE[self]


class TensorRole(enum.Enum):
    """What a DRAM tensor means to whoever drives the program; the compiler sets it where it
    creates the tensor, and the runtime finds the samples, labels, learning rate and loss by it.
    `ROLE_KINDS` says which kinds each role may have."""

    INPUT = "input"  # samples (the model's inputs)
    LABEL = "label"  # targets of the loss
    LEARNING_RATE = "learning_rate"  # shape (1,); the host sets it before each training step
    PARAM = "param"  # a trainable weight
    RUNNING_STAT = "running_stat"  # batch-norm running mean/variance: updated by the step
    OPTIMIZER_STATE = "optimizer_state"  # momentum, Adam moments and beta powers
    CONST = "const"  # a constant of the model
    QUANT_SCALE = "quant_scale"  # ``NAME.scale``: the int8 scale of input or output NAME
    QUANT_ZERO_POINT = "quant_zero_point"  # ``NAME.zero_point``: its zero point
    OUTPUT = "output"  # a model output (the prediction)
    LOSS = "loss"  # the loss of a training step, shape (1,)
    SCRATCH = "scratch"  # intermediate values
    INTEGER = "integer"  # samples of integers held as fp32 values: |v| <= 2^22 (`chip.state`)
    GRADIENT = "gradient"  # a PARAM's gradient (data-parallel training: compiler/train.py)


_PLAIN_ROLE = {
    TensorKind.INPUT: TensorRole.INPUT,
    TensorKind.OUTPUT: TensorRole.OUTPUT,
    TensorKind.PARAM: TensorRole.PARAM,
    TensorKind.STATE: TensorRole.OPTIMIZER_STATE,
    TensorKind.CONST: TensorRole.CONST,
    TensorKind.SCRATCH: TensorRole.SCRATCH,
}

ROLE_KINDS: Mapping[TensorRole, frozenset[TensorKind]] = MappingProxyType(
    {
        TensorRole.INPUT: frozenset({TensorKind.INPUT}),
        TensorRole.INTEGER: frozenset({TensorKind.INPUT}),
        TensorRole.GRADIENT: frozenset({TensorKind.INPUT, TensorKind.OUTPUT}),
        TensorRole.LABEL: frozenset({TensorKind.INPUT}),
        TensorRole.LEARNING_RATE: frozenset({TensorKind.INPUT, TensorKind.STATE}),
        TensorRole.PARAM: frozenset({TensorKind.PARAM}),
        TensorRole.RUNNING_STAT: frozenset({TensorKind.PARAM}),
        TensorRole.OPTIMIZER_STATE: frozenset({TensorKind.STATE}),
        TensorRole.CONST: frozenset({TensorKind.CONST}),
        TensorRole.QUANT_SCALE: frozenset({TensorKind.CONST}),
        TensorRole.QUANT_ZERO_POINT: frozenset({TensorKind.CONST}),
        TensorRole.OUTPUT: frozenset({TensorKind.OUTPUT}),
        TensorRole.LOSS: frozenset({TensorKind.OUTPUT}),
        TensorRole.SCRATCH: frozenset({TensorKind.SCRATCH}),
    }
)
assert set(ROLE_KINDS) == set(TensorRole)
assert all(kind in ROLE_KINDS[role] for kind, role in _PLAIN_ROLE.items())


@dataclass(frozen=True)
class Tag:
    """Which layer and phase an instruction was emitted for; reports count cycles by tag."""

    layer: str
    phase: Phase

    def __str__(self) -> str:
        return f"{self.layer}/{self.phase.value}"


@dataclass(frozen=True)
class LayerInfo:
    """What one tag's work is by the network's shapes, not by the instructions that do it:
    ``useful_macs`` the multiply-accumulates of its GEMMs (a convolution's output pixels x
    kernel taps x input channels per group x output channels), ``min_dram_bytes`` the bytes
    its operands and results must cross DRAM, each once, leaving out those the compiler kept
    on chip. Reports bound the tag's cycles by them (docs/report.md)."""

    useful_macs: int
    min_dram_bytes: int

    def __post_init__(self) -> None:
        for name in ("useful_macs", "min_dram_bytes"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise ValueError(f"layer {name} must be a non-negative integer, not {v!r}")


@dataclass(frozen=True)
class TensorInfo:
    """A named tensor stored row-major and contiguous at byte ``addr`` of DRAM.

    ``kind`` says what the host does with it (write, read back, keep resident), ``role`` what
    it means; ``role`` defaults to the kind's plain role and must be one `ROLE_KINDS` allows
    for the kind (`ValueError` otherwise).
    """

    name: str
    addr: int
    shape: tuple[int, ...]
    dtype: DType
    kind: TensorKind
    role: TensorRole | None = None

    def __post_init__(self) -> None:
        if self.role is None:
            object.__setattr__(self, "role", self.kind.plain_role)
        elif self.kind not in ROLE_KINDS[self.role]:
            allowed = ", ".join(sorted(k.value for k in ROLE_KINDS[self.role]))
            raise ValueError(
                f"tensor {self.name!r} has role {self.role.value} but kind {self.kind.value}; "
                f"role {self.role.value} needs kind {allowed}"
            )

    @property
    def size(self) -> int:
        return int(math.prod(self.shape))  # (np.prod costs microseconds per call, per run)

    @property
    def nbytes(self) -> int:
        return self.size * self.dtype.nbytes

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "addr": self.addr,
            "shape": list(self.shape),
            "dtype": self.dtype.value,
            "kind": self.kind.value,
            "role": self.role.value,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any], roles: bool = True) -> TensorInfo:
        """The tensor ``d`` describes; ``roles=False`` reads a manifest from before roles
        (version 2), giving the tensor its kind's plain role."""
        return cls(
            str(d["name"]),
            int(d["addr"]),
            tuple(int(s) for s in d["shape"]),
            DType.parse(d["dtype"]),
            TensorKind(d["kind"]),
            _role(d) if roles else None,
        )


def _role(d: dict[str, Any]) -> TensorRole:
    try:
        return TensorRole(d["role"])
    except ValueError:
        known = ", ".join(r.value for r in TensorRole)
        raise ValueError(
            f"tensor {d['name']!r} has role {d['role']!r}; roles are {known}"
        ) from None


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
        _check_savable(self)
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
            inits = _check_members(z, p)
            raw = read_member(z, p, "manifest.json", ProgramFormatError, MAX_MANIFEST_BYTES)
            manifest = _parse_manifest(raw, p)
            count = manifest["instructions"]
            info = member_info(z, p, "instructions.bin", ProgramFormatError, _MAX_BLOB)
            if info.file_size != count * WORD_BYTES:
                raise ProgramFormatError(
                    f"{p}: instructions.bin holds {info.file_size} bytes; the manifest's "
                    f"{count} instructions need {count * WORD_BYTES}"
                )
            config = _config(manifest, p)
            tensors = _tensors(manifest, p)
            table = [Tag(layer, Phase(phase)) for layer, phase in manifest["tags"]]
            tag_index = read_npy(
                z, p, "tag_index.npy", ProgramFormatError, expect=(np.uint32, (count,))
            )
            if count and int(tag_index.max()) >= len(table):
                raise ProgramFormatError(
                    f"{p}: tag_index.npy refers to tag {int(tag_index.max())}; the manifest "
                    f"has {len(table)} tags"
                )
            init = _init_arrays(z, p, inits, tensors)
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


# ---- load validation: every check of an untrusted file, before anything is built ----
MAX_INSTRUCTIONS = 1 << 19  # three times the largest program the zoo compiles (160,784)
MAX_MANIFEST_BYTES = 64 << 20
MAX_PROGRAM_BYTES = 1 << 30  # all members together, unpacked
MAX_INIT_BYTES = MAX_PROGRAM_BYTES - (128 << 20)  # leaves room for the manifest and stream
_MAX_BLOB = MAX_INSTRUCTIONS * WORD_BYTES
_REQUIRED = ("manifest.json", "instructions.bin", "tag_index.npy")
READ_VERSIONS = (ROLELESS_VERSION, VERSION)  # the manifest versions `Program.load` reads


def _check_savable(program: Program) -> None:
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


def _check_members(z: zipfile.ZipFile, p: Path) -> list[str]:
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


def _parse_manifest(raw: bytes, p: Path) -> dict[str, Any]:
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


def _config(manifest: dict[str, Any], p: Path) -> ChipConfig:
    try:
        return ChipConfig.from_dict(manifest["chip"], where=f"{p}: manifest.json chip")
    except ValueError as e:
        raise ProgramFormatError(str(e) if str(p) in str(e) else f"{p}: chip: {e}") from None


def _tensors(manifest: dict[str, Any], p: Path) -> dict[str, TensorInfo]:
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


def _init_arrays(
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
