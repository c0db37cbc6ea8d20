"""The fast paths of :func:`helpers.conv.conv2d` and :func:`helpers.conv.conv2d_backward`.

:mod:`helpers.conv` holds the convolution as the lectures write it (loops, im2col + one
matrix product, the textbook backward). The functions here compute the same numbers with
fewer operations or better use of the CPU cache; ``conv2d(method=...)`` reaches all of them:

* **im2col, cache-friendly** -- for stride 1, "wide" columns made of whole padded rows (one
  long copy per kernel tap); for large layers, the columns of a block of output rows at a
  time, so they stay in the CPU cache between the copy and the product;
* **FFT** -- the correlation theorem: multiply the input's spectrum by the conjugate of the
  kernel's;
* **Winograd** -- minimal filtering F(2x2, 3x3) (Lavin & Gray 2016) for 3x3 kernels with
  stride 1 and dilation 1: 16 multiplications per 2x2 output tile instead of 36;
* **stride-1 backward** -- both gradients tap by tap on flat channel planes (no im2col
  matrix), and through Winograd for large 3x3 layers.

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
from helpers.shapes import Geometry

__all__ = ["choose_conv_method"]


# --------------------------------------------------------------------------------------------
# The rule behind method="auto"
# --------------------------------------------------------------------------------------------
def _winograd_applies(kernel, stride, dilation) -> bool:
    """Winograd F(m x m, 3 x 3) needs a 3x3 kernel, stride 1 and dilation 1."""
    return tuple(kernel) == (3, 3) and tuple(stride) == (1, 1) and tuple(dilation) == (1, 1)


def _winograd_pays_off(channels_per_group: int, height: int, width: int) -> bool:
    """Winograd beats im2col once the channel matrix products dominate (measured here)."""
    return channels_per_group >= 32 and height * width >= 256


def choose_conv_method(x, weight, stride=1, dilation=1) -> str:
    """The method ``conv2d(..., method="auto")`` uses for these arrays: "winograd" or "im2col".

    Winograd where it applies (3x3 kernel, stride 1, dilation 1) and pays off (at least 32
    input channels per group and 16x16 pixels), im2col otherwise: the fastest choice in our
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
    fast = (_winograd_applies(weight_shape[2:], stride, dilation)
            and _winograd_pays_off(weight_shape[1], *x_shape[-2:]))
    return "winograd" if fast else "im2col"


# --------------------------------------------------------------------------------------------
# im2col variants: wide columns for stride 1, blocks of rows for large layers
# --------------------------------------------------------------------------------------------
_BLOCK_ELEMENTS = 1 << 18  # 1 MB of float32 columns: about the size of a core's L2 cache


def _im2col_variant(x, weight, geom: Geometry, groups):
    """The cache-friendly im2col for this layer, or ``None`` where the plain one is best.

    Blocks of output rows once the column matrix is larger than 8 blocks; otherwise wide
    columns for stride 1.
    """
    _, C_g, kh, kw = weight.shape
    if x.shape[0] * C_g * groups * kh * kw * geom.out[0] * geom.out[1] > _BLOCK_ELEMENTS * 8:
        return _conv2d_im2col_blocked
    if geom.stride == (1, 1):
        return _conv2d_im2col_wide
    return None


def _conv2d_im2col_wide(x, weight, geom: Geometry, groups):
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
    (dh, dw), ((top, _), (left, _)) = geom.dilation, geom.padding
    Hp, Wp = geom.padded
    out_h, out_w = geom.out
    flat = np.zeros((N, C_in, Hp * Wp + dw * (kw - 1)), dtype=x.dtype)
    flat[:, :, : Hp * Wp].reshape(N, C_in, Hp, Wp)[:, :, top: top + H, left: left + W] = x
    sn, sc, item = flat.strides[0], flat.strides[1], flat.itemsize
    taps = as_strided(flat, (N, C_in, kh, kw, out_h * Wp),
                      (sn, sc, dh * Wp * item, dw * item, item), writeable=False)
    cols = np.ascontiguousarray(taps).reshape(N, G, C_g * kh * kw, out_h * Wp)
    out = matmul(weight.reshape(1, G, C_out // G, C_g * kh * kw), cols)
    return np.ascontiguousarray(out.reshape(N, C_out, out_h, Wp)[..., :out_w])


def _conv2d_im2col_blocked(x, weight, geom: Geometry, groups):
    """im2col + GEMM for large inputs, a block of output rows at a time.

    The column matrix of a big layer is tens of megabytes: written once to memory and read
    back by the GEMM. Built for a few output rows of one image at a time instead, it stays in
    the CPU cache between the copy and the product (measured: 15-20% faster on AlexNet conv1).
    """
    N, C_in = x.shape[:2]
    C_out, C_g, kh, kw = weight.shape
    G = groups
    (sh, sw), (dh, dw) = geom.stride, geom.dilation
    xp = pad_spatial(x, geom.padding)
    windows = sliding_window_view(xp, geom.reach, axis=(2, 3))[:, :, ::sh, ::sw, ::dh, ::dw]
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
            with np.errstate(invalid="ignore"):  # see helpers._arrays.matmul
                np.matmul(w, cols.reshape(G, C_g * kh * kw, -1), out=target)
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
# Winograd minimal filtering
# --------------------------------------------------------------------------------------------
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


def _winograd_tiles(x, geom: Geometry, m: int):
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
    N, C_in = x.shape[:2]
    out_h, out_w = geom.out
    th, tw = -(-out_h // m), -(-out_w // m)  # number of tiles down and across
    A, Q = th + reach, tw + reach
    xq = _phases(x, geom.padding, m, A, Q)
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


def _conv2d_winograd(x, weight, geom: Geometry, groups, m: int = 2):
    """Winograd F(m x m, 3 x 3) for 3x3 kernels, stride 1, dilation 1."""
    _, Gm, AT = _WINOGRAD[m]
    alpha = m + 2
    N = x.shape[0]
    C_out, C_g = weight.shape[:2]
    G = groups
    out_h, out_w = geom.out
    V, (th, tw, Q) = _winograd_tiles(x, geom, m)
    # U = G g G^T (in float64), then one matrix product per tile position and group.
    U = (Gm @ weight.astype(np.float64) @ Gm.T).astype(x.dtype)  # (C_out, C_g, a, a)
    U = np.ascontiguousarray(U.transpose(2, 3, 0, 1)).reshape(alpha * alpha, G, C_out // G, C_g)
    M = matmul(U, V.reshape(alpha * alpha, G, C_g, N * th * Q))  # (a*a, G, C_out/G, N th Q)
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


def _winograd_weight_grad(grad_out, x, geom: Geometry, groups, m: int = 2):
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
    V, (th, tw, Q) = _winograd_tiles(x, geom, m)
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
    M = matmul(dU.reshape(alpha * alpha, G, C_out // G, T),
                V.reshape(alpha * alpha, G, C_in // G, T).transpose(0, 1, 3, 2))
    M = M.reshape(alpha, alpha, C_out, C_in // G).transpose(2, 3, 0, 1).astype(np.float64)
    return (Gm.T @ M @ Gm).astype(x.dtype)  # (C_out, C_in / G, 3, 3)


# --------------------------------------------------------------------------------------------
# Backward pass for stride 1
# --------------------------------------------------------------------------------------------
def _backward_stride1(grad_out, x, weight, geom: Geometry, groups):
    """Both gradients of a stride-1 convolution: ``(grad_x, grad_weight)``.

    Large 3x3 layers go through Winograd F(2x2, 3x3) (:func:`_backward_winograd`); the rest
    one kernel tap at a time (:func:`_backward_taps`).
    """
    C_out = weight.shape[0]
    if (_winograd_applies(geom.kernel, geom.stride, geom.dilation)
            and _winograd_pays_off(C_out // groups, *geom.out)):
        back = _back_geometry(geom, grad_out.shape[2:])
        if back is not None:
            return _backward_winograd(grad_out, x, weight, geom, back, groups)
    return _backward_taps(grad_out, x, weight, geom, groups)


def _back_geometry(geom: Geometry, out_size) -> Geometry | None:
    """Geometry of grad_x as a forward convolution of grad_out: padding ``d (k - 1) - p``.

    ``None`` when that padding would be negative (a padding wider than the kernel).
    """
    pads = tuple((d * (k - 1) - p0, d * (k - 1) - p1)
                 for (p0, p1), k, d in zip(geom.padding, geom.kernel, geom.dilation, strict=True))
    if min(p for pair in pads for p in pair) < 0:
        return None
    return Geometry(tuple(out_size), geom.kernel, geom.stride, pads, geom.dilation)


def _backward_winograd(grad_out, x, weight, geom: Geometry, back: Geometry, groups):
    """Both gradients of a large 3x3 layer through Winograd F(2x2, 3x3).

    grad_x is the "full" correlation of grad_out with the flipped kernel (in and out channels
    swapped in every group), which is a forward convolution with geometry ``back``.
    """
    C_in = x.shape[1]
    C_out, C_g, kh, kw = weight.shape
    G = groups
    grad_weight = _winograd_weight_grad(grad_out, x, geom, G)
    w_back = weight.reshape(G, C_out // G, C_g, kh, kw)[:, :, :, ::-1, ::-1]
    w_back = np.ascontiguousarray(w_back.transpose(0, 2, 1, 3, 4)).reshape(
        C_in, C_out // G, kh, kw)
    grad_x = _conv2d_winograd(grad_out, w_back, back, G)
    return grad_x, grad_weight


def _backward_taps(grad_out, x, weight, geom: Geometry, groups):
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
    (dh, dw), ((top, _), (left, _)) = geom.dilation, geom.padding
    Hp, Wp = geom.padded
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
            grad_weight[..., a, b] = matmul(wide, shifted.transpose(0, 2, 1))
            w_ab = weight[:, :, a, b].reshape(G, O_g, C_g).transpose(0, 2, 1)
            grad_planes[..., offset: offset + L] += matmul(w_ab, wide).reshape(G, C_g, N, L)
    grad_x = grad_planes.reshape(C_in, N, -1)[:, :, : Hp * Wp].reshape(C_in, N, Hp, Wp)
    grad_x = np.ascontiguousarray(grad_x[:, :, top: top + H, left: left + W].transpose(1, 0, 2, 3))
    return grad_x, grad_weight.reshape(weight.shape)

