"""PyTorch definitions of the lectures' small networks, and parameter counting.

Every constructor returns a plain ``torch.nn.Sequential`` so a reader can print it, index its
layers (``model[1].weight``) and count its parameters: the multilayer perceptron, logistic
regression, a small 2-D CNN for 28x28 digits and the 1-D CNN of the MNIST-1D paper. The
classic architectures (LeNet-5 to GoogLeNet) live in :mod:`helpers.architectures`.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from helpers._validate import as_int, as_int_sequence

__all__ = ["AddChannel", "cnn1d", "count_params", "logistic", "mlp", "small_cnn"]


def mlp(in_features: int, hidden: Sequence[int] = (128,), num_classes: int = 10) -> nn.Sequential:
    """A fully connected network: ``h = ReLU(W h + b)`` per hidden layer, then a linear read-out.

    The first module is ``nn.Flatten``, so images ``(N, H, W)`` and vectors ``(N, D)`` both
    work; the first linear layer is therefore ``model[1]``.

    Parameters
    ----------
    in_features : int
        Number of inputs D (e.g. 784 for a 28x28 image).
    hidden : sequence of int
        Widths of the hidden layers; ``()`` gives a linear model.
    num_classes : int
        Number of outputs (classes, or 1 for a scalar regression).

    Returns
    -------
    torch.nn.Sequential
        Maps ``(N, *)`` with ``in_features`` numbers per example to ``(N, num_classes)``.

    Examples
    --------
    >>> model = mlp(784, hidden=(100,), num_classes=10)
    >>> model(torch.zeros(2, 28, 28)).shape
    torch.Size([2, 10])
    """
    in_features = as_int(in_features, "in_features", minimum=1)
    widths = as_int_sequence(hidden, "hidden")
    num_classes = as_int(num_classes, "num_classes", minimum=1)
    layers: list[nn.Module] = [nn.Flatten()]
    for width in widths:
        layers += [nn.Linear(in_features, width), nn.ReLU()]
        in_features = width
    layers.append(nn.Linear(in_features, num_classes))
    return nn.Sequential(*layers)


def logistic(in_features: int, num_classes: int = 10) -> nn.Sequential:
    """Multinomial logistic regression: ``mlp`` with no hidden layer.

    Examples
    --------
    >>> count_params(logistic(40, 10))
    410
    """
    return mlp(in_features, hidden=(), num_classes=num_classes)


def small_cnn(
    in_channels: int = 1,
    num_classes: int = 10,
    channels: Sequence[int] = (16, 32),
    image_size: int = 28,
) -> nn.Sequential:
    """A small CNN for digits: per stage a 3x3 convolution (padding 1), ReLU and 2x2 max pooling.

    Each stage keeps the size through the convolution and halves it by pooling, so a 28x28
    image becomes 7x7 after two stages; a linear layer reads out the flattened feature maps.

    Parameters
    ----------
    in_channels : int
        Channels of the input image (1 for grey digits).
    num_classes : int
        Number of outputs.
    channels : sequence of int
        Output channels of each convolution stage.
    image_size : int
        Height = width of the input; it must stay >= 1 after ``len(channels)`` halvings.

    Returns
    -------
    torch.nn.Sequential
        Maps ``(N, in_channels, H, W)`` (or ``(N, H, W)`` when ``in_channels == 1``) to
        ``(N, num_classes)``.

    Examples
    --------
    >>> model = small_cnn()
    >>> model(torch.zeros(2, 28, 28)).shape
    torch.Size([2, 10])
    """
    in_channels = as_int(in_channels, "in_channels", minimum=1)
    num_classes = as_int(num_classes, "num_classes", minimum=1)
    widths = as_int_sequence(channels, "channels")
    size = as_int(image_size, "image_size", minimum=1)
    layers: list[nn.Module] = [AddChannel(3)] if in_channels == 1 else []
    for width in widths:
        layers += [nn.Conv2d(in_channels, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
        in_channels, size = width, size // 2
    if size < 1:
        raise ValueError(f"image_size={image_size} is too small for {len(widths)} poolings")
    layers += [nn.Flatten(), nn.Linear(in_channels * size * size, num_classes)]
    return nn.Sequential(*layers)


def cnn1d(
    length: int = 40,
    num_classes: int = 10,
    channels: int = 25,
) -> nn.Sequential:
    """The 1-D CNN of the MNIST-1D paper (Greydanus 2020): three strided convolutions.

    Convolutions with kernel sizes 5, 3, 3, stride 2 and padding 1, each followed by ReLU,
    then a linear layer on the flattened feature maps. A signal of length 40 shrinks to
    19, 10 and 5 samples.

    Parameters
    ----------
    length : int
        Length L of the input signals.
    num_classes : int
        Number of outputs.
    channels : int
        Channels of every convolution.

    Returns
    -------
    torch.nn.Sequential
        Maps ``(N, L)`` or ``(N, 1, L)`` to ``(N, num_classes)``.

    Examples
    --------
    >>> model = cnn1d()
    >>> model(torch.zeros(2, 40)).shape
    torch.Size([2, 10])
    """
    size = as_int(length, "length", minimum=1)
    num_classes = as_int(num_classes, "num_classes", minimum=1)
    channels = as_int(channels, "channels", minimum=1)
    layers: list[nn.Module] = [AddChannel(2)]
    in_channels = 1
    for kernel in (5, 3, 3):
        size = (size + 2 - kernel) // 2 + 1
        if size < 1:
            raise ValueError(f"length={length} is too short for three strided convolutions")
        layers += [nn.Conv1d(in_channels, channels, kernel, stride=2, padding=1), nn.ReLU()]
        in_channels = channels
    layers += [nn.Flatten(), nn.Linear(channels * size, num_classes)]
    return nn.Sequential(*layers)


class AddChannel(nn.Module):
    """Insert a channel axis of size 1 when the input lacks it.

    Inputs with ``ndim - 1`` axes, ``(N, H, W)`` for ``ndim=3``, become ``(N, 1, H, W)``;
    inputs that already have ``ndim`` axes pass unchanged. It lets the models take grey
    images (or signals) as loaders return them.

    Examples
    --------
    >>> AddChannel(3)(torch.zeros(2, 28, 28)).shape
    torch.Size([2, 1, 28, 28])
    """

    def __init__(self, ndim: int):
        super().__init__()
        self.ndim = ndim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.unsqueeze(1) if x.dim() == self.ndim else x

    def extra_repr(self) -> str:
        return f"ndim={self.ndim}"


def count_params(model: nn.Module) -> int:
    """Number of trainable parameters (entries of tensors with ``requires_grad``).

    Examples
    --------
    >>> count_params(nn.Linear(3, 2))  # 3*2 weights + 2 biases
    8
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
