"""Seeded random programs with LOAD, PRELOAD, MATMUL and STORE synchronized by tokens.

Each program is a software pipeline over ``folds`` tiles, as a compiler emits it: per fold,
the load queue brings a stationary tile and an X block from DRAM into one of two scratchpad
buffers (and sometimes a bias block into the accumulator), the execute queue preloads and
multiplies (sometimes twice, accumulating), and the store queue writes the result rows back to
DRAM. Tokens order every reuse: a fold's first LOAD waits for the MATMUL two folds back
(execute -> load) to free its buffer, its PRELOAD for its last LOAD (load -> execute), its
STORE for its last MATMUL (execute -> store), and its first MATMUL for the STORE two folds back
(store -> execute). Accumulator results alternate between the two accumulator banks, or with
``shared`` stay in one, where a bias LOAD and a MATMUL (write ports) or a STORE and an
accumulating MATMUL (read ports) contend for its ports. Sizes, strides and DRAM addresses are
random (unaligned addresses, gaps between rows), and with ``transposed`` about half of the
blocks are transposed (each row's elements ``stride`` apart in DRAM); ``high`` places every
buffer at the top of the scratchpad, of each accumulator bank and of DRAM, so a dropped address
bit moves data. With ``moves``, about half of the blocks reach their buffer through a MOVE on
chip (the load queue's on-chip DMA): loaded into staging rows first, transposed or not on the
way, or loaded two rows off their buffer and moved onto it over themselves (up or down), and
accumulator blocks moved between the accumulator and its fp32 view.
"""

from __future__ import annotations

import numpy as np

from chip.config import ChipConfig, Dataflow
from chip.isa import Halt, Instr, Load, Loc, Matmul, Mem, Move, Preload, Store
from chip.program import Phase, Program, Tag
from chip.state import ChipState
from tests.hdl.random_programs import random_values

IN_REGION = 8192  # bytes of input data at the bottom (or top) of DRAM
OUT_REGION = 8192  # bytes of result space after it


def random_dma_program(
    cfg: ChipConfig,
    seed: int,
    folds: int = 3,
    high: bool = False,
    shared: bool = False,
    transposed: bool = False,
    moves: bool = False,
) -> tuple[Program, ChipState]:
    """A random pipelined program for ``cfg`` (WS or IS, at most 8 x 8) and the chip state it
    starts from; ``shared`` puts every fold's results in one accumulator bank, so bias LOADs,
    MATMULs and STOREs compete for its ports; ``transposed`` makes about half of the DMA blocks
    transposed; ``moves`` brings about half of the blocks in through a MOVE."""
    if not cfg.dataflow.has_stationary_operand:
        raise ValueError("the DMA programs preload a stationary tile: WS or IS only")
    rng = np.random.default_rng(seed)
    R, C = cfg.rows, cfg.cols
    in_size, acc_size = cfg.input_dtype.nbytes, cfg.acc_dtype.nbytes
    state = ChipState(cfg)
    base = cfg.dram_bytes - IN_REGION - OUT_REGION if high else 0
    values = random_values(cfg.input_dtype, (IN_REGION // in_size,), rng)
    state.dram[base : base + IN_REGION] = values.view(np.uint8)
    out_base = base + IN_REGION
    spad_top = cfg.spad_rows - 128 if high else 0
    acc_bank = cfg.acc_rows // cfg.acc_banks
    acc_top = acc_bank - 64 if high else 0

    def sp(row: int) -> Loc:
        return Loc(Mem.SPAD, spad_top + row)

    def flip() -> bool:
        return transposed and bool(rng.random() < 0.5)

    def fetch(dst: Loc, rows: int, cols: int, size: int, stage: Loc) -> list[Instr]:
        """Instructions that bring a random ``rows x cols`` block into ``dst``: a LOAD, or
        with ``moves`` maybe a LOAD into ``stage`` (or two rows off ``dst``) and a MOVE."""
        how = int(rng.integers(0, 4)) if moves else 0
        turn = how == 1 and rows <= cfg.row_elems  # staged as cols x rows, moved transposed
        src_rows, src_cols = (cols, rows) if turn else (rows, cols)
        if how == 2:  # the MOVE copies downwards, or (scratchpad) upwards over its source
            up = dst.mem is Mem.SPAD and dst.row >= 2 and rng.random() < 0.5
            stage = Loc(dst.mem, dst.row - 2 if up else dst.row + 2)
        tr = flip()
        addr, stride = block(src_rows, src_cols, size, tr)
        if how == 0:
            return [Load(dram=addr, dst=dst, rows=rows, cols=cols, stride=stride, transpose=tr)]
        load = Load(dram=addr, dst=stage, rows=src_rows, cols=src_cols, stride=stride,
                    transpose=tr)  # fmt: skip
        if dst.mem is not Mem.SPAD:  # the accumulator or its fp32 view: the same words
            stage = Loc(Mem.ACCF if rng.random() < 0.5 else Mem.ACC, stage.row)
            dst = Loc(Mem.ACCF if rng.random() < 0.5 else Mem.ACC, dst.row)
        move = Move(src=stage, dst=dst, rows=src_rows, cols=src_cols, transpose=turn)
        return [load, move]

    def block(rows: int, cols: int, size: int, flipped: bool) -> tuple[int, int]:
        """A DRAM address and stride for ``rows`` rows of ``cols`` elements of ``size`` bytes
        in the input region (aligned to the element, rows maybe apart; ``flipped``: a
        transposed block, its columns maybe apart)."""
        lines, run = (cols, rows) if flipped else (rows, cols)
        stride = (run + int(rng.integers(0, 3))) * size
        addr = base + int(rng.integers(0, IN_REGION - lines * stride)) // size * size
        return addr, stride

    instrs: list[Instr] = []
    out_addr = out_base
    for f in range(folds):
        b = f % 2
        full = rng.random() < 0.5
        rows = R if full else int(rng.integers(1, R + 1))
        cols = C if full else int(rng.integers(1, C + 1))
        t = int(rng.integers(1, 7))
        w_row, x_row = 64 * b, 32 + 64 * b
        bank = 0 if shared else b
        slot = (f if shared else f // 2) % 8  # long programs reuse rows 8 folds apart
        out = Loc(Mem.ACC, acc_top + bank * acc_bank + 8 * slot)
        loads: list[Instr] = []
        # staging rows: scratchpad rows 16-23 and 24-31 of the fold's half, and accumulator
        # rows of the bank's other half
        loads += fetch(sp(w_row), rows, cols, in_size, sp(16 + 64 * b))
        loads += fetch(sp(x_row), t, rows, in_size, sp(24 + 64 * b))
        bias = rng.random() < 0.4
        if bias:  # accumulator rows from DRAM, added to by the matmul
            stage = Loc(Mem.ACC, bank * acc_bank + (acc_top + 64) % acc_bank)
            loads += fetch(out, t, cols, acc_size, stage)
        loads[0] = loads[0].with_deps(pop_next=f >= 2)
        loads[-1] = loads[-1].with_deps(push_next=True)
        instrs += loads
        instrs.append(Preload(src=spad_top + w_row, rows=rows, cols=cols, pop_prev=True))
        n_mm = int(rng.integers(1, 3))
        for k in range(n_mm):
            instrs.append(
                Matmul(
                    x=spad_top + x_row,
                    y=0,
                    out=out.row,
                    t=t,
                    rows=rows,
                    cols=cols,
                    accumulate=bias or k > 0,
                    pop_next=f >= 2 and k == 0,
                    push_prev=k == n_mm - 1,
                    push_next=k == n_mm - 1,
                )
            )
        tr = flip()
        lines, run = (cols, t) if tr else (t, cols)
        stride = run * acc_size + int(rng.integers(0, 2)) * acc_size
        instrs.append(
            Store(
                dram=out_addr,
                src=out,
                rows=t,
                cols=cols,
                stride=stride,
                transpose=tr,
                pop_prev=True,
                push_prev=True,
            )
        )
        out_addr += lines * stride + int(rng.integers(0, 3)) * acc_size
        if out_addr + 7 * (C + 1) * acc_size > out_base + OUT_REGION:
            out_addr = out_base  # later STOREs overwrite earlier ones, in order
    instrs.append(Halt())
    program = Program(cfg, tuple(instrs), [Tag("dma", Phase.FORWARD)] * len(instrs), {})
    return program, state


def dma_chip(cfg: ChipConfig, dataflow: Dataflow = Dataflow.WS, **changes: object) -> ChipConfig:
    """``cfg`` with ``dataflow`` and ``changes`` applied."""
    return cfg.replace(dataflow=dataflow, **changes)
