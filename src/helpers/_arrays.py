"""Two NumPy primitives shared by :mod:`helpers.conv` and its fast paths in
:mod:`helpers.conv_fast`: zero padding of the spatial axes, and a matrix product without
spurious floating-point warnings. NumPy only.
"""

from __future__ import annotations

import numpy as np


def matmul(a, b, out=None) -> np.ndarray:
    """``np.matmul`` without OpenBLAS's spurious "invalid value" warnings (numpy#24067): some
    kernels set the FE_INVALID flag on padding lanes. NaN inputs still give NaN outputs.
    ``out``, if given, receives the product (as in ``np.matmul``)."""
    with np.errstate(invalid="ignore"):
        return np.matmul(a, b, out=out)


def pad_spatial(x: np.ndarray, pads) -> np.ndarray:
    """Zero-pad the two spatial axes of an (N, C, H, W) array by ``((top, bottom), (left,
    right))``; ``x`` itself when there is nothing to pad."""
    if not any(p for pair in pads for p in pair):
        return x
    return np.pad(x, [(0, 0), (0, 0), *pads])
