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
   every deep-learning library), with several interchangeable methods, and
   :func:`conv2d_backward` returns the gradients. :func:`im2col` and :func:`col2im` are exposed
   for teaching.

Conventions for "same" and "circular" with an even kernel length ``M`` (where NumPy, SciPy and
PyTorch disagree): the signal forms follow ``numpy.correlate`` / ``numpy.convolve`` and
``scipy.signal.correlate`` / ``convolve``, so that ``convolve(x, w) == correlate(x, w[::-1])``
holds in every mode. Output ``i`` of :func:`correlate1d` in these modes is
``sum_j x[i - M // 2 + j] * w[j]``. ``scipy.signal.correlate2d`` (but not ``convolve2d``) puts
even kernels one sample to the right, ``(M - 1) // 2``, and so does PyTorch's
``padding="same"``, which :func:`conv2d` follows. For odd kernels all of them agree.

Methods of :func:`conv2d`: ``"loops"`` is the reference to read line by line; ``"im2col"``
copies every window into a column and does one matrix product (for large layers a block of
output rows at a time, so the columns stay in the CPU cache); ``"fft"`` multiplies spectra;
``"winograd"`` (3x3 kernels, stride 1, dilation 1) uses Lavin & Gray's minimal filtering
F(2x2, 3x3), which needs 16 multiplications per 2x2 output tile instead of 36; ``"auto"`` picks
Winograd where it applies and pays off, im2col otherwise. The fast paths live in private
functions below the public ones. NumPy only.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided, sliding_window_view

from ._validate import as_int, as_real_array, as_tuple, check_choice, check_ndim

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
# Small argument checks used below
# --------------------------------------------------------------------------------------------
def _array(x, name: str, ndims, layout: str) -> np.ndarray:
    arr = as_real_array(x, name)
    check_ndim(arr, name, ndims, layout)
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    return arr


def _float_dtype(*arrays) -> np.dtype:
    """float32 if every array is float32 (or float16), float64 otherwise."""
    if all(a.dtype.itemsize <= 4 for a in arrays):
        return np.dtype(np.float32)
    return np.dtype(np.float64)


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


# --------------------------------------------------------------------------------------------
# 1. Signal-processing forms
# --------------------------------------------------------------------------------------------
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
    x = _array(x, "x", (1,), "signal (n,)")
    w = _array(w, "w", (1,), "kernel (m,)")
    check_choice(mode, "mode", MODES)
    left, right = _signal_geometry(w.shape[0], x.shape[0], mode, "w")
    dtype = _float_dtype(x, w)
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
    w = _array(w, "w", (1,), "kernel (m,)")
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
    image = _array(image, "image", (2,), "image (H, W)")
    kernel = _array(kernel, "kernel", (2,), "kernel (kH, kW)")
    check_choice(mode, "mode", MODES)
    pads = [
        _signal_geometry(kernel.shape[axis], image.shape[axis], mode, "kernel") for axis in (0, 1)
    ]
    dtype = _float_dtype(image, kernel)
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
    kernel = _array(kernel, "kernel", (2,), "kernel (kH, kW)")
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
    w = _array(w, "w", (1,), "kernel (m,)")
    n = as_int(n, "n", minimum=1)
    check_choice(mode, "mode", MODES)
    m = w.shape[0]
    left, right = _signal_geometry(m, n, mode, "w")
    n_out = n + left + right - m + 1
    A = np.zeros((n_out, n), dtype=_float_dtype(w))
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
    kernel = _array(kernel, "kernel", (2,), "kernel (kH, kW)")
    H, W = as_tuple(shape, "shape", 2, minimum=1)
    check_choice(mode, "mode", MODES)
    kh, kw = kernel.shape
    top, bottom = _signal_geometry(kh, H, mode, "kernel")
    left, right = _signal_geometry(kw, W, mode, "kernel")
    out_h, out_w = H + top + bottom - kh + 1, W + left + right - kw + 1
    A = np.zeros((out_h * out_w, H * W), dtype=_float_dtype(kernel))
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
# 3. Deep-learning form: argument handling shared by conv2d, conv1d, conv2d_backward
# --------------------------------------------------------------------------------------------
def conv_output_size(size: int, kernel_size: int, stride: int = 1, padding: int = 0,
                     dilation: int = 1) -> int:
    """Output length of a convolution: ``floor((size + 2 p - d (k - 1) - 1) / s) + 1``.

    With dilation 1 this is the lectures' ``(N - K + 2P) / S + 1``.

    Examples
    --------
    >>> conv_output_size(227, 11, stride=4)
    55
    """
    size = as_int(size, "size", minimum=1)
    kernel_size = as_int(kernel_size, "kernel_size", minimum=1)
    stride = as_int(stride, "stride", minimum=1)
    padding = as_int(padding, "padding", minimum=0)
    dilation = as_int(dilation, "dilation", minimum=1)
    reach = dilation * (kernel_size - 1) + 1
    if size + 2 * padding < reach:
        raise ValueError(
            f"kernel_size={kernel_size} (dilation {dilation}) is larger than the padded "
            f"input ({size} + 2*{padding})"
        )
    return (size + 2 * padding - reach) // stride + 1


def _padding_pairs(padding, kernel, stride, dilation, nsp: int):
    """Turn ``padding`` (int, tuple, "valid", "same") into ``nsp`` (before, after) pairs."""
    if isinstance(padding, str):
        check_choice(padding, "padding", ("valid", "same"))
        if padding == "valid":
            return [(0, 0)] * nsp
        if any(s != 1 for s in stride):
            raise ValueError("padding='same' is not supported for strided convolutions "
                             f"(stride={stride}); give the padding as numbers")
        pairs = []
        for k, d in zip(kernel, dilation, strict=True):
            total = d * (k - 1)  # like PyTorch: the extra pixel of an odd total goes after
            pairs.append((total // 2, total - total // 2))
        return pairs
    if isinstance(padding, (tuple, list)) or np.ndim(padding) == 0:
        pads = as_tuple(padding, "padding", nsp, minimum=0)
        return [(p, p) for p in pads]
    raise TypeError(f"padding must be an int, a tuple of {nsp} ints, 'valid' or 'same'; "
                    f"got {padding!r}")


def _conv_setup(x, weight, bias, stride, padding, dilation, groups, nsp: int):
    """Validate a ``conv{nsp}d`` call; return arrays (4-D) and geometry."""
    layout_x = "(N, C_in, H, W) or (C_in, H, W)" if nsp == 2 else "(N, C_in, L) or (C_in, L)"
    layout_w = "(C_out, C_in/groups, kH, kW)" if nsp == 2 else "(C_out, C_in/groups, kL)"
    x = _array(x, "x", (nsp + 1, nsp + 2), layout_x)
    weight = _array(weight, "weight", (nsp + 2,), layout_w)
    batched = x.ndim == nsp + 2
    if not batched:
        x = x[None]
    groups = as_int(groups, "groups", minimum=1)
    stride = as_tuple(stride, "stride", nsp, minimum=1)
    dilation = as_tuple(dilation, "dilation", nsp, minimum=1)
    c_in, c_out = x.shape[1], weight.shape[0]
    if c_in % groups or c_out % groups:
        raise ValueError(f"groups={groups} must divide both the input channels ({c_in}) and "
                         f"the output channels ({c_out})")
    if weight.shape[1] * groups != c_in:
        raise ValueError(f"channel mismatch: weight has {weight.shape[1]} input channels per "
                         f"group (groups={groups}), so x must have {weight.shape[1] * groups} "
                         f"channels, got x with {c_in}")
    if bias is not None:
        bias = _array(bias, "bias", (1,), "(C_out,)")
        if bias.shape[0] != c_out:
            raise ValueError(f"bias must have shape ({c_out},), got {bias.shape}")
    kernel = weight.shape[2:]
    pads = _padding_pairs(padding, kernel, stride, dilation, nsp)
    out = []
    for axis in range(nsp):
        size = x.shape[2 + axis] + sum(pads[axis])
        reach = dilation[axis] * (kernel[axis] - 1) + 1
        if reach > size:
            raise ValueError(f"weight is larger than the padded input along spatial axis "
                             f"{axis}: kernel reach {reach} > padded size {size}")
        out.append((size - reach) // stride[axis] + 1)
    dtype = _float_dtype(x, weight, *([] if bias is None else [bias]))
    x, weight = x.astype(dtype, copy=False), weight.astype(dtype, copy=False)
    if bias is not None:
        bias = bias.astype(dtype, copy=False)
    if nsp == 1:  # a 1-D problem is a 2-D one of height 1
        x, weight = x[:, :, None, :], weight[:, :, None, :]
        stride, dilation, pads = (1,) + stride, (1,) + dilation, [(0, 0)] + pads
        out = [1] + out
    return x, weight, bias, stride, pads, dilation, groups, tuple(out), batched


def _matmul(a, b) -> np.ndarray:
    """``np.matmul`` without OpenBLAS's spurious "invalid value" warnings (numpy#24067): some
    kernels set the FE_INVALID flag on padding lanes. NaN inputs still give NaN outputs."""
    with np.errstate(invalid="ignore"):
        return np.matmul(a, b)


def _pad(x: np.ndarray, pads) -> np.ndarray:
    """Zero-pad the two spatial axes of an (N, C, H, W) array."""
    if not any(p for pair in pads for p in pair):
        return x
    return np.pad(x, [(0, 0), (0, 0), *pads])


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
        How to compute it; all give the same numbers up to rounding. "winograd" needs 3x3
        kernels with stride 1 and dilation 1. "auto" (the default) takes Winograd for such
        kernels once there are at least 32 channels per group and 16x16 pixels, and im2col
        otherwise: the fastest choice in our measurements (``BENCHMARKS.md``).

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
    x, weight, bias, stride, pads, dilation, groups, out_size, batched = _conv_setup(
        x, weight, bias, stride, padding, dilation, groups, nsp=2)
    out = _conv2d_dispatch(x, weight, pads, stride, dilation, groups, method)
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
    x, weight, bias, stride, pads, dilation, groups, out_size, batched = _conv_setup(
        x, weight, bias, stride, padding, dilation, groups, nsp=1)
    out = _conv2d_dispatch(x, weight, pads, stride, dilation, groups, method)[:, :, 0, :]
    if bias is not None:
        out += bias.reshape(1, -1, 1)
    return out if batched else out[0]


def conv2d_backward(grad_out, x, weight, stride=1, padding=0, dilation=1, groups=1):
    """Gradients of :func:`conv2d` with respect to its input, weight and bias.

    With ``out = conv2d(x, weight, bias, ...)`` and a loss ``L`` whose gradient with respect
    to ``out`` is ``grad_out``: ``grad_weight`` correlates ``grad_out`` with the input
    windows (one matrix product ``grad_out . cols^T``), ``grad_x`` sends every output gradient
    back through the kernel (``col2im(weight^T . grad_out)``, which for stride 1 is a "full"
    correlation of ``grad_out`` with the flipped kernel), ``grad_bias`` sums ``grad_out``.

    The textbook route above is what runs for strides > 1. For stride 1 the same products are
    done tap by tap on flat channel planes (no im2col matrix), and for large 3x3 layers both
    gradients go through Winograd F(2x2, 3x3), like the forward pass.

    Parameters
    ----------
    grad_out : array_like, shape (N, C_out, H_out, W_out) (or without N, like ``x``)
    x : array_like, shape (N, C_in, H, W) or (C_in, H, W)
    weight : array_like, shape (C_out, C_in / groups, kH, kW)
    stride, padding, dilation, groups
        As in :func:`conv2d`.

    Returns
    -------
    grad_x : numpy.ndarray, shape of ``x``
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
    """
    x, weight, _, stride, pads, dilation, groups, out_size, batched = _conv_setup(
        x, weight, None, stride, padding, dilation, groups, nsp=2)
    grad_out = _array(grad_out, "grad_out", (4 if batched else 3,),
                      "(N, C_out, H_out, W_out)" if batched else "(C_out, H_out, W_out)")
    if not batched:
        grad_out = grad_out[None]
    expected = (x.shape[0], weight.shape[0], *out_size)
    if grad_out.shape != expected:
        raise ValueError(f"grad_out must have the output's shape {expected}, got {grad_out.shape}")
    dtype = _float_dtype(x, weight, grad_out)
    x, weight, grad_out = (a.astype(dtype, copy=False) for a in (x, weight, grad_out))
    N, C_in = x.shape[:2]
    C_out, C_g, kh, kw = weight.shape
    G = groups
    P = out_size[0] * out_size[1]

    grad_bias = grad_out.sum(axis=(0, 2, 3))
    back_pads = [(d * (k - 1) - p0, d * (k - 1) - p1)
                 for (p0, p1), k, d in zip(pads, (kh, kw), dilation, strict=True)]
    winograd_back = ((kh, kw) == (3, 3) and stride == (1, 1) and dilation == (1, 1)
                     and min(p for pair in back_pads for p in pair) >= 0
                     and _winograd_pays_off(C_out // G, *out_size))
    if winograd_back:
        # Large 3x3 layers: both gradients through Winograd F(2x2, 3x3). grad_x is the "full"
        # correlation of grad_out with the flipped kernel (in and out channels swapped in
        # every group), which is a forward convolution.
        grad_weight = _winograd_weight_grad(grad_out, x, pads, G)
        w_back = weight.reshape(G, C_out // G, C_g, kh, kw)[:, :, :, ::-1, ::-1]
        w_back = np.ascontiguousarray(w_back.transpose(0, 2, 1, 3, 4)).reshape(
            C_in, C_out // G, kh, kw)
        grad_x = _conv2d_winograd(grad_out, w_back, back_pads, G)
    elif stride == (1, 1):
        grad_x, grad_weight = _backward_stride1(grad_out, x, weight, pads, dilation, groups)
    else:
        # The textbook route: grad_weight = dY cols^T, grad_x = col2im(W^T dY).
        dY = grad_out.reshape(N, G, C_out // G, P)
        cols = _im2col(x, (kh, kw), stride, pads, dilation).reshape(N, G, C_g * kh * kw, P)
        grad_weight = _matmul(dY, cols.transpose(0, 1, 3, 2)).sum(axis=0).reshape(weight.shape)
        del cols
        w_t = weight.reshape(G, C_out // G, C_g * kh * kw).transpose(0, 2, 1)
        dcols = _matmul(w_t, dY).reshape(N, C_in * kh * kw, P)
        grad_x = _col2im(dcols, x.shape, (kh, kw), stride, pads, dilation, out_size)
    if not batched:
        grad_x = grad_x[0]
    return grad_x, grad_weight, grad_bias


def _backward_stride1(grad_out, x, weight, pads, dilation, groups):
    """Both gradients for stride 1, one kernel tap at a time, on flat channel planes.

    Every (channel, image) plane of the padded input is stored flat with row length Wp, and
    the output gradient is widened with zero columns to the same row length. Kernel tap
    (a, b) is then a shift by ``a dH Wp + b dW`` in the flat planes, so for each tap
    ``grad_weight[:, :, a, b] = dY_wide . x_shifted^T`` and ``grad_x_shifted += w[:, :, a, b]^T
    . dY_wide`` are plain matrix products on contiguous blocks (no im2col matrix).
    """
    N, C_in, H, W = x.shape
    C_out, C_g, kh, kw = weight.shape
    G, O_g = groups, C_out // groups
    (dh, dw), ((top, bottom), (left, right)) = dilation, pads
    Hp, Wp = H + top + bottom, W + left + right
    oh, ow = grad_out.shape[2:]
    L, extra = oh * Wp, dw * (kw - 1)
    wide = np.zeros((C_out, N, oh, Wp), dtype=x.dtype)
    wide[..., :ow] = grad_out.transpose(1, 0, 2, 3)
    wide = wide.reshape(G, O_g, N * L)
    planes = np.zeros((C_in, N, Hp * Wp + extra), dtype=x.dtype)
    planes[:, :, : Hp * Wp].reshape(C_in, N, Hp, Wp)[:, :, top: top + H, left: left + W] = \
        x.transpose(1, 0, 2, 3)
    planes = planes.reshape(G, C_g, N, -1)
    grad_weight = np.empty((G, O_g, C_g, kh, kw), dtype=x.dtype)
    grad_planes = np.zeros_like(planes)
    for a in range(kh):
        for b in range(kw):
            offset = a * dh * Wp + b * dw
            shifted = np.ascontiguousarray(planes[..., offset: offset + L]).reshape(G, C_g, -1)
            grad_weight[..., a, b] = _matmul(wide, shifted.transpose(0, 2, 1))
            w_ab = weight[:, :, a, b].reshape(G, O_g, C_g).transpose(0, 2, 1)
            grad_planes[..., offset: offset + L] += _matmul(w_ab, wide).reshape(G, C_g, N, L)
    grad_x = grad_planes.reshape(C_in, N, -1)[:, :, : Hp * Wp].reshape(C_in, N, Hp, Wp)
    grad_x = np.ascontiguousarray(grad_x[:, :, top: top + H, left: left + W].transpose(1, 0, 2, 3))
    return grad_x, grad_weight.reshape(weight.shape)


# --------------------------------------------------------------------------------------------
# im2col / col2im
# --------------------------------------------------------------------------------------------
def _geometry_args(kernel_size, stride, padding, dilation):
    kernel = as_tuple(kernel_size, "kernel_size", 2, minimum=1)
    stride = as_tuple(stride, "stride", 2, minimum=1)
    dilation = as_tuple(dilation, "dilation", 2, minimum=1)
    pads = [(p, p) for p in as_tuple(padding, "padding", 2, minimum=0)]
    return kernel, stride, pads, dilation


def _out_size(shape, kernel, stride, pads, dilation, name="x"):
    out = []
    for axis in range(2):
        size = shape[axis] + sum(pads[axis])
        reach = dilation[axis] * (kernel[axis] - 1) + 1
        if reach > size:
            raise ValueError(f"kernel_size is larger than the padded input along spatial axis "
                             f"{axis} of {name}: reach {reach} > padded size {size}")
        out.append((size - reach) // stride[axis] + 1)
    return tuple(out)


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
    x = _array(x, "x", (4,), "(N, C, H, W)")
    kernel, stride, pads, dilation = _geometry_args(kernel_size, stride, padding, dilation)
    _out_size(x.shape[2:], kernel, stride, pads, dilation)
    return _im2col(x, kernel, stride, pads, dilation)


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
    cols = _array(cols, "cols", (3,), "(N, C * kH * kW, H_out * W_out)")
    kernel, stride, pads, dilation = _geometry_args(kernel_size, stride, padding, dilation)
    if isinstance(input_shape, (tuple, list)) and len(input_shape) == 2:
        taps = kernel[0] * kernel[1]
        if cols.shape[1] % taps:
            raise ValueError(f"cols must have C * kH * kW = a multiple of {taps} rows, "
                             f"got shape {cols.shape}")
        input_shape = (cols.shape[0], cols.shape[1] // taps,
                       *as_tuple(input_shape, "input_shape", 2, minimum=1))
    shape = as_tuple(input_shape, "input_shape", 4, minimum=1)
    out_size = _out_size(shape[2:], kernel, stride, pads, dilation, name="input_shape")
    expected = (shape[0], shape[1] * kernel[0] * kernel[1], out_size[0] * out_size[1])
    if cols.shape != expected:
        raise ValueError(f"cols must have shape {expected} for input_shape {shape}, "
                         f"got {cols.shape}")
    return _col2im(cols, shape, kernel, stride, pads, dilation, out_size)


def _im2col(x, kernel, stride, pads, dilation) -> np.ndarray:
    N, C = x.shape[:2]
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    xp = _pad(x, pads)
    reach = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    # windows[n, c, i, j, a, b] = xp[n, c, i*sh + a*dh, j*sw + b*dw]  (a view, no copy yet)
    windows = sliding_window_view(xp, reach, axis=(2, 3))[:, :, ::sh, ::sw, ::dh, ::dw]
    out_h, out_w = windows.shape[2:4]
    cols = np.ascontiguousarray(windows.transpose(0, 1, 4, 5, 2, 3))  # (N, C, kh, kw, H', W')
    return cols.reshape(N, C * kh * kw, out_h * out_w)


def _col2im(cols, shape, kernel, stride, pads, dilation, out_size) -> np.ndarray:
    N, C, H, W = shape
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = kernel, stride, dilation, out_size
    (top, bottom), (left, right) = pads
    cols = cols.reshape(N, C, kh, kw, oh, ow)
    xp = np.zeros((N, C, H + top + bottom, W + left + right), dtype=cols.dtype)
    for a in range(kh):  # one strided slice-add per kernel tap: no np.add.at needed
        for b in range(kw):
            xp[:, :, a * dh: a * dh + sh * (oh - 1) + 1: sh,
               b * dw: b * dw + sw * (ow - 1) + 1: sw] += cols[:, :, a, b]
    if top or bottom or left or right:  # drop the padding, keep a compact array
        return np.ascontiguousarray(xp[:, :, top: top + H, left: left + W])
    return xp


# --------------------------------------------------------------------------------------------
# The methods. Each computes the convolution of an (N, C_in, H, W) array with padding
# pairs already resolved, without bias.
# --------------------------------------------------------------------------------------------
def _conv2d_dispatch(x, weight, pads, stride, dilation, groups, method):
    kernel = weight.shape[2:]
    winograd_ok = kernel == (3, 3) and stride == (1, 1) and dilation == (1, 1)
    if method == "winograd" and not winograd_ok:
        raise ValueError("method='winograd' needs a 3x3 kernel with stride 1 and dilation 1; "
                         f"got kernel {kernel}, stride {stride}, dilation {dilation}")
    if method == "auto":
        pays_off = winograd_ok and _winograd_pays_off(weight.shape[1], *x.shape[2:])
        method = "winograd" if pays_off else "im2col"
    if method == "loops":
        return _conv2d_loops(x, weight, pads, stride, dilation, groups)
    if method == "im2col":
        return _conv2d_im2col(x, weight, pads, stride, dilation, groups)
    if method == "fft":
        return _conv2d_fft(x, weight, pads, stride, dilation, groups)
    return _conv2d_winograd(x, weight, pads, groups)


def _conv2d_loops(x, weight, pads, stride, dilation, groups):
    """The definition, one output number at a time. Slow; read it, don't run it on big inputs."""
    xp = _pad(x, pads)
    N = xp.shape[0]
    C_out, C_per_group, kh, kw = weight.shape
    out_per_group = C_out // groups
    (sh, sw), (dh, dw) = stride, dilation
    out_h = (xp.shape[2] - dh * (kh - 1) - 1) // sh + 1
    out_w = (xp.shape[3] - dw * (kw - 1) - 1) // sw + 1
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


def _conv2d_im2col(x, weight, pads, stride, dilation, groups):
    """All windows as columns, then one (batched) matrix product that lands in NCHW."""
    N = x.shape[0]
    C_out, C_g, kh, kw = weight.shape
    G = groups
    out_h = (x.shape[2] + sum(pads[0]) - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    out_w = (x.shape[3] + sum(pads[1]) - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    if N * C_g * G * kh * kw * out_h * out_w > _BLOCK_ELEMENTS * 8:
        return _conv2d_im2col_blocked(x, weight, pads, stride, dilation, groups)
    if stride == (1, 1):
        return _conv2d_im2col_wide(x, weight, pads, dilation, groups)
    cols = _im2col(x, (kh, kw), stride, pads, dilation)  # (N, C_in kh kw, P)
    P = cols.shape[2]
    if G == 1:
        out = _matmul(weight.reshape(C_out, -1), cols)  # (N, C_out, P)
    else:
        w = weight.reshape(1, G, C_out // G, C_g * kh * kw)
        out = _matmul(w, cols.reshape(N, G, C_g * kh * kw, P))  # (N, G, C_out/G, P)
    return out.reshape(N, C_out, out_h, out_w)


def _conv2d_im2col_wide(x, weight, pads, dilation, groups):
    """im2col + GEMM for stride 1 with "wide" columns: whole padded rows instead of windows.

    Each (image, channel) plane is stored flat, so kernel tap (a, b) sees the input shifted by
    ``a dH Wp + b dW`` elements, and its column is one contiguous run of ``H_out * Wp``
    numbers (one strided view, one copy with long inner loops). The product then also computes
    ``Wp - W_out`` unused outputs per row, which are cut off at the end: about 25% faster than
    the window-by-window copy on the LeNet layers.
    """
    N, C_in, H, W = x.shape
    C_out, C_g, kh, kw = weight.shape
    G = groups
    (dh, dw), ((top, bottom), (left, right)) = dilation, pads
    Hp, Wp = H + top + bottom, W + left + right
    out_h, out_w = Hp - dh * (kh - 1), Wp - dw * (kw - 1)
    flat = np.zeros((N, C_in, Hp * Wp + dw * (kw - 1)), dtype=x.dtype)
    flat[:, :, : Hp * Wp].reshape(N, C_in, Hp, Wp)[:, :, top: top + H, left: left + W] = x
    sn, sc, item = flat.strides[0], flat.strides[1], flat.itemsize
    taps = as_strided(flat, (N, C_in, kh, kw, out_h * Wp),
                      (sn, sc, dh * Wp * item, dw * item, item), writeable=False)
    cols = np.ascontiguousarray(taps).reshape(N, G, C_g * kh * kw, out_h * Wp)
    out = _matmul(weight.reshape(1, G, C_out // G, C_g * kh * kw), cols)
    return np.ascontiguousarray(out.reshape(N, C_out, out_h, Wp)[..., :out_w])


_BLOCK_ELEMENTS = 1 << 18  # 1 MB of float32 columns: about the size of a core's L2 cache


def _conv2d_im2col_blocked(x, weight, pads, stride, dilation, groups):
    """im2col + GEMM for large inputs, a block of output rows at a time.

    The column matrix of a big layer is tens of megabytes: written once to memory and read
    back by the GEMM. Built for a few output rows of one image at a time instead, it stays in
    the CPU cache between the copy and the product (measured: 15-20% faster on AlexNet conv1).
    """
    N, C_in = x.shape[:2]
    C_out, C_g, kh, kw = weight.shape
    G = groups
    (sh, sw), (dh, dw) = stride, dilation
    xp = _pad(x, pads)
    reach = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    windows = sliding_window_view(xp, reach, axis=(2, 3))[:, :, ::sh, ::sw, ::dh, ::dw]
    out_h, out_w = windows.shape[2:4]
    rows = max(1, min(out_h, _BLOCK_ELEMENTS // (C_in * kh * kw * out_w)))
    w = weight.reshape(G, C_out // G, C_g * kh * kw)
    out = np.empty((N, C_out, out_h, out_w), dtype=x.dtype)
    buffer = np.empty((C_in, kh, kw, rows, out_w), dtype=x.dtype)
    for n in range(N):
        for r0 in range(0, out_h, rows):
            r1 = min(out_h, r0 + rows)
            cols = buffer[:, :, :, : r1 - r0]
            np.copyto(cols, windows[n, :, r0:r1].transpose(0, 3, 4, 1, 2))
            # out[n, :, r0:r1] is (C_out, rows, out_w) with each channel's rows contiguous,
            # so this reshape is a view and the product is written in place.
            target = out[n, :, r0:r1].reshape(G, C_out // G, (r1 - r0) * out_w)
            with np.errstate(invalid="ignore"):  # see _matmul
                np.matmul(w, cols.reshape(G, C_g * kh * kw, -1), out=target)
    return out


def _conv2d_fft(x, weight, pads, stride, dilation, groups):
    """Correlation theorem: multiply the input's spectrum by the conjugate kernel spectrum."""
    xp = _pad(x, pads)
    N, C_in, Hp, Wp = xp.shape
    C_out, C_g, kh, kw = weight.shape
    G = groups
    (sh, sw), (dh, dw) = stride, dilation
    reach_h, reach_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    dilated = np.zeros((C_out, C_g, reach_h, reach_w), dtype=x.dtype)
    dilated[:, :, ::dh, ::dw] = weight  # dilation = zeros between the kernel taps
    size = (_fast_length(Hp), _fast_length(Wp))  # zero-padding further changes nothing below
    X = np.fft.rfft2(xp, s=size).reshape(N, G, C_g, size[0], -1)
    K = np.fft.rfft2(dilated, s=size).reshape(G, C_out // G, C_g, size[0], -1)
    K = K.conj()
    Y = X[:, :, :1] * K[None, :, :, 0]  # (N, G, C_out/G, Hp, Wp/2 + 1): sum over channels c
    for c in range(1, C_g):
        Y += X[:, :, c: c + 1] * K[None, :, :, c]
    y = np.fft.irfft2(Y.reshape(N, C_out, size[0], -1), s=size)
    # Circular correlation equals the linear one wherever the kernel does not wrap around.
    y = y[:, :, : Hp - reach_h + 1: sh, : Wp - reach_w + 1: sw]
    return np.ascontiguousarray(y, dtype=x.dtype)


def _fast_length(n: int) -> int:
    """The smallest 2^a 3^b 5^c >= n: FFT lengths with only small prime factors are fast."""
    best = 1 << max(0, (n - 1).bit_length())
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            p = p35
            while p < n:
                p *= 2
            best = min(best, p)
            p35 *= 3
        p5 *= 5
    return best


# Winograd minimal filtering F(m x m, 3 x 3) (Lavin & Gray 2016): Y = A^T [U * V] A, with the
# kernel transform U = G g G^T and the tile transform V = B^T d B, for (m + 2) x (m + 2) input
# tiles d that overlap by 2. F(2, 3) is the default: F(4, 3) needs fewer multiplications but
# its larger constants lose about ten times more float32 accuracy (see BENCHMARKS.md).
_WINOGRAD = {
    2: (
        np.array([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]], float),  # B^T
        np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]]),  # G
        np.array([[1, 1, 1, 0], [0, 1, -1, -1]], float),  # A^T
    ),
    4: (
        np.array([[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0],
                  [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]], float),
        np.array([[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6],
                  [1 / 24, 1 / 12, 1 / 6], [1 / 24, -1 / 12, 1 / 6], [0, 0, 1]]),
        np.array([[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0],
                  [0, 1, -1, 8, -8, 1]], float),
    ),
}


def _winograd_pays_off(channels_per_group: int, height: int, width: int) -> bool:
    """Winograd beats im2col once the channel matrix products dominate (measured here)."""
    return channels_per_group >= 32 and height * width >= 256


def _combine(T, inputs, outputs) -> None:
    """``outputs[i] = sum_r T[i, r] * inputs[r]`` in place, with adds for the +-1 entries."""
    for row, out in zip(T, outputs, strict=True):
        terms = [(c, a) for c, a in zip(row, inputs, strict=True) if c != 0]
        c0, a0 = terms[0]
        if len(terms) > 1 and c0 == 1 and abs(terms[1][0]) == 1:
            c1, a1 = terms[1]
            (np.add if c1 == 1 else np.subtract)(a0, a1, out=out)
            terms = terms[2:]
        else:
            if c0 == 1:
                np.copyto(out, a0)
            else:
                np.multiply(a0, out.dtype.type(c0), out=out)
            terms = terms[1:]
        for c, a in terms:
            if c == 1:
                np.add(out, a, out=out)
            elif c == -1:
                np.subtract(out, a, out=out)
            else:
                out += out.dtype.type(c) * a


def _phases(x, pads, m: int, A: int, Q: int) -> np.ndarray:
    """Zero-padded ``x`` split into m x m phases: ``xq[pr, pc, c, n, a, k] = x_pad[n, c, m a + pr,
    m k + pc]``, shape (m, m, C, N, A, Q). Every Winograd tile is then read contiguously."""
    N, C, H, W = x.shape
    (top, _), (left, _) = pads
    xq = np.zeros((m, m, C, N, A, Q), dtype=x.dtype)
    for pr in range(m):
        sr = (pr - top) % m  # first row of x that lands in row phase pr
        a0, na = (sr + top) // m, len(range(sr, H, m))
        for pc in range(m):
            sc = (pc - left) % m
            k0, nk = (sc + left) // m, len(range(sc, W, m))
            xq[pr, pc, :, :, a0: a0 + na, k0: k0 + nk] = x[:, :, sr::m, sc::m].transpose(1, 0, 2, 3)
    return xq


def _winograd_tiles(x, pads, m: int):
    """The tile transform V = B^T d B of every (m+2) x (m+2) input tile, for F(m x m, 3 x 3).

    Returns ``V`` of shape ((m+2)^2, C, N * th * Q) -- one row of tiles has ``Q = tw + 1``
    entries, the last an unused "garbage" tile -- and the tile grid ``(th, tw, Q)``.

    Layout trick: the input is split into phases (:func:`_phases`) so that each of the
    ``(m + 2)^2`` tile positions is a contiguous block shifted by a whole number of elements.
    The tile-column transform then runs on flat arrays, which also computes the extra tile per
    row -- cheaper than short strided loops.
    """
    BT = _WINOGRAD[m][0]
    alpha = m + 2  # input tile size
    reach = (alpha - 1) // m  # how many phase steps a tile spans beyond its first
    N, C_in, H, W = x.shape
    out_h, out_w = H + sum(pads[0]) - 2, W + sum(pads[1]) - 2
    th, tw = -(-out_h // m), -(-out_w // m)  # number of tiles down and across
    A, Q = th + reach, tw + reach
    xq = _phases(x, pads, m, A, Q)
    # V = B^T d B: first along tile rows (t), then along tile columns on flat arrays (V).
    t = np.empty((alpha, m, C_in, N, th, Q), dtype=x.dtype)
    _combine(BT, [xq[r % m, :, :, :, r // m: r // m + th] for r in range(alpha)], t)
    del xq
    L = C_in * N * th * Q
    V = np.empty((alpha, alpha, L), dtype=x.dtype)
    V[:, :, L - reach:] = 0
    for i in range(alpha):
        flat = t[i].reshape(m, L)
        _combine(BT, [flat[s % m, s // m: s // m + L - reach] for s in range(alpha)],
                 V[i, :, : L - reach])
    return V.reshape(alpha * alpha, C_in, N * th * Q), (th, tw, Q)


def _conv2d_winograd(x, weight, pads, groups, m: int = 2):
    """Winograd F(m x m, 3 x 3) for 3x3 kernels, stride 1, dilation 1."""
    _, Gm, AT = _WINOGRAD[m]
    alpha = m + 2
    N, C_in, H, W = x.shape
    C_out, C_g = weight.shape[:2]
    G = groups
    out_h, out_w = H + sum(pads[0]) - 2, W + sum(pads[1]) - 2
    V, (th, tw, Q) = _winograd_tiles(x, pads, m)
    # U = G g G^T (in float64), then one matrix product per tile position and group.
    U = (Gm @ weight.astype(np.float64) @ Gm.T).astype(x.dtype)  # (C_out, C_g, a, a)
    U = np.ascontiguousarray(U.transpose(2, 3, 0, 1)).reshape(alpha * alpha, G, C_out // G, C_g)
    M = _matmul(U, V.reshape(alpha * alpha, G, C_g, N * th * Q))  # (a*a, G, C_out/G, N th Q)
    del V
    M = M.reshape(alpha, alpha, C_out * N * th * Q)
    # Y = A^T M A, then the m x m output phases are interleaved into NCHW.
    S = np.empty((m, alpha, M.shape[2]), dtype=x.dtype)
    _combine(AT, list(M), S)
    del M
    Yq = np.empty((m, m, S.shape[2]), dtype=x.dtype)
    for i in range(m):
        _combine(AT, list(S[i]), Yq[i])
    del S
    # Interleave the phases: y[n, o, m t + i, m u + j] = Yq[i, j, o, n, t, u]. One copy per
    # phase is 3x faster than a single 6-D transposing copy (NumPy's inner loop stays long).
    Yq = Yq.reshape(m, m, C_out, N, th, Q)[..., :tw]
    y = np.empty((N, C_out, th, m, tw, m), dtype=x.dtype)
    for i in range(m):
        for j in range(m):
            y[:, :, :, i, :, j] = Yq[i, j].transpose(1, 0, 2, 3)
    y = y.reshape(N, C_out, m * th, m * tw)
    if (m * th, m * tw) != (out_h, out_w):
        y = np.ascontiguousarray(y[:, :, :out_h, :out_w])
    return y


def _winograd_weight_grad(grad_out, x, pads, groups, m: int = 2):
    """grad_weight of a 3x3, stride-1 convolution through the Winograd formula.

    Each output tile is ``Y_t = A^T [(G g G^T) * V_t] A``, linear in the kernel g, so its
    transpose gives ``dL/dg = G^T [sum_t (A dY_t A^T) * V_t] G``: the sum over tiles (and
    images) is one matrix product per tile position, with 2.25x fewer multiplications than
    ``dY . cols^T``.
    """
    _, Gm, AT = _WINOGRAD[m]
    alpha = m + 2
    N, C_out, out_h, out_w = grad_out.shape
    C_in, G = x.shape[1], groups
    V, (th, tw, Q) = _winograd_tiles(x, pads, m)
    # Output-gradient tiles in phases, zero in the unused tile column and beyond the output.
    dq = np.zeros((m, m, C_out, N, th, Q), dtype=x.dtype)
    for i in range(m):
        for j in range(m):
            part = grad_out[:, :, i::m, j::m]
            dq[i, j, :, :, : part.shape[2], : part.shape[3]] = part.transpose(1, 0, 2, 3)
    # A dY A^T with A = (A^T)^T, first along tile rows, then along tile columns.
    rows = np.empty((alpha, m, dq[0, 0].size), dtype=x.dtype)
    _combine(AT.T, list(dq.reshape(m, m, -1)), rows)
    del dq
    dU = np.empty((alpha, alpha, rows.shape[2]), dtype=x.dtype)
    for r in range(alpha):
        _combine(AT.T, list(rows[r]), dU[r])
    del rows
    T = N * th * Q
    M = _matmul(dU.reshape(alpha * alpha, G, C_out // G, T),
                V.reshape(alpha * alpha, G, C_in // G, T).transpose(0, 1, 3, 2))
    M = M.reshape(alpha, alpha, C_out, C_in // G).transpose(2, 3, 0, 1).astype(np.float64)
    return (Gm.T @ M @ Gm).astype(x.dtype)  # (C_out, C_in / G, 3, 3)
