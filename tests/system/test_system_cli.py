"""`systolic train --chips/--system`: the run directory, the report, the one-line errors."""

from __future__ import annotations

import json

import pytest

from runtime.cli import main


def _run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_train_on_two_chips_writes_report_and_trace(capsys, tmp_path) -> None:
    out_dir = tmp_path / "run"
    code, out, err = _run(
        capsys, "train", "--model", "mlp", "--chips", "2", "--epochs", "1",
        "--batch-size", "64", "--workers", "--out", out_dir,
    )  # fmt: skip
    assert code == 0, err
    assert "system ring2-edge: 2 chips" in out and "test accuracy" in out
    doc = json.loads((out_dir / "system.json").read_text())
    first = doc["first_step"]
    assert first["chips"] == 2 and len(first["per_chip"]) == 2
    assert all(link["bytes"] > 0 for link in first["links"])
    assert doc["test_accuracy"][0] > 0.5  # one epoch of the MLP on digits learns something
    assert len(set(doc["step_cycles"])) == 1  # timing does not depend on the data
    trace = json.loads((out_dir / "system_trace.json").read_text())["traceEvents"]
    names = {e["args"]["name"] for e in trace if e["name"] == "process_name"}
    assert names == {"chip 0", "chip 1"}
    assert {e["pid"] for e in trace if e["ph"] == "X"} == {1, 2}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--chips", "3", "--batch-size", "32"],
            "--batch-size 32 must be a multiple of the 3 chips",
        ),
        (["--chips", "0"], "--chips must be at least 1, not 0"),
        (["--system", "ring4-edge", "--chips", "2"], "--chips 2 contradicts --system ring4-edge"),
        (["--system", "nope"], "unknown system 'nope'"),
        (["--system", "ring4-edge", "--chip", "tiny"], "--chip tiny contradicts --system"),
    ],
)
def test_bad_system_settings_are_one_line_errors(capsys, tmp_path, argv, message) -> None:
    code, out, err = _run(capsys, "train", "--epochs", "1", "--out", tmp_path / "r", *argv)
    assert code == 1, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], err
