"""ONNX models to IR graphs: the one table of supported ops, and the import driver.

Layout: ONNX images are NCHW; the IR's are NHWC. The importer tracks, for every ONNX tensor,
whether its IR value is the tensor itself ("plain") or its NHWC transposition ("nhwc"). Conv,
pooling and batch norm produce and consume NHWC; elementwise ops keep their operand's layout;
an op that depends on the axis order (Flatten, Reshape, Transpose, Gemm, MatMul, Softmax, and
graph outputs) first gets a TRANSPOSE back to NCHW, which the chip does with DMA. Graph inputs
keep their ONNX shape (the host feeds NCHW) and are transposed on first use by a conv. Weights
are rearranged once at import: conv [Cout, Cin, KH, KW] -> [KH, KW, Cin, Cout]; recurrent
[G*H, I] -> [I, G*H] with LSTM gates reordered from ONNX's (i, o, f, c) to (i, f, c, o).

Shape arithmetic that exporters emit (Shape, Gather, Unsqueeze, Squeeze, Cast, Concat of
constants) is evaluated at import; Dropout is the identity (inference).

Initializers become PARAMs (batch-norm running statistics too: a training step updates them
as running averages; shape tensors are read at import).

`HANDLERS` lists every supported op type with its handler (in `compiler.onnx_ops` for float
ops, `compiler.onnx_quant` for the QOperator ops) and what its operands may be: float only,
also int8 (ops that only move or select elements), or quantized. Anything outside it is refused
with an `OnnxError` that lists every unsupported node at once.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import onnx

from chip.dtypes import DType
from compiler import onnx_quant as quant
from compiler.ir import Graph, Op
from compiler.onnx_ops import math, nn, shape
from compiler.onnx_ops.importer import Importer, Unsupported
from compiler.passes.shape_infer import ShapeError


class Operands(enum.Enum):
    """What the operands of an op's handler may be."""

    FLOAT = "float"  # floats only: an int8 operand is refused (its math would misread it)
    ANY = "any"  # moves or selects elements: right on int8 values at any scale
    QUANT = "quantized"  # a QOperator op: int8 codes with their (scale, zero point)


@dataclass(frozen=True)
class Handler:
    """How one ONNX op type is imported: ``fn(importer, node)`` and its operand kinds."""

    fn: Callable[[Importer, onnx.NodeProto], None]
    operands: Operands = Operands.FLOAT


_F, _A, _Q = Operands.FLOAT, Operands.ANY, Operands.QUANT

HANDLERS: Mapping[str, Handler] = MappingProxyType(
    {
        # matrix products and elementwise math (compiler.onnx_ops.math)
        "Gemm": Handler(math.gemm),
        "MatMul": Handler(math.matmul),
        "Add": Handler(math.binary(Op.ADD)),
        "Sub": Handler(math.binary(Op.SUB)),
        "Mul": Handler(math.binary(Op.MUL)),
        "Relu": Handler(math.unary(Op.RELU)),
        "LeakyRelu": Handler(math.unary(Op.LEAKY_RELU, alpha=0.01)),
        "Sigmoid": Handler(math.unary(Op.SIGMOID)),
        "Tanh": Handler(math.unary(Op.TANH)),
        "Softmax": Handler(math.softmax(Op.SOFTMAX)),
        "LogSoftmax": Handler(math.softmax(Op.LOG_SOFTMAX)),
        # convolution, pooling, normalization, recurrence (compiler.onnx_ops.nn)
        "Conv": Handler(nn.conv),
        "MaxPool": Handler(nn.pool(Op.MAXPOOL2D), _A),
        "AveragePool": Handler(nn.pool(Op.AVGPOOL2D)),
        "GlobalAveragePool": Handler(nn.global_avgpool),
        "BatchNormalization": Handler(nn.batch_norm),
        "RNN": Handler(nn.recurrent(Op.RNN)),
        "GRU": Handler(nn.recurrent(Op.GRU)),
        "LSTM": Handler(nn.recurrent(Op.LSTM)),
        # data movement and shape arithmetic (compiler.onnx_ops.shape)
        "Flatten": Handler(shape.flatten, _A),
        "Reshape": Handler(shape.reshape, _A),
        "Transpose": Handler(shape.transpose, _A),
        "Concat": Handler(shape.concat),
        "Constant": Handler(shape.constant, _A),
        "Identity": Handler(shape.identity, _A),
        "Dropout": Handler(shape.identity),
        "Shape": Handler(shape.shape, _A),
        "Gather": Handler(shape.gather, _A),
        "Unsqueeze": Handler(shape.unsqueeze, _A),
        "Squeeze": Handler(shape.squeeze, _A),
        "Cast": Handler(shape.cast, _A),
        # quantized models in the QOperator format (compiler.onnx_quant)
        "QuantizeLinear": Handler(quant.quantize_linear, _Q),
        "DequantizeLinear": Handler(quant.dequantize_linear, _Q),
        "QLinearConv": Handler(quant.qlinear_conv, _Q),
        "QLinearMatMul": Handler(quant.qlinear_matmul, _Q),
        "QGemm": Handler(quant.qgemm, _Q),
        "QLinearAdd": Handler(quant.qlinear_add, _Q),
        "QLinearGlobalAveragePool": Handler(quant.qlinear_global_avgpool, _Q),
        "QLinearAveragePool": Handler(quant.qlinear_avgpool, _Q),
        "QLinearConcat": Handler(quant.qlinear_concat, _Q),
    }
)
INT8_SAFE = frozenset(op for op, h in HANDLERS.items() if h.operands is Operands.ANY)


def import_onnx(model: onnx.ModelProto | str | Path, batch: int | None = None) -> Graph:
    """The IR graph of an ONNX model (a ModelProto or a path to a .onnx file).

    ``batch`` fixes a dynamic (or overrides the) leading dimension of every graph input.
    Raises `ValueError` for unsupported ops, attributes or dynamic shapes.
    """
    if batch is not None and (not isinstance(batch, int) or batch <= 0):
        raise ValueError(f"batch must be a positive int, not {batch!r}")
    proto = model if isinstance(model, onnx.ModelProto) else onnx.load(str(model))
    return _run(Importer(proto, batch))


def _run(im: Importer) -> Graph:
    for vi in im.g.input:
        if vi.name not in im.consts:
            im.vals[vi.name] = (
                im.b.input(vi.name, _input_shape(im, vi), _input_dtype(im, vi.name)),
                "plain",
            )
    for k, node in enumerate(im.g.node):
        im.node = node
        label = repr(node.name) if node.name else f"#{k} (unnamed, output {node.output[0]!r})"
        handler = HANDLERS.get(node.op_type)
        if handler is None:
            raise ValueError(
                f"ONNX node {label}: op type {node.op_type!r} is not "
                f"supported; supported op types: {', '.join(sorted(HANDLERS))}"
            )
        try:
            _apply(im, handler, node)
        except (Unsupported, ShapeError) as e:
            raise ValueError(f"ONNX node {label} ({node.op_type}): {e}") from None
    for vi in im.g.output:
        im.b.output(vi.name, im.get(vi.name, "plain"))
    return im.b.build()


def _apply(im: Importer, handler: Handler, node: onnx.NodeProto) -> None:
    if handler.operands is Operands.FLOAT:
        for name in node.input:
            if name in im.vals and im.b.dtype(im.vals[name][0]) is DType.INT8:
                raise Unsupported(
                    f"input {name!r} is a quantized int8 tensor; {node.op_type} "
                    "computes on floats (quantized models may apply only "
                    f"QLinear ops and {', '.join(sorted(INT8_SAFE))} to it)"
                )
    if handler.operands is not Operands.QUANT:
        handler.fn(im, node)
        return
    try:
        handler.fn(im, node)
    except ValueError as e:  # the integer helpers' errors, reported against the node
        if isinstance(e, ShapeError):
            raise
        raise Unsupported(str(e)) from None


def _input_shape(im: Importer, vi: onnx.ValueInfoProto) -> tuple[int, ...]:
    dims = []
    for k, d in enumerate(vi.type.tensor_type.shape.dim):
        if k == 0 and im.batch is not None:
            dims.append(im.batch)
        elif d.HasField("dim_value") and d.dim_value > 0:
            dims.append(d.dim_value)
        else:
            raise ValueError(
                f"ONNX graph input {vi.name!r}: dimension {k} is dynamic "
                f"({d.dim_param or '?'}); only static shapes are supported "
                "(pass batch= to fix the leading dimension)"
            )
    return tuple(dims)


def _input_dtype(im: Importer, name: str) -> DType:
    """int8 for an input that only QuantizeLinear reads (after reshapes, perhaps): the host
    quantizes it (`compiler.onnx_quant`); fp32 otherwise."""
    return DType.INT8 if quant.host_quantized(im.g, name) else DType.FP32
