"""helpers.checks: the exercise self-checks pass on right answers and explain wrong ones."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from helpers.checks import assert_close, compare_functions, gradient_check
from helpers.conv import conv2d as RENAMED  # noqa: N811
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


def test_returned_and_assert_equal_lead_with_what_is_wrong():
    from helpers.checks import assert_equal, returned

    with pytest.raises(AssertionError, match="^not done yet: f returns None; return 2 values$"):
        returned(None, 2, name="f")
    with pytest.raises(AssertionError, match="must return 3 values, got 2"):
        returned((1, 2), 3, name="f")
    assert returned([1, 2], 2) == [1, 2]
    assert_equal(10**12, 10**12)
    with pytest.raises(AssertionError, match=r"n is 1000000000001, expected 1000000000000"):
        assert_equal(10**12 + 1, 10**12, name="n")  # no relative tolerance on counts
    with pytest.raises(AssertionError, match="a float: return the integer 5"):
        assert_equal(5.0, 5, name="n")
    with pytest.raises(AssertionError, match=r"\[1, 2\], expected \[1, 3\]"):
        assert_equal([1, 2], [1, 3], name="sizes")


def test_write_it_yourself_blocks_every_route_to_a_reference_and_restores_them():
    import torch.nn.functional as F  # noqa: N812

    import helpers.conv as conv
    from helpers.checks import WriteItYourselfError, guarded, write_it_yourself

    x, w = np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3))
    routes = [lambda: conv.conv2d(x, w), lambda: RENAMED(x, w),
              lambda: F.conv2d(torch.tensor(x), torch.tensor(w)),
              lambda: torch.conv2d(torch.tensor(x), torch.tensor(w)),
              lambda: torch.tensor(x).unfold(2, 3, 1), lambda: np.convolve([1], [1])]
    names = ("helpers.conv.*", "torch.nn.functional.conv2d", "torch.Tensor.unfold",
             "numpy.convolve", "helpers.no_such_module.f", "torch.no_such_function")
    before = [route() for route in routes]
    with write_it_yourself(*names, namespaces=[globals()]):
        for route in routes:
            with pytest.raises(WriteItYourselfError, match="write it yourself: do not call"):
                route()
    for route, old in zip(routes, before, strict=True):
        assert np.array_equal(np.asarray(route()), np.asarray(old)), "restored on exit"
    cheat = guarded(lambda a: RENAMED(a, w), "helpers.conv.conv2d")
    with pytest.raises(AssertionError, match="helpers.conv.conv2d"):
        cheat(x)
    assert guarded(lambda a: a.sum(), "helpers.conv.conv2d")(x) == 25, "honest answers run"
    with pytest.raises(AssertionError, match="not done yet"):
        guarded(None, "helpers.conv.conv2d")(x)
    with pytest.raises(TypeError, match="names"):
        write_it_yourself(3)


def test_guarded_classes_cannot_be_built_from_or_run_through_a_forbidden_class():
    from torch import nn

    from helpers.checks import guarded

    class Subclass(nn.Conv2d):
        pass

    class Wrapper(nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = nn.Conv2d(1, 1, 3)

        def forward(self, x):
            return self.inner(x)

    with pytest.raises(AssertionError, match="torch.nn.Conv2d"):
        guarded(Subclass, "torch.nn.Conv2d")(1, 1, 3)
    block = guarded(Wrapper, "torch.nn.functional.conv2d")()
    with pytest.raises(AssertionError, match="conv2d"):
        block(torch.zeros(1, 1, 5, 5))
    assert Subclass(1, 1, 3)(torch.zeros(1, 1, 5, 5)).shape == (1, 1, 3, 3), "restored"
