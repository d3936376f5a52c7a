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
constants) is evaluated at import; Dropout is a DROPOUT (the identity in inference).

Initializers that are weights (all of them unless the caller names the weights) become
PARAMs, batch-norm running statistics too (a training step updates them as running averages);
Constant nodes and other constants become CONSTs; shape tensors are read at import.

`HANDLERS` lists every supported op type with its handler (in `compiler.onnx_ops` for float
ops, `compiler.onnx_quant` for the QOperator ops) and what its operands may be: float only,
also int8 (ops that only move or select elements), or quantized. Anything outside it is refused
with an `OnnxError` that lists every unsupported node at once.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import numpy as np
import onnx

from chip.dtypes import DType
from compiler import onnx_quant as quant
from compiler.ir import Graph, Op
from compiler.onnx_checks import check_model
from compiler.onnx_files import load_onnx
from compiler.onnx_ops import activations as act
from compiler.onnx_ops import (
    boundary,
    conv_transpose,
    integers,
    math,
    narrow,
    nn,
    reduce,
    resize,
    shape,
)
from compiler.onnx_ops.importer import Importer, Unsupported
from compiler.passes.shape_infer import ShapeError


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
        # data movement and shape arithmetic (compiler.onnx_ops.shape)
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
            shape.slice_,
            _A,
            limits=(
                "starts/ends/axes/steps constant or bound (steps other than 1 as per-element moves)"
            ),
        ),
        "Split": Handler(shape.split, _A, limits="split sizes constant or bound, or num_outputs"),
        "Expand": Handler(shape.expand, _A, limits="shape constant or bound (CONCAT copies)"),
        "Pad": Handler(
            shape.pad,
            _N,
            limits="modes constant, edge, reflect, wrap; pads/value/axes constant or bound",
        ),
        "Gather": Handler(
            shape.gather, _A, limits="indices constant or bound (DMA addresses are fixed)"
        ),
        "Unsqueeze": Handler(shape.unsqueeze, _A, limits="axes constant or bound"),
        "Squeeze": Handler(shape.squeeze, _A, limits="axes constant or bound"),
        "Cast": Handler(
            shape.cast,
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
_FOLD_HANDLER = Handler(shape.constant_only)
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


@dataclass(frozen=True)
class Problem:
    """One unsupported construct: where (a node's label or a graph input), its op type, the
    attribute or input concerned ("" if none) and why it is refused."""

    where: str
    op: str
    attribute: str
    why: str
    bind: str = ""  # a graph input whose value, bound at compile time, the node needs


class OnnxError(ValueError):
    """An ONNX model the compiler cannot import, with every `Problem` found (not just the first).

    The message's first line names the model and the first problem; a table of all follows.
    ``unbound`` names the graph inputs that must be bound (`import_onnx`'s ``bind``)."""

    def __init__(self, model: str, problems: list[Problem]) -> None:
        self.problems = tuple(problems)
        self.unbound = tuple(dict.fromkeys(p.bind for p in problems if p.bind))
        first = problems[0]
        head = f"ONNX {first.where}" + (f" ({first.op})" if first.op else "")
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        super().__init__(f"{head}: {first.why}{more}\n{problem_table(model, problems)}")


def problem_table(model: str, problems: list[Problem] | tuple[Problem, ...]) -> str:
    """The problems as a text table: one line each, node, op, attribute and why."""
    if not problems:
        return f"ONNX model {model!r}: every node is supported"
    rows = [("node", "op", "attribute", "why")] + [
        (p.where, p.op, p.attribute or "-", p.why) for p in problems
    ]
    widths = [min(max(len(r[k]) for r in rows), 48) for k in range(3)]
    lines = [f"ONNX model {model!r}: {len(problems)} unsupported constructs"]
    for r in rows:
        lines.append("  " + "  ".join(r[k].ljust(widths[k]) for k in range(3)) + "  " + r[3])
    return "\n".join(lines)


def import_onnx(
    model: onnx.ModelProto | str | Path,
    batch: int | None = None,
    bind: Mapping[str, np.ndarray] | None = None,
    weights: Collection[str] | None = None,
) -> Graph:
    """The IR graph of an ONNX model (a ModelProto or a path to a .onnx file).

    The shapes are the model's own: ``batch`` sets the leading dimension of graph inputs
    whose leading dimension is dynamic, and must equal it where it is static. ``bind`` gives
    graph inputs values fixed at compile time, folded as constants (as TVM's freeze_params):
    the inputs that set a shape, axes, pads or indices, which a static-shape chip must know
    before it runs; a bound input is no longer an input of the program. ``weights`` names the
    initializers that are trainable weights (None: every initializer, ONNX having no mark for
    it); they and the tensors folded from them at import become PARAMs, every other constant
    (Constant nodes, other initializers, bound inputs, folded shape arithmetic) a CONST.
    Batch-norm running statistics are PARAMs either way (a training step updates them as
    running averages). Raises `OnnxError` listing every unsupported op, attribute, input type
    and dynamic shape (its ``unbound`` names the inputs to bind).
    """
    if batch is not None and (not isinstance(batch, int) or batch <= 0):
        raise ValueError(f"batch must be a positive int, not {batch!r}")
    proto = model if isinstance(model, onnx.ModelProto) else load_onnx(model)
    where = "ONNX model" if isinstance(model, onnx.ModelProto) else str(model)
    check_model(proto, where)
    name = proto.graph.name or str(model)
    bound, refused = boundary.bound(proto.graph, bind or {})
    if refused:
        raise OnnxError(name, [Problem(f"bound input {x!r}", "", "", why) for x, why in refused])
    im = Importer(proto, batch, bound, weights)
    problems = _run(im)
    if problems:
        raise OnnxError(name, problems)
    return im.b.build()


def check_onnx(
    model: onnx.ModelProto | str | Path,
    batch: int | None = None,
    bind: Mapping[str, np.ndarray] | None = None,
) -> list[Problem]:
    """Every unsupported construct of ``model`` (an empty list: it imports)."""
    try:
        import_onnx(model, batch, bind)
    except OnnxError as e:
        return list(e.problems)
    return []


def _label(k: int, node: onnx.NodeProto) -> str:
    first = next((o for o in node.output if o), "")
    return f"node {node.name!r}" if node.name else f"node #{k} (output {first!r})"


def _run(im: Importer) -> list[Problem]:
    """Import every node into ``im``; the problems found (the graph is valid if none)."""
    problems = [
        Problem(f"graph input {name!r}", "", "", why)
        for name, why in boundary.inputs(im, INTEGER_ARITHMETIC, INT8_SAFE)
    ]
    # refused graph inputs, and outputs of refused nodes with no stand-in value
    refused = {
        vi.name
        for vi in im.g.input
        if vi.name not in im.vals and vi.name not in im.consts and vi.name not in im.unheld
    }
    known = None
    for k, node in enumerate(im.g.node):
        im.node = node
        handler = HANDLERS.get(node.op_type, _FOLD_HANDLER if node.op_type in FOLD_ONLY else None)
        if any(x in refused for x in node.input):
            refused.update(node.output)  # follows a refused node: checked once that one is
            continue
        try:
            if handler is None:
                raise Unsupported(
                    f"op type {node.op_type!r} is not supported "
                    "(docs/lowering.md lists the supported ones)"
                )
            _apply(im, handler, node)
            if any(x in im.weights for x in node.input):  # folded from a weight: trainable
                im.weights.update(y for y in node.output if y in im.consts and y not in im.vals)
            continue
        except Unsupported as e:
            problems.append(Problem(_label(k, node), node.op_type, e.attribute, str(e), e.bind))
        except ShapeError as e:
            problems.append(Problem(_label(k, node), node.op_type, "", str(e)))
        known = known if known is not None else boundary.inferred_types(im.g)
        for out in node.output:
            if out and not boundary.stand_in(im, out, known):
                refused.add(out)
    for vi in im.g.output:
        if vi.name in refused or any(p.where == f"graph input {vi.name!r}" for p in problems):
            continue
        try:
            im.b.output(vi.name, narrow.declared_output(im, vi, _output_value(im, vi.name)))
        except Unsupported as e:
            problems.append(Problem(f"graph output {vi.name!r}", "", "", str(e)))
    return problems


def _output_value(im: Importer, name: str) -> int:
    """The IR id of graph output ``name``; a constant one (folded at import) is a CONST."""
    if name not in im.vals and im.const(name) is not None:
        value = im.const(name)
        if value.size == 0:
            raise Unsupported(
                f"is an empty constant (shape {list(value.shape)}); the chip holds no empty tensors"
            )
        return im.b.const(im.b.unique(f"{name}.value"), value)
    return im.get(name, "plain")


def _pass_on_integer_type(im: Importer, node: onnx.NodeProto) -> None:
    """The outputs of an op that moves or selects elements of an integer tensor (its first
    input) have its ONNX type, so integer ops after them wrap as ONNX does."""
    if node.input and integers.is_integer(im, node.input[0]):
        for out in node.output:
            if out in im.vals:
                im.elem[out] = im.elem[node.input[0]]
                im.int_bound[out] = integers.bound(im, node.input[0])


def _apply(im: Importer, handler: Handler, node: onnx.NodeProto) -> None:
    present = [x for x in node.input if x]
    if (
        handler.operands is not Operands.QUANT
        and present
        and all(x not in im.vals and im.const(x) is not None for x in present)
    ):
        boundary.fold(im, node)
        return
    im.int_ok = handler.operands in (Operands.ANY, Operands.NUMERIC)
    integer = handler.operands is Operands.NUMERIC and any(
        integers.is_integer(im, x) for x in node.input if x
    )
    if handler.operands is Operands.FLOAT or (handler.operands is Operands.NUMERIC and not integer):
        for k, name in enumerate(node.input):
            if k in handler.static:
                continue
            dtype = im.b.dtype(im.vals[name][0]) if name in im.vals else DType.FP32
            if dtype is DType.INT8:
                raise Unsupported(
                    f"input {name!r} is a quantized int8 tensor; {node.op_type} "
                    "computes on floats (quantized models may apply only "
                    f"QLinear ops and {', '.join(sorted(INT8_SAFE))} to it)"
                )
            if not dtype.is_float:
                what = im.elem.get(name, dtype.value)
                raise Unsupported(f"input {name!r} is {what}; {node.op_type} computes on floats")
    if handler.operands is not Operands.QUANT:
        handler.fn(im, node)
        if handler.operands is Operands.ANY and node.op_type != "Cast":
            _pass_on_integer_type(im, node)
        return
    try:
        handler.fn(im, node)
    except ValueError as e:  # the integer helpers' errors, reported against the node
        if isinstance(e, ShapeError):
            raise
        raise Unsupported(str(e)) from None
