"""Run instruction streams on the exported Verilog, compiled with Verilator.

The same experiment as `chip.hdl.cosim.run_rtl`, on the Verilog that `write_verilog` ships
instead of on Amaranth's netlist: it checks the exported file behaves like the design that was
co-simulated, and runs far faster than Amaranth's Python simulator. Needs ``verilator`` and a
C++ compiler on PATH; the compiled model is cached per design in ``build_dir``.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from chip.config import ChipConfig
from chip.hdl.cosim import RtlError, RtlEvent, RtlRun, encode_stream, pack_row, unpack_acc_row
from chip.hdl.export import module_name, write_verilog
from chip.isa import Instr

PORT_HELPERS = r"""
// Ports up to 64 bits are integers, wider ones VlWide arrays of 32-bit words (LSB first).
template <typename T> static void put(T& port, const std::vector<uint32_t>& w) {
    port = (T)(w[0] | (w.size() > 1 ? (uint64_t)w[1] << 32 : 0));
}
template <std::size_t N> static void put(VlWide<N>& port, const std::vector<uint32_t>& w) {
    for (std::size_t i = 0; i < N; i++) port[i] = i < w.size() ? w[i] : 0;
}
template <std::size_t N> static void show(const VlWide<N>& port) {
    for (std::size_t i = 0; i < N; i++) std::printf(" %08x", port[i]);
}
static std::vector<uint32_t> words(int n) {
    std::vector<uint32_t> w(n);
    for (int i = 0; i < n; i++) if (std::scanf("%x", &w[i]) != 1) std::exit(2);
    return w;
}
"""
"""C++ shared by the Verilator harnesses: setting and printing ports of any width, and reading
hex words from standard input."""

_HARNESS = (
    r"""
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>
#include "verilated.h"
#include "V@TOP@.h"

"""
    + PORT_HELPERS
    + r"""
int main(int argc, char** argv) {
    VerilatedContext ctx;
    ctx.commandArgs(argc, argv);
    V@TOP@ top{&ctx};
    int spad_rows, spad_words, n_instr, instr_words, acc_rows;
    long max_cycles;
    if (std::scanf("%d %d %d %d %d %ld", &spad_rows, &spad_words, &n_instr, &instr_words,
                   &acc_rows, &max_cycles) != 6) return 2;
    auto tick = [&]() { top.clk = 1; top.eval(); top.clk = 0; top.eval(); };
    top.clk = 0; top.rst = 1; top.eval(); tick(); top.rst = 0; top.eval();
    for (int r = 0; r < spad_rows; r++) {
        top.spad_write__valid = 1; put(top.spad_write__payload, words(spad_words));
        top.eval(); tick();
    }
    top.spad_write__valid = 0;
    std::vector<std::vector<uint32_t>> prog;
    std::vector<long> gaps;
    for (int i = 0; i < n_instr; i++) { long g; std::scanf("%ld", &g); gaps.push_back(g);
                                        prog.push_back(words(instr_words)); }
    top.eval();
    uint32_t c0 = top.cycle;
    int sent = 0; long wait = n_instr ? gaps[0] : 0;
    for (;;) {
        long cycle = (long)(top.cycle - c0);
        bool show_word = sent < n_instr && wait == 0;
        top.instr__valid = show_word;
        if (show_word) put(top.instr__payload, prog[sent]);
        top.eval();
        if (top.events__error) { std::printf("E %d %ld\n", sent, cycle); return 0; }
        if (top.events__halted) { std::printf("H %ld %u\n", cycle, top.cycle); break; }
        if (cycle >= max_cycles) { std::printf("T %ld\n", cycle); return 0; }
        if (show_word && top.instr__ready) { sent++; wait = sent < n_instr ? gaps[sent] : 0; }
        else if (!show_word && sent < n_instr) wait--;
#define EVENT(kind, port, at) \
        if (top.events__##port) std::printf(kind " %u %ld\n", top.events__##port##_index, at);
        EVENT("S", preload_start, cycle) EVENT("S", matmul_start, cycle)
        EVENT("D", preload_done, cycle + 1) EVENT("D", matmul_done, cycle + 1)
        tick();
    }
    for (int r = 0; r < acc_rows; r++) {
        top.acc_read__addr = r; top.eval();
        std::printf("A");
        show(top.acc_read__data);
        std::printf("\n");
    }
    return 0;
}
"""
)


def build(config: ChipConfig, build_dir: Path) -> Path:
    """Compile ``config``'s Verilog with its harness (once per design); return the binary."""
    if shutil.which("verilator") is None:
        raise RuntimeError("verilator is not on PATH (Debian/Ubuntu: apt-get install verilator)")
    build_dir = Path(build_dir)
    top = module_name(config)
    # Verilator spells the "__" of Amaranth's port names (instr__valid) as "___05F".
    harness = _HARNESS.replace("@TOP@", top).replace("__", "___05F")
    # The model depends only on the config and the HDL sources: key the cache on both, so a
    # cached model is reused without converting the design again (seconds at 16x16).
    sources = sorted(Path(__file__).parent.glob("*.py"))
    digest = hashlib.sha256(config.to_toml().encode() + harness.encode())
    for path in sources:
        digest.update(path.read_bytes())
    out = build_dir / f"{top}_{digest.hexdigest()[:16]}"
    binary = out / "sim"
    if binary.exists():
        return binary
    src = out / "src"
    verilog = write_verilog(config, src)[0]
    (src / "harness.cpp").write_text(harness)
    cmd = [
        "verilator",
        "--cc",
        "--exe",
        "--build",
        "-O1",
        "-Wno-WIDTH",
        "-Wno-fatal",
        "--top-module",
        top,
        "-Mdir",
        str(out),
        "-o",
        "sim",
        str(verilog),
        str(src / "harness.cpp"),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"verilator failed for {top}:\n{done.stderr[-4000:]}")
    return binary


def run_verilated(
    config: ChipConfig,
    instrs: Sequence[Instr],
    spad: np.ndarray,
    acc_rows: int,
    build_dir: Path,
    max_cycles: int = 10_000_000,
    gaps: Sequence[int] | None = None,
) -> RtlRun:
    """`chip.hdl.cosim.run_rtl` on the Verilator model of the exported Verilog."""
    program, words, gaps = encode_stream(instrs, gaps)
    spad = np.asarray(spad, dtype=config.input_dtype.storage)
    row_bits = config.row_elems * config.input_dtype.nbytes * 8
    spad_bits = config.spad_addr_bits + row_bits
    lines = [f"{len(spad)} {-(-spad_bits // 32)} {len(words)} 4 {acc_rows} {max_cycles}"]
    lines += [
        _hex_words(r | pack_row(row) << config.spad_addr_bits, spad_bits)
        for r, row in enumerate(spad)
    ]
    lines += [f"{g} {_hex_words(w, 128)}" for g, w in zip(gaps, words, strict=True)]
    binary = build(config, build_dir)
    done = subprocess.run(
        [str(binary)], input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=3600
    )
    if done.returncode != 0:
        raise RtlError(f"verilated model failed ({done.returncode}): {done.stderr[-2000:]}")
    starts, ends, rows = {}, {}, []
    cycles = sim_cycles = -1
    for line in done.stdout.splitlines():
        kind, *fields = line.split()
        if kind == "S":
            starts[int(fields[0])] = int(fields[1])
        elif kind == "D":
            ends[int(fields[0])] = int(fields[1])
        elif kind == "H":
            cycles, sim_cycles = int(fields[0]), int(fields[1])
        elif kind == "A":
            raw = sum(int(w, 16) << (32 * i) for i, w in enumerate(fields))
            rows.append(unpack_acc_row(raw, config))
        elif kind == "E":
            index = int(fields[0])
            raise RtlError(
                f"the RTL stopped at instruction {index} "
                f"({program[index].MNEMONIC}) in cycle {fields[1]}"
            )
        elif kind == "T":
            raise RtlError(f"no halt after {max_cycles} cycles")
        else:
            raise RtlError(f"unexpected line from the verilated model: {line!r}")
    acc = np.array(rows, dtype=config.acc_dtype.storage).reshape(acc_rows, config.row_elems)
    events = tuple(
        RtlEvent(i, type(program[i]).MNEMONIC, starts[i], ends[i]) for i in sorted(starts)
    )
    return RtlRun(acc, events, cycles, sim_cycles)


def _hex_words(value: int, bits: int) -> str:
    return " ".join(f"{(value >> (32 * i)) & 0xFFFFFFFF:x}" for i in range(-(-bits // 32)))
