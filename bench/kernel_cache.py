"""What a fresh install's first `systolic train` spends compiling numba kernels.

    python -m bench.kernel_cache [-- TRAIN ARGS]
    python -m bench.kernel_cache --by-warm-up

Builds a wheel of this tree (`pip wheel --no-build-isolation`: its build step compiles the
kernels, build_kernels.py), installs it into a temporary folder and runs ``systolic train``
(defaults, or the arguments after ``--``) from there with an empty numba cache folder, twice:
with the package's shipped kernel cache, and with it deleted (every kernel compiled on first
use, as before the build step). Compile time is the wall time of numba's outermost
``numba:compile`` events (numba's event API), measured inside the process.

``--by-warm-up`` says where the build step's time goes instead: each module of
chip/machine/precompile.py's `WARM_UPS` runs its ``warm_up`` in a process of its own, from a copy
of the package without the shipped cache and an empty numba cache folder, and prints the CPU
time of that call and numba's compilations in it (callees included: a kernel shared by two
modules is compiled in each, so the rows add up to more than the build step).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_TRAIN = """
import sys, time
from numba.core import event
class Outermost(event.Listener):
    depth, start, total, count = 0, 0.0, 0.0, 0
    def on_start(self, ev):
        if self.depth == 0:
            self.start = time.perf_counter()
        self.depth += 1
    def on_end(self, ev):
        self.depth -= 1
        if self.depth == 0:
            self.total += time.perf_counter() - self.start
            self.count += 1
listener = Outermost()
event.register("numba:compile", listener)
t = time.perf_counter()
from runtime.cli import main
try:
    main(sys.argv[1:])
finally:
    print(f"RESULT {listener.total:.2f} {listener.count} {time.perf_counter() - t:.2f}")
"""


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd[:4])} ... failed:\n{done.stderr[-2000:]}")
    return done


def first_train(site: Path, work: Path, train_args: list[str]) -> tuple[float, int, float]:
    """(compile s, compilations, wall s) of ``systolic train`` from ``site``, empty cache."""
    cache = Path(tempfile.mkdtemp(dir=work, prefix="cache-"))
    env = dict(os.environ, PYTHONPATH=str(site), NUMBA_CACHE_DIR=str(cache))
    args = ["train", "--out", str(work / f"run-{cache.name}"), "--no-plots", *train_args]
    done = _run([sys.executable, "-c", _TRAIN, *args], env=env, cwd=work)
    line = [s for s in done.stdout.splitlines() if s.startswith("RESULT ")][-1]
    seconds, count, wall = line.split()[1:]
    return float(seconds), int(count), float(wall)


_WARM_UP = """
import importlib, sys, time
from numba.core import event
class Count(event.Listener):
    n = 0
    def on_start(self, ev):
        self.n += 1
    def on_end(self, ev):
        pass
count = Count()
event.register("numba:compile", count)
module = importlib.import_module("chip.machine." + sys.argv[1])
t = time.process_time()
module.warm_up()
print(f"RESULT {time.process_time() - t:.1f} {count.n}")
"""


def by_warm_up() -> None:
    """Print each precompile warm-up's CPU seconds and compilations from an empty cache."""
    from chip.machine.precompile import WARM_UPS

    with tempfile.TemporaryDirectory(prefix="systolic-bench-") as tmp:
        work = Path(tmp)
        skip = shutil.ignore_patterns("_numba_cache", "__pycache__")
        shutil.copytree(ROOT / "chip", work / "chip", ignore=skip)
        print(f"{'warm-up':>16}  CPU s  compilations")
        for name in WARM_UPS:
            cache = Path(tempfile.mkdtemp(dir=work, prefix="cache-"))
            env = dict(os.environ, PYTHONPATH=str(work), NUMBA_CACHE_DIR=str(cache))
            done = _run([sys.executable, "-c", _WARM_UP, name], env=env, cwd=work)
            line = [s for s in done.stdout.splitlines() if s.startswith("RESULT ")][-1]
            seconds, count = line.split()[1:]
            print(f"{name:>16} {float(seconds):6.1f}  {count:>12}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("train_args", nargs="*", help="arguments for systolic train (after --)")
    ap.add_argument(
        "--by-warm-up", action="store_true", help="each precompile warm-up's compile time"
    )
    args = ap.parse_args()
    if args.by_warm_up:
        by_warm_up()
        return
    with tempfile.TemporaryDirectory(prefix="systolic-bench-") as tmp:
        work = Path(tmp)
        t = time.perf_counter()
        pip = [sys.executable, "-m", "pip", "-q"]
        _run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(work), str(ROOT)])
        build_s = time.perf_counter() - t
        (wheel,) = work.glob("systolic-*.whl")
        site = work / "site"
        _run([*pip, "install", "--no-deps", "--target", str(site), str(wheel)])
        shipped = site / "chip" / "machine" / "_numba_cache"
        n_files = len(list(shipped.glob("*.nb?")))
        print(f"wheel built in {build_s:.1f} s (kernels compiled into it: {n_files} files)")
        for label in ("shipped kernel cache", "no shipped cache"):
            if label == "no shipped cache":
                shutil.rmtree(shipped)
            seconds, count, wall = first_train(site, work, args.train_args)
            print(
                f"{label:>22}: compiling {seconds:6.2f} s in {count} compilations; "
                f"whole process {wall:6.2f} s"
            )


if __name__ == "__main__":
    main()
