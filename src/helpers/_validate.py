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
    if is_tensor(x):  # the NumPy API wants arrays
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
    if type(value) is int:  # the common case, without the slow check against numbers.Integral
        if minimum is not None and value < minimum:
            raise ValueError(f"{name} must be >= {minimum}, got {value}")
        return value
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


def as_generator(rng, name: str = "rng", allow_none: bool = True) -> np.random.Generator:
    """Return ``rng`` as a ``numpy.random.Generator``.

    A Generator is used as it is, a non-negative int seeds a new one, and ``None`` (where
    ``allow_none``) gives a fresh generator seeded from the operating system.
    """
    if rng is None and allow_none:
        return np.random.default_rng()
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, Integral) and not isinstance(rng, (bool, np.bool_)):
        return np.random.default_rng(as_int(rng, name, minimum=0))
    also = ", an int seed or None" if allow_none else " or a non-negative int seed"
    raise TypeError(f"{name} must be a numpy.random.Generator{also}, got {rng!r}")


def is_tensor(x) -> bool:
    """Whether ``x`` is a torch tensor, told without importing torch (the NumPy modules
    must not)."""
    return hasattr(x, "detach") and hasattr(x, "cpu") and hasattr(x, "dim")


def check_conv_channels(c_in: int, weight_shape, groups: int, bias_shape=None) -> None:
    """``ValueError`` unless a convolution's channels fit: ``weight`` is ``(C_out, C_in /
    groups, ...)``, ``groups`` divides ``C_in`` and ``C_out``, and ``bias`` is ``(C_out,)``."""
    c_out, c_per_group = weight_shape[0], weight_shape[1]
    if c_in % groups or c_out % groups:
        raise ValueError(f"groups={groups} must divide both the input channels ({c_in}) and "
                         f"the output channels ({c_out})")
    if c_per_group * groups != c_in:
        raise ValueError(f"channel mismatch: weight has {c_per_group} input channels per "
                         f"group (groups={groups}), so x must have {c_per_group * groups} "
                         f"channels, got x with {c_in}")
    if bias_shape is not None and tuple(bias_shape) != (c_out,):
        raise ValueError(f"bias must have shape ({c_out},), got {tuple(bias_shape)}")
