"""Reading an ONNX file, with its external data checked by our own rules first.

An ONNX tensor may keep its bytes in another file (``data_location = EXTERNAL``, with
``external_data`` entries ``location``, ``offset``, ``length``). The onnx library resolves that
location relative to the model's folder with its own defaults; `load_onnx` reads the model
without external data, checks every external reference in it (graph initializers, sparse
initializers and tensors held in node attributes, subgraphs included), and only then lets the
library load the data. Each reference must:

- give a ``location`` that is a relative path (no absolute path, drive or NUL) which, with every
  symlink resolved, stays inside the model's folder;
- name a regular file there;
- have a non-negative integer ``offset`` and ``length`` with ``offset + length`` within the file;

and all of them together must hold at most `MAX_EXTERNAL_BYTES`. A reference breaking a rule
raises `OnnxFileError` naming the model file, the tensor and the rule.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path, PurePosixPath, PureWindowsPath

import onnx

MAX_EXTERNAL_BYTES = 1 << 30  # 1 GiB: 20x ResNet-18's fp32 weights; hostile sizes stay bounded


class OnnxFileError(ValueError):
    """An ONNX file whose external data breaks a rule of `load_onnx`."""


def load_onnx(path: str | Path) -> onnx.ModelProto:
    """The model in ``path`` with its external data loaded, after `check_external_data`."""
    path = Path(path)
    model = onnx.load(str(path), load_external_data=False)
    if check_external_data(model, path):
        onnx.load_external_data_for_model(model, str(path.parent))
    return model


def check_external_data(model: onnx.ModelProto, path: Path) -> int:
    """Check every external-data reference of ``model`` (read from ``path``) against the rules
    of this module; returns the number of bytes they hold together."""
    folder = path.parent.resolve()
    total = 0
    for tensor in _tensors(model.graph):
        if tensor.data_location != onnx.TensorProto.EXTERNAL:
            continue

        def fail(rule: str, tensor: onnx.TensorProto = tensor) -> OnnxFileError:
            return OnnxFileError(f"{path}: external data of tensor {tensor.name!r}: {rule}")

        entries: dict[str, str] = {}
        for entry in tensor.external_data:
            if entry.key in entries:
                raise fail(f"{entry.key!r} is given twice")
            entries[entry.key] = entry.value
        location = entries.get("location", "")
        if not location:
            raise fail("no 'location' is given")
        if (
            "\0" in location
            or PurePosixPath(location).is_absolute()
            or PureWindowsPath(location).is_absolute()
            or PureWindowsPath(location).drive
            or location.startswith(("/", "\\"))
        ):
            raise fail(f"location {location!r} must be a path relative to the model's folder")
        target = (folder / location).resolve()
        if not target.is_relative_to(folder):
            raise fail(f"location {location!r} leads outside the model's folder {folder}")
        try:
            info = os.stat(target)
        except OSError as e:
            raise fail(f"location {location!r} cannot be read: {e.strerror}") from None
        if not stat.S_ISREG(info.st_mode):
            raise fail(f"location {location!r} is not a regular file")
        offset = _non_negative(entries.get("offset", "0"), "offset", fail)
        default_length = str(max(info.st_size - offset, 0))
        length = _non_negative(entries.get("length", default_length), "length", fail)
        if offset + length > info.st_size:
            raise fail(
                f"offset {offset} + length {length} is past the end of {location!r} "
                f"({info.st_size} bytes)"
            )
        total += length
        if total > MAX_EXTERNAL_BYTES:
            raise fail(
                f"the model's external data exceeds the limit of {MAX_EXTERNAL_BYTES} bytes "
                f"({MAX_EXTERNAL_BYTES >> 20} MiB)"
            )
    return total


def _non_negative(text: str, key: str, fail) -> int:  # noqa: ANN001 - the error factory above
    try:
        value = int(text)
    except ValueError:
        raise fail(f"{key} {text!r} is not an integer") from None
    if value < 0:
        raise fail(f"{key} must be non-negative, not {value}")
    return value


def _tensors(graph: onnx.GraphProto) -> Iterator[onnx.TensorProto]:
    """Every tensor stored in ``graph``, its nodes' attributes and its subgraphs."""
    yield from graph.initializer
    for sparse in graph.sparse_initializer:
        yield sparse.values
        yield sparse.indices
    for node in graph.node:
        for attr in node.attribute:
            if attr.HasField("t"):
                yield attr.t
            yield from attr.tensors
            if attr.HasField("sparse_tensor"):
                yield attr.sparse_tensor.values
                yield attr.sparse_tensor.indices
            for sub in attr.sparse_tensors:
                yield sub.values
                yield sub.indices
            if attr.HasField("g"):
                yield from _tensors(attr.g)
            for g in attr.graphs:
                yield from _tensors(g)
