"""Data sets (splits, batches, .npz files) and the backend's host interface."""

from __future__ import annotations

import numpy as np
import pytest

from runtime.backend import Backend, BackendError, Fidelity
from runtime.data import (
    DataError,
    eval_batches,
    fit_to,
    load_digits,
    load_npz,
    train_batches,
)
from tests.runtime.programs import regression_chip, softmax_regression


def test_digits_split_is_seeded_and_disjoint():
    a, b = load_digits(seed=0), load_digits(seed=0)
    assert np.array_equal(a.y_test, b.y_test)
    assert len(a.x_train) + len(a.x_test) == 1797 and len(a.x_test) == 359
    assert a.sample_shape == (8, 8) and 0.0 <= a.x_train.min() and a.x_train.max() <= 1.0
    assert not np.array_equal(load_digits(seed=1).y_test, a.y_test)


def test_batches_depend_only_on_seed_epoch_and_position():
    full = list(train_batches(100, 8, seed=3, epoch=2))
    assert len(full) == 12 and all(len(b) == 8 for b in full)
    assert len(np.unique(np.concatenate(full))) == 96
    resumed = list(train_batches(100, 8, seed=3, epoch=2, start=5))
    assert all(np.array_equal(x, y) for x, y in zip(full[5:], resumed, strict=True))
    other = list(train_batches(100, 8, seed=3, epoch=3))
    assert not np.array_equal(full[0], other[0])
    with pytest.raises(DataError, match="batch size 200 is larger than the 100 training"):
        list(train_batches(100, 200, seed=0, epoch=0))


def test_eval_batches_cover_every_sample_once():
    got = list(eval_batches(10, 4))
    assert [v for _, v in got] == [4, 4, 2]
    assert np.concatenate([i[:v] for i, v in got]).tolist() == list(range(10))
    assert got[-1][0].tolist() == [8, 9, 9, 9]


def test_npz_files(tmp_path):
    rng = np.random.default_rng(0)
    x, y = rng.random((50, 4)), rng.integers(0, 3, 50)
    np.savez(tmp_path / "a.npz", x=x, y=y)
    d = load_npz(tmp_path / "a.npz")
    assert d.num_classes == 3 and len(d.x_test) == 10 and d.x_train.dtype == np.float32
    np.savez(tmp_path / "b.npz", x=x, y=y, x_test=x[:5], y_test=y[:5])
    assert len(load_npz(tmp_path / "b.npz").x_test) == 5
    np.savez(tmp_path / "c.npz", x=x, y=y.astype(float))
    with pytest.raises(DataError, match="'y' must be a 1-D integer array"):
        load_npz(tmp_path / "c.npz")
    np.savez(tmp_path / "d.npz", x=x, y=y, x_test=x)
    with pytest.raises(DataError, match="give both 'x_test' and 'y_test'"):
        load_npz(tmp_path / "d.npz")
    # More labels than samples used to be cut silently by the split, fewer to raise IndexError.
    np.savez(tmp_path / "f.npz", x=x, y=np.concatenate([y, y[:10]]))
    with pytest.raises(DataError, match="'x' has 50 samples and 'y' 60 labels"):
        load_npz(tmp_path / "f.npz")
    np.savez(tmp_path / "g.npz", x=x, y=y, x_test=x[:5], y_test=y[:4])
    with pytest.raises(DataError, match="'x_test' has 5 samples and 'y_test' 4 labels"):
        load_npz(tmp_path / "g.npz")
    (tmp_path / "e.npz").write_bytes(b"nope")
    with pytest.raises(DataError, match="is not a readable .npz file"):
        load_npz(tmp_path / "e.npz")


def test_fit_to_reshapes_or_says_why_not():
    x = np.zeros((4, 8, 8), np.float32)
    assert fit_to(x, (64,), "mlp").shape == (4, 64)
    assert fit_to(x, (8, 8, 1), "cnn").shape == (4, 8, 8, 1)
    with pytest.raises(DataError, match=r"mlp expects samples of shape \[784\] \(784 values\)"):
        fit_to(x, (784,), "mlp")


@pytest.fixture(scope="module")
def program():
    return softmax_regression(regression_chip(), 16, 64, 10, np.zeros((64, 10), np.float32))


def test_backend_counts_host_transfers_and_keeps_weights(program):
    b = Backend(program, Fidelity.FUNCTIONAL)
    inputs = {
        "x": np.ones((16, 64)),
        "labels": np.eye(10)[np.arange(16) % 10],
        "lr": np.array([0.5]),
    }
    r = b.run(inputs)
    # x, labels and lr go in; logits and loss come back. Weights never cross the host link.
    assert r.transfer.to_chip == (16 * 64 + 16 * 10 + 1) * 4
    assert r.transfer.from_chip == (16 * 10 + 1) * 4
    w1 = b.read("W")
    b.run(inputs)
    assert not np.array_equal(b.read("W"), w1)  # the second step started from the first's W


def test_backend_snapshot_restore_and_errors(program):
    b = Backend(program, "functional")
    snap = b.snapshot()
    b.run({"x": np.ones((16, 64)), "labels": np.zeros((16, 10)), "lr": np.array([1.0])})
    b.restore(snap)
    assert np.array_equal(b.read("W", raw=True), snap["W"])
    with pytest.raises(BackendError, match=r"missing \['W'\]"):
        b.restore({})
    with pytest.raises(BackendError, match="'z' not an input of the program"):
        b.run({"z": np.zeros(1)})
    with pytest.raises(BackendError, match=r"tensor 'x' has shape \[16, 64\], got \[2\]"):
        b.run({"x": np.zeros(2)})
    with pytest.raises(BackendError, match="unknown fidelity 'exact'; expected one of"):
        Backend(program, "exact")


def test_fidelities_agree_bit_for_bit(program):
    ds = load_digits()
    inputs = {
        "x": ds.x_train[:16].reshape(16, 64),
        "labels": np.eye(10)[ds.y_train[:16]],
        "lr": np.array([0.5]),
    }
    results = {f: Backend(program, f).run(inputs) for f in ("functional", "fast", "pe")}
    for f in ("fast", "pe"):
        for name, v in results["functional"].outputs.items():
            assert np.array_equal(results[f].outputs[name], v), (f, name)
    assert results["fast"].work == results["pe"].work
    assert results["functional"].cycles is None and results["fast"].cycles > 0


def test_sampled_timing_refuses_data_dependent_timing(program, monkeypatch):
    from dataclasses import replace

    from runtime.timing import SampledTiming

    values = Backend(program, "functional")
    timer = SampledTiming(program, Fidelity.FAST)
    inputs = {"x": np.ones((16, 64)), "labels": np.zeros((16, 10)), "lr": np.array([0.1])}
    first, _ = timer.measure(values, inputs)
    real_run = timer.machine.run
    monkeypatch.setattr(
        timer.machine,
        "run",
        lambda *a, **k: replace(real_run(*a, **k), work=replace(first, cycles=first.cycles + 1)),
    )
    with pytest.raises(
        BackendError,
        match=rf"took {first.cycles} then {first.cycles + 1} "
        r"cycles .*timing depends on the data.*--fidelity fast",
    ):
        timer.measure(values, inputs)
    # same cycle total, different work: the message used to claim "took N then N cycles"
    monkeypatch.setattr(
        timer.machine,
        "run",
        lambda *a, **k: replace(real_run(*a, **k), work=replace(first, macs=first.macs + 1)),
    )
    with pytest.raises(
        BackendError,
        match=rf"took {first.cycles} cycles both times but counted "
        r"different work",
    ):
        timer.measure(values, inputs)
    with pytest.raises(BackendError, match="sampled timing needs a cycle-level fidelity"):
        SampledTiming(program, Fidelity.FUNCTIONAL)
