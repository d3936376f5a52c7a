"""A double-buffered tiled GEMM program for any chip and dataflow (benchmarks and tests).

C = A @ B with A (M x K) and B (K x N) in DRAM in the chip's input type and C in its accumulator
type. The schedule overlaps DMA with compute the way VTA programs do:

- the scratchpad holds two operand buffers (in different banks when there are at least two):
  the load queue fills buffer s % 2 for step s while the array works on the other one; the
  execute queue releases a buffer (push_prev) when its MATMUL ends and the load of step s + 2
  waits for that token (pop_next);
- the accumulator holds two output blocks (different banks when possible): the store of block b
  overlaps the computation of block b + 1, and block b + 2 waits (pop_next on its first execute
  instruction) for the store of block b to release the half.

WS streams blocks of A rows past B tiles; IS streams blocks of B^T rows past A^T tiles (the output
is C^T, stored transposed); OS streams K-chunks of A^T and B into R x C output tiles. Building the
program is a few Python operations per instruction.
"""

from __future__ import annotations

import numpy as np

from chip.config import ChipConfig, Dataflow
from chip.dtypes import DType, to_storage
from chip.isa import Halt, Instr, Load, Matmul, Preload, Store, acc, sp
from chip.program import Phase, Program, Tag, TensorInfo, TensorKind


def layout(specs: list[tuple[str, tuple[int, ...], DType, TensorKind]]) -> dict[str, TensorInfo]:
    """Tensors (name, shape, dtype, kind) placed one after the other from DRAM address 0, each
    at a 64-byte boundary."""
    tensors, addr = {}, 0
    for name, shape, dtype, kind in specs:
        addr = -(-addr // 64) * 64
        tensors[name] = TensorInfo(name, addr, shape, dtype, kind)
        addr += tensors[name].nbytes
    return tensors


def gemm_tensors(cfg: ChipConfig, m: int, k: int, n: int) -> dict[str, TensorInfo]:
    """C = A @ B's tensors: A (m x k) and B (k x n) in the chip's input type, C (m x n) in its
    accumulator type."""
    return layout(
        [
            ("A", (m, k), cfg.input_dtype, TensorKind.INPUT),
            ("B", (k, n), cfg.input_dtype, TensorKind.PARAM),
            ("C", (m, n), cfg.acc_dtype, TensorKind.OUTPUT),
        ]
    )


# The fields of one tile's DMAs (no dependency flags yet), shared by the double-buffered
# program here and the serialized one of tests/programs.py. WS/IS: the stationary tile covers
# output columns (WS) or rows (IS) o0.. (oo of them) and K rows k0.. (kk), at scratchpad row
# ``base``; the streamed rows t0.. (tt) follow at ``base + cfg.rows`` and accumulate in
# accumulator rows ``half``.. . OS: K rows k0.. (kk) of A^T's columns m0.. (mm) at ``base``,
# of B's columns n0.. (nn) right after them; the output tile is in rows ``half``.. .


def stationary_loads(
    cfg: ChipConfig, ts: dict, *, o0: int, oo: int, t0: int, tt: int, k0: int, kk: int, base: int
) -> tuple[dict, dict]:
    """A WS or IS tile's loads: the stationary tile, then the streamed rows."""
    A, B = ts["A"], ts["B"]
    (_, k), n = A.shape, B.shape[1]
    es, x_at = cfg.input_dtype.nbytes, sp(base + cfg.rows)
    if cfg.dataflow is Dataflow.WS:  # S = B[k0:, o0:] (kk x oo), X = A[t0:, k0:] (tt x kk)
        s_dram, s_stride = B.addr + (k0 * n + o0) * es, n * es
        x_dram, x_stride = A.addr + (t0 * k + k0) * es, k * es
    else:  # S = A^T[k0:, o0:] (kk x oo), X = B^T[t0:, k0:] (tt x kk)
        s_dram, s_stride = A.addr + (o0 * k + k0) * es, k * es
        x_dram, x_stride = B.addr + (k0 * n + t0) * es, n * es
    t = cfg.dataflow is not Dataflow.WS
    s = dict(dram=s_dram, dst=sp(base), rows=kk, cols=oo, stride=s_stride, transpose=t)
    x = dict(dram=x_dram, dst=x_at, rows=tt, cols=kk, stride=x_stride, transpose=t)
    return s, x


def stationary_store(
    cfg: ChipConfig, ts: dict, *, o0: int, oo: int, t0: int, tt: int, half: int
) -> dict:
    """A WS or IS output block's store: WS accumulator rows are C's rows t0.. (columns o0..);
    IS ones are C's columns t0.. (rows o0..), C^T, stored transposed."""
    C = ts["C"]
    n, aes = C.shape[1], cfg.acc_dtype.nbytes
    ws = cfg.dataflow is Dataflow.WS
    dram = C.addr + ((t0 * n + o0) if ws else (o0 * n + t0)) * aes
    return dict(dram=dram, src=acc(half), rows=tt, cols=oo, stride=n * aes, transpose=not ws)


def os_loads(
    cfg: ChipConfig, ts: dict, *, m0: int, mm: int, n0: int, nn: int, k0: int, kk: int, base: int
) -> tuple[dict, dict]:
    """An OS step's loads: X = A^T[k0:, m0:] (kk x mm), then Y = B[k0:, n0:] (kk x nn)."""
    A, B = ts["A"], ts["B"]
    (_, k), n = A.shape, B.shape[1]
    es = cfg.input_dtype.nbytes
    x = dict(
        dram=A.addr + (m0 * k + k0) * es,
        dst=sp(base),
        rows=kk,
        cols=mm,
        stride=k * es,
        transpose=True,
    )
    y = dict(
        dram=B.addr + (k0 * n + n0) * es,
        dst=sp(base + kk),
        rows=kk,
        cols=nn,
        stride=n * es,
        transpose=False,
    )
    return x, y


def os_store(cfg: ChipConfig, ts: dict, *, m0: int, mm: int, n0: int, nn: int, half: int) -> dict:
    """An OS output tile's store: C[m0:, n0:] (mm x nn)."""
    C = ts["C"]
    n, aes = C.shape[1], cfg.acc_dtype.nbytes
    return dict(
        dram=C.addr + (m0 * n + n0) * aes,
        src=acc(half),
        rows=mm,
        cols=nn,
        stride=n * aes,
        transpose=False,
    )


def tiled_gemm(
    cfg: ChipConfig,
    a: np.ndarray,
    b: np.ndarray,
    block_rows: int | None = None,
    layer: str = "gemm",
    init: bool = True,
) -> Program:
    """The double-buffered program computing ``a @ b`` (see the module docstring).

    ``block_rows`` bounds the streamed length of one MATMUL (default: what one buffer and one
    accumulator half hold). ``init=False`` leaves the operands out of the program (the caller
    writes them into the state), which saves a copy for large benchmarks.
    """
    m, k = a.shape
    k2, n = b.shape
    if k != k2:
        raise ValueError(f"inner dimensions differ: a is {m}x{k}, b is {k2}x{n}")
    tensors = gemm_tensors(cfg, m, k, n)
    if tensors["C"].addr + tensors["C"].nbytes > cfg.dram_bytes:
        raise ValueError(f"a {m}x{k}x{n} GEMM does not fit the {cfg.dram_mib} MiB DRAM")
    g = _Gen(cfg, tensors, block_rows)
    if cfg.dataflow is Dataflow.OS:
        g.output_stationary(m, n, k)
    else:
        g.stationary(m, n, k)
    instrs = g.loads_execs_stores() + [Halt()]
    tags = (Tag(layer, Phase.FORWARD),) * len(instrs)
    data = {"A": to_storage(a, cfg.input_dtype), "B": to_storage(b, cfg.input_dtype)}
    return Program(cfg, tuple(instrs), tags, tensors, data if init else {})


class _Gen:
    def __init__(self, cfg: ChipConfig, tensors: dict, block_rows: int | None) -> None:
        self.cfg = cfg
        self.tensors = tensors
        # buffer 1 and accumulator half 1 start in the middle bank when there are several, so
        # the load and store queues never share a bank port with the array
        self.buf = (0, cfg.spad_rows // 2)
        self.half = (0, cfg.acc_rows // 2)
        if cfg.dataflow is Dataflow.OS:  # X and Y chunks of kk rows each share a buffer
            limit = cfg.spad_rows // 4
        else:  # a stationary tile and a block of streamed rows per buffer
            limit = min(cfg.spad_rows // 2 - cfg.rows, cfg.acc_rows // 2)
        self.block = min(limit, block_rows) if block_rows else limit
        if self.block < 1:
            raise ValueError(
                f"chip {cfg.name!r} has no room for a double-buffered block: "
                f"{cfg.spad_rows} scratchpad rows, {cfg.acc_rows} accumulator rows"
            )
        self.steps: list[tuple[list[_Spec], list[_Spec]]] = []  # (loads, execs) per step
        self.blocks: list[tuple[int, int, list[_Spec]]] = []  # (first, last step, stores)

    def stationary(self, m: int, n: int, k: int) -> None:
        cfg, ts = self.cfg, self.tensors
        R, Cc = cfg.rows, cfg.cols
        outer, stream = (n, m) if cfg.dataflow is Dataflow.WS else (m, n)
        for o0 in range(0, outer, Cc):
            oo = min(Cc, outer - o0)
            for t0 in range(0, stream, self.block):
                tt = min(self.block, stream - t0)
                half = self.half[len(self.blocks) % 2]
                first = len(self.steps)
                for k0 in range(0, k, R):
                    kk = min(R, k - k0)
                    base = self.buf[len(self.steps) % 2]
                    ls, lx = stationary_loads(
                        cfg, ts, o0=o0, oo=oo, t0=t0, tt=tt, k0=k0, kk=kk, base=base
                    )
                    execs = [
                        _spec(Preload, src=base, rows=kk, cols=oo),
                        _spec(
                            Matmul,
                            x=base + R,
                            y=0,
                            out=half,
                            t=tt,
                            rows=kk,
                            cols=oo,
                            accumulate=k0 > 0,
                        ),
                    ]
                    self.steps.append(([_spec(Load, **ls), _spec(Load, **lx)], execs))
                st = stationary_store(cfg, ts, o0=o0, oo=oo, t0=t0, tt=tt, half=half)
                self.blocks.append((first, len(self.steps) - 1, [_spec(Store, **st)]))

    def output_stationary(self, m: int, n: int, k: int) -> None:
        cfg, ts = self.cfg, self.tensors
        R, Cc = cfg.rows, cfg.cols
        for m0 in range(0, m, R):
            mm = min(R, m - m0)
            for n0 in range(0, n, Cc):
                nn = min(Cc, n - n0)
                half = self.half[len(self.blocks) % 2]
                first = len(self.steps)
                for k0 in range(0, k, self.block):
                    kk = min(self.block, k - k0)
                    base = self.buf[len(self.steps) % 2]
                    lx, ly = os_loads(cfg, ts, m0=m0, mm=mm, n0=n0, nn=nn, k0=k0, kk=kk, base=base)
                    mat = _spec(
                        Matmul,
                        x=base,
                        y=base + kk,
                        out=half,
                        t=kk,
                        rows=mm,
                        cols=nn,
                        accumulate=k0 > 0,
                    )
                    self.steps.append(([_spec(Load, **lx), _spec(Load, **ly)], [mat]))
                st = os_store(cfg, ts, m0=m0, mm=mm, n0=n0, nn=nn, half=half)
                self.blocks.append((first, len(self.steps) - 1, [_spec(Store, **st)]))

    def loads_execs_stores(self) -> list[Instr]:
        """Interleave the queues in program order and add the tokens (module docstring)."""
        block_of_first = {first: bi for bi, (first, _, _) in enumerate(self.blocks)}
        block_of_last = {last: bi for bi, (_, last, _) in enumerate(self.blocks)}
        out: list[Instr] = []
        for s, (loads, execs) in enumerate(self.steps):
            # buffer s % 2 is free once the MATMUL of step s - 2 has ended
            _deps(loads[0], pop_next=s >= 2)
            _deps(loads[-1], push_next=True)
            bi = block_of_first.get(s)
            _deps(execs[0], pop_prev=True, pop_next=bi is not None and bi >= 2)
            last = s in block_of_last
            _deps(execs[-1], push_prev=True, push_next=last)
            specs = loads + execs
            if last:
                stores = self.blocks[block_of_last[s]][2]
                _deps(stores[0], pop_prev=True)
                _deps(stores[-1], push_prev=True)
                specs += stores
            out += [cls(**kw) for cls, kw in specs]
        return out


_Spec = tuple[type[Instr], dict]


def _spec(cls: type[Instr], **fields) -> _Spec:
    """An instruction to build once its dependency flags are known (built only once: the ISA
    validates every field on construction)."""
    return cls, fields


def _deps(spec: _Spec, **flags: bool) -> None:
    for name, value in flags.items():
        if value:
            spec[1][name] = True
