"""A memory of banks with one write port each: the scratchpad's and the accumulator's storage."""

from __future__ import annotations

from collections.abc import Sequence

from amaranth import Const, Module, Mux, Signal, Value
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from chip.hdl.ports import read_port_signature, row_write_signature
from chip.hdl.ram import Ram


class BankedRam(wiring.Component):
    """``depth`` rows of ``row`` (an `ArrayLayout`) stored as ``banks`` banks of ``depth //
    banks`` consecutive rows, each a `Ram` with one write port, as docs/timing.md's banks: row
    r is in bank ``r // (depth / banks)`` (rows past the memory: the last bank).

    Each name in ``reads`` is a read port (`read_port_signature`): the row at ``addr``, in the
    cycle it is addressed. Every bank has one copy of each read port, and the port takes its
    row from the bank holding ``addr``: an FPGA's LUT RAM reads asynchronously through one
    address per copy, so Yosys builds a copy of a bank per read port in any case.

    Each name in ``writes`` is a write port (`row_write_signature`): element k of row ``addr``
    becomes ``data[k]`` when ``en[k]``, readable from the next cycle on. Their writers must
    never write one bank in the same cycle (the bank-port rule keeps the units apart:
    docs/hdl.md); a bank's single write port takes, each cycle, the first port in ``writes``
    order that writes (some ``en`` bit) one of its rows. ``waiting`` names one more write port,
    for a writer outside that rule (the host's): it comes after all of them, and ``free`` is
    high when none of them writes the bank of its ``addr`` this cycle, that is when its write,
    if any, is performed.

    A memory with a single write port is built as one `Ram`: the banks are there to give each
    writer a write port, and the read ports behave the same either way.

    The read ports named in ``sync`` are synchronous (`Ram`'s ``sync``): the row at the
    address of cycle t, with cycle t's writes, is on ``data`` in cycle t+1; the bank it comes
    from is chosen by the bank of the registered address.

    Adding a port is adding its name; ``verilog_module`` is passed to every bank's `Ram`.
    """

    def __init__(
        self,
        row: data.ArrayLayout,
        depth: int,
        banks: int,
        reads: Sequence[str],
        writes: Sequence[str],
        verilog_module: str | None = None,
        waiting: str | None = None,
        sync: Sequence[str] = (),
    ) -> None:
        if banks < 1 or depth % banks:
            raise ValueError(f"banks must divide the {depth} rows, not {banks}")
        names = (*reads, *writes, *([waiting] if waiting else []), "free")
        if not reads or len(names) < len(reads) + 2 or len(set(names)) != len(names):
            raise ValueError(
                f"a banked RAM needs read and write ports, with distinct names other than "
                f"'free', not {tuple(reads)}, {tuple(writes)} and {waiting!r}"
            )
        if not set(sync) <= set(reads):
            raise ValueError(f"synchronous ports must be read ports, not {tuple(sync)}")
        self.row, self.depth, self.banks = row, depth, banks
        self.sync = frozenset(sync)
        self.reads, self.writes, self.waiting = tuple(reads), tuple(writes), waiting
        self.writers = self.writes + ((waiting,) if waiting else ())
        # The banks give each writer a write port of its own: with one writer, one RAM.
        self.rams = banks if len(self.writers) > 1 else 1
        self.per = depth // self.rams
        # With a power-of-two depth (so rows per bank too) the bank is the address's top bits
        # and the row in it the bottom ones; otherwise constant comparisons and subtractions.
        self.pow2 = depth & (depth - 1) == 0
        self.verilog_module = verilog_module
        self.addr_bits = max(1, (depth - 1).bit_length())
        members = {name: In(read_port_signature(self.addr_bits, row)) for name in reads}
        write = In(row_write_signature(self.addr_bits, row))
        members.update({name: write for name in self.writers})
        if waiting:
            members["free"] = Out(1)
        super().__init__(members)

    def _bank_of(self, addr: Value) -> Value:
        """The bank holding row ``addr`` (rows past the memory: the last bank)."""
        if self.pow2:
            return addr[(self.per - 1).bit_length() :]
        index = Const(0, range(self.rams))
        for b in range(1, self.rams):
            index = index + (addr >= b * self.per)
        return index

    def _local(self, addr: Value, bank: int) -> Value:
        """Row ``addr``'s address inside bank ``bank``."""
        if self.pow2:
            return addr[: (self.per - 1).bit_length()]
        return addr - bank * self.per

    def _select(self, addr: Value, rows: list[Value]) -> Value:
        """The row of the bank holding ``addr``, from each bank's ``rows``, through 2:1
        multiplexers: a tree on the bank bits, or a chain on the bank boundaries (a `Switch`
        would become a Yosys ``$pmux``, whose Verilog has overlapping ``casez`` items and an
        undefined default)."""
        if not self.pow2:
            out = rows[0]
            for b in range(1, self.rams):
                out = Mux(addr >= b * self.per, rows[b], out)
            return out
        return self._pick(self._bank_of(addr), rows)

    def _pick(self, bank: Value, rows: list[Value]) -> Value:
        """``rows[bank]``, through 2:1 multiplexers (a tree on the bank bits when the banks are
        a power of two, else a chain)."""
        if not self.pow2:
            out = rows[0]
            for b in range(1, self.rams):
                out = Mux(bank == b, rows[b], out)
            return out
        for bit in range(len(bank)):
            rows = [Mux(bank[bit], hi, lo) for lo, hi in zip(rows[::2], rows[1::2], strict=True)]
        return rows[0]

    def elaborate(self, platform: object) -> Module:
        m = Module()
        rams = []
        for b in range(self.rams):
            ram = Ram(
                self.row,
                self.per,
                self.row.length,
                self.verilog_module,
                reads=len(self.reads),
                sync=[k for k, name in enumerate(self.reads) if name in self.sync],
            )
            m.submodules[f"bank{b}"] = ram
            rams.append(ram)

        for k, name in enumerate(self.reads):
            port = getattr(self, name)
            for b, ram in enumerate(rams):
                m.d.comb += getattr(ram, f"r{k}").addr.eq(self._local(port.addr, b))
            rows = [Value.cast(getattr(ram, f"r{k}").data) for ram in rams]
            if name in self.sync:
                # The bank of the address the banks registered, which holds the row.
                bank = Signal(range(self.rams), name=f"{name}_bank")
                m.d.sync += bank.eq(self._bank_of(port.addr))
                m.d.comb += port.data.eq(self._pick(bank, rows))
            else:
                m.d.comb += port.data.eq(self._select(port.addr, rows))

        ports = [getattr(self, name) for name in self.writers]
        banks = [self._bank_of(p.addr) for p in ports]
        writing = [p.en.any() for p in ports]
        if self.waiting:
            busy = Const(0)
            for wr, bank in zip(writing[:-1], banks[:-1], strict=True):
                busy = busy | wr & (bank == banks[-1])
            m.d.comb += self.free.eq(~busy)
        for b, ram in enumerate(rams):
            # The first writer of this bank in order, built from the last one up. The
            # last one's address and data need no condition (with no enable they write
            # nothing), so a single writer of a single RAM is a plain connection.
            last, last_bank = ports[-1], banks[-1]
            addr, row = self._local(last.addr, b), Value.cast(last.data)
            en = last.en if self.rams == 1 else Mux(last_bank == b, last.en, 0)
            earlier = zip(ports[:-1], banks[:-1], writing[:-1], strict=True)
            for p, bank, wr in reversed(list(earlier)):
                mine = wr & (bank == b)
                addr = Mux(mine, self._local(p.addr, b), addr)
                row = Mux(mine, Value.cast(p.data), row)
                en = Mux(mine, p.en, en)
            m.d.comb += [ram.w.addr.eq(addr), ram.w.data.eq(row), ram.w.en.eq(en)]
        return m
