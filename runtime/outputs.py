"""The run directory: what every run leaves behind, each file written atomically.

- ``report.json``: `RunReport.to_json()` (schema in docs/report.md)
- ``layers.csv``: one row per (layer, phase)
- ``trace.json``: Chrome/Perfetto trace of one traced run (when the machine traced one)
- ``*.png``: plots (runtime/plots.py)
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from chip.program import Phase, Program
from runtime.files import atomic_write_bytes
from runtime.render import layers_csv
from runtime.report import RunReport
from runtime.trace import write_trace

REPORT_NAME = "report.json"
LAYERS_NAME = "layers.csv"
TRACE_NAME = "trace.json"


def write_run_dir(
    directory: Path,
    report: RunReport,
    program: Program | None = None,
    events: Iterable[Any] = (),
    plots: bool = True,
) -> list[Path]:
    """Write the report files (and the trace, if ``events``) into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    written = [directory / REPORT_NAME, directory / LAYERS_NAME]
    atomic_write_bytes(written[0], json.dumps(report.to_json(), indent=1).encode())
    atomic_write_bytes(written[1], layers_csv(report).encode())
    events = list(events)
    if program is not None and events:
        written.append(
            write_trace(
                directory / TRACE_NAME,
                program,
                events,
                {"program": report.program, "fidelity": report.fidelity},
            )
        )
    if plots:
        from runtime.plots import write_plots  # matplotlib is slow to import; only when needed

        written += write_plots(report, directory)
    return written


class ReportError(ValueError):
    """A run directory or report file that cannot be read: names the file and the field."""


MAX_REPORT_BYTES = 64 << 20  # a training report of thousands of epochs is a few MiB


def read_report(directory: Path) -> RunReport:
    """The `RunReport` stored in a run directory (or a report file); `ReportError` says what
    is wrong. The file's size is checked before it is read, and every counter's type after."""
    path = directory / REPORT_NAME if directory.is_dir() else directory
    if path.is_dir():
        raise ReportError(f"{path} is a directory, not a report file")
    if not path.is_file():
        raise ReportError(
            f"no report at {path}; give a run directory written by "
            "`systolic train` or `systolic run`"
        )
    size = path.stat().st_size
    if size > MAX_REPORT_BYTES:
        raise ReportError(f"{path} is {size} bytes; a report is at most {MAX_REPORT_BYTES}")
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        raise ReportError(f"{path} is not a readable report: {e}") from None
    if not isinstance(data, dict):
        raise ReportError(f"{path} is not a report (expected a JSON object)")
    try:
        report = RunReport.from_json(data)
    except (ValueError, AttributeError) as e:
        raise ReportError(f"{path}: {e}") from None
    _check_report(report, path)
    return report


def _check_report(report: RunReport, path: Path) -> None:
    """Every accuracy a number and every layer a (name, phase): what the renderers rely on.
    The counters' own fields are checked as they are read (`Counters.from_dict`)."""
    for k, e in enumerate(report.epochs):
        for name in ("loss", "train_accuracy", "test_accuracy"):
            v = getattr(e, name)
            if not (v is None and name == "test_accuracy") and not _number(v):
                raise ReportError(f"{path}: epochs[{k}].{name} must be a number, not {v!r}")
    for k, lr in enumerate(report.layers):
        if not isinstance(lr.layer, str) or lr.phase not in {p.value for p in Phase}:
            raise ReportError(f"{path}: layers[{k}] has no valid layer name and phase")


def _number(v: object) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)
