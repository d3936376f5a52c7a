"""The handler of ONNX Cast: to float types, narrow formats and wider integers.

On constants Cast is evaluated at import, to any type. On a run-time tensor: to float or
double the value as fp32; to a narrow format (float16, bfloat16, float8, float4, 4/2-bit
integers) a ROUND by the vector unit's CVT, held as fp32; between integer types the identity
when every value of the source type fits the target. Anything else is refused.
"""

from __future__ import annotations

import onnx

from chip.dtypes import DType
from chip.formats import Format
from compiler.ir import Op
from compiler.onnx_ops.importer import Importer, Unsupported

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
