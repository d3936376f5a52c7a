"""Collectives for a system of chips, emitted as link and vector instructions.

`all_reduce` sums a block of fp32 accumulator rows over every chip of a `SystemConfig`, leaving
the sum on each: on a ring, a reduce-scatter then an all-gather (Patarasuk & Yuan's bandwidth-
optimal ring: every link direction carries 2(N-1)/N of the data); on an R x C torus, a
reduce-scatter along each row ring, an all-reduce of the owned part along each column ring, and
an all-gather along the row ring again.

The block's rows are split into N chunks (``numpy.array_split`` sizes), and each chunk into
``pieces`` pieces that travel one after another, so a piece's vector add overlaps the transfer
of the next and the links stay busy.

Reduction order (what makes results reproducible bit for bit): on a ring of N chips, chunk k
is summed starting at chip k and going forward around the ring,
``(((x_k + x_{k+1}) + x_{k+2}) + ... + x_{k+N-1})`` (indices mod N), in fp32; every chip
ends with the same bits. On a torus the row rings sum first (that order along each row), then
the column ring sums the row sums in the same way. `reference_sum` computes this order in
NumPy.
"""

from __future__ import annotations

import numpy as np

from chip.dtypes import DType
from chip.isa import Halt, Instr, Load, Loc, Mem, Recv, Send, Store, Vec, VecOp
from chip.program import Phase, Program, Tag, TensorInfo, TensorKind
from chip.system import SystemConfig, Topology

FORWARD, BACKWARD = 0, 1  # ring links; a torus's column rings use links 2 (forward) and 3


def _bounds(lo: int, hi: int, parts: int) -> list[tuple[int, int]]:
    """``parts`` consecutive row ranges covering [lo, hi) (array_split sizes, some empty)."""
    sizes = [len(a) for a in np.array_split(np.arange(hi - lo), parts)]
    edges = np.cumsum([lo, *sizes])
    return [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:], strict=True)]


class _Ring:
    """One chip's place on a ring: its position, the ring's size and its two links."""

    def __init__(self, pos: int, size: int, forward: int) -> None:
        self.pos, self.size, self.fwd, self.back = pos, size, forward, forward + 1


def _pieces(chunk: tuple[int, int], pieces: int) -> list[tuple[int, int]]:
    return [p for p in _bounds(*chunk, pieces) if p[1] > p[0]]


def _send(ring: _Ring, rows: tuple[int, int], mem: Mem, cols: int) -> Send:
    return Send(link=ring.fwd, src=Loc(mem, rows[0]), rows=rows[1] - rows[0], cols=cols)


def reduce_scatter(
    ring: _Ring, block: tuple[int, int], cols: int, staging: int, pieces: int
) -> tuple[list[Instr], tuple[int, int]]:
    """Instructions of one chip's ring reduce-scatter over accumulator rows ``block`` (fp32
    view); returns them and the rows of the chunk this chip then holds summed."""
    n, c = ring.size, ring.pos
    chunks = _bounds(*block, n)
    out: list[Instr] = [_send(ring, p, Mem.ACCF, cols) for p in _pieces(chunks[c], pieces)]
    for s in range(n - 1):
        k = (c - s - 1) % n  # the chunk arriving from the previous chip
        for lo, hi in _pieces(chunks[k], pieces):
            rows = hi - lo
            out.append(Recv(link=ring.back, dst=Loc(Mem.ACCF, staging), rows=rows, cols=cols))
            dst = Loc(Mem.ACCF, lo)
            src2 = Loc(Mem.ACCF, staging)
            out.append(
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
                )
            )
            if s < n - 2:
                out.append(_send(ring, (lo, hi), Mem.ACCF, cols))
    return out, chunks[(c + 1) % n]


def all_gather(ring: _Ring, block: tuple[int, int], cols: int, pieces: int) -> list[Instr]:
    """One chip's ring all-gather of the chunks `reduce_scatter` left (the same ``block``)."""
    n, c = ring.size, ring.pos
    chunks = _bounds(*block, n)
    out: list[Instr] = [
        _send(ring, p, Mem.ACCF, cols) for p in _pieces(chunks[(c + 1) % n], pieces)
    ]
    for s in range(n - 1):
        k = (c - s) % n  # the chunk arriving from the previous chip, complete
        for lo, hi in _pieces(chunks[k], pieces):
            out.append(Recv(link=ring.back, dst=Loc(Mem.ACCF, lo), rows=hi - lo, cols=cols))
            if s < n - 2:
                out.append(_send(ring, (lo, hi), Mem.ACCF, cols))
    return out


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
    order of the module docstring. ``staging`` is the first of ``ceil(rows / N / pieces)``
    free accumulator rows the chip receives into before adding. A system of one chip needs
    no instructions."""
    if system.chips == 1 or rows == 0:
        return []
    if not 1 <= pieces <= rows:
        raise ValueError(f"pieces must be in 1..rows ({rows}), not {pieces}")
    block = (base, base + rows)
    if system.topology is Topology.RING:
        ring = _Ring(chip, system.chips, FORWARD)
        instrs, _ = reduce_scatter(ring, block, cols, staging, pieces)
        return instrs + all_gather(ring, block, cols, pieces)
    r_count, c_count = system.dims
    r, c = divmod(chip, c_count)
    out: list[Instr] = []
    owned = block
    if c_count > 1:
        row_ring = _Ring(c, c_count, FORWARD)
        out, owned = reduce_scatter(row_ring, block, cols, staging, pieces)
    if r_count > 1 and owned[1] > owned[0]:
        col_ring = _Ring(r, r_count, 2)
        col_pieces = min(pieces, owned[1] - owned[0])
        rs, _ = reduce_scatter(col_ring, owned, cols, staging, col_pieces)
        out += rs + all_gather(col_ring, owned, cols, col_pieces)
    if c_count > 1:
        out += all_gather(row_ring, block, cols, pieces)
    return out


def staging_rows(system: SystemConfig, rows: int, pieces: int) -> int:
    """Accumulator rows `all_reduce` receives into (its ``staging`` argument's extent)."""
    n = system.chips if system.topology is Topology.RING else system.dims[1]
    chunk = -(-rows // n)
    return -(-chunk // pieces)


def reference_sum(system: SystemConfig, values: list[np.ndarray]) -> np.ndarray:
    """The fp32 sum `all_reduce` computes, per row, in its documented order (``values[c]`` is
    chip c's block, rows x cols)."""
    rows = values[0].shape[0]
    x = [np.asarray(v, dtype=np.float32) for v in values]
    if system.topology is Topology.RING:
        return _ring_sum(x, (0, rows))
    r_count, c_count = system.dims
    row_sums = [_ring_sum(x[r * c_count : (r + 1) * c_count], (0, rows)) for r in range(r_count)]
    out = np.empty_like(x[0])
    chunks = _bounds(0, rows, c_count) if c_count > 1 else [(0, rows)]
    for lo, hi in chunks:  # each column ring sums the row rings' results for its own chunk
        if hi > lo:
            out[lo:hi] = _ring_sum([s[lo:hi] for s in row_sums], (0, hi - lo))
    return out


def _ring_sum(x: list[np.ndarray], block: tuple[int, int]) -> np.ndarray:
    n = len(x)
    out = np.empty_like(x[0])
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
