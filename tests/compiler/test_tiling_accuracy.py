"""The GEMM cost model (compiler/lower/tiling.py) against the cycle-level machine, on the GEMMs
of the zoo's training steps on `edge`: each GEMM the compiled steps of mlp, cnn (LeNet) and
lstm emit, compiled alone (bf16 operands in DRAM, fp32 result stored), and LeNet's forward
convolutions by shifted windows alone (their input padded beforehand, so the program is the
GEMM), and convolutions by bands of input rows (compiler/lower/conv_bands.py) likewise. The
plan's predicted cycles must be within 10% of the machine's for the whole program;
the few measured misses are listed with their cause and must stay within 20% (and leave the
list when fixed).
"""

from __future__ import annotations

import re
from functools import cache

import pytest

from chip.config import ChipConfig
from chip.dtypes import DType
from chip.machine import run_machine
from compiler import zoo
from compiler.compile import compile_lowered
from compiler.ir import Op
from compiler.ir_builder import IRBuilder
from compiler.lower import conv
from compiler.lower.program import lower
from runtime.models import ZOO, train_spec

GEMM = re.compile(r"(\S+): ws gemm T=(\d+) K=(\d+) N=(\d+) .*?~(\d+) cycles")
PICK = re.compile(r"\S+: stride-1 conv ~(\d+) cycles by shifted windows, ~(\d+) by im2col")

# Measured misses (predicted / machine - 1), each an effect the closed form leaves out: the
# one DRAM bus is granted in the order DMAs start, each load after its DRAM latency, so output
# stores queue behind the next block's prefetching loads; and a queued load holds its bank's
# write port while it waits for the bus, so the array waits to read that bank.
MISSES = {
    ("windows", 2048, 9, 8): "-14%: one load per output row of windows, queued far ahead",
}


def within(key: tuple[str, int, int, int], predicted: int, cycles: int) -> str | None:
    """None if the prediction is within 10% of the machine's cycles, or a listed miss still
    within 20% (and still a miss); else what is wrong."""
    err = predicted / cycles - 1
    what = f"{key}: predicted {predicted}, machine {cycles} ({err:+.1%})"
    if key in MISSES:
        return None if 0.10 < abs(err) <= 0.20 else f"{what}; listed as {MISSES[key]}"
    return None if abs(err) <= 0.10 else what


@cache
def edge() -> ChipConfig:
    return ChipConfig.from_toml("edge")


@cache
def step_gemms(model: str) -> list[tuple[str, int, int, int]]:
    """(layer, T, K, N) of every GEMM in the weight-stationary form that the compiled training
    step of ``model`` emits over one dense matrix (not the shifted windows of a convolution),
    each shape once."""
    builder, d = ZOO[model]
    graph = getattr(zoo, builder)(batch=d.batch_size)
    notes = compile_lowered(graph, edge(), train=train_spec("ce", d.optimizer, d.lr)).notes
    out, seen, shifted = [], set(), False
    for note in notes:
        pick = PICK.match(note)
        if pick:
            shifted = int(pick.group(1)) <= int(pick.group(2))
            continue
        found = GEMM.match(note)
        if not found:
            continue
        layer, *shape = found.groups()[:4]
        t, k, n = map(int, shape)
        if not shifted and (t, k, n) not in seen:
            seen.add((t, k, n))
            out.append((layer, t, k, n))
        shifted = False
    return out


def predicted_and_machine(graph) -> tuple[int, int, list[str]]:
    lowered = lower(graph, edge())
    notes = [n for n in lowered.notes if GEMM.match(n)]
    assert len(notes) == 1, lowered.notes
    predicted = int(GEMM.match(notes[0]).group(5))
    return predicted, run_machine(lowered.program, "fast", trace=False).counters.cycles, notes


@pytest.mark.parametrize("model", ["mlp", "cnn", "lstm"])
def test_every_zoo_gemm_is_predicted_within_10_percent(model):
    shapes = step_gemms(model)
    assert shapes, f"{model}: no GEMM notes found"
    wrong = []
    for _, t, k, n in shapes:
        b = IRBuilder("mm")
        a = b.input("a", (t, k), dtype=DType.BF16)
        w = b.input("b", (k, n), dtype=DType.BF16)
        b.output("c", b.matmul(a, w, name="mm"))
        predicted, cycles, _ = predicted_and_machine(b.build())
        wrong.append(within(("gemm", t, k, n), predicted, cycles))
    assert [w for w in wrong if w] == []


@pytest.mark.parametrize(
    "name, x_shape, w_shape",
    [("conv1", (32, 10, 10, 1), (3, 3, 1, 8)), ("conv4", (32, 6, 6, 8), (3, 3, 8, 16))],
)
def test_lenet_shifted_window_convolutions(monkeypatch, name, x_shape, w_shape):
    """LeNet's forward convolutions at batch 32 (padding applied beforehand) by shifted
    windows."""
    monkeypatch.setattr(conv, "_taps_pay", lambda *a: False)
    monkeypatch.setattr(conv, "_bands_pay", lambda *a: False)
    b = IRBuilder("conv")
    x = b.input("x", x_shape, dtype=DType.BF16)
    w = b.input("w", w_shape, dtype=DType.BF16)
    b.output("y", b.add(Op.CONV2D, (x, w), "conv", stride=(1, 1), padding=(0, 0, 0, 0)))
    predicted, cycles, notes = predicted_and_machine(b.build())
    t, k, n = map(int, GEMM.match(notes[0]).groups()[1:4])
    assert within(("windows", t, k, n), predicted, cycles) is None


BANDS = re.compile(r"\S+: stride-1 conv by bands of .*~(\d+) cycles")


@pytest.mark.parametrize(
    "chip, x_shape, w_shape",
    [
        ("edge", (32, 10, 10, 1), (3, 3, 1, 8)),
        ("edge", (32, 6, 6, 8), (3, 3, 8, 16)),
        ("tpu-v1", (8, 16, 16, 256), (3, 3, 256, 256)),
        ("tpu-v1", (8, 9, 9, 512), (3, 3, 512, 512)),
    ],
    ids=["lenet-conv1", "lenet-conv4", "resnet-256", "resnet-512"],
)
def test_row_band_convolutions(monkeypatch, chip, x_shape, w_shape):
    """Convolutions by bands of input rows (padding applied beforehand): LeNet's two on
    `edge`, ResNet-18's 256- and 512-channel 3x3 layers at batch 8 on `tpu-v1`."""
    monkeypatch.setattr(conv, "_taps_pay", lambda *a: False)
    monkeypatch.setattr(conv, "_bands_pay", lambda *a: True)
    cfg = ChipConfig.from_toml(chip)
    b = IRBuilder("conv")
    x = b.input("x", x_shape, dtype=cfg.input_dtype)
    w = b.input("w", w_shape, dtype=cfg.input_dtype)
    b.output("y", b.add(Op.CONV2D, (x, w), "conv", stride=(1, 1), padding=(0, 0, 0, 0)))
    lowered = lower(b.build(), cfg)
    notes = [n for n in lowered.notes if BANDS.match(n)]
    assert len(notes) == 1, lowered.notes
    predicted = int(BANDS.match(notes[0]).group(1))
    cycles = run_machine(lowered.program, "fast", trace=False).counters.cycles
    assert abs(predicted / cycles - 1) <= 0.10, (predicted, cycles)


TAPS = re.compile(r"\S+: stride-1 conv by tap planes of .*~(\d+) cycles")


def test_tap_plane_convolution():
    """A convolution by tap planes (compiler/lower/conv_taps.py) of the shape of LeNet's
    conv4 input gradient (dY [32, 4, 4, 16] padded by 1 on chip, 8 output channels), which
    the cost model picks on `edge`."""
    b = IRBuilder("conv")
    x = b.input("x", (32, 4, 4, 16), dtype=DType.BF16)
    w = b.input("w", (3, 3, 16, 8), dtype=DType.BF16)
    b.output("y", b.add(Op.CONV2D, (x, w), "conv", stride=(1, 1), padding=(1, 1, 1, 1)))
    lowered = lower(b.build(), ChipConfig.from_toml("edge"))
    notes = [n for n in lowered.notes if TAPS.match(n)]
    assert len(notes) == 1, lowered.notes
    predicted = int(TAPS.match(notes[0]).group(1))
    cycles = run_machine(lowered.program, "fast", trace=False).counters.cycles
    assert abs(predicted / cycles - 1) <= 0.10, (predicted, cycles)
