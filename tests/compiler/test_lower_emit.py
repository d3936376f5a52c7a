"""The emitter's token derivation on small hand-made instruction sequences."""

import numpy as np
import pytest

from chip.config import ChipConfig
from chip.dtypes import DType
from chip.isa import Load, Matmul, Preload, Store, Vec, VecOp, acc, sp
from chip.machine import run_machine
from chip.program import Phase, Program, Tag, TensorInfo, TensorKind
from compiler.lower.emit import Emitter, sync_row

CFG = ChipConfig.from_toml("tiny")  # int8, 4x4, ws, double-buffered stationary tiles


def load(row: int, dram: int = 0, rows: int = 4, mem=sp) -> Load:
    return Load(dram=dram, dst=mem(row), rows=rows, cols=4, stride=4, transpose=False)


def store(row: int, dram: int = 256, rows: int = 4) -> Store:
    return Store(dram=dram, src=acc(row), rows=rows, cols=4, stride=16, transpose=False)


def copy(dst: int, src: int, rows: int = 4) -> Vec:
    return Vec(
        op=VecOp.COPY,
        dst=acc(dst),
        src1=sp(src),
        src2=sp(src),
        rows=rows,
        cols=4,
        bcast1=False,
        bcast2=False,
        imm=0.0,
    )


def finish(instrs):
    em = Emitter(CFG, 1024)
    for ins in instrs:
        em.emit(ins)
    return em.finish().instrs, em


def run(instrs) -> None:
    """The machine faults on any cross-queue hazard the tokens leave unordered."""
    tensors = {
        "in": TensorInfo("in", 0, (64,), DType.INT8, TensorKind.INPUT),
        "out": TensorInfo("out", 256, (64,), DType.INT32, TensorKind.OUTPUT),
    }
    init = {"in": np.arange(64, dtype=np.int8)}
    tags = [Tag("t", Phase.FORWARD)] * len(instrs)
    run_machine(Program(CFG, tuple(instrs), tuple(tags), tensors, init))


def test_load_then_use_pairs_one_token():
    out, em = finish([load(0), copy(0, 0), store(0)])
    assert out[0].push_next and out[1].pop_prev
    assert out[1].push_next and out[2].pop_prev
    assert em.relays == 0
    run(out)


def test_independent_instructions_get_no_tokens():
    out, _ = finish([load(0), load(8, dram=16)])
    assert not any(i.push_next or i.pop_next or i.push_prev or i.pop_prev for i in out[:-1])


def test_reuse_of_rows_waits_for_the_reader():
    # copy reads sp 0-3; the second load overwrites them (write after read)
    out, _ = finish([load(0), copy(0, 0), load(0, dram=16), copy(4, 0), store(0, rows=8)])
    assert out[1].push_prev and out[2].pop_next
    run(out)


def test_load_store_hazard_is_relayed_by_the_execute_queue():
    # a store reading rows a load wrote: the queues are not adjacent, a SET relays the token
    out, em = finish([load(0, mem=acc), store(0)])
    assert em.relays == 1
    relay = out[1]
    assert isinstance(relay, Vec) and relay.op is VecOp.SET and relay.dst.row == sync_row(CFG)
    assert out[0].push_next and relay.pop_prev and relay.push_next and out[2].pop_prev
    run(out)


def test_column_blocks_of_one_matrix_are_independent():
    # int32 rows of 128 bytes; a store of column block 0 (bytes 0-15 of rows 0-1) and a load
    # of block 1 (bytes 64-79) share no 64-byte unit, though each one's span covers the other
    def block(c0: int, dst: int) -> Load:
        return Load(dram=256 + c0, dst=acc(dst), rows=2, cols=4, stride=128, transpose=False)

    written = Store(dram=256, src=acc(0), rows=2, cols=4, stride=128, transpose=False)
    out, em = finish([load(0, mem=acc), written, block(64, 8)])
    assert em.relays == 1  # the store's own wait for the load of its rows
    assert isinstance(out[-2], Load) and not (out[-2].pop_next or out[-2].pop_prev)
    run(out)
    out, em = finish([load(0, mem=acc), written, block(0, 8)])  # block 0 itself: relayed
    assert em.relays == 2
    run(out)


def test_one_pop_covers_several_producers():
    out, _ = finish(
        [
            load(0),
            load(4, dram=16),
            Vec(
                op=VecOp.ADD,
                dst=acc(0),
                src1=sp(0),
                src2=sp(4),
                rows=4,
                cols=4,
                bcast1=False,
                bcast2=False,
                imm=0.0,
            ),
        ]
    )
    assert not out[0].push_next and out[1].push_next and out[2].pop_prev


def test_preload_token_comes_from_the_matmul_that_consumes_it():
    # with double-buffered stationary tiles a preload may end before the previous matmul, so
    # a load overwriting the preload's rows must wait for the matmul after the preload
    seq = [
        load(0),
        load(4, dram=16),
        Preload(src=0, rows=4, cols=4),
        Matmul(x=4, y=0, out=0, t=4, rows=4, cols=4, accumulate=False),
        Preload(src=0, rows=4, cols=4),
        Matmul(x=4, y=0, out=4, t=4, rows=4, cols=4, accumulate=False),
        load(0, dram=32),
        store(0, rows=8),
    ]
    out, _ = finish(seq)
    assert not out[4].push_prev and out[5].push_prev and out[6].pop_next
    run(out)


def _record(em: Emitter, ins: Load | Store) -> None:
    """Record ``ins`` through `Emitter.dma`, the lowering's way of emitting DMAs."""
    loc = ins.dst if isinstance(ins, Load) else ins.src
    em.dma(
        isinstance(ins, Load), ins.dram, loc.mem, loc.row, ins.rows, ins.cols, ins.stride,
        ins.transpose,
    )  # fmt: skip


def test_recorded_dmas_finish_as_the_same_instructions():
    seq = [load(0), copy(0, 0), load(0, dram=16), copy(4, 0), store(0, rows=8), load(0, mem=acc)]
    seq += [store(0)]
    em = Emitter(CFG, 1024)
    for ins in seq:
        if isinstance(ins, (Load, Store)):
            _record(em, ins)
        else:
            em.emit(ins)
    got = em.finish().instrs
    want, emitted = finish(seq)
    assert got == want and em.relays == emitted.relays > 0
    assert [type(i) for i in got] == [type(i) for i in want]
    run(got)


def test_recorded_dma_field_out_of_range_raises_the_constructors_error():
    em = Emitter(CFG, 1024)
    em.dma(True, 0, sp(0).mem, 0, 1 << 16, 4, 4, False)
    with pytest.raises(ValueError, match="rows"):
        em.finish()


def test_recorded_dma_numpy_integers_become_python_ints():
    em = Emitter(CFG, 1024)
    em.dma(True, np.int64(16), sp(0).mem, 0, np.int64(4), 4, 4, False)
    out = em.finish().instrs
    assert out[0] == load(0, dram=16) and type(out[0].dram) is int and type(out[0].rows) is int
