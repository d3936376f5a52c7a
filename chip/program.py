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
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from chip.config import ChipConfig
from chip.dtypes import DType
from chip.errors import ProgramFormatError
from chip.isa import Instr, decode_program, encode_program

FORMAT = "systolic-program"
VERSION = 3  # 3: tensors carry a role; 2: on-chip addresses carry two memory bits (accf)
ROLELESS_VERSION = 2  # read by giving every tensor its kind's plain role (docs/program-format.md)


class Phase(enum.Enum):
    """The part of a training step an instruction belongs to."""

    FORWARD = "forward"
    BACKWARD = "backward"
    OPTIMIZER = "optimizer"


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
        return int(np.prod(self.shape, dtype=np.int64))

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
    storage dtype. Violations raise `ValueError` at construction.
    """

    config: ChipConfig
    instrs: tuple[Instr, ...]
    tags: tuple[Tag, ...]
    tensors: Mapping[str, TensorInfo]
    init: Mapping[str, np.ndarray] = field(default_factory=dict)

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
        table = sorted(set(self.tags), key=lambda t: (t.layer, t.phase.value))
        index = {t: i for i, t in enumerate(table)}
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "chip": self.config.to_dict(),
            "tensors": [t.to_json() for t in self.tensors.values()],
            "tags": [[t.layer, t.phase.value] for t in table],
            "instructions": len(self.instrs),
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
        """Read a program file; `ProgramFormatError` says what is wrong with a bad one."""
        p = Path(path)
        if not p.is_file():
            raise ProgramFormatError(f"program file {str(p)!r} does not exist")
        try:
            with zipfile.ZipFile(p) as z:
                names = set(z.namelist())
                for required in ("manifest.json", "instructions.bin", "tag_index.npy"):
                    if required not in names:
                        raise ProgramFormatError(f"{p}: missing {required}")
                manifest = json.loads(z.read("manifest.json"))
                blob = z.read("instructions.bin")
                tag_index = np.load(io.BytesIO(z.read("tag_index.npy")), allow_pickle=False)
                init = {
                    n[len("init/") : -len(".npy")]: np.load(
                        io.BytesIO(z.read(n)), allow_pickle=False
                    )
                    for n in names
                    if n.startswith("init/") and n.endswith(".npy")
                }
        except (zipfile.BadZipFile, OSError, EOFError, json.JSONDecodeError) as e:
            raise ProgramFormatError(f"{p} is not a readable program file: {e}") from None
        except ValueError as e:
            raise ProgramFormatError(f"{p}: {e}") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise ProgramFormatError(f"{p} is not a {FORMAT} file")
        version = manifest.get("version")
        if version not in (VERSION, ROLELESS_VERSION):
            raise ProgramFormatError(
                f"{p}: unsupported format version {version} (this build reads versions "
                f"{ROLELESS_VERSION} and {VERSION}; recompile the model)"
            )
        try:
            config = ChipConfig.from_dict(manifest["chip"], where=f"{p} chip")
            instrs = decode_program(blob)
            table = [Tag(str(layer), Phase(phase)) for layer, phase in manifest["tags"]]
            if len(instrs) != manifest["instructions"] or len(tag_index) != len(instrs):
                raise ValueError("instruction count does not match the manifest")
            tags = tuple(table[int(i)] for i in tag_index)
            roles = version != ROLELESS_VERSION
            tensors = {t["name"]: TensorInfo.from_json(t, roles) for t in manifest["tensors"]}
            return cls(config, tuple(instrs), tags, tensors, init)
        except KeyError as e:  # str(KeyError) is only the key, which says nothing on its own
            raise ProgramFormatError(f"{p}: the manifest has no field {e}") from None
        except (IndexError, TypeError, ValueError) as e:
            raise ProgramFormatError(f"{p}: {e}") from None


def _npy_bytes(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(arr), allow_pickle=False)
    return buf.getvalue()
