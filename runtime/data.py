"""Data sets for training on the simulated chip: digits by default, or a user's `.npz` file.

A `Dataset` holds float32 samples and integer labels, already split into train and test parts.
Everything random is a pure function of a seed (and the epoch number), so a resumed run sees the
same batches in the same order as an uninterrupted one without saving any generator state.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from chip.archive import check_file, read_npz

DEFAULT_TEST_FRACTION = 0.2
MAX_DATA_BYTES = 1 << 30  # a data file unpacked, and its samples as float32
MAX_CLASSES = 1 << 16


class DataError(ValueError):
    """A data set that cannot be used: missing file, wrong arrays, shapes that do not fit."""


@dataclass(frozen=True)
class Dataset:
    """Train and test samples (float32, leading axis = sample) with integer class labels.

    Contract: ``x_train``/``x_test`` share their per-sample shape; labels are int64 in
    ``0..num_classes-1``; no array is empty.
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    num_classes: int

    def __post_init__(self) -> None:
        for part in ("train", "test"):
            x, y = getattr(self, f"x_{part}"), getattr(self, f"y_{part}")
            if len(x) == 0:
                raise DataError(f"{self.name}: the {part} split is empty")
            if len(x) != len(y):
                raise DataError(f"{self.name}: {len(x)} {part} samples but {len(y)} labels")
            if y.min() < 0 or y.max() >= self.num_classes:
                raise DataError(
                    f"{self.name}: {part} labels must lie in "
                    f"0..{self.num_classes - 1}, found {y.min()}..{y.max()}"
                )
        if self.x_train.shape[1:] != self.x_test.shape[1:]:
            raise DataError(
                f"{self.name}: train samples are {self.x_train.shape[1:]} but test "
                f"samples are {self.x_test.shape[1:]}"
            )

    @property
    def sample_shape(self) -> tuple[int, ...]:
        return tuple(self.x_train.shape[1:])


def split(
    name: str,
    x: np.ndarray,
    y: np.ndarray,
    test_fraction: float,
    seed: int,
    num_classes: int | None = None,
) -> Dataset:
    """A seeded random held-out split of ``x``/``y`` (``test_fraction`` of the samples)."""
    if not 0.0 < test_fraction < 1.0:
        raise DataError(f"test fraction must be between 0 and 1, not {test_fraction}")
    order = np.random.default_rng(seed).permutation(len(x))
    n_test = max(1, round(len(x) * test_fraction))
    test, train = order[:n_test], order[n_test:]
    classes = int(y.max()) + 1 if num_classes is None else num_classes
    return Dataset(name, x[train], y[train], x[test], y[test], classes)


def load_digits(test_fraction: float = DEFAULT_TEST_FRACTION, seed: int = 0) -> Dataset:
    """scikit-learn's 1,797 8x8 handwritten digits, pixels scaled from 0..16 to 0..1."""
    from sklearn.datasets import load_digits as sk_load_digits

    bunch = sk_load_digits()
    x = (bunch.images / 16.0).astype(np.float32)  # [N, 8, 8]
    y = bunch.target.astype(np.int64)
    return split("digits", x, y, test_fraction, seed, num_classes=10)


def load_dataset(name: str, seed: int = 0) -> Dataset:
    """The data set ``--dataset`` names: ``digits``, or the path of a user's .npz file."""
    return load_digits(seed=seed) if name == "digits" else load_npz(name, seed=seed)


def load_npz(
    path: str | Path, test_fraction: float = DEFAULT_TEST_FRACTION, seed: int = 0
) -> Dataset:
    """A user data set: arrays ``x`` (samples) and ``y`` (integer labels), optionally
    ``x_test``/``y_test``; without them a seeded held-out split is made."""
    p = Path(path)
    check_file(p, "data file", DataError)
    arrays = read_npz(p, ".npz file", DataError, MAX_DATA_BYTES)
    for key in ("x", "y"):
        if key not in arrays:
            raise DataError(
                f"{p} must hold arrays 'x' and 'y'; it holds "
                f"{', '.join(sorted(arrays)) or 'nothing'}"
            )
    unknown = sorted(set(arrays) - {"x", "y", "x_test", "y_test"})
    if unknown:
        raise DataError(f"{p}: unexpected array {unknown[0]!r}; expected x, y, x_test, y_test")
    x, y = _samples(p, arrays["x"], "x"), _labels(p, arrays["y"], "y")
    _same_length(p, x, y, "x", "y")
    if ("x_test" in arrays) != ("y_test" in arrays):
        raise DataError(f"{p}: give both 'x_test' and 'y_test', or neither")
    if "x_test" not in arrays:
        return split(p.stem, x, y, test_fraction, seed)
    xt, yt = _samples(p, arrays["x_test"], "x_test"), _labels(p, arrays["y_test"], "y_test")
    _same_length(p, xt, yt, "x_test", "y_test")
    classes = int(max(y.max(), yt.max())) + 1
    return Dataset(p.stem, x, y, xt, yt, classes)


def _samples(path: Path, x: np.ndarray, key: str) -> np.ndarray:
    if x.dtype.kind not in "fiu" or x.ndim < 2:
        raise DataError(
            f"{path}: {key!r} must be a numeric array [samples, ...], not {x.dtype}{list(x.shape)}"
        )
    if 0 in x.shape[1:]:
        raise DataError(f"{path}: {key!r} has samples of shape {list(x.shape[1:])}, with no values")
    if x.size * 4 > MAX_DATA_BYTES:
        raise DataError(
            f"{path}: {key!r} holds {x.size} values, {x.size * 4} bytes as float32; "
            f"the limit is {MAX_DATA_BYTES} bytes"
        )
    x = x.astype(np.float32, copy=False)
    if not np.isfinite(x).all():
        raise DataError(f"{path}: {key!r} contains NaN or infinity")
    return x


def _same_length(path: Path, x: np.ndarray, y: np.ndarray, x_key: str, y_key: str) -> None:
    # Checked before splitting: the split indexes both arrays by sample, so a longer y would
    # otherwise be cut silently and a shorter one fail with an IndexError.
    if len(x) != len(y) or len(x) == 0:
        raise DataError(
            f"{path}: {x_key!r} has {len(x)} samples and {y_key!r} {len(y)} labels; "
            "they must be equal and non-zero"
        )


def _labels(path: Path, y: np.ndarray, key: str) -> np.ndarray:
    if y.ndim != 1 or y.dtype.kind not in "iu":
        raise DataError(
            f"{path}: {key!r} must be a 1-D integer array of class labels, "
            f"not {y.dtype}{list(y.shape)}"
        )
    if len(y) and y.min() < 0:
        raise DataError(f"{path}: {key!r} has negative label {y.min()}")
    if len(y) and y.max() >= MAX_CLASSES:
        raise DataError(
            f"{path}: {key!r} has label {y.max()}; labels are class numbers below {MAX_CLASSES}"
        )
    return y.astype(np.int64)


def epoch_order(n: int, seed: int, epoch: int) -> np.ndarray:
    """The shuffled sample order of ``epoch``: a pure function of (seed, epoch)."""
    return np.random.default_rng([seed, epoch]).permutation(n)


def train_batches(
    n: int, batch_size: int, seed: int, epoch: int, start: int = 0
) -> Iterator[np.ndarray]:
    """Index arrays of the full batches of ``epoch``, from batch number ``start`` on.

    The program has a fixed batch size, so the last incomplete batch of an epoch is dropped
    (its samples take part in other epochs, since every epoch is shuffled anew).
    """
    if batch_size < 1:
        raise DataError(f"batch size must be at least 1, not {batch_size}")
    if n < batch_size:
        raise DataError(f"batch size {batch_size} is larger than the {n} training samples")
    order = epoch_order(n, seed, epoch)
    for b in range(start, n // batch_size):
        yield order[b * batch_size : (b + 1) * batch_size]


def eval_batches(n: int, batch_size: int) -> Iterator[tuple[np.ndarray, int]]:
    """(indices, valid count) covering all ``n`` samples in order; the last batch is padded by
    repeating its final index and only the first ``valid`` results count."""
    for start in range(0, n, batch_size):
        idx = np.arange(start, min(n, start + batch_size))
        valid = len(idx)
        if valid < batch_size:
            idx = np.concatenate([idx, np.full(batch_size - valid, idx[-1])])
        yield idx, valid


def steps_per_epoch(n: int, batch_size: int) -> int:
    return n // batch_size


def one_hot(labels: np.ndarray, num_classes: int) -> np.ndarray:
    out = np.zeros((len(labels), num_classes), dtype=np.float32)
    out[np.arange(len(labels)), labels] = 1.0
    return out


def fit_to(x: np.ndarray, sample_shape: tuple[int, ...], what: str) -> np.ndarray:
    """Reshape a batch to the program's per-sample shape (e.g. 8x8 images to 64 features for an
    MLP, or to 8x8x1 NHWC for a CNN); the element count per sample must agree."""
    per = int(np.prod(x.shape[1:]))
    want = int(np.prod(sample_shape))
    if per != want:
        raise DataError(
            f"{what} expects samples of shape {list(sample_shape)} ({want} values) "
            f"but the data set's samples have {list(x.shape[1:])} ({per} values)"
        )
    return x.reshape((len(x),) + tuple(sample_shape))
