"""Reports add up (layer -> step -> epoch -> run), serialize losslessly, and the trace is valid
Chrome/Perfetto JSON. Uses the cycle-level machine (fast) on the hand-written training step."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest

from chip.counters import Critical, Unit, total
from chip.energy import area_of
from runtime.data import load_digits
from runtime.outputs import read_report, write_run_dir
from runtime.render import layers_csv
from runtime.report import RunReport, achieved_tops, bound_cycles, efficiency, roofline_tops
from runtime.trace import trace_events
from runtime.train import Trainer, TrainSettings
from tests.runtime.programs import regression_chip, softmax_regression

ADDITIVE = ("cycles", "macs", "dram_read_bytes", "dram_write_bytes", "instructions")


@pytest.fixture(scope="module")
def trained():
    cfg = regression_chip()
    w0 = np.zeros((64, 10), np.float32)
    step = softmax_regression(cfg, 16, 64, 10, w0)
    cycles: list[int] = []
    t = Trainer(
        step,
        softmax_regression(cfg, 16, 64, 10, w0, train=False),
        load_digits(),
        TrainSettings(epochs=2, lr=0.5),
        "fast",
        name="softreg",
        on_step=lambda e: cycles.append(e.cycles),
        trace_first_step=True,
    )
    return t.run(), cycles, step


def test_steps_add_up_to_epochs_and_epochs_to_the_run(trained):
    result, step_cycles, _ = trained
    r = result.report
    per_epoch = len(step_cycles) // len(r.epochs)
    for i, e in enumerate(r.epochs):
        assert e.train.cycles == sum(step_cycles[i * per_epoch : (i + 1) * per_epoch])
        assert e.steps == per_epoch and e.eval is not None and e.eval.cycles > 0
    assert r.total == total([e.train for e in r.epochs] + [e.eval for e in r.epochs])


def test_layers_add_up_to_the_run(trained):
    r = trained[0].report
    summed = total(lr.work for lr in r.layers)
    # The machine gives each cycle of the critical path to the tag of the instruction the end
    # waited on, so layer cycles partition the run's cycles, like MACs and bytes.
    for lr in r.layers:
        assert lr.work.cycles == sum(lr.work.critical.values())
    assert summed.critical == r.total.critical and sum(r.total.critical.values()) == r.total.cycles
    for f in ADDITIVE:
        assert getattr(summed, f) == getattr(r.total, f), f
    assert dict(summed.stalls) == dict(r.total.stalls)
    assert total(r.phases.values()) == summed
    assert set(r.phases) == {"forward", "backward", "optimizer"}


def test_derived_figures(trained):
    r = trained[0].report
    c, t = r.chip, r.total
    # a hand-written program has no layer table: every MAC it computes is useful
    assert t.useful_macs == t.macs and t.padding_macs == 0
    assert t.pe_utilization == pytest.approx(t.useful_macs / (256 * t.cycles))
    assert 0 < t.pe_utilization < 1
    assert achieved_tops(t, c) == pytest.approx(2 * t.useful_macs / (t.cycles / 1e9) / 1e12)
    assert bound_cycles(t, c) == -(-t.useful_macs // 256) <= t.cycles
    assert efficiency(t, c) == bound_cycles(t, c) / t.cycles
    assert achieved_tops(t, c) == pytest.approx(t.pe_utilization * c.peak_tops)
    assert roofline_tops(t, c) <= c.peak_tops
    for lr in r.layers:
        if lr.work.cycles:
            assert (
                achieved_tops(lr.work, c) <= roofline_tops(lr.work, c) + 1e-12
                or lr.work.dram_bytes == 0
            )


def test_json_round_trip_and_files(trained, tmp_path):
    result, _, step = trained
    r = result.report
    assert RunReport.from_json(json.loads(json.dumps(r.to_json()))) == r
    written = write_run_dir(tmp_path, r, step, result.first_step_events)
    names = {p.name for p in written}
    assert {
        "report.json",
        "layers.csv",
        "trace.json",
        "cycles_by_layer.png",
        "utilization.png",
        "roofline.png",
        "training.png",
    } <= names
    for p in written:
        if p.suffix == ".png":
            assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert read_report(tmp_path) == r
    rows = list(csv.DictReader(io.StringIO(layers_csv(r))))
    assert [(row["layer"], row["phase"]) for row in rows] == [(x.layer, x.phase) for x in r.layers]
    assert sum(int(row["cycles"]) for row in rows) == r.total.cycles
    for row, lr in zip(rows, r.layers, strict=True):
        critical = [int(v) for k, v in row.items() if k.startswith("critical_")]
        assert len(critical) == len(Critical) and sum(critical) == int(row["cycles"])
        assert int(row["busy_array"]) == lr.work.busy[Unit.ARRAY]
        assert int(row["bound_cycles"]) == bound_cycles(lr.work, r.chip)


def test_trace_is_valid_chrome_trace_json(trained, tmp_path):
    result, _, step = trained
    events = result.first_step_events
    assert events
    doc = json.loads(json.dumps({"traceEvents": trace_events(step, events)}))
    slices = [e for e in doc["traceEvents"] if e["ph"] == "X"]
    names = {
        e["args"]["name"]
        for e in doc["traceEvents"]
        if e["ph"] == "M" and e["name"] == "thread_name"
    }
    assert names == {e.unit.value for e in events}
    for s in slices:
        assert {"name", "ts", "dur", "pid", "tid", "cat"} <= set(s)
        assert s["dur"] >= 0 and s["ts"] >= 0
    # every instruction's busy cycles appear in exactly one slice
    assert sum(s["args"]["busy_cycles"] for s in slices) == sum(e.end - e.start for e in events)
    n_instr = sum(sum(s["args"]["instructions"].values()) for s in slices)
    assert n_instr == len(events)
    last_end = max(s["ts"] + s["dur"] for s in slices)
    assert last_end * step.config.clock_mhz == pytest.approx(result.first_step.work.cycles)


def test_report_json_holds_the_counters_and_their_derived_figures(trained):
    r = trained[0].report
    d = r.to_json()
    assert d["version"] == 3
    t = d["total"]
    assert t["useful_macs"] == r.total.useful_macs and t["work"]["padding_macs"] == 0
    assert t["work"]["bound_cycles"] == bound_cycles(r.total, r.chip)
    assert t["derived"]["efficiency"] == efficiency(r.total, r.chip)
    assert sum(t["critical"].values()) == t["cycles"]
    assert t["bytes"]["dram_read"] == r.total.dram_read_bytes > 0
    assert t["stalls"]["array"] == {k.value: v for k, v in r.total.stalls[Unit.ARRAY].items()}
    assert t["derived"]["utilization"] == r.total.pe_utilization
    assert t["derived"]["stall_cycles"] == sum(t["derived"]["stalls_by_cause"].values())
    blocks = d["area"]["by_block_mm2"]
    assert blocks == {b.value: v for b, v in area_of(r.chip).blocks.items()}
    assert d["area"]["total_mm2"] == pytest.approx(sum(blocks.values()))
    assert blocks["dram_io"] > 0 and blocks["host_io"] > 0
    with pytest.raises(ValueError, match="unsupported report version 1"):
        RunReport.from_json({**d, "version": 1})
    with pytest.raises(ValueError, match="version 2 reports predate useful MACs"):
        RunReport.from_json({**d, "version": 2})
