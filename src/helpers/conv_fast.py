"""The fast paths of :func:`helpers.conv.conv2d` and :func:`helpers.conv.conv2d_backward`.

:mod:`helpers.conv` holds the convolution as the lectures write it (loops, im2col + one
matrix product, the textbook backward). The functions here compute the same numbers with
fewer operations or better use of the CPU cache; ``conv2d(method=...)`` reaches all of them:

* **im2col, cache-friendly** -- for vertical stride 1 and kernel rows of at least 15 numbers,
  the columns of one kernel row and one product per kernel row, summed (k times less
  copying than the full im2col); for stride 1, "wide" columns made of whole padded rows (one
  long copy per kernel tap); for large layers, the columns of a block of output rows at a
  time, so they stay in the CPU cache between the copy and the product;
* **FFT** -- the correlation theorem: multiply the input's spectrum by the conjugate of the
  kernel's;
* **Winograd** -- minimal filtering F(4x4, 3x3) (Lavin & Gray 2016) for 3x3 kernels with
  stride 1 and dilation 1: 36 multiplications per 4x4 output tile instead of 144, on
  interpolation points chosen for float32 accuracy (see ``_WINOGRAD``);
* **stride-1 backward** -- both gradients through the columns of one kernel row, or tap by
  tap on flat channel planes (no im2col matrix) for few channels on small images, and
  through Winograd for large 3x3 layers.

**Workspace.** In a plain Python process every large NumPy temporary is a fresh ``mmap``
that the next call pays for again in page faults. The paths here therefore work block by
block (a few output rows or images at a time, sized for the CPU cache) and take their
temporaries from per-thread scratch buffers that persist between calls
(:mod:`helpers._workspace`); returned arrays are always new. :func:`release_workspace` frees
the buffers, :func:`workspace_nbytes` tells their size.

:func:`choose_conv_method` is the rule behind ``method="auto"``. Every function below takes
arrays already checked by :mod:`helpers.conv` (4-D, one float dtype) and a
:class:`helpers.shapes.Geometry`; call :func:`helpers.conv.conv2d` for checked inputs. NumPy
only.

Examples
--------
>>> choose_conv_method(np.zeros((1, 64, 56, 56)), np.zeros((64, 64, 3, 3)))
'winograd'
>>> choose_conv_method(np.zeros((1, 1, 28, 28)), np.zeros((6, 1, 5, 5)))
'im2col'
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided, sliding_window_view

from helpers._arrays import matmul, pad_spatial
from helpers._validate import as_array, as_tuple
from helpers._workspace import release_workspace, scratch, workspace_nbytes
from helpers.shapes import Geometry

__all__ = ["choose_conv_method", "release_workspace", "workspace_nbytes"]


# --------------------------------------------------------------------------------------------
# The rule behind method="auto"
# --------------------------------------------------------------------------------------------
def _winograd_applies(kernel, stride, dilation) -> bool:
    """Winograd F(m x m, 3 x 3) needs dilation 1 and a 3x3 kernel with stride 1 -- or, split
    into stride phases (:func:`_conv2d_polyphase`), any kernel with ``ceil(k / s) = 3`` taps
    per phase along both axes, such as AlexNet's 11x11 with stride 4."""
    return len(kernel) == 2 and tuple(dilation) == (1, 1) and all(
        -(-k // s) == 3 for k, s in zip(kernel, stride, strict=True))


def _winograd_pays_off(channels_per_group: int, height: int, width: int) -> bool:
    """Winograd beats im2col once the channel matrix products dominate (measured here)."""
    return channels_per_group >= 32 and height * width >= 256


def choose_conv_method(x, weight, stride=1, dilation=1) -> str:
    """The method ``conv2d(..., method="auto")`` uses for these arrays: "winograd" or "im2col".

    Winograd where it applies (3x3 kernel with stride 1, or a kernel of three taps per stride
    phase such as 11x11 with stride 4; dilation 1) and pays off (at least 32 input channels
    per group, counting each stride phase as a channel, and 16x16 pixels), im2col otherwise:
    the fastest choice in our
    measurements (``BENCHMARKS.md``). Like ``scipy.signal.choose_conv_method``, it looks only
    at the shapes.

    Parameters
    ----------
    x : array_like, shape (N, C_in, H, W) or (C_in, H, W)
    weight : array_like, shape (C_out, C_in / groups, kH, kW)
    stride, dilation : int or (int, int)

    Returns
    -------
    str
        ``"winograd"`` or ``"im2col"``.

    Examples
    --------
    >>> choose_conv_method(np.zeros((8, 64, 56, 56)), np.zeros((64, 64, 3, 3)), stride=2)
    'im2col'
    """
    x = as_array(x, "x", (3, 4), "(N, C_in, H, W) or (C_in, H, W)")
    weight = as_array(weight, "weight", (4,), "(C_out, C_in/groups, kH, kW)")
    stride = as_tuple(stride, "stride", 2, minimum=1)
    dilation = as_tuple(dilation, "dilation", 2, minimum=1)
    return _choose_method(x.shape, weight.shape, stride, dilation)


def _choose_method(x_shape, weight_shape, stride, dilation) -> str:
    phases = stride[0] * stride[1]  # a strided kernel becomes a 3x3 one on C * phases channels
    fast = (_winograd_applies(weight_shape[2:], stride, dilation)
            and _winograd_pays_off(weight_shape[1] * phases, *x_shape[-2:]))
    return "winograd" if fast else "im2col"


# --------------------------------------------------------------------------------------------
# im2col variants: wide columns for stride 1, blocks of rows for large layers
# --------------------------------------------------------------------------------------------
_BLOCK_ELEMENTS = 1 << 18  # 1 MB of float32 columns: about the size of a core's L2 cache


def _im2col_variant(x, weight, geom: Geometry, groups):
    """The cache-friendly im2col for this layer, or ``None`` where the plain one is best.

    Columns of one kernel row at a time where the vertical stride is 1 and a kernel row holds
    at least 15 numbers per output (kW x C_in / groups, e.g. 5 taps on 3 channels); else
    blocks of output rows once the column matrix is larger than 8 blocks; else wide columns
    for stride 1.
    """
    _, C_g, kh, kw = weight.shape
    if geom.stride[0] == 1 and kh > 1 and kw * C_g >= _ROWS_MIN_DEPTH:
        return _conv2d_kernel_rows
    if x.shape[0] * C_g * groups * kh * kw * geom.out[0] * geom.out[1] > _BLOCK_ELEMENTS * 8:
        return _conv2d_im2col_blocked
    if geom.stride == (1, 1):
        return _conv2d_im2col_wide
    return None


# Below 15 numbers per kernel row (e.g. 3x3 on 4 channels: 12) the products are too thin and
# the kH - 1 additions of the output cost more than the copy they save (measured).
_ROWS_MIN_DEPTH = 15
_ROWS_BLOCK = 1 << 20  # numbers in the per-row products of one block of images (4 MB float32)


def _conv2d_kernel_rows(x, weight, geom: Geometry, groups):
    """im2col of one kernel row, then one matrix product per kernel row, summed.

    For vertical stride 1. The input goes channels-last (N, Hp, Wp, C), and the columns are
    built for one kernel *row* only: ``rows[n, r, j] = x_pad[n, r, j sW + b dW, c]`` over the
    kW taps b and the channels c (kW C numbers, contiguous), for every padded row r. The full
    im2col row of output pixel (i, j) would be the kH such pieces at rows ``i + a dH``, and
    since output pixels lie ``kW C`` numbers apart in ``rows``, the piece of kernel row a for
    all pixels of an image is one ordinary matrix (pixels x kW C) starting ``a dH`` rows
    further down: a view, no copy (:func:`_kernel_row_columns`). So the layer is kH products
    ``(C_out x kW C) . (kW C x pixels)``, summed straight into the NCHW output (the first one
    is written there). Against the full im2col this copies kH times fewer numbers (the
    kH-fold column matrix is never built), at the price of kH - 1 additions of the output;
    on LeNet's second layer it takes about a third less time. Both factors of a product are
    transposed views (of the kernel row's ``(kW C x C_out)`` matrix and of the pieces), which
    OpenBLAS multiplies as fast as the untransposed ones, so the products come out in NCHW
    order and need no transposing copy (measured: 4% faster on LeNet's second layer; with a
    contiguous transposed copy of the weights instead of a view the products took twice as
    long). The channels-last input, the row columns and the products are workspace buffers,
    a block of images at a time.
    """
    N = x.shape[0]
    C_out, C_g, kh, kw = weight.shape
    G, O_g = groups, C_out // groups
    out_h, out_w = geom.out
    P, depth = out_h * out_w, kw * C_g
    # w_rows[a, 0, g, (b, c), o] = weight[g O_g + o, c, a, b]: kernel row a as a matrix
    w_rows = np.ascontiguousarray(weight.reshape(G, O_g, C_g, kh, kw).transpose(
        3, 0, 4, 2, 1)).reshape(kh, 1, G, depth, O_g)
    y = np.empty((N, C_out, out_h, out_w), dtype=x.dtype)
    images = _rows_images(x.shape, weight.shape, geom)
    for n0 in range(0, N, images):
        count = min(images, N - n0)
        _, pieces = _kernel_row_columns(x, n0, count, geom, groups, (kh, kw))
        w_t, pieces_t = w_rows.swapaxes(-1, -2), pieces.swapaxes(-1, -2)
        out = y[n0: n0 + count].reshape(count, G, O_g, P)
        matmul(w_t[0], pieces_t[0], out=out)  # kernel row 0 straight into the output
        if kh > 1:
            prod = scratch("rows.out", (kh - 1, count, G, O_g, P), x.dtype)
            matmul(w_t[1:], pieces_t[1:], out=prod)
            for a in range(kh - 1):
                out += prod[a]
    return y


def _rows_images(x_shape, weight_shape, geom: Geometry) -> int:
    """Images per block of the kernel-row paths: the largest buffer of a block (columns,
    per-row products, their gradient) holds at most ``_ROWS_BLOCK`` numbers."""
    N, C_in = x_shape[:2]
    C_out, _, kh, kw = weight_shape
    P = geom.out[0] * geom.out[1]
    per_image = max(kh * P * C_out, kh * P * kw * C_in, geom.padded[0] * geom.out[1] * kw * C_in)
    return max(1, min(N, _ROWS_BLOCK // per_image))


def _kernel_row_columns(x, n0: int, count: int, geom: Geometry, groups, kernel):
    """The columns of one kernel row for images ``n0 .. n0 + count``, and the kH views of it.

    Returns ``rows``, shape (count, Hp, W_out, G, kW, C_g), with ``rows[n, r, j, g, b, c] =
    x_pad[n, g C_g + c, r, j sW + b dW]`` (workspace buffer "rows.cols"), and ``pieces``, shape
    (kH, count, G, H_out W_out, kW C_g): ``pieces[a, n, g]`` is the (pixels x kW C_g) matrix
    of kernel row a, rows ``a dH ..`` of ``rows`` seen as a matrix (a view).
    """
    C_in = x.shape[1]
    kh, kw = kernel
    G, C_g = groups, C_in // groups
    (_, sw), (dh, dw) = geom.stride, geom.dilation
    Hp, Wp = geom.padded
    out_h, out_w = geom.out
    dtype, item = x.dtype, x.itemsize
    xn = _padded_channels_last(x, n0, count, geom.padding, (Hp, Wp), "rows.x")
    s0, s1, s2, s3 = xn.strides
    rows = scratch("rows.cols", (count, Hp, out_w, G, kw, C_g), dtype)
    # np.ndarray(buffer=...) instead of as_strided: the same view, a fraction of the overhead
    np.copyto(rows, np.ndarray(rows.shape, dtype, xn, 0,
                               (s0, s1, sw * s2, C_g * s3, dw * s2, s3)))
    t0, t1, t2 = rows.strides[:3]
    pieces = np.ndarray((kh, count, G, out_h * out_w, kw * C_g), dtype, rows, 0,
                        (dh * t1, t0, kw * C_g * item, t2, item))
    return rows, pieces


def _backward_kernel_rows(grad_out, x, weight, geom: Geometry, groups, input_grad=True):
    """Both gradients through the columns of one kernel row: ``(grad_x, grad_weight)``.

    The transpose of :func:`_conv2d_kernel_rows` (vertical stride 1). Per kernel row a:
    ``grad_weight[a] = sum_n dY_n . pieces_a[n]`` (dY of an image is (C_out x pixels) as it
    is stored in NCHW, so one batched product and a sum over the images), and the gradient of
    the row columns ``d pieces_a = dY^T . w_a`` added into the rows ``a dH ..`` of one buffer;
    then the kW taps of each row column are added back into the channels-last input gradient
    (kW strided additions) and one transposed copy gives NCHW. Without ``input_grad`` only
    grad_weight is computed (grad_x is None).
    """
    N, C_in, H, W = x.shape
    C_out, C_g, kh, kw = weight.shape
    G, O_g = groups, C_out // groups
    (_, sw), (dh, dw) = geom.stride, geom.dilation
    (top, _), (left, _) = geom.padding
    Hp, Wp = geom.padded
    out_h, out_w = geom.out
    P, depth, dtype = out_h * out_w, kw * C_g, x.dtype
    # w_back[a, 0, g, o, (b, c)] = weight[g O_g + o, c, a, b]
    w_back = np.ascontiguousarray(weight.reshape(G, O_g, C_g, kh, kw).transpose(
        3, 0, 1, 4, 2)).reshape(kh, 1, G, O_g, depth)
    grad_rows = np.zeros((kh, G, O_g, depth), dtype=dtype)
    grad_x = np.empty_like(x) if input_grad else None
    images = _rows_images(x.shape, weight.shape, geom)
    for n0 in range(0, N, images):
        count = min(images, N - n0)
        rows, pieces = _kernel_row_columns(x, n0, count, geom, groups, (kh, kw))
        dy = grad_out[n0: n0 + count].reshape(count, G, O_g, P)
        part = scratch("rows.gw", (kh, count, G, O_g, depth), dtype)
        matmul(dy, pieces, out=part)
        grad_rows += part.sum(axis=1)
        if not input_grad:
            continue
        # gradient of the row columns: pieces overlap, so kernel row 0 writes, the rest add
        dyt = dy.swapaxes(-1, -2)  # a transposed view: BLAS reads it as it is (no copy)
        d_rows = scratch("rows.dcols", rows.shape, dtype)
        t0, t1, t2 = d_rows.strides[:3]
        d_pieces = np.ndarray(pieces.shape, dtype, d_rows, 0,
                              (dh * t1, t0, depth * d_rows.itemsize, t2, d_rows.itemsize))
        matmul(dyt, w_back[0], out=d_pieces[0])
        d_rows[:, out_h:] = 0  # the rows that kernel row 0 does not reach
        product = scratch("rows.dprod", (count, G, P, depth), dtype)
        for a in range(1, kh):
            matmul(dyt, w_back[a], out=product)
            d_pieces[a] += product
        # each row column holds kW taps: add them back where they came from. A tap's numbers
        # are C_g apart from the next pixel's, so first copy them together ("rows.dprod" is
        # free again): a strided copy and a contiguous addition take half the time of one
        # strided addition (measured)
        dxn = scratch("rows.dx", (count, Hp, Wp, G, C_g), dtype)
        dxn.fill(0)
        tap = scratch("rows.dprod", (count, Hp, out_w, G, C_g), dtype)
        for b in range(kw):
            np.copyto(tap, d_rows[:, :, :, :, b])
            dxn[:, :, b * dw: b * dw + sw * (out_w - 1) + 1: sw] += tap
        inner = dxn.reshape(count, Hp, Wp, C_in)[:, top: top + H, left: left + W]
        if C_in <= 16:
            for c in range(C_in):
                grad_x[n0: n0 + count, c] = inner[..., c]
        else:
            np.copyto(grad_x[n0: n0 + count], inner.transpose(0, 3, 1, 2))
    grad_weight = grad_rows.reshape(kh, G, O_g, kw, C_g).transpose(1, 2, 4, 0, 3)
    return grad_x, np.ascontiguousarray(grad_weight).reshape(weight.shape)


def _padded_channels_last(x, n0: int, count: int, pads, size, tag: str) -> np.ndarray:
    """Images ``n0 .. n0 + count`` of x, channels last (count, Hp, Wp, C), zero borders, in
    the scratch buffer ``tag``; only the borders are zeroed, then x is copied in."""
    _, C, H, W = x.shape
    (top, _), (left, _) = pads
    xn = scratch(tag, (count, *size, C), x.dtype)
    if top:
        xn[:, :top] = 0
    if top + H < size[0]:
        xn[:, top + H:] = 0
    if left:
        xn[:, top: top + H, :left] = 0
    if left + W < size[1]:
        xn[:, top: top + H, left + W:] = 0
    inner = xn[:, top: top + H, left: left + W]
    if C <= 16:  # one plane at a time: contiguous reads, about twice as fast for few channels
        for c in range(C):
            inner[..., c] = x[n0: n0 + count, c]
    else:
        np.copyto(inner, x[n0: n0 + count].transpose(0, 2, 3, 1))
    return xn


def _conv2d_im2col_wide(x, weight, geom: Geometry, groups):
    """im2col + GEMM for stride 1 with "wide" columns: whole padded rows instead of windows.

    Each (image, channel) plane is stored flat, so kernel tap (a, b) sees the input shifted by
    ``a dH Wp + b dW`` elements, and its column is one contiguous run of ``H_out * Wp``
    numbers (one strided view, one copy with long inner loops). The product then also computes
    ``Wp - W_out`` unused outputs per row, which are cut off at the end: about 25% faster than
    the window-by-window copy on the LeNet layers. The flat planes, the columns and the wide
    product are workspace buffers; only the cropped result is a new array.
    """
    N, C_in, H, W = x.shape
    C_out, C_g, kh, kw = weight.shape
    G = groups
    (dh, dw), ((top, _), (left, _)) = geom.dilation, geom.padding
    Hp, Wp = geom.padded
    out_h, out_w = geom.out
    flat = scratch("im2col.x", (N, C_in, Hp * Wp + dw * (kw - 1)), x.dtype)
    flat.fill(0)
    flat[:, :, : Hp * Wp].reshape(N, C_in, Hp, Wp)[:, :, top: top + H, left: left + W] = x
    sn, sc, item = flat.strides[0], flat.strides[1], flat.itemsize
    taps = as_strided(flat, (N, C_in, kh, kw, out_h * Wp),
                      (sn, sc, dh * Wp * item, dw * item, item), writeable=False)
    cols = scratch("im2col.cols", taps.shape, x.dtype)
    np.copyto(cols, taps)
    out = scratch("im2col.out", (N, G, C_out // G, out_h * Wp), x.dtype)
    matmul(weight.reshape(1, G, C_out // G, C_g * kh * kw),
           cols.reshape(N, G, C_g * kh * kw, out_h * Wp), out=out)
    # a new array even when nothing is cropped (1x1 kernels): never hand out the workspace
    return np.array(out.reshape(N, C_out, out_h, Wp)[..., :out_w], order="C", copy=True)


def _conv2d_im2col_blocked(x, weight, geom: Geometry, groups):
    """im2col + GEMM for large inputs, a block of output rows at a time.

    The column matrix of a big layer is tens of megabytes: written once to memory and read
    back by the GEMM. Built for a few output rows of one image at a time instead, it stays in
    the CPU cache between the copy and the product (measured: 15-20% faster on AlexNet conv1).
    The padded image and the block of columns are workspace buffers.
    """
    N, C_in = x.shape[:2]
    C_out, C_g, kh, kw = weight.shape
    G = groups
    (sh, sw), (dh, dw) = geom.stride, geom.dilation
    out_h, out_w = geom.out
    padded = any(p for pair in geom.padding for p in pair)
    rows = max(1, min(out_h, _BLOCK_ELEMENTS // (C_in * kh * kw * out_w)))
    w = weight.reshape(G, C_out // G, C_g * kh * kw)
    out = np.empty((N, C_out, out_h, out_w), dtype=x.dtype)
    buffer = scratch("im2col.block", (C_in, kh, kw, rows, out_w), x.dtype)
    for n in range(N):
        image = _padded(x, n, 1, geom.padding, geom.padded, "im2col.x") if padded else x[n:n + 1]
        windows = sliding_window_view(image[0], geom.reach, axis=(1, 2))
        windows = windows[:, ::sh, ::sw, ::dh, ::dw]  # (C_in, out_h, out_w, kh, kw), a view
        for r0 in range(0, out_h, rows):
            r1 = min(out_h, r0 + rows)
            cols = buffer[:, :, :, : r1 - r0]
            np.copyto(cols, windows[:, r0:r1].transpose(0, 3, 4, 1, 2))
            # out[n, :, r0:r1] is (C_out, rows, out_w) with each channel's rows contiguous,
            # so this reshape is a view and the product is written in place.
            target = out[n, :, r0:r1].reshape(G, C_out // G, (r1 - r0) * out_w)
            matmul(w, cols.reshape(G, C_g * kh * kw, -1), out=target)
    return out


def _conv2d_fft(x, weight, geom: Geometry, groups):
    """Correlation theorem: multiply the input's spectrum by the conjugate kernel spectrum."""
    xp = pad_spatial(x, geom.padding)
    N, C_in, Hp, Wp = xp.shape
    C_out, C_g, kh, kw = weight.shape
    G = groups
    (sh, sw), (dh, dw) = geom.stride, geom.dilation
    reach_h, reach_w = geom.reach
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


# --------------------------------------------------------------------------------------------
# Winograd minimal filtering F(m x m, 3 x 3)
# --------------------------------------------------------------------------------------------
# Y = A^T [U * V] A for each m x m output tile, with the kernel transform U = G g G^T and the
# tile transform V = B^T d B of the (m + 2) x (m + 2) input tile d (tiles overlap by 2).
# F(4x4, 3x3) is the default: 36 multiplications per 16 outputs instead of 144. Its
# matrices come from the Toom-Cook construction on five points and infinity. The products
# U * V are rounded to float32 and the output transform multiplies those rounding errors by
# its entries, so the points decide the accuracy (Barabasz et al. 2020 analyse why): Lavin &
# Gray's points 0, +-1, +-2 gave 7.5e-6 relative error on layer (c) of BENCHMARKS.md, about
# 20 times PyTorch's; the points 0, 1, -1, 1/2, -2, the best of a search over small
# fractions, give 2.5-4e-6. Rows of B^T are scaled by 2 and the matching rows of G by 1/2
# (exact in binary) so that B^T holds integers. F(2x2, 3x3) stays for comparison (m=2).
_WINOGRAD = {
    2: (
        np.array([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]], float),  # B^T
        np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]]),  # G
        np.array([[1, 1, 1, 0], [0, 1, -1, -1]], float),  # A^T
    ),
    4: (
        np.array([[2, -3, -4, 3, 2, 0], [0, -2, 1, 5, 2, 0], [0, 2, -5, 1, 2, 0],
                  [0, -2, -1, 2, 1, 0], [0, 1, -2, -1, 2, 0], [0, 2, -3, -4, 3, 2]], float),
        np.array([[1 / 2, 0, 0], [1 / 6, 1 / 6, 1 / 6], [-1 / 6, 1 / 6, -1 / 6],
                  [-16 / 15, -8 / 15, -4 / 15], [1 / 30, -1 / 15, 2 / 15], [0, 0, 1 / 2]]),
        np.array([[1, 1, 1, 1, 1, 0], [0, 1, -1, 1 / 2, -2, 0], [0, 1, 1, 1 / 4, 4, 0],
                  [0, 1, -1, 1 / 8, -8, 1]]),
    ),
}
_WINOGRAD_TILE = 4  # m of the default F(m x m, 3 x 3)
_WINOGRAD_BLOCK = 1 << 18  # entries of one block of transformed input tiles (1 MB float32)


def _tile_blocks(N: int, C: int, th: int, tw: int, alpha: int) -> tuple[int, int]:
    """``(images, rows)`` per block: whole images while a block of transformed tiles
    (``C * alpha^2`` numbers per tile) stays under ``_WINOGRAD_BLOCK`` entries, else a few
    tile rows of one image, in blocks of equal size."""
    per_row = C * alpha * alpha * tw
    if per_row * th <= _WINOGRAD_BLOCK:
        return max(1, min(N, _WINOGRAD_BLOCK // (per_row * th))), th
    blocks = -(-th // max(1, _WINOGRAD_BLOCK // per_row))
    return 1, -(-th // blocks)


def _padded(x, n0: int, count: int, pads, size, tag: str) -> np.ndarray:
    """Images ``n0 .. n0 + count`` of x with zero borders in the scratch buffer ``tag``.

    ``size`` = (Hp, Wp) is at least the padded size (Winograd rounds it up to whole tiles).
    Only the borders are zeroed, then x is copied in: the buffer's old contents never leak.
    """
    _, C, H, W = x.shape
    (top, _), (left, _) = pads
    xp = scratch(tag, (count, C, *size), x.dtype)
    xp[:, :, :top] = 0
    xp[:, :, top + H:] = 0
    xp[:, :, top: top + H, :left] = 0
    xp[:, :, top: top + H, left + W:] = 0
    xp[:, :, top: top + H, left: left + W] = x[n0: n0 + count]
    return xp


def _input_tiles(xp, t0: int, rows: int, tw: int, m: int, BT) -> np.ndarray:
    """``V = B^T d B`` for tile rows ``t0 .. t0 + rows`` of the padded images ``xp``.

    Returns shape (alpha^2, C, T) with ``T = images * rows * tw`` tiles, in scratch buffer "c".
    The tiles are gathered by one copy of a strided view, and each 1-D transform is one
    matrix product with a 6x6 (or 4x4) matrix over all tiles and channels at once.
    """
    alpha = m + 2
    count, C = xp.shape[:2]
    s = xp.strides
    view = as_strided(xp[:, :, m * t0:], (alpha, alpha, C, count, rows, tw),
                      (s[2], s[3], s[1], s[0], m * s[2], m * s[3]), writeable=False)
    T = count * rows * tw
    d = scratch("winograd.a", view.shape, xp.dtype)
    np.copyto(d, view)
    half = scratch("winograd.b", (alpha, alpha * C * T), xp.dtype)
    matmul(BT, d.reshape(alpha, -1), out=half)  # B^T along the rows of each tile
    v = scratch("winograd.c", (alpha, alpha, C * T), xp.dtype)
    matmul(BT, half.reshape(alpha, alpha, -1), out=v)  # ... and along its columns
    return v.reshape(alpha * alpha, C, T)


def _conv2d_polyphase(x, weight, geom: Geometry, groups, m: int = _WINOGRAD_TILE):
    """A strided convolution as a stride-1 3x3 one, computed by Winograd.

    With stride s, output i only meets input rows ``s i + t``: split the padded input into
    its ``s_h x s_w`` phases ``x_q[p] = x_pad[s i + p]`` and the kernel (zero-padded to 3 s
    taps) likewise, and ``y[i] = sum_p sum_a x_q[p][i + a] w_q[p][a]`` is a stride-1
    correlation with 3 taps whose channels are the (channel, phase) pairs. AlexNet's 11x11,
    stride-4 layer on 3 channels becomes a 3x3 layer on 48 channels (19% zero taps), which
    F(4x4, 3x3) computes with 3.4 times fewer multiplications than im2col.
    """
    N, C_in, H, W = x.shape
    C_out, C_g, kh, kw = weight.shape
    sh, sw = geom.stride
    (top, _), (left, _) = geom.padding
    out_h, out_w = geom.out
    qh, qw = out_h + 2, out_w + 2  # phase rows and columns the outputs read
    xp = scratch("polyphase.x", (N, C_in, sh * qh, sw * qw), x.dtype)
    xp.fill(0)
    hh, ww = min(H, sh * qh - top), min(W, sw * qw - left)  # rows beyond are never read
    xp[:, :, top: top + hh, left: left + ww] = x[:, :, :hh, :ww]
    xq = scratch("polyphase.q", (N, C_in, sh, sw, qh, qw), x.dtype)
    np.copyto(xq, xp.reshape(N, C_in, qh, sh, qw, sw).transpose(0, 1, 3, 5, 2, 4))
    wp = np.zeros((C_out, C_g, 3 * sh, 3 * sw), dtype=weight.dtype)
    wp[:, :, :kh, :kw] = weight
    wq = wp.reshape(C_out, C_g, 3, sh, 3, sw).transpose(0, 1, 3, 5, 2, 4)
    phase_geom = Geometry((qh, qw), (3, 3), (1, 1), ((0, 0), (0, 0)), (1, 1))
    return _conv2d_winograd(xq.reshape(N, C_in * sh * sw, qh, qw),
                            wq.reshape(C_out, C_g * sh * sw, 3, 3), phase_geom, groups, m)


def _conv2d_winograd(x, weight, geom: Geometry, groups, m: int = _WINOGRAD_TILE):
    """Winograd F(m x m, 3 x 3) for 3x3 kernels, stride 1, dilation 1.

    Works on blocks of tiles (:func:`_tile_blocks`) so that every temporary stays in the CPU
    cache and comes from the workspace (:mod:`helpers._workspace`); for each block: gather
    and transform the input tiles (V), one matrix product per tile position and group
    (``U @ V``), the output transform, and a strided copy of each of the m x m output phases
    into the result.
    """
    if geom.stride != (1, 1):
        return _conv2d_polyphase(x, weight, geom, groups, m)
    BT, Gm, AT = _WINOGRAD[m]
    alpha, dtype = m + 2, x.dtype
    BT, AT_ = BT.astype(dtype), AT.astype(dtype)
    N, C_in = x.shape[:2]
    C_out, C_g = weight.shape[:2]
    G = groups
    out_h, out_w = geom.out
    th, tw = -(-out_h // m), -(-out_w // m)  # tiles down and across
    size = (m * th + 2, m * tw + 2)
    # U = G g G^T in float64, one (C_out/G x C_g) matrix per tile position and group
    U = (Gm @ weight.astype(np.float64) @ Gm.T).astype(dtype)  # (C_out, C_g, alpha, alpha)
    U = np.ascontiguousarray(U.transpose(2, 3, 0, 1)).reshape(alpha * alpha, G, C_out // G, C_g)
    images, rows = _tile_blocks(N, C_in, th, tw, alpha)
    y = np.empty((N, C_out, out_h, out_w), dtype=dtype)
    for n0 in range(0, N, images):
        count = min(images, N - n0)
        xp = _padded(x, n0, count, geom.padding, size, "winograd.x")
        for t0 in range(0, th, rows):
            r = min(rows, th - t0)
            T = count * r * tw
            V = _input_tiles(xp, t0, r, tw, m, BT)
            M = scratch("winograd.m", (alpha * alpha, G, C_out // G, T), dtype)
            matmul(U, V.reshape(alpha * alpha, G, C_g, T), out=M)
            # Y = A^T M A; buffers "b" and "a" are free again at this point
            half = scratch("winograd.b", (m, alpha * C_out * T), dtype)
            matmul(AT_, M.reshape(alpha, -1), out=half)
            Y = scratch("winograd.a", (m, m, C_out * T), dtype)
            matmul(AT_, half.reshape(m, alpha, -1), out=Y)
            _scatter_tiles(Y.reshape(m, m, C_out, count, r, tw), y[n0: n0 + count], t0, m)
    return y


def _scatter_tiles(Y, y, t0: int, m: int) -> None:
    """Write output tiles ``Y[i, j, o, n, t, u]`` to ``y[n, o, m (t0 + t) + i, m u + j]``,
    one strided copy per phase (i, j), dropping what lies beyond the output."""
    out_h, out_w = y.shape[2:]
    rows = Y.shape[4]
    stop = min(out_h, m * (t0 + rows))
    for i in range(m):
        ri = len(range(m * t0 + i, stop, m))
        for j in range(m):
            cj = len(range(j, out_w, m))
            if ri and cj:
                y[:, :, m * t0 + i: stop: m, j::m] = Y[i, j, :, :, :ri, :cj].transpose(1, 0, 2, 3)


def _winograd_weight_grad(grad_out, x, geom: Geometry, groups, m: int = _WINOGRAD_TILE):
    """grad_weight of a 3x3, stride-1 convolution through the Winograd formula.

    Each output tile is ``Y_t = A^T [(G g G^T) * V_t] A``, linear in the kernel g, so its
    transpose gives ``dL/dg = G^T [sum_t (A dY_t A^T) * V_t] G``: the sum over tiles (and
    images) is one matrix product per tile position, with 4x fewer multiplications than
    ``dY . cols^T`` for F(4x4, 3x3). Blocked like :func:`_conv2d_winograd`.
    """
    BT, Gm, AT = _WINOGRAD[m]
    alpha, dtype = m + 2, x.dtype
    BT, A = BT.astype(dtype), np.ascontiguousarray(AT.T, dtype=dtype)
    N, C_out, out_h, out_w = grad_out.shape
    C_in, G = x.shape[1], groups
    th, tw = -(-out_h // m), -(-out_w // m)
    size = (m * th + 2, m * tw + 2)
    images, rows = _tile_blocks(N, C_in, th, tw, alpha)
    total = np.zeros((alpha * alpha, G, C_out // G, C_in // G), dtype=dtype)
    for n0 in range(0, N, images):
        count = min(images, N - n0)
        xp = _padded(x, n0, count, geom.padding, size, "winograd.x")
        # grad_out of these images, zero beyond the output up to whole tiles
        gp = scratch("winograd.g", (count, C_out, m * th, m * tw), dtype)
        gp[:, :, out_h:] = 0
        gp[:, :, :out_h, out_w:] = 0
        gp[:, :, :out_h, :out_w] = grad_out[n0: n0 + count]
        tiles = gp.reshape(count, C_out, th, m, tw, m)
        for t0 in range(0, th, rows):
            r = min(rows, th - t0)
            T = count * r * tw
            V = _input_tiles(xp, t0, r, tw, m, BT)
            dy = scratch("winograd.a", (m, m, C_out, count, r, tw), dtype)  # "a" is free
            np.copyto(dy, tiles[:, :, t0: t0 + r].transpose(3, 5, 1, 0, 2, 4))
            half = scratch("winograd.b", (alpha, m * C_out * T), dtype)
            matmul(A, dy.reshape(m, -1), out=half)
            dU = scratch("winograd.m", (alpha, alpha, C_out * T), dtype)
            matmul(A, half.reshape(alpha, m, -1), out=dU)
            part = scratch("winograd.p", total.shape, dtype)
            matmul(dU.reshape(alpha * alpha, G, C_out // G, T),
                   V.reshape(alpha * alpha, G, C_in // G, T).transpose(0, 1, 3, 2), out=part)
            total += part
    M = total.reshape(alpha, alpha, C_out, C_in // G).transpose(2, 3, 0, 1).astype(np.float64)
    return (Gm.T @ M @ Gm).astype(dtype)  # (C_out, C_in / G, 3, 3)

# --------------------------------------------------------------------------------------------
# Backward pass for stride 1
# --------------------------------------------------------------------------------------------
def _backward_stride1(grad_out, x, weight, geom: Geometry, groups, input_grad=True):
    """Both gradients of a stride-1 convolution: ``(grad_x, grad_weight)``; ``grad_x`` is
    None, and not computed, unless ``input_grad``.

    Large 3x3 layers go through Winograd F(4x4, 3x3) (:func:`_backward_winograd`); layers
    whose kernel rows hold at least 15 numbers (kW x C_in / groups), or with at least 400
    output pixels per image, through the columns of one kernel row
    (:func:`_backward_kernel_rows`); the rest one kernel tap at a time
    (:func:`_backward_taps`), which is faster for few channels on small images (measured).
    """
    C_out, C_g, kh, kw = weight.shape
    if (_winograd_applies(geom.kernel, geom.stride, geom.dilation)
            and _winograd_pays_off(C_out // groups, *geom.out)):
        back = _back_geometry(geom, grad_out.shape[2:])
        if back is not None:
            return _backward_winograd(grad_out, x, weight, geom, back, groups, input_grad)
    if kh > 1 and (kw * C_g >= _ROWS_MIN_DEPTH or geom.out[0] * geom.out[1] >= 400):
        return _backward_kernel_rows(grad_out, x, weight, geom, groups, input_grad)
    return _backward_taps(grad_out, x, weight, geom, groups, input_grad)


def _back_geometry(geom: Geometry, out_size) -> Geometry | None:
    """Geometry of grad_x as a forward convolution of grad_out: padding ``d (k - 1) - p``.

    ``None`` when that padding would be negative (a padding wider than the kernel).
    """
    pads = tuple((d * (k - 1) - p0, d * (k - 1) - p1)
                 for (p0, p1), k, d in zip(geom.padding, geom.kernel, geom.dilation, strict=True))
    if min(p for pair in pads for p in pair) < 0:
        return None
    return Geometry(tuple(out_size), geom.kernel, geom.stride, pads, geom.dilation)


def _backward_winograd(grad_out, x, weight, geom: Geometry, back: Geometry, groups,
                       input_grad=True):
    """Both gradients of a large 3x3 layer through Winograd F(4x4, 3x3).

    grad_x is the "full" correlation of grad_out with the flipped kernel (in and out channels
    swapped in every group), which is a forward convolution with geometry ``back``.
    """
    C_in = x.shape[1]
    C_out, C_g, kh, kw = weight.shape
    G = groups
    grad_weight = _winograd_weight_grad(grad_out, x, geom, G)
    if not input_grad:
        return None, grad_weight
    w_back = weight.reshape(G, C_out // G, C_g, kh, kw)[:, :, :, ::-1, ::-1]
    w_back = np.ascontiguousarray(w_back.transpose(0, 2, 1, 3, 4)).reshape(
        C_in, C_out // G, kh, kw)
    grad_x = _conv2d_winograd(grad_out, w_back, back, G)
    return grad_x, grad_weight


def _backward_taps(grad_out, x, weight, geom: Geometry, groups, input_grad=True):
    """Both gradients for stride 1, one kernel tap at a time, on flat channel planes.

    Every (channel, image) plane of the padded input is stored flat with row length Wp, and
    the output gradient is widened with zero columns to the same row length. Kernel tap
    (a, b) is then a shift by ``a dH Wp + b dW`` in the flat planes, so for each tap
    ``grad_weight[:, :, a, b] = dY_wide . x_shifted^T`` and ``grad_x_shifted += w[:, :, a, b]^T
    . dY_wide`` are plain matrix products on contiguous blocks (no im2col matrix). Without
    ``input_grad`` only grad_weight is computed (grad_x is None).
    """
    N, C_in, H, W = x.shape
    C_out, C_g, kh, kw = weight.shape
    G, O_g = groups, C_out // groups
    (dh, dw), ((top, _), (left, _)) = geom.dilation, geom.padding
    Hp, Wp = geom.padded
    oh, ow = grad_out.shape[2:]
    L, extra = oh * Wp, dw * (kw - 1)
    # wide, planes and grad_planes are workspace buffers (zeroed here); grad_x is a new array
    wide = scratch("taps.dy", (C_out, N, oh, Wp), x.dtype)
    wide[..., ow:] = 0
    wide[..., :ow] = grad_out.transpose(1, 0, 2, 3)
    wide = wide.reshape(G, O_g, N * L)
    planes = scratch("taps.x", (C_in, N, Hp * Wp + extra), x.dtype)
    planes.fill(0)
    planes[:, :, : Hp * Wp].reshape(C_in, N, Hp, Wp)[:, :, top: top + H, left: left + W] = \
        x.transpose(1, 0, 2, 3)
    planes = planes.reshape(G, C_g, N, -1)
    grad_weight = np.empty((G, O_g, C_g, kh, kw), dtype=x.dtype)
    grad_planes = scratch("taps.dx", planes.shape, x.dtype)
    grad_planes.fill(0)
    shifted = scratch("taps.shift", (G, C_g, N, L), x.dtype)
    product = scratch("taps.product", (G, C_g, N * L), x.dtype)
    for a in range(kh):
        for b in range(kw):
            offset = a * dh * Wp + b * dw
            np.copyto(shifted, planes[..., offset: offset + L])
            grad_weight[..., a, b] = matmul(wide, shifted.reshape(G, C_g, -1).transpose(0, 2, 1))
            if input_grad:
                w_ab = weight[:, :, a, b].reshape(G, O_g, C_g).transpose(0, 2, 1)
                matmul(w_ab, wide, out=product)
                grad_planes[..., offset: offset + L] += product.reshape(G, C_g, N, L)
    if not input_grad:
        return None, grad_weight.reshape(weight.shape)
    grad_x = grad_planes.reshape(C_in, N, -1)[:, :, : Hp * Wp].reshape(C_in, N, Hp, Wp)
    # a new array even when the view is already contiguous (one image, no padding)
    grad_x = np.array(grad_x[:, :, top: top + H, left: left + W].transpose(1, 0, 2, 3),
                      order="C", copy=True)
    return grad_x, grad_weight.reshape(weight.shape)

