"""Geometry of sliding windows: output sizes, padding pairs and one frozen geometry object.

Convolution and pooling slide a window of ``kernel_size`` taps, ``dilation`` apart, over an
input padded with ``padding`` zeros, ``stride`` steps at a time. The number of window
positions along one axis of length ``size`` is PyTorch's rule::

    out = floor((size + before + after - dilation * (kernel_size - 1) - 1) / stride) + 1

With dilation 1 and ``before = after = P`` this is the lectures' ``(N - K + 2P) / S + 1``.
Pooling may round up instead (``ceil_mode=True``), but a window must still start inside the
input or its left padding.

This module is the one home of these rules: :mod:`helpers.conv`, :mod:`helpers.conv_fast`,
:mod:`helpers.pool`, :mod:`helpers.gpu` and the model helpers all read their sizes here. It
is plain Python arithmetic on ints (no arrays), so it can be read and used on its own.

Examples
--------
>>> conv_output_size(227, 11, stride=4)  # AlexNet's first layer
55
>>> conv_output_size(6, 3, stride=2, ceil_mode=True)  # a pooling that rounds up
3
>>> geometry((28, 28), 5, padding="same").out
(28, 28)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from helpers._validate import as_bool, as_int, as_tuple, check_choice

__all__ = ["Geometry", "conv_output_size", "geometry", "padding_pairs", "pool_geometry"]


def _axis_names(n: int) -> tuple[str, ...]:
    """How messages name the spatial axes: L for 1-D, H and W for 2-D, D, H, W for 3-D."""
    return {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}.get(n, tuple(f"axis {a}" for a in
                                                                        range(n)))


def _window_count(size: int, kernel: int, stride: int, before: int, after: int, dilation: int,
                  ceil_mode: bool, axis: str) -> int:
    """Number of window positions along one axis (checked ints in, no validation here)."""
    span = size + before + after - dilation * (kernel - 1) - 1
    out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + before:
        out -= 1  # the last window must start inside the input or its left padding
    if out < 1:
        raise ValueError(
            f"kernel_size {kernel} (dilation {dilation}) is larger than the padded input "
            f"along {axis}: size {size} + padding {before} + {after}"
        )
    return out


def conv_output_size(size: int, kernel_size: int, stride: int = 1, padding: int = 0,
                     dilation: int = 1, ceil_mode: bool = False) -> int:
    """Output length of a convolution or pooling along one axis.

    ``floor((size + 2 padding - dilation (kernel_size - 1) - 1) / stride) + 1``, or ``ceil``
    with ``ceil_mode`` (as ``torch.nn.MaxPool2d``), where the last window must still start
    inside the input or its left padding.

    Parameters
    ----------
    size : int
        Input length N (height or width), >= 1.
    kernel_size : int
        Kernel length K, >= 1.
    stride : int
        Step S between windows, >= 1.
    padding : int
        Zeros P added on each side, >= 0.
    dilation : int
        Spacing of the kernel taps, >= 1.
    ceil_mode : bool
        Round the division up instead of down (pooling only).

    Returns
    -------
    int
        The output length; ``ValueError`` if the (dilated) kernel does not fit the padded input.

    Examples
    --------
    >>> conv_output_size(227, 11, stride=4)  # (227 - 11) / 4 + 1
    55
    >>> conv_output_size(28, 5, padding=2)  # padding (K - 1) / 2 keeps the size
    28
    >>> conv_output_size(55, 3, stride=2), conv_output_size(56, 3, stride=2, ceil_mode=True)
    (27, 28)
    """
    size = as_int(size, "size", minimum=1)
    kernel_size = as_int(kernel_size, "kernel_size", minimum=1)
    stride = as_int(stride, "stride", minimum=1)
    padding = as_int(padding, "padding", minimum=0)
    dilation = as_int(dilation, "dilation", minimum=1)
    ceil_mode = as_bool(ceil_mode, "ceil_mode")
    return _window_count(size, kernel_size, stride, padding, padding, dilation, ceil_mode,
                         "the input")


def padding_pairs(padding, kernel_size, stride=1, dilation=1) -> tuple[tuple[int, int], ...]:
    """``(before, after)`` zero padding per spatial axis, from how a layer states its padding.

    Parameters
    ----------
    padding : int, tuple of ints, "valid" or "same"
        An int pads every axis on both sides; a tuple gives one number per axis. ``"valid"``
        pads nothing; ``"same"`` (stride 1 only) pads ``dilation * (k - 1)`` in total, the
        extra pixel of an odd total after (bottom/right), as PyTorch does.
    kernel_size : int or tuple of ints
        The kernel; its length sets the number of spatial axes (an int means one axis).
    stride, dilation : int or tuple of ints

    Returns
    -------
    tuple of (int, int)
        One ``(before, after)`` pair per spatial axis.

    Examples
    --------
    >>> padding_pairs(1, (3, 3))
    ((1, 1), (1, 1))
    >>> padding_pairs("same", (4, 3))
    ((1, 2), (1, 1))
    """
    n = len(kernel_size) if isinstance(kernel_size, (tuple, list)) else 1
    kernel = as_tuple(kernel_size, "kernel_size", n, minimum=1)
    stride = as_tuple(stride, "stride", n, minimum=1)
    dilation = as_tuple(dilation, "dilation", n, minimum=1)
    if isinstance(padding, str):
        check_choice(padding, "padding", ("valid", "same"))
        if padding == "valid":
            return ((0, 0),) * n
        if any(s != 1 for s in stride):
            raise ValueError(f"padding='same' needs stride 1 (as in PyTorch), got "
                             f"stride={stride}; give the padding as numbers")
        totals = [d * (k - 1) for k, d in zip(kernel, dilation, strict=True)]
        return tuple((t // 2, t - t // 2) for t in totals)
    if isinstance(padding, (bool, float, complex)) or not (
            isinstance(padding, (tuple, list)) or hasattr(padding, "__index__")):
        raise TypeError(f"padding must be an int, a tuple of {n} ints, 'valid' or 'same'; "
                        f"got {padding!r}")
    return tuple((p, p) for p in as_tuple(padding, "padding", n, minimum=0))


@dataclass(frozen=True)
class Geometry:
    """Where the windows of a convolution or pooling lie along each spatial axis.

    Build it with :func:`geometry` or :func:`pool_geometry`, which check the arguments; the
    fields are then plain tuples, one entry per spatial axis.

    Attributes
    ----------
    size : tuple of int
        Input size (H, W) before padding.
    kernel, stride, dilation : tuple of int
    padding : tuple of (int, int)
        ``(before, after)`` zeros of each axis.
    ceil_mode : bool
        Whether the window count was rounded up.
    out : tuple of int
        Number of windows along each axis: the output size (H_out, W_out).

    Examples
    --------
    >>> g = geometry((7, 7), 3, stride=2, padding=1)
    >>> g.out, g.padded, g.reach
    ((4, 4), (9, 9), (3, 3))
    """

    size: tuple[int, ...]
    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[tuple[int, int], ...]
    dilation: tuple[int, ...]
    ceil_mode: bool = False
    out: tuple[int, ...] = field(init=False)

    def __post_init__(self):
        names = _axis_names(len(self.size))
        out = tuple(
            _window_count(n, k, s, before, after, d, self.ceil_mode, axis)
            for n, k, s, (before, after), d, axis in zip(
                self.size, self.kernel, self.stride, self.padding, self.dilation, names,
                strict=True)
        )
        object.__setattr__(self, "out", out)

    @property
    def reach(self) -> tuple[int, ...]:
        """Span of one dilated window, ``dilation * (kernel - 1) + 1``, per axis."""
        return tuple(d * (k - 1) + 1 for k, d in zip(self.kernel, self.dilation, strict=True))

    @property
    def padded(self) -> tuple[int, ...]:
        """Input size with the padding added, per axis."""
        return tuple(n + b + a for n, (b, a) in zip(self.size, self.padding, strict=True))

    def covering_padding(self) -> tuple[tuple[int, int], ...]:
        """The least padding that every window needs: ``before`` as stated, ``after`` as used.

        The stated padding after the input is dropped where no window reaches it; with
        ``ceil_mode`` the last window may hang past it, and pooling pads those pixels too (with
        ``-inf`` or zeros) and leaves them out of every count.
        """
        pads = []
        for n, s, r, (before, _), out in zip(self.size, self.stride, self.reach, self.padding,
                                             self.out, strict=True):
            end = (out - 1) * s + r  # one past the last tap, in padded coordinates
            pads.append((before, max(0, end - n - before)))
        return tuple(pads)

    def lift(self) -> Geometry:
        """The same geometry with a leading axis of size 1: a 1-D problem as a 2-D one."""
        return Geometry((1, *self.size), (1, *self.kernel), (1, *self.stride),
                        ((0, 0), *self.padding), (1, *self.dilation), self.ceil_mode)


def geometry(size, kernel_size, stride=1, padding=0, dilation=1,
             ceil_mode: bool = False) -> Geometry:
    """Check the arguments of a convolution or pooling and return its :class:`Geometry`.

    Parameters
    ----------
    size : int or tuple of ints
        Input size per spatial axis (e.g. ``(H, W)``); the number of axes follows from it.
    kernel_size, stride, dilation : int or tuple of ints
        One int for every axis, or one per axis.
    padding : int, tuple of ints, "valid" or "same"
        See :func:`padding_pairs`.
    ceil_mode : bool
        Round the window count up (pooling).

    Returns
    -------
    Geometry

    Examples
    --------
    >>> geometry((32, 32), 5).out  # LeNet-5's C1
    (28, 28)
    """
    args = (size, kernel_size, stride, padding, dilation)
    if type(ceil_mode) is bool and all(map(_plain, args)):
        # A layer asks for the same geometry on every call: plain ints, tuples of ints and
        # strings give the same (immutable) answer each time, so it is computed once.
        return _cached_geometry(*args, ceil_mode)
    return _geometry(*args, ceil_mode)


def _plain(value) -> bool:
    """An int, a string or a tuple of ints (bools excluded): safe to use as a cache key."""
    kind = type(value)
    return kind is int or kind is str or (kind is tuple and all(type(v) is int for v in value))


def _geometry(size, kernel_size, stride, padding, dilation, ceil_mode) -> Geometry:
    n = len(size) if isinstance(size, (tuple, list)) else 1
    size = as_tuple(size, "size", n, minimum=1)
    kernel = as_tuple(kernel_size, "kernel_size", n, minimum=1)
    stride = as_tuple(stride, "stride", n, minimum=1)
    dilation = as_tuple(dilation, "dilation", n, minimum=1)
    pads = padding_pairs(padding, kernel, stride, dilation)
    return Geometry(size, kernel, stride, pads, dilation, as_bool(ceil_mode, "ceil_mode"))


_cached_geometry = lru_cache(maxsize=256)(_geometry)  # errors are raised, never cached


def pool_geometry(size, kernel_size, stride=None, padding=0, dilation=1,
                  ceil_mode: bool = False) -> Geometry:
    """:func:`geometry` with pooling's rules: stride defaults to the kernel, padding at most half.

    Examples
    --------
    >>> pool_geometry((55, 55), 3, stride=2).out  # AlexNet's overlapping pooling
    (27, 27)
    >>> pool_geometry((112, 112), 3, 2, ceil_mode=True).out  # GoogLeNet rounds up
    (56, 56)
    """
    n = len(size) if isinstance(size, (tuple, list)) else 1
    kernel = as_tuple(kernel_size, "kernel_size", n, minimum=1)
    stride = kernel if stride is None else stride
    if isinstance(padding, str):
        raise TypeError(f"padding must be an int or a tuple of {n} ints, got {padding!r}")
    half = as_tuple(padding, "padding", n, minimum=0)
    if any(p > k // 2 for k, p in zip(kernel, half, strict=True)):
        raise ValueError(f"padding must be at most half of kernel_size, got padding={half} "
                         f"for kernel_size={kernel}")
    return geometry(size, kernel, stride, half, dilation, ceil_mode)
