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

from helpers._validate import is_tensor
from helpers.layers import numeric_gradient

__all__ = ["assert_close", "compare_functions", "numeric_gradient", "gradient_check",
           "returned", "assert_equal", "WriteItYourselfError", "write_it_yourself", "guarded"]


def _as_numpy(value: Any, name: str) -> np.ndarray:
    if value is None or value is Ellipsis:
        raise AssertionError(f"not done yet: {name} is {value!r}; return a value")
    if is_tensor(value):
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
        except WriteItYourselfError:
            raise
        except Exception as err:  # noqa: BLE001 - report the student's error with the case
            raise AssertionError(f"{name}({described}) raised {type(err).__name__}: {err}") from err
        if got is None or got is Ellipsis:
            raise AssertionError(f"not done yet: {name} returns {got!r}; return a value")
        want = reference(*args, **kwargs)
        try:
            assert_close(got, want, name=f"{name}({described})", rtol=rtol, atol=atol)
        except AssertionError as err:
            raise AssertionError(str(err)) from None
        count += 1
    if count == 0:
        raise ValueError("cases must contain at least one case")


def returned(value: Any, count: int | None = None, name: str = "your function") -> Any:
    """Check that an answer returned something (and ``count`` values); return it for unpacking.

    Parameters
    ----------
    value : object
        What the student's function returned.
    count : int, optional
        How many values it must return as a tuple or list.
    name : str
        The function, for the message.

    Raises
    ------
    AssertionError
        "not done yet: ... returns None; return a value", or how many values were expected.

    Examples
    --------
    >>> from helpers.checks import returned
    >>> loss, grad = returned((0.5, [1.0]), 2, name="softmax_cross_entropy")
    >>> try:
    ...     returned(None, 2, name="softmax_cross_entropy")
    ... except AssertionError as err:
    ...     print(err)
    not done yet: softmax_cross_entropy returns None; return 2 values
    """
    if value is Ellipsis:  # a stub's `answer = ...`
        raise AssertionError(f"not done yet: {name} is still ...; give it a value")
    if value is None:
        what = "a value" if count is None else f"{count} values"
        raise AssertionError(f"not done yet: {name} returns None; return {what}")
    if count is not None:
        if not isinstance(value, (tuple, list)):
            raise AssertionError(f"{name} must return {count} values (a tuple), "
                                 f"got one {type(value).__name__}")
        if len(value) != count:
            raise AssertionError(f"{name} must return {count} values, got {len(value)}")
    return value


def assert_equal(actual: Any, expected: Any, name: str = "result") -> None:
    """Check an exact answer (an integer count, a list of sizes, a choice) and say what it is.

    Examples
    --------
    >>> from helpers.checks import assert_equal
    >>> try:
    ...     assert_equal(54, 55, name="output_size(227, 11, 4)")
    ... except AssertionError as err:
    ...     print(err)
    output_size(227, 11, 4) is 54, expected 55
    """
    returned(actual, name=name)
    if isinstance(expected, (int, np.integer)) and not isinstance(expected, bool):
        ok = isinstance(actual, (int, np.integer)) and not isinstance(actual, bool) \
            and int(actual) == int(expected)
        if not ok and isinstance(actual, (float, np.floating)) and float(actual) == expected:
            raise AssertionError(f"{name} is {actual!r}, a float: return the integer {expected}")
    else:
        ok = actual == expected
    if not ok:
        raise AssertionError(f"{name} is {actual!r}, expected {expected!r}")


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


# --- "Write it yourself": the references that would answer an exercise, out of reach ----------


class WriteItYourselfError(AssertionError):
    """Raised when an answer calls a function its exercise asks the student to write."""


def _forbidden(name: str) -> Callable:
    def blocked(*args: Any, **kwargs: Any) -> None:
        raise WriteItYourselfError(
            f"this exercise asks you to write it yourself: do not call {name}")

    blocked.__name__ = blocked.__qualname__ = name.rsplit(".", 1)[-1]
    blocked._forbidden = name  # type: ignore[attr-defined]
    return blocked


_MISSING: set[str] = set()


def _find_module(dotted: str):
    """The longest importable prefix of ``dotted`` as a module, and the attribute path after it.

    ``helpers.*`` modules are imported on demand; any other module only if its top-level package
    is already imported (an answer cannot reach a package nobody imported)."""
    import importlib
    import sys

    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        module_name = ".".join(parts[:cut])
        module = sys.modules.get(module_name)
        if (module is None and module_name not in _MISSING
                and (parts[0] == "helpers" or parts[0] in sys.modules)):
            try:
                module = importlib.import_module(module_name)
            except ImportError:
                _MISSING.add(module_name)  # looked for once: imports that fail are slow
                module = None
        if module is not None:
            return module, parts[cut:]
    return None, parts


def _resolve(name: str) -> list[tuple[str, Any, str, Any]]:
    """``[(full name, owner, attribute, object)]`` for a dotted name or ``module.*``.

    Names that do not exist (yet, or any more) resolve to nothing: the lists of forbidden names
    outlive moves of functions between modules."""
    wildcard = name.endswith(".*")
    module, path = _find_module(name[:-2] if wildcard else name)
    if module is None:
        return []
    owner: Any = module
    for attribute in path[:-1] if not wildcard else path:
        owner = getattr(owner, attribute, None)
        if owner is None:
            return []
    if wildcard:
        prefix = name[:-2]
        return [(f"{prefix}.{key}", owner, key, value) for key, value in vars(owner).items()
                if not key.startswith("_") and callable(value)
                and getattr(value, "__module__", None) == getattr(owner, "__name__", None)]
    if not path:
        return []
    value = getattr(owner, path[-1], None)
    return [] if value is None else [(name, owner, path[-1], value)]


class _Patches:
    """Attribute and dictionary replacements that can all be undone, in reverse order."""

    def __init__(self) -> None:
        self._undo: list[Callable[[], None]] = []

    def attribute(self, owner: Any, key: str, value: Any) -> None:
        own = key in getattr(owner, "__dict__", {})
        old = owner.__dict__[key] if own else None
        try:
            setattr(owner, key, value)
        except (AttributeError, TypeError):  # a C type or a read-only module: leave it
            return
        self._undo.append(lambda: setattr(owner, key, old) if own else delattr(owner, key))

    def item(self, namespace: dict, key: str, value: Any) -> None:
        old = namespace[key]
        namespace[key] = value
        self._undo.append(lambda: namespace.__setitem__(key, old))

    def undo(self) -> None:
        while self._undo:
            self._undo.pop()()


def _namespaces(owner: Any, extra: Iterable[dict]) -> list[dict]:
    """Where a forbidden object may also be reachable by another name: every ``helpers``
    module, the top-level package of its owner, the notebook (``__main__``) and ``extra``."""
    import sys

    found = [vars(m) for n, m in list(sys.modules.items())
             if (n == "helpers" or n.startswith("helpers.")) and m is not None]
    top = sys.modules.get(getattr(owner, "__name__", "").split(".")[0])
    for module in (top, sys.modules.get("__main__")):
        if module is not None:
            found.append(vars(module))
    found += list(extra)
    unique: dict[int, dict] = {id(ns): ns for ns in found}
    return list(unique.values())


class write_it_yourself:  # noqa: N801 - used like a function: ``with write_it_yourself(...)``
    """Make functions and classes that would answer an exercise raise while a check runs.

    Inside the ``with`` block every named function (and every other name it is reachable by:
    re-exports in ``helpers`` modules, ``from ... import`` in the notebook) raises
    :class:`WriteItYourselfError` ("this exercise asks you to write it yourself"); a named class
    raises when it is built or called, so a subclass of it or a module made of it fails too.
    Everything is restored on exit. Compute what the check needs from the references *before*
    entering the block, or call the answer through :func:`guarded`.

    Parameters
    ----------
    *names : str
        Dotted names (``"torch.nn.functional.conv2d"``, ``"torch.Tensor.unfold"``,
        ``"helpers.pool.max_pool2d_backward"``) or whole modules (``"helpers.pool.*"``: every
        public function and class defined there). Names that do not exist are skipped.
    namespaces : iterable of dict, optional
        More namespaces to clean by identity, such as the ``__globals__`` of the student's
        function.

    Examples
    --------
    >>> import numpy as np
    >>> from helpers.checks import write_it_yourself
    >>> with write_it_yourself("numpy.convolve"):
    ...     try:
    ...         np.convolve([1, 2], [1, 1])
    ...     except AssertionError as err:
    ...         print(err)
    this exercise asks you to write it yourself: do not call numpy.convolve
    >>> np.convolve([1, 2], [1, 1]).tolist()
    [1, 3, 2]
    """

    def __init__(self, *names: str, namespaces: Iterable[dict] = ()) -> None:
        for name in names:
            if not isinstance(name, str) or not name or name.startswith("."):
                raise TypeError(f"names must be dotted names as str, got {name!r}")
        self.names = names
        self.namespaces = list(namespaces)
        self._patches = _Patches()

    def __enter__(self) -> write_it_yourself:
        try:
            functions: dict[int, tuple[Any, Callable]] = {}
            owners: dict[int, Any] = {}
            for name in self.names:
                for full, owner, key, value in _resolve(name):
                    if getattr(value, "_forbidden", None) or id(value) in functions:
                        continue  # already blocked under another name
                    blocked = _forbidden(full)
                    if isinstance(value, type):
                        for method in ("__init__", "forward", "__call__"):
                            if method in value.__dict__ or method == "__init__":
                                self._patches.attribute(value, method, blocked)
                        continue
                    self._patches.attribute(owner, key, blocked)
                    functions[id(value)] = (value, blocked)
                    owners[id(owner)] = owner
            self._block_other_names(functions, owners)
        except BaseException:
            self._patches.undo()
            raise
        return self

    def _block_other_names(self, functions: dict, owners: dict) -> None:
        """Every other name of a blocked function, in one pass over each namespace."""
        spaces: dict[int, dict] = {}
        for owner in owners.values():
            spaces.update((id(ns), ns) for ns in _namespaces(owner, self.namespaces))
        for namespace in spaces.values():
            for other, candidate in list(namespace.items()):
                found = functions.get(id(candidate))
                if found is not None and found[0] is candidate:
                    self._patches.item(namespace, other, found[1])

    def __exit__(self, *exc: Any) -> None:
        self._patches.undo()


def guarded(answer: Any, *names: str) -> Callable:
    """``answer`` (a function or a class) that runs inside :class:`write_it_yourself`.

    Parameters
    ----------
    answer : callable or type
        The student's function, or their ``nn.Module`` class: the instance is built under the
        guard and its ``forward`` runs under it too.
    *names : str
        What the exercise asks the student not to call (see :class:`write_it_yourself`).

    Returns
    -------
    callable
        With the same name; calling it calls ``answer``. A missing answer (``None`` or ``...``)
        gives a function that fails with "not done yet".

    Examples
    --------
    >>> import numpy as np
    >>> from helpers.checks import guarded
    >>> def smooth(x):
    ...     return np.convolve(x, [0.5, 0.5], "valid")
    >>> try:
    ...     guarded(smooth, "numpy.convolve")([1.0, 3.0])
    ... except AssertionError as err:
    ...     print(str(err).split(":")[0])
    this exercise asks you to write it yourself
    """
    import functools

    if answer is None or answer is Ellipsis or not callable(answer):
        def missing(*args: Any, **kwargs: Any) -> None:
            raise AssertionError(f"not done yet: define the function (got {answer!r})")
        return missing
    spaces = [getattr(answer, "__globals__", None)]
    if isinstance(answer, type):
        spaces += [getattr(f, "__globals__", None) for f in vars(answer).values()]
    spaces = [s for s in spaces if isinstance(s, dict)]

    @functools.wraps(answer)
    def call(*args: Any, **kwargs: Any) -> Any:
        with write_it_yourself(*names, namespaces=spaces):
            result = answer(*args, **kwargs)
        forward = getattr(result, "forward", None)
        if isinstance(answer, type) and callable(forward):
            result.forward = guarded(forward, *names)
        return result

    return call
