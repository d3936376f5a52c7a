"""The systolic array: one model for every dataflow, in the machine's two fidelities.

`ArrayModel.apply` gives PRELOAD and MATMUL their effect on the `ChipState` (with every check of
chip/semantics.py: the `fast` machine runs the instructions that cannot fault as direct steps of
chip/machine/values.py, and this model the rest, and every `pe` one). Timing is not computed
here (it is closed-form, chip/machine/plan.py); values are:

- ``fast``: block kernels (chip/machine/block_kernels.py) that give the bits of chip/semantics.py
  faster (numba in the array's summation order, or exact BLAS for int8).
- ``pe``: the numba register-level kernels of chip/machine/pe_kernels.py step every PE every
  cycle. The kernels also report how many cycles they stepped and when the last output was
  written; the model checks these against the closed-form durations, so the `pe` fidelity
  validates the timing rules as well as the values.

Only the mapping of operands onto the array's edges depends on the dataflow: WS and IS hold a
preloaded tile (B for WS, A^T for IS, decided by the program) and stream rows past it; OS
streams both operands and keeps the outputs in the PEs.
"""

from __future__ import annotations

import numpy as np

from chip.config import ChipConfig, Dataflow
from chip.dtypes import compute_values
from chip.fidelity import Fidelity
from chip.isa import Loc, Matmul, Mem, Preload
from chip.machine import block_kernels, pe_kernels
from chip.semantics import accumulate, f32_add, matmul_operands, preload
from chip.state import ChipState


class ArrayModel:
    """Values of the array instructions for one chip and one fidelity.

    Contract: after ``apply(state, ins)`` the state equals what chip/semantics.py produces, bit for
    bit, for both fidelities; invalid instructions raise the same `Fault` messages.
    """

    def __init__(self, cfg: ChipConfig, fidelity: Fidelity) -> None:
        if not fidelity.on_machine:
            raise ValueError(
                f"the cycle-level machine runs fidelity fast or pe, not {fidelity.value}"
            )
        self.cfg = cfg
        self.pe = fidelity is Fidelity.PE
        self.updates = 0  # PE register updates stepped by the pe kernels
        self.shadow: np.ndarray | None = None  # pe: the shadow registers (R x C, compute type)

    def _work_dtype(self) -> type:
        return np.float32 if self.cfg.input_dtype.is_float else np.int64

    def apply(self, state: ChipState, ins: Preload | Matmul) -> None:
        if isinstance(ins, Preload):
            if self.pe:
                self._pe_preload(state, ins)
            else:
                preload(state, ins)
            return
        x, other = matmul_operands(state, ins)
        if self.pe:
            p = self._pe_matmul(ins, x, other)
        elif self.cfg.dataflow is Dataflow.OS:
            p = block_kernels.os_block(x, other)
        else:
            p = block_kernels.stationary_block(x, other)
        state.check_rows(Loc(Mem.ACC, ins.out), p.shape[0], ins.cols, "matmul output")
        self._write(state, ins, p)

    @staticmethod
    def _write(state: ChipState, ins: Matmul, p: np.ndarray) -> None:
        """`chip.semantics.write_matmul_result` without its conversions: accumulators are int32
        or fp32, whose raw storage is their compute value, and int32 array addition wraps
        modulo 2^32 like the semantics' int64 sum cast back to int32. Accumulating adds in
        place once every element is known to be written (same sums, no copies)."""
        dst = Loc(Mem.ACC, ins.out)
        rows, cols = p.shape
        if ins.accumulate:
            block = state.acc[ins.out : ins.out + rows, :cols]
            if p.dtype == block.dtype and state.acc_written[ins.out : ins.out + rows, :cols].all():
                if p.dtype == np.int32:
                    block += p
                else:  # (NumPy's ``+=`` may pick p's NaN where both are NaNs)
                    block[...] = f32_add(block, p)
                return
            p = accumulate(state.read(dst, rows, cols, "matmul accumulate"), p)  # faults alike
        state.write(dst, p, "matmul output")

    # ---- pe fidelity ----
    def _pe_preload(self, state: ChipState, ins: Preload) -> None:
        preload(state, ins)  # checks the instruction and records the tile in the state
        assert state.stationary is not None
        s = compute_values(state.stationary, self.cfg.input_dtype)
        self._shift_in(s)
        self._check_cycles(ins, self.cfg.rows, self.cfg.rows)

    def _shift_in(self, s: np.ndarray) -> None:
        R, C = self.cfg.rows, self.cfg.cols
        if self.shadow is None:
            self.shadow = np.zeros((R, C), dtype=self._work_dtype())
        stepped = pe_kernels.preload_shift(self.shadow, s.astype(self._work_dtype()))
        self.updates += stepped * R * C

    def _pe_matmul(self, ins: Matmul, x: np.ndarray, other: np.ndarray) -> np.ndarray:
        cfg = self.cfg
        R, C = cfg.rows, cfg.cols
        work = self._work_dtype()
        x = x.astype(work)
        compute = ins.t + R + C - 2
        if cfg.dataflow is Dataflow.OS:
            out = np.zeros((ins.rows, ins.cols), dtype=work)
            stepped, last = pe_kernels.output_stationary_array(
                x, other.astype(work), out, R, C, cfg.os_drain
            )
            # with the drain, result row 0 leaves the bottom last, in drain cycle R-1
            expect = compute + (R if cfg.os_drain else 0)
            last_expect = expect - 1
        else:
            if self.shadow is None:  # continuing a state preloaded by an earlier run
                self._shift_in(other)
            assert self.shadow is not None
            active = self.shadow.copy()  # the shadow tile becomes active at the first cycle
            out = np.zeros((ins.t, ins.cols), dtype=work)
            stepped, last = pe_kernels.stationary_array(x, active, out)
            # output (T-1, cols-1) is the last one written; a partial tile still pays the full
            # duration because its data crosses all R rows and C columns
            expect, last_expect = compute, ins.t + R + ins.cols - 3
        self._check_cycles(ins, stepped, expect)
        if last != last_expect:
            raise AssertionError(
                f"pe kernel wrote the last output of {ins} in cycle {last}, "
                f"docs/timing.md says {last_expect}"
            )
        self.updates += stepped * R * C
        return out if work is np.float32 else out.astype(np.int32)  # int64 -> int32 wraps

    @staticmethod
    def _check_cycles(ins: Preload | Matmul, stepped: int, expect: int) -> None:
        if stepped != expect:
            raise AssertionError(
                f"pe kernel stepped {stepped} cycles for {ins}, docs/timing.md says {expect}"
            )
