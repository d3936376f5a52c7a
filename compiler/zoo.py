"""Reference networks written with `compiler.builder.Net`.

Each function returns a forward `Graph` with one input ``x`` and one output ``logits``
(``y`` for the encoder block). The 8x8-digit models match scikit-learn's ``load_digits``.
"""

from __future__ import annotations

from collections.abc import Sequence

from compiler.builder import Net, Tensor
from compiler.ir import Graph


def mlp(
    batch: int = 8,
    inputs: int = 64,
    hidden: Sequence[int] = (64, 32),
    classes: int = 10,
    seed: int = 0,
) -> Graph:
    """Dense + ReLU layers, then a dense classifier."""
    net = Net("mlp", seed)
    h = net.input("x", (batch, inputs))
    for width in hidden:
        h = net.relu(net.dense(h, width))
    net.output("logits", net.dense(h, classes))
    return net.build()


def lenet(batch: int = 8, classes: int = 10, seed: int = 0) -> Graph:
    """A LeNet-style CNN for 8x8 single-channel digits (NHWC input [B, 8, 8, 1])."""
    net = Net("lenet", seed)
    x = net.input("x", (batch, 8, 8, 1))
    h = net.max_pool(net.relu(net.conv2d(x, 8, 3, padding="same")), 2)
    h = net.max_pool(net.relu(net.conv2d(h, 16, 3, padding="same")), 2)
    h = net.relu(net.dense(net.flatten(h), 32))
    net.output("logits", net.dense(h, classes))
    return net.build()


def lstm_classifier(batch: int = 8, hidden: int = 32, classes: int = 10, seed: int = 0) -> Graph:
    """Reads an 8x8 digit row by row ([B, 8 time steps, 8 features]); classifies the last
    hidden state."""
    net = Net("lstm_classifier", seed)
    x = net.input("x", (batch, 8, 8))
    net.output("logits", net.dense(net.lstm(x, hidden), classes))
    return net.build()


def _basic_block(net: Net, x: Tensor, filters: int, stride: int) -> Tensor:
    h = net.relu(net.batch_norm(net.conv2d(x, filters, 3, stride, padding=1, bias=False)))
    h = net.batch_norm(net.conv2d(h, filters, 3, 1, padding=1, bias=False))
    if stride != 1 or x.shape[-1] != filters:
        x = net.batch_norm(net.conv2d(x, filters, 1, stride, padding=0, bias=False))
    return net.relu(net.add(h, x))


def resnet18(batch: int = 1, image: int = 224, classes: int = 1000, seed: int = 0) -> Graph:
    """ResNet-18 (He et al. 2016) on NHWC images [B, image, image, 3]."""
    net = Net("resnet18", seed)
    x = net.input("x", (batch, image, image, 3))
    h = net.relu(net.batch_norm(net.conv2d(x, 64, 7, 2, padding=3, bias=False)))
    h = net.max_pool(h, 3, 2, padding=1)
    for stage, filters in enumerate((64, 128, 256, 512)):
        for block in range(2):
            stride = 2 if stage > 0 and block == 0 else 1
            h = _basic_block(net, h, filters, stride)
    net.output("logits", net.dense(net.global_avg_pool(h), classes))
    return net.build()


def transformer_encoder_block(
    batch: int = 2, seq: int = 8, dim: int = 32, ff: int = 64, seed: int = 0
) -> Graph:
    """Post-norm encoder block: LN(x + Attn(x)), then LN(h + FF(h)) with a GELU FF."""
    net = Net("transformer_encoder_block", seed)
    x = net.input("x", (batch, seq, dim))
    h = net.layer_norm(net.add(x, net.attention(x)))
    f = net.dense(net.gelu(net.dense(h, ff)), dim)
    net.output("y", net.layer_norm(net.add(h, f)))
    return net.build()


MODELS = {
    "mlp": mlp,
    "lenet": lenet,
    "lstm_classifier": lstm_classifier,
    "resnet18": resnet18,
    "transformer_encoder_block": transformer_encoder_block,
}
