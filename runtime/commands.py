"""The subcommands of `systolic`: argument definitions and what each one does.

runtime/cli.py turns every error raised here into one line on stderr; this module only raises.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from chip.archive import check_file, load_npy
from chip.config import DEFAULT_PRESET, ChipConfig, preset_names
from chip.dtypes import DType
from chip.energy import Block, area_of, busy_power_w, peak_tops_per_watt
from chip.fidelity import Fidelity
from chip.program import Program, TensorKind, TensorRole
from runtime.backend import Backend, RunResult
from runtime.checkpoint import CHECKPOINT_NAME
from runtime.checkpoint import verify as verify_checkpoint
from runtime.files import (
    atomic_open,
    atomic_write_bytes,
    output_file_names,
    remove_stale_temporaries,
)
from runtime.outputs import REPORT_NAME, TRACE_NAME, read_report, write_run_dir
from runtime.render import layers_csv, make_console, print_report
from runtime.report import RunReport, layer_reports
from runtime.scalesim_cli import cmd_scalesim, setup_scalesim
from runtime.sweep_cli import cmd_sweep, setup_sweep
from runtime.system_cli import add_system_args, train_on_system, wants_system
from runtime.trace import write_trace


class CommandError(ValueError):
    """A command that cannot do what was asked; the message says what to do instead."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during a command, with a message saying how to continue."""


def load_chip(text: str, dtype: str | None = None) -> ChipConfig:
    chip = ChipConfig.from_toml(text)
    return chip.replace(input_dtype=DType.parse(dtype)) if dtype else chip


def load_program(path: str) -> Program:
    return Program.load(path)


def save_program(program: Program, path: Path) -> None:
    """Save atomically: a failed save leaves any previous file at ``path`` untouched."""
    with atomic_open(path) as f:
        program.save(f)


def next_free_dir(base: str) -> Path:
    """``runs/NAME-1``, ``runs/NAME-2``, ...: the first that does not exist yet."""
    n = 1
    while Path(f"{base}-{n}").exists():
        n += 1
    return Path(f"{base}-{n}")


def _add_chip(p: argparse.ArgumentParser, dtype: bool = True) -> None:
    p.add_argument(
        "--chip",
        default=None,
        metavar="PRESET|FILE.toml",
        help=f"chip preset ({', '.join(preset_names())}) or a TOML file "
        f"(default: {DEFAULT_PRESET})",
    )
    if dtype:
        p.add_argument(
            "--dtype",
            choices=("bf16", "fp32", "int8"),
            default=None,
            help="override the chip's input data type",
        )


def _add_fidelity(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--fidelity",
        choices=[f.value for f in Fidelity],
        default=None,
        help="fast: cycle-level machine, block compute (default); pe: every PE "
        "every cycle; functional: values only, no cycles; rtl: the RTL co-simulated "
        "against pe (load, store, preload, matmul, vec; small arrays)",
    )


# ------------------------------------------------------------------------------------ train
def _add_loss_and_optimizer_options(p: argparse.ArgumentParser) -> None:
    """--loss and the optimizer options (default None: the optimizer's torch.optim default)."""
    from runtime.models import LOSSES

    p.add_argument(
        "--loss",
        choices=LOSSES,
        default=None,
        help="ce: softmax cross-entropy (default); mse; bce_logits: binary cross-entropy on "
        "logits; bce: binary cross-entropy on probabilities (labels: one-hot classes)",
    )
    p.add_argument("--weight-decay", type=float, default=None, help="L2 (decoupled for adamw)")
    p.add_argument("--momentum", type=float, default=None, help="momentum, rmsprop")
    p.add_argument("--nesterov", action="store_true", default=None, help="momentum")
    p.add_argument("--beta1", type=float, default=None, help="adam, adamw (default 0.9)")
    p.add_argument("--beta2", type=float, default=None, help="adam, adamw (default 0.999)")
    p.add_argument("--eps", type=float, default=None, help="adam, adamw, rmsprop, adagrad")
    p.add_argument("--alpha", type=float, default=None, help="rmsprop smoothing (default 0.99)")
    p.add_argument("--centered", action="store_true", default=None, help="rmsprop")
    p.add_argument("--lr-decay", type=float, default=None, help="adagrad")


def _optimizer_options(s: dict[str, Any] | argparse.Namespace) -> dict[str, Any]:
    from runtime.models import OPTIMIZER_OPTIONS

    get = s.get if isinstance(s, dict) else lambda k: getattr(s, k)
    return {k: get(k) for k in OPTIMIZER_OPTIONS}


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
    _add_chip(p)
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
    _add_loss_and_optimizer_options(p)
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


MAX_BATCH = 4096
MAX_EPOCHS = 100_000
MAX_SEED = 2**63 - 1


def check_int(value: object, what: str, low: int, high: int) -> None:
    """Raise `CommandError` unless ``value`` is an integer in ``low..high``."""
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise CommandError(f"{what} must be an integer from {low} to {high}, not {value!r}")


def check_rate(value: object, what: str) -> None:
    """Raise `CommandError` unless ``value`` is a finite positive number."""
    if (
        not isinstance(value, (int, float))
        or isinstance(value, bool)
        or not 0 < value < float("inf")
    ):
        raise CommandError(f"{what} must be a positive finite number, not {value!r}")


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
    spec = train_spec(s["loss"], s["optimizer"], s["lr"], **_optimizer_options(s))
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


# ---------------------------------------------------------------------------------- compile
def setup_compile(p: argparse.ArgumentParser) -> None:
    from runtime.models import OPTIMIZERS, QUANTIZE

    p.add_argument("model", metavar="MODEL", help="zoo model name or an .onnx file")
    _add_chip(p)
    p.add_argument(
        "--batch",
        type=int,
        default=None,
        help="batch size: zoo models (default 1) and ONNX models with a dynamic leading "
        "dimension (it must equal a static one)",
    )
    p.add_argument(
        "--bind",
        action="append",
        default=[],
        metavar="NAME=FILE.npy",
        help="ONNX models: fix graph input NAME to a value at compile time (repeatable); "
        "inputs that set a shape, axes, pads or indices must be bound",
    )
    p.add_argument("--train", action="store_true", help="compile a whole training step")
    p.add_argument(
        "--train-output",
        default=None,
        metavar="NAME",
        help="with --train: the model output that holds the logits (needed when it has several)",
    )
    p.add_argument("--optimizer", choices=OPTIMIZERS, default="sgd")
    _add_loss_and_optimizer_options(p)
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument(
        "--quantize",
        choices=QUANTIZE,
        default="auto",
        help="int8 chips, inference: static (int8 weights, calibrated scales), "
        "dynamic (GEMM operands quantized on chip) or auto (static unless an "
        "op needs float math on activations)",
    )
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("-o", "--output", metavar="PROGRAM", help="program file to write")
    what.add_argument(
        "--check",
        action="store_true",
        help="ONNX models: list every unsupported node (node, op, attribute, why) and exit "
        "without compiling (status 0: all supported, 1: not)",
    )


def cmd_compile(args: argparse.Namespace) -> None:
    from runtime.models import check_model, compile_model, is_static_int8, train_spec

    if args.batch is not None:  # None: the model's own batch
        check_int(args.batch, "--batch", 1, MAX_BATCH)
    bind = _parse_bind(args.bind)
    if args.check:
        report, ok = check_model(args.model, args.batch, bind)
        print(report)
        if not ok:
            raise CommandError(f"{args.model} has unsupported constructs (listed above)")
        return
    check_rate(args.lr, "--lr")
    chip = load_chip(args.chip or DEFAULT_PRESET, args.dtype)
    if args.quantize != "auto" and chip.input_dtype is not DType.INT8:
        raise CommandError(
            f"--quantize {args.quantize} is for int8 chips; {chip.name!r} "
            f"computes in {chip.input_dtype.value}"
        )
    if args.quantize == "static" and args.train:
        raise CommandError(
            "--quantize static is for inference: a training step (--train) "
            "quantizes its GEMM operands on chip (dynamic)"
        )
    spec = None
    if args.train:
        spec = train_spec(args.loss or "ce", args.optimizer, args.lr, **_optimizer_options(args))
    if args.train_output is not None and not args.train:
        raise CommandError("--train-output NAME applies to a training step (--train)")
    program = compile_model(
        args.model,
        chip,
        args.batch,
        spec,
        args.quantize,
        args.train_output,
        "--train-output",
        bind,
    )
    out = Path(args.output)
    save_program(program, out)
    phases: dict[str, int] = {}
    for tag in program.tags:
        phases[tag.phase.value] = phases.get(tag.phase.value, 0) + 1
    footprint = max((t.addr + t.nbytes for t in program.tensors.values()), default=0)
    print(
        f"wrote {out}: {len(program.instrs)} instructions ("
        + ", ".join(f"{k} {v}" for k, v in phases.items())
        + f") for {chip.name}, {len(program.tensors)} tensors, {footprint / 2**20:.2f} MiB "
        "of DRAM"
        + (
            ""
            if chip.input_dtype is not DType.INT8
            else f", int8 {'static' if is_static_int8(program) else 'dynamic'} quantization"
        )
    )


def _parse_bind(specs: list[str]) -> dict[str, np.ndarray]:
    """The values of ``--bind NAME=FILE.npy`` options, by input name."""
    values: dict[str, np.ndarray] = {}
    for spec in specs:
        name, sep, file = spec.partition("=")
        if not sep or not name or not file:
            raise CommandError(f"--bind {spec!r} must be NAME=FILE.npy")
        if name in values:
            raise CommandError(f"--bind {name} is given twice")
        values[name] = load_npy(Path(file), f"--bind {name}", CommandError)
    return values


# -------------------------------------------------------------------------------------- run
def setup_run(p: argparse.ArgumentParser) -> None:
    p.add_argument("program", metavar="PROGRAM")
    p.add_argument(
        "--input",
        action="append",
        default=[],
        metavar="NAME=FILE.npy",
        help="value of an input tensor (repeatable)",
    )
    p.add_argument(
        "--random-inputs",
        action="store_true",
        help="fill inputs not given with seeded random values",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--scratchpad",
        default=None,
        metavar="FILE.npy",
        help="scratchpad rows from row 0 (raw storage) for an execute-only program, "
        "such as those --fidelity rtl runs; with --random-inputs, seeded random rows",
    )
    _add_fidelity(p)
    p.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="where outputs (.npy) and the report go (default: runs/PROGRAM-N)",
    )
    p.add_argument("--no-plots", action="store_true")


def _parse_inputs(program: Program, specs: list[str], fill: bool, seed: int) -> dict:
    inputs = {t.name: t for t in program.of_kind(TensorKind.INPUT)}
    values: dict[str, np.ndarray] = {}
    for spec in specs:
        name, sep, file = spec.partition("=")
        if not sep or not name or not file:
            raise CommandError(f"--input {spec!r} must be NAME=FILE.npy")
        if name not in inputs:
            raise CommandError(
                f"program has no input {name!r}; its inputs are {', '.join(inputs) or 'none'}"
            )
        # at most 8 bytes an element: a larger file cannot hold this input's shape
        arr = load_npy(Path(file), f"--input {name}", CommandError, 8 * inputs[name].size)
        if arr.shape != inputs[name].shape:
            raise CommandError(
                f"input {name!r} must have shape {list(inputs[name].shape)}, "
                f"{file} has {list(arr.shape)}"
            )
        values[name] = arr
    missing = [t for n, t in inputs.items() if n not in values]
    if missing and not fill:
        raise CommandError(
            "missing "
            + ", ".join(
                f"--input {t.name}=FILE.npy ({t.role.value}, {t.dtype.value}{list(t.shape)})"
                for t in missing
            )
            + "; or pass --random-inputs"
        )
    rng = np.random.default_rng(seed)
    for t in missing:
        if t.role is TensorRole.LABEL and len(t.shape) == 2:
            # one-hot rows: a cross-entropy step's gradient assumes every label row sums to 1
            classes = rng.integers(0, t.shape[1], t.shape[0])
            values[t.name] = np.eye(t.shape[1], dtype=np.float32)[classes]
        else:
            values[t.name] = rng.standard_normal(t.shape).astype(np.float32)
    return values


def cmd_run(args: argparse.Namespace) -> None:
    check_int(args.seed, "--seed", 0, MAX_SEED)
    program = load_program(args.program)
    fidelity = Fidelity.parse(args.fidelity or Fidelity.FAST.value)
    inputs = _parse_inputs(program, args.input, args.random_inputs, args.seed)
    scratchpad = _scratchpad(program, fidelity, args)
    out = Path(args.out) if args.out else next_free_dir(f"runs/{Path(args.program).stem}")
    if (out / REPORT_NAME).exists() or (out / CHECKPOINT_NAME).exists():  # before a long run
        raise CommandError(f"{out} already holds a report; choose another --out")
    backend = Backend(program, fidelity)
    if backend.simulator == "amaranth":
        print(
            "systolic run: verilator and a C++ compiler are not on PATH: co-simulating under "
            "Amaranth's Python simulator (about 1,000 cycles/s on small arrays; Verilator is "
            "about 100x faster)",
            file=sys.stderr,
        )
    result = backend.run(inputs, trace=fidelity.has_cycles, scratchpad=scratchpad)
    out.mkdir(parents=True, exist_ok=True)
    arrays = dict(result.outputs)
    if result.accumulator is not None:
        arrays["accumulator"] = result.accumulator
    files = output_file_names(arrays, ".npy")  # tensor names are not paths
    for name, value in arrays.items():
        with atomic_open(out / files[name]) as f:
            np.save(f, value, allow_pickle=False)
    report = RunReport(
        "run",
        program.config,
        Path(args.program).stem,
        fidelity.value if backend.simulator is None else f"rtl ({backend.simulator})",
        result.work,
        layer_reports(result.by_tag),
        result.transfer.to_chip,
        result.transfer.from_chip,
        (),
        {"instructions": len(program.instrs)},
    )
    written = write_run_dir(out, report, program, result.events, plots=not args.no_plots)
    print_report(report)
    print(
        f"run directory {out}: " + ", ".join([files[n] for n in arrays] + [p.name for p in written])
    )


def _scratchpad(
    program: Program, fidelity: Fidelity, args: argparse.Namespace
) -> np.ndarray | None:
    """The scratchpad rows an execute-only run starts from: --scratchpad FILE, or seeded
    random rows (--random-inputs) for the rtl fidelity; None otherwise."""
    if args.scratchpad is not None:
        try:
            return np.load(args.scratchpad, allow_pickle=False)
        except (OSError, ValueError) as e:
            raise CommandError(f"cannot read {args.scratchpad}: {e}") from None
    if fidelity is not Fidelity.RTL:
        return None
    from chip.hdl.run_program import random_scratchpad, scratchpad_rows

    rows = scratchpad_rows(program)
    if rows and not args.random_inputs:
        raise CommandError(
            f"the program reads scratchpad rows 0..{rows - 1}: pass --scratchpad FILE.npy "
            "or --random-inputs"
        )
    return random_scratchpad(program.config, rows, args.seed)


# ---------------------------------------------------------------------------- asm / disasm
def setup_disasm(p: argparse.ArgumentParser) -> None:
    p.add_argument("program", metavar="PROGRAM")
    p.add_argument(
        "-o", "--output", default=None, metavar="FILE", help="write the text here instead of stdout"
    )


def cmd_disasm(args: argparse.Namespace) -> None:
    from chip.asm import disassemble

    text = disassemble(load_program(args.program))
    if args.output:
        atomic_write_bytes(Path(args.output), text.encode())
    else:
        print(text, end="")


def setup_asm(p: argparse.ArgumentParser) -> None:
    p.add_argument("source", metavar="FILE", help="assembly text (see docs/isa.md)")
    p.add_argument("-o", "--output", required=True, metavar="PROGRAM")
    _add_chip(p, dtype=False)


def cmd_asm(args: argparse.Namespace) -> None:
    from chip.asm import assemble

    src = Path(args.source)
    check_file(src, "assembly file", CommandError)
    try:
        text = src.read_text()
    except UnicodeDecodeError:
        raise CommandError(f"{src} is not a text file") from None
    chip = load_chip(args.chip) if args.chip else None
    try:
        program = assemble(text, chip)
    except ValueError as e:
        raise CommandError(f"{src}: {e}") from None
    save_program(program, Path(args.output))
    print(f"wrote {args.output}: {len(program.instrs)} instructions for {program.config.name}")


# ----------------------------------------------------------------------------------- report
def setup_report(p: argparse.ArgumentParser) -> None:
    p.add_argument("run_dir", metavar="RUN_DIR")
    p.add_argument("--format", choices=("table", "json", "csv"), default="table")


def cmd_report(args: argparse.Namespace) -> None:
    report = read_report(Path(args.run_dir))
    if args.format == "table":
        print_report(report)
    elif args.format == "json":
        print(json.dumps(report.to_json(), indent=1))
    else:
        print(layers_csv(report), end="")


# ------------------------------------------------------------------------------------ chips
def setup_chips(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=("table", "json"), default="table")


def cmd_chips(args: argparse.Namespace) -> None:
    chips = [ChipConfig.from_toml(n) for n in preset_names()]
    if args.format == "json":
        rows = [{**c.to_dict(), "figures": _chip_figures(c)} for c in chips]
        print(json.dumps(rows, indent=1))
        return
    from rich import box
    from rich.table import Table

    t = Table(
        title=f"chip presets (--chip NAME; default {DEFAULT_PRESET})",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    heads = ("name", "array", "flow", "dtype", "spad", "acc", "DRAM", "MHz", "TOPS", "GB/s")
    heads += ("tech", "mm²", "busy W", "TOPS/W")
    for h in heads:
        t.add_column(h, justify="left" if h in ("name", "flow", "dtype") else "right", no_wrap=True)
    for c in chips:
        t.add_row(
            c.name,
            f"{c.rows}x{c.cols}",
            c.dataflow.value,
            c.input_dtype.value,
            _kib(c.spad_kib),
            _kib(c.acc_kib),
            _kib(c.dram_mib * 1024),
            f"{c.clock_mhz:g}",
            f"{c.peak_tops:.3g}",
            f"{c.dram_gbytes_per_s:.3g}",
            c.technology,
            *(
                f"{_chip_figures(c)[k]:.3g}"
                for k in ("area_mm2", "busy_power_w", "peak_tops_per_watt")
            ),
        )
    areas = Table(
        title="area by block, mm² (the I/O columns are pad and front-end circuits only)",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    areas.add_column("name", no_wrap=True)
    for b in Block:
        areas.add_column(b.value, justify="right", no_wrap=True)
    for c in chips:
        blocks = area_of(c).blocks
        areas.add_row(c.name, *(f"{blocks[b]:.3g}" for b in Block))
    console = make_console()
    console.print(t)
    console.print(areas)
    print("area and power: modelled from chip/tech tables (docs/energy.md)")


def _chip_figures(c: ChipConfig) -> dict[str, Any]:
    """Peak throughput and the energy model's area (in total and by block), busy power and
    efficiency of one chip."""
    area = area_of(c)
    return {
        "peak_tops": c.peak_tops,
        "dram_gbytes_per_s": c.dram_gbytes_per_s,
        "area_mm2": area.total_mm2,
        "area_by_block_mm2": {b.value: mm2 for b, mm2 in area.blocks.items()},
        "busy_power_w": busy_power_w(c),
        "peak_tops_per_watt": peak_tops_per_watt(c),
    }


def _kib(kib: int) -> str:
    for scale, unit in ((1024 * 1024, "GiB"), (1024, "MiB")):
        if kib >= scale and kib % scale == 0:
            return f"{kib // scale} {unit}"
    return f"{kib} KiB"


# -------------------------------------------------------------------------------------- hdl
def setup_hdl(p: argparse.ArgumentParser) -> None:
    _add_chip(p, dtype=False)
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="Verilog output dir")
    p.add_argument(
        "--execute-only",
        action="store_true",
        help="export (and --synth synthesize) only the execute datapath (controller, array, "
        "memories; the design --stat counts and the Verilator co-simulation of execute-only "
        "programs runs) instead of the whole chip",
    )
    p.add_argument("--stat", action="store_true", help="also print Yosys cell counts")
    p.add_argument(
        "--synth",
        choices=("ecp5", "xilinx7"),
        help="also synthesize for an FPGA family (needs the fpga extra): print LUTs, FFs, DSPs, "
        "block RAMs and, for ECP5, nextpnr's Fmax; save DIR/synth_<family>.json",
    )


def cmd_hdl(args: argparse.Namespace) -> None:
    chip = load_chip(args.chip or DEFAULT_PRESET)
    try:
        from chip.hdl.export import check_export_size, verilog_files, yosys_stat
    except ImportError as e:
        raise CommandError(f"the HDL export (chip.hdl.export) is not available: {e}") from None
    if args.stat:
        check_export_size(chip)  # before elaborating anything
    files = verilog_files(chip, whole_chip=not args.execute_only)
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    for file_name, text in files.items():
        atomic_write_bytes(out / file_name, text.encode())
    print(f"wrote the Verilog of {chip.name} to {out}: {', '.join(files)}")
    if args.stat:
        print(json.dumps(yosys_stat(chip), indent=1))
    if args.synth:
        _synth(chip, args.synth, out, whole_chip=not args.execute_only)


def _synth(chip: ChipConfig, target: str, out: Path, whole_chip: bool) -> None:
    """Run the FPGA flow, print its resource table and save it as JSON in ``out``."""
    from rich.table import Table

    from chip.hdl.synth import SynthError, synthesize

    try:
        report = synthesize(chip, target, whole_chip=whole_chip)
    except SynthError as e:
        raise CommandError(str(e)) from None
    path = out / f"synth_{target}.json"
    path.write_text(report.to_json() + "\n")
    t = Table(title=f"{chip.name} on {report.device}")
    t.add_column("resource")
    t.add_column("count", justify="right")
    for label, value in (
        ("LUTs", report.luts),
        ("flip-flops", report.ffs),
        ("DSPs", report.dsps),
        ("block RAMs", report.block_rams),
        ("LUT RAMs", report.lut_rams),
        ("carry cells", report.carry),
        ("Fmax (MHz)", "-" if report.fmax_mhz is None else f"{report.fmax_mhz:.1f}"),
        ("config clock (MHz)", f"{report.target_mhz:g}"),
    ):
        t.add_row(label, str(value))
    make_console().print(t)
    for note in report.notes:
        print(f"note: {note}")
    print(f"wrote {path}")


Setup = Callable[[argparse.ArgumentParser], None]
Run = Callable[[argparse.Namespace], None]
COMMANDS: dict[str, tuple[Setup, Run, str]] = {
    "train": (setup_train, cmd_train, "train a network on the simulated chip and report cycles"),
    "compile": (setup_compile, cmd_compile, "compile a model to a program file"),
    "run": (setup_run, cmd_run, "run a program once and report where the cycles went"),
    "disasm": (setup_disasm, cmd_disasm, "print a program as assembly text"),
    "asm": (setup_asm, cmd_asm, "assemble text into a program file"),
    "report": (setup_report, cmd_report, "show the report of a run directory"),
    "chips": (setup_chips, cmd_chips, "list the chip presets and their key figures"),
    "hdl": (setup_hdl, cmd_hdl, "write the chip's Verilog (Amaranth) and optionally its size"),
    "sweep": (
        setup_sweep,
        cmd_sweep,
        "sweep chip configurations x workloads on Dask; resumable; Pareto plots",
    ),
    "scalesim": (
        setup_scalesim,
        cmd_scalesim,
        "run a SCALE-Sim topology and config: SCALE-Sim's cycles and COMPUTE_REPORT.csv",
    ),
}
