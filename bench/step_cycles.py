"""Cycles of one compiled step of each zoo model against its roofline bound.

    python -m bench.step_cycles [--models mlp cnn lstm] [--resnet18] [--resnet18-train]

Each of mlp, cnn and lstm is compiled as one training step (forward, backward and optimizer,
with the runtime's default batch, loss and optimizer) for the `edge` chip; ``--resnet18`` adds
ResNet-18 int8 inference at batch 8 on `tpu-v1`, ``--resnet18-train`` one ResNet-18 training
step (batch 8, softmax cross-entropy, momentum SGD) on `train-128` (each slow: minutes).
Every program runs on the `fast` machine from a fresh chip state.

The bound, the true MACs and the minimal DRAM bytes are the report's (runtime/report.py,
docs/report.md): max(useful MACs / (rows x cols), minimal DRAM bytes / DRAM bytes per cycle),
where useful MACs are the GEMMs' MACs from the layer shapes and minimal DRAM bytes are each
layer's operands and results crossing DRAM once, or not at all where the compiler kept them on
chip. The ideal bound beside it keeps every intermediate on chip: every host tensor crosses DRAM
once (inputs, parameters, constants and optimizer state read once; outputs and updated
parameters and state written once), whatever the compiler did.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from chip.config import ChipConfig
from chip.counters import Counters
from chip.machine import run_machine
from chip.program import Program, TensorKind
from compiler import zoo
from compiler.compile import compile_lowered
from runtime.models import ZOO, train_spec
from runtime.report import bound_cycles, efficiency


@dataclass(frozen=True)
class StepCycles:
    model: str
    chip: str
    cycles: int
    dram_bytes: int
    true_macs: int
    min_dram_bytes: int
    bound: int
    efficiency: float
    ideal_bound: int


def ideal_dram_bytes(program: Program) -> int:
    """Every host-visible tensor crossing DRAM once; updated sources twice (read, write)."""
    total = 0
    for t in program.tensors.values():
        if t.kind is TensorKind.SCRATCH:
            continue
        total += 2 * t.nbytes if t.kind in (TensorKind.PARAM, TensorKind.STATE) else t.nbytes
    return total


# The ResNet-18 training step's batch and optimizer (the zoo has no training defaults for it).
RESNET18_TRAIN_BATCH = 8
RESNET18_TRAIN = ("ce", "momentum", 0.01)


def measure(
    model: str, chip: ChipConfig, batch: int | None = None, train_resnet: bool = False
) -> StepCycles:
    builder, d = ZOO[model]
    if train_resnet:
        graph = getattr(zoo, builder)(batch=batch or RESNET18_TRAIN_BATCH)
        train = train_spec(*RESNET18_TRAIN)
    elif d is None:
        graph = getattr(zoo, builder)(batch=batch or 1)
        train = None
    else:
        graph = getattr(zoo, builder)(batch=batch or d.batch_size)
        train = train_spec("ce", d.optimizer, d.lr)
    prog = compile_lowered(graph, chip, train=train).program
    c = run_machine(prog, "fast", trace=False).counters
    ideal = Counters(useful_macs=c.useful_macs, min_dram_bytes=ideal_dram_bytes(prog))
    return StepCycles(
        model + (" step" if train_resnet else ""),
        chip.name,
        c.cycles,
        c.dram_bytes,
        c.useful_macs,
        c.min_dram_bytes,
        bound_cycles(c, chip),
        efficiency(c, chip),
        bound_cycles(ideal, chip),
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", nargs="*", default=["mlp", "cnn", "lstm"])
    ap.add_argument("--resnet18", action="store_true", help="add ResNet-18 inference (slow)")
    ap.add_argument(
        "--resnet18-train", action="store_true", help="add a ResNet-18 training step (slow)"
    )
    args = ap.parse_args()
    runs = [(m, ChipConfig.from_toml("edge"), None, False) for m in args.models]
    if args.resnet18:
        runs.append(("resnet18", ChipConfig.from_toml("tpu-v1"), 8, False))
    if args.resnet18_train:
        runs.append(("resnet18", ChipConfig.from_toml("train-128"), None, True))
    print(
        f"{'model':>9} {'chip':>9} {'cycles':>10} {'bound':>9} {'eff':>6} "
        f"{'DRAM B':>11} {'min DRAM B':>11} {'true MACs':>12} {'ideal bound':>11}"
    )
    for model, chip, batch, train_resnet in runs:
        r = measure(model, chip, batch, train_resnet)
        print(
            f"{r.model:>9} {r.chip:>9} {r.cycles:>10} {r.bound:>9} {r.efficiency:>6.1%} "
            f"{r.dram_bytes:>11} {r.min_dram_bytes:>11} {r.true_macs:>12} {r.ideal_bound:>11}"
        )


if __name__ == "__main__":
    main()
