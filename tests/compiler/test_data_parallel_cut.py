"""Where data-parallel overlap cuts the gradients program (compiler/data_parallel.py): never
right before a MATMUL that relies on a PRELOAD before the cut, and a dependency token whose push
and pop fall on opposite sides of a cut is dropped at both ends, other tokens kept."""

from __future__ import annotations

from chip.config import load_preset
from chip.isa import Halt, Instr, Load, Matmul, Preload, Store, Vec, VecOp, acc, sp
from chip.program import Phase, Program, Tag
from compiler.data_parallel import _cut_points, _part, _tokens

CFG = load_preset("edge")
FLAGS = ("pop_prev", "pop_next", "push_prev", "push_next")


def _program(instrs: list[Instr]) -> Program:
    return Program(CFG, instrs, [Tag("t", Phase.FORWARD)] * len(instrs), {})


def _load(**deps: bool) -> Load:
    return Load(dram=0, dst=sp(0), rows=1, cols=4, stride=16, transpose=False, **deps)


def _store(**deps: bool) -> Store:
    return Store(dram=0, src=acc(0), rows=1, cols=4, stride=16, transpose=False, **deps)


def _matmul(**deps: bool) -> Matmul:
    return Matmul(x=0, y=0, out=0, t=1, rows=4, cols=4, accumulate=False, **deps)


def _vec(**deps: bool) -> Vec:
    return Vec(
        op=VecOp.ADD, dst=acc(1), src1=acc(0), src2=acc(0), rows=1, cols=4, bcast1=False,
        bcast2=False, imm=0.0, **deps,
    )  # fmt: skip


def _flags(ins: Instr) -> set[str]:
    return {f for f in FLAGS if getattr(ins, f)}


def test_no_cut_falls_where_the_next_array_instruction_is_a_matmul():
    p = _program(
        [
            _load(),  # 0
            Preload(src=0, rows=4, cols=4),  # 1
            _matmul(),  # 2: the weights of 1
            _matmul(),  # 3
            _store(),  # 4
            _vec(),  # 5
            Preload(src=0, rows=4, cols=4),  # 6
            _matmul(),  # 7
            _store(),  # 8
            Halt(),  # 9
        ]
    )
    # not 0 (the start) nor 9 (the halt); not 2, 3 or 7 (a MATMUL next on the array)
    assert _cut_points(p) == [1, 4, 5, 6, 8]


def test_a_matmul_anywhere_after_the_cut_before_a_preload_forbids_it():
    # the stores and vector ops between the PRELOAD and its MATMUL do not make a cut safe
    p = _program([_load(), Preload(src=0, rows=4, cols=4), _vec(), _store(), _matmul(), Halt()])
    assert _cut_points(p) == [1]


def test_a_token_crossing_the_cut_is_dropped_at_both_ends_and_others_kept():
    instrs = [
        _load(push_next=True),  # 0: token A to 2
        _load(push_next=True),  # 1: token B to 4, across the cut
        Preload(src=0, rows=4, cols=4, pop_prev=True),  # 2: A
        _matmul(push_next=True),  # 3: token C to 5, across the cut
        _vec(pop_prev=True),  # 4: B
        _store(pop_prev=True),  # 5: C
        Halt(),
    ]
    p = _program(instrs)
    assert _tokens(p) == [
        (0, "push_next", 2, "pop_prev"),
        (1, "push_next", 4, "pop_prev"),
        (3, "push_next", 5, "pop_prev"),
    ]
    assert 4 in _cut_points(p)
    tokens = _tokens(p)
    before, after = _part(p, 0, 4, tokens), _part(p, 4, len(instrs), tokens)
    assert [_flags(i) for i in before.instrs] == [{"push_next"}, set(), {"pop_prev"}, set(), set()]
    assert [_flags(i) for i in after.instrs] == [set(), set(), set()]
    assert isinstance(before.instrs[-1], Halt) and isinstance(after.instrs[-1], Halt)
    # each part balances its own tokens: every pop finds its push, every push is popped
    for part in (before, after):
        pairs = _tokens(part)
        pushes = sum(f.startswith("push") for i in part.instrs for f in _flags(i))
        assert len(pairs) == pushes


def test_a_part_between_two_cuts_keeps_a_token_inside_it_and_drops_one_through_it():
    instrs = [
        _load(push_next=True),  # 0: token to 4, through the middle part
        _vec(),  # 1
        _vec(push_next=True),  # 2: token to 3, inside the middle part
        _store(pop_prev=True),  # 3
        _vec(pop_prev=True),  # 4
        Halt(),
    ]
    p = _program(instrs)
    tokens = _tokens(p)
    assert tokens == [(2, "push_next", 3, "pop_prev"), (0, "push_next", 4, "pop_prev")]
    middle = _part(p, 1, 4, tokens)
    assert [_flags(i) for i in middle.instrs] == [set(), {"push_next"}, {"pop_prev"}, set()]


def test_tokens_pair_in_push_order_per_channel():
    # two pushes on one channel: the first pop takes the first push, so a cut between the
    # pushes makes both tokens cross it
    instrs = [
        _load(push_next=True),  # 0
        _vec(),  # 1
        _load(push_next=True),  # 2
        _vec(pop_prev=True),  # 3: the token of 0
        _vec(pop_prev=True),  # 4: the token of 2
        Halt(),
    ]
    p = _program(instrs)
    tokens = _tokens(p)
    assert tokens == [(0, "push_next", 3, "pop_prev"), (2, "push_next", 4, "pop_prev")]
    middle = _part(p, 1, 4, tokens)
    assert [_flags(i) for i in middle.instrs] == [set(), set(), set(), set()]
