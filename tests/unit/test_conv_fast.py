"""Tests of helpers.conv_fast: every fast path against torch, and the rule behind "auto".

The fast paths are reached through ``conv.conv2d(method=...)`` and ``conv.conv2d_backward``
where a public call selects them, and called directly (with a ``shapes.Geometry``) where only
a size threshold would: the wide and blocked im2col, Winograd F(4x4, 3x3), the tap-by-tap
stride-1 backward.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conv_reference import make_case, tolerance, torch_conv
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import conv, conv_fast, shapes

FEW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TORCH = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _rng(seed):
    return np.random.default_rng(seed)


@st.composite
def conv2d_cases(draw, stride1=False, row_stride1=False):
    """A float64 layer without bias: groups, any kernel, stride, dilation and int padding
    (``stride1``: stride 1; ``row_stride1``: vertical stride 1, any horizontal stride)."""
    groups = draw(st.integers(1, 3))
    c_in, c_out = groups * draw(st.integers(1, 3)), groups * draw(st.integers(1, 3))
    kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    stride = (1, 1) if stride1 else (1 if row_stride1 else draw(st.integers(1, 3)),
                                     draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    size = [max(1, d * (k - 1) + 1 - 2 * p + draw(st.integers(0, 5)))
            for k, d, p in zip(kernel, dilation, padding, strict=True)]
    return dict(x=(draw(st.integers(1, 2)), c_in, *size), w=(c_out, c_in // groups, *kernel),
                stride=stride, padding=padding, dilation=dilation, groups=groups,
                dtype=np.float64, bias=False)


def _geometry(x, w, kw):
    return shapes.geometry(x.shape[2:], w.shape[2:], kw["stride"], kw["padding"],
                           kw["dilation"])


# --------------------------------------------------------------------------------------------
# The rule behind method="auto"
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("x", "w", "kw", "expected"), [
    ((1, 64, 56, 56), (64, 64, 3, 3), {}, "winograd"),  # a VGG/ResNet 3x3 layer
    ((1, 64, 56, 56), (64, 64, 3, 3), {"stride": 2}, "im2col"),
    ((1, 64, 56, 56), (64, 64, 3, 3), {"dilation": 2}, "im2col"),
    ((1, 16, 56, 56), (64, 16, 3, 3), {}, "im2col"),  # too few channels to pay off
    ((1, 64, 8, 8), (64, 64, 3, 3), {}, "im2col"),  # too few pixels
    ((1, 1, 28, 28), (6, 1, 5, 5), {}, "im2col"),  # LeNet's C1
    ((64, 56, 56), (64, 64, 3, 3), {}, "winograd"),  # unbatched input
])
def test_choose_conv_method(x, w, kw, expected):
    assert conv_fast.choose_conv_method(np.zeros(x), np.zeros(w), **kw) == expected


def test_auto_runs_the_chosen_method():
    rng = _rng(0)
    x = rng.standard_normal((1, 32, 16, 16)).astype(np.float32)
    w = rng.standard_normal((8, 32, 3, 3)).astype(np.float32)
    method = conv_fast.choose_conv_method(x, w)
    assert method == "winograd"
    np.testing.assert_array_equal(conv.conv2d(x, w), conv.conv2d(x, w, method=method))


@pytest.mark.parametrize(("args", "error", "name"), [
    ((np.zeros((1, 4)), np.zeros((1, 1, 3, 3))), ValueError, "x"),
    ((np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 3))), ValueError, "weight"),
    ((np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 3, 3)), 0), ValueError, "stride"),
    ((np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 3, 3)), 1, 1.5), TypeError, "dilation"),
    ((torch.zeros(1, 1, 4, 4), np.zeros((1, 1, 3, 3))), TypeError, "x"),
])
def test_choose_conv_method_bad_input(args, error, name):
    with pytest.raises(error, match=rf"\b{name}\b"):
        conv_fast.choose_conv_method(*args)


# --------------------------------------------------------------------------------------------
# wide im2col and FFT, called directly
# --------------------------------------------------------------------------------------------
@FEW
@given(case=conv2d_cases(stride1=True), seed=st.integers(0, 2**16))
def test_im2col_wide_equals_torch(case, seed):
    x, w, _, kw = make_case(case, seed)
    out = conv_fast._conv2d_im2col_wide(x, w, _geometry(x, w, kw), kw["groups"])
    np.testing.assert_allclose(out, torch_conv(F.conv2d, x, w, None, **kw), atol=1e-10)


@FEW
@given(case=conv2d_cases(row_stride1=True), seed=st.integers(0, 2**16))
def test_kernel_rows_equals_torch(case, seed):
    """Columns of one kernel row, one product per kernel row: any kernel, groups, dilation,
    padding and horizontal stride (the vertical stride must be 1)."""
    x, w, _, kw = make_case(case, seed)
    out = conv_fast._conv2d_kernel_rows(x, w, _geometry(x, w, kw), kw["groups"])
    np.testing.assert_allclose(out, torch_conv(F.conv2d, x, w, None, **kw), atol=1e-10)


def test_kernel_rows_one_image_per_block_equals_torch(monkeypatch):
    monkeypatch.setattr(conv_fast, "_ROWS_BLOCK", 1)  # every image a block of its own
    x, w, b, kw = make_case(dict(x=(3, 4, 9, 8), w=(6, 2, 3, 2), stride=(1, 2), padding=(1, 2),
                             dilation=(2, 1), groups=2, dtype=np.float64, bias=True), 8)
    out = conv.conv2d(x, w, b, method="im2col", **kw)
    np.testing.assert_allclose(out, torch_conv(F.conv2d, x, w, b, **kw), atol=1e-10)


@pytest.mark.parametrize(("x", "w", "kw", "expected"), [
    ((64, 6, 14, 14), (16, 6, 5, 5), {}, "_conv2d_kernel_rows"),  # LeNet's C3: 30 per row
    ((64, 3, 32, 32), (16, 3, 5, 5), {"padding": 2}, "_conv2d_kernel_rows"),  # 15 per row
    ((8, 6, 14, 14), (16, 6, 5, 5), {"stride": (1, 2)}, "_conv2d_kernel_rows"),
    ((64, 1, 28, 28), (6, 1, 5, 5), {"padding": 2}, "_conv2d_im2col_wide"),  # LeNet's C1: 5
    ((64, 4, 14, 14), (8, 4, 3, 3), {"padding": 1}, "_conv2d_im2col_wide"),  # 12 per row
    ((8, 6, 14, 14), (16, 6, 5, 5), {"stride": (2, 1)}, None),  # vertical stride 2: plain
    ((8, 64, 56, 56), (64, 64, 3, 3), {"stride": 2}, "_conv2d_im2col_blocked"),
])
def test_im2col_variant_rule(x, w, kw, expected):
    geom = shapes.geometry(x[2:], w[2:], kw.get("stride", 1), kw.get("padding", 0), 1)
    chosen = conv_fast._im2col_variant(np.zeros(x), np.zeros(w), geom, 1)
    assert getattr(chosen, "__name__", None) == expected, chosen


def test_kernel_rows_float32_error_against_float64():
    """LeNet's second layer in float32 through the kernel-row path: within 1e-6 of float64,
    relative to the largest output (the kH partial sums are added at the end)."""
    rng = _rng(9)
    x = rng.standard_normal((16, 6, 14, 14), dtype=np.float32)
    w = rng.standard_normal((16, 6, 5, 5), dtype=np.float32)
    exact = torch_conv(F.conv2d, x, w, None)
    out = conv.conv2d(x, w)
    assert out.dtype == np.float32
    err = np.abs(out - exact).max() / np.abs(exact).max()
    assert err <= 1e-6, err


@FEW
@given(case=conv2d_cases(), seed=st.integers(0, 2**16))
def test_fft_equals_torch(case, seed):
    x, w, _, kw = make_case(case, seed)
    out = conv_fast._conv2d_fft(x, w, _geometry(x, w, kw), kw["groups"])
    np.testing.assert_allclose(out, torch_conv(F.conv2d, x, w, None, **kw), atol=1e-10)


@st.composite
def winograd_cases(draw):
    groups = draw(st.integers(1, 2))
    c_in, c_out = groups * draw(st.integers(1, 4)), groups * draw(st.integers(1, 4))
    padding = draw(st.sampled_from([0, 1, 2, (0, 1), (2, 0), "same", "valid"]))
    pads = (0, 0) if isinstance(padding, str) else np.broadcast_to(padding, 2)
    h = max(1, 3 - 2 * int(pads[0]) + draw(st.integers(0, 9)))
    w = max(1, 3 - 2 * int(pads[1]) + draw(st.integers(0, 9)))
    return dict(x=(draw(st.integers(1, 2)), c_in, h, w), w=(c_out, c_in // groups, 3, 3),
                stride=1, padding=padding, dilation=1, groups=groups,
                dtype=draw(st.sampled_from([np.float32, np.float64])), bias=draw(st.booleans()))


@TORCH
@given(case=winograd_cases(), seed=st.integers(0, 2**16))
def test_winograd_equals_torch(case, seed):
    x, w, b, kw = make_case(case, seed)
    expected = torch_conv(F.conv2d, x, w, b, **kw)
    out = conv.conv2d(x, w, b, method="winograd", **kw)
    assert out.shape == expected.shape and out.dtype == case["dtype"]
    k = case["w"][1] * 9
    np.testing.assert_allclose(out, expected, rtol=0, atol=tolerance(case["dtype"], k, x, w) + (
        0 if b is None else 1e-6 * np.abs(b).max()))


def test_winograd_float32_accuracy_is_close_to_torch():
    """F(4x4, 3x3) in float32: within 1e-5 of float64, relative to the largest output, and
    within an order of magnitude of torch's own float32 error."""
    rng = _rng(0)
    x = rng.standard_normal((2, 32, 20, 20)).astype(np.float32)
    w = rng.standard_normal((16, 32, 3, 3)).astype(np.float32)
    exact = torch_conv(F.conv2d, x, w, None, padding=1)
    torch_err = np.abs(F.conv2d(torch.from_numpy(x), torch.from_numpy(w), padding=1).numpy()
                       - exact).max()
    ours = np.abs(conv.conv2d(x, w, padding=1, method="winograd") - exact).max()
    assert ours <= 1e-5 * np.abs(exact).max(), ours / np.abs(exact).max()
    assert ours <= 10 * torch_err, (ours, torch_err)


def test_winograd_refuses_other_kernels():
    x = np.ones((1, 1, 6, 6))
    for kw in (dict(weight=np.ones((1, 1, 5, 5))), dict(weight=np.ones((1, 1, 3, 3)), stride=2),
               dict(weight=np.ones((1, 1, 3, 3)), dilation=2)):
        with pytest.raises(ValueError, match="method='winograd'"):
            conv.conv2d(x, method="winograd", **kw)


def test_backward_winograd_path_equals_torch():
    """Large enough for the input gradient to go through the fast forward path."""
    rng = _rng(3)
    x = rng.standard_normal((2, 32, 16, 16)).astype(np.float32)
    w = rng.standard_normal((32, 32, 3, 3)).astype(np.float32)
    xt, wt = torch.from_numpy(x).requires_grad_(), torch.from_numpy(w).requires_grad_()
    y = F.conv2d(xt, wt, padding=1)
    g = rng.standard_normal(tuple(y.shape)).astype(np.float32)
    y.backward(torch.from_numpy(g))
    gx, gw, gb = conv.conv2d_backward(g, x, w, padding=1)
    assert gx.dtype == gw.dtype == np.float32
    np.testing.assert_allclose(gx, xt.grad.numpy(), atol=1e-4 * np.sqrt(32 * 9) * 16)
    np.testing.assert_allclose(gw, wt.grad.numpy(), atol=1e-4 * np.sqrt(2 * 256) * 16)
    np.testing.assert_allclose(gb, g.sum(axis=(0, 2, 3)), rtol=1e-4)


@FEW
@given(case=conv2d_cases(), seed=st.integers(0, 2**16), bias=st.booleans())
def test_im2col_cache_blocked_path_equals_torch(case, seed, bias):
    """Large layers build their columns a few output rows at a time; force that path here."""
    x, w, b, kw = make_case(dict(case, bias=bias), seed)
    saved = conv_fast._BLOCK_ELEMENTS
    conv_fast._BLOCK_ELEMENTS = 1  # one output row per block, every image and every row a block
    try:
        out = conv.conv2d(x, w, b, method="im2col", **kw)
    finally:
        conv_fast._BLOCK_ELEMENTS = saved
    np.testing.assert_allclose(out, torch_conv(F.conv2d, x, w, b, **kw), atol=1e-10)


@FEW
@given(case=winograd_cases(), seed=st.integers(0, 2**16), m=st.sampled_from([2, 4]))
def test_winograd_weight_gradient_equals_torch(case, seed, m):
    """The transposed Winograd formula used by conv2d_backward for large 3x3 layers."""
    x, w, _, kw = make_case(dict(case, dtype=np.float64, bias=False), seed)
    geom = _geometry(x, w, kw)
    xt, wt = torch.from_numpy(x), torch.from_numpy(w).requires_grad_()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y = F.conv2d(xt, wt, padding=kw["padding"], groups=kw["groups"])
    g = _rng(seed + 2).standard_normal(tuple(y.shape))
    y.backward(torch.from_numpy(g))
    np.testing.assert_allclose(conv_fast._winograd_weight_grad(g, x, geom, kw["groups"], m=m),
                               wt.grad.numpy(), atol=1e-9)


# --------------------------------------------------------------------------------------------
# Winograd F(4x4, 3x3) and the stride-1 backward, called directly
# --------------------------------------------------------------------------------------------
@FEW
@given(case=winograd_cases(), seed=st.integers(0, 2**16))
def test_winograd_f4_equals_torch(case, seed):
    """The larger tiles (fewer multiplications, larger constants) give the same numbers."""
    x, w, _, kw = make_case(dict(case, dtype=np.float64, bias=False), seed)
    out = conv_fast._conv2d_winograd(x, w, _geometry(x, w, kw), kw["groups"], m=4)
    np.testing.assert_allclose(out, torch_conv(F.conv2d, x, w, None, **kw), atol=1e-9)


def _torch_gradients(x, w, kw, seed):
    """A random output gradient g, and x and w as tensors holding PyTorch's gradients."""
    xt = torch.from_numpy(x).requires_grad_()
    wt = torch.from_numpy(w).requires_grad_()
    y = F.conv2d(xt, wt, **kw)
    g = _rng(seed + 1).standard_normal(tuple(y.shape))
    y.backward(torch.from_numpy(g))
    return g, xt, wt


@FEW
@given(case=conv2d_cases(row_stride1=True), seed=st.integers(0, 2**16),
       block=st.sampled_from([1, 1 << 20]))
def test_backward_kernel_rows_equals_torch(case, seed, block):
    """Both gradients through the columns of one kernel row, for any kernel, groups,
    dilation, padding and horizontal stride, one image per block or all in one."""
    x, w, _, kw = make_case(case, seed)
    g, xt, wt = _torch_gradients(x, w, kw, seed)
    saved = conv_fast._ROWS_BLOCK
    conv_fast._ROWS_BLOCK = block
    try:
        gx, gw = conv_fast._backward_kernel_rows(g, x, w, _geometry(x, w, kw), kw["groups"])
    finally:
        conv_fast._ROWS_BLOCK = saved
    np.testing.assert_allclose(gx, xt.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(gw, wt.grad.numpy(), atol=1e-10)


def test_backward_of_lenet_layers_in_float32_against_float64():
    """Both LeNet layers (tap by tap and by kernel rows): float32 gradients within 1e-5 of
    float64, relative to the largest entry."""
    rng = _rng(10)
    for xs, ws, p in (((8, 1, 28, 28), (6, 1, 5, 5), 2), ((8, 6, 14, 14), (16, 6, 5, 5), 0)):
        x = rng.standard_normal(xs, dtype=np.float32)
        w = rng.standard_normal(ws, dtype=np.float32)
        g = rng.standard_normal((xs[0], ws[0], xs[2] + 2 * p - 4, xs[3] + 2 * p - 4),
                                dtype=np.float32)
        exact = conv.conv2d_backward(*(a.astype(np.float64) for a in (g, x, w)), padding=p)
        for name, a, r in zip(("grad_x", "grad_weight", "grad_bias"),
                              conv.conv2d_backward(g, x, w, padding=p), exact, strict=True):
            assert a.dtype == np.float32, name
            err = np.abs(a - r).max() / np.abs(r).max()
            assert err <= 1e-5, (xs, name, err)


@FEW
@given(case=conv2d_cases(stride1=True), seed=st.integers(0, 2**16))
def test_backward_taps_equals_torch(case, seed):
    """Both gradients tap by tap on flat planes, for any kernel, dilation and padding."""
    x, w, _, kw = make_case(case, seed)
    g, xt, wt = _torch_gradients(x, w, kw, seed)
    gx, gw = conv_fast._backward_taps(g, x, w, _geometry(x, w, kw), kw["groups"])
    np.testing.assert_allclose(gx, xt.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(gw, wt.grad.numpy(), atol=1e-10)


@pytest.mark.parametrize(("x_shape", "w_shape", "kw"), [
    ((3, 6, 10, 10), (4, 6, 5, 5), {}),                       # columns of one kernel row
    ((2, 2, 6, 6), (3, 2, 3, 3), {"padding": 1}),             # tap by tap
    ((2, 32, 16, 16), (32, 32, 3, 3), {"padding": 1}),        # Winograd
    ((2, 3, 9, 9), (4, 3, 3, 3), {"stride": 2, "padding": 1}),  # the textbook route
], ids=["kernel rows", "taps", "winograd", "strided"])
def test_backward_without_input_grad(monkeypatch, x_shape, w_shape, kw):
    """input_grad=False returns None for grad_x, the same weight and bias gradients, and
    does fewer matrix products (the input gradient's are skipped, not thrown away)."""
    rng = _rng(11)
    x = rng.standard_normal(x_shape).astype(np.float32)
    w = rng.standard_normal(w_shape).astype(np.float32)
    g = rng.standard_normal(conv.conv2d(x, w, **kw).shape).astype(np.float32)
    products = []

    def counted(a, b, out=None):
        products.append(np.shape(a))
        return np.matmul(a, b, out=out)

    monkeypatch.setattr(conv_fast, "matmul", counted)
    monkeypatch.setattr(conv, "matmul", counted)
    gx, gw, gb = conv.conv2d_backward(g, x, w, **kw)
    with_x = len(products)
    products.clear()
    none, gw2, gb2 = conv.conv2d_backward(g, x, w, **kw, input_grad=False)
    assert none is None and gx.shape == x.shape
    np.testing.assert_array_equal(gw2, gw)
    np.testing.assert_array_equal(gb2, gb)
    assert 0 < len(products) < with_x, (len(products), with_x)
    assert conv.conv2d_backward(g[0], x[0], w, **kw, input_grad=False)[0] is None  # unbatched
    with pytest.raises(TypeError, match="input_grad"):
        conv.conv2d_backward(g, x, w, **kw, input_grad=0)
