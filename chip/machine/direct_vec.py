"""Vector steps of a value plan computed by one NumPy call into the destination rows.

chip/machine/values.py makes a vector instruction whose reads are covered a *direct* step when
`direct_vec_of` accepts it: an elementwise function of fp32 values, a COPY from fp32 to fp32 or
bf16 or from bf16 to bf16, a SET of an fp32 or bf16 row. `direct_vec` then writes what
chip/semantics.py's `vector_apply` followed by `to_storage` would, bit for bit: the same NumPy
ufuncs on the same float32 values (a broadcast row broadcasts as ``np.repeat`` would), the same
bf16 rounding, and bf16 copies keep their bits with NaNs quieted as the round trip through fp32
does. The caller runs it under ``np.errstate(all="ignore")``, as `vector_apply` computes.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from chip.dtypes import DType, bf16_bits_from_f32
from chip.isa import VecOp
from chip.machine.value_steps import VecSource, VecStep

# vector functions NumPy computes elementwise into the destination (chip/semantics.py
# `vector_apply`), on fp32 values: the ufunc (None: a copy of the source, or of the immediate
# for SET) and, for one source, its second operand
_FP32_DIRECT = {
    VecOp.ADD: (np.add, None),
    VecOp.SUB: (np.subtract, None),
    VecOp.MUL: (np.multiply, None),
    VecOp.MAX: (np.maximum, None),
    VecOp.MIN: (np.minimum, None),
    VecOp.MULI: (np.multiply, "imm"),
    VecOp.ADDI: (np.add, "imm"),
    VecOp.RELU: (np.maximum, "zero"),
    VecOp.COPY: (None, None),
    VecOp.SET: (None, "imm"),
}


def direct_vec_of(
    op: VecOp,
    elementwise: bool,
    dst: DType,
    src1: VecSource | None,
    src2: VecSource | None,
    imm: float,
) -> tuple[bool, np.ufunc | None, object, Callable | None] | None:
    """(True, ufunc, scalar, convert) of a vector step `direct_vec` computes (see `VecStep`),
    or None: elementwise functions of fp32 values (`_FP32_DIRECT`), COPY from fp32 to fp32 or
    bf16 and from bf16 to bf16, SET of an fp32 or bf16 destination."""
    if not elementwise or op not in _FP32_DIRECT:
        return None
    ufunc, second = _FP32_DIRECT[op]
    if op is VecOp.SET:
        if dst is DType.BF16:
            return True, None, bf16_bits_from_f32(np.float32(imm))[0], None
        return (True, None, np.float32(imm), None) if dst is DType.FP32 else None
    assert src1 is not None
    if op is VecOp.COPY:
        convert = _COPY_CONVERT.get((src1.dtype, dst), False)
        return None if convert is False else (True, None, None, convert)
    sources = [s.dtype for s in (src1, src2) if s is not None]
    if set(sources) != {DType.FP32} or dst is not DType.FP32:
        return None
    scalar = {"imm": np.float32(imm), "zero": np.float32(0)}.get(second)
    return True, ufunc, scalar, None


def _quiet_bf16(bits: np.ndarray) -> np.ndarray:
    """bf16 values as `to_storage` returns them after widening to fp32: the same bits, NaNs
    quieted (as `bf16_bits_from_f32` does)."""
    nan = (bits & np.uint16(0x7FFF)) > np.uint16(0x7F80)
    return bits | (nan.astype(np.uint16) << np.uint16(6))


# a COPY's (source, destination) types and what converts the source's raw values
_COPY_CONVERT = {
    (DType.FP32, DType.FP32): None,
    (DType.FP32, DType.BF16): bf16_bits_from_f32,
    (DType.BF16, DType.BF16): _quiet_bf16,
}


def direct_vec(mems: tuple, written: tuple, step: VecStep) -> None:
    """A vector step `direct_vec_of` accepted: the result of chip/semantics.py's
    `vector_apply`, in the destination's storage, computed by NumPy into the destination rows."""
    lo, hi, cols = step.row, step.row + step.n_out, step.cols
    out = mems[step.dst][lo:hi, :cols]
    s = step.src1  # one row broadcasts as np.repeat would
    a = None if s is None else mems[s.array][s.lo : s.lo + s.n, :cols]
    if step.ufunc is None:  # COPY or SET
        value = step.scalar if a is None else a
        out[...] = value if step.convert is None else step.convert(value)
    else:
        s = step.src2
        b = step.scalar if s is None else mems[s.array][s.lo : s.lo + s.n, :cols]
        step.ufunc(a, b, out=out)
    if step.mark:
        written[step.dst][lo:hi, :cols] = True
