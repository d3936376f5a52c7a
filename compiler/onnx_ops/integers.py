"""Integer elementwise ONNX ops on the model's integer tensors: Add, Sub, Mul, Div, Max, Min.

A graph input of an integer type the chip does not hold as such (int16, uint8, uint16, uint32,
int64, uint64, bool), or an int8/int32 one that only integer arithmetic reads
(`Importer.unheld`), is an fp32 tensor on the chip holding the integers exactly, as every
chip's vector unit has an fp32 path (only int8 chips have an int32 accumulator). Its program
tensor has role `TensorRole.INTEGER`: a fed value that is not an integer of magnitude at most
2^22 (`chip.state.INTEGER_LIMIT`) is refused when it is written to DRAM. `Importer.elem` keeps
each integer tensor's ONNX type and `Importer.int_bound` a bound on its magnitudes; the ops
that move data pass both on.

fp32 holds every integer up to 2^24 exactly, so an op is refused when the bound of its result
passes 2^24 (a sum of two fed values never does; a product of two 8-bit values never does).
ONNX integer arithmetic wraps around in the tensor's type: results of int8, uint8, int16 and
uint16 are wrapped into the type's range on the chip (`_wrap`); uint32/uint64 Sub is refused,
as a negative difference wraps to values past 2^24. Div truncates toward zero (`divide`).
"""

from __future__ import annotations

import numpy as np
import onnx

from chip.state import INTEGER_LIMIT
from compiler.ir import Op
from compiler.onnx_ops.importer import Importer, Unsupported

_WRAPPED = frozenset(np.dtype(t) for t in (np.int8, np.uint8, np.int16, np.uint16))
_NO_SUB = frozenset(np.dtype(t) for t in (np.uint32, np.uint64))
_ROUND = 1.5 * 2.0**23  # x + _ROUND - _ROUND rounds |x| < 2^22 to an integer (nearest even)
EXACT = 2**24  # fp32 holds every integer of at most this magnitude


def bound(im: Importer, name: str) -> int:
    """A bound on the magnitudes of integer tensor ``name``."""
    if name in im.int_bound:
        return im.int_bound[name]
    t = im.elem[name]
    if t == np.dtype(bool):
        return 1
    info = np.iinfo(t)
    return min(max(-int(info.min), int(info.max)), INTEGER_LIMIT)


def is_integer(im: Importer, name: str) -> bool:
    """Whether ``name`` is one of the model's integer tensors held as fp32 on the chip."""
    if name not in im.elem:
        return False
    return name in im.unheld or (name in im.vals and im.b.dtype(im.vals[name][0]).is_float)


def _operands(im: Importer, n: onnx.NodeProto) -> tuple[list[int], np.dtype]:
    """The IR ids of the node's operands (integer tensors of one ONNX type) and that type."""
    names = [x for x in n.input if x]
    for x in names:
        if not is_integer(im, x):
            what = "a constant" if im.const(x) is not None else "not an integer tensor"
            raise Unsupported(
                f"input {x!r} is {what}; integer {n.op_type} needs run-time integer operands"
            )
    types = {im.elem[x] for x in names}
    if len(types) != 1:
        raise Unsupported(f"operands of types {sorted(map(str, types))} differ")
    ids = [im.get(x, "plain") for x in names]
    shape = im.b.shape(ids[0])
    for k, nid in enumerate(ids[1:], 1):
        have = im.b.shape(nid)
        if have == shape:
            continue
        size = int(np.prod(have))
        if size == 1:
            ids[k] = im.b.reshape(nid, (1,), n.name)
        elif have[-1] == shape[-1] and size == shape[-1]:
            ids[k] = im.b.reshape(nid, shape[-1:], n.name)
        else:
            raise Unsupported(
                f"broadcasting {list(have)} against {list(shape)}: only equal shapes, a "
                "trailing row vector or a scalar are supported"
            )
    return ids, types.pop()


def _wrap(im: Importer, r: int, t: np.dtype) -> int:
    """Integer-valued ``r`` wrapped into the range of type ``t`` of ``b`` bits:
    r - 2^b floor((r - lo) / 2^b). The chip has no floor or bit operations; (r - lo) / 2^b is a
    multiple of 2^-b, so its floor is its round to nearest even after subtracting
    1/2 - 2^-(b+1) (off every tie), and adding and subtracting 1.5 * 2^23 rounds in fp32."""
    b, name = im.b, im.node.name
    bits, lo = 8 * t.itemsize, int(np.iinfo(t).min)
    q = b.add_const(b.scale(r, 2.0**-bits, name), -lo * 2.0**-bits - 0.5 + 2.0 ** -(bits + 1))
    k = b.add_const(b.add_const(q, _ROUND, name), -_ROUND, name)
    return b.add(Op.SUB, (r, b.scale(k, 2.0**bits, name)), name)


def binary(im: Importer, n: onnx.NodeProto, op: Op) -> None:
    """Integer Add, Sub or Mul (``op``), wrapped to a narrow type."""
    (a, c), t = _operands(im, n)
    if op is Op.SUB and t in _NO_SUB:
        raise Unsupported(f"a {t} difference wraps below 0 to values past 2^24")
    ba, bc = (bound(im, x) for x in n.input[:2])
    most = ba * bc if op is Op.MUL else ba + bc
    # a wrapped result is exact below 2^23 (`_wrap`'s quotient needs one bit more)
    if most > (EXACT // 2 - 1 if t in _WRAPPED else EXACT):
        raise Unsupported(
            f"{n.op_type} of {t} values up to {ba} and {bc} can reach {most}, past 2^24 where "
            "the chip's fp32 stops holding integers exactly"
        )
    y = im.b.add(op, (a, c), n.name)
    if t in _WRAPPED:
        y, most = _wrap(im, y, t), max(-int(np.iinfo(t).min), int(np.iinfo(t).max))
    im.put(0, y)
    im.elem[n.output[0]], im.int_bound[n.output[0]] = t, most


def extremum(im: Importer, n: onnx.NodeProto, kind: str) -> None:
    """Integer Max or Min (``kind``) of any number of operands: exact, nothing to wrap."""
    ids, t = _operands(im, n)
    b, y = im.b, ids[0]
    for c in ids[1:] or ids:  # one operand: max(a, a), a copy
        if kind == "max":
            y = b.add(Op.MAX, (y, c), n.name)
        else:
            y = b.scale(b.add(Op.MAX, (b.scale(y, -1.0, n.name), b.scale(c, -1.0, n.name))), -1.0)
    im.put(0, y)
    im.elem[n.output[0]] = t
    im.int_bound[n.output[0]] = max(bound(im, x) for x in n.input if x)


def divide(im: Importer, n: onnx.NodeProto) -> None:
    """Integer Div, truncating toward zero as ONNX (and C) do. t0, the nearest integer to
    a * (1 / b) in fp32, is within one of a / b (|a| <= 2^22 keeps the error below 1/2 and the
    rounding exact), so it is the truncated quotient or one past it away from zero; then the
    remainder a - t0 b (exact) has the sign opposite to a's, and t0 steps back toward zero. A
    zero divisor gives an undefined (infinite or NaN) result, as ONNX leaves it."""
    if bound(im, n.input[0]) > INTEGER_LIMIT:
        raise Unsupported(
            f"a dividend up to {bound(im, n.input[0])} is past {INTEGER_LIMIT}, where the "
            "chip's quotient stops being exact"
        )
    (a, c), t = _operands(im, n)
    b, name = im.b, n.name
    zero = b.const(b.unique(f"{name or 'div'}.zero"), np.zeros(1))
    f = b.add(Op.MUL, (a, b.add(Op.RECIP, (c,), name)), name)
    t0 = b.add_const(b.add_const(f, _ROUND, name), -_ROUND, name)
    r0 = b.add(Op.SUB, (a, b.add(Op.MUL, (t0, c), name)), name)
    past = b.add(Op.GREATER, (b.scale(b.add(Op.MUL, (r0, a), name), -1.0, name), zero), name)
    sign = b.add(
        Op.SUB,
        (b.add(Op.GREATER, (t0, zero), name), b.add(Op.GREATER, (b.scale(t0, -1.0, name), zero))),
        name,
    )
    q = b.add(Op.SUB, (t0, b.add(Op.MUL, (past, sign), name)), name)
    most = bound(im, n.input[0])
    if t in _WRAPPED and most > np.iinfo(t).max:
        q = _wrap(im, q, t)  # int8 -128 / -1 wraps back to -128
    im.put(0, q)
    im.elem[n.output[0]], im.int_bound[n.output[0]] = t, most
