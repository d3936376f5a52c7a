"""The same networks on weight-, output- and input-stationary versions of one chip.

Two workloads on the `edge` chip (16x16, bf16) with only the dataflow changed: a compute-bound
dense layer (256 samples x 256 -> 256) and one MLP training step on a batch of digits. For each
dataflow the table shows cycles, PE utilization, DRAM traffic and the stall cycles by cause.

Asserts: on every dataflow the cycle-level machine's outputs are bit-identical to the
functional model's (the definition of the chip); the three dataflows agree with each other to
fp32 rounding (not bit for bit: output-stationary sums all of K inside a PE, the stationary
dataflows add one partial sum per K tile in the accumulator, so the fp32 additions happen in a
different order); every dataflow does the same MACs; and the cycle counts differ (the dataflows
really are different schedules).

Run: python examples/compare_dataflows.py
"""

from __future__ import annotations

import numpy as np
from rich.table import Table

from chip.config import ChipConfig, Dataflow
from compiler import compile, zoo
from compiler.builder import Net
from runtime.backend import Backend
from runtime.data import load_digits, one_hot
from runtime.models import train_spec
from runtime.render import make_console


def dense_layer(batch: int = 256, width: int = 256):
    net = Net("dense256", seed=0)
    net.output("logits", net.dense(net.input("x", (batch, width)), width))
    return net.build()


def main() -> None:
    digits = load_digits()
    rng = np.random.default_rng(0)
    workloads = {
        "dense 256x256x256 (inference)": (
            dense_layer(),
            None,
            {"x": rng.standard_normal((256, 256)).astype(np.float32)},
        ),
        "mlp training step (batch 32)": (
            zoo.mlp(batch=32),
            train_spec("ce", "sgd", 0.1),
            {"x": digits.x_train[:32].reshape(32, 64), "labels": one_hot(digits.y_train[:32], 10)},
        ),
    }
    console = make_console()
    base = ChipConfig.from_toml("edge")
    for title, (graph, spec, inputs) in workloads.items():
        table = Table(
            title=f"{title} on {base.name} ({base.rows}x{base.cols}, {base.input_dtype.value})",
            title_justify="left",
        )
        for h in ("dataflow", "cycles", "util", "MACs", "DRAM bytes", "top stalls"):
            table.add_column(h, justify="left" if h in ("dataflow", "top stalls") else "right")
        outputs, cycles, macs = {}, {}, {}
        for df in Dataflow:
            chip = base.replace(dataflow=df)
            program = compile(graph, chip, train=spec)
            result = Backend(program, "fast").run(inputs)
            functional = Backend(program, "functional").run(inputs)
            for name, value in functional.outputs.items():
                assert np.array_equal(result.outputs[name], value), (
                    f"{title}: {name} on {df.value}: machine and functional model differ"
                )
            w = result.work
            outputs[df] = result.outputs
            cycles[df], macs[df] = w.cycles, w.macs
            top = sorted(w.stalls_by_cause.items(), key=lambda kv: -kv[1])[:3]
            table.add_row(
                df.value,
                f"{w.cycles:,}",
                f"{100 * w.pe_utilization:.1f}%",
                f"{w.macs:,}",
                f"{w.dram_bytes:,}",
                ", ".join(f"{k.value} {v:,}" for k, v in top),
            )
        console.print(table)
        ref = outputs[Dataflow.WS]
        for df in Dataflow:
            for name, value in outputs[df].items():
                scale = float(np.abs(ref[name]).max())
                np.testing.assert_allclose(
                    value,
                    ref[name],
                    rtol=1e-4,
                    atol=1e-5 * scale,
                    err_msg=f"{title}: {name} on {df.value}",
                )
        assert len(set(macs.values())) == 1, f"{title}: MACs differ: {macs}"
        assert len(set(cycles.values())) > 1, f"{title}: all dataflows took {cycles} cycles"
    print("OK")


if __name__ == "__main__":
    main()
