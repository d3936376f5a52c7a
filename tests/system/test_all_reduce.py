"""Ring and torus all-reduce: values in the documented order, the textbook cycle count."""

from __future__ import annotations

import numpy as np
import pytest

from chip.config import load_preset
from chip.isa import Loc, Mem
from chip.links import (
    SystemResult,
    functional_executor,
    machine_executor,
    plan_system,
    run_system,
)
from chip.program import Phase, Program, Tag
from chip.state import ChipState
from chip.system import SystemConfig, Topology, ring
from compiler.parallel import all_reduce, all_reduce_programs, reference_sum

TINY = load_preset("tiny")
EDGE = load_preset("edge")


def _values(n: int, rows: int, cols: int) -> list[np.ndarray]:
    rng = np.random.default_rng(n * 1000 + rows)
    # mixed magnitudes make fp32 sums depend on their order
    return [
        (rng.standard_normal((rows, cols)) * 10.0 ** rng.integers(-3, 4, (rows, cols))).astype(
            np.float32
        )
        for _ in range(n)
    ]


@pytest.mark.parametrize(
    "system",
    [
        ring(TINY, 2, 8, 20),
        ring(TINY, 3, 8, 20),
        ring(TINY, 4, 8, 20),
        SystemConfig(TINY, 8, Topology.TORUS2D, (2, 4), 8, 20),
        SystemConfig(TINY, 6, Topology.TORUS2D, (3, 2), 8, 20),
        SystemConfig(TINY, 16, Topology.TORUS2D, (4, 4), 8, 20),
        SystemConfig(TINY, 4, Topology.TORUS2D, (1, 4), 8, 20),
    ],
    ids=lambda s: f"{s.topology.value}{'x'.join(map(str, s.dims))}",
)
def test_values_equal_numpy_sum_in_documented_order(system: SystemConfig) -> None:
    rows, cols = 37, 4  # not a multiple of the chips or the pieces
    xs = _values(system.chips, rows, cols)
    programs = all_reduce_programs(system, rows, cols, xs, pieces=3)
    want = reference_sum(system, xs)
    np.testing.assert_allclose(
        want, np.sum(np.array(xs, dtype=np.float64), axis=0), rtol=1e-5, atol=1e-3
    )
    res = run_system(plan_system(system, programs), functional_executor)
    x = programs[0].tensor("x")
    for c, run in enumerate(res.chips):
        got = run.state.read_tensor(x)
        assert np.array_equal(got.view(np.uint32), want.view(np.uint32)), f"chip {c}"


def test_fidelities_agree() -> None:
    system = ring(TINY, 4, 8, 20)
    xs = _values(4, 16, 4)
    programs = all_reduce_programs(system, 16, 4, xs, pieces=2)
    plan = plan_system(system, programs)
    fast, pe = (run_system(plan, machine_executor(f)) for f in ("fast", "pe"))
    x = programs[0].tensor("x")
    assert fast.cycles == pe.cycles
    for a, b in zip(fast.chips, pe.chips, strict=True):
        assert np.array_equal(a.state.read_tensor(x), b.state.read_tensor(x))
        assert a.cycles == b.cycles


def _on_chip_all_reduce(system: SystemConfig, rows: int, pieces: int) -> SystemResult:
    """An all-reduce of ``rows`` full accumulator rows already on chip, its sums checked."""
    cfg = system.chip
    tag = Tag("all_reduce", Phase.OPTIMIZER)
    programs, states = [], []
    for c in range(system.chips):
        body = all_reduce(system, c, 0, rows, cfg.row_elems, rows, pieces)
        programs.append(Program(cfg, body, [tag] * len(body), {}))
        st = ChipState(cfg)
        st.write(Loc(Mem.ACCF, 0), np.full((rows, cfg.row_elems), c, np.float32), "test")
        states.append(st)
    res = run_system(plan_system(system, programs), machine_executor("fast"), states)
    total = np.full(cfg.row_elems, sum(range(system.chips)), np.float32)
    for run in res.chips:
        assert np.array_equal(
            run.state.read(Loc(Mem.ACCF, 0), rows, cfg.row_elems, "t").view(np.float32),
            np.tile(total, (rows, 1)),
        )
    return res


@pytest.mark.parametrize("chips", [2, 4, 8])
def test_ring_all_reduce_takes_the_textbook_cycles(chips: int) -> None:
    bandwidth, latency = 8, 20
    system = ring(EDGE, chips, bandwidth, latency)
    rows = 896  # 896 rows x 16 fp32 = 56 KiB of the 64 KiB accumulator
    size = rows * EDGE.row_elems * 4
    textbook = 2 * (chips - 1) / chips * size / bandwidth + 2 * (chips - 1) * latency
    cycles = _on_chip_all_reduce(system, rows, pieces=8).cycles
    assert abs(cycles - textbook) / textbook < 0.05, (cycles, textbook)


def _torus(dims: tuple[int, int]) -> SystemConfig:
    return SystemConfig(EDGE, dims[0] * dims[1], Topology.TORUS2D, dims, 8, 20)


@pytest.mark.parametrize("dims", [(2, 4), (4, 2), (2, 2), (4, 4)])
def test_torus_all_reduce_takes_the_textbook_cycles(dims: tuple[int, int]) -> None:
    r, c = dims
    system = _torus(dims)
    rows = 896
    size = rows * EDGE.row_elems * 4
    # two halves at once on disjoint links, each a chain moving (N-1)/N of S per link:
    # S/2 along one dimension's rings, then S/2 over that ring's size along the other
    # (reduce-scatters then all-gathers), each ring step paying one latency
    n = r * c
    textbook = (n - 1) / n * size / 8 + 2 * (r - 1 + c - 1) * 20
    cycles = _on_chip_all_reduce(system, rows, pieces=8).cycles
    assert abs(cycles - textbook) / textbook < 0.05, (cycles, textbook)


def test_torus_runs_its_halves_on_disjoint_links_and_beats_the_ring() -> None:
    rows = 896
    size = rows * EDGE.row_elems * 4
    torus = _on_chip_all_reduce(_torus((2, 4)), rows, 8)
    ring8 = _on_chip_all_reduce(ring(EDGE, 8, 8, 20), rows, 8)
    # ring: 2 (N-1)/N S on every forward link. Torus: half A (S/2) east then south, half B
    # (S/2) north then west, each link direction carrying one half only
    assert set(ring8.link_bytes.values()) == {2 * 7 * size // 8}
    per_link = {
        link: {v for (_, k), v in torus.link_bytes.items() if k == link} for link in range(4)
    }
    assert per_link == {
        0: {3 * size // 4},  # east: half A's row rings, 2 (C-1)/C of S/2
        1: {3 * size // 8},  # west: half B's row rings on its S/2/R
        2: {size // 8},  # south: half A's column rings on its S/2/C
        3: {size // 2},  # north: half B's column rings, 2 (R-1)/R of S/2
    }
    # the bandwidth terms: (N-1)/N S/B against the ring's 2 (N-1)/N S/B
    assert torus.cycles < 0.55 * ring8.cycles, (torus.cycles, ring8.cycles)


def test_all_reduce_refuses_what_does_not_fit() -> None:
    with pytest.raises(
        ValueError, match="an all-reduce of 250 rows needs 313 accumulator rows; the chip has 256"
    ):
        all_reduce_programs(ring(TINY, 2, 8, 20), 250, 4, pieces=2)
