"""The GEMM cost model: loop order and tile sizes for one GEMM on one `ChipConfig`.

Every GEMM is put in the array's form first:
- WS and IS ("stationary form"): P[T, N] = X[T, K] @ S[K, N]; S is preloaded in R x C tiles,
  X rows stream. WS: X = A, S = B, P = C. IS: X = B^T, S = A^T, P = C^T.
- OS: P[M, N] = X^T @ Y with X = A^T [K, M] and Y = B [K, N]; each R x C output tile stays in
  the array while K streams past in chunks of ``kt``.

Candidates differ in which operand is the outer loop (and stays resident in the scratchpad if
it fits) and in block sizes. Each is costed from the timing contract (docs/timing.md) as the
longer of two paths (`_plan`): the array's (fold = fill + stream + drain, preloads hidden by
the shadow registers when double-buffered, after the first operands arrive and with the waits
each output block's store imposes on the next block) and the DMAs' (every transfer on the one
DRAM bus, a DMA taking its bytes over the bandwidth but at least a cycle per on-chip row, the
DRAM latency paid once at each end of the pipelined chain). The cheapest plan that fits the
scratchpad and accumulator wins; ties go to fewer instructions. `GemmPlan.why` says what was
chosen and what it beat. tests/compiler/test_tiling_accuracy.py holds the estimate to the
machine's cycles on the zoo's GEMMs.

`Tiling.SCALESIM_FOLDS` restricts the candidates to SCALE-Sim's folding of a GEMM: one fold per
R x C stationary (or output) tile, each streaming the whole streamed dimension (T = M for WS,
N for IS, K for OS) in one MATMUL. On a chip with SCALE-Sim's assumptions (`chip.machine.
scalesim.scalesim_config`) the array then spends exactly SCALE-Sim's cycles on every GEMM.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from enum import Enum

from chip.config import ChipConfig, Dataflow
from chip.isa import Matmul, max_value

# Rows one MATMUL streams: the limit of its ``t`` field.
MAX_T = max_value(Matmul, "t")
# Plans predicted within this fraction of the cheapest count as ties (see `_choose`).
NEAR = 0.02


class Tiling(Enum):
    """How GEMMs are tiled: by the cost model, or fold for fold as SCALE-Sim does."""

    COST_MODEL = "cost-model"
    SCALESIM_FOLDS = "scalesim-folds"


class Outer(Enum):
    """Which operand's blocks form a GEMM plan's outer loop; the value is how notes print it."""

    X = "x"  # stationary form: blocks of the streamed X rows
    S = "s"  # stationary form: the stationary S tiles
    M = "m"  # OS: tiles of the output's rows (X^T)
    N = "n"  # OS: tiles of the output's columns (Y)


@dataclass(frozen=True)
class GemmPlan:
    """A tiling of one GEMM (in the array's form; see the module docstring).

    ``outer``: which operand's blocks form the outer loop (X or S in the stationary form, M or
    N in OS); ``resident`` whether that block is loaded once and kept in the scratchpad.
    ``tb``: X rows per block (stationary form) or K rows per chunk (OS). ``nsub``: array-width
    column tiles per output block. Costs are estimates in cycles and bytes.
    """

    dataflow: Dataflow
    t: int
    k: int
    n: int
    outer: Outer
    resident: bool
    tb: int
    nsub: int
    compute_cycles: int
    dma_bytes: int
    dma_cycles: int
    instructions: int
    why: str = field(default="", compare=False)

    @property
    def cycles(self) -> int:
        return max(self.compute_cycles, self.dma_cycles)

    def describe(self) -> str:
        form = "OS" if self.dataflow is Dataflow.OS else "stationary"
        return (
            f"{self.dataflow.value} gemm T={self.t} K={self.k} N={self.n} ({form} form): "
            f"outer={self.outer.value} resident={self.resident} tb={self.tb} nsub={self.nsub}; "
            f"~{self.cycles} cycles (compute {self.compute_cycles}, DMA {self.dma_cycles}, "
            f"{self.dma_bytes} bytes), {self.instructions} instructions"
        )


@dataclass(frozen=True)
class Budget:
    """On-chip rows a GEMM may use, and the element sizes of its operands in DRAM."""

    spad_rows: int
    acc_rows: int
    x_bytes: int
    s_bytes: int
    out_bytes: int
    x_staged: bool = False  # operand dtype differs from the scratchpad's: goes through acc
    s_staged: bool = False


def dma_cycles(cfg: ChipConfig, rows: int, cols: int, elem_bytes: int) -> int:
    """Transfer cycles of one DMA of ``rows`` x ``cols`` elements (docs/timing.md): its bytes
    over the bus, but at least a cycle per on-chip row."""
    return max(math.ceil(rows * cols * elem_bytes / cfg.dram_bytes_per_cycle), rows)


def _transfers(
    cfg: ChipConfig, times: int, length: int, block: int, cols: float, elem_bytes: int
) -> int:
    """Transfer cycles of reading ``times`` times a ``length``-row extent in DMAs of at most
    ``block`` rows of ``cols`` (on average) elements."""
    full, rest = divmod(length, block)
    per = full * _dma(cfg, block, cols, elem_bytes) + (
        _dma(cfg, rest, cols, elem_bytes) if rest else 0
    )
    return times * per


def ring_bound(cfg: ChipConfig, blocks: int, compute: int, store: int, nk: int, first: int) -> int:
    """The array's cycles over ``blocks`` output blocks of ``nk`` K chunks, each block stored
    from one of two accumulator slots (docs/timing.md). With several K chunks the next
    block's folds after its first chunk (``first`` cycles) wait for the store: a store holds
    the read port of its accumulator bank for its whole duration, the DRAM latency included,
    and those folds read that bank to add to their output (the slots are assumed in one
    bank). With one chunk nothing reads the bank, and a slot is free again only when its
    store is acknowledged: two blocks take at least one block's folds, its store, the DRAM
    latency and a wait for the bus behind a load's latency (the bus is granted in start
    order)."""
    per = compute / blocks
    lat = cfg.dram_latency
    if nk == 1:  # the first two blocks find their slots free
        return compute + math.ceil(max(0, blocks - 2) * max(0, (store + 2 * lat - per) / 2))
    return compute + (blocks - 1) * max(0, store + lat - first)


def _dma(cfg: ChipConfig, rows: int, cols: float, elem_bytes: int) -> int:
    return max(math.ceil(rows * cols * elem_bytes / cfg.dram_bytes_per_cycle), rows)


def _cands(limit: int) -> list[int]:
    out, v = [], 1
    while v < limit:
        out.append(v)
        v *= 2
    out.append(limit)
    return sorted(set(out))


# A GEMM's plan is a pure function of its shape, budget and chip; a network asks for the same
# few many times (every GEMM of a layer shape and phase, and again in the cost model's
# predictions of each convolution strategy).
@functools.lru_cache(maxsize=4096)
def plan_stationary(
    cfg: ChipConfig,
    t: int,
    k: int,
    n: int,
    budget: Budget,
    nk: int | None = None,
    tiling: Tiling = Tiling.COST_MODEL,
) -> GemmPlan:
    """The cheapest stationary-form plan for P[t, n] = X[t, k] @ S[k, n] (WS or IS); ``nk``
    is the number of K chunks (default ceil(k / rows); more when K comes in parts).
    `Tiling.SCALESIM_FOLDS` streams all ``t`` rows through every stationary tile."""
    r, c = cfg.rows, cfg.cols
    nk = nk or math.ceil(k / r)
    nn = math.ceil(n / c)
    preload = 0 if cfg.double_buffer_stationary else r
    plans: list[GemmPlan] = []
    for outer in (Outer.X, Outer.S):
        for tb in _block_cands(t, tiling):
            for nsub in _cands(nn):
                for resident in (True, False):
                    acc_need = 2 * tb * nsub
                    stage = 0
                    if budget.x_staged:
                        stage = max(stage, tb if not resident or outer is Outer.X else 0)
                    if budget.s_staged:
                        stage = max(stage, r)
                    if acc_need + stage > budget.acc_rows:
                        continue
                    x_block = nk * tb
                    s_block = nk * nsub * r
                    if outer is Outer.X:
                        spad = (x_block if resident else 2 * tb) + 2 * r
                    else:
                        spad = (s_block if resident else 2 * r) + 2 * tb
                    if spad > budget.spad_rows:
                        continue
                    n_tb, n_nb = math.ceil(t / tb), math.ceil(nn / nsub)
                    folds = n_tb * nk * nn
                    compute = t * nk * nn + folds * (r + c - 2 + preload)
                    x_reps = 1 if outer is Outer.X and resident else n_nb
                    s_reps = 1 if outer is Outer.S and resident else n_tb
                    load_bytes = x_reps * t * k * budget.x_bytes + s_reps * k * n * budget.s_bytes
                    loads = x_reps * n_tb * nk + s_reps * nk * nn
                    stores = n_tb * nn
                    instrs = folds * 2 + loads + stores
                    x_chunk = _dma(cfg, min(tb, t), k / nk, budget.x_bytes)
                    s_tile = _dma(cfg, min(k, r), n / nn, budget.s_bytes)
                    if resident and outer is Outer.X:
                        first = nk * x_chunk + s_tile
                    elif resident:
                        first = nk * min(nsub, nn) * s_tile + x_chunk
                    else:
                        first = x_chunk + s_tile
                    last_t = t - (n_tb - 1) * tb
                    blk = nsub * _dma(cfg, tb, n / nn, budget.out_bytes)
                    flow = _Flow(
                        compute=ring_bound(
                            cfg,
                            n_tb * n_nb,
                            compute,
                            blk,
                            nk,
                            nsub * (tb + r + c - 2 + preload),
                        ),
                        head=first + min(k, r),  # the first preload is not hidden
                        tail=min(nsub, nn) * _dma(cfg, last_t, n / nn, budget.out_bytes),
                        last_fold=last_t + r + c - 2,
                        load_bytes=load_bytes,
                        load_cycles=_transfers(cfg, x_reps * nk, t, tb, k / nk, budget.x_bytes)
                        + _transfers(cfg, s_reps * nn, k, r, n / nn, budget.s_bytes),
                        store_bytes=t * n * budget.out_bytes,
                        store_cycles=_transfers(cfg, nn, t, tb, n / nn, budget.out_bytes),
                    )
                    plans.append(
                        _plan(
                            cfg,
                            t,
                            k,
                            n,
                            outer,
                            resident,
                            tb,
                            nsub,
                            flow,
                            instrs,
                        )
                    )
    return _choose(plans, cfg, t, k, n, budget, tiling)


def plan_os(
    cfg: ChipConfig,
    m: int,
    k: int,
    n: int,
    budget: Budget,
    parts: tuple[int, ...] | None = None,
    tiling: Tiling = Tiling.COST_MODEL,
) -> GemmPlan:
    """The cheapest OS plan for P[m, n] = X^T @ Y, X = A^T [k, m], Y = B [k, n]; K may come
    in ``parts`` that chunks do not cross. `Tiling.SCALESIM_FOLDS` streams all of K through
    every output tile."""
    r, c = cfg.rows, cfg.cols
    parts = parts or (k,)
    nm, nn = math.ceil(m / r), math.ceil(n / c)
    drain = 0 if cfg.double_buffer_stationary else r
    plans: list[GemmPlan] = []
    for outer in (Outer.M, Outer.N):
        for kt in _block_cands(max(parts), tiling):
            nkt = sum(math.ceil(p / kt) for p in parts)
            for resident in (True, False):
                stage = kt if (budget.x_staged or budget.s_staged) else 0
                if 2 * r + stage > budget.acc_rows:
                    continue
                block = nkt * kt if resident else 2 * kt
                spad = block + 2 * kt
                if spad > budget.spad_rows:
                    continue
                folds = nm * nn * nkt
                compute = nm * nn * k + folds * (r + c - 2 + drain)
                x_reps = 1 if outer is Outer.M and resident else nn
                y_reps = 1 if outer is Outer.N and resident else nm
                load_bytes = x_reps * m * k * budget.x_bytes + y_reps * k * n * budget.s_bytes
                loads = x_reps * nm * nkt + y_reps * nn * nkt
                stores = nm * nn
                instrs = folds + loads + stores
                kt0 = min(kt, max(parts))
                x_chunk = _dma(cfg, kt0, m / nm, budget.x_bytes)
                y_chunk = _dma(cfg, kt0, n / nn, budget.s_bytes)
                first = x_chunk + y_chunk
                if resident:
                    first += (nkt - 1) * (x_chunk if outer is Outer.M else y_chunk)
                blk = _dma(cfg, r, n / nn, budget.out_bytes)
                flow = _Flow(
                    compute=ring_bound(cfg, nm * nn, compute, blk, nkt, kt + r + c - 2 + drain),
                    head=first,
                    tail=_dma(cfg, m - (nm - 1) * r, n / nn, budget.out_bytes),
                    last_fold=kt0 + r + c - 2 + drain,
                    load_bytes=load_bytes,
                    load_cycles=_transfers(cfg, x_reps * nm, k, kt, m / nm, budget.x_bytes)
                    + _transfers(cfg, y_reps * nn, k, kt, n / nn, budget.s_bytes),
                    store_bytes=m * n * budget.out_bytes,
                    store_cycles=_transfers(cfg, nn, m, r, n / nn, budget.out_bytes),
                )
                plans.append(
                    _plan(
                        cfg,
                        m,
                        k,
                        n,
                        outer,
                        resident,
                        kt,
                        1,
                        flow,
                        instrs,
                    )
                )
    return _choose(plans, cfg, m, k, n, budget, tiling)


def _block_cands(streamed: int, tiling: Tiling) -> list[int]:
    """Streamed rows per MATMUL to try: powers of two up to the whole length, or (SCALE-Sim's
    folds) only the whole length."""
    if tiling is Tiling.SCALESIM_FOLDS:
        if streamed > MAX_T:
            raise ValueError(
                f"SCALE-Sim folds stream {streamed} rows per MATMUL; the "
                f"instruction's t field holds at most {MAX_T}"
            )
        return [streamed]
    return _cands(min(streamed, MAX_T))


@dataclass(frozen=True)
class _Flow:
    """What a candidate's cycles are estimated from: the array's busy cycles (``compute``);
    the transfer cycles before its first fold can start (``head``) and of its last output
    block's stores (``tail``); its last fold; and the bytes and transfer cycles (`_dma`) of
    all its loads and stores."""

    compute: int
    head: int
    tail: int
    last_fold: int
    load_bytes: int
    load_cycles: int
    store_bytes: int
    store_cycles: int


def _plan(
    cfg: ChipConfig,
    t: int,
    k: int,
    n: int,
    outer: Outer,
    resident: bool,
    tb: int,
    nsub: int,
    flow: _Flow,
    instrs: int,
) -> GemmPlan:
    """Cost a candidate as the longer of two paths (docs/timing.md). DMAs are pipelined: each
    holds the one DRAM bus for its transfer cycles, and a chain of them pays the DRAM latency
    once at its start (the first load's data) and once at its end (the last store's
    acknowledgement). Array path: the first operands arrive, every fold runs (fill and drain
    not overlapped), the last output block is stored. DMA path: every transfer on the bus,
    and the last fold between the last load and the last store."""
    lat = cfg.dram_latency
    array_path = lat + flow.head + flow.compute + flow.tail + lat
    dma_path = 2 * lat + flow.load_cycles + flow.store_cycles + flow.last_fold
    return GemmPlan(
        cfg.dataflow,
        t,
        k,
        n,
        outer,
        resident,
        tb,
        nsub,
        array_path,
        flow.load_bytes + flow.store_bytes,
        dma_path,
        instrs,
    )


def _choose(
    plans: list[GemmPlan], cfg: ChipConfig, t: int, k: int, n: int, budget: Budget, tiling: Tiling
) -> GemmPlan:
    if not plans:
        raise ValueError(
            f"gemm T={t} K={k} N={n} does not fit chip {cfg.name!r}: no "
            f"{tiling.value} tiling fits {budget.spad_rows} scratchpad rows and "
            f"{budget.acc_rows} accumulator rows"
        )
    plans.sort(key=lambda p: (p.cycles, p.instructions, p.dma_bytes))
    # The two paths never overlap perfectly: among plans predicted within NEAR of the
    # cheapest, the one with the fewest instructions (larger blocks: fewer fills and drains
    # and DMAs off the critical path), then the least work on both paths, loses least.
    near = [p for p in plans if p.cycles <= plans[0].cycles * (1 + NEAR)]
    best = min(near, key=lambda p: (p.instructions, p.compute_cycles + p.dma_cycles))
    worst = plans[-1]
    bound = "compute" if best.compute_cycles >= best.dma_cycles else "DMA"
    why = (
        f"{bound}-bound; cheapest of {len(plans)} candidates fitting {budget.spad_rows} "
        f"spad / {budget.acc_rows} acc rows (worst ~{worst.cycles} cycles)"
    )
    return GemmPlan(**{**best.__dict__, "why": why})
