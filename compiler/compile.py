"""Compiler entry points: a network graph (or an ONNX file) -> a `chip.program.Program`.

``compile(graph, chip, batch=..., train=None | TrainSpec(...))`` runs the graph passes
(`compiler.passes.pipeline.graph_passes`: shapes for ``batch``, decomposition, the training
step, casts to the chip's compute dtype, dead-code elimination) and then the lowering
(`compiler.lower`): DRAM planning, GEMM tiling by the cost model, conv/pooling as DMA window
patterns plus GEMMs, vector ops, and instruction emission with dependency tokens.

Tensors of the program (``program.tensors``), by name, with their kind and role
(`chip.program.TensorRole`; the runtime finds tensors by role):
- every INPUT of the graph (kind and role INPUT), e.g. ``x``; a training step adds ``labels``
  (role LABEL; one-hot ``[B, classes]`` for "ce", the prediction's shape for "mse");
- every PARAM (kind PARAM, initial contents = the graph's values, fp32 master copies) under its
  builder name (e.g. ``dense1.w``); a training step updates them in place (role PARAM, or
  RUNNING_STAT for batch-norm running statistics);
- every STATE (kind STATE, updated in place): the learning rate ``lr`` (role LEARNING_RATE,
  shape (1,), the host may overwrite it between steps), momentum/Adam moments and Adam's beta
  powers (role OPTIMIZER_STATE);
- every CONST (kind CONST; role CONST, or QUANT_SCALE and QUANT_ZERO_POINT for the
  int8 boundary of a quantized program, below);
- every graph output (kind OUTPUT) under its output name: ``logits`` (or the model's output
  names; role OUTPUT) and, for a training step, ``loss`` (role LOSS, shape (1,));
- ``__scratch`` and ``__temp`` (kind and role SCRATCH): intermediate values and layer-local
  buffers.
Element types are the graph's: fp32 unless the graph says otherwise (int8 inputs/params of a
quantized graph).

int8 chips (tiny, tpu-v1) multiply int8 on the array and accumulate in int32. A float graph
runs on them in one of two ways:
- dynamic quantization (no ``calibration``; inference and training): the vector unit keeps
  fp32 values in the accumulator's fp32 view (`chip.isa.Mem.ACCF`) and quantizes each GEMM
  operand per tensor on chip just before the GEMM (scale = max|x| / 127, computed on chip),
  as onnxruntime's dynamic quantization does; everything else (activations, losses, fp32
  master weights, optimizer) stays fp32. Tensors keep their float names and types.
- static quantization (``calibration`` inputs; inference only): the graph is quantized first
  (`compiler.quantize`) with scales calibrated on those inputs. The program then takes int8
  inputs and produces int32 outputs, and carries the scales as CONST tensors
  ``<name>.scale`` (role QUANT_SCALE, fp32, shape (1,)): the host feeds
  ``round(x / x.scale)`` and reads ``logits * logits.scale``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from chip.config import ChipConfig
from chip.dtypes import DType
from chip.program import Program, TensorRole
from compiler.ir import Graph
from compiler.lower.program import Lowered, lower
from compiler.lower.tiling import Tiling
from compiler.passes.pipeline import DUMP_ENV, graph_passes
from compiler.train import TrainSpec


def compile_lowered(
    graph: Graph,
    chip: ChipConfig,
    batch: int | None = None,
    train: TrainSpec | None = None,
    verify: bool = False,
    calibration: Mapping[str, np.ndarray] | None = None,
    tiling: Tiling = Tiling.COST_MODEL,
) -> Lowered:
    """Like `compile`, also returning the lowering's notes (tiling choices per GEMM)."""
    if calibration is not None:
        qz = _quantized(graph, chip, batch, train, verify, calibration)
        return _dumped(lower(qz, chip, tiling))
    prim = graph_passes(
        graph, batch=batch, compute_dtype=chip.input_dtype, train=train, verify=verify
    )
    return _dumped(lower(prim, chip, tiling))


def _dumped(lowered: Lowered) -> Lowered:
    """With the IR dump switch on (SYSTOLIC_DUMP_IR=1), also print the lowering's report."""
    if os.environ.get(DUMP_ENV, "") not in ("", "0"):
        print(f"// after lowering\n{lowered.report()}\n", file=sys.stderr)
    return lowered


def _quantized(
    graph: Graph,
    chip: ChipConfig,
    batch: int | None,
    train: TrainSpec | None,
    verify: bool,
    calibration: Mapping[str, np.ndarray],
) -> Graph:
    from compiler.ir_builder import IRBuilder
    from compiler.quantize import quantize

    if chip.input_dtype is not DType.INT8:
        raise ValueError(
            f"calibration is for int8 chips; {chip.name!r} computes in {chip.input_dtype.value}"
        )
    ints = [n.name for n in graph.inputs.values() if not n.dtype.is_float]
    if ints:
        raise ValueError(
            f"graph {graph.name!r} is already quantized (integer input "
            f"{ints[0]!r}): compile it without calibration"
        )
    if train is not None:
        raise ValueError(
            f"calibration inputs quantize a graph statically, for inference; a "
            f"training step on int8 chip {chip.name!r} quantizes its GEMM operands "
            "dynamically: compile it without calibration"
        )
    prim = graph_passes(graph, batch=batch, verify=verify)
    qz = quantize(prim, calibration)
    g = graph_passes(qz.graph, compute_dtype=DType.INT8, verify=verify)
    b = IRBuilder.extend(g)
    for name, scale in {**qz.input_scales, **qz.output_scales}.items():
        b.const(f"{name}.scale", np.array([scale]), role=TensorRole.QUANT_SCALE)
    return b.build()


def compile(
    graph: Graph,
    chip: ChipConfig,
    batch: int | None = None,
    train: TrainSpec | None = None,
    verify: bool = False,
    calibration: Mapping[str, np.ndarray] | None = None,
    tiling: Tiling = Tiling.COST_MODEL,
) -> Program:
    """The program computing ``graph`` (inference) or one training step (``train``) on
    ``chip``; ``calibration`` inputs quantize a float graph for an int8 chip; ``tiling``
    chooses the GEMM tiling (the cost model, or SCALE-Sim's folds for peer comparison). See
    the module docstring for the tensors the program names."""
    return compile_lowered(graph, chip, batch, train, verify, calibration, tiling).program


def compile_onnx(
    path: str | Path,
    chip: ChipConfig,
    batch: int | None = None,
    train: TrainSpec | None = None,
    verify: bool = False,
    calibration: Mapping[str, np.ndarray] | None = None,
    tiling: Tiling = Tiling.COST_MODEL,
    bind: Mapping[str, np.ndarray] | None = None,
) -> Program:
    """`compile` for an ONNX model file (imported by `compiler.onnx_import.import_onnx`, which
    takes ``batch`` for a dynamic leading dimension and ``bind`` for graph inputs fixed at
    compile time: shapes, axes, indices)."""
    from compiler.onnx_import import import_onnx

    return compile(
        import_onnx(path, batch=batch, bind=bind),
        chip,
        train=train,
        verify=verify,
        calibration=calibration,
        tiling=tiling,
    )
