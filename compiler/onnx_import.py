"""ONNX models to IR graphs: the import driver and its errors.

`import_onnx` checks and loads a model, binds the graph inputs fixed at compile time, then
imports node by node through the one table of supported ops (`compiler.onnx_handlers`),
folding nodes whose inputs are all constants, and declares the graph outputs. Every
unsupported construct is collected as a `Problem`; an `OnnxError` lists them all at once.

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
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx

from chip.dtypes import DType
from compiler.ir import Graph
from compiler.onnx_checks import check_model
from compiler.onnx_files import load_onnx
from compiler.onnx_handlers import (
    FOLD_HANDLER,
    FOLD_ONLY,
    HANDLERS,
    INT8_SAFE,
    INTEGER_ARITHMETIC,
    Handler,
    Operands,
)
from compiler.onnx_ops import boundary, integers, narrow
from compiler.onnx_ops.importer import Importer, Unsupported
from compiler.passes.shape_infer import ShapeError


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
        handler = HANDLERS.get(node.op_type, FOLD_HANDLER if node.op_type in FOLD_ONLY else None)
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
