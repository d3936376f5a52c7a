"""Hand-written programs for tests: a tiled GEMM for any chip and dataflow, a row softmax.

Written directly in instructions (no compiler) so that the chip models can be tested on their
own. Tokens serialize load -> execute -> store per output tile, which is correct, if slow, on
the decoupled machine.
"""

from __future__ import annotations

import numpy as np

from chip.config import ChipConfig, Dataflow
from chip.dtypes import DType, to_storage
from chip.isa import Halt, Instr, Load, Matmul, Preload, Store, Vec, VecOp, acc, sp
from chip.program import Phase, Program, Tag, TensorInfo, TensorKind


def _layout(cfg: ChipConfig, specs: list[tuple[str, tuple[int, ...], DType, TensorKind]]):
    tensors, addr = {}, 0
    for name, shape, dtype, kind in specs:
        addr = -(-addr // 64) * 64
        tensors[name] = TensorInfo(name, addr, shape, dtype, kind)
        addr += tensors[name].nbytes
    assert addr <= cfg.dram_bytes
    return tensors


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
    dt, adt = cfg.input_dtype, cfg.acc_dtype
    es, aes = dt.nbytes, adt.nbytes
    tensors = _layout(
        cfg,
        [
            ("A", (m, k), dt, TensorKind.INPUT),
            ("B", (k, n), dt, TensorKind.PARAM),
            ("C", (m, n), adt, TensorKind.OUTPUT),
        ],
    )
    A, B, C = tensors["A"], tensors["B"], tensors["C"]
    R, Cc = cfg.rows, cfg.cols
    st = _Stages()
    if cfg.dataflow is Dataflow.OS:
        for m0 in range(0, m, R):
            mm = min(R, m - m0)
            for n0 in range(0, n, Cc):
                nn = min(Cc, n - n0)
                # X = A^T rows (k x mm) at sp:0, Y = B rows (k x nn) at sp:k
                loads = [
                    Load(
                        dram=A.addr + m0 * k * es,
                        dst=sp(0),
                        rows=k,
                        cols=mm,
                        stride=k * es,
                        transpose=True,
                    ),
                    Load(
                        dram=B.addr + n0 * es,
                        dst=sp(k),
                        rows=k,
                        cols=nn,
                        stride=n * es,
                        transpose=False,
                    ),
                ]
                execs = [Matmul(x=0, y=k, out=0, t=k, rows=mm, cols=nn, accumulate=False)]
                stores = [
                    Store(
                        dram=C.addr + (m0 * n + n0) * aes,
                        src=acc(0),
                        rows=mm,
                        cols=nn,
                        stride=n * aes,
                        transpose=False,
                    )
                ]
                st.add(loads, execs, stores)
    else:
        ws = cfg.dataflow is Dataflow.WS
        # WS: stationary B (k x n), stream A rows. IS: stationary A^T (k x m), stream B^T rows.
        outer, inner = (n, m) if ws else (m, n)
        for o0 in range(0, outer, Cc):
            oo = min(Cc, outer - o0)
            loads, execs = [], []
            for k0 in range(0, k, R):
                kk = min(R, k - k0)
                base = 2 * (k0 // R) * max(R, inner)
                if ws:
                    loads.append(
                        Load(
                            dram=B.addr + (k0 * n + o0) * es,
                            dst=sp(base),
                            rows=kk,
                            cols=oo,
                            stride=n * es,
                            transpose=False,
                        )
                    )
                    loads.append(
                        Load(
                            dram=A.addr + k0 * es,
                            dst=sp(base + R),
                            rows=inner,
                            cols=kk,
                            stride=k * es,
                            transpose=False,
                        )
                    )
                else:
                    loads.append(
                        Load(
                            dram=A.addr + (o0 * k + k0) * es,
                            dst=sp(base),
                            rows=kk,
                            cols=oo,
                            stride=k * es,
                            transpose=True,
                        )
                    )
                    loads.append(
                        Load(
                            dram=B.addr + k0 * n * es,
                            dst=sp(base + R),
                            rows=inner,
                            cols=kk,
                            stride=n * es,
                            transpose=True,
                        )
                    )
                execs.append(Preload(src=base, rows=kk, cols=oo))
                execs.append(
                    Matmul(x=base + R, y=0, out=0, t=inner, rows=kk, cols=oo, accumulate=k0 > 0)
                )
            if ws:
                stores = [
                    Store(
                        dram=C.addr + o0 * aes,
                        src=acc(0),
                        rows=inner,
                        cols=oo,
                        stride=n * aes,
                        transpose=False,
                    )
                ]
            else:
                stores = [
                    Store(
                        dram=C.addr + o0 * n * aes,
                        src=acc(0),
                        rows=inner,
                        cols=oo,
                        stride=n * aes,
                        transpose=True,
                    )
                ]
            st.add(loads, execs, stores)
    instrs = st.emit()
    tags = [Tag("gemm", Phase.FORWARD)] * len(instrs)
    init = {"A": to_storage(a, dt), "B": to_storage(b, dt)}
    return Program(cfg, tuple(instrs), tuple(tags), tensors, init)


def softmax_program(cfg: ChipConfig, logits: np.ndarray) -> Program:
    """Row softmax of an (m x n) fp32 matrix, n <= row_elems, entirely on the vector unit."""
    m, n = logits.shape
    adt = cfg.acc_dtype
    assert adt is DType.FP32 and n <= cfg.row_elems
    tensors = _layout(
        cfg, [("X", (m, n), adt, TensorKind.INPUT), ("Y", (m, n), adt, TensorKind.OUTPUT)]
    )
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
