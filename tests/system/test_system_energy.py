"""Link energy: priced from the technology table (or the system's override) and reported with
the chips' own energy, by chip and by action."""

from __future__ import annotations

import dataclasses

import pytest

from chip.energy import LEAKAGE, energy_of, leakage_per_cycle_j, load_technology
from chip.links import machine_executor, run_chips, run_system
from chip.system import SystemConfig, ring
from runtime.system_report import LINK, system_report
from runtime.system_workers import WorkerPool
from tests.system.test_links import TINY, _exchange

# 8 x 4 fp32 elements sent by chip 0 to chip 1 (test_links._exchange)
SENT = 8 * 4 * 4
# 45 nm table: a 1.93 pJ/bit transmitter and an equal receiver, per byte
LINK_PJ = 2 * 1.93 * 8


def test_link_energy_of_a_send_recv_pair_priced_by_hand() -> None:
    assert TINY.technology == "45nm"
    system = ring(TINY, 2, 8, 30)
    plan, _ = _exchange(system)
    res = run_system(plan, machine_executor("fast"))
    rep = system_report(system, res)
    assert rep.links[0].bytes == SENT
    assert rep.links[0].energy_uj == pytest.approx(SENT * LINK_PJ * 1e-6, rel=1e-12)
    sender, receiver = rep.energy
    assert sender[LINK] == pytest.approx(SENT * LINK_PJ * 1e-12, rel=1e-12)
    assert receiver[LINK] == 0.0  # a link's energy is charged to its sender
    for c, run in enumerate(res.chips):  # each chip's own actions, leakage over the whole step
        own = [energy_of(r.counters, TINY).by_action for r in run.results]
        for action, joules in rep.energy[c].items():
            if action == LEAKAGE:
                assert joules == pytest.approx(res.cycles * leakage_per_cycle_j(TINY))
            elif action != LINK:
                assert joules == pytest.approx(sum(e[action] for e in own), rel=1e-12)
    assert rep.energy[0]["mac"] == 0.0 and rep.energy[1]["vec_alu"] > 0  # chip 1 adds
    by_action = rep.to_json()["energy"]["by_action_uj"]
    assert by_action[LINK] == pytest.approx(SENT * LINK_PJ * 1e-6, rel=1e-12)
    assert rep.to_json()["energy"]["total_uj"] == pytest.approx(
        sum(sum(e.values()) for e in rep.energy) * 1e6
    )
    assert "of which links" in rep.render()


def test_system_override_and_scaled_table() -> None:
    system = dataclasses.replace(ring(TINY, 2, 8, 30), link_pj_per_byte=5.0)
    plan, _ = _exchange(system)
    rep = system_report(system, run_system(plan, machine_executor("fast")))
    assert rep.energy[0][LINK] == pytest.approx(SENT * 5.0 * 1e-12)
    back = SystemConfig.from_dict(
        {"system": {"chip": "tiny", "chips": 2, "topology": "ring", "link_bytes_per_cycle": 8,
                    "link_latency": 30, "link_pj_per_byte": 5.0}}
    )  # fmt: skip
    assert back.pj_per_link_byte == 5.0
    assert ring(TINY, 2, 8, 30).pj_per_link_byte == pytest.approx(LINK_PJ)
    # a SerDes is I/O: the 28 nm table keeps the 45 nm figure (measured in 28 nm already)
    assert load_technology("28nm")["link_byte"] == load_technology("45nm")["link_byte"]


def test_workers_report_the_same_energy() -> None:
    system = ring(TINY, 2, 8, 30)
    plan, _ = _exchange(system)
    here = system_report(system, run_system(plan, machine_executor("fast")))
    with WorkerPool(plan, "fast") as pool:
        there = system_report(system, run_chips(plan, pool.chips, wait=pool.wait))
    assert there.energy == here.energy
