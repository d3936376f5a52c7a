from chip.config import ChipConfig
from chip.distinct import tags_of
from chip.isa import Halt
from chip.program import Phase, Program, Tag


def test_tags_are_numbered_by_first_occurrence_whether_in_runs_of_one_object_or_not():
    a, b = Tag("a", Phase.FORWARD), Tag("b", Phase.BACKWARD)
    # equal tags that are other objects, runs, and a tag coming back after another
    order = [a, a, b, Tag("a", Phase.FORWARD), b, Tag("b", Phase.BACKWARD), Tag("c", Phase.FORWARD)]
    program = Program(ChipConfig.from_toml("tiny"), (Halt(),) * len(order), tuple(order), {})
    found = tags_of(program)
    assert found.tags == (a, b, Tag("c", Phase.FORWARD))
    assert found.of.tolist() == [0, 0, 1, 0, 1, 1, 2]
    assert tags_of(program) is found  # once per program
