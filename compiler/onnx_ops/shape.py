"""Handlers of ONNX ops that move data or compute shapes (folded at import when constant)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import onnx
from onnx import numpy_helper

from chip.dtypes import DType
from chip.formats import Format
from compiler.ir import Op
from compiler.onnx_ops import integers
from compiler.onnx_ops.importer import NCHW_TO_NHWC, NHWC_TO_NCHW, Importer, Unsupported


def flatten(im: Importer, n: onnx.NodeProto) -> None:
    x = im.get(n.input[0], "plain")
    shape = im.b.shape(x)
    axis = int(im.attr("axis", 1)) % (len(shape) or 1)
    lead = (-1,) if axis == 1 else (int(np.prod(shape[:axis])),)
    im.put(0, im.b.reshape(x, lead + (int(np.prod(shape[axis:])),), n.name))


def reshape(im: Importer, n: onnx.NodeProto) -> None:
    target = im.static(1, "shape")
    dims = [int(d) for d in np.asarray(target).reshape(-1)]
    if im.attr("allowzero", 0) and 0 in dims:
        raise Unsupported(f"allowzero=1 with a 0 in shape {dims} (an empty tensor)", "allowzero")
    value = _folded(im, n.input[0])
    if value is not None:
        src = value.shape
        shape = tuple(src[i] if d == 0 else d for i, d in enumerate(dims))
        im.consts[n.output[0]] = value.reshape(shape)
        return
    x = im.get(n.input[0], "plain")
    src = im.b.shape(x)
    shape = tuple(src[i] if d == 0 else d for i, d in enumerate(dims))
    im.put(0, im.b.reshape(x, shape, n.name))


def transpose(im: Importer, n: onnx.NodeProto) -> None:
    x = im.get(n.input[0], "plain")
    rank = len(im.b.shape(x))
    perm = tuple(im.attr("perm", list(range(rank))[::-1]))
    im.put(0, im.b.add(Op.TRANSPOSE, (x,), n.name, perm=perm))


def concat(im: Importer, n: onnx.NodeProto) -> None:
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


def constant(im: Importer, n: onnx.NodeProto) -> None:
    value = im.attr("value")
    if value is None:
        raise Unsupported("only the 'value' attribute is supported")
    im.consts[n.output[0]] = numpy_helper.to_array(value)


def shape(im: Importer, n: onnx.NodeProto) -> None:
    if n.input[0] in im.consts and n.input[0] not in im.vals:
        dims = tuple(np.shape(im.consts[n.input[0]]))
    else:
        nid = im.get(n.input[0])
        dims = im.b.shape(nid)
        if im.layout(n.input[0]) == "nhwc":  # report the ONNX (NCHW) shape
            dims = tuple(dims[p] for p in NHWC_TO_NCHW)
    start, end = int(im.attr("start", 0)), im.attr("end")
    im.consts[n.output[0]] = np.array(
        dims[start : None if end is None else int(end)], dtype=np.int64
    )


def fold(
    fn: Callable[[Importer, list[np.ndarray]], np.ndarray],
) -> Callable[[Importer, onnx.NodeProto], None]:
    """An op evaluated at import on constant operands (the shape arithmetic exporters emit)."""

    def handle(im: Importer, n: onnx.NodeProto) -> None:
        values = [im.const(x) for x in n.input if x]
        if any(v is None for v in values):
            raise Unsupported(
                "supported only on constant operands (shape arithmetic folded at import)"
            )
        im.consts[n.output[0]] = np.asarray(fn(im, values))

    return handle


def axes(im: Importer, values: list[np.ndarray]) -> tuple[int, ...]:
    axes = values[1] if len(values) > 1 else im.attr("axes")
    if axes is None:
        raise Unsupported("missing axes")
    return tuple(int(a) for a in np.asarray(axes).reshape(-1))


def identity(im: Importer, n: onnx.NodeProto) -> None:
    if im.const(n.input[0]) is not None:
        im.consts[n.output[0]] = im.consts[n.input[0]]
    else:
        im.put(0, im.get(n.input[0]), im.layout(n.input[0]))


def _folded(im: Importer, name: str) -> np.ndarray | None:
    """The value of ``name`` if it is known at import (not a run-time tensor)."""
    return im.const(name) if name not in im.vals else None


def _onnx_view(im: Importer, name: str) -> int:
    """The IR id of tensor ``name`` in its ONNX axis order."""
    return im.get(name, "plain")


def select(im: Importer, x: int, axis: int, index: list[int]) -> int:
    """Elements ``index`` of ``x`` along ``axis``, in order: runs of consecutive indices as one
    SLICE each (DMA moves), joined by a CONCAT."""
    runs: list[list[int]] = []
    for i in index:
        if runs and i == runs[-1][1]:
            runs[-1][1] = i + 1
        else:
            runs.append([i, i + 1])
    parts = [im.b.slice(x, axis, lo, hi, im.node.name) for lo, hi in runs]
    return parts[0] if len(parts) == 1 else im.b.add(Op.CONCAT, parts, im.node.name, axis=axis)


def gather(im: Importer, n: onnx.NodeProto) -> None:
    """Folded on constants; on a tensor, with constant indices: slices along ``axis``."""
    why = "its DMA addresses are fixed in the program; no instruction reads one from memory"
    data, idx = _folded(im, n.input[0]), im.static(1, "indices", why)
    axis = int(im.attr("axis", 0))
    if data is not None:
        im.consts[n.output[0]] = np.take(data, idx, axis=axis)
        return
    x = _onnx_view(im, n.input[0])
    shape = im.b.shape(x)
    axis %= len(shape)
    idx = np.asarray(idx, dtype=np.int64)
    if idx.size == 0:
        raise Unsupported("empty indices (an empty result)")
    flat = [int(i) % shape[axis] for i in idx.reshape(-1)]
    y = select(im, x, axis, flat)
    out = shape[:axis] + idx.shape + shape[axis + 1 :]
    im.put(0, im.b.reshape(y, out or (1,), n.name))


def _reshaped(fn: Callable[[tuple[int, ...], tuple[int, ...]], tuple[int, ...]]):
    """Unsqueeze/Squeeze: folded on constants, a RESHAPE of a tensor."""

    def handle(im: Importer, n: onnx.NodeProto) -> None:
        given = im.static(1, "axes") if im.has(1) else im.attr("axes")
        ax = tuple(int(a) for a in np.asarray(given if given is not None else []).reshape(-1))
        value = _folded(im, n.input[0])
        if value is not None:
            im.consts[n.output[0]] = value.reshape(fn(value.shape, ax))
            return
        x = _onnx_view(im, n.input[0])
        shape = fn(im.b.shape(x), ax)
        if not shape:
            raise Unsupported("the result would be rank 0 (a scalar)")
        im.put(0, im.b.reshape(x, shape, n.name))

    return handle


def _unsqueezed(shape: tuple[int, ...], ax: tuple[int, ...]) -> tuple[int, ...]:
    rank = len(shape) + len(ax)
    ax = {a % rank for a in ax}
    rest = iter(shape)
    return tuple(1 if i in ax else next(rest) for i in range(rank))


def _squeezed(shape: tuple[int, ...], ax: tuple[int, ...]) -> tuple[int, ...]:
    ax = {a % len(shape) for a in ax} if ax else {i for i, d in enumerate(shape) if d == 1}
    if any(shape[a] != 1 for a in ax):
        raise Unsupported(f"cannot squeeze axes {sorted(ax)} of shape {list(shape)}", "axes")
    return tuple(d for i, d in enumerate(shape) if i not in ax)


unsqueeze = _reshaped(_unsqueezed)
squeeze = _reshaped(_squeezed)


def _ints(im: Importer, k: int, what: str, attr: str | None = None) -> list[int] | None:
    """Constant int list from node input ``k`` (or attribute ``attr`` in older opsets)."""
    if im.has(k):
        v = im.static(k, what)
        return [int(a) for a in np.asarray(v).reshape(-1)]
    if attr is not None and im.attr(attr) is not None:
        return [int(a) for a in im.attr(attr)]
    return None


def slice_(im: Importer, n: onnx.NodeProto) -> None:
    """Slice with constant starts/ends/axes/steps: SLICEs (a CONCAT of single elements for a
    step other than 1)."""
    old = im.opset < 10
    starts = _ints(im, 1, "starts", "starts" if old else None)
    ends = _ints(im, 2, "ends", "ends" if old else None)
    value = _folded(im, n.input[0])
    rank = value.ndim if value is not None else len(im.b.shape(_onnx_view(im, n.input[0])))
    axes = _ints(im, 3, "axes", "axes" if old else None) or list(range(len(starts)))
    steps = _ints(im, 4, "steps") or [1] * len(starts)
    shape = value.shape if value is not None else im.b.shape(_onnx_view(im, n.input[0]))
    ranges = {}
    for a, lo, hi, st in zip(axes, starts, ends, steps, strict=True):
        if st == 0:
            raise Unsupported("a step of 0", "steps")
        ranges[a % rank] = range(*slice(lo, hi, st).indices(shape[a % rank]))
    if any(len(r) == 0 for r in ranges.values()):
        raise Unsupported("the slice is empty (an empty tensor)")
    if value is not None:
        index = tuple(
            slice(r.start, r.stop if r.stop >= 0 else None, r.step)
            if (r := ranges.get(i))
            else slice(None)
            for i in range(rank)
        )
        im.consts[n.output[0]] = value[index]
        return
    y = _onnx_view(im, n.input[0])
    for a, r in sorted(ranges.items()):
        y = select(im, y, a, list(r))
    im.put(0, y)


def split(im: Importer, n: onnx.NodeProto) -> None:
    """Split along ``axis`` into SLICEs (sizes from the split input/attribute, or equal)."""
    x = _onnx_view(im, n.input[0])
    shape = im.b.shape(x)
    axis = int(im.attr("axis", 0)) % len(shape)
    sizes = _ints(im, 1, "split", "split" if im.opset < 13 else None)
    outs = [o for o in n.output]
    if sizes is None:
        count = int(im.attr("num_outputs", len(outs)))
        each = -(-shape[axis] // count)
        sizes = [min(each, shape[axis] - k * each) for k in range(count)]
    if sum(sizes) != shape[axis] or len(sizes) != len(outs) or min(sizes) <= 0:
        raise Unsupported(f"split sizes {sizes} do not cut axis {axis} of {list(shape)}", "split")
    start = 0
    for k, size in enumerate(sizes):
        if outs[k]:
            im.put(k, im.b.slice(x, axis, start, start + size, n.name))
        start += size


def expand(im: Importer, n: onnx.NodeProto) -> None:
    """Expand to a constant shape: folded on constants; on a tensor, copies joined by CONCAT
    along every axis that grows from 1 (DMA moves)."""
    target = _ints(im, 1, "shape")
    value = _folded(im, n.input[0])
    if value is not None:
        im.consts[n.output[0]] = value * np.ones(target, dtype=value.dtype)
        return
    x = _onnx_view(im, n.input[0])
    src = im.b.shape(x)
    try:
        out = tuple(int(d) for d in np.broadcast_shapes(src, tuple(target)))
    except ValueError:
        raise Unsupported(f"shape {list(src)} does not expand to {target}") from None
    src = (1,) * (len(out) - len(src)) + src
    y = im.b.reshape(x, src, n.name)
    for a, (have, want) in enumerate(zip(src, out, strict=True)):
        if have != want:
            y = im.b.add(Op.CONCAT, [y] * want, n.name, axis=a)
    im.put(0, y)


_PAD_MODES = ("constant", "edge", "reflect", "wrap")


def pad(im: Importer, n: onnx.NodeProto) -> None:
    """Padding joined by CONCATs (negative pads: SLICEs): FILLs of the pad value (constant), or
    the tensor's own elements, by DMA moves: the border one repeated (edge), the ones next to
    the border mirrored (reflect), the ones at the other end (wrap)."""
    mode = im.attr("mode", b"constant").decode()
    if mode not in _PAD_MODES:
        raise Unsupported(f"mode={mode!r} is not supported ({', '.join(_PAD_MODES)})", "mode")
    pads = _ints(im, 1, "pads", "pads" if im.opset < 11 else None)
    fill = float(im.attr("value", 0.0)) if im.opset < 11 else 0.0
    if im.opset >= 11 and im.has(2):
        v = im.static(2, "constant_value")
        fill = float(np.asarray(v).reshape(-1)[0])
    x = _onnx_view(im, n.input[0])
    rank = len(im.b.shape(x))
    axes = _ints(im, 3, "axes") or list(range(rank))
    if pads is None or len(pads) != 2 * len(axes):
        raise Unsupported(f"pads {pads} do not give a begin and an end for each axis", "pads")
    y = x
    for j, a in enumerate(axes):
        a %= rank
        before, after = pads[j], pads[j + len(axes)]
        size = im.b.shape(y)[a]
        y = im.b.slice(y, a, max(-before, 0), size - max(-after, 0), n.name)
        size = im.b.shape(y)[a]
        parts = []
        for k, amount in enumerate((before, after)):
            if amount <= 0:
                parts.append(None)
            elif mode == "constant":
                shape = list(im.b.shape(y))
                shape[a] = amount
                parts.append(im.b.fill(shape, fill, n.name))
            else:
                parts.append(select(im, y, a, _pad_index(mode, size, amount, k == 1)))
        seq = [p for p in (parts[0], y, parts[1]) if p is not None]
        if len(seq) > 1:
            y = im.b.add(Op.CONCAT, seq, n.name, axis=a)
    im.put(0, y)
    if integers.is_integer(im, n.input[0]):  # integers stay integers
        im.elem[n.output[0]] = im.elem[n.input[0]]
        im.int_bound[n.output[0]] = max(integers.bound(im, n.input[0]), abs(int(fill)))


def _pad_index(mode: str, size: int, amount: int, after: bool) -> list[int]:
    """The elements, along an axis of ``size``, that ``amount`` padding before (or ``after``)
    the tensor copies in ``mode`` (edge, reflect, wrap), in order."""
    if mode == "edge":
        return [size - 1 if after else 0] * amount
    if mode == "reflect":
        if amount > size - 1:
            raise Unsupported(f"reflect padding of {amount} on an axis of {size}", "pads")
        return [size - 2 - i for i in range(amount)] if after else list(range(amount, 0, -1))
    if amount > size:
        raise Unsupported(f"wrap padding of {amount} on an axis of {size}", "pads")
    return list(range(amount)) if after else list(range(size - amount, size))


_T = onnx.TensorProto
_FLOAT_TARGETS = {_T.FLOAT, _T.DOUBLE}
# Narrow formats a float tensor is rounded into on the chip (VecOp.CVT), kept as fp32 values.
_NARROW = {
    _T.FLOAT16: Format.FLOAT16,
    _T.BFLOAT16: Format.BFLOAT16,
    _T.FLOAT8E4M3FN: Format.FLOAT8E4M3FN,
    _T.FLOAT8E4M3FNUZ: Format.FLOAT8E4M3FNUZ,
    _T.FLOAT8E5M2: Format.FLOAT8E5M2,
    _T.FLOAT8E5M2FNUZ: Format.FLOAT8E5M2FNUZ,
    _T.FLOAT8E8M0: Format.FLOAT8E8M0,
    _T.FLOAT4E2M1: Format.FLOAT4E2M1,
    _T.INT4: Format.INT4,
    _T.UINT4: Format.UINT4,
    _T.INT2: Format.INT2,
    _T.UINT2: Format.UINT2,
}
_INT_RANGES = {
    _T.INT8: (-(2**7), 2**7 - 1),
    _T.UINT8: (0, 2**8 - 1),
    _T.INT16: (-(2**15), 2**15 - 1),
    _T.UINT16: (0, 2**16 - 1),
    _T.INT32: (-(2**31), 2**31 - 1),
    _T.UINT32: (0, 2**32 - 1),
    _T.INT64: (-(2**63), 2**63 - 1),
    _T.UINT64: (0, 2**64 - 1),
    **{t: tuple(int(v) for v in f.range) for t, f in _NARROW.items() if f.is_integer},
}
_CHIP_INT = {DType.INT8: _T.INT8, DType.INT32: _T.INT32}


def _type_name(elem: int) -> str:
    return onnx.helper.tensor_dtype_to_string(elem).removeprefix("TensorProto.").lower()


def cast(im: Importer, n: onnx.NodeProto) -> None:
    """Cast to the type ``to`` names (`cast_to`)."""
    cast_to(im, n, int(im.required("to")))


def cast_to(im: Importer, n: onnx.NodeProto, to: int) -> None:
    """Folded on constants. On a tensor: to FLOAT or DOUBLE, the value as fp32 (the chip's
    widest float; integers converted exactly up to 2^24); to a narrow format (float16, bfloat16,
    float8, float4, 4/2-bit integers) a ROUND (the vector unit's CVT, with ``saturate`` and
    ``round_mode``), the result held as fp32; between integer types, the identity when every
    value of the source type fits the target."""
    if im.const(n.input[0]) is not None and n.input[0] not in im.vals:
        value = im.const(n.input[0]).astype(onnx.helper.tensor_dtype_to_np_dtype(to))
        im.consts[n.output[0]] = value
        return
    x = n.input[0]
    nid = im.get(x)
    src = im.b.dtype(nid)
    declared = _declared_type(im, x)
    if declared in _INT_RANGES and to in _INT_RANGES:
        # an integer graph input held widened (4/2-bit integers as fp32, values exact)
        _check_fits(declared, to)
        im.put(0, nid, im.layout(x))
        return
    if to in _FLOAT_TARGETS or to in _NARROW:
        if not src.is_float:
            nid = im.b.add(Op.CAST, (nid,), n.name, dtype=DType.FP32)
        if to in _NARROW:
            mode = im.attr("round_mode", b"up")
            nid = im.b.add(
                Op.ROUND,
                (nid,),
                n.name,
                format=_NARROW[to].value,
                saturate=bool(im.attr("saturate", 1)),
                round_mode=mode.decode() if isinstance(mode, bytes) else str(mode),
            )
        im.put(0, nid, im.layout(x))
        return
    if to in _INT_RANGES and not src.is_float:
        _check_fits(_CHIP_INT[src], to)
        im.put(0, nid, im.layout(x))
        return
    what = "float" if src.is_float else "integer"
    raise Unsupported(
        f"to={_type_name(to)} is not supported on a {what} tensor (float, double, float16, "
        "bfloat16, float8, float4 and 4/2-bit integers are; integer to a wider integer)",
        "to",
    )


def _check_fits(have: int, to: int) -> None:
    """Refuse an integer cast that would wrap values of type ``have`` around."""
    lo, hi = _INT_RANGES[have]
    want_lo, want_hi = _INT_RANGES[to]
    if not (want_lo <= lo and hi <= want_hi):
        raise Unsupported(
            f"to={_type_name(to)}: {_type_name(have)} values do not all fit (wrap-around "
            "casts are not supported)",
            "to",
        )


def _declared_type(im: Importer, name: str) -> int | None:
    """The ONNX element type graph input ``name`` declares (None for other tensors)."""
    for vi in im.g.input:
        if vi.name == name and vi.type.HasField("tensor_type"):
            return vi.type.tensor_type.elem_type
    return None


def dropout(im: Importer, n: onnx.NodeProto) -> None:
    """An IR DROPOUT of the constant ``ratio``: the identity in inference, a mask drawn on chip
    in a training step (seeded by the ``seed`` attribute, else the dropout's number); with a
    run-time ratio the identity (ONNX's meaning when training_mode is false). The mask output
    is the same draw applied to ones, compared with 0 (all true in inference; 0/1 values).
    ``training_mode`` (constant or bound) true drops at random, which an inference program
    does not: refused unless the ratio is 0 (then the identity, the mask all true)."""
    mask = len(n.output) > 1 and n.output[1]
    if im.has(2):
        mode = im.static(2, "training_mode", "whether elements are dropped at random")
        if bool(np.asarray(mode).reshape(-1)[0]):
            ratio = im.static(1, "ratio") if im.has(1) else im.attr("ratio", 0.5)
            if np.size(ratio) != 1 or float(np.ravel(ratio)[0]) != 0.0:
                raise Unsupported(
                    "training_mode=1 (random dropout) is not supported in inference, "
                    "except with ratio 0",
                    "training_mode",
                )
            identity(im, n)
            if mask:
                im.consts[n.output[1]] = np.ones(im.b.shape(im.get(n.input[0])), dtype=bool)
            return
    mask = len(n.output) > 1 and n.output[1]
    ratio = np.array(im.attr("ratio", 0.5))  # an attribute before opset 12, default 0.5
    if im.has(1):
        ratio = im.const(n.input[1])
    if ratio is None or im.has(1) and n.input[1] in im.vals:  # run-time: ONNX's inference meaning
        identity(im, n)
        if mask:  # nothing is dropped: the mask is all true
            im.consts[n.output[1]] = np.ones(im.b.shape(im.get(n.input[0])), dtype=bool)
        return
    if np.size(ratio) != 1 or not 0.0 <= float(np.ravel(ratio)[0]) < 1.0:
        raise Unsupported("ratio must be one value in [0, 1)", "ratio")
    seed = im.attr("seed")
    if seed is None:
        seed = sum(node.op is Op.DROPOUT for node in im.b.nodes)
    x = n.input[0]
    attrs = {"ratio": float(np.ravel(ratio)[0]), "seed": int(seed) % (1 << 24)}
    xid = im.get(x)
    im.put(0, im.b.add(Op.DROPOUT, (xid,), n.name, **attrs), im.layout(x))
    if mask:  # the same (seed, element index) draws on ones: kept elements > 0, dropped 0
        kept = im.b.add(Op.DROPOUT, (im.b.fill(im.b.shape(xid), 1.0, n.name),), n.name, **attrs)
        im.vals[n.output[1]] = (
            im.b.add(Op.GREATER, (kept, im.b.fill((1,), 0.0, n.name)), n.name),
            im.layout(x),
        )


def constant_only(im: Importer, n: onnx.NodeProto) -> None:
    """An op supported only when its inputs are constants (the driver folds it then)."""
    raise Unsupported(
        f"{n.op_type} is supported only on constants (folded at import); an input is a "
        "run-time tensor"
    )
