"""Architectural state of the chip: DRAM, scratchpad, accumulator and the stationary tile.

Every access is checked: addresses must lie inside their memory, DMA addresses must be aligned to
the element size, and reads of on-chip elements never written raise. Violations raise `Fault`,
which the executors turn into a `ProgramError` naming the instruction. The functional model and
the cycle-level machine both keep their values in a `ChipState`.
"""

from __future__ import annotations

import numpy as np

from chip.config import ChipConfig
from chip.dtypes import DType, from_storage, to_storage
from chip.errors import Fault
from chip.footprint import DramBlock
from chip.isa import Loc, Mem, mem_dtype
from chip.program import Program, TensorInfo, TensorRole


class ChipState:
    """Values held by the chip. Contract: on-chip memories are ``rows x row_elems`` arrays of raw
    storage (bf16 as uint16) with a written-mask each; DRAM is a flat byte array."""

    def __init__(self, config: ChipConfig) -> None:
        self.config = config
        w = config.row_elems
        # np.zeros maps zero pages lazily, so a 4 GiB DRAM costs only what is touched.
        self.dram = np.zeros(config.dram_bytes, dtype=np.uint8)
        self.spad = np.zeros((config.spad_rows, w), dtype=config.input_dtype.storage)
        self.acc = np.zeros((config.acc_rows, w), dtype=config.acc_dtype.storage)
        self.spad_written = np.zeros((config.spad_rows, w), dtype=bool)
        self.acc_written = np.zeros((config.acc_rows, w), dtype=bool)
        self.stationary: np.ndarray | None = None  # raw storage, rows x cols

    # ---- on-chip memories ----
    def dtype_of(self, mem: Mem) -> DType:
        return mem_dtype(self.config, mem)

    def _mem(self, mem: Mem) -> tuple[np.ndarray, np.ndarray]:
        if mem is Mem.SPAD:
            return self.spad, self.spad_written
        if mem is Mem.ACCF:
            # The same 32-bit words, seen as fp32 (a view: writes land in self.acc).
            return self.acc.view(np.float32), self.acc_written
        return self.acc, self.acc_written

    def check_rows(self, loc: Loc, rows: int, cols: int, what: str) -> None:
        data, _ = self._mem(loc.mem)
        if cols > self.config.row_elems:
            raise Fault(
                f"{what}: {cols} elements per row exceed the {self.config.row_elems}-element rows"
            )
        if loc.row + rows > data.shape[0]:
            raise Fault(
                f"{what}: rows {loc}..{loc.row + rows - 1} exceed the "
                f"{data.shape[0]} rows of the {_NAMES[loc.mem]}"
            )

    def read(self, loc: Loc, rows: int, cols: int, what: str, bcast: bool = False) -> np.ndarray:
        """Raw storage of ``rows x cols`` elements from ``loc`` (the first row repeated if
        ``bcast``); raises if any element was never written."""
        n = 1 if bcast else rows
        self.check_rows(loc, n, cols, what)
        data, written = self._mem(loc.mem)
        block = slice(loc.row, loc.row + n)
        if not written[block, :cols].all():
            bad = np.argwhere(~written[block, :cols])[0]
            raise Fault(
                f"{what}: reads {_NAMES[loc.mem]} row {loc.row + bad[0]} element "
                f"{bad[1]}, which was never written"
            )
        out = data[block, :cols]
        return np.repeat(out, rows, axis=0) if bcast else out.copy()

    def write(self, loc: Loc, raw: np.ndarray, what: str) -> None:
        rows, cols = raw.shape
        self.check_rows(loc, rows, cols, what)
        data, written = self._mem(loc.mem)
        data[loc.row : loc.row + rows, :cols] = raw
        written[loc.row : loc.row + rows, :cols] = True

    # ---- DRAM ----
    def dram_offsets(
        self, dram: int, rows: int, cols: int, stride: int, transpose: bool, dtype: DType, what: str
    ) -> np.ndarray:
        """Element indices (in units of ``dtype``) of a 2-D DMA block, shape ``rows x cols``."""
        size = dtype.nbytes
        block = DramBlock(dram, rows, cols, stride, transpose, size)
        if not block.aligned:
            raise Fault(
                f"{what}: DRAM address 0x{dram:x} and stride {stride} must be multiples "
                f"of the {size}-byte {dtype.value} element"
            )
        idx = block.addresses() // size
        last = int(idx.max()) if idx.size else 0
        if (last + 1) * size > self.config.dram_bytes:
            raise Fault(
                f"{what}: DRAM bytes up to 0x{(last + 1) * size:x} exceed the "
                f"{self.config.dram_mib} MiB DRAM"
            )
        return idx

    def dram_view(self, dtype: DType) -> np.ndarray:
        return self.dram.view(dtype.storage)

    def write_tensor(self, t: TensorInfo, values: np.ndarray, raw: bool = False) -> None:
        """Store ``values`` into DRAM: numbers, converted with RNE and saturation, or with
        ``raw`` the tensor's raw storage (bf16 as uint16 bits), stored unchanged."""
        v = np.asarray(values)
        if v.shape != t.shape:
            raise ValueError(f"tensor {t.name!r} has shape {list(t.shape)}, got {list(v.shape)}")
        if raw and v.dtype != t.dtype.storage:
            raise ValueError(
                f"raw contents of tensor {t.name!r} must be {t.dtype.storage}, not {v.dtype}"
            )
        if not raw and t.role is TensorRole.INTEGER:
            _check_integers(t, v)
        if not raw and not (v.dtype == t.dtype.storage and v.dtype.kind == "i"):
            v = to_storage(v, t.dtype)  # (integers already in the storage type are unchanged)
        start = t.addr // t.dtype.nbytes
        self.dram_view(t.dtype)[start : start + t.size] = v.reshape(-1)

    def read_tensor(self, t: TensorInfo, raw: bool = False) -> np.ndarray:
        """A tensor's values from DRAM (float32 for float types) or its raw storage."""
        start = t.addr // t.dtype.nbytes
        data = self.dram_view(t.dtype)[start : start + t.size].reshape(t.shape).copy()
        return data if raw else from_storage(data, t.dtype)

    def load_program(self, program: Program) -> None:
        """Place a program's initial DRAM contents."""
        for name, arr in program.init.items():
            self.write_tensor(program.tensors[name], arr, raw=True)


# Integers held as fp32 values (TensorRole.INTEGER) are exact up to 2^24; a bound of 2^22 on
# each fed value leaves room for sums of several and for integer division's rounding (the
# compiler's bounds, compiler/onnx_ops/integers.py, count on it).
INTEGER_LIMIT = 2**22
_NARROW_INTS = frozenset({"int4", "uint4", "int2", "uint2"})


def _check_integers(t: TensorInfo, v: np.ndarray) -> None:
    """Refuse values of an integer tensor that are not integers or pass `INTEGER_LIMIT`."""
    if v.dtype.name in _NARROW_INTS:  # ml_dtypes' 4/2-bit integers (a NumPy "void" kind)
        v = v.astype(np.int64)
    if v.dtype.kind not in "biuf":
        raise ValueError(f"tensor {t.name!r} holds integers, not {v.dtype} values")
    if v.dtype.kind == "f" and not np.array_equal(v, np.round(v)):
        raise ValueError(f"tensor {t.name!r} holds integers; {v.dtype} values with fractions given")
    big = np.abs(v.astype(np.float64)) > INTEGER_LIMIT
    if big.any():
        raise ValueError(
            f"tensor {t.name!r} holds integers as fp32 on the chip, exact up to "
            f"{INTEGER_LIMIT}; {v[big].flat[0]} is past it"
        )


_NAMES = {Mem.SPAD: "scratchpad", Mem.ACC: "accumulator", Mem.ACCF: "accumulator (fp32 view)"}
