"""Hand-written programs for tests: a tiled GEMM for any chip and dataflow, a row softmax.

Written directly in instructions (no compiler) so that the chip models can be tested on their
own. Tokens serialize load -> execute -> store per output tile, which is correct, if slow, on
the decoupled machine.
"""

from __future__ import annotations

import numpy as np

from bench.programs import (
    gemm_tensors,
    layout,
    os_loads,
    os_store,
    stationary_loads,
    stationary_store,
)
from chip.config import ChipConfig, Dataflow
from chip.dtypes import DType, to_storage
from chip.isa import Halt, Instr, Load, Matmul, Preload, Store, Vec, VecOp, acc
from chip.program import Phase, Program, Tag, TensorKind


class _Stages:
    """Collects instructions per output tile and adds tokens that serialize the three queues."""

    def __init__(self) -> None:
        self.tiles: list[tuple[list[Instr], list[Instr], list[Instr]]] = []

    def add(self, loads: list[Instr], execs: list[Instr], stores: list[Instr]) -> None:
        self.tiles.append((loads, execs, stores))

    def emit(self) -> list[Instr]:
        out: list[Instr] = []
        n = len(self.tiles)
        for i, (loads, execs, stores) in enumerate(self.tiles):
            first, last = i == 0, i == n - 1
            loads = list(loads)
            execs = list(execs)
            stores = list(stores)
            if not first:  # spad rows are reused: wait until the previous execute read them
                loads[0] = loads[0].with_deps(pop_next=True)
            loads[-1] = loads[-1].with_deps(push_next=True)
            execs[0] = execs[0].with_deps(pop_prev=True, pop_next=not first)
            execs[-1] = execs[-1].with_deps(push_next=True, push_prev=not last)
            stores[0] = stores[0].with_deps(pop_prev=True)
            if not last:  # acc rows are reused: the next execute waits for this store
                stores[-1] = stores[-1].with_deps(push_prev=True)
            out += loads + execs + stores
        return out + [Halt()]


def gemm_program(cfg: ChipConfig, a: np.ndarray, b: np.ndarray) -> Program:
    """C = A @ B tiled over the array, accumulating across K tiles, for cfg's dataflow."""
    m, k = a.shape
    k2, n = b.shape
    assert k == k2
    dt = cfg.input_dtype
    ts = gemm_tensors(cfg, m, k, n)
    assert ts["C"].addr + ts["C"].nbytes <= cfg.dram_bytes
    R, Cc = cfg.rows, cfg.cols
    st = _Stages()
    if cfg.dataflow is Dataflow.OS:
        for m0 in range(0, m, R):
            mm = min(R, m - m0)
            for n0 in range(0, n, Cc):
                nn = min(Cc, n - n0)
                # X = A^T rows (k x mm) at sp:0, Y = B rows (k x nn) at sp:k
                x, y = os_loads(cfg, ts, m0=m0, mm=mm, n0=n0, nn=nn, k0=0, kk=k, base=0)
                execs = [Matmul(x=0, y=k, out=0, t=k, rows=mm, cols=nn, accumulate=False)]
                c = os_store(cfg, ts, m0=m0, mm=mm, n0=n0, nn=nn, half=0)
                st.add([Load(**x), Load(**y)], execs, [Store(**c)])
    else:
        # WS: stationary B (k x n), stream A rows. IS: stationary A^T (k x m), stream B^T rows.
        outer, inner = (n, m) if cfg.dataflow is Dataflow.WS else (m, n)
        for o0 in range(0, outer, Cc):
            oo = min(Cc, outer - o0)
            loads, execs = [], []
            for k0 in range(0, k, R):
                kk = min(R, k - k0)
                base = 2 * (k0 // R) * max(R, inner)
                tile = stationary_loads(
                    cfg, ts, o0=o0, oo=oo, t0=0, tt=inner, k0=k0, kk=kk, base=base
                )
                loads += [Load(**f) for f in tile]
                execs.append(Preload(src=base, rows=kk, cols=oo))
                execs.append(
                    Matmul(x=base + R, y=0, out=0, t=inner, rows=kk, cols=oo, accumulate=k0 > 0)
                )
            c = stationary_store(cfg, ts, o0=o0, oo=oo, t0=0, tt=inner, half=0)
            st.add(loads, execs, [Store(**c)])
    instrs = st.emit()
    tags = [Tag("gemm", Phase.FORWARD)] * len(instrs)
    init = {"A": to_storage(a, dt), "B": to_storage(b, dt)}
    return Program(cfg, tuple(instrs), tuple(tags), ts, init)


def softmax_program(cfg: ChipConfig, logits: np.ndarray) -> Program:
    """Row softmax of an (m x n) fp32 matrix, n <= row_elems, entirely on the vector unit."""
    m, n = logits.shape
    adt = cfg.acc_dtype
    assert adt is DType.FP32 and n <= cfg.row_elems
    tensors = layout([("X", (m, n), adt, TensorKind.INPUT), ("Y", (m, n), adt, TensorKind.OUTPUT)])
    X, Y = tensors["X"], tensors["Y"]
    aes = adt.nbytes
    x, t = acc(0), acc(m)

    def v(op: VecOp, dst, s1, s2=None, imm: float = 0.0) -> Vec:
        return Vec(
            op=op,
            dst=dst,
            src1=s1,
            src2=s2 or acc(0),
            rows=m,
            cols=n,
            bcast1=False,
            bcast2=False,
            imm=imm,
        )

    instrs: list[Instr] = [
        Load(dram=X.addr, dst=x, rows=m, cols=n, stride=n * aes, transpose=False, push_next=True),
        v(VecOp.RMAX, t, x).with_deps(pop_prev=True),
        v(VecOp.SUB, x, x, t),
        v(VecOp.EXP, x, x),
        v(VecOp.RSUM, t, x),
        v(VecOp.RECIP, t, t),
        v(VecOp.MUL, x, x, t).with_deps(push_next=True),
        Store(dram=Y.addr, src=x, rows=m, cols=n, stride=n * aes, transpose=False, pop_prev=True),
        Halt(),
    ]
    tags = [Tag("softmax", Phase.FORWARD)] * len(instrs)
    return Program(cfg, tuple(instrs), tuple(tags), tensors, {"X": to_storage(logits, adt)})
