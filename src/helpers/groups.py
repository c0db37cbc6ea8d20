"""Group-equivariant convolution for the group p4: translations and rotations by 90 degrees.

A convolution commutes with translations, not with rotations: rotate a digit and its feature
maps do not simply rotate. Cohen and Welling's group convolution restores it for the four
rotations of the square grid. Two layers do the work:

* the **lifting** convolution correlates an image with the four rotated copies of each
  filter, so its output has a rotation axis: ``(N, O, 4, H', W')``;
* the **group** convolution maps such lifted feature maps to new ones, rotating each filter
  *and* cycling its rotation axis.

Rotating the input by 90 degrees then rotates every output map and shifts the rotation axis
by one (:func:`p4_act`), exactly, and pooling over the rotation axis and the positions gives a
rotation-invariant read-out. NumPy only; the PyTorch twins are
:func:`helpers.gpu.lift_p4` and :func:`helpers.gpu.group_conv_p4`.

Conventions: ``r`` counts quarter turns counter-clockwise, as ``np.rot90`` does on the last
two axes; correlation as in :func:`helpers.conv.conv2d` (what deep-learning libraries call
convolution), square kernels, zero padding.
"""

from __future__ import annotations

import numpy as np

from . import conv

__all__ = ["ORDER", "rotate", "p4_act", "lift_p4", "group_conv_p4", "pool_rotations"]

ORDER = 4  # the number of rotations in p4


def _array(name: str, value, ndim: int) -> np.ndarray:
    if not isinstance(value, np.ndarray):
        raise TypeError(f"{name} must be a NumPy array, got {type(value).__name__}")
    if value.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {value.shape}")
    if not np.issubdtype(value.dtype, np.floating):
        raise TypeError(f"{name} must hold floats, got dtype {value.dtype}")
    return value


def _turns(r) -> int:
    if isinstance(r, bool) or not isinstance(r, (int, np.integer)):
        raise TypeError(f"r must be an int (quarter turns), got {r!r}")
    return int(r) % ORDER


def rotate(x: np.ndarray, r: int) -> np.ndarray:
    """Rotate the last two (spatial) axes of ``x`` by ``r`` quarter turns counter-clockwise.

    Parameters
    ----------
    x : ndarray, shape (..., H, W)
    r : int
        Quarter turns; any integer (taken modulo 4).

    Returns
    -------
    ndarray, shape (..., W, H) for odd ``r``, else (..., H, W)

    Examples
    --------
    >>> rotate(np.array([[1.0, 2.0], [3.0, 4.0]]), 1)
    array([[2., 4.],
           [1., 3.]])
    """
    if not isinstance(x, np.ndarray) or x.ndim < 2:
        raise TypeError(f"x must be a NumPy array with at least 2 dimensions, got {x!r:.60}")
    return np.rot90(x, _turns(r), axes=(-2, -1))


def p4_act(f: np.ndarray, r: int) -> np.ndarray:
    """The action of the rotation ``r`` on lifted feature maps: rotate, then cycle the axis.

    Parameters
    ----------
    f : ndarray, shape (N, C, 4, H, W)
        Feature maps with a rotation axis (the output of :func:`lift_p4`).
    r : int
        Quarter turns counter-clockwise.

    Returns
    -------
    ndarray, shape (N, C, 4, W, H) or (N, C, 4, H, W)
        ``rotate(f, r)`` with the rotation axis rolled by ``r``: the map that belonged to
        rotation ``s`` now belongs to ``s + r``.

    Examples
    --------
    >>> f = np.arange(4.0).reshape(1, 1, 4, 1, 1)
    >>> p4_act(f, 1).ravel()
    array([3., 0., 1., 2.])
    """
    _array("f", f, 5)
    if f.shape[2] != ORDER:
        raise ValueError(f"f must have a rotation axis of length 4 (axis 2), got shape {f.shape}")
    return np.roll(rotate(f, r), _turns(r), axis=2)


def _padding(padding) -> int:
    if isinstance(padding, bool) or not isinstance(padding, (int, np.integer)) or padding < 0:
        raise ValueError(f"padding must be a non-negative int, got {padding!r}")
    return int(padding)


def _filters_fit(name: str, x: np.ndarray, w: np.ndarray) -> None:
    """Square kernels, and as many input channels as the maps ``name`` have (axis 1)."""
    if w.shape[-1] != w.shape[-2]:
        raise ValueError(f"w must hold square kernels, got shape {w.shape}")
    if w.shape[1] != x.shape[1]:
        raise ValueError(f"w has {w.shape[1]} input channels but {name} has {x.shape[1]} "
                         f"({name} {x.shape}, w {w.shape})")


def lift_p4(x: np.ndarray, w: np.ndarray, padding: int = 0) -> np.ndarray:
    """Lifting convolution: correlate ``x`` with the four rotations of every filter.

    ``out[:, o, r] = conv2d(x, rotate(w, r))[:, o]``.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
        Images.
    w : ndarray, shape (O, C, k, k)
        Square filters.
    padding : int
        Zeros added on every side (as in :func:`helpers.conv.conv2d`).

    Returns
    -------
    ndarray, shape (N, O, 4, H + 2 padding - k + 1, W + 2 padding - k + 1)

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x, w = rng.normal(size=(1, 1, 6, 6)), rng.normal(size=(2, 1, 3, 3))
    >>> y = lift_p4(x, w)
    >>> y.shape
    (1, 2, 4, 4, 4)
    >>> bool(np.allclose(lift_p4(rotate(x, 1), w), p4_act(y, 1)))
    True
    """
    _array("x", x, 4)
    _array("w", w, 4)
    _filters_fit("x", x, w)
    p = _padding(padding)
    return np.stack([conv.conv2d(x, rotate(w, r), padding=p) for r in range(ORDER)], axis=2)


def group_conv_p4(f: np.ndarray, w: np.ndarray, padding: int = 0) -> np.ndarray:
    """Group convolution on p4: lifted maps in, lifted maps out.

    ``out[:, o, r] = sum_s conv2d(f[:, :, s], rotate(w[:, :, (s - r) % 4], r))[:, o]``:
    for output rotation ``r`` every filter is rotated by ``r`` and its rotation axis is
    cycled by ``r``.

    Parameters
    ----------
    f : ndarray, shape (N, C, 4, H, W)
        Lifted feature maps.
    w : ndarray, shape (O, C, 4, k, k)
        Filters with a rotation axis.
    padding : int
        Zeros added on every side.

    Returns
    -------
    ndarray, shape (N, O, 4, H + 2 padding - k + 1, W + 2 padding - k + 1)

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> f, w = rng.normal(size=(1, 2, 4, 6, 6)), rng.normal(size=(3, 2, 4, 3, 3))
    >>> bool(np.allclose(group_conv_p4(p4_act(f, 1), w), p4_act(group_conv_p4(f, w), 1)))
    True
    """
    _array("f", f, 5)
    _array("w", w, 5)
    if f.shape[2] != ORDER or w.shape[2] != ORDER:
        raise ValueError(f"f and w must have a rotation axis of length 4 (axis 2), got "
                         f"f {f.shape} and w {w.shape}")
    _filters_fit("f", f, w)
    p = _padding(padding)
    n, c = f.shape[:2]
    o, k = w.shape[0], w.shape[-1]
    stacked = f.reshape(n, c * ORDER, *f.shape[3:])  # channel-major, rotation-minor
    outs = []
    for r in range(ORDER):
        filt = rotate(np.roll(w, r, axis=2), r)  # filt[:, :, s] = rot_r(w[:, :, s - r])
        outs.append(conv.conv2d(stacked, filt.reshape(o, c * ORDER, k, k), padding=p))
    return np.stack(outs, axis=2)


def pool_rotations(f: np.ndarray, how: str = "max") -> np.ndarray:
    """Pool a lifted map over its rotation axis: invariant to cycling that axis.

    Parameters
    ----------
    f : ndarray, shape (N, C, 4, H, W)
    how : {"max", "mean"}

    Returns
    -------
    ndarray, shape (N, C, H, W)
        Equivariant to rotations of the input (rotating it rotates the result).

    Examples
    --------
    >>> f = np.arange(8.0).reshape(1, 2, 4, 1, 1)
    >>> pool_rotations(f).ravel()
    array([3., 7.])
    """
    _array("f", f, 5)
    if f.shape[2] != ORDER:
        raise ValueError(f"f must have a rotation axis of length 4 (axis 2), got shape {f.shape}")
    if how == "max":
        return f.max(axis=2)
    if how == "mean":
        return f.mean(axis=2)
    raise ValueError(f"how must be 'max' or 'mean', got {how!r}")
