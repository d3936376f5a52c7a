"""MOVE in hardware: the load DMA engine's on-chip copy of rows, transposed or not.

docs/timing.md: a MOVE reads its source rows one per cycle through a read port of their memory
and writes the destination rows through the load engine's write port; there is no bus and no
latency. Not transposed, row r is written in the cycle it is read: ``rows`` cycles. Transposed,
it is a corner turn: the ``rows`` source rows go into a buffer of ``row_elems x row_elems``
elements (the ISA bounds ``rows`` and ``cols`` by ``row_elems``), then the buffer's ``cols``
columns are written as destination rows, one per cycle: ``rows + cols`` cycles.

Values are chip/semantics.py's ``move``: the elements' bits unconverted, between memories whose
elements have one size. int8 and bf16 scratchpad elements are narrower than the accumulator's
32-bit words, so on those chips every MOVE the ISA allows stays in one memory (the accumulator
and its fp32 view are one memory) and `move_word_ok` refuses the others; on fp32 chips both
memories hold 32-bit words and a MOVE may go from either to the other. The ISA reads
the whole block before writing it; a plain copy that reads and writes a row per cycle does the
same when it runs towards the block's far end where the destination overlaps the source above
it (a memmove), so a copy to higher rows than its source goes from the last row down.
"""

from __future__ import annotations

from amaranth import Cat, Module, Mux, Signal, Value
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from chip.config import ChipConfig
from chip.hdl import banks
from chip.hdl.decoder import decoder_layout
from chip.hdl.numerics import numerics_for
from chip.hdl.ports import (
    acc_row_layout,
    read_port_signature,
    row_write_signature,
    spad_row_layout,
)
from chip.isa import ROW_BITS, WORD_BITS, Move

SPAD_CODE, ACCF_CODE = 0, 2  # chip.isa's memory codes (1 is the accumulator)
CYCLE_BITS = 17  # a MOVE lasts at most 2**16 - 1 rows (+ row_elems columns transposed)


def move_word_ok(config: ChipConfig, word: Value) -> Value:
    """True for a MOVE word the engine runs: 1 <= rows, 1 <= cols <= row_elems, known memories,
    source and destination with elements of one size (one memory unless the chip's scratchpad
    elements are 32 bits: the module docstring) and, transposed, rows <= row_elems (the
    buffer's height)."""
    f = data.View(decoder_layout(Move), word)
    src, dst = f.src[ROW_BITS:], f.dst[ROW_BITS:]
    numerics = numerics_for(config.input_dtype)
    one_size = numerics.elem_shape.width == numerics.acc_shape.width
    return (
        (f.rows >= 1)
        & (f.cols >= 1)
        & (f.cols <= config.row_elems)
        & (src <= ACCF_CODE)
        & (dst <= ACCF_CODE)
        & (one_size | ((src == SPAD_CODE) == (dst == SPAD_CODE)))
        & (~f.transpose | (f.rows <= config.row_elems))
    )


def move_ports(config: ChipConfig, word: Value) -> Value:
    """The bank ports a MOVE reserves (docs/timing.md): the read ports of its ``rows`` source
    rows and the write ports of its destination rows (``cols`` of them transposed)."""
    f = data.View(decoder_layout(Move), word)
    out_rows = Mux(f.transpose, f.cols, f.rows)
    return banks.loc_ports(config, f.src, False, f.rows) | banks.loc_ports(
        config, f.dst, True, out_rows
    )


def copies_upwards(src_row: Value, dst_row: Value) -> Value:
    """Whether a plain copy runs from its block's last row to its first: when its destination
    starts at a higher row than its source (the order matters only where they overlap)."""
    return dst_row > src_row


def _source_row(f: data.View, k: Value) -> Value:
    """The source row a MOVE with fields ``f`` reads in its cycle ``k`` (< rows): row k of
    the block, transposed or copying downwards, else row rows - 1 - k."""
    src_row, dst_row = f.src[:ROW_BITS], f.dst[:ROW_BITS]
    up = copies_upwards(src_row, dst_row) & ~f.transpose
    return src_row + Mux(up, f.rows - 1 - k, k)


class MoveUnit(wiring.Component):
    """Runs one MOVE at a time for the load DMA engine (`chip.hdl.dma.DmaEngine`).

    ``go`` starts the MOVE ``word`` this cycle, which already reads (and, not transposed,
    writes) its first row; ``busy`` is high from the cycle after the start to the last cycle,
    ``last`` in the last cycle (``start + rows``, or ``start + rows + cols`` transposed, minus
    one). ``spad_read``/``acc_read`` are the unit's own read ports, ``spad_write``/
    ``acc_write`` the engine's write ports while the MOVE runs (``en`` low otherwise).

    The read ports are synchronous (block RAM): each cycle they address the row of the next
    one, the MOVE's next row while it runs then, else the first row of ``ahead``, the word
    that may start in the next cycle (the engine's next head).
    """

    def __init__(self, config: ChipConfig) -> None:
        numerics_for(config.input_dtype)  # raises for a type the RTL lacks
        self.config = config
        spad, acc = spad_row_layout(config), acc_row_layout(config)
        super().__init__(
            {
                "go": In(1),
                "word": In(WORD_BITS),
                "ahead": In(WORD_BITS),
                "busy": Out(1),
                "last": Out(1),
                "spad_read": Out(read_port_signature(config.spad_addr_bits, spad)),
                "acc_read": Out(read_port_signature(config.acc_addr_bits, acc)),
                "spad_write": Out(row_write_signature(config.spad_addr_bits, spad)),
                "acc_write": Out(row_write_signature(config.acc_addr_bits, acc)),
            }
        )

    def elaborate(self, platform: object) -> Module:
        m = Module()
        cfg = self.config
        n = cfg.row_elems
        layout = decoder_layout(Move)
        # The fields come from the word in the start cycle, from a saved copy after.
        saved = Signal(layout)
        cur = data.View(layout, Mux(self.go, self.word, saved.as_value()))
        k_reg, k = Signal(CYCLE_BITS), Signal(CYCLE_BITS)
        active, length = Signal(), Signal(CYCLE_BITS)
        m.d.comb += [
            k.eq(Mux(self.go, 0, k_reg)),
            active.eq(self.go | self.busy),
            length.eq(Mux(cur.transpose, cur.rows + cur.cols, cur.rows)),
            self.last.eq(active & (k == length - 1)),
        ]
        with m.If(active):
            m.d.sync += [saved.eq(cur), k_reg.eq(k + 1), self.busy.eq(~self.last)]

        in_acc = Signal()
        src_row, dst_row = cur.src[:ROW_BITS], cur.dst[:ROW_BITS]
        m.d.comb += in_acc.eq(cur.src[ROW_BITS:] != SPAD_CODE)
        # Plain: row r of the block in cycle k, from the last row down when copying upwards.
        r = Signal(16)
        m.d.comb += r.eq(Mux(copies_upwards(src_row, dst_row), cur.rows - 1 - k, k))
        reading = Signal()
        # The source row of cycle k + 1 while the MOVE runs then, else the next word's first.
        next_src = Mux(
            active & ~self.last,
            _source_row(cur, k + 1),
            _source_row(data.View(layout, self.ahead), 0),
        )
        m.d.comb += [
            reading.eq(active & (~cur.transpose | (k < cur.rows))),
            self.spad_read.addr.eq(next_src),
            self.acc_read.addr.eq(next_src),
        ]
        numerics = numerics_for(cfg.input_dtype)
        narrow, width = numerics.elem_shape.width, numerics.acc_shape.width
        spad_bits, acc_bits = Value.cast(self.spad_read.data), Value.cast(self.acc_read.data)
        source = [  # element e of the source row, raw bits (a scratchpad's zero-extended)
            Mux(
                in_acc,
                acc_bits[e * width : (e + 1) * width],
                spad_bits[e * narrow : (e + 1) * narrow],
            )
            for e in range(n)
        ]

        # Transposed: source row k goes into buffer row k; then each cycle writes the buffer's
        # first column and shifts every row left by one element.
        buf = [
            [Signal(width, name=f"turn_{i}_{j}", reset_less=True) for j in range(n)]
            for i in range(n)
        ]
        writing_column = Signal()
        m.d.comb += writing_column.eq(active & cur.transpose & (k >= cur.rows))
        with m.If(writing_column):
            m.d.sync += [buf[i][j].eq(buf[i][j + 1]) for i in range(n) for j in range(n - 1)]
        with m.Elif(reading & cur.transpose):
            for i in range(n):
                with m.If(k == i):
                    m.d.sync += [buf[i][j].eq(source[j]) for j in range(n)]

        column = Signal(16)
        m.d.comb += column.eq(k - cur.rows)
        addr = Mux(cur.transpose, dst_row + column, dst_row + r)
        en = Mux(
            cur.transpose,
            Cat((writing_column & (cur.rows > e)) for e in range(n)),
            Cat((active & (cur.cols > e)) for e in range(n)),
        )
        to_acc = cur.dst[ROW_BITS:] != SPAD_CODE
        for port, dst_acc, elem in ((self.spad_write, 0, narrow), (self.acc_write, 1, width)):
            m.d.comb += [
                port.addr.eq(addr),
                port.en.eq(Mux(to_acc == dst_acc, en, 0)),
                Value.cast(port.data).eq(
                    Cat(Mux(cur.transpose, buf[e][0], source[e])[:elem] for e in range(n))
                ),
            ]
        return m
