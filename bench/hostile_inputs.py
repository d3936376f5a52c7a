"""Wall time and peak memory of `systolic` refusing hostile-size inputs (issue 10).

Every hostile case of the bad-input corpus (tests/runtime/bad_inputs.py: zip bombs, lying zip
headers, .npy headers declaring terabytes, a 64 MiB instruction stream in a 91 KB program,
sparse multi-gigabyte ONNX and report files) plus absurd command-line sizes, each run as
``python -m runtime.cli ...`` in a child process: its exit status, wall time and peak RSS
(``ru_maxrss`` from ``wait4``). Targets: every case refused, under 5 s and under 500 MB.

    python -m bench.hostile_inputs
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.runtime.bad_inputs import Case, build_corpus

ROOT = Path(__file__).resolve().parents[1]
CLI_SIZES = [
    Case("--batch-size 100000", ("train", "--batch-size", "100000"), "--batch-size"),
    Case("compile --batch 100000", ("compile", "mlp", "--batch", "100000", "-o", "x"), "--batch"),
    Case("--epochs 10^10", ("train", "--epochs", "10000000000"), "--epochs"),
]


def run_child(argv: tuple[str, ...], cwd: Path) -> tuple[int, str, float, int]:
    """(exit status, stderr, wall seconds, peak RSS bytes) of one CLI run in a child."""
    start = time.perf_counter()
    p = subprocess.Popen(
        [sys.executable, "-m", "runtime.cli", *argv],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - start
    err = p.stderr.read().decode()
    p.stderr.close()
    return os.waitstatus_to_exitcode(status), err, wall, usage.ru_maxrss * 1024


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        t = time.perf_counter()
        cases = [c for c in build_corpus(root, hostile_bombs=True) if c.hostile] + CLI_SIZES
        print(f"built {len(cases)} hostile inputs in {time.perf_counter() - t:.1f} s")
        base_code, _, base_wall, base_rss = run_child(("chips", "--format", "json"), root)
        print(f"baseline `systolic chips`: {base_wall:.2f} s, {base_rss / 2**20:.0f} MiB")
        print("| case | file size | exit | seconds | peak RSS MiB | refused with |")
        print("| --- | --- | --- | --- | --- | --- |")
        worst_wall = worst_rss = 0.0
        for case in cases:
            path = next((Path(a) for a in case.argv if Path(a).is_file()), None)
            size = f"{path.stat().st_size:,}" if path else "-"
            code, err, wall, rss = run_child(case.argv, root)
            line = err.strip().splitlines()[-1] if err.strip() else ""
            ok = code in (1, 2) and case.expect in line and "internal error" not in line
            worst_wall, worst_rss = max(worst_wall, wall), max(worst_rss, rss)
            msg = line.split("error: ", 1)[-1].replace(str(root) + "/", "")[:90]
            name = case.name.split(" ", 1)[1] if case.name.startswith("#") else case.name
            print(
                f"| {name} | {size} | {code}{'' if ok else ' FAIL'} "
                f"| {wall:.2f} | {rss / 2**20:.0f} | {msg} |"
            )
        print(f"worst: {worst_wall:.2f} s, {worst_rss / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()
