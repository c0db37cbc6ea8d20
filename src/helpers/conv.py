"""Convolution from scratch in NumPy.

Three views of the same operation, in the order the lectures introduce them:

1. **Signal processing** -- :func:`correlate1d`, :func:`convolve1d`, :func:`correlate2d` and
   :func:`convolve2d` slide one kernel over one signal or image. The ``mode`` says what happens
   at the border: ``"full"`` (every overlap), ``"valid"`` (only complete overlaps), ``"same"``
   (zero padding, output the size of the input) or ``"circular"`` (periodic boundary, output the
   size of the input).
2. **A linear map** -- :func:`conv_matrix` and :func:`conv_matrix2d` build the dense matrix
   ``A(w)`` with ``A(w) @ x == correlate1d(x, w, mode)``: few free parameters, mostly zeros.
3. **Deep learning** -- :func:`conv2d` and :func:`conv1d` follow ``torch.nn.functional.conv2d``
   and ``conv1d`` (batches, channels, stride, padding, dilation, groups; a *correlation*, as in
   every deep-learning library). Two methods are written out here: ``"loops"``, the definition
   to read line by line, and ``"im2col"``, which copies every window into a column
   (:func:`im2col`) and does one matrix product. :func:`conv2d_backward` returns the gradients
   the textbook way, with :func:`col2im`, the adjoint of im2col.

The fast paths -- cache-friendly im2col, ``"fft"``, ``"winograd"``, the stride-1 backward and
the rule behind ``method="auto"`` -- live in :mod:`helpers.conv_fast`; ``conv2d(method=...)``
reaches every one of them. Output sizes and padding come from :mod:`helpers.shapes`.

Conventions for "same" and "circular" with an even kernel length ``M`` (where NumPy, SciPy and
PyTorch disagree): the signal forms follow ``numpy.correlate`` / ``numpy.convolve`` and
``scipy.signal.correlate`` / ``convolve``, so that ``convolve(x, w) == correlate(x, w[::-1])``
holds in every mode. Output ``i`` of :func:`correlate1d` in these modes is
``sum_j x[i - M // 2 + j] * w[j]``. ``scipy.signal.correlate2d`` (but not ``convolve2d``) puts
even kernels one sample to the right, ``(M - 1) // 2``, and so does PyTorch's
``padding="same"``, which :func:`conv2d` follows. For odd kernels all of them agree. NumPy
only.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from helpers import conv_fast
from helpers._arrays import matmul, pad_spatial
from helpers._validate import (
    as_array,
    as_bool,
    as_int,
    as_tuple,
    check_choice,
    check_conv_channels,
    float_dtype,
)
from helpers.shapes import Geometry, conv_output_size, geometry

__all__ = [
    "MODES",
    "METHODS",
    "correlate1d",
    "convolve1d",
    "correlate2d",
    "convolve2d",
    "conv_matrix",
    "conv_matrix2d",
    "conv2d",
    "conv1d",
    "conv2d_backward",
    "conv_output_size",
    "im2col",
    "col2im",
]

MODES = ("full", "valid", "same", "circular")
METHODS = ("auto", "loops", "im2col", "fft", "winograd")


# --------------------------------------------------------------------------------------------
# 1. Signal-processing forms
# --------------------------------------------------------------------------------------------
def _signal_geometry(m: int, n: int, mode: str, name: str) -> tuple[int, int]:
    """Return ``(left, right)`` padding so that a valid correlation gives the ``mode`` output."""
    if mode == "full":
        return m - 1, m - 1
    if mode == "valid":
        if m > n:
            raise ValueError(
                f"mode='valid' needs a kernel no longer than the input along every axis; "
                f"{name} has length {m} > {n}"
            )
        return 0, 0
    # "same" and "circular": output i is sum_j x[i - m // 2 + j] w[j]
    return m // 2, (m - 1) // 2


def _pad_signal(x: np.ndarray, pads, mode: str) -> np.ndarray:
    return np.pad(x, pads, mode="wrap" if mode == "circular" else "constant")


def correlate1d(x, w, mode: str = "full") -> np.ndarray:
    """Cross-correlate a 1-D signal with a 1-D kernel: ``y[i] = sum_j x[i + j - left] * w[j]``.

    Parameters
    ----------
    x : array_like, shape (n,)
        The signal.
    w : array_like, shape (m,)
        The kernel (filter, weights).
    mode : {"full", "valid", "same", "circular"}
        ``"full"``: length ``n + m - 1``, every partial overlap (zeros outside ``x``).
        ``"valid"``: length ``n - m + 1``, complete overlaps only (needs ``m <= n``).
        ``"same"``: length ``n``, zero padding of ``m // 2`` on the left.
        ``"circular"``: length ``n``, ``x`` repeated periodically (indices taken modulo ``n``).

    Returns
    -------
    numpy.ndarray, shape (n_out,)
        float32 if both inputs are float32, float64 otherwise.

    Examples
    --------
    >>> correlate1d([1, 2, 3, 4, 5], [1, -2, 1], mode="circular")
    array([ 5.,  0.,  0.,  0., -5.])
    """
    x = as_array(x, "x", (1,), "signal (n,)")
    w = as_array(w, "w", (1,), "kernel (m,)")
    check_choice(mode, "mode", MODES)
    left, right = _signal_geometry(w.shape[0], x.shape[0], mode, "w")
    dtype = float_dtype(x, w)
    xp = _pad_signal(x.astype(dtype, copy=False), [(left, right)], mode)
    windows = sliding_window_view(xp, w.shape[0])  # (n_out, m): row i is the i-th window
    return windows @ w.astype(dtype, copy=False)


def convolve1d(x, w, mode: str = "full") -> np.ndarray:
    """Convolve a 1-D signal with a 1-D kernel: the correlation with the kernel flipped.

    ``convolve1d(x, w, mode) == correlate1d(x, w[::-1], mode)`` in every mode; the results
    equal ``numpy.convolve(x, w, mode)`` for "full", "valid" and "same" (when ``m <= n``).

    Parameters
    ----------
    x : array_like, shape (n,)
    w : array_like, shape (m,)
    mode : {"full", "valid", "same", "circular"}
        See :func:`correlate1d`.

    Returns
    -------
    numpy.ndarray, shape (n_out,)

    Examples
    --------
    >>> convolve1d([1, 2, 3], [0, 1, 0.5])
    array([0. , 1. , 2.5, 4. , 1.5])
    """
    w = as_array(w, "w", (1,), "kernel (m,)")
    return correlate1d(x, w[::-1], mode)


def correlate2d(image, kernel, mode: str = "full") -> np.ndarray:
    """Cross-correlate a 2-D image with a 2-D kernel.

    ``y[i, j] = sum_{a, b} image[i + a - top, j + b - left] * kernel[a, b]``, with the border
    handled as in :func:`correlate1d`, along each axis.

    Parameters
    ----------
    image : array_like, shape (H, W)
    kernel : array_like, shape (kH, kW)
    mode : {"full", "valid", "same", "circular"}
        Output shape ``(H + kH - 1, W + kW - 1)``, ``(H - kH + 1, W - kW + 1)``, ``(H, W)``,
        ``(H, W)``.

    Returns
    -------
    numpy.ndarray, shape (H_out, W_out)

    Examples
    --------
    >>> image = np.arange(9.0).reshape(3, 3)
    >>> correlate2d(image, np.ones((2, 2)), mode="valid")
    array([[ 8., 12.],
           [20., 24.]])
    """
    image = as_array(image, "image", (2,), "image (H, W)")
    kernel = as_array(kernel, "kernel", (2,), "kernel (kH, kW)")
    check_choice(mode, "mode", MODES)
    pads = [
        _signal_geometry(kernel.shape[axis], image.shape[axis], mode, "kernel") for axis in (0, 1)
    ]
    dtype = float_dtype(image, kernel)
    padded = _pad_signal(image.astype(dtype, copy=False), pads, mode)
    windows = sliding_window_view(padded, kernel.shape)  # (H_out, W_out, kH, kW)
    return np.tensordot(windows, kernel.astype(dtype, copy=False), axes=2)


def convolve2d(image, kernel, mode: str = "full") -> np.ndarray:
    """Convolve a 2-D image with a 2-D kernel: :func:`correlate2d` with the kernel rotated 180°.

    Equals ``scipy.signal.convolve2d(image, kernel, mode)`` (``boundary="fill"``) for "full",
    "valid" and "same", and ``boundary="wrap", mode="same"`` for "circular".

    Parameters
    ----------
    image : array_like, shape (H, W)
    kernel : array_like, shape (kH, kW)
    mode : {"full", "valid", "same", "circular"}

    Returns
    -------
    numpy.ndarray, shape (H_out, W_out)

    Examples
    --------
    >>> convolve2d(np.eye(2), [[1, 2], [3, 4]])
    array([[1., 2., 0.],
           [3., 5., 2.],
           [0., 3., 4.]])
    """
    kernel = as_array(kernel, "kernel", (2,), "kernel (kH, kW)")
    return correlate2d(image, kernel[::-1, ::-1], mode)


# --------------------------------------------------------------------------------------------
# 2. Convolution is a linear map: the matrix A(w)
# --------------------------------------------------------------------------------------------
def conv_matrix(w, n, mode: str = "same") -> np.ndarray:
    """The matrix ``A(w)`` of the correlation with ``w`` on signals of length ``n``.

    Row ``i`` holds the kernel placed at output position ``i``, so that
    ``conv_matrix(w, n, mode) @ x == correlate1d(x, w, mode)``. Every row holds the same
    ``m`` numbers: ``m`` free parameters instead of ``n_out * n``.

    Parameters
    ----------
    w : array_like, shape (m,)
        The kernel.
    n : int
        Length of the input signal.
    mode : {"full", "valid", "same", "circular"}

    Returns
    -------
    numpy.ndarray, shape (n_out, n)

    Examples
    --------
    >>> conv_matrix([1, 2, 3], 4)
    array([[2., 3., 0., 0.],
           [1., 2., 3., 0.],
           [0., 1., 2., 3.],
           [0., 0., 1., 2.]])
    """
    w = as_array(w, "w", (1,), "kernel (m,)")
    n = as_int(n, "n", minimum=1)
    check_choice(mode, "mode", MODES)
    m = w.shape[0]
    left, right = _signal_geometry(m, n, mode, "w")
    n_out = n + left + right - m + 1
    A = np.zeros((n_out, n), dtype=float_dtype(w))
    rows = np.arange(n_out)
    for j in range(m):  # kernel tap j touches input i - left + j in row i
        cols = rows - left + j
        if mode == "circular":
            A[rows, cols % n] += w[j]
        else:
            inside = (cols >= 0) & (cols < n)
            A[rows[inside], cols[inside]] += w[j]
    return A


def conv_matrix2d(kernel, shape, mode: str = "same") -> np.ndarray:
    """The matrix of :func:`correlate2d` acting on the flattened (row-major) image.

    ``conv_matrix2d(kernel, image.shape, mode) @ image.ravel() ==
    correlate2d(image, kernel, mode).ravel()``.

    Parameters
    ----------
    kernel : array_like, shape (kH, kW)
    shape : tuple of 2 ints
        The image shape ``(H, W)``.
    mode : {"full", "valid", "same", "circular"}

    Returns
    -------
    numpy.ndarray, shape (H_out * W_out, H * W)

    Examples
    --------
    >>> conv_matrix2d(np.ones((2, 2)), (2, 2), mode="valid")
    array([[1., 1., 1., 1.]])
    """
    kernel = as_array(kernel, "kernel", (2,), "kernel (kH, kW)")
    H, W = as_tuple(shape, "shape", 2, minimum=1)
    check_choice(mode, "mode", MODES)
    kh, kw = kernel.shape
    top, bottom = _signal_geometry(kh, H, mode, "kernel")
    left, right = _signal_geometry(kw, W, mode, "kernel")
    out_h, out_w = H + top + bottom - kh + 1, W + left + right - kw + 1
    A = np.zeros((out_h * out_w, H * W), dtype=float_dtype(kernel))
    oi, oj = np.divmod(np.arange(out_h * out_w), out_w)  # output pixel of every row
    for a in range(kh):
        for b in range(kw):
            ii, jj = oi - top + a, oj - left + b  # input pixel under kernel tap (a, b)
            if mode == "circular":
                A[np.arange(out_h * out_w), (ii % H) * W + jj % W] += kernel[a, b]
            else:
                inside = (ii >= 0) & (ii < H) & (jj >= 0) & (jj < W)
                A[np.flatnonzero(inside), ii[inside] * W + jj[inside]] += kernel[a, b]
    return A


# --------------------------------------------------------------------------------------------
# 3. Deep-learning form: conv2d and conv1d with torch semantics
# --------------------------------------------------------------------------------------------
def _conv_setup(x, weight, bias, stride, padding, dilation, groups, nsp: int):
    """Check a ``conv{nsp}d`` call.

    Returns ``x`` and ``weight`` as 4-D arrays of one float dtype (a 1-D problem becomes a
    2-D one of height 1), ``bias`` (or None), the :class:`~helpers.shapes.Geometry` of the two
    spatial axes, ``groups``, and whether ``x`` came with a batch axis.
    """
    layout_x = "(N, C_in, H, W) or (C_in, H, W)" if nsp == 2 else "(N, C_in, L) or (C_in, L)"
    layout_w = "(C_out, C_in/groups, kH, kW)" if nsp == 2 else "(C_out, C_in/groups, kL)"
    x = as_array(x, "x", (nsp + 1, nsp + 2), layout_x)
    weight = as_array(weight, "weight", (nsp + 2,), layout_w)
    batched = x.ndim == nsp + 2
    if not batched:
        x = x[None]
    groups = as_int(groups, "groups", minimum=1)
    if bias is not None:
        bias = as_array(bias, "bias", (1,), "(C_out,)")
    check_conv_channels(x.shape[1], weight.shape, groups, None if bias is None else bias.shape)
    geom = geometry(x.shape[2:], weight.shape[2:], stride, padding, dilation)
    dtype = float_dtype(x, weight, *([] if bias is None else [bias]))
    x, weight = x.astype(dtype, copy=False), weight.astype(dtype, copy=False)
    if bias is not None:
        bias = bias.astype(dtype, copy=False)
    if nsp == 1:  # a 1-D problem is a 2-D one of height 1
        x, weight, geom = x[:, :, None, :], weight[:, :, None, :], geom.lift()
    return x, weight, bias, geom, groups, batched


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1,
           method: str = "auto") -> np.ndarray:
    """2-D convolution layer (a cross-correlation), as ``torch.nn.functional.conv2d``.

    ``out[n, o, i, j] = bias[o] + sum_{c, a, b} x_pad[n, g*C_g + c, i*sH + a*dH, j*sW + b*dW]
    * weight[o, c, a, b]``, where ``g = o // (C_out / groups)`` is the group of filter ``o``.

    Parameters
    ----------
    x : array_like, shape (N, C_in, H, W) or (C_in, H, W)
    weight : array_like, shape (C_out, C_in / groups, kH, kW)
    bias : array_like, shape (C_out,), optional
    stride, dilation : int or (int, int)
        At least 1.
    padding : int, (int, int), "valid" or "same"
        Zeros added on both sides. "same" (stride 1 only) pads ``dilation * (k - 1)`` in total,
        the extra pixel of an odd total at the bottom/right, as PyTorch does.
    groups : int
        Split the channels into ``groups`` independent convolutions.
    method : {"auto", "loops", "im2col", "fft", "winograd"}
        How to compute it; all give the same numbers up to rounding. "winograd" needs
        dilation 1 and 3x3 kernels with stride 1, or kernels of three taps per stride step
        (e.g. 11x11 with stride 4, split into stride phases). "auto" (the default) takes
        Winograd for such kernels once there are at least 32 channels per group (each stride
        phase counts as a channel) and 16x16 pixels, and im2col otherwise: the fastest choice
        in our measurements (``BENCHMARKS.md``, :func:`helpers.conv_fast.choose_conv_method`).

    Returns
    -------
    numpy.ndarray, shape (N, C_out, H_out, W_out) (no N axis for unbatched input)
        ``H_out = floor((H + pad_top + pad_bottom - dH (kH - 1) - 1) / sH) + 1``, likewise W.
        float32 if every input is float32, float64 otherwise.

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> conv2d(x, np.ones((1, 1, 2, 2)), stride=2)
    array([[[[10., 18.],
             [42., 50.]]]])
    """
    check_choice(method, "method", METHODS)
    x, weight, bias, geom, groups, batched = _conv_setup(
        x, weight, bias, stride, padding, dilation, groups, nsp=2)
    out = _conv2d_dispatch(x, weight, geom, groups, method)
    if bias is not None:
        out += bias.reshape(1, -1, 1, 1)
    return out if batched else out[0]


def conv1d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1,
           method: str = "auto") -> np.ndarray:
    """1-D convolution layer (a cross-correlation), as ``torch.nn.functional.conv1d``.

    Parameters
    ----------
    x : array_like, shape (N, C_in, L) or (C_in, L)
    weight : array_like, shape (C_out, C_in / groups, kL)
    bias : array_like, shape (C_out,), optional
    stride, dilation : int or (int,)
    padding : int, (int,), "valid" or "same"
    groups : int
    method : {"auto", "loops", "im2col", "fft"}

    Returns
    -------
    numpy.ndarray, shape (N, C_out, L_out) (no N axis for unbatched input)

    Examples
    --------
    >>> conv1d(np.array([[[1.0, 2.0, 3.0, 4.0]]]), np.array([[[1.0, -1.0]]]))
    array([[[-1., -1., -1.]]])
    """
    check_choice(method, "method", METHODS)
    x, weight, bias, geom, groups, batched = _conv_setup(
        x, weight, bias, stride, padding, dilation, groups, nsp=1)
    out = _conv2d_dispatch(x, weight, geom, groups, method)[:, :, 0, :]
    if bias is not None:
        out += bias.reshape(1, -1, 1)
    return out if batched else out[0]


def _conv2d_dispatch(x, weight, geom: Geometry, groups, method):
    """Run ``method`` on checked 4-D arrays (no bias); the fast ones are in conv_fast."""
    if method == "winograd" and not conv_fast._winograd_applies(geom.kernel, geom.stride,
                                                                geom.dilation):
        raise ValueError("method='winograd' needs dilation 1 and a 3x3 kernel with stride 1, "
                         "or three kernel taps per stride step (e.g. 11x11 with stride 4); "
                         f"got kernel {geom.kernel}, stride {geom.stride}, dilation "
                         f"{geom.dilation}")
    if method == "auto":
        method = conv_fast._choose_method(x.shape, weight.shape, geom.stride, geom.dilation)
    if method == "loops":
        return _conv2d_loops(x, weight, geom, groups)
    if method == "im2col":
        cache_friendly = conv_fast._im2col_variant(x, weight, geom, groups)
        return (cache_friendly or _conv2d_im2col)(x, weight, geom, groups)
    if method == "fft":
        return conv_fast._conv2d_fft(x, weight, geom, groups)
    return conv_fast._conv2d_winograd(x, weight, geom, groups)


# --------------------------------------------------------------------------------------------
# 4. The methods written out: loops, then im2col + one matrix product
# --------------------------------------------------------------------------------------------
def _conv2d_loops(x, weight, geom: Geometry, groups):
    """The definition, one output number at a time. Slow; read it, don't run it on big inputs."""
    xp = pad_spatial(x, geom.padding)
    N = xp.shape[0]
    C_out, C_per_group, kh, kw = weight.shape
    out_per_group = C_out // groups
    (sh, sw), (dh, dw), (out_h, out_w) = geom.stride, geom.dilation, geom.out
    out = np.zeros((N, C_out, out_h, out_w), dtype=x.dtype)
    for n in range(N):  # every image
        for o in range(C_out):  # every filter
            g = o // out_per_group  # the group of input channels filter o sees
            channels = slice(g * C_per_group, (g + 1) * C_per_group)
            for i in range(out_h):  # every output pixel
                for j in range(out_w):
                    top, left = i * sh, j * sw
                    window = xp[n, channels,
                                top: top + dh * (kh - 1) + 1: dh,
                                left: left + dw * (kw - 1) + 1: dw]  # (C_per_group, kh, kw)
                    out[n, o, i, j] = np.sum(window * weight[o])
    return out


def _window_geometry(size, kernel_size, stride, padding, dilation) -> Geometry:
    """Geometry of :func:`im2col` and :func:`col2im`: int or pair arguments, no "same"."""
    if isinstance(padding, str):
        raise TypeError(f"padding must be an int or a tuple of 2 ints, got {padding!r}")
    return geometry(size, as_tuple(kernel_size, "kernel_size", 2, minimum=1), stride, padding,
                    dilation)


def im2col(x, kernel_size, stride=1, padding=0, dilation=1) -> np.ndarray:
    """Copy every kernel window of ``x`` into a column.

    Column ``p = i * W_out + j`` of image ``n`` holds the window under output pixel ``(i, j)``,
    ordered like ``weight.reshape(C_out, -1)`` (channel, then kernel row, then kernel column),
    so a convolution is one matrix product:
    ``conv2d(x, weight) == (weight.reshape(C_out, -1) @ im2col(x, k)).reshape(N, C_out, H_out,
    W_out)``.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
    kernel_size, stride, padding, dilation : int or (int, int)

    Returns
    -------
    numpy.ndarray, shape (N, C * kH * kW, H_out * W_out)

    Examples
    --------
    >>> im2col(np.arange(9.0).reshape(1, 1, 3, 3), 2)[0]
    array([[0., 1., 3., 4.],
           [1., 2., 4., 5.],
           [3., 4., 6., 7.],
           [4., 5., 7., 8.]])
    """
    x = as_array(x, "x", (4,), "(N, C, H, W)")
    return _im2col(x, _window_geometry(x.shape[2:], kernel_size, stride, padding, dilation))


def col2im(cols, input_shape, kernel_size, stride=1, padding=0, dilation=1) -> np.ndarray:
    """Add every column back onto the window it came from: the adjoint (transpose) of im2col.

    Pixels covered by several windows receive the sum of their contributions, so
    ``<im2col(x), c> == <x, col2im(c)>`` for all ``x`` and ``c``. This is how the gradient of
    a convolution reaches its input.

    Parameters
    ----------
    cols : array_like, shape (N, C * kH * kW, H_out * W_out)
    input_shape : tuple (N, C, H, W), or (H, W) like ``torch.nn.functional.fold``'s
        ``output_size`` (then N and C are read from ``cols``)
    kernel_size, stride, padding, dilation : int or (int, int)

    Returns
    -------
    numpy.ndarray, shape (N, C, H, W)

    Examples
    --------
    >>> col2im(np.ones((1, 4, 4)), (1, 1, 3, 3), 2)[0, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    cols = as_array(cols, "cols", (3,), "(N, C * kH * kW, H_out * W_out)")
    kernel = as_tuple(kernel_size, "kernel_size", 2, minimum=1)
    if isinstance(input_shape, (tuple, list)) and len(input_shape) == 2:
        taps = kernel[0] * kernel[1]
        if cols.shape[1] % taps:
            raise ValueError(f"cols must have C * kH * kW = a multiple of {taps} rows, "
                             f"got shape {cols.shape}")
        input_shape = (cols.shape[0], cols.shape[1] // taps,
                       *as_tuple(input_shape, "input_shape", 2, minimum=1))
    shape = as_tuple(input_shape, "input_shape", 4, minimum=1)
    geom = _window_geometry(shape[2:], kernel, stride, padding, dilation)
    expected = (shape[0], shape[1] * kernel[0] * kernel[1], geom.out[0] * geom.out[1])
    if cols.shape != expected:
        raise ValueError(f"cols must have shape {expected} for input_shape {shape}, "
                         f"got {cols.shape}")
    return _col2im(cols, shape, geom)


def _im2col(x, geom: Geometry) -> np.ndarray:
    N, C = x.shape[:2]
    (kh, kw), (sh, sw), (dh, dw) = geom.kernel, geom.stride, geom.dilation
    xp = pad_spatial(x, geom.padding)
    # windows[n, c, i, j, a, b] = xp[n, c, i*sh + a*dh, j*sw + b*dw]  (a view, no copy yet)
    windows = sliding_window_view(xp, geom.reach, axis=(2, 3))[:, :, ::sh, ::sw, ::dh, ::dw]
    out_h, out_w = windows.shape[2:4]
    cols = np.ascontiguousarray(windows.transpose(0, 1, 4, 5, 2, 3))  # (N, C, kh, kw, H', W')
    return cols.reshape(N, C * kh * kw, out_h * out_w)


def _col2im(cols, shape, geom: Geometry) -> np.ndarray:
    N, C, H, W = shape
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = geom.kernel, geom.stride, geom.dilation, geom.out
    (top, bottom), (left, right) = geom.padding
    cols = cols.reshape(N, C, kh, kw, oh, ow)
    xp = np.zeros((N, C, H + top + bottom, W + left + right), dtype=cols.dtype)
    for a in range(kh):  # one strided slice-add per kernel tap: no np.add.at needed
        for b in range(kw):
            xp[:, :, a * dh: a * dh + sh * (oh - 1) + 1: sh,
               b * dw: b * dw + sw * (ow - 1) + 1: sw] += cols[:, :, a, b]
    if top or bottom or left or right:  # drop the padding, keep a compact array
        return np.ascontiguousarray(xp[:, :, top: top + H, left: left + W])
    return xp


def _conv2d_im2col(x, weight, geom: Geometry, groups):
    """All windows as columns, then one (batched) matrix product that lands in NCHW."""
    N = x.shape[0]
    C_out, C_g, kh, kw = weight.shape
    G = groups
    cols = _im2col(x, geom)  # (N, C_in kh kw, P)
    P = cols.shape[2]
    if G == 1:
        out = matmul(weight.reshape(C_out, -1), cols)  # (N, C_out, P)
    else:
        w = weight.reshape(1, G, C_out // G, C_g * kh * kw)
        out = matmul(w, cols.reshape(N, G, C_g * kh * kw, P))  # (N, G, C_out/G, P)
    return out.reshape(N, C_out, *geom.out)


# --------------------------------------------------------------------------------------------
# 5. The backward pass
# --------------------------------------------------------------------------------------------
def conv2d_backward(grad_out, x, weight, stride=1, padding=0, dilation=1, groups=1,
                    input_grad: bool = True):
    """Gradients of :func:`conv2d` with respect to its input, weight and bias.

    With ``out = conv2d(x, weight, bias, ...)`` and a loss ``L`` whose gradient with respect
    to ``out`` is ``grad_out``: ``grad_weight`` correlates ``grad_out`` with the input
    windows (one matrix product ``grad_out . cols^T``), ``grad_x`` sends every output gradient
    back through the kernel (``col2im(weight^T . grad_out)``, which for stride 1 is a "full"
    correlation of ``grad_out`` with the flipped kernel), ``grad_bias`` sums ``grad_out``.

    The textbook route above is what runs for strides > 1. For stride 1 the same products are
    done on the columns of one kernel row or tap by tap on flat channel planes (no full
    im2col matrix), and for large 3x3 layers both
    gradients go through Winograd F(4x4, 3x3), like the forward pass (see
    :mod:`helpers.conv_fast`).

    Parameters
    ----------
    grad_out : array_like, shape (N, C_out, H_out, W_out) (or without N, like ``x``)
    x : array_like, shape (N, C_in, H, W) or (C_in, H, W)
    weight : array_like, shape (C_out, C_in / groups, kH, kW)
    stride, padding, dilation, groups
        As in :func:`conv2d`.
    input_grad : bool
        Compute ``grad_x`` (default). ``False`` skips it and returns ``None`` in its place:
        the gradient with respect to the images fed to a network's first layer, which
        training never uses (autograd skips it too when the input needs no gradient).

    Returns
    -------
    grad_x : numpy.ndarray, shape of ``x`` (None if not ``input_grad``)
    grad_weight : numpy.ndarray, shape of ``weight``
    grad_bias : numpy.ndarray, shape (C_out,)

    Examples
    --------
    >>> x = np.arange(9.0).reshape(1, 1, 3, 3)
    >>> gx, gw, gb = conv2d_backward(np.ones((1, 1, 2, 2)), x, np.ones((1, 1, 2, 2)))
    >>> gw[0, 0]
    array([[ 8., 12.],
           [20., 24.]])
    >>> gb
    array([4.])
    >>> conv2d_backward(np.ones((1, 1, 2, 2)), x, np.ones((1, 1, 2, 2)), input_grad=False)[0]
    """
    x, weight, _, geom, groups, batched = _conv_setup(
        x, weight, None, stride, padding, dilation, groups, nsp=2)
    input_grad = as_bool(input_grad, "input_grad")
    grad_out = as_array(grad_out, "grad_out", (4 if batched else 3,),
                        "(N, C_out, H_out, W_out)" if batched else "(C_out, H_out, W_out)")
    if not batched:
        grad_out = grad_out[None]
    expected = (x.shape[0], weight.shape[0], *geom.out)
    if grad_out.shape != expected:
        raise ValueError(f"grad_out must have the output's shape {expected}, got {grad_out.shape}")
    dtype = float_dtype(x, weight, grad_out)
    x, weight, grad_out = (a.astype(dtype, copy=False) for a in (x, weight, grad_out))
    grad_bias = grad_out.sum(axis=(0, 2, 3))
    if geom.stride == (1, 1):
        grad_x, grad_weight = conv_fast._backward_stride1(grad_out, x, weight, geom, groups,
                                                          input_grad)
    else:
        grad_x, grad_weight = _backward_textbook(grad_out, x, weight, geom, groups, input_grad)
    if not batched and grad_x is not None:
        grad_x = grad_x[0]
    return grad_x, grad_weight, grad_bias


def _backward_textbook(grad_out, x, weight, geom: Geometry, groups, input_grad=True):
    """grad_weight = dY cols^T and grad_x = col2im(W^T dY) (unless not ``input_grad``: None),
    one group at a time in a batch."""
    N, C_in = x.shape[:2]
    C_out, C_g, kh, kw = weight.shape
    G, P = groups, geom.out[0] * geom.out[1]
    dY = grad_out.reshape(N, G, C_out // G, P)
    cols = _im2col(x, geom).reshape(N, G, C_g * kh * kw, P)
    grad_weight = matmul(dY, cols.transpose(0, 1, 3, 2)).sum(axis=0).reshape(weight.shape)
    del cols
    if not input_grad:
        return None, grad_weight
    w_t = weight.reshape(G, C_out // G, C_g * kh * kw).transpose(0, 2, 1)
    dcols = matmul(w_t, dY).reshape(N, C_in * kh * kw, P)
    return _col2im(dcols, x.shape, geom), grad_weight
