"""The commands on program files: `systolic compile` (a model to a program), `run` (a program
once, with a report of where the cycles went), `asm` and `disasm` (assembly text and back).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from chip.archive import check_file, load_npy
from chip.config import DEFAULT_PRESET
from chip.dtypes import DType
from chip.fidelity import Fidelity
from chip.program import Program, TensorKind, TensorRole
from runtime.backend import Backend
from runtime.checkpoint import CHECKPOINT_NAME
from runtime.cli_common import (
    MAX_BATCH,
    MAX_SEED,
    CommandError,
    add_chip,
    add_fidelity,
    add_loss_and_optimizer_options,
    check_int,
    check_rate,
    load_chip,
    load_program,
    next_free_dir,
    optimizer_options,
    save_program,
)
from runtime.files import atomic_open, atomic_write_bytes, output_file_names
from runtime.outputs import REPORT_NAME, write_run_dir
from runtime.render import print_report
from runtime.report import RunReport, layer_reports


# ---------------------------------------------------------------------------------- compile
def setup_compile(p: argparse.ArgumentParser) -> None:
    from runtime.models import OPTIMIZERS, QUANTIZE

    p.add_argument("model", metavar="MODEL", help="zoo model name or an .onnx file")
    add_chip(p)
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
    add_loss_and_optimizer_options(p)
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
        spec = train_spec(args.loss or "ce", args.optimizer, args.lr, **optimizer_options(args))
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
    add_fidelity(p)
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
    add_chip(p, dtype=False)


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
