"""Argument checks shared by the public helpers.

Every public function validates its inputs with these, so a bad call fails at once with a
``TypeError`` or ``ValueError`` that names the argument and says what was expected, instead of
a silent broadcast or a traceback from deep inside NumPy. NumPy only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from numbers import Integral

import numpy as np


def as_real_array(x, name: str) -> np.ndarray:
    """Return ``x`` as a real floating-point array (integers and booleans become float64).

    Raises ``TypeError`` for complex, object, string or otherwise non-numeric input.
    """
    if hasattr(x, "detach") and hasattr(x, "cpu"):  # a torch tensor: the NumPy API wants arrays
        raise TypeError(
            f"{name} must be a NumPy array, got a torch.Tensor; "
            "use .numpy() or the torch twin in helpers.gpu"
        )
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be a real numeric array, got {type(x).__name__}") from err
    if arr.dtype.kind == "c":
        raise TypeError(f"{name} must be real, got complex dtype {arr.dtype}")
    if arr.dtype.kind in "biu":
        return arr.astype(np.float64)
    if arr.dtype.kind != "f":
        raise TypeError(f"{name} must be a real numeric array, got dtype {arr.dtype}")
    return arr


def check_ndim(arr: np.ndarray, name: str, ndims: Iterable[int], layout: str) -> None:
    """Raise ``ValueError`` unless ``arr.ndim`` is one of ``ndims``; ``layout`` names the axes."""
    ndims = tuple(ndims)
    if arr.ndim not in ndims:
        want = " or ".join(f"{d}-D" for d in ndims)
        raise ValueError(f"{name} must be {want} {layout}, got shape {arr.shape}")


def as_int(value, name: str, minimum: int | None = None) -> int:
    """Return ``value`` as an ``int``.

    ``TypeError`` if it is not an integer, ``ValueError`` if it is below ``minimum``.
    """
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an int, got {value!r}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


def as_tuple(value, name: str, n: int, minimum: int | None = None) -> tuple[int, ...]:
    """Return an int or a length-``n`` sequence of ints as ``n`` ints, each >= ``minimum``."""
    if isinstance(value, (tuple, list)):
        if len(value) != n:
            raise ValueError(f"{name} must be an int or a sequence of {n} ints, got {value!r}")
        return tuple(as_int(v, name, minimum) for v in value)
    return (as_int(value, name, minimum),) * n


def check_choice(value, name: str, choices: Iterable[str]) -> str:
    """Raise ``ValueError`` unless ``value`` is one of ``choices``."""
    choices = tuple(choices)
    if value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {listed}; got {value!r}")
    return value


def as_bool(value, name: str) -> bool:
    """Return ``value`` as a ``bool``; ``TypeError`` unless it is ``True`` or ``False``.

    NumPy's ``np.True_`` and ``np.False_`` count as booleans; ints such as 0 and 1 do not.
    """
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def as_array(x, name: str, ndims: Iterable[int], layout: str) -> np.ndarray:
    """A non-empty real array with one of ``ndims`` axes (see :func:`as_real_array`)."""
    arr = as_real_array(x, name)
    check_ndim(arr, name, ndims, layout)
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    return arr


def float_dtype(*arrays) -> np.dtype:
    """float32 if every array is float32 (or float16), float64 otherwise."""
    if all(a.dtype.itemsize <= 4 for a in arrays):
        return np.dtype(np.float32)
    return np.dtype(np.float64)


def as_int_sequence(value, name: str, minimum: int = 1) -> tuple[int, ...]:
    """Return a sequence of ints (layer widths, a shape) as a tuple, each >= ``minimum``."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise TypeError(f"{name} must be a sequence of ints, got {value!r}")
    return tuple(as_int(v, name, minimum=minimum) for v in value)
