"""`fast` fidelity on compiled training steps: what a training loop pays per step.

    python -m bench.train_steps [--models mlp cnn] [--dtypes bf16 int8] [--preset edge]

Each model of the runtime's zoo is compiled as one training step (forward, backward and
optimizer, with its default batch, loss and optimizer) for the chip; the step program runs on
the `fast` machine from a fresh chip state. "first" is the program's first run (which computes
its timing and value plan), "again" the best of three later runs (both cached), as
`runtime.backend` re-runs one compiled step for every batch.
"""

from __future__ import annotations

import argparse

from bench.timing import run_seconds
from chip.config import ChipConfig
from chip.dtypes import DType
from chip.machine import run_machine
from compiler import compile, zoo
from runtime.models import ZOO, train_spec


def step_times(model: str, dtype: DType, preset: str) -> tuple[int, float, float, int]:
    """(instructions, first run s, best later run s, cycles) of ``model``'s training step."""
    chip = ChipConfig.from_toml(preset).replace(input_dtype=dtype)
    builder, d = ZOO[model]
    if d is None:
        raise ValueError(f"model {model!r} has no training defaults")
    graph = getattr(zoo, builder)(batch=d.batch_size)
    prog = compile(graph, chip, train=train_spec("ce", d.optimizer, d.lr))
    first, again = run_seconds(prog, 3)
    cycles = run_machine(prog, "fast", trace=False).cycles
    return len(prog.instrs), first, again, cycles


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", nargs="+", default=["mlp", "cnn"])
    ap.add_argument("--dtypes", nargs="+", default=["bf16", "int8"])
    ap.add_argument("--preset", default="edge")
    args = ap.parse_args()
    for name in args.dtypes:  # load numba's compiled kernels once per type
        step_times("mlp", DType(name), args.preset)
    print(f"{'model':>6} {'dtype':>5} {'instrs':>7} {'first s':>8} {'again s':>8} {'cycles':>9}")
    for model in args.models:
        for name in args.dtypes:
            n, first, again, cycles = step_times(model, DType(name), args.preset)
            print(f"{model:>6} {name:>5} {n:>7} {first:>8.3f} {again:>8.4f} {cycles:>9}")


if __name__ == "__main__":
    main()
