"""Amaranth description of the chip's execute datapath, generated from a `ChipConfig`.

`chip.hdl.top.ExecuteTop` is the design; `chip.hdl.export` writes Verilog and Yosys statistics;
`chip.hdl.cosim` runs programs on it in Amaranth's simulator. See docs/hdl.md.
"""
