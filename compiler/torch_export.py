"""PyTorch modules in one call: export through `torch.onnx.export`, then import the ONNX model.

PyTorch is an optional extra (``pip install systolic[torch]``): this module imports it only
inside its functions, so the compiler never needs it otherwise.

The exported file says what trains: its initializers are exactly the module's trainable
parameters (``requires_grad``), under their own names and in torch's layout, and every other
constant (buffers, frozen parameters, the exporter's own constants) is a Constant node. The
importer makes initializers PARAMs and Constant nodes CONSTs (batch-norm running statistics
PARAMs updated as running averages), so a training step on the chip trains what torch's
optimizer would. For that, neither exporter may fold constants into the parameters (a folded
``weight.T`` or a concatenation of recurrent gates would be a new, anonymous tensor): the
TorchScript exporter runs without constant folding, and torch's default exporter is optimized
with the parameters held fixed.
"""

from __future__ import annotations

import logging
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
    training-mode ops). The graph's PARAMs are the module's trainable parameters (named as
    ``named_parameters`` names them, unless the import rearranges one) and batch-norm running
    statistics; everything else is a CONST. ``input_names``/``output_names`` name the graph's
    inputs and outputs (default: the exporter's names). ``batch`` is passed on to
    `import_onnx`. Raises `ImportError` naming the extra when PyTorch is not installed, and
    `ValueError` when the exporter or the importer refuses the model.
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
    """Write ``module`` exported as `from_torch` exports it to the ONNX file ``path``: its
    initializers are the trainable parameters, every other constant a Constant node."""
    import onnx
    import torch

    args = example_inputs if isinstance(example_inputs, tuple) else (example_inputs,)
    names = {
        "input_names": list(input_names) if input_names is not None else None,
        "output_names": list(output_names) if output_names is not None else None,
    }
    params = {k for k, p in module.named_parameters() if p.requires_grad}
    state = params | {k for k, _ in module.named_buffers()}
    # The exporters restore the module's mode with a recursive train(), which would switch
    # every submodule (a Dropout, a frozen batch norm) to the top module's mode.
    modes = [(m, m.training) for m in module.modules()]
    try:
        if dynamo:
            program = torch.onnx.export(
                module, args, dynamo=True, optimize=False, verbose=False, **names
            )
            _optimize_around(program, state)
            program.save(str(path), external_data=False)
        else:
            torch.onnx.export(
                module,
                args,
                str(path),
                dynamo=False,
                opset_version=opset,
                do_constant_folding=False,
                **names,
            )
    except Exception as e:  # noqa: BLE001 - torch raises many types; one clear message
        kind = "default" if dynamo else "TorchScript"
        raise ValueError(
            f"torch.onnx.export ({kind} exporter) failed for {type(module).__name__}: "
            f"{type(e).__name__}: {' '.join(str(e).split())[:500]}"
        ) from e
    finally:
        for m, training in modes:
            m.training = training
    model = onnx.load(str(path))
    _constants_as_nodes(model.graph, params)
    onnx.save(model, str(path))


def _optimize_around(program: Any, fixed: set[str]) -> None:
    """Run the default exporter's optimizer (constant folding, dead code, Split for
    SplitToSequence...) on ``program`` without touching the initializers named in ``fixed``:
    they are made graph inputs for the while, which the optimizer neither folds nor merges."""
    graph = program.model.graph
    count = len(graph.inputs)
    graph.inputs.extend(v for k, v in graph.initializers.items() if k in fixed)
    loggers = [logging.getLogger(name) for name in ("onnxscript", "onnx_ir")]
    levels = [log.level for log in loggers]
    for log in loggers:  # they warn of every input they leave alone
        log.setLevel(logging.ERROR)
    try:
        program.optimize()
    finally:
        for log, level in zip(loggers, levels, strict=True):
            log.setLevel(level)
        del graph.inputs[count:]


def _constants_as_nodes(graph: Any, params: set[str]) -> None:
    """Turn every initializer of ``graph`` (an ``onnx.GraphProto``) not named in ``params``
    into a Constant node at the head of the graph."""
    import onnx

    keep, nodes = [], []
    for t in graph.initializer:
        if t.name in params:
            keep.append(t)
        else:
            nodes.append(onnx.helper.make_node("Constant", [], [t.name], value=t))
    if not nodes:
        return
    moved = {n.output[0] for n in nodes}
    inputs = [vi for vi in graph.input if vi.name not in moved]
    del graph.initializer[:], graph.input[:]
    graph.initializer.extend(keep)
    graph.input.extend(inputs)
    rest = list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes + rest)
