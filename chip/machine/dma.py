"""Values of the DMA instructions for the machine: strided views instead of index arrays.

chip/semantics.py builds a ``rows x cols`` index array per transfer; for the large transfers of
tiled programs the machine reads and writes DRAM through a strided view instead. Whenever a
transfer is not plainly valid (misaligned, out of bounds, empty, or a store whose elements
overlap) it falls back to chip/semantics.py, so results and fault messages are those of the
functional model. (DMA timing lives in chip/machine/plan.py and machine.py.)
"""

from __future__ import annotations

import numpy as np

from chip.isa import Load, Store
from chip.semantics import dma_load, dma_store
from chip.state import ChipState


def _dram_block(
    state: ChipState, ins: Load | Store, size: int, for_write: bool
) -> np.ndarray | None:
    """The DRAM elements of a transfer as a rows x cols strided view, or None if the plain path
    does not apply."""
    rows, cols, stride, dram = ins.rows, ins.cols, ins.stride, ins.dram
    if rows < 1 or cols < 1 or dram % size or stride % size:
        return None
    step_r, step_e = (size, stride) if ins.transpose else (stride, size)
    last = dram + (rows - 1) * step_r + (cols - 1) * step_e + size
    if last > state.config.dram_bytes:
        return None
    if for_write:  # elements must not overlap, or the order of the writes would matter
        (s1, n1), (s2, n2) = sorted([(step_r, rows), (step_e, cols)])
        if not ((n1 == 1 or s1 >= size) and (n2 == 1 or s2 >= s1 * (n1 - 1) + size)):
            return None
    dtype = state.dtype_of(ins.dst.mem if isinstance(ins, Load) else ins.src.mem)
    # a view straight onto DRAM's bytes (np.ndarray is much cheaper than as_strided here)
    return np.ndarray(
        (rows, cols), dtype=dtype.storage, buffer=state.dram, offset=dram, strides=(step_r, step_e)
    )


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
