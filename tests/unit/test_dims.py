"""Tests of helpers.dims: closed forms, the lecture's numbers, monotonicity, inputs."""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers.dims import (
    ball_to_cube_volume_ratio,
    half_length,
    log10_samples_needed,
    rind_fraction,
    samples_needed,
    torus_distances,
)

dims = st.integers(min_value=1, max_value=2000)
alphas = st.floats(min_value=0.0, max_value=1.0)
fractions = st.floats(min_value=1e-6, max_value=1 - 1e-6)


# --- samples_needed / log10_samples_needed -------------------------------------------------


def test_samples_needed_grid_counts():
    assert samples_needed(0.1, 1) == pytest.approx(10)
    assert samples_needed(0.1, 2) == pytest.approx(100)
    assert samples_needed(0.1, 3) == pytest.approx(1000)
    assert samples_needed(0.5, 10) == pytest.approx(1024)
    assert samples_needed(0.3, 0) == 1.0
    assert isinstance(samples_needed(0.1, 3), float)


def test_samples_needed_overflows_to_inf_without_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert samples_needed(0.1, 400) == math.inf
        assert samples_needed(0.1, 36_000_000) == math.inf
        assert samples_needed(1e-300, 2) == math.inf


def test_samples_needed_broadcasts():
    eps = np.array([[0.1], [0.5]])
    d = np.arange(4)
    out = samples_needed(eps, d)
    assert out.shape == (2, 4)
    np.testing.assert_allclose(out, eps ** (-d.astype(float)))


def test_log10_samples_needed_lecture_image():
    # 12 megapixels x 3 channels at eps = 0.1: 10^36,000,000 samples, vs ~10^80 atoms
    d = 12_000_000 * 3
    assert log10_samples_needed(0.1, d) == pytest.approx(36e6)
    assert log10_samples_needed(0.1, d) > 82


@given(st.floats(min_value=1e-3, max_value=1.0), st.integers(min_value=0, max_value=50))
def test_log10_matches_samples_needed(eps, d):
    assert log10_samples_needed(eps, d) == pytest.approx(
        math.log10(samples_needed(eps, d)), abs=1e-9
    )


@given(st.floats(min_value=1e-3, max_value=0.999), dims)
def test_samples_needed_grows_with_dimension(eps, d):
    assert samples_needed(eps, d + 1) >= samples_needed(eps, d)
    assert log10_samples_needed(eps, d + 1) > log10_samples_needed(eps, d)


@pytest.mark.parametrize("eps", [0, -0.1, math.nan, math.inf, [0.1, 0.0]])
def test_samples_needed_rejects_bad_eps(eps):
    with pytest.raises(ValueError, match="eps"):
        samples_needed(eps, 2)
    with pytest.raises(ValueError, match="eps"):
        log10_samples_needed(eps, 2)


@pytest.mark.parametrize("d", [-1, math.nan, math.inf])
def test_samples_needed_rejects_bad_d(d):
    with pytest.raises(ValueError, match="d "):
        samples_needed(0.1, d)


@pytest.mark.parametrize("bad", ["a", None, 1 + 2j, True])
def test_samples_needed_rejects_non_numbers(bad):
    with pytest.raises(TypeError, match="eps"):
        samples_needed(bad, 2)
    with pytest.raises(TypeError, match="d "):
        samples_needed(0.1, bad)


# --- rind_fraction / half_length -----------------------------------------------------------


def test_rind_fraction_closed_form():
    assert rind_fraction(0.5, 2) == pytest.approx(0.75)
    assert rind_fraction(0.5, 3) == pytest.approx(0.875)
    assert rind_fraction(1.0, 7) == 0.0
    assert rind_fraction(0.0, 7) == 1.0
    alpha = np.linspace(0, 1, 11)[:, None]
    n = np.array([1, 2, 10, 100])
    np.testing.assert_allclose(rind_fraction(alpha, n), 1 - alpha**n, atol=1e-15)


def test_rind_initial_growth_rate_is_n():
    # d(1 - alpha^n)/d(-alpha) at alpha = 1 equals n
    h = 1e-7
    for n in [1, 2, 3, 10, 350]:
        assert rind_fraction(1 - h, n) / h == pytest.approx(n, rel=1e-4)


@given(alphas, alphas, dims)
def test_rind_fraction_decreases_with_alpha(a, b, n):
    lo, hi = min(a, b), max(a, b)
    assert rind_fraction(lo, n) >= rind_fraction(hi, n)
    assert 0.0 <= rind_fraction(lo, n) <= 1.0


@given(st.floats(min_value=0.0, max_value=0.999999), dims)
def test_rind_fraction_increases_with_dimension(alpha, n):
    assert rind_fraction(alpha, n + 1) >= rind_fraction(alpha, n)


def test_half_length_values():
    assert half_length(2) == pytest.approx(2**-0.5)
    assert half_length(3) == pytest.approx(2 ** (-1 / 3))
    assert half_length(1) == pytest.approx(0.5)
    assert half_length(4, fraction=0.25) == pytest.approx(0.25**0.25)
    assert isinstance(half_length(2), float)


def test_half_length_lecture_numbers():
    # 350-D: the half-length exceeds 98%, so half the volume lies in a rind thinner than
    # 1% of the diameter (the rind is (1 - alpha) of the radius = (1 - alpha)/2 of the diameter)
    alpha = half_length(350)
    assert alpha > 0.98
    assert (1 - alpha) / 2 < 0.01
    # the approximation 1 - ln2/n, and the lecture's 1 - 0.7/n, for n = 2, 3
    for n in [2, 3, 350]:
        assert 1 - half_length(n) == pytest.approx(math.log(2) / n, rel=0.2)
    assert round(100 * 0.7 / 2 / 2) == 18  # 2-D pizza: the lecture's 18% (approximate form)
    assert round(100 * 0.7 / 3 / 2) == 12  # 3-D: 12%
    assert 100 * (1 - half_length(2)) / 2 == pytest.approx(14.64, abs=0.01)  # exact 2-D


@given(dims, fractions)
def test_half_length_inverts_rind_fraction(n, fraction):
    alpha = half_length(n, fraction)
    assert 0.0 < alpha < 1.0
    assert 1 - rind_fraction(alpha, n) == pytest.approx(fraction, rel=1e-9)


@given(dims)
def test_half_length_increases_with_dimension(n):
    assert half_length(n + 1) > half_length(n)


def test_half_length_vectorised():
    n = np.arange(1, 11)
    f = np.array([[0.25], [0.5], [0.75]])
    out = half_length(n, f)
    assert out.shape == (3, 10)
    np.testing.assert_allclose(out**n, np.broadcast_to(f, (3, 10)))


@pytest.mark.parametrize("n", [0, 0.5, -3, math.nan, math.inf])
def test_dimension_must_be_at_least_one(n):
    for call in (
        lambda: rind_fraction(0.5, n),
        lambda: half_length(n),
        lambda: ball_to_cube_volume_ratio(n),
    ):
        with pytest.raises(ValueError, match="n "):
            call()


@pytest.mark.parametrize("alpha", [-0.1, 1.1, math.nan])
def test_rind_fraction_rejects_bad_alpha(alpha):
    with pytest.raises(ValueError, match="alpha"):
        rind_fraction(alpha, 2)


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.5, 2.0, math.nan])
def test_half_length_rejects_bad_fraction(fraction):
    with pytest.raises(ValueError, match="fraction"):
        half_length(2, fraction)


def test_type_errors_name_the_argument():
    with pytest.raises(TypeError, match="alpha"):
        rind_fraction("0.5", 2)
    with pytest.raises(TypeError, match="n "):
        half_length([1, "x"])
    with pytest.raises(TypeError, match="n "):
        ball_to_cube_volume_ratio(None)


# --- ball_to_cube_volume_ratio -------------------------------------------------------------


def test_ball_to_cube_known_values():
    assert ball_to_cube_volume_ratio(1) == pytest.approx(1.0)
    assert ball_to_cube_volume_ratio(2) == pytest.approx(math.pi / 4)
    assert ball_to_cube_volume_ratio(3) == pytest.approx(math.pi / 6)
    assert ball_to_cube_volume_ratio(4) == pytest.approx(math.pi**2 / 32)


def test_ball_to_cube_matches_gamma_formula():
    n = np.arange(1, 60)
    expected = [math.pi ** (k / 2) / math.gamma(k / 2 + 1) / 2**k for k in n]
    np.testing.assert_allclose(ball_to_cube_volume_ratio(n), expected, rtol=1e-12)


def test_eight_dimensional_cube_is_mostly_corners():
    corners = 1 - ball_to_cube_volume_ratio(8)
    assert corners == pytest.approx(0.98, abs=0.005)
    assert 2**8 == 256


def test_ball_to_cube_monte_carlo():
    rng = np.random.default_rng(0)
    for n in [2, 3, 5, 8]:
        x = rng.random((200_000, n)) - 0.5
        inside = (np.linalg.norm(x, axis=1) <= 0.5).mean()
        assert inside == pytest.approx(ball_to_cube_volume_ratio(n), abs=0.005)


def test_ball_to_cube_large_n_underflows_without_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = ball_to_cube_volume_ratio(np.array([100, 10_000, 1e9]))
    assert out.shape == (3,)
    assert 0 < out[0] < 1e-60
    assert out[2] == 0.0


@given(dims)
def test_ball_to_cube_decreases(n):
    this, following = ball_to_cube_volume_ratio(n), ball_to_cube_volume_ratio(n + 1)
    assert following <= this
    assert following < this or this == 0.0  # strict until both underflow (n > ~330)


# --- torus_distances -----------------------------------------------------------------------


def test_torus_distances_shape_range_and_seed():
    d = torus_distances(7, 1000, rng=3)
    assert d.shape == (1000,)
    assert d.dtype == np.float64
    assert np.all((d >= 0) & (d <= 1))
    np.testing.assert_array_equal(d, torus_distances(7, 1000, rng=3))
    np.testing.assert_array_equal(d, torus_distances(7, 1000, rng=np.random.default_rng(3)))
    assert not np.array_equal(d, torus_distances(7, 1000, rng=4))


def test_torus_distances_one_dimension_is_uniform():
    # in 1-D the wrapped distance is uniform on [0, 1/2]; normalised by 1/2 it is uniform on [0, 1]
    d = torus_distances(1, 50_000, rng=0)
    assert d.mean() == pytest.approx(0.5, abs=0.01)
    assert np.quantile(d, 0.25) == pytest.approx(0.25, abs=0.01)


def test_torus_distances_concentrate_at_sqrt_one_third():
    d = torus_distances(2000, 2000, rng=0)
    assert d.mean() == pytest.approx(math.sqrt(1 / 3), abs=0.002)
    assert d.std() == pytest.approx(1 / math.sqrt(15 * 2000), rel=0.1)
    assert d.std() < torus_distances(20, 2000, rng=0).std() / 5


def test_torus_distances_chunking_handles_big_inputs():
    d = torus_distances(300_000, 5, rng=1)  # one row exceeds the block size
    assert d.shape == (5,)
    assert np.all(np.abs(d - math.sqrt(1 / 3)) < 0.01)


@pytest.mark.parametrize(
    ("args", "exc", "name"),
    [
        ((0, 5, 0), ValueError, "n "),
        ((2.5, 5, 0), TypeError, "n "),
        ((3, 0, 0), ValueError, "m "),
        ((3, "5", 0), TypeError, "m "),
        ((3, 5, None), TypeError, "rng"),
        ((3, 5, -1), ValueError, "rng"),
        ((3, 5, 1.5), TypeError, "rng"),
        ((3, 5, True), TypeError, "rng"),
    ],
)
def test_torus_distances_rejects_bad_input(args, exc, name):
    with pytest.raises(exc, match=name):
        torus_distances(*args)


def test_docstring_examples_run():
    import doctest

    import helpers.dims

    result = doctest.testmod(helpers.dims)
    assert result.attempted >= 6 and result.failed == 0
