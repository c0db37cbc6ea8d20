"""Up-sampling: nearest and bilinear interpolation, and the transposed convolution.

Pooling and strided convolutions make feature maps smaller; dense prediction (a mask, a
depth map, a segmentation) needs them large again. Three ways, in teaching order:

* :func:`upsample_nearest` repeats every pixel ``scale`` times along each axis;
* :func:`upsample_bilinear` interpolates between the four nearest pixels, with PyTorch's
  ``align_corners=False`` convention (pixel centres at half-integers);
* :func:`conv_transpose2d` is the *learned* up-sampling layer: every input pixel stamps a
  scaled copy of the kernel into the output, ``stride`` pixels apart, and overlapping stamps
  add up. It is the adjoint of :func:`helpers.conv.conv2d` with the same weight, stride,
  padding and dilation: in chapter 3's matrix form, ``A(w)`` turns into ``A(w)ᵀ``, which is
  why it is also the input gradient of a convolution.

Semantics and weight layout follow ``torch.nn.functional.conv_transpose2d``: weight
``(C_in, C_out / groups, kH, kW)``, output size ``(H - 1) stride - 2 padding
+ dilation (kH - 1) + output_padding + 1``. NumPy only.
"""

from __future__ import annotations

import numpy as np

__all__ = ["conv_transpose2d", "conv_transpose_output_size", "upsample_bilinear",
           "upsample_nearest"]


def _images(x, name: str = "x") -> np.ndarray:
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{name} must be a NumPy array, got {type(x).__name__}")
    if x.ndim != 4:
        raise ValueError(f"{name} must have shape (N, C, H, W), got {x.shape}")
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"{name} must hold floats, got dtype {x.dtype}")
    return x


def _pair(value, name: str, minimum: int) -> tuple[int, int]:
    items = value if isinstance(value, (tuple, list)) else (value, value)
    if len(items) != 2 or any(isinstance(v, bool) or not isinstance(v, (int, np.integer))
                              or v < minimum for v in items):
        raise ValueError(f"{name} must be an int >= {minimum} or a pair of them, got {value!r}")
    return int(items[0]), int(items[1])


def _scale(scale) -> int:
    if isinstance(scale, bool) or not isinstance(scale, (int, np.integer)) or scale < 1:
        raise ValueError(f"scale must be an int >= 1, got {scale!r}")
    return int(scale)


def upsample_nearest(x: np.ndarray, scale: int = 2) -> np.ndarray:
    """Nearest-neighbour up-sampling by an integer factor.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    scale : int
        Every pixel becomes a ``scale x scale`` block.

    Returns
    -------
    ndarray, shape (N, C, scale H, scale W)

    Examples
    --------
    >>> upsample_nearest(np.array([[[[1.0, 2.0]]]]), 2)[0, 0]
    array([[1., 1., 2., 2.],
           [1., 1., 2., 2.]])
    """
    s = _scale(scale)
    return np.repeat(np.repeat(_images(x), s, axis=2), s, axis=3)


def _bilinear_weights(n_in: int, n_out: int, scale: float):
    """Source index pairs and weights along one axis, align_corners=False (PyTorch)."""
    centres = (np.arange(n_out) + 0.5) / scale - 0.5
    centres = np.clip(centres, 0, None)
    low = np.minimum(np.floor(centres).astype(int), n_in - 1)
    high = np.minimum(low + 1, n_in - 1)
    frac = centres - low
    return low, high, frac


def upsample_bilinear(x: np.ndarray, scale: int = 2) -> np.ndarray:
    """Bilinear up-sampling by an integer factor (PyTorch's ``align_corners=False``).

    Output pixel centre ``u`` reads the input at ``(u + 0.5) / scale - 0.5`` and mixes the two
    neighbours along each axis by their distances; borders are clamped.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    scale : int

    Returns
    -------
    ndarray, shape (N, C, scale H, scale W)

    Examples
    --------
    >>> upsample_bilinear(np.array([[[[0.0, 4.0]]]]), 2)[0, 0, 0]
    array([0., 1., 3., 4.])
    """
    x, s = _images(x), _scale(scale)
    h, w = x.shape[2:]
    lo, hi, fr = _bilinear_weights(h, s * h, s)
    rows = x[:, :, lo] * (1 - fr)[:, None] + x[:, :, hi] * fr[:, None]
    lo, hi, fr = _bilinear_weights(w, s * w, s)
    return rows[..., lo] * (1 - fr) + rows[..., hi] * fr


def conv_transpose_output_size(size: int, kernel_size: int, stride: int = 1,
                               padding: int = 0, output_padding: int = 0,
                               dilation: int = 1) -> int:
    """Output length of a transposed convolution along one axis.

    ``(size - 1) stride - 2 padding + dilation (kernel_size - 1) + output_padding + 1``: the
    inverse of the convolution's ``floor((N + 2P - D(K - 1) - 1) / S) + 1``, with
    ``output_padding`` choosing among the sizes a strided convolution maps to the same length.

    Examples
    --------
    >>> conv_transpose_output_size(4, 3, stride=2, padding=1, output_padding=1)
    8
    """
    for name, value, low in (("size", size, 1), ("kernel_size", kernel_size, 1),
                             ("stride", stride, 1), ("padding", padding, 0),
                             ("output_padding", output_padding, 0), ("dilation", dilation, 1)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"{name} must be an int >= {low}, got {value!r}")
    if output_padding >= max(stride, dilation):
        raise ValueError(f"output_padding must be smaller than stride or dilation, got "
                         f"output_padding={output_padding} with stride={stride}, "
                         f"dilation={dilation}")
    out = (size - 1) * stride - 2 * padding + dilation * (kernel_size - 1) + output_padding + 1
    if out < 1:
        raise ValueError(f"padding={padding} leaves no output for size={size}, "
                         f"kernel_size={kernel_size}, stride={stride}")
    return out


def conv_transpose2d(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None,
                     stride=1, padding=0, output_padding=0, dilation=1,
                     groups: int = 1) -> np.ndarray:
    """2-D transposed convolution, as ``torch.nn.functional.conv_transpose2d``.

    Every input pixel ``(i, j)`` adds ``x[n, c, i, j] * weight[c, o]`` into the output at rows
    ``stride i + dilation a`` and columns ``stride j + dilation b``; then ``padding`` rows and
    columns are cut from each border. One vectorised update per kernel tap ``(a, b)``.

    Parameters
    ----------
    x : ndarray, shape (N, C_in, H, W)
    weight : ndarray, shape (C_in, C_out / groups, kH, kW)
    bias : ndarray, shape (C_out,), optional
    stride, padding, output_padding, dilation : int or pair of ints
    groups : int
        ``C_in`` and ``C_out`` split into ``groups`` independent blocks.

    Returns
    -------
    ndarray, shape (N, C_out, H_out, W_out)
        Sizes from :func:`conv_transpose_output_size`.

    Examples
    --------
    >>> x = np.ones((1, 1, 2, 2))
    >>> conv_transpose2d(x, np.ones((1, 1, 3, 3)), stride=2)[0, 0]
    array([[1., 1., 2., 1., 1.],
           [1., 1., 2., 1., 1.],
           [2., 2., 4., 2., 2.],
           [1., 1., 2., 1., 1.],
           [1., 1., 2., 1., 1.]])
    """
    x = _images(x)
    weight = _images(weight, "weight")
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ValueError(f"groups must be an int >= 1, got {groups!r}")
    n, c_in, h, w = x.shape
    if weight.shape[0] != c_in or c_in % groups:
        raise ValueError(f"weight must have C_in = {c_in} rows (divisible by groups={groups}), "
                         f"got weight {weight.shape} for x {x.shape}")
    sh, sw = _pair(stride, "stride", 1)
    ph, pw = _pair(padding, "padding", 0)
    oph, opw = _pair(output_padding, "output_padding", 0)
    dh, dw = _pair(dilation, "dilation", 1)
    kh, kw = weight.shape[2:]
    out_h = conv_transpose_output_size(h, kh, sh, ph, oph, dh)
    out_w = conv_transpose_output_size(w, kw, sw, pw, opw, dw)
    c_in_g, c_out_g = c_in // groups, weight.shape[1]
    full = np.zeros((n, c_out_g * groups, out_h + 2 * ph, out_w + 2 * pw),
                    dtype=np.result_type(x, weight))
    for g in range(groups):
        xg = x[:, g * c_in_g:(g + 1) * c_in_g]
        wg = weight[g * c_in_g:(g + 1) * c_in_g]
        target = full[:, g * c_out_g:(g + 1) * c_out_g]
        for a in range(kh):
            for b in range(kw):
                stamp = np.einsum("nchw,co->nohw", xg, wg[:, :, a, b])
                target[:, :, a * dh:a * dh + (h - 1) * sh + 1:sh,
                       b * dw:b * dw + (w - 1) * sw + 1:sw] += stamp
    out = full[:, :, ph:ph + out_h, pw:pw + out_w]
    if bias is not None:
        bias = np.asarray(bias)
        if bias.shape != (out.shape[1],):
            raise ValueError(f"bias must have shape ({out.shape[1]},), got {bias.shape}")
        out = out + bias[None, :, None, None]
    return np.ascontiguousarray(out)
