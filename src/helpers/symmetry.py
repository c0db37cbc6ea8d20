"""Symmetries of the input and how much a function respects them.

A *transformation* here is any function ``g`` that maps an input to an input of the same
shape: a permutation of pixels, a cyclic shift, a flip. Two measurements tell how a function
``f`` behaves under ``g``:

* invariance error   ``||f(g x) - f(x)|| / ||f(x)||``   (0 when ``f(g x) = f(x)``);
* equivariance error ``||f(g x) - g(f x)|| / ||f(x)||``  (0 when ``f`` commutes with ``g``).

Everything works on NumPy arrays and on torch tensors alike (the output has the input's type),
and on any axis; torch is only used when a tensor is passed in.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from helpers._validate import as_generator, as_int, is_tensor

__all__ = [
    "cyclic_shift",
    "equivariance_error",
    "invariance_error",
    "invert_permutation",
    "is_permutation",
    "permute_first_layer",
    "permute_pixels",
    "random_permutation",
]


def is_permutation(perm) -> bool:
    """True when ``perm`` is a 1-D integer array holding each of ``0, ..., n - 1`` once.

    Examples
    --------
    >>> is_permutation([2, 0, 1]), is_permutation([0, 0, 1])
    (True, False)
    """
    perm = np.asarray(perm)
    if perm.ndim != 1 or (perm.size and perm.dtype.kind not in "iu"):
        return False
    return bool(np.array_equal(np.sort(perm), np.arange(perm.size)))


def _check_perm(perm, name: str = "perm") -> np.ndarray:
    if is_tensor(perm):
        perm = perm.detach().cpu().numpy()
    if not is_permutation(perm):
        raise ValueError(f"{name} must be a permutation of 0..n-1 (1-D integers), got {perm!r}")
    return np.asarray(perm, dtype=np.int64)


def random_permutation(n: int, rng: int | np.random.Generator | None = None) -> np.ndarray:
    """A uniformly random permutation ``p`` of ``0, ..., n - 1`` as an int64 array of shape (n,).

    Parameters
    ----------
    n : int
        Number of objects.
    rng : int or numpy.random.Generator, optional
        A seed or a generator (default: a fresh unseeded generator).

    Examples
    --------
    >>> p = random_permutation(5, rng=0)
    >>> sorted(p.tolist())
    [0, 1, 2, 3, 4]
    """
    n = as_int(n, "n", minimum=0)
    return as_generator(rng).permutation(n).astype(np.int64)


def invert_permutation(perm) -> np.ndarray:
    """The inverse permutation ``q`` with ``q[perm[i]] = i`` (so ``x[perm][q] == x``).

    Examples
    --------
    >>> invert_permutation([2, 0, 1])
    array([1, 2, 0])
    """
    perm = _check_perm(perm)
    inverse = np.empty_like(perm)
    inverse[perm] = np.arange(perm.size)
    return inverse


def permute_pixels(x, perm, ndim: int = 2):
    """Reorder the pixels of every example: output pixel ``i`` is input pixel ``perm[i]``.

    The last ``ndim`` axes form the pixel grid (2 for images ``(..., H, W)``, 1 for signals or
    table rows ``(..., L)``); they are flattened in C order, indexed by ``perm``, and reshaped
    back, so the output has the input's shape and type. This is ``x ∘ p`` in the lectures'
    notation: ``(x ∘ p)_i = x_{p(i)}``.

    Parameters
    ----------
    x : numpy.ndarray or torch.Tensor, shape ``(..., *grid)``
    perm : array of int, shape ``(prod(grid),)``
    ndim : int
        Number of trailing axes that form the grid.

    Examples
    --------
    >>> permute_pixels(np.array([[10, 20], [30, 40]]), [3, 0, 1, 2])
    array([[40, 10],
           [20, 30]])
    """
    ndim = as_int(ndim, "ndim", minimum=1)
    perm = _check_perm(perm)
    shape = tuple(x.shape)
    if len(shape) < ndim:
        raise ValueError(f"x must have at least ndim={ndim} axes, got shape {shape}")
    grid = shape[len(shape) - ndim :]
    if int(np.prod(grid)) != perm.size:
        raise ValueError(f"perm has {perm.size} entries but the pixel grid {grid} has "
                         f"{int(np.prod(grid))}")
    flat = x.reshape(*shape[: len(shape) - ndim], perm.size)
    if is_tensor(x):
        import torch

        index = torch.as_tensor(perm, device=x.device)
        return flat.index_select(-1, index).reshape(shape)
    return np.asarray(flat)[..., perm].reshape(shape)


def permute_first_layer(weight, perm):
    """Weights of a first layer that sees permuted inputs: ``W_p = W[:, p^{-1}]``.

    If ``f(x) = g(W x + b)`` then ``f_p(x) = g(W_p x + b)`` equals ``f(x ∘ p)`` for every ``x``
    (``x ∘ p = permute_pixels(x, perm, ndim=1)``), because
    ``sum_i W[:, i] x[p(i)] = sum_j W[:, p^{-1}(j)] x[j]``. So the fully connected hypothesis
    space contains ``f_p`` whenever it contains ``f``.

    Parameters
    ----------
    weight : numpy.ndarray or torch.Tensor, shape ``(out_features, in_features)``
    perm : array of int, shape ``(in_features,)``

    Returns
    -------
    Same type as ``weight``, same shape, columns reordered.

    Examples
    --------
    >>> W = np.arange(6).reshape(2, 3); x = np.array([1.0, 2.0, 3.0]); p = [2, 0, 1]
    >>> np.allclose(permute_first_layer(W, p) @ x, W @ x[p])
    True
    """
    if getattr(weight, "ndim", None) != 2:
        raise ValueError(f"weight must be a 2-D (out_features, in_features) matrix, "
                         f"got shape {getattr(weight, 'shape', None)}")
    inverse = invert_permutation(perm)
    if inverse.size != weight.shape[1]:
        raise ValueError(f"perm has {inverse.size} entries but weight has {weight.shape[1]} "
                         "columns")
    if is_tensor(weight):
        import torch

        return weight[:, torch.as_tensor(inverse, device=weight.device)]
    return np.asarray(weight)[:, inverse]


def cyclic_shift(x, shift, axis=-1):
    """Shift ``x`` cyclically (wrap around) by ``shift`` positions along ``axis``.

    ``shift`` and ``axis`` may be ints or equal-length tuples (a 2-D shift of images:
    ``shift=(dy, dx), axis=(-2, -1)``). Positive shifts move content to higher indices:
    ``out[i] = x[i - shift]``.

    Examples
    --------
    >>> cyclic_shift(np.array([1, 2, 3, 4, 5]), 1)
    array([5, 1, 2, 3, 4])
    """
    shifts = tuple(shift) if isinstance(shift, (tuple, list)) else (shift,)
    axes = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    if len(shifts) != len(axes):
        raise ValueError(f"shift and axis must have the same length, got {shift!r} and {axis!r}")
    shifts = tuple(as_int(s, "shift") for s in shifts)
    axes = tuple(as_int(a, "axis") for a in axes)
    nd = len(x.shape)
    if any(not -nd <= a < nd for a in axes):
        raise ValueError(f"axis {axis!r} is out of range for an array with {nd} axes")
    if is_tensor(x):
        import torch

        return torch.roll(x, shifts=shifts, dims=axes)
    return np.roll(np.asarray(x), shifts, axis=axes)


def _norm(v) -> float:
    if is_tensor(v):
        return float(v.detach().double().norm())
    return float(np.linalg.norm(np.asarray(v, dtype=np.float64).ravel()))


def _check_callables(**funcs: Callable) -> None:
    for name, f in funcs.items():
        if not callable(f):
            raise TypeError(f"{name} must be callable, got {type(f).__name__}")


def invariance_error(f: Callable, g: Callable, x) -> float:
    """Relative change of ``f`` when its input is transformed: ``||f(g x) - f(x)|| / ||f(x)||``.

    Parameters
    ----------
    f : callable
        The function under test (a model, a pooling, ...).
    g : callable
        A transformation of the input (e.g. ``lambda x: cyclic_shift(x, 1)``).
    x : array or tensor
        The input(s); norms are taken over everything.

    Returns
    -------
    float
        0 for an invariant ``f``; ``nan`` if ``f(x)`` is zero.

    Examples
    --------
    >>> x = np.array([3.0, 1.0, 2.0])
    >>> invariance_error(np.sum, lambda v: cyclic_shift(v, 1), x)
    0.0
    """
    _check_callables(f=f, g=g)
    fx, fgx = f(x), f(g(x))
    scale = _norm(fx)
    return _norm(fgx - fx) / scale if scale > 0 else float("nan")


def equivariance_error(f: Callable, g: Callable, x, g_out: Callable | None = None,
                       where=None) -> float:
    """Relative failure of ``f`` to commute with ``g``: ``||f(g x) - g(f x)|| / ||f(x)||``.

    Parameters
    ----------
    f : callable
    g : callable
        Transformation of the input.
    x : array or tensor
    g_out : callable, optional
        The matching transformation of the output when it differs from ``g`` (e.g. a shift by
        half the amount after a stride-2 layer). Default: ``g``.
    where : index, optional
        Part of the output to measure (e.g. a tuple of slices that leaves out a border where
        the padding breaks the symmetry); both norms are taken over ``output[where]``.
        Default: all of it.

    Returns
    -------
    float
        0 for an equivariant ``f``; ``nan`` if ``f(x)`` is zero.

    Examples
    --------
    >>> relu = lambda v: np.maximum(v, 0)
    >>> equivariance_error(relu, lambda v: cyclic_shift(v, 2), np.array([1.0, -2.0, 3.0]))
    0.0
    """
    g_out = g if g_out is None else g_out
    _check_callables(f=f, g=g, g_out=g_out)
    fx = f(x)
    part = (lambda y: y) if where is None else (lambda y: y[where])
    scale = _norm(part(fx))
    return _norm(part(f(g(x)) - g_out(fx))) / scale if scale > 0 else float("nan")
