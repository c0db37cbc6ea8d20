"""Tests of helpers.models: output shapes and parameter counts against hand formulas."""

import pytest
import torch
from torch import nn

from helpers import models


def linear_params(n_in, n_out):
    return n_in * n_out + n_out


def conv_params(c_in, c_out, *kernel):
    k = 1
    for size in kernel:
        k *= size
    return c_in * c_out * k + c_out


@pytest.mark.parametrize("hidden", [(), (7,), (16, 8)])
def test_mlp_shapes_and_count(hidden):
    model = models.mlp(12, hidden=hidden, num_classes=3)
    assert model(torch.zeros(5, 12)).shape == (5, 3)
    assert model(torch.zeros(5, 3, 4)).shape == (5, 3), "images are flattened"
    widths = (12, *hidden, 3)
    expected = sum(linear_params(a, b) for a, b in zip(widths[:-1], widths[1:], strict=True))
    assert models.count_params(model) == expected


def test_mlp_first_linear_layer_is_index_one():
    model = models.mlp(784, hidden=(100,), num_classes=10)
    assert isinstance(model[1], nn.Linear) and model[1].weight.shape == (100, 784)


def test_logistic_is_linear():
    model = models.logistic(40, 10)
    assert models.count_params(model) == linear_params(40, 10)
    assert not any(isinstance(m, nn.ReLU) for m in model)


@pytest.mark.parametrize("channels", [(16, 32), (8, 16, 16)])
def test_small_cnn_shapes_and_count(channels):
    model = models.small_cnn(channels=channels)
    assert model(torch.zeros(2, 28, 28)).shape == (2, 10)
    assert model(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
    widths = (1, *channels)
    size = 28
    for _ in channels:
        size //= 2
    expected = sum(conv_params(a, b, 3, 3) for a, b in zip(widths[:-1], widths[1:], strict=True))
    expected += linear_params(channels[-1] * size * size, 10)
    assert models.count_params(model) == expected


def test_small_cnn_colour_images():
    model = models.small_cnn(in_channels=3, num_classes=5, channels=(4,), image_size=32)
    assert model(torch.zeros(2, 3, 32, 32)).shape == (2, 5)
    assert models.count_params(model) == conv_params(3, 4, 3, 3) + linear_params(4 * 16 * 16, 5)


def test_cnn1d_matches_the_paper():
    model = models.cnn1d()
    assert model(torch.zeros(3, 40)).shape == (3, 10)
    assert model(torch.zeros(3, 1, 40)).shape == (3, 10)
    length = 40
    for k in (5, 3, 3):  # stride 2, padding 1
        length = (length + 2 - k) // 2 + 1
    assert length == 5
    expected = (conv_params(1, 25, 5) + 2 * conv_params(25, 25, 3)
                + linear_params(25 * length, 10))
    assert models.count_params(model) == expected


def test_count_params_skips_frozen():
    model = models.mlp(4, hidden=(3,), num_classes=2)
    model[1].weight.requires_grad_(False)
    assert models.count_params(model) == linear_params(4, 3) + linear_params(3, 2) - 12


@pytest.mark.parametrize(
    ("call", "error", "word"),
    [
        (lambda: models.mlp(0), ValueError, "in_features"),
        (lambda: models.mlp(3.5), TypeError, "in_features"),
        (lambda: models.mlp(4, hidden=5), TypeError, "hidden"),
        (lambda: models.mlp(4, hidden=(5, 0)), ValueError, "hidden"),
        (lambda: models.mlp(4, num_classes=0), ValueError, "num_classes"),
        (lambda: models.small_cnn(channels=(8,) * 6), ValueError, "image_size"),
        (lambda: models.small_cnn(in_channels=0), ValueError, "in_channels"),
        (lambda: models.cnn1d(length=2), ValueError, "length"),
        (lambda: models.cnn1d(channels=0), ValueError, "channels"),
        (lambda: models.count_params("model"), TypeError, "model"),
    ],
)
def test_bad_arguments(call, error, word):
    with pytest.raises(error, match=word):
        call()


def test_add_channel():
    layer = models.AddChannel(3)
    assert layer(torch.zeros(2, 5, 6)).shape == (2, 1, 5, 6)
    x = torch.zeros(2, 3, 5, 6)
    assert layer(x) is x, "an input that has its channel axis passes unchanged"
