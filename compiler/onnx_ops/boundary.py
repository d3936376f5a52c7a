"""The edges of an ONNX import: graph inputs (types, static shapes, the batch, values bound at
compile time), constant folding with ONNX's reference implementation, and stand-ins for refused
nodes' outputs."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import onnx

from chip.dtypes import DType
from chip.program import TensorRole
from compiler.onnx_ops.importer import Importer, Unsupported
from compiler.onnx_quant_host import host_quantized


def inferred_types(g: onnx.GraphProto) -> dict[str, onnx.TypeProto]:
    """ONNX's own shape inference of ``g`` (to continue past a refused node)."""
    model = onnx.helper.make_model(g)
    try:
        inferred = onnx.shape_inference.infer_shapes(model).graph
    except Exception:  # noqa: BLE001 - inference is a courtesy; without it we just stop
        return {}
    return {vi.name: vi.type for vi in (*inferred.value_info, *inferred.output)}


def stand_in(im: Importer, name: str, known: dict[str, onnx.TypeProto]) -> bool:
    """Give refused output ``name`` a stand-in value of its inferred shape, so the nodes
    after it are checked too; False if its shape is not known statically."""
    t = known.get(name)
    if t is None or not t.HasField("tensor_type") or not t.tensor_type.HasField("shape"):
        return False
    dims = [d.dim_value if d.HasField("dim_value") else 0 for d in t.tensor_type.shape.dim]
    if any(d <= 0 for d in dims):
        return False
    im.vals[name] = (im.b.input(im.b.unique(f"__refused.{name}"), tuple(dims)), "plain")
    return True


# Graph inputs: ONNX element types the chip holds, and how.
_T = onnx.TensorProto
_FLOAT_TYPES = frozenset({_T.FLOAT, _T.FLOAT16, _T.BFLOAT16, _T.DOUBLE})
_INT_TYPES = {_T.INT8: DType.INT8, _T.INT32: DType.INT32}
# Integer types the chip does not hold: a graph input of one holds its integers as fp32 values
# where a node that moves data or computes on integers reads it (`Importer.get`,
# `compiler.onnx_ops.integers`), is refused where a float op reads it, and may be bound to a
# value at compile time (a shape, axes, indices).
_UNHELD_INT_TYPES = frozenset(
    {_T.INT16, _T.UINT8, _T.UINT16, _T.UINT32, _T.INT64, _T.UINT64, _T.BOOL}
)
# Narrow formats, held widened as fp32 (every value exact; a chip may hold no int8 tensors).
_NARROW = frozenset(
    {
        _T.INT4,
        _T.UINT4,
        _T.INT2,
        _T.UINT2,
        _T.FLOAT8E4M3FN,
        _T.FLOAT8E4M3FNUZ,
        _T.FLOAT8E5M2,
        _T.FLOAT8E5M2FNUZ,
        _T.FLOAT8E8M0,
        _T.FLOAT4E2M1,
    }
)
# Of those, the integer ones: a fed value is checked as an integer (TensorRole.INTEGER), as
# for the types in _UNHELD_INT_TYPES.
_NARROW_INT = frozenset({_T.INT4, _T.UINT4, _T.INT2, _T.UINT2})


def inputs(
    im: Importer, arithmetic: frozenset[str], moves: frozenset[str]
) -> list[tuple[str, str]]:
    """Add every graph input (not an initializer, not bound) as an INPUT; the (input, why) of
    those refused. An empty one (a dimension of 0) is a constant: it holds no values. One of an
    integer type the chip does not hold, or an int8/int32 one that integer arithmetic reads
    (an op of ``arithmetic``, after ops of ``moves`` perhaps) and nothing else, is left to the
    nodes that read it (`Importer.unheld`); integer inputs' ONNX types are kept in
    `Importer.elem`. Narrow formats (float8, float4, 4/2-bit integers) are fp32 inputs holding
    their exact values; 4/2-bit integer ones checked as integers when fed, as the unheld."""
    problems = []
    for vi in im.g.input:
        if vi.name in im.consts:
            continue
        elem = vi.type.tensor_type.elem_type if vi.type.HasField("tensor_type") else None
        try:
            shape = input_shape(im, vi)
            unheld = (
                elem in _UNHELD_INT_TYPES
                or (elem in _INT_TYPES and _arithmetic_only(im.g, vi.name, arithmetic, moves))
            ) and not host_quantized(im.g, vi.name)
            dtype = DType.FP32 if unheld else input_dtype(im, vi)
        except Unsupported as e:
            problems.append((vi.name, str(e)))
            continue
        if 0 in shape:  # no values to feed: known at compile time, folded like a constant
            im.consts[vi.name] = np.zeros(shape, onnx.helper.tensor_dtype_to_np_dtype(elem))
            continue
        if elem in _UNHELD_INT_TYPES or elem in _INT_TYPES:
            im.elem[vi.name] = np.dtype(onnx.helper.tensor_dtype_to_np_dtype(elem))
        if unheld:
            im.unheld[vi.name] = shape
            continue
        role = TensorRole.INTEGER if elem in _NARROW_INT else None
        im.vals[vi.name] = (im.b.input(vi.name, shape, dtype, role), "plain")
    return problems


def _arithmetic_only(
    g: onnx.GraphProto, name: str, arithmetic: frozenset[str], moves: frozenset[str]
) -> bool:
    """Whether every reader of ``name`` is an op of ``arithmetic``, the model's integer GEMM
    (`_integer_gemm`), or of ``moves`` whose outputs only such ops read: int8/int32 values the
    model computes with as integers, not the codes of a quantized model."""
    users = [n for n in g.node if name in n.input]
    return bool(users) and all(
        n.op_type in arithmetic
        or _integer_gemm(g, n)
        or (
            n.op_type in moves
            and n.input[0] == name
            and all(_arithmetic_only(g, y, arithmetic, moves) for y in n.output if y)
        )
        for n in users
    )


def _integer_gemm(g: onnx.GraphProto, n: onnx.NodeProto) -> bool:
    """Whether ``n`` is a QLinearMatMul/QLinearConv with a scale that is not an initializer: the
    model's integer GEMM (`compiler.onnx_quant_integers`), not the QOperator format of a quantized
    model, whose scales are constants and whose int8 tensors stay int8."""
    if n.op_type not in ("QLinearMatMul", "QLinearConv"):
        return False
    inits = {t.name for t in g.initializer}
    return any(x not in inits for x in (n.input[1], n.input[4], n.input[6]))


def bound(
    g: onnx.GraphProto, bind: Mapping[str, np.ndarray]
) -> tuple[dict[str, np.ndarray], list[tuple[str, str]]]:
    """The values of ``bind`` in their inputs' declared element types, and the (name, why) of
    those refused: a name that is not a graph input, a shape that differs from the declared
    one, a value the declared type does not hold exactly."""
    declared = {vi.name: vi for vi in g.input}
    inits = {t.name for t in g.initializer}
    values, problems = {}, []
    for name, given in bind.items():
        if name not in declared or name in inits:
            names = ", ".join(repr(vi.name) for vi in g.input if vi.name not in inits)
            problems.append((name, f"is not a graph input (those are {names})"))
            continue
        t = declared[name].type
        if not t.HasField("tensor_type"):
            problems.append((name, "is not a tensor input"))
            continue
        value = np.asarray(given)
        if t.tensor_type.HasField("shape"):
            dims = [
                d.dim_value if d.HasField("dim_value") else None for d in t.tensor_type.shape.dim
            ]
            if len(dims) != value.ndim or any(
                d is not None and d != v for d, v in zip(dims, value.shape, strict=False)
            ):
                want = [d if d is not None else "?" for d in dims]
                problems.append((name, f"has shape {list(value.shape)}; declared {want}"))
                continue
        np_type = onnx.helper.tensor_dtype_to_np_dtype(t.tensor_type.elem_type)
        with np.errstate(all="ignore"):
            typed = value.astype(np_type)
        if not np.array_equal(typed.astype(np.float64), value.astype(np.float64), equal_nan=True):
            problems.append((name, f"has values its declared type {np_type} does not hold"))
            continue
        values[name] = typed
    return values, problems


def fold(im: Importer, node: onnx.NodeProto) -> None:
    """Evaluate a node whose inputs are all constants at import, with ONNX's own reference
    implementation (the shape arithmetic exporters emit: Shape -> Gather -> Mod -> Range ...)."""
    from onnx.reference import ReferenceEvaluator

    names = [x for x in node.input if x]
    graph = onnx.helper.make_graph(
        [node],
        "fold",
        [onnx.helper.make_tensor_value_info(x, onnx.TensorProto.UNDEFINED, None) for x in names],
        [
            onnx.helper.make_tensor_value_info(y, onnx.TensorProto.UNDEFINED, None)
            for y in node.output
            if y
        ],
    )
    opset = [onnx.helper.make_opsetid("", min(im.opset, onnx.defs.onnx_opset_version()))]
    try:
        values = ReferenceEvaluator(onnx.helper.make_model(graph, opset_imports=opset)).run(
            None, {x: np.asarray(im.const(x)) for x in names}
        )
    except Exception as e:  # noqa: BLE001 - a constant the reference cannot evaluate
        empty = [x for x in names if np.size(im.const(x)) == 0]
        if empty:  # most often an empty graph input where the node wants values
            shape = list(np.shape(im.const(empty[0])))
            raise Unsupported(
                f"cannot be evaluated on the empty tensor {empty[0]!r} of shape {shape} "
                f"({type(e).__name__})"
            ) from None
        raise Unsupported(f"cannot be folded at import: {type(e).__name__}: {e}") from None
    for y, v in zip([y for y in node.output if y], values, strict=True):
        im.consts[y] = np.asarray(v)


def input_shape(im: Importer, vi: onnx.ValueInfoProto) -> tuple[int, ...]:
    if not vi.type.HasField("tensor_type"):
        kind = (vi.type.WhichOneof("value") or "unknown").removesuffix("_type")
        article = "an" if kind[0] in "aeiou" else "a"
        raise Unsupported(f"is {article} {kind}, not a tensor (only tensors are supported)")
    if not vi.type.tensor_type.HasField("shape"):
        raise Unsupported("has no shape (rank unknown); only static shapes are supported")
    dims = []
    for k, d in enumerate(vi.type.tensor_type.shape.dim):
        static = d.HasField("dim_value") and d.dim_value > 0
        if k == 0 and im.batch is not None:
            if static and d.dim_value != im.batch:
                raise Unsupported(
                    f"has a static batch of {d.dim_value}; batch {im.batch} conflicts with it "
                    "(a batch applies only to a dynamic leading dimension)"
                )
            dims.append(im.batch)
        elif d.HasField("dim_value"):
            dims.append(d.dim_value)  # 0: an empty tensor
        else:
            raise Unsupported(
                f"dimension {k} is dynamic ({d.dim_param or '?'}); only static shapes are "
                "supported" + (" (give a batch, --batch N, for a leading one)" if k == 0 else "")
            )
    return tuple(dims)


def input_dtype(im: Importer, vi: onnx.ValueInfoProto) -> DType:
    """The declared type where the chip holds it: int8 and int32 as they are; floats as fp32
    (the chip's widest float), and so float8, float4 and 4/2-bit integers (values exact); an
    input that only QuantizeLinear reads (after reshapes, perhaps) int8, quantized by the host
    (`compiler.onnx_quant_host`)."""
    elem = vi.type.tensor_type.elem_type
    if host_quantized(im.g, vi.name):
        return DType.INT8
    if elem in _FLOAT_TYPES or elem in _NARROW:
        return DType.FP32
    if elem in _INT_TYPES:
        return _INT_TYPES[elem]
    raise Unsupported(
        f"has element type {_type_name(elem)}; the chip holds float (fp32), int8 and int32 inputs"
    )


def _type_name(elem: int) -> str:
    return onnx.helper.tensor_dtype_to_string(elem).removeprefix("TensorProto.").lower()
