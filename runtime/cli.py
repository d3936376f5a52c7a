"""The `systolic` command: train, compile, run, disasm, asm, report, chips, hdl.

Every failure the user can cause (bad arguments, missing or corrupt files, a diverging run)
ends with one line on stderr, ``systolic <command>: error: <what> ...``, and a non-zero exit
status: 2 for usage errors, 1 for everything else, 130 when interrupted. Unexpected internal
errors also print one line (set ``SYSTOLIC_DEBUG=1`` to see the traceback). Files are written
atomically, so an error never leaves a half-written program, report or checkpoint behind.

Output piped into a reader that stops early (``systolic report DIR | head -1``) ends quietly
with status 0.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from typing import NoReturn

from chip.errors import ChipError
from runtime import commands
from runtime.backend import BackendError
from runtime.checkpoint import CheckpointError
from runtime.cli_common import CommandError
from runtime.data import DataError
from runtime.models import ModelError
from runtime.train import TrainingError

EXIT_ERROR, EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPTED = 1, 2, 3, 130

# Errors that describe a problem with the user's input or run, printed as they are.
USER_ERRORS = (
    CommandError,
    ChipError,
    BackendError,
    CheckpointError,
    DataError,
    ModelError,
    TrainingError,
    ValueError,
    OSError,
)


class UsageError(Exception):
    """An argparse error, carrying the subcommand's name."""

    def __init__(self, prog: str, message: str) -> None:
        super().__init__(message)
        self.prog = prog


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors raise instead of printing the multi-line usage and exiting."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(self.prog, f"{message} (see {self.prog} --help)")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="systolic",
        description="A simulated systolic-array neural-network "
        "accelerator: train and run networks on it and see where every cycle goes.",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name, (setup, func, help_text) in commands.COMMANDS.items():
        sp = sub.add_parser(name, help=help_text, description=help_text)
        setup(sp)
        sp.set_defaults(func=func)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (the entry point exits with it)."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    prog = "systolic"
    try:
        args = build_parser().parse_args(args_list)
        prog = f"systolic {args.command}"
        args.func(args)
        sys.stdout.flush()  # a closed pipe shows here, not at exit
        return 0
    except BrokenPipeError:  # `systolic report DIR | head`: the reader has all it wanted
        _silence_stdout()
        return 0
    except UsageError as e:
        _fail(e.prog, str(e))
        return EXIT_USAGE
    except SystemExit as e:  # --help, or argparse exiting on its own
        return int(e.code or 0) if not isinstance(e.code, str) else EXIT_USAGE
    except KeyboardInterrupt as e:
        _fail(prog, str(e) or "interrupted")
        return EXIT_INTERRUPTED
    except USER_ERRORS as e:
        _fail(prog, _one_line(e))
        return EXIT_ERROR
    except Exception as e:  # noqa: BLE001 - the promise is one line, never a traceback
        if os.environ.get("SYSTOLIC_DEBUG"):
            traceback.print_exc()
        _fail(
            prog,
            f"internal error: {type(e).__name__}: {_one_line(e)} (set SYSTOLIC_DEBUG=1 "
            "for the traceback, and please report it)",
        )
        return EXIT_INTERNAL


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's final flush of the rest of the
    output does not fail again (as the Python documentation on SIGPIPE advises)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _one_line(e: BaseException) -> str:
    text = str(e) or type(e).__name__
    if isinstance(e, OSError) and e.filename is not None and e.strerror:
        text = f"{e.strerror}: {e.filename}"
    return " ".join(text.split())


def _fail(prog: str, message: str) -> None:
    print(f"{prog}: error: {message}", file=sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
