"""Run programs with DMA on `ChipTop` compiled by Verilator, DRAM modelled in C++.

`run_chip_verilated` is `chip.hdl.chip_cosim.run_chip` on the Verilog of `ChipTop` that
`systolic hdl` exports (`chip.hdl.export.write_verilog` with ``whole_chip``: arrays of up to
`chip.hdl.run_program.MAX_PES` Verilator PEs) with a
C++ harness that ports `chip.hdl.dram_model.DramModel` line for line. The model is built once
per design and HDL source version in ``build_dir`` and runs orders of magnitude faster than
Amaranth's simulator, so long programs with DMA can be co-simulated.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from chip.config import ChipConfig
from chip.hdl.chip_cosim import ChipRun
from chip.hdl.cosim import RtlError, RtlEvent, encode_stream, pack_row, unpack_acc_row
from chip.hdl.export import module_name, write_verilog
from chip.hdl.verilated import PORT_HELPERS
from chip.hdl.wishbone import bus_bytes
from chip.isa import Instr, Load, Matmul, Preload, Store, Vec

_HARNESS = (
    r"""
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <vector>
#include "verilated.h"
#include "V@TOP@.h"

"""
    + PORT_HELPERS
    + r"""template <typename T> static uint8_t byte_of(const T& port, int b) {
    return (uint8_t)((uint64_t)port >> (8 * b));
}
template <std::size_t N> static uint8_t byte_of(const VlWide<N>& port, int b) {
    return (uint8_t)(port[b / 4] >> (8 * (b % 4)));
}
template <typename T> static void set_bytes(T& port, const std::vector<uint8_t>& v) {
    uint64_t x = 0;
    for (std::size_t b = 0; b < v.size() && b < 8; b++) x |= (uint64_t)v[b] << (8 * b);
    port = (T)x;
}
template <std::size_t N> static void set_bytes(VlWide<N>& port, const std::vector<uint8_t>& v) {
    for (std::size_t i = 0; i < N; i++) port[i] = 0;
    for (std::size_t b = 0; b < v.size() && b < 4 * N; b++)
        port[b / 4] |= (uint32_t)v[b] << (8 * (b % 4));
}

// chip/hdl/dram_model.py, line for line.
struct Transfer {
    bool write; long start; uint32_t tag; long nbytes = 0; std::vector<long> offsets;
    bool done = false; long grant = -1; long end = -1;
};
// The address tag: element size in bits 0-2, element step above (chip/hdl/wishbone.py).
struct Request {
    bool stb; uint32_t adr; uint64_t sel; bool last; uint32_t tag; uint32_t tga;
    std::size_t lane(int b) const {
        uint32_t size = (tga & 7) ? (tga & 7) : 1, step = tga >> 3;
        return (std::size_t)adr + (std::size_t)(b / size) * step + b % size;
    }
};
struct Beat { Transfer* t; int k; Request r; };
static std::vector<uint8_t> image;
static long bandwidth, latency, bus_free = 0;
static std::deque<Transfer*> transfers;
static Transfer* open_t[2] = {nullptr, nullptr};
static std::deque<Beat> read_beats;
static std::deque<long> write_acks;

static bool accept(Transfer* t, long offset, const Request& r) {
    long total = t->nbytes;
    for (int b = 0; b < 64; b++) total += r.sel >> b & 1;
    if (offset < 0 || offset < (total + bandwidth - 1) / bandwidth - 1) return false;
    t->nbytes = total; t->offsets.push_back(offset);
    if (r.last) { t->done = true; open_t[t->write] = nullptr; }
    return true;
}
static void grant() {
    while (!transfers.empty() && transfers.front()->end >= 0) {
        bus_free = transfers.front()->end; transfers.pop_front();
    }
    long free_at = bus_free;
    for (Transfer* t : transfers) {
        if (t->grant < 0) t->grant = std::max(t->start + (t->write ? 0 : latency), free_at);
        if (!t->write && t->done) t->end = t->grant + t->offsets.back() + 1;
        if (t->end < 0) return;
        free_at = t->end;
    }
}
static void check(const Request& r) {
    for (int b = 0; b < 64; b++)
        if ((r.sel >> b & 1) && r.lane(b) >= image.size()) {
            std::printf("X %zu\n", r.lane(b)); std::exit(0);
        }
}

int main(int argc, char** argv) {
    VerilatedContext ctx;
    ctx.commandArgs(argc, argv);
    V@TOP@ top{&ctx};
    int spad_rows, spad_words, n_instr, instr_words, acc_rows, bus_bytes;
    long max_cycles;
    if (std::scanf("%d %d %d %d %d %ld %ld %ld %d", &spad_rows, &spad_words, &n_instr,
                   &instr_words, &acc_rows, &max_cycles, &bandwidth, &latency, &bus_bytes) != 9)
        return 2;
    FILE* f = std::fopen(argv[1], "rb");
    if (!f) return 3;
    std::fseek(f, 0, SEEK_END); long size = std::ftell(f); std::fseek(f, 0, SEEK_SET);
    image.resize(size);
    if (std::fread(image.data(), 1, size, f) != (std::size_t)size) return 3;
    std::fclose(f);
    auto tick = [&]() { top.clk = 1; top.eval(); top.clk = 0; top.eval(); };
    top.clk = 0; top.rst = 1; top.eval(); tick(); top.rst = 0; top.eval();
    for (int r = 0; r < spad_rows; r++) {
        top.spad_write__valid = 1; put(top.spad_write__payload, words(spad_words));
        top.eval(); tick();
    }
    top.spad_write__valid = 0;
    std::vector<std::vector<uint32_t>> prog;
    for (int i = 0; i < n_instr; i++) prog.push_back(words(instr_words));
    top.eval();
    uint32_t c0 = top.cycle;
    int sent = 0;
    for (;;) {
        long now = (long)(top.cycle - c0);
        top.instr__valid = sent < n_instr;
        if (sent < n_instr) put(top.instr__payload, prog[sent]);
        top.load_bus__stall = 0; top.load_bus__ack = 0;
        top.store_bus__stall = 0; top.store_bus__ack = 0;
        top.eval();
        if (top.events__error) { std::printf("E %d %ld\n", sent, now); return 0; }
        if (top.events__halted) { std::printf("H %ld %u\n", now, top.cycle); break; }
        if (now >= max_cycles) { std::printf("T %ld\n", now); return 0; }
        if (sent < n_instr && top.instr__ready) sent++;
        Request rd{(bool)top.load_bus__stb, top.load_bus__adr, (uint64_t)top.load_bus__sel,
                   top.load_bus__cti == 7, top.load_bus__tgc, top.load_bus__tga};
        Request wr{(bool)top.store_bus__stb, top.store_bus__adr, (uint64_t)top.store_bus__sel,
                   top.store_bus__cti == 7, top.store_bus__tgc, top.store_bus__tga};
        std::vector<Transfer*> fresh;
        if (rd.stb && !open_t[0]) fresh.push_back(new Transfer{false, now, rd.tag});
        if (wr.stb && !open_t[1]) fresh.push_back(new Transfer{true, now, wr.tag});
        if (fresh.size() == 2 && fresh[1]->tag < fresh[0]->tag) std::swap(fresh[0], fresh[1]);
        for (Transfer* t : fresh) { open_t[t->write] = t; transfers.push_back(t); }
        bool read_stall = false, write_stall = false;
        if (rd.stb) {
            Transfer* t = open_t[0];
            read_stall = !accept(t, now - t->start, rd);
            if (!read_stall) read_beats.push_back({t, (int)t->offsets.size() - 1, rd});
        }
        grant();
        if (wr.stb) {
            Transfer* t = open_t[1];
            write_stall = t->grant < 0 || !accept(t, now - t->grant, wr);
            if (!write_stall) {
                check(wr);
                for (int b = 0; b < bus_bytes; b++)
                    if (wr.sel >> b & 1) image[wr.lane(b)] = byte_of(top.store_bus__dat_w, b);
                write_acks.push_back(now + latency);
                if (t->done) t->end = now + 1;
            }
        }
        bool read_ack = false;
        std::vector<uint8_t> data(bus_bytes, 0);
        if (!read_beats.empty()) {
            Beat& beat = read_beats.front();
            if (beat.t->grant >= 0 && beat.t->grant + beat.t->offsets[beat.k] == now) {
                check(beat.r);
                for (int b = 0; b < bus_bytes; b++)
                    if (beat.r.sel >> b & 1) data[b] = image[beat.r.lane(b)];
                read_ack = true;
                read_beats.pop_front();
            }
        }
        bool write_ack = !write_acks.empty() && write_acks.front() == now;
        if (write_ack) write_acks.pop_front();
        top.load_bus__stall = read_stall; top.load_bus__ack = read_ack;
        set_bytes(top.load_bus__dat_r, data);
        top.store_bus__stall = write_stall; top.store_bus__ack = write_ack;
        top.eval();
#define EVENT(kind, port, at) \
        if (top.events__##port) \
            std::printf(kind " %c %u %ld\n", #port[0], top.events__##port##_index, at);
        EVENT("S", preload_start, now) EVENT("S", matmul_start, now)
        EVENT("D", preload_done, now + 1) EVENT("D", matmul_done, now + 1)
        EVENT("S", vector_start, now) EVENT("D", vector_done, now + 1)
        EVENT("S", load_start, now) EVENT("S", store_start, now)
        EVENT("D", load_done, now + 1) EVENT("D", store_done, now + 1)
        tick();
    }
    for (int r = 0; r < acc_rows; r++) {
        top.acc_read__addr = r; top.eval();
        std::printf("A");
        show(top.acc_read__data);
        std::printf("\n");
    }
    f = std::fopen(argv[2], "wb");
    if (!f || std::fwrite(image.data(), 1, image.size(), f) != image.size()) return 3;
    std::fclose(f);
    return 0;
}
"""
)


def build_chip(config: ChipConfig, build_dir: Path) -> Path:
    """Compile ``config``'s `ChipTop` with its harness (once per design); return the binary."""
    if shutil.which("verilator") is None:
        raise RuntimeError("verilator is not on PATH (Debian/Ubuntu: apt-get install verilator)")
    if bus_bytes(config) > 64:
        raise RuntimeError(f"the harness's byte lanes hold 64 bytes, not {bus_bytes(config)}")
    top = module_name(config)
    harness = _HARNESS.replace("@TOP@", top).replace("__", "___05F")
    digest = hashlib.sha256(config.to_toml().encode() + harness.encode())
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    out = Path(build_dir) / f"{top}_{digest.hexdigest()[:16]}"
    binary = out / "sim"
    if binary.exists():
        return binary
    src = out / "src"
    src.mkdir(parents=True, exist_ok=True)
    # The Verilog that `systolic hdl` ships, with its lint waivers.
    verilog_file, waivers = write_verilog(config, src, whole_chip=True)
    (src / "harness.cpp").write_text(harness)
    cmd = [
        "verilator", "--cc", "--exe", "--build", "-O1", "-Wno-fatal",
        "--top-module", top, "-Mdir", str(out), "-o", "sim",
        str(waivers), str(verilog_file), str(src / "harness.cpp"),
    ]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"verilator failed for {top}:\n{done.stderr[-4000:]}")
    return binary


def run_chip_verilated(
    config: ChipConfig,
    instrs: Sequence[Instr],
    dram: np.ndarray,
    build_dir: Path,
    acc_rows: int = 0,
    spad: np.ndarray | None = None,
    max_cycles: int = 10_000_000,
) -> ChipRun:
    """`chip.hdl.chip_cosim.run_chip` on the Verilator model of `ChipTop`."""
    program, words, _ = encode_stream(instrs, None)
    fill = [] if spad is None else list(np.asarray(spad, dtype=config.input_dtype.storage))
    row_bits = config.row_elems * config.input_dtype.nbytes * 8
    spad_bits = config.spad_addr_bits + row_bits
    head = (
        f"{len(fill)} {-(-spad_bits // 32)} {len(words)} 4 {acc_rows} {max_cycles} "
        f"{config.dram_bytes_per_cycle} {config.dram_latency} {bus_bytes(config)}"
    )
    lines = [head]
    lines += [
        _hex_words(r | pack_row(row) << config.spad_addr_bits, spad_bits)
        for r, row in enumerate(fill)
    ]
    lines += [_hex_words(w, 128) for w in words]
    binary = build_chip(config, build_dir)
    with tempfile.TemporaryDirectory() as tmp:
        before, after = Path(tmp) / "dram.bin", Path(tmp) / "after.bin"
        np.asarray(dram, dtype=np.uint8).tofile(before)
        done = subprocess.run(
            [str(binary), str(before), str(after)],
            input="\n".join(lines) + "\n",
            capture_output=True,
            text=True,
            timeout=3600,
        )
        if done.returncode != 0:
            raise RtlError(f"verilated model failed ({done.returncode}): {done.stderr[-2000:]}")
        image = np.fromfile(after, dtype=np.uint8) if after.exists() else None
    exec_index = [i for i, ins in enumerate(program) if isinstance(ins, Preload | Matmul | Vec)]
    starts, ends, rows = {}, {}, []
    cycles = -1
    for line in done.stdout.splitlines():
        kind, *fields = line.split()
        if kind in ("S", "D"):
            unit, i, at = fields[0], int(fields[1]), int(fields[2])
            i = exec_index[i] if unit in ("p", "m", "v") else i
            (starts if kind == "S" else ends)[i] = at
        elif kind == "H":
            cycles = int(fields[0])
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
        elif kind == "X":
            raise RtlError(f"the RTL accessed DRAM byte {fields[0]}, beyond the image")
        else:
            raise RtlError(f"unexpected line from the verilated model: {line!r}")
    assert image is not None
    acc = np.array(rows, dtype=config.acc_dtype.storage).reshape(acc_rows, config.row_elems)
    unit_of = {Preload: "preload", Matmul: "matmul", Vec: "vector", Load: "load", Store: "store"}
    events = tuple(
        RtlEvent(i, unit_of[type(program[i])], starts[i], ends[i])
        for i in sorted(starts)
        if i in ends
    )
    return ChipRun(image, acc, events, cycles)


def _hex_words(value: int, bits: int) -> str:
    return " ".join(f"{(value >> (32 * i)) & 0xFFFFFFFF:x}" for i in range(-(-bits // 32)))
