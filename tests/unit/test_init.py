"""helpers.__init__: device(), seed_everything(), __version__."""

from __future__ import annotations

import random
import subprocess
import sys

import numpy as np
import pytest
import torch

import helpers


def test_version_is_a_release_string():
    assert isinstance(helpers.__version__, str)
    assert all(part.isdigit() for part in helpers.__version__.split(".")[:3])


def test_device_prefers_cuda_then_mps_then_cpu(monkeypatch):
    assert helpers.device().type == ("cuda" if torch.cuda.is_available() else
                                     "mps" if torch.backends.mps.is_available() else "cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert helpers.device().type == "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert helpers.device().type == "mps"
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert helpers.device().type == "cpu"


def test_device_prefer_is_validated(monkeypatch):
    assert helpers.device("cpu").type == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match="no cuda device"):
        helpers.device("cuda")
    with pytest.raises(ValueError, match="prefer must be one of"):
        helpers.device("tpu")


def test_seed_everything_makes_every_generator_repeat():
    def draw():
        return (random.random(), np.random.rand(),  # noqa: NPY002
                 torch.rand(1).item(), torch.randn(2).tolist())

    helpers.seed_everything(7)
    first = draw()
    helpers.seed_everything(7)
    assert draw() == first
    helpers.seed_everything(8)
    assert draw() != first
    assert torch.backends.cudnn.deterministic and not torch.backends.cudnn.benchmark


def test_seed_everything_returns_a_seeded_generator():
    a = helpers.seed_everything(3).integers(0, 1000, size=5)
    b = helpers.seed_everything(3).integers(0, 1000, size=5)
    assert np.array_equal(a, b)


@pytest.mark.parametrize("seed, error", [(-1, ValueError), (2**32, ValueError), (1.5, TypeError),
                                         ("0", TypeError), (True, TypeError)])
def test_seed_everything_rejects_bad_seeds(seed, error):
    with pytest.raises(error, match="seed"):
        helpers.seed_everything(seed)


def test_importing_helpers_does_not_import_torch():
    code = "import sys, helpers; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", "the NumPy chapters must not pay for importing PyTorch"


def test_glue_returns_the_value_with_or_without_myst_nb(monkeypatch):
    assert helpers.glue("x", 3.5) == 3.5
    monkeypatch.setitem(sys.modules, "myst_nb", None)  # as in Colab: import fails
    assert helpers.glue("y", [1, 2]) == [1, 2]
    with pytest.raises(TypeError, match="name"):
        helpers.glue("", 1)


def test_limit_threads_sets_and_restores_torch_and_blas():
    import torch
    from threadpoolctl import threadpool_info

    def blas_threads():
        return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]

    torch_before, blas_before = torch.get_num_threads(), blas_threads()
    with helpers.limit_threads(1):
        assert torch.get_num_threads() == 1
        assert set(blas_threads()) <= {1}, "every BLAS pool runs one thread"
    assert torch.get_num_threads() == torch_before and blas_threads() == blas_before
    limit = helpers.limit_threads(1)  # without "with": in force until restored
    assert torch.get_num_threads() == 1
    limit.restore()
    assert torch.get_num_threads() == torch_before


@pytest.mark.parametrize(("n", "error"), [(0, ValueError), (1.0, TypeError), (True, TypeError)])
def test_limit_threads_rejects_bad_counts(n, error):
    with pytest.raises(error, match=r"\bn\b"):
        helpers.limit_threads(n)
