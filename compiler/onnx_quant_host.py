"""The host's side of a quantized ONNX model (QOperator format): its int8 graph boundary.

A graph input read only by QuantizeLinear (directly or after Flatten, Reshape, Transpose, with
which quantizing commutes) to int8 or uint8, with one constant scale and zero point, is
quantized by the host; a graph output made by DequantizeLinear is dequantized by the host.
`quant_io` reads those (scale, zero point) pairs from a model into a `QuantIO`, which feeds and
reads the compiled program bit for bit as the model's own QuantizeLinear/DequantizeLinear would;
`host_quantized`, `host_quantizes` and `graph_input` tell the importer which nodes are the
host's (`compiler.onnx_quant`) and which graph inputs are int8 (`compiler.onnx_ops.boundary`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import onnx
from onnx import numpy_helper

from compiler.onnx_files import load_onnx
from compiler.onnx_quant_math import QParams

# ONNX ops that only rearrange a tensor: quantizing commutes with them.
MOVEMENT = frozenset({"Flatten", "Reshape", "Transpose", "Identity"})


@dataclass(frozen=True)
class QuantIO:
    """How the host feeds and reads a program compiled from a quantized ONNX model.

    Contract: ``quantize_inputs`` turns float feeds into the int8 tensors the program's INPUTs
    take (bit for bit what the model's QuantizeLinear computes); ``dequantize`` turns the
    program's int8 outputs into the floats the model's DequantizeLinear returns; ``onnx_values``
    gives the int8/uint8 values the ONNX model holds before its DequantizeLinear.
    """

    inputs: Mapping[str, QParams]
    outputs: Mapping[str, QParams]

    def quantize_inputs(self, feeds: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        unknown = sorted(set(feeds) - set(self.inputs))
        if unknown:
            raise ValueError(
                f"feeds {unknown} are not quantized inputs of the model (those "
                f"are {sorted(self.inputs)})"
            )
        return {k: self.inputs[k].quantize(v) for k, v in feeds.items()}

    def dequantize(self, outputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {k: self.outputs[k].dequantize(outputs[k]) for k in self.outputs}

    def onnx_values(self, outputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        out = {}
        for k in self.outputs:
            q = np.asarray(outputs[k]).astype(np.int32)
            out[k] = (q + 128).astype(np.uint8) if self.outputs[k].unsigned else q.astype(np.int8)
        return out


def quant_io(model: onnx.ModelProto | str) -> QuantIO:
    """The host-side quantization of a quantized ONNX model's graph inputs and outputs: the
    QuantizeLinear nodes reading graph inputs and the DequantizeLinear nodes making graph
    outputs (a model without them has none)."""
    proto = model if isinstance(model, onnx.ModelProto) else load_onnx(model)
    g = proto.graph
    consts = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    outs = {vi.name for vi in g.output}
    inputs, outputs = {}, {}
    for n in g.node:
        source = graph_input(g, n.input[0]) if host_quantizes(g, n) else None
        if source is not None:
            inputs[source] = _const_qparams(consts, n.input[1], _opt(n, 2), n.name)
        elif n.op_type == "DequantizeLinear" and n.output[0] in outs:
            outputs[n.output[0]] = _const_qparams(consts, n.input[1], _opt(n, 2), n.name)
    return QuantIO(inputs, outputs)


def host_quantized(graph: onnx.GraphProto, name: str) -> bool:
    """Whether every use of tensor ``name`` is a QuantizeLinear, directly or after ops that only
    rearrange it (Flatten, Reshape, ...): then the host quantizes it, as the model would."""
    users = [n for n in graph.node if name in n.input]
    return bool(users) and all(
        host_quantizes(graph, n)
        or (n.op_type in MOVEMENT and n.input[0] == name and host_quantized(graph, n.output[0]))
        for n in users
    )


def host_quantizes(graph: onnx.GraphProto, n: onnx.NodeProto) -> bool:
    """Whether QuantizeLinear ``n`` is the host's: to int8 or uint8 with one constant scale and
    zero point (other QuantizeLinear nodes compute on the chip, `narrow.quantize`)."""
    if n.op_type != "QuantizeLinear":
        return False
    inits = {t.name: t for t in graph.initializer}
    qparams = [inits.get(x) for x in n.input[1:3] if x]
    if any(t is None or int(np.prod(t.dims)) != 1 for t in qparams):
        return False
    default = next((a.i for a in n.attribute if a.name == "output_dtype"), 0) or _T.UINT8
    to = qparams[1].data_type if len(qparams) > 1 else default
    return to in (_T.INT8, _T.UINT8)


_T = onnx.TensorProto


def graph_input(graph: onnx.GraphProto, name: str) -> str | None:
    """The graph input that tensor ``name`` rearranges (or is), if any."""
    inputs = {vi.name for vi in graph.input} - {t.name for t in graph.initializer}
    producers = {out: n for n in graph.node for out in n.output}
    while name not in inputs:
        n = producers.get(name)
        if n is None or n.op_type not in MOVEMENT:
            return None
        name = n.input[0]
    return name


def _opt(n: onnx.NodeProto, k: int) -> str:
    return n.input[k] if len(n.input) > k else ""


def _const_qparams(consts: Mapping[str, np.ndarray], scale: str, zp: str, where: str) -> QParams:
    s = consts.get(scale)
    if s is None or s.size != 1:
        raise ValueError(f"ONNX node {where!r}: scale {scale!r} must be a one-element initializer")
    z = consts.get(zp) if zp else None
    if z is None:
        raise ValueError(f"ONNX node {where!r}: the zero point must be given as an initializer")
    return QParams.of(s, z)
