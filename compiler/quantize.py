"""Post-training int8 quantization: a float forward graph -> an integer graph for int8 chips.

`quantize(graph, calibration)` evaluates the float graph (float64 reference) on calibration
inputs and rewrites it so every tensor the chip touches is an integer: activations and weights
entering the array are int8 with one symmetric per-tensor scale (max |value| / 127), GEMMs
accumulate in int32 (scale = product of the operand scales), vector ops work on int32 values.
Requantization is SCALE by the ratio of scales (the vector unit rounds to nearest even) then
CAST to int8 (saturating). Sub-graphs that do not depend on an input (batch-norm folding,
biases) are evaluated at compile time and quantized to the scale of the value they meet.
Sums of two dynamic values first move both to a common "wide" int32 scale (max |value| /
2^20), which keeps 20 bits of precision and headroom against overflow.

The host quantizes inputs with ``input_scales`` (q = round(x / s), saturated to int8) and reads
float outputs as ``q * output_scales[name]``. Ops that need float math on dynamic values
(exp, sigmoid, softmax, ...) are rejected: int8 chips have no floating-point storage.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from chip.dtypes import DType
from compiler.ir import Graph, Node, Op
from compiler.ir_builder import IRBuilder
from compiler.reference import evaluate

WIDE = float(2**20)


class NotQuantizable(ValueError):
    """The graph needs floating-point math on dynamic values (names the node): quantize it
    dynamically instead (compile without calibration)."""


_SAME_SCALE = {
    Op.RELU,
    Op.MAXPOOL2D,
    Op.RESHAPE,
    Op.TRANSPOSE,
    Op.SLICE,
    Op.BROADCAST,
    Op.REDUCE_SUM,
    Op.REDUCE_MAX,
}


@dataclass(frozen=True)
class Quantized:
    """An integer graph and the scales relating its inputs and outputs to real values."""

    graph: Graph
    input_scales: Mapping[str, float]
    output_scales: Mapping[str, float]

    def quantize_inputs(self, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {
            k: np.clip(np.rint(np.asarray(v) / self.input_scales[k]), -128, 127)
            for k, v in inputs.items()
        }

    def dequantize(self, outputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {
            k: np.asarray(v, dtype=np.float64) * self.output_scales[k] for k, v in outputs.items()
        }


@dataclass(frozen=True)
class _Q:
    """A value of the integer graph: node id, real value = integer * scale."""

    nid: int
    scale: float
    dtype: DType


def _amax(v: np.ndarray) -> float:
    m = float(np.abs(v).max()) if np.size(v) else 0.0
    return m if m > 0 else 1.0


def quantize(graph: Graph, calibration: Mapping[str, np.ndarray]) -> Quantized:
    """The int8 version of ``graph`` (primitive forward ops) calibrated on ``calibration``."""
    values = evaluate(graph, calibration).values
    dynamic = [False] * len(graph.nodes)
    for n in graph.nodes:
        dynamic[n.id] = n.op is Op.INPUT or any(dynamic[i] for i in n.inputs)
    b = IRBuilder(f"{graph.name}_int8")
    q: dict[int, _Q] = {}
    input_scales: dict[str, float] = {}

    def to_int8(i: int) -> _Q:
        """Node i as int8 at scale amax/127 (weights quantized at compile time)."""
        s = _amax(values[i]) / 127
        if not dynamic[i]:
            name = b.unique(graph.nodes[i].name or f"w{i}")
            kind = Op.PARAM if graph.nodes[i].op is Op.PARAM else Op.CONST
            ints = np.clip(np.rint(values[i] / s), -127, 127)
            return _Q(b.source(kind, name, ints.shape, ints, dtype=DType.INT8), s, DType.INT8)
        v = q[i]
        if v.dtype is DType.INT8:
            return v
        scaled = b.scale(v.nid, v.scale / s, f"{graph.nodes[i].name}_requant")
        return _Q(
            b.add(Op.CAST, (scaled,), f"{graph.nodes[i].name}_int8", dtype=DType.INT8),
            s,
            DType.INT8,
        )

    def rescale(i: int, scale: float) -> int:
        """Dynamic node i as int32 at ``scale``."""
        v = q[i]
        if v.scale == scale and v.dtype is DType.INT32:
            return v.nid
        return b.scale(v.nid, v.scale / scale, f"{graph.nodes[i].name}_rescale")

    def const_int(i: int, scale: float, name: str) -> int:
        ints = np.rint(values[i] / scale)
        if np.abs(ints).max(initial=0) >= 2**31:
            raise ValueError(f"constant {name!r} overflows int32 at scale {scale:g}")
        return b.source(Op.CONST, b.unique(name), ints.shape, ints, dtype=DType.INT32)

    for n in graph.nodes:
        if not dynamic[n.id]:
            continue
        label = n.name or n.op.value
        if n.op is Op.INPUT:
            s = _amax(values[n.id]) / 127
            input_scales[n.name] = s
            q[n.id] = _Q(b.input(n.name, n.shape, dtype=DType.INT8), s, DType.INT8)
        elif n.op in (Op.MATMUL, Op.CONV2D):
            a, w = to_int8(n.inputs[0]), to_int8(n.inputs[1])
            q[n.id] = _Q(
                b.add(n.op, (a.nid, w.nid), label, **n.attrs), a.scale * w.scale, DType.INT32
            )
        elif n.op in (Op.ADD, Op.SUB, Op.MAX):
            q[n.id] = _sum(b, n, q, values, dynamic, rescale, const_int)
        elif n.op is Op.MUL:
            q[n.id] = _product(b, n, q, values, dynamic, rescale, const_int)
        elif n.op is Op.SCALE:
            v = q[n.inputs[0]]
            factor = float(n.attrs["value"])
            if factor > 0:  # folded into the scale, no instruction
                q[n.id] = _Q(v.nid, v.scale * factor, v.dtype)
            else:
                # Scales stay positive: RELU, MAX and pooling compare the integers, which is
                # right only if integer order is real order. Negate (or zero) the integers.
                nid = b.scale(rescale(n.inputs[0], v.scale), -1.0 if factor else 0.0, label)
                q[n.id] = _Q(nid, v.scale * (-factor or 1.0), DType.INT32)
        elif n.op is Op.ADD_CONST:
            v = q[n.inputs[0]]
            nid = b.add_const(v.nid, round(float(n.attrs["value"]) / v.scale), label)
            q[n.id] = _Q(nid, v.scale, DType.INT32)
        elif n.op is Op.AVGPOOL2D:
            if any(n.attrs["padding"]) and not n.attrs.get("count_include_pad", False):
                raise NotQuantizable(
                    f"cannot quantize avgpool2d node %{n.id} {label!r}: dividing "
                    "by per-position counts needs floating-point math"
                )
            wide = _amax(values[n.inputs[0]]) / WIDE
            nid = b.add(n.op, (rescale(n.inputs[0], wide),), label, **n.attrs)
            q[n.id] = _Q(nid, wide, DType.INT32)
        elif n.op in _SAME_SCALE:
            v = q[n.inputs[0]]
            nid = b.add(n.op, (v.nid,), label, **n.attrs)
            q[n.id] = _Q(nid, v.scale, b.dtype(nid))
        elif n.op is Op.CONCAT:
            wide = _amax(values[n.id]) / WIDE
            ins = [
                rescale(i, wide) if dynamic[i] else const_int(i, wide, f"{label}_c")
                for i in n.inputs
            ]
            q[n.id] = _Q(b.add(n.op, ins, label, **n.attrs), wide, DType.INT32)
        else:
            raise NotQuantizable(
                f"cannot quantize {n.op.value} node %{n.id} {label!r}: int8 "
                "chips have no floating-point vector math"
            )
    output_scales = {}
    for name, nid in graph.outputs.items():
        if not dynamic[nid]:
            raise ValueError(f"output {name!r} does not depend on an input")
        b.output(name, q[nid].nid)
        output_scales[name] = q[nid].scale
    return Quantized(b.build(), input_scales, output_scales)


def _sum(b: IRBuilder, n: Node, q, values, dynamic, rescale, const_int) -> _Q:
    a, c = n.inputs
    label = n.name or n.op.value
    if dynamic[a] and dynamic[c]:
        wide = _amax(values[n.id]) / WIDE
        return _Q(b.add(n.op, (rescale(a, wide), rescale(c, wide)), label), wide, DType.INT32)
    if not dynamic[a]:
        raise ValueError(
            f"{n.op.value} node %{n.id} {label!r}: a constant first operand is not supported"
        )
    v = q[a]
    # keep the accumulator's scale when it is fine enough; otherwise widen first
    scale = min(v.scale, _amax(values[n.id]) / WIDE)
    x = rescale(a, scale)
    return _Q(b.add(n.op, (x, const_int(c, scale, f"{label}_c")), label), scale, DType.INT32)


def _product(b: IRBuilder, n: Node, q, values, dynamic, rescale, const_int) -> _Q:
    a, c = n.inputs
    label = n.name or n.op.value
    # both factors at about 15 bits so the int32 product cannot overflow
    sa = _amax(values[a]) / 2**15
    x = rescale(a, sa)
    sc = _amax(values[c]) / 2**15
    y = rescale(c, sc) if dynamic[c] else const_int(c, sc, f"{label}_c")
    return _Q(b.add(n.op, (x, y), label), sa * sc, DType.INT32)
