"""Builder and zoo models build, verify, decompose faithfully and train in the reference."""

from __future__ import annotations

import numpy as np
import pytest

from compiler import zoo
from compiler.builder import Net
from compiler.ir import COMPOSITE, GATES, Op
from compiler.passes.decompose import decompose
from compiler.passes.pipeline import graph_passes
from compiler.passes.verify import verify
from compiler.reference import evaluate, run
from compiler.train import Adam, TrainSpec

SMALL = {
    "mlp": ({}, (8, 10)),
    "lenet": ({}, (8, 10)),
    "lstm_classifier": ({}, (8, 10)),
    "resnet18": ({"batch": 2, "image": 32, "classes": 10}, (2, 10)),
    "transformer_encoder_block": ({}, (2, 8, 32)),
}


@pytest.mark.parametrize("name", sorted(SMALL))
def test_zoo_model_runs_and_decomposes_faithfully(name: str) -> None:
    kwargs, out_shape = SMALL[name]
    graph = verify(zoo.MODELS[name](**kwargs))
    rng = np.random.default_rng(0)
    x = {"x": rng.standard_normal(graph.inputs["x"].shape)}
    ((out_name, want),) = run(graph, x).items()
    assert want.shape == out_shape
    lowered = graph_passes(graph, verify=True)
    assert not any(n.op in COMPOSITE for n in lowered.nodes)
    np.testing.assert_allclose(run(lowered, x)[out_name], want, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", ["lenet", "lstm_classifier", "transformer_encoder_block"])
def test_zoo_training_step_reduces_the_loss(name: str) -> None:
    graph = zoo.MODELS[name]()
    loss = "mse" if name.startswith("transformer") else "ce"
    step = graph_passes(graph, train=TrainSpec(loss, Adam(), lr=1e-2), verify=True)
    rng = np.random.default_rng(0)
    x = rng.standard_normal(graph.inputs["x"].shape)
    shape = step.inputs["labels"].shape
    labels = (
        np.eye(shape[-1])[rng.integers(0, shape[-1], shape[0])]
        if loss == "ce"
        else rng.standard_normal(shape)
    )
    first = evaluate(step, {"x": x, "labels": labels})
    params = {k: first.updates[k] for k in graph.params}
    state = {k: v for k, v in first.updates.items() if k in step.state}
    for _ in range(5):
        ev = evaluate(step, {"x": x, "labels": labels}, params=params, state=state)
        params = {k: ev.updates[k] for k in graph.params}
        state = {k: v for k, v in ev.updates.items() if k in step.state}
    # Repeating one batch with Adam must reduce its loss.
    assert ev.outputs["loss"][0] < first.outputs["loss"][0]


def test_resnet18_imagenet_shapes() -> None:
    graph = zoo.resnet18()
    assert graph.outputs.keys() == {"logits"}
    assert graph[graph.outputs["logits"]].shape == (1, 1000)
    n_params = sum(v.size for v in graph.params.values())
    assert 11_600_000 < n_params < 11_800_000  # 11.69 M in the paper's model
    assert sum(n.op is Op.CONV2D for n in graph.nodes) == 20


def test_resnet50_imagenet_shapes() -> None:
    graph = zoo.resnet50()
    assert graph[graph.outputs["logits"]].shape == (1, 1000)
    n_params = sum(v.size for v in graph.params.values())
    bn_channels = sum(graph[n.inputs[0]].shape[-1] for n in graph.nodes if n.op is Op.BATCH_NORM)
    # torchvision's resnet50 has 25,557,032 parameters; the graph also holds each batch
    # norm's running mean and variance
    assert n_params - 2 * bn_channels == 25_557_032
    assert sum(n.op is Op.CONV2D for n in graph.nodes) == 53


def test_batch_can_change_after_building() -> None:
    graph = graph_passes(zoo.lenet(batch=8), batch=3, verify=True)
    assert graph.inputs["x"].shape == (3, 8, 8, 1)
    assert graph[graph.outputs["logits"]].shape == (3, 10)


def test_every_builder_layer_decomposes_faithfully() -> None:
    net = Net("layers", seed=3)
    img = net.input("img", (2, 6, 6, 3))
    h = net.conv2d(img, 4, 3, stride=2, padding="same")
    h = net.leaky_relu(net.batch_norm(h), 0.1)
    h = net.avg_pool(h, 2, padding="same")
    h = net.concat([net.global_avg_pool(h), net.flatten(net.max_pool(h, 2))], axis=-1)
    h = net.gelu(net.layer_norm(net.sigmoid(net.dense(h, 6))))
    seq = net.reshape(net.tanh(h), (-1, 3, 2))
    r = net.rnn(seq, 3, return_sequences=True)
    g1 = net.gru(r, 4, return_sequences=True)
    g2 = net.gru(r, 4, linear_before_reset=False)
    att = net.attention(g1)
    net.output("a", net.softmax(net.add(g2, net.lstm(att, 4))))
    net.output("b", net.log_softmax(net.leaky_relu(g2, 2.5)))
    graph = net.build()
    rng = np.random.default_rng(0)
    x = {"img": rng.standard_normal((2, 6, 6, 3))}
    want = run(graph, x)
    got = run(decompose(graph), x)
    for k in want:
        np.testing.assert_allclose(got[k], want[k], rtol=1e-9, atol=1e-12, err_msg=k)


def test_builder_rejects_bad_shapes_naming_the_layer() -> None:
    net = Net()
    a = net.input("a", (2, 3))
    b = net.input("b", (2, 4))
    with pytest.raises(ValueError, match=r"add\d+: add with operand shapes \[\(2, 3\), \(2, 4\)\]"):
        net.add(a, b)


def test_builder_rejects_an_unknown_initializer() -> None:
    # A misspelt initializer used to fall through to zeros silently.
    with pytest.raises(
        ValueError,
        match=r"d\.w: init must be one of he, glorot, ones, zeros, "
        r"not 'xavier'",
    ):
        Net()._weight("d.w", (2, 2), 2, 2, "xavier")


@pytest.mark.parametrize("op", sorted(GATES, key=lambda op: op.value))
def test_recurrent_weights_are_sized_by_the_gate_table(op: Op) -> None:
    """The builder, shape inference and the ONNX importer all take the gate count from
    `compiler.ir.GATES`: [in, G*H] and [H, G*H] weights, and nothing else is accepted."""
    from onnx import helper

    from compiler.ir_builder import IRBuilder
    from compiler.onnx_import import import_onnx
    from compiler.passes.shape_infer import ShapeError
    from tests.compiler.onnx_models import onnx_init, onnx_model

    gates, feat, hid = GATES[op], 5, 4
    net = Net("rec", seed=0)
    net.output("h", getattr(net, op.value)(net.input("x", (2, 3, feat)), hid, name="cell"))
    built = net.build()
    assert built.params["cell.w"].shape == (feat, gates * hid)
    assert built.params["cell.r"].shape == (hid, gates * hid)

    cell = next(n for n in built.nodes if n.op is op)
    shapes = [built[i].shape for i in cell.inputs[1:]]
    b = IRBuilder()
    x = b.input("x", (2, 3, feat))
    for width in (gates * hid, (gates + 1) * hid):  # the table's width, and one gate more
        ws = [b.param(f"w{k}_{width}", np.zeros(s[:-1] + (width,))) for k, s in enumerate(shapes)]
        if width == gates * hid:
            b.add(op, (x, *ws), **cell.attrs)
        else:
            with pytest.raises(ShapeError, match="weights must have shapes"):
                b.add(op, (x, *ws), **cell.attrs)

    rng = np.random.default_rng(0)
    inits = [
        onnx_init(rng, "W", (1, gates * hid, feat)),
        onnx_init(rng, "R", (1, gates * hid, hid)),
    ]
    node = helper.make_node(op.value.upper(), ["x", "W", "R"], ["Y"], hidden_size=hid)
    graph = import_onnx(onnx_model([node], [("x", (3, 2, feat))], ["Y"], inits))
    widths = {v.shape for v in graph.params.values()}
    assert {(feat, gates * hid), (hid, gates * hid)} <= widths
