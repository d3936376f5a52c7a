"""Pooling the IR's 2-D window ops cannot express (1-D and 3-D windows, dilations), and the
constant-matrix products along one axis that it and Resize are built from.

A box-shaped window is separable: the max over a box is the max, along one axis, of the maxima
along the others, and the average over the box's valid elements is the product of per-axis
averages (the count of valid elements of a box is the product of its per-axis counts; with
``count_include_pad`` likewise). So an N-D pooling is N one-axis poolings of the NCHW tensor:

- average: a linear map along the axis, one MATMUL of the tensor (the axis moved last by a
  TRANSPOSE, a DMA move) with a constant ``[L, out]`` matrix holding 1/count at each tap;
- max: the elementwise MAX of the ``kernel`` taps, each tap the elements it reads gathered by
  SLICE/CONCAT (DMA moves); a tap that falls in the padding reads another element of its own
  window instead (the max is unchanged by repeating an element, and no -inf is needed).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from compiler.ir import Op
from compiler.onnx_ops.importer import Importer, Unsupported


@dataclass(frozen=True)
class Axis:
    """The window along one spatial axis: input ``size``, ``kernel`` taps ``dilation`` apart,
    ``stride``, explicit padding ``begin``/``end`` and the number of outputs ``out``."""

    size: int
    kernel: int
    stride: int
    dilation: int
    begin: int
    end: int
    out: int

    def taps(self, o: int) -> list[int]:
        """Input positions of output ``o``'s taps (negative or >= size: padding)."""
        first = o * self.stride - self.begin
        return [first + j * self.dilation for j in range(self.kernel)]

    def valid(self, o: int) -> list[int]:
        return [q for q in self.taps(o) if 0 <= q < self.size]

    def counted(self, o: int) -> int:
        """Taps counted with count_include_pad=1: the explicit padding counts, the extension
        of a ceil_mode window past it does not."""
        return sum(-self.begin <= q < self.size + self.end for q in self.taps(o))


def axes(im: Importer, spatial: tuple[int, ...], kernel: tuple[int, ...]) -> list[Axis]:
    """The windows of a pooling node over input spatial sizes ``spatial``: strides, pads,
    auto_pad, dilations and ceil_mode as ONNX defines them."""
    k = len(kernel)
    strides = [int(v) for v in im.attr("strides", [1] * k)]
    dilations = [int(v) for v in im.attr("dilations", [1] * k)]
    auto_pad = im.attr("auto_pad", b"NOTSET").decode()
    ceil = bool(im.attr("ceil_mode", 0))
    pads = [int(v) for v in im.attr("pads", [0] * 2 * k)] if auto_pad == "NOTSET" else [0] * 2 * k
    if auto_pad not in ("NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"):
        raise Unsupported(f"attribute auto_pad={auto_pad!r} is not supported", "auto_pad")
    if len(strides) != k or len(dilations) != k or len(pads) != 2 * k:
        raise Unsupported(f"strides, dilations and pads must match the {k}-D kernel")
    if min(strides + dilations + list(kernel)) < 1 or min(pads) < 0:
        raise Unsupported("kernel, strides and dilations must be positive, pads non-negative")
    out = []
    for i, (size, kk, s, d) in enumerate(zip(spatial, kernel, strides, dilations, strict=True)):
        span = (kk - 1) * d + 1
        begin, end = pads[i], pads[k + i]
        if auto_pad.startswith("SAME"):
            total = max((-(-size // s) - 1) * s + span - size, 0)
            small, big = total // 2, total - total // 2
            begin, end = (small, big) if auto_pad == "SAME_UPPER" else (big, small)
        room = size + begin + end - span
        if room < 0:
            raise Unsupported(f"the window ({span}) is larger than the padded input on axis {i}")
        n = room // s + 1
        if ceil and room % s and n * s < size + begin:  # a last window not starting in padding
            n += 1
        out.append(Axis(size, kk, s, d, begin, end, n))
    return out


def along_axis(
    im: Importer,
    x: int,
    axis: int,
    matrix: np.ndarray,
    what: str,
    bias: np.ndarray | None = None,
) -> int:
    """``x`` with its ``axis`` (length L) replaced by ``x @ matrix`` (``matrix`` [L, M]), plus
    ``bias`` [M] if given: one MATMUL with a constant, the axis moved last and back by
    TRANSPOSEs."""
    b, name = im.b, im.node.name
    shape = b.shape(x)
    rank = len(shape)
    perm = tuple(a for a in range(rank) if a != axis) + (axis,)
    moved = x if axis == rank - 1 else b.add(Op.TRANSPOSE, (x,), name, perm=perm)
    lead = tuple(shape[a] for a in perm[:-1])
    flat = b.reshape(moved, (int(np.prod(lead)), shape[axis]), name)
    w = b.const(b.unique(f"{name or im.node.op_type}.{what}{axis}"), matrix.astype(np.float32))
    y = b.matmul(flat, w, name=name)
    if bias is not None:
        y = b.add(Op.ADD, (y, b.const(b.unique(f"{name}.{what}{axis}.bias"), bias)), name)
    y = b.reshape(y, (*lead, matrix.shape[1]), name)
    if axis == rank - 1:
        return y
    back = tuple(int(i) for i in np.argsort(perm))
    return b.add(Op.TRANSPOSE, (y,), name, perm=back)


def average(im: Importer, x: int, windows: list[Axis], include_pad: bool) -> int:
    """Average pooling of the NCHW-like ``x`` over its spatial axes 2.. (one MATMUL per axis
    whose window is not the identity)."""
    for i, a in enumerate(windows):
        m = np.zeros((a.size, a.out))
        for o in range(a.out):
            valid = a.valid(o)
            if not valid:
                raise Unsupported(f"output {o} of spatial axis {i} has a window of padding only")
            count = a.counted(o) if include_pad else len(valid)
            for q in valid:
                m[q, o] += 1.0 / count
        if not (a.out == a.size and np.array_equal(m, np.eye(a.size))):
            x = along_axis(im, x, 2 + i, m, "pool")
    return x


def maximum(im: Importer, x: int, windows: list[Axis]) -> int:
    """Max pooling of the NCHW-like ``x`` over its spatial axes 2..: per axis the MAX of the
    window's taps, each gathered by DMA moves."""
    from compiler.onnx_ops.slicing import select

    for i, a in enumerate(windows):
        reads = set()
        for j in range(a.kernel):
            index = []
            for o in range(a.out):
                valid = a.valid(o)
                if not valid:
                    raise Unsupported(
                        f"output {o} of spatial axis {i} has a window of padding only"
                    )
                q = a.taps(o)[j]
                index.append(q if 0 <= q < a.size else valid[0])
            reads.add(tuple(index))
        if reads == {tuple(range(a.size))}:
            continue
        taps = [select(im, x, 2 + i, list(index)) for index in sorted(reads)]
        x = taps[0]
        for t in taps[1:]:
            x = im.b.add(Op.MAX, (x, t), im.node.name)
    return x


def maximum_with_indices(
    im: Importer, x: int, windows: list[Axis], storage_order: int
) -> tuple[int, int]:
    """2-D max pooling of NCHW ``x`` and MaxPool's Indices: the flat NCHW index of each
    window's first maximum in row-major order (with ``storage_order`` 1, the column-major
    h + w * H within an image), held as fp32 (exact below 2^24 elements).

    Separable like `maximum`: along W, each (row, output column) keeps its maximum and the
    column of the first tap reaching it; along H, the first row whose maximum is the window's
    picks the row and its column. "First tap equal to the maximum" is computed back to front
    as ``idx -= (tap == max) * (idx - position)`` (EQUAL, SUB, MUL: exact on small integers).
    """
    from compiler.onnx_ops.slicing import select

    b, name = im.b, im.node.name
    if len(windows) != 2:
        raise Unsupported("the Indices output is supported for 2-D pooling only", "Indices")
    if not b.dtype(x).is_float:
        raise Unsupported(f"the Indices output of a {b.dtype(x).value} tensor", "Indices")
    n, c, h, w = b.shape(x)
    if n * c * h * w > 1 << 24:
        raise Unsupported("Indices of a tensor over 2^24 elements are not exact in fp32")
    hw, ww = windows

    def taps(t: int, axis: int, a: Axis) -> tuple[list[int], list[list[int]]]:
        ids, positions = [], []
        for j in range(a.kernel):
            index = []
            for o in range(a.out):
                valid = a.valid(o)
                if not valid:
                    raise Unsupported(f"output {o} has a window of padding only")
                q = a.taps(o)[j]
                index.append(q if 0 <= q < a.size else valid[0])
            ids.append(select(im, t, axis, index))
            positions.append(index)
        return ids, positions

    def first_max(values: list[int], where: list[int]) -> tuple[int, int]:
        top = values[0]
        for v in values[1:]:
            top = b.add(Op.MAX, (top, v), name)
        idx = where[-1]
        if b.shape(idx) != b.shape(top):
            idx = b.add(Op.BROADCAST, (idx,), name, shape=b.shape(top))
        for v, pos in zip(reversed(values[:-1]), reversed(where[:-1]), strict=True):
            hit = b.add(Op.EQUAL, (v, top), name)
            idx = b.add(
                Op.SUB, (idx, b.add(Op.MUL, (hit, b.add(Op.SUB, (idx, pos), name)), name)), name
            )
        return top, idx

    # along W: the column of each row's maximum (tap positions: row vectors over the columns)
    cols, col_pos = taps(x, 3, ww)
    col_where = [
        b.const(b.unique(f"{name}.col{j}"), np.asarray(p, np.float64))
        for j, p in enumerate(col_pos)
    ]
    row_max, col = first_max(cols, col_where)
    # along H: the row; the flat index = image base + row and column offsets
    rows, row_pos = taps(row_max, 2, hw)
    picked_cols, _ = taps(col, 2, hw)
    image = (np.arange(n)[:, None] * c + np.arange(c)[None, :]) * (h * w)
    flat = []
    for j, (pc, p) in enumerate(zip(picked_cols, row_pos, strict=True)):
        row_off = np.asarray(p, np.float64) * (w if storage_order == 0 else 1)
        base = image[:, :, None, None] + row_off[None, None, :, None]
        pc = pc if storage_order == 0 else b.scale(pc, float(h), name)
        offset = b.const(
            b.unique(f"{name}.row{j}"), np.broadcast_to(base, (n, c, hw.out, 1)).copy()
        )
        flat.append(b.add(Op.ADD, (pc, offset), name))
    return first_max(rows, flat)
