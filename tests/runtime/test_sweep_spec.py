"""Sweep specs, points, the results file and Pareto frontiers, without a Dask cluster."""

from __future__ import annotations

import csv
import itertools
import math

import pytest

from chip.config import ChipConfig, Dataflow
from chip.counters import Counters
from chip.energy import energy_of
from chip.footprint import Action, Traffic
from chip.isa import VecOp
from runtime.cli import main
from runtime.report import bound_cycles, efficiency
from runtime.sweep_plot import frontiers
from runtime.sweep_run import METRICS, error_row, run_point
from runtime.sweep_spec import Mode, SpecError, load_spec
from runtime.sweep_store import ResultsFile, read_results

TOPOLOGY = "Layer name, M, N, K,\nL0, 40, 24, 72,\nL1, 12, 30, 20,\n"


def write_spec(tmp_path, body: str, topology: str = TOPOLOGY):
    (tmp_path / "topo.csv").write_text(topology)
    path = tmp_path / "spec.toml"
    path.write_text(body)
    return path


def test_grid_order_and_identity(tmp_path):
    spec = load_spec(
        write_spec(
            tmp_path,
            'workloads = ["mlp", "topo.csv"]\nbatch = [1, 4]\nmode = ["inference", "training"]\n'
            '[grid]\nrows = [8, 16]\ndataflow = ["ws", "os", "is"]\n',
        )
    )
    points = spec.points()
    assert spec.grid_size == len(points) == 2 * 2 * 2 * 2 * 3
    want = itertools.product(
        ["mlp", "topo.csv"], list(Mode), [1, 4], [8, 16], [Dataflow.WS, Dataflow.OS, Dataflow.IS]
    )
    for p, (w, mode, batch, rows, flow) in zip(points, want, strict=True):
        assert (p.workload.name, p.mode, p.batch) == (w, mode, batch)
        assert p.knobs == (("rows", rows), ("dataflow", flow))
        assert p.chip == ChipConfig.from_toml("edge").replace(rows=rows, dataflow=flow)
    assert len({p.key for p in points}) == len(points)
    assert [p.index for p in points] == list(range(len(points)))


def test_special_lanes_sweep_as_counts_or_all(tmp_path):
    """``vector_special_lanes`` (None: every lane) is a grid axis of lane counts and "all"; a
    count more than a point's vector_lanes makes that point an invalid chip."""
    spec = load_spec(
        write_spec(
            tmp_path,
            'workloads = ["mlp"]\n[grid]\nvector_lanes = [8, 16]\n'
            'vector_special_lanes = [1, 4, 16, "all"]\n',
        )
    )
    edge = ChipConfig.from_toml("edge")
    got = {(p.knobs[0][1], p.knobs[1][1]): p for p in spec.points()}
    assert len(got) == 8
    for (lanes, special), p in got.items():
        if (lanes, special) == (8, 16):
            assert p.chip is None
            assert p.chip_error == (
                "invalid chip: vector_special_lanes must be between 1 and vector_lanes (8), not 16"
            )
            continue
        want = None if special == "all" else special
        assert p.chip == edge.replace(vector_lanes=lanes, vector_special_lanes=want)
        assert p.chip.pass_elems(VecOp.EXP) == (lanes if special == "all" else special)
        assert p.chip.pass_elems(VecOp.ADD) == lanes
    assert error_row(got[8, "all"], "x")["vector_special_lanes"] == "all"
    assert len({p.key for p in got.values()}) == 8


def test_random_sampling_is_seeded_and_distinct(tmp_path):
    body = 'workloads = ["mlp"]\nsamples = 10\nseed = {}\n[grid]\nrows = [4, 8, 16, 32]\n'
    body += "cols = [4, 8, 16, 32]\ndram_latency = [0, 50, 100]\n"
    a = load_spec(write_spec(tmp_path, body.format(1))).points()
    b = load_spec(write_spec(tmp_path, body.format(1))).points()
    c = load_spec(write_spec(tmp_path, body.format(2))).points()
    assert [p.key for p in a] == [p.key for p in b]
    assert len({p.key for p in a}) == 10 and [p.key for p in a] != [p.key for p in c]
    assert all(p.index < 48 for p in a)


def test_topology_layers_become_workloads(tmp_path):
    spec = load_spec(
        write_spec(tmp_path, 'workloads = [{topology = "topo.csv", layers = ["L1"]}]\n')
    )
    assert [w.name for w in spec.workloads] == ["topo.csv:L1"]
    spec = load_spec(
        write_spec(tmp_path, 'workloads = [{topology = "topo.csv", per_layer = true}]\n')
    )
    assert [w.name for w in spec.workloads] == ["topo.csv:L0", "topo.csv:L1"]


@pytest.mark.parametrize(
    "body, pattern",
    [
        ('workloads = ["mlp"]\nbatchs = [1]\n', "unknown key 'batchs'"),
        ("batch = [1]\n", "missing key 'workloads'"),
        ('workloads = ["googlenet"]\n', "workloads[0]: unknown model 'googlenet'"),
        ('workloads = ["none.onnx"]\n', "workloads[0]: file 'none.onnx' does not exist"),
        ('workloads = [{topology = "topo.csv", layers = ["L9"]}]\n', "has no layer 'L9'"),
        ('workloads = [{topology = "topo.csv", per_layers = true}]\n', "unknown key 'per_layers'"),
        ('workloads = ["mlp"]\nbatch = [0]\n', "batch sizes must be positive integers, not 0"),
        ('workloads = ["mlp"]\nmode = ["train"]\n', "mode must be one of inference, training"),
        ('workloads = ["mlp"]\n[grid]\nrowz = [8]\n', "[grid] rowz: not a ChipConfig field"),
        ('workloads = ["mlp"]\n[grid]\nrows = ["8"]\n', "[grid] rows: values must be of type int"),
        ('workloads = ["mlp"]\n[grid]\nrows = []\n', "[grid] rows: needs at least one value"),
        ('workloads = ["mlp"]\n[grid]\ndataflow = ["rs"]\n', "[grid] dataflow must be one of"),
        ('workloads = ["mlp"]\n[grid]\ninput_dtype = ["fp64"]\n', "'fp64' is not a data type"),
        ('workloads = ["mlp"]\n[grid]\nrows = [8, 8]\n', "[grid] rows: lists a value twice"),
        ('workloads = ["mlp"]\nchip = "nochip"\n', "chip: unknown chip 'nochip'"),
        (
            'workloads = ["mlp"]\n[grid]\nvector_special_lanes = [1, 32]\n',
            "[grid] vector_special_lanes must be between 1 and vector_lanes (16), not 32",
        ),
        (
            'workloads = ["mlp"]\n[grid]\nvector_lanes = [4, 8]\nvector_special_lanes = [16]\n',
            "between 1 and vector_lanes (8), not 16 (the largest vector_lanes of the sweep)",
        ),
        (
            'workloads = ["mlp"]\n[grid]\nvector_special_lanes = [0]\n',
            "[grid] vector_special_lanes must be between 1 and vector_lanes (16), not 0",
        ),
        (
            'workloads = ["mlp"]\n[grid]\nvector_special_lanes = ["some"]\n',
            """[grid] vector_special_lanes: values must be of type int or "all", not 'some'""",
        ),
        ('workloads = ["mlp"]\nsamples = -1\n', "samples must be 0"),
        ('workloads = ["mlp"]\n[training]\nloss = "l1"\n', "[training]: loss must be ce or mse"),
        ('workloads = ["mlp"\n', "is not valid TOML"),
    ],
)
def test_spec_errors_are_one_line_naming_the_key(capsys, tmp_path, body, pattern):
    path = write_spec(tmp_path, body)
    with pytest.raises(SpecError) as e:
        load_spec(path)
    assert pattern in str(e.value) and str(path) in str(e.value)
    code = main(["sweep", str(path), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("systolic sweep: error: ") and pattern in err
    assert not (tmp_path / "out").exists()


def test_points_measure_and_fail_one_by_one(tmp_path):
    topology = TOPOLOGY + "Big, 2000000, 16, 64,\n"  # 512 MB of input: more than edge's DRAM
    spec = load_spec(
        write_spec(
            tmp_path,
            'workloads = [{topology = "topo.csv", layers = ["L0", "Big"]}]\n'
            "[grid]\ncols = [16, 512]\n",
            topology,
        )
    )
    good, too_wide, big, big_wide = (run_point(p) for p in spec.points())
    assert good["error"] == ""
    chip = spec.points()[0].chip
    assert good["macs"] == good["useful_macs"] == 40 * 24 * 72
    assert good["utilization"] == pytest.approx(good["useful_macs"] / (256 * good["cycles"]), 1e-5)
    bound = max(math.ceil(good["useful_macs"] / 256), math.ceil(good["min_dram_bytes"] / 16))
    assert good["roofline_bound_cycles"] == bound <= good["cycles"]
    assert good["roofline_efficiency"] == pytest.approx(bound / good["cycles"], 1e-5)
    assert good["seconds"] == chip.seconds(good["cycles"])
    assert too_wide["error"] == "invalid chip: cols must be between 1 and 256, not 512"
    assert big["error"].startswith("DramOverflow: network 'Big' needs")
    assert all(too_wide[m] == big[m] == "" for m in METRICS)
    assert big_wide["error"].startswith("invalid chip")


def test_row_figures_count_the_networks_work_not_the_schedules():
    # 1,000 array MACs of which 200 are padding; 4,800 DRAM bytes moved where 3,200 must be:
    # the roofline, utilization and TOPS/W are the report's, on useful MACs and minimal bytes.
    chip = ChipConfig.from_toml("edge")  # 16x16, 16 DRAM bytes per cycle
    c = Counters(cycles=500, macs=1000, useful_macs=800, min_dram_bytes=3200, rows=16, cols=16)
    c.bytes[Traffic.DRAM_READ] = 4800
    c.actions[Action.MAC] = 1000
    row = {name: f(c, chip) for name, f in METRICS.items()}
    assert row["macs"] == 1000 and row["useful_macs"] == 800
    assert row["dram_bytes"] == 4800 and row["min_dram_bytes"] == 3200
    assert row["utilization"] == pytest.approx(800 / (256 * 500))
    assert row["roofline_bound_cycles"] == max(-(-800 // 256), 3200 // 16) == 200
    assert row["roofline_efficiency"] == pytest.approx(200 / 500)
    assert row["roofline_bound_cycles"] == bound_cycles(c, chip)
    assert row["roofline_efficiency"] == pytest.approx(efficiency(c, chip))
    joules = energy_of(c, chip).total_j
    assert row["energy_j"] == joules
    assert row["tops_per_w"] == pytest.approx(2 * 800 / joules / 1e12)


def test_os_topology_row_bounds_by_the_minimal_dram_bytes(tmp_path):
    # Output-stationary tiles load some operands twice: the row's bound is what the layers must
    # move, not what this schedule moved.
    spec = load_spec(write_spec(tmp_path, 'workloads = ["topo.csv"]\n[grid]\ndataflow = ["os"]\n'))
    row = run_point(spec.points()[0])
    assert row["error"] == ""
    assert row["min_dram_bytes"] < row["dram_bytes"]
    compute = math.ceil(row["useful_macs"] / 256)
    assert row["roofline_bound_cycles"] == max(compute, math.ceil(row["min_dram_bytes"] / 16))
    assert row["roofline_bound_cycles"] < max(compute, math.ceil(row["dram_bytes"] / 16))


def test_topology_point_is_the_sum_of_its_layers(tmp_path):
    whole = load_spec(write_spec(tmp_path, 'workloads = ["topo.csv"]\n')).points()[0]
    each = load_spec(
        write_spec(tmp_path, 'workloads = [{topology = "topo.csv", per_layer = true}]\n')
    ).points()
    rows = [run_point(p) for p in (whole, *each)]
    for m in ("cycles", "macs", "dram_bytes", "instructions"):
        assert rows[0][m] == rows[1][m] + rows[2][m], m


def test_results_file_drops_a_partial_last_line(tmp_path):
    path, cols = tmp_path / "results.csv", ["key", "index", "x", "error"]
    with ResultsFile(path, cols) as store:
        store.append({"key": "a", "index": 0, "x": 1.5, "error": ""})
        store.append({"key": "b", "index": 1, "x": 2, "error": "Boom: two\nlines"})
    with open(path, "a") as f:
        f.write("c,2,3")  # killed mid-write
    with ResultsFile(path, cols) as store:
        assert store.done == {"a", "b"}
        store.append({"key": "c", "index": 2, "x": 3, "error": ""})
    rows = read_results(path)
    assert [r["key"] for r in rows] == ["a", "b", "c"]
    assert rows[1]["error"] == "Boom: two lines"
    assert path.read_text().count("\n") == 4
    with pytest.raises(ValueError, match="belongs to a different sweep"):
        ResultsFile(path, ["key", "index", "y", "error"])


def test_frontier_minimizes_and_maximizes(tmp_path):
    rows = [
        {"workload": "w", "mode": "inference", "batch": "1", "a": a, "b": b, "u": u, "error": e}
        for a, b, u, e in [
            ("10", "5", "0.5", ""),
            ("20", "3", "0.9", ""),
            ("15", "6", "0.4", ""),  # dominated by (10, 5)
            ("30", "3", "0.95", ""),  # same b as (20, 3), more a
            ("5", "1", "1.0", "Boom"),  # failed: not a point
        ]
    ]
    assert [(r["a"], r["b"]) for r in frontiers(rows, "a", "b")[("w", "inference", "1")]] == [
        ("10", "5"),
        ("20", "3"),
    ]
    # utilization is maximized: more cycles buy more utilization along the frontier
    rows = [{**r, "utilization": r["u"]} for r in rows]
    got = frontiers(rows, "a", "utilization")[("w", "inference", "1")]
    assert [(r["a"], r["u"]) for r in got] == [("10", "0.5"), ("20", "0.9"), ("30", "0.95")]
    # and so is TOPS/W
    rows = [{**r, "tops_per_w": r["u"]} for r in rows]
    got = frontiers(rows, "a", "tops_per_w")[("w", "inference", "1")]
    assert [r["a"] for r in got] == ["10", "20", "30"]
    with pytest.raises(ValueError, match="no column 'nope'"):
        frontiers(rows, "a", "nope")


def test_plot_needs_zero_or_two_columns(capsys, tmp_path):
    path = write_spec(tmp_path, 'workloads = ["mlp"]\n')
    assert main(["sweep", str(path), "--plot", "cycles"]) == 1
    assert "--plot takes no column or two" in capsys.readouterr().err


def test_results_columns_are_csv(tmp_path):
    # the header a sweep writes: identity, swept fields, METRICS, host times, error
    from runtime.sweep_cluster import columns

    spec = load_spec(write_spec(tmp_path, 'workloads = ["mlp"]\n[grid]\nrows = [8]\n'))
    cols = columns(spec)
    assert cols[:6] == ["key", "index", "workload", "mode", "batch", "rows"]
    assert cols[-4:] == ["compile_s", "run_s", "cpu_s", "error"]
    with ResultsFile(tmp_path / "r.csv", cols):
        pass
    assert next(csv.reader(open(tmp_path / "r.csv"))) == cols


def test_onnx_workload_inference_and_training(tmp_path):
    import numpy as np
    import onnx

    from tests.compiler.onnx_models import quant_mlp

    model, _ = quant_mlp(np.random.default_rng(0), batch=8)
    onnx.save(model, tmp_path / "mlp.onnx")
    spec = load_spec(
        write_spec(
            tmp_path, 'workloads = ["mlp.onnx"]\nbatch = [8]\nmode = ["inference", "training"]\n'
        )
    )
    inference, training = (run_point(p) for p in spec.points())
    assert inference["error"] == training["error"] == ""
    assert inference["workload"] == "mlp.onnx"
    assert inference["macs"] == 8 * (20 * 24 + 24 * 12 + 12 * 5)
    # a training step adds the backward GEMMs (weight and input gradients, none into x)
    assert training["macs"] > 2 * inference["macs"]
    assert training["cycles"] > inference["cycles"]
