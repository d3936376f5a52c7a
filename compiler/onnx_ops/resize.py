"""ONNX Resize, one axis at a time (resizing is separable, as in ONNX's reference).

Along each resized axis every output element is a fixed combination of input elements, known
at import from the scales or sizes (constants, or graph inputs bound at compile time):

- ``nearest``: one input element, gathered by DMA moves (SLICE/CONCAT; an integer upsampling
  repeats each element with one CONCAT and a RESHAPE); exact;
- ``linear`` and ``cubic`` (antialiased too, ``exclude_outside``, ``cubic_coeff_a``): a weighted
  sum, so the whole axis is one MATMUL with a constant ``[in, out]`` interpolation matrix on the
  systolic array (`compiler.onnx_ops.windows.along_axis`); ``tf_crop_and_resize`` outputs that
  fall outside the input get ``extrapolation_value`` as a constant added after it.

The coordinate transformations, the neighbours each output reads and their coefficients follow
ONNX's definition (and its reference implementation, `onnx.reference.ops.op_resize`).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import onnx

from compiler.onnx_ops.importer import Importer, Unsupported
from compiler.onnx_ops.windows import along_axis

_MODES = ("nearest", "linear", "cubic")
_TRANSFORMS = (
    "half_pixel",
    "half_pixel_symmetric",
    "pytorch_half_pixel",
    "align_corners",
    "asymmetric",
    "tf_crop_and_resize",
)
_NEAREST = ("round_prefer_floor", "round_prefer_ceil", "floor", "ceil")


def _text(im: Importer, name: str, default: str) -> str:
    v = im.attr(name, default)
    return v.decode() if isinstance(v, bytes) else str(v)


def resize(im: Importer, n: onnx.NodeProto) -> None:
    """Resize of any axes by constant or bound scales or sizes (see the module docstring)."""
    from compiler.onnx_ops.nn import interleave
    from compiler.onnx_ops.slicing import select

    mode = _text(im, "mode", "nearest")
    old = im.opset < 11  # Resize-10: asymmetric coordinates, floor rounding
    ctm = _text(im, "coordinate_transformation_mode", "asymmetric" if old else "half_pixel")
    rounding = _text(im, "nearest_mode", "floor" if old else "round_prefer_floor")
    for what, value, known in (
        ("mode", mode, _MODES),
        ("coordinate_transformation_mode", ctm, _TRANSFORMS),
        ("nearest_mode", rounding, _NEAREST),
    ):
        if value not in known:
            raise Unsupported(f"attribute {what}={value!r} is not supported", what)
    if mode == "nearest" and im.attr("antialias", 0):
        raise Unsupported("antialias applies to linear and cubic modes only", "antialias")
    layout = im.layout(n.input[0])
    x = im.get(n.input[0])
    if mode != "nearest" and not im.b.dtype(x).is_float:
        raise Unsupported(f"mode={mode!r} interpolates floats; the input is {im.b.dtype(x).value}")
    shape = _onnx_shape(im.b.shape(x), layout)
    scales, sizes, roi = _operands(im, n, old, ctm)
    factors, out_size, roi = _targets(im, shape, scales, sizes, roi)
    y = x
    for axis in _axes(im, len(shape)):
        pair = None if roi is None else (float(roi[axis]), float(roi[axis + len(shape)]))
        if (
            math.isclose(factors[axis], 1.0)
            and out_size[axis] == shape[axis]
            and (pair is None or (math.isclose(pair[0], 0.0) and math.isclose(pair[1], 1.0)))
        ):
            continue
        ax = _ir_axis(axis, layout)
        plan = _Axis(shape[axis], out_size[axis], factors[axis], ctm, pair)
        if mode == "nearest":
            index = plan.nearest(rounding)
            f = out_size[axis] // shape[axis]
            if f > 1 and index == [o // f for o in range(out_size[axis])]:
                y = interleave(im, y, ax, f, zeros=False)
            else:
                y = select(im, y, ax, index)
        else:
            m, bias = plan.matrix(
                mode,
                bool(im.attr("antialias", 0)),
                float(im.attr("cubic_coeff_a", -0.75)),
                bool(im.attr("exclude_outside", 0)),
                float(im.attr("extrapolation_value", 0.0)),
            )
            y = along_axis(im, y, ax, m, "resize", bias)
    im.put(0, y, layout)


def _onnx_shape(shape: tuple[int, ...], layout: str) -> tuple[int, ...]:
    if layout == "nhwc":
        return (shape[0], shape[3], shape[1], shape[2])
    return shape


def _ir_axis(axis: int, layout: str) -> int:
    return {0: 0, 1: 3, 2: 1, 3: 2}[axis] if layout == "nhwc" else axis


def _axes(im: Importer, rank: int) -> list[int]:
    axes = im.attr("axes")
    if axes is None:
        return list(range(rank))
    out = [int(a) % rank for a in axes]
    if len(set(out)) != len(out):
        raise Unsupported(f"axes {list(axes)} repeat an axis", "axes")
    return out


def _operands(
    im: Importer, n: onnx.NodeProto, old: bool, ctm: str
) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
    """The (scales, sizes, roi) given, constant or bound (None where absent or empty)."""

    def const(k: int, what: str) -> np.ndarray | None:
        if not im.has(k):
            return None
        value = np.asarray(im.static(k, what), dtype=np.float64).reshape(-1)
        return value if value.size else None

    if old:
        return const(1, "scales"), None, None
    roi = const(1, "roi") if ctm == "tf_crop_and_resize" else None
    scales, sizes = const(2, "scales"), const(3, "sizes")
    if (scales is None) == (sizes is None):
        raise Unsupported("exactly one of scales and sizes must be given")
    return scales, sizes, roi


def _targets(
    im: Importer,
    shape: tuple[int, ...],
    scales: np.ndarray | None,
    sizes: np.ndarray | None,
    roi: np.ndarray | None,
) -> tuple[list[float], list[int], np.ndarray | None]:
    """Per axis: the scale factor, the output size; and the roi over every axis."""
    rank = len(shape)
    axes = _axes(im, rank)
    given = scales if scales is not None else sizes
    if given.size != len(axes):
        raise Unsupported(f"{given.size} scales/sizes for {len(axes)} axes")
    if roi is not None:
        if roi.size != 2 * len(axes):
            raise Unsupported(f"roi has {roi.size} values for {len(axes)} axes", "roi")
        full = np.array([0.0] * rank + [1.0] * rank)
        for i, d in enumerate(axes):
            full[d], full[rank + d] = roi[i], roi[len(axes) + i]
        roi = full
    if scales is not None:
        factors = [1.0] * rank
        for i, d in enumerate(axes):
            factors[d] = float(scales[i])
        if min(factors) <= 0:
            raise Unsupported(f"scales {scales.tolist()} must be positive", "scales")
        out = [int(f * s) for f, s in zip(factors, shape, strict=True)]
    else:
        out = list(shape)
        for i, d in enumerate(axes):
            out[d] = int(sizes[i])
        factors = [o / s for o, s in zip(out, shape, strict=True)]
        policy = _text(im, "keep_aspect_ratio_policy", "stretch")
        if policy != "stretch":
            if policy not in ("not_larger", "not_smaller"):
                raise Unsupported(f"keep_aspect_ratio_policy={policy!r} is not supported")
            pick = min if policy == "not_larger" else max
            scale = pick(factors[d] for d in axes)
            factors = [scale if d in axes else 1.0 for d in range(rank)]
            out = [int(scale * shape[d] + 0.5) if d in axes else shape[d] for d in range(rank)]
    if min(out) < 1:
        raise Unsupported(f"the output shape {out} is empty")
    return factors, out, roi


class _Axis:
    """One axis of a resize: ``size`` inputs to ``out`` outputs, ``scale``, ``ctm`` and the
    axis's (start, end) roi."""

    def __init__(
        self, size: int, out: int, scale: float, ctm: str, roi: tuple[float, float] | None
    ) -> None:
        self.size, self.out, self.scale, self.ctm, self.roi = size, out, scale, ctm, roi

    def coordinates(self) -> tuple[np.ndarray, np.ndarray]:
        """The input coordinate of every output, and which outputs extrapolate."""
        y = np.arange(self.out, dtype=np.float64)
        s, size, width = self.scale, self.size, self.scale * self.size
        outside = np.zeros(self.out, dtype=bool)
        if self.ctm == "align_corners":
            x = np.zeros(self.out) if width == 1 else y * (size - 1) / (width - 1)
        elif self.ctm == "asymmetric":
            x = y / s
        elif self.ctm == "tf_crop_and_resize":
            if self.roi is None:
                raise Unsupported("tf_crop_and_resize needs a constant roi", "roi")
            lo, hi = self.roi
            if width == 1:
                x = np.full(self.out, (hi - lo) * (size - 1) / 2)
            else:
                x = y * (hi - lo) * (size - 1) / (width - 1)
            x = x + lo * (size - 1)
            outside = (x < 0) | (x > size - 1)
        elif self.ctm == "pytorch_half_pixel":
            x = np.full(self.out, -0.5) if width == 1 else (y + 0.5) / s - 0.5
        elif self.ctm == "half_pixel":
            x = (y + 0.5) / s - 0.5
        else:  # half_pixel_symmetric
            offset = size / 2 * (1 - self.out / width)
            x = offset + (y + 0.5) / s - 0.5
        return x, outside

    def _neighbours(
        self, coeffs_of: Callable[[float], np.ndarray]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(coefficients [out, n], neighbour indices [out, n] unclamped, extrapolates)."""
        x, outside = self.coordinates()
        whole = np.floor(x)
        ratios = np.where(x == whole, 1.0, x - whole)
        coeffs = np.array([coeffs_of(float(r)) for r in ratios], dtype=np.float64)
        k = coeffs.shape[1]
        pad = int(np.ceil(k / 2))
        frac = (x + pad) - np.floor(x + pad)
        if k % 2 == 0:
            offset = np.where(frac == 0, -(k // 2), -(k // 2) + 1)
        else:
            base = -((k - 1) // 2)
            offset = np.where(frac <= 0.5, base, base + 1)
        start = np.floor(x + pad).astype(np.int64) + offset - pad
        return coeffs, start[:, None] + np.arange(k)[None, :], outside

    def nearest(self, rounding: str) -> list[int]:
        """The input index each output copies."""

        def coeffs(r: float) -> np.ndarray:
            if r == 1.0:
                return np.array([0.0, 1.0])
            up = {
                "round_prefer_floor": r > 0.5,
                "round_prefer_ceil": r >= 0.5,
                "floor": False,
                "ceil": True,
            }[rounding]
            return np.array([float(not up), float(up)])

        c, idx, outside = self._neighbours(coeffs)
        if outside.any():
            raise Unsupported(
                "nearest tf_crop_and_resize outputs outside the input (extrapolation) are "
                "not supported"
            )
        pick = idx[np.arange(self.out), np.argmax(c, axis=1)]
        return [int(i) for i in np.clip(pick, 0, self.size - 1)]

    def matrix(
        self, mode: str, antialias: bool, a: float, exclude_outside: bool, extrapolation: float
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """The [size, out] interpolation matrix, and the constant added to each output (None
        when no output extrapolates)."""
        scale = self.scale
        if mode == "linear":
            fn = _linear_antialias if antialias else _linear
        else:
            fn = _cubic_antialias if antialias else _cubic
        c, idx, outside = self._neighbours(lambda r: fn(r, scale, a))
        if exclude_outside:
            c = np.where((idx < 0) | (idx >= self.size), 0.0, c)
            total = c.sum(axis=1, keepdims=True)
            c = c / np.where(total == 0, 1.0, total)
        m = np.zeros((self.size, self.out))
        clamped = np.clip(idx, 0, self.size - 1)
        for o in range(self.out):
            if not outside[o]:
                np.add.at(m[:, o], clamped[o], c[o])
        bias = np.where(outside, extrapolation, 0.0) if outside.any() else None
        return m, bias


def _linear(r: float, scale: float, a: float) -> np.ndarray:
    return np.array([1 - r, r])


def _linear_antialias(r: float, scale: float, a: float) -> np.ndarray:
    scale = min(scale, 1.0)
    start = int(np.floor(-1 / scale) + 1)
    args = (np.arange(start, start + 2 - 2 * start) - r) * scale
    c = np.clip(1 - np.abs(args), 0, 1)
    return c / c.sum()


def _cubic(r: float, scale: float, a: float) -> np.ndarray:
    return np.array(
        [
            ((a * (r + 1) - 5 * a) * (r + 1) + 8 * a) * (r + 1) - 4 * a,
            ((a + 2) * r - (a + 3)) * r * r + 1,
            ((a + 2) * (1 - r) - (a + 3)) * (1 - r) * (1 - r) + 1,
            ((a * (2 - r) - 5 * a) * (2 - r) + 8 * a) * (2 - r) - 4 * a,
        ]
    )


def _cubic_antialias(r: float, scale: float, a: float) -> np.ndarray:
    scale = min(scale, 1.0)

    def kernel(t: float) -> float:
        t = abs(t)
        if t <= 1:
            return (a + 2) * t**3 - (a + 3) * t**2 + 1
        if t < 2:
            return a * t**3 - 5 * a * t**2 + 8 * a * t - 4 * a
        return 0.0

    start = int(np.floor(-2 / scale) + 1)
    c = np.array([kernel(scale * (i - r)) for i in range(start, 2 - start)])
    return c / c.sum()
