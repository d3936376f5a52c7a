"""Training steps compiled to IR and run in the float64 reference vs torch.optim (float64).

The compiler's training-step graph (`graph_passes` with a `TrainSpec`: batch-norm training,
decomposition, autodiff, optimizer update) runs three steps on fresh batches; an identical torch
model (nn.Linear / nn.Conv2d / nn.BatchNorm2d holding the IR's initial weights) takes the same
three steps with the matching torch optimizer. Losses and every parameter (and batch-norm
running statistic) must agree to ~1e-10 after each step.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from compiler.builder import Net
from compiler.ir import Graph
from compiler.passes.pipeline import graph_passes
from compiler.reference import evaluate
from compiler.train import SGD, Adam, Momentum, Optimizer, TrainSpec, host_scalars
from compiler.zoo import lenet, lstm_classifier, mlp, transformer_encoder_block
from tests.compiler.test_torch_reference import assert_close, nchw, nhwc

torch = pytest.importorskip(
    "torch", reason="PyTorch reference not installed (pip install -e '.[torch]')"
)
nn, F = torch.nn, torch.nn.functional

LR = 0.05
BATCH = 4
# (IR optimizer, the torch optimizer with the same meaning given parameters and lr)
OPTIMIZERS: dict[str, tuple[Optimizer, Callable]] = {
    "sgd": (SGD(), lambda p, lr: torch.optim.SGD(p, lr)),
    "sgd_weight_decay": (
        SGD(weight_decay=0.1),
        lambda p, lr: torch.optim.SGD(p, lr, weight_decay=0.1),
    ),
    "momentum": (Momentum(0.9), lambda p, lr: torch.optim.SGD(p, lr, momentum=0.9)),
    "nesterov_weight_decay": (
        Momentum(0.8, weight_decay=0.05, nesterov=True),
        lambda p, lr: torch.optim.SGD(p, lr, momentum=0.8, weight_decay=0.05, nesterov=True),
    ),
    "adam": (Adam(), lambda p, lr: torch.optim.Adam(p, lr)),
    "adam_l2": (
        Adam(beta1=0.5, beta2=0.99, eps=1e-6, weight_decay=0.01),
        lambda p, lr: torch.optim.Adam(p, lr, betas=(0.5, 0.99), eps=1e-6, weight_decay=0.01),
    ),
    "adamw": (
        Adam(weight_decay=0.1, decoupled=True),
        lambda p, lr: torch.optim.AdamW(p, lr, weight_decay=0.1),
    ),
}


def ir_views(layers: nn.ModuleDict) -> dict[str, Callable[[], torch.Tensor]]:
    """IR parameter name -> a function returning the torch tensor viewed in the IR's layout.

    The ModuleDict keys are the IR layer names. Linear weights are [out, in] (IR [in, out]),
    Conv2d weights [Cout, Cin, KH, KW] (IR [KH, KW, Cin, Cout]); an LSTM's one IR bias is
    torch's bias_ih (bias_hh is held at zero and frozen); attention's wq, wk, wv are the row
    blocks of in_proj_weight. Views share storage, so copying into one loads the weight.
    """
    views: dict[str, Callable[[], torch.Tensor]] = {}
    for name, m in layers.items():
        if isinstance(m, nn.Linear):
            views[f"{name}.w"] = lambda m=m: m.weight.T
        elif isinstance(m, nn.Conv2d):
            views[f"{name}.w"] = lambda m=m: m.weight.permute(2, 3, 1, 0)
        elif isinstance(m, nn.BatchNorm2d | nn.LayerNorm):
            views[f"{name}.gamma"] = lambda m=m: m.weight
            views[f"{name}.beta"] = lambda m=m: m.bias
            if isinstance(m, nn.BatchNorm2d):
                views[f"{name}.running_mean"] = lambda m=m: m.running_mean
                views[f"{name}.running_var"] = lambda m=m: m.running_var
            continue
        elif isinstance(m, nn.LSTM):
            views |= {
                f"{name}.w": lambda m=m: m.weight_ih_l0.T,
                f"{name}.r": lambda m=m: m.weight_hh_l0.T,
                f"{name}.b": lambda m=m: m.bias_ih_l0,
            }
            continue
        elif isinstance(m, nn.MultiheadAttention):
            for k, part in enumerate(("wq", "wk", "wv")):
                views[f"{name}.{part}"] = lambda m=m, k=k: m.in_proj_weight.chunk(3)[k].T
            views[f"{name}.wo"] = lambda m=m: m.out_proj.weight.T
            continue
        else:
            raise TypeError(f"no IR layout known for torch module {m!r}")
        if m.bias is not None:
            views[f"{name}.b"] = lambda m=m: m.bias
    return views


def load_ir_weights(layers: nn.ModuleDict, graph: Graph) -> None:
    views = ir_views(layers)
    assert set(views) == set(graph.params), (sorted(views), sorted(graph.params))
    with torch.no_grad():
        for name, view in views.items():
            view().copy_(torch.tensor(graph.params[name], dtype=torch.float64))


def _mlp() -> tuple[Graph, nn.ModuleDict, Callable]:
    graph = mlp(batch=BATCH, inputs=5, hidden=(6, 5), classes=3, seed=4)
    layers = nn.ModuleDict(
        {"dense1": nn.Linear(5, 6), "dense3": nn.Linear(6, 5), "dense5": nn.Linear(5, 3)}
    )

    def forward(x: torch.Tensor) -> torch.Tensor:
        h = torch.relu(layers["dense3"](torch.relu(layers["dense1"](x))))
        return layers["dense5"](h)

    return graph, layers, forward


def _lenet() -> tuple[Graph, nn.ModuleDict, Callable]:
    graph = lenet(batch=BATCH, classes=10, seed=5)
    layers = nn.ModuleDict(
        {
            "conv1": nn.Conv2d(1, 8, 3, padding=1),
            "conv4": nn.Conv2d(8, 16, 3, padding=1),
            "dense8": nn.Linear(64, 32),
            "dense10": nn.Linear(32, 10),
        }
    )

    def forward(x: torch.Tensor) -> torch.Tensor:
        h = F.max_pool2d(torch.relu(layers["conv1"](nchw(x))), 2)
        h = F.max_pool2d(torch.relu(layers["conv4"](h)), 2)
        h = nhwc(h).flatten(1)  # the IR flattens NHWC
        return layers["dense10"](torch.relu(layers["dense8"](h)))

    return graph, layers, forward


def _conv_bn() -> tuple[Graph, nn.ModuleDict, Callable]:
    """conv -> batch norm -> relu -> dense: batch statistics and running averages."""
    net = Net("conv_bn", seed=6)
    x = net.input("x", (BATCH, 4, 4, 2))
    h = net.relu(
        net.batch_norm(net.conv2d(x, 3, 3, padding="same", bias=False, name="conv"), name="bn")
    )
    net.output("logits", net.dense(net.flatten(h), 3, name="fc"))
    layers = nn.ModuleDict(
        {
            "conv": nn.Conv2d(2, 3, 3, padding=1, bias=False),
            "bn": nn.BatchNorm2d(3, eps=1e-5, momentum=0.1),
            "fc": nn.Linear(48, 3),
        }
    )

    def forward(x: torch.Tensor) -> torch.Tensor:
        h = torch.relu(layers["bn"](layers["conv"](nchw(x))))
        return layers["fc"](nhwc(h).flatten(1))

    return net.build(), layers, forward


def _lstm_classifier() -> tuple[Graph, nn.ModuleDict, Callable]:
    graph = lstm_classifier(batch=BATCH, hidden=5, classes=3, seed=8)
    layers = nn.ModuleDict({"lstm1": nn.LSTM(8, 5, batch_first=True), "dense2": nn.Linear(5, 3)})
    with torch.no_grad():  # the IR LSTM has one bias: torch's bias_hh stays zero
        layers["lstm1"].bias_hh_l0.zero_().requires_grad_(False)

    def forward(x: torch.Tensor) -> torch.Tensor:
        return layers["dense2"](layers["lstm1"](x)[0][:, -1])

    return graph, layers, forward


def _transformer() -> tuple[Graph, nn.ModuleDict, Callable]:
    graph = transformer_encoder_block(batch=2, seq=3, dim=4, ff=6, seed=9)
    layers = nn.ModuleDict(
        {
            "attn1": nn.MultiheadAttention(4, 1, bias=False, batch_first=True),
            "ln3": nn.LayerNorm(4),
            "dense4": nn.Linear(4, 6),
            "dense6": nn.Linear(6, 4),
            "ln8": nn.LayerNorm(4),
        }
    )

    def forward(x: torch.Tensor) -> torch.Tensor:
        h = layers["ln3"](x + layers["attn1"](x, x, x, need_weights=False)[0])
        f = layers["dense6"](F.gelu(layers["dense4"](h), approximate="tanh"))
        return layers["ln8"](h + f)

    return graph, layers, forward


MODELS = {
    "mlp": _mlp,
    "lenet": _lenet,
    "conv_bn": _conv_bn,
    "lstm": _lstm_classifier,
    "transformer": _transformer,
}


def train_both(
    model: str, opt_name: str, loss: str = "ce", batch: int | None = None, steps: int = 3
) -> None:
    """Three steps of the IR training step and of torch.optim; compare after each.

    ``batch`` recompiles the model for another batch size (`graph_passes` shape inference).
    """
    graph, layers, forward = MODELS[model]()
    layers = layers.double().train()
    opt, torch_opt = OPTIMIZERS[opt_name]
    step = graph_passes(graph, batch=batch, train=TrainSpec(loss, opt, lr=LR), verify=True)
    # The learning rate is a float32 STATE in DRAM; torch gets the same number.
    lr = float(step.state["lr"][0])
    load_ir_weights(layers, graph)
    optimizer = torch_opt([p for p in layers.parameters() if p.requires_grad], lr)
    views = ir_views(layers)
    params = {k: np.asarray(v, dtype=np.float64) for k, v in graph.params.items()}
    state: dict[str, np.ndarray] = {}
    rng = np.random.default_rng(7)
    x_shape, y_shape = step.inputs["x"].shape, step.inputs["labels"].shape
    for t in range(steps):
        x = rng.standard_normal(x_shape)
        if loss == "ce":
            classes = rng.integers(0, y_shape[-1], y_shape[0])
            labels, target = np.eye(y_shape[-1])[classes], torch.tensor(classes)
        else:
            labels = rng.standard_normal(y_shape)
            target = torch.tensor(labels)
        state = {**state, **host_scalars(opt, t + 1, lr)}
        ev = evaluate(step, {"x": x, "labels": labels}, params=params, state=state)
        optimizer.zero_grad()
        torch_loss = (F.cross_entropy if loss == "ce" else F.mse_loss)(
            forward(torch.tensor(x)), target
        )
        torch_loss.backward()
        optimizer.step()
        assert_close(ev.outputs["loss"], torch_loss.reshape(1), f"loss at step {t}")
        params = {k: ev.updates[k] for k in params}
        state = {k: ev.updates[k] for k in step.state if k in ev.updates}
        for name, view in views.items():
            assert_close(params[name], view(), f"{name} after step {t}")


@pytest.mark.parametrize("opt_name", sorted(OPTIMIZERS))
def test_mlp_training_matches_torch_optim(opt_name: str) -> None:
    train_both("mlp", opt_name)


@pytest.mark.parametrize("opt_name", ["momentum", "adamw"])
def test_lenet_training_matches_torch_optim(opt_name: str) -> None:
    train_both("lenet", opt_name)


@pytest.mark.parametrize("opt_name", ["sgd_weight_decay", "adam"])
def test_batch_norm_training_and_running_statistics_match_torch(opt_name: str) -> None:
    train_both("conv_bn", opt_name)


@pytest.mark.parametrize("opt_name", ["nesterov_weight_decay", "adam_l2"])
def test_lstm_classifier_training_matches_torch_optim(opt_name: str) -> None:
    train_both("lstm", opt_name)


@pytest.mark.parametrize("opt_name", ["momentum", "adamw"])
def test_transformer_block_mse_training_matches_torch_optim(opt_name: str) -> None:
    train_both("transformer", opt_name, loss="mse")


@pytest.mark.parametrize(
    ("model", "batch", "loss"), [("conv_bn", 6, "ce"), ("transformer", 3, "mse")]
)
def test_training_recompiled_for_another_batch_matches_torch(
    model: str, batch: int, loss: str
) -> None:
    """Shape inference to a new batch redoes batch statistics and per-sample attention."""
    train_both(model, "adam", loss=loss, batch=batch)
