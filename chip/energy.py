"""What the chip's work costs: energy per action, leakage, and silicon area.

An Accelergy-style model. A technology table (``chip/tech/NAME.toml``, each figure with its source)
gives the energy of one action of each kind and the area of each building block; the chip's
`ChipConfig` names its table and may override any entry. Energy is then a sum over the counted
actions of `chip.footprint.Action` (``Counters.actions``, read off each instruction's footprint:
both fidelities count the same) of count x energy per count, plus leakage: the chip's area times
a leakage power density for the span's cycles. Nothing here looks at tensor values.

Energy per action depends on the design point where physics says it should: a MAC on the input
type, a pipeline-register cycle on the array size and register widths, an SRAM access on the bank
capacity (a power law through two published points) and the bytes moved, leakage on the area.
docs/energy.md states the model, its sources and its limits.
"""

from __future__ import annotations

import enum
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType

from chip.config import ChipConfig, Dataflow
from chip.counters import Counters
from chip.footprint import Action

TECH_DIR = Path(__file__).parent / "tech"


class Block(enum.Enum):
    """The parts of the chip that the area model sums."""

    ARRAY = "array"
    SCRATCHPAD = "scratchpad"
    ACCUMULATOR = "accumulator"
    VECTOR = "vector"
    FIXED = "fixed"  # controller, queues, DMA engines
    DRAM_IO = "dram_io"  # the DRAM interface's pad circuits, one set per channel
    HOST_IO = "host_io"  # the host link's transmitters and receivers, one pair per lane

    @property
    def is_io(self) -> bool:
        """True for the I/O circuits: their power is not the core's leakage (the DRAM byte's
        energy includes its interface; host transfers lie outside the chip's cycles)."""
        return self in (Block.DRAM_IO, Block.HOST_IO)


class EnergyModelError(ValueError):
    """A technology table or an override that cannot be used; the message names the entry."""


_ENERGY_KEYS = (
    "mac_int8",
    "mac_bf16",
    "mac_fp32",
    "register_bit",
    "sram_64b_8kib",
    "sram_64b_1mib",
    "sram_write_factor",
    "dram_byte",
    "vector_alu",
    "vector_mul",
    "vector_special",
    "vector_reduce",
    "instruction_issue",
    "token",
    "link_byte",
)
_AREA_KEYS = (
    "pe_int8_um2",
    "pe_bf16_um2",
    "pe_fp32_um2",
    "register_bit_um2",
    "vector_lane_um2",
    "vector_basic_lane_fraction",
    "sram_kib_mm2",
    "sram_1r1w_factor",
    "fixed_mm2",
    "logic_utilization",
    "dram_channel_gbytes_per_s",
    "dram_channel_io_mm2",
    "host_lanes",
    "host_lane_mm2",
)
_LEAK_KEYS = ("watts_per_mm2",)
# Entries that are ratios or counts, not energies or areas: never scaled between technologies.
_RATIOS = frozenset(
    {
        "sram_write_factor",
        "sram_1r1w_factor",
        "logic_utilization",
        "vector_basic_lane_fraction",
        "dram_channel_gbytes_per_s",
        "host_lanes",
    }
)
OVERRIDABLE = _ENERGY_KEYS + _AREA_KEYS + _LEAK_KEYS


@dataclass(frozen=True)
class TechTable:
    """One technology's figures: energies in pJ, areas in um^2 (``*_um2``) or mm^2 (``*_mm2``),
    leakage in W/mm^2. Every key of `OVERRIDABLE` is present and finite, and none is negative."""

    name: str
    values: Mapping[str, float]

    def __getitem__(self, key: str) -> float:
        return self.values[key]

    def with_overrides(self, overrides: Mapping[str, float]) -> TechTable:
        """This table with some entries replaced (a chip TOML's ``[energy]`` keys)."""
        if not overrides:
            return self
        merged = dict(self.values)
        for key, value in overrides.items():
            _check_entry(f"{self.name} override", key, value)
            merged[key] = float(value)
        return TechTable(self.name, MappingProxyType(merged))


def technology_names() -> list[str]:
    return sorted(p.stem for p in TECH_DIR.glob("*.toml"))


@cache
def load_technology(name: str) -> TechTable:
    """The table ``chip/tech/NAME.toml``, with a ``base`` table scaled as it says."""
    path = TECH_DIR / f"{name}.toml"
    if not path.is_file():
        raise EnergyModelError(
            f"unknown technology {name!r}; expected one of {', '.join(technology_names())}"
        )
    data = tomllib.loads(path.read_text())
    if "base" in data:
        base = load_technology(data["base"])
        scale = data["scale"]
        unscaled = set(scale.get("unscaled", ()))
        values = {}
        for key, v in base.values.items():
            if key in unscaled or key in _RATIOS:
                values[key] = v
            elif key in _AREA_KEYS:
                values[key] = v * scale["area"]
            elif key in _LEAK_KEYS:
                values[key] = v * scale["leakage"]
            else:
                values[key] = v * scale["energy"]
    else:
        values = {**data["energy_pj"], **data["area"], **data["leakage"]}
    for key in OVERRIDABLE:
        if key not in values:
            raise EnergyModelError(f"technology {name!r}: missing entry {key!r}")
        _check_entry(f"technology {name!r}", key, values[key])
    return TechTable(name, MappingProxyType({k: float(values[k]) for k in OVERRIDABLE}))


def _check_entry(where: str, key: str, value: object) -> None:
    if key not in OVERRIDABLE:
        raise EnergyModelError(
            f"{where}: unknown energy/area entry {key!r}; expected one of {', '.join(OVERRIDABLE)}"
        )
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or value < 0:
        raise EnergyModelError(f"{where}: {key} = {value!r} must be a finite number >= 0")
    if key in ("logic_utilization", "vector_basic_lane_fraction") and not 0 < value <= 1:
        raise EnergyModelError(f"{where}: {key} = {value!r} must be in (0, 1]")
    if key == "dram_channel_gbytes_per_s" and value <= 0:
        raise EnergyModelError(f"{where}: dram_channel_gbytes_per_s = {value!r} must be > 0")
    if key == "host_lanes" and value != int(value):
        raise EnergyModelError(f"{where}: host_lanes = {value!r} must be a whole number")


def table_of(cfg: ChipConfig) -> TechTable:
    """The chip's technology table with its overrides applied."""
    return load_technology(cfg.technology).with_overrides(dict(cfg.energy_overrides))


# ------------------------------------------------------------------------------------- area
def register_bits_per_pe(cfg: ChipConfig) -> int:
    """Pipeline-register bits of one PE clocked in every busy cycle: the two streaming operands,
    the stationary operand's shadow copy when the stationary tile is double-buffered, and the
    partial sum (with its share of the skew lines, the energy of an `Action.PE_SLOT`)."""
    in_bits = 8 * cfg.input_dtype.nbytes
    shadow = in_bits if cfg.double_buffer_stationary and cfg.dataflow is not Dataflow.OS else 0
    return 2 * in_bits + shadow + 8 * cfg.acc_dtype.nbytes


def skew_register_bits(cfg: ChipConfig) -> int:
    """Flip-flop bits of the skew lines outside the PEs (`chip.hdl.array`): row i of the west
    operand waits i cycles before entering the array, and for WS and IS column j of the partial
    sums waits C-1-j cycles after leaving it so that a result row leaves whole; for OS column j
    of the north operand waits j cycles, and the valid and first bits travel with the west
    operand. Shift registers in triangles of R(R-1)/2 and C(C-1)/2 stages."""
    in_bits, acc_bits = 8 * cfg.input_dtype.nbytes, 8 * cfg.acc_dtype.nbytes
    r_stages, c_stages = cfg.rows * (cfg.rows - 1) // 2, cfg.cols * (cfg.cols - 1) // 2
    if cfg.dataflow is Dataflow.OS:
        return (in_bits + 2) * r_stages + in_bits * c_stages
    return in_bits * r_stages + acc_bits * c_stages


def array_register_bits(cfg: ChipConfig) -> int:
    """Every flip-flop bit of the array as the RTL (`chip.hdl.array`) builds it: each PE's
    `register_bits_per_pe`, for OS also its drain register and its valid and first bits (still
    between drains), and the `skew_register_bits`. Synthesis drops the few registers of edge
    PEs whose outputs go nowhere (3% of a 16x16 array's bits); they are counted here."""
    per_pe = register_bits_per_pe(cfg)
    if cfg.dataflow is Dataflow.OS:
        per_pe += 8 * cfg.acc_dtype.nbytes + 2
    return cfg.rows * cfg.cols * per_pe + skew_register_bits(cfg)


def pe_slot_register_bits(cfg: ChipConfig) -> float:
    """Register bits clocked per PE-cycle of a stream (an `Action.PE_SLOT`): the PE's own
    `register_bits_per_pe` and its share of the skew lines, which shift every cycle a stream
    passes through them."""
    return register_bits_per_pe(cfg) + skew_register_bits(cfg) / (cfg.rows * cfg.cols)


@dataclass(frozen=True)
class Area:
    """Modelled silicon area by block, in mm^2."""

    blocks: Mapping[Block, float]

    @property
    def total_mm2(self) -> float:
        return sum(self.blocks.values())

    @property
    def core_mm2(self) -> float:
        """The area that leaks at the table's core leakage density: every block but the I/O."""
        return sum(v for b, v in self.blocks.items() if not b.is_io)


def dram_channels(cfg: ChipConfig) -> int:
    """DRAM channels the chip's bandwidth needs at the table's per-channel bandwidth (at least
    one: every chip has DRAM)."""
    per_channel = table_of(cfg)["dram_channel_gbytes_per_s"]
    return max(1, math.ceil(round(cfg.dram_gbytes_per_s / per_channel, 9)))


def vector_lane_equivalents(cfg: ChipConfig) -> float:
    """The vector lanes as lanes with the special functions: each of the `special_lanes` counts
    one, each other lane the table's ``vector_basic_lane_fraction`` of one (the area a lane
    without EXP, LOG, ... synthesizes to, over one with them; docs/energy.md)."""
    basic = cfg.vector_lanes - cfg.special_lanes
    return cfg.special_lanes + basic * table_of(cfg)["vector_basic_lane_fraction"]


def area_of(cfg: ChipConfig) -> Area:
    """The chip's area: logic (the PEs' arithmetic, the array's flip-flops, the vector lanes,
    those without the special functions at a fraction of a full lane) from cell areas over the
    placement density; SRAM per KiB, as two-port (one read and one write port per bank,
    docs/timing.md) macros; the fixed controller; the I/O circuits of the DRAM channels its
    bandwidth needs and of its host link's lanes."""
    t = table_of(cfg)
    um2 = 1e-6  # mm^2 per um^2
    util = t["logic_utilization"]
    arithmetic = cfg.rows * cfg.cols * t[f"pe_{cfg.input_dtype.value}_um2"]
    registers = array_register_bits(cfg) * t["register_bit_um2"]
    sram_kib = t["sram_kib_mm2"] * t["sram_1r1w_factor"]
    return Area(
        MappingProxyType(
            {
                Block.ARRAY: (arithmetic + registers) * um2 / util,
                Block.SCRATCHPAD: cfg.spad_kib * sram_kib,
                Block.ACCUMULATOR: cfg.acc_kib * sram_kib,
                Block.VECTOR: vector_lane_equivalents(cfg) * t["vector_lane_um2"] * um2 / util,
                Block.FIXED: t["fixed_mm2"],
                Block.DRAM_IO: dram_channels(cfg) * t["dram_channel_io_mm2"],
                Block.HOST_IO: t["host_lanes"] * t["host_lane_mm2"],
            }
        )
    )


# ----------------------------------------------------------------------------------- energy
def sram_pj_per_byte(t: TechTable, bank_bytes: int) -> float:
    """Read energy per byte of an SRAM bank of ``bank_bytes``: the power law through the
    table's 8 KiB and 1 MiB points, per 64-bit access, divided by 8."""
    e8k, e1m = t["sram_64b_8kib"], t["sram_64b_1mib"]
    exponent = math.log(e1m / e8k) / math.log(128.0)
    return e8k * (bank_bytes / 8192) ** exponent / 8


@cache
def energy_per_action(cfg: ChipConfig) -> Mapping[Action, float]:
    """Joules per count of each `Action` on this chip: a MAC of the input type, a PE slot (one
    PE's pipeline registers and its share of the skew lines clocked for one cycle), a byte of
    each memory at its bank capacity, a DRAM byte, a vector element operation by class, an
    instruction issue, a token push/pop."""
    t = table_of(cfg)
    spad = sram_pj_per_byte(t, cfg.spad_kib * 1024 // cfg.spad_banks)
    acc = sram_pj_per_byte(t, cfg.acc_kib * 1024 // cfg.acc_banks)
    write = t["sram_write_factor"]
    pj = {
        Action.ISSUE: t["instruction_issue"],
        Action.MAC: t[f"mac_{cfg.input_dtype.value}"],
        Action.PE_SLOT: pe_slot_register_bits(cfg) * t["register_bit"],
        Action.SPAD_READ_BYTE: spad,
        Action.SPAD_WRITE_BYTE: spad * write,
        Action.ACC_READ_BYTE: acc,
        Action.ACC_WRITE_BYTE: acc * write,
        Action.DRAM_READ_BYTE: t["dram_byte"],
        Action.DRAM_WRITE_BYTE: t["dram_byte"],
        Action.VEC_ALU: t["vector_alu"],
        Action.VEC_MUL: t["vector_mul"],
        Action.VEC_SPECIAL: t["vector_special"],
        Action.VEC_REDUCE: t["vector_reduce"],
        Action.TOKEN_PUSH: t["token"],
        Action.TOKEN_POP: t["token"],
    }
    missing = set(Action) - set(pj)
    assert not missing, f"no energy for {missing}"  # a new Action needs its price here
    return MappingProxyType({a: v * 1e-12 for a, v in pj.items()})


@cache
def leakage_per_cycle_j(cfg: ChipConfig) -> float:
    """The whole chip's leakage energy in one clock cycle: its core area (the I/O circuits
    excluded, `Block.is_io`) at the table's leakage density."""
    watts = area_of(cfg).core_mm2 * table_of(cfg)["watts_per_mm2"]
    return watts / (cfg.clock_mhz * 1e6)


LEAKAGE = "leakage"  # the energy entry that is not an action
# The part of the chip that spends each action's energy (the per-unit breakdown of reports).
UNIT_OF: Mapping[Action, str] = MappingProxyType(
    {
        Action.ISSUE: "control",
        Action.TOKEN_PUSH: "control",
        Action.TOKEN_POP: "control",
        Action.MAC: "array",
        Action.PE_SLOT: "array",
        Action.SPAD_READ_BYTE: "scratchpad",
        Action.SPAD_WRITE_BYTE: "scratchpad",
        Action.ACC_READ_BYTE: "accumulator",
        Action.ACC_WRITE_BYTE: "accumulator",
        Action.DRAM_READ_BYTE: "dram",
        Action.DRAM_WRITE_BYTE: "dram",
        Action.VEC_ALU: "vector",
        Action.VEC_MUL: "vector",
        Action.VEC_SPECIAL: "vector",
        Action.VEC_REDUCE: "vector",
    }
)


# The parts of the chip in a per-unit energy breakdown, in display order.
ENERGY_UNITS = ("array", "scratchpad", "accumulator", "vector", "dram", "control", LEAKAGE)


@dataclass(frozen=True)
class Energy:
    """Joules spent over a span of counters, by action kind (``Action`` values) and ``leakage``
    (zero for counters without time)."""

    by_action: Mapping[str, float]

    @property
    def total_j(self) -> float:
        return sum(self.by_action.values())

    @property
    def by_unit(self) -> dict[str, float]:
        """The same joules summed per part of the chip: control, array, scratchpad,
        accumulator, dram, vector, and leakage."""
        out = dict.fromkeys(ENERGY_UNITS, 0.0)
        for a in Action:
            out[UNIT_OF[a]] += self.by_action[a.value]
        out[LEAKAGE] = self.by_action[LEAKAGE]
        return out


def link_pj_per_byte(cfg: ChipConfig) -> float:
    """Energy in pJ of moving one byte over a chip-to-chip link between two chips ``cfg``
    (transmitter and receiver): the table's ``link_byte``. A system's ``link_pj_per_byte``
    overrides it (chip/system.py)."""
    return table_of(cfg)["link_byte"]


def energy_of(c: Counters, cfg: ChipConfig) -> Energy:
    """The energy of what ``c`` counts on chip ``cfg``."""
    per = energy_per_action(cfg)
    joules = {a.value: c.actions[a] * per[a] for a in Action}
    joules[LEAKAGE] = c.cycles * leakage_per_cycle_j(cfg)
    return Energy(MappingProxyType(joules))


def average_power_w(c: Counters, cfg: ChipConfig) -> float:
    """Energy over the span's time; 0 for counters without time."""
    seconds = cfg.seconds(c.cycles)
    return energy_of(c, cfg).total_j / seconds if seconds else 0.0


def tops_per_watt(c: Counters, cfg: ChipConfig) -> float:
    """Useful operations (2 per useful MAC: the network's, not the padding the array also
    computed) per joule, in TOPS/W; 0 without energy. The energy still pays for the padding."""
    joules = energy_of(c, cfg).total_j
    return 2 * c.useful_macs / joules / 1e12 if joules else 0.0


# ---------------------------------------------------------------------------------- figures
def busy_power_w(cfg: ChipConfig) -> float:
    """Power of the chip streaming a large matrix product at full array utilization.

    Per cycle: every PE does one MAC and clocks its registers; the scratchpad delivers the
    streaming operand rows (one row for WS/IS, two for OS, where both operands stream); for WS
    and IS the accumulator reads and writes one row of partial sums (OS keeps them in the PEs);
    the whole chip leaks. Stationary-tile loads and vector work are amortized away.
    """
    per = energy_per_action(cfg)
    streams = 2 if cfg.dataflow is Dataflow.OS else 1
    acc_rows = 0 if cfg.dataflow is Dataflow.OS else 1
    acc_byte = per[Action.ACC_READ_BYTE] + per[Action.ACC_WRITE_BYTE]
    joules = (
        cfg.peak_macs_per_cycle * (per[Action.MAC] + per[Action.PE_SLOT])
        + streams * cfg.spad_row_bytes * per[Action.SPAD_READ_BYTE]
        + acc_rows * cfg.acc_row_bytes * acc_byte
        + leakage_per_cycle_j(cfg)
    )
    return joules * cfg.clock_mhz * 1e6


def peak_tops_per_watt(cfg: ChipConfig) -> float:
    """Peak TOPS (every PE's MAC, two operations, each cycle) over `busy_power_w`."""
    return cfg.peak_tops / busy_power_w(cfg)
