"""A system of several identical chips joined by point-to-point links: the `SystemConfig`.

Beside `ChipConfig` (one chip), a ``[system]`` table describes how many chips there are, which
chip they are (a preset name or a chip TOML file), how they are wired (a ``ring``, or a
``torus2d`` of ``dims = [rows, cols]``) and what a link costs: bytes per cycle per direction,
latency in cycles, energy per byte. Presets live in chip/presets/systems/.

Links are numbered per chip (the ``link`` field of the SEND and RECV instructions): on a ring,
link 0 goes to the next chip (id + 1) and link 1 to the previous one; on a torus of R x C chips
(chip id = r * C + c), link 0 goes east (c + 1), 1 west, 2 south (r + 1), 3 north, all wrapping
around. Link ``l`` of chip a and link ``l ^ 1`` of its neighbour are the two ends of one cable,
so what a chip sends on link 0 arrives on its neighbour's link 1. Every link is full duplex:
each direction carries one transfer at a time (docs/multichip.md has the timing rule).
"""

from __future__ import annotations

import enum
import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chip.config import MAX_TOML_BYTES, ChipConfig
from chip.energy import link_pj_per_byte
from chip.errors import ConfigError

SYSTEM_PRESET_DIR = Path(__file__).parent / "presets" / "systems"
MAX_CHIPS = 256


class Topology(enum.Enum):
    """How the chips are wired."""

    RING = "ring"
    TORUS2D = "torus2d"


@dataclass(frozen=True)
class SystemConfig:
    """N identical chips and the links between them.

    Contract: instances are immutable and valid (the constructor raises `ConfigError` naming
    the field, its value and the rule). ``dims`` is ``(chips,)`` for a ring and
    ``(rows, cols)`` with rows * cols == chips for a 2-D torus.
    """

    chip: ChipConfig
    chips: int
    topology: Topology
    dims: tuple[int, ...]
    link_bytes_per_cycle: int
    link_latency: int
    link_pj_per_byte: float | None = None  # None: the chip's technology table prices it
    name: str = "system"

    def __post_init__(self) -> None:
        _rule(isinstance(self.chip, ChipConfig), "chip", self.chip, "must be a ChipConfig")
        _int(self.chips, "chips", 1, MAX_CHIPS)
        _rule(isinstance(self.topology, Topology), "topology", self.topology, "must be a Topology")
        _int(self.link_bytes_per_cycle, "link_bytes_per_cycle", 1, 1 << 20)
        _int(self.link_latency, "link_latency", 0, 1 << 24)
        pj = self.link_pj_per_byte
        ok = pj is None or (
            isinstance(pj, (int, float)) and not isinstance(pj, bool) and math.isfinite(pj)
        )
        _rule(
            ok and (pj is None or pj >= 0),
            "link_pj_per_byte",
            self.link_pj_per_byte,
            "must be a number >= 0",
        )
        _rule(isinstance(self.dims, tuple), "dims", self.dims, "must be a tuple")
        for d in self.dims:
            _int(d, "dims", 1, MAX_CHIPS)
        if self.topology is Topology.RING:
            _rule(
                self.dims == (self.chips,),
                "dims",
                list(self.dims),
                f"of a ring must be [{self.chips}] (the number of chips)",
            )
        else:
            _rule(
                len(self.dims) == 2 and self.dims[0] * self.dims[1] == self.chips,
                "dims",
                list(self.dims),
                f"of a torus2d must be [rows, cols] with rows * cols == chips ({self.chips})",
            )

    @property
    def pj_per_link_byte(self) -> float:
        """Energy in pJ of one byte over one link: the ``link_pj_per_byte`` override, else the
        chip's technology table (`chip.energy.link_pj_per_byte`)."""
        if self.link_pj_per_byte is not None:
            return float(self.link_pj_per_byte)
        return link_pj_per_byte(self.chip)

    @property
    def links_per_chip(self) -> int:
        """Link ports per chip: 2 on a ring, 4 on a 2-D torus."""
        return 2 if self.topology is Topology.RING else 4

    def neighbour(self, chip: int, link: int) -> int:
        """The chip at the other end of ``chip``'s link ``link``; `ConfigError` if there is no
        such link (a link number past the topology's, or a dimension of one chip)."""
        if not 0 <= chip < self.chips:
            raise ConfigError(f"chip {chip} does not exist: the system has {self.chips} chips")
        if not 0 <= link < self.links_per_chip:
            raise ConfigError(
                f"chip {chip} has no link {link}: a {self.topology.value} chip has links "
                f"0..{self.links_per_chip - 1}"
            )
        step = 1 if link % 2 == 0 else -1
        if self.topology is Topology.RING:
            size, pos, stride = self.chips, chip, 1
        else:
            rows, cols = self.dims
            r, c = divmod(chip, cols)
            size, pos, stride = (cols, c, 1) if link < 2 else (rows, r, cols)
        if size == 1:
            raise ConfigError(f"chip {chip} has no link {link}: that dimension has one chip")
        return chip + ((pos + step) % size - pos) * stride

    def peer_link(self, link: int) -> int:
        """The link number at the neighbour's end of ``link``."""
        return link ^ 1

    def transfer_cycles(self, nbytes: int) -> int:
        """Cycles a link direction is busy sending ``nbytes`` (the data arrives
        ``link_latency`` cycles after the last byte leaves)."""
        return -(-nbytes // self.link_bytes_per_cycle)

    # ---- TOML ----
    @classmethod
    def from_toml(cls, source: str | Path) -> SystemConfig:
        """Load a system preset by name (``ring4-edge``) or a TOML file by path; the chip named
        inside is resolved against the chip presets, or relative to the file."""
        if not isinstance(source, (str, Path)):
            raise ConfigError(f"system must be a preset name or a TOML file, not {source!r}")
        path = Path(source)
        if not (path.suffix == ".toml" or path.exists()):
            path = SYSTEM_PRESET_DIR / f"{source}.toml"
            if not path.exists():
                raise ConfigError(
                    f"unknown system {str(source)!r}: not a file, and not one of the presets "
                    f"{', '.join(system_preset_names())}"
                )
        if not path.is_file():
            raise ConfigError(f"system file {str(path)!r} does not exist or is not a file")
        if path.stat().st_size > MAX_TOML_BYTES:
            raise ConfigError(f"system file {str(path)!r} is larger than {MAX_TOML_BYTES} bytes")
        try:
            data = tomllib.loads(path.read_bytes().decode("utf-8"))
        except UnicodeDecodeError:
            raise ConfigError(f"system file {str(path)!r} is not UTF-8 text") from None
        except (tomllib.TOMLDecodeError, RecursionError) as e:
            raise ConfigError(f"system file {str(path)!r} is not valid TOML: {e}") from None
        return cls.from_dict(data, where=str(path), base=path.parent)

    @classmethod
    def from_dict(
        cls, data: dict[str, Any], where: str = "system", base: Path | None = None
    ) -> SystemConfig:
        """Build from ``{"name": ..., "system": {...}}`` (what the TOML files hold)."""
        if not isinstance(data, dict):
            raise ConfigError(f"{where}: must be a table, not {type(data).__name__}")
        unknown = sorted(set(data) - {"name", "system"})
        if unknown:
            raise ConfigError(f"{where}: unknown key {unknown[0]!r}; expected name and [system]")
        table = data.get("system")
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: missing the [system] table")
        bad = sorted(set(table) - set(_FIELDS))
        if bad:
            raise ConfigError(
                f"{where}: unknown field {bad[0]!r} in [system]; expected one of "
                f"{', '.join(_FIELDS)}"
            )
        missing = [k for k in _REQUIRED if k not in table]
        if missing:
            raise ConfigError(f"{where}: [system] is missing field(s) {', '.join(missing)}")
        try:
            return cls(**_fields(table, where, base), name=str(data.get("name", "system")))
        except ConfigError as e:
            raise ConfigError(f"{where}: [system] {e}") from None

    def to_toml(self) -> str:
        """TOML text that `from_toml` reads back to an equal config (the chip by its name, so
        a chip that is not a preset must be saved beside it)."""
        dims = ", ".join(str(d) for d in self.dims)
        return (
            f'name = "{self.name}"\n\n[system]\nchip = "{self.chip.name}"\n'
            f'chips = {self.chips}\ntopology = "{self.topology.value}"\ndims = [{dims}]\n'
            f"link_bytes_per_cycle = {self.link_bytes_per_cycle}\n"
            f"link_latency = {self.link_latency}\n"
            + (
                ""
                if self.link_pj_per_byte is None
                else f"link_pj_per_byte = {self.link_pj_per_byte}\n"
            )
        )


_FIELDS = (
    "chip",
    "chips",
    "topology",
    "dims",
    "link_bytes_per_cycle",
    "link_latency",
    "link_pj_per_byte",
)
_REQUIRED = ("chip", "chips", "topology", "link_bytes_per_cycle", "link_latency")


def _fields(table: dict[str, Any], where: str, base: Path | None) -> dict[str, Any]:
    out = dict(table)
    chip = table["chip"]
    if not isinstance(chip, str):
        raise ConfigError(f"chip must be a chip preset name or TOML file, not {chip!r}")
    if base is not None and chip.endswith(".toml") and not Path(chip).is_absolute():
        chip = str(base / chip)
    out["chip"] = ChipConfig.from_toml(chip)
    try:
        out["topology"] = Topology(table["topology"])
    except (ValueError, TypeError):
        names = ", ".join(t.value for t in Topology)
        raise ConfigError(f"topology must be one of {names}, not {table['topology']!r}") from None
    dims = table.get("dims")
    if dims is None:
        if out["topology"] is Topology.TORUS2D:
            raise ConfigError("dims = [rows, cols] is required for a torus2d")
        dims = [table["chips"]]
    if not isinstance(dims, list):
        raise ConfigError(f"dims must be a list of integers, not {dims!r}")
    out["dims"] = tuple(dims)
    return out


def _int(v: Any, field: str, lo: int, hi: int) -> None:
    ok = isinstance(v, int) and not isinstance(v, bool) and lo <= v <= hi
    _rule(ok, field, v, f"must be an integer in {lo}..{hi}")


def _rule(ok: bool, field: str, value: Any, rule: str) -> None:
    if not ok:
        raise ConfigError(f"{field} {rule}, not {value!r}")


def system_preset_names() -> list[str]:
    return sorted(p.stem for p in SYSTEM_PRESET_DIR.glob("*.toml"))


def single_chip(chip: ChipConfig) -> SystemConfig:
    """A system of one chip (no links): what `systolic train` without ``--chips`` runs on."""
    return SystemConfig(chip, 1, Topology.RING, (1,), 1, 0, name=chip.name)


def ring(
    chip: ChipConfig, chips: int, link_bytes_per_cycle: int, link_latency: int
) -> SystemConfig:
    """``chips`` copies of ``chip`` on a ring."""
    return SystemConfig(
        chip,
        chips,
        Topology.RING,
        (chips,),
        link_bytes_per_cycle,
        link_latency,
        name=f"ring{chips}-{chip.name}",
    )
