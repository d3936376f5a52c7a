"""Running a sweep's points on Dask and streaming their rows into the results file.

By default a `dask.distributed.LocalCluster` on the loopback interface with one single-threaded
worker process per core (the machine runs Python and numba on one thread; processes, not
threads, give the parallelism). ``scheduler`` connects to a running cluster instead (started by
dask-jobqueue on Slurm/PBS, dask-kubernetes, or ``dask scheduler`` / ``dask worker`` by hand;
the workers need this package importable: docs/sweep.md). Rows are written by this process as
points finish, so the results never depend on how many workers there are or which ran what.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from runtime.sweep_run import HOST_COLUMNS, METRICS, error_row, run_point
from runtime.sweep_spec import Point, SweepError, SweepSpec
from runtime.sweep_store import RESULTS_NAME, ResultsFile


def default_workers() -> int:
    """One worker per core this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def columns(spec: SweepSpec) -> list[str]:
    """The results file's header: identity, the swept fields, the measurements, host times."""
    knobs = [field for field, _ in spec.grid]
    return ["key", "index", "workload", "mode", "batch", *knobs, *METRICS, *HOST_COLUMNS, "error"]


@contextmanager
def dask_client(workers: int | None, scheduler: str | None) -> Iterator[Any]:
    """A `distributed.Client` on a new local cluster, or on the cluster at ``scheduler``."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as e:
        raise SweepError(
            f"sweeps need dask.distributed ({e}): pip install 'dask[distributed]'"
        ) from None
    if scheduler is not None:
        if workers is not None:
            raise SweepError(
                "--workers starts a local cluster; with --scheduler the cluster's "
                "own workers run the points"
            )
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, ValueError, TypeError) as e:  # unreachable, or not an address
            raise SweepError(f"cannot reach the Dask scheduler at {scheduler}: {e}") from None
        with client:
            yield client
        return
    n = default_workers() if workers is None else workers
    if n < 1:
        raise SweepError(f"--workers must be at least 1, not {n}")
    cluster = LocalCluster(
        n_workers=n,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        memory_limit=0,  # the machine's memory; Dask's default pauses workers at 80% of 1/n
        silence_logs=logging.CRITICAL,  # failures reach the rows; worker logs add only noise
    )
    with cluster, Client(cluster) as client:
        yield client


def run_sweep(
    spec: SweepSpec,
    out: Path,
    workers: int | None = None,
    scheduler: str | None = None,
    on_start: Callable[[int, int], None] | None = None,
    on_point: Callable[[dict[str, Any]], None] | None = None,
) -> tuple[int, int]:
    """Compute the spec's points not yet in ``out``/results.csv, appending each row as its
    point finishes. Returns (points computed now, points found already finished).
    ``on_start(todo, done)`` (once the cluster is up) and ``on_point(row)`` report progress."""
    points = spec.points()
    with ResultsFile(out / RESULTS_NAME, columns(spec)) as store:
        todo = [p for p in points if p.key not in store.done]
        done = len(points) - len(todo)
        if not todo:
            if on_start is not None:
                on_start(0, done)
            return 0, done
        with dask_client(workers, scheduler) as client:
            if on_start is not None:
                on_start(len(todo), done)
            _stream(client, todo, store, on_point)
    return len(todo), done


def _stream(
    client: Any,
    todo: list[Point],
    store: ResultsFile,
    on_point: Callable[[dict[str, Any]], None] | None,
) -> None:
    from distributed import as_completed

    # Distinct keys: two points never share a task, whatever Dask's hashing of the arguments.
    futures = [client.submit(run_point, p, key=f"point-{p.key}", pure=False) for p in todo]
    by_future = dict(zip(futures, todo, strict=True))
    try:
        for future in as_completed(futures):
            try:
                row = future.result()
            except Exception as e:  # noqa: BLE001 - a worker lost under the point (killed, OOM)
                p = by_future[future]
                row = error_row(p, f"{type(e).__name__}: {e}")
            store.append(row)
            if on_point is not None:
                on_point(row)
    finally:
        client.cancel(futures)
