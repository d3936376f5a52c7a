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
from compiler.train import SGD, Adam, Momentum, Optimizer, TrainSpec
from compiler.zoo import lenet, mlp
from tests.compiler.test_torch_grads import assert_close, nchw, nhwc

torch = pytest.importorskip("torch", reason="PyTorch reference not installed "
                                            "(pip install -e '.[torch]')")
nn, F = torch.nn, torch.nn.functional

LR = 0.05
BATCH = 4
# (IR optimizer, the torch optimizer with the same meaning given parameters and lr)
OPTIMIZERS: dict[str, tuple[Optimizer, Callable]] = {
    "sgd": (SGD(), lambda p, lr: torch.optim.SGD(p, lr)),
    "sgd_weight_decay": (SGD(weight_decay=0.1),
                         lambda p, lr: torch.optim.SGD(p, lr, weight_decay=0.1)),
    "momentum": (Momentum(0.9), lambda p, lr: torch.optim.SGD(p, lr, momentum=0.9)),
    "nesterov_weight_decay": (
        Momentum(0.8, weight_decay=0.05, nesterov=True),
        lambda p, lr: torch.optim.SGD(p, lr, momentum=0.8, weight_decay=0.05, nesterov=True)),
    "adam": (Adam(), lambda p, lr: torch.optim.Adam(p, lr)),
    "adam_l2": (Adam(beta1=0.5, beta2=0.99, eps=1e-6, weight_decay=0.01),
                lambda p, lr: torch.optim.Adam(p, lr, betas=(0.5, 0.99), eps=1e-6,
                                               weight_decay=0.01)),
    "adamw": (Adam(weight_decay=0.1, decoupled=True),
              lambda p, lr: torch.optim.AdamW(p, lr, weight_decay=0.1)),
}


def torch_tensors(layers: nn.ModuleDict) -> dict[str, tuple[torch.Tensor, tuple[int, ...]]]:
    """IR parameter name -> (the torch tensor, the permutation taking it to the IR layout).

    The ModuleDict keys are the IR layer names: Linear weights are [out, in] (IR [in, out]),
    Conv2d weights [Cout, Cin, KH, KW] (IR [KH, KW, Cin, Cout]).
    """
    out = {}
    for name, m in layers.items():
        if isinstance(m, nn.Linear):
            out[f"{name}.w"] = (m.weight, (1, 0))
        elif isinstance(m, nn.Conv2d):
            out[f"{name}.w"] = (m.weight, (2, 3, 1, 0))
        elif isinstance(m, nn.BatchNorm2d):
            out |= {f"{name}.gamma": (m.weight, (0,)), f"{name}.beta": (m.bias, (0,)),
                    f"{name}.running_mean": (m.running_mean, (0,)),
                    f"{name}.running_var": (m.running_var, (0,))}
            continue
        else:
            raise TypeError(f"no IR layout known for torch module {m!r}")
        if m.bias is not None:
            out[f"{name}.b"] = (m.bias, (0,))
    return out


def load_ir_weights(layers: nn.ModuleDict, graph: Graph) -> None:
    tensors = torch_tensors(layers)
    assert set(tensors) == set(graph.params), (sorted(tensors), sorted(graph.params))
    with torch.no_grad():
        for name, (t, perm) in tensors.items():
            t.copy_(torch.tensor(graph.params[name], dtype=torch.float64).permute(
                np.argsort(perm).tolist()))


def _mlp() -> tuple[Graph, nn.ModuleDict, Callable]:
    graph = mlp(batch=BATCH, inputs=5, hidden=(6, 5), classes=3, seed=4)
    layers = nn.ModuleDict({"dense1": nn.Linear(5, 6), "dense3": nn.Linear(6, 5),
                            "dense5": nn.Linear(5, 3)})

    def forward(x: torch.Tensor) -> torch.Tensor:
        h = torch.relu(layers["dense3"](torch.relu(layers["dense1"](x))))
        return layers["dense5"](h)
    return graph, layers, forward


def _lenet() -> tuple[Graph, nn.ModuleDict, Callable]:
    graph = lenet(batch=BATCH, classes=10, seed=5)
    layers = nn.ModuleDict({"conv1": nn.Conv2d(1, 8, 3, padding=1),
                            "conv4": nn.Conv2d(8, 16, 3, padding=1),
                            "dense8": nn.Linear(64, 32), "dense10": nn.Linear(32, 10)})

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
    h = net.relu(net.batch_norm(net.conv2d(x, 3, 3, padding="same", bias=False, name="conv"),
                                name="bn"))
    net.output("logits", net.dense(net.flatten(h), 3, name="fc"))
    layers = nn.ModuleDict({"conv": nn.Conv2d(2, 3, 3, padding=1, bias=False),
                            "bn": nn.BatchNorm2d(3, eps=1e-5, momentum=0.1),
                            "fc": nn.Linear(48, 3)})

    def forward(x: torch.Tensor) -> torch.Tensor:
        h = torch.relu(layers["bn"](layers["conv"](nchw(x))))
        return layers["fc"](nhwc(h).flatten(1))
    return net.build(), layers, forward


MODELS = {"mlp": _mlp, "lenet": _lenet, "conv_bn": _conv_bn}


def train_both(model: str, opt_name: str, steps: int = 3) -> None:
    graph, layers, forward = MODELS[model]()
    layers = layers.double().train()
    opt, torch_opt = OPTIMIZERS[opt_name]
    step = graph_passes(graph, train=TrainSpec("ce", opt, lr=LR), verify=True)
    # The learning rate is a float32 STATE in DRAM; torch gets the same number.
    lr = float(step.state["lr"][0])
    load_ir_weights(layers, graph)
    optimizer = torch_opt(layers.parameters(), lr)
    tensors = torch_tensors(layers)
    params = {k: np.asarray(v, dtype=np.float64) for k, v in graph.params.items()}
    state: dict[str, np.ndarray] = {}
    rng = np.random.default_rng(7)
    x_shape, classes = graph.inputs["x"].shape, graph[graph.outputs["logits"]].shape[-1]
    for t in range(steps):
        x, labels = rng.standard_normal(x_shape), rng.integers(0, classes, x_shape[0])
        ev = evaluate(step, {"x": x, "labels": np.eye(classes)[labels]}, params=params,
                      state=state)
        optimizer.zero_grad()
        loss = F.cross_entropy(forward(torch.tensor(x)), torch.tensor(labels))
        loss.backward()
        optimizer.step()
        assert_close(ev.outputs["loss"], loss.reshape(1), f"loss at step {t}")
        params = {k: ev.updates[k] for k in params}
        state = {k: ev.updates[k] for k in step.state if k in ev.updates}
        for name, (tensor, perm) in tensors.items():
            assert_close(params[name], tensor.permute(perm), f"{name} after step {t}")


@pytest.mark.parametrize("opt_name", sorted(OPTIMIZERS))
def test_mlp_training_matches_torch_optim(opt_name: str) -> None:
    train_both("mlp", opt_name)


@pytest.mark.parametrize("opt_name", ["momentum", "adamw"])
def test_lenet_training_matches_torch_optim(opt_name: str) -> None:
    train_both("lenet", opt_name)


@pytest.mark.parametrize("opt_name", ["sgd_weight_decay", "adam"])
def test_batch_norm_training_and_running_statistics_match_torch(opt_name: str) -> None:
    train_both("conv_bn", opt_name)
