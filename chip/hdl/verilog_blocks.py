"""Hand-written Verilog for the blocks whose Amaranth form does not scale to export.

An Amaranth netlist holds every PE, skew register and memory word separately: converting a
256 x 256 array (65,536 PEs, 24 MiB of scratchpad contents) takes hours and gigabytes. The
exported design therefore keeps one Amaranth-converted PE module and instantiates it from a
``generate`` loop, and its memories are one parametrized RAM module, so the Verilog's size does
not depend on the array or memory size. These modules implement exactly the contracts of
`chip.hdl.array.SystolicArray` and `chip.hdl.ram.Ram`; tests/hdl/test_verilated.py checks the
exported Verilog against the Amaranth simulation and the cycle-level machine.
"""

from __future__ import annotations

from chip.config import ChipConfig
from chip.hdl.numerics import numerics_for

RAM = """\
// {name}: DEPTH rows of WIDTH bits; READS read ports (port p's address and data are field p
// of the packed buses) and one write port whose enable bit k writes bits
// [k*WIDTH/LANES, (k+1)*WIDTH/LANES) of its row (chip/hdl/ram.py). Port p is synchronous when
// bit p of SYNC is set: its address is registered and the row read through the registered
// address, which includes the write of the address's cycle (write-first), the form Yosys maps
// to block RAM; otherwise it reads asynchronously (LUT RAM). Each synchronous port reads its
// own copy of the rows, so that it becomes a block RAM whatever the other ports are (a memory
// with one asynchronous port cannot), and the asynchronous ports share one.
module {name} #(
  parameter ABITS = 1,
  parameter DEPTH = 2,
  parameter WIDTH = 1,
  parameter LANES = 1,
  parameter READS = 2,
  parameter SYNC = 0
) (
  input clk,
  input [READS*ABITS-1:0] r_addr,
  output [READS*WIDTH-1:0] r_data,
  input [ABITS-1:0] w_addr,
  input [WIDTH-1:0] w_data,
  input [LANES-1:0] w_en
);
  localparam LW = WIDTH / LANES;
  genvar p, k;
  generate
    if (SYNC != (1 << READS) - 1) begin : shared
      reg [WIDTH-1:0] mem [0:DEPTH-1];
      for (k = 0; k < LANES; k = k + 1) begin : lane
        always @(posedge clk)
          if (w_en[k])
            mem[w_addr][k*LW +: LW] <= w_data[k*LW +: LW];
      end
      for (p = 0; p < READS; p = p + 1) begin : read
        if (((SYNC >> p) & 1) == 0) begin : direct
          assign r_data[p*WIDTH +: WIDTH] = mem[r_addr[p*ABITS +: ABITS]];
        end
      end
    end
    for (p = 0; p < READS; p = p + 1) begin : read
      if (((SYNC >> p) & 1) != 0) begin : registered
        reg [WIDTH-1:0] mem [0:DEPTH-1];
        reg [ABITS-1:0] addr_q;
        for (k = 0; k < LANES; k = k + 1) begin : lane
          always @(posedge clk)
            if (w_en[k])
              mem[w_addr][k*LW +: LW] <= w_data[k*LW +: LW];
        end
        always @(posedge clk) addr_q <= r_addr[p*ABITS +: ABITS];
        assign r_data[p*WIDTH +: WIDTH] = mem[addr_q];
      end
    end
  endgenerate
endmodule
"""

DELAY = """\
// {name}: d delayed N >= 1 clock cycles. With RESET != 0 the line is cleared by rst (control
// bits); data lines need no reset, nothing reads them before they are written.
module {name} #(
  parameter W = 1,
  parameter N = 1,
  parameter RESET = 0
) (
  input clk,
  input rst,
  input [W-1:0] d,
  output [W-1:0] q
);
  reg [W*N-1:0] line;
  wire [W*N-1:0] next;
  generate
    if (N == 1) begin : one
      assign next = d;
    end else begin : many
      assign next = {{line[W*(N-1)-1:0], d}};
    end
  endgenerate
  always @(posedge clk) line <= (RESET != 0 && rst) ? {{(W*N){{1'b0}}}} : next;
  assign q = line[W*(N-1) +: W];
endmodule
"""


def ram_verilog(name: str) -> str:
    """The Verilog of the RAM module that `Ram` instantiates on export."""
    return RAM.format(name=name)


def array_verilog(config: ChipConfig, name: str, pe: str, delay: str) -> str:
    """The Verilog of ``config``'s array as module ``name`` (ports of `array_signature`), built
    from PE module ``pe`` and delay-line module ``delay`` (written by `delay_verilog`)."""
    num = numerics_for(config.input_dtype)
    head = (
        f"// {name}: the {config.rows}x{config.cols} {config.dataflow.value} systolic array "
        f"(chip/hdl/array.py).\n"
        f"module {name} #(\n"
        f"  parameter R = {config.rows},\n  parameter C = {config.cols},\n"
        f"  parameter E = {num.elem_shape.width},\n  parameter A = {num.acc_shape.width}\n"
        f") (\n"
        f"  input clk,\n  input rst,\n"
        f"  input [R*E-1:0] west,\n  input [C*E-1:0] north,\n  output [C*A-1:0] south,\n"
    )
    if config.dataflow.has_stationary_operand:
        return _stationary(config, head, pe, delay)
    return _output_stationary(head, pe, delay)


def delay_verilog(name: str) -> str:
    """The Verilog of the delay line (skew and de-skew registers) the array instantiates."""
    return DELAY.format(name=name)


def _stationary(config: ChipConfig, head: str, pe: str, delay: str) -> str:
    flip = config.double_buffer_stationary
    ports = "  input load" + (",\n  input flip\n" if flip else "\n")
    flip_pin = ", .flip(flip)" if flip else ""
    return f"""{head}{ports});
  // a entering PE(i, j) is a_bus element i*(C+1)+j; element i*(C+1)+C is the last a_out of
  // row i, which nothing reads.
  // verilator lint_off UNUSEDSIGNAL
  wire [R*(C+1)*E-1:0] a_bus;
  // The partial sum and the loading tile entering PE(i, j) are element i*C+j; row R holds the
  // bottom outputs (the tile's shift out of the bottom row is unused).
  wire [(R+1)*C*E-1:0] w_bus;
  // verilator lint_on UNUSEDSIGNAL
  wire [(R+1)*C*A-1:0] p_bus;
  assign p_bus[C*A-1:0] = {{(C*A){{1'b0}}}};
  assign w_bus[C*E-1:0] = north;
  genvar i, j;
  generate
    for (i = 0; i < R; i = i + 1) begin : row
      // element i of an X row is delayed i cycles
      if (i == 0) begin : direct
        assign a_bus[0 +: E] = west[0 +: E];
      end else begin : skew
        {delay} #(.W(E), .N(i)) west_skew (
          .clk(clk), .rst(rst), .d(west[i*E +: E]), .q(a_bus[i*(C+1)*E +: E])
        );
      end
      for (j = 0; j < C; j = j + 1) begin : col
        {pe} pe (
          .clk(clk), .rst(rst),
          .a_in(a_bus[(i*(C+1)+j)*E +: E]), .a_out(a_bus[(i*(C+1)+j+1)*E +: E]),
          .psum_in(p_bus[(i*C+j)*A +: A]), .psum_out(p_bus[((i+1)*C+j)*A +: A]),
          .w_in(w_bus[(i*C+j)*E +: E]), .w_out(w_bus[((i+1)*C+j)*E +: E]),
          .load(load){flip_pin}
        );
      end
    end
    // column j of the result is delayed C-1-j cycles, so a whole row leaves aligned
    for (j = 0; j < C; j = j + 1) begin : deskew
      if (j == C - 1) begin : direct
        assign south[j*A +: A] = p_bus[(R*C+j)*A +: A];
      end else begin : line
        {delay} #(.W(A), .N(C-1-j)) south_deskew (
          .clk(clk), .rst(rst), .d(p_bus[(R*C+j)*A +: A]), .q(south[j*A +: A])
        );
      end
    end
  endgenerate
endmodule
"""


def _output_stationary(head: str, pe: str, delay: str) -> str:
    return f"""{head}  input west_valid,
  input west_first,
  input capture,
  input shift
);
  // a, valid and first entering PE(i, j) are element i*(C+1)+j; element i*(C+1)+C leaves
  // the last column and nothing reads it. b entering PE(i, j) is element i*C+j; row R leaves
  // the bottom row, unused.
  // verilator lint_off UNUSEDSIGNAL
  wire [R*(C+1)*E-1:0] a_bus;
  wire [R*(C+1)-1:0] v_bus;
  wire [R*(C+1)-1:0] f_bus;
  wire [(R+1)*C*E-1:0] b_bus;
  // verilator lint_on UNUSEDSIGNAL
  // drain entering PE(i, j) is element i*C+j; the bottom row's drain_out is the south port.
  wire [(R+1)*C*A-1:0] d_bus;
  assign d_bus[C*A-1:0] = {{(C*A){{1'b0}}}};
  assign south = d_bus[R*C*A +: C*A];
  genvar i, j;
  generate
    // row i of X (with its valid and first bits) is delayed i cycles
    for (i = 0; i < R; i = i + 1) begin : row
      if (i == 0) begin : direct
        assign a_bus[0 +: E] = west[0 +: E];
        assign v_bus[0] = west_valid;
        assign f_bus[0] = west_first;
      end else begin : skew
        {delay} #(.W(E), .N(i)) west_skew (
          .clk(clk), .rst(rst), .d(west[i*E +: E]), .q(a_bus[i*(C+1)*E +: E])
        );
        {delay} #(.W(2), .N(i), .RESET(1)) control_skew (
          .clk(clk), .rst(rst), .d({{west_first, west_valid}}),
          .q({{f_bus[i*(C+1)], v_bus[i*(C+1)]}})
        );
      end
      for (j = 0; j < C; j = j + 1) begin : col
        {pe} pe (
          .clk(clk), .rst(rst),
          .a_in(a_bus[(i*(C+1)+j)*E +: E]), .a_out(a_bus[(i*(C+1)+j+1)*E +: E]),
          .valid_in(v_bus[i*(C+1)+j]), .valid_out(v_bus[i*(C+1)+j+1]),
          .first_in(f_bus[i*(C+1)+j]), .first_out(f_bus[i*(C+1)+j+1]),
          .b_in(b_bus[(i*C+j)*E +: E]), .b_out(b_bus[((i+1)*C+j)*E +: E]),
          .drain_in(d_bus[(i*C+j)*A +: A]), .drain_out(d_bus[((i+1)*C+j)*A +: A]),
          .capture(capture), .shift(shift)
        );
      end
    end
    // column j of Y is delayed j cycles
    for (j = 0; j < C; j = j + 1) begin : north_skew
      if (j == 0) begin : direct
        assign b_bus[0 +: E] = north[0 +: E];
      end else begin : line
        {delay} #(.W(E), .N(j)) skew (
          .clk(clk), .rst(rst), .d(north[j*E +: E]), .q(b_bus[j*E +: E])
        );
      end
    end
  endgenerate
endmodule
"""
