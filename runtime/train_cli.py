"""`systolic train`: its options, the run's settings (given, or read back from run.json to
resume) with their checks, and the training run on one chip.

Training on several chips is runtime/system_cli.py's; the loop itself is runtime/train.py's.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from chip.config import DEFAULT_PRESET
from chip.fidelity import Fidelity
from runtime.backend import RunResult
from runtime.checkpoint import CHECKPOINT_NAME
from runtime.checkpoint import verify as verify_checkpoint
from runtime.cli_common import (
    MAX_BATCH,
    MAX_EPOCHS,
    MAX_SEED,
    CommandError,
    Interrupted,
    add_chip,
    add_loss_and_optimizer_options,
    check_int,
    check_rate,
    load_chip,
    next_free_dir,
    optimizer_options,
)
from runtime.files import atomic_write_bytes, remove_stale_temporaries
from runtime.outputs import REPORT_NAME, TRACE_NAME, write_run_dir
from runtime.render import print_report
from runtime.system_cli import add_system_args, train_on_system, wants_system
from runtime.trace import write_trace


def setup_train(p: argparse.ArgumentParser) -> None:
    from runtime.models import OPTIMIZERS, model_names

    p.add_argument(
        "--model",
        default=None,
        metavar="NAME|FILE.onnx",
        help=f"zoo model ({', '.join(model_names()[:3])}) or an ONNX file (default: mlp)",
    )
    p.add_argument(
        "--dataset",
        default=None,
        metavar="digits|FILE.npz",
        help="digits (scikit-learn, default) or an .npz with arrays x, y [, x_test, y_test]",
    )
    add_chip(p)
    p.add_argument("--epochs", type=int, default=None)
    p.add_argument("--batch-size", type=int, default=None)
    p.add_argument("--optimizer", choices=OPTIMIZERS, default=None)
    p.add_argument("--lr", type=float, default=None, help="peak learning rate")
    p.add_argument(
        "--schedule",
        choices=("constant", "cosine", "step"),
        default=None,
        help="learning-rate schedule (default: per model)",
    )
    p.add_argument(
        "--warmup",
        type=int,
        default=None,
        metavar="STEPS",
        help="linear learning-rate warm-up over the first STEPS steps (default: 0)",
    )
    add_loss_and_optimizer_options(p)
    p.add_argument(
        "--output",
        default=None,
        metavar="NAME",
        help="the model output that holds the logits (needed when it has several)",
    )
    p.add_argument(
        "--fidelity",
        choices=TRAIN_FIDELITIES,
        default=None,
        help="fast: every step on the cycle-level machine; pe: the same, every PE "
        "every cycle; functional: values only, no cycles (default: fast)",
    )
    p.add_argument(
        "--sampled-timing",
        action="store_true",
        default=None,
        help="values on the functional model, cycles measured at --fidelity (fast or pe) "
        "for two steps and applied to all (checked to be data-independent)",
    )
    p.add_argument("--seed", type=int, default=None, help="data split and shuffling seed")
    p.add_argument(
        "--checkpoint-every",
        type=int,
        default=None,
        metavar="STEPS",
        help="also checkpoint every STEPS steps (default: every epoch)",
    )
    p.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="run directory (default: runs/MODEL-N, the first free N)",
    )
    p.add_argument(
        "--resume",
        default=None,
        metavar="DIR",
        help="continue the run in DIR from its last checkpoint (settings come from DIR/run.json)",
    )
    p.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    add_system_args(p)


TRAIN_FIDELITIES = tuple(f.value for f in Fidelity if f is not Fidelity.RTL)
TRAIN_SETTINGS = (
    "model",
    "dataset",
    "chip",
    "dtype",
    "epochs",
    "batch_size",
    "optimizer",
    "lr",
    "schedule",
    "fidelity",
    "sampled_timing",
    "seed",
    "checkpoint_every",
    "warmup",
    "loss",
    "weight_decay",
    "momentum",
    "nesterov",
    "beta1",
    "beta2",
    "eps",
    "alpha",
    "centered",
    "lr_decay",
    "output",
)
# settings added after the first run.json files: their values when a file lacks them
LATER_SETTINGS = {k: None for k in TRAIN_SETTINGS[TRAIN_SETTINGS.index("loss") :]} | {
    "warmup": 0,
    "loss": "ce",
}
RUN_FILE = "run.json"


def _train_settings(args: argparse.Namespace) -> tuple[dict[str, Any], Path, bool]:
    """The run's settings, its directory and whether it resumes."""
    from runtime.models import defaults

    given = {k: getattr(args, k) for k in TRAIN_SETTINGS if getattr(args, k) is not None}
    if args.resume is not None:
        run_dir = Path(args.resume)
        if args.out is not None:
            raise CommandError("--resume DIR continues the run in DIR; drop --out")
        if given:
            raise CommandError(
                f"--resume takes every setting from {run_dir / RUN_FILE}; drop "
                f"{', '.join('--' + k.replace('_', '-') for k in given)}"
            )
        path = run_dir / RUN_FILE
        if not path.is_file():
            raise CommandError(
                f"{run_dir} is not a run directory (no {RUN_FILE}); nothing to resume"
            )
        try:
            settings = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as e:
            raise CommandError(f"{path} is unreadable: {e}") from None
        if isinstance(settings, dict) and "sampled_timing" not in settings:
            # run.json of earlier versions: sampled timing was the fidelity "sampled"
            settings["sampled_timing"] = settings.get("fidelity") == "sampled"
            if settings["sampled_timing"]:
                settings["fidelity"] = Fidelity.FAST.value
        if isinstance(settings, dict):
            settings = {**LATER_SETTINGS, **settings}
        if not isinstance(settings, dict) or set(settings) != set(TRAIN_SETTINGS):
            raise CommandError(f"{path} is not a run settings file written by systolic train")
        check_train_settings(settings, lambda k: f"{path}: {k}")
        return settings, run_dir, True
    model = given.get("model", "mlp")
    d = defaults(model)
    settings = {
        "model": model,
        "dataset": "digits",
        "chip": DEFAULT_PRESET,
        "dtype": None,
        "epochs": d.epochs,
        "batch_size": d.batch_size,
        "optimizer": d.optimizer,
        "lr": d.lr,
        "schedule": d.schedule,
        "fidelity": d.fidelity,
        "sampled_timing": False,
        "seed": 0,
        "checkpoint_every": 0,
        **LATER_SETTINGS,
        **given,
    }
    check_train_settings(settings, lambda k: "--" + k.replace("_", "-"))
    if args.out is None:
        run_dir = next_free_dir(f"runs/{Path(model).stem}")
    else:
        run_dir = Path(args.out)
        if (run_dir / CHECKPOINT_NAME).exists() or (run_dir / REPORT_NAME).exists():
            raise CommandError(
                f"{run_dir} already holds a run; continue it with --resume "
                f"{run_dir}, or choose another --out"
            )
    return settings, run_dir, False


def check_train_settings(s: dict[str, Any], name: Callable[[str], str]) -> None:
    """Every training setting's type and range, before anything is loaded or compiled;
    ``name`` turns a setting's key into what the message calls it (option or file field)."""
    from runtime.models import OPTIMIZERS

    for key in ("model", "dataset", "chip"):
        if not isinstance(s[key], str) or not s[key]:
            raise CommandError(f"{name(key)} must be a non-empty string, not {s[key]!r}")
    choices = {
        "dtype": (None, "bf16", "fp32", "int8"),
        "optimizer": OPTIMIZERS,
        "schedule": ("constant", "cosine", "step"),
        "fidelity": TRAIN_FIDELITIES,
    }
    for key, allowed in choices.items():
        if s[key] not in allowed:
            raise CommandError(
                f"{name(key)} must be one of {', '.join(str(a) for a in allowed)}, not {s[key]!r}"
            )
    check_int(s["epochs"], name("epochs"), 1, MAX_EPOCHS)
    check_int(s["batch_size"], name("batch_size"), 1, MAX_BATCH)
    check_int(s["seed"], name("seed"), 0, MAX_SEED)
    check_int(s["checkpoint_every"], name("checkpoint_every"), 0, MAX_EPOCHS * 1_000_000)
    check_rate(s["lr"], name("lr"))
    if s["output"] is not None and (not isinstance(s["output"], str) or not s["output"]):
        raise CommandError(f"{name('output')} must be a non-empty string, not {s['output']!r}")


def cmd_train(args: argparse.Namespace) -> None:
    from runtime.data import load_dataset
    from runtime.models import compile_model, train_spec
    from runtime.progress import TrainProgress
    from runtime.train import Schedule, Trainer, TrainSettings

    s, run_dir, resume = _train_settings(args)
    if wants_system(args):  # data-parallel on several chips: runtime/system_cli.py
        train_on_system(args, s, load_chip(s["chip"], s["dtype"]), run_dir)
        return
    if resume and (run_dir / CHECKPOINT_NAME).exists():
        verify_checkpoint(run_dir)  # before the compiles: a bad checkpoint is refused at once
    chip = load_chip(s["chip"], s["dtype"])
    sampled = bool(s["sampled_timing"])
    machine = Fidelity.parse(s["fidelity"])
    if sampled and not machine.on_machine:
        raise CommandError(
            f"--sampled-timing measures cycles at --fidelity fast or pe, not {machine.value}"
        )
    fidelity = Fidelity.FUNCTIONAL if sampled else machine
    data = load_dataset(s["dataset"], seed=s["seed"])
    settings = TrainSettings(
        epochs=s["epochs"],
        lr=s["lr"],
        schedule=Schedule(s["schedule"]),
        seed=s["seed"],
        checkpoint_every=s["checkpoint_every"],
        warmup=s["warmup"],
    )
    if s["batch_size"] > len(data.x_train):
        raise CommandError(
            f"batch size {s['batch_size']} is larger than the {len(data.x_train)} training "
            f"samples of {s['dataset']}"
        )
    spec = train_spec(s["loss"], s["optimizer"], s["lr"], **optimizer_options(s))
    step = compile_model(s["model"], chip, s["batch_size"], spec, output=s["output"])
    # dynamic on int8 chips: the evaluation program reads the step's fp32 weights
    evaluation = compile_model(
        s["model"], chip, s["batch_size"], quantize="dynamic", output=s["output"]
    )
    run_dir.mkdir(parents=True, exist_ok=True)
    if resume:
        remove_stale_temporaries(run_dir)  # left by a process killed while writing
        if not (run_dir / CHECKPOINT_NAME).exists():
            print(f"no checkpoint in {run_dir} yet: starting the run over", file=sys.stderr)
            resume = False
    else:
        atomic_write_bytes(run_dir / RUN_FILE, json.dumps(s, indent=1).encode())
    name = Path(s["model"]).stem

    def save_trace(first: RunResult) -> None:  # before the first checkpoint: resumes keep it
        if first.events:
            meta = {"program": name, "fidelity": trainer.fidelity_label}
            write_trace(run_dir / TRACE_NAME, step, first.events, meta)

    with TrainProgress(name, chip.name, settings.epochs) as bar:
        trainer = Trainer(
            step,
            evaluation,
            data,
            settings,
            fidelity,
            run_dir,
            name,
            on_step=bar.step,
            on_epoch=bar.epoch,
            trace_first_step=fidelity.has_cycles or sampled,
            timing=machine if sampled else None,
            on_first_step=save_trace,
            optimizer=spec.optimizer,
        )
        try:
            result = trainer.run(resume=resume)
        except KeyboardInterrupt:
            if not (run_dir / CHECKPOINT_NAME).exists():
                raise Interrupted(
                    "interrupted before the first checkpoint (the end of epoch "
                    f"1, or --checkpoint-every STEPS); `systolic train --resume {run_dir}` "
                    "starts the run over"
                ) from None
            raise Interrupted(
                f"interrupted; the last checkpoint is in {run_dir}: continue with "
                f"`systolic train --resume {run_dir}`"
            ) from None
    written = write_run_dir(run_dir, result.report, plots=not args.no_plots)
    if (run_dir / TRACE_NAME).exists():
        written.append(run_dir / TRACE_NAME)
    print_report(result.report)
    print(
        f"run directory {run_dir}: " + ", ".join(p.name for p in written),
        f"({result.host_seconds:.1f} s on the host this session)",
    )
