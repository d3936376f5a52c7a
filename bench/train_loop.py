"""The training loop on the `fast` machine against the same training in NumPy float32.

    python -m bench.train_loop [--models mlp cnn] [--preset edge] [--repeat 2]

For each zoo model (``mlp``: 64-64-32-10 dense + ReLU; ``cnn``: the LeNet of `compiler.zoo`)
the chip's training step and evaluation program are compiled as ``systolic train`` compiles
them (the model's default batch, epochs, optimizer, learning rate and schedule, softmax
cross-entropy), then `runtime.train.Trainer` runs the whole training on the digits data set:
every step on the `fast` machine plus the test-set evaluation after each epoch. Only that
loop is timed (`TrainResult.host_seconds`), not imports or compiling.

The reference is the same network trained in NumPy float32 in this process: the same
batches (`runtime.data.train_batches`), learning rates (`TrainSettings.lr_at`), loss,
momentum SGD (`compiler.train.Momentum`'s rule) and per-epoch evaluation, written here with
plain matrix products (im2col for the convolutions). Each side is the best of ``--repeat``
runs (wall and CPU time each), NumPy single-threaded as the machine's products are; the
ratios are chip / NumPy. Both final losses are printed, so a reference that does not train
is visible.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from threadpoolctl import threadpool_limits

from runtime.data import Dataset, eval_batches, fit_to, load_digits, train_batches
from runtime.models import ZOO, compile_model, train_spec
from runtime.train import Schedule, Trainer, TrainSettings


def chip_loop(model: str, preset: str, data: Dataset) -> tuple[float, float, float]:
    """(training loop wall seconds, its CPU seconds, final loss) of ``model`` trained on the
    chip."""
    from runtime.cli_common import load_chip

    d = ZOO[model][1]
    assert d is not None
    chip = load_chip(preset, None)
    spec = train_spec("ce", d.optimizer, d.lr)
    step = compile_model(model, chip, d.batch_size, spec)
    evaluation = compile_model(model, chip, d.batch_size, quantize="dynamic")
    settings = TrainSettings(epochs=d.epochs, lr=d.lr, schedule=Schedule(d.schedule))
    trainer = Trainer(step, evaluation, data, settings, "fast", optimizer=spec.optimizer)
    cpu = time.process_time()
    result = trainer.run()
    cpu = time.process_time() - cpu
    return result.host_seconds, cpu, float(result.report.info["final_loss"])


# ---- the NumPy float32 reference ----
def _he(rng: np.random.Generator, fan_in: int, shape: tuple[int, ...]) -> np.ndarray:
    return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)


def _im2col(x: np.ndarray) -> np.ndarray:
    """[B, H, W, C] -> [B*H*W, 9*C]: the 3x3 'same' patches of every pixel."""
    b, h, w, c = x.shape
    p = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    cols = [p[:, i : i + h, j : j + w, :] for i in range(3) for j in range(3)]
    return np.concatenate(cols, axis=3).reshape(b * h * w, 9 * c)


def _col2im(g: np.ndarray, shape: tuple[int, int, int, int]) -> np.ndarray:
    """Adjoint of `_im2col`: sums patch gradients back onto [B, H, W, C]."""
    b, h, w, c = shape
    g = g.reshape(b, h, w, 9, c)
    p = np.zeros((b, h + 2, w + 2, c), np.float32)
    for k in range(9):
        i, j = divmod(k, 3)
        p[:, i : i + h, j : j + w, :] += g[:, :, :, k, :]
    return p[:, 1:-1, 1:-1, :]


def _pool(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """2x2 max pool of [B, H, W, C]: (output, [4, B, H/2, W/2, C] mask of the maxima, ties to
    the first in row-major window order)."""
    quads = [x[:, i::2, j::2, :] for i in range(2) for j in range(2)]
    out = np.maximum(np.maximum(quads[0], quads[1]), np.maximum(quads[2], quads[3]))
    mask = np.empty((4, *out.shape), np.float32)
    free = np.ones(out.shape, bool)
    for k, q in enumerate(quads):
        hit = (q == out) & free
        mask[k] = hit
        free &= ~hit
    return out, mask


def _unpool(g: np.ndarray, mask: np.ndarray) -> np.ndarray:
    b, h, w, c = g.shape
    full = np.empty((b, 2 * h, 2 * w, c), np.float32)
    for k in range(4):
        i, j = divmod(k, 2)
        full[:, i::2, j::2, :] = mask[k] * g
    return full


class NumpyNet:
    """The zoo's MLP or LeNet in float32 with its forward and backward passes."""

    def __init__(self, model: str, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.model = model
        if model == "mlp":
            dims = [(64, 64), (64, 32), (32, 10)]
        else:
            dims = [(9 * 1, 8), (9 * 8, 16), (64, 32), (32, 10)]
        self.params = []
        for fan_in, fan_out in dims:
            self.params += [_he(rng, fan_in, (fan_in, fan_out)), np.zeros(fan_out, np.float32)]

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, list]:
        p, tape = self.params, []
        if self.model == "mlp":
            h = x.reshape(len(x), -1)
            for k in range(0, len(p) - 2, 2):
                tape.append(h)
                h = np.maximum(h @ p[k] + p[k + 1], 0)
            tape.append(h)
            return h @ p[-2] + p[-1], tape
        h = x.reshape(len(x), 8, 8, 1)
        for k in (0, 2):
            cols = _im2col(h)
            z = (cols @ p[k] + p[k + 1]).reshape(*h.shape[:3], -1)
            r = np.maximum(z, 0)
            h, mask = _pool(r)
            tape.append((cols, z, mask))
        flat = h.reshape(len(x), -1)
        z3 = flat @ p[4] + p[5]
        h3 = np.maximum(z3, 0)
        tape.append((flat, z3, h3))
        return h3 @ p[6] + p[7], tape

    def backward(self, g: np.ndarray, tape: list) -> list[np.ndarray]:
        p, grads = self.params, [None] * len(self.params)
        if self.model == "mlp":
            for k in range(len(p) - 2, -1, -2):
                h = tape[k // 2]
                grads[k], grads[k + 1] = h.T @ g, g.sum(axis=0)
                if k:
                    g = (g @ p[k].T) * (h > 0)
            return grads
        flat, z3, h3 = tape[2]
        grads[6], grads[7] = h3.T @ g, g.sum(axis=0)
        g = (g @ p[6].T) * (z3 > 0)
        grads[4], grads[5] = flat.T @ g, g.sum(axis=0)
        g = (g @ p[4].T).reshape(len(g), 2, 2, 16)
        for k, side in ((2, 4), (0, 8)):
            cols, z, mask = tape[k // 2]
            gz = (_unpool(g, mask) * (z > 0)).reshape(-1, z.shape[3])
            grads[k], grads[k + 1] = cols.T @ gz, gz.sum(axis=0)
            if k:
                g = _col2im(gz @ p[k].T, (len(z), side, side, p[k].shape[0] // 9))
        return grads


def _softmax_ce(logits: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean softmax cross-entropy and its gradient with respect to the logits."""
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    prob = e / e.sum(axis=1, keepdims=True)
    n = len(y)
    loss = float(-np.log(prob[np.arange(n), y]).mean())
    prob[np.arange(n), y] -= 1.0
    return loss, prob / np.float32(n)


def numpy_loop(model: str, data: Dataset) -> tuple[float, float, float]:
    """(training loop wall seconds, its CPU seconds, final epoch's mean loss) of the NumPy
    float32 reference."""
    d = ZOO[model][1]
    assert d is not None
    settings = TrainSettings(epochs=d.epochs, lr=d.lr, schedule=Schedule(d.schedule))
    net = NumpyNet(model)
    velocity = [np.zeros_like(w) for w in net.params]
    x_train = data.x_train.astype(np.float32)
    x_test = data.x_test.astype(np.float32)
    sample = (64,) if model == "mlp" else (8, 8, 1)
    steps = len(x_train) // d.batch_size
    total, step, losses = steps * d.epochs, 0, []
    t, cpu = time.perf_counter(), time.process_time()
    for epoch in range(d.epochs):
        losses = []
        for idx in train_batches(len(x_train), d.batch_size, settings.seed, epoch):
            lr = np.float32(settings.lr_at(step, total))
            logits, tape = net.forward(fit_to(x_train[idx], sample, "numpy"))
            loss, g = _softmax_ce(logits, data.y_train[idx])
            for w, v, gw in zip(net.params, velocity, net.backward(g, tape), strict=True):
                v *= np.float32(0.9)
                v += gw
                w -= lr * v
            losses.append(loss)
            step += 1
        correct = 0
        for idx, valid in eval_batches(len(x_test), d.batch_size):
            logits, _ = net.forward(fit_to(x_test[idx], sample, "numpy"))
            correct += int((logits[:valid].argmax(axis=1) == data.y_test[idx[:valid]]).sum())
    return time.perf_counter() - t, time.process_time() - cpu, float(np.mean(losses))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", nargs="+", default=["mlp", "cnn"], choices=["mlp", "cnn"])
    ap.add_argument("--preset", default="edge")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    data = load_digits(seed=0)
    print(f"load average {os.getloadavg()[0]:.2f}")
    print(
        f"{'model':>6} {'chip s':>8} {'numpy s':>8} {'ratio':>6} {'chip cpu':>8} "
        f"{'np cpu':>8} {'ratio':>6} {'chip loss':>10} {'np loss':>8}"
    )
    for model in args.models:
        chip = [chip_loop(model, args.preset, data) for _ in range(args.repeat)]
        with threadpool_limits(1, user_api="blas"):  # as the machine runs its products
            ref = [numpy_loop(model, data) for _ in range(args.repeat)]
        c, c_cpu = min(run[0] for run in chip), min(run[1] for run in chip)
        r, r_cpu = min(run[0] for run in ref), min(run[1] for run in ref)
        print(
            f"{model:>6} {c:>8.3f} {r:>8.3f} {c / r:>6.1f} {c_cpu:>8.3f} {r_cpu:>8.3f} "
            f"{c_cpu / r_cpu:>6.1f} {chip[0][2]:>10.4f} {ref[0][2]:>8.4f}"
        )
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
