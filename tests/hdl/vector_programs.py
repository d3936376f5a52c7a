"""Seeded random VEC programs for the chip RTL: DRAM-loaded sources, random functions,
memories, shapes, broadcasts and immediates, with tokens, and a final copy of the scratchpad
into the accumulator so every value the program wrote reaches the comparison."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from chip.config import ChipConfig
from chip.dtypes import DType, to_storage
from chip.formats import CODES
from chip.hdl.run_program import vec_overlap
from chip.hdl.vector import SUPPORTED
from chip.isa import VEC_USES_IMM, Halt, Load, Loc, Matmul, Mem, Vec, VecOp
from chip.program import Phase, Program, Tag
from chip.state import ChipState

# Row bases: integers and floats in different accumulator banks on `tiny` (two banks of 128
# rows), so some two-source instructions share a bank's read port and some do not.
INT_BASE, FLOAT_BASE, OUT_BASE, SPAD_ROWS = 0, 136, 16, 8


SPECIALS = np.array(
    [np.nan, -np.nan, np.inf, -np.inf, -0.0, 1e-40, -3e-39, 3e38, -3e38], dtype=np.float32
)


def random_vector_program(
    config: ChipConfig,
    seed: int,
    count: int = 20,
    ops: frozenset[VecOp] = SUPPORTED,
    specials: bool = False,
) -> tuple[Program, ChipState]:
    """A program of ``count`` random VEC instructions (functions from ``ops``) and the chip
    state (DRAM image) it starts from; with ``specials`` a fifth of the fp32 sources are
    NaN (with payloads), infinities, -0, subnormals or huge values."""
    rng = np.random.default_rng(seed)
    w = config.row_elems
    state = ChipState(config)
    floats = (rng.standard_normal((8, w)) * 3).astype(np.float32)
    floats[rng.random((8, w)) < 0.1] = 0.0
    if specials:
        pick = rng.random((8, w)) < 0.2
        floats[pick] = rng.choice(SPECIALS, pick.sum())
        payload = floats.view(np.uint32)
        nan = np.isnan(floats) & (rng.random((8, w)) < 0.5)
        payload[nan] ^= rng.integers(1, 1 << 21, nan.sum()).astype(np.uint32)  # other payloads
    if config.input_dtype.is_float:  # the accumulator holds fp32, the scratchpad the input type
        ints = (rng.standard_normal((8, w)) * 50).astype(np.float32)
        spad = rng.standard_normal((SPAD_ROWS, w)).astype(np.float32) * 4
        if specials and config.input_dtype is DType.FP32:  # fp32 scratchpads take them too
            pick = rng.random(spad.shape) < 0.2
            spad[pick] = rng.choice(SPECIALS, pick.sum())
        spad = to_storage(spad, config.input_dtype)
    else:
        ints = rng.integers(-300, 300, (8, w)).astype(np.int32)
        spad = rng.integers(-128, 128, (SPAD_ROWS, w)).astype(np.int8)
    for addr, block in ((0, ints), (4096, floats), (8192, spad)):
        raw = block.view(np.uint8).ravel()
        state.dram[addr : addr + raw.size] = raw
    instrs: list = [
        Load(
            dram=8192,
            dst=Loc(Mem.SPAD, 0),
            rows=SPAD_ROWS,
            cols=w,
            stride=spad.itemsize * w,
            transpose=False,
        ),
        Load(dram=0, dst=Loc(Mem.ACC, INT_BASE), rows=8, cols=w, stride=4 * w, transpose=False),
        Load(
            dram=4096,
            dst=Loc(Mem.ACCF, FLOAT_BASE),
            rows=8,
            cols=w,
            stride=4 * w,
            transpose=False,
            push_next=True,
        ),
    ]
    chosen = sorted(ops, key=lambda o: o.value)
    bases = {Mem.ACC: INT_BASE, Mem.ACCF: FLOAT_BASE, Mem.SPAD: 0}
    while len(instrs) < count + 3:
        op = chosen[rng.integers(len(chosen))]
        rows = int(rng.integers(1, 5))

        def source(rows: int = rows) -> Loc:
            mem = (Mem.ACC, Mem.ACCF, Mem.SPAD)[rng.integers(3)]
            return Loc(mem, bases[mem] + int(rng.integers(0, 8 - rows + 1)))

        mem = (Mem.ACC, Mem.ACCF, Mem.SPAD)[rng.integers(3)]
        dst = Loc(mem, int(rng.integers(0, 8 - rows + 1)) + (0 if mem is Mem.SPAD else OUT_BASE))
        if op is VecOp.CVT:  # the immediate names a conversion (chip/formats.py)
            imm = float(rng.integers(CODES))
        elif op in VEC_USES_IMM:
            imm = float(np.float32(rng.standard_normal() * 2))
        else:
            imm = 0.0
        ins = Vec(
            op=op,
            dst=dst,
            src1=source(),
            src2=source(),
            rows=rows,
            cols=int(rng.integers(1, w + 1)),
            bcast1=bool(rng.random() < 0.2),
            bcast2=bool(rng.random() < 0.2),
            imm=imm,
            pop_prev=len(instrs) == 3,
        )
        if vec_overlap(ins) is None:
            instrs.append(ins)
    instrs.append(
        Vec(
            op=VecOp.COPY,
            dst=Loc(Mem.ACC, OUT_BASE + 8),
            src1=Loc(Mem.SPAD, 0),
            src2=Loc(Mem.SPAD, 0),
            rows=SPAD_ROWS,
            cols=w,
            bcast1=False,
            bcast2=False,
            imm=0.0,
        )
    )
    instrs.append(Halt())
    tags = [Tag("vector", Phase.FORWARD)] * len(instrs)
    return Program(config, tuple(instrs), tags, {}), state


# Epilogues a compiled layer puts on its accumulator rows, in place (requantize, bias, ReLU,
# row reductions).
EPILOGUES = (VecOp.RELU, VecOp.MULI, VecOp.ADDI, VecOp.COPY, VecOp.RSUM, VecOp.RMAX, VecOp.MAX)


def with_vector_epilogues(program: Program, seed: int) -> Program:
    """``program`` (tests/hdl/dma_programs.py's pipelines) with a VEC after each fold's last
    MATMUL, in place on its output rows, taking over that MATMUL's token pushes: the vector
    unit then competes with the bias LOADs and the STOREs for the accumulator's bank ports
    and sits between the array and the store queue in the token chain."""
    rng = np.random.default_rng(seed)
    out: list = []
    for ins in program.instrs:
        if not (isinstance(ins, Matmul) and ins.push_next):
            out.append(ins)
            continue
        op = EPILOGUES[rng.integers(len(EPILOGUES))]
        rows = ins.t if program.config.dataflow.has_stationary_operand else ins.rows
        here = Loc(Mem.ACC, ins.out)
        out.append(replace(ins, push_prev=False, push_next=False))
        out.append(
            Vec(
                op=op,
                dst=here,
                src1=here,
                src2=here,
                rows=rows,
                cols=ins.cols,
                bcast1=False,
                bcast2=False,
                imm=float(np.float32(rng.standard_normal())) if op in VEC_USES_IMM else 0.0,
                push_prev=ins.push_prev,
                push_next=True,
            )
        )
    tags = [program.tags[0]] * len(out)
    return Program(program.config, tuple(out), tags, {})
