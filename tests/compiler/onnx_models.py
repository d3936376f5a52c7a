"""Building blocks for ONNX test models, shared by the importer and the on-chip ONNX tests."""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def onnx_init(rng: np.random.Generator, name: str, shape: tuple[int, ...],
              scale: float = 0.5) -> onnx.TensorProto:
    """A float32 initializer of normal values times ``scale``."""
    return numpy_helper.from_array((rng.standard_normal(shape) * scale).astype(np.float32), name)


def onnx_model(nodes, inputs, outputs, inits) -> onnx.ModelProto:
    """An opset-17 model of float32 ``inputs`` [(name, shape)] and ``outputs`` [name]."""
    graph = helper.make_graph(
        nodes, "test",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in inputs],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in outputs], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model
