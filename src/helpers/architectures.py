"""The classic convolutional networks of the lectures, with their published tables.

LeNet-5 (LeCun et al. 1998), AlexNet (Krizhevsky et al. 2012), ZFNet (Zeiler and Fergus 2014),
VGG A-E (Simonyan and Zisserman 2015), Network in Network (Lin et al. 2014), GoogLeNet
(Szegedy et al. 2015), ResNet (He et al. 2016) and MobileNet v1/v2 (Howard et al. 2017;
Sandler et al. 2018), each built as the paper's table states it, and :func:`layer_summary`,
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
    "MOBILENET_V1",
    "MOBILENET_V2",
    "RESNET_CONFIGS",
    "RESNET_PAPER_GFLOPS",
    "VGG_CONFIGS",
    "BasicBlock",
    "Bottleneck",
    "GoogLeNet",
    "Inception",
    "InvertedResidual",
    "ResNet",
    "depthwise_separable",
    "mobilenet_v1",
    "mobilenet_v2",
    "resnet18",
    "resnet34",
    "resnet50",
    "small_resnet",
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


# --------------------------------------------------------------------------------------------
# ResNet (He et al. 2016)
# --------------------------------------------------------------------------------------------
def _conv_bn(c_in: int, c_out: int, kernel: int, stride: int = 1) -> list[nn.Module]:
    return [nn.Conv2d(c_in, c_out, kernel, stride, padding=kernel // 2, bias=False),
            nn.BatchNorm2d(c_out)]


def _shortcut(c_in: int, c_out: int, stride: int, shortcut: str) -> nn.Module | None:
    """``None`` for the identity; a 1x1 convolution with batch norm (the paper's option B)."""
    check_choice(shortcut, "shortcut", ("auto", "identity", "projection"))
    needs_projection = stride != 1 or c_in != c_out
    if shortcut == "identity" and needs_projection:
        raise ValueError(f"an identity shortcut needs stride 1 and equal channels, got "
                         f"{c_in} -> {c_out} with stride {stride}")
    if shortcut == "projection" or needs_projection:
        return nn.Sequential(*_conv_bn(c_in, c_out, 1, stride))
    return None


class BasicBlock(nn.Module):
    """The residual block of ResNet-18/34: ``relu(F(x) + shortcut(x))`` with two 3x3 convolutions.

    ``F`` is conv3x3 (stride) - batch norm - ReLU - conv3x3 - batch norm. The shortcut is the
    identity when the shapes agree, else a 1x1 convolution with stride and batch norm (the
    projection, option B of the paper). Module names follow torchvision (``conv1``, ``bn1``,
    ``conv2``, ``bn2``, ``downsample``), so its weights load into this block and back.
    ``residual=False`` drops the shortcut: the *plain* block of the paper's comparison.

    Parameters
    ----------
    in_channels, out_channels : int
    stride : int
        Of the first convolution (and of the projection).
    shortcut : {"auto", "identity", "projection"}
        "auto": identity when possible, projection otherwise.
    residual : bool

    Examples
    --------
    >>> block = BasicBlock(64, 128, stride=2)
    >>> block(torch.zeros(1, 64, 56, 56)).shape
    torch.Size([1, 128, 28, 28])
    >>> sum(p.numel() for p in block.downsample.parameters())  # 1x1 conv + batch norm
    8448
    """

    expansion = 1

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1,
                 shortcut: str = "auto", residual: bool = True):
        super().__init__()
        c_in, c_out = as_int(in_channels, "in_channels", 1), as_int(out_channels, "out_channels", 1)
        stride = as_int(stride, "stride", 1)
        self.conv1, self.bn1 = _conv_bn(c_in, c_out, 3, stride)
        self.conv2, self.bn2 = _conv_bn(c_out, c_out, 3)
        self.relu = nn.ReLU(inplace=True)
        self.residual = _as_flag(residual, "residual")
        self.downsample = _shortcut(c_in, c_out, stride, shortcut) if self.residual else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.residual:
            out = out + (x if self.downsample is None else self.downsample(x))
        return self.relu(out)


class Bottleneck(nn.Module):
    """The residual block of ResNet-50/101/152: 1x1 reduce, 3x3, 1x1 expand (x4), plus shortcut.

    ``F`` is conv1x1 (``width`` maps) - BN - ReLU - conv3x3 (``width``) - BN - ReLU - conv1x1
    (``4 * width``) - BN; the output is ``relu(F(x) + shortcut(x))``. The 1x1 layers make the
    3x3 layer work on ``width`` maps only, so the block costs about what a basic block on
    ``width`` maps costs while carrying ``4 * width`` maps. The paper strides the first 1x1
    convolution; torchvision (and later "ResNet v1.5") strides the 3x3 one, which keeps the
    parameters and costs more multiply-adds: ``stride_on`` chooses.

    Parameters
    ----------
    in_channels, width : int
        The block outputs ``4 * width`` channels.
    stride : int
    shortcut : {"auto", "identity", "projection"}
    stride_on : {"3x3", "1x1"}
        "3x3" as torchvision, "1x1" as the paper.
    residual : bool

    Examples
    --------
    >>> block = Bottleneck(256, 64)
    >>> block(torch.zeros(1, 256, 56, 56)).shape, block.downsample is None
    (torch.Size([1, 256, 56, 56]), True)
    """

    expansion = 4

    def __init__(self, in_channels: int, width: int, stride: int = 1, shortcut: str = "auto",
                 stride_on: str = "3x3", residual: bool = True):
        super().__init__()
        c_in, width = as_int(in_channels, "in_channels", 1), as_int(width, "width", 1)
        stride = as_int(stride, "stride", 1)
        check_choice(stride_on, "stride_on", ("3x3", "1x1"))
        s1, s3 = (stride, 1) if stride_on == "1x1" else (1, stride)
        self.conv1, self.bn1 = _conv_bn(c_in, width, 1, s1)
        self.conv2, self.bn2 = _conv_bn(width, width, 3, s3)
        self.conv3, self.bn3 = _conv_bn(width, 4 * width, 1)
        self.relu = nn.ReLU(inplace=True)
        self.residual = _as_flag(residual, "residual")
        self.downsample = (_shortcut(c_in, 4 * width, stride, shortcut) if self.residual
                           else None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.residual:
            out = out + (x if self.downsample is None else self.downsample(x))
        return self.relu(out)


def _as_flag(value, name: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return value


RESNET_CONFIGS = {  # depth: (block, blocks per stage), He et al. 2016, Table 1
    18: ("basic", (2, 2, 2, 2)),
    34: ("basic", (3, 4, 6, 3)),
    50: ("bottleneck", (3, 4, 6, 3)),
    101: ("bottleneck", (3, 4, 23, 3)),
    152: ("bottleneck", (3, 8, 36, 3)),
}
"""ResNet's Table 1: the block kind and the number of blocks in stages conv2_x ... conv5_x."""

RESNET_PAPER_GFLOPS = {18: 1.8, 34: 3.6, 50: 3.8, 101: 7.6, 152: 11.3}
"""Table 1's "FLOPs" per 224x224 image in units of 1e9; the paper counts multiply-adds."""


class ResNet(nn.Module):
    """ResNet for 224x224 images (He et al. 2016, Table 1), named as torchvision's.

    Stem: conv7x7/2 (64) - BN - ReLU - maxpool3x3/2; four stages of blocks with 64, 128, 256,
    512 base channels (the first block of stages 2-4 halves the size with stride 2 and a
    projection shortcut); global average pooling; one fully connected layer.

    Parameters
    ----------
    depth : {18, 34, 50, 101, 152}
    num_classes : int
    in_channels : int
    stride_on : {"3x3", "1x1"}
        Where bottleneck blocks stride (see :class:`Bottleneck`).
    residual : bool
        ``False`` gives the paper's *plain* network: the same layers without shortcuts.

    Examples
    --------
    >>> with torch.device("meta"):
    ...     net = ResNet(18)
    >>> sum(p.numel() for p in net.parameters())
    11689512
    """

    def __init__(self, depth: int = 18, num_classes: int = 1000, in_channels: int = 3,
                 stride_on: str = "3x3", residual: bool = True):
        super().__init__()
        depth = as_int(depth, "depth")
        if depth not in RESNET_CONFIGS:
            raise ValueError(f"depth must be one of {sorted(RESNET_CONFIGS)}, got {depth}")
        kind, counts = RESNET_CONFIGS[depth]
        num_classes = as_int(num_classes, "num_classes", 1)
        check_choice(stride_on, "stride_on", ("3x3", "1x1"))
        self.conv1 = nn.Conv2d(as_int(in_channels, "in_channels", 1), 64, 7, 2, 3, bias=False)
        self.bn1, self.relu = nn.BatchNorm2d(64), nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        c_in = 64
        for stage, (width, n) in enumerate(zip((64, 128, 256, 512), counts, strict=True), start=1):
            blocks = []
            for i in range(n):
                stride = 2 if stage > 1 and i == 0 else 1
                if kind == "basic":
                    blocks.append(BasicBlock(c_in, width, stride, residual=residual))
                    c_in = width
                else:
                    blocks.append(Bottleneck(c_in, width, stride, stride_on=stride_on,
                                             residual=residual))
                    c_in = 4 * width
            setattr(self, f"layer{stage}", nn.Sequential(*blocks))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(c_in, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        for stage in (self.layer1, self.layer2, self.layer3, self.layer4):
            x = stage(x)
        return self.fc(torch.flatten(self.avgpool(x), 1))


def resnet18(num_classes: int = 1000) -> ResNet:
    """ResNet-18: basic blocks (2, 2, 2, 2); 11.7 million parameters, 1.8e9 multiply-adds."""
    return ResNet(18, num_classes)


def resnet34(num_classes: int = 1000) -> ResNet:
    """ResNet-34: basic blocks (3, 4, 6, 3); 21.8 million parameters, 3.6e9 multiply-adds."""
    return ResNet(34, num_classes)


def resnet50(num_classes: int = 1000, stride_on: str = "3x3") -> ResNet:
    """ResNet-50: bottleneck blocks (3, 4, 6, 3); 25.6 million parameters.

    3.8e9 multiply-adds with the paper's ``stride_on="1x1"``, 4.1e9 with torchvision's "3x3".
    """
    return ResNet(50, num_classes, stride_on=stride_on)


def small_resnet(blocks_per_stage: int, residual: bool = True, widths: Sequence[int] = (16, 32, 64),
                 in_channels: int = 1, num_classes: int = 10) -> nn.Sequential:
    """The paper's small ResNet for CIFAR-10 (Section 4.2), ``6n + 2`` weighted layers.

    conv3x3 (``widths[0]``) - BN - ReLU, then three stages of ``n`` basic blocks on
    ``widths`` channels (stride 2 at the start of stages 2 and 3, projection shortcuts there),
    global average pooling and a linear layer. ``residual=False`` is the plain twin with the
    same layers, for the degradation experiment.

    Examples
    --------
    >>> net = small_resnet(3)  # ResNet-20 (with 16, 32, 64 channels)
    >>> net(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 10])
    """
    n = as_int(blocks_per_stage, "blocks_per_stage", 1)
    widths = as_int_sequence(widths, "widths")
    layers: list[nn.Module] = [*_conv_bn(as_int(in_channels, "in_channels", 1), widths[0], 3),
                               nn.ReLU(inplace=True)]
    c_in = widths[0]
    for stage, width in enumerate(widths):
        for i in range(n):
            stride = 2 if stage > 0 and i == 0 else 1
            layers.append(BasicBlock(c_in, width, stride, residual=residual))
            c_in = width
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(),
               nn.Linear(c_in, as_int(num_classes, "num_classes", 1))]
    return nn.Sequential(*layers)


# --------------------------------------------------------------------------------------------
# MobileNet (Howard et al. 2017; Sandler et al. 2018): depthwise-separable convolutions
# --------------------------------------------------------------------------------------------
def depthwise_separable(in_channels: int, out_channels: int, stride: int = 1,
                        activation: type[nn.Module] = nn.ReLU) -> nn.Sequential:
    """MobileNet's block: a depthwise 3x3 convolution (one filter per channel), then a 1x1 one.

    dw3x3 (stride, ``groups=in_channels``) - BN - ReLU - conv1x1 - BN - ReLU. A standard 3x3
    convolution costs ``9 C_in C_out`` multiply-adds per output position; this block costs
    ``9 C_in + C_in C_out``, a ratio of ``1 / C_out + 1 / 9``.

    Examples
    --------
    >>> block = depthwise_separable(32, 64)
    >>> sum(m.weight.numel() for m in block if isinstance(m, nn.Conv2d))  # 9 * 32 + 32 * 64
    2336
    """
    c_in, c_out = as_int(in_channels, "in_channels", 1), as_int(out_channels, "out_channels", 1)
    return nn.Sequential(
        nn.Conv2d(c_in, c_in, 3, as_int(stride, "stride", 1), 1, groups=c_in, bias=False),
        nn.BatchNorm2d(c_in), activation(),
        nn.Conv2d(c_in, c_out, 1, bias=False), nn.BatchNorm2d(c_out), activation())


MOBILENET_V1 = ((64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1),
                (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1))
"""(output channels, stride) of MobileNet v1's 13 depthwise-separable blocks (its Table 1)."""


def mobilenet_v1(num_classes: int = 1000, in_channels: int = 3) -> nn.Sequential:
    """MobileNet v1 (Howard et al. 2017, Table 1, width 1.0, 224x224): 4.2 M parameters.

    conv3x3/2 (32) - BN - ReLU, the 13 blocks of :data:`MOBILENET_V1`, global average
    pooling, a linear layer. The paper reports 569 million multiply-adds and 4.2 million
    parameters.

    Examples
    --------
    >>> with torch.device("meta"):
    ...     net = mobilenet_v1()
    >>> round(sum(p.numel() for p in net.parameters()) / 1e6, 1)
    4.2
    """
    layers: list[nn.Module] = [nn.Conv2d(as_int(in_channels, "in_channels", 1), 32, 3, 2, 1,
                                         bias=False), nn.BatchNorm2d(32), nn.ReLU()]
    c_in = 32
    for c_out, stride in MOBILENET_V1:
        layers.append(depthwise_separable(c_in, c_out, stride))
        c_in = c_out
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(),
               nn.Linear(c_in, as_int(num_classes, "num_classes", 1))]
    return nn.Sequential(*layers)


class InvertedResidual(nn.Module):
    """MobileNet v2's block (Sandler et al. 2018): expand 1x1, depthwise 3x3, project 1x1.

    conv1x1 (``expand_ratio * in_channels`` maps; left out when the ratio is 1) - BN - ReLU6,
    depthwise conv3x3 (stride) - BN - ReLU6, conv1x1 to ``out_channels`` - BN with no
    activation (the *linear bottleneck*), plus the input when stride is 1 and the channels
    agree (the shortcut joins the narrow ends, the inverse of ResNet's bottleneck).

    Examples
    --------
    >>> block = InvertedResidual(24, 24, stride=1, expand_ratio=6)
    >>> block.use_shortcut, block(torch.zeros(1, 24, 8, 8)).shape
    (True, torch.Size([1, 24, 8, 8]))
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int, expand_ratio: int):
        super().__init__()
        c_in, c_out = as_int(in_channels, "in_channels", 1), as_int(out_channels, "out_channels", 1)
        stride, ratio = as_int(stride, "stride", 1), as_int(expand_ratio, "expand_ratio", 1)
        hidden = c_in * ratio
        layers: list[nn.Module] = []
        if ratio != 1:
            layers += [nn.Conv2d(c_in, hidden, 1, bias=False), nn.BatchNorm2d(hidden),
                       nn.ReLU6(inplace=True)]
        layers += [nn.Conv2d(hidden, hidden, 3, stride, 1, groups=hidden, bias=False),
                   nn.BatchNorm2d(hidden), nn.ReLU6(inplace=True),
                   nn.Conv2d(hidden, c_out, 1, bias=False), nn.BatchNorm2d(c_out)]
        self.conv = nn.Sequential(*layers)
        self.use_shortcut = stride == 1 and c_in == c_out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv(x) if self.use_shortcut else self.conv(x)


MOBILENET_V2 = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                (6, 160, 3, 2), (6, 320, 1, 1))
"""MobileNet v2's Table 2: (expansion t, output channels c, repeats n, first stride s)."""


def mobilenet_v2(num_classes: int = 1000, in_channels: int = 3) -> nn.Sequential:
    """MobileNet v2 (Sandler et al. 2018, width 1.0, 224x224): 3.5 M parameters, 300 M MACs.

    conv3x3/2 (32) - BN - ReLU6, the inverted residual blocks of :data:`MOBILENET_V2`,
    conv1x1 (1280) - BN - ReLU6, global average pooling, dropout 0.2 and a linear layer; the
    same layers (and parameter count) as ``torchvision.models.mobilenet_v2``.

    Examples
    --------
    >>> with torch.device("meta"):
    ...     net = mobilenet_v2()
    >>> sum(p.numel() for p in net.parameters())
    3504872
    """
    layers: list[nn.Module] = [nn.Conv2d(as_int(in_channels, "in_channels", 1), 32, 3, 2, 1,
                                         bias=False), nn.BatchNorm2d(32), nn.ReLU6(inplace=True)]
    c_in = 32
    for t, c, n, s in MOBILENET_V2:
        for i in range(n):
            layers.append(InvertedResidual(c_in, c, s if i == 0 else 1, t))
            c_in = c
    layers += [nn.Conv2d(c_in, 1280, 1, bias=False), nn.BatchNorm2d(1280), nn.ReLU6(inplace=True),
               nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.2),
               nn.Linear(1280, as_int(num_classes, "num_classes", 1))]
    return nn.Sequential(*layers)
