"""What a training run has done so far, and how it is counted, saved and restored.

`Progress` is where `runtime.train.Trainer`'s loop is and what it has accumulated: exactly what
a checkpoint saves, next to the chip's tensors and the fingerprints of what the run trains (so
that a checkpoint is never resumed into a different run). `RunGroups` adds up the counters of
runs that counted the same work with one multiplication instead of an addition per run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chip.config import ChipConfig
from chip.counters import Counters
from chip.program import Phase, Tag
from runtime import checkpoint as ckpt
from runtime.backend import Backend
from runtime.report import EpochReport, add_by_tag

Totals = tuple[Counters | None, dict[Tag, Counters] | None]  # some runs' work: in all, per tag


@dataclass
class Progress:
    """Where the loop is and what it has accumulated; exactly what a checkpoint saves."""

    epoch: int = 0
    step: int = 0  # full steps done in the current epoch
    global_step: int = 0
    epochs: list[EpochReport] = field(default_factory=list)
    work: Counters = field(default_factory=Counters)  # current epoch's training work
    loss_sum: float = 0.0
    step_losses: list[float] = field(default_factory=list)
    correct: int = 0
    seen: int = 0
    by_tag: dict[Tag, Counters] = field(default_factory=dict)
    to_chip: int = 0
    from_chip: int = 0

    def to_json(self, chip: ChipConfig) -> dict[str, Any]:
        return {
            "epoch": self.epoch,
            "step": self.step,
            "global_step": self.global_step,
            "epochs": [e.to_json(chip) for e in self.epochs],
            "work": self.work.to_dict(),
            "loss_sum": self.loss_sum,
            "step_losses": self.step_losses,
            "correct": self.correct,
            "seen": self.seen,
            "by_tag": [[t.layer, t.phase.value, w.to_dict()] for t, w in self.by_tag.items()],
            "to_chip": self.to_chip,
            "from_chip": self.from_chip,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Progress:
        return cls(
            int(d["epoch"]),
            int(d["step"]),
            int(d["global_step"]),
            [EpochReport.from_json(e) for e in d["epochs"]],
            Counters.from_dict(d["work"]),
            float(d["loss_sum"]),
            [float(v) for v in d["step_losses"]],
            int(d["correct"]),
            int(d["seen"]),
            {Tag(layer, Phase(phase)): Counters.from_dict(w) for layer, phase, w in d["by_tag"]},
            int(d["to_chip"]),
            int(d["from_chip"]),
        )

    def add(self, totals: Totals | None) -> None:
        """Add some runs' work (`RunGroups`) to the epoch's work and the per-tag totals."""
        if totals is not None:
            work, by_tag = totals
            if work is not None:
                self.work = self.work + work
            if by_tag is not None:
                self.by_tag = add_by_tag(self.by_tag, by_tag)


class RunGroups:
    """Consecutive runs that counted the same work, kept as one group and counts until they
    are added up: a compiled program's counters do not depend on data, so a training loop's
    steps all count the same and their sum is one multiplication instead of an addition of
    every tag's counters per step. The whole-run work and the per-tag work are taken apart
    (an epoch needs its work; the per-tag totals are needed only by a checkpoint or the
    report), each equal to adding every run's counters in order (all counts are integers)."""

    def __init__(self) -> None:
        self.work: Counters | None = None
        self.by_tag: dict[Tag, Counters] = {}
        self.n = 0  # runs of the group not yet in a `take_work`
        self.n_tags = 0  # runs of the group not yet in a `take_tags`

    def add(self, work: Counters, by_tag: dict[Tag, Counters]) -> Totals | None:
        """Count one run; returns the previous group's untaken totals if this run starts a
        new one."""
        if self.work is not None and work == self.work and by_tag == self.by_tag:
            self.n += 1
            self.n_tags += 1
            return None
        done = self.take_work(), self.take_tags()
        self.work, self.by_tag, self.n, self.n_tags = work, by_tag, 1, 1
        return done

    def take_work(self) -> Counters | None:
        """The work of the runs counted since the last `take_work` (None if none)."""
        if not self.n:
            return None
        assert self.work is not None
        n, self.n = self.n, 0
        return self.work.times(n)

    def take_tags(self) -> dict[Tag, Counters] | None:
        """The per-tag work of the runs counted since the last `take_tags` (None if none)."""
        if not self.n_tags:
            return None
        n, self.n_tags = self.n_tags, 0
        return {t: c.times(n) for t, c in self.by_tag.items()}


def save_checkpoint(
    run_dir: Path,
    backend: Backend,
    progress: Progress,
    fingerprints: dict[str, Any],
    chip: ChipConfig,
) -> None:
    """Save the backend's tensors and ``progress`` (with the ``fingerprints`` of what the run
    trains) as the checkpoint of ``run_dir``."""
    meta = {"fingerprints": fingerprints, "progress": progress.to_json(chip)}
    ckpt.save(run_dir, ckpt.Checkpoint(backend.snapshot(), meta))


def load_checkpoint(run_dir: Path, backend: Backend, fingerprints: dict[str, Any]) -> Progress:
    """Restore the checkpoint of ``run_dir`` into ``backend``; return its progress. Raise
    `CheckpointError` if it belongs to a run with other ``fingerprints`` or is malformed."""
    c = ckpt.load(run_dir)
    saved = c.meta.get("fingerprints", {})
    changed = [k for k in fingerprints if saved.get(k) != fingerprints[k]]
    if changed:
        raise ckpt.CheckpointError(
            f"the checkpoint in {run_dir} belongs to a different run "
            f"({', '.join(changed)} changed); start a new run directory instead"
        )
    try:
        backend.restore(c.tensors)
        return Progress.from_json(c.meta["progress"])
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as e:
        raise ckpt.CheckpointError(f"checkpoint in {run_dir} is malformed: {e}") from None
