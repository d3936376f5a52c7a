"""Handlers of ONNX ops that select elements of a tensor: Gather, Slice, Split, Expand, Pad.

On constants each is evaluated at import. On a run-time tensor the indices must be known at
compile time (constant or bound), since DMA addresses are fixed in the program: each becomes
SLICEs of runs of consecutive elements joined by CONCATs (`select`), and FILLs for constant
padding. `select` also serves the windowed ops (pooling, resize, transposed convolution).
"""

from __future__ import annotations

import numpy as np
import onnx

from compiler.ir import Op
from compiler.onnx_ops import integers
from compiler.onnx_ops.importer import Importer, Unsupported
from compiler.onnx_ops.shape import folded


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
    data, idx = folded(im, n.input[0]), im.static(1, "indices", why)
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
    value = folded(im, n.input[0])
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
    value = folded(im, n.input[0])
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
