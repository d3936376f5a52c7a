"""The R x C systolic array: a grid of processing elements with input skew and output de-skew.

Timing follows the array timing contract (docs/timing.md) cycle for cycle.
"""

from __future__ import annotations

from amaranth import Module, Signal, Value
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from chip.config import ChipConfig
from chip.hdl.numerics import numerics_for
from chip.hdl.pe import ProcessingElement


class SystolicArray(wiring.Component):
    """A grid of `ProcessingElement`s fed through skewing registers.

    Ports (R = config.rows, C = config.cols), all row vectors presented unskewed:

    Stationary dataflows (WS, IS):
      ``west``: X row t, R elements, presented in cycle start+t. Element i is delayed i cycles
      so that it reaches PE(i, j) in cycle start+t+i+j. ``flip`` (double-buffered chips only)
      switches every PE to the tile in its shadow registers, effective in the flip cycle.
      ``north`` with ``load``: one row of the stationary tile per cycle, shifted down from the
      top; after R loads, PE row i holds the row presented R-1-i loads before the last.
      ``south``: the de-skewed output row. Column j leaves the bottom PE in cycle
      start+t+(R-1)+j and is delayed C-1-j cycles, so the whole output row t appears together
      in cycle start+t+R+C-2.

    Output-stationary (OS):
      ``west`` with ``west_valid``/``west_first`` (X row t, first marks t = 0) and ``north``
      (Y row t), both presented in cycle start+t; row i of ``west`` is delayed i cycles and
      column j of ``north`` j cycles, so X[t, i] and Y[t, j] meet at PE(i, j) in cycle
      start+t+i+j. ``capture`` then ``shift`` empty the results: ``south`` shows PE row R-1 in
      the capture cycle, then rows R-2 .. 0 in the following shift cycles.
    """

    def __init__(self, config: ChipConfig) -> None:
        self.config = config
        self.rows, self.cols = config.rows, config.cols
        super().__init__(array_signature(config))

    def elaborate(self, platform: object) -> Module:
        m = Module()
        cfg, R, C = self.config, self.rows, self.cols
        grid = [
            [
                ProcessingElement(cfg.dataflow, cfg.input_dtype, cfg.double_buffer_stationary)
                for _ in range(C)
            ]
            for _ in range(R)
        ]
        for i in range(R):
            for j in range(C):
                m.submodules[f"pe_{i}_{j}"] = grid[i][j]
        if cfg.dataflow.has_stationary_operand:
            self._wire_stationary(m, grid)
        else:
            self._wire_output_stationary(m, grid)
        return m

    def _wire_stationary(self, m: Module, grid: list[list[ProcessingElement]]) -> None:
        R, C = self.rows, self.cols
        for i in range(R):
            for j in range(C):
                pe = grid[i][j]
                a_src = (
                    _delay(m, self.west[i], i, f"west_skew_{i}") if j == 0 else grid[i][j - 1].a_out
                )
                m.d.comb += [
                    pe.a_in.eq(a_src),
                    pe.psum_in.eq(0 if i == 0 else grid[i - 1][j].psum_out),
                    pe.w_in.eq(self.north[j] if i == 0 else grid[i - 1][j].w_out),
                    pe.load.eq(self.load),
                ]
                if self.config.double_buffer_stationary:
                    m.d.comb += pe.flip.eq(self.flip)
        for j in range(C):
            out = _delay(m, grid[R - 1][j].psum_out, C - 1 - j, f"south_deskew_{j}")
            m.d.comb += self.south[j].eq(out)

    def _wire_output_stationary(self, m: Module, grid: list[list[ProcessingElement]]) -> None:
        R, C = self.rows, self.cols
        for i in range(R):
            for j in range(C):
                pe = grid[i][j]
                if j == 0:
                    m.d.comb += [
                        pe.a_in.eq(_delay(m, self.west[i], i, f"west_skew_{i}")),
                        pe.valid_in.eq(
                            _delay(m, self.west_valid, i, f"valid_skew_{i}", control=True)
                        ),
                        pe.first_in.eq(
                            _delay(m, self.west_first, i, f"first_skew_{i}", control=True)
                        ),
                    ]
                else:
                    left = grid[i][j - 1]
                    m.d.comb += [
                        pe.a_in.eq(left.a_out),
                        pe.valid_in.eq(left.valid_out),
                        pe.first_in.eq(left.first_out),
                    ]
                b_src = (
                    _delay(m, self.north[j], j, f"north_skew_{j}")
                    if i == 0
                    else grid[i - 1][j].b_out
                )
                m.d.comb += [
                    pe.b_in.eq(b_src),
                    pe.drain_in.eq(0 if i == 0 else grid[i - 1][j].drain_out),
                    pe.capture.eq(self.capture),
                    pe.shift.eq(self.shift),
                ]
        for j in range(C):
            m.d.comb += self.south[j].eq(grid[R - 1][j].drain_out)


def array_signature(config: ChipConfig) -> wiring.Signature:
    """The array's ports for ``config`` (see `SystolicArray`); its controller holds the flip."""
    num = numerics_for(config.input_dtype)
    e, a = num.elem_shape, num.acc_shape
    members = {
        "west": In(data.ArrayLayout(e, config.rows)),
        "north": In(data.ArrayLayout(e, config.cols)),
        "south": Out(data.ArrayLayout(a, config.cols)),
    }
    if config.dataflow.has_stationary_operand:
        members["load"] = In(1)
        if config.double_buffer_stationary:
            members["flip"] = In(1)
    else:
        members.update({"west_valid": In(1), "west_first": In(1), "capture": In(1), "shift": In(1)})
    return wiring.Signature(members)


def _delay(m: Module, value: Value, cycles: int, name: str, control: bool = False) -> Value:
    """``value`` delayed by ``cycles`` registers (a skew or de-skew line). Only control bits
    are reset; data registers need no reset, since nothing uses them before they are written."""
    for k in range(cycles):
        reg = Signal.like(value, name=f"{name}_{k}", reset_less=not control)
        m.d.sync += reg.eq(value)
        value = reg
    return value
