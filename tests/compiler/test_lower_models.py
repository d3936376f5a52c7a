"""Zoo models compiled (forward and training step) and run on the functional model against
the float64 reference with casts rounded as the chip rounds them.

Tolerance: 1e-4 relative to each tensor's largest magnitude on fp32, bf16 and int8 chips (the
chip sums in fp32 in its own order; Adam's division by sqrt(v) + eps amplifies that to ~1e-5).
On int8 chips the reference quantizes each GEMM operand exactly as the chip does (per-tensor
scale max|x| / 127, round half to even), so the comparison is as tight as for float chips.
"""

import numpy as np
import pytest

from chip.config import ChipConfig
from chip.dtypes import DType
from compiler import compile_lowered, zoo
from compiler.passes.pipeline import graph_passes
from compiler.reference import evaluate
from compiler.train import SGD, Adam, TrainSpec
from tests.compiler.lowering_helpers import run_on_chip

B = 4
MODELS = {
    "lenet": (lambda: zoo.lenet(batch=B), (B, 8, 8, 1)),
    "lstm": (lambda: zoo.lstm_classifier(batch=B, hidden=16), (B, 8, 8)),
    "resnet18-tiny": (lambda: zoo.resnet18(batch=1, image=16, classes=10), (1, 16, 16, 3)),
}


def feeds(x_shape: tuple[int, ...], train: TrainSpec | None) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    feed = {"x": rng.standard_normal(x_shape)}
    if train is not None:
        feed["labels"] = np.eye(10)[rng.integers(0, 10, x_shape[0])]
    return feed


def run_model(name: str, cfg: ChipConfig, train: TrainSpec | None, machine: bool = False):
    build, x_shape = MODELS[name]
    graph = build()
    batch = x_shape[0]
    lowered = compile_lowered(graph, cfg, batch=batch, train=train)
    feed = feeds(x_shape, train)
    got = run_on_chip(lowered, feed, machine)
    prim = graph_passes(graph, batch=batch, compute_dtype=cfg.input_dtype, train=train)
    ref = evaluate(prim, feed, round_casts=True)
    errors = {
        k: float(np.abs(got[k] - v).max() / max(np.abs(v).max(), 1e-30))
        for k, v in {**ref.outputs, **ref.updates}.items()
    }
    return errors, lowered, got


@pytest.mark.parametrize("train", [None, TrainSpec("ce", Adam(), 0.01)], ids=["fwd", "adam"])
@pytest.mark.parametrize("dtype", ["fp32", "bf16", "int8"])
@pytest.mark.parametrize("model", [pytest.param("lenet", marks=pytest.mark.slow), "lstm"])
def test_model_matches_reference(model, dtype, train):
    cfg = ChipConfig.from_toml("edge").replace(input_dtype=DType(dtype))
    errors, _, _ = run_model(model, cfg, train)
    assert max(errors.values()) <= 1e-4, errors


@pytest.mark.slow
def test_small_resnet_forward_and_sgd_step():
    # a 16x16 array would need ~10^5 weight tiles for ResNet-18's 11M weights; use 128x128
    cfg = ChipConfig.from_toml("train-128")
    for train in (None, TrainSpec("ce", SGD(), 0.01)):
        errors, _, _ = run_model("resnet18-tiny", cfg, train)
        assert max(errors.values()) <= 1e-4, errors


@pytest.mark.slow
@pytest.mark.parametrize("preset", ["edge", "tiny"])
def test_lenet_training_step_on_machine_is_bit_identical(preset):
    cfg = ChipConfig.from_toml(preset)
    train = TrainSpec("ce", Adam(), 0.01)
    _, lowered, fun = run_model("lenet", cfg, train)
    mach = run_on_chip(lowered, feeds((B, 8, 8, 1), train), machine=True)
    for name in fun:
        assert np.array_equal(fun[name], mach[name]), name


@pytest.mark.parametrize("dtype", ["fp32", "bf16", "int8"])
def test_transformer_block_forward_and_adam_step(dtype):
    cfg = ChipConfig.from_toml("edge").replace(input_dtype=DType(dtype))
    graph = zoo.transformer_encoder_block()
    shape = graph.inputs["x"].shape
    for train in (None, TrainSpec("mse", Adam(), 0.01)):
        lowered = compile_lowered(graph, cfg, train=train)
        prim = graph_passes(graph, compute_dtype=cfg.input_dtype, train=train)
        rng = np.random.default_rng(0)
        feed = {"x": rng.standard_normal(shape)}
        if train is not None:
            feed["labels"] = rng.standard_normal(prim.inputs["labels"].shape)
        got = run_on_chip(lowered, feed)
        ref = evaluate(prim, feed, round_casts=True)
        for k, v in {**ref.outputs, **ref.updates}.items():
            assert np.abs(got[k] - v).max() <= 1e-4 * np.abs(v).max(), k


ZOO = {
    "mlp": zoo.mlp,
    "lenet": zoo.lenet,
    "lstm": zoo.lstm_classifier,
    "transformer": zoo.transformer_encoder_block,
}


@pytest.mark.parametrize("preset", ["tiny", "edge", "tpu-v1", "train-128"])
@pytest.mark.parametrize("model", sorted(ZOO))
def test_zoo_model_compiles_for_every_preset(model, preset):
    from chip.config import load_preset

    cfg = load_preset(preset)
    graph = ZOO[model]()
    x = np.random.default_rng(0).standard_normal(graph.inputs["x"].shape)
    loss = "mse" if model == "transformer" else "ce"
    for train in (None, TrainSpec(loss, Adam(), 0.01)):
        # on int8 chips: GEMM operands quantized on chip, the rest fp32 (accf rows)
        prog = compile_lowered(graph, cfg, train=train).program
        assert len(prog.instrs) > 10 and prog.tensor("x").dtype is DType.FP32
    if cfg.input_dtype is not DType.INT8:
        return
    if model in ("mlp", "lenet"):  # static quantization: int8 weights and inputs
        prog = compile_lowered(graph, cfg, calibration={"x": x}).program
        assert prog.tensor("x").dtype is DType.INT8
    else:  # sigmoid/tanh/softmax need floating point on activations
        with pytest.raises(ValueError, match="cannot quantize"):
            compile_lowered(graph, cfg, calibration={"x": x})


def test_dump_switch_prints_the_lowering_report(monkeypatch, capsys):
    monkeypatch.setenv("SYSTOLIC_DUMP_IR", "1")
    compile_lowered(zoo.mlp(batch=2, inputs=4, hidden=(4,)), ChipConfig.from_toml("edge"))
    err = capsys.readouterr().err
    assert "// after lowering" in err and "gemm tiling:" in err


@pytest.mark.slow
def test_resnet18_training_step_compiles_for_train_128():
    # How long it takes is measured by bench/compile_time.py, not asserted here.
    lowered = compile_lowered(
        zoo.resnet18(batch=1), ChipConfig.from_toml("train-128"), train=TrainSpec("ce", SGD(), 0.01)
    )
    assert len(lowered.notes) >= 3 * 20  # forward, input and weight gradients of the convs
