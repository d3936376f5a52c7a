"""The training progress bar (rich): steps of the current epoch, loss, learning rate, cycles."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from runtime.render import make_console
from runtime.report import EpochReport
from runtime.train import StepEvent


class TrainProgress:
    """A context manager whose `step` and `epoch` methods are the `Trainer`'s callbacks."""

    def __init__(self, model: str, chip: str, epochs: int, console: Console | None = None):
        self.console = console or make_console()
        self.epochs = epochs
        self.title = f"{model} on {chip}"
        self.bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn(
                "loss {task.fields[loss]}  lr {task.fields[lr]}  {task.fields[cycles]} cycles/step"
            ),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=self.console,
            transient=True,
        )
        self.task = self.bar.add_task(self.title, total=None, loss="-", lr="-", cycles="-")

    def __enter__(self) -> TrainProgress:
        self.bar.__enter__()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.bar.__exit__(kind, exc, tb)

    def step(self, e: StepEvent) -> None:
        self.bar.update(
            self.task,
            completed=e.step,
            total=e.steps_per_epoch,
            description=f"{self.title} epoch {e.epoch + 1}/{self.epochs}",
            loss=f"{e.loss:.4f}",
            lr=f"{e.lr:.3g}",
            cycles=f"{e.cycles:,}",
        )

    def epoch(self, r: EpochReport) -> None:
        test = "" if r.test_accuracy is None else f", test accuracy {100 * r.test_accuracy:.2f}%"
        cycles = f", {r.train.cycles:,} cycles" if r.train.timed else ""
        self.console.print(
            f"epoch {r.epoch}/{self.epochs}: loss {r.loss:.4f}, train accuracy "
            f"{100 * r.train_accuracy:.2f}%{test}{cycles}"
        )
