"""Winograd F(4x4, 3x3) accuracy against float64, and the workspace of the fast paths.

The fast convolution paths reuse scratch buffers between calls (``helpers._workspace``);
these tests check that results never depend on what a previous call left there, that the
buffers are released on demand, that no returned array is a view of one, and that threads
do not share them. No test here is timed.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

from helpers import _workspace, conv, conv_fast, shapes


# --------------------------------------------------------------------------------------------
# Winograd F(4x4, 3x3): exact in exact arithmetic, accurate in float32
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("m", [2, 4])
def test_winograd_transforms_compute_the_correlation_exactly(m):
    # The 1-D algorithm F(m, 3): A^T [(G g) * (B^T d)] is the valid correlation of an
    # (m + 2)-sample tile d with the kernel g, for every d and g (here to float64 rounding).
    BT, Gm, AT = conv_fast._WINOGRAD[m]
    rng = np.random.default_rng(m)
    for _ in range(5):
        d, g = rng.standard_normal(m + 2), rng.standard_normal(3)
        assert np.allclose(AT @ ((Gm @ g) * (BT @ d)), np.correlate(d, g, "valid"),
                           rtol=0, atol=1e-13), (m, d, g)


def _relative_error(a, ref) -> float:
    return float(np.abs(a - ref).max() / np.abs(ref).max())


def test_winograd_float32_error_against_float64():
    # A VGG-like layer (64 channels, 3x3): the float32 result of method="winograd" is within
    # 1e-5 (relative to the largest output) of the float64 result, and so are both gradients
    # of conv2d_backward, which takes the Winograd route for this layer.
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 64, 24, 20), dtype=np.float32)
    w = rng.standard_normal((64, 64, 3, 3), dtype=np.float32)
    ref = conv.conv2d(x.astype(np.float64), w.astype(np.float64), padding=1, method="im2col")
    y = conv.conv2d(x, w, padding=1, method="winograd")
    assert y.dtype == np.float32
    assert _relative_error(y, ref) <= 1e-5, _relative_error(y, ref)
    g = rng.standard_normal(ref.shape, dtype=np.float32)
    refs = conv.conv2d_backward(g.astype(np.float64), x.astype(np.float64),
                                w.astype(np.float64), padding=1)
    grads = conv.conv2d_backward(g, x, w, padding=1)
    for name, a, r in zip(("grad_x", "grad_weight", "grad_bias"), grads, refs, strict=True):
        assert a.dtype == np.float32, name
        assert _relative_error(a, r) <= 1e-5, (name, _relative_error(a, r))


# --------------------------------------------------------------------------------------------
# The workspace: scratch buffers reused between calls
# --------------------------------------------------------------------------------------------
def _fresh(x, w, **kw):
    """The same convolution with an empty workspace."""
    conv_fast.release_workspace()
    return conv.conv2d(x, w, **kw)


def test_workspace_repeated_calls_with_other_shapes_give_identical_results():
    # Buffers are reused (and grown) across calls with different shapes; results must not
    # depend on what a previous call left in them.
    rng = np.random.default_rng(1)
    cases = [((2, 8, 13, 11), (8, 8, 3, 3), 1), ((1, 4, 30, 9), (6, 4, 3, 3), 0),
             ((3, 8, 7, 7), (5, 8, 3, 3), 2)]
    arrays = [(rng.standard_normal(xs, dtype=np.float32),
               rng.standard_normal(ws, dtype=np.float32), p) for xs, ws, p in cases]
    first = [_fresh(x, w, padding=p, method="winograd") for x, w, p in arrays]
    for _ in range(2):
        for (x, w, p), y0 in zip(arrays[::-1], first[::-1], strict=True):
            y = conv.conv2d(x, w, padding=p, method="winograd")
            assert np.array_equal(y, y0), x.shape
    big = rng.standard_normal((2, 64, 20, 20), dtype=np.float32)
    gw = rng.standard_normal((64, 64, 3, 3), dtype=np.float32)
    g = rng.standard_normal((2, 64, 20, 20), dtype=np.float32)
    conv_fast.release_workspace()
    ref = conv.conv2d_backward(g, big, gw, padding=1)
    conv.conv2d(arrays[0][0], arrays[0][1], padding=1, method="winograd")  # other shapes
    again = conv.conv2d_backward(g, big, gw, padding=1)
    for a, r in zip(again, ref, strict=True):
        assert np.array_equal(a, r)


def test_workspace_is_released_on_demand():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 8, 16, 16), dtype=np.float32)
    w = rng.standard_normal((8, 8, 3, 3), dtype=np.float32)
    conv_fast.release_workspace()
    assert conv_fast.workspace_nbytes() == 0
    y = conv.conv2d(x, w, padding=1, method="winograd")
    held = conv_fast.workspace_nbytes()
    assert held > 0
    assert conv_fast.release_workspace() == held
    assert conv_fast.workspace_nbytes() == 0
    assert np.array_equal(conv.conv2d(x, w, padding=1, method="winograd"), y)


def test_results_never_alias_the_workspace():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 8, 12, 12), dtype=np.float32)
    w = rng.standard_normal((8, 8, 3, 3), dtype=np.float32)
    g = rng.standard_normal((2, 8, 12, 12), dtype=np.float32)
    outputs = [conv.conv2d(x, w, padding=1, method=m) for m in ("winograd", "im2col", "auto")]
    outputs += list(conv.conv2d_backward(g, x, w, padding=1))
    w5 = rng.standard_normal((8, 8, 5, 5), dtype=np.float32)
    outputs += list(conv.conv2d_backward(g[:, :, :10, :10], x, w5, padding=1))  # tap by tap
    kept = [o.copy() for o in outputs]
    buffers = list(_workspace._cache().values())
    assert buffers, "the fast paths use the workspace"
    for o in outputs:
        assert not any(np.shares_memory(o, b) for b in buffers)
    # Another call overwrites the workspace, never an earlier result.
    conv.conv2d(rng.standard_normal((2, 8, 12, 12), dtype=np.float32), w, padding=1,
                method="winograd")
    for o, k in zip(outputs, kept, strict=True):
        assert np.array_equal(o, k)


def test_workspace_is_per_thread():
    # Two threads convolving at the same time each get their own buffers.
    rng = np.random.default_rng(4)
    jobs = [(rng.standard_normal((2, 8, 15, 17), dtype=np.float32),
             rng.standard_normal((8, 8, 3, 3), dtype=np.float32)) for _ in range(4)]
    expected = [conv.conv2d(x, w, padding=1, method="im2col") for x, w in jobs]
    errors = []

    def work(i):
        x, w = jobs[i]
        for _ in range(20):
            y = conv.conv2d(x, w, padding=1, method="winograd")
            errors.append(_relative_error(y, expected[i]))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(errors) == 80 and max(errors) < 1e-5, max(errors)


@pytest.mark.parametrize("x_shape, w_shape, stride, padding, groups", [
    ((2, 3, 39, 41), (8, 3, 11, 11), 4, 0, 1),  # AlexNet conv1, smaller images
    ((2, 4, 17, 19), (6, 2, 5, 5), 2, 1, 2),
    ((1, 3, 30, 30), (4, 3, 6, 5), (2, 2), (2, 1), 1),
])
def test_strided_winograd_through_stride_phases(x_shape, w_shape, stride, padding, groups):
    # A kernel with three taps per stride step is split into stride phases and computed by
    # F(4x4, 3x3); it matches the float64 convolution to float32 accuracy.
    rng = np.random.default_rng(5)
    x = rng.standard_normal(x_shape, dtype=np.float32)
    w = rng.standard_normal(w_shape, dtype=np.float32)
    kw = dict(stride=stride, padding=padding, groups=groups)
    ref = conv.conv2d(x.astype(np.float64), w.astype(np.float64), method="im2col", **kw)
    y = conv.conv2d(x, w, method="winograd", **kw)
    assert y.shape == ref.shape and y.dtype == np.float32
    assert _relative_error(y, ref) <= 1e-5, _relative_error(y, ref)


def test_auto_takes_winograd_for_alexnet_conv1_only_when_it_applies():
    x, w = np.zeros((8, 3, 227, 227)), np.zeros((96, 3, 11, 11))
    assert conv_fast.choose_conv_method(x, w, stride=4) == "winograd"  # 3 taps per phase
    assert conv_fast.choose_conv_method(x, w, stride=3) == "im2col"  # 4 taps per phase
    assert conv_fast.choose_conv_method(x, w, stride=4, dilation=2) == "im2col"
    with pytest.raises(ValueError, match="method='winograd'"):
        conv.conv2d(np.ones((1, 1, 8, 8)), np.ones((1, 1, 5, 5)), stride=3, method="winograd")


@pytest.mark.parametrize("block", [1, 600])
def test_winograd_in_small_blocks_equals_one_block(block, monkeypatch):
    # One tile row per block (block=1), or a few images per block: the same numbers as the
    # default blocking, forward and weight gradient.
    rng = np.random.default_rng(6)
    x = rng.standard_normal((3, 4, 13, 18))
    w = rng.standard_normal((5, 4, 3, 3))
    g = rng.standard_normal((3, 5, 13, 18))
    expected = conv.conv2d(x, w, padding=1, method="winograd")
    expected_grads = conv.conv2d_backward(g, x, w, padding=1)
    ref = conv.conv2d(x, w, padding=1, method="im2col")
    monkeypatch.setattr(conv_fast, "_WINOGRAD_BLOCK", block)
    assert np.allclose(conv.conv2d(x, w, padding=1, method="winograd"), expected, atol=1e-12)
    assert np.allclose(expected, ref, atol=1e-10)
    gw = conv_fast._winograd_weight_grad(g, x, shapes.geometry(x.shape[2:], 3, padding=1), 1)
    assert np.allclose(gw, expected_grads[1], atol=1e-10)


@pytest.mark.parametrize("shape, kernel, padding", [
    ((1, 4, 6, 6), 1, 0),  # nothing to crop: the wide product is the whole result
    ((2, 3, 5, 5), 1, 0),
    ((1, 3, 6, 6), 3, 0),  # one image, no padding: the backward's transpose is contiguous
    ((1, 2, 7, 7), 5, 0),
])
def test_results_are_new_arrays_even_when_no_copy_seems_needed(shape, kernel, padding):
    """Regression: a 1x1 kernel or a single unpadded image must not return workspace memory."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal(shape)
    w1, w2 = (rng.standard_normal((3, shape[1], kernel, kernel)) for _ in range(2))
    first = conv.conv2d(x, w1, padding=padding)
    kept = first.copy()
    conv.conv2d(x, w2, padding=padding)  # reuses the workspace
    assert np.array_equal(first, kept), "a second call changed the first result"
    g = rng.standard_normal(first.shape)
    grads = conv.conv2d_backward(g, x, w1, padding=padding)
    kept_grads = [a.copy() for a in grads]
    conv.conv2d_backward(g * 2, x, w2, padding=padding)
    for a, k in zip(grads, kept_grads, strict=True):
        assert np.array_equal(a, k), "a second backward call changed the first gradients"
