"""The results file of a sweep: one CSV, one row per finished point, appended as points finish.

Crash safety: every row is written whole and flushed at once, so a killed sweep (kill -9, a
lost machine after the OS wrote its buffers) leaves complete rows and at most one partial last
line. Opening the file again drops that partial line and reads the finished points' keys;
the sweep then computes only the others. Rows are in the order points finished; sort by
``index`` for the spec's order (`read_results` does).
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Any

from runtime.sweep_spec import SweepError

RESULTS_NAME = "results.csv"


class ResultsFile:
    """Append-only results with a fixed header; `done` holds the keys already in the file."""

    def __init__(self, path: Path, columns: list[str]) -> None:
        self.path = path
        self.columns = columns
        self.done: set[str] = set()
        if path.exists():
            self._recover()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_text_atomically(path, _line(columns))
        self._file = open(path, "a", newline="")

    def _recover(self) -> None:
        data = self.path.read_bytes()
        complete = data[: data.rfind(b"\n") + 1]  # a partial last line is an unfinished write
        if len(complete) != len(data):
            with open(self.path, "r+b") as f:
                f.truncate(len(complete))
        rows = list(csv.reader(io.StringIO(complete.decode())))
        if not rows:
            write_text_atomically(self.path, _line(self.columns))
            return
        if rows[0] != self.columns:
            raise SweepError(
                f"{self.path} holds results with other columns ({', '.join(rows[0][:8])}, ...); "
                "it belongs to a different sweep: choose another --out"
            )
        self.done = {row[0] for row in rows[1:] if len(row) == len(self.columns)}

    def append(self, row: dict[str, Any]) -> None:
        """Write one finished point and flush it to the OS before returning."""
        self._file.write(_line([_cell(row.get(c, "")) for c in self.columns]))
        self._file.flush()
        self.done.add(str(row["key"]))

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> ResultsFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_results(path: Path) -> list[dict[str, str]]:
    """The complete rows of a results file, in the spec's order (by ``index``)."""
    if not path.is_file():
        raise SweepError(f"no results at {path}: run the sweep first")
    data = path.read_text()
    data = data[: data.rfind("\n") + 1]
    rows = list(csv.DictReader(io.StringIO(data)))
    return sorted(rows, key=lambda r: int(r["index"]))


def _cell(v: Any) -> str:
    if isinstance(v, float):
        return repr(v)
    return " ".join(str(v).split())  # one line per row, whatever an error message holds


def _line(cells: list[str]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(cells)
    return buf.getvalue()


def write_text_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text``: readers see the old file or the new one, never half."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
