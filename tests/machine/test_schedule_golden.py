"""The timing engine against golden digests: a refactor of chip/machine/schedule.py changes no
start, end, order, counter, per-tag cycle or fault message.

The digests in schedule_golden.json were written by the engine of commit 15494a7 (before the
engine's hot loop was rewritten for speed) on random token soups (random dependency flags,
queue depths, bank layouts, DRAM overlaps: deadlocks, hazards, queue-full and bank-conflict
stalls, cycle limits) and on tiled GEMMs of every dataflow. Regenerate them only for an
intended change of the timing rules: ``python -m tests.machine.test_schedule_golden --write``.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from bench.programs import tiled_gemm
from chip.config import ChipConfig, Dataflow
from chip.isa import Instr, Load, Loc, Matmul, Mem, Preload, Store, Vec, VecOp
from chip.machine.schedule import Schedule, compute_schedule, schedule_of
from chip.program import Phase, Program, Tag
from tests.machine.helpers import program
from tests.machine.test_random import operands, random_chip

# The vector functions the soups draw from: the golden digests fix the draws, so a function added
# later (CVT: an ALU-class function, timed like COPY; RAND: multi-cycle, like the
# transcendentals) is left out rather than reshuffling them.
SOUP_OPS = tuple(op for op in VecOp if op not in (VecOp.CVT, VecOp.RAND))

GOLDEN = Path(__file__).with_name("schedule_golden.json")
SOUPS, GEMMS = 200, 40
LIMITS = (None, None, 400, 60)  # cycle limits, by seed


def token_soup(cfg: ChipConfig, rng: np.random.Generator) -> Program:
    """Random loads, stores, preloads, matmuls and vector instructions with random dependency
    flags: whatever the timing rules do with them (including faults) is what the digest pins."""
    R, C, W = cfg.rows, cfg.cols, cfg.row_elems
    sp_rows, acc_rows = cfg.spad_rows, cfg.acc_rows
    out: list[Instr] = []
    tags = []

    def hot_row(rows: int) -> int:  # near the start of one of four bank-sized regions
        return int(rng.integers(4)) * (rows // 4) + int(rng.integers(0, 12))

    def flags(prev: bool = True, nxt: bool = True) -> dict[str, bool]:
        # pops rarer than pushes, or most soups would deadlock at once
        odds = {"pop_prev": 10, "pop_next": 10, "push_prev": 3, "push_next": 3}
        names = ("pop_prev", "push_prev") * prev + ("pop_next", "push_next") * nxt
        return {f: bool(rng.integers(odds[f]) == 0) for f in names}

    for _ in range(int(rng.integers(4, 40))):
        r = int(rng.integers(7))
        mem = (Mem.SPAD, Mem.ACC, Mem.ACCF)[rng.integers(3)]
        row = hot_row(sp_rows if mem is Mem.SPAD else acc_rows)
        if r <= 1:
            ins: Instr = Load(
                dram=int(rng.integers(0, 64)) * 8,
                dst=Loc(mem, row),
                rows=int(rng.integers(1, 9)),
                cols=int(rng.integers(1, W + 1)),
                stride=int(rng.choice([W, 2 * W, 1, 3])),
                transpose=bool(rng.integers(2)),
                **flags(prev=False),
            )
        elif r == 2:
            ins = Store(
                dram=int(rng.integers(0, 64)) * 8,
                src=Loc(mem, row),
                rows=int(rng.integers(1, 9)),
                cols=int(rng.integers(1, W + 1)),
                stride=int(rng.choice([W, 2 * W, 1, 5])),
                transpose=bool(rng.integers(2)),
                **flags(nxt=False),
            )
        elif r == 3:
            ins = Preload(
                src=hot_row(sp_rows),
                rows=int(rng.integers(1, R + 1)),
                cols=int(rng.integers(1, C + 1)),
                **flags(),
            )
        elif r == 4:
            ins = Matmul(
                x=hot_row(sp_rows),
                y=hot_row(sp_rows),
                out=hot_row(acc_rows),
                t=int(rng.integers(1, 9)),
                rows=int(rng.integers(1, R + 1)),
                cols=int(rng.integers(1, C + 1)),
                accumulate=bool(rng.integers(2)),
                **flags(),
            )
        else:
            op = SOUP_OPS[rng.integers(len(SOUP_OPS))]

            def loc() -> Loc:
                m = (Mem.SPAD, Mem.ACC, Mem.ACCF)[rng.integers(3)]
                return Loc(m, hot_row(sp_rows if m is Mem.SPAD else acc_rows))

            ins = Vec(
                op=op,
                dst=loc(),
                src1=loc(),
                src2=loc(),
                rows=int(rng.integers(1, 5)),
                cols=int(rng.integers(1, W + 1)),
                bcast1=bool(rng.integers(2)),
                bcast2=bool(rng.integers(2)),
                imm=0.0,
                **flags(),
            )
        out.append(ins)
        tags.append(Tag(f"l{rng.integers(3)}", Phase.FORWARD))
    prog = program(cfg, out)
    return Program(cfg, prog.instrs, tuple(tags) + (tags[-1],), {})


def soup_chip(rng: np.random.Generator) -> ChipConfig:
    return random_chip(rng).replace(queue_depth=int(rng.choice([1, 2, 3, 8])))


def digest(sched: Schedule) -> dict:
    """What a run sees of the timing: every field of the schedule, the fault in full."""
    e = sched.error
    err = None if e is None else [e.index, e.mnemonic, e.reason, e.unit, e.cycle]
    body = [
        sched.n,
        sched.order,
        sched.start,
        sched.end,
        sched.kinds,
        [None if u is None else u.value for u in sched.units],
        sched.total,
        [[t.layer, t.phase.value] for t in sched.tags],
        sched.tallies if e is None else None,
        sched.tag_cycles,
        err,
    ]
    text = json.dumps(body, default=list)
    return {"total": sched.total, "error": err, "sha256": hashlib.sha256(text.encode()).hexdigest()}


def cases() -> list[tuple[str, Program, int | None]]:
    out = []
    for seed in range(SOUPS):
        rng = np.random.default_rng(5000 + seed)
        cfg = soup_chip(rng)
        out.append((f"soup{seed}", token_soup(cfg, rng), LIMITS[seed % len(LIMITS)]))
    for seed in range(GEMMS):
        rng = np.random.default_rng(7000 + seed)
        cfg = random_chip(rng)
        if seed % 3 == 0:
            cfg = cfg.replace(dataflow=Dataflow(("ws", "os", "is")[seed // 3 % 3]))
        m, k, n = (int(v) for v in rng.integers(1, 40, 3))
        a, b = operands(cfg, rng, m, k, n)
        out.append((f"gemm{seed}", tiled_gemm(cfg, a, b, block_rows=int(rng.integers(1, 9))), None))
    return out


def compute(cached: bool = True) -> dict[str, dict]:
    """Digests of every case: through the machine's cache (`schedule_of`) or computed afresh."""
    timing = schedule_of if cached else compute_schedule
    return {name: digest(timing(prog, limit)) for name, prog, limit in cases()}


@pytest.mark.parametrize("cached", [True, False])
def test_schedules_equal_the_golden_digests(cached):
    want = json.loads(GOLDEN.read_text())
    got = compute(cached)
    assert got.keys() == want.keys()
    bad = [name for name in want if got[name] != want[name]]
    assert not bad, (
        f"schedules differ from the golden digests: {bad[:5]}: "
        f"{[(got[b], want[b]) for b in bad[:2]]}"
    )


def test_the_cases_cover_every_outcome():
    want = json.loads(GOLDEN.read_text())
    reasons = " ".join(d["error"][2] for d in want.values() if d["error"])
    for what in ("deadlock", "delivers", "still uses", "max_cycles"):
        assert what in reasons, what
    assert sum(d["error"] is None for d in want.values()) >= 40


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python -m tests.machine.test_schedule_golden --write")
    GOLDEN.write_text(json.dumps(compute(), indent=1) + "\n")
