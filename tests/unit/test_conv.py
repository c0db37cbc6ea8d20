"""Tests of helpers.conv against NumPy, SciPy and PyTorch, plus malformed inputs."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.signal
import torch
import torch.nn.functional as F
from conv_reference import make_case, tolerance, torch_conv
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import conv

SETTINGS = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FEW = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# The torch comparisons over random shapes are the slow ones: fewer, still a few hundred in all.
TORCH = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SIGNAL_MODES = ["full", "valid", "same", "circular"]


def _rng(seed):
    return np.random.default_rng(seed)


# --------------------------------------------------------------------------------------------
# Signal forms
# --------------------------------------------------------------------------------------------
@SETTINGS
@given(n=st.integers(1, 12), m=st.integers(1, 6), mode=st.sampled_from(["full", "valid", "same"]),
       seed=st.integers(0, 2**16))
def test_1d_forms_equal_numpy(n, m, mode, seed):
    rng = _rng(seed)
    x, w = rng.standard_normal(n), rng.standard_normal(m)
    if mode == "valid" and m > n:
        with pytest.raises(ValueError, match="w"):
            conv.correlate1d(x, w, mode)
        return
    if mode == "same" and m > n:  # NumPy swaps the roles; ours keeps the length of x
        assert conv.correlate1d(x, w, mode).shape == (n,)
        return
    np.testing.assert_allclose(conv.correlate1d(x, w, mode), np.correlate(x, w, mode),
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(conv.convolve1d(x, w, mode), np.convolve(x, w, mode),
                               rtol=1e-12, atol=1e-12)


@SETTINGS
@given(h=st.integers(1, 8), w=st.integers(1, 8), kh=st.integers(1, 4), kw=st.integers(1, 4),
       mode=st.sampled_from(SIGNAL_MODES), seed=st.integers(0, 2**16))
def test_2d_forms_equal_scipy(h, w, kh, kw, mode, seed):
    rng = _rng(seed)
    image, kernel = rng.standard_normal((h, w)), rng.standard_normal((kh, kw))
    if mode == "valid" and (kh > h or kw > w):
        with pytest.raises(ValueError, match="kernel"):
            conv.correlate2d(image, kernel, mode)
        return
    scipy_mode, boundary = ("same", "wrap") if mode == "circular" else (mode, "fill")
    if mode == "circular" and (kh > h or kw > w):
        return  # SciPy's wrap boundary does not repeat a signal shorter than the kernel
    ours = conv.convolve2d(image, kernel, mode)
    np.testing.assert_allclose(
        ours, scipy.signal.convolve2d(image, kernel, scipy_mode, boundary=boundary),
        rtol=1e-12, atol=1e-12)
    ours = conv.correlate2d(image, kernel, mode)
    if kh % 2 and kw % 2 or mode in ("full", "valid"):  # even kernels: see the next test
        np.testing.assert_allclose(
            ours, scipy.signal.correlate2d(image, kernel, scipy_mode, boundary=boundary),
            rtol=1e-12, atol=1e-12)


@SETTINGS
@given(h=st.integers(4, 8), w=st.integers(4, 8), kh=st.integers(1, 4), kw=st.integers(1, 4),
       mode=st.sampled_from(SIGNAL_MODES), seed=st.integers(0, 2**16))
def test_documented_even_kernel_convention(h, w, kh, kw, mode, seed):
    """correlate == convolve with the flipped kernel in every mode; "same" equals
    scipy.signal.correlate (NumPy's placement), for odd and even kernels alike."""
    rng = _rng(seed)
    image, kernel = rng.standard_normal((h, w)), rng.standard_normal((kh, kw))
    np.testing.assert_allclose(conv.correlate2d(image, kernel, mode),
                               conv.convolve2d(image, kernel[::-1, ::-1], mode), atol=1e-12)
    if mode == "same":
        np.testing.assert_allclose(conv.correlate2d(image, kernel, mode),
                                   scipy.signal.correlate(image, kernel, "same"), atol=1e-12)


def test_even_kernel_same_offset_is_documented():
    x = np.arange(1.0, 8.0)
    # numpy: output i = x[i - 1] * w[0] + x[i] * w[1] for m = 2
    assert conv.correlate1d(x, [1.0, 10.0], "same")[0] == 10.0
    np.testing.assert_array_equal(conv.correlate1d(x, [1.0, 10.0], "same"),
                                  np.correlate(x, [1.0, 10.0], "same"))


def test_lecture_example_circular_and_matrix():
    """Lecture 000: x = (1..5), w = (1, -2, 1); A(w) is banded; circular shift commutes."""
    x, w = np.arange(1.0, 6.0), np.array([1.0, -2.0, 1.0])
    w1, w2, w3 = w
    lecture_A = np.array([[w2, w3, 0, 0, 0], [w1, w2, w3, 0, 0], [0, w1, w2, w3, 0],
                          [0, 0, w1, w2, w3], [0, 0, 0, w1, w2]])
    np.testing.assert_array_equal(conv.conv_matrix(w, 5, "same"), lecture_A)
    y = conv.correlate1d(x, w, "circular")
    np.testing.assert_array_equal(y, [5.0, 0.0, 0.0, 0.0, -5.0])
    T = np.roll(x, -2)  # T(x) = (x3, x4, x5, x1, x2)
    np.testing.assert_array_equal(conv.correlate1d(T, w, "circular"), np.roll(y, -2))


@SETTINGS
@given(n=st.integers(1, 12), m=st.integers(1, 7), shift=st.integers(-15, 15),
       seed=st.integers(0, 2**16))
def test_circular_correlation_commutes_with_cyclic_shifts(n, m, shift, seed):
    rng = _rng(seed)  # integer-valued data: every sum is exact, so equality is exact
    x = rng.integers(-9, 10, n).astype(float)
    w = rng.integers(-9, 10, m).astype(float)
    np.testing.assert_array_equal(conv.correlate1d(np.roll(x, shift), w, "circular"),
                                  np.roll(conv.correlate1d(x, w, "circular"), shift))
    np.testing.assert_array_equal(conv.convolve1d(np.roll(x, shift), w, "circular"),
                                  np.roll(conv.convolve1d(x, w, "circular"), shift))


@SETTINGS
@given(h=st.integers(1, 7), w=st.integers(1, 7), k=st.integers(1, 4), s0=st.integers(-8, 8),
       s1=st.integers(-8, 8), seed=st.integers(0, 2**16))
def test_circular_2d_commutes_with_cyclic_shifts(h, w, k, s0, s1, seed):
    rng = _rng(seed)
    image = rng.integers(-9, 10, (h, w)).astype(float)
    kernel = rng.integers(-9, 10, (k, k + 1)).astype(float)
    shifted = np.roll(image, (s0, s1), axis=(0, 1))
    np.testing.assert_array_equal(
        conv.correlate2d(shifted, kernel, "circular"),
        np.roll(conv.correlate2d(image, kernel, "circular"), (s0, s1), axis=(0, 1)))


@SETTINGS
@given(n=st.integers(1, 10), m=st.integers(1, 6), mode=st.sampled_from(SIGNAL_MODES),
       seed=st.integers(0, 2**16))
def test_conv_matrix_times_x_is_the_correlation(n, m, mode, seed):
    rng = _rng(seed)
    x, w = rng.standard_normal(n), rng.standard_normal(m)
    if mode == "valid" and m > n:
        with pytest.raises(ValueError, match="w"):
            conv.conv_matrix(w, n, mode)
        return
    A = conv.conv_matrix(w, n, mode)
    np.testing.assert_allclose(A @ x, conv.correlate1d(x, w, mode), atol=1e-12)
    if mode != "circular" or m <= n:  # each row holds the m weights once (mod wrap-around)
        assert np.count_nonzero(A) <= A.shape[0] * m


@SETTINGS
@given(h=st.integers(1, 6), w=st.integers(1, 6), kh=st.integers(1, 3), kw=st.integers(1, 3),
       mode=st.sampled_from(SIGNAL_MODES), seed=st.integers(0, 2**16))
def test_conv_matrix2d_times_image_is_the_correlation(h, w, kh, kw, mode, seed):
    rng = _rng(seed)
    image, kernel = rng.standard_normal((h, w)), rng.standard_normal((kh, kw))
    if mode == "valid" and (kh > h or kw > w):
        return
    A = conv.conv_matrix2d(kernel, (h, w), mode)
    np.testing.assert_allclose(A @ image.ravel(), conv.correlate2d(image, kernel, mode).ravel(),
                               atol=1e-12)


def test_signal_dtypes():
    x32, w32 = np.ones(5, np.float32), np.ones(3, np.float32)
    assert conv.correlate1d(x32, w32).dtype == np.float32
    assert conv.correlate1d(x32, w32.astype(np.float64)).dtype == np.float64
    assert conv.convolve1d([1, 2, 3], [1, 1]).dtype == np.float64
    assert conv.correlate2d(np.ones((3, 3), np.float32), np.ones((2, 2), np.float32)).dtype \
        == np.float32


# --------------------------------------------------------------------------------------------
# conv2d / conv1d against torch.nn.functional
# --------------------------------------------------------------------------------------------
@st.composite
def conv2d_cases(draw, max_size=8):
    groups = draw(st.integers(1, 3))
    c_in, c_out = groups * draw(st.integers(1, 3)), groups * draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    kind = draw(st.sampled_from(["int", "pair", "valid", "same"]))
    if kind == "same" and stride != (1, 1):
        kind = "pair"
    padding = {"int": draw(st.integers(0, 2)), "pair": (draw(st.integers(0, 2)),
               draw(st.integers(0, 2))), "valid": "valid", "same": "same"}[kind]
    pads = (0, 0) if isinstance(padding, str) else np.broadcast_to(padding, 2)
    reach = [d * (k - 1) + 1 for d, k in zip(dilation, (kh, kw), strict=True)]
    h = max(1, reach[0] - 2 * int(pads[0]) + draw(st.integers(0, max_size - 3)))
    w = max(1, reach[1] - 2 * int(pads[1]) + draw(st.integers(0, max_size - 3)))
    n = draw(st.integers(1, 2))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    bias = draw(st.booleans())
    return dict(x=(n, c_in, h, w), w=(c_out, c_in // groups, kh, kw), stride=stride,
                padding=padding, dilation=dilation, groups=groups, dtype=dtype, bias=bias)


@TORCH
@given(case=conv2d_cases(), seed=st.integers(0, 2**16),
       method=st.sampled_from(["loops", "im2col", "fft", "auto"]))
def test_conv2d_methods_equal_torch(case, seed, method):
    x, w, b, kw = make_case(case, seed)
    expected = torch_conv(F.conv2d, x, w, b, **kw)
    out = conv.conv2d(x, w, b, method=method, **kw)
    assert out.shape == expected.shape
    assert out.dtype == case["dtype"]
    k = case["w"][1] * case["w"][2] * case["w"][3]
    np.testing.assert_allclose(out, expected, rtol=0, atol=tolerance(case["dtype"], k, x, w) + (
        0 if b is None else 1e-6 * np.abs(b).max()))


@SETTINGS
@given(case=conv2d_cases(max_size=7), seed=st.integers(0, 2**16))
def test_conv2d_methods_equal_each_other(case, seed):
    case = dict(case, dtype=np.float64)
    x, w, b, kw = make_case(case, seed)
    reference = conv.conv2d(x, w, b, method="loops", **kw)
    for method in ("im2col", "fft", "auto"):
        np.testing.assert_allclose(conv.conv2d(x, w, b, method=method, **kw), reference,
                                   rtol=1e-10, atol=1e-10)


@TORCH
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_conv1d_equals_torch(data, seed):
    groups = data.draw(st.integers(1, 3))
    c_in, c_out = groups * data.draw(st.integers(1, 3)), groups * data.draw(st.integers(1, 3))
    k, stride, dilation = (data.draw(st.integers(1, 5)), data.draw(st.integers(1, 3)),
                           data.draw(st.integers(1, 3)))
    padding = data.draw(st.sampled_from([0, 1, 2, (1,), "valid"] + (["same"] if stride == 1
                                                                     else [])))
    p = 0 if isinstance(padding, str) else np.ravel(padding)[0]
    length = max(1, dilation * (k - 1) + 1 - 2 * int(p) + data.draw(st.integers(0, 8)))
    dtype = data.draw(st.sampled_from([np.float32, np.float64]))
    method = data.draw(st.sampled_from(["loops", "im2col", "fft", "auto"]))
    rng = _rng(seed)
    x = rng.standard_normal((data.draw(st.integers(1, 2)), c_in, length)).astype(dtype)
    w = rng.standard_normal((c_out, c_in // groups, k)).astype(dtype)
    b = rng.standard_normal(c_out).astype(dtype)
    kw = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    expected = torch_conv(F.conv1d, x, w, b, **kw)
    out = conv.conv1d(x, w, b, method=method, **kw)
    assert out.shape == expected.shape and out.dtype == dtype
    atol = tolerance(dtype, k * c_in // groups, x, w) + 1e-6 * abs(b).max()
    np.testing.assert_allclose(out, expected, rtol=0, atol=atol)


def test_unbatched_input_like_torch():
    rng = _rng(1)
    x, w = rng.standard_normal((3, 7, 6)), rng.standard_normal((4, 3, 3, 2))
    expected = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), padding=1).numpy()
    out = conv.conv2d(x, w, padding=1)
    assert out.shape == expected.shape == (4, 7, 7)
    np.testing.assert_allclose(out, expected, atol=1e-12)
    x1, w1 = rng.standard_normal((3, 9)), rng.standard_normal((2, 3, 4))
    np.testing.assert_allclose(conv.conv1d(x1, w1, padding="same"),
                               torch_conv(F.conv1d, x1, w1, None, padding="same"), atol=1e-12)


def test_integer_input_becomes_float64():
    out = conv.conv2d(np.ones((1, 1, 4, 4), int), np.ones((1, 1, 2, 2), int))
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, np.full((1, 1, 3, 3), 4.0))


def test_alexnet_output_size_from_the_lecture():
    assert conv.conv_output_size(227, 11, stride=4) == 55
    assert conv.conv_output_size(7, 3, stride=2) == 3
    assert conv.conv_output_size(7, 3, stride=1, padding=1) == 7


# --------------------------------------------------------------------------------------------
# Backward
# --------------------------------------------------------------------------------------------
@TORCH
@given(case=conv2d_cases(max_size=7), seed=st.integers(0, 2**16))
def test_backward_equals_torch_autograd(case, seed):
    x, w, _, kw = make_case(dict(case, dtype=np.float64), seed)
    xt = torch.from_numpy(x).requires_grad_()
    wt = torch.from_numpy(w).requires_grad_()
    bt = torch.zeros(w.shape[0], dtype=torch.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y = F.conv2d(xt, wt, bt, **kw)
    g = _rng(seed + 1).standard_normal(tuple(y.shape))
    y.backward(torch.from_numpy(g))
    gx, gw, gb = conv.conv2d_backward(g, x, w, **kw)
    np.testing.assert_allclose(gx, xt.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(gw, wt.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(gb, bt.grad.numpy(), atol=1e-10)


@pytest.mark.parametrize("kw", [dict(), dict(stride=2, padding=1), dict(dilation=2, groups=2),
                                dict(padding="same", groups=2)])
def test_backward_numeric_gradient(kw):
    rng = _rng(5)
    x = rng.standard_normal((2, 2, 5, 6))
    w = rng.standard_normal((4, 2 // kw.get("groups", 1), 2, 3))
    b = rng.standard_normal(4)
    g = rng.standard_normal(conv.conv2d(x, w, b, **kw).shape)

    def loss(x_, w_, b_):
        return float(np.sum(conv.conv2d(x_, w_, b_, **kw) * g))

    gx, gw, gb = conv.conv2d_backward(g, x, w, **kw)
    eps = 1e-6
    for arr, grad, pos in ((x, gx, 0), (w, gw, 1), (b, gb, 2)):
        numeric = np.zeros_like(arr)
        for idx in np.ndindex(arr.shape):
            args_plus = [x.copy(), w.copy(), b.copy()]
            args_minus = [x.copy(), w.copy(), b.copy()]
            args_plus[pos][idx] += eps
            args_minus[pos][idx] -= eps
            numeric[idx] = (loss(*args_plus) - loss(*args_minus)) / (2 * eps)
        np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-6)


def test_backward_unbatched():
    rng = _rng(7)
    x, w = rng.standard_normal((2, 5, 5)), rng.standard_normal((3, 2, 3, 3))
    g = rng.standard_normal((3, 3, 3))
    gx, gw, gb = conv.conv2d_backward(g, x, w)
    gx4, gw4, gb4 = conv.conv2d_backward(g[None], x[None], w)
    assert gx.shape == x.shape
    np.testing.assert_allclose(gx, gx4[0])
    np.testing.assert_allclose(gw, gw4)


# --------------------------------------------------------------------------------------------
# im2col / col2im
# --------------------------------------------------------------------------------------------
@SETTINGS
@given(case=conv2d_cases(max_size=7), seed=st.integers(0, 2**16))
def test_im2col_col2im_are_adjoint(case, seed):
    if isinstance(case["padding"], str):
        case = dict(case, padding=0)
    rng = _rng(seed)
    x = rng.standard_normal(case["x"])
    k = case["w"][2:]
    kw = dict(stride=case["stride"], padding=case["padding"], dilation=case["dilation"])
    cols = conv.im2col(x, k, **kw)
    c = rng.standard_normal(cols.shape)
    back = conv.col2im(c, x.shape, k, **kw)
    assert back.shape == x.shape
    np.testing.assert_allclose(np.sum(cols * c), np.sum(x * back), rtol=1e-10, atol=1e-10)


@FEW
@given(case=conv2d_cases(max_size=7), seed=st.integers(0, 2**16))
def test_im2col_gemm_is_the_convolution(case, seed):
    if isinstance(case["padding"], str):
        case = dict(case, padding=0)
    case = dict(case, groups=1, w=(case["w"][0], case["x"][1], *case["w"][2:]))
    x, w, _, kw = make_case(dict(case, dtype=np.float64, bias=False), seed)
    kw.pop("groups")
    cols = conv.im2col(x, w.shape[2:], **kw)
    out = w.reshape(w.shape[0], -1) @ cols
    expected = torch_conv(F.conv2d, x, w, None, **kw)
    np.testing.assert_allclose(out.reshape(expected.shape), expected, atol=1e-10)


def test_col2im_counts_window_overlaps():
    counts = conv.col2im(np.ones((1, 9, 4)), (1, 1, 4, 4), 3)[0, 0]
    expected = conv.correlate2d(np.ones((2, 2)), np.ones((3, 3)), "full")
    np.testing.assert_array_equal(counts, expected)


# --------------------------------------------------------------------------------------------
# Bad input: every public function names the argument and what it expected
# --------------------------------------------------------------------------------------------
X4, W4 = np.ones((1, 2, 5, 5)), np.ones((3, 2, 3, 3))
X3, W3 = np.ones((1, 2, 7)), np.ones((3, 2, 3))
G4 = np.ones((1, 3, 3, 3))

BAD_CALLS = [
    # wrong number of dimensions
    (ValueError, "x must be", lambda: conv.correlate1d(np.ones((2, 2)), [1.0])),
    (ValueError, "w must be", lambda: conv.convolve1d([1.0, 2.0], np.ones((1, 1)))),
    (ValueError, "image must be", lambda: conv.correlate2d(np.ones(3), np.ones((1, 1)))),
    (ValueError, "kernel must be", lambda: conv.convolve2d(np.ones((3, 3)), np.ones(3))),
    (ValueError, "w must be", lambda: conv.conv_matrix(np.ones((2, 2)), 4)),
    (ValueError, "kernel must be", lambda: conv.conv_matrix2d(np.ones(3), (4, 4))),
    (ValueError, "x must be", lambda: conv.conv2d(np.ones((5, 5)), W4)),
    (ValueError, "weight must be", lambda: conv.conv2d(X4, np.ones((3, 2, 3)))),
    (ValueError, "x must be", lambda: conv.conv1d(np.ones(7), W3)),
    (ValueError, "weight must be", lambda: conv.conv1d(X3, W4)),
    (ValueError, "grad_out must", lambda: conv.conv2d_backward(np.ones((1, 3, 3)), X4, W4)),
    (ValueError, "grad_out must", lambda: conv.conv2d_backward(np.ones((1, 3, 4, 4)), X4, W4)),
    (ValueError, "x must be", lambda: conv.im2col(np.ones((2, 5, 5)), 3)),
    (ValueError, "cols must", lambda: conv.col2im(np.ones((1, 18)), (1, 2, 5, 5), 3)),
    (ValueError, "cols must", lambda: conv.col2im(np.ones((1, 18, 8)), (1, 2, 5, 5), 3)),
    (ValueError, "bias must", lambda: conv.conv2d(X4, W4, bias=np.ones(2))),
    # channel mismatch
    (ValueError, "channel mismatch", lambda: conv.conv2d(np.ones((1, 3, 5, 5)), W4)),
    (ValueError, "channel mismatch", lambda: conv.conv1d(np.ones((1, 4, 7)), W3)),
    (ValueError, "channel mismatch", lambda: conv.conv2d_backward(G4, np.ones((1, 1, 5, 5)),
                                                                  W4)),
    # groups not dividing the channels
    (ValueError, "groups", lambda: conv.conv2d(X4, np.ones((3, 1, 3, 3)), groups=2)),
    (ValueError, "groups", lambda: conv.conv1d(np.ones((1, 3, 7)), np.ones((4, 1, 3)),
                                               groups=2)),
    (ValueError, "groups", lambda: conv.conv2d_backward(G4, X4, np.ones((3, 1, 3, 3)),
                                                        groups=2)),
    (ValueError, "groups", lambda: conv.conv2d(X4, W4, groups=0)),
    (TypeError, "groups", lambda: conv.conv2d(X4, W4, groups=1.5)),
    # kernel larger than the padded input
    (ValueError, "larger than the padded input", lambda: conv.conv2d(np.ones((1, 2, 2, 2)), W4)),
    (ValueError, "larger than the padded input",
     lambda: conv.conv2d(np.ones((1, 2, 4, 4)), W4, dilation=2)),
    (ValueError, "larger than the padded input", lambda: conv.conv1d(np.ones((1, 2, 2)), W3)),
    (ValueError, "larger than the padded input",
     lambda: conv.conv2d_backward(G4, np.ones((1, 2, 2, 2)), W4)),
    (ValueError, "kernel_size", lambda: conv.im2col(np.ones((1, 1, 2, 2)), 3)),
    (ValueError, "kernel_size", lambda: conv.col2im(np.ones((1, 9, 1)), (1, 1, 2, 2), 3)),
    (ValueError, "kernel_size", lambda: conv.conv_output_size(2, 3)),
    (ValueError, "w has length", lambda: conv.correlate1d([1.0, 2.0], [1.0, 2.0, 3.0], "valid")),
    (ValueError, "kernel has length",
     lambda: conv.correlate2d(np.ones((2, 2)), np.ones((3, 1)), "valid")),
    (ValueError, "w has length", lambda: conv.conv_matrix([1.0, 2.0, 3.0], 2, "valid")),
    # stride / dilation < 1
    (ValueError, "stride", lambda: conv.conv2d(X4, W4, stride=0)),
    (ValueError, "stride", lambda: conv.conv2d(X4, W4, stride=(1, 0))),
    (ValueError, "dilation", lambda: conv.conv2d(X4, W4, dilation=0)),
    (ValueError, "stride", lambda: conv.conv1d(X3, W3, stride=-1)),
    (ValueError, "dilation", lambda: conv.conv1d(X3, W3, dilation=(0,))),
    (ValueError, "stride", lambda: conv.conv2d_backward(G4, X4, W4, stride=0)),
    (ValueError, "stride", lambda: conv.im2col(X4, 3, stride=0)),
    (ValueError, "dilation", lambda: conv.col2im(np.ones((1, 18, 9)), (1, 2, 5, 5), 3,
                                                 dilation=0)),
    (TypeError, "stride", lambda: conv.conv2d(X4, W4, stride=1.0)),
    (ValueError, "stride", lambda: conv.conv2d(X4, W4, stride=(1, 1, 1))),
    # negative padding, bad padding strings
    (ValueError, "padding", lambda: conv.conv2d(X4, W4, padding=-1)),
    (ValueError, "padding", lambda: conv.conv2d(X4, W4, padding=(0, -2))),
    (ValueError, "padding", lambda: conv.conv1d(X3, W3, padding=-1)),
    (ValueError, "padding", lambda: conv.conv2d_backward(G4, X4, W4, padding=-1)),
    (ValueError, "padding", lambda: conv.im2col(X4, 3, padding=-1)),
    (ValueError, "padding", lambda: conv.conv2d(X4, W4, padding="full")),
    (ValueError, "padding='same'", lambda: conv.conv2d(X4, W4, padding="same", stride=2)),
    (ValueError, "padding='same'", lambda: conv.conv1d(X3, W3, padding="same", stride=2)),
    (TypeError, "padding", lambda: conv.conv2d(X4, W4, padding=None)),
    # unknown mode / method
    (ValueError, "mode", lambda: conv.correlate1d([1.0], [1.0], "reflect")),
    (ValueError, "mode", lambda: conv.convolve1d([1.0], [1.0], "wrap")),
    (ValueError, "mode", lambda: conv.correlate2d(np.ones((2, 2)), np.ones((1, 1)), "nearest")),
    (ValueError, "mode", lambda: conv.convolve2d(np.ones((2, 2)), np.ones((1, 1)), "")),
    (ValueError, "mode", lambda: conv.conv_matrix([1.0], 3, "periodic")),
    (ValueError, "mode", lambda: conv.conv_matrix2d(np.ones((1, 1)), (3, 3), "periodic")),
    (ValueError, "method", lambda: conv.conv2d(X4, W4, method="direct")),
    (ValueError, "method", lambda: conv.conv1d(X3, W3, method="winograd")),
    # non-numeric or complex dtype
    (TypeError, "x must be real", lambda: conv.correlate1d(np.ones(3) * 1j, [1.0])),
    (TypeError, "w must be a real", lambda: conv.convolve1d([1.0], ["a"])),
    (TypeError, "image must be real", lambda: conv.correlate2d(np.ones((2, 2), complex),
                                                               np.ones((1, 1)))),
    (TypeError, "kernel must be a real", lambda: conv.convolve2d(np.ones((2, 2)),
                                                                 np.array([[None]]))),
    (TypeError, "w must be real", lambda: conv.conv_matrix(np.ones(2, complex), 3)),
    (TypeError, "kernel must be", lambda: conv.conv_matrix2d(np.array([["x"]]), (2, 2))),
    (TypeError, "x must be real", lambda: conv.conv2d(X4.astype(complex), W4)),
    (TypeError, "weight must be a real", lambda: conv.conv2d(X4, W4.astype(str))),
    (TypeError, "bias must be real", lambda: conv.conv2d(X4, W4, bias=np.ones(3, complex))),
    (TypeError, "x must be real", lambda: conv.conv1d(X3.astype(complex), W3)),
    (TypeError, "grad_out must be real",
     lambda: conv.conv2d_backward(G4.astype(complex), X4, W4)),
    (TypeError, "x must be", lambda: conv.im2col(np.full((1, 1, 3, 3), "a"), 2)),
    (TypeError, "cols must be real", lambda: conv.col2im(np.ones((1, 4, 4), complex),
                                                         (1, 1, 3, 3), 2)),
    (TypeError, "x must be a NumPy array", lambda: conv.conv2d(torch.ones(1, 2, 5, 5), W4)),
    (TypeError, "n must be an int", lambda: conv.conv_matrix([1.0], 3.0)),
    (ValueError, "n must be", lambda: conv.conv_matrix([1.0], 0)),
]


@pytest.mark.parametrize("error, message, call", BAD_CALLS,
                         ids=[f"{i}-{m}" for i, (_, m, _) in enumerate(BAD_CALLS)])
def test_bad_input_raises_a_named_error(error, message, call):
    with pytest.raises(error, match=message.replace("(", r"\(").replace("[", r"\[")):
        call()


def test_empty_input_is_rejected():
    with pytest.raises(ValueError, match="x must not be empty"):
        conv.correlate1d(np.ones(0), [1.0])


def test_im2col_col2im_match_torch_unfold_fold():
    rng = _rng(11)
    x = rng.standard_normal((2, 3, 7, 8))
    kw = dict(kernel_size=(2, 3), stride=(2, 1), padding=(1, 0), dilation=(1, 2))
    cols = conv.im2col(x, **kw)
    np.testing.assert_allclose(cols, F.unfold(torch.from_numpy(x), **kw).numpy(), atol=1e-12)
    c = rng.standard_normal(cols.shape)
    expected = F.fold(torch.from_numpy(c), output_size=(7, 8), **kw).numpy()
    np.testing.assert_allclose(conv.col2im(c, (7, 8), **kw), expected, atol=1e-12)
    np.testing.assert_allclose(conv.col2im(c, x.shape, **kw), expected, atol=1e-12)
