"""Quantized ONNX models (QOperator format) -> integer IR graphs matching onnxruntime's int8.

onnxruntime's static quantizer (`quantize_static`, QuantFormat.QOperator) turns a float model into
QuantizeLinear -> QLinearConv / QGemm / QLinearMatMul / MaxPool / QLinearAdd / ... ->
DequantizeLinear. The model then *defines* its integer arithmetic, and these handlers reproduce
onnxruntime's CPU kernels (MLAS) with the integer IR ops an int8 chip runs:

- GEMMs (QLinearConv, QGemm, QLinearMatMul): CONV2D/MATMUL of the int8 operands (exact int32
  sums), then ADD of an int32 constant holding the bias and the input zero-point correction
  ``sum_k (x - zx) w = sum_k x w - zx sum_k w``. For a padded convolution the correction differs
  per output position (onnxruntime pads with zx, the chip with 0), so it is computed at import
  over the valid window of each position. Then requantization exactly as MLAS does it: SCALE by
  ``M = float32(float32(sx * sw) / sy)`` (fp32 product of the int32 converted to fp32, rounded
  to nearest even into int32, saturating), ADD_CONST of the output zero point, CAST to int8.
  Per-channel weight scales give one M per output channel: MUL by an fp32 row vector, then CAST
  to int32 (the same fp32 product and rounding). Bit-exact.
- QLinearGlobalAveragePool: the int32 channel sums (REDUCE_SUM over the pixels), minus
  ``zx * H * W``, requantized by ``sx / (sy * H * W)`` as MLAS does. Bit-exact.
- QLinearConcat: each input whose (scale, zero point) differs from the output's is mapped by
  onnxruntime through a 256-entry lookup table; the handler builds that table at import, emits
  the affine requantization that reproduces most of it, and patches the remaining codes with
  EQUAL masks. Bit-exact over the whole int8 domain.
- QLinearAdd: onnxruntime computes it in fp32 (two fused multiply-adds in MLAS's AVX2
  kernel); the chip in a 2^-14 fixed point (`qadd_fixed_point`), and since both operands are
  int8 codes, all 65536 pairs are compared at import and the few that round differently are
  patched. Bit-exact against the AVX2 kernel (other MLAS kernels, e.g. NEON, round their own
  way near ties).
- QLinearAveragePool: onnxruntime sums dequantized fp32 values and divides by the window count;
  the chip sums the codes exactly (`average_pool_int`) and multiplies once per distinct count.
  Can differ by one unit where the value lies next to a rounding tie
  (tests/compiler/test_onnx_quant.py bounds and measures it).
- MaxPool, Flatten, Reshape, Transpose, Identity on int8 tensors: the float handlers (order and
  selection do not depend on the scale). Any other float op reading an int8 tensor is refused.

Graph boundary: a graph input read only by QuantizeLinear (directly or after Flatten, Reshape,
Transpose, with which quantizing commutes) becomes an int8 INPUT (the host quantizes,
`QuantIO.quantize_inputs`); a graph output made by DequantizeLinear is the int8 tensor
before it (the host dequantizes, `QuantIO.dequantize`). The graph carries
``<name>.scale`` and ``<name>.zero_point`` CONST tensors (fp32, shape (1,)) for each of them.
uint8 tensors are held as int8 ``q - 128`` with zero point ``z - 128`` (the same real values);
weights need zero point 0 (symmetric); activations one scale per tensor.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import onnx
from onnx import numpy_helper

from chip.dtypes import DType
from chip.program import TensorRole
from compiler.ir import Op
from compiler.onnx_files import load_onnx
from compiler.onnx_ops import integers, narrow
from compiler.onnx_ops.importer import NCHW_TO_NHWC, Importer, Unsupported, window_attrs
from compiler.onnx_quant_math import (
    QParams,
    add_offset,
    average_pool_int,
    conv_window_sums,
    int8_param,
    multiplier,
    qadd_fixed_point,
    requant_lookup,
    requantize,
)

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
        source = _graph_input(g, n.input[0]) if _host_quantizes(g, n) else None
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
        _host_quantizes(graph, n)
        or (n.op_type in MOVEMENT and n.input[0] == name and host_quantized(graph, n.output[0]))
        for n in users
    )


def _host_quantizes(graph: onnx.GraphProto, n: onnx.NodeProto) -> bool:
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


def _graph_input(graph: onnx.GraphProto, name: str) -> str | None:
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


def _dequantize_integers(im: Importer, n: onnx.NodeProto) -> None:
    """DequantizeLinear of one of the model's integer tensors (held as exact fp32 values, see
    `compiler.onnx_ops.integers`): (x - zero point) * scale on the vector unit, one rounding as
    ONNX's reference; scale and zero point per tensor or per ``axis``, known at compile time,
    or per block (`compiler.onnx_ops.narrow.dequantize`, which takes run-time ones too)."""
    b, name = im.b, n.name
    x = im.integer(n.input[0])
    if im.attr("block_size", 0):  # per block: as a narrow format's (exact fp32 integers too)
        if im.has(2) and n.input[2] in im.unheld:  # a run-time integer zero point
            im.integer(n.input[2])
        narrow.dequantize(im, n)
        return
    shape = b.shape(x)
    scale = np.asarray(im.static(1, "x_scale"), np.float64)
    zp = np.asarray(im.static(2, "x_zero_point"), np.float64) if im.has(2) else np.zeros(1)
    if scale.size == 1 and zp.size == 1:
        scale, zp = scale.reshape(1), zp.reshape(1)
    else:
        axis = int(im.attr("axis", 1)) % len(shape)
        if scale.ndim != 1 or scale.size != shape[axis] or zp.shape != scale.shape:
            raise Unsupported(
                f"scale of shape {list(scale.shape)} and zero point of shape "
                f"{list(zp.shape)} for axis {axis} of {list(shape)}",
                "axis",
            )
        view = [1] * len(shape)
        view[axis] = -1
        scale = np.broadcast_to(scale.reshape(view), shape).copy()
        zp = np.broadcast_to(zp.reshape(view), shape).copy()
    centered = b.add(Op.SUB, (x, b.const(b.unique(f"{n.output[0]}.zero_point"), zp)), name)
    scaled = b.add(Op.MUL, (centered, b.const(b.unique(f"{n.output[0]}.scale"), scale)), name)
    im.put(0, scaled)


# Reading the importer's tensors -------------------------------------------------------------
def _qparams(im: Importer, ks: int, kz: int, what: str) -> QParams:
    """Per-tensor (scale, zero point) from node inputs ``ks``/``kz`` (constants)."""
    n = im.node
    scale = im.const(n.input[ks]) if im.has(ks) else None
    if scale is None:
        raise Unsupported(f"{what} scale must be a constant initializer")
    if scale.size != 1:
        raise Unsupported(
            f"{what} scale has {scale.size} values: only per-tensor "
            "quantization is supported (not per-channel)"
        )
    zp = im.const(n.input[kz]) if im.has(kz) else None
    if zp is None:
        raise Unsupported(f"{what} zero point must be given as a constant initializer")
    if zp.dtype not in (np.int8, np.uint8) or zp.size != 1:
        raise Unsupported(
            f"{what} zero point must be one int8 or uint8 value, not {zp.dtype} of shape {zp.shape}"
        )
    return QParams.of(scale, zp)


def _int8(im: Importer, k: int, layout: str | None = None) -> int:
    """The IR id of the int8 tensor at node input ``k``."""
    name = im.node.input[k]
    if im.const(name) is not None and name not in im.vals:
        raise Unsupported(f"input {name!r} is a constant; only weights may be constants")
    nid = im.get(name, layout)
    if im.b.dtype(nid) is not DType.INT8:
        raise Unsupported(f"input {name!r} is {im.b.dtype(nid).value}, not a quantized tensor")
    return nid


def _weight(im: Importer, k: int, ks: int, kz: int, channels: int) -> tuple[np.ndarray, np.ndarray]:
    """A constant int8/uint8 weight as int8-domain values, and its fp32 scales: one, or one
    per output channel (``channels`` of them). Zero points must be 0 (128 for uint8)."""
    n = im.node
    w = im.const(n.input[k])
    if w is None:
        raise Unsupported(
            f"weight {n.input[k]!r} must be a constant initializer (two dynamic "
            "operands are not supported)"
        )
    if w.dtype not in (np.int8, np.uint8):
        raise Unsupported(f"weight {n.input[k]!r} is {w.dtype}, not int8 or uint8")
    scale = im.const(n.input[ks]) if im.has(ks) else None
    zp = im.const(n.input[kz]) if im.has(kz) else None
    if scale is None or zp is None:
        raise Unsupported("weight scale and zero point must be constant initializers")
    if scale.size not in (1, channels) or zp.size != scale.size:
        raise Unsupported(
            f"weight scale has {scale.size} values and zero point {zp.size}: "
            f"supported are one each, or one each per output channel "
            f"({channels})"
        )
    offset = 128 if w.dtype == np.uint8 else 0
    if np.any(zp.astype(np.int64) != offset):
        raise Unsupported(
            f"weight {n.input[k]!r} has zero point {zp.reshape(-1).tolist()}; "
            "only symmetric weights (zero point 0, or 128 for uint8) are "
            "supported"
        )
    return w.astype(np.int64) - offset, scale.astype(np.float32).reshape(-1)


# Graph boundary -------------------------------------------------------------------------------
def _boundary_consts(im: Importer, name: str, q: QParams) -> None:
    im.b.const(f"{name}.scale", np.array([q.scale], dtype=np.float32), TensorRole.QUANT_SCALE)
    zero_point = np.array([q.zero_point], dtype=np.float32)
    im.b.const(f"{name}.zero_point", zero_point, TensorRole.QUANT_ZERO_POINT)


def quantize_linear(im: Importer, n: onnx.NodeProto) -> None:
    x = n.input[0]
    if not _host_quantizes(im.g, n):  # a run-time or per-axis scale, a type but int8/uint8
        narrow.quantize(im, n)  # on the chip, to exact fp32 values of the output type
        return
    source = _graph_input(im.g, x)
    if source is None or not host_quantized(im.g, source):
        raise Unsupported(
            f"only graph inputs can be quantized ({x!r} is computed: int8 chips "
            "quantize on the host)"
        )
    q = _qparams(im, 1, 2, "y")
    if f"{source}.scale" in im.b.consts:
        raise Unsupported(f"graph input {source!r} is quantized twice")
    _boundary_consts(im, source, q)
    im.put(0, im.get(x), im.layout(x))


def dequantize_linear(im: Importer, n: onnx.NodeProto) -> None:
    if integers.is_integer(im, n.input[0]):
        _dequantize_integers(im, n)
        return
    if n.input[0] in im.vals and im.b.dtype(im.vals[n.input[0]][0]).is_float:
        narrow.dequantize(im, n)  # float8/float4/int4/int2 held widened: float arithmetic
        return
    out = n.output[0]
    users = [m.name or m.op_type for m in im.g.node if out in m.input]
    if out not in {vi.name for vi in im.g.output} or users:
        raise Unsupported(
            f"only graph outputs can be dequantized ({out!r} feeds "
            f"{users or 'no graph output'}: float ops after it would need "
            "fp32 math on an int8 chip)"
        )
    nid = _int8(im, 0)
    _boundary_consts(im, out, _qparams(im, 1, 2, "x"))
    im.put(0, nid, im.layout(n.input[0]))


# GEMMs ----------------------------------------------------------------------------------------
def qlinear_conv(im: Importer, n: onnx.NodeProto) -> None:
    if integers.is_integer(im, n.input[0]):
        _qlinear_conv_integers(im, n)
        return
    im.reject_attrs(group=1)
    x = _int8(im, 0, "nhwc")
    qx = _qparams(im, 1, 2, "x")
    w = im.const(n.input[3])
    if w is None or w.ndim != 4:
        raise Unsupported("the weight must be a 4-D initializer (2-D convolution)")
    w, w_scale = _weight(im, 3, 4, 5, w.shape[0])
    qy = _qparams(im, 6, 7, "y")
    attrs = window_attrs(im, w.shape[2:])
    wid = int8_param(im.b, n.input[3], w.transpose(2, 3, 1, 0))
    acc = im.b.add(Op.CONV2D, (x, wid), n.name, **attrs)
    out_hw = im.b.shape(acc)[1:3]
    offset = -qx.zero_point * conv_window_sums(w, im.b.shape(x)[1:3], out_hw, **attrs)
    if im.has(8):
        bias = im.const(n.input[8])
        if bias is None:
            raise Unsupported(f"bias {n.input[8]!r} must be a constant initializer")
        offset = offset + bias.astype(np.int64)
    acc = add_offset(im.b, acc, offset, n.name)
    im.put(
        0,
        requantize(
            im.b, acc, multiplier(qx.scale, w_scale, divide=qy.scale), qy.zero_point, n.name
        ),
        "nhwc",
    )


def _gemm_tail(
    im: Importer,
    a: int,
    w: np.ndarray,
    qa: QParams,
    bias: np.ndarray | None,
    m: np.ndarray,
    qy: QParams,
    trans_a: bool,
) -> None:
    """y = requantize(a @ w + bias - za * colsum(w)) with ``w`` [K, N] int8 values."""
    n = im.node
    wid = int8_param(im.b, n.input[3], w)
    acc = im.b.matmul(a, wid, trans_a=trans_a, name=n.name)
    offset = -qa.zero_point * w.sum(axis=0, dtype=np.int64)
    if bias is not None:
        rows = im.b.shape(acc)[0]
        bias = bias.astype(np.int64)
        offset = offset + (
            bias.reshape(-1) if bias.size in (1, w.shape[1]) else bias.reshape(rows, w.shape[1])
        )
    im.put(0, requantize(im.b, add_offset(im.b, acc, offset, n.name), m, qy.zero_point, n.name))


def qgemm(im: Importer, n: onnx.NodeProto) -> None:
    if not im.has(7):
        raise Unsupported("a float output (no y_scale) is not supported: int8 chips hold integers")
    a = _int8(im, 0, "plain")
    qa = _qparams(im, 1, 2, "a")
    trans_b = bool(im.attr("transB", 0))
    w = im.const(n.input[3])
    if w is None or w.ndim != 2:
        raise Unsupported("the weight B must be a 2-D initializer")
    w, w_scale = _weight(im, 3, 4, 5, w.shape[0] if trans_b else w.shape[1])
    if trans_b:
        w = w.T
    bias = im.const(n.input[6]) if im.has(6) else None
    if im.has(6) and bias is None:
        raise Unsupported(f"bias {n.input[6]!r} must be a constant initializer")
    qy = _qparams(im, 7, 8, "y")
    m = multiplier(np.float32(im.attr("alpha", 1.0)), qa.scale, w_scale, divide=qy.scale)
    _gemm_tail(im, a, w, qa, bias, m, qy, bool(im.attr("transA", 0)))


def qlinear_matmul(im: Importer, n: onnx.NodeProto) -> None:
    if integers.is_integer(im, n.input[0]):
        _qlinear_matmul_integers(im, n)
        return
    a = _int8(im, 0, "plain")
    if len(im.b.shape(a)) != 2:
        raise Unsupported("only 2-D QLinearMatMul is supported")
    qa = _qparams(im, 1, 2, "a")
    w = im.const(n.input[3])
    if w is None or w.ndim != 2:
        raise Unsupported("the weight b must be a 2-D initializer")
    w, w_scale = _weight(im, 3, 4, 5, w.shape[1])
    qy = _qparams(im, 6, 7, "y")
    _gemm_tail(im, a, w, qa, None, multiplier(qa.scale, w_scale, divide=qy.scale), qy, False)


def _qlinear_matmul_integers(im: Importer, n: onnx.NodeProto) -> None:
    """QLinearMatMul of the model's integer tensors (`_qlinear_integers`) as a MatMul."""
    from compiler.onnx_ops import math as onnx_math

    _qlinear_integers(im, n, "MatMul", onnx_math.matmul, (0, 3), (1, 4, 6))


def _qlinear_conv_integers(im: Importer, n: onnx.NodeProto) -> None:
    """QLinearConv of the model's integer tensors (`_qlinear_integers`) as a Conv."""
    from compiler.onnx_ops import nn

    if im.has(8):
        raise Unsupported("a bias B is not supported with integer (uint8) inputs", "B")
    _qlinear_integers(im, n, "Conv", nn.conv, (0, 3), (1, 4, 6))


def _qlinear_integers(
    im: Importer,
    n: onnx.NodeProto,
    op_type: str,
    handler: Callable[[Importer, onnx.NodeProto], None],
    operands: tuple[int, int],
    scales: tuple[int, int, int],
) -> None:
    """A QLinear GEMM op on the model's integer tensors (held as exact fp32 values; the second
    operand such a tensor or a constant), as ONNX's reference: the float op (``handler``, as
    for ``op_type``, with the node's attributes) of the operands less their zero points, on
    the systolic array in fp32 (exact while the sums stay below 2^24; the centered values, at
    most 255 in magnitude, are exact in bf16 too), times ``s1 * s2 / sy`` computed in the
    scales' own type, rounded to nearest even, plus ``zy``, saturated to the output type. The
    product is fp32, as onnxruntime's (ONNX's reference multiplies in float64: where the fp32
    product lands on a half it may round one step the other way).
    Scales and zero points (inputs ``scales`` and the ones after them) are per tensor and
    known at compile time (constant or bound)."""
    b, name = im.b, n.name
    params = {}
    for k in scales:
        for j in (k, k + 1):
            if im.has(j):
                params[j] = np.asarray(im.static(j, ("scale", "zero point")[j - k]))
    if any(v.size != 1 for v in params.values()):
        raise Unsupported("only per-tensor scales and zero points are supported (one value)")
    zy = params.get(scales[2] + 1)
    out_type = np.dtype(zy.dtype) if zy is not None else im.elem[n.input[0]]
    if out_type not in (np.dtype(np.int8), np.dtype(np.uint8)):
        raise Unsupported(f"output type {out_type} (int8 or uint8)")
    names = []
    for k, zp in zip(operands, scales[:2], strict=True):
        x = n.input[k]
        if integers.is_integer(im, x):
            xid = im.integer(x)
        elif im.const(x) is not None and x not in im.vals:
            xid = b.const(b.unique(f"{x}.value"), np.asarray(im.const(x), np.float64))
        else:
            raise Unsupported(f"input {x!r} is neither an integer tensor nor a constant")
        zero = float(np.ravel(params[zp + 1])[0]) if zp + 1 in params else 0.0
        names.append(f"{n.output[0]}.operand{k}.centered")
        im.vals[names[-1]] = (b.add_const(xid, -zero, name) if zero else xid, "plain")
    attrs = [a for a in n.attribute]
    node, im.node = im.node, onnx.helper.make_node(op_type, names, [n.output[0]], name=name)
    im.node.attribute.extend(attrs)
    try:
        handler(im, im.node)
    finally:
        im.node = node
    acc, layout = im.vals[n.output[0]]
    s1, s2, sy = (params[k] for k in scales)
    y = b.scale(acc, float(np.ravel(s1 * s2 / sy)[0]), name)  # in the scales' type, as ONNX
    y = b.add_const(b.add_const(y, _ROUND, name), -_ROUND, name)  # |y| < 2^22: nearest even
    if zy is not None:
        y = b.add_const(y, float(np.ravel(zy)[0]), name)
    info = np.iinfo(out_type)
    y = b.add(Op.MAX, (y, b.fill((1,), float(info.min), name)), name)
    y = b.scale(b.add(Op.MAX, (b.scale(y, -1.0, name), b.fill((1,), -info.max, name)), name), -1.0)
    im.put(0, y, layout)
    im.elem[n.output[0]] = out_type
    im.int_bound[n.output[0]] = max(-int(info.min), int(info.max))


_ROUND = 1.5 * 2.0**23  # y + _ROUND - _ROUND rounds |y| < 2^22 to an integer (nearest even)


# Elementwise, pooling, concatenation ------------------------------------------------------------
def qlinear_add(im: Importer, n: onnx.NodeProto) -> None:
    a, c = n.input[0], n.input[3]
    layout = im.layout(a) if im.layout(a) == im.layout(c) else "plain"
    ids = (_int8(im, 0, layout), _int8(im, 3, layout))
    if im.b.shape(ids[0]) != im.b.shape(ids[1]):
        raise Unsupported(
            f"operand shapes {im.b.shape(ids[0])} and {im.b.shape(ids[1])} "
            "differ: only equal shapes are supported"
        )
    qa, qb, qy = _qparams(im, 1, 2, "a"), _qparams(im, 4, 5, "b"), _qparams(im, 6, 7, "y")
    im.put(0, qadd_fixed_point(im.b, ids, (qa, qb), qy, n.name), layout)


def qlinear_global_avgpool(im: Importer, n: onnx.NodeProto) -> None:
    if im.attr("channels_last", 0):
        raise Unsupported("channels_last=1 is not supported")
    x = _int8(im, 0, "nhwc")
    qx, qy = _qparams(im, 1, 2, "x"), _qparams(im, 3, 4, "y")
    b, h, w, c = im.b.shape(x)
    # exact int32 channel sums (no division): one row of H*W codes per (image, channel)
    pixels = im.b.add(
        Op.TRANSPOSE, (im.b.reshape(x, (b, h * w, c), n.name),), n.name, perm=(0, 2, 1)
    )
    sums = im.b.add(Op.REDUCE_SUM, (im.b.reshape(pixels, (b * c, h * w), n.name),), n.name, axis=-1)
    acc = add_offset(
        im.b, im.b.reshape(sums, (b, c), n.name), np.full(c, -qx.zero_point * h * w), n.name
    )
    m = np.float32(qx.scale / np.float32(qy.scale * np.float32(h * w)))
    y = requantize(im.b, acc, m, qy.zero_point, n.name)
    im.put(0, im.b.reshape(y, (b, 1, 1, c), n.name), "nhwc")


def qlinear_avgpool(im: Importer, n: onnx.NodeProto) -> None:
    im.reject_attrs(ceil_mode=0, channels_last=0)
    x = _int8(im, 0, "nhwc")
    qx, qy = _qparams(im, 1, 2, "x"), _qparams(im, 3, 4, "y")
    kernel = tuple(im.required("kernel_shape"))
    attrs = window_attrs(im, kernel)
    include = bool(im.attr("count_include_pad", 0))
    y = average_pool_int(im.b, x, qx, qy, kernel, include, n.name or "avgpool", **attrs)
    im.put(0, y, "nhwc")


def qlinear_concat(im: Importer, n: onnx.NodeProto) -> None:
    qy = _qparams(im, 0, 1, "y")
    if (len(n.input) - 2) % 3:
        raise Unsupported(
            "inputs must be y_scale, y_zero_point, then (x, scale, zero point) triples"
        )
    names = n.input[2::3]
    rank = len(im.b.shape(im.get(names[0])))
    axis = int(im.required("axis")) % rank
    nhwc = rank == 4 and all(im.layout(x) == "nhwc" for x in names)
    layout = "nhwc" if nhwc else "plain"
    parts = []
    for k in range(len(names)):
        x = _int8(im, 2 + 3 * k, layout)
        qx = _qparams(im, 3 + 3 * k, 4 + 3 * k, f"input {k}")
        if qx != qy:
            x = requant_lookup(im.b, x, qx, qy, f"{n.name}.{k}")
        parts.append(x)
    axis = NCHW_TO_NHWC.index(axis) if nhwc else axis
    im.put(0, im.b.add(Op.CONCAT, parts, n.name, axis=axis), layout)
