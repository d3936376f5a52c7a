"""The steps of a value plan (chip/machine/values.py): one named tuple per kind of step.

Every step starts with its ``kind`` (one of the constants below) and the ``index`` of its
instruction; the rest is what applying it needs, decided once per program: row ranges, DRAM
view geometry, the tile's shape. The plan builds them and every run of the program reads them
by field name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from chip.dtypes import DType
from chip.isa import VecOp

# step kinds
CHECKED, LOAD_D, STORE_D, PRELOAD_D, MATMUL_D, VEC_D, MOVE_D = range(7)
# on-chip arrays of a run (ACCF: the accumulator's fp32 view)
ARRAY_SPAD, ARRAY_ACC, ARRAY_ACCF = 0, 1, 2


class Checked(NamedTuple):
    """Instruction ``index`` on the checked path (chip/semantics.py and the array model)."""

    kind: int  # CHECKED
    index: int


class LoadStep(NamedTuple):
    """A LOAD as a copy from a DRAM view into on-chip rows [lo, hi), columns [:cols]."""

    kind: int  # LOAD_D
    index: int
    array: int  # ARRAY_SPAD, ARRAY_ACC or ARRAY_ACCF
    lo: int
    hi: int
    cols: int
    mark: bool  # the written-mask may change
    offset: int  # the DRAM view: byte offset, shape, byte strides, storage dtype
    shape: tuple[int, int]
    strides: tuple[int, int]
    dtype: np.dtype


class StoreStep(NamedTuple):
    """A STORE as a copy from on-chip rows [lo, hi), columns [:cols], into a DRAM view."""

    kind: int  # STORE_D
    index: int
    array: int
    lo: int
    hi: int
    cols: int
    offset: int
    shape: tuple[int, int]
    strides: tuple[int, int]
    dtype: np.dtype


class PreloadStep(NamedTuple):
    """A PRELOAD of scratchpad rows [lo, hi), columns [:cols], as the stationary tile."""

    kind: int  # PRELOAD_D
    index: int
    lo: int
    hi: int
    cols: int


class MatmulStep(NamedTuple):
    """A MATMUL of its tile by the array's block kernels (fields as the instruction's)."""

    kind: int  # MATMUL_D
    index: int
    x: int
    t: int
    rows: int
    cols: int
    y: int
    out: int
    out_rows: int
    accumulate: bool
    mark: bool


class MoveStep(NamedTuple):
    """A MOVE as a copy of the words of rows [src_lo, src_lo + rows), columns [:cols], of one
    on-chip array into rows from ``dst_lo`` of another (or the same), transposed or not: both
    hold words of one size, and the block is read whole before it is written."""

    kind: int  # MOVE_D
    index: int
    src: int  # on-chip array read
    src_lo: int
    rows: int
    cols: int
    dst: int  # on-chip array written
    dst_lo: int
    transpose: bool
    mark: bool


class VecSource(NamedTuple):
    """A vector source: ``n`` rows (1: broadcast) of on-chip array ``array`` from row ``lo``."""

    array: int
    lo: int
    n: int
    dtype: DType


class VecStep(NamedTuple):
    """A vector instruction whose reads are covered and whose rows are valid."""

    kind: int  # VEC_D
    index: int
    op: VecOp
    imm: float
    rows: int
    cols: int
    src1: VecSource | None
    src2: VecSource | None
    dst: int  # on-chip array of the destination
    row: int
    n_out: int
    dtype: DType  # the destination's
    mark: bool
    # an elementwise op computed by NumPy straight into the destination rows (direct_vec.py
    # `direct_vec_of`): ``ufunc(a, b or scalar, out=...)``; ufunc None (COPY, SET): the
    # source (or scalar) through ``convert``, if any
    direct: bool
    ufunc: np.ufunc | None
    scalar: np.generic | None  # the second operand of an op with one source; SET's value
    convert: Callable[[np.ndarray], np.ndarray] | None


Step = Checked | LoadStep | StoreStep | PreloadStep | MatmulStep | VecStep | MoveStep
