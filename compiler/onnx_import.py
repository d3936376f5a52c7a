"""ONNX models to IR graphs.

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
as running averages; shape tensors are read at import). Anything outside the supported set
raises `ValueError` naming the node, its op type and what is supported.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper

from chip.dtypes import DType
from compiler.ir import GATES, Graph, Op
from compiler.ir_builder import IRBuilder
from compiler.onnx_checks import check_model
from compiler.onnx_files import load_onnx
from compiler.passes.shape_infer import ShapeError

NCHW_TO_NHWC, NHWC_TO_NCHW = (0, 2, 3, 1), (0, 3, 1, 2)


class _Unsupported(Exception):
    """Raised inside a handler; turned into a ValueError naming the node."""


def import_onnx(model: onnx.ModelProto | str | Path, batch: int | None = None) -> Graph:
    """The IR graph of an ONNX model (a ModelProto or a path to a .onnx file).

    ``batch`` fixes a dynamic (or overrides the) leading dimension of every graph input.
    Raises `ValueError` for unsupported ops, attributes or dynamic shapes.
    """
    if batch is not None and (not isinstance(batch, int) or batch <= 0):
        raise ValueError(f"batch must be a positive int, not {batch!r}")
    proto = model if isinstance(model, onnx.ModelProto) else load_onnx(model)
    check_model(proto, "ONNX model" if isinstance(model, onnx.ModelProto) else str(model))
    return _Importer(proto, batch).run()


class _Importer:
    def __init__(self, model: onnx.ModelProto, batch: int | None) -> None:
        self.g = model.graph
        self.b = IRBuilder(self.g.name or "onnx")
        self.batch = batch
        self.consts: dict[str, np.ndarray] = {
            t.name: numpy_helper.to_array(t) for t in self.g.initializer
        }
        self.vals: dict[str, tuple[int, str]] = {}  # ONNX name -> (IR id, "plain" | "nhwc")
        self.node: onnx.NodeProto | None = None

    def run(self) -> Graph:
        for vi in self.g.input:
            if vi.name not in self.consts:
                self.vals[vi.name] = (
                    self.b.input(vi.name, self._input_shape(vi), self._input_dtype(vi.name)),
                    "plain",
                )
        for k, node in enumerate(self.g.node):
            self.node = node
            label = repr(node.name) if node.name else f"#{k} (unnamed, output {node.output[0]!r})"
            handler = HANDLERS.get(node.op_type)
            if handler is None:
                raise ValueError(
                    f"ONNX node {label}: op type {node.op_type!r} is not "
                    f"supported; supported op types: {', '.join(sorted(HANDLERS))}"
                )
            try:
                handler(self, node)
            except (_Unsupported, ShapeError) as e:
                raise ValueError(f"ONNX node {label} ({node.op_type}): {e}") from None
        for vi in self.g.output:
            self.b.output(vi.name, self.get(vi.name, "plain"))
        return self.b.build()

    def _input_shape(self, vi: onnx.ValueInfoProto) -> tuple[int, ...]:
        dims = []
        for k, d in enumerate(vi.type.tensor_type.shape.dim):
            if k == 0 and self.batch is not None:
                dims.append(self.batch)
            elif d.HasField("dim_value") and d.dim_value > 0:
                dims.append(d.dim_value)
            else:
                raise ValueError(
                    f"ONNX graph input {vi.name!r}: dimension {k} is dynamic "
                    f"({d.dim_param or '?'}); only static shapes are supported "
                    "(pass batch= to fix the leading dimension)"
                )
        return tuple(dims)

    def _input_dtype(self, name: str) -> DType:
        """int8 for an input that only QuantizeLinear reads (after reshapes, perhaps): the host
        quantizes it (`compiler.onnx_quant`); fp32 otherwise."""
        from compiler.onnx_quant import host_quantized  # imports this module

        return DType.INT8 if host_quantized(self.g, name) else DType.FP32

    # Values -------------------------------------------------------------------------------
    def attr(self, name: str, default: object = None) -> object:
        for a in self.node.attribute:
            if a.name == name:
                return onnx.helper.get_attribute_value(a)
        return default

    def required(self, name: str) -> object:
        value = self.attr(name)
        if value is None:
            raise _Unsupported(f"missing required attribute {name!r}")
        return value

    def reject_attrs(self, **allowed: object) -> None:
        """Fail on attributes whose value differs from the one supported value."""
        for key, ok in allowed.items():
            v = self.attr(key, ok)
            if isinstance(v, bytes):
                v = v.decode()
            if v != ok and not (isinstance(ok, list) and list(v) == ok):
                raise _Unsupported(f"attribute {key}={v!r} is not supported (only {ok!r})")

    def const(self, name: str) -> np.ndarray | None:
        return self.consts.get(name)

    def get(self, name: str, layout: str | None = None) -> int:
        """The IR id of ONNX tensor ``name`` in ``layout`` (None: as it is)."""
        if name not in self.vals:
            if name not in self.consts:
                raise _Unsupported(f"input {name!r} is not a known tensor")
            self.vals[name] = (self.b.param(name, self.consts[name]), "plain")
        nid, have = self.vals[name]
        if layout is None or layout == have:
            return nid
        perm = NCHW_TO_NHWC if layout == "nhwc" else NHWC_TO_NCHW
        if len(self.b.shape(nid)) != 4:
            raise _Unsupported(f"tensor {name!r} must be 4-D for an NCHW/NHWC conversion")
        return self.b.add(Op.TRANSPOSE, (nid,), name, perm=perm)

    def layout(self, name: str) -> str:
        return self.vals[name][1] if name in self.vals else "plain"

    def put(self, k: int, nid: int, layout: str = "plain") -> None:
        self.vals[self.node.output[k]] = (nid, layout)

    def param(self, name: str, value: np.ndarray) -> int:
        """A PARAM holding an initializer's (possibly rearranged) value, named after it."""
        return self.b.param(self.b.unique(name), value)

    def weight(self, k: int, what: str) -> np.ndarray:
        if len(self.node.input) <= k or not self.node.input[k]:
            raise _Unsupported(f"missing {what}")
        v = self.const(self.node.input[k])
        if v is None:
            raise _Unsupported(f"{what} {self.node.input[k]!r} must be an initializer")
        return np.asarray(v, dtype=np.float64)

    def has(self, k: int) -> bool:
        return len(self.node.input) > k and bool(self.node.input[k])


def _unary(op: Op, **attrs: object) -> Callable[[_Importer, onnx.NodeProto], None]:
    def handle(im: _Importer, n: onnx.NodeProto) -> None:
        x = n.input[0]
        extra = {k: float(im.attr(k, v)) for k, v in attrs.items()}
        im.put(0, im.b.add(op, (im.get(x),), n.name, **extra), im.layout(x))

    return handle


def _binary(op: Op) -> Callable[[_Importer, onnx.NodeProto], None]:
    def handle(im: _Importer, n: onnx.NodeProto) -> None:
        a, c = n.input[:2]
        if im.const(a) is not None and im.const(c) is None:
            a, c = c, a
            if op is Op.SUB:  # const - x == -(x - const)
                im.put(0, im.b.scale(_broadcast_op(im, Op.SUB, a, c), -1.0, n.name), im.layout(a))
                return
        im.put(0, _broadcast_op(im, op, a, c), im.layout(a))

    return handle


def _broadcast_op(im: _Importer, op: Op, a: str, c: str) -> int:
    """``a op c`` where ``a`` is a tensor and ``c`` a tensor or a constant (NumPy-style
    broadcasting of ``c``; constants are materialized to the IR's broadcast forms)."""
    layout = im.layout(a)
    value = im.const(c)
    if (
        value is None
        and im.layout(c) != layout
        and (len(im.b.shape(im.get(a))) != 4 or len(im.b.shape(im.get(c))) != 4)
    ):
        layout = "plain"
    x = im.get(a, layout)
    shape = im.b.shape(x)
    if value is not None:
        v = np.asarray(value, dtype=np.float64)
        if layout == "nhwc":  # an NCHW-broadcastable constant, in NHWC order
            v = np.broadcast_to(v, (1,) * (4 - v.ndim) + v.shape).transpose(NCHW_TO_NHWC)
        core = v
        while core.ndim > 1 and core.shape[0] == 1:
            core = core[0]
        if v.size == 1:
            v = v.reshape(1)
        elif core.shape == shape[-1:]:
            v = core
        else:
            try:
                v = np.broadcast_to(v, shape).copy()
            except ValueError:
                raise _Unsupported(
                    f"constant {c!r} of shape {value.shape} does not broadcast to {shape}"
                ) from None
        return im.b.add(op, (x, im.param(c, v)), im.node.name)
    y = im.get(c, layout)
    ys = im.b.shape(y)
    if ys != shape:
        size = int(np.prod(ys))
        if size == 1:
            y = im.b.reshape(y, (1,), im.node.name)
        elif size == shape[-1] and ys[-1] == shape[-1]:
            y = im.b.reshape(y, shape[-1:], im.node.name)
        else:
            raise _Unsupported(
                f"broadcasting {ys} against {shape}: only equal shapes, a "
                "trailing row vector or a scalar are supported"
            )
    return im.b.add(op, (x, y), im.node.name)


def _gemm(im: _Importer, n: onnx.NodeProto) -> None:
    alpha, beta = float(im.attr("alpha", 1.0)), float(im.attr("beta", 1.0))
    a = im.get(n.input[0], "plain")
    w = im.get(n.input[1], "plain")
    y = im.b.matmul(
        a, w, trans_a=bool(im.attr("transA", 0)), trans_b=bool(im.attr("transB", 0)), name=n.name
    )
    if alpha != 1.0:
        y = im.b.scale(y, alpha, n.name)
    if im.has(2):
        out = im.b.shape(y)
        bias = beta * im.weight(2, "bias C")
        bias = bias.reshape(out[-1]) if bias.size == out[-1] else np.broadcast_to(bias, out)
        y = im.b.add(Op.ADD, (y, im.param(n.input[2], bias)), n.name)
    im.put(0, y)


def _matmul(im: _Importer, n: onnx.NodeProto) -> None:
    a, w = im.get(n.input[0], "plain"), im.get(n.input[1], "plain")
    if len(im.b.shape(a)) != 2 or len(im.b.shape(w)) != 2:
        raise _Unsupported("only 2-D MatMul is supported")
    im.put(0, im.b.matmul(a, w, name=n.name))


def _window_attrs(im: _Importer, kernel: tuple[int, int]) -> dict:
    dilations = im.attr("dilations")
    if dilations is not None and any(d != 1 for d in dilations):
        raise _Unsupported(f"attribute dilations={list(dilations)} is not supported (only 1)")
    auto_pad = im.attr("auto_pad", b"NOTSET").decode()
    stride = tuple(im.attr("strides", [1, 1]))
    if auto_pad not in ("NOTSET", "VALID"):
        raise _Unsupported(f"attribute auto_pad={auto_pad!r} is not supported (NOTSET, VALID)")
    if len(kernel) != 2 or len(stride) != 2:
        raise _Unsupported(f"only 2-D windows are supported (kernel {list(kernel)})")
    # ONNX orders 2-D pads (top, left, bottom, right), as the IR does.
    pads = im.attr("pads", [0, 0, 0, 0]) if auto_pad == "NOTSET" else [0, 0, 0, 0]
    return dict(stride=stride, padding=tuple(int(p) for p in pads))


def _conv(im: _Importer, n: onnx.NodeProto) -> None:
    im.reject_attrs(group=1)
    w = im.weight(1, "weight W")
    if w.ndim != 4:
        raise _Unsupported(f"only 2-D convolution is supported (weight rank {w.ndim})")
    wid = im.param(n.input[1], w.transpose(2, 3, 1, 0))
    attrs = _window_attrs(im, w.shape[2:])
    y = im.b.add(Op.CONV2D, (im.get(n.input[0], "nhwc"), wid), n.name, **attrs)
    if im.has(2):
        y = im.b.add(Op.ADD, (y, im.param(n.input[2], im.weight(2, "bias B"))), n.name)
    im.put(0, y, "nhwc")


def _pool(op: Op) -> Callable[[_Importer, onnx.NodeProto], None]:
    def handle(im: _Importer, n: onnx.NodeProto) -> None:
        im.reject_attrs(ceil_mode=0, storage_order=0)
        if len(n.output) > 1 and n.output[1]:
            raise _Unsupported("the Indices output is not supported")
        kernel = tuple(im.required("kernel_shape"))
        attrs = _window_attrs(im, kernel)
        include = bool(im.attr("count_include_pad", 0))
        y = im.b.add(
            op,
            (im.get(n.input[0], "nhwc"),),
            n.name,
            kernel=kernel,
            count_include_pad=include,
            **attrs,
        )
        im.put(0, y, "nhwc")

    return handle


def _global_avgpool(im: _Importer, n: onnx.NodeProto) -> None:
    x = im.get(n.input[0], "nhwc")
    _, h, w, _ = im.b.shape(x)
    y = im.b.add(
        Op.AVGPOOL2D,
        (x,),
        n.name,
        kernel=(h, w),
        stride=(1, 1),
        padding=(0,) * 4,
        count_include_pad=False,
    )
    im.put(0, y, "nhwc")


def _batch_norm(im: _Importer, n: onnx.NodeProto) -> None:
    im.reject_attrs(training_mode=0)
    x = n.input[0]
    layout = "nhwc" if len(im.b.shape(im.get(x))) == 4 else "plain"
    xid = im.get(x, layout)
    if layout == "plain" and len(im.b.shape(xid)) != 2:
        raise _Unsupported("batch normalization needs a 2-D [N, C] or 4-D NCHW input")
    gamma = im.param(n.input[1], im.weight(1, "scale"))
    beta = im.param(n.input[2], im.weight(2, "B"))
    mean = im.param(n.input[3], im.weight(3, "mean"))
    var = im.param(n.input[4], im.weight(4, "var"))
    y = im.b.add(
        Op.BATCH_NORM,
        (xid, gamma, beta, mean, var),
        n.name,
        eps=float(im.attr("epsilon", 1e-5)),
        training=False,
    )
    im.put(0, y, layout)


def _softmax(op: Op) -> Callable[[_Importer, onnx.NodeProto], None]:
    def handle(im: _Importer, n: onnx.NodeProto) -> None:
        x = im.get(n.input[0], "plain")
        rank = len(im.b.shape(x))
        if int(im.attr("axis", -1)) % rank != rank - 1:
            raise _Unsupported(f"axis={im.attr('axis')} is not supported (only the last axis)")
        im.put(0, im.b.add(op, (x,), n.name))

    return handle


def _flatten(im: _Importer, n: onnx.NodeProto) -> None:
    x = im.get(n.input[0], "plain")
    shape = im.b.shape(x)
    axis = int(im.attr("axis", 1)) % (len(shape) or 1)
    lead = (-1,) if axis == 1 else (int(np.prod(shape[:axis])),)
    im.put(0, im.b.reshape(x, lead + (int(np.prod(shape[axis:])),), n.name))


def _reshape(im: _Importer, n: onnx.NodeProto) -> None:
    im.reject_attrs(allowzero=0)
    target = im.const(n.input[1])
    if target is None:
        raise _Unsupported("the target shape must be a constant (dynamic shapes are not supported)")
    x = im.get(n.input[0], "plain")
    src = im.b.shape(x)
    shape = tuple(src[i] if d == 0 else int(d) for i, d in enumerate(target.tolist()))
    im.put(0, im.b.reshape(x, shape, n.name))


def _transpose(im: _Importer, n: onnx.NodeProto) -> None:
    x = im.get(n.input[0], "plain")
    rank = len(im.b.shape(x))
    perm = tuple(im.attr("perm", list(range(rank))[::-1]))
    im.put(0, im.b.add(Op.TRANSPOSE, (x,), n.name, perm=perm))


def _concat(im: _Importer, n: onnx.NodeProto) -> None:
    names = list(n.input)
    if all(im.const(x) is not None for x in names):  # shape arithmetic, folded at import
        im.consts[n.output[0]] = np.concatenate(
            [im.const(x) for x in names], axis=int(im.required("axis"))
        )
        return
    rank = len(im.b.shape(im.get(names[0])))
    axis = int(im.required("axis")) % rank
    if rank == 4 and all(im.layout(x) == "nhwc" for x in names):
        ids, layout, axis = [im.get(x) for x in names], "nhwc", NCHW_TO_NHWC.index(axis)
    else:
        ids, layout = [im.get(x, "plain") for x in names], "plain"
    im.put(0, im.b.add(Op.CONCAT, ids, n.name, axis=axis), layout)


def _constant(im: _Importer, n: onnx.NodeProto) -> None:
    value = im.attr("value")
    if value is None:
        raise _Unsupported("only the 'value' attribute is supported")
    im.consts[n.output[0]] = numpy_helper.to_array(value)


def _shape(im: _Importer, n: onnx.NodeProto) -> None:
    if im.attr("start") is not None or im.attr("end") is not None:
        raise _Unsupported("attributes start/end are not supported")
    nid = im.get(n.input[0])
    shape = im.b.shape(nid)
    if im.layout(n.input[0]) == "nhwc":  # report the ONNX (NCHW) shape
        shape = tuple(shape[p] for p in NHWC_TO_NCHW)
    im.consts[n.output[0]] = np.array(shape, dtype=np.int64)


def _fold(
    fn: Callable[[_Importer, list[np.ndarray]], np.ndarray],
) -> Callable[[_Importer, onnx.NodeProto], None]:
    """An op evaluated at import on constant operands (the shape arithmetic exporters emit)."""

    def handle(im: _Importer, n: onnx.NodeProto) -> None:
        values = [im.const(x) for x in n.input if x]
        if any(v is None for v in values):
            raise _Unsupported(
                "supported only on constant operands (shape arithmetic folded at import)"
            )
        im.consts[n.output[0]] = np.asarray(fn(im, values))

    return handle


def _axes(im: _Importer, values: list[np.ndarray]) -> tuple[int, ...]:
    axes = values[1] if len(values) > 1 else im.attr("axes")
    if axes is None:
        raise _Unsupported("missing axes")
    return tuple(int(a) for a in np.asarray(axes).reshape(-1))


def _identity(im: _Importer, n: onnx.NodeProto) -> None:
    if len(n.output) > 1 and n.output[1]:
        raise _Unsupported("the mask output is not supported")
    if im.const(n.input[0]) is not None:
        im.consts[n.output[0]] = im.consts[n.input[0]]
    else:
        im.put(0, im.get(n.input[0]), im.layout(n.input[0]))


_DEFAULT_ACTIVATIONS = {
    Op.RNN: ["Tanh"],
    Op.GRU: ["Sigmoid", "Tanh"],
    Op.LSTM: ["Sigmoid", "Tanh", "Tanh"],
}


def _recurrent(op: Op) -> Callable[[_Importer, onnx.NodeProto], None]:
    gates = GATES[op]

    def handle(im: _Importer, n: onnx.NodeProto) -> None:
        im.reject_attrs(direction="forward", layout=0, clip=None, input_forget=0)
        acts = [a.decode() for a in im.attr("activations", [])]
        if acts and acts != _DEFAULT_ACTIVATIONS[op]:
            raise _Unsupported(
                f"attribute activations={acts} is not supported (only the "
                f"defaults {_DEFAULT_ACTIVATIONS[op]})"
            )
        for k, what in ((4, "sequence_lens"), (5, "initial_h"), (6, "initial_c"), (7, "P")):
            if im.has(k):
                raise _Unsupported(
                    f"input {what} is not supported (zero initial state, full "
                    "sequences, no peepholes)"
                )
        if len(n.output) > 2 and n.output[2]:
            raise _Unsupported("the Y_c output is not supported")
        hid = int(im.required("hidden_size"))
        w, r = im.weight(1, "W")[0], im.weight(2, "R")[0]  # [G*H, I], [G*H, H]
        bias = im.weight(3, "B")[0] if im.has(3) else np.zeros(2 * gates * hid)
        order = [0, 2, 3, 1] if op is Op.LSTM else list(range(gates))

        def regate(m: np.ndarray) -> np.ndarray:
            return np.concatenate([m[g * hid : (g + 1) * hid] for g in order], axis=0)

        ws = [im.param(n.input[1], regate(w).T), im.param(n.input[2], regate(r).T)]
        wb, rb = regate(bias[: gates * hid]), regate(bias[gates * hid :])
        if op is Op.GRU:
            bname = n.input[3] if im.has(3) else f"{n.name}.B"
            ws += [im.param(f"{bname}.input", wb), im.param(f"{bname}.recurrent", rb)]
            extra = {"linear_before_reset": bool(im.attr("linear_before_reset", 0))}
        else:
            ws.append(im.param(n.input[3] if im.has(3) else f"{n.name}.B", wb + rb))
            extra = {}
        x = im.b.add(Op.TRANSPOSE, (im.get(n.input[0], "plain"),), n.name, perm=(1, 0, 2))
        seq = im.b.add(op, (x, *ws), n.name, hidden=hid, **extra)
        batch, steps, _ = im.b.shape(seq)
        if n.output[0]:
            y = im.b.add(Op.TRANSPOSE, (seq,), n.name, perm=(1, 0, 2))
            im.put(0, im.b.reshape(y, (steps, 1, batch, hid), n.name))
        if len(n.output) > 1 and n.output[1]:
            last = im.b.slice(seq, 1, steps - 1, steps, n.name)
            im.put(1, im.b.reshape(last, (1, batch, hid), n.name))

    return handle


HANDLERS: dict[str, Callable[[_Importer, onnx.NodeProto], None]] = {
    "Gemm": _gemm,
    "MatMul": _matmul,
    "Add": _binary(Op.ADD),
    "Sub": _binary(Op.SUB),
    "Mul": _binary(Op.MUL),
    "Relu": _unary(Op.RELU),
    "LeakyRelu": _unary(Op.LEAKY_RELU, alpha=0.01),
    "Sigmoid": _unary(Op.SIGMOID),
    "Tanh": _unary(Op.TANH),
    "Softmax": _softmax(Op.SOFTMAX),
    "LogSoftmax": _softmax(Op.LOG_SOFTMAX),
    "Conv": _conv,
    "MaxPool": _pool(Op.MAXPOOL2D),
    "AveragePool": _pool(Op.AVGPOOL2D),
    "GlobalAveragePool": _global_avgpool,
    "Flatten": _flatten,
    "Reshape": _reshape,
    "Transpose": _transpose,
    "Concat": _concat,
    "BatchNormalization": _batch_norm,
    "RNN": _recurrent(Op.RNN),
    "GRU": _recurrent(Op.GRU),
    "LSTM": _recurrent(Op.LSTM),
    "Constant": _constant,
    "Identity": _identity,
    "Dropout": _identity,  # inference: the identity (a mask output is rejected below)
    "Shape": _shape,
    "Gather": _fold(lambda im, v: np.take(v[0], v[1], axis=int(im.attr("axis", 0)))),
    "Unsqueeze": _fold(lambda im, v: np.expand_dims(v[0], _axes(im, v))),
    "Squeeze": _fold(lambda im, v: np.squeeze(v[0], _axes(im, v))),
    "Cast": _fold(
        lambda im, v: v[0].astype(onnx.helper.tensor_dtype_to_np_dtype(int(im.required("to"))))
    ),
}

# The quantized (QOperator) ops register themselves into HANDLERS.
import compiler.onnx_quant  # noqa: E402, F401
