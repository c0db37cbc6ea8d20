"""Tests of helpers.data.load_pneumonia on a small file written in medmnist's real format."""

from __future__ import annotations

import builtins
import sys

import numpy as np
import pytest

from helpers import data


def write_pneumonia(path, n_train=12, n_val=3, n_test=5, seed=0, **override):
    """A tiny ``pneumoniamnist.npz`` with medmnist's keys, dtypes and shapes."""
    rng = np.random.default_rng(seed)
    arrays = {}
    for split, n in (("train", n_train), ("val", n_val), ("test", n_test)):
        arrays[f"{split}_images"] = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        arrays[f"{split}_labels"] = rng.integers(0, 2, size=(n, 1), dtype=np.uint8)
    arrays.update(override)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **arrays)
    return arrays


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """Cache directory and home directory inside tmp_path (no real copy can be found)."""
    monkeypatch.setenv("CNN_BOOK_DATA", str(tmp_path / "cache"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("CNN_BOOK_OFFLINE", raising=False)
    return tmp_path


def test_reads_the_cache_file_in_the_real_format(isolated, capsys):
    arrays = write_pneumonia(isolated / "cache" / "pneumoniamnist.npz")
    ds = data.load_pneumonia(offline=True)
    assert ds.x_train.shape == (12, 28, 28) and ds.x_test.shape == (5, 28, 28)
    assert ds.x_train.dtype == np.float32 and ds.y_train.dtype == np.int64
    assert ds.y_train.shape == (12,) and ds.y_test.shape == (5,)
    np.testing.assert_allclose(ds.x_train * 255, arrays["train_images"], atol=1e-4)
    np.testing.assert_array_equal(ds.y_test, arrays["test_labels"][:, 0])
    assert 0 <= ds.x_test.min() and ds.x_test.max() <= 1
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith("PneumoniaMNIST: ") and "cache" in out


def test_falls_back_to_medmnist_default_root(isolated, capsys):
    write_pneumonia(isolated / "home" / ".medmnist" / "pneumoniamnist.npz", n_train=7)
    ds = data.load_pneumonia(offline=True)
    assert len(ds.x_train) == 7
    assert "~/.medmnist/pneumoniamnist.npz" in capsys.readouterr().out


def test_cache_wins_over_medmnist_root(isolated):
    write_pneumonia(isolated / "cache" / "pneumoniamnist.npz", n_train=4)
    write_pneumonia(isolated / "home" / ".medmnist" / "pneumoniamnist.npz", n_train=9)
    assert len(data.load_pneumonia(offline=True).x_train) == 4


def test_offline_without_file_is_a_clear_error(isolated, monkeypatch):
    with pytest.raises(FileNotFoundError, match="offline.*no offline stand-in"):
        data.load_pneumonia(offline=True)
    monkeypatch.setenv("CNN_BOOK_OFFLINE", "1")  # the environment decides when offline=None
    with pytest.raises(FileNotFoundError, match="pip install medmnist"):
        data.load_pneumonia()


def test_online_without_medmnist_says_how_to_get_it(isolated, monkeypatch):
    real_import = builtins.__import__

    def no_medmnist(name, *args, **kwargs):
        if name == "medmnist":
            raise ImportError("No module named 'medmnist'")
        return real_import(name, *args, **kwargs)

    monkeypatch.delitem(sys.modules, "medmnist", raising=False)
    monkeypatch.setattr(builtins, "__import__", no_medmnist)
    with pytest.raises(FileNotFoundError, match="needs medmnist"):
        data.load_pneumonia(offline=False)


def test_wrong_file_format_is_rejected(isolated):
    path = isolated / "cache" / "pneumoniamnist.npz"
    write_pneumonia(path, train_images=np.zeros((12, 28, 28), dtype=np.float32))
    with pytest.raises(ValueError, match="uint8"):
        data.load_pneumonia(offline=True)
    np.savez(path, images=np.zeros((2, 28, 28), dtype=np.uint8))
    with pytest.raises(ValueError, match="train_images"):
        data.load_pneumonia(offline=True)


def test_bad_offline_argument():
    with pytest.raises(TypeError, match="offline"):
        data.load_pneumonia(offline="yes")
