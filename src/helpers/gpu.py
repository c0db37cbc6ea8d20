"""PyTorch twins of the NumPy references: convolution and pooling from tensor operations.

The algorithms are the ones of :mod:`helpers.conv` and :mod:`helpers.pool`, written with
PyTorch tensor operations so that they run on any device (CPU, CUDA, Apple MPS), in any
floating dtype, and keep autograd working:

* :func:`conv2d` cuts the input into patches with ``Tensor.unfold`` (im2col, the matrix of
  ``torch.nn.functional.unfold``) and multiplies them by the flattened kernels (one matrix
  product per group);
* :func:`max_pool2d` cuts the ``-inf``-padded input into windows with ``Tensor.unfold`` and
  takes the maximum of each window (``amax``);
* :func:`blur_pool2d` pads, then convolves each channel with a fixed binomial filter at a
  stride (Zhang, 2019); that depthwise convolution uses PyTorch's own kernel, which is
  faster for one small filter per channel than unfold + matmul.

:class:`Conv2d`, :class:`BlurPool2d` and :class:`MaxBlurPool2d` wrap them as ``nn.Module``
layers that drop into a model. ``Conv2d`` has the parameters of ``torch.nn.Conv2d`` (same
shapes, same initialisation), so their state dicts are interchangeable.

Examples
--------
>>> import torch
>>> import helpers
>>> from helpers import gpu
>>> x = torch.randn(2, 3, 8, 8, device=helpers.device())
>>> gpu.conv2d(x, torch.randn(4, 3, 3, 3, device=x.device), padding="same").shape
torch.Size([2, 4, 8, 8])
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from helpers._validate import as_bool, as_int, as_tuple, check_choice, check_conv_channels
from helpers.shapes import geometry, padding_pairs, pool_geometry

__all__ = [
    "BlurPool2d",
    "Conv2d",
    "MaxBlurPool2d",
    "binomial_filter",
    "blur_pool2d",
    "conv2d",
    "max_pool2d",
]

_PAD_MODES = {"reflect": "reflect", "replicate": "replicate", "zero": "constant",
              "constant": "constant"}


# --------------------------------------------------------------------------- argument checks
def _check_tensor(x, name: str, ndims: tuple[int, ...], layout: str) -> torch.Tensor:
    """Raise unless ``x`` is a real floating tensor with one of ``ndims`` axes."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if x.is_complex() or not x.is_floating_point():
        raise TypeError(f"{name} must have a real floating dtype, got {x.dtype}")
    if x.dim() not in ndims:
        want = " or ".join(f"{d}-D" for d in ndims)
        raise ValueError(f"{name} must be {want} {layout}, got shape {tuple(x.shape)}")
    return x


def _check_like(t: torch.Tensor, x: torch.Tensor, name: str) -> None:
    """``TypeError`` unless ``t`` has ``x``'s dtype and device (as PyTorch requires)."""
    if t.dtype != x.dtype or t.device != x.device:
        raise TypeError(f"{name} must have x's dtype and device ({x.dtype}, {x.device}), "
                        f"got ({t.dtype}, {t.device})")


def _as_batch(x, name: str = "x", layout: str = "(N, C, H, W) or (C, H, W)",
              ) -> tuple[torch.Tensor, bool]:
    """Return ``x`` as (N, C, H, W) and whether a batch axis was added."""
    x = _check_tensor(x, name, (3, 4), layout)
    if 0 in x.shape[-3:]:
        raise ValueError(f"{name} must have non-empty C, H and W axes, got shape {tuple(x.shape)}")
    return (x.unsqueeze(0), True) if x.dim() == 3 else (x, False)


# --------------------------------------------------------------------------- convolution
def _im2col(x4, kernel, stride, pads, dilation) -> torch.Tensor:
    """The patches of ``x4`` as columns: (N, C * kh * kw, Ho * Wo), laid out as ``F.unfold``.

    ``Tensor.unfold`` gives a strided *view* of all windows, (N, C, Ho, Wo, span_h, span_w);
    keeping every ``dilation``-th tap and moving the taps next to the channels makes the
    im2col matrix in one copy (on the CPU much faster than ``F.unfold``, same numbers).
    """
    (top, bottom), (left, right) = pads
    x4 = F.pad(x4, (left, right, top, bottom)) if top or bottom or left or right else x4
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    windows = x4.unfold(2, dh * (kh - 1) + 1, sh).unfold(3, dw * (kw - 1) + 1, sw)
    windows = windows[..., ::dh, ::dw]  # (N, C, Ho, Wo, kh, kw)
    n, c, ho, wo = windows.shape[:4]
    return windows.permute(0, 1, 4, 5, 2, 3).reshape(n, c * kh * kw, ho * wo)


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> torch.Tensor:
    """2-D convolution (cross-correlation, as in deep learning) from ``unfold`` and a matmul.

    Same semantics as ``torch.nn.functional.conv2d``. The input is cut into its patches
    (``unfold``, the im2col matrix of shape ``(N, C_in kH kW, H_out W_out)``, the same matrix
    as ``torch.nn.functional.unfold`` gives); every output pixel is then the dot product of
    one patch with one flattened kernel, so the whole layer is one matrix product per group.

    Parameters
    ----------
    x : torch.Tensor, shape (N, C_in, H, W) or (C_in, H, W)
    weight : torch.Tensor, shape (C_out, C_in / groups, kH, kW)
        Same dtype and device as ``x``.
    bias : torch.Tensor, shape (C_out,), optional
        Same dtype and device as ``x``.
    stride, dilation : int or (int, int), each >= 1
    padding : int, (int, int), "valid" or "same"
        Zero padding. ``"same"`` keeps the size (stride 1 only); an odd total puts the extra
        pixel at the bottom/right, as PyTorch does.
    groups : int
        Split the channels into ``groups`` independent convolutions; must divide C_in and
        C_out.

    Returns
    -------
    torch.Tensor, shape (N, C_out, H_out, W_out) or (C_out, H_out, W_out)

    Examples
    --------
    >>> import torch
    >>> x = torch.arange(16.0).reshape(1, 1, 4, 4)
    >>> conv2d(x, torch.ones(1, 1, 2, 2), stride=2)
    tensor([[[[10., 18.],
              [42., 50.]]]])
    """
    x4, unbatched = _as_batch(x, layout="(N, C_in, H, W) or (C_in, H, W)")
    weight = _check_tensor(weight, "weight", (4,), "(C_out, C_in/groups, kH, kW)")
    _check_like(weight, x4, "weight")
    if bias is not None:
        bias = _check_tensor(bias, "bias", (1,), "(C_out,)")
        _check_like(bias, x4, "bias")
    groups = as_int(groups, "groups", minimum=1)
    check_conv_channels(x4.shape[1], weight.shape, groups, None if bias is None else bias.shape)
    n, _, h, w = x4.shape
    c_out, c_g, kh, kw = weight.shape
    geom = geometry((h, w), (kh, kw), stride, padding, dilation)
    ho, wo = geom.out
    patches = _im2col(x4, geom.kernel, geom.stride, geom.padding, geom.dilation)  # (N, C kh kw, L)
    patches = patches.reshape(n, groups, c_g * kh * kw, ho * wo)
    kernels = weight.reshape(groups, c_out // groups, c_g * kh * kw)
    out = torch.matmul(kernels, patches).reshape(n, c_out, ho, wo)  # (N, G, C_out/G, L)
    if bias is not None:
        out = out + bias.reshape(1, c_out, 1, 1)
    return out[0] if unbatched else out


# --------------------------------------------------------------------------- max pooling
def max_pool2d(
    x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False
) -> torch.Tensor:
    """2-D max pooling from ``Tensor.unfold`` and ``amax``, as ``torch.nn.functional.max_pool2d``.

    The input is padded with ``-inf`` (``padding`` on both sides, at most ``kernel_size // 2``,
    plus whatever the last ``ceil_mode`` window hangs over), cut into windows, and each window
    is reduced to its maximum. On exact ties inside a window, autograd splits the gradient
    evenly between the tied inputs (``amax``), where PyTorch's kernel gives it all to the first.

    Parameters
    ----------
    x : torch.Tensor, shape (N, C, H, W) or (C, H, W)
    kernel_size, stride, padding, dilation, ceil_mode
        As in ``torch.nn.functional.max_pool2d`` (``stride`` defaults to ``kernel_size``).

    Returns
    -------
    torch.Tensor, shape (N, C, Ho, Wo) or (C, Ho, Wo)

    Examples
    --------
    >>> import torch
    >>> max_pool2d(torch.arange(16.0).reshape(1, 4, 4), 2)
    tensor([[[ 5.,  7.],
             [13., 15.]]])
    """
    x4, unbatched = _as_batch(x)
    geom = pool_geometry(tuple(x4.shape[-2:]), kernel_size, stride, padding, dilation, ceil_mode)
    (top, bottom), (left, right) = geom.covering_padding()
    xp = F.pad(x4, (left, right, top, bottom), value=float("-inf"))
    (span_h, span_w), stride, dilation = geom.reach, geom.stride, geom.dilation
    windows = xp.unfold(2, span_h, stride[0]).unfold(3, span_w, stride[1])  # (N,C,Ho,Wo,sh,sw)
    windows = windows[..., :: dilation[0], :: dilation[1]]
    out = windows.amax(dim=(-2, -1))
    return out[0] if unbatched else out


# --------------------------------------------------------------------------- blur pooling
def binomial_filter(filt_size: int = 3, dtype=None, device=None) -> torch.Tensor:
    """2-D binomial low-pass filter of Zhang (2019), normalised to sum 1, as a tensor.

    Row ``filt_size - 1`` of Pascal's triangle, outer product with itself, over its sum.

    Examples
    --------
    >>> binomial_filter(3) * 16
    tensor([[1., 2., 1.],
            [2., 4., 2.],
            [1., 2., 1.]])
    """
    size = as_int(filt_size, "filt_size", 1)
    if size > 7:
        raise ValueError(f"filt_size must be between 1 and 7, got {size}")
    row = torch.tensor([math.comb(size - 1, i) for i in range(size)], dtype=torch.float64)
    filt = torch.outer(row, row)
    dtype = torch.get_default_dtype() if dtype is None else dtype
    return (filt / filt.sum()).to(dtype=dtype, device=device)


def _blur(x4: torch.Tensor, filt: torch.Tensor, stride, pad_mode: str) -> torch.Tensor:
    """Pad like antialiased-cnns' ``BlurPool``, then a depthwise strided convolution."""
    k = filt.shape[-1]
    ((before, after),) = padding_pairs("same", k)  # floor and ceil of (k - 1) / 2
    if pad_mode == "reflect" and after >= min(x4.shape[-2:]):
        raise ValueError(
            f"pad_mode='reflect' needs H and W larger than the padding {after}, "
            f"got x of shape {tuple(x4.shape)}"
        )
    if after:
        x4 = F.pad(x4, (before, after, before, after), mode=_PAD_MODES[pad_mode])
    if k == 1:
        return x4[..., :: stride[0], :: stride[1]]
    # one fixed filter per channel: PyTorch's depthwise kernel is several times faster here
    # than the unfold + matmul of conv2d above (which the tests check gives the same numbers)
    return F.conv2d(x4, filt.to(dtype=x4.dtype, device=x4.device), stride=stride,
                    groups=x4.shape[1])


def _blur_args(filt_size, stride, pad_mode):
    filt = binomial_filter(filt_size, dtype=torch.float64)
    stride = as_tuple(stride, "stride", 2, minimum=1)
    return filt, stride, check_choice(pad_mode, "pad_mode", tuple(_PAD_MODES))


def blur_pool2d(x, filt_size: int = 3, stride=2, pad_mode: str = "reflect") -> torch.Tensor:
    """Anti-aliased downsampling (Zhang, 2019): blur each channel, then subsample.

    Same numbers as antialiased-cnns' ``BlurPool`` and :func:`helpers.pool.blur_pool2d`:
    pad ``(filt_size - 1) // 2`` before and ``ceil((filt_size - 1) / 2)`` after, then a
    depthwise convolution with :func:`binomial_filter` at the given stride
    (``filt_size=1``: plain subsampling).

    Parameters
    ----------
    x : torch.Tensor, shape (N, C, H, W) or (C, H, W)
    filt_size : int, 1 to 7
    stride : int or (int, int)
    pad_mode : {"reflect", "replicate", "zero", "constant"}
        ``"constant"`` is a synonym of ``"zero"``.

    Returns
    -------
    torch.Tensor, shape (N, C, ceil(H / sh), ceil(W / sw)) or without N

    Examples
    --------
    >>> import torch
    >>> blur_pool2d(torch.ones(1, 3, 8, 8)).shape
    torch.Size([1, 3, 4, 4])
    """
    x4, unbatched = _as_batch(x)
    filt, stride, pad_mode = _blur_args(filt_size, stride, pad_mode)
    filt = filt[None, None].repeat(x4.shape[1], 1, 1, 1)
    out = _blur(x4, filt, stride, pad_mode)
    return out[0] if unbatched else out


# --------------------------------------------------------------------------- modules
class Conv2d(nn.Module):
    """A convolution layer computed by :func:`conv2d`; a drop-in for ``torch.nn.Conv2d``.

    Parameters ``weight`` (C_out, C_in / groups, kH, kW) and ``bias`` (C_out,) have the shapes and
    the initialisation of ``torch.nn.Conv2d`` (uniform in ``±1 / sqrt(fan_in)``), so
    ``load_state_dict`` works in both directions. Only zero padding is supported.

    Examples
    --------
    >>> import torch
    >>> layer = Conv2d(3, 8, 3, padding=1)
    >>> layer.load_state_dict(torch.nn.Conv2d(3, 8, 3, padding=1).state_dict())
    <All keys matched successfully>
    >>> layer(torch.randn(2, 3, 16, 16)).shape
    torch.Size([2, 8, 16, 16])
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        groups: int = 1,
        bias: bool = True,
        device=None,
        dtype=None,
    ):
        super().__init__()
        self.in_channels = as_int(in_channels, "in_channels", 1)
        self.out_channels = as_int(out_channels, "out_channels", 1)
        self.groups = as_int(groups, "groups", 1)
        if self.in_channels % self.groups or self.out_channels % self.groups:
            raise ValueError(
                f"groups={self.groups} must divide in_channels={self.in_channels} "
                f"and out_channels={self.out_channels}"
            )
        self.kernel_size = as_tuple(kernel_size, "kernel_size", 2, minimum=1)
        self.stride = as_tuple(stride, "stride", 2, minimum=1)
        self.dilation = as_tuple(dilation, "dilation", 2, minimum=1)
        padding_pairs(padding, self.kernel_size, self.stride, self.dilation)  # validate now
        self.padding = padding if isinstance(padding, str) else as_tuple(padding, "padding", 2)
        as_bool(bias, "bias")
        factory = {"device": device, "dtype": dtype}
        shape = (self.out_channels, self.in_channels // self.groups, *self.kernel_size)
        self.weight = nn.Parameter(torch.empty(shape, **factory))
        self.bias = nn.Parameter(torch.empty(self.out_channels, **factory)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """``torch.nn.Conv2d``'s initialisation: Kaiming-uniform weights, uniform bias."""
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight[0].numel()
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation,
                      self.groups)

    def extra_repr(self) -> str:
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}")
        if self.dilation != (1, 1):
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        return text + ("" if self.bias is not None else ", bias=False")


class BlurPool2d(nn.Module):
    """Anti-aliased downsampling layer (Zhang, 2019), computed by :func:`blur_pool2d`.

    The filter is a non-trainable buffer ``filt`` of shape (channels, 1, k, k), as in
    antialiased-cnns' ``BlurPool``; it follows the module across ``.to(device, dtype)``.

    Examples
    --------
    >>> import torch
    >>> BlurPool2d(16)(torch.randn(2, 16, 32, 32)).shape
    torch.Size([2, 16, 16, 16])
    """

    def __init__(self, channels: int, filt_size: int = 3, stride=2, pad_mode: str = "reflect"):
        super().__init__()
        self.channels = as_int(channels, "channels", 1)
        filt, self.stride, self.pad_mode = _blur_args(filt_size, stride, pad_mode)
        self.filt_size = filt.shape[0]
        self.register_buffer(
            "filt", filt[None, None].repeat(self.channels, 1, 1, 1).to(torch.get_default_dtype())
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x4, unbatched = _as_batch(x)
        if x4.shape[1] != self.channels:
            raise ValueError(
                f"x must have {self.channels} channels for this BlurPool2d, "
                f"got shape {tuple(x.shape)}"
            )
        out = _blur(x4, self.filt, self.stride, self.pad_mode)
        return out[0] if unbatched else out

    def extra_repr(self) -> str:
        return (f"{self.channels}, filt_size={self.filt_size}, stride={self.stride}, "
                f"pad_mode={self.pad_mode!r}")


class MaxBlurPool2d(nn.Module):
    """Zhang's anti-aliased max pooling: max pooling with stride 1, then :class:`BlurPool2d`.

    Replaces ``nn.MaxPool2d(kernel_size, stride)``: the dense max (stride 1) keeps its
    non-linearity, the blur removes the high frequencies before the subsampling.

    Examples
    --------
    >>> import torch
    >>> MaxBlurPool2d(8)(torch.randn(2, 8, 32, 32)).shape
    torch.Size([2, 8, 16, 16])
    """

    def __init__(self, channels: int, kernel_size=2, filt_size: int = 3, stride=2):
        super().__init__()
        self.kernel_size = as_tuple(kernel_size, "kernel_size", 2, minimum=1)
        self.blur = BlurPool2d(channels, filt_size=filt_size, stride=stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.blur(max_pool2d(x, self.kernel_size, stride=1))

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}"
