"""The systolic array on its own, against NumPy, at the cycles of the timing contract."""

import numpy as np
import pytest
from amaranth.sim import Simulator

from chip.config import Dataflow, load_preset
from chip.hdl.array import SystolicArray


def _config(rows, cols, dataflow):
    return load_preset("tiny").replace(rows=rows, cols=cols, dataflow=dataflow)


def _run(dut, bench):
    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()


@pytest.mark.parametrize("rows,cols", [(4, 4), (2, 4), (4, 2), (1, 1)])
@pytest.mark.parametrize("dataflow", [Dataflow.WS, Dataflow.IS])
def test_stationary_array_rows_appear_deskewed_at_contract_cycle(rows, cols, dataflow):
    rng = np.random.default_rng(rows * 10 + cols)
    cfg = _config(rows, cols, dataflow)
    s = rng.integers(-128, 128, (rows, cols))
    x = rng.integers(-128, 128, (6, rows))
    dut = SystolicArray(cfg)
    got = {}

    async def bench(ctx):
        ctx.set(dut.load, 1)
        for k in range(rows):
            ctx.set(dut.north, [int(v) for v in s[rows - 1 - k]])
            await ctx.tick()
        ctx.set(dut.load, 0)
        start = 0
        for cycle in range(len(x) + rows + cols - 2):
            ctx.set(dut.flip, cycle == start)
            ctx.set(dut.west, [int(v) for v in x[cycle]] if cycle < len(x) else [0] * rows)
            t = cycle - (rows + cols - 2)
            if t >= 0:
                got[t] = [ctx.get(dut.south[j]) for j in range(cols)]
            await ctx.tick()

    _run(dut, bench)
    assert np.array_equal(np.array([got[t] for t in range(len(x))]), x @ s)


@pytest.mark.parametrize("rows,cols", [(4, 4), (2, 4), (4, 1)])
def test_output_stationary_array_drains_bottom_row_first(rows, cols):
    rng = np.random.default_rng(7)
    cfg = _config(rows, cols, Dataflow.OS)
    tiles = [
        (rng.integers(-128, 128, (5, rows)), rng.integers(-128, 128, (5, cols))) for _ in range(2)
    ]
    dut = SystolicArray(cfg)
    drained = []

    async def bench(ctx):
        # Two tiles back to back: the first drains while the second computes.
        compute = 5 + rows + cols - 2
        for x, y in tiles:
            for cycle in range(compute):
                feed = cycle < len(x)
                ctx.set(dut.west, [int(v) for v in x[cycle]] if feed else [0] * rows)
                ctx.set(dut.north, [int(v) for v in y[cycle]] if feed else [0] * cols)
                ctx.set(dut.west_valid, feed)
                ctx.set(dut.west_first, cycle == 0)
                if drained and len(drained[-1]) < rows and cycle < rows:
                    ctx.set(dut.capture, cycle == 0)
                    ctx.set(dut.shift, cycle > 0)
                    drained[-1].append([ctx.get(dut.south[j]) for j in range(cols)])
                else:
                    ctx.set(dut.capture, 0)
                    ctx.set(dut.shift, 0)
                await ctx.tick()
            drained.append([])
        for cycle in range(rows):
            ctx.set(dut.capture, cycle == 0)
            ctx.set(dut.shift, cycle > 0)
            drained[-1].append([ctx.get(dut.south[j]) for j in range(cols)])
            await ctx.tick()

    _run(dut, bench)
    for (x, y), rows_out in zip(tiles, drained, strict=True):
        assert np.array_equal(np.array(rows_out[::-1]), x.T @ y)
