"""The subcommands of `systolic`: the table runtime/cli.py builds its parser from.

Each command is a pair of functions in the module of its kind (runtime/train_cli.py,
program_cli.py, report_cli.py, hdl_cli.py, sweep_cli.py, scalesim_cli.py): ``setup`` adds its
options to an argparse parser, ``cmd`` runs it and only raises (runtime/cli.py turns every
error into one line on stderr).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from runtime.hdl_cli import cmd_hdl, setup_hdl
from runtime.program_cli import (
    cmd_asm,
    cmd_compile,
    cmd_disasm,
    cmd_run,
    setup_asm,
    setup_compile,
    setup_disasm,
    setup_run,
)
from runtime.report_cli import cmd_chips, cmd_report, setup_chips, setup_report
from runtime.scalesim_cli import cmd_scalesim, setup_scalesim
from runtime.sweep_cli import cmd_sweep, setup_sweep
from runtime.train_cli import cmd_train, setup_train

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
