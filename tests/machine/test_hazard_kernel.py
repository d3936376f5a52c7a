"""The hazard scan against its definition: the latest earlier instruction of each other queue
that touches a common unit of the same space, one of the two writing it."""

import numpy as np

from chip.machine.hazard_kernel import BLOCK, GRID, LISTED, RANGE, latest_conflicts, tables


def _random_program(rng: np.random.Generator, n: int, longest: int = 5):
    """Instructions as (queue, [(space, kind, lo, hi, write, a, b, c, units)]), with ``units``
    the set the access touches; a `RANGE` is at most ``longest`` units."""
    out = []
    for _ in range(n):
        accesses = []
        for _ in range(rng.integers(0, 4)):
            space, kind, write = int(rng.integers(3)), int(rng.integers(3)), bool(rng.integers(2))
            lo = int(rng.integers(0, 40))
            if kind == RANGE:
                # an empty or inverted range touches nothing
                hi = lo + int(rng.integers(-1, longest + 1))
                a = b = c = 0
                units = set(range(lo, hi))
            elif kind == GRID:
                a, c = int(rng.integers(1, 4)), int(rng.integers(1, 3))
                b = c + int(rng.integers(0, 3))
                hi = lo + a * b
                units = {lo + line * b + j for line in range(a) for j in range(c)}
            else:
                listed = sorted({int(u) for u in rng.integers(lo, lo + 12, rng.integers(1, 5))})
                a, b, c = -1, len(listed), 0  # a: the pool offset, filled in by _encode
                hi = listed[-1] + 1
                units = set(listed)
            accesses.append((space, kind, lo, hi, write, a, b, c, units))
        out.append((int(rng.integers(3)), accesses))
    return out


def _encode(program):
    queue, first, pool = [], [0], []
    cols = [[] for _ in range(8)]
    for q, accesses in program:
        queue.append(q)
        for space, kind, lo, hi, write, a, b, c, units in accesses:
            if kind == LISTED:
                a = len(pool)
                pool.extend(u - lo for u in sorted(units))
            for col, v in zip(cols, (space, kind, lo, hi, write, a, b, c), strict=True):
                col.append(int(v))
        first.append(len(cols[0]))
    arrays = [np.array(x, dtype=np.int64) for x in (queue, first, *cols, pool)]
    return arrays, tables([128, 128, 128])


def _reference(program) -> np.ndarray:
    need = np.full((len(program), 3), -1, dtype=np.int64)
    for i, (q, mine) in enumerate(program):
        for j in range(i):
            x, theirs = program[j]
            if x == q:
                continue
            if any(
                s1 == s2 and (w1 or w2) and u1 & u2
                for s1, _, _, _, w1, _, _, _, u1 in mine
                for s2, _, _, _, w2, _, _, _, u2 in theirs
            ):
                need[i, x] = j
    return need


def test_latest_conflicts_matches_the_definition():
    rng = np.random.default_rng(18)
    for _ in range(5):
        program = _random_program(rng, 150)
        arrays, tables = _encode(program)
        got = latest_conflicts(*arrays, *tables)
        assert np.array_equal(got, _reference(program))


def test_ranges_over_whole_blocks_match_the_definition():
    # ranges long enough to cover whole blocks of the kernel's tables (`BLOCK` units), mixed
    # with the unit-by-unit grids and lists that read the blocks' marks
    rng = np.random.default_rng(19)
    for _ in range(5):
        program = _random_program(rng, 150, longest=4 * BLOCK)
        arrays, tables = _encode(program)
        got = latest_conflicts(*arrays, *tables)
        assert np.array_equal(got, _reference(program))


def test_a_read_after_a_read_is_no_conflict():
    # load (queue 0) reads DRAM units 0..3, store (queue 2) reads 2..5, execute (1) writes 3
    program = [
        (0, [(2, RANGE, 0, 4, False, 0, 0, 0, set(range(4)))]),
        (2, [(2, RANGE, 2, 6, False, 0, 0, 0, set(range(2, 6)))]),
        (1, [(2, RANGE, 3, 4, True, 0, 0, 0, {3})]),
    ]
    arrays, tables = _encode(program)
    got = latest_conflicts(*arrays, *tables)
    assert got.tolist() == [[-1, -1, -1], [-1, -1, -1], [0, -1, 1]]
