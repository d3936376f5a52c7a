"""`systolic sweep SPEC.toml`: a design-space sweep on Dask, resumable, with Pareto plots.

The results go to ``--out DIR`` (default ``runs/sweep-NAME``): ``results.csv`` (one row per
point, appended as points finish), ``spec.toml`` (the spec that made them). Running the same
command again resumes: finished points are skipped. docs/sweep.md walks through an example.
"""

from __future__ import annotations

import argparse
import time
import tomllib
from pathlib import Path
from typing import Any

from runtime.sweep_spec import SweepError, load_spec
from runtime.sweep_store import RESULTS_NAME, write_text_atomically

SPEC_COPY = "spec.toml"


def setup_sweep(p: argparse.ArgumentParser) -> None:
    p.add_argument("spec", metavar="SPEC.toml", help="the sweep specification (docs/sweep.md)")
    p.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="results directory; rerunning with the same DIR resumes (default: runs/sweep-NAME)",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="worker processes of the local Dask cluster (default: one per core)",
    )
    p.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="use the running Dask cluster at ADDRESS (tcp://host:8786) instead of a local one",
    )
    p.add_argument(
        "--plot",
        nargs="*",
        default=None,
        metavar="COLUMN",
        help="draw the Pareto frontier of two result columns X Y to DIR/pareto-X-Y.png and "
        "print it (default: cycles vs area, or cycles vs dram_bytes without an energy model)",
    )


def cmd_sweep(args: argparse.Namespace) -> None:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from runtime.render import make_console

    if args.plot is not None and len(args.plot) not in (0, 2):
        raise SweepError(f"--plot takes no column or two (X Y), not {len(args.plot)}")
    if args.workers is not None and args.workers < 1:
        raise SweepError(f"--workers must be at least 1, not {args.workers}")
    spec = load_spec(args.spec)
    out = Path(args.out) if args.out else Path("runs") / f"sweep-{spec.name}"
    _claim(out, Path(args.spec))
    console = make_console()
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[errors]} failed"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
    )
    task = progress.add_task(f"sweep {spec.name}", total=None, errors=0)
    failed = 0

    def on_start(todo: int, done: int) -> None:
        if done:
            console.print(f"resuming {out}: {done} point(s) already finished", highlight=False)
        if todo:
            progress.update(task, total=todo)
            progress.start()

    def on_point(row: dict[str, Any]) -> None:
        nonlocal failed
        failed += bool(row["error"])
        progress.update(task, advance=1, errors=failed)

    from runtime.sweep_cluster import run_sweep

    start = time.perf_counter()
    try:
        computed, done = run_sweep(spec, out, args.workers, args.scheduler, on_start, on_point)
    except KeyboardInterrupt:
        from runtime.cli_common import Interrupted

        raise Interrupted(
            f"interrupted; the finished points are in {out / RESULTS_NAME}: run the same "
            "command again to resume"
        ) from None
    finally:
        if progress.live.is_started:
            progress.stop()
    seconds = time.perf_counter() - start
    print(
        f"sweep {spec.name}: {computed + done} points ({computed} computed now in "
        f"{seconds:.1f} s, {done} already finished, {failed} failed now); "
        f"results in {out / RESULTS_NAME}"
    )
    if args.plot is not None:
        plot(spec, out, args.plot, console)


def plot(spec: Any, out: Path, axes: list[str], console: Any) -> None:
    from runtime.sweep_plot import default_axes, frontier_table, plot_frontiers
    from runtime.sweep_store import read_results

    rows = read_results(out / RESULTS_NAME)
    x, y = axes if axes else default_axes(list(rows[0]) if rows else [])
    png = out / f"pareto-{x}-{y}.png"
    fronts = plot_frontiers(rows, x, y, png, f"sweep {spec.name}: {x} vs {y}")
    console.print(frontier_table(fronts, x, y, [f for f, _ in spec.grid]))
    print(f"wrote {png}")


def _claim(out: Path, spec: Path) -> None:
    """Keep a copy of the spec in ``out``; refuse a directory that holds another sweep."""
    text = spec.read_bytes()
    copy = out / SPEC_COPY
    # compared as TOML values: editing the spec's comments or layout does not stop a resume
    if copy.exists() and tomllib.loads(copy.read_text()) != tomllib.loads(text.decode()):
        raise SweepError(
            f"{out} holds the results of a different spec ({copy} differs from {spec}); "
            "choose another --out, or restore that spec to resume it"
        )
    out.mkdir(parents=True, exist_ok=True)
    if not copy.exists():
        write_text_atomically(copy, text.decode())
