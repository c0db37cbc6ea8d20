"""helpers.checks: the exercise self-checks pass on right answers and explain wrong ones."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from helpers.checks import assert_close, compare_functions, gradient_check
from helpers.layers import numeric_gradient


@settings(max_examples=100, deadline=None)
@given(arrays(np.float64, array_shapes(max_dims=4, max_side=5),
              elements=st.floats(-1e3, 1e3)))
def test_assert_close_accepts_equal_arrays_and_torch_tensors(x):
    assert_close(x, x.copy())
    assert_close(torch.from_numpy(x), x)


def test_missing_answer_is_reported_as_not_done():
    for stub in (None, Ellipsis):
        with pytest.raises(AssertionError, match="not done yet"):
            assert_close(stub, np.zeros(3), name="y")


def test_shape_mismatch_names_both_shapes():
    with pytest.raises(AssertionError, match=r"shape \(2, 3, 5, 5\), expected \(2, 3, 4, 4\)"):
        assert_close(np.zeros((2, 3, 5, 5)), np.zeros((2, 3, 4, 4)))


def test_wrong_entry_reports_max_error_and_index():
    expected = np.zeros((2, 3, 4, 4))
    actual = expected.copy()
    actual[0, 1, 2, 2] = 0.3
    actual[1, 0, 0, 0] = 0.1
    message = r"2 of 96 entries: max error 0\.3 at index \(0, 1, 2, 2\)"
    with pytest.raises(AssertionError, match=message):
        assert_close(actual, expected)


def test_nan_is_reported():
    with pytest.raises(AssertionError, match="NaN"):
        assert_close(np.array([1.0, np.nan]), np.array([1.0, 2.0]))


def test_tolerances_are_respected():
    assert_close(np.array([1.0 + 1e-7]), np.array([1.0]), rtol=1e-6)
    with pytest.raises(AssertionError):
        assert_close(np.array([1.0 + 1e-5]), np.array([1.0]), rtol=1e-6, atol=0)


def test_compare_functions_names_the_failing_case():
    def student(x, k=1):
        return x * k if x.shape[0] < 3 else x

    cases = [((np.ones(2),), {"k": 2}), ((np.ones(4),), {"k": 2})]
    with pytest.raises(AssertionError, match=r"student\(array of shape \(4,\), k=2\)"):
        compare_functions(student, lambda x, k=1: x * k, cases)
    compare_functions(student, lambda x, k=1: x * k, cases[:1])


def test_compare_functions_reports_student_exceptions_and_rejects_no_cases():
    def broken(x):
        raise IndexError("oops")

    with pytest.raises(AssertionError, match="raised IndexError: oops"):
        compare_functions(broken, lambda x: x, [(np.ones(1),)])
    with pytest.raises(ValueError, match="at least one case"):
        compare_functions(broken, lambda x: x, [])


def test_gradient_check_matches_torch_autograd():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 4))
    t = torch.tensor(x, requires_grad=True)
    (t.sin() * t).sum().backward()
    gradient_check(lambda v: float((np.sin(v) * v).sum()), t.grad.numpy(), x)
    with pytest.raises(AssertionError, match="gradient is wrong"):
        gradient_check(lambda v: float((np.sin(v) * v).sum()), np.cos(x), x)
    assert numeric_gradient(lambda v: float(v.sum()), x).shape == x.shape
