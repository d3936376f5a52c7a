"""Kernels compiled ahead: `precompile` covers what programs use; the shipped cache seeds the
user's cache, so an installed copy of the package compiles nothing."""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numba
import numpy as np
import pytest
from numba.core.registry import CPUDispatcher

from bench.programs import tiled_gemm
from chip import special
from chip.config import ChipConfig, Dataflow
from chip.dtypes import DType
from chip.machine import (
    block_kernels,
    chains,
    critical_kernel,
    hazard_kernel,
    jit,
    pe_kernels,
    replay_kernel,
    run_machine,
    schedule_kernel,
    schedule_rules,
    special_kernels,
    token_kernel,
    vec_kernels,
)
from chip.machine.precompile import precompile
from compiler import zoo
from compiler.compile import compile as compile_graph
from compiler.train import SGD, TrainSpec
from tests.programs import gemm_program

ROOT = Path(__file__).resolve().parents[2]


def _signatures() -> dict[str, set]:
    out = {}
    for module in (
        block_kernels,
        chains,
        critical_kernel,
        hazard_kernel,
        pe_kernels,
        schedule_kernel,
        schedule_rules,
        replay_kernel,
        vec_kernels,
        special_kernels,
        token_kernel,
    ):
        for name, obj in vars(module).items():
            if isinstance(obj, CPUDispatcher):
                out[f"{module.__name__}.{name}"] = set(obj.signatures)
    return out


def _chip(dtype: DType, dataflow: Dataflow, rows: int, cols: int) -> ChipConfig:
    return ChipConfig.from_toml("edge").replace(
        rows=rows, cols=cols, input_dtype=dtype, dataflow=dataflow
    )


def test_precompile_covers_every_kernel_the_machine_calls():
    precompile()
    before = _signatures()
    rng = np.random.default_rng(1)
    for dtype in (DType.INT8, DType.BF16, DType.FP32):
        for dataflow in Dataflow:
            # odd shapes: partial tiles, accumulator blocks narrower than a row, several K tiles
            cfg = _chip(dtype, dataflow, 4, 4)
            a = rng.integers(-3, 4, (7, 10)).astype(np.float32)
            b = rng.integers(-3, 4, (10, 6)).astype(np.float32)
            if dtype is DType.INT8:
                a, b = a.astype(np.int8), b.astype(np.int8)
            prog = gemm_program(cfg, a, b)
            for fidelity in ("fast", "pe"):
                got = run_machine(prog, fidelity, trace=False).state.read_tensor(prog.tensor("C"))
                assert np.array_equal(got, a.astype(np.int64) @ b.astype(np.int64))
            # long enough for the compiled timing loop, double-buffered
            big = _chip(dtype, dataflow, 8, 8)
            run_machine(tiled_gemm(big, np.tile(a, (40, 4)), np.tile(b, (4, 3))), trace=False)
    # the compiler's hazard scan and token rules (chip/machine/hazard_kernel.py,
    # token_kernel.py), in a training step
    step = TrainSpec("ce", SGD(), 0.1)
    compile_graph(zoo.mlp(), _chip(DType.BF16, Dataflow.WS, 4, 4), train=step)
    # the special functions on a block, a strided view, another integer type and a scalar
    block = rng.standard_normal((6, 5)).astype(np.float32).view(np.uint32)
    for f in (special.exp_bits, special.log_bits, special.sigmoid_bits, special.tanh_bits):
        for bits in (block, block[:, ::2].T, block.astype(np.int64), np.uint32(0x3F800000)):
            assert f(bits).shape == np.shape(bits)
    after = _signatures()
    grown = {name: after[name] - before.get(name, set()) for name in after}
    assert not {name: sigs for name, sigs in grown.items() if sigs}, grown


def test_seed_cache_copies_missing_or_older_indexes_only(tmp_path, monkeypatch):
    monkeypatch.setattr(numba.config, "CACHE_DIR", str(tmp_path / "cache"))
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    (shipped / "block_kernels._widen-45.py311.nbi").write_bytes(b"index")
    (shipped / "block_kernels._widen-45.py311.1.nbc").write_bytes(b"code")
    (shipped / "block_kernels._widen_other-9.py311.1.nbc").write_bytes(b"not this one")
    target = jit.cache_folder_of(Path(block_kernels.__file__))
    assert target is not None and target.parent == tmp_path / "cache"

    assert jit.seed_cache(shipped) == 1
    assert sorted(p.name for p in target.iterdir()) == [
        "block_kernels._widen-45.py311.1.nbc",
        "block_kernels._widen-45.py311.nbi",
    ]
    assert (target / "block_kernels._widen-45.py311.1.nbc").read_bytes() == b"code"
    assert jit.seed_cache(shipped) == 0  # the copy is newer than the shipped index

    (target / "block_kernels._widen-45.py311.nbi").write_bytes(b"numba added a signature")
    assert jit.seed_cache(shipped) == 0
    assert (target / "block_kernels._widen-45.py311.nbi").read_bytes() == b"numba added a signature"

    later = time.time() + 10  # a newer install ships a newer index
    os.utime(shipped / "block_kernels._widen-45.py311.nbi", (later, later))
    assert jit.seed_cache(shipped) == 1
    assert (target / "block_kernels._widen-45.py311.nbi").read_bytes() == b"index"
    assert jit.seed_cache(tmp_path / "none") == 0


_RUN = """
from numba.core import event
compiled = []
class L(event.Listener):
    def on_start(self, ev):
        compiled.append(ev.data["dispatcher"].py_func.__qualname__)
    def on_end(self, ev):
        pass
event.register("numba:compile", L())
from chip.machine.precompile import precompile
precompile()
print("compiled:", sorted(set(compiled)))
"""


def _compiled_by_fresh_process(install: Path, user_cache: Path) -> str:
    """What `precompile()` compiles in a new process importing the package from ``install``
    with an empty user cache (the `_RUN` script's stdout); asserts it ran cleanly."""
    env = dict(os.environ, PYTHONPATH=str(install), NUMBA_CACHE_DIR=str(user_cache))
    done = subprocess.run(
        [sys.executable, "-c", _RUN], env=env, cwd=install, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    if "compiled: []" in done.stdout:
        assert jit.NOTE not in done.stderr
    return done.stdout


@pytest.mark.slow
def test_an_installed_copy_compiles_nothing(tmp_path):
    """An installed copy of the package, with fresh file times and an empty user cache, loads
    every kernel from the cache shipped beside it. The cache is the one this checkout's build
    wrote (build_kernels.py) when it is current; when it is missing or stale (a kernel edited
    since the install) the test builds one as the build does, in another copy."""
    install = tmp_path / "site"
    shutil.copytree(ROOT / "chip", install / "chip", ignore=shutil.ignore_patterns("_numba*"))
    shipped = install / "chip" / "machine" / "_numba_cache"
    built = ROOT / "chip" / "machine" / "_numba_cache"
    if built.is_dir() and any(built.glob("*.nbi")):
        shutil.copytree(built, shipped)
        if "compiled: []" in _compiled_by_fresh_process(install, tmp_path / "cache-1"):
            return
        shutil.rmtree(shipped)

    build = tmp_path / "build"
    shutil.copytree(ROOT / "chip", build / "chip", ignore=shutil.ignore_patterns("_numba*"))
    env = dict(os.environ, PYTHONPATH=str(build), NUMBA_CACHE_DIR=str(tmp_path / "build-cache"))
    cmd = [sys.executable, "-m", "chip.machine.precompile", "--write", str(shipped)]
    done = subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert len(list(shipped.glob("*.nbi"))) >= 7
    out = _compiled_by_fresh_process(install, tmp_path / "cache-2")
    assert "compiled: []" in out, out
