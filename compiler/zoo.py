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


def gru_classifier(batch: int = 8, hidden: int = 32, classes: int = 10, seed: int = 0) -> Graph:
    """A GRU reading an 8x8 digit row by row ([B, 8 time steps, 8 features]); classifies the
    last hidden state."""
    net = Net("gru_classifier", seed)
    x = net.input("x", (batch, 8, 8))
    net.output("logits", net.dense(net.gru(x, hidden), classes))
    return net.build()


def rnn_classifier(batch: int = 8, hidden: int = 48, classes: int = 10, seed: int = 0) -> Graph:
    """A tanh RNN reading an 8x8 digit row by row; classifies the last hidden state."""
    net = Net("rnn_classifier", seed)
    x = net.input("x", (batch, 8, 8))
    net.output("logits", net.dense(net.rnn(x, hidden), classes))
    return net.build()


def transformer_classifier(
    batch: int = 8, dim: int = 32, ff: int = 64, classes: int = 10, seed: int = 0
) -> Graph:
    """Reads an 8x8 digit as 8 tokens (its rows): a dense embedding of each row, one post-norm
    encoder block (single-head self-attention, GELU feed-forward), then a dense classifier
    over the flattened tokens (whose weights per token position stand in for a positional
    encoding)."""
    net = Net("transformer_classifier", seed)
    x = net.input("x", (batch, 8, 8))
    e = net.dense(x, dim)
    h = net.layer_norm(net.add(e, net.attention(e)))
    h = net.layer_norm(net.add(h, net.dense(net.gelu(net.dense(h, ff)), dim)))
    net.output("logits", net.dense(net.flatten(h), classes))
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


def _bottleneck(net: Net, x: Tensor, width: int, stride: int) -> Tensor:
    # torchvision's ResNet v1.5: the stride is on the 3x3 convolution
    h = net.relu(net.batch_norm(net.conv2d(x, width, 1, 1, padding=0, bias=False)))
    h = net.relu(net.batch_norm(net.conv2d(h, width, 3, stride, padding=1, bias=False)))
    h = net.batch_norm(net.conv2d(h, 4 * width, 1, 1, padding=0, bias=False))
    if stride != 1 or x.shape[-1] != 4 * width:
        x = net.batch_norm(net.conv2d(x, 4 * width, 1, stride, padding=0, bias=False))
    return net.relu(net.add(h, x))


def resnet50(batch: int = 1, image: int = 224, classes: int = 1000, seed: int = 0) -> Graph:
    """ResNet-50 (He et al. 2016; torchvision's v1.5, stride on each bottleneck's 3x3
    convolution) on NHWC images [B, image, image, 3]: 3, 4, 6 and 3 bottleneck blocks."""
    net = Net("resnet50", seed)
    x = net.input("x", (batch, image, image, 3))
    h = net.relu(net.batch_norm(net.conv2d(x, 64, 7, 2, padding=3, bias=False)))
    h = net.max_pool(h, 3, 2, padding=1)
    for stage, (width, blocks) in enumerate(((64, 3), (128, 4), (256, 6), (512, 3))):
        for block in range(blocks):
            stride = 2 if stage > 0 and block == 0 else 1
            h = _bottleneck(net, h, width, stride)
    net.output("logits", net.dense(net.global_avg_pool(h), classes))
    return net.build()


def alexnet(
    batch: int = 1, image: int = 224, classes: int = 1000, width: float = 1.0, seed: int = 0
) -> Graph:
    """AlexNet as in torchvision (Krizhevsky 2014's one-GPU variant) on NHWC images [B, image,
    image, 3], without its dropout (identity at inference); ``width`` scales every layer.
    At 224x224: 5 convolutions, 3 max pools to 6x6x256, dense 9216-4096-4096-classes."""
    net = Net("alexnet", seed)

    def c(n: int) -> int:
        return max(1, round(n * width))

    h = net.input("x", (batch, image, image, 3))
    h = net.max_pool(net.relu(net.conv2d(h, c(64), 11, 4, padding=2)), 3, 2)
    h = net.max_pool(net.relu(net.conv2d(h, c(192), 5, padding=2)), 3, 2)
    h = net.relu(net.conv2d(h, c(384), 3, padding=1))
    h = net.relu(net.conv2d(h, c(256), 3, padding=1))
    h = net.max_pool(net.relu(net.conv2d(h, c(256), 3, padding=1)), 3, 2)
    h = net.relu(net.dense(net.flatten(h), c(4096)))
    h = net.relu(net.dense(h, c(4096)))
    net.output("logits", net.dense(h, classes))
    return net.build()


def alexnet_digits(batch: int = 8, classes: int = 10, seed: int = 0) -> Graph:
    """AlexNet's layer sequence (5 convolutions, 3 max pools, 3 dense) sized for 8x8 digits
    [B, 8, 8, 1]: 3x3 kernels, stride 1, 2x2 pools (8 -> 4 -> 2 -> 1)."""
    net = Net("alexnet_digits", seed)
    h = net.input("x", (batch, 8, 8, 1))
    h = net.max_pool(net.relu(net.conv2d(h, 16, 3)), 2)
    h = net.max_pool(net.relu(net.conv2d(h, 32, 3)), 2)
    h = net.relu(net.conv2d(h, 48, 3))
    h = net.relu(net.conv2d(h, 32, 3))
    h = net.max_pool(net.relu(net.conv2d(h, 32, 3)), 2)
    h = net.relu(net.dense(net.flatten(h), 64))
    h = net.relu(net.dense(h, 64))
    net.output("logits", net.dense(h, classes))
    return net.build()


VGG11 = (64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M")


def vgg11(
    batch: int = 1, image: int = 224, classes: int = 1000, width: float = 1.0, seed: int = 0
) -> Graph:
    """VGG-11 (configuration A of Simonyan & Zisserman) on NHWC images: 8 3x3 convolutions,
    5 max pools, dense 512*(image/32)^2-4096-4096-classes, no dropout; ``width`` scales
    every layer."""
    net = Net("vgg11", seed)
    h = net.input("x", (batch, image, image, 3))
    for v in VGG11:
        if v == "M":
            h = net.max_pool(h, 2)
        else:
            h = net.relu(net.conv2d(h, max(1, round(int(v) * width)), 3, padding=1))
    h = net.relu(net.dense(net.flatten(h), max(1, round(4096 * width))))
    h = net.relu(net.dense(h, max(1, round(4096 * width))))
    net.output("logits", net.dense(h, classes))
    return net.build()


def vgg11_digits(batch: int = 8, classes: int = 10, seed: int = 0) -> Graph:
    """VGG-11's 8 convolutions and 3 dense layers sized for 8x8 digits [B, 8, 8, 1]: widths
    divided by 8, and 2 of the 5 max pools (8 -> 4 -> 2)."""
    net = Net("vgg11_digits", seed)
    h = net.input("x", (batch, 8, 8, 1))
    for v in (8, 16, "M", 32, 32, "M", 64, 64, 64, 64):
        h = net.max_pool(h, 2) if v == "M" else net.relu(net.conv2d(h, int(v), 3, padding=1))
    h = net.relu(net.dense(net.flatten(h), 64))
    h = net.relu(net.dense(h, 64))
    net.output("logits", net.dense(h, classes))
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
    "gru_classifier": gru_classifier,
    "rnn_classifier": rnn_classifier,
    "transformer_classifier": transformer_classifier,
    "resnet18": resnet18,
    "resnet50": resnet50,
    "alexnet": alexnet,
    "alexnet_digits": alexnet_digits,
    "vgg11": vgg11,
    "vgg11_digits": vgg11_digits,
    "transformer_encoder_block": transformer_encoder_block,
}
