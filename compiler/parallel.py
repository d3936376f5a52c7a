"""Collectives for a system of chips, emitted as link and vector instructions.

`all_reduce` sums a block of fp32 accumulator rows over every chip of a `SystemConfig`, leaving
the sum on each: on a ring, a reduce-scatter then an all-gather (Patarasuk & Yuan's bandwidth-
optimal ring: every forward link direction carries 2(N-1)/N of the data). On an R x C torus the
block is split in two halves that travel at once on disjoint link directions: half A
reduce-scatters along the row rings eastwards, then along the column rings southwards, and
all-gathers back the same way; half B does the same along the column rings northwards first,
then along the row rings westwards. Each half's chain moves (N-1)/N of the block per link, so
the torus takes about half the ring's bandwidth time, and no link direction carries both
halves.

The rows are split into chunks (``numpy.array_split`` sizes), and each chunk into ``pieces``
pieces that travel one after another, so a piece's vector add overlaps the transfer of the next
and the links stay busy. On a torus the two halves' steps are interleaved in the order their
data is due (a nominal time that every chip computes alike, so every wait is for a step due
earlier and the chips cannot deadlock).

Reduction order (what makes results reproducible bit for bit): on a ring of N chips, chunk k
is summed starting at chip k and going forward around the ring,
``(((x_k + x_{k+1}) + x_{k+2}) + ... + x_{k+N-1})`` (indices mod N), in fp32; every chip
ends with the same bits. On a torus, half A (the first ``ceil(rows / 2)`` rows) is summed in
that order along each row ring (east), then each column ring (south) sums the row sums the same
way; half B is summed along each column ring first and then along the row rings, both rings
taken in their westward/northward order (position q of the ring is the chip -q steps away).
`reference_sum` computes this order in NumPy.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from chip.dtypes import DType
from chip.isa import Halt, Instr, Load, Loc, Mem, Recv, Send, Store, Vec, VecOp
from chip.program import Phase, Program, Tag, TensorInfo, TensorKind
from chip.system import SystemConfig, Topology

EAST, WEST, SOUTH, NORTH = 0, 1, 2, 3  # a torus's links; a ring's forward link is EAST's 0


def _bounds(lo: int, hi: int, parts: int) -> list[tuple[int, int]]:
    """``parts`` consecutive row ranges covering [lo, hi) (array_split sizes, some empty)."""
    sizes = [len(a) for a in np.array_split(np.arange(hi - lo), parts)]
    edges = np.cumsum([lo, *sizes])
    return [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:], strict=True)]


@dataclass(frozen=True)
class _Ring:
    """One chip's place on a ring that sends on link ``fwd``: its position counted in the
    direction of travel, the ring's size, and the link it receives on."""

    pos: int
    size: int
    fwd: int

    @classmethod
    def along(cls, index: int, size: int, link: int) -> _Ring:
        """The ring through the chip at ``index`` of a dimension of ``size`` chips, travelling
        on ``link`` (even: towards index + 1; odd: towards index - 1)."""
        return cls(index if link % 2 == 0 else (-index) % size, size, link)

    @property
    def back(self) -> int:
        return self.fwd ^ 1


# Instructions of one step of a collective (a RECV and what follows it, or the first SENDs),
# with the nominal time its data is due: the fraction of the block its chain has moved by then.
_Group = tuple[Fraction, list[Instr]]


def _send(ring: _Ring, rows: tuple[int, int], cols: int) -> Send:
    return Send(link=ring.fwd, src=Loc(Mem.ACCF, rows[0]), rows=rows[1] - rows[0], cols=cols)


def _steps(
    ring: _Ring, block: tuple[int, int], pieces: int, shift: int, start: Fraction, span: Fraction
) -> tuple[list[tuple[int, int]], list[list[tuple[Fraction, tuple[int, int]]]]]:
    """A ring phase's chunks of ``block`` and, per step s, the pieces of chunk ``pos - s -
    shift`` (the one arriving) with the nominal time each is due (``span``: the block's share
    of the whole collective's rows, travelling at one share per unit of time)."""
    n = ring.size
    chunks = _bounds(*block, n)
    unit = span / (n * pieces)
    steps = []
    for s in range(n - 1):
        k = (ring.pos - s - shift) % n
        steps.append(
            [
                (start + (s * pieces + j + 1) * unit, p)
                for j, p in enumerate(_bounds(*chunks[k], pieces))
                if p[1] > p[0]
            ]
        )
    return chunks, steps


def _first_sends(ring: _Ring, chunk: tuple[int, int], cols: int, pieces: int) -> list[Instr]:
    return [_send(ring, p, cols) for p in _bounds(*chunk, pieces) if p[1] > p[0]]


def reduce_scatter(
    ring: _Ring,
    block: tuple[int, int],
    cols: int,
    staging: int,
    pieces: int,
    start: Fraction = Fraction(0),
    span: Fraction = Fraction(1),
) -> tuple[list[_Group], tuple[int, int]]:
    """One chip's ring reduce-scatter over accumulator rows ``block`` (fp32 view), as groups
    due from ``start`` on; returns them and the rows of the chunk this chip then holds
    summed."""
    n = ring.size
    chunks, steps = _steps(ring, block, pieces, 1, start, span)
    out: list[_Group] = [(start, _first_sends(ring, chunks[ring.pos], cols, pieces))]
    for s, step in enumerate(steps):
        for due, (lo, hi) in step:
            rows = hi - lo
            dst, src2 = Loc(Mem.ACCF, lo), Loc(Mem.ACCF, staging)
            group: list[Instr] = [
                Recv(link=ring.back, dst=src2, rows=rows, cols=cols),
                Vec(
                    op=VecOp.ADD,
                    dst=dst,
                    src1=dst,
                    src2=src2,
                    rows=rows,
                    cols=cols,
                    bcast1=False,
                    bcast2=False,
                    imm=0.0,
                ),
            ]
            if s < n - 2:
                group.append(_send(ring, (lo, hi), cols))
            out.append((due, group))
    return out, chunks[(ring.pos + 1) % n]


def all_gather(
    ring: _Ring,
    block: tuple[int, int],
    cols: int,
    pieces: int,
    start: Fraction = Fraction(0),
    span: Fraction = Fraction(1),
) -> list[_Group]:
    """One chip's ring all-gather of the chunks `reduce_scatter` left (the same ``block``),
    as groups due from ``start`` on."""
    n = ring.size
    chunks, steps = _steps(ring, block, pieces, 0, start, span)
    out: list[_Group] = [(start, _first_sends(ring, chunks[(ring.pos + 1) % n], cols, pieces))]
    for s, step in enumerate(steps):  # the chunk arriving from the previous chip, complete
        for due, (lo, hi) in step:
            group: list[Instr] = [
                Recv(link=ring.back, dst=Loc(Mem.ACCF, lo), rows=hi - lo, cols=cols)
            ]
            if s < n - 2:
                group.append(_send(ring, (lo, hi), cols))
            out.append((due, group))
    return out


def _chain(
    rings: list[_Ring], block: tuple[int, int], cols: int, staging: int, pieces: int
) -> list[_Group]:
    """One chip's all-reduce of ``block`` along ``rings`` in turn: a reduce-scatter along each
    (each on the chunk the previous one left), then the all-gathers in reverse. The groups are
    due at the fraction of ``block`` the chain has moved per link by then."""
    rings = [r for r in rings if r.size > 1]
    out: list[_Group] = []
    due, span = Fraction(0), Fraction(1)
    regions = []
    for ring in rings:
        p = max(1, min(pieces, block[1] - block[0]))
        regions.append((ring, block, p, span))
        groups, block = reduce_scatter(ring, block, cols, staging, p, due, span)
        out += groups
        due += span * (ring.size - 1) / ring.size
        span /= ring.size
    for ring, region, p, region_span in reversed(regions):
        out += all_gather(ring, region, cols, p, due, region_span)
        due += region_span * (ring.size - 1) / ring.size
    return out


def _merge(chains: list[list[_Group]]) -> list[Instr]:
    """The chains' groups in the order they are due (ties: the earlier chain first), each
    chain's own order kept. Every chip merges by the same nominal times, so a RECV only ever
    waits for a SEND that its sender placed before something due earlier: no deadlock."""
    keyed = [[(due, k, i, g) for i, (due, g) in enumerate(c)] for k, c in enumerate(chains)]
    return [ins for *_, group in heapq.merge(*keyed) for ins in group]


def all_reduce(
    system: SystemConfig,
    chip: int,
    base: int,
    rows: int,
    cols: int,
    staging: int,
    pieces: int = 4,
) -> list[Instr]:
    """Chip ``chip``'s instructions summing accumulator rows ``base .. base + rows - 1``
    (``cols`` fp32 elements each, the ``accf`` view) over all chips of ``system``, in the
    order of the module docstring. ``staging`` is the first of `staging_rows` free
    accumulator rows the chip receives into before adding. A system of one chip needs no
    instructions."""
    if system.chips == 1 or rows == 0:
        return []
    if not 1 <= pieces <= rows:
        raise ValueError(f"pieces must be in 1..rows ({rows}), not {pieces}")
    block = (base, base + rows)
    if system.topology is Topology.RING:
        chain = _chain([_Ring(chip, system.chips, EAST)], block, cols, staging, pieces)
        return [ins for _, group in chain for ins in group]
    return _merge(
        [
            _chain(rings, half, cols, staging, pieces)
            for rings, half in zip(_torus_rings(system, chip), _bounds(*block, 2), strict=True)
            if half[1] > half[0]
        ]
    )


def _torus_rings(system: SystemConfig, chip: int) -> tuple[list[_Ring], list[_Ring]]:
    """The rings of half A (east, then south) and half B (north, then west) through ``chip``."""
    r_count, c_count = system.dims
    r, c = divmod(chip, c_count)
    east, west = (_Ring.along(c, c_count, link) for link in (EAST, WEST))
    south, north = (_Ring.along(r, r_count, link) for link in (SOUTH, NORTH))
    return [east, south], [north, west]


def staging_rows(system: SystemConfig, rows: int, pieces: int) -> int:
    """Accumulator rows `all_reduce` receives into (its ``staging`` argument's extent): the
    largest piece of a first reduce-scatter (later ones split smaller chunks)."""
    if system.topology is Topology.RING:
        part, first = rows, system.chips
    else:
        part = -(-rows // 2)
        first = min(next(d for d in dims if d > 1) for dims in (system.dims[::-1], system.dims))
    chunk = -(-part // first)
    return -(-chunk // pieces)


def reference_sum(system: SystemConfig, values: list[np.ndarray]) -> np.ndarray:
    """The fp32 sum `all_reduce` computes, per row, in its documented order (``values[c]`` is
    chip c's block, rows x cols)."""
    rows = values[0].shape[0]
    x = [np.asarray(v, dtype=np.float32) for v in values]
    if system.topology is Topology.RING:
        return _ring_sum(x, (0, rows))
    r_count, c_count = system.dims
    grid = [x[r * c_count : (r + 1) * c_count] for r in range(r_count)]
    out = np.empty_like(x[0])
    (a_lo, a_hi), (b_lo, b_hi) = _bounds(0, rows, 2)
    # half A: each row ring eastwards, then the column rings southwards over the row sums
    out[a_lo:a_hi] = _two_level([row for row in grid], (a_lo, a_hi))[a_lo:a_hi]
    # half B: each column ring northwards, then the row rings westwards over the column sums
    cols = [[grid[(-q) % r_count][c] for q in range(r_count)] for c in range(c_count)]
    cols = [cols[(-q) % c_count] for q in range(c_count)]
    out[b_lo:b_hi] = _two_level(cols, (b_lo, b_hi))[b_lo:b_hi]
    return out


def _two_level(rings: list[list[np.ndarray]], block: tuple[int, int]) -> np.ndarray:
    """Rows ``block`` summed along each of ``rings`` (each in its ring order), then across the
    rings (in their order) per chunk the first level left."""
    first = [_ring_sum(ring, block) for ring in rings]
    out = np.empty_like(first[0])
    for lo, hi in _bounds(*block, len(rings[0])):
        if hi > lo:
            out[lo:hi] = _ring_sum(first, (lo, hi))[lo:hi]
    return out


def _ring_sum(x: list[np.ndarray], block: tuple[int, int]) -> np.ndarray:
    n = len(x)
    out = np.zeros_like(x[0])
    for k, (lo, hi) in enumerate(_bounds(*block, n)):
        acc = x[k][lo:hi].copy()
        for j in range(1, n):
            acc = acc + x[(k + j) % n][lo:hi]
        out[lo:hi] = acc
    return out


def all_reduce_programs(
    system: SystemConfig,
    rows: int,
    cols: int,
    values: list[np.ndarray] | None = None,
    pieces: int = 4,
) -> list[Program]:
    """One program per chip that loads its ``rows x cols`` fp32 tensor ``x`` (a STATE, chip
    c's initial contents ``values[c]``, zeros without) into the accumulator, all-reduces it
    and stores the sum back in place."""
    cfg = system.chip
    if cols > cfg.row_elems:
        raise ValueError(f"cols ({cols}) exceed the chip's {cfg.row_elems}-element rows")
    staging = rows
    need = rows + staging_rows(system, rows, pieces)
    if need > cfg.acc_rows:
        raise ValueError(
            f"an all-reduce of {rows} rows needs {need} accumulator rows; the chip has "
            f"{cfg.acc_rows}"
        )
    x = TensorInfo("x", 0, (rows, cols), DType.FP32, TensorKind.STATE)
    tag = Tag("all_reduce", Phase.OPTIMIZER)
    programs = []
    for c in range(system.chips):
        body: list[Instr] = [
            Load(
                dram=0, dst=Loc(Mem.ACCF, 0), rows=rows, cols=cols, stride=cols * 4, transpose=False
            ),
            *all_reduce(system, c, 0, rows, cols, staging, pieces),
            Store(
                dram=0, src=Loc(Mem.ACCF, 0), rows=rows, cols=cols, stride=cols * 4, transpose=False
            ),
            Halt(),
        ]
        init = {} if values is None else {"x": np.asarray(values[c], dtype=np.float32)}
        programs.append(Program(cfg, body, [tag] * len(body), {"x": x}, init))
    return programs
