"""The compiled timing loop (chip/machine/schedule_kernel.py) against the Python engine: the
same schedule on every program that runs, and no schedule at all (the Python engine names the
fault) on every program that faults."""

import gc

import numpy as np
import pytest

from bench.programs import tiled_gemm
from chip.config import ChipConfig, Dataflow
from chip.dtypes import DType
from chip.machine import schedule_kernel
from chip.machine.plan import HALT
from chip.machine.schedule import COMPILED_FROM, COMPILED_FROM_LOADED, _Engine, schedule_of
from chip.machine.schedule_kernel import compiled_timing, tables, warm_up
from tests.machine.test_random import operands, random_chip, random_vector_program
from tests.machine.test_schedule_golden import cases, digest, soup_chip, token_soup


def compiled_or_none(prog, limit):
    e = _Engine(prog, limit)
    return compiled_timing(
        tables(e.distinct, e.plan_of, e.need_array, e.tag_of, e.qarrays),
        len(e.tags),
        e.cfg.dram_latency,
        e.dbuf_ws,
        e.dbuf_os,
        limit,
    )


def check(prog, limit=None) -> bool:
    """Both engines agree; returns whether the program ran without a fault."""
    python = _Engine(prog, limit, compiled=False).run()
    assert digest(_Engine(prog, limit, compiled=True).run()) == digest(python)
    assert (compiled_or_none(prog, limit) is None) == (python.error is not None)
    return python.error is None


def test_the_golden_cases():
    ran = sum(check(prog, limit) for _, prog, limit in cases())
    assert ran >= 40  # most soups fault; the GEMMs and some soups run


@pytest.mark.parametrize("seed", range(30))
def test_random_soups_and_programs(seed):
    rng = np.random.default_rng(90_000 + seed)
    cfg = soup_chip(rng)
    for _ in range(4):
        check(token_soup(cfg, rng), int(rng.choice([50, 200, 10_000])))
    assert check(random_vector_program(random_chip(rng), rng))


@pytest.mark.parametrize("dataflow", ["ws", "os", "is"])
def test_double_buffered_gemms_on_a_slow_dram(dataflow):
    # tokens, queue-full dispatch, bus contention and store acknowledgements all at work
    cfg = ChipConfig.from_toml("edge").replace(
        dataflow=Dataflow(dataflow), queue_depth=2, dram_bytes_per_cycle=4, dram_latency=37
    )
    rng = np.random.default_rng(3)
    a, b = operands(cfg, rng, 70, 45, 52)
    prog = tiled_gemm(cfg, a, b, block_rows=24)
    assert check(prog)
    sched = _Engine(prog, None, compiled=True).run()
    assert sched.total > 0 and len(sched.order) == sum(k != HALT for k in sched.kinds)
    # and the cycle limit: just enough runs, one cycle less faults
    assert check(prog, sched.total)
    assert not check(prog, sched.total - 1)


def test_an_int8_chip_program():
    cfg = random_chip(np.random.default_rng(11)).replace(input_dtype=DType.INT8)
    rng = np.random.default_rng(12)
    a, b = operands(cfg, rng, 30, 17, 9)
    assert check(tiled_gemm(cfg, a, b, block_rows=5))


def test_long_programs_take_the_compiled_loop():
    cfg = ChipConfig.from_toml("edge")
    rng = np.random.default_rng(4)
    short = tiled_gemm(cfg, *operands(cfg, rng, 64, 64, 64), block_rows=8)
    long = tiled_gemm(cfg, *operands(cfg, rng, 64, 128, 64), block_rows=8)
    tiny = tiled_gemm(cfg, *operands(cfg, rng, 4, 4, 4))
    assert len(tiny.instrs) < COMPILED_FROM_LOADED <= len(short.instrs) < COMPILED_FROM
    assert COMPILED_FROM <= len(long.instrs)
    assert _Engine(long, None).compiled and not _Engine(tiny, None).compiled
    # a program of middling size takes the compiled loop once the process has loaded it
    assert _Engine(short, None).compiled == schedule_kernel.loaded()
    warm_up()
    assert _Engine(short, None).compiled
    assert check(long) and check(short)


def test_the_collector_is_paused_only_while_the_timing_is_computed():
    cfg = ChipConfig.from_toml("edge")
    rng = np.random.default_rng(5)
    for enabled in (True, False):
        (gc.enable if enabled else gc.disable)()
        try:
            schedule_of(tiled_gemm(cfg, *operands(cfg, rng, 8, 8, 8)))
            assert gc.isenabled() == enabled
        finally:
            gc.enable()


def test_warm_up_runs_an_empty_program():
    warm_up()
    empty = np.zeros(0, dtype=np.int64)
    t = compiled_timing(tables([], empty, empty, [], [empty] * 3), 1, 0, False, False, None)
    assert t is not None and t.total == 0 and t.order.size == 0
