"""The execute units that sequence the array: PRELOAD, MATMUL and, output stationary, the drain.

Each unit is built into the execute controller's own module (`ExecuteController.elaborate`),
not as a component of its own: it drives the controller's ports (``read_x``, ``read_y``,
``array``, ``acc_write``, ``events``) at the cycles of docs/timing.md and acts in its start
cycle already, its fields then coming straight from the decoder (``go``), from a saved copy
after. Each reports back what the token and bank-port exchange needs (`Exchange`): the tokens
its instructions push as they end, and the ports they hold after their start cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from amaranth import Module, Mux, Signal, Value
from amaranth.lib import data

from chip.config import ChipConfig, Dataflow
from chip.hdl import banks
from chip.hdl.decoder import decoder_layout
from chip.hdl.ports import EVENT_INDEX_BITS
from chip.isa import Matmul, Preload

if TYPE_CHECKING:
    from chip.hdl.controller import ExecuteController


@dataclass(frozen=True)
class Ending:
    """In a cycle ``done`` is high an instruction ends and pushes ``push_prev`` tokens towards
    the load queue and ``push_next`` towards the store queue (its flags, 0 or 1 each)."""

    done: Value
    push_prev: Value
    push_next: Value


@dataclass(frozen=True)
class Exchange:
    """What a unit tells the token and bank-port exchange (`token_signature`): the ``ends`` of
    its instructions, and the port sets it ``held``s for the instructions it started in an
    earlier cycle and has not ended (each the empty set while the unit is idle)."""

    ends: tuple[Ending, ...]
    held: tuple[Value, ...]


def preload_ports(config: ChipConfig, pre: data.View) -> Value:
    """The ports a PRELOAD reserves: the scratchpad banks it reads."""
    return banks.ports(config, banks.SPAD, False, pre.src, pre.rows)


def matmul_ports(config: ChipConfig, mm: data.View) -> Value:
    """The ports a MATMUL reserves: the scratchpad banks of X (and, OS, Y), the accumulator
    banks it writes and, accumulating, reads."""
    os = config.dataflow is Dataflow.OS
    out_rows = mm.rows if os else mm.t
    ports = banks.ports(config, banks.SPAD, False, mm.x, mm.t)
    if os:
        ports = ports | banks.ports(config, banks.SPAD, False, mm.y, mm.t)
    ports = ports | banks.ports(config, banks.ACC, True, mm.out, out_rows)
    return ports | Mux(mm.accumulate, banks.ports(config, banks.ACC, False, mm.out, out_rows), 0)


def preload_unit(
    m: Module,
    ctrl: ExecuteController,
    go: Value,
    pre: Value,
    busy: Signal,
    go_index: Value,
    nxt: data.View,
) -> Exchange:
    """The PRELOAD unit (WS/IS): from the cycle ``go`` is high it runs the PRELOAD ``pre``
    (program index ``go_index``) for R cycles, keeping ``busy`` high after the first, and
    shifts in its tile bottom row first. ``nxt`` is the PRELOAD that may start in the next
    cycle, whose first row the synchronous ``read_y`` port addresses in this one's last."""
    R, C = ctrl.config.rows, ctrl.config.cols
    k_reg = Signal(range(R))
    saved = Signal(decoder_layout(Preload))
    index = Signal(EVENT_INDEX_BITS)
    cur = Signal(decoder_layout(Preload))
    k = Signal(range(R))
    active, last = Signal(name="p_active"), Signal(name="p_last")
    m.d.comb += [
        cur.eq(Mux(go, pre, saved)),
        k.eq(Mux(go, 0, k_reg)),
        active.eq(go | busy),
        last.eq(active & (k == R - 1)),
    ]
    # Cycle k shifts in tile row R-1-k, so after R shifts PE row i holds tile row i; the
    # synchronous port reads it from cycle k-1: row R-2-k of this PRELOAD, or the next
    # one's first, R-1.
    row = Signal(range(R))
    m.d.comb += [
        row.eq(R - 1 - k),
        ctrl.read_y.addr.eq(Mux(active & ~last, cur.src + (R - 2) - k, nxt.src + (R - 1))),
        ctrl.array.load.eq(active),
    ]
    for j in range(C):
        keep = active & (row < cur.rows) & (j < cur.cols)
        m.d.comb += ctrl.array.north[j].eq(Mux(keep, ctrl.read_y.data[j], 0))
    with m.If(active):
        m.d.sync += [k_reg.eq(k + 1), saved.eq(cur), busy.eq(~last)]
    with m.If(go):
        m.d.sync += index.eq(go_index)
    m.d.comb += [
        ctrl.events.preload_start.eq(go),
        ctrl.events.preload_start_index.eq(go_index),
        ctrl.events.preload_done.eq(last),
        ctrl.events.preload_done_index.eq(Mux(go, go_index, index)),
    ]
    return Exchange(
        ends=(Ending(last, cur.push_prev, cur.push_next),),
        held=(Mux(busy, preload_ports(ctrl.config, saved), 0),),
    )


def matmul_unit(
    m: Module,
    ctrl: ExecuteController,
    go: Value,
    mm: data.View,
    busy: Signal,
    d_busy: Signal,
    go_index: Value,
    nxt: data.View,
) -> Exchange:
    """The MATMUL unit: from the cycle ``go`` is high it runs the MATMUL ``mm`` (program index
    ``go_index``), keeping ``busy`` high after the first cycle, feeding X row k (and, OS, Y
    row k) in its cycle k < T. WS/IS it writes output row t in cycle t+R+C-2, the last; OS it
    hands the tile to the drain (`_drain`, busy on ``d_busy``) when compute ends. ``nxt`` is
    the MATMUL that may start in the next cycle, whose first rows the synchronous read ports
    address in this one's last."""
    cfg, R, C = ctrl.config, ctrl.config.rows, ctrl.config.cols
    fill = R + C - 2  # cycles from a row entering the array to its de-skewed result
    k_reg, k = Signal(18), Signal(18)
    saved, cur = Signal(decoder_layout(Matmul)), Signal(decoder_layout(Matmul))
    index = Signal(EVENT_INDEX_BITS)
    active, last, feed = Signal(name="m_active"), Signal(name="m_last"), Signal(name="feed")
    m.d.comb += [
        cur.eq(Mux(go, mm.as_value(), saved)),
        k.eq(Mux(go, 0, k_reg)),
        active.eq(go | busy),
        last.eq(active & (k == cur.t + (fill - 1))),
        feed.eq(active & (k < cur.t)),
    ]
    # X row k (and, OS, Y row k) on the synchronous ports, addressed in cycle k-1: row k+1
    # of this MATMUL, or the next one's first.
    going = Signal(name="m_going")  # this MATMUL runs in the next cycle
    m.d.comb += [
        going.eq(active & ~last),
        ctrl.read_x.addr.eq(Mux(going, cur.x + k + 1, nxt.x)),
    ]
    for i in range(R):
        m.d.comb += ctrl.array.west[i].eq(Mux(feed & (i < cur.rows), ctrl.read_x.data[i], 0))
    with m.If(active):
        m.d.sync += [k_reg.eq(k + 1), saved.eq(cur), busy.eq(~last)]
    with m.If(go):
        m.d.sync += index.eq(go_index)
    held = Mux(busy, matmul_ports(cfg, saved), 0)
    my_index = Mux(go, go_index, index)
    m.d.comb += [ctrl.events.matmul_start.eq(go), ctrl.events.matmul_start_index.eq(go_index)]
    write = ctrl.acc_write
    if cfg.dataflow is not Dataflow.OS:
        if cfg.double_buffer_stationary:
            m.d.comb += ctrl.array.flip.eq(go)
        m.d.comb += [
            write.valid.eq(active & (k >= fill)),
            write.payload.addr.eq(cur.out + k - fill),
            # A write in the next cycle continues this MATMUL: one started then writes
            # only after its fill (one cycle or more, `rmw_reads_ahead`).
            write.payload.next_addr.eq(cur.out + k + 1 - fill),
            write.payload.accumulate.eq(cur.accumulate),
            write.payload.cols.eq(cur.cols),
            write.payload.data.eq(ctrl.array.south),
            ctrl.events.matmul_done.eq(last),
            ctrl.events.matmul_done_index.eq(my_index),
        ]
        return Exchange(ends=(Ending(last, cur.push_prev, cur.push_next),), held=(held,))
    m.d.comb += [
        ctrl.array.west_valid.eq(feed),
        ctrl.array.west_first.eq(feed & (k == 0)),
        ctrl.read_y.addr.eq(Mux(going, cur.y + k + 1, nxt.y)),
    ]
    for j in range(C):
        m.d.comb += ctrl.array.north[j].eq(Mux(feed & (j < cur.cols), ctrl.read_y.data[j], 0))
    drain = _drain(m, ctrl, last, cur, my_index, d_busy)
    return Exchange(ends=drain.ends, held=(held, *drain.held))


def _drain(
    m: Module, ctrl: ExecuteController, start_next: Value, cur: Signal, index: Value, busy: Signal
) -> Exchange:
    """OS: empty the finished tile, bottom PE row first, from the cycle after compute."""
    R = ctrl.config.rows
    k = Signal(range(R))
    tile = Signal(decoder_layout(Matmul))
    d_index = Signal(EVENT_INDEX_BITS)
    row = Signal(range(R))
    last = busy & (k == R - 1)
    m.d.comb += [
        row.eq(R - 1 - k),
        ctrl.array.capture.eq(busy & (k == 0)),
        ctrl.array.shift.eq(busy & (k != 0)),
        ctrl.acc_write.valid.eq(busy & (row < tile.rows)),
        ctrl.acc_write.payload.addr.eq(tile.out + row),
        # The next cycle's row: the next tile's bottom row when it starts draining then.
        ctrl.acc_write.payload.next_addr.eq(Mux(start_next, cur.out + (R - 1), tile.out + row - 1)),
        ctrl.acc_write.payload.accumulate.eq(tile.accumulate),
        ctrl.acc_write.payload.cols.eq(tile.cols),
        ctrl.acc_write.payload.data.eq(ctrl.array.south),
        ctrl.events.matmul_done.eq(last),
        ctrl.events.matmul_done_index.eq(d_index),
    ]
    with m.If(busy):
        m.d.sync += [k.eq(k + 1), busy.eq(~last)]
    # A new tile's drain may be scheduled in the cycle the previous one ends: this wins.
    with m.If(start_next):
        m.d.sync += [busy.eq(1), k.eq(0), tile.eq(cur), d_index.eq(index)]
    return Exchange(
        ends=(Ending(last, tile.push_prev, tile.push_next),),
        held=(Mux(busy, matmul_ports(ctrl.config, tile), 0),),
    )
