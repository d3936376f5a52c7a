"""Run programs with DMA on `ChipTop` compiled by Verilator, DRAM modelled in C++.

`run_chip_verilated` is `chip.hdl.chip_cosim.run_chip` on the Verilog of `ChipTop` that
`systolic hdl` exports (`chip.hdl.export.write_verilog` with ``whole_chip``: arrays of up to
`chip.hdl.run_program.MAX_PES` Verilator PEs) with a
C++ harness that ports `chip.hdl.dram_model.DramModel` line for line. The model is built once
per design and HDL source version in ``build_dir`` and runs orders of magnitude faster than
Amaranth's simulator, so long programs with DMA can be co-simulated.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from chip.config import ChipConfig
from chip.hdl.chip_cosim import ChipRun
from chip.hdl.cosim import encode_stream, rtl_events
from chip.hdl.verilated import (
    HARNESS_HEAD,
    READ_ACC,
    RESET_AND_FILL,
    STOP_CHECKS,
    build_model,
    hex_words,
    model_input,
    read_output,
    run_model,
)
from chip.hdl.wishbone import bus_bytes
from chip.isa import Instr, Matmul, Preload, Vec

_HARNESS = (
    HARNESS_HEAD
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
"""
    + RESET_AND_FILL
    + r"""
    std::vector<std::vector<uint32_t>> prog;
    for (int i = 0; i < n_instr; i++) prog.push_back(words(instr_words));
    // The cycle before cycle 0 shows the first word as the next one: an instruction may
    // start in its dispatch cycle and reads its first row a cycle ahead.
    put(top.instr_ahead, prog[0]);
    top.eval(); tick();
    uint32_t c0 = top.cycle;
    int sent = 0;
    for (;;) {
        long cycle = (long)(top.cycle - c0);
        top.instr__valid = sent < n_instr;
        if (sent < n_instr) put(top.instr__payload, prog[sent]);
        // The word offered next (chip.hdl.top.next_word): the units read a cycle ahead.
        if (sent + 1 < n_instr) put(top.instr_ahead, prog[sent + 1]);
        top.load_bus__stall = 0; top.load_bus__ack = 0;
        top.store_bus__stall = 0; top.store_bus__ack = 0;
        top.eval();
"""
    + STOP_CHECKS
    + r"""
        if (sent < n_instr && top.instr__ready) sent++;
        Request rd{(bool)top.load_bus__stb, top.load_bus__adr, (uint64_t)top.load_bus__sel,
                   top.load_bus__cti == 7, top.load_bus__tgc, top.load_bus__tga};
        Request wr{(bool)top.store_bus__stb, top.store_bus__adr, (uint64_t)top.store_bus__sel,
                   top.store_bus__cti == 7, top.store_bus__tgc, top.store_bus__tga};
        std::vector<Transfer*> fresh;
        if (rd.stb && !open_t[0]) fresh.push_back(new Transfer{false, cycle, rd.tag});
        if (wr.stb && !open_t[1]) fresh.push_back(new Transfer{true, cycle, wr.tag});
        if (fresh.size() == 2 && fresh[1]->tag < fresh[0]->tag) std::swap(fresh[0], fresh[1]);
        for (Transfer* t : fresh) { open_t[t->write] = t; transfers.push_back(t); }
        bool read_stall = false, write_stall = false;
        if (rd.stb) {
            Transfer* t = open_t[0];
            read_stall = !accept(t, cycle - t->start, rd);
            if (!read_stall) read_beats.push_back({t, (int)t->offsets.size() - 1, rd});
        }
        grant();
        if (wr.stb) {
            Transfer* t = open_t[1];
            write_stall = t->grant < 0 || !accept(t, cycle - t->grant, wr);
            if (!write_stall) {
                check(wr);
                for (int b = 0; b < bus_bytes; b++)
                    if (wr.sel >> b & 1) image[wr.lane(b)] = byte_of(top.store_bus__dat_w, b);
                write_acks.push_back(cycle + latency);
                if (t->done) t->end = cycle + 1;
            }
        }
        bool read_ack = false;
        std::vector<uint8_t> data(bus_bytes, 0);
        if (!read_beats.empty()) {
            Beat& beat = read_beats.front();
            if (beat.t->grant >= 0 && beat.t->grant + beat.t->offsets[beat.k] == cycle) {
                check(beat.r);
                for (int b = 0; b < bus_bytes; b++)
                    if (beat.r.sel >> b & 1) data[b] = image[beat.r.lane(b)];
                read_ack = true;
                read_beats.pop_front();
            }
        }
        bool write_ack = !write_acks.empty() && write_acks.front() == cycle;
        if (write_ack) write_acks.pop_front();
        top.load_bus__stall = read_stall; top.load_bus__ack = read_ack;
        set_bytes(top.load_bus__dat_r, data);
        top.store_bus__stall = write_stall; top.store_bus__ack = write_ack;
        top.eval();
        EVENT("S", preload_start, cycle) EVENT("S", matmul_start, cycle)
        EVENT("D", preload_done, cycle + 1) EVENT("D", matmul_done, cycle + 1)
        EVENT("S", vector_start, cycle) EVENT("D", vector_done, cycle + 1)
        EVENT("S", load_start, cycle) EVENT("S", store_start, cycle)
        EVENT("D", load_done, cycle + 1) EVENT("D", store_done, cycle + 1)
        if (top.events__move_done)  // a MOVE ends on the load engine: unit l, program index
            std::printf("D l %u %ld\n", top.events__move_done_index, cycle + 1);
        tick();
    }
"""
    + READ_ACC
    + r"""
    f = std::fopen(argv[2], "wb");
    if (!f || std::fwrite(image.data(), 1, image.size(), f) != image.size()) return 3;
    std::fclose(f);
    return 0;
}
"""
)


def build_chip(config: ChipConfig, build_dir: Path) -> Path:
    """Compile ``config``'s `ChipTop` with its harness (once per design); return the binary."""
    if bus_bytes(config) > 64:
        raise RuntimeError(f"the harness's byte lanes hold 64 bytes, not {bus_bytes(config)}")
    return build_model(config, _HARNESS, build_dir, whole_chip=True)


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
    head = (
        f"{acc_rows} {max_cycles} {config.dram_bytes_per_cycle} {config.dram_latency} "
        f"{bus_bytes(config)}"
    )
    stdin = model_input(config, head, fill, [hex_words(w, 128) for w in words])
    binary = build_chip(config, build_dir)
    with tempfile.TemporaryDirectory() as tmp:
        before, after = Path(tmp) / "dram.bin", Path(tmp) / "after.bin"
        np.asarray(dram, dtype=np.uint8).tofile(before)
        stdout = run_model(binary, stdin, [str(before), str(after)])
        image = np.fromfile(after, dtype=np.uint8) if after.exists() else None
    # The execute units count PRELOAD/MATMUL/VEC words only: their k-th is this program index.
    exec_index = [i for i, ins in enumerate(program) if isinstance(ins, Preload | Matmul | Vec)]
    out = read_output(stdout, config, program, acc_rows, max_cycles, exec_index)
    assert image is not None
    return ChipRun(image, out.acc, rtl_events(program, out.starts, out.ends), out.cycles)
