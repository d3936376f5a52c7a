"""The ISA's NaN rule in the array's arithmetic (a NaN first operand wins, quieted; else the
second; else the default NaN) holds in chip/semantics.py at every element position, and the
functional model, both machine fidelities and both value paths give its bits."""

import numpy as np
import pytest

from chip.dtypes import DType
from chip.functional import run_functional
from chip.isa import Load, Matmul, Preload, Store, acc, sp
from chip.machine import run_machine
from chip.machine.block_kernels import float_into, os_block, stationary_block
from chip.semantics import accumulate, os_matmul, stationary_matmul
from chip.state import ChipState
from tests.machine.helpers import chip4, program
from tests.machine.test_values_soup import outcome

DEFAULT_NAN = 0xFFC00000


def f32(bits) -> np.ndarray:
    return np.asarray(bits, dtype=np.uint32).view(np.float32)


def bits(v: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(v).view(np.uint32)


@pytest.mark.parametrize("n", [1, 2, 7, 8, 17, 33])
def test_accumulating_two_nans_keeps_the_accumulators_at_every_position(n):
    # NumPy's scalar loops (one element; the elements past its last full vector) return the
    # second NaN of an addition: the accumulator's must win everywhere
    old = f32(np.full((1, n), DEFAULT_NAN))
    p = f32(np.full((1, n), 0x7FC12345))
    with np.errstate(all="ignore"):
        got = accumulate(old, p)
    assert (bits(got) == DEFAULT_NAN).all()


@pytest.mark.parametrize("cols", [1, 17, 40])
def test_a_sum_that_became_nan_keeps_its_nan(cols):
    # term 0 is inf * 0 (the default NaN), term 1 a product with a NaN x (another payload)
    x = f32([[0x7F800000], [0x7FC0ABCD]])  # OS: x is t x rows, here 2 x 1
    y = np.zeros((2, cols), dtype=np.float32)
    y[1] = 1.0
    with np.errstate(all="ignore"):
        want_os = os_matmul(x, y)
        want_s = stationary_matmul(x.T, y)
        assert (bits(want_os) == DEFAULT_NAN).all() and (bits(want_s) == DEFAULT_NAN).all()
        assert (bits(os_block(x, y)) == DEFAULT_NAN).all()
        assert (bits(stationary_block(np.ascontiguousarray(x.T), y)) == DEFAULT_NAN).all()


def test_accumulating_onto_a_signaling_nan_quiets_it():
    out = f32([[0x7FA00001, 0xFF800001, 0x3F800000]])  # two signaling NaNs, 1.0
    x = np.ones((1, 1), dtype=np.float32)
    y = np.full((1, 3), 2.0, dtype=np.float32)
    work = np.zeros((1, 1), dtype=np.uint32)
    float_into(x, y, out, True, True, work)
    assert bits(out).tolist() == [[0x7FE00001, 0xFFC00001, 0x40400000]]


def nan_program(dataflow: str):
    """An fp32 chip accumulates a 2-term product onto accumulator rows loaded from DRAM, meeting
    NaNs in each way the rule decides; returns the program, its DRAM and the bits it must give
    at those elements."""
    cfg = chip4(dataflow, input_dtype=DType.FP32)
    os_flow = dataflow == "os"
    t = 2
    x = np.ones((t, 4), dtype=np.float32)  # the scratchpad's X rows (t x rows)
    other = np.ones((t if os_flow else 4, 4), dtype=np.float32)  # Y rows, or the tile
    old = np.full((4 if os_flow else t, 4), 3.0, dtype=np.float32)
    xb, ob, oldb = x.view(np.uint32), other.view(np.uint32), old.view(np.uint32)
    oldb[0, 0] = 0x7FA00001  # a signaling NaN in the accumulator: quieted
    oldb[1, 1] = 0xFFC0BEEF  # the accumulator's NaN wins over the product's
    if os_flow:  # p[i, j] = sum over t of x[t, i] * y[t, j]
        xb[0, 1] = 0x7FC0ABCD
        xb[0, 2], ob[0, 2], xb[1, 2] = 0x7F800000, 0, 0x7FC12345  # inf * 0, then a NaN term
        xb[0, 3], ob[0, 3] = 0x7F80AAAA, 0x7FC0BBBB  # two NaNs: x's wins, quieted
        want = {(0, 0): 0x7FE00001, (1, 1): 0xFFC0BEEF, (2, 2): DEFAULT_NAN, (3, 3): 0x7FC0AAAA}
    else:  # p[t, j] = sum over i of x[t, i] * s[i, j]
        xb[1, 1] = 0x7FC12345
        xb[1, 0], ob[0, 2] = 0x7F800000, 0  # inf * 0, then a NaN term
        xb[0, 3], ob[3, 3] = 0x7F80AAAA, 0x7FC0BBBB  # two NaNs: x's wins, quieted
        want = {(0, 0): 0x7FE00001, (1, 1): 0xFFC0BEEF, (1, 2): DEFAULT_NAN, (0, 3): 0x7FC0AAAA}
    dram = np.concatenate([x.reshape(-1), other.reshape(-1), old.reshape(-1)]).view(np.uint8)
    at_other, at_old = x.nbytes, x.nbytes + other.nbytes

    def load(addr, dst, rows, **deps):
        return Load(dram=addr, dst=dst, rows=rows, cols=4, stride=16, transpose=False, **deps)

    instrs = [load(0, sp(0), t), load(at_other, sp(t), len(other))]
    instrs.append(load(at_old, acc(0), len(old), push_next=True))
    if os_flow:
        instrs.append(Matmul(x=0, y=t, out=0, t=t, rows=4, cols=4, accumulate=True, pop_prev=True))
    else:
        instrs.append(Preload(src=t, rows=4, cols=4, pop_prev=True))
        instrs.append(Matmul(x=0, y=0, out=0, t=t, rows=4, cols=4, accumulate=True))
    instrs[-1] = instrs[-1].with_deps(push_next=True)
    store = Store(dram=1024, src=acc(0), rows=len(old), cols=4, stride=16, transpose=False)
    instrs.append(store.with_deps(pop_prev=True))
    return program(cfg, instrs), dram, want


@pytest.mark.parametrize("dataflow", ["os", "ws"])
def test_every_model_and_value_path_gives_the_rules_nans(dataflow):
    prog, dram, want = nan_program(dataflow)
    n = 16 if dataflow == "os" else 8

    def state() -> ChipState:
        s = ChipState(prog.config)
        s.dram[: dram.size] = dram
        return s

    def stored(s: ChipState) -> np.ndarray:
        return s.dram[1024 : 1024 + 4 * n].view(np.uint32).reshape(-1, 4).copy()

    with np.errstate(all="ignore"):
        results = {
            "functional": stored(run_functional(prog, state()).state),
            "fast": stored(run_machine(prog, "fast", state()).state),
            "pe": stored(run_machine(prog, "pe", state()).state),
        }
        for name, checked in (("direct steps", False), ("checked steps", True)):
            fault, _, dram_after = outcome(prog, state(), checked)
            assert fault is None
            results[name] = dram_after[1024 : 1024 + 4 * n].view(np.uint32).reshape(-1, 4)
    ref = results["functional"]
    assert {k: int(ref[k]) for k in want} == want
    for name, got in results.items():
        np.testing.assert_array_equal(got, ref, err_msg=name)
