"""Tests of helpers.pool: NumPy pooling against PyTorch (forward, indices and backward)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import pool

DTYPES = [np.float32, np.float64]
TOL = {np.float32: {"rtol": 1e-5, "atol": 1e-5}, np.float64: {"rtol": 1e-10, "atol": 1e-12}}


def close(actual, expected, dtype):
    np.testing.assert_allclose(actual, np.asarray(expected), **TOL[dtype])


# --------------------------------------------------------------------------- strategies
@st.composite
def pool_cases(draw, dilation: bool = True, padding: bool = True):
    """A valid pooling geometry and an input big enough for it (batched or not)."""
    dtype = draw(st.sampled_from(DTYPES))
    square = draw(st.booleans())  # an int kernel_size means a square window
    kernel, stride, pad, dil, size = [], [], [], [], []
    for axis in range(2):
        k = kernel[0] if square and axis else draw(st.integers(1, 4))
        p = draw(st.integers(0, k // 2)) if padding else 0
        d = draw(st.integers(1, 3)) if dilation else 1
        kernel.append(k)
        stride.append(draw(st.integers(1, 3)))
        pad.append(p)
        dil.append(d)
        size.append(draw(st.integers(max(1, d * (k - 1) + 1 - 2 * p), 11)))
    case = {"dtype": dtype, "batched": draw(st.booleans())}
    case["kernel_size"] = kernel[0] if square else tuple(kernel)
    case["stride"] = draw(st.sampled_from([None, tuple(stride)]))
    case["padding"] = tuple(pad)
    if dilation:
        case["dilation"] = tuple(dil)
    case["ceil_mode"] = draw(st.booleans())
    shape = (draw(st.integers(1, 3)), draw(st.integers(1, 3)), *size)
    seed = draw(st.integers(0, 2**32 - 1))
    x = np.random.default_rng(seed).normal(size=shape).astype(dtype)
    case["x"] = x if case["batched"] else x[0]
    return case


def split(case):
    x, dtype = case["x"], case["dtype"]
    kwargs = {k: v for k, v in case.items() if k not in ("x", "dtype", "batched")}
    return x, dtype, kwargs


def torch_forward_backward(fn, x, grad_seed, **kwargs):
    """Run a torch pooling with autograd; return (output, grad_out, grad_x) as arrays."""
    t = torch.from_numpy(x).requires_grad_()
    out = fn(t, **kwargs)
    out, indices = out if isinstance(out, tuple) else (out, None)
    g = np.random.default_rng(grad_seed).normal(size=out.shape).astype(x.dtype)
    if indices is not None and indices.numel() and indices.max() >= x.shape[-1] * x.shape[-2]:
        # a window of padding only (dilation > padding) whose index lies past the plane:
        # torch's backward would write outside the input, so there is no gradient to compare
        return out.detach().numpy(), indices, g, None
    out.backward(torch.from_numpy(g))
    return out.detach().numpy(), indices, g, t.grad.numpy()


# --------------------------------------------------------------------------- max pooling
@settings(max_examples=300, deadline=None)
@given(pool_cases())
def test_max_pool2d_equals_torch_forward_indices_backward(case):
    x, dtype, kwargs = split(case)
    expected, expected_idx, g, expected_grad = torch_forward_backward(
        F.max_pool2d, x, 1, return_indices=True, **kwargs
    )
    out, idx = pool.max_pool2d(x, return_indices=True, **kwargs)
    assert out.dtype == dtype and out.shape == expected.shape
    close(out, expected, dtype)
    np.testing.assert_array_equal(idx, expected_idx.numpy())
    close(pool.max_pool2d(x, **kwargs), expected, dtype)  # the path without indices
    grad = pool.max_pool2d_backward(g, x, **kwargs)
    assert grad.dtype == dtype and grad.shape == x.shape
    # the indices of the forward pass send the gradients to the same pixels
    np.testing.assert_array_equal(pool.max_pool2d_backward(g, x, indices=idx, **kwargs), grad)
    if expected_grad is not None:
        close(grad, expected_grad, dtype)


@settings(max_examples=100, deadline=None)
@given(pool_cases(), st.integers(0, 2))
def test_max_pool2d_ties_go_to_the_first_maximum_like_torch(case, top):
    """Inputs with many equal values: indices and gradients follow torch's first-maximum rule."""
    x, dtype, kwargs = split(case)
    x = np.minimum(np.round(x), top).astype(dtype)  # few distinct values, lots of ties
    expected, expected_idx, g, expected_grad = torch_forward_backward(
        F.max_pool2d, x, 2, return_indices=True, **kwargs
    )
    out, idx = pool.max_pool2d(x, return_indices=True, **kwargs)
    close(out, expected, dtype)
    np.testing.assert_array_equal(idx, expected_idx.numpy())
    if expected_grad is not None:
        close(pool.max_pool2d_backward(g, x, **kwargs), expected_grad, dtype)
        close(pool.max_pool2d_backward(g, x, indices=idx, **kwargs), expected_grad, dtype)


@pytest.mark.parametrize("kwargs", [{"kernel_size": 2}, {"kernel_size": 3, "stride": 1},
                                    {"kernel_size": 3, "stride": 2, "padding": 1}],
                         ids=["2x2 disjoint", "3x3 overlapping", "3x3 padded"])
def test_max_pool2d_backward_with_indices_does_not_look_for_the_winners(monkeypatch, kwargs):
    """With the forward pass's indices the backward pass only scatters: it never runs the
    tap loop again, and gives PyTorch's gradient (ReLU-like input: many tied zeros)."""
    x = np.maximum(np.random.default_rng(5).normal(size=(2, 3, 8, 8)), 0).astype(np.float32)
    out, idx = pool.max_pool2d(x, return_indices=True, **kwargs)
    g = np.random.default_rng(6).normal(size=out.shape).astype(np.float32)
    _, _, _, expected = torch_forward_backward(F.max_pool2d, x, 6, **kwargs)

    def no_search(*args, **kw):
        raise AssertionError("the winners were looked for again")

    monkeypatch.setattr(pool, "_max_pool_taps", no_search)
    grad = pool.max_pool2d_backward(g, x, indices=idx, **kwargs)
    assert grad.dtype == np.float32
    close(grad, expected, np.float32)
    unbatched = pool.max_pool2d_backward(g[0], x[0], indices=idx[0], **kwargs)
    np.testing.assert_array_equal(unbatched, grad[0])


def test_max_pool2d_all_minus_inf_window_points_at_a_real_pixel():
    x = np.full((1, 1, 1, 4), -np.inf)
    out, idx = pool.max_pool2d(x, (1, 2), stride=1, padding=(0, 1), return_indices=True)
    _, expected = F.max_pool2d(torch.from_numpy(x), (1, 2), 1, (0, 1), return_indices=True)
    np.testing.assert_array_equal(idx, expected.numpy())
    assert np.all(out == -np.inf)


def test_max_pool2d_propagates_nan_like_torch():
    x = np.random.default_rng(3).normal(size=(2, 3, 6, 6))
    x[x > 1.0] = np.nan
    kwargs = {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}
    out, idx = pool.max_pool2d(x, return_indices=True, **kwargs)
    expected, expected_idx = F.max_pool2d(torch.from_numpy(x), return_indices=True, **kwargs)
    np.testing.assert_array_equal(out, expected.numpy())  # NaN where torch has NaN
    np.testing.assert_array_equal(idx, expected_idx.numpy())
    np.testing.assert_array_equal(pool.max_pool2d(x, **kwargs), out)


@settings(max_examples=150, deadline=None)
@given(pool_cases(padding=False))
def test_fast_path_equals_windowed_reference(case):
    """Without padding max_pool2d takes the strided-slice fast path; the windows agree."""
    x, dtype, kwargs = split(case)
    fast = pool.max_pool2d(x, **kwargs)
    reference, _ = pool.max_pool2d(x, return_indices=True, **kwargs)
    np.testing.assert_array_equal(fast, reference)


def test_max_pool2d_2x2_example_from_the_lectures():
    """Max pooling with stride 2 keeps the largest of each 2x2 block."""
    x = np.array([[1.0, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]])
    np.testing.assert_array_equal(pool.max_pool2d(x[None], 2)[0], [[6, 8], [3, 4]])


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 4).flatmap(
        lambda k: st.tuples(
            st.just(k), st.one_of(st.none(), st.integers(1, 3)), st.integers(0, k // 2),
            st.integers(1, 3), st.booleans(),
        )
    ),
    st.sampled_from(DTYPES),
    st.integers(0, 12),
    st.booleans(),
)
def test_max_pool1d_equals_torch(geometry, dtype, extra, batched):
    kernel, stride, padding, dilation, ceil_mode = geometry
    length = max(1, dilation * (kernel - 1) + 1 - 2 * padding) + extra
    x = np.random.default_rng(extra).normal(size=(2, 3, length)).astype(dtype)
    x = x if batched else x[0]
    kwargs = {"kernel_size": kernel, "stride": stride, "padding": padding,
              "dilation": dilation, "ceil_mode": ceil_mode}
    expected, expected_idx = F.max_pool1d(torch.from_numpy(x), return_indices=True, **kwargs)
    out, idx = pool.max_pool1d(x, return_indices=True, **kwargs)
    assert out.dtype == dtype and out.shape == tuple(expected.shape)
    close(out, expected, dtype)
    np.testing.assert_array_equal(idx, expected_idx.numpy())
    close(pool.max_pool1d(x, **kwargs), expected, dtype)


# --------------------------------------------------------------------------- average pooling
@settings(max_examples=300, deadline=None)
@given(
    pool_cases(dilation=False),
    st.booleans(),
    st.one_of(st.none(), st.integers(-3, 6).filter(bool)),
)
def test_avg_pool2d_equals_torch_forward_backward(case, count_include_pad, divisor_override):
    x, dtype, kwargs = split(case)
    kwargs.update(count_include_pad=count_include_pad, divisor_override=divisor_override)
    expected, _, g, expected_grad = torch_forward_backward(F.avg_pool2d, x, 4, **kwargs)
    out = pool.avg_pool2d(x, **kwargs)
    assert out.dtype == dtype and out.shape == expected.shape
    close(out, expected, dtype)
    grad = pool.avg_pool2d_backward(g, x, **kwargs)
    assert grad.dtype == dtype and grad.shape == x.shape
    close(grad, expected_grad, dtype)


def test_avg_pool2d_count_include_pad_changes_only_border_windows():
    x = np.ones((1, 1, 4, 4))
    with_pad = pool.avg_pool2d(x, 3, stride=1, padding=1)
    without = pool.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)
    np.testing.assert_allclose(without, 1.0)  # a constant image stays constant
    assert with_pad[0, 0, 0, 0] == pytest.approx(4 / 9)  # corner: 4 real pixels of 9
    assert with_pad[0, 0, 1, 1] == pytest.approx(1.0)


# --------------------------------------------------------------------------- Lp pooling
@settings(max_examples=200, deadline=None)
@given(
    pool_cases(dilation=False, padding=False),
    st.sampled_from([1, 2, 3, 1.5, 0.5, -1, math.inf, -math.inf]),
    st.booleans(),
)
def test_lp_pool2d_equals_torch(case, norm_type, positive):
    x, dtype, kwargs = split(case)
    kwargs.pop("padding")
    if positive:
        x = np.abs(x) + dtype(0.1)
    expected = F.lp_pool2d(torch.from_numpy(x), norm_type, **kwargs).numpy()
    out = pool.lp_pool2d(x, norm_type, **kwargs)
    assert out.dtype == dtype and out.shape == expected.shape
    np.testing.assert_allclose(out, expected, equal_nan=True, rtol=1e-4, atol=1e-5)


def test_lp_pool2d_between_average_and_max():
    """p = 1 is the window sum, p = 2 the Euclidean norm, large p tends to the max."""
    x = np.random.default_rng(0).uniform(0.1, 1.0, size=(2, 3, 6, 6))
    np.testing.assert_allclose(pool.lp_pool2d(x, 1, 2), 4 * pool.avg_pool2d(x, 2))
    np.testing.assert_allclose(pool.lp_pool2d(np.array([[[3.0, 4.0]]]), 2, (1, 2)), [[[5.0]]])
    np.testing.assert_allclose(pool.lp_pool2d(x, 200, 2), pool.max_pool2d(x, 2), rtol=1e-2)


# --------------------------------------------------------------------------- global pooling
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("keepdim", [False, True])
def test_global_pooling_equals_torch(dtype, keepdim):
    x = np.random.default_rng(5).normal(size=(4, 3, 5, 7)).astype(dtype)
    t = torch.from_numpy(x)
    avg = pool.global_avg_pool2d(x, keepdim=keepdim)
    mx = pool.global_max_pool2d(x, keepdim=keepdim)
    expected_avg = F.adaptive_avg_pool2d(t, 1)
    expected_max = F.adaptive_max_pool2d(t, 1)
    if not keepdim:
        expected_avg, expected_max = expected_avg.flatten(1), expected_max.flatten(1)
    assert avg.shape == tuple(expected_avg.shape) and avg.dtype == dtype
    close(avg, expected_avg, dtype)
    close(mx, expected_max, dtype)
    assert pool.global_avg_pool2d(x[0], keepdim=keepdim).shape == avg.shape[1:]


# --------------------------------------------------------------------------- blur pooling
PASCAL = [[1], [1, 1], [1, 2, 1], [1, 3, 3, 1], [1, 4, 6, 4, 1], [1, 5, 10, 10, 5, 1],
          [1, 6, 15, 20, 15, 6, 1]]


@pytest.mark.parametrize("filt_size", range(1, 8))
def test_binomial_filter_values(filt_size):
    row = np.array(PASCAL[filt_size - 1], dtype=float)
    filt = pool.binomial_filter(filt_size)
    assert filt.shape == (filt_size, filt_size)
    np.testing.assert_allclose(filt, np.outer(row, row) / row.sum() ** 2)
    assert filt.sum() == pytest.approx(1.0)


def reference_blur_pool(x: np.ndarray, filt_size: int, stride: int, pad_mode: str) -> np.ndarray:
    """Zhang's BlurPool (antialiased-cnns) restated with torch: pad, depthwise strided conv."""
    t = torch.from_numpy(x)
    t = t[None] if t.dim() == 3 else t
    lo, hi = (filt_size - 1) // 2, math.ceil((filt_size - 1) / 2)
    mode = {"reflect": "reflect", "replicate": "replicate", "zero": "constant"}[pad_mode]
    t = F.pad(t, (lo, hi, lo, hi), mode=mode)
    if filt_size == 1:
        out = t[:, :, ::stride, ::stride]
    else:
        row = torch.tensor(PASCAL[filt_size - 1], dtype=t.dtype)
        filt = torch.outer(row, row) / row.sum() ** 2
        filt = filt[None, None].repeat(t.shape[1], 1, 1, 1)
        out = F.conv2d(t, filt, stride=stride, groups=t.shape[1])
    return (out[0] if x.ndim == 3 else out).numpy()


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 7),
    st.integers(1, 4),
    st.sampled_from(["reflect", "replicate", "zero"]),
    st.sampled_from(DTYPES),
    st.tuples(st.integers(1, 2), st.integers(1, 3), st.integers(4, 13), st.integers(4, 13)),
    st.booleans(),
)
def test_blur_pool2d_equals_zhang_reference(filt_size, stride, pad_mode, dtype, shape, batched):
    x = np.random.default_rng(sum(shape)).normal(size=shape).astype(dtype)
    x = x if batched else x[0]
    out = pool.blur_pool2d(x, filt_size, stride, pad_mode)
    expected = reference_blur_pool(x, filt_size, stride, pad_mode)
    assert out.dtype == dtype and out.shape == expected.shape
    assert out.shape[-2:] == (-(-shape[2] // stride), -(-shape[3] // stride))
    close(out, expected, dtype)


def test_blur_pool2d_constant_is_zero_padding():
    x = np.random.default_rng(0).normal(size=(1, 2, 6, 6))
    np.testing.assert_array_equal(pool.blur_pool2d(x, 4, 2, "constant"),
                                  pool.blur_pool2d(x, 4, 2, "zero"))


@pytest.mark.parametrize("stride", [1, 2, 3])
def test_blur_pool2d_filt_size_1_is_subsampling(stride):
    x = np.random.default_rng(1).normal(size=(2, 3, 7, 8))
    np.testing.assert_array_equal(pool.blur_pool2d(x, 1, stride), x[..., ::stride, ::stride])


def test_blur_pool2d_keeps_constant_images_and_blurs_an_impulse():
    const = np.full((1, 1, 8, 8), 3.0)
    np.testing.assert_allclose(pool.blur_pool2d(const, 5), 3.0)  # the filter sums to 1
    impulse = np.zeros((1, 1, 8, 8))
    impulse[0, 0, 4, 4] = 1.0
    out = pool.blur_pool2d(impulse, 3, stride=1, pad_mode="zero")
    np.testing.assert_allclose(out[0, 0, 3:6, 3:6], pool.binomial_filter(3))


def max_blur_pool(z):
    """Zhang's MaxBlurPool: dense max (stride 1), then blur and subsample by 2."""
    return pool.blur_pool2d(pool.max_pool2d(z, 2, stride=1), 3, 2)


def change_under_one_pixel_shift(f, x):
    """Mean |f(x) - f(x shifted right by 1 pixel)| away from the borders.

    Both poolings keep a constant image constant and stay within the input's range, so
    their absolute changes are comparable."""
    a, b = f(x), f(np.roll(x, 1, axis=-1))
    return np.abs(a - b)[..., 2:-2, 2:-2].mean()


def test_blur_pool_is_more_shift_stable_than_max_pool_on_a_periodic_signal():
    """Zhang (2019)'s example: max pooling maps 0 0 1 1 0 0 1 1 ... to 0 1 0 1 ..., but the
    same signal shifted by one pixel to 1 1 1 1 ...; blurring first halves that jump."""
    x = np.tile([0.0, 0.0, 1.0, 1.0], 8)[None, None, None, :].repeat(16, axis=2)  # 16 x 32
    np.testing.assert_array_equal(pool.max_pool2d(x, 2)[0, 0, 0, :4], [0, 1, 0, 1])
    np.testing.assert_array_equal(pool.max_pool2d(np.roll(x, 1, -1), 2)[0, 0, 0, :4], 1)
    max_jump = change_under_one_pixel_shift(lambda z: pool.max_pool2d(z, 2), x)
    blur_jump = change_under_one_pixel_shift(max_blur_pool, x)
    assert blur_jump <= 0.55 * max_jump


def test_blur_pool_is_more_shift_stable_than_max_pool_on_a_photo():
    from skimage import data

    photo = data.camera()[None, None, ::2, ::2] / 255.0  # (1, 1, 256, 256)
    max_change = change_under_one_pixel_shift(lambda z: pool.max_pool2d(z, 2), photo)
    blur_change = change_under_one_pixel_shift(max_blur_pool, photo)
    assert blur_change < 0.85 * max_change


# --------------------------------------------------------------------------- bad input
X = np.zeros((1, 2, 6, 6))
G = np.zeros((1, 2, 3, 3))
BAD_CALLS = [
    ("2-D x", lambda: pool.max_pool2d(np.zeros((6, 6)), 2), ValueError, "x"),
    ("5-D x", lambda: pool.avg_pool2d(np.zeros((1, 1, 1, 6, 6)), 2), ValueError, "x"),
    ("complex x", lambda: pool.max_pool2d(X.astype(complex), 2), TypeError, "x"),
    ("string x", lambda: pool.avg_pool2d(np.full((1, 2, 2), "a"), 2), TypeError, "x"),
    ("torch x", lambda: pool.max_pool2d(torch.zeros(1, 2, 6, 6), 2), TypeError, "x"),
    ("empty channels", lambda: pool.max_pool2d(np.zeros((1, 0, 6, 6)), 2), ValueError, "x"),
    ("kernel 0", lambda: pool.max_pool2d(X, 0), ValueError, "kernel_size"),
    ("kernel float", lambda: pool.max_pool2d(X, 2.5), TypeError, "kernel_size"),
    ("kernel triple", lambda: pool.avg_pool2d(X, (2, 2, 2)), ValueError, "kernel_size"),
    ("kernel too big", lambda: pool.max_pool2d(X, 7), ValueError, "kernel_size"),
    ("dilated too big", lambda: pool.max_pool2d(X, 3, dilation=3), ValueError, "kernel_size"),
    ("avg too big", lambda: pool.avg_pool2d(X, (2, 8)), ValueError, "kernel_size"),
    ("stride 0", lambda: pool.max_pool2d(X, 2, stride=0), ValueError, "stride"),
    ("dilation 0", lambda: pool.max_pool2d(X, 2, dilation=0), ValueError, "dilation"),
    ("padding < 0", lambda: pool.avg_pool2d(X, 2, padding=-1), ValueError, "padding"),
    ("padding > k/2", lambda: pool.max_pool2d(X, 3, padding=2), ValueError, "padding"),
    ("ceil_mode str", lambda: pool.max_pool2d(X, 2, ceil_mode="yes"), TypeError, "ceil_mode"),
    ("indices int", lambda: pool.max_pool2d(X, 2, return_indices=1), TypeError,
     "return_indices"),
    ("include_pad", lambda: pool.avg_pool2d(X, 2, count_include_pad=None), TypeError,
     "count_include_pad"),
    ("divisor 0", lambda: pool.avg_pool2d(X, 2, divisor_override=0), ValueError,
     "divisor_override"),
    ("divisor float", lambda: pool.avg_pool2d(X, 2, divisor_override=1.5), TypeError,
     "divisor_override"),
    ("p = 0", lambda: pool.lp_pool2d(X, 0, 2), ValueError, "norm_type"),
    ("p str", lambda: pool.lp_pool2d(X, "2", 2), TypeError, "norm_type"),
    ("lp kernel", lambda: pool.lp_pool2d(X, 2, 9), ValueError, "kernel_size"),
    ("1-D x for 1d", lambda: pool.max_pool1d(np.zeros(6), 2), ValueError, "x"),
    ("4-D x for 1d", lambda: pool.max_pool1d(X, 2), ValueError, "x"),
    ("1d pair kernel", lambda: pool.max_pool1d(X[0], (2, 2)), TypeError, "kernel_size"),
    ("1d padding", lambda: pool.max_pool1d(X[0], 2, padding=2), ValueError, "padding"),
    ("1d too big", lambda: pool.max_pool1d(X[0, 0], 7), ValueError, "kernel_size"),
    ("1d empty", lambda: pool.max_pool1d(np.zeros((2, 0)), 1), ValueError, "x"),
    ("1d stride 0", lambda: pool.max_pool1d(X[0, 0], 2, stride=0), ValueError, "stride"),
    ("1d dilation 0", lambda: pool.max_pool1d(X[0, 0], 2, dilation=0), ValueError,
     "dilation"),
    ("global 2-D", lambda: pool.global_avg_pool2d(np.zeros((2, 2))), ValueError, "x"),
    ("global keepdim", lambda: pool.global_max_pool2d(X, keepdim="no"), TypeError, "keepdim"),
    ("global complex", lambda: pool.global_max_pool2d(X + 1j), TypeError, "x"),
    ("filt 0", lambda: pool.binomial_filter(0), ValueError, "filt_size"),
    ("filt 8", lambda: pool.blur_pool2d(X, 8), ValueError, "filt_size"),
    ("filt float", lambda: pool.blur_pool2d(X, 3.0), TypeError, "filt_size"),
    ("blur stride 0", lambda: pool.blur_pool2d(X, 3, 0), ValueError, "stride"),
    ("blur mode", lambda: pool.blur_pool2d(X, 3, 2, "circular"), ValueError, "pad_mode"),
    ("blur 3-D only", lambda: pool.blur_pool2d(np.zeros((6, 6)), 3), ValueError, "x"),
    ("reflect tiny", lambda: pool.blur_pool2d(np.zeros((1, 1, 1, 5)), 3), ValueError, "x"),
    ("grad_out shape", lambda: pool.max_pool2d_backward(G[:, :1], X, 2), ValueError,
     "grad_out"),
    ("grad_out rank", lambda: pool.avg_pool2d_backward(G[0], X, 2), ValueError, "grad_out"),
    ("grad_out complex", lambda: pool.avg_pool2d_backward(G + 1j, X, 2), TypeError,
     "grad_out"),
    ("backward x", lambda: pool.max_pool2d_backward(G, X[0, 0], 2), ValueError, "x"),
    ("indices float", lambda: pool.max_pool2d_backward(G, X, 2, indices=G), TypeError,
     "indices"),
    ("indices shape", lambda: pool.max_pool2d_backward(G, X, 2, indices=np.zeros((1, 2, 3),
                                                                                 int)),
     ValueError, "indices"),
    ("indices < 0", lambda: pool.max_pool2d_backward(G, X, 2, indices=-np.ones(G.shape, int)),
     ValueError, "indices"),
    ("backward pad", lambda: pool.avg_pool2d_backward(G, X, 2, padding=3), ValueError,
     "padding"),
]


@pytest.mark.parametrize(("label", "call", "error", "name"), BAD_CALLS,
                         ids=[c[0] for c in BAD_CALLS])
def test_bad_input_raises_naming_the_argument(label, call, error, name):
    with pytest.raises(error, match=rf"\b{name}\b"):
        call()


def test_integer_input_is_computed_in_float():
    x = np.arange(16).reshape(1, 4, 4)
    out = pool.avg_pool2d(x, 2)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, [[[2.5, 4.5], [10.5, 12.5]]])
