"""PyTorch modules in one call: export through `torch.onnx.export`, then import the ONNX model.

PyTorch is an optional extra (``pip install systolic[torch]``): this module imports it only
inside `from_torch`, so the compiler never needs it otherwise.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from compiler.ir import Graph

OPSET = 17


def from_torch(
    module: Any,
    example_inputs: Any,
    *,
    dynamo: bool = False,
    opset: int = OPSET,
    batch: int | None = None,
    input_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None,
) -> Graph:
    """The IR graph of ``module`` (a ``torch.nn.Module``) called on ``example_inputs`` (a
    tensor or a tuple of tensors, whose shapes become the graph's static shapes).

    ``dynamo=False`` exports with the TorchScript exporter at ``opset``; ``dynamo=True`` with
    torch's default (``torch.export``-based) exporter. The module is exported as it is: call
    ``module.eval()`` first for inference (Dropout and batch norm in training mode export as
    training-mode ops). ``input_names``/``output_names`` name the graph's inputs and outputs
    (default: the exporter's names). ``batch`` is passed on to `import_onnx`. Raises
    `ImportError` naming the extra when PyTorch is not installed, and `ValueError` when the
    exporter or the importer refuses the model.
    """
    try:
        import torch  # noqa: F401 - imported here only to name the extra when it is missing
    except ImportError:
        raise ImportError(
            "compiler.from_torch needs PyTorch: pip install systolic[torch]"
        ) from None
    from compiler.onnx_import import import_onnx

    with tempfile.TemporaryDirectory(prefix="systolic-from-torch-") as tmp:
        path = Path(tmp) / "model.onnx"
        export_onnx(module, example_inputs, path, dynamo, opset, input_names, output_names)
        return import_onnx(path, batch=batch)


def export_onnx(
    module: Any,
    example_inputs: Any,
    path: str | Path,
    dynamo: bool = False,
    opset: int = OPSET,
    input_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None,
) -> None:
    """Write ``module`` exported as `from_torch` exports it to the ONNX file ``path``."""
    import torch

    args = example_inputs if isinstance(example_inputs, tuple) else (example_inputs,)
    names = {
        "input_names": list(input_names) if input_names is not None else None,
        "output_names": list(output_names) if output_names is not None else None,
    }
    try:
        if dynamo:
            torch.onnx.export(
                module, args, str(path), dynamo=True, external_data=False, verbose=False, **names
            )
        else:
            torch.onnx.export(module, args, str(path), dynamo=False, opset_version=opset, **names)
    except Exception as e:  # noqa: BLE001 - torch raises many types; one clear message
        kind = "default" if dynamo else "TorchScript"
        raise ValueError(
            f"torch.onnx.export ({kind} exporter) failed for {type(module).__name__}: "
            f"{type(e).__name__}: {' '.join(str(e).split())[:500]}"
        ) from e
