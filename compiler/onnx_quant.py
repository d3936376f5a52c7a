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
`compiler.onnx_quant_host.QuantIO`); a graph output made by DequantizeLinear is the int8
tensor before it (the host dequantizes). The graph carries
``<name>.scale`` and ``<name>.zero_point`` CONST tensors (fp32, shape (1,)) for each of them.
uint8 tensors are held as int8 ``q - 128`` with zero point ``z - 128`` (the same real values);
weights need zero point 0 (symmetric); activations one scale per tensor.

The same op types on the model's integer tensors (held as exact fp32 values, not int8 codes)
are computed as ONNX's reference does, by `compiler.onnx_quant_integers`.
"""

from __future__ import annotations

import numpy as np
import onnx

from chip.dtypes import DType
from chip.program import TensorRole
from compiler import onnx_quant_integers as qint
from compiler.ir import Op
from compiler.onnx_ops import integers, narrow
from compiler.onnx_ops.importer import NCHW_TO_NHWC, Importer, Unsupported, window_attrs
from compiler.onnx_quant_host import graph_input, host_quantized, host_quantizes
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
    if not host_quantizes(im.g, n):  # a run-time or per-axis scale, a type but int8/uint8
        narrow.quantize(im, n)  # on the chip, to exact fp32 values of the output type
        return
    source = graph_input(im.g, x)
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
        qint.dequantize_integers(im, n)
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
        qint.qlinear_conv_integers(im, n)
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
        qint.qlinear_matmul_integers(im, n)
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
