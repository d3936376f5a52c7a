"""The one table of supported ONNX ops: every op type's handler and what its operands may be.

`HANDLERS` maps each supported op type to a `Handler`: the function that imports one node (in
`compiler.onnx_ops` for float ops, `compiler.onnx_quant` for the QOperator ops), its `Operands`
(float only; also the model's integer tensors; any, for ops that only move or select elements,
right on int8 values; or quantized) and, for docs/lowering.md, what of the op is supported.
`FOLD_ONLY` lists the ops evaluated at import on constants only (shape arithmetic). The import
driver (`compiler.onnx_import`) dispatches through this table and refuses anything outside it;
`supported_ops_markdown` renders it for the docs.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import onnx

from compiler import onnx_quant as quant
from compiler.ir import Op
from compiler.onnx_ops import activations as act
from compiler.onnx_ops import (
    cast,
    conv_transpose,
    math,
    narrow,
    nn,
    reduce,
    resize,
    shape,
    slicing,
)
from compiler.onnx_ops.importer import Importer


class Operands(enum.Enum):
    """What the operands of an op's handler may be."""

    FLOAT = "float"  # floats only: an int8 operand is refused (its math would misread it)
    NUMERIC = "numeric"  # floats, or the model's integer tensors (exact fp32 values)
    ANY = "any"  # moves or selects elements: right on int8 values at any scale
    QUANT = "quantized"  # a QOperator op: int8 codes with their (scale, zero point)


@dataclass(frozen=True)
class Handler:
    """How one ONNX op type is imported: ``fn(importer, node)`` and its operand kinds."""

    fn: Callable[[Importer, onnx.NodeProto], None]
    operands: Operands = Operands.FLOAT
    limits: str = ""  # what of the op is supported, for docs/lowering.md
    # inputs the handler reads at compile time (`Importer.static`), of any type: not operands
    static: frozenset[int] = frozenset()


_F, _N, _A, _Q = Operands.FLOAT, Operands.NUMERIC, Operands.ANY, Operands.QUANT
_SEQUENCE_LENS = frozenset({4})  # RNN/GRU/LSTM's sequence_lens (int32)
# Ops exporters apply only to shapes and other constants: evaluated at import (`_fold`), never
# on the chip. Every op of HANDLERS also folds when all its inputs are constants.
FOLD_ONLY = frozenset(
    {
        "ConstantOfShape",
        "Range",
        "Mod",
        "Equal",
        "Less",
        "Greater",
        "Not",
        "And",
        "Or",
        "Floor",
        "Ceil",
        "Size",
        "Trilu",
    }
)

HANDLERS: Mapping[str, Handler] = MappingProxyType(
    {
        # matrix products and elementwise math (compiler.onnx_ops.math)
        "Gemm": Handler(
            math.gemm, limits="bias C of any broadcastable shape (constant or run-time)"
        ),
        "MatMul": Handler(
            math.matmul,
            limits=(
                "N-D with broadcast batch dims (one GEMM per batch pair unless the right "
                "operand is 2-D); 1-D operands as NumPy (1-D x 1-D: rank 0)"
            ),
        ),
        "Add": Handler(
            math.binary(Op.ADD),
            _N,
            limits=(
                "NumPy broadcasting where one operand has the result's shape; the other a "
                "constant, a scalar, a trailing row vector or equal-shaped; integers: two "
                "run-time tensors, see Integer tensors"
            ),
        ),
        "Sub": Handler(math.binary(Op.SUB), _N, limits="as Add; integers: not uint32/uint64"),
        "Mul": Handler(math.binary(Op.MUL), _N, limits="as Add; integers: products below 2^24"),
        "Div": Handler(
            math.div,
            _N,
            limits="as Add; a / c = a * (1 / c); integers: truncated toward zero, exactly",
        ),
        "Relu": Handler(math.unary(Op.RELU), limits=""),
        "LeakyRelu": Handler(math.unary(Op.LEAKY_RELU, alpha=0.01), limits=""),
        "Sigmoid": Handler(math.unary(Op.SIGMOID), limits=""),
        "Tanh": Handler(math.unary(Op.TANH), limits=""),
        "Softmax": Handler(
            math.softmax(Op.SOFTMAX),
            limits=(
                "any axis (TRANSPOSE to the last and back); before opset 13 the flattened semantics"
            ),
        ),
        "LogSoftmax": Handler(math.softmax(Op.LOG_SOFTMAX), limits="as Softmax"),
        # unary math, activations, n-ary and selection (compiler.onnx_ops.activations)
        **{op: Handler(fn, limits=act.LIMITS[op]) for op, fn in act.UNARY.items()},
        "Pow": Handler(
            act.pow_,
            _N,
            limits=(
                "float base; a one-value constant exponent (x^p for p <= 4 integer by MUL, "
                "0.5/-0.5/-1 by SQRT/RSQRT/RECIP, else exp(p log x)); an exponent tensor "
                "(float or integer, broadcast as Add): exp(y log |x|) with NumPy's signs"
            ),
        ),
        "Clip": Handler(act.clip, _N, limits="bounds constant or one-value run-time tensors"),
        "PRelu": Handler(act.prelu, limits="slope broadcast as Mul's operand"),
        "Max": Handler(act.nary("max"), _N, limits="n-ary, broadcast as Add"),
        "Min": Handler(act.nary("min"), _N, limits="n-ary, -max(-a, -b)"),
        "Sum": Handler(act.nary("sum"), limits="n-ary"),
        "Mean": Handler(act.nary("mean"), limits="n-ary"),
        "Where": Handler(
            act.where,
            _N,
            limits=(
                "a constant condition (a causal mask; a constant operand may be -inf), or a "
                "run-time bool condition of the operands' shape"
            ),
        ),
        # reductions and normalization over any axes (compiler.onnx_ops.reduce)
        "ReduceSum": Handler(
            reduce.reduce("sum"),
            _N,
            limits="axes constant or bound (attribute or input), keepdims (rank 0 when none)",
        ),
        "ReduceMean": Handler(reduce.reduce("mean"), _N, limits="as ReduceSum; not on integers"),
        "ReduceMax": Handler(reduce.reduce("max"), _N, limits="as ReduceSum"),
        "ReduceMin": Handler(reduce.reduce("min"), _N, limits="as ReduceSum"),
        "LayerNormalization": Handler(reduce.layer_norm, limits="any axis; Mean/InvStdDev outputs"),
        # convolution, pooling, normalization, recurrence (compiler.onnx_ops.nn)
        "Conv": Handler(
            nn.conv,
            limits=(
                "2-D; groups (one GEMM per group: depthwise is one per channel); dilations "
                "with a constant weight; SAME/VALID padding; weight and bias constant or run-"
                "time"
            ),
        ),
        "ConvTranspose": Handler(
            conv_transpose.conv_transpose,
            limits=(
                "1-D, 2-D and 3-D (2-D convolutions summed over the kernel depth); group, "
                "dilations, strides, pads, output_padding, "
                "output_shape, auto_pad SAME; weight and bias constant or run-time"
            ),
        ),
        "Resize": Handler(
            resize.resize,
            _A,
            limits=(
                "scales/sizes/roi constant or bound; any axes; mode nearest (every "
                "nearest_mode: DMA gathers), linear and cubic (antialias, exclude_outside, "
                "cubic_coeff_a: one "
                "MATMUL per axis with a constant interpolation matrix); every "
                "coordinate_transformation_mode, keep_aspect_ratio_policy"
            ),
        ),
        "MaxPool": Handler(
            nn.pool(Op.MAXPOOL2D),
            _A,
            limits=(
                "1-D, 2-D and 3-D; ceil_mode, SAME padding, dilations (other than 2-D without "
                "dilations: the MAX of each window's taps, gathered by DMA, one axis at a time); "
                "Indices output (2-D, float, storage_order 0/1: the first maximum's flat index)"
            ),
        ),
        "AveragePool": Handler(
            nn.pool(Op.AVGPOOL2D),
            limits=(
                "1-D, 2-D and 3-D; ceil_mode, SAME padding, dilations (other than 2-D without "
                "dilations: one MATMUL per axis with a constant averaging matrix); 2-D without "
                "dilations: not ceil_mode with count_include_pad=1 past the edge"
            ),
        ),
        "GlobalAveragePool": Handler(nn.global_pool(Op.AVGPOOL2D), limits="2-D"),
        "GlobalMaxPool": Handler(nn.global_pool(Op.MAXPOOL2D), _A, limits="2-D"),
        "BatchNormalization": Handler(
            nn.batch_norm,
            limits=(
                "statistics constant or run-time; training_mode=1: batch statistics, running "
                "mean/var outputs updated with momentum"
            ),
        ),
        "RNN": Handler(
            nn.recurrent(Op.RNN),
            limits=(
                "direction forward/reverse/bidirectional, layout 0/1, default activations; "
                "W/R/B and initial states constant or run-time; sequence_lens constant or "
                "bound (shorter sequences masked; reversed within their length); no clip"
            ),
            static=_SEQUENCE_LENS,
        ),
        "GRU": Handler(
            nn.recurrent(Op.GRU), limits="as RNN; linear_before_reset", static=_SEQUENCE_LENS
        ),
        "LSTM": Handler(
            nn.recurrent(Op.LSTM),
            limits="as RNN; Y_c output; peepholes P constant or run-time; no input_forget",
            static=_SEQUENCE_LENS,
        ),
        # data movement and shape arithmetic (compiler.onnx_ops.shape, .slicing, .cast)
        "Flatten": Handler(shape.flatten, _A, limits=""),
        "Reshape": Handler(
            shape.reshape, _A, limits="target shape constant or bound; allowzero=1 without a 0"
        ),
        "Transpose": Handler(shape.transpose, _A, limits="any rank"),
        "Concat": Handler(shape.concat, limits=""),
        "Constant": Handler(shape.constant, _A, limits="the value attribute"),
        "Identity": Handler(shape.identity, _A, limits="tensors (no sequences/optionals)"),
        "Dropout": Handler(
            shape.dropout,
            limits=(
                "the identity in inference; with a constant ratio a mask drawn on chip in a "
                "training step; the mask output that draw on ones (all true in inference); "
                "training_mode constant or bound: false, or true with ratio 0"
            ),
        ),
        "Shape": Handler(shape.shape, _A, limits="start/end; folded at import"),
        "Slice": Handler(
            slicing.slice_,
            _A,
            limits=(
                "starts/ends/axes/steps constant or bound (steps other than 1 as per-element moves)"
            ),
        ),
        "Split": Handler(slicing.split, _A, limits="split sizes constant or bound, or num_outputs"),
        "Expand": Handler(slicing.expand, _A, limits="shape constant or bound (CONCAT copies)"),
        "Pad": Handler(
            slicing.pad,
            _N,
            limits="modes constant, edge, reflect, wrap; pads/value/axes constant or bound",
        ),
        "Gather": Handler(
            slicing.gather, _A, limits="indices constant or bound (DMA addresses are fixed)"
        ),
        "Unsqueeze": Handler(shape.unsqueeze, _A, limits="axes constant or bound"),
        "Squeeze": Handler(shape.squeeze, _A, limits="axes constant or bound"),
        "Cast": Handler(
            cast.cast,
            _A,
            limits=(
                "constants: any type (folded); tensors: to float/double, and to float16, "
                "bfloat16, float8 (e4m3fn, e4m3fnuz, e5m2, e5m2fnuz, e8m0 with round_mode), "
                "float4e2m1, int4/uint4/int2/uint2 by the vector unit's CVT (saturate or not); "
                "integer to a wider integer; inputs of those types held as fp32 (exact)"
            ),
        ),
        "CastLike": Handler(narrow.cast_like, _A, limits="as Cast, to the second input's type"),
        # quantized models in the QOperator format (compiler.onnx_quant)
        "QuantizeLinear": Handler(
            quant.quantize_linear,
            _Q,
            limits=(
                "to int8/uint8 with a constant per-tensor scale and zero point: graph inputs "
                "only (the host quantizes); otherwise on the chip: float tensors to 8/16/4/2-bit "
                "integers (exact fp32 values) or float8/float4e2m1 (ROUND), scale and zero "
                "point constant or run-time, per tensor, axis or block"
            ),
        ),
        "DequantizeLinear": Handler(
            quant.dequantize_linear,
            _Q,
            limits=(
                "int8: graph outputs only (the host dequantizes); the model's integer tensors: "
                "(x - zero point) * scale on chip, per tensor or axis, constant or bound; "
                "float8, float4 and 4/2-bit inputs (held as fp32): (x - zero point) * scale on "
                "the chip, per tensor, axis or block, scale and zero point constant or run-time"
            ),
        ),
        "QLinearConv": Handler(
            quant.qlinear_conv,
            _Q,
            limits=(
                "int8 tensors: 2-D, group 1; symmetric weights (per-tensor or per-channel); "
                "the model's integer tensors (uint8 inputs, int8 ones when a scale is not an "
                "initializer; held as fp32): as Conv, no bias, "
                "per-tensor scales and zero points constant or bound, requantized in fp32 as "
                "onnxruntime"
            ),
        ),
        "QLinearMatMul": Handler(
            quant.qlinear_matmul,
            _Q,
            limits=(
                "int8 tensors: 2-D, constant weight; the model's integer tensors (uint8 "
                "inputs, int8 ones when a scale is not an initializer; held as fp32): N-D as "
                "MatMul, b run-time or constant, per-tensor scales and "
                "zero points constant or bound, requantized in fp32 as onnxruntime"
            ),
        ),
        "QGemm": Handler(quant.qgemm, _Q, limits="int8 output (y_scale given), constant weight"),
        "QLinearAdd": Handler(quant.qlinear_add, _Q, limits="equal shapes"),
        "QLinearGlobalAveragePool": Handler(
            quant.qlinear_global_avgpool, _Q, limits="channels_last=0"
        ),
        "QLinearAveragePool": Handler(quant.qlinear_avgpool, _Q, limits="ceil_mode=0"),
        "QLinearConcat": Handler(quant.qlinear_concat, _Q, limits=""),
    }
)
FOLD_HANDLER = Handler(shape.constant_only)  # a FOLD_ONLY op whose inputs are not all constants
INT8_SAFE = frozenset(op for op, h in HANDLERS.items() if h.operands is Operands.ANY)
INTEGER_ARITHMETIC = frozenset(op for op, h in HANDLERS.items() if h.operands is Operands.NUMERIC)


def supported_ops_markdown() -> str:
    """The table of supported ONNX ops in docs/lowering.md (a test keeps it current)."""
    lines = ["| op | operands | limits |", "|---|---|---|"]
    for op in sorted(HANDLERS):
        h = HANDLERS[op]
        lines.append(f"| {op} | {h.operands.value} | {h.limits or '-'} |")
    folded = ", ".join(sorted(FOLD_ONLY))
    lines += ["", f"Evaluated at import on constants only (shape arithmetic): {folded}."]
    return "\n".join(lines)
