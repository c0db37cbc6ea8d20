"""What the convolution tests share: PyTorch's float64 answer, a tolerance, a drawn layer."""

from __future__ import annotations

import warnings

import numpy as np
import torch


def tolerance(dtype, k: int, x: np.ndarray, w: np.ndarray) -> float:
    """Absolute tolerance for a sum of k products, scaled by the size of the numbers."""
    scale = float(np.abs(x).max() * np.abs(w).max()) + 1e-30
    return (1e-4 if dtype == np.float32 else 1e-10) * np.sqrt(k) * scale


def torch_conv(fn, x, w, b, **kw) -> np.ndarray:
    """``fn`` (a ``torch.nn.functional`` convolution) on float64 copies of the arrays."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns about even kernels with padding="same"
        t = fn(torch.from_numpy(x.astype(np.float64)), torch.from_numpy(w.astype(np.float64)),
               None if b is None else torch.from_numpy(b.astype(np.float64)), **kw)
    return t.numpy()


def make_case(case: dict, seed: int):
    """Arrays for a drawn layer ``case`` (shapes, dtype, bias, geometry): x, w, b, kwargs."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(case["x"]).astype(case["dtype"])
    w = rng.standard_normal(case["w"]).astype(case["dtype"])
    b = rng.standard_normal(case["w"][0]).astype(case["dtype"]) if case["bias"] else None
    kw = {k: case[k] for k in ("stride", "padding", "dilation", "groups")}
    return x, w, b, kw
