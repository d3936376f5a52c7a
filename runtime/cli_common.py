"""What the subcommands of `systolic` share: their error types, the chip and program loaders,
the options several of them take, and the range checks of numeric options.

Every function here raises (`CommandError` for what the user asked wrongly); runtime/cli.py
turns each error into one line on stderr.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from chip.config import DEFAULT_PRESET, ChipConfig, preset_names
from chip.dtypes import DType
from chip.fidelity import Fidelity
from chip.program import Program
from runtime.files import atomic_open


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


def add_chip(p: argparse.ArgumentParser, dtype: bool = True) -> None:
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


def add_fidelity(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--fidelity",
        choices=[f.value for f in Fidelity],
        default=None,
        help="fast: cycle-level machine, block compute (default); pe: every PE "
        "every cycle; functional: values only, no cycles; rtl: the RTL co-simulated "
        "against pe (load, store, preload, matmul, vec; small arrays)",
    )


def add_loss_and_optimizer_options(p: argparse.ArgumentParser) -> None:
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


def optimizer_options(s: dict[str, Any] | argparse.Namespace) -> dict[str, Any]:
    from runtime.models import OPTIMIZER_OPTIONS

    get = s.get if isinstance(s, dict) else lambda k: getattr(s, k)
    return {k: get(k) for k in OPTIMIZER_OPTIONS}


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
