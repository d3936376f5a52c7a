"""The instruction queue on synchronous-read RAM: its two oldest words in every cycle."""

from collections import deque

import numpy as np
import pytest
from amaranth import unsigned
from amaranth.sim import Simulator

from chip.hdl.exec_queue import ExecuteQueue
from chip.hdl.ram import Ram


def _run(dut, bench):
    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()


# Depths below the three rows a cycle's pops can span, a non-power of two, and a power of two;
# with ``ahead``, the next cycle's oldest words too.
@pytest.mark.parametrize(
    ("depth", "second", "ahead"),
    [
        (1, True, False),
        (2, True, False),
        (3, True, False),
        (5, True, False),
        (4, True, False),
        (3, False, False),
        (5, False, False),
        (1, True, True),
        (3, True, True),
        (4, True, True),
        (1, False, True),
        (5, False, True),
    ],
)
def test_oldest_words_every_cycle_under_random_pushes_and_pops(depth, second, ahead):
    dut = ExecuteQueue(depth, width=8, second=second, ahead=8 if ahead else 0)
    rng = np.random.default_rng(depth * 2 + second)
    model: deque[int] = deque()
    checked = [0, 0]
    foreseen = [0, 0]

    async def bench(ctx):
        for _ in range(300):
            # The oldest words are visible in the cycle, as a register file's would be.
            assert ctx.get(dut.count) == len(model)
            if model:
                assert ctx.get(dut.first) == model[0]
                checked[0] += 1
            if second and len(model) >= 2:
                assert ctx.get(dut.second) == model[1]
                checked[1] += 1
            pop = int(rng.integers(0, min(len(model), 2 if second else 1) + 1))
            push = len(model) - pop < depth and rng.random() < 0.6
            word = int(rng.integers(0, 256))
            ctx.set(dut.pop, pop)
            ctx.set(dut.push, push)
            ctx.set(dut.push_word, word)
            if ahead:
                told = [ctx.get(dut.next_first), *([ctx.get(dut.next_second)] if second else [])]
            await ctx.tick()
            for _ in range(pop):
                model.popleft()
            if push:
                model.append(word)
            if ahead:
                for j, got in enumerate(told):
                    if len(model) > j:
                        assert got == model[j]
                        foreseen[j] += 1

    _run(dut, bench)
    # The run went through the cases that need the forwarded write (a push into an empty or
    # one-word queue) and through full queues.
    assert checked[0] > 100
    assert not second or depth == 1 or checked[1] > 50
    assert not ahead or foreseen[0] > 100 and (not second or depth == 1 or foreseen[1] > 50)


def test_synchronous_port_reads_next_cycle_with_the_same_cycle_write():
    dut = Ram(unsigned(8), 4, reads=2, sync=(0,))

    async def bench(ctx):
        ctx.set(dut.w.addr, 2)
        ctx.set(dut.w.data, 7)
        ctx.set(dut.w.en, 1)
        ctx.set(dut.r0.addr, 2)
        ctx.set(dut.r1.addr, 2)
        # The asynchronous port reads the row before this cycle's write.
        assert ctx.get(dut.r1.data) == 0
        await ctx.tick()
        ctx.set(dut.w.en, 0)
        ctx.set(dut.r0.addr, 1)
        assert ctx.get(dut.r0.data) == 7
        assert ctx.get(dut.r1.data) == 7
        await ctx.tick()
        assert ctx.get(dut.r0.data) == 0

    _run(dut, bench)


def test_synchronous_ports_must_exist():
    with pytest.raises(ValueError, match="must be among the 2, not"):
        Ram(unsigned(8), 4, reads=2, sync=(2,))
