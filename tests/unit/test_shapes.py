"""Tests of helpers.shapes: output sizes and padding against PyTorch's own layers."""

from __future__ import annotations

import dataclasses
import warnings

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import shapes

SETTINGS = settings(max_examples=300, deadline=None)


def _torch_length(fn):
    """The output length torch computes, or None where torch refuses the geometry."""
    try:
        return fn().shape[-1]
    except RuntimeError:
        return None


def _ours(**kw):
    try:
        return shapes.conv_output_size(**kw)
    except ValueError as err:
        assert "kernel_size" in str(err), str(err)
        return None


@SETTINGS
@given(size=st.integers(1, 30), kernel=st.integers(1, 7), stride=st.integers(1, 4),
       padding=st.integers(0, 3), dilation=st.integers(1, 3))
def test_conv_output_size_equals_torch_conv(size, kernel, stride, padding, dilation):
    expected = _torch_length(lambda: F.conv1d(torch.zeros(1, 1, size), torch.zeros(1, 1, kernel),
                                              stride=stride, padding=padding, dilation=dilation))
    assert _ours(size=size, kernel_size=kernel, stride=stride, padding=padding,
                 dilation=dilation) == expected


@SETTINGS
@given(size=st.integers(1, 30), kernel=st.integers(1, 7), stride=st.integers(1, 4),
       data=st.data(), dilation=st.integers(1, 3), ceil_mode=st.booleans())
def test_output_size_with_ceil_mode_equals_torch_pooling(size, kernel, stride, data, dilation,
                                                         ceil_mode):
    padding = data.draw(st.integers(0, kernel // 2))  # torch's limit for pooling
    kw = dict(stride=stride, padding=padding, dilation=dilation, ceil_mode=ceil_mode)
    expected = _torch_length(lambda: F.max_pool1d(torch.zeros(1, 1, size), kernel, **kw))
    assert _ours(size=size, kernel_size=kernel, **kw) == expected
    if expected is not None:
        geom = shapes.pool_geometry((size, size), kernel, stride, padding, dilation, ceil_mode)
        pooled = F.max_pool2d(torch.zeros(1, 1, size, size), kernel, **kw)
        assert geom.out == tuple(pooled.shape[-2:])


@SETTINGS
@given(size=st.integers(1, 12), kernel=st.integers(1, 6), dilation=st.integers(1, 3))
def test_same_padding_keeps_the_size_and_puts_the_odd_pixel_after(size, kernel, dilation):
    (before, after), = shapes.padding_pairs("same", (kernel,), 1, dilation)
    assert before + after == dilation * (kernel - 1) and after - before in (0, 1)
    x, w = torch.randn(1, 1, size), torch.randn(1, 1, kernel)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns that even kernels need a padded copy
        expected = F.conv1d(x, w, padding="same", dilation=dilation)
        ours = F.conv1d(F.pad(x, (before, after)), w, dilation=dilation)
    torch.testing.assert_close(ours, expected)


def test_conv_output_size_lecture_values():
    assert shapes.conv_output_size(227, 11, stride=4) == 55  # AlexNet conv1
    assert shapes.conv_output_size(55, 3, stride=2) == 27  # its first pooling
    assert shapes.conv_output_size(6, 3) == 4 and shapes.conv_output_size(8, 3) == 6
    assert shapes.conv_output_size(28, 3, padding=1) == 28  # padding (K - 1) / 2 keeps size
    assert shapes.conv_output_size(7, 3, stride=2, padding=1) == 4


def test_padding_pairs_forms():
    assert shapes.padding_pairs(2, (3, 3)) == ((2, 2), (2, 2))
    assert shapes.padding_pairs((0, 1), (3, 3)) == ((0, 0), (1, 1))
    assert shapes.padding_pairs("valid", (5, 5)) == ((0, 0), (0, 0))
    assert shapes.padding_pairs("same", 4) == ((1, 2),)


def test_geometry_is_frozen_and_knows_its_output():
    g = shapes.geometry((227, 227), 11, stride=4)
    assert g.out == (55, 55) and g.reach == (11, 11) and g.padded == (227, 227)
    with pytest.raises(dataclasses.FrozenInstanceError):
        g.out = (1, 1)
    assert g.lift() == shapes.Geometry((1, 227, 227), (1, 11, 11), (1, 4, 4),
                                       ((0, 0), (0, 0), (0, 0)), (1, 1, 1))


def test_covering_padding_holds_every_window():
    g = shapes.pool_geometry((6, 6), 3, stride=2, ceil_mode=True)  # the last window hangs over
    assert g.out == (3, 3)
    (top, bottom), _ = g.covering_padding()
    assert (top, bottom) == (0, 1)
    assert (g.out[0] - 1) * g.stride[0] + g.reach[0] == top + g.size[0] + bottom


@pytest.mark.parametrize(("call", "error", "name"), [
    (lambda: shapes.conv_output_size(2.0, 3), TypeError, "size"),
    (lambda: shapes.conv_output_size(5, 0), ValueError, "kernel_size"),
    (lambda: shapes.conv_output_size(5, 3, stride=0), ValueError, "stride"),
    (lambda: shapes.conv_output_size(5, 3, padding=-1), ValueError, "padding"),
    (lambda: shapes.conv_output_size(5, 3, ceil_mode=1), TypeError, "ceil_mode"),
    (lambda: shapes.conv_output_size(2, 3), ValueError, "kernel_size"),
    (lambda: shapes.padding_pairs("full", (3, 3)), ValueError, "padding"),
    (lambda: shapes.padding_pairs("same", (3, 3), stride=2), ValueError, "padding"),
    (lambda: shapes.padding_pairs(1.5, (3, 3)), TypeError, "padding"),
    (lambda: shapes.padding_pairs((1, 1, 1), (3, 3)), ValueError, "padding"),
    (lambda: shapes.geometry((8, 8), (3, 3, 3)), ValueError, "kernel_size"),
    (lambda: shapes.pool_geometry((8, 8), 2, padding=2), ValueError, "padding"),
    (lambda: shapes.pool_geometry((8, 8), 2, padding="same"), TypeError, "padding"),
])
def test_bad_input_names_the_argument(call, error, name):
    with pytest.raises(error, match=rf"\b{name}\b"):
        call()


def test_repeated_geometry_keeps_checking_types_and_values():
    # geometry() remembers the answers for plain ints and tuples of ints; a bool or a float
    # equal to a remembered int (True == 1, 1.0 == 1) must still be refused, and a list
    # still accepted.
    assert shapes.geometry((8, 8), 3, stride=1, padding=1).out == (8, 8)
    assert shapes.geometry((8, 8), 3, stride=1, padding=1) is shapes.geometry((8, 8), 3, 1, 1)
    for bad in (dict(stride=True), dict(stride=(True, 1)), dict(padding=1.0),
                dict(dilation=(1.0, 1))):
        with pytest.raises(TypeError, match=rf"\b{next(iter(bad))}\b"):
            shapes.geometry((8, 8), 3, **bad)
    with pytest.raises(ValueError, match=r"\bstride\b"):
        shapes.geometry((8, 8), 3, stride=0)
    with pytest.raises(ValueError, match=r"\bstride\b"):  # an error is not remembered
        shapes.geometry((8, 8), 3, stride=0)
    assert shapes.geometry([8, 8], [3, 3], [1, 1], [1, 1]).out == (8, 8)
