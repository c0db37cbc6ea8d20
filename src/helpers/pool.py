"""Pooling from scratch in NumPy, with the semantics of ``torch.nn.functional``.

A pooling layer slides a window over every channel of a feature map and summarises what it
sees with one number: the largest value (max pooling), the mean (average pooling), or a
power mean (Lp pooling). Anti-aliased pooling (Zhang, 2019) first blurs each channel with a
small binomial filter and only then subsamples, so that a one-pixel shift of the input moves
the output less.

Shapes follow PyTorch: a batch ``(N, C, H, W)`` or a single example ``(C, H, W)``; the
output has the same number of axes. Window geometry (``kernel_size``, ``stride``,
``padding``, ``dilation``, ``ceil_mode``) means exactly what it means in PyTorch, and the
output size along each axis is::

    out = floor((size + 2 * padding - dilation * (kernel_size - 1) - 1) / stride) + 1

(``ceil`` instead of ``floor`` with ``ceil_mode=True``, but a window must start inside the
input or its left padding).

Every pooling is computed the same readable way: a window of ``kh x kw`` taps is seen as
``kh * kw`` strided slices of the (padded) input, one per tap, and the pooling reduces over
those slices. For 2x2 windows with stride 2 max pooling is just ``np.maximum`` of four views
of the input, which is fast and never copies the windows. When the indices of the maxima are
needed (``return_indices``, the backward pass), a reference loop over the taps reproduces
PyTorch's rule for ties; the backward pass can take those indices from the forward pass
(``indices=``) instead of looking for the winners again. NumPy only.
"""

from __future__ import annotations

import functools
from numbers import Real

import numpy as np

from helpers._validate import as_bool, as_int, as_real_array, as_tuple, check_choice, check_ndim
from helpers.shapes import Geometry, padding_pairs, pool_geometry

__all__ = [
    "avg_pool2d",
    "avg_pool2d_backward",
    "binomial_filter",
    "blur_pool2d",
    "global_avg_pool2d",
    "global_max_pool2d",
    "lp_pool2d",
    "max_pool1d",
    "max_pool2d",
    "max_pool2d_backward",
]

_LAYOUT = "(N, C, H, W) or (C, H, W)"
_PAD_MODES = ("reflect", "replicate", "zero", "constant")


# --------------------------------------------------------------------------- argument checks
def _as_batch(x, name: str = "x") -> tuple[np.ndarray, bool]:
    """Return ``x`` as a real 4-D array and whether a batch axis was added."""
    x = as_real_array(x, name)
    check_ndim(x, name, (3, 4), _LAYOUT)
    if 0 in x.shape[-3:]:
        raise ValueError(f"{name} must have non-empty C, H and W axes, got shape {x.shape}")
    if x.ndim == 3:
        return x[None], True
    return x, False


def _taps(geom: Geometry, axis: int) -> np.ndarray:
    """Input coordinate of every tap: array (out, kernel) along ``axis`` (0 = H, 1 = W)."""
    start = np.arange(geom.out[axis]) * geom.stride[axis] - geom.padding[axis][0]
    return start[:, None] + np.arange(geom.kernel[axis]) * geom.dilation[axis]


def _pad(x: np.ndarray, pads, value: float) -> np.ndarray:
    """Pad the last two axes of ``x`` by ``pads = ((top, bottom), (left, right))``."""
    if not any(sum(p) for p in pads):
        return x
    return np.pad(x, ((0, 0), (0, 0), *pads), mode="constant", constant_values=value)


def _tap_slices(xp: np.ndarray, geom: Geometry):
    """Yield, for each kernel tap (i, j), the strided slice of ``xp`` it sees: (N, C, Ho, Wo)."""
    (kh, kw), (sh, sw), (dh, dw), (ho, wo) = geom.kernel, geom.stride, geom.dilation, geom.out
    for i in range(kh):
        for j in range(kw):
            top, left = i * dh, j * dw
            yield xp[..., top : top + sh * (ho - 1) + 1 : sh, left : left + sw * (wo - 1) + 1 : sw]


# --------------------------------------------------------------------------- max pooling
def _max_pool_taps(x: np.ndarray, geom: Geometry, nan: bool = False):
    """Reference max pooling: the maximum of each window and which tap holds it.

    PyTorch's loop, run for all windows at once: visit the taps of the window in row-major
    order and keep a tap if it is the first real (not padding) element, if it is strictly
    larger than the best so far, or if it is NaN. So ties go to the first maximum, a window
    of ``-inf`` points at its first real element, and NaN wins.

    Returns ``(feature_map, tap)``, both (N, C, Ho, Wo); ``tap`` (a small integer type) is
    ``i * kw + j`` for the winning tap (i, j), or -1 for a window that holds only padding.
    The NaN test would make the loop half as slow again, so it runs (``nan=True``) only when
    a window turned out to hold a NaN; without padding the first tap is real in every window,
    and the padding test is skipped too.
    """
    xp = _pad(x, geom.covering_padding(), -np.inf)
    padded = xp is not x
    kw = geom.kernel[1]
    tap_type = np.int8 if geom.kernel[0] * kw <= 127 else np.int32
    best = np.full(x.shape[:2] + geom.out, -np.inf, dtype=x.dtype)
    tap = np.full(best.shape, -1 if padded else 0, dtype=tap_type)
    if padded:
        rows, cols = _taps(geom, 0), _taps(geom, 1)  # (Ho, kh), (Wo, kw)
        inside_h = (rows >= 0) & (rows < geom.size[0])
        inside_w = (cols >= 0) & (cols < geom.size[1])
    for t, view in enumerate(_tap_slices(xp, geom)):
        if t == 0 and not padded:
            best[...] = view
            continue
        take = view > best
        if nan:
            take |= np.isnan(view)
        if padded:
            real = np.outer(inside_h[:, t // kw], inside_w[:, t % kw])  # (Ho, Wo)
            take = real & (take | (tap < 0))
        tap += take * (t - tap)  # tap = t where take (arithmetic: faster than np.where)
        np.maximum(best, view, out=best)  # padding is -inf; NaN propagates, as in PyTorch
    if not nan and np.isnan(best).any():  # a window holds a NaN: it must win
        return _max_pool_taps(x, geom, nan=True)
    return best, tap


def _indices(tap: np.ndarray, geom: Geometry) -> np.ndarray:
    """Flat index ``row * W + col`` of the chosen tap of every window (PyTorch's indices)."""
    start_h, start_w = _taps(geom, 0)[:, 0], _taps(geom, 1)[:, 0]  # first tap of each window
    (dh, dw), width = geom.dilation, geom.size[1]
    t = np.arange(geom.kernel[0] * geom.kernel[1])
    offset = (t // geom.kernel[1]) * dh * width + (t % geom.kernel[1]) * dw  # of each tap
    index = (start_h[:, None] * width + start_w[None, :]) + offset[tap]
    if tap.min(initial=0) >= 0:
        return index
    # a window of padding only: PyTorch reports its first tap at or after row/column 0
    first_h = start_h + np.maximum(0, -(start_h // dh)) * dh
    first_w = start_w + np.maximum(0, -(start_w // dw)) * dw
    return np.where(tap >= 0, index, first_h[:, None] * width + first_w[None, :])


def _max_pool2d_fast(x: np.ndarray, geom: Geometry) -> np.ndarray:
    """Max pooling as the elementwise maximum of the kh * kw strided slices of the input.

    For 2x2 windows with stride 2 that is ``np.maximum`` of four views of ``x``: no copy
    of the windows, no padding unless asked for (then ``-inf`` pixels never win).
    """
    out = functools.reduce(np.maximum, _tap_slices(_pad(x, geom.covering_padding(), -np.inf), geom))
    return out.copy() if out.base is not None else out  # a 1x1 window: never return a view


def max_pool2d(
    x,
    kernel_size,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode: bool = False,
    return_indices: bool = False,
):
    """2-D max pooling: the largest value in each window of each channel.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W) or (C, H, W)
        Feature maps. Integer input is computed in float64; float32 stays float32.
    kernel_size : int or (int, int)
        Window size ``(kh, kw)``.
    stride : int or (int, int), optional
        Step between windows; defaults to ``kernel_size`` (non-overlapping windows).
    padding : int or (int, int)
        Implicit ``-inf`` padding on both sides; at most ``kernel_size // 2``.
    dilation : int or (int, int)
        Spacing between the taps of a window.
    ceil_mode : bool
        Round the output size up instead of down (extra windows may hang over the edge).
    return_indices : bool
        Also return, for each output, the flat index ``row * W + col`` of its maximum in the
        input plane (the first maximum on ties), as ``torch.nn.functional.max_pool2d`` does.

    Returns
    -------
    feature_map : ndarray, shape (N, C, Ho, Wo) or (C, Ho, Wo)
    indices : ndarray of int64, same shape, only if ``return_indices``

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[[1., 2, 0, 1], [3, 4, 1, 0], [0, 1, 5, 2], [1, 0, 2, 6]]])
    >>> max_pool2d(x, 2)
    array([[[4., 1.],
            [1., 6.]]])
    >>> max_pool2d(x, 2, return_indices=True)[1]
    array([[[ 5,  3],
            [ 9, 15]]])
    """
    x4, unbatched = _as_batch(x)
    geom = pool_geometry(x4.shape[-2:], kernel_size, stride, padding, dilation, ceil_mode)
    return_indices = as_bool(return_indices, "return_indices")
    if return_indices:
        feature_map, tap = _max_pool_taps(x4, geom)
    else:  # the fast path gives the same numbers without tracking which tap won
        feature_map, tap = _max_pool2d_fast(x4, geom), None
    if unbatched:
        feature_map = feature_map[0]
    if not return_indices:
        return feature_map
    indices = _indices(tap, geom)
    return feature_map, indices[0] if unbatched else indices


def max_pool1d(
    x,
    kernel_size,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode: bool = False,
    return_indices: bool = False,
):
    """1-D max pooling over the last axis of ``(N, C, L)`` or ``(C, L)``.

    It is :func:`max_pool2d` on an image of height 1; the arguments are single ints and the
    indices (if asked for) are positions along ``L``.

    Examples
    --------
    >>> max_pool1d([[1., 3, 2, 5, 4]], 2)
    array([[3., 5.]])
    >>> max_pool1d([[1., 3, 2, 5, 4]], 3, stride=1, return_indices=True)[1]
    array([[1, 3, 3]])
    """
    x = as_real_array(x, "x")
    check_ndim(x, "x", (2, 3), "(N, C, L) or (C, L)")
    if 0 in x.shape[-2:]:
        raise ValueError(f"x must have non-empty C and L axes, got shape {x.shape}")
    for value, name in ((kernel_size, "kernel_size"), (stride, "stride"), (padding, "padding"),
                        (dilation, "dilation")):
        if value is not None:
            as_int(value, name)  # single ints only: the layer is 1-D
    geom = pool_geometry(x.shape[-1:], kernel_size, stride, padding, dilation, ceil_mode)
    (k,), (s,), ((p, _),), (d,) = geom.kernel, geom.stride, geom.padding, geom.dilation
    out = max_pool2d(x[..., None, :], (1, k), (1, s), (0, p), (1, d), ceil_mode, return_indices)
    if return_indices:
        return out[0][..., 0, :], out[1][..., 0, :]
    return out[..., 0, :]


def max_pool2d_backward(
    grad_out,
    x,
    kernel_size,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode: bool = False,
    indices=None,
) -> np.ndarray:
    """Gradient of :func:`max_pool2d` with respect to its input.

    Each output passes its gradient to the input element that won its window, the one its
    index (``return_indices``) points at: the first maximum on ties, as PyTorch does. An
    input that wins several overlapping windows collects the sum.

    Parameters
    ----------
    grad_out : array_like, shape of ``max_pool2d(x, ...)``
        Gradient of the loss with respect to the pooled output.
    x : array_like, shape (N, C, H, W) or (C, H, W)
        The input of the forward pass.
    kernel_size, stride, padding, dilation, ceil_mode
        As in :func:`max_pool2d`.
    indices : array_like of int, shape of ``grad_out``, optional
        The indices that ``max_pool2d(x, ..., return_indices=True)`` returned. Given, they
        say where each gradient goes and the winners are not looked for again (what a
        training framework keeps from the forward pass: PyTorch's ``MaxPool2d`` does the
        same); without them they are found from ``x``. An index past the input plane (a
        window of padding only, see :func:`max_pool2d`) sends its gradient nowhere.

    Returns
    -------
    grad_x : ndarray, shape of ``x``

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[[1., 2], [4, 3]]])
    >>> max_pool2d_backward(np.ones((1, 1, 1)), x, 2)
    array([[[0., 0.],
            [1., 0.]]])
    >>> out, idx = max_pool2d(x, 2, return_indices=True)
    >>> max_pool2d_backward(np.ones((1, 1, 1)), x, 2, indices=idx)
    array([[[0., 0.],
            [1., 0.]]])
    """
    x4, unbatched = _as_batch(x)
    geom = pool_geometry(x4.shape[-2:], kernel_size, stride, padding, dilation, ceil_mode)
    g = _check_grad_out(grad_out, x4, geom, unbatched)
    if indices is None:
        index = _indices(_max_pool_taps(x4, geom)[1], geom)
    else:
        index = _check_indices(indices, g.shape, unbatched)
    grad_x = _scatter_to_indices(g, index, x4.shape, geom)
    return grad_x[0] if unbatched else grad_x


def _check_indices(indices, shape, unbatched: bool) -> np.ndarray:
    index = np.asarray(indices)
    if index.dtype.kind not in "iu":
        raise TypeError(f"indices must be integers (from max_pool2d(..., return_indices=True)),"
                        f" got dtype {index.dtype}")
    expected = shape[1:] if unbatched else shape
    if index.shape != expected:
        raise ValueError(f"indices must have the shape of grad_out {expected}, got {index.shape}")
    if index.size and index.min() < 0:
        raise ValueError(f"indices must be >= 0 (flat positions in the input plane), got "
                         f"{index.min()}")
    return index[None] if unbatched else index


def _scatter_to_indices(g: np.ndarray, index: np.ndarray, shape, geom: Geometry) -> np.ndarray:
    """Send ``g[n, c, i, j]`` to pixel ``index[n, c, i, j]`` of plane (n, c), adding up repeats.

    Where windows can share no pixel (a stride at least the window's reach) and none hangs
    over the edge, every winner is a different pixel and one assignment does it; otherwise
    the gradients are summed per pixel.
    """
    n, c, h, w = shape
    grad_x = np.zeros(n * c * h * w, dtype=g.dtype)
    target = index + (np.arange(n * c) * (h * w)).reshape(n, c, 1, 1)  # flat, whole batch
    disjoint = all(s >= r for s, r in zip(geom.stride, geom.reach, strict=True))
    if disjoint and not any(sum(p) for p in geom.covering_padding()):
        grad_x[target.reshape(-1)] = g.reshape(-1)
    else:
        inside = index < h * w  # PyTorch's index of a padding-only window may leave the plane
        grad_x += np.bincount(target[inside], g[inside], grad_x.size).astype(g.dtype)
    return grad_x.reshape(shape)


def _check_grad_out(grad_out, x4: np.ndarray, geom: Geometry, unbatched: bool) -> np.ndarray:
    g = as_real_array(grad_out, "grad_out")
    expected = x4.shape[:2] + geom.out
    if unbatched:
        expected = expected[1:]
    if g.shape != expected:
        raise ValueError(f"grad_out must have the pooled output's shape {expected}, got {g.shape}")
    g = g[None] if unbatched else g
    return g.astype(np.result_type(x4.dtype, g.dtype), copy=False)


def _spread_back(g: np.ndarray, geom: Geometry, x4: np.ndarray) -> np.ndarray:
    """Add every window's ``g`` back onto all pixels of the window, in the padded input."""
    (top, bottom), (left, right) = geom.covering_padding()
    h, w = geom.size
    grad_padded = np.zeros(x4.shape[:2] + (top + h + bottom, left + w + right), dtype=g.dtype)
    for view in _tap_slices(grad_padded, geom):
        view += g  # one tap's pixels are distinct: += is safe
    return grad_padded


def _crop(grad_padded: np.ndarray, geom: Geometry, unbatched: bool) -> np.ndarray:
    """Cut the padding off a gradient: back to the input's shape (a fresh contiguous array)."""
    (top, _), (left, _) = geom.covering_padding()
    h, w = geom.size
    grad_x = grad_padded[..., top : top + h, left : left + w]
    return np.ascontiguousarray(grad_x[0] if unbatched else grad_x)


# --------------------------------------------------------------------------- average pooling
def _check_divisor(divisor_override) -> int | None:
    if divisor_override is None:
        return None
    divisor = as_int(divisor_override, "divisor_override")
    if divisor == 0:
        raise ValueError("divisor_override must be a non-zero int or None, got 0")
    return divisor


def _avg_divisor(geom: Geometry, count_include_pad: bool, divisor_override) -> np.ndarray:
    """What each window's sum is divided by: array (Ho, Wo), as in PyTorch.

    The window counts the padding it covers if ``count_include_pad``, but never the part
    that hangs past the padding (``ceil_mode``).
    """
    if divisor_override is not None:
        return np.full(geom.out, float(divisor_override))
    counts = []
    for axis in (0, 1):
        taps = _taps(geom, axis)
        lo, hi = 0, geom.size[axis]
        if count_include_pad:
            lo, hi = lo - geom.padding[axis][0], hi + geom.padding[axis][1]
        counts.append(((taps >= lo) & (taps < hi)).sum(axis=1))
    return np.outer(counts[0], counts[1]).astype(float)


def avg_pool2d(
    x,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override=None,
) -> np.ndarray:
    """2-D average pooling: the mean of each window of each channel.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W) or (C, H, W)
    kernel_size, stride, padding, ceil_mode
        As in :func:`max_pool2d` (the padding is zeros).
    count_include_pad : bool
        Divide by the window size including the zero padding it covers (PyTorch's default),
        or only by the number of real input elements in it.
    divisor_override : int, optional
        Divide every window's sum by this number instead.

    Returns
    -------
    ndarray, shape (N, C, Ho, Wo) or (C, Ho, Wo)

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(16.0).reshape(1, 4, 4)
    >>> avg_pool2d(x, 2)
    array([[[ 2.5,  4.5],
            [10.5, 12.5]]])
    >>> ones = np.ones((1, 2, 2))   # each padded window covers one real pixel and three zeros
    >>> avg_pool2d(ones, 2, padding=1)
    array([[[0.25, 0.25],
            [0.25, 0.25]]])
    >>> avg_pool2d(ones, 2, padding=1, count_include_pad=False)
    array([[[1., 1.],
            [1., 1.]]])
    """
    x4, unbatched = _as_batch(x)
    geom = pool_geometry(x4.shape[-2:], kernel_size, stride, padding, 1, ceil_mode)
    include = as_bool(count_include_pad, "count_include_pad")
    divisor = _avg_divisor(geom, include, _check_divisor(divisor_override))
    sums = functools.reduce(np.add, _tap_slices(_pad(x4, geom.covering_padding(), 0.0), geom))
    out = (sums / divisor).astype(x4.dtype, copy=False)
    return out[0] if unbatched else out


def avg_pool2d_backward(
    grad_out,
    x,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override=None,
) -> np.ndarray:
    """Gradient of :func:`avg_pool2d` with respect to its input.

    Every input element of a window receives the window's gradient divided by the same
    divisor as in the forward pass; overlapping windows add up.

    Examples
    --------
    >>> import numpy as np
    >>> avg_pool2d_backward(np.ones((1, 1, 1)), np.zeros((1, 2, 2)), 2)
    array([[[0.25, 0.25],
            [0.25, 0.25]]])
    """
    x4, unbatched = _as_batch(x)
    geom = pool_geometry(x4.shape[-2:], kernel_size, stride, padding, 1, ceil_mode)
    include = as_bool(count_include_pad, "count_include_pad")
    divisor = _avg_divisor(geom, include, _check_divisor(divisor_override))
    g = _check_grad_out(grad_out, x4, geom, unbatched)
    grad_padded = _spread_back(g / divisor, geom, x4)
    return _crop(grad_padded.astype(g.dtype, copy=False), geom, unbatched)


# --------------------------------------------------------------------------- Lp pooling
def lp_pool2d(x, norm_type, kernel_size, stride=None, ceil_mode: bool = False) -> np.ndarray:
    """2-D power-average (Lp) pooling: ``(sum of x**p over the window) ** (1/p)``.

    This is PyTorch's definition: the sum is computed as ``avg_pool2d(x**p) * kh * kw``
    (so with ``ceil_mode`` a window that hangs over the edge is rescaled to a full window),
    then raised to ``1/p``. ``p = inf`` is the max of ``|x|`` and ``p = -inf`` the min.
    Negative inputs with a fractional ``p`` give NaN, as in PyTorch. No padding.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W) or (C, H, W)
    norm_type : float
        The power ``p`` (non-zero). ``p = 1`` is sum pooling; large ``p`` approaches max pooling.
    kernel_size, stride, ceil_mode
        As in :func:`max_pool2d`.

    Examples
    --------
    >>> import numpy as np
    >>> lp_pool2d(np.array([[[3.0, 4.0]]]), 2, (1, 2))
    array([[[5.]]])
    """
    if isinstance(norm_type, (bool, np.bool_)) or not isinstance(norm_type, Real):
        raise TypeError(f"norm_type must be a real number, got {norm_type!r}")
    p = float(norm_type)
    if p == 0 or np.isnan(p):
        raise ValueError(f"norm_type must be a non-zero number, got {norm_type!r}")
    x4, unbatched = _as_batch(x)
    if np.isinf(p):  # the largest |x| (p = inf) or the smallest (p = -inf)
        sign = 1.0 if p > 0 else -1.0
        out = sign * max_pool2d(sign * np.abs(x4), kernel_size, stride, ceil_mode=ceil_mode)
    else:
        kh, kw = as_tuple(kernel_size, "kernel_size", 2, minimum=1)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            powered = np.power(x4, x4.dtype.type(p))
            mean = avg_pool2d(powered, kernel_size, stride, 0, ceil_mode)
            out = np.power(mean * (kh * kw), x4.dtype.type(1.0 / p))
    return out[0] if unbatched else out


# --------------------------------------------------------------------------- global pooling
def _global(x, keepdim, reduce):
    x4, unbatched = _as_batch(x)
    keepdim = as_bool(keepdim, "keepdim")
    out = reduce(x4, axis=(-2, -1), keepdims=keepdim)
    return out[0] if unbatched else out


def global_avg_pool2d(x, keepdim: bool = False) -> np.ndarray:
    """Mean of each channel over all positions: (N, C, H, W) -> (N, C), or (N, C, 1, 1).

    Examples
    --------
    >>> import numpy as np
    >>> global_avg_pool2d(np.arange(8.0).reshape(1, 2, 2, 2))
    array([[1.5, 5.5]])
    """
    return _global(x, keepdim, np.mean)


def global_max_pool2d(x, keepdim: bool = False) -> np.ndarray:
    """Maximum of each channel over all positions: (N, C, H, W) -> (N, C), or (N, C, 1, 1).

    Examples
    --------
    >>> import numpy as np
    >>> global_max_pool2d(np.arange(8.0).reshape(1, 2, 2, 2), keepdim=True).shape
    (1, 2, 1, 1)
    """
    return _global(x, keepdim, np.max)


# --------------------------------------------------------------------------- blur pooling
def binomial_filter(filt_size: int = 3) -> np.ndarray:
    """2-D binomial low-pass filter of Zhang (2019), normalised to sum 1.

    Row ``filt_size - 1`` of Pascal's triangle (``[1]``, ``[1, 1]``, ``[1, 2, 1]``, ...,
    ``[1, 6, 15, 20, 15, 6, 1]``), outer product with itself, divided by its sum.

    Parameters
    ----------
    filt_size : int, 1 to 7

    Returns
    -------
    ndarray, shape (filt_size, filt_size), float64

    Examples
    --------
    >>> binomial_filter(3) * 16
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    size = as_int(filt_size, "filt_size", 1)
    if size > 7:
        raise ValueError(f"filt_size must be between 1 and 7, got {size}")
    row = np.array([1.0])
    for _ in range(size - 1):
        row = np.convolve(row, [1.0, 1.0])  # next row of Pascal's triangle
    filt = np.outer(row, row)
    return filt / filt.sum()


def blur_pool2d(x, filt_size: int = 3, stride=2, pad_mode: str = "reflect") -> np.ndarray:
    """Anti-aliased downsampling (Zhang, 2019): blur every channel, then keep every stride-th pixel.

    Follows the reference ``BlurPool`` of antialiased-cnns: pad by ``(filt_size - 1) // 2``
    on the top/left and ``ceil((filt_size - 1) / 2)`` on the bottom/right, then correlate
    each channel with :func:`binomial_filter` at the given stride (a depthwise convolution
    with one fixed filter). ``filt_size=1`` is plain subsampling ``x[..., ::stride, ::stride]``.
    The output size is ``ceil(H / stride) x ceil(W / stride)``.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W) or (C, H, W)
    filt_size : int, 1 to 7
        Size of the binomial filter (3 = ``[1, 2, 1]``).
    stride : int or (int, int)
        Subsampling factor.
    pad_mode : {"reflect", "replicate", "zero", "constant"}
        Border handling: mirror without repeating the edge, repeat the edge, or zeros
        (``"constant"`` is a synonym of ``"zero"``, PyTorch's name for it). ``"reflect"``
        needs the padding to be smaller than H and W.

    Returns
    -------
    ndarray, shape (N, C, ceil(H / sh), ceil(W / sw)) or without N

    Examples
    --------
    >>> import numpy as np
    >>> x = np.zeros((1, 4, 4)); x[0, :, 2] = 1.0   # a vertical line
    >>> blur_pool2d(x)
    array([[[0. , 0.5],
            [0. , 0.5]]])
    """
    x4, unbatched = _as_batch(x)
    filt = binomial_filter(filt_size).astype(x4.dtype)
    sh, sw = as_tuple(stride, "stride", 2, minimum=1)
    mode = check_choice(pad_mode, "pad_mode", _PAD_MODES)
    k = filt.shape[0]
    ((before, after),) = padding_pairs("same", k)  # floor and ceil of (k - 1) / 2
    if mode == "reflect" and max(before, after) >= min(x4.shape[-2:]):
        raise ValueError(
            f"pad_mode='reflect' needs H and W larger than the padding {after}, "
            f"got x of shape {x4.shape}"
        )
    numpy_mode = {"reflect": "reflect", "replicate": "edge"}.get(mode, "constant")
    xp = np.pad(x4, ((0, 0), (0, 0), (before, after), (before, after)), mode=numpy_mode)
    ho, wo = -(-x4.shape[-2] // sh), -(-x4.shape[-1] // sw)
    out = np.zeros(x4.shape[:2] + (ho, wo), dtype=x4.dtype)
    for i in range(k):  # slide the fixed filter: one strided slice per tap
        for j in range(k):
            window = xp[..., i : i + sh * (ho - 1) + 1 : sh, j : j + sw * (wo - 1) + 1 : sw]
            out += filt[i, j] * window
    return out[0] if unbatched else out
