"""The parts a `Program` is described by: the layer and phase tag of each instruction, what a
tag's work is by the network's shapes, and the kind, role and DRAM place of each named tensor.

`chip.program` re-exports every public name here; see docs/program-format.md.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from chip.dtypes import DType


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
