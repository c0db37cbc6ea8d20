"""helpers.groups: p4 lifting and group convolutions, exactly equivariant to quarter turns.

Checked against an independent construction with PyTorch's own conv2d (the lifted output is
the correlation with each rotated filter; the group convolution is a sum over input rotations
of correlations with rotated, cycled filters), against the gpu twins, and by the equivariance
law itself; plain convolution is shown *not* to be rotation equivariant.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import gpu, groups


def _rng(seed):
    return np.random.default_rng(seed)


shapes = st.tuples(st.integers(1, 2), st.integers(1, 3), st.integers(1, 3),
                   st.sampled_from([1, 2, 3]), st.integers(0, 2), st.integers(0, 2**31 - 1))


@settings(max_examples=25, deadline=None)
@given(shapes)
def test_lift_matches_torch_with_rotated_filters(case):
    n, c, o, k, p, seed = case
    rng = _rng(seed)
    size = k + 3
    x, w = rng.normal(size=(n, c, size, size)), rng.normal(size=(o, c, k, k))
    ours = groups.lift_p4(x, w, padding=p)
    xt = torch.from_numpy(x)
    for r in range(4):
        wt = torch.from_numpy(np.rot90(w, r, axes=(-2, -1)).copy())
        np.testing.assert_allclose(ours[:, :, r], F.conv2d(xt, wt, padding=p).numpy(),
                                   rtol=1e-10, atol=1e-10)


@settings(max_examples=25, deadline=None)
@given(shapes)
def test_group_conv_matches_a_sum_over_input_rotations(case):
    n, c, o, k, p, seed = case
    rng = _rng(seed)
    size = k + 3
    f, w = rng.normal(size=(n, c, 4, size, size)), rng.normal(size=(o, c, 4, k, k))
    ours = groups.group_conv_p4(f, w, padding=p)
    ft = torch.from_numpy(f)
    for r in range(4):
        total = 0
        for s in range(4):
            filt = np.rot90(w[:, :, (s - r) % 4], r, axes=(-2, -1)).copy()
            total = total + F.conv2d(ft[:, :, s], torch.from_numpy(filt), padding=p)
        np.testing.assert_allclose(ours[:, :, r], total.numpy(), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("r", [1, 2, 3, -1, 5])
def test_a_lift_then_group_network_is_exactly_equivariant(r):
    rng = _rng(r % 7)
    x = rng.normal(size=(2, 1, 9, 9))
    w1, w2 = rng.normal(size=(4, 1, 3, 3)), rng.normal(size=(3, 4, 4, 3, 3))

    def net(image):
        return groups.group_conv_p4(np.maximum(groups.lift_p4(image, w1, padding=1), 0), w2)

    np.testing.assert_allclose(net(groups.rotate(x, r)), groups.p4_act(net(x), r), atol=1e-12)
    # pooled over rotations and positions: invariant
    read = net(x).max(axis=(2, 3, 4))
    np.testing.assert_allclose(net(groups.rotate(x, r)).max(axis=(2, 3, 4)), read, atol=1e-12)


def test_plain_convolution_is_not_rotation_equivariant():
    rng = _rng(1)
    x, w = rng.normal(size=(1, 1, 9, 9)), rng.normal(size=(1, 1, 3, 3))
    y = F.conv2d(torch.from_numpy(x), torch.from_numpy(w)).numpy()
    y_rot = F.conv2d(torch.from_numpy(groups.rotate(x, 1).copy()),
                     torch.from_numpy(w)).numpy()
    gap = np.abs(y_rot - groups.rotate(y, 1)).max() / np.abs(y).max()
    assert gap > 0.1, f"a random 3x3 filter should not commute with rotation (gap {gap:.2g})"


def test_the_action_is_a_group_action():
    f = _rng(2).normal(size=(1, 2, 4, 5, 5))
    np.testing.assert_array_equal(groups.p4_act(groups.p4_act(f, 1), 3), f)
    np.testing.assert_array_equal(groups.p4_act(groups.p4_act(f, 1), 2), groups.p4_act(f, 3))
    np.testing.assert_array_equal(groups.p4_act(f, 4), f)


def test_pool_rotations():
    f = _rng(3).normal(size=(1, 2, 4, 5, 5))
    np.testing.assert_array_equal(groups.pool_rotations(f), f.max(axis=2))
    np.testing.assert_allclose(groups.pool_rotations(f, "mean"), f.mean(axis=2))
    np.testing.assert_array_equal(groups.pool_rotations(groups.p4_act(f, 1)),
                                  groups.rotate(groups.pool_rotations(f), 1))
    with pytest.raises(ValueError, match="how"):
        groups.pool_rotations(f, "median")


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_gpu_twins_agree_and_keep_autograd(dtype):
    rng = _rng(4)
    x, w1 = rng.normal(size=(2, 3, 8, 8)), rng.normal(size=(5, 3, 3, 3))
    w2 = rng.normal(size=(2, 5, 4, 3, 3))
    tol = 1e-4 if dtype == torch.float32 else 1e-10
    xt = torch.tensor(x, dtype=dtype, requires_grad=True)
    lifted = gpu.lift_p4(xt, torch.tensor(w1, dtype=dtype), padding=1)
    np.testing.assert_allclose(lifted.detach().numpy(), groups.lift_p4(x, w1, padding=1),
                               rtol=tol, atol=tol)
    out = gpu.group_conv_p4(lifted, torch.tensor(w2, dtype=dtype))
    np.testing.assert_allclose(out.detach().numpy(),
                               groups.group_conv_p4(groups.lift_p4(x, w1, padding=1), w2),
                               rtol=tol, atol=tol * 10)
    out.sum().backward()
    assert xt.grad is not None and xt.grad.shape == xt.shape


@pytest.mark.parametrize("call, error, match", [
    (lambda: groups.lift_p4([[1.0]], np.ones((1, 1, 3, 3))), TypeError, "x must be a NumPy"),
    (lambda: groups.lift_p4(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 2))), ValueError, "square"),
    (lambda: groups.lift_p4(np.ones((1, 2, 5, 5)), np.ones((1, 1, 3, 3))), ValueError,
     "input channels"),
    (lambda: groups.lift_p4(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)), padding=-1),
     ValueError, "padding"),
    (lambda: groups.lift_p4(np.ones((1, 1, 5, 5), dtype=int), np.ones((1, 1, 3, 3))),
     TypeError, "floats"),
    (lambda: groups.group_conv_p4(np.ones((1, 1, 3, 5, 5)), np.ones((1, 1, 4, 3, 3))),
     ValueError, "rotation axis"),
    (lambda: groups.p4_act(np.ones((1, 1, 4, 5, 5)), 1.5), TypeError, "r must be an int"),
    (lambda: gpu.lift_p4(np.ones((1, 1, 5, 5)), torch.ones(1, 1, 3, 3)), TypeError,
     "x must be a torch.Tensor"),
    (lambda: gpu.group_conv_p4(torch.ones(1, 1, 4, 5, 5), torch.ones(1, 2, 4, 3, 3)),
     ValueError, "weight"),
])
def test_bad_input_names_the_argument(call, error, match):
    with pytest.raises(error, match=match):
        call()
