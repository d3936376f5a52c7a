"""The system description: presets, wiring, and one-line errors naming the field."""

from __future__ import annotations

import pytest

from chip.config import load_preset
from chip.errors import ConfigError
from chip.system import SystemConfig, Topology, ring, system_preset_names


def test_presets_load() -> None:
    assert {"ring4-edge", "torus8-train128"} <= set(system_preset_names())
    r = SystemConfig.from_toml("ring4-edge")
    assert (r.chips, r.topology, r.dims, r.chip.name) == (4, Topology.RING, (4,), "edge")
    t = SystemConfig.from_toml("torus8-train128")
    assert (t.chips, t.topology, t.dims, t.chip.name) == (8, Topology.TORUS2D, (2, 4), "train-128")
    assert t.links_per_chip == 4


def test_round_trip(tmp_path) -> None:
    s = SystemConfig.from_toml("torus8-train128")
    p = tmp_path / "s.toml"
    p.write_text(s.to_toml())
    assert SystemConfig.from_toml(p) == s


def test_ring_neighbours() -> None:
    s = ring(load_preset("tiny"), 4, 8, 10)
    assert [s.neighbour(c, 0) for c in range(4)] == [1, 2, 3, 0]
    assert [s.neighbour(c, 1) for c in range(4)] == [3, 0, 1, 2]
    assert s.peer_link(0) == 1 and s.peer_link(1) == 0
    with pytest.raises(ConfigError, match="chip 0 has no link 2: a ring chip has links 0..1"):
        s.neighbour(0, 2)


def test_torus_neighbours_wrap_and_pair() -> None:
    s = SystemConfig.from_toml("torus8-train128")  # 2 rows x 4 cols, id = r * 4 + c
    assert [s.neighbour(5, link) for link in range(4)] == [6, 4, 1, 1]
    assert s.neighbour(3, 0) == 0 and s.neighbour(0, 1) == 3
    for c in range(8):
        for link in range(4):  # the two ends of a cable name each other
            assert s.neighbour(s.neighbour(c, link), s.peer_link(link)) == c


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('chips = 0\ntopology = "ring"', "chips must be an integer in 1..256, not 0"),
        ('chips = 4\ntopology = "mesh"', "topology must be one of ring, torus2d, not 'mesh'"),
        ('chips = 4\ntopology = "torus2d"\ndims = [3, 2]', "dims of a torus2d must be"),
        ('chips = 4\ntopology = "torus2d"', "dims = \\[rows, cols\\] is required"),
        ('chips = 4\ntopology = "ring"\nspeed = 3', "unknown field 'speed' in \\[system\\]"),
    ],
)
def test_errors_name_the_field(tmp_path, body: str, message: str) -> None:
    p = tmp_path / "bad.toml"
    p.write_text(f'[system]\nchip = "tiny"\nlink_bytes_per_cycle = 8\nlink_latency = 5\n{body}\n')
    with pytest.raises(ConfigError, match=message) as e:
        SystemConfig.from_toml(p)
    assert "\n" not in str(e.value) and str(p) in str(e.value)


def test_missing_field_and_unknown_preset(tmp_path) -> None:
    p = tmp_path / "bad.toml"
    p.write_text('[system]\nchip = "tiny"\nchips = 2\ntopology = "ring"\n')
    with pytest.raises(ConfigError, match="missing field\\(s\\) link_bytes_per_cycle, link_lat"):
        SystemConfig.from_toml(p)
    with pytest.raises(ConfigError, match="unknown system 'ring9'"):
        SystemConfig.from_toml("ring9")


def test_transfer_cycles_round_up() -> None:
    s = ring(load_preset("tiny"), 2, 8, 10)
    assert [s.transfer_cycles(n) for n in (0, 1, 8, 9)] == [0, 1, 1, 2]
