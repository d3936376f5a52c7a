"""Shape and dtype rules for every op, and the `shape_infer` pass that re-derives them.

`infer(op, attrs, shapes, dtypes)` is the single definition of what shape and dtype an op
produces; the graph builders call it as they append nodes, and `shape_infer` re-runs it over a
whole graph after the input shapes (batch) or input dtype change.

Dtype rules: sources hold fp32 (INPUT takes the requested input dtype); GEMM ops need equal
operand dtypes and produce the accumulator type (int8 -> int32, bf16 -> fp32, fp32 -> fp32);
CAST produces its ``dtype``; data movement and max pooling keep their operand's dtype; every
other (vector-unit) op produces fp32 for float operands and int32 for integer ones.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from chip.dtypes import DType
from compiler.ir import (
    ARITY,
    COMPOSITE,
    DATA_MOVEMENT,
    ELEMENTWISE_BINARY,
    ELEMENTWISE_UNARY,
    GATES,
    GEMM,
    RECURRENT,
    SOURCES,
    Attrs,
    Graph,
    Node,
    Op,
)

Shape = tuple[int, ...]
ACC_DTYPE = {DType.INT8: DType.INT32, DType.BF16: DType.FP32, DType.FP32: DType.FP32}


class ShapeError(ValueError):
    """An op applied to operands whose shapes or dtypes break its rule."""


def _fail(op: Op, shapes: Sequence[Shape], rule: str) -> None:
    raise ShapeError(f"{op.value} with operand shapes {list(shapes)}: {rule}")


def broadcast_ok(a: Shape, b: Shape) -> bool:
    """Whether ``b`` may be the second operand of an elementwise op whose first is ``a``."""
    return b in (a, a[-1:], a[:-1] + (1,), (1,))


def conv_out_hw(hw: Shape, kernel: Shape, stride: Shape, padding: Shape) -> Shape:
    """Output height/width of a window op (padding = top, left, bottom, right)."""
    (h, w), (kh, kw), (sh, sw), (pt, pl, pb, pr) = hw, kernel, stride, padding
    oh, ow = (h + pt + pb - kh) // sh + 1, (w + pl + pr - kw) // sw + 1
    return oh, ow


def reshape_target(src: Shape, shape: Shape, op: Op = Op.RESHAPE) -> Shape:
    """``shape`` with its -1 resolved against ``src``'s element count."""
    total = math.prod(src)
    if list(shape).count(-1) > 1:
        _fail(op, [src], f"target shape {shape} has more than one -1")
    known = math.prod(d for d in shape if d != -1)
    if -1 in shape:
        if known == 0 or total % known:
            _fail(op, [src], f"cannot infer -1 in {shape} for {total} elements")
        shape = tuple(total // known if d == -1 else d for d in shape)
    if math.prod(shape) != total or any(d <= 0 for d in shape):
        _fail(op, [src], f"cannot reshape {total} elements to {shape}")
    return tuple(shape)


def _vec_dtype(dtypes: Sequence[DType]) -> DType:
    return DType.FP32 if any(d.is_float for d in dtypes) else DType.INT32


def infer(
    op: Op, attrs: Attrs, shapes: Sequence[Shape], dtypes: Sequence[DType]
) -> tuple[Shape, DType]:
    """The (shape, dtype) that ``op`` produces from operands of ``shapes``/``dtypes``.

    Raises `ShapeError` naming the op, the operand shapes and the rule broken.
    """
    arity = ARITY[op]
    if arity is not None and len(shapes) not in ((arity,) if isinstance(arity, int) else arity):
        _fail(op, shapes, f"takes {arity} operands, not {len(shapes)}")
    shape = _infer_shape(op, attrs, [tuple(s) for s in shapes])
    if op in GEMM:
        if dtypes[0] != dtypes[1]:
            _fail(
                op,
                shapes,
                f"operand dtypes differ ({dtypes[0].value}, {dtypes[1].value}); insert a CAST",
            )
        return shape, ACC_DTYPE[dtypes[0]]
    if op is Op.CAST:
        return shape, attrs["dtype"]
    if op is Op.ROUND:
        return shape, DType.FP32
    if op in DATA_MOVEMENT or op is Op.MAXPOOL2D:
        return shape, dtypes[0]
    if op in SOURCES:
        return shape, attrs.get("dtype", DType.FP32)
    if op is Op.FILL:
        return shape, DType.FP32
    return shape, _vec_dtype(dtypes)


def _infer_shape(op: Op, attrs: Attrs, s: list[Shape]) -> Shape:
    if op in SOURCES or op is Op.FILL:
        if any(d <= 0 for d in attrs["shape"]):
            _fail(op, s, f"every dimension must be positive, not {tuple(attrs['shape'])}")
        return tuple(attrs["shape"])
    if op in ELEMENTWISE_UNARY:
        return s[0]
    if op in ELEMENTWISE_BINARY or op is Op.RELU_GRAD:
        if not broadcast_ok(s[0], s[1]):
            _fail(
                op,
                s,
                "second operand must match the first, or be a row vector (last dim), "
                "a per-row scalar (last dim 1) or a scalar (1,)",
            )
        return s[0]
    if op is Op.MATMUL:
        a, b = s
        if len(a) != 2 or len(b) != 2:
            _fail(op, s, "operands must be 2-D")
        m, k = a[::-1] if attrs.get("trans_a") else a
        k2, n = b[::-1] if attrs.get("trans_b") else b
        if k != k2:
            _fail(op, s, f"inner dimensions differ ({k} vs {k2})")
        return m, n
    if op in (Op.CONV2D, Op.CONV2D_GRAD_INPUT, Op.CONV2D_GRAD_WEIGHT):
        return _conv_shape(op, attrs, s)
    if op in (Op.MAXPOOL2D, Op.AVGPOOL2D):
        if len(s[0]) != 4:
            _fail(op, s, "input must be NHWC (4-D)")
        _check_window(op, s, attrs["kernel"], attrs["stride"], attrs["padding"])
        n, h, w, c = s[0]
        oh, ow = conv_out_hw((h, w), attrs["kernel"], attrs["stride"], attrs["padding"])
        if oh <= 0 or ow <= 0:
            _fail(op, s, f"window {attrs['kernel']} larger than the padded input")
        return n, oh, ow, c
    if op in (Op.MAXPOOL2D_GRAD, Op.AVGPOOL2D_GRAD):
        return s[0]
    if op in (Op.REDUCE_SUM, Op.REDUCE_MAX):
        if attrs["axis"] == -1:
            return s[0][:-1] + (1,)
        if attrs["axis"] == 0 and len(s[0]) >= 2:
            return s[0][1:]
        _fail(op, s, f"axis must be -1, or 0 of a tensor of rank >= 2, not {attrs['axis']}")
    if op is Op.BROADCAST:
        out = tuple(attrs["shape"])
        k = len(s[0])
        if not (out[-k:] == s[0] or s[0] == out[:-1] + (1,)):
            _fail(
                op,
                s,
                f"cannot broadcast to {out}: operand must be a row vector of the "
                "trailing dims or a per-row scalar",
            )
        return out
    if op is Op.RESHAPE:
        return reshape_target(s[0], tuple(attrs["shape"]))
    if op is Op.TRANSPOSE:
        perm = tuple(attrs["perm"])
        if sorted(perm) != list(range(len(s[0]))):
            _fail(op, s, f"perm {perm} is not a permutation of the axes")
        return tuple(s[0][p] for p in perm)
    if op is Op.CONCAT:
        axis = attrs["axis"]
        if not s or not 0 <= axis < len(s[0]):
            _fail(op, s, f"axis {axis} out of range")
        rest = [x[:axis] + x[axis + 1 :] for x in s]
        if any(r != rest[0] for r in rest) or any(len(x) != len(s[0]) for x in s):
            _fail(op, s, f"operands must agree on every axis but {axis}")
        return s[0][:axis] + (sum(x[axis] for x in s),) + s[0][axis + 1 :]
    if op is Op.SLICE:
        axis, start, stop = attrs["axis"], attrs["start"], attrs["stop"]
        if not 0 <= axis < len(s[0]) or not 0 <= start < stop <= s[0][axis]:
            _fail(op, s, f"slice axis={axis} [{start}:{stop}] out of range")
        return s[0][:axis] + (stop - start,) + s[0][axis + 1 :]
    if op in (Op.SOFTMAX_CE, Op.MSE):
        if s[0] != s[1]:
            _fail(op, s, "prediction and target shapes must match")
        if op is Op.SOFTMAX_CE and len(s[0]) != 2:
            _fail(op, s, "logits must be [batch, classes]")
        return (1,)
    if op in (Op.SOFTMAX_CE_GRAD, Op.MSE_GRAD):
        if s[0] != s[1]:
            _fail(op, s, "prediction and target shapes must match")
        return s[0]
    if op in COMPOSITE:
        return _composite_shape(op, attrs, s)
    raise AssertionError(f"no shape rule for {op}")


def _check_window(op: Op, s: list[Shape], kernel: Shape, stride: Shape, padding: Shape) -> None:
    """Kernel and stride of a window op at least 1, padding not negative."""
    if min(kernel) < 1 or min(stride) < 1 or min(padding) < 0:
        _fail(
            op,
            s,
            f"kernel and stride must be >= 1 and padding >= 0, not kernel "
            f"{tuple(kernel)}, stride {tuple(stride)}, padding {tuple(padding)}",
        )


def _conv_shape(op: Op, attrs: Attrs, s: list[Shape]) -> Shape:
    stride, padding = attrs["stride"], attrs["padding"]
    if op is Op.CONV2D:
        x, w = s
    elif op is Op.CONV2D_GRAD_INPUT:
        x, w = tuple(attrs["input_shape"]), s[1]
    else:
        x, w = s[0], tuple(attrs["weight_shape"])
    if len(x) != 4 or len(w) != 4 or x[3] != w[2]:
        _fail(
            op,
            s,
            f"need NHWC input and [KH,KW,Cin,Cout] weights with equal Cin (input {x}, weights {w})",
        )
    _check_window(op, s, w[:2], stride, padding)
    oh, ow = conv_out_hw(x[1:3], w[:2], stride, padding)
    if oh <= 0 or ow <= 0:
        _fail(op, s, f"kernel {w[:2]} larger than the padded input {x[1:3]}")
    y = (x[0], oh, ow, w[3])
    if op is Op.CONV2D:
        return y
    if s[0 if op is Op.CONV2D_GRAD_INPUT else 1] != y:
        _fail(op, s, f"output gradient must have the conv output shape {y}")
    return x if op is Op.CONV2D_GRAD_INPUT else w


def _composite_shape(op: Op, attrs: Attrs, s: list[Shape]) -> Shape:
    x = s[0]
    if op in (Op.SOFTMAX, Op.LOG_SOFTMAX, Op.GELU, Op.LEAKY_RELU, Op.DROPOUT):
        return x
    if op in (Op.LAYER_NORM, Op.BATCH_NORM):
        if any(p != x[-1:] for p in s[1:]):
            _fail(op, s, f"scale/shift/statistics must have shape ({x[-1]},)")
        return x
    if op is Op.GLOBAL_AVGPOOL:
        if len(x) != 4:
            _fail(op, s, "input must be NHWC (4-D)")
        return x[0], x[3]
    if op in RECURRENT:
        gates = GATES[op]
        h = attrs["hidden"]
        if len(x) != 3:
            _fail(op, s, "input must be [batch, time, features]")
        k = attrs.get("states", 0)
        peep = [(3 * h,)] if attrs.get("peephole", False) else []
        want = [(x[2], gates * h), (h, gates * h)] + [(gates * h,)] * (len(s) - 3 - k - len(peep))
        want += peep
        if list(s[1 : len(s) - k]) != want:
            _fail(op, s, f"weights must have shapes {want}")
        if any(st != (x[0], h) for st in s[len(s) - k :]):
            _fail(op, s, f"initial states must have shape {(x[0], h)}")
        return x[0], x[1], 2 * h if attrs.get("with_cell", False) else h
    if op is Op.ATTENTION:
        d = x[-1]
        if len(x) != 3 or any(w != (d, d) for w in s[1:]):
            _fail(op, s, f"need x [B, T, D] and four [D, D] projections (D = {d})")
        return x
    raise AssertionError(f"no shape rule for {op}")


def shape_infer(
    graph: Graph, *, batch: int | None = None, input_dtype: DType | None = None
) -> Graph:
    """Re-derive every node's shape and dtype from the inputs.

    Invariant established: each node's ``shape``/``dtype`` is what `infer` gives for its
    operands. ``batch`` replaces the leading dimension of every INPUT; ``input_dtype`` sets
    every INPUT's dtype. Raises `ShapeError` naming the node when an op's rule is broken.
    """
    if batch is not None and (not isinstance(batch, int) or batch <= 0):
        raise ShapeError(f"batch must be a positive int, not {batch!r}")
    nodes: list[Node] = []
    for n in graph.nodes:
        attrs = n.attrs
        if n.op is Op.INPUT:
            shape = (batch,) + n.shape[1:] if batch is not None else n.shape
            dtype = input_dtype or n.dtype
            attrs = Attrs(attrs, shape=shape, dtype=dtype)
        try:
            shape, dtype = infer(
                n.op, attrs, [nodes[i].shape for i in n.inputs], [nodes[i].dtype for i in n.inputs]
            )
        except ShapeError as e:
            raise ShapeError(f"node %{n.id} ({n.name or n.op.value}): {e}") from None
        nodes.append(Node(n.id, n.op, n.inputs, attrs, shape, dtype, n.name))
    return graph.replace(nodes=tuple(nodes))
