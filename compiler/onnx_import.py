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

import onnx

from chip.dtypes import DType
from compiler import onnx_quant as quant
from compiler.ir import Graph, Op
from compiler.onnx_checks import check_model
from compiler.onnx_files import load_onnx
from compiler.onnx_ops import activations as act
from compiler.onnx_ops import boundary, math, nn, reduce, shape
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
    limits: str = ""  # what of the op is supported, for docs/lowering.md


_F, _A, _Q = Operands.FLOAT, Operands.ANY, Operands.QUANT
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
                "operand is 2-D); not 1-D x 1-D"
            ),
        ),
        "Add": Handler(
            math.binary(Op.ADD),
            limits=(
                "NumPy broadcasting where one operand has the result's shape; the other a "
                "constant, a scalar, a trailing row vector or equal-shaped"
            ),
        ),
        "Sub": Handler(math.binary(Op.SUB), limits="as Add"),
        "Mul": Handler(math.binary(Op.MUL), limits="as Add"),
        "Div": Handler(math.div, limits="as Add; a / c = a * (1 / c)"),
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
            limits=(
                "a one-value constant exponent (x^p for p <= 4 integer by MUL, 0.5/-0.5/-1 by"
                " SQRT/RSQRT/RECIP, else exp(p log x))"
            ),
        ),
        "Clip": Handler(act.clip, limits="bounds constant or one-value run-time tensors"),
        "PRelu": Handler(act.prelu, limits="slope broadcast as Mul's operand"),
        "Max": Handler(act.nary("max"), limits="n-ary, broadcast as Add"),
        "Min": Handler(act.nary("min"), limits="n-ary, -max(-a, -b)"),
        "Sum": Handler(act.nary("sum"), limits="n-ary"),
        "Mean": Handler(act.nary("mean"), limits="n-ary"),
        "Where": Handler(
            act.where,
            limits="a constant condition (a causal mask); a constant operand may be -inf",
        ),
        # reductions and normalization over any axes (compiler.onnx_ops.reduce)
        "ReduceSum": Handler(
            reduce.reduce("sum"),
            limits="axes constant (attribute or input), keepdims; not every axis with keepdims=0",
        ),
        "ReduceMean": Handler(reduce.reduce("mean"), limits="as ReduceSum"),
        "ReduceMax": Handler(reduce.reduce("max"), limits="as ReduceSum"),
        "ReduceMin": Handler(reduce.reduce("min"), limits="as ReduceSum"),
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
            nn.conv_transpose,
            limits="2-D, group 1, dilations 1, constant weight; pads, output_padding, strides",
        ),
        "Resize": Handler(
            nn.resize,
            _A,
            limits=(
                "mode nearest, integer upsampling of H and W (pixel copies); half_pixel, or "
                "asymmetric with floor"
            ),
        ),
        "MaxPool": Handler(
            nn.pool(Op.MAXPOOL2D),
            _A,
            limits="2-D; ceil_mode, SAME padding; no dilations, Indices output or storage_order=1",
        ),
        "AveragePool": Handler(
            nn.pool(Op.AVGPOOL2D),
            limits=(
                "2-D; ceil_mode (not with count_include_pad=1 past the edge), SAME padding; "
                "no dilations"
            ),
        ),
        "GlobalAveragePool": Handler(nn.global_pool(Op.AVGPOOL2D), limits="2-D"),
        "GlobalMaxPool": Handler(nn.global_pool(Op.MAXPOOL2D), _A, limits="2-D"),
        "BatchNormalization": Handler(
            nn.batch_norm, limits="inference (training_mode=0); statistics constant or run-time"
        ),
        "RNN": Handler(
            nn.recurrent(Op.RNN),
            limits=(
                "direction forward/reverse/bidirectional, layout 0/1, default activations; "
                "W/R/B constant or run-time; initial states constant zeros; sequence_lens "
                "equal to the length; no clip"
            ),
        ),
        "GRU": Handler(nn.recurrent(Op.GRU), limits="as RNN; linear_before_reset"),
        "LSTM": Handler(
            nn.recurrent(Op.LSTM), limits="as RNN; no peepholes, Y_c output or input_forget"
        ),
        # data movement and shape arithmetic (compiler.onnx_ops.shape)
        "Flatten": Handler(shape.flatten, _A, limits=""),
        "Reshape": Handler(
            shape.reshape, _A, limits="constant target shape; allowzero=1 without a 0"
        ),
        "Transpose": Handler(shape.transpose, _A, limits="any rank"),
        "Concat": Handler(shape.concat, limits=""),
        "Constant": Handler(shape.constant, _A, limits="the value attribute"),
        "Identity": Handler(shape.identity, _A, limits="tensors (no sequences/optionals)"),
        "Dropout": Handler(
            shape.dropout,
            limits=(
                "the identity in inference; with a constant ratio a mask drawn on chip in a "
                "training step; training_mode a constant false; no mask output"
            ),
        ),
        "Shape": Handler(shape.shape, _A, limits="start/end; folded at import"),
        "Slice": Handler(
            shape.slice_,
            _A,
            limits="constant starts/ends/axes/steps (steps other than 1 as per-element moves)",
        ),
        "Split": Handler(shape.split, _A, limits="constant split sizes or num_outputs"),
        "Expand": Handler(shape.expand, _A, limits="constant shape (CONCAT copies)"),
        "Pad": Handler(shape.pad, limits="mode constant; constant pads/value/axes"),
        "Gather": Handler(shape.gather, _A, limits="constant indices"),
        "Unsqueeze": Handler(shape.unsqueeze, _A, limits="constant axes"),
        "Squeeze": Handler(shape.squeeze, _A, limits="constant axes"),
        "Cast": Handler(
            shape.cast, _A, limits="constants: any type (folded); tensors: to float or double"
        ),
        # quantized models in the QOperator format (compiler.onnx_quant)
        "QuantizeLinear": Handler(
            quant.quantize_linear,
            _Q,
            limits="graph inputs only (the host quantizes); per-tensor constant scale/zero point",
        ),
        "DequantizeLinear": Handler(
            quant.dequantize_linear, _Q, limits="graph outputs only (the host dequantizes)"
        ),
        "QLinearConv": Handler(
            quant.qlinear_conv,
            _Q,
            limits="2-D, group 1; symmetric weights (per-tensor or per-channel)",
        ),
        "QLinearMatMul": Handler(quant.qlinear_matmul, _Q, limits="2-D, constant weight"),
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


class OnnxError(ValueError):
    """An ONNX model the compiler cannot import, with every `Problem` found (not just the first).

    The message's first line names the model and the first problem; a table of all follows."""

    def __init__(self, model: str, problems: list[Problem]) -> None:
        self.problems = tuple(problems)
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
    weights: Collection[str] | None = None,
) -> Graph:
    """The IR graph of an ONNX model (a ModelProto or a path to a .onnx file).

    The shapes are the model's own: ``batch`` sets the leading dimension of graph inputs
    whose leading dimension is dynamic, and must equal it where it is static. ``weights``
    names the initializers that are trainable weights (None: every initializer, ONNX having
    no mark for it); they and the tensors folded from them at import become PARAMs, every
    other constant (Constant nodes, other initializers, folded shape arithmetic) a CONST.
    Batch-norm running statistics are PARAMs either way (a training step updates them as
    running averages). Raises `OnnxError` listing every unsupported op, attribute, input type
    and dynamic shape.
    """
    if batch is not None and (not isinstance(batch, int) or batch <= 0):
        raise ValueError(f"batch must be a positive int, not {batch!r}")
    proto = model if isinstance(model, onnx.ModelProto) else load_onnx(model)
    check_model(proto, "ONNX model" if isinstance(model, onnx.ModelProto) else str(model))
    im = Importer(proto, batch, weights)
    problems = _run(im)
    if problems:
        raise OnnxError(im.g.name or str(model), problems)
    return im.b.build()


def check_onnx(model: onnx.ModelProto | str | Path, batch: int | None = None) -> list[Problem]:
    """Every unsupported construct of ``model`` (an empty list: it imports)."""
    try:
        import_onnx(model, batch)
    except OnnxError as e:
        return list(e.problems)
    return []


def _label(k: int, node: onnx.NodeProto) -> str:
    first = next((o for o in node.output if o), "")
    return f"node {node.name!r}" if node.name else f"node #{k} (output {first!r})"


def _run(im: Importer) -> list[Problem]:
    """Import every node into ``im``; the problems found (the graph is valid if none)."""
    problems = [Problem(f"graph input {name!r}", "", "", why) for name, why in boundary.inputs(im)]
    # refused graph inputs, and outputs of refused nodes with no stand-in value
    refused = {vi.name for vi in im.g.input if vi.name not in im.vals and vi.name not in im.consts}
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
            problems.append(Problem(_label(k, node), node.op_type, e.attribute, str(e)))
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
            im.b.output(vi.name, _output_value(im, vi.name))
        except Unsupported as e:
            problems.append(Problem(f"graph output {vi.name!r}", "", "", str(e)))
    return problems


def _output_value(im: Importer, name: str) -> int:
    """The IR id of graph output ``name``; a constant one (folded at import) is a CONST."""
    if name not in im.vals and im.const(name) is not None:
        value = im.const(name)
        if value.size == 0 or value.ndim == 0:
            raise Unsupported(f"is a constant of shape {list(value.shape)} (empty or rank 0)")
        return im.b.const(im.b.unique(f"{name}.value"), value)
    return im.get(name, "plain")


def _apply(im: Importer, handler: Handler, node: onnx.NodeProto) -> None:
    present = [x for x in node.input if x]
    if (
        handler.operands is not Operands.QUANT
        and present
        and all(x not in im.vals and im.const(x) is not None for x in present)
    ):
        boundary.fold(im, node)
        return
    if handler.operands is Operands.FLOAT:
        for name in node.input:
            dtype = im.b.dtype(im.vals[name][0]) if name in im.vals else DType.FP32
            if dtype is DType.INT8:
                raise Unsupported(
                    f"input {name!r} is a quantized int8 tensor; {node.op_type} "
                    "computes on floats (quantized models may apply only "
                    f"QLinear ops and {', '.join(sorted(INT8_SAFE))} to it)"
                )
            if not dtype.is_float:
                raise Unsupported(
                    f"input {name!r} is {dtype.value}; {node.op_type} computes on floats"
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
