"""Everyday PyTorch networks, exported by both torch exporters, compile and match onnxruntime.

The networks are small versions of what users export (a ResNet basic block with its stem, a
MobileNetV2-style inverted residual with ReLU6 and a depthwise convolution, 2-layer LSTM/GRU
classifiers reading ``y[:, -1]``, an MLP with GELU/LayerNorm/Dropout, a transformer encoder
layer with and without a causal mask), built from their definitions: no weights are downloaded.
Each is exported with the TorchScript exporter (opset 17) and the default (dynamo) exporter,
imported, compiled for an fp32 edge chip (1e-4 relative) and a bf16 one (3e-2) and run on the
functional model.
"""

from __future__ import annotations

import io
import warnings

import numpy as np
import onnx
import pytest

from chip.config import ChipConfig
from chip.dtypes import DType
from compiler import compile_lowered
from compiler.onnx_import import import_onnx
from tests.compiler.lowering_helpers import run_on_chip

torch = pytest.importorskip("torch", reason="torch is an optional extra")
ort = pytest.importorskip("onnxruntime", reason="onnxruntime is a test dependency")
nn = torch.nn


class _Block(nn.Module):
    def __init__(self, c: int) -> None:
        super().__init__()
        self.c1, self.b1 = nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c)
        self.c2, self.b2 = nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c)

    def forward(self, x):
        return torch.relu(self.b2(self.c2(torch.relu(self.b1(self.c1(x))))) + x)


class ResNetStem(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(3, 8, 7, 2, 3, bias=False),
            nn.BatchNorm2d(8),
            nn.ReLU(),
            nn.MaxPool2d(3, 2, 1),
        )
        self.block, self.pool, self.fc = _Block(8), nn.AdaptiveAvgPool2d(1), nn.Linear(8, 10)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.block(self.stem(x))), 1))


class InvertedResidual(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.f = nn.Sequential(
            nn.Conv2d(3, 8, 3, 2, 1), nn.BatchNorm2d(8), nn.ReLU6(),
            nn.Conv2d(8, 16, 1), nn.ReLU6(),
            nn.Conv2d(16, 16, 3, 1, 1, groups=16), nn.BatchNorm2d(16), nn.ReLU6(),
            nn.Conv2d(16, 8, 1),
        )  # fmt: skip
        self.fc = nn.Linear(8, 5)

    def forward(self, x):
        return self.fc(self.f(x).mean([2, 3]))


class RecurrentClassifier(nn.Module):
    def __init__(self, kind: str, bidirectional: bool) -> None:
        super().__init__()
        self.r = getattr(nn, kind)(6, 8, 2, batch_first=True, bidirectional=bidirectional)
        self.fc = nn.Linear(16 if bidirectional else 8, 3)

    def forward(self, x):
        y, _ = self.r(x)
        return self.fc(y[:, -1])


class Mlp(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.f = nn.Sequential(
            nn.Linear(12, 16), nn.GELU(), nn.LayerNorm(16), nn.Dropout(0.1), nn.Linear(16, 4)
        )

    def forward(self, x):
        return self.f(x)


class Encoder(nn.Module):
    def __init__(self, causal: bool) -> None:
        super().__init__()
        self.layer = nn.TransformerEncoderLayer(16, 2, 32, dropout=0.0, batch_first=True)
        self.causal = causal

    def forward(self, x):
        if not self.causal:
            return self.layer(x)
        mask = nn.Transformer.generate_square_subsequent_mask(x.shape[1])
        return self.layer(x, src_mask=mask, is_causal=True)


MODELS = {
    "resnet-stem": (ResNetStem, (2, 3, 32, 32)),
    "inverted-residual": (InvertedResidual, (2, 3, 16, 16)),
    "lstm-2-layer-bidirectional": (lambda: RecurrentClassifier("LSTM", True), (2, 5, 6)),
    "gru-2-layer": (lambda: RecurrentClassifier("GRU", False), (2, 5, 6)),
    "mlp-gelu-layernorm": (Mlp, (3, 12)),
    "encoder": (lambda: Encoder(False), (2, 4, 16)),
    "encoder-causal": (lambda: Encoder(True), (2, 4, 16)),
}


def _export(module, x, dynamo: bool) -> onnx.ModelProto:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if dynamo:
            return torch.onnx.export(module, (x,), dynamo=True, verbose=False).model_proto
        buf = io.BytesIO()
        torch.onnx.export(module, (x,), buf, opset_version=17, dynamo=False)
        return onnx.load_from_string(buf.getvalue())


@pytest.mark.slow
@pytest.mark.parametrize(
    "dtype,tol", [(DType.FP32, 1e-4), (DType.BF16, 3e-2)], ids=["fp32", "bf16"]
)
@pytest.mark.parametrize("exporter", ["torchscript", "dynamo"])
@pytest.mark.parametrize("name", list(MODELS))
def test_torch_export_compiles_and_matches_onnxruntime(name, exporter, dtype, tol):
    if exporter == "dynamo":
        pytest.importorskip("onnxscript", reason="torch's default exporter needs onnxscript")
    torch.manual_seed(0)
    build, shape = MODELS[name]
    module = build().eval()
    x = torch.randn(*shape)
    model = _export(module, x, exporter == "dynamo")
    feeds = {model.graph.input[0].name: x.numpy()}
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    want = sess.run(None, feeds)
    cfg = ChipConfig.from_toml("edge").replace(input_dtype=dtype)
    got = run_on_chip(compile_lowered(import_onnx(model), cfg), feeds)
    for out, w in zip(model.graph.output, want, strict=True):
        err = float(np.abs(got[out.name] - w).max() / np.abs(w).max())
        assert err <= tol, f"{out.name}: {err:.3g}"
