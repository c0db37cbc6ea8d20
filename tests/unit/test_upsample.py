"""helpers.upsample against PyTorch: nearest and bilinear up-sampling, transposed convolution
(values, shapes, groups, dilation, output_padding), and the adjoint identity with conv2d."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from helpers import conv, upsample

cases = st.fixed_dictionaries({
    "n": st.integers(1, 2), "groups": st.integers(1, 2), "cin_g": st.integers(1, 2),
    "cout_g": st.integers(1, 3), "h": st.integers(1, 6), "w": st.integers(1, 6),
    "k": st.tuples(st.integers(1, 4), st.integers(1, 4)), "stride": st.integers(1, 3),
    "padding": st.integers(0, 2), "dilation": st.integers(1, 2), "op": st.integers(0, 2),
    "bias": st.booleans(), "seed": st.integers(0, 2**31 - 1),
})


@settings(max_examples=80, deadline=None)
@given(cases)
def test_conv_transpose2d_matches_torch(c):
    assume(c["op"] < max(c["stride"], c["dilation"]))
    out_h = (c["h"] - 1) * c["stride"] - 2 * c["padding"] + c["dilation"] * (c["k"][0] - 1)
    out_w = (c["w"] - 1) * c["stride"] - 2 * c["padding"] + c["dilation"] * (c["k"][1] - 1)
    assume(min(out_h, out_w) + c["op"] + 1 >= 1)
    rng = np.random.default_rng(c["seed"])
    cin, cout = c["cin_g"] * c["groups"], c["cout_g"] * c["groups"]
    x = rng.normal(size=(c["n"], cin, c["h"], c["w"]))
    weight = rng.normal(size=(cin, c["cout_g"], *c["k"]))
    bias = rng.normal(size=cout) if c["bias"] else None
    kwargs = dict(stride=c["stride"], padding=c["padding"], output_padding=c["op"],
                  dilation=c["dilation"], groups=c["groups"])
    ours = upsample.conv_transpose2d(x, weight, bias, **kwargs)
    theirs = F.conv_transpose2d(torch.from_numpy(x), torch.from_numpy(weight),
                                None if bias is None else torch.from_numpy(bias), **kwargs)
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-10, atol=1e-10)


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 9), st.integers(1, 4), st.integers(1, 3), st.integers(0, 1),
       st.integers(0, 2**31 - 1))
def test_transposed_convolution_is_the_adjoint_of_convolution(size, k, stride, padding, seed):
    """<conv2d(y), x> == <y, conv_transpose2d(x)>: A(w) and A(w)^T."""
    assume(size + 2 * padding >= k)
    rng = np.random.default_rng(seed)
    weight = rng.normal(size=(3, 2, k, k))  # conv2d: 2 -> 3 channels; transposed: 3 -> 2
    y = rng.normal(size=(1, 2, size, size))
    forward = conv.conv2d(y, weight, stride=stride, padding=padding)
    x = rng.normal(size=forward.shape)
    extra = size - ((forward.shape[-1] - 1) * stride - 2 * padding + k)  # the output_padding
    assume(0 <= extra < stride and size - extra >= 1)
    back = upsample.conv_transpose2d(x, weight, stride=stride, padding=padding,
                                     output_padding=extra)
    assert back.shape == y.shape
    np.testing.assert_allclose(np.sum(forward * x), np.sum(y * back), rtol=1e-9)


@pytest.mark.parametrize("scale", [1, 2, 3, 4])
def test_upsampling_matches_torch_interpolate(scale):
    x = np.random.default_rng(scale).normal(size=(2, 3, 5, 4))
    xt = torch.from_numpy(x)
    np.testing.assert_array_equal(
        upsample.upsample_nearest(x, scale),
        F.interpolate(xt, scale_factor=scale, mode="nearest").numpy())
    np.testing.assert_allclose(
        upsample.upsample_bilinear(x, scale),
        F.interpolate(xt, scale_factor=scale, mode="bilinear", align_corners=False).numpy(),
        rtol=1e-12, atol=1e-12)


def test_stride_two_kernel_three_makes_a_checkerboard():
    """Uneven overlap of the stamps: a constant input gives a non-constant output."""
    out = upsample.conv_transpose2d(np.ones((1, 1, 6, 6)), np.ones((1, 1, 3, 3)), stride=2,
                                    padding=1, output_padding=1)[0, 0, 2:-2, 2:-2]
    assert set(np.unique(out)) == {1.0, 2.0, 4.0}
    even = upsample.conv_transpose2d(np.ones((1, 1, 6, 6)), np.ones((1, 1, 4, 4)), stride=2,
                                     padding=1)[0, 0, 2:-2, 2:-2]
    assert np.unique(even).tolist() == [4.0], "a kernel divisible by the stride overlaps evenly"


@pytest.mark.parametrize("call, error, match", [
    (lambda: upsample.upsample_nearest(np.ones((2, 2)), 2), ValueError, "x must have shape"),
    (lambda: upsample.upsample_nearest(np.ones((1, 1, 2, 2)), 0), ValueError, "scale"),
    (lambda: upsample.upsample_bilinear(np.ones((1, 1, 2, 2), dtype=int), 2), TypeError,
     "floats"),
    (lambda: upsample.conv_transpose2d(np.ones((1, 2, 3, 3)), np.ones((1, 1, 3, 3))),
     ValueError, "C_in"),
    (lambda: upsample.conv_transpose2d(np.ones((1, 1, 3, 3)), np.ones((1, 1, 3, 3)),
                                       stride=2, output_padding=2), ValueError,
     "output_padding"),
    (lambda: upsample.conv_transpose2d(np.ones((1, 1, 3, 3)), np.ones((1, 1, 3, 3)),
                                       stride=0), ValueError, "stride"),
    (lambda: upsample.conv_transpose2d(np.ones((1, 1, 3, 3)), np.ones((1, 1, 3, 3)),
                                       bias=np.ones(2)), ValueError, "bias"),
    (lambda: upsample.conv_transpose2d([[1.0]], np.ones((1, 1, 3, 3))), TypeError,
     "x must be a NumPy array"),
])
def test_bad_input_names_the_argument(call, error, match):
    with pytest.raises(error, match=match):
        call()
