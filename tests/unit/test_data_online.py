"""Tests of helpers.data's online paths: subsets of full MNIST, UCI's spreadsheet, and the reason
a download failed. No test touches the network: files are written in the real formats, and
downloads are replaced by fakes.
"""

import sys
import types
import urllib.error

import numpy as np
import pytest
from downloads import write_concrete_xls, write_idx

from helpers import data


def one_line(capsys):
    out = capsys.readouterr().out
    assert out.count("\n") == 1, f"a loader must print exactly one line, got {out!r}"
    return out


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty cache directory, a home without ~/.medmnist, and online mode."""
    monkeypatch.setenv("CNN_BOOK_DATA", str(tmp_path / "cache"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CNN_BOOK_OFFLINE", "0")
    (tmp_path / "cache").mkdir()
    return tmp_path / "cache"


def write_mnist(root, n_train, n_test):
    """MNIST files of the given sizes; every image holds its own index in pixel (0, 0)."""
    for split, n in (("train", n_train), ("test", n_test)):
        labels = np.arange(n) % 10
        images = np.zeros((n, 28, 28), dtype=np.uint8)
        images[:, 0, 0] = np.arange(n) % 256
        images[:, 0, 1] = np.arange(n) // 256
        stem = "t10k" if split == "test" else "train"
        write_idx(root / "MNIST" / "raw" / f"{stem}-images-idx3-ubyte", images)
        write_idx(root / "MNIST" / "raw" / f"{stem}-labels-idx1-ubyte", labels)


def original_index(x):
    """Recover the index stored by write_mnist in pixels (0, 0) and (0, 1)."""
    return np.rint(x[:, 0, 0] * 255).astype(int) + 256 * np.rint(x[:, 0, 1] * 255).astype(int)


# ----------------------------------------------------------------------------- MNIST subsets
def test_full_size_cache_is_named_and_subset_is_stratified(cache, capsys):
    write_mnist(cache, *data.MNIST_FULL_SIZE)
    mnist = data.load_mnist(n_train=4000, n_test=1000)
    line = one_line(capsys)
    assert "full-size MNIST" in line and "60,000/10,000" in line and "cache" in line, line
    assert "subset of 4,000/1,000" in line, line
    assert mnist.x_train.shape == (4000, 28, 28) and mnist.x_test.shape == (1000, 28, 28)
    assert np.array_equal(np.bincount(mnist.y_train), np.full(10, 400)), "stratified"
    assert np.array_equal(np.bincount(mnist.y_test), np.full(10, 100)), "stratified"
    train_idx, test_idx = original_index(mnist.x_train), original_index(mnist.x_test)
    assert len(set(train_idx)) == 4000 and len(set(test_idx)) == 1000, "no digit twice"
    assert np.array_equal(mnist.y_train, train_idx % 10), "images keep their labels"
    assert train_idx.max() > 30_000, "drawn from the whole file, not its first rows"
    assert not np.all(np.diff(train_idx) > 0), "in a shuffled order"
    again = data.load_mnist(n_train=4000, n_test=1000)
    assert np.array_equal(again.x_train, mnist.x_train), "the same subset on every run"
    other = data.load_mnist(n_train=4000, n_test=1000, seed=1)
    assert not np.array_equal(other.y_train, mnist.y_train), "another seed, another subset"
    capsys.readouterr()
    everything = data.load_mnist()
    assert "subset" not in one_line(capsys)
    assert everything.x_train.shape == (60000, 28, 28)


def test_subset_of_the_standin_is_the_standin_when_sizes_match(cache, capsys):
    whole = data.load_mnist(offline=True)
    same = data.load_mnist(offline=True, n_train=4000, n_test=1000)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == lines[1] and "subset of 4,000" not in lines[1], lines
    assert np.array_equal(whole.x_train, same.x_train) and np.array_equal(whole.y_test,
                                                                          same.y_test)
    part = data.load_mnist(offline=True, n_train=500)
    assert part.x_train.shape == (500, 28, 28) and part.x_test.shape == (1000, 28, 28)
    assert "subset of 500/1,000" in one_line(capsys)


def test_subset_larger_than_the_data_is_a_clear_error(cache):
    with pytest.raises(ValueError, match="n_test=2,000.*only 1,000"):
        data.load_mnist(offline=True, n_train=4000, n_test=2000)
    with pytest.raises(ValueError, match="n_train"):
        data.load_mnist(offline=True, n_train=0)
    with pytest.raises(TypeError, match="n_test"):
        data.load_mnist(offline=True, n_test=10.5)
    with pytest.raises(ValueError, match="seed"):
        data.load_mnist(offline=True, seed=-1)


def test_cache_is_read_without_touching_the_network(cache, capsys, monkeypatch):
    torchvision = pytest.importorskip("torchvision")

    def must_not_run(*args, **kwargs):
        raise AssertionError("the loader downloaded although the cache holds MNIST")

    monkeypatch.setattr(torchvision.datasets, "MNIST", must_not_run)
    write_mnist(cache, 20, 10)
    mnist = data.load_mnist(offline=False, n_train=10, n_test=10)
    line = one_line(capsys)
    assert "from the cache" in line and "full-size" not in line, line
    assert len(mnist.x_train) == 10


# ----------------------------------------------------------------------------- concrete
def test_concrete_spreadsheet_in_the_cache(cache, capsys, monkeypatch):
    monkeypatch.setattr(data, "_download_concrete", lambda path: pytest.fail("downloaded"))
    rows = [[540, 0, 0, 162, 2.5, 1040, 676, 28, 79.99], [332.5, 142.5, 0, 228, 0, 932, 594,
                                                           270, 40.27]]
    write_concrete_xls(cache / data.CONCRETE_XLS, rows)
    table = data.load_tabular()
    assert "UCI concrete" in one_line(capsys)
    assert table.features == ["Cement", "Blast Furnace Slag", "Fly Ash", "Water",
                              "Superplasticizer", "Coarse Aggregate", "Fine Aggregate", "Age"]
    assert table.target == data.CONCRETE_TARGET
    assert table.frame[data.CONCRETE_TARGET].tolist() == [79.99, 40.27]


def test_concrete_download_keeps_the_spreadsheet(cache, capsys, monkeypatch):
    def fake_download(path):
        write_concrete_xls(path, [[1, 2, 3, 4, 5, 6, 7, 8, 9]])

    monkeypatch.setattr(data, "_download_concrete", fake_download)
    table = data.load_tabular(offline=False)
    assert (cache / data.CONCRETE_XLS).is_file() and len(table.frame) == 1
    assert data.CONCRETE_XLS in one_line(capsys)


# ----------------------------------------------------------------------------- failure reasons
def fake_medmnist(error):
    def pneumonia(**kwargs):
        raise error

    return types.SimpleNamespace(PneumoniaMNIST=pneumonia)


@pytest.mark.parametrize(("error", "network"), [
    (urllib.error.URLError(OSError(101, "Network is unreachable")), True),
    (ConnectionResetError("reset by peer"), True),
    (RuntimeError("File not found or corrupted."), False),
])
def test_pneumonia_download_failure_says_which(cache, monkeypatch, error, network):
    monkeypatch.setitem(sys.modules, "medmnist", fake_medmnist(error))
    with pytest.raises(FileNotFoundError) as caught:
        data.load_pneumonia(offline=False)
    message = str(caught.value)
    assert "download failed" in message and type(error).__name__ in message, message
    assert ("no network" in message) is network, message
    assert "offline" not in message, "online, a failed download is not 'offline'"


def test_mnist_download_failure_without_network_says_so(cache, capsys, monkeypatch):
    torchvision = pytest.importorskip("torchvision")

    def unreachable(*args, **kwargs):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(torchvision.datasets, "MNIST", unreachable)
    data.load_mnist(offline=False)
    line = one_line(capsys)
    assert "no network" in line and "stand-in" in line, line
