"""The compiler's output depends on nothing but its inputs: not on the process's string-hash
seed (set and dict orders of enums and names), nor on what the process compiled before."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Compiles LeNet's training step for an int8 chip (fp32 values in the accumulator's fp32
# view beside int32 and int8 buffers: the case whose frame order once followed a set of
# enums) and an MLP step for a bf16 chip, and prints a digest of the disassembly.
SCRIPT = """
import hashlib, sys
from chip.asm import disassemble
from chip.config import load_preset
from chip.dtypes import DType
from compiler import compile, zoo
from compiler.train import Momentum, TrainSpec
int8 = load_preset("edge").replace(input_dtype=DType.INT8)
if sys.argv[1] == "mlp-first":
    compile(zoo.mlp(batch=8), int8, train=TrainSpec("ce", Momentum(), 0.1))
h = hashlib.sha256()
for cfg, model in ((int8, zoo.lenet(batch=8)), (load_preset("edge"), zoo.mlp(batch=8))):
    h.update(disassemble(compile(model, cfg, train=TrainSpec("ce", Momentum(), 0.1))).encode())
print(h.hexdigest())
"""


def digest(seed: int, first: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": str(seed)}
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, first],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
        check=True,
    )
    return out.stdout.strip()


def test_compiled_programs_do_not_depend_on_hash_seed_or_history():
    digests = {
        digest(seed, first) for seed, first in ((0, "-"), (1, "-"), (2, "mlp-first"), (3, "-"))
    }
    assert len(digests) == 1, digests
    assert len(next(iter(digests))) == len(hashlib.sha256().hexdigest())
