"""Tests of helpers.symmetry: permutations, shifts and the invariance/equivariance measures."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import symmetry

perms = st.integers(1, 30).flatmap(lambda n: st.permutations(list(range(n))))


@given(perms)
def test_invert_permutation(perm):
    q = symmetry.invert_permutation(perm)
    p = np.asarray(perm)
    assert np.array_equal(p[q], np.arange(len(p))) and np.array_equal(q[p], np.arange(len(p)))


def test_random_permutation_is_a_seeded_bijection():
    p = symmetry.random_permutation(50, rng=3)
    assert symmetry.is_permutation(p) and p.dtype == np.int64
    assert np.array_equal(p, symmetry.random_permutation(50, rng=np.random.default_rng(3)))
    assert not np.array_equal(p, symmetry.random_permutation(50, rng=4))


@pytest.mark.parametrize("bad", [[0, 0, 1], [1, 2, 3], [[0, 1]], [0.0, 1.0], "012"])
def test_not_permutations(bad):
    assert not symmetry.is_permutation(bad)
    with pytest.raises(ValueError, match="perm"):
        symmetry.invert_permutation(bad)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 4), st.integers(1, 5), st.integers(1, 5), st.integers(0, 2**31 - 1))
def test_permute_pixels_numpy_and_torch(n, h, w, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, h, w))
    perm = rng.permutation(h * w)
    out = symmetry.permute_pixels(x, perm)
    assert out.shape == x.shape
    assert np.array_equal(out.reshape(n, -1), x.reshape(n, -1)[:, perm])
    back = symmetry.permute_pixels(out, symmetry.invert_permutation(perm))
    assert np.array_equal(back, x)
    out_t = symmetry.permute_pixels(torch.as_tensor(x), torch.as_tensor(perm))
    assert isinstance(out_t, torch.Tensor) and np.array_equal(out_t.numpy(), out)


def test_permute_pixels_one_axis():
    x = np.arange(12).reshape(3, 4)
    perm = [3, 1, 0, 2]
    assert np.array_equal(symmetry.permute_pixels(x, perm, ndim=1), x[:, perm])


def test_permute_pixels_errors():
    with pytest.raises(ValueError, match="pixel grid"):
        symmetry.permute_pixels(np.zeros((2, 3, 3)), np.arange(8))
    with pytest.raises(ValueError, match="at least"):
        symmetry.permute_pixels(np.zeros(4), np.arange(4), ndim=2)
    with pytest.raises(ValueError, match="perm"):
        symmetry.permute_pixels(np.zeros((2, 2)), [0, 0, 1, 2])
    with pytest.raises(ValueError, match="ndim"):
        symmetry.permute_pixels(np.zeros((2, 2)), [0, 1, 2, 3], ndim=0)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 6), st.integers(1, 12), st.integers(0, 2**31 - 1))
def test_permute_first_layer_closure(n_out, n_in, seed):
    """f_p(x) = f(x o p): the permuted layer on x equals the original on shuffled x."""
    rng = np.random.default_rng(seed)
    W, x = rng.normal(size=(n_out, n_in)), rng.normal(size=(n_in, 5))
    perm = rng.permutation(n_in)
    np.testing.assert_allclose(symmetry.permute_first_layer(W, perm) @ x, W @ x[perm],
                               atol=1e-12)
    Wt = torch.as_tensor(W)
    out = symmetry.permute_first_layer(Wt, perm)
    assert isinstance(out, torch.Tensor)
    np.testing.assert_allclose(out.numpy(), symmetry.permute_first_layer(W, perm))


def test_permute_first_layer_errors():
    with pytest.raises(ValueError, match="2-D"):
        symmetry.permute_first_layer(np.zeros(3), [0, 1, 2])
    with pytest.raises(ValueError, match="columns"):
        symmetry.permute_first_layer(np.zeros((2, 3)), [0, 1])


def test_cyclic_shift_numpy_and_torch():
    x = np.arange(20).reshape(4, 5)
    assert np.array_equal(symmetry.cyclic_shift(x, 2), np.roll(x, 2, axis=-1))
    assert np.array_equal(symmetry.cyclic_shift(x, (1, -2), axis=(0, 1)),
                          np.roll(x, (1, -2), axis=(0, 1)))
    out = symmetry.cyclic_shift(torch.as_tensor(x), (1, -2), axis=(0, 1))
    assert isinstance(out, torch.Tensor) and np.array_equal(out.numpy(),
                                                             np.roll(x, (1, -2), axis=(0, 1)))
    assert symmetry.cyclic_shift(x, 1)[0, 0] == x[0, -1], "positive shifts move content right"


def test_cyclic_shift_errors():
    with pytest.raises(ValueError, match="same length"):
        symmetry.cyclic_shift(np.zeros(4), (1, 2), axis=0)
    with pytest.raises(ValueError, match="out of range"):
        symmetry.cyclic_shift(np.zeros(4), 1, axis=3)
    with pytest.raises(TypeError, match="shift"):
        symmetry.cyclic_shift(np.zeros(4), 1.5)


def circular_correlation(x, w):
    """y[i] = sum_a w[a] x[(i + a) mod n], written out: a shift-equivariant map."""
    return sum(w[a] * np.roll(x, -a) for a in range(len(w)))


@settings(max_examples=30, deadline=None)
@given(st.integers(3, 20), st.integers(-25, 25), st.integers(0, 2**31 - 1))
def test_circular_correlation_is_shift_equivariant(n, shift, seed):
    rng = np.random.default_rng(seed)
    x, w = rng.normal(size=n), rng.normal(size=3)
    err = symmetry.equivariance_error(lambda v: circular_correlation(v, w),
                                      lambda v: symmetry.cyclic_shift(v, shift), x)
    assert err < 1e-12


def test_measures_detect_broken_symmetry():
    x = np.arange(1.0, 6.0)
    shift = lambda v: symmetry.cyclic_shift(v, 1)  # noqa: E731
    weighted = lambda v: v * np.arange(len(v))  # noqa: E731  position-dependent: not equivariant
    assert symmetry.equivariance_error(weighted, shift, x) > 0.1
    assert symmetry.invariance_error(np.sum, shift, x) == 0.0
    assert symmetry.invariance_error(lambda v: v[0], shift, x) == pytest.approx(4.0)
    assert np.isnan(symmetry.invariance_error(lambda v: 0 * v, shift, x))


def test_measures_on_torch_and_output_transform():
    x = torch.arange(8.0)
    pool = lambda v: v.reshape(-1, 2).sum(1)  # noqa: E731  sum pooling with stride 2
    shift2 = lambda v: torch.roll(v, 2)  # noqa: E731
    shift1 = lambda v: torch.roll(v, 1)  # noqa: E731
    assert symmetry.equivariance_error(pool, shift2, x, g_out=shift1) == 0.0
    assert symmetry.equivariance_error(pool, shift1, x, g_out=shift1) > 0


def test_measures_reject_non_callables():
    with pytest.raises(TypeError, match="f must be callable"):
        symmetry.invariance_error(3, np.sum, np.zeros(2))
    with pytest.raises(TypeError, match="g_out must be callable"):
        symmetry.equivariance_error(np.sum, np.sum, np.zeros(2), g_out=1)


def test_equivariance_error_measured_away_from_a_border():
    """Zero padding breaks shift equivariance only near the ends; ``where`` leaves them out."""
    x = np.random.default_rng(0).normal(size=40)
    same = lambda v: np.convolve(v, [1.0, 2.0, 1.0], "same")  # noqa: E731
    shift = lambda v: np.roll(v, 1)  # noqa: E731
    assert symmetry.equivariance_error(same, shift, x) > 0.01
    inner = slice(3, -3)
    assert symmetry.equivariance_error(same, shift, x, where=inner) < 1e-12
    expected = (np.linalg.norm((same(shift(x)) - shift(same(x)))[:5])
                / np.linalg.norm(same(x)[:5]))
    assert symmetry.equivariance_error(same, shift, x, where=slice(0, 5)) == pytest.approx(
        expected)
