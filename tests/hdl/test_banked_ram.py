"""The banked memory on its own: bank selection, one writer per bank, per-element enables."""

import numpy as np
import pytest
from amaranth import unsigned
from amaranth.lib import data
from amaranth.sim import Simulator

from chip.hdl.banked_ram import BankedRam

ROW = data.ArrayLayout(unsigned(8), 4)


def _ram(depth, banks):
    return BankedRam(ROW, depth, banks, ("ra", "rb", "rc"), ("wa", "wb"), waiting="wc")


def _run(dut, bench):
    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()


def _write(ctx, port, addr, row, en=(1, 1, 1, 1)):
    ctx.set(port.addr, addr)
    ctx.set(port.data, list(row))
    ctx.set(port.en, sum(bit << k for k, bit in enumerate(en)))


def _idle(ctx, dut):
    for name in dut.writers:
        ctx.set(getattr(dut, name).en, 0)


def _read_all(ctx, dut, depth):
    """Every row, read through each read port in turn (each port sees every bank)."""
    rows = []
    for r in range(depth):
        port = getattr(dut, dut.reads[r % len(dut.reads)])
        ctx.set(port.addr, r)
        rows.append(list(ctx.get(port.data)))
    return np.array(rows)


# 16 rows in 4 banks (bank = the address's top bits) and 12 rows in 4 banks of 3, where the bank
# is found by comparisons.
@pytest.mark.parametrize("depth", [16, 12])
def test_writers_of_different_banks_write_in_the_same_cycle(depth):
    dut = _ram(depth, 4)
    per = depth // 4
    rng = np.random.default_rng(depth)
    expect = np.zeros((depth, 4), np.int64)
    seen = []

    async def bench(ctx):
        # Each cycle the three writers write the same offset of three different banks,
        # rotating which writer has which bank, and a partial row goes to the fourth bank's
        # rows through per-element enables on the next cycle.
        for cycle in range(depth):
            offset = cycle % per
            for w, name in enumerate(dut.writers):
                bank = (w + cycle) % 4
                row = rng.integers(0, 256, 4)
                _write(ctx, getattr(dut, name), bank * per + offset, row)
                expect[bank * per + offset] = row
            assert ctx.get(dut.free)
            await ctx.tick()
        _idle(ctx, dut)
        row = rng.integers(0, 256, 4)
        _write(ctx, dut.wb, depth - 1, row, en=(0, 1, 0, 1))
        # Reads are asynchronous: until the clock edge the row is the old one.
        ctx.set(dut.ra.addr, depth - 1)
        seen.append((list(ctx.get(dut.ra.data)), list(expect[depth - 1])))
        expect[depth - 1, [1, 3]] = row[[1, 3]]
        await ctx.tick()
        _idle(ctx, dut)
        seen.append(_read_all(ctx, dut, depth))

    _run(dut, bench)
    read, old = seen[0]
    assert read == old
    assert np.array_equal(seen[1], expect)


def test_the_waiting_writer_yields_its_bank():
    dut = _ram(16, 4)
    free, rows = [], []

    async def bench(ctx):
        _write(ctx, dut.wa, 5, [1, 2, 3, 4], en=(0, 0, 0, 0))  # enables low: not writing
        _write(ctx, dut.wb, 4, [5, 6, 7, 8])  # bank 1
        _write(ctx, dut.wc, 6, [9, 9, 9, 9])  # bank 1 too: waits
        free.append(ctx.get(dut.free))
        await ctx.tick()
        _write(ctx, dut.wa, 12, [7, 7, 7, 7])  # bank 3
        _write(ctx, dut.wb, 0, [1, 1, 1, 1])  # bank 0
        _write(ctx, dut.wc, 13, [2, 2, 2, 2])  # bank 3: waits for wa
        free.append(ctx.get(dut.free))
        await ctx.tick()
        _write(ctx, dut.wa, 8, [3, 3, 3, 3])  # bank 2
        _write(ctx, dut.wb, 1, [4, 4, 4, 4], en=(0, 0, 0, 0))  # bank 0, not writing
        _write(ctx, dut.wc, 2, [6, 6, 6, 6])  # bank 0: free
        free.append(ctx.get(dut.free))
        await ctx.tick()
        _idle(ctx, dut)
        rows.append(_read_all(ctx, dut, 16))

    _run(dut, bench)
    assert free == [0, 0, 1]
    expect = np.zeros((16, 4), np.int64)
    expect[4], expect[12], expect[0] = [5, 6, 7, 8], [7, 7, 7, 7], [1, 1, 1, 1]
    expect[8], expect[2] = [3, 3, 3, 3], [6, 6, 6, 6]
    assert np.array_equal(rows[0], expect)


def test_a_single_writer_reaches_every_row():
    # One writer needs no banks of its own: the memory is one RAM, rows in every "bank".
    dut = BankedRam(ROW, 16, 4, reads=("ra", "rb"), writes=(), waiting="w")
    expect = np.arange(64).reshape(16, 4)
    rows = []

    async def bench(ctx):
        for r in range(16):
            _write(ctx, dut.w, r, expect[r])
            assert ctx.get(dut.free)
            await ctx.tick()
        _idle(ctx, dut)
        rows.append(_read_all(ctx, dut, 16))

    _run(dut, bench)
    assert np.array_equal(rows[0], expect)


@pytest.mark.parametrize(
    "depth,banks,reads,writes,waiting,message",
    [
        (12, 8, ("r",), ("w",), None, "banks must divide the 12 rows, not 8"),
        (16, 4, ("r",), ("r",), None, "distinct names"),
        (16, 4, ("r",), ("w",), "w", "distinct names"),
        (16, 4, ("free",), ("w",), None, "other than 'free'"),
        (16, 4, ("r",), (), None, "needs read and write ports"),
    ],
)
def test_bad_shapes_and_port_names_are_refused(depth, banks, reads, writes, waiting, message):
    with pytest.raises(ValueError, match=message):
        BankedRam(ROW, depth, banks, reads, writes, waiting=waiting)


@pytest.mark.parametrize("depth", [16, 12])
def test_synchronous_port_takes_the_bank_of_the_registered_address(depth):
    dut = BankedRam(ROW, depth, 4, ("ra", "rs"), ("wa", "wb"), sync=("rs",))
    seen = []

    async def bench(ctx):
        # Row 9 (bank 2 of 4 rows, 3 of 3) written and addressed in the same cycle: the
        # synchronous port shows the written row in the next cycle, while its address already
        # names row 1 (bank 0).
        _write(ctx, dut.wa, 9, [1, 2, 3, 4])
        ctx.set(dut.wb.en, 0)
        ctx.set(dut.rs.addr, 9)
        await ctx.tick()
        _idle(ctx, dut)
        ctx.set(dut.rs.addr, 1)
        seen.append(list(ctx.get(dut.rs.data)))
        await ctx.tick()
        seen.append(list(ctx.get(dut.rs.data)))

    _run(dut, bench)
    assert seen == [[1, 2, 3, 4], [0, 0, 0, 0]]


def test_synchronous_ports_are_read_ports():
    with pytest.raises(ValueError, match="synchronous ports must be read ports"):
        BankedRam(ROW, 16, 4, ("r",), ("w",), sync=("w",))
