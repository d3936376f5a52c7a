"""The importer's state and the helpers every ONNX op handler uses (`Importer`).

Layout: ONNX images are NCHW; the IR's are NHWC. The importer tracks, for every ONNX tensor,
whether its IR value is the tensor itself ("plain") or its NHWC transposition ("nhwc"); `get`
converts on demand with a TRANSPOSE (a DMA move on the chip).
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import onnx
from onnx import numpy_helper

from chip.program import TensorRole
from compiler.ir import Op
from compiler.ir_builder import IRBuilder

NCHW_TO_NHWC, NHWC_TO_NCHW = (0, 2, 3, 1), (0, 3, 1, 2)


class Unsupported(Exception):
    """Raised inside a handler: the node (or ``attribute`` of it) is not supported, and why.

    The import driver (`compiler.onnx_import`) collects these for every node and reports them
    all at once in one `OnnxError`. ``bind`` names a graph input whose value the node needs at
    compile time: given with ``import_onnx(..., bind=...)`` the node would import."""

    def __init__(self, why: str, attribute: str = "", bind: str = "") -> None:
        super().__init__(why)
        self.attribute = attribute
        self.bind = bind


class Importer:
    """The state of one import: the IR under construction and every ONNX tensor's value.

    ``consts`` holds ONNX tensors known at import (initializers, bound graph inputs (``bound``),
    Constant outputs, folded shape arithmetic); ``weights`` names those of them that are
    trainable: the initializers given as weights (every initializer when ``weights`` is None)
    and whatever the import folds from them. A weight's IR value is a PARAM, any other
    constant's (a bound input's too) a CONST. ``inputs`` names the graph inputs (not
    initializers); ``elem`` gives the ONNX element type of every integer tensor (``int_bound``
    a bound on the magnitudes of those computed on the chip); ``unheld`` the shape of each
    integer graph input held as fp32 values (a type the chip does not hold, such as int64 or
    uint8, or int8/int32 read only by integer arithmetic), made an INPUT
    (`compiler.onnx_ops.integers`) when a handler that moves data or computes on integers
    (``int_ok``) first reads it; ``vals`` maps the ONNX name of every tensor with an IR value
    to its IR id and layout ("plain" or "nhwc"). Handlers read their node (``node``) and
    operands through the methods below and record their outputs with `put` (or in ``consts``
    when folded).
    """

    def __init__(
        self,
        model: onnx.ModelProto,
        batch: int | None,
        bind: dict[str, np.ndarray] | None = None,
        weights: Collection[str] | None = None,
    ) -> None:
        self.g = model.graph
        self.b = IRBuilder(self.g.name or "onnx")
        self.batch = batch
        self.consts: dict[str, np.ndarray] = {
            t.name: numpy_helper.to_array(t) for t in self.g.initializer
        }
        names = set(self.consts)
        self.weights: set[str] = names if weights is None else names & set(weights)
        self.inputs = frozenset(vi.name for vi in self.g.input if vi.name not in self.consts)
        self.consts.update(bind or {})
        self.bound = frozenset(bind or ())
        self.elem: dict[str, np.dtype] = {}
        self.int_bound: dict[str, int] = {}
        self.unheld: dict[str, tuple[int, ...]] = {}
        self.int_ok = False
        self.vals: dict[str, tuple[int, str]] = {}  # ONNX name -> (IR id, "plain" | "nhwc")
        self.node: onnx.NodeProto | None = None
        self.opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)

    # Values -------------------------------------------------------------------------------
    def attr(self, name: str, default: object = None) -> object:
        for a in self.node.attribute:
            if a.name == name:
                return onnx.helper.get_attribute_value(a)
        return default

    def required(self, name: str) -> object:
        value = self.attr(name)
        if value is None:
            raise Unsupported(f"missing required attribute {name!r}")
        return value

    def reject_attrs(self, **allowed: object) -> None:
        """Fail on attributes whose value differs from the one supported value."""
        for key, ok in allowed.items():
            v = self.attr(key, ok)
            if isinstance(v, bytes):
                v = v.decode()
            if v != ok and not (isinstance(ok, list) and list(v) == ok):
                raise Unsupported(f"attribute {key}={v!r} is not supported (only {ok!r})", key)

    def const(self, name: str) -> np.ndarray | None:
        return self.consts.get(name)

    def static(self, k: int, what: str, why: str = "") -> np.ndarray:
        """The value of node input ``k``, which the node needs at compile time (a shape, axes,
        indices that address DRAM; ``why``, if given, says so). An unbound graph input is
        refused with a request to bind it; a computed tensor, as dynamic."""
        name = self.node.input[k]
        value = self.const(name)
        if value is not None:
            return value
        if name in self.inputs:
            raise Unsupported(
                f"{what} {name!r} is a graph input the chip needs at compile time"
                + (f" ({why})" if why else "")
                + f"; bind its value: import_onnx(..., bind={{{name!r}: array}}) or systolic "
                f"compile --bind {name}=FILE.npy",
                what,
                bind=name,
            )
        raise Unsupported(f"{what} {name!r} must be a constant (dynamic values are not supported)")

    def get(self, name: str, layout: str | None = None) -> int:
        """The IR id of ONNX tensor ``name`` in ``layout`` (None: as it is)."""
        if name not in self.vals:
            if name in self.unheld:
                if not self.int_ok:
                    t = self.elem[name]
                    raise Unsupported(
                        f"input {name!r} is {t}; {self.node.op_type} does not compute on {t} "
                        f"tensors (a constant one may be bound: --bind {name}=FILE.npy)"
                    )
                self._integer_input(name)
            elif name not in self.consts:
                raise Unsupported(f"input {name!r} is not a known tensor")
            elif 0 in np.shape(self.consts[name]):
                raise Unsupported(
                    f"tensor {name!r} is empty (shape {list(np.shape(self.consts[name]))}); "
                    "the chip holds no empty tensors"
                )
            else:  # a PARAM if a weight; a CONST otherwise (a bound input: fixed at compile time)
                self.vals[name] = (self.param(name, self.consts[name]), "plain")
        nid, have = self.vals[name]
        if layout is None or layout == have:
            return nid
        perm = NCHW_TO_NHWC if layout == "nhwc" else NHWC_TO_NCHW
        if len(self.b.shape(nid)) != 4:
            raise Unsupported(f"tensor {name!r} must be 4-D for an NCHW/NHWC conversion")
        return self.b.add(Op.TRANSPOSE, (nid,), name, perm=perm)

    def integer(self, name: str) -> int:
        """The IR id of integer tensor ``name`` (one the current handler computes on as
        integers, whatever its operand kinds)."""
        if name in self.unheld:
            self._integer_input(name)
        return self.get(name, "plain")

    def _integer_input(self, name: str) -> None:
        shape = self.unheld.pop(name)
        integer = self.b.input(name, shape, role=TensorRole.INTEGER)  # fp32 values
        self.vals[name] = (integer, "plain")

    def layout(self, name: str) -> str:
        return self.vals[name][1] if name in self.vals else "plain"

    def put(self, k: int, nid: int, layout: str = "plain") -> None:
        self.vals[self.node.output[k]] = (nid, layout)

    def param(self, name: str, value: np.ndarray, of: str | None = None) -> int:
        """A source holding ONNX constant ``of``'s (default ``name``) possibly rearranged
        value, named after ``name`` (made unique): a PARAM if ``of`` is a weight (trainable),
        else a CONST."""
        add = self.b.param if (name if of is None else of) in self.weights else self.b.const
        return add(self.b.unique(name), value)

    def weight(self, k: int, what: str) -> np.ndarray:
        if len(self.node.input) <= k or not self.node.input[k]:
            raise Unsupported(f"missing {what}")
        v = self.const(self.node.input[k])
        if v is None:
            raise Unsupported(f"{what} {self.node.input[k]!r} must be an initializer")
        return np.asarray(v, dtype=np.float64)

    def operand(self, k: int, what: str) -> int:
        """The IR id of node input ``k`` as it is: a weight becomes a PARAM named after it
        (trainable), another constant a CONST; a graph input or computed tensor is read from
        DRAM at run time."""
        if not self.has(k):
            raise Unsupported(f"missing {what}")
        return self.get(self.node.input[k], "plain")

    def used(self, name: str) -> bool:
        """Whether tensor ``name`` is read by a node or is a graph output (exporters name
        outputs nothing reads, e.g. an LSTM's last cell state)."""
        return any(name in m.input for m in self.g.node) or any(
            vi.name == name for vi in self.g.output
        )

    def has(self, k: int) -> bool:
        return len(self.node.input) > k and bool(self.node.input[k])


def window_attrs(
    im: Importer,
    kernel: tuple[int, ...],
    in_hw: tuple[int, int] | None = None,
    dilated: bool = False,
) -> dict:
    """The IR stride/padding attributes of a 2-D window op (Conv, pooling).

    ``kernel`` is the window's extent (dilated already when ``dilated``: the caller handles
    dilations; otherwise any dilation other than 1 is refused). SAME_UPPER/SAME_LOWER padding
    needs the input's spatial size ``in_hw``."""
    dilations = im.attr("dilations")
    if not dilated and dilations is not None and any(d != 1 for d in dilations):
        raise Unsupported(
            f"attribute dilations={list(dilations)} is not supported (only 1)", "dilations"
        )
    if len(kernel) != 2:
        raise Unsupported(f"only 2-D windows are supported (kernel {list(kernel)})")
    auto_pad = im.attr("auto_pad", b"NOTSET").decode()
    stride = tuple(int(v) for v in im.attr("strides", [1, 1]))
    if auto_pad in ("SAME_UPPER", "SAME_LOWER") and in_hw is not None:
        begin, end = [], []
        for size, k, s in zip(in_hw, kernel, stride, strict=True):
            total = max((-(-size // s) - 1) * s + k - size, 0)
            small, big = total // 2, total - total // 2
            begin.append(small if auto_pad == "SAME_UPPER" else big)
            end.append(big if auto_pad == "SAME_UPPER" else small)
        return dict(stride=stride, padding=(*begin, *end))
    if auto_pad not in ("NOTSET", "VALID"):
        raise Unsupported(
            f"attribute auto_pad={auto_pad!r} is not supported (NOTSET, VALID, SAME_*)", "auto_pad"
        )
    # ONNX orders 2-D pads (top, left, bottom, right), as the IR does.
    pads = im.attr("pads", [0, 0, 0, 0]) if auto_pad == "NOTSET" else [0, 0, 0, 0]
    return dict(stride=stride, padding=tuple(int(p) for p in pads))
