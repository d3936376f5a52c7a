"""A kernel's disk cache is stamped with the files of the compiled functions it calls from other
modules (chip/machine/jit.py): numba checks only the kernel's own file, so an edited rule of
chip/machine/schedule_rules.py would otherwise leave the timing loop's old machine code in use."""

from pathlib import Path

from numba.core.caching import InTreeCacheLocator

from chip.machine import block_kernels, jit, replay_kernel, schedule_kernel


def _names(module: str) -> set[str]:
    return {p.name for p in jit.kernel_dependencies(module)}


def test_dependencies_are_the_modules_a_kernel_calls_into_transitively():
    assert _names("chip.machine.schedule_kernel") == {"schedule_rules.py"}
    # replay_kernel imports fma_kernels' functions, which call block_kernels'
    assert _names("chip.machine.replay_kernel") == {
        "block_kernels.py",
        "fma_kernels.py",
        "vec_kernels.py",
    }
    # chains.py calls replay_kernel's functions through the module
    assert "replay_kernel.py" in _names("chip.machine.chains")
    assert _names("chip.machine.block_kernels") == set()


def test_an_edited_dependency_changes_the_stamp(monkeypatch):
    locator = schedule_kernel._run._cache._impl.locator
    assert isinstance(locator, jit._DependentStamp)
    before = locator.get_source_stamp()
    assert before == locator.get_source_stamp()
    real = jit._digest

    def edited(path: Path) -> bytes:
        return b"edited" if path.name == "schedule_rules.py" else real(path)

    monkeypatch.setattr(jit, "_digest", edited)
    after = locator.get_source_stamp()
    assert after != before and after[0] == before[0]  # its own file's part is unchanged


def test_a_kernel_without_dependencies_keeps_numbas_own_stamp():
    func = block_kernels._matmul_f32.py_func
    locator = block_kernels._matmul_f32._cache._impl.locator
    assert isinstance(locator, jit._DependentStamp)
    own = InTreeCacheLocator(func, block_kernels.__file__).get_source_stamp()
    assert locator.get_source_stamp() == own
    # the replay kernel's own file is the first part of its stamp
    replay = replay_kernel.replay._cache._impl.locator
    assert (
        replay.get_source_stamp()[0]
        == InTreeCacheLocator(
            replay_kernel.replay.py_func, replay_kernel.__file__
        ).get_source_stamp()
    )
