"""Bad inputs of `train` for the corpus (tests/runtime/bad_inputs.py): run directories with
broken checkpoints or settings, and broken datasets.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from runtime import checkpoint as ckpt
from tests.runtime.bad_zip import (
    flips,
    npy,
    npy_header_only,
    unzip,
    zip_bytes,
)

if TYPE_CHECKING:
    from tests.runtime.bad_inputs import Corpus


def run_dir_with(c: Corpus, checkpoint: bytes | None, settings: dict | None = None) -> Path:
    c.n += 1
    d = c.root / f"run{c.n:03d}"
    d.mkdir()
    s = settings or {
        "model": "mlp",
        "dataset": "digits",
        "chip": "edge",
        "dtype": None,
        "epochs": 1,
        "batch_size": 32,
        "optimizer": "sgd",
        "lr": 0.1,
        "schedule": "constant",
        "fidelity": "functional",
        "seed": 0,
        "checkpoint_every": 0,
    }
    (d / "run.json").write_text(json.dumps(s))
    if checkpoint is not None:
        (d / ckpt.CHECKPOINT_NAME).write_bytes(checkpoint)
    return d


def valid_checkpoint_bytes(root: Path) -> bytes:
    d = root / "ckpt-base"
    d.mkdir(exist_ok=True)
    tensors = {"w": np.zeros((64, 10), np.float32), "m": np.ones((64, 10), np.float32)}
    meta = {"fingerprints": {"program": "x"}, "progress": {"epoch": 0}}
    return ckpt.save(d, ckpt.Checkpoint(tensors, meta)).read_bytes()


def add_checkpoints(c: Corpus) -> None:
    good = valid_checkpoint_bytes(c.root)
    members = dict(unzip(good))
    rng = np.random.default_rng(2)

    def resume(name: str, data: bytes, expect: str = "checkpoint") -> None:
        c.add(f"resume {name}", ["train", "--resume", run_dir_with(c, data)], expect)

    for cut in (0, 10, len(good) // 2, len(good) - 1):
        resume(f"checkpoint truncated at {cut}", good[:cut])
    for pos, bad in flips(good, rng, 8):
        resume(f"checkpoint byte {pos} flipped", bad)
    meta = members["meta.npy"]

    def meta_json(obj: object) -> bytes:
        return npy(np.frombuffer(json.dumps(obj).encode(), np.uint8))

    variants = {
        "no meta": ({k: v for k, v in members.items() if k != "meta.npy"}, "meta.npy"),
        "meta not json": ({**members, "meta.npy": npy(np.frombuffer(b"{nope", np.uint8))}, "meta"),
        "meta float": ({**members, "meta.npy": npy(np.zeros(4, np.float32))}, "meta"),
        "meta a list": ({**members, "meta.npy": meta_json([1])}, "systolic-checkpoint"),
        "meta other version": (
            {**members, "meta.npy": meta_json({"format": ckpt.FORMAT, "version": 99})},
            "version",
        ),
        "meta fingerprints a list": (
            {
                **members,
                "meta.npy": meta_json(
                    {
                        "format": ckpt.FORMAT,
                        "version": ckpt.VERSION,
                        "fingerprints": [],
                        "progress": {},
                    }
                ),
            },
            "fingerprints",
        ),
        "tensor pickle": (
            {**members, "tensor/w.npy": npy(np.array([None], dtype=object))},
            "pickle",
        ),
        "tensor huge header": (
            {**members, "tensor/w.npy": npy_header_only("<f4", (1 << 30, 1 << 30))},
            "tensor/w.npy",
        ),
        "tensor short payload": (
            {**members, "tensor/w.npy": npy_header_only("<f4", (64, 10), b"\0" * 100)},
            "tensor/w.npy",
        ),
        "unexpected member": ({**members, "other.npy": meta}, "other.npy"),
        "meta deep json": (
            {**members, "meta.npy": npy(np.frombuffer(b"[" * 100_000, np.uint8))},
            "meta",
        ),
    }
    for name, (ms, expect) in variants.items():
        resume(name, zip_bytes(list(ms.items())), expect)
    c.add("resume a file", ["train", "--resume", c.file(".txt", "x")], "not a run directory")
    bad_settings = [
        ("batch_size", "32", "batch_size"),
        ("batch_size", 10**9, "batch_size"),
        ("epochs", -1, "epochs"),
        ("lr", "fast", "lr"),
        ("lr", None, "lr"),
        ("seed", -5, "seed"),
        ("fidelity", "rtl", "fidelity"),
        ("model", 3, "model"),
        ("optimizer", ["sgd"], "optimizer"),
        ("output", 3, "output"),
    ]
    for key, value, expect in bad_settings:
        s = json.loads((run_dir_with(c, good) / "run.json").read_text())
        s[key] = value
        c.add(f"run.json {key}={value!r}", ["train", "--resume", run_dir_with(c, good, s)], expect)


def add_datasets(c: Corpus) -> None:
    rng = np.random.default_rng(3)
    x = rng.random((40, 8, 8)).astype(np.float32)
    y = rng.integers(0, 10, 40)
    buf = io.BytesIO()
    np.savez(buf, x=x, y=y)
    good = buf.getvalue()
    members = dict(unzip(good))

    def train(name: str, data: bytes, expect: str) -> None:
        path = c.file(".npz", data)
        c.add(f"dataset {name}", ["train", "--dataset", path, "--out", c.root / "o"], expect)

    for cut in (0, 5, len(good) // 2, len(good) - 1):
        train(f"truncated at {cut}", good[:cut], ".npz")
    for pos, bad in flips(good, rng, 6):
        train(f"bit {pos} flipped", bad, ".npz")

    def arrays(**kw: object) -> bytes:
        out = io.BytesIO()
        np.savez(out, **kw)
        return out.getvalue()

    train("no y", arrays(x=x), "'y'")
    train(
        "pickled x",
        zip_bytes(list({**members, "x.npy": npy(np.array([{}], object))}.items())),
        "pickle",
    )
    train("string labels", arrays(x=x, y=np.array(["a"] * 40)), "y")
    train("float labels", arrays(x=x, y=y.astype(np.float32)), "'y'")
    train("negative labels", arrays(x=x, y=-y - 1), "negative label")
    train("huge labels", arrays(x=x, y=y + 10**12), "label")
    train("nan samples", arrays(x=np.full_like(x, np.nan), y=y), "NaN")
    train("1-D samples", arrays(x=x.reshape(-1), y=y), "'x'")
    train("zero-size samples", arrays(x=np.zeros((40, 0)), y=y), "'x'")
    train("lengths differ", arrays(x=x, y=y[:-1]), "samples")
    train("only x_test", arrays(x=x, y=y, x_test=x), "x_test")
    train("extra array", arrays(x=x, y=y, z=y), "'z'")
    train("test shape differs", arrays(x=x, y=y, x_test=x[:, :4], y_test=y), "samples")
    train("complex samples", arrays(x=x.astype(np.complex64), y=y), "x.npy")
    train(
        "header lies",
        zip_bytes(
            list(
                {**members, "x.npy": npy_header_only("<f4", (40, 8, 9), bytes(40 * 64 * 4))}.items()
            )
        ),
        "x.npy",
    )
    c.add("dataset is a directory", ["train", "--dataset", c.root], "is a directory")
    c.add("dataset missing", ["train", "--dataset", c.root / "none.npz"], "does not exist")
