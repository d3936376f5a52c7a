"""The sweep specification (a TOML file) and the design points it expands to.

A spec names a base chip, the `ChipConfig` fields to vary and their values (``[grid]``), the
workloads, batch sizes and modes (inference and/or a training step). The points are the product
of all of them, in a fixed order (workload, mode, batch, then the grid fields in the order the
file lists them), or ``samples`` of them drawn at random, without replacement, with ``seed``.
docs/sweep.md describes every key. A mistake in the spec raises `SpecError` naming the file and
the key; a combination of values that makes no valid chip (say 256 columns with a scratchpad
that holds no whole row) is not a spec error: that point records the config's own message.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
import math
import random
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chip.config import ChipConfig, Dataflow
from chip.dtypes import DType

SPEC_KEYS = ("name", "chip", "workloads", "batch", "mode", "samples", "seed", "training", "grid")
TRAINING_KEYS = ("loss", "optimizer", "lr")
WORKLOAD_KEYS = ("topology", "per_layer", "layers", "scalesim_rounding")
# The grid's fields: every ChipConfig knob of a scalar type (all but the name), with the type
# its TOML values take.
_SCALARS: dict[str, type] = {
    "str": str,
    "int": int,
    "bool": bool,
    "float": float,
    "Dataflow": Dataflow,
    "DType": DType,
}
# Optional knobs (``int | None``): how a spec spells None, which TOML cannot, for each; a new
# optional field is refused below until it has a spelling here.
NONE_SPELLING: dict[str, str] = {"vector_special_lanes": "all"}  # None: every vector lane
# Knobs whose valid values depend on another knob's: each value is checked alone, by the
# config's own rule, on the base chip with that other knob at its sweep's largest value.
_BOUNDED_BY: dict[str, str] = {"vector_special_lanes": "vector_lanes"}
FIELD_TYPES: dict[str, type] = {
    f.name: _SCALARS[str(f.type).removesuffix(" | None")]
    for f in dataclasses.fields(ChipConfig)
    if f.name != "name" and str(f.type).removesuffix(" | None") in _SCALARS
}
assert {
    f.name
    for f in dataclasses.fields(ChipConfig)
    if f.name in FIELD_TYPES and "None" in str(f.type)
} == set(NONE_SPELLING)


class SweepError(ValueError):
    """A sweep that cannot run as asked (results of another sweep, no cluster, ...)."""


class SpecError(SweepError):
    """A sweep spec that cannot be used; the message names the file and the key."""


class Mode(enum.Enum):
    """What one point compiles: the forward pass, or a whole training step."""

    INFERENCE = "inference"
    TRAINING = "training"


class WorkloadKind(enum.Enum):
    ZOO = "zoo"
    ONNX = "onnx"
    TOPOLOGY = "topology"


@dataclass(frozen=True)
class Workload:
    """A model to compile: a zoo name, an ONNX file, or a SCALE-Sim topology (all its layers,
    or one ``layer``). ``name`` is its label in the results; paths are absolute, so workers
    started elsewhere find the file."""

    name: str
    kind: WorkloadKind
    source: str
    layer: str | None = None
    scalesim_rounding: bool = False


@dataclass(frozen=True)
class TrainingSettings:
    loss: str = "ce"
    optimizer: str = "sgd"
    lr: float = 0.01


@dataclass(frozen=True)
class Point:
    """One design point. ``chip`` is None when the grid values make no valid chip; then
    ``chip_error`` says why and the point records that error instead of running."""

    index: int
    workload: Workload
    mode: Mode
    batch: int
    knobs: tuple[tuple[str, Any], ...]
    chip: ChipConfig | None
    chip_error: str = ""
    training: TrainingSettings = TrainingSettings()

    @property
    def key(self) -> str:
        """A digest of what the point computes (not its index), so that a resumed sweep
        recognizes a finished point even if the spec was reordered."""
        w = self.workload
        what = {
            # by label, not path: a sweep directory moved with its files still resumes
            "workload": (w.kind.value, w.name, w.layer, w.scalesim_rounding),
            "mode": self.mode.value,
            "batch": self.batch,
            "knobs": [(k, _plain(v)) for k, v in self.knobs],
            "training": dataclasses.astuple(self.training) if self.mode is Mode.TRAINING else None,
            "chip": self.chip.to_dict() if self.chip is not None else None,
        }
        text = json.dumps(what, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class SweepSpec:
    path: Path
    name: str
    base: ChipConfig
    workloads: tuple[Workload, ...]
    batches: tuple[int, ...]
    modes: tuple[Mode, ...]
    grid: tuple[tuple[str, tuple[Any, ...]], ...]
    samples: int
    seed: int
    training: TrainingSettings

    @property
    def grid_size(self) -> int:
        axes = [len(self.workloads), len(self.modes), len(self.batches)]
        return math.prod(axes + [len(v) for _, v in self.grid])

    def indices(self) -> list[int]:
        """Grid positions of the points: all of them, or a seeded sample in grid order."""
        if self.samples and self.samples < self.grid_size:
            return sorted(random.Random(self.seed).sample(range(self.grid_size), self.samples))
        return list(range(self.grid_size))

    def points(self) -> list[Point]:
        return [self.point(i) for i in self.indices()]

    def point(self, index: int) -> Point:
        """The point at grid position ``index`` (mixed radix, the last grid field fastest)."""
        axes: list[tuple[Any, ...]] = [self.workloads, self.modes, self.batches]
        axes += [values for _, values in self.grid]
        picks, rest = [], index
        for values in reversed(axes):
            rest, i = divmod(rest, len(values))
            picks.append(values[i])
        workload, mode, batch, *knobs = reversed(picks)
        named = tuple(zip((f for f, _ in self.grid), knobs, strict=True))
        try:
            chip, error = self.base.replace(**{f: _chip_value(f, v) for f, v in named}), ""
        except ValueError as e:
            chip, error = None, f"invalid chip: {e}"
        return Point(index, workload, mode, batch, named, chip, error, self.training)


def load_spec(path: str | Path) -> SweepSpec:
    """Read and check a sweep spec; raises `SpecError` naming the file and the key."""
    path = Path(path)
    if not path.is_file():
        raise SpecError(f"sweep spec {str(path)!r} does not exist")
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as e:
        raise SpecError(f"{path} is not valid TOML: {e}") from None
    except UnicodeDecodeError:
        raise SpecError(f"{path} is not a text file") from None
    where = str(path)
    for key in data:
        if key not in SPEC_KEYS:
            raise SpecError(f"{where}: unknown key {key!r}; expected one of {', '.join(SPEC_KEYS)}")
    name = _get(data, "name", str, where, path.stem)
    base = _base_chip(data.get("chip", "edge"), path, where)
    workloads = tuple(
        w
        for i, item in enumerate(_list(data, "workloads", where, None))
        for w in _workloads(item, path, f"{where}: workloads[{i}]")
    )
    batches = tuple(_list(data, "batch", where, [1]))
    for b in batches:
        if not isinstance(b, int) or isinstance(b, bool) or b < 1:
            raise SpecError(f"{where}: batch sizes must be positive integers, not {b!r}")
    modes = tuple(
        _enum(Mode, m, f"{where}: mode") for m in _list(data, "mode", where, ["inference"])
    )
    samples = _get(data, "samples", int, where, 0)
    seed = _get(data, "seed", int, where, 0)
    if samples < 0:
        raise SpecError(f"{where}: samples must be 0 (the whole grid) or a positive count")
    grid_table = data.get("grid", {})
    if not isinstance(grid_table, dict):
        raise SpecError(f"{where}: grid must be a table of ChipConfig fields")
    grid = tuple(
        (field, _grid_values(field, values, f"{where}: [grid] {field}"))
        for field, values in grid_table.items()
    )
    _check_bounds(base, grid, f"{where}: [grid]")
    training = _training(data.get("training", {}), f"{where}: [training]")
    for label, values in (("workloads", workloads), ("batch", batches), ("mode", modes)):
        if len(set(values)) != len(values):
            raise SpecError(f"{where}: {label} lists a value twice")
    return SweepSpec(path, name, base, workloads, batches, modes, grid, samples, seed, training)


def _get(data: dict[str, Any], key: str, kind: type, where: str, default: Any) -> Any:
    v = data.get(key, default)
    if not isinstance(v, kind) or (kind is int and isinstance(v, bool)):
        raise SpecError(f"{where}: {key} must be of type {kind.__name__}, not {v!r}")
    return v


def _list(data: dict[str, Any], key: str, where: str, default: list[Any] | None) -> list[Any]:
    if key not in data:
        if default is None:
            raise SpecError(f"{where}: missing key {key!r}")
        return default
    v = data[key]
    v = v if isinstance(v, list) else [v]
    if not v:
        raise SpecError(f"{where}: {key} must not be empty")
    return v


def _enum(kind: type[enum.Enum], value: Any, where: str) -> Any:
    try:
        return kind(value)
    except ValueError:
        names = ", ".join(str(m.value) for m in kind)  # type: ignore[attr-defined]
        raise SpecError(f"{where} must be one of {names}, not {value!r}") from None


def _base_chip(value: Any, spec: Path, where: str) -> ChipConfig:
    if not isinstance(value, str):
        raise SpecError(f"{where}: chip must be a preset name or a TOML file, not {value!r}")
    local = spec.parent / value
    try:
        return ChipConfig.from_toml(local if value.endswith(".toml") else value)
    except ValueError as e:
        raise SpecError(f"{where}: chip: {e}") from None


def _workloads(item: Any, spec: Path, where: str) -> list[Workload]:
    """One workload entry: a zoo name, an .onnx or topology .csv path (relative to the spec),
    or a table ``{topology = "x.csv", per_layer = true | layers = ["Conv1", ...],
    scalesim_rounding = true}`` (one workload per layer when ``per_layer`` or ``layers``)."""
    from runtime.models import ZOO
    from runtime.scalesim_io import read_topology

    if isinstance(item, dict):
        for key in item:
            if key not in WORKLOAD_KEYS:
                raise SpecError(
                    f"{where}: unknown key {key!r}; expected {', '.join(WORKLOAD_KEYS)}"
                )
        if "topology" not in item:
            raise SpecError(f'{where}: a workload table needs topology = "FILE.csv"')
        text = _get(item, "topology", str, where, None)
        per_layer = _get(item, "per_layer", bool, where, False)
        rounding = _get(item, "scalesim_rounding", bool, where, False)
        chosen = _get(item, "layers", list, where, [])
    elif isinstance(item, str):
        text, per_layer, rounding, chosen = item, False, False, []
    else:
        raise SpecError(f"{where} must be a name, a file or a topology table, not {item!r}")
    lower = text.lower()
    if not lower.endswith((".onnx", ".csv")):
        if text not in ZOO:
            raise SpecError(
                f"{where}: unknown model {text!r}; expected one of {', '.join(ZOO)}, "
                "an .onnx file or a SCALE-Sim topology .csv"
            )
        return [Workload(text, WorkloadKind.ZOO, text)]
    path = (spec.parent / text).resolve()
    if not path.is_file():
        raise SpecError(f"{where}: file {text!r} does not exist (paths are relative to the spec)")
    if lower.endswith(".onnx"):
        return [Workload(path.name, WorkloadKind.ONNX, str(path))]
    try:
        layers = read_topology(path)
    except ValueError as e:
        raise SpecError(f"{where}: {e}") from None
    names = [la.name for la in layers]
    for name in chosen:
        if name not in names:
            raise SpecError(f"{where}: {path.name} has no layer {name!r}")
    if not (per_layer or chosen):
        return [Workload(path.name, WorkloadKind.TOPOLOGY, str(path), None, rounding)]
    return [
        Workload(f"{path.name}:{name}", WorkloadKind.TOPOLOGY, str(path), name, rounding)
        for name in (chosen or names)
    ]


def _grid_values(field: str, values: Any, where: str) -> tuple[Any, ...]:
    if field not in FIELD_TYPES:
        raise SpecError(
            f"{where}: not a ChipConfig field; expected one of {', '.join(FIELD_TYPES)}"
        )
    values = values if isinstance(values, list) else [values]
    if not values:
        raise SpecError(f"{where}: needs at least one value")
    kind = FIELD_TYPES[field]
    out = []
    for v in values:
        if field in NONE_SPELLING and v == NONE_SPELLING[field]:
            pass  # kept as spelled: the results name it so; the chip gets None (`_chip_value`)
        elif kind in (Dataflow, DType):
            v = _enum(kind, v, where) if kind is Dataflow else _dtype(v, where)
        elif kind is float and isinstance(v, int) and not isinstance(v, bool):
            v = float(v)
        elif not isinstance(v, kind) or (kind is int and isinstance(v, bool)):
            also = f' or "{NONE_SPELLING[field]}"' if field in NONE_SPELLING else ""
            raise SpecError(f"{where}: values must be of type {kind.__name__}{also}, not {v!r}")
        out.append(v)
    if len(set(out)) != len(out):
        raise SpecError(f"{where}: lists a value twice")
    return tuple(out)


def _chip_value(field: str, value: Any) -> Any:
    """The `ChipConfig` value of a grid value (a spelled None becomes None)."""
    return None if field in NONE_SPELLING and value == NONE_SPELLING[field] else value


def _check_bounds(
    base: ChipConfig, grid: tuple[tuple[str, tuple[Any, ...]], ...], where: str
) -> None:
    """A bounded knob's every value must make a valid chip with its bound at the sweep's largest
    value (a value that fits only some of the bound's values makes those points invalid chips,
    like any other combination)."""
    values = dict(grid)
    for field, bound in _BOUNDED_BY.items():
        top = max(values.get(bound, (getattr(base, bound),)))
        try:
            widest = base.replace(**{bound: top, field: None})
        except ValueError:
            continue  # the bound's own value is at fault: the points say so
        for v in values.get(field, ()):
            try:
                widest.replace(**{field: _chip_value(field, v)})
            except ValueError as e:
                largest = f" (the largest {bound} of the sweep)" if bound in values else ""
                raise SpecError(f"{where} {e}{largest}") from None


def _dtype(value: Any, where: str) -> DType:
    try:
        return DType.parse(value)
    except (ValueError, AttributeError):
        raise SpecError(f"{where}: {value!r} is not a data type (int8, bf16, fp32)") from None


def _training(table: Any, where: str) -> TrainingSettings:
    from runtime.models import OPTIMIZERS

    if not isinstance(table, dict):
        raise SpecError(f"{where} must be a table with {', '.join(TRAINING_KEYS)}")
    for key in table:
        if key not in TRAINING_KEYS:
            raise SpecError(f"{where}: unknown key {key!r}; expected {', '.join(TRAINING_KEYS)}")
    lr = table.get("lr", 0.01)
    if not isinstance(lr, int | float) or isinstance(lr, bool):
        raise SpecError(f"{where}: lr must be a number, not {lr!r}")
    s = TrainingSettings(
        _get(table, "loss", str, where, "ce"), _get(table, "optimizer", str, where, "sgd"), lr
    )
    if s.loss not in ("ce", "mse"):
        raise SpecError(f"{where}: loss must be ce or mse, not {s.loss!r}")
    if s.optimizer not in OPTIMIZERS:
        raise SpecError(f"{where}: optimizer must be one of {', '.join(OPTIMIZERS)}")
    if not s.lr > 0:
        raise SpecError(f"{where}: lr must be positive, not {s.lr!r}")
    return s


def _plain(v: Any) -> Any:
    return v.value if isinstance(v, enum.Enum) else v
