"""Element types of the chip and the exact conversions between them.

NumPy has no bfloat16, so bf16 values are stored as their 16 raw bits in ``uint16`` and widened to
float32 for arithmetic. Every narrowing conversion rounds to nearest, ties to even (RNE), and
integer conversions saturate, as the chip's converters do. These helpers are the only place where
the chip's numerics are defined; the functional model, the cycle-level machine and the compiler
all call them.
"""

from __future__ import annotations

import enum

import numpy as np


class DType(enum.Enum):
    """An element type the chip stores: in DRAM, the scratchpad or the accumulator."""

    INT8 = "int8"
    INT32 = "int32"
    BF16 = "bf16"
    FP32 = "fp32"

    # Members are singletons compared by identity: the identity hash (in C) keeps the
    # hash/equality contract at a fraction of `enum.Enum`'s Python-level hash of the name,
    # which `nbytes` and every dictionary keyed by a dtype would pay (chip/footprint.py does
    # the same for its enums).
    __hash__ = object.__hash__

    @property
    def nbytes(self) -> int:
        """Bytes per element."""
        return _NBYTES[self]

    @property
    def storage(self) -> np.dtype:
        """The NumPy dtype holding this type's raw bits (bf16 -> uint16)."""
        return np.dtype(_STORAGE[self])

    @property
    def is_float(self) -> bool:
        return self in (DType.BF16, DType.FP32)

    @classmethod
    def parse(cls, text: str) -> DType:
        """The dtype named ``text`` (``int8``, ``int32``, ``bf16``, ``fp32``)."""
        try:
            return cls(text)
        except ValueError:
            names = ", ".join(d.value for d in cls)
            raise ValueError(f"unknown dtype {text!r}; expected one of {names}") from None


_NBYTES = {DType.INT8: 1, DType.INT32: 4, DType.BF16: 2, DType.FP32: 4}
_STORAGE = {
    DType.INT8: np.int8,
    DType.INT32: np.int32,
    DType.BF16: np.uint16,
    DType.FP32: np.float32,
}


def bf16_bits_from_f32(x: np.ndarray) -> np.ndarray:
    """Round float32 values to bfloat16 (RNE) and return their raw bits as uint16.

    NaN stays NaN (quiet); infinities and overflow to infinity follow IEEE rounding.
    """
    f = np.ascontiguousarray(x, dtype=np.float32)
    bits = f.view(np.uint32)
    # Adding 0x7FFF plus the lowest kept bit rounds to nearest with ties to even. One work
    # array updated in place: fresh temporaries of a large tensor cost more in page faults
    # than the arithmetic.
    rounded = bits >> np.uint32(16)
    rounded &= np.uint32(1)
    rounded += np.uint32(0x7FFF)
    rounded += bits
    rounded >>= np.uint32(16)
    nan = np.isnan(f)
    out = rounded.astype(np.uint16)
    if nan.any():
        out[nan] = ((bits[nan] >> np.uint32(16)) | np.uint32(0x0040)).astype(np.uint16)
    return out


def f32_from_bf16_bits(bits: np.ndarray) -> np.ndarray:
    """Widen raw bfloat16 bits to float32 exactly."""
    b = np.ascontiguousarray(bits, dtype=np.uint16)
    return (b.astype(np.uint32) << np.uint32(16)).view(np.float32)


def round_bf16(x: np.ndarray) -> np.ndarray:
    """Round float values to the nearest bfloat16 and return them as float32."""
    return f32_from_bf16_bits(bf16_bits_from_f32(np.asarray(x, dtype=np.float32)))


def _saturate_round(x: np.ndarray, lo: int, hi: int, out: type) -> np.ndarray:
    v = np.asarray(x, dtype=np.float64)
    # np.rint rounds half to even; NaN converts to 0 like a saturating hardware converter.
    v = np.nan_to_num(np.rint(v), nan=0.0, posinf=hi, neginf=lo)
    return np.clip(v, lo, hi).astype(out)


def to_storage(values: np.ndarray, dtype: DType) -> np.ndarray:
    """Convert numeric values to ``dtype``'s raw storage, rounding RNE and saturating integers.

    Integer inputs convert to integer types exactly (saturating); float inputs are first rounded
    to float32, then to the target (so float64 -> bf16 rounds twice, as the chip's float32
    datapath would).
    """
    v = np.asarray(values)
    if dtype is DType.FP32:
        return v.astype(np.float32)
    if dtype is DType.BF16:
        return bf16_bits_from_f32(v.astype(np.float32))
    if dtype is DType.INT8:
        if v.dtype.kind in "iub":
            return np.clip(v.astype(np.int64), -128, 127).astype(np.int8)
        return _saturate_round(v.astype(np.float32), -128, 127, np.int8)
    if dtype is DType.INT32:
        if v.dtype.kind in "iub":
            return np.clip(v.astype(np.int64), -(2**31), 2**31 - 1).astype(np.int32)
        return _saturate_round(v.astype(np.float32), -(2**31), 2**31 - 1, np.int32)
    raise ValueError(f"unhandled dtype {dtype}")


def from_storage(raw: np.ndarray, dtype: DType) -> np.ndarray:
    """The values held in raw storage: float32 for float types, the integer type otherwise."""
    if dtype is DType.BF16:
        return f32_from_bf16_bits(raw)
    return np.asarray(raw, dtype=dtype.storage)


def compute_values(raw: np.ndarray, dtype: DType) -> np.ndarray:
    """Raw storage as the arithmetic type of the datapath: float32 for floats, int32 for ints."""
    if dtype.is_float:
        return from_storage(raw, dtype)
    return np.asarray(raw).astype(np.int32)
