"""Curse-of-dimensionality quantities: sample counts, rinds, balls in cubes, torus distances.

Every function is a closed form from chapter 2 (except :func:`torus_distances`, which samples).
The closed forms are vectorised: pass a scalar and get a ``float`` back, pass arrays and they
broadcast like NumPy. Huge and tiny numbers are computed through logarithms, so nothing
warns; a value too large for a float64 is ``inf``.

NumPy and SciPy only.
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln

from helpers._validate import as_generator, as_int, as_real_array

__all__ = [
    "samples_needed",
    "log10_samples_needed",
    "rind_fraction",
    "half_length",
    "ball_to_cube_volume_ratio",
    "torus_distances",
]

# torus_distances draws its points in blocks of at most this many numbers (memory bound).
_BLOCK = 2**20


def _real(x, name: str) -> np.ndarray:
    """``x`` as a float array; booleans and NaN are rejected."""
    if isinstance(x, (bool, np.bool_)) or np.asarray(x).dtype == bool:
        raise TypeError(f"{name} must be a real number or array of them, got a boolean")
    arr = as_real_array(x, name)
    if np.isnan(arr).any():
        raise ValueError(f"{name} must not contain NaN")
    return arr


def _check(ok: np.ndarray, name: str, expected: str, arr: np.ndarray) -> None:
    """Raise ``ValueError`` naming ``name`` unless every entry of ``ok`` holds."""
    if not np.all(ok):
        bad = float(arr[~ok].ravel()[0])
        raise ValueError(f"{name} must be {expected}, got {bad}")


def _out(arr: np.ndarray):
    """A Python ``float`` for 0-d results, the array otherwise."""
    return float(arr) if arr.ndim == 0 else arr


def _dimension(n, name: str = "n") -> np.ndarray:
    arr = _real(n, name)
    _check(np.isfinite(arr) & (arr >= 1), name, "a finite dimension >= 1", arr)
    return arr


def samples_needed(eps, d):
    r"""Number of samples :math:`\varepsilon^{-d}` on a grid of spacing ``eps`` in ``d`` dimensions.

    To know a Lipschitz function :math:`f:[0,1]^d\to\mathbb{R}` to accuracy
    :math:`\varepsilon` (up to its Lipschitz constant) one samples it on a grid of spacing
    :math:`\varepsilon`: :math:`1/\varepsilon` points per axis, :math:`\varepsilon^{-d}` in all.

    Parameters
    ----------
    eps : float or array_like
        Accuracy (grid spacing), ``> 0``; normally in ``(0, 1]``.
    d : float or array_like
        Dimension, ``>= 0`` (integer in practice; real values are accepted).
        ``eps`` and ``d`` broadcast against each other.

    Returns
    -------
    float or numpy.ndarray
        :math:`\varepsilon^{-d}`, with the broadcast shape of ``eps`` and ``d``; ``inf`` where
        the count exceeds the largest float64 (about :math:`10^{308}`). Use
        :func:`log10_samples_needed` for such cases.

    Examples
    --------
    >>> samples_needed(0.1, 3)
    1000.0
    >>> samples_needed(0.1, [1, 2, 400]).tolist()
    [10.0, 100.0, inf]
    """
    e = _real(eps, "eps")
    _check(np.isfinite(e) & (e > 0), "eps", "a finite number > 0", e)
    dim = _real(d, "d")
    _check(np.isfinite(dim) & (dim >= 0), "d", "a finite number >= 0", dim)
    with np.errstate(over="ignore", divide="ignore"):
        return _out(np.power(1.0 / e, dim))


def log10_samples_needed(eps, d):
    r"""Base-10 logarithm of :func:`samples_needed`: :math:`-d\,\log_{10}\varepsilon`.

    Finite for any realistic input, so it handles the counts that overflow a float
    (a 12-megapixel RGB image has :math:`d = 3.6\times 10^7`).

    Parameters
    ----------
    eps : float or array_like
        Accuracy, ``> 0``.
    d : float or array_like
        Dimension, ``>= 0``; broadcasts against ``eps``.

    Returns
    -------
    float or numpy.ndarray
        :math:`\log_{10}\varepsilon^{-d}`, with the broadcast shape of the inputs.

    Examples
    --------
    >>> log10_samples_needed(0.1, 12_000_000 * 3)
    36000000.0
    """
    e = _real(eps, "eps")
    _check(np.isfinite(e) & (e > 0), "eps", "a finite number > 0", e)
    dim = _real(d, "d")
    _check(np.isfinite(dim) & (dim >= 0), "d", "a finite number >= 0", dim)
    return _out(-dim * np.log10(e))


def rind_fraction(alpha, n):
    r"""Volume fraction of the rind left when a shape in ``n`` dimensions shrinks by ``alpha``.

    Shrinking a body by the factor :math:`\alpha` (every length times :math:`\alpha`)
    multiplies its volume by :math:`\alpha^n`; the rind between the two bodies holds the
    fraction :math:`1-\alpha^n` of the volume, whatever the shape.

    Parameters
    ----------
    alpha : float or array_like
        Shrink factor in ``[0, 1]``.
    n : float or array_like
        Dimension, ``>= 1``; broadcasts against ``alpha``.

    Returns
    -------
    float or numpy.ndarray
        :math:`1-\alpha^n` in ``[0, 1]``, computed as ``-expm1(n * log1p(alpha - 1))`` so it
        stays accurate for ``alpha`` close to 1.

    Examples
    --------
    >>> rind_fraction(0.5, 2)
    0.75
    >>> rind_fraction(0.99, [1, 10, 1000]).round(3).tolist()
    [0.01, 0.096, 1.0]
    """
    a = _real(alpha, "alpha")
    _check((a >= 0) & (a <= 1), "alpha", "in [0, 1]", a)
    dim = _dimension(n)
    with np.errstate(divide="ignore"):
        return _out(0.0 - np.expm1(dim * np.log1p(a - 1.0)))


def half_length(n, fraction=0.5):
    r"""Shrink factor :math:`\alpha` that keeps the volume ``fraction``: :math:`\alpha^n = f`.

    With the default ``fraction=0.5`` this is the *half-length*
    :math:`\alpha = 2^{-1/n} = e^{-\ln 2/n} \approx 1 - \ln 2/n`: shrinking by it halves the
    volume, so half of the body lies in the rind of relative thickness :math:`1-\alpha`
    (as a fraction of the radius, or :math:`(1-\alpha)/2` of the diameter).

    Parameters
    ----------
    n : float or array_like
        Dimension, ``>= 1``.
    fraction : float or array_like, default 0.5
        Volume fraction to keep, in ``(0, 1)``; broadcasts against ``n``.

    Returns
    -------
    float or numpy.ndarray
        :math:`f^{1/n}` in ``(0, 1)``.

    Examples
    --------
    >>> round(half_length(2), 4)  # 2 ** -0.5
    0.7071
    >>> half_length([1, 3], fraction=0.125).tolist()
    [0.125, 0.5]
    """
    dim = _dimension(n)
    f = _real(fraction, "fraction")
    _check((f > 0) & (f < 1), "fraction", "in the open interval (0, 1)", f)
    return _out(np.power(f, 1.0 / dim))


def ball_to_cube_volume_ratio(n):
    r"""Volume of the ball inscribed in a cube over the cube's volume, in ``n`` dimensions.

    The ball of diameter 1 inside the unit cube has volume
    :math:`\pi^{n/2}\,(1/2)^n / \Gamma(n/2+1)`, so the ratio is

    .. math:: \frac{\pi^{n/2}}{2^n\,\Gamma(n/2+1)},

    :math:`\pi/4` for the disk in the square, :math:`\pi/6` for the ball in the cube. It is
    evaluated through logarithms (``scipy.special.gammaln``), so it underflows gracefully to
    ``0.0`` for huge ``n`` instead of producing ``inf/inf``.

    Parameters
    ----------
    n : float or array_like
        Dimension, ``>= 1`` (real values interpolate through the gamma function).

    Returns
    -------
    float or numpy.ndarray
        The ratio in ``(0, 1]``, same shape as ``n``; ``1 - ratio`` is the fraction of the cube
        in its :math:`2^n` corners.

    Examples
    --------
    >>> import math
    >>> math.isclose(ball_to_cube_volume_ratio(2), math.pi / 4)
    True
    >>> round(1 - ball_to_cube_volume_ratio(8), 3)  # an 8-D cube is ~98% corners
    0.984
    """
    dim = _dimension(n)
    log_ratio = 0.5 * dim * np.log(np.pi) - gammaln(0.5 * dim + 1.0) - dim * np.log(2.0)
    return _out(np.exp(log_ratio))


def torus_distances(n: int, m: int, rng) -> np.ndarray:
    r"""Normalised distances between ``m`` random pairs of points on the unit ``n``-torus.

    Each pair is two independent uniform points :math:`x, y` in :math:`[0,1)^n` with opposite
    faces glued (the torus has no boundary, so no point is special). Per coordinate the
    wrapped difference is :math:`u_i = \min(|x_i-y_i|,\,1-|x_i-y_i|)`, uniform on
    :math:`[0, 1/2]`; the distance is :math:`\sqrt{\sum_i u_i^2}`. It is divided by the
    torus's diameter :math:`\sqrt{n}/2` (the largest possible distance), so values lie in
    :math:`[0, 1]`. Since :math:`E[u_i^2] = 1/12`, the normalised distance concentrates at
    :math:`\sqrt{(n/12)/(n/4)} = \sqrt{1/3} \approx 0.577` as ``n`` grows, with a spread of
    about :math:`1/\sqrt{15 n}`.

    Parameters
    ----------
    n : int
        Dimension of the torus, ``>= 1``.
    m : int
        Number of pairs (of distances), ``>= 1``.
    rng : numpy.random.Generator or int
        Source of randomness, or a non-negative seed for ``numpy.random.default_rng``.
        The result is a deterministic function of ``(n, m, seed)``.

    Returns
    -------
    numpy.ndarray
        Shape ``(m,)``, float64, values in ``[0, 1]``.

    Examples
    --------
    >>> d = torus_distances(1000, 500, rng=0)
    >>> d.shape, bool(abs(d.mean() - 3 ** -0.5) < 0.01)
    ((500,), True)
    """
    n = as_int(n, "n", minimum=1)
    m = as_int(m, "m", minimum=1)
    gen = as_generator(rng, allow_none=False)
    rows = max(1, _BLOCK // n)
    out = np.empty(m)
    for start in range(0, m, rows):
        k = min(rows, m - start)
        diff = np.abs(gen.random((k, n)) - gen.random((k, n)))
        wrapped = np.minimum(diff, 1.0 - diff)
        out[start : start + k] = np.sqrt(np.einsum("ij,ij->i", wrapped, wrapped))
    return out / (0.5 * np.sqrt(n))
