"""Checks of an ONNX file and model before the importer looks at a single node.

The importer (compiler/onnx_import.py) handles one op at a time and assumes a well-formed
graph; these checks make that assumption true or raise `OnnxFileError` naming the file, the
tensor or node, and what was expected: the file exists, is not a directory, is not empty and
is at most `MAX_ONNX_BYTES`; the graph has outputs; no name is given to two values; graph
inputs have positive sizes; every node names its outputs; every initializer's data matches
its declared shape.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import onnx
    from onnx import TensorProto

MAX_ONNX_BYTES = 2 << 30  # protobuf's own limit for one message
MAX_ELEMENTS = 1 << 31  # elements of one initializer or graph input


class OnnxFileError(ValueError):
    """An ONNX file or model that cannot be imported; the message names the file and field."""


def check_onnx_file(path: Path) -> None:
    """File-level checks of ``path``, before it is parsed."""
    if path.is_dir():
        raise OnnxFileError(f"ONNX file {str(path)!r} is a directory, not a file")
    if not path.exists():
        raise OnnxFileError(f"ONNX file {str(path)!r} does not exist")
    if not path.is_file():
        raise OnnxFileError(f"ONNX file {str(path)!r} is not a regular file")
    size = path.stat().st_size
    if size == 0:
        raise OnnxFileError(f"ONNX file {str(path)!r} is empty")
    if size > MAX_ONNX_BYTES:
        raise OnnxFileError(
            f"ONNX file {str(path)!r} is {size} bytes; the limit is {MAX_ONNX_BYTES}"
        )


def check_model(model: onnx.ModelProto, where: str = "ONNX model") -> None:
    """Structural checks of a parsed model (see the module docstring)."""
    g = model.graph
    if not g.node and not g.output:
        raise OnnxFileError(f"{where} has an empty graph (no nodes, no outputs)")
    if not g.output:
        raise OnnxFileError(f"{where} has no graph outputs; nothing to compute")
    seen: dict[str, str] = {}

    def define(name: str, what: str) -> None:
        if not name:
            raise OnnxFileError(f"{where}: {what} has an empty name")
        if name in seen:
            raise OnnxFileError(f"{where}: the name {name!r} is given to {seen[name]} and {what}")
        seen[name] = what

    for t in g.initializer:
        define(t.name, f"initializer {t.name!r}")
        _check_initializer(t, where)
    inits = {t.name for t in g.initializer}
    for vi in g.input:
        if vi.name not in inits:
            define(vi.name, f"graph input {vi.name!r}")
            _check_input_dims(vi, where)
    for k, node in enumerate(g.node):
        label = f"node {node.name!r}" if node.name else f"node #{k} ({node.op_type})"
        if not any(node.output):  # optional outputs may be left unnamed, not all of them
            raise OnnxFileError(f"{where}: {label} has no output")
        for out in node.output:
            if out:
                define(out, f"the output of {label}")
    for vi in g.output:
        if vi.name not in seen:
            raise OnnxFileError(
                f"{where}: graph output {vi.name!r} is not computed by any node or input"
            )


def _check_input_dims(vi: onnx.ValueInfoProto, where: str) -> None:
    n = 1
    for k, d in enumerate(vi.type.tensor_type.shape.dim):
        if d.HasField("dim_value"):
            if d.dim_value < 0:
                raise OnnxFileError(
                    f"{where}: graph input {vi.name!r} dimension {k} is {d.dim_value}; "
                    "sizes must not be negative"
                )
            n *= d.dim_value
    if n > MAX_ELEMENTS:
        raise OnnxFileError(
            f"{where}: graph input {vi.name!r} has {n} elements; the limit is {MAX_ELEMENTS}"
        )


def _check_initializer(t: TensorProto, where: str) -> None:
    """Declared dims against the data actually present, before numpy is asked to build it."""
    from onnx import TensorProto, helper

    what = f"{where}: initializer {t.name!r}"
    if any(d < 0 for d in t.dims):
        raise OnnxFileError(f"{what} has negative dimension in {list(t.dims)}")
    n = math.prod(t.dims)
    if n > MAX_ELEMENTS:
        raise OnnxFileError(f"{what} declares {n} elements; the limit is {MAX_ELEMENTS}")
    if t.data_location == TensorProto.EXTERNAL:
        return  # resolved and size-checked where external data is loaded
    try:
        np_type = helper.tensor_dtype_to_np_dtype(t.data_type)
    except (KeyError, ValueError):
        raise OnnxFileError(f"{what} has unknown element type {t.data_type}") from None
    if t.data_type in (TensorProto.STRING, TensorProto.UNDEFINED):
        raise OnnxFileError(f"{what} has element type {t.data_type}; numeric tensors only")
    if t.HasField("raw_data"):
        itemsize = np.dtype(np_type).itemsize
        if t.data_type in _sub_byte():
            need = math.ceil(n * _sub_byte()[t.data_type] / 8)
        else:
            need = n * itemsize
        if len(t.raw_data) != need:
            raise OnnxFileError(
                f"{what} declares shape {list(t.dims)} ({need} bytes) but holds "
                f"{len(t.raw_data)} bytes of data"
            )
        return
    field = helper.tensor_dtype_to_field(t.data_type)
    have = len(getattr(t, field))
    per = 2 if t.data_type in (TensorProto.COMPLEX64, TensorProto.COMPLEX128) else 1
    if t.data_type in _sub_byte():
        return  # packed two to a stored value; numpy_helper checks these itself
    if have != n * per:
        raise OnnxFileError(
            f"{what} declares shape {list(t.dims)} ({n} values) but holds {have // per}"
        )


@functools.cache
def _sub_byte() -> dict[int, int]:
    """Element types packed several to a byte, and their bits per element."""
    from onnx import TensorProto

    return {
        getattr(TensorProto, name): bits
        for name, bits in (
            ("INT4", 4),
            ("UINT4", 4),
            ("FLOAT4E2M1", 4),
            ("INT2", 2),
            ("UINT2", 2),
            ("FLOAT6E2M3", 6),
            ("FLOAT6E3M2", 6),
        )
        if hasattr(TensorProto, name)
    }
