"""The classic convolutional networks of the lectures, with their published tables.

LeNet-5 (LeCun et al. 1998), AlexNet (Krizhevsky et al. 2012), ZFNet (Zeiler and Fergus 2014),
VGG A-E (Simonyan and Zisserman 2015), Network in Network (Lin et al. 2014) and GoogLeNet
(Szegedy et al. 2015), each built as the paper's table states it, and :func:`layer_summary`,
which reads any model layer by layer (output shapes, parameters, multiply-adds). The small
networks of the first chapters are in :mod:`helpers.models`; output sizes come from
:func:`helpers.shapes.conv_output_size`.

Build a big network under ``torch.device("meta")`` to get its shapes and counts without
allocating its weights.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from helpers._validate import as_int, as_int_sequence, check_choice
from helpers.models import AddChannel

__all__ = [
    "GOOGLENET_TABLE",
    "VGG_CONFIGS",
    "GoogLeNet",
    "Inception",
    "alexnet",
    "googlenet",
    "layer_summary",
    "lenet5",
    "nin",
    "vgg",
    "zfnet",
]


def lenet5(input_size: int = 32, num_classes: int = 10) -> nn.Sequential:
    """LeNet-5 (LeCun et al. 1998) with tanh, average pooling and a fully connected C3.

    C1: 6 maps 5x5 (32 -> 28), S2: 2x2 average pooling (-> 14), C3: 16 maps 5x5 (-> 10),
    S4 (-> 5), C5: 120 maps 5x5 (-> 1), F6: 84 units, output: ``num_classes`` units.
    Differences from 1998, all documented in chapter 7: C3 sees all six S2 maps (the paper
    used a partial connection table, 1,516 instead of 2,416 parameters), S2/S4 are plain
    averages (the paper scaled each pooled map by a trainable coefficient and bias), and the
    output is linear (the paper used Euclidean RBF units). It has 61,706 parameters.

    Parameters
    ----------
    input_size : {32, 28}
        32 for the paper's 32x32 input; 28 for MNIST digits, which C1 pads by 2 on each side
        so that every later size is the paper's.
    num_classes : int
        Number of outputs.

    Returns
    -------
    torch.nn.Sequential
        Maps ``(N, 1, S, S)`` or ``(N, S, S)``, S = ``input_size``, to ``(N, num_classes)``.

    Examples
    --------
    >>> model = lenet5(input_size=28)
    >>> from helpers.models import count_params
    >>> model(torch.zeros(2, 28, 28)).shape, count_params(model)
    (torch.Size([2, 10]), 61706)
    """
    size = as_int(input_size, "input_size", minimum=1)
    if size not in (28, 32):
        raise ValueError(f"input_size must be 32 (the paper) or 28 (MNIST), got {size}")
    num_classes = as_int(num_classes, "num_classes", minimum=1)
    return nn.Sequential(
        AddChannel(3),
        nn.Conv2d(1, 6, 5, padding=(32 - size) // 2), nn.Tanh(),  # C1: 6@28x28
        nn.AvgPool2d(2),  # S2: 6@14x14
        nn.Conv2d(6, 16, 5), nn.Tanh(),  # C3: 16@10x10
        nn.AvgPool2d(2),  # S4: 16@5x5
        nn.Conv2d(16, 120, 5), nn.Tanh(),  # C5: 120@1x1
        nn.Flatten(),
        nn.Linear(120, 84), nn.Tanh(),  # F6
        nn.Linear(84, num_classes),  # output
    )


def _lrn() -> nn.LocalResponseNorm:
    """AlexNet's local response normalisation: n = 5 neighbouring maps, k = 2, a = 1e-4,
    b = 0.75."""
    return nn.LocalResponseNorm(size=5, alpha=1e-4, beta=0.75, k=2.0)


def _classifier(in_features: int, num_classes: int, dropout: float = 0.5) -> list[nn.Module]:
    """The FC-4096, FC-4096, FC-num_classes head of AlexNet, ZFNet and VGG (dropout before FCs)."""
    return [
        nn.Flatten(),
        nn.Dropout(dropout), nn.Linear(in_features, 4096), nn.ReLU(inplace=True),
        nn.Dropout(dropout), nn.Linear(4096, 4096), nn.ReLU(inplace=True),
        nn.Linear(4096, num_classes),
    ]


def alexnet(num_classes: int = 1000, two_towers: bool = False) -> nn.Sequential:
    """AlexNet (Krizhevsky, Sutskever and Hinton 2012) on 227x227x3 images.

    conv1 96@11x11 stride 4 (227 -> 55), LRN, max-pool 3x3/2 (-> 27); conv2 256@5x5 pad 2,
    LRN, pool (-> 13); conv3 384, conv4 384, conv5 256, all 3x3 pad 1, pool (-> 6); then
    dropout 0.5, FC 4096, dropout 0.5, FC 4096, FC ``num_classes``; ReLU after every
    convolution and hidden FC. This is the paper's network, not torchvision's ``alexnet``
    (the later "one weird trick" variant: 64/192/384/256/256 maps, no LRN).

    Parameters
    ----------
    num_classes : int
        Number of outputs.
    two_towers : bool
        The paper split the network over two GPUs: conv2, conv4 and conv5 only see the maps
        on their own GPU. ``True`` reproduces that with ``groups=2`` (60,965,224 parameters,
        the paper's "60 million"); ``False`` (default) is the single-tower version of the
        lectures (62,378,344).

    Returns
    -------
    torch.nn.Sequential
        Maps ``(N, 3, 227, 227)`` to ``(N, num_classes)``; ``model[0]`` is conv1.

    Examples
    --------
    >>> model = alexnet()
    >>> tuple(model[0].weight.shape), model[0].weight.numel()
    ((96, 3, 11, 11), 34848)
    """
    num_classes = as_int(num_classes, "num_classes", minimum=1)
    if not isinstance(two_towers, bool):
        raise TypeError(f"two_towers must be a bool, got {two_towers!r}")
    g = 2 if two_towers else 1
    relu = nn.ReLU
    return nn.Sequential(
        nn.Conv2d(3, 96, 11, stride=4), relu(inplace=True), _lrn(), nn.MaxPool2d(3, 2),
        nn.Conv2d(96, 256, 5, padding=2, groups=g), relu(inplace=True), _lrn(),
        nn.MaxPool2d(3, 2),
        nn.Conv2d(256, 384, 3, padding=1), relu(inplace=True),
        nn.Conv2d(384, 384, 3, padding=1, groups=g), relu(inplace=True),
        nn.Conv2d(384, 256, 3, padding=1, groups=g), relu(inplace=True),
        nn.MaxPool2d(3, 2),
        *_classifier(256 * 6 * 6, num_classes),
    )


def zfnet(num_classes: int = 1000, wide: bool = False) -> nn.Sequential:
    """ZFNet (Zeiler and Fergus 2014, Fig. 3) on 224x224x3 images.

    AlexNet with a smaller, denser first layer: conv1 96@7x7 stride 2 (224 -> 110), max-pool
    3x3/2 (-> 55), LRN; conv2 256@5x5 stride 2 (-> 26), pool (-> 13), LRN; conv3 384,
    conv4 384, conv5 256 (3x3 pad 1), pool (-> 6); FC 4096, 4096, ``num_classes`` with
    dropout 0.5. The paper gives the sizes, not the paddings: conv1 pads by 1 and the first
    two poolings round up (``ceil_mode``) so that every size is the one in Fig. 3.

    Parameters
    ----------
    num_classes : int
        Number of outputs.
    wide : bool
        ``True`` uses 512, 1024, 512 maps in conv3-5, the variant (b) of the paper's Table 2
        that the lecture quotes.

    Returns
    -------
    torch.nn.Sequential
        Maps ``(N, 3, 224, 224)`` to ``(N, num_classes)``.

    Examples
    --------
    >>> model = zfnet()
    >>> model[:3](torch.zeros(1, 3, 224, 224)).shape  # conv1, ReLU, pool
    torch.Size([1, 96, 55, 55])
    """
    num_classes = as_int(num_classes, "num_classes", minimum=1)
    if not isinstance(wide, bool):
        raise TypeError(f"wide must be a bool, got {wide!r}")
    c3, c4, c5 = (512, 1024, 512) if wide else (384, 384, 256)
    return nn.Sequential(
        nn.Conv2d(3, 96, 7, stride=2, padding=1), nn.ReLU(inplace=True),
        nn.MaxPool2d(3, 2, ceil_mode=True), _lrn(),
        nn.Conv2d(96, 256, 5, stride=2), nn.ReLU(inplace=True),
        nn.MaxPool2d(3, 2, ceil_mode=True), _lrn(),
        nn.Conv2d(256, c3, 3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(c3, c4, 3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(c4, c5, 3, padding=1), nn.ReLU(inplace=True),
        nn.MaxPool2d(3, 2),
        *_classifier(c5 * 6 * 6, num_classes),
    )


# Simonyan and Zisserman (2015), Table 1, one column per configuration: an int is a 3x3
# convolution (padding 1) with that many output maps, ("1x1", c) a 1x1 convolution, "M" a 2x2
# max-pool with stride 2 and "LRN" local response normalisation. ReLU follows every conv.
VGG_CONFIGS: dict[str, list] = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "A-LRN": [64, "LRN", "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "C": [64, 64, "M", 128, 128, "M", 256, 256, ("1x1", 256), "M",
          512, 512, ("1x1", 512), "M", 512, 512, ("1x1", 512), "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M",
          512, 512, 512, "M", 512, 512, 512, "M"],
    "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M",
          512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
}


def vgg(config: str, num_classes: int = 1000) -> nn.Sequential:
    """A VGG network (Simonyan and Zisserman 2015) built from its column of ``VGG_CONFIGS``.

    Five stages of 3x3 convolutions (stride 1, padding 1, so they keep the size) each ended by
    2x2 max pooling take a 224x224x3 image to 7x7x512; then dropout 0.5, FC 4096, dropout 0.5,
    FC 4096, FC ``num_classes``. Parameters: 133, 133, 134, 138, 144 million for A, A-LRN,
    B, C, D, E. Same layers (and parameter counts) as torchvision's ``vgg11/13/16/19``
    for A, B, D, E (torchvision adds a parameter-free adaptive pooling to 7x7).

    Parameters
    ----------
    config : {"A", "A-LRN", "B", "C", "D", "E"}
        The column of the paper's Table 1.
    num_classes : int
        Number of outputs.

    Returns
    -------
    torch.nn.Sequential
        Maps ``(N, 3, 224, 224)`` to ``(N, num_classes)``.

    Examples
    --------
    >>> with torch.device("meta"):  # shapes and counts without allocating 138M weights
    ...     model = vgg("D")
    >>> from helpers.models import count_params
    >>> round(count_params(model) / 1e6)
    138
    """
    check_choice(config, "config", tuple(VGG_CONFIGS))
    num_classes = as_int(num_classes, "num_classes", minimum=1)
    layers: list[nn.Module] = []
    channels = 3
    for item in VGG_CONFIGS[config]:
        if item == "M":
            layers.append(nn.MaxPool2d(2, 2))
        elif item == "LRN":
            layers.append(_lrn())
        else:
            kernel, width = (1, item[1]) if isinstance(item, tuple) else (3, item)
            layers += [nn.Conv2d(channels, width, kernel, padding=kernel // 2),
                       nn.ReLU(inplace=True)]
            channels = width
    return nn.Sequential(*layers, *_classifier(channels * 7 * 7, num_classes))


def _mlpconv(c_in: int, c_out: int, kernel: int, stride: int = 1, padding: int = 0) -> list:
    """An mlpconv block of NiN: a k x k convolution, then two 1x1 convolutions, each + ReLU."""
    return [
        nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=padding), nn.ReLU(inplace=True),
        nn.Conv2d(c_out, c_out, 1), nn.ReLU(inplace=True),
        nn.Conv2d(c_out, c_out, 1), nn.ReLU(inplace=True),
    ]


def nin(num_classes: int = 1000) -> nn.Sequential:
    """Network in Network (Lin, Chen and Yan 2014), ImageNet version, on 224x224x3 images.

    Four mlpconv blocks (a convolution followed by two 1x1 convolutions, a small MLP slid
    over the image) with AlexNet-like kernels: 96@11x11/4, 256@5x5, 384@3x3, then
    ``num_classes``@3x3; max-pool 3x3/2 after the first three, dropout 0.5 before the last,
    and global average pooling instead of fully connected layers: each of the last
    ``num_classes`` maps becomes one class score. The paper describes its ImageNet network
    only in words; this is the layout of the authors' released model, as in Zhang et al.'s
    *Dive into Deep Learning*.

    Parameters
    ----------
    num_classes : int
        Number of outputs (= maps of the last mlpconv block).

    Returns
    -------
    torch.nn.Sequential
        Maps ``(N, 3, H, W)`` with H, W >= 63 (224 in the paper) to ``(N, num_classes)``.

    Examples
    --------
    >>> model = nin(num_classes=10)
    >>> model(torch.zeros(1, 3, 224, 224)).shape
    torch.Size([1, 10])
    """
    num_classes = as_int(num_classes, "num_classes", minimum=1)
    return nn.Sequential(
        *_mlpconv(3, 96, 11, stride=4), nn.MaxPool2d(3, 2),
        *_mlpconv(96, 256, 5, padding=2), nn.MaxPool2d(3, 2),
        *_mlpconv(256, 384, 3, padding=1), nn.MaxPool2d(3, 2),
        nn.Dropout(0.5),
        *_mlpconv(384, num_classes, 3, padding=1),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(),
    )


def _conv_relu(c_in: int, c_out: int, kernel: int, **kwargs) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, kernel, **kwargs), nn.ReLU(inplace=True))


class Inception(nn.Module):
    """The inception module of GoogLeNet: four parallel branches, concatenated along channels.

    Branch 1: 1x1 conv to ``c1`` maps. Branch 2: 1x1 "reduce" to ``c3_reduce``, then 3x3 to
    ``c3``. Branch 3: 1x1 reduce to ``c5_reduce``, then 5x5 to ``c5``. Branch 4: 3x3 max-pool
    (stride 1), then 1x1 "pool proj" to ``pool_proj``. Every conv is followed by ReLU and
    padded so that all branches keep the input size. The arguments are the columns of
    Szegedy et al. (2015), Table 1.

    Parameters
    ----------
    in_channels, c1, c3_reduce, c3, c5_reduce, c5, pool_proj : int
        Channel numbers, each >= 1.

    Shapes
    ------
    ``(N, in_channels, H, W)`` -> ``(N, c1 + c3 + c5 + pool_proj, H, W)``.

    Examples
    --------
    >>> block = Inception(192, 64, 96, 128, 16, 32, 32)  # inception (3a)
    >>> block(torch.zeros(1, 192, 28, 28)).shape
    torch.Size([1, 256, 28, 28])
    """

    def __init__(self, in_channels: int, c1: int, c3_reduce: int, c3: int, c5_reduce: int,
                 c5: int, pool_proj: int):
        super().__init__()
        names = ("in_channels", "c1", "c3_reduce", "c3", "c5_reduce", "c5", "pool_proj")
        values = (in_channels, c1, c3_reduce, c3, c5_reduce, c5, pool_proj)
        c_in, c1, r3, c3, r5, c5, pp = (as_int(v, n, minimum=1) for v, n in zip(values, names,
                                                                                 strict=True))
        self.out_channels = c1 + c3 + c5 + pp
        self.branch1 = _conv_relu(c_in, c1, 1)
        self.branch2 = nn.Sequential(_conv_relu(c_in, r3, 1), _conv_relu(r3, c3, 3, padding=1))
        self.branch3 = nn.Sequential(_conv_relu(c_in, r5, 1), _conv_relu(r5, c5, 5, padding=2))
        self.branch4 = nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1),
                                     _conv_relu(c_in, pp, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        branches = (self.branch1, self.branch2, self.branch3, self.branch4)
        return torch.cat([branch(x) for branch in branches], dim=1)


# Szegedy et al. (2015), Table 1: #1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj.
GOOGLENET_TABLE: dict[str, tuple[int, int, int, int, int, int]] = {
    "inception3a": (64, 96, 128, 16, 32, 32),
    "inception3b": (128, 128, 192, 32, 96, 64),
    "inception4a": (192, 96, 208, 16, 48, 64),
    "inception4b": (160, 112, 224, 24, 64, 64),
    "inception4c": (128, 128, 256, 24, 64, 64),
    "inception4d": (112, 144, 288, 32, 64, 64),
    "inception4e": (256, 160, 320, 32, 128, 128),
    "inception5a": (256, 160, 320, 32, 128, 128),
    "inception5b": (384, 192, 384, 48, 128, 128),
}


class _AuxClassifier(nn.Sequential):
    """GoogLeNet's auxiliary head: avg-pool 5x5/3 (14 -> 4), 1x1 conv 128, FC 1024, dropout
    0.7, FC num_classes."""

    def __init__(self, in_channels: int, num_classes: int):
        super().__init__(
            nn.AvgPool2d(5, stride=3), _conv_relu(in_channels, 128, 1), nn.Flatten(),
            nn.Linear(128 * 4 * 4, 1024), nn.ReLU(inplace=True), nn.Dropout(0.7),
            nn.Linear(1024, num_classes),
        )


class GoogLeNet(nn.Module):
    """GoogLeNet (Szegedy et al. 2015, Table 1) on 224x224x3 images; build with ``googlenet``.

    Stem: conv 7x7/2 64 (-> 112), max-pool 3x3/2 (-> 56), LRN, conv 1x1 64, conv 3x3 192,
    LRN, max-pool (-> 28); inception 3a, 3b, max-pool (-> 14); 4a-4e, max-pool (-> 7); 5a,
    5b; 7x7 average pooling, dropout 0.4, linear. The poolings round up (``ceil_mode``) as
    in torchvision, to get the table's sizes. The submodules carry torchvision's names
    (``conv1``, ``inception3a``, ...).

    ``forward`` returns the logits ``(N, num_classes)``; with auxiliary classifiers in
    training mode it returns the tuple ``(logits, aux1, aux2)``, aux1 read after 4a and
    aux2 after 4d (the paper adds their losses with weight 0.3 during training).
    """

    def __init__(self, num_classes: int = 1000, aux_logits: bool = False):
        super().__init__()
        self.aux_logits = aux_logits
        self.conv1 = _conv_relu(3, 64, 7, stride=2, padding=3)
        self.maxpool1 = nn.Sequential(nn.MaxPool2d(3, 2, ceil_mode=True), _lrn())
        self.conv2 = _conv_relu(64, 64, 1)
        self.conv3 = nn.Sequential(_conv_relu(64, 192, 3, padding=1), _lrn())
        self.maxpool2 = nn.MaxPool2d(3, 2, ceil_mode=True)
        t = GOOGLENET_TABLE
        self.inception3a = Inception(192, *t["inception3a"])  # 28x28
        self.inception3b = Inception(256, *t["inception3b"])
        self.maxpool3 = nn.MaxPool2d(3, 2, ceil_mode=True)  # -> 14x14
        self.inception4a = Inception(480, *t["inception4a"])
        self.inception4b = Inception(512, *t["inception4b"])
        self.inception4c = Inception(512, *t["inception4c"])
        self.inception4d = Inception(512, *t["inception4d"])
        self.inception4e = Inception(528, *t["inception4e"])
        self.maxpool4 = nn.MaxPool2d(3, 2, ceil_mode=True)  # -> 7x7
        self.inception5a = Inception(832, *t["inception5a"])
        self.inception5b = Inception(832, *t["inception5b"])
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(0.4)
        self.fc = nn.Linear(self.inception5b.out_channels, num_classes)
        self.aux1 = _AuxClassifier(512, num_classes) if aux_logits else None
        self.aux2 = _AuxClassifier(528, num_classes) if aux_logits else None

    def forward(self, x: torch.Tensor):
        x = self.maxpool1(self.conv1(x))
        x = self.maxpool2(self.conv3(self.conv2(x)))
        x = self.maxpool3(self.inception3b(self.inception3a(x)))
        x = self.inception4a(x)
        heads = self.aux_logits and self.training
        aux1 = self.aux1(x) if heads else None
        x = self.inception4d(self.inception4c(self.inception4b(x)))
        aux2 = self.aux2(x) if heads else None
        x = self.maxpool4(self.inception4e(x))
        x = self.inception5b(self.inception5a(x))
        x = self.fc(torch.flatten(self.dropout(self.avgpool(x)), 1))
        return (x, aux1, aux2) if heads else x


def googlenet(num_classes: int = 1000, aux_logits: bool = False) -> GoogLeNet:
    """GoogLeNet (Szegedy et al. 2015) with the per-module channel numbers of its Table 1.

    Parameters
    ----------
    num_classes : int
        Number of outputs.
    aux_logits : bool
        Also build the two auxiliary classifiers (after inception 4a and 4d). In training
        mode the model then returns ``(logits, aux1, aux2)``; in eval mode only the logits.

    Returns
    -------
    GoogLeNet
        Maps ``(N, 3, 224, 224)`` to ``(N, num_classes)``.

    Examples
    --------
    >>> model = googlenet(num_classes=10).eval()
    >>> model(torch.zeros(1, 3, 224, 224)).shape
    torch.Size([1, 10])
    """
    num_classes = as_int(num_classes, "num_classes", minimum=1)
    if not isinstance(aux_logits, bool):
        raise TypeError(f"aux_logits must be a bool, got {aux_logits!r}")
    return GoogLeNet(num_classes, aux_logits)


def _macs(module: nn.Module, output: torch.Tensor) -> int:
    """Multiply-adds of a convolution or linear layer (weights only, biases not counted)."""
    if isinstance(module, nn.Conv2d):
        per_output = module.weight[0].numel()  # in_channels / groups * kh * kw
        return output.numel() * per_output
    if isinstance(module, nn.Linear):
        return output.numel() * module.in_features
    return 0


def layer_summary(model: nn.Module, input_size: Sequence[int], depth: int | None = None,
                  ) -> list[dict]:
    """Per-layer output shape, parameters, multiply-adds and output values for one input.

    It runs ``model`` once on zeros of shape ``input_size`` (on the model's device; build the
    model under ``torch.device("meta")`` to get the numbers of a big network without
    allocating or computing anything) and records every leaf module.

    Parameters
    ----------
    model : torch.nn.Module
    input_size : sequence of int
        Shape of the input, batch included, e.g. ``(1, 3, 224, 224)``.
    depth : int, optional
        Merge the rows of modules whose dotted names agree on the first ``depth`` parts
        (``depth=1``: one row per child of ``model``), summing parameters, multiply-adds and
        output values and keeping the last output shape.

    Returns
    -------
    list of dict
        One dict per layer in the order of execution, with keys ``name``, ``kind``,
        ``output_shape`` (tuple), ``params`` (trainable entries), ``weights`` (entries of
        ``weight`` tensors, no biases), ``macs`` (multiply-adds of convolutions and linear
        layers) and ``activations`` (number of output values).

    Examples
    --------
    >>> rows = layer_summary(nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU()), (1, 1, 5, 5))
    >>> [(r["kind"], r["output_shape"], r["params"], r["macs"]) for r in rows]
    [('Conv2d', (1, 2, 3, 3), 20, 162), ('ReLU', (1, 2, 3, 3), 0, 0)]
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    shape = as_int_sequence(input_size, "input_size")
    if depth is not None:
        depth = as_int(depth, "depth", minimum=1)
    rows: list[dict] = []

    def record(name):
        def hook(module, inputs, output):
            weight = getattr(module, "weight", None)
            rows.append({
                "name": name, "kind": type(module).__name__,
                "output_shape": tuple(output.shape),
                "params": sum(p.numel() for p in module.parameters() if p.requires_grad),
                "weights": weight.numel() if isinstance(weight, torch.Tensor) else 0,
                "macs": _macs(module, output), "activations": output.numel(),
            })
        return hook

    group_shapes: dict[str, tuple] = {}

    def record_group(name):
        def hook(module, inputs, output):
            group_shapes[name] = tuple(output.shape)
        return hook

    handles = [m.register_forward_hook(record(n or type(m).__name__))
               for n, m in model.named_modules() if not list(m.children())]
    if depth is not None:
        handles += [m.register_forward_hook(record_group(n)) for n, m in model.named_modules()
                    if n and len(n.split(".")) == depth and list(m.children())]
    param = next(model.parameters(), None)
    device = param.device if param is not None else torch.device("cpu")
    try:
        with torch.no_grad():
            model(torch.zeros(shape, device=device))
    finally:
        for h in handles:
            h.remove()
    if depth is None:
        return rows
    merged: dict[str, dict] = {}
    for row in rows:
        key = ".".join(row["name"].split(".")[:depth])
        if key not in merged:
            merged[key] = {**row, "name": key}
            continue
        target = merged[key]
        target["kind"], target["output_shape"] = "group", row["output_shape"]
        for field in ("params", "weights", "macs", "activations"):
            target[field] += row[field]
    for key, row in merged.items():
        row["output_shape"] = group_shapes.get(key, row["output_shape"])
    return list(merged.values())
