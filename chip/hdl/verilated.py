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
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from chip.config import ChipConfig
from chip.hdl.cosim import (
    RtlError,
    RtlRun,
    encode_stream,
    pack_row,
    rtl_events,
    stopped_at,
    unpack_acc_row,
)
from chip.hdl.export import module_name, write_verilog
from chip.isa import Instr

HARNESS_HEAD = r"""
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <vector>
#include "verilated.h"
#include "V@TOP@.h"

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
// An event port's first letter (p, m, v, l, s), its instruction index and its cycle.
#define EVENT(kind, port, at) \
        if (top.events__##port) \
            std::printf(kind " %c %u %ld\n", #port[0], top.events__##port##_index, at);
"""
"""C++ that begins both Verilator harnesses (this one and `chip.hdl.chip_verilated`'s): the
includes, setting and printing ports of any width, reading hex words from standard input and
printing an event."""

RESET_AND_FILL = r"""
    auto tick = [&]() { top.clk = 1; top.eval(); top.clk = 0; top.eval(); };
    top.clk = 0; top.rst = 1; top.eval(); tick(); top.rst = 0; top.eval();
    for (int r = 0; r < spad_rows; r++) {
        top.spad_write__valid = 1; put(top.spad_write__payload, words(spad_words));
        top.eval(); tick();
    }
    top.spad_write__valid = 0;
"""
"""Reset the design and fill ``spad_rows`` scratchpad rows from standard input."""

STOP_CHECKS = r"""
        if (top.events__error) { std::printf("E %d %ld\n", sent, cycle); return 0; }
        if (top.events__halted) { std::printf("H %ld %u\n", cycle, top.cycle); break; }
        if (cycle >= max_cycles) { std::printf("T %ld\n", cycle); return 0; }
"""
"""In the cycle loop: report an error (at the word ``sent``), the halt, or running out of
cycles."""

READ_ACC = r"""
    for (int r = 0; r < acc_rows; r++) {
        top.acc_read__addr = r; top.eval(); tick();
        std::printf("A");
        show(top.acc_read__data);
        std::printf("\n");
    }
"""
"""After the run: print accumulator rows 0..acc_rows-1, one line each (the host's port is
synchronous: a row is on its data after the clock edge that takes its address)."""

_HARNESS = (
    HARNESS_HEAD
    + r"""
int main(int argc, char** argv) {
    VerilatedContext ctx;
    ctx.commandArgs(argc, argv);
    V@TOP@ top{&ctx};
    int spad_rows, spad_words, n_instr, instr_words, acc_rows;
    long max_cycles;
    if (std::scanf("%d %d %d %d %d %ld", &spad_rows, &spad_words, &n_instr, &instr_words,
                   &acc_rows, &max_cycles) != 6) return 2;
"""
    + RESET_AND_FILL
    + r"""
    std::vector<std::vector<uint32_t>> prog;
    std::vector<long> gaps;
    for (int i = 0; i < n_instr; i++) { long g; std::scanf("%ld", &g); gaps.push_back(g);
                                        prog.push_back(words(instr_words)); }
    // The cycle before cycle 0 shows the first word as the next one (chip.hdl.top.next_word):
    // an instruction may start in its dispatch cycle and reads its first row a cycle ahead.
    if (n_instr) put(top.instr_ahead, prog[0]);
    top.eval(); tick();
    uint32_t c0 = top.cycle;
    int sent = 0; long wait = n_instr ? gaps[0] : 0;
    for (;;) {
        long cycle = (long)(top.cycle - c0);
        bool show_word = sent < n_instr && wait == 0;
        top.instr__valid = show_word;
        if (show_word) put(top.instr__payload, prog[sent]);
        // The word offered next: the one after this when it is shown, else this one.
        int ahead = show_word ? sent + 1 : sent;
        if (ahead < n_instr) put(top.instr_ahead, prog[ahead]);
        top.eval();
"""
    + STOP_CHECKS
    + r"""
        if (show_word && top.instr__ready) { sent++; wait = sent < n_instr ? gaps[sent] : 0; }
        else if (!show_word && sent < n_instr) wait--;
        EVENT("S", preload_start, cycle) EVENT("S", matmul_start, cycle)
        EVENT("D", preload_done, cycle + 1) EVENT("D", matmul_done, cycle + 1)
        tick();
    }
"""
    + READ_ACC
    + r"""
    return 0;
}
"""
)


def build(config: ChipConfig, build_dir: Path) -> Path:
    """Compile ``config``'s execute datapath with its harness (once per design); return the
    binary."""
    return build_model(config, _HARNESS, build_dir, whole_chip=False)


def build_model(config: ChipConfig, harness: str, build_dir: Path, whole_chip: bool) -> Path:
    """Compile the Verilog that `systolic hdl` exports for ``config`` (with ``whole_chip``,
    `ChipTop`; else the execute datapath), with its lint waivers and the C++ ``harness``
    (``@TOP@`` stands for the top module's name), into ``build_dir``; return the binary.
    Built once per design, harness and HDL source version."""
    if shutil.which("verilator") is None:
        raise RuntimeError("verilator is not on PATH (Debian/Ubuntu: apt-get install verilator)")
    top = module_name(config)
    # Verilator spells the "__" of Amaranth's port names (instr__valid) as "___05F".
    harness = harness.replace("@TOP@", top).replace("__", "___05F")
    # The model depends only on the config, the harness and the HDL sources: key the cache on
    # them, so a cached model is reused without converting the design again (seconds at 16x16).
    digest = hashlib.sha256(config.to_toml().encode() + harness.encode())
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    out = Path(build_dir) / f"{top}_{digest.hexdigest()[:16]}"
    if (out / "sim").exists():
        return out / "sim"
    # Built in a private folder and renamed into place, so processes building the same model
    # at once (parallel test workers, two runs of a user) never see a half-written one.
    Path(build_dir).mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"{out.name}.", dir=build_dir))
    try:
        src = work / "src"
        verilog_file, waivers = write_verilog(config, src, whole_chip=whole_chip)
        (src / "harness.cpp").write_text(harness)
        cmd = [
            "verilator", "--cc", "--exe", "--build", "-O1", "-Wno-fatal",
            "--top-module", top, "-Mdir", str(work), "-o", "sim",
            str(waivers), str(verilog_file), str(src / "harness.cpp"),
        ]  # fmt: skip
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"verilator failed for {top}:\n{done.stderr[-4000:]}")
        if out.exists() and not (out / "sim").exists():
            shutil.rmtree(out, ignore_errors=True)  # an interrupted build: replace it
        try:
            work.rename(out)
        except OSError:
            if not (out / "sim").exists():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out / "sim"


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
    instr_lines = [f"{g} {hex_words(w, 128)}" for g, w in zip(gaps, words, strict=True)]
    stdin = model_input(config, f"{acc_rows} {max_cycles}", spad, instr_lines)
    stdout = run_model(build(config, build_dir), stdin)
    out = read_output(stdout, config, program, acc_rows, max_cycles, list(range(len(program))))
    return RtlRun(out.acc, rtl_events(program, out.starts, out.ends), out.cycles, out.sim_cycles)


def model_input(
    config: ChipConfig, head: str, spad: Sequence[np.ndarray], instr_lines: Sequence[str]
) -> str:
    """A harness's standard input: the counts line (scratchpad rows, 32-bit words per row
    write, instructions, 32-bit words per instruction, then ``head``), one line per scratchpad
    row written (rows 0.., raw storage) and ``instr_lines``."""
    row_bits = config.row_elems * config.input_dtype.nbytes * 8
    spad_bits = config.spad_addr_bits + row_bits
    lines = [f"{len(spad)} {-(-spad_bits // 32)} {len(instr_lines)} 4 {head}"]
    lines += [
        hex_words(r | pack_row(row) << config.spad_addr_bits, spad_bits)
        for r, row in enumerate(spad)
    ]
    return "\n".join([*lines, *instr_lines]) + "\n"


def run_model(binary: Path, stdin: str, args: Sequence[str] = ()) -> str:
    """Run a built model on ``stdin``; return what it printed."""
    done = subprocess.run(
        [str(binary), *args], input=stdin, capture_output=True, text=True, timeout=3600
    )
    if done.returncode != 0:
        raise RtlError(f"verilated model failed ({done.returncode}): {done.stderr[-2000:]}")
    return done.stdout


@dataclass(frozen=True)
class ModelOutput:
    """What a harness printed: the start and end cycle of each instruction (by program index)
    that reported them, the halting cycle, every cycle simulated, and the accumulator rows."""

    starts: dict[int, int]
    ends: dict[int, int]
    cycles: int
    sim_cycles: int
    acc: np.ndarray


def read_output(
    stdout: str,
    config: ChipConfig,
    program: Sequence[Instr],
    acc_rows: int,
    max_cycles: int,
    exec_index: Sequence[int],
) -> ModelOutput:
    """Parse a harness's output; raise `RtlError` for an error, a timeout or an access beyond
    the DRAM image it reports. The execute units (p, m, v) count their instructions by their
    own index, which is ``exec_index[i]`` in the program; the DMA units (l, s) by the program's."""
    starts: dict[int, int] = {}
    ends: dict[int, int] = {}
    rows = []
    cycles = sim_cycles = -1
    for line in stdout.splitlines():
        kind, *fields = line.split()
        if kind in ("S", "D"):
            unit, i, at = fields[0], int(fields[1]), int(fields[2])
            i = exec_index[i] if unit in ("p", "m", "v") else i
            (starts if kind == "S" else ends)[i] = at
        elif kind == "H":
            cycles, sim_cycles = int(fields[0]), int(fields[1])
        elif kind == "A":
            raw = sum(int(w, 16) << (32 * i) for i, w in enumerate(fields))
            rows.append(unpack_acc_row(raw, config))
        elif kind == "E":
            raise stopped_at(program, int(fields[0]), fields[1])
        elif kind == "T":
            raise RtlError(f"no halt after {max_cycles} cycles")
        elif kind == "X":
            raise RtlError(f"the RTL accessed DRAM byte {fields[0]}, beyond the image")
        else:
            raise RtlError(f"unexpected line from the verilated model: {line!r}")
    acc = np.array(rows, dtype=config.acc_dtype.storage).reshape(acc_rows, config.row_elems)
    return ModelOutput(starts, ends, cycles, sim_cycles, acc)


def hex_words(value: int, bits: int) -> str:
    """``value`` as the harness reads it: ``bits`` bits in 32-bit hex words, lowest first."""
    return " ".join(f"{(value >> (32 * i)) & 0xFFFFFFFF:x}" for i in range(-(-bits // 32)))
