"""The compiled timing loop (chip/machine/schedule_kernel.py): cycle limits at the exact
boundary, faults named from the kernel's state, the same schedule in every process, and its
machine code cached on disk. The golden digests (test_schedule_golden.py) pin every schedule
and fault message."""

import gc
import json
import subprocess
import sys

import numpy as np
import pytest
from numba.core.caching import NullCache

from bench.programs import tiled_gemm
from chip.config import ChipConfig, Dataflow
from chip.dtypes import DType
from chip.machine import schedule_kernel as kernel
from chip.machine.engine import tables, warm_up
from chip.machine.plan import HALT
from chip.machine.schedule import compute_schedule, schedule_of
from tests.machine.test_random import operands, random_chip, random_vector_program
from tests.machine.test_schedule_golden import digest, soup_chip, token_soup


@pytest.mark.parametrize("dataflow", ["ws", "os", "is"])
def test_double_buffered_gemms_on_a_slow_dram(dataflow):
    # tokens, queue-full dispatch, bus contention and store acknowledgements all at work
    cfg = ChipConfig.from_toml("edge").replace(
        dataflow=Dataflow(dataflow), queue_depth=2, dram_bytes_per_cycle=4, dram_latency=37
    )
    rng = np.random.default_rng(3)
    a, b = operands(cfg, rng, 70, 45, 52)
    prog = tiled_gemm(cfg, a, b, block_rows=24)
    sched = compute_schedule(prog)
    assert sched.error is None and sched.total > 0
    assert len(sched.order) == sum(k != HALT for k in sched.kinds)
    assert sum(sched.tag_cycles) == sched.total
    # the cycle limit: just enough runs, one cycle less faults on the instruction that ends last
    assert digest(compute_schedule(prog, sched.total)) == digest(sched)
    short = compute_schedule(prog, sched.total - 1)
    last = max(range(sched.n), key=lambda i: (sched.end[i], -i))
    assert short.error is not None and short.error.index <= last
    assert f"past the limit max_cycles={sched.total - 1}" in short.error.reason


def test_random_programs_run_and_charge_every_cycle():
    for seed in range(6):
        rng = np.random.default_rng(90_000 + seed)
        sched = compute_schedule(random_vector_program(random_chip(rng), rng))
        assert sched.error is None
        assert sum(sched.tag_cycles) == sched.total
        assert all(sched.start[i] < sched.end[i] <= sched.total for i in sched.order)


def test_an_int8_chip_program():
    cfg = random_chip(np.random.default_rng(11)).replace(input_dtype=DType.INT8)
    rng = np.random.default_rng(12)
    a, b = operands(cfg, rng, 30, 17, 9)
    sched = compute_schedule(tiled_gemm(cfg, a, b, block_rows=5))
    assert sched.error is None and sched.total > 0


def test_a_fault_stops_the_kernel_with_its_state():
    # the soups fault in every way; the kernel stops at the fault with what it committed
    faults = 0
    for seed in range(40):
        rng = np.random.default_rng(5000 + seed)
        sched = compute_schedule(token_soup(soup_chip(rng), rng), 400)
        if sched.error is None:
            continue
        faults += 1
        assert sched.total == 0 and not any(sched.tag_cycles)
        assert all(sched.start[i] >= 0 for i in sched.order)
        assert sum(s >= 0 for s in sched.start) == len(sched.order)
    assert faults >= 10


def test_the_schedule_is_the_same_in_a_fresh_process():
    # nothing depends on what a process has compiled or run before
    cfg = ChipConfig.from_toml("edge")
    code = (
        "import json, numpy as np\n"
        "from bench.programs import tiled_gemm\n"
        "from chip.config import ChipConfig\n"
        "from chip.machine.schedule import compute_schedule\n"
        "from tests.machine.test_random import operands\n"
        "from tests.machine.test_schedule_golden import digest\n"
        "cfg = ChipConfig.from_toml('edge')\n"
        "prog = tiled_gemm(cfg, *operands(cfg, np.random.default_rng(4), 4, 4, 4))\n"
        "print(json.dumps(digest(compute_schedule(prog))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    )
    prog = tiled_gemm(cfg, *operands(cfg, np.random.default_rng(4), 4, 4, 4))
    warm_up()
    assert json.loads(out.stdout) == digest(compute_schedule(prog))


def test_the_compiled_loop_is_cached_on_disk():
    assert not isinstance(kernel._entry._cache, NullCache)
    assert not isinstance(kernel._run._cache, NullCache)


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
    t = tables([], empty, empty, 1)
    assert t.queue_instrs.size == 0 and t.footprint.shape == (0, 10)
