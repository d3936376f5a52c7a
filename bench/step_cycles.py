"""Cycles of one compiled step of each zoo model against its roofline bound.

    python -m bench.step_cycles [--models mlp cnn lstm] [--resnet18]

Each of mlp, cnn and lstm is compiled as one training step (forward, backward and optimizer,
with the runtime's default batch, loss and optimizer) for the `edge` chip; ``--resnet18`` adds
ResNet-18 int8 inference at batch 8 on `tpu-v1` (slow: minutes). Every program runs on the
`fast` machine from a fresh chip state.

The bound is max(true MACs / (rows x cols), minimal DRAM bytes / DRAM bytes per cycle):
true MACs are counted here from the primitive graph's GEMM shapes (MATMUL M x K x N; a
convolution or either of its gradients, output pixels x kernel taps x Cin x Cout, padding taps
included as is standard), independently of the compiler; minimal DRAM bytes are every host
tensor crossing DRAM once (inputs, parameters, constants and optimizer state read once;
outputs and updated parameters and state written once), with every intermediate kept on chip.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass

from chip.config import ChipConfig
from chip.machine import run_machine
from chip.program import TensorKind
from compiler import zoo
from compiler.compile import compile_lowered
from compiler.ir import Graph, Op
from compiler.passes.pipeline import graph_passes
from runtime.models import ZOO, train_spec


@dataclass(frozen=True)
class StepCycles:
    model: str
    chip: str
    cycles: int
    dram_bytes: int
    true_macs: int
    min_dram_bytes: int
    bound: int

    @property
    def efficiency(self) -> float:
        return self.bound / self.cycles


def true_macs(graph: Graph) -> int:
    """Multiply-accumulates of the graph's GEMMs, from their shapes alone."""
    total = 0
    for n in graph.nodes:
        shapes = [graph.nodes[i].shape for i in n.inputs]
        if n.op is Op.MATMUL:
            a = shapes[0]
            k = a[0] if n.attrs.get("trans_a") else a[1]
            total += math.prod(n.shape) * k
        elif n.op is Op.CONV2D:  # (x, w): out pixels x KH*KW*Cin x Cout
            total += math.prod(n.shape) * math.prod(shapes[1][:3])
        elif n.op is Op.CONV2D_GRAD_INPUT:  # (dy, w)
            total += math.prod(shapes[0]) * math.prod(shapes[1][:3])
        elif n.op is Op.CONV2D_GRAD_WEIGHT:  # (x, dy) -> w
            total += math.prod(shapes[1]) * math.prod(n.shape[:3])
    return total


def min_dram_bytes(program) -> int:
    """Every host-visible tensor crossing DRAM once; updated sources twice (read, write)."""
    total = 0
    for t in program.tensors.values():
        if t.kind is TensorKind.SCRATCH:
            continue
        nbytes = math.prod(t.shape) * t.dtype.nbytes
        total += 2 * nbytes if t.kind in (TensorKind.PARAM, TensorKind.STATE) else nbytes
    return total


def measure(model: str, chip: ChipConfig, batch: int | None = None) -> StepCycles:
    builder, d = ZOO[model]
    if d is None:
        graph = getattr(zoo, builder)(batch=batch or 1)
        train = None
    else:
        graph = getattr(zoo, builder)(batch=batch or d.batch_size)
        train = train_spec("ce", d.optimizer, d.lr)
    prim = graph_passes(graph, compute_dtype=chip.input_dtype, train=train)
    prog = compile_lowered(graph, chip, train=train).program
    res = run_machine(prog, "fast", trace=False)
    dram = sum(v for k, v in res.counters.bytes.items() if k.value.startswith("dram_"))
    macs = true_macs(prim)
    least = min_dram_bytes(prog)
    bound = max(-(-macs // (chip.rows * chip.cols)), -(-least // chip.dram_bytes_per_cycle))
    return StepCycles(model, chip.name, res.cycles, dram, macs, least, bound)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", nargs="*", default=["mlp", "cnn", "lstm"])
    ap.add_argument("--resnet18", action="store_true", help="add ResNet-18 (slow)")
    args = ap.parse_args()
    runs = [(m, ChipConfig.from_toml("edge"), None) for m in args.models]
    if args.resnet18:
        runs.append(("resnet18", ChipConfig.from_toml("tpu-v1"), 8))
    print(
        f"{'model':>9} {'chip':>7} {'cycles':>10} {'bound':>9} {'eff':>6} "
        f"{'DRAM B':>11} {'min DRAM B':>11} {'true MACs':>12}"
    )
    for model, chip, batch in runs:
        r = measure(model, chip, batch)
        print(
            f"{r.model:>9} {r.chip:>7} {r.cycles:>10} {r.bound:>9} {r.efficiency:>6.1%} "
            f"{r.dram_bytes:>11} {r.min_dram_bytes:>11} {r.true_macs:>12}"
        )


if __name__ == "__main__":
    main()
