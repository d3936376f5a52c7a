"""Integer arithmetic of quantized ONNX ops, built from the IR ops an int8 chip runs.

Helpers for `compiler.onnx_quant`: requantization as MLAS does it, the zero-point corrections
computed at import, the fixed-point QLinearAdd, integer average pooling and lookup tables
reproduced exactly. Every function appends nodes to an `IRBuilder` and raises `ValueError`
(turned into an error naming the ONNX node by the importer) when a value does not fit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from chip.dtypes import DType
from compiler.ir import Op
from compiler.ir_builder import IRBuilder

_CONST_LIMIT = 2**24  # int32 constants travel as fp32 values: exact below 2^24


@dataclass(frozen=True)
class QParams:
    """One quantized tensor's parameters: real = (q - zero_point) * scale.

    ``zero_point`` is in the chip's int8 domain: for a uint8 ONNX tensor (``unsigned``) it is
    the ONNX zero point minus 128 and the chip holds ``q - 128``, so the real values are the
    same.
    """

    scale: np.float32
    zero_point: int
    unsigned: bool = False

    @classmethod
    def of(cls, scale: np.ndarray, zero_point: np.ndarray) -> QParams:
        """From one-element ONNX scale and zero-point arrays (int8 or uint8)."""
        unsigned = zero_point.dtype == np.uint8
        return cls(
            np.float32(scale.reshape(())), int(zero_point.reshape(-1)[0]) - 128 * unsigned, unsigned
        )

    def quantize(self, x: np.ndarray) -> np.ndarray:
        """onnxruntime's QuantizeLinear in the chip's int8 domain: fp32 ``x / scale``, round
        half to even, add the zero point, saturate to [-128, 127]."""
        q = np.rint(np.asarray(x, dtype=np.float32) / self.scale)
        return np.clip(q + self.zero_point, -128, 127).astype(np.int8)

    def dequantize(self, q: np.ndarray) -> np.ndarray:
        """onnxruntime's DequantizeLinear: fp32 ``(q - zero_point) * scale``."""
        diff = np.asarray(q).astype(np.int32) - self.zero_point
        return diff.astype(np.float32) * self.scale


def multiplier(*scales: np.ndarray | np.float32, divide: np.float32) -> np.ndarray:
    """fp32 product of ``scales`` in order, then divided by ``divide`` (MLAS's output scale,
    e.g. ``x_scale * w_scale / y_scale`` for QLinearConv), elementwise for per-channel
    scales; a 1-D float32 array."""
    m = np.ones(1, dtype=np.float32)
    for s in scales:
        m = m * np.asarray(s, dtype=np.float32).reshape(-1)
    return m / np.float32(divide)


def int32_const(b: IRBuilder, name: str, value: np.ndarray) -> int:
    value = np.asarray(value, dtype=np.int64)
    worst = int(np.abs(value).max(initial=0))
    if worst >= _CONST_LIMIT:
        raise ValueError(
            f"int32 constant {name!r} reaches {worst}; constants are exact only "
            f"below {_CONST_LIMIT}"
        )
    return b.source(Op.CONST, b.unique(name), value.shape, value, dtype=DType.INT32)


def int8_param(b: IRBuilder, name: str, value: np.ndarray) -> int:
    return b.source(Op.PARAM, b.unique(name), np.shape(value), value, dtype=DType.INT8)


def add_offset(b: IRBuilder, acc: int, value: np.ndarray, name: str) -> int:
    """``acc + value`` for an integer constant broadcastable to acc's shape (kept as a row
    vector when it is the same at every position); ``acc`` itself when all zero."""
    value = np.asarray(value, dtype=np.int64)
    if not value.any():
        return acc
    shape = b.shape(acc)
    full = np.broadcast_to(value, shape)
    rows = full.reshape(-1, shape[-1])
    row_vector = bool(np.all(rows == rows[:1]))
    const = int32_const(b, f"{name}.offset", rows[0] if row_vector else full)
    return b.add(Op.ADD, (acc, const), name)


def requantize(b: IRBuilder, acc: int, m: np.ndarray, zero_point: int, name: str) -> int:
    """int32 ``acc`` -> int8 as MLAS's MlasRequantizeOutput: fp32 ``float(acc) * m`` rounded
    to nearest even, plus the zero point, saturated. One multiplier: SCALE (the vector unit
    rounds into the int32 destination); one per output channel: MUL by an fp32 row vector,
    then CAST to int32. Then ADD_CONST, CAST to int8."""
    m = np.asarray(m, dtype=np.float32).reshape(-1)
    if m.size == 1:
        y = b.scale(acc, float(m[0]), name)
    else:
        real = b.add(Op.MUL, (acc, b.const(b.unique(f"{name}.multiplier"), m)), name)
        y = b.add(Op.CAST, (real,), name, dtype=DType.INT32)
    if zero_point:
        y = b.add_const(y, float(zero_point), name)
    return b.add(Op.CAST, (y,), name, dtype=DType.INT8)


def conv_window_sums(
    w: np.ndarray,
    in_hw: Sequence[int],
    out_hw: Sequence[int],
    stride: Sequence[int],
    padding: Sequence[int],
) -> np.ndarray:
    """[OH, OW, Cout]: the sum of the weights ``w`` [Cout, Cin, KH, KW] that meet unpadded
    input at each output position (the zero-point correction of a padded convolution)."""
    top, left, bottom, right = padding
    h, wd = in_hw
    inside = np.zeros((h + top + bottom, wd + left + right), dtype=np.int64)
    inside[top : top + h, left : left + wd] = 1
    per_tap = w.astype(np.int64).sum(axis=1)  # [Cout, KH, KW]
    oh, ow = out_hw
    sh, sw = stride
    out = np.zeros((oh, ow, w.shape[0]), dtype=np.int64)
    for kh in range(w.shape[2]):
        for kw in range(w.shape[3]):
            hit = inside[kh : kh + sh * (oh - 1) + 1 : sh, kw : kw + sw * (ow - 1) + 1 : sw]
            out += hit[:, :, None] * per_tap[:, kh, kw]
    return out


def qadd_fixed_point(
    b: IRBuilder, ids: tuple[int, int], qs: tuple[QParams, QParams], qy: QParams, name: str
) -> int:
    """QLinearAdd: y = round((a - za) * ra + (b - zb) * rb) + zy with r = s / sy.

    Each term is rounded once to a fixed point of 2^-k (k as large as keeps the sum exact in
    fp32, about 14), the terms are added exactly and the sum rounded once. onnxruntime
    evaluates the sum in fp32 instead (MLAS's AVX2 kernel: two fused multiply-adds), so the
    two differ where the value is within ~2^-k of a rounding tie. The operands are int8, so
    all 65536 pairs are compared at import with `mlas_qladd_avx2` and the few that differ
    (none to a handful) are patched by EQUAL masks: bit-exact against that kernel.
    """
    ratios = [np.float32(q.scale / qy.scale) for q in qs]
    span = 255.0 * float(sum(ratios))  # |x - zx| <= 255
    k = math.floor(math.log2((2**23) / span))
    terms, shifted = [], []
    for nid, q, r in zip(ids, qs, ratios, strict=True):
        x = b.add_const(nid, float(-q.zero_point), name) if q.zero_point else nid
        shifted.append(x)
        terms.append(b.scale(x, float(r) * 2.0**k, name))
    total = b.scale(b.add(Op.ADD, tuple(terms), name), 2.0**-k, name)
    y = b.add_const(total, float(qy.zero_point), name) if qy.zero_point else total
    # the chip's result for every pair of codes, as the vector unit computes it
    codes = np.arange(-128, 128)
    parts = [
        np.rint((codes - q.zero_point).astype(np.float32) * np.float32(float(r) * 2.0**k))
        for q, r in zip(qs, ratios, strict=True)
    ]
    pre = (
        np.rint(
            (parts[0][:, None] + parts[1][None, :]).astype(np.float32) * np.float32(2.0**-k)
        ).astype(np.int64)
        + qy.zero_point
    )
    want = mlas_qladd_avx2(codes[:, None], codes[None, :], qs, qy)
    for i, j in zip(*np.nonzero(np.clip(pre, -128, 127) != want), strict=True):
        hit = b.add(
            Op.MUL,
            tuple(
                _equals(b, t, int(codes[c] - q.zero_point), name)
                for t, c, q in zip(shifted, (i, j), qs, strict=True)
            ),
            name,
        )
        y = b.add(Op.ADD, (y, b.scale(hit, float(want[i, j] - pre[i, j]), name)), name)
    return b.add(Op.CAST, (y,), name, dtype=DType.INT8)


def mlas_qladd_avx2(
    a: np.ndarray, c: np.ndarray, qs: tuple[QParams, QParams], qy: QParams
) -> np.ndarray:
    """QLinearAdd of int8-domain codes as MLAS's AVX2 kernel computes it (on the ONNX int8 or
    uint8 values): ratios r = s / sy in fp32, fixed part zy - (ra za + rb zb) in fp32, then
    fma(a, ra, fma(b, rb, fixed)) with one rounding per fused multiply-add (float64 holds each
    exact product-sum), round half to even, saturate; returned in the int8 domain."""
    (qa, qb), f32 = qs, np.float32
    shift = 128 if qy.unsigned else 0
    ra, rb = f32(qa.scale / qy.scale), f32(qb.scale / qy.scale)
    za, zb, zy = (f32(q.zero_point + shift) for q in (qa, qb, qy))
    fixed = f32(zy - f32(f32(ra * za) + f32(rb * zb)))
    inner = (np.asarray(c + shift, np.float64) * float(rb) + float(fixed)).astype(np.float32)
    value = (np.asarray(a + shift, np.float64) * float(ra) + inner.astype(np.float64)).astype(
        np.float32
    )
    lo, hi = (0, 255) if qy.unsigned else (-128, 127)
    return np.clip(np.rint(value), lo, hi).astype(np.int64) - shift


def _equals(b: IRBuilder, t: int, code: int, name: str) -> int:
    """1 where integer tensor ``t`` equals ``code``, else 0."""
    ref = b.source(Op.CONST, b.unique(f"{name}.code"), (1,), np.array([code]), dtype=b.dtype(t))
    return b.add(Op.EQUAL, (t, ref), name)


def average_pool_int(
    b: IRBuilder,
    x: int,
    qx: QParams,
    qy: QParams,
    kernel: Sequence[int],
    count_include_pad: bool,
    name: str,
    stride: Sequence[int],
    padding: Sequence[int],
) -> int:
    """QLinearAveragePool: the window sums S of (x - zx) over unpadded positions, exactly, then
    one fp32 multiply by sx / (count * sy) per distinct window count (0/1 masks pick each
    count's positions), the zero point, saturation. onnxruntime sums dequantized fp32 values
    and divides: results can differ by one unit next to rounding ties.

    S comes from AVGPOOL2D (count_include_pad: padding adds 0) of K (x - zx), K = KH * KW: the
    pool sums the int32 values exactly and multiplies by fp32 1/K, and |K S| < 2^24 makes
    ``K S * fp32(1/K)`` lie within 2^-10 of the integer S, which the int32 result rounds to.
    """
    n, h, w, c = b.shape(x)
    kh, kw = kernel
    shifted = b.add_const(x, float(-qx.zero_point), name) if qx.zero_point else x
    sums = b.add(
        Op.AVGPOOL2D,
        (b.scale(shifted, float(kh * kw), name),),
        name,
        kernel=(kh, kw),
        stride=tuple(stride),
        padding=tuple(padding),
        count_include_pad=True,
    )
    _, oh, ow, _ = b.shape(sums)
    valid = conv_window_sums(np.ones((1, 1, kh, kw)), (h, w), (oh, ow), stride, padding)[..., 0]
    counts = np.full_like(valid, kh * kw) if count_include_pad else valid
    parts = []
    for count in np.unique(counts):
        m = multiplier(qx.scale, divide=np.float32(np.float32(count) * qy.scale))
        part = b.scale(sums, float(m[0]), name)
        if len(np.unique(counts)) > 1:
            mask = np.broadcast_to((counts == count)[None, :, :, None], (n, oh, ow, c))
            part = b.add(Op.MUL, (part, int32_const(b, f"{name}.count{count}", mask)), name)
        parts.append(part)
    y = parts[0]
    for part in parts[1:]:
        y = b.add(Op.ADD, (y, part), name)
    if qy.zero_point:
        y = b.add_const(y, float(qy.zero_point), name)
    return b.add(Op.CAST, (y,), name, dtype=DType.INT8)


def requant_table(qx: QParams, qy: QParams) -> np.ndarray:
    """onnxruntime's 256-entry table mapping code x (index x + 128) from ``qx`` to ``qy``:
    fp32 ``sx * (x - zx)`` quantized by QuantizeLinear (QLinearConcat's lookup table)."""
    codes = np.arange(-128, 128)
    real = np.float32(qx.scale) * (codes - qx.zero_point).astype(np.float32)
    return qy.quantize(real).astype(np.int64)


def requant_lookup(b: IRBuilder, x: int, qx: QParams, qy: QParams, name: str) -> int:
    """int8 ``x`` mapped through `requant_table` exactly: the affine requantization
    (shift, SCALE by sx / sy, zero point), then each code where it misses the table patched
    by an EQUAL mask times the difference."""
    table = requant_table(qx, qy)
    m = np.float32(qx.scale / qy.scale)
    codes = np.arange(-128, 128)
    shifted = (codes - qx.zero_point).astype(np.float32)
    affine = np.rint(shifted * m).astype(np.int64) + qy.zero_point
    t = b.add_const(x, float(-qx.zero_point), name) if qx.zero_point else x
    y = b.scale(t, float(m), name)
    if qy.zero_point:
        y = b.add_const(y, float(qy.zero_point), name)
    for k in np.flatnonzero(np.clip(affine, -128, 127) != table):
        hit = _equals(b, t, int(codes[k] - qx.zero_point), name)
        y = b.add(Op.ADD, (y, b.scale(hit, float(table[k] - affine[k]), name)), name)
    return b.add(Op.CAST, (y,), name, dtype=DType.INT8)
