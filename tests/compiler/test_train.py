"""Training steps via the reference interpreter vs hand-written NumPy optimizer steps."""

from __future__ import annotations

import numpy as np
import pytest

from chip.program import TensorRole
from compiler.ir import Op
from compiler.passes.pipeline import graph_passes
from compiler.reference import evaluate
from compiler.train import SGD, Adam, Momentum, TrainSpec, host_scalars
from compiler.zoo import mlp

BATCH, CLASSES = 4, 3


def _numpy_grads(p: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray) -> tuple[float, dict]:
    """Loss and gradients of dense-relu-dense with mean softmax cross-entropy, by hand."""
    a = x @ p["dense1.w"] + p["dense1.b"]
    h = np.maximum(a, 0)
    z = h @ p["dense3.w"] + p["dense3.b"]
    e = np.exp(z - z.max(1, keepdims=True))
    s = e / e.sum(1, keepdims=True)
    loss = -(y * np.log(s)).sum() / len(x)
    dz = (s - y) / len(x)
    dh = dz @ p["dense3.w"].T * (a > 0)
    return loss, {
        "dense3.w": h.T @ dz,
        "dense3.b": dz.sum(0),
        "dense1.w": x.T @ dh,
        "dense1.b": dh.sum(0),
    }


def _numpy_step(opt, lr: float, p: dict, g: dict, st: dict, t: int) -> dict:
    out = {}
    for k in p:
        gk = g[k]
        if isinstance(opt, SGD):
            out[k] = p[k] - lr * (gk + opt.weight_decay * p[k])
        elif isinstance(opt, Momentum):
            gk = gk + opt.weight_decay * p[k]
            st[k + "v"] = opt.momentum * st.get(k + "v", 0) + gk
            step = gk + opt.momentum * st[k + "v"] if opt.nesterov else st[k + "v"]
            out[k] = p[k] - lr * step
        else:
            if not opt.decoupled:
                gk = gk + opt.weight_decay * p[k]
            st[k + "m"] = opt.beta1 * st.get(k + "m", 0) + (1 - opt.beta1) * gk
            st[k + "v"] = opt.beta2 * st.get(k + "v", 0) + (1 - opt.beta2) * gk**2
            m_hat = st[k + "m"] / (1 - opt.beta1**t)
            v_hat = st[k + "v"] / (1 - opt.beta2**t)
            out[k] = p[k] - lr * (m_hat / (np.sqrt(v_hat) + opt.eps))
            if opt.decoupled:
                out[k] = out[k] - lr * opt.weight_decay * p[k]
    return out


@pytest.mark.parametrize(
    "opt",
    [
        SGD(),
        SGD(weight_decay=0.1),
        Momentum(0.9),
        Momentum(0.8, weight_decay=0.05, nesterov=True),
        Adam(),
        Adam(weight_decay=0.1, decoupled=True),
        Adam(beta1=0.5, weight_decay=0.01),
    ],
    ids=lambda o: repr(o),
)
def test_training_steps_match_numpy(opt) -> None:
    rng = np.random.default_rng(1)
    forward = mlp(batch=BATCH, inputs=5, hidden=(6,), classes=CLASSES)
    step = graph_passes(forward, train=TrainSpec("ce", opt, lr=0.1), verify=True)
    params = {k: np.asarray(v, np.float64) for k, v in forward.params.items()}
    state: dict = {}
    numpy_state: dict = {}
    lr = float(step.state["lr"][0])  # 0.1 as the float32 the DRAM holds
    for t in (1, 2, 3):
        x = rng.standard_normal((BATCH, 5))
        y = np.eye(CLASSES)[rng.integers(0, CLASSES, BATCH)]
        state = {**state, **host_scalars(opt, t, lr)}
        ev = evaluate(step, {"x": x, "labels": y}, params=params, state=state)
        loss, grads = _numpy_grads(params, x, y)
        np.testing.assert_allclose(ev.outputs["loss"], [loss], rtol=1e-10)
        want = _numpy_step(opt, lr, params, grads, numpy_state, t)
        new = ev.updates
        for k in params:
            np.testing.assert_allclose(new[k], want[k], rtol=1e-9, atol=1e-12, err_msg=k)
        params = {k: new[k] for k in params}
        state = {k: new[k] for k in step.state if k in new}


def test_learning_rate_and_bias_corrections_are_host_written_state() -> None:
    step = graph_passes(
        mlp(batch=2, inputs=3, hidden=(4,), classes=2), train=TrainSpec("ce", Adam(), lr=0.5)
    )
    assert step.state["lr"].tolist() == [0.5]
    scalars = {"lr", "adam.step_size", "adam.bias_rsqrt"}
    assert scalars <= set(step.state)
    assert not scalars & set(step.updates)  # the host owns the schedule and the corrections
    # initial values are step 1's: lr / (1 - 0.9) and 1 / sqrt(1 - 0.999)
    np.testing.assert_allclose(step.state["adam.step_size"], [5.0], rtol=1e-7)
    np.testing.assert_allclose(step.state["adam.bias_rsqrt"], [1000**0.5], rtol=1e-7)
    # The learning rate enters only through the STATE: no SCALE node carries 0.5.
    assert not any(n.op is Op.SCALE and n.attrs["value"] == 0.5 for n in step.nodes)


def test_mse_training_step_has_loss_and_updates() -> None:
    forward = mlp(batch=3, inputs=4, hidden=(5,), classes=2)
    step = graph_passes(forward, train=TrainSpec("mse", SGD(), lr=0.01), verify=True)
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((3, 4)), rng.standard_normal((3, 2))
    ev = evaluate(step, {"x": x, "labels": y})
    pred = evaluate(forward, {"x": x}).outputs["logits"]
    np.testing.assert_allclose(ev.outputs["loss"], [((pred - y) ** 2).mean()], rtol=1e-10)
    assert set(ev.updates) == set(forward.params)


def test_bad_train_spec_is_rejected() -> None:
    with pytest.raises(ValueError, match="loss 'hinge' must be one of ce, mse"):
        TrainSpec("hinge")
    with pytest.raises(ValueError, match="lr must be positive, not 0"):
        TrainSpec("ce", lr=0)


def test_batch_norm_trains_with_batch_statistics_and_updates_running_averages() -> None:
    from compiler.builder import Net

    net = Net("bn", seed=2)
    x = net.input("x", (6, 2, 2, 3))
    net.output("logits", net.dense(net.flatten(net.batch_norm(x, name="bn")), 4, name="fc"))
    forward = net.build()
    step = graph_passes(
        forward, train=TrainSpec("ce", SGD(weight_decay=0.5), lr=0.1, bn_momentum=0.25), verify=True
    )
    rng = np.random.default_rng(0)
    xv = rng.standard_normal((6, 2, 2, 3)) * 3 + 1
    ev = evaluate(step, {"x": xv, "labels": np.eye(4)[[0, 1, 2, 3, 0, 1]]})
    flat = xv.reshape(-1, 3)
    np.testing.assert_allclose(ev.updates["bn.running_mean"], 0.25 * flat.mean(0), rtol=1e-12)
    np.testing.assert_allclose(
        ev.updates["bn.running_var"], 0.75 + 0.25 * flat.var(0, ddof=1), rtol=1e-12
    )
    # gamma and beta are trained; the forward pass normalized with the batch statistics.
    assert not np.allclose(ev.updates["bn.gamma"], 1.0)
    normalized = (xv - flat.mean(0)) / np.sqrt(flat.var(0) + 1e-5)
    logits = normalized.reshape(6, -1) @ forward.params["fc.w"] + forward.params["fc.b"]
    np.testing.assert_allclose(ev.outputs["logits"], logits, rtol=1e-6)
    # the running statistics are updated, not trained: a role of their own in the program
    assert step.of_role(TensorRole.RUNNING_STAT) == ["bn.running_mean", "bn.running_var"]
    assert step.role("bn.gamma") is TensorRole.PARAM


def test_the_training_step_gives_its_tensors_their_roles() -> None:
    step = graph_passes(mlp(batch=BATCH, classes=CLASSES), train=TrainSpec("ce", Adam()))
    assert step.of_role(TensorRole.INPUT) == ["x"]
    assert step.of_role(TensorRole.LABEL) == ["labels"]
    assert step.of_role(TensorRole.LEARNING_RATE) == ["lr"]
    assert step.of_role(TensorRole.LOSS) == ["loss"]
    assert step.of_role(TensorRole.OUTPUT) == ["logits"]
    assert set(step.of_role(TensorRole.OPTIMIZER_STATE)) == {
        "adam.step_size",
        "adam.bias_rsqrt",
        *(f"{p}.{m}" for p in step.params for m in "mv"),
    }


def test_verify_rejects_a_role_that_does_not_fit() -> None:
    from compiler.passes.verify import VerifyError, verify

    graph = mlp(batch=BATCH, classes=CLASSES)
    with pytest.raises(VerifyError, match="'logits' is a output tensor and cannot have role label"):
        verify(graph.replace(roles={"logits": TensorRole.LABEL}))
    with pytest.raises(VerifyError, match="role loss given to 'nope', which is no source"):
        verify(graph.replace(roles={"nope": TensorRole.LOSS}))


def test_bad_optimizer_hyperparameters_are_rejected() -> None:
    with pytest.raises(ValueError, match=r"Momentum.momentum must be in \[0, 1\), not 1.5"):
        Momentum(1.5)
    with pytest.raises(ValueError, match=r"Adam.beta2 must be in \[0, 1\), not 1.0"):
        Adam(beta2=1.0)
    with pytest.raises(ValueError, match="SGD.weight_decay must be >= 0, not -0.1"):
        SGD(weight_decay=-0.1)
    with pytest.raises(ValueError, match="Adam.eps must be positive, not 0"):
        Adam(eps=0)


def test_host_scalars_are_exact_bias_corrections() -> None:
    """1 - 0.999^t from float64 powers, not from repeated fp32 products (off by 1.3e-5 at
    t = 1: fp32(0.999) = 0.99900001287...)."""
    for t in (1, 2, 10, 1000, 100000):
        s = host_scalars(Adam(), t, 0.001)
        want = 1 / np.sqrt(1 - 0.999**t)
        np.testing.assert_allclose(s["adam.bias_rsqrt"], [want], rtol=1e-15)
        np.testing.assert_allclose(s["adam.step_size"], [0.001 / (1 - 0.9**t)], rtol=1e-15)
    with pytest.raises(ValueError, match="count from 1, not 0"):
        host_scalars(SGD(), 0, 0.1)
