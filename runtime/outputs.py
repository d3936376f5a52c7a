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

from chip.program import Program
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


def read_report(directory: Path) -> RunReport:
    """The `RunReport` stored in a run directory; `ValueError` says what is wrong."""
    path = directory / REPORT_NAME if directory.is_dir() else directory
    if not path.is_file():
        raise ValueError(
            f"no report at {path}; give a run directory written by "
            "`systolic train` or `systolic run`"
        )
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"{path} is not a readable report: {e}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path} is not a report (expected a JSON object)")
    try:
        return RunReport.from_json(data)
    except ValueError as e:
        raise ValueError(f"{path}: {e}") from None
