"""Self-checks for exercises: compare a student's answer with a reference and say what is wrong.

Every check raises ``AssertionError`` with a message a student can act on ("shape (2, 3, 5, 5),
expected (2, 3, 4, 4)"; "max error 0.3 at index (0, 1, 2, 2)") and returns ``None`` when the
answer is right, so an exercise's test cell prints nothing on success (otter compares output).

Examples
--------
>>> import numpy as np
>>> from helpers.checks import assert_close
>>> assert_close(np.ones((2, 2)), np.ones((2, 2)))
>>> try:
...     assert_close(np.ones(3), np.ones(4), name="y")
... except AssertionError as err:
...     print(err)
y has shape (3,), expected (4,)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from helpers.layers import numeric_gradient

__all__ = ["assert_close", "compare_functions", "gradient_check"]


def _as_numpy(value: Any, name: str) -> np.ndarray:
    if value is None or value is Ellipsis:
        raise AssertionError(f"{name} is {value!r}: the exercise is not done yet (return a value)")
    if hasattr(value, "detach"):  # a torch tensor
        value = value.detach().cpu().numpy()
    try:
        array = np.asarray(value)
    except Exception as err:  # noqa: BLE001 - any conversion failure is the student's to see
        raise AssertionError(f"{name} could not be read as an array: {err}") from None
    if array.dtype == object:
        raise AssertionError(f"{name} is not numeric (got {type(value).__name__})")
    return array


def assert_close(actual: Any, expected: Any, name: str = "result", rtol: float = 1e-5,
                 atol: float = 1e-8) -> None:
    """Check that ``actual`` equals ``expected`` elementwise within ``atol + rtol * |expected|``.

    Parameters
    ----------
    actual, expected : array_like or torch.Tensor
        The student's answer and the reference, of the same shape.
    name : str
        What ``actual`` is called in the message.
    rtol, atol : float
        Relative and absolute tolerances, as in :func:`numpy.allclose`.

    Raises
    ------
    AssertionError
        With the first problem found: a missing answer, a shape mismatch, NaNs, or the largest
        error and where it is.
    """
    a = _as_numpy(actual, name)
    e = _as_numpy(expected, "the expected value")
    if a.shape != e.shape:
        raise AssertionError(f"{name} has shape {a.shape}, expected {e.shape}")
    if a.size == 0:
        return
    if np.isnan(a).any() and not np.isnan(e).any():
        where = tuple(int(i) for i in np.argwhere(np.isnan(a))[0])
        raise AssertionError(f"{name} contains NaN (first at index {where})")
    error = np.abs(a.astype(np.float64) - e.astype(np.float64))
    allowed = atol + rtol * np.abs(e.astype(np.float64))
    bad = ~(error <= allowed) & ~(np.isnan(a) & np.isnan(e))
    if bad.any():
        worst = np.unravel_index(int(np.argmax(np.where(bad, error, -1.0))), a.shape)
        worst = tuple(int(i) for i in worst)
        raise AssertionError(
            f"{name} is wrong at {int(bad.sum())} of {a.size} entries: max error "
            f"{error[worst]:.3g} at index {worst} (got {a[worst]:.6g}, expected {e[worst]:.6g})"
        )


def compare_functions(student: Callable, reference: Callable, cases: Iterable[tuple],
                      name: str | None = None, rtol: float = 1e-5, atol: float = 1e-8) -> None:
    """Call ``student(*args, **kwargs)`` and ``reference`` on every case and compare the results.

    Parameters
    ----------
    student, reference : callable
        Functions with the same signature.
    cases : iterable of tuple
        Each case is ``args`` (a tuple) or ``(args, kwargs)`` with ``kwargs`` a dict.
    name : str, optional
        Used in messages; defaults to the student's function name.

    Raises
    ------
    AssertionError
        Naming the case (argument shapes and keywords) and what differs.
    """
    name = name or getattr(student, "__name__", "your function")
    count = 0
    for case in cases:
        args, kwargs = (case if len(case) == 2 and isinstance(case[1], dict) else (case, {}))
        described = ", ".join([_describe(a) for a in args]
                              + [f"{k}={v!r}" for k, v in kwargs.items()])
        try:
            got = student(*args, **kwargs)
        except NotImplementedError:
            raise AssertionError(f"{name} is not implemented yet") from None
        except Exception as err:  # noqa: BLE001 - report the student's error with the case
            raise AssertionError(f"{name}({described}) raised {type(err).__name__}: {err}") from err
        want = reference(*args, **kwargs)
        try:
            assert_close(got, want, name=f"{name}({described})", rtol=rtol, atol=atol)
        except AssertionError as err:
            raise AssertionError(str(err)) from None
        count += 1
    if count == 0:
        raise ValueError("cases must contain at least one case")


def _describe(value: Any) -> str:
    shape = getattr(value, "shape", None)
    return f"array of shape {tuple(shape)}" if shape is not None else repr(value)


def gradient_check(f: Callable[[np.ndarray], float], grad: Any, x: np.ndarray,
                   name: str = "gradient", eps: float = 1e-6, rtol: float = 1e-4,
                   atol: float = 1e-6) -> None:
    """Check an analytic ``grad`` of scalar ``f`` at ``x`` against central differences.

    The numbers come from :func:`helpers.layers.numeric_gradient`; this check turns a
    difference into an ``AssertionError`` a student can act on.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([1.0, -2.0])
    >>> gradient_check(lambda v: float((v ** 2).sum()), 2 * x, x)
    """
    assert_close(grad, numeric_gradient(f, x, eps), name=name, rtol=rtol, atol=atol)
