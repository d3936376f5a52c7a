"""Compiler entry points: a network graph (or an ONNX file) -> a `chip.program.Program`.

``compile(graph, chip, batch=..., train=None | TrainSpec(...))`` runs the graph passes
(`compiler.passes.pipeline.graph_passes`: shapes for ``batch``, decomposition, the training
step, casts to the chip's compute dtype, dead-code elimination) and then the lowering
(`compiler.lower`): DRAM planning, GEMM tiling by the cost model, conv/pooling as DMA window
patterns plus GEMMs, vector ops, and instruction emission with dependency tokens.

Tensors of the program (``program.tensors``), by name:
- every INPUT of the graph (kind INPUT), e.g. ``x``; a training step adds ``labels``
  (one-hot ``[B, classes]`` for "ce", the prediction's shape for "mse");
- every PARAM (kind PARAM, initial contents = the graph's values, fp32 master copies) under its
  builder name (e.g. ``dense1.w``); a training step updates them in place;
- every STATE (kind STATE, updated in place): the learning rate ``lr`` (shape (1,), the host
  may overwrite it between steps), momentum/Adam moments and Adam's beta powers;
- every CONST (kind CONST);
- every graph output (kind OUTPUT) under its output name: ``logits`` (or the model's output
  names) and, for a training step, ``loss`` (shape (1,));
- ``__scratch`` and ``__temp`` (kind SCRATCH): intermediate values and layer-local buffers.
Element types are the graph's: fp32 unless the graph says otherwise (int8 inputs/params of a
quantized graph).
"""

from __future__ import annotations

from pathlib import Path

from chip.config import ChipConfig
from chip.program import Program
from compiler.ir import Graph
from compiler.lower.program import Lowered, lower
from compiler.passes.pipeline import graph_passes
from compiler.train import TrainSpec


def compile_lowered(graph: Graph, chip: ChipConfig, batch: int | None = None,
                    train: TrainSpec | None = None, verify: bool = False) -> Lowered:
    """Like `compile`, also returning the lowering's notes (tiling choices per GEMM)."""
    prim = graph_passes(graph, batch=batch, compute_dtype=chip.input_dtype, train=train,
                        verify=verify)
    return lower(prim, chip)


def compile(graph: Graph, chip: ChipConfig, batch: int | None = None,
            train: TrainSpec | None = None, verify: bool = False) -> Program:
    """The program computing ``graph`` (inference) or one training step (``train``) on
    ``chip``; see the module docstring for the tensors it names."""
    return compile_lowered(graph, chip, batch, train, verify).program


def compile_onnx(path: str | Path, chip: ChipConfig, batch: int | None = None,
                 train: TrainSpec | None = None, verify: bool = False) -> Program:
    """`compile` for an ONNX model file (imported by `compiler.onnx_import.import_onnx`)."""
    from compiler.onnx_import import import_onnx

    return compile(import_onnx(path, batch=batch), chip, batch=batch, train=train,
                   verify=verify)
