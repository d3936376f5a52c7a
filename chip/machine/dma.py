"""Values of the DMA instructions for the machine: strided views instead of index arrays.

chip/semantics.py builds a ``rows x cols`` index array per transfer; for the large transfers of
tiled programs the machine reads and writes DRAM through a strided view instead. Whenever a
transfer is not plainly valid (misaligned, out of bounds, empty, or a store whose elements
overlap) it falls back to chip/semantics.py, so results and fault messages are those of the
functional model. The block's geometry is chip/footprint.py's `DramBlock`. (DMA timing lives in
chip/machine/plan.py and schedule_kernel.py.)
"""

from __future__ import annotations

import numpy as np

from chip.footprint import dram_disjoint, dram_layout
from chip.isa import Load, Store
from chip.semantics import dma_load, dma_store
from chip.state import ChipState


def plain_view(
    ins: Load | Store, size: int, dram_bytes: int, for_write: bool
) -> tuple[int, tuple[int, int], tuple[int, int]] | None:
    """(byte offset, shape, byte strides) of the DRAM elements of a transfer of ``size``-byte
    elements if the plain path applies to it: not empty, aligned, inside the ``dram_bytes`` of
    DRAM and, for a write, with disjoint elements (or the order of the writes would matter);
    None otherwise. (The block's geometry: chip/footprint.py's ``dram_*`` functions.)"""
    addr, rows, cols = ins.dram, ins.rows, ins.cols
    step_r, step_e, end, aligned = dram_layout(addr, rows, cols, ins.stride, ins.transpose, size)
    if rows < 1 or cols < 1 or not aligned or end > dram_bytes:
        return None
    if for_write and not dram_disjoint(step_r, rows, step_e, cols, size):
        return None
    return addr, (rows, cols), (step_r, step_e)


def _dram_block(
    state: ChipState, ins: Load | Store, size: int, for_write: bool
) -> np.ndarray | None:
    """The DRAM elements of a transfer as a rows x cols strided view, or None if the plain path
    does not apply."""
    view = plain_view(ins, size, state.config.dram_bytes, for_write)
    if view is None:
        return None
    offset, shape, strides = view
    dtype = state.dtype_of(ins.dst.mem if isinstance(ins, Load) else ins.src.mem)
    # a view straight onto DRAM's bytes (np.ndarray is much cheaper than as_strided here)
    return np.ndarray(shape, dtype=dtype.storage, buffer=state.dram, offset=offset, strides=strides)


def load_values(state: ChipState, ins: Load) -> None:
    """Apply a LOAD to ``state`` exactly as `chip.semantics.dma_load` does."""
    size = state.dtype_of(ins.dst.mem).nbytes
    block = _dram_block(state, ins, size, for_write=False)
    if block is None:
        dma_load(state, ins)
        return
    state.write(ins.dst, block, "load destination")  # checks the rows first


def store_values(state: ChipState, ins: Store) -> None:
    """Apply a STORE to ``state`` exactly as `chip.semantics.dma_store` does."""
    size = state.dtype_of(ins.src.mem).nbytes
    block = _dram_block(state, ins, size, for_write=True)
    if block is None:
        dma_store(state, ins)
        return
    block[...] = state.read(ins.src, ins.rows, ins.cols, "store source")
