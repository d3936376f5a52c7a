"""`systolic train --chips N [--system FILE|PRESET]`: data-parallel training on a system.

The model, data, optimizer and schedule settings are those of `systolic train`; the global
batch (``--batch-size``) is split over the chips. ``--system`` names a system preset
(chip/presets/systems/) or TOML file; ``--chips N`` alone makes a ring of N copies of
``--chip`` with the links of `DEFAULT_LINK`. With ``--workers`` each chip runs in a worker
process of its own (opt-in: on this project's shared 2-core machine they were not faster,
BENCHMARKS.md; they need a free core per chip to gain). The run
directory receives ``system.json`` (the settings, per-epoch loss and accuracy, every step's
cycles and the first step's system report) and ``system_trace.json`` (the first step, one
Perfetto process per chip).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from chip.config import ChipConfig
from chip.system import SystemConfig, ring
from runtime.cli_common import optimizer_options
from runtime.files import atomic_write_bytes

# Links of a ring made by --chips alone: the ring4-edge preset's (32 bytes/cycle, 200 cycles).
DEFAULT_LINK = (32, 200)
SYSTEM_FILE, SYSTEM_TRACE = "system.json", "system_trace.json"


class SystemCommandError(ValueError):
    """A --chips/--system setting that cannot be used."""


def add_system_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--chips",
        type=int,
        default=None,
        metavar="N",
        help="train data-parallel on N chips (a ring of --chip unless --system says otherwise)",
    )
    p.add_argument(
        "--system",
        default=None,
        metavar="FILE|PRESET",
        help="the system of chips: a TOML file with a [system] table or a preset "
        "(ring4-edge, torus8-train128)",
    )
    p.add_argument(
        "--overlap",
        action="store_true",
        help="overlap the gradient all-reduce with the backward pass (a quarter of the "
        "accumulator is reserved for it)",
    )
    p.add_argument(
        "--workers",
        action="store_true",
        help="run each chip in a worker process of its own (default: all in this process; "
        "workers help only with a free core per chip)",
    )


def wants_system(args: argparse.Namespace) -> bool:
    return getattr(args, "chips", None) is not None or getattr(args, "system", None) is not None


def load_system(args: argparse.Namespace, chip: ChipConfig, chip_given: bool) -> SystemConfig:
    """The system --chips/--system describe (see the module docstring)."""
    if args.system is None:
        if args.chips < 1:
            raise SystemCommandError(f"--chips must be at least 1, not {args.chips}")
        return ring(chip, args.chips, *DEFAULT_LINK)
    system = SystemConfig.from_toml(args.system)
    if args.chips is not None and args.chips != system.chips:
        raise SystemCommandError(
            f"--chips {args.chips} contradicts --system {args.system} ({system.chips} chips)"
        )
    if chip_given and chip != system.chip:
        raise SystemCommandError(
            f"--chip {chip.name} contradicts --system {args.system} (chip {system.chip.name})"
        )
    return system


def train_on_system(
    args: argparse.Namespace, s: dict[str, Any], chip: ChipConfig, run_dir: Path
) -> None:
    """Compile the data-parallel step, train, write the run directory and print the report."""
    from compiler.data_parallel import compile_data_parallel
    from runtime.data import load_dataset
    from runtime.models import compile_model, forward_graph, select_output, train_spec
    from runtime.system_report import system_report, trace_events
    from runtime.system_train import SystemRunner, train_system
    from runtime.train import Schedule, TrainSettings

    if args.resume is not None:
        raise SystemCommandError("--resume is not available with --chips/--system yet")
    if s["sampled_timing"]:
        raise SystemCommandError("--sampled-timing is not available with --chips/--system")
    system = load_system(args, chip, args.chip is not None)
    data = load_dataset(s["dataset"], seed=s["seed"])
    settings = TrainSettings(
        epochs=s["epochs"],
        lr=s["lr"],
        schedule=Schedule(s["schedule"]),
        seed=s["seed"],
        warmup=s["warmup"],
    )
    spec = train_spec(s["loss"], s["optimizer"], s["lr"], **optimizer_options(s))
    batch = s["batch_size"]
    if batch % system.chips:
        raise SystemCommandError(
            f"--batch-size {batch} must be a multiple of the {system.chips} chips"
        )
    graph = select_output(forward_graph(s["model"], batch // system.chips), s["output"], s["model"])
    step = compile_data_parallel(graph, system, batch, spec, overlap=args.overlap)
    if args.overlap and not step.overlap:
        print("overlap: no all-reduce step fits inside the backward pass; the plain schedule runs")
    evaluation = compile_model(
        s["model"], system.chip, batch, quantize="dynamic", output=s["output"]
    )
    runner = SystemRunner(
        step, spec.optimizer, s["fidelity"], workers=system.chips > 1 and args.workers
    )

    def progress(number: int, loss: float, cycles: int) -> None:
        print(f"step {number}: loss {loss:.4f}, {cycles:,} cycles", flush=True)

    try:
        report = train_system(runner, data, settings, evaluation, on_step=progress)
    finally:
        runner.close()
    assert report.first_step is not None
    first = system_report(system, report.first_step)
    run_dir.mkdir(parents=True, exist_ok=True)
    doc = {
        "settings": {**s, "chips": system.chips, "system": system.name, "overlap": step.overlap},
        "loss": report.losses,
        "train_accuracy": report.train_accuracy,
        "test_accuracy": report.test_accuracy,
        "step_cycles": report.step_cycles,
        "first_step": first.to_json(),
    }
    atomic_write_bytes(run_dir / SYSTEM_FILE, json.dumps(doc, indent=1).encode())
    trace = {"traceEvents": trace_events(system, report.first_step), "displayTimeUnit": "ns"}
    atomic_write_bytes(run_dir / SYSTEM_TRACE, json.dumps(trace).encode())
    print(first.render())
    acc = report.test_accuracy[-1]
    print(
        f"final loss {report.losses[-1]:.4f}, train accuracy {100 * report.train_accuracy[-1]:.2f}%"
        + ("" if acc is None else f", test accuracy {100 * acc:.2f}%")
    )
    print(f"run directory {run_dir}: {SYSTEM_FILE}, {SYSTEM_TRACE} ({report.host_seconds:.1f} s)")
