"""The one description of the hardware: a frozen `ChipConfig`, loaded from small TOML presets.

Every other part of the project (functional model, cycle-level machine, HDL, compiler, reports)
receives a `ChipConfig` explicitly and reads only its fields and derived properties. Fields are
independent knobs; everything computed from them is a property defined here once.
"""

from __future__ import annotations

import dataclasses
import enum
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chip.dtypes import DType
from chip.errors import ConfigError
from chip.isa import VEC_SPECIAL, Load, Matmul, Preload, Store, VecOp, max_value

PRESET_DIR = Path(__file__).parent / "presets"

# Limits set by the instruction encoding (chip/isa.py): array dimensions travel in the
# preload/matmul rows and cols fields (256, a power of two, is the largest they hold), on-chip
# row addresses in the row fields, DRAM byte addresses in the load/store dram fields.
MAX_ARRAY_DIM = 256
assert MAX_ARRAY_DIM <= min(max_value(c, f) for c in (Preload, Matmul) for f in ("rows", "cols"))
MAX_LOCAL_ROWS = max_value(Matmul, "out") + 1
MAX_DRAM_MIB = (min(max_value(Load, "dram"), max_value(Store, "dram")) + 1) >> 20
MAX_KNOB = 1 << 24  # bound on every integer knob, so that derived figures stay in int64
MAX_CLOCK_MHZ = 1e5
MAX_TOML_BYTES = 1 << 20  # a chip description is a few hundred bytes


class Dataflow(enum.Enum):
    """Which operand stays in the processing elements while the other(s) stream past."""

    WS = "ws"  # weight-stationary: the stationary tile is B, rows of A stream through
    OS = "os"  # output-stationary: each PE accumulates one output; A and B both stream
    IS = "is"  # input-stationary: the stationary tile is A^T, rows of B^T stream through

    @property
    def has_stationary_operand(self) -> bool:
        """True when the array holds a preloaded operand tile (WS and IS)."""
        return self is not Dataflow.OS


# TOML sections group the fields for readers; keys inside a section are the field names.
_SECTIONS: dict[str, tuple[str, ...]] = {
    "array": ("rows", "cols", "dataflow", "input_dtype", "double_buffer_stationary", "os_drain"),
    "memory": ("spad_kib", "spad_banks", "acc_kib", "acc_banks"),
    "dram": ("dram_mib", "dram_bytes_per_cycle", "dram_latency"),
    "vector": (
        "vector_lanes",
        "vector_latency_alu",
        "vector_latency_mul",
        "vector_latency_special",
        "vector_latency_reduce",
        "vector_special_lanes",
    ),
    "control": ("queue_depth", "clock_mhz"),
}


@dataclass(frozen=True)
class ChipConfig:
    """One accelerator design point.

    Contract: instances are immutable and always valid (the constructor raises `ValueError`
    naming the field, the value and the rule it broke). Two configs that compare equal describe
    the same hardware.
    """

    name: str
    rows: int
    cols: int
    dataflow: Dataflow
    input_dtype: DType
    double_buffer_stationary: bool
    spad_kib: int
    spad_banks: int
    acc_kib: int
    acc_banks: int
    dram_mib: int
    dram_bytes_per_cycle: int
    dram_latency: int
    vector_lanes: int
    vector_latency_alu: int
    vector_latency_mul: int
    vector_latency_special: int
    vector_latency_reduce: int
    queue_depth: int
    clock_mhz: float
    # OS result rows shift out of the array (R cycles, docs/timing.md); False writes them in place
    # in the last MAC cycle, as SCALE-Sim counts. Defaulted so older TOML files stay valid.
    os_drain: bool = True
    # The technology table of chip/tech/ that prices its actions and area (chip/energy.py), and
    # entries of it this design overrides, as sorted (key, value) pairs so the config stays
    # hashable. Defaulted so older TOML files stay valid.
    technology: str = "45nm"
    energy_overrides: tuple[tuple[str, float], ...] = ()
    # How many of the lanes (the first ones) have the special functions (VEC_SPECIAL); a special
    # function's pass covers that many elements (docs/timing.md). None: every lane. Defaulted so
    # older TOML files stay valid.
    vector_special_lanes: int | None = None

    def __post_init__(self) -> None:
        _check_type(self, "dataflow", Dataflow)
        _check_type(self, "input_dtype", DType)
        _check_type(self, "double_buffer_stationary", bool)
        _check_type(self, "os_drain", bool)
        _check_type(self, "technology", str)
        _check_type(self, "energy_overrides", tuple)
        for f in dataclasses.fields(self):
            if f.type == "int":
                _check_type(self, f.name, int)
                v = getattr(self, f.name)
                _rule(v <= MAX_KNOB, f.name, v, f"must be at most {MAX_KNOB}")
        _check_type(self, "name", str)
        _rule(self.name != "", "name", self.name, "must not be empty")
        for dim in ("rows", "cols"):
            v = getattr(self, dim)
            _rule(1 <= v <= MAX_ARRAY_DIM, dim, v, f"must be between 1 and {MAX_ARRAY_DIM}")
        _rule(
            self.input_dtype is not DType.INT32,
            "input_dtype",
            self.input_dtype.value,
            "must be int8, bf16 or fp32",
        )
        for mem in ("spad", "acc"):
            kib, banks = getattr(self, f"{mem}_kib"), getattr(self, f"{mem}_banks")
            row_bytes = getattr(self, f"{mem}_row_bytes")
            _rule(kib >= 1, f"{mem}_kib", kib, "must be at least 1")
            _rule(
                kib * 1024 % row_bytes == 0,
                f"{mem}_kib",
                kib,
                f"must hold a whole number of {row_bytes}-byte rows",
            )
            n_rows = kib * 1024 // row_bytes
            _rule(
                n_rows <= MAX_LOCAL_ROWS,
                f"{mem}_kib",
                kib,
                f"gives {n_rows} rows; the ISA addresses at most {MAX_LOCAL_ROWS}",
            )
            _rule(_is_pow2(banks), f"{mem}_banks", banks, "must be a power of two")
            _rule(n_rows % banks == 0, f"{mem}_banks", banks, f"must divide the {n_rows} rows")
        _rule(
            1 <= self.dram_mib <= MAX_DRAM_MIB,
            "dram_mib",
            self.dram_mib,
            f"must be between 1 and {MAX_DRAM_MIB} (32-bit DRAM addresses)",
        )
        _rule(
            self.dram_bytes_per_cycle >= 1,
            "dram_bytes_per_cycle",
            self.dram_bytes_per_cycle,
            "must be at least 1",
        )
        _rule(self.dram_latency >= 0, "dram_latency", self.dram_latency, "must not be negative")
        _rule(self.vector_lanes >= 1, "vector_lanes", self.vector_lanes, "must be at least 1")
        if self.vector_special_lanes is not None:
            _check_type(self, "vector_special_lanes", int)
            _rule(
                1 <= self.vector_special_lanes <= self.vector_lanes,
                "vector_special_lanes",
                self.vector_special_lanes,
                f"must be between 1 and vector_lanes ({self.vector_lanes})",
            )
        for lat in ("alu", "mul", "special", "reduce"):
            v = getattr(self, f"vector_latency_{lat}")
            _rule(v >= 1, f"vector_latency_{lat}", v, "must be at least 1")
        _rule(self.queue_depth >= 1, "queue_depth", self.queue_depth, "must be at least 1")
        # The energy model prices a config, so it is imported here, not at module level; loading
        # the table checks the technology name and every override (EnergyModelError names it).
        from chip.energy import table_of

        try:
            table_of(self)
        except ValueError as e:
            raise ConfigError(f"energy: {e}") from None
        _rule(
            isinstance(self.clock_mhz, (int, float))
            and not isinstance(self.clock_mhz, bool)
            and self.clock_mhz > 0,
            "clock_mhz",
            self.clock_mhz,
            "must be a positive number",
        )
        _rule(
            self.clock_mhz <= MAX_CLOCK_MHZ,
            "clock_mhz",
            self.clock_mhz,
            f"must be at most {MAX_CLOCK_MHZ:g}",
        )

    # ---- derived figures, each defined once ----
    @property
    def acc_dtype(self) -> DType:
        """int32 accumulators for int8 inputs, fp32 otherwise."""
        return DType.INT32 if self.input_dtype is DType.INT8 else DType.FP32

    @property
    def row_elems(self) -> int:
        """Elements in one scratchpad or accumulator row: the wider array edge."""
        return max(self.rows, self.cols)

    @property
    def spad_row_bytes(self) -> int:
        return self.row_elems * self.input_dtype.nbytes

    @property
    def acc_row_bytes(self) -> int:
        return self.row_elems * self.acc_dtype.nbytes

    @property
    def special_lanes(self) -> int:
        """Lanes with the special functions (VEC_SPECIAL): the elements of one pass of them."""
        s = self.vector_special_lanes
        return self.vector_lanes if s is None else s

    def pass_elems(self, op: VecOp) -> int:
        """Elements of a row that one pass of the vector function ``op`` covers."""
        return self.special_lanes if op in VEC_SPECIAL else self.vector_lanes

    @property
    def spad_rows(self) -> int:
        return self.spad_kib * 1024 // self.spad_row_bytes

    @property
    def acc_rows(self) -> int:
        return self.acc_kib * 1024 // self.acc_row_bytes

    @property
    def spad_addr_bits(self) -> int:
        return max(1, (self.spad_rows - 1).bit_length())

    @property
    def acc_addr_bits(self) -> int:
        return max(1, (self.acc_rows - 1).bit_length())

    @property
    def dram_bytes(self) -> int:
        return self.dram_mib * 1024 * 1024

    @property
    def peak_macs_per_cycle(self) -> int:
        return self.rows * self.cols

    @property
    def peak_tops(self) -> float:
        """Peak tera-operations per second, counting a MAC as two operations."""
        return 2 * self.peak_macs_per_cycle * self.clock_mhz * 1e6 / 1e12

    @property
    def dram_gbytes_per_s(self) -> float:
        return self.dram_bytes_per_cycle * self.clock_mhz * 1e6 / 1e9

    def seconds(self, cycles: int) -> float:
        """Wall-clock time of ``cycles`` at this chip's clock."""
        return cycles / (self.clock_mhz * 1e6)

    # ---- TOML ----
    @classmethod
    def from_toml(cls, source: str | Path) -> ChipConfig:
        """Load a preset by name (``edge``) or a TOML file by path."""
        if not isinstance(source, (str, Path)):
            raise ConfigError(f"chip must be a preset name or a TOML file, not {source!r}")
        path = Path(source)
        if not (path.suffix == ".toml" or path.exists()):
            path = PRESET_DIR / f"{source}.toml"
            if not path.exists():
                raise ConfigError(
                    f"unknown chip {str(source)!r}: not a file, and not one of the presets "
                    f"{', '.join(preset_names())}"
                )
        if path.is_dir():
            raise ConfigError(f"chip file {str(path)!r} is a directory, not a TOML file")
        if not path.is_file():
            raise ConfigError(f"chip file {str(path)!r} does not exist")
        if path.stat().st_size > MAX_TOML_BYTES:
            raise ConfigError(
                f"chip file {str(path)!r} is {path.stat().st_size} bytes; a chip description "
                f"is at most {MAX_TOML_BYTES}"
            )
        try:
            data = tomllib.loads(path.read_bytes().decode("utf-8"))
        except UnicodeDecodeError:
            raise ConfigError(f"chip file {str(path)!r} is not UTF-8 text") from None
        except (tomllib.TOMLDecodeError, RecursionError) as e:
            raise ConfigError(f"chip file {str(path)!r} is not valid TOML: {e}") from None
        return cls.from_dict(data, where=str(path))

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str = "config") -> ChipConfig:
        """Build from the nested mapping that `to_dict` produces (and TOML files hold)."""
        if not isinstance(data, dict):
            raise ConfigError(f"{where}: must be a table of sections, not {type(data).__name__}")
        flat: dict[str, Any] = {}
        for key, value in data.items():
            if key == "name":
                flat["name"] = value
                continue
            if key == "energy":
                flat.update(_energy_fields(value, where))
                continue
            if key not in _SECTIONS:
                raise ConfigError(
                    f"{where}: unknown section or key {key!r}; "
                    f"expected name and [{'], ['.join((*_SECTIONS, 'energy'))}]"
                )
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: {key!r} must be a table")
            for k, v in value.items():
                if k not in _SECTIONS[key]:
                    raise ConfigError(
                        f"{where}: unknown field {k!r} in [{key}]; "
                        f"expected one of {', '.join(_SECTIONS[key])}"
                    )
                flat[k] = v
        missing = [
            f.name
            for f in dataclasses.fields(cls)
            if f.name not in flat and f.default is dataclasses.MISSING
        ]
        if missing:
            raise ConfigError(f"{where}: missing field(s) {', '.join(missing)}")
        if isinstance(flat["dataflow"], str):
            try:
                flat["dataflow"] = Dataflow(flat["dataflow"])
            except ValueError:
                names = ", ".join(d.value for d in Dataflow)
                raise ConfigError(
                    f"{where}: dataflow {flat['dataflow']!r} must be one of {names}"
                ) from None
        if isinstance(flat["input_dtype"], str):
            try:
                flat["input_dtype"] = DType.parse(flat["input_dtype"])
            except ValueError as e:
                raise ConfigError(f"{where}: input_dtype: {e}") from None
        try:
            return cls(**flat)
        except ConfigError as e:
            raise ConfigError(f"{where}: {e}") from None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name}
        for section, keys in _SECTIONS.items():
            # An unset optional knob (None) is left out: TOML has no null.
            values = ((k, getattr(self, k)) for k in keys)
            out[section] = {k: _plain(v) for k, v in values if v is not None}
        out["energy"] = {"technology": self.technology, **dict(self.energy_overrides)}
        return out

    def to_toml(self) -> str:
        """TOML text that `from_toml` reads back to an equal config."""
        lines = [f"name = {_toml_value(self.name)}"]
        for section, values in self.to_dict().items():
            if section == "name":
                continue
            lines += ["", f"[{section}]"]
            lines += [f"{k} = {_toml_value(v)}" for k, v in values.items()]
        return "\n".join(lines) + "\n"

    def replace(self, **changes: Any) -> ChipConfig:
        """A copy with some knobs changed (validated like any other config)."""
        return dataclasses.replace(self, **changes)


def _energy_fields(table: Any, where: str) -> dict[str, Any]:
    """The ``[energy]`` table: ``technology = NAME`` and any entries of it to override."""
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: 'energy' must be a table")
    fields: dict[str, Any] = {}
    overrides = {k: v for k, v in table.items() if k != "technology"}
    if "technology" in table:
        fields["technology"] = table["technology"]
    for k, v in overrides.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ConfigError(f"{where}: [energy] {k} = {v!r} must be a number")
    fields["energy_overrides"] = tuple(sorted((k, float(v)) for k, v in overrides.items()))
    return fields


def preset_names() -> list[str]:
    return sorted(p.stem for p in PRESET_DIR.glob("*.toml"))


def load_preset(name: str) -> ChipConfig:
    return ChipConfig.from_toml(name)


DEFAULT_PRESET = "edge"


def _is_pow2(v: int) -> bool:
    return isinstance(v, int) and v >= 1 and v & (v - 1) == 0


def _rule(ok: bool, field: str, value: Any, rule: str) -> None:
    if not ok:
        raise ConfigError(f"{field} {rule}, not {value!r}")


def _check_type(cfg: ChipConfig, field: str, kind: type) -> None:
    v = getattr(cfg, field)
    # bool is an int subclass; a boolean where a count belongs is a mistake.
    if not isinstance(v, kind) or (kind is int and isinstance(v, bool)):
        raise ConfigError(f"{field} must be of type {kind.__name__}, not {v!r}")


def _plain(v: Any) -> Any:
    return v.value if isinstance(v, enum.Enum) else v


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(v)
