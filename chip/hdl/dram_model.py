"""The co-simulation's DRAM: a Wishbone slave model with the chip's bandwidth and latency.

`DramModel` serves the load and store engines' Wishbone ports (chip/hdl/wishbone.py) cycle by
cycle from a byte image of DRAM, with the timing of docs/timing.md written as a memory
controller would see it, request by request, not in the machine's closed form:

- One data bus moves ``dram_bytes_per_cycle`` bytes per cycle and carries one request's row at
  most per cycle. Transfers hold it in the order they start (their first request; requests of
  one cycle in program order, from the ``tgc`` tag), each for its whole length.
- Beat k of a transfer (its k-th request, S_k bytes with it and the rows before) is offset
  ``o_k = max(o_{k-1} + 1, ceil(S_k / bandwidth) - 1)`` cycles from the transfer's reference
  cycle, so a transfer of ``rows`` rows and ``bytes`` bytes takes ``n = max(ceil(bytes /
  bandwidth), rows)`` cycles.
- A read transfer starting in cycle s has its requests accepted at ``s + o_k`` (``stall``
  paces them); its data use the bus from ``g = max(s + latency, bus free)``: beat k is
  acknowledged with its row in cycle ``g + o_k``.
- A write transfer starting in cycle s is granted the bus at ``g = max(s, bus free)``; its
  request k is accepted (``stall`` low, the data written) at ``g + o_k`` and acknowledged
  ``latency`` cycles later.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from chip.config import ChipConfig


@dataclass(frozen=True)
class Request:
    """What a master presents in one cycle (``stb`` low: nothing)."""

    stb: bool
    adr: int = 0
    sel: int = 0
    last: bool = False
    tag: int = 0
    data: int = 0
    size: int = 1  # the address tag: lane b is byte adr + (b // size) * step + b % size
    step: int = 1


@dataclass
class _Transfer:
    write: bool
    start: int  # the cycle of its first request
    tag: int  # the instruction's program index
    nbytes: int = 0  # bytes of the requests accepted so far
    offsets: list[int] = field(default_factory=list)  # o_k of the accepted requests
    done: bool = False  # every request accepted
    grant: int | None = None
    end: int | None = None  # the bus is free from this cycle


@dataclass(frozen=True)
class Response:
    """What the slave drives on one port in a cycle."""

    stall: bool = False
    ack: bool = False
    data: int = 0


class DramModel:
    """DRAM behind the load (read) and store (write) ports, over the byte image ``image``
    (a uint8 array, changed in place by writes). Call `step` once per cycle."""

    def __init__(self, config: ChipConfig, image: np.ndarray) -> None:
        if image.dtype != np.uint8 or image.ndim != 1:
            raise ValueError(f"the DRAM image must be a 1-D uint8 array, not {image.dtype}")
        self.bandwidth = config.dram_bytes_per_cycle
        self.latency = config.dram_latency
        self.image = image
        self.transfers: deque[_Transfer] = deque()  # holding or waiting for the bus, in order
        self.bus_free = 0  # the bus is free from here once every transfer above has ended
        self.open: dict[bool, _Transfer | None] = {False: None, True: None}  # by write
        self.read_beats: deque[tuple[_Transfer, int, Request]] = deque()  # (t, k, request)
        self.write_acks: deque[int] = deque()

    def step(self, now: int, read: Request, write: Request) -> tuple[Response, Response]:
        """The responses in cycle ``now`` to the read and write ports' requests."""
        new = [
            _Transfer(w, now, req.tag)
            for w, req in ((False, read), (True, write))
            if req.stb and self.open[w] is None
        ]
        for t in sorted(new, key=lambda t: t.tag):
            self.open[t.write] = t
            self.transfers.append(t)
        read_stall = False
        if read.stb:
            t = self.open[False]
            read_stall = not self._accept(t, now - t.start, read)
            if not read_stall:
                self.read_beats.append((t, len(t.offsets) - 1, read))
        self._grant()
        write_stall = False
        if write.stb:
            t = self.open[True]
            write_stall = t.grant is None or not self._accept(t, now - t.grant, write)
            if not write_stall:
                self._write(write)
                self.write_acks.append(now + self.latency)
                if t.done:
                    t.end = now + 1
        read_ack, data = False, 0
        if self.read_beats:
            t, k, beat = self.read_beats[0]
            if t.grant is not None and t.grant + t.offsets[k] == now:
                read_ack, data = True, self._read(beat)
                self.read_beats.popleft()
        write_ack = bool(self.write_acks) and self.write_acks[0] == now
        if write_ack:
            self.write_acks.popleft()
        return Response(read_stall, read_ack, data), Response(write_stall, write_ack)

    def _accept(self, t: _Transfer, offset: int, req: Request) -> bool:
        """Accept request k of ``t`` at ``offset`` cycles from its reference if the bus has
        carried its bytes by then."""
        total = t.nbytes + req.sel.bit_count()
        if offset < 0 or offset < -(-total // self.bandwidth) - 1:
            return False
        t.nbytes = total
        t.offsets.append(offset)
        if req.last:
            t.done = True
            self.open[t.write] = None
        return True

    def _grant(self) -> None:
        """Grant the bus to transfers in order as far as the ends before them are known."""
        while self.transfers and self.transfers[0].end is not None:
            self.bus_free = self.transfers.popleft().end
        free = self.bus_free
        for t in self.transfers:
            if t.grant is None:
                t.grant = max(t.start + (0 if t.write else self.latency), free)
            if not t.write and t.done:
                t.end = t.grant + t.offsets[-1] + 1
            if t.end is None:
                return
            free = t.end

    def _lanes(self, req: Request) -> list[tuple[int, int]]:
        """(lane, DRAM byte address) of the enabled lanes of ``req``, in lane order."""
        size = req.size or 1
        lanes = [
            (b, req.adr + b // size * req.step + b % size)
            for b in range(req.sel.bit_length())
            if req.sel >> b & 1
        ]
        for _, a in lanes:
            if a >= self.image.size:
                raise IndexError(f"DRAM access at byte {a} beyond {self.image.size}")
        return lanes

    def _read(self, req: Request) -> int:
        return sum(int(self.image[a]) << (8 * b) for b, a in self._lanes(req))

    def _write(self, req: Request) -> None:
        for b, a in self._lanes(req):
            self.image[a] = req.data >> (8 * b) & 0xFF
