"""The report tells the truth about the network: useful MACs are every zoo layer's true MACs,
counted here from the layer shapes alone (not from the compiler's table or the instructions);
bounds and efficiencies follow from them; a fused optimizer update is reported as optimizer."""

from __future__ import annotations

import json
import math
from collections import Counter

import pytest

from chip.config import ChipConfig
from chip.counters import total
from chip.isa import Store
from chip.program import Phase, TensorKind
from compiler import zoo
from compiler.ir import Graph, Op
from compiler.lower.program import lower
from compiler.passes.pipeline import graph_passes
from runtime.cli import main
from runtime.models import ZOO, train_spec
from runtime.report import RunReport, bound_cycles, efficiency, layer_reports, static_work


def true_macs_by_layer(graph: Graph) -> Counter[str]:
    """Per GEMM layer name: multiply-accumulates from the shapes. A dense layer computes
    M x N outputs of K products; a convolution N x Ho x Wo x Cout outputs of KH x KW x Cin
    products (zero-padding taps included), and so do both of its gradients (each output
    element of the forward convolution meets each of its taps once)."""
    out: Counter[str] = Counter()
    for n in graph.nodes:
        ins = [graph.nodes[i].shape for i in n.inputs]
        name = n.name or f"{n.op.value}{n.id}"
        if n.op is Op.MATMUL:
            (m, k) = ins[0][::-1] if n.attrs.get("trans_a") else ins[0]
            out[name] += m * k * n.shape[1]
        elif n.op is Op.CONV2D:
            kh, kw, cin, cout = ins[1]
            batch, ho, wo, _ = n.shape
            out[name] += batch * ho * wo * cout * kh * kw * cin
        elif n.op is Op.CONV2D_GRAD_INPUT:  # (dy, w)
            batch, ho, wo, cout = ins[0]
            kh, kw, cin, _ = ins[1]
            out[name] += batch * ho * wo * cout * kh * kw * cin
        elif n.op is Op.CONV2D_GRAD_WEIGHT:  # (x, dy) -> w
            batch, ho, wo, cout = ins[1]
            kh, kw, cin, _ = n.shape
            out[name] += batch * ho * wo * cout * kh * kw * cin
    return out


CASES = [
    *(pytest.param(m, {"batch": 2}, True, id=f"{m}-train") for m, (_, d) in ZOO.items() if d),
    pytest.param("alexnet", {"image": 64, "width": 0.125}, False, id="alexnet"),
    pytest.param("vgg11", {"image": 32, "width": 0.125}, False, id="vgg11"),
    pytest.param("encoder_block", {"batch": 2}, False, id="encoder_block"),
    pytest.param(
        "resnet18", {"image": 16}, False, id="resnet18", marks=pytest.mark.slow
    ),  # 25 s to compile
]


@pytest.mark.parametrize("model, kwargs, train", CASES)
def test_useful_macs_are_the_true_macs_of_every_zoo_layer(model, kwargs, train):
    builder, d = ZOO[model]
    chip = ChipConfig.from_toml("edge")
    spec = train_spec("ce", d.optimizer, d.lr) if train else None
    prim = graph_passes(getattr(zoo, builder)(**kwargs), compute_dtype=chip.input_dtype, train=spec)
    program = lower(prim, chip).program
    layers = layer_reports(static_work(program))
    report = RunReport(
        "run", chip, model, "functional", total(x.work for x in layers), layers, 0, 0
    )
    doc = json.loads(json.dumps(report.to_json()))
    got: Counter[str] = Counter()
    for row in doc["layers"]:
        got[row["layer"]] += row["useful_macs"]
        assert row["work"]["padding_macs"] >= 0 and row["work"]["tile_waste"] >= 0, row["layer"]
    want = true_macs_by_layer(prim)
    assert +got == want
    assert doc["total"]["useful_macs"] == sum(want.values()) > 0


def test_cli_report_of_a_compiled_lenet(tmp_path, capsys):
    """Through the program file and `systolic run`: LeNet's stride-1 convolutions compute no
    output they throw away, so the array's MACs are the true MACs but for conv1's packed
    bands (two output columns per array row, compiler/lower/conv_bands.py), whose weights'
    zeros the array multiplies too; the run's bound is no larger than its cycles, and layer
    cycles sum to the run's."""
    prog = tmp_path / "lenet.prog"
    assert main(["compile", "cnn", "--batch", "2", "-o", str(prog)]) == 0
    out = tmp_path / "run"
    assert main(["run", str(prog), "--random-inputs", "--no-plots", "--out", str(out)]) == 0
    capsys.readouterr()
    doc = json.loads((out / "report.json").read_text())
    want = true_macs_by_layer(
        graph_passes(zoo.lenet(batch=2), compute_dtype=ChipConfig.from_toml("edge").input_dtype)
    )
    got = Counter()
    for row in doc["layers"]:
        got[row["layer"]] += row["useful_macs"]
    assert +got == want
    conv = next(row for row in doc["layers"] if row["layer"] == "conv1")
    assert conv["macs"] == conv["useful_macs"] + conv["work"]["padding_macs"]
    # each pair of packed outputs: 3 kernel rows x a 4-pixel run x 16 columns, of which
    # 2 outputs x 9 taps x 8 channels are useful
    packed_zeros = 2 * 8 * 8 // 2 * (3 * 4 * 16 - 2 * 9 * 8)
    assert [row["work"]["padding_macs"] for row in doc["layers"]] == [
        packed_zeros if row["layer"] == "conv1" else 0 for row in doc["layers"]
    ]
    assert doc["total"]["macs"] == doc["total"]["useful_macs"] + packed_zeros
    report = RunReport.from_json(doc)
    # a layer overlapped by others may be charged fewer cycles than its bound; the run may not
    assert bound_cycles(report.total, report.chip) <= report.total.cycles
    assert sum(lr.work.cycles for lr in report.layers) == report.total.cycles
    assert 0 < efficiency(report.total, report.chip) <= 1
    assert math.isclose(
        doc["total"]["derived"]["efficiency"], efficiency(report.total, report.chip)
    )


def test_a_fused_weight_update_is_reported_under_optimizer():
    """The digits MLP's weight updates run in their gradient GEMM's epilogue: their vector work
    and DRAM traffic are tagged `<param>.update/optimizer`, and the gradient tag keeps only the
    GEMM and the backward values."""
    builder, d = ZOO["mlp"]
    chip = ChipConfig.from_toml("edge")
    spec = train_spec("ce", d.optimizer, d.lr)
    prim = graph_passes(getattr(zoo, builder)(batch=8), compute_dtype=chip.input_dtype, train=spec)
    program = lower(prim, chip).program
    work = {(x.layer, x.phase): x.work for x in layer_reports(static_work(program))}
    for layer in ("dense1", "dense3", "dense5"):
        update = work[(f"{layer}.w.update", "optimizer")]
        assert update.macs == 0 and update.actions and update.dram_write_bytes > 0
        grad = work[(f"grad_{layer}", "backward")]
        assert grad.macs > 0
    # every store into a parameter (the updated weights) is optimizer work
    params = [t for t in program.tensors.values() if t.kind is TensorKind.PARAM]
    stores = [
        (ins, tag)
        for ins, tag in zip(program.instrs, program.tags, strict=True)
        if isinstance(ins, Store) and any(t.addr <= ins.dram < t.addr + t.nbytes for t in params)
    ]
    assert stores and all(tag.phase is Phase.OPTIMIZER for _, tag in stores)
