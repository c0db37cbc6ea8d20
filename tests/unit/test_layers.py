"""Tests of helpers.layers: every block's forward and backward against PyTorch autograd, the
whole network against numeric gradients and PyTorch, softmax/cross-entropy stability, errors."""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from helpers import layers as L

FAST = settings(max_examples=25, deadline=None)


def t64(a):
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


def torch_grads(module_fn, x, grad_out, params=()):
    """Output, input gradient and parameter gradients of ``module_fn`` by autograd."""
    xt = t64(x)
    out = module_fn(xt)
    out.backward(torch.tensor(grad_out))
    return out.detach().numpy(), xt.grad.numpy(), [p.grad.numpy() for p in params]


# --------------------------------------------------------------------------- softmax and loss
@given(n=st.integers(1, 5), c=st.integers(1, 6), scale=st.sampled_from([1.0, 30.0, 1e4]),
       seed=st.integers(0, 2**31))
@FAST
def test_softmax_log_softmax_cross_entropy_match_torch(n, c, scale, seed):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, c)) * scale
    y = rng.integers(0, c, size=n)
    zt = torch.tensor(z)
    np.testing.assert_allclose(L.softmax(z), torch.softmax(zt, 1).numpy(), rtol=1e-12,
                               atol=1e-15)
    np.testing.assert_allclose(L.log_softmax(z), torch.log_softmax(zt, 1).numpy(), rtol=1e-12)
    expected = float(F.cross_entropy(zt, torch.tensor(y)))
    assert L.cross_entropy(z, y) == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_softmax_cross_entropy_stable_on_huge_logits():
    z = np.array([[1e30, 0.0, -1e30], [1000.0, 1001.0, 999.0], [-1e4, -1e4, -1e4]])
    q = L.softmax(z)
    assert np.isfinite(q).all() and np.allclose(q.sum(axis=1), 1.0)
    np.testing.assert_allclose(q[0], [1.0, 0.0, 0.0])
    # a wrong answer with a huge margin costs exactly the margin, not inf or nan
    assert L.cross_entropy(z[:1], [1]) == pytest.approx(1e30)
    assert L.cross_entropy(z[2:], [0]) == pytest.approx(np.log(3))
    loss_fn = L.SoftmaxCrossEntropy()
    loss = loss_fn.forward(z, np.array([0, 1, 2]))
    assert np.isfinite(loss) and np.isfinite(loss_fn.backward()).all()


@given(n=st.integers(1, 6), c=st.integers(2, 7), seed=st.integers(0, 2**31))
@FAST
def test_softmax_cross_entropy_gradient_matches_torch(n, c, seed):
    rng = np.random.default_rng(seed)
    z, y = rng.normal(size=(n, c)) * 3, rng.integers(0, c, size=n)
    loss_fn = L.SoftmaxCrossEntropy()
    loss = loss_fn.forward(z, y)
    zt = t64(z)
    expected = F.cross_entropy(zt, torch.tensor(y))
    expected.backward()
    assert loss == pytest.approx(expected.item(), rel=1e-12)
    np.testing.assert_allclose(loss_fn.backward(), zt.grad.numpy(), rtol=1e-10, atol=1e-14)
    # the formula (softmax - onehot) / N, row sums zero
    onehot = np.eye(c)[y]
    np.testing.assert_allclose(loss_fn.backward(), (L.softmax(z) - onehot) / n, atol=1e-15)


# --------------------------------------------------------------------------- blocks vs torch
@given(n=st.integers(1, 4), d=st.integers(1, 7), k=st.integers(1, 5), seed=st.integers(0, 2**31))
@FAST
def test_linear_forward_backward_match_torch(n, d, k, seed):
    rng = np.random.default_rng(seed)
    layer = L.Linear(d, k, rng=rng, dtype=np.float64)
    x, g = rng.normal(size=(n, d)), rng.normal(size=(n, k))
    twin = nn.Linear(d, k).double()
    twin.load_state_dict({k_: torch.tensor(v) for k_, v in layer.params.items()})
    out, gx, (gw, gb) = torch_grads(twin, x, g, [twin.weight, twin.bias])
    np.testing.assert_allclose(layer.forward(x), out, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.backward(g), gx, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.grads["weight"], gw, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.grads["bias"], gb, rtol=1e-12, atol=1e-12)


@given(shape=st.lists(st.integers(1, 5), min_size=1, max_size=4), seed=st.integers(0, 2**31))
@FAST
def test_relu_and_flatten_match_torch(shape, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(2, *shape))
    relu = L.ReLU()
    g = rng.normal(size=x.shape)
    out, gx, _ = torch_grads(torch.relu, x, g)
    np.testing.assert_array_equal(relu.forward(x), out)
    np.testing.assert_array_equal(relu.backward(g), gx)
    flat = L.Flatten()
    gf = rng.normal(size=(2, int(np.prod(shape))))
    out, gx, _ = torch_grads(nn.Flatten(), x, gf)
    np.testing.assert_array_equal(flat.forward(x), out)
    np.testing.assert_array_equal(flat.backward(gf), gx)


@st.composite
def conv_cases(draw):
    k = draw(st.integers(1, 4))
    stride, padding = draw(st.integers(1, 2)), draw(st.integers(0, k // 2 + 1))
    size = draw(st.integers(max(1, k - 2 * padding), 9))
    return dict(n=draw(st.integers(1, 3)), c_in=draw(st.integers(1, 3)),
                c_out=draw(st.integers(1, 4)), k=k, stride=stride, padding=padding, size=size,
                seed=draw(st.integers(0, 2**31)))


@given(case=conv_cases())
@FAST
def test_conv2d_forward_backward_match_torch(case):
    rng = np.random.default_rng(case["seed"])
    layer = L.Conv2d(case["c_in"], case["c_out"], case["k"], case["stride"], case["padding"],
                     rng=rng, dtype=np.float64)
    x = rng.normal(size=(case["n"], case["c_in"], case["size"], case["size"]))
    twin = nn.Conv2d(case["c_in"], case["c_out"], case["k"], case["stride"],
                     case["padding"]).double()
    twin.load_state_dict({k_: torch.tensor(v) for k_, v in layer.params.items()})
    out = layer.forward(x)
    g = rng.normal(size=out.shape)
    t_out, gx, (gw, gb) = torch_grads(twin, x, g, [twin.weight, twin.bias])
    np.testing.assert_allclose(out, t_out, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.backward(g), gx, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.grads["weight"], gw, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.grads["bias"], gb, rtol=1e-10, atol=1e-12)


@given(k=st.integers(1, 3), stride=st.sampled_from([None, 1, 2]), size=st.integers(3, 9),
       seed=st.integers(0, 2**31))
@FAST
def test_maxpool2d_forward_backward_match_torch(k, stride, size, seed):
    rng = np.random.default_rng(seed)
    layer = L.MaxPool2d(k, stride)
    x = rng.normal(size=(2, 3, size, size))
    out = layer.forward(x)
    g = rng.normal(size=out.shape)
    t_out, gx, _ = torch_grads(lambda v: F.max_pool2d(v, k, stride), x, g)
    np.testing.assert_array_equal(out, t_out)
    np.testing.assert_allclose(layer.backward(g), gx, rtol=1e-12, atol=1e-14)


def test_init_matches_torch_default_bounds():
    """Kaiming-uniform with a = sqrt(5): weights and biases uniform in +-1/sqrt(fan_in)."""
    conv = L.Conv2d(3, 64, 5, rng=0)
    lin = L.Linear(400, 300, rng=0)
    for layer, fan_in in ((conv, 75), (lin, 400)):
        bound = 1 / np.sqrt(fan_in)
        for value in layer.params.values():
            assert np.abs(value).max() <= bound
            assert np.abs(value).max() > 0.9 * bound  # it fills the interval
            assert value.dtype == np.float32
    # the same spread as torch's own initialisation of the same layer
    torch.manual_seed(0)
    assert np.std(conv.params["weight"]) == pytest.approx(
        nn.Conv2d(3, 64, 5).weight.std().item(), rel=0.05)


# --------------------------------------------------------------------------- whole network
def small_net(rng, dtype=np.float64):
    return L.Sequential(L.Conv2d(2, 3, 3, padding=1, rng=rng, dtype=dtype), L.ReLU(),
                        L.MaxPool2d(2), L.Flatten(), L.Linear(3 * 3 * 3, 4, rng=rng, dtype=dtype))


def test_network_gradient_passes_numeric_check():
    rng = np.random.default_rng(1)
    net = small_net(rng, np.float32)  # the check itself runs in float64
    x, y = rng.normal(size=(3, 2, 6, 6)), np.array([0, 3, 1])
    errors = L.numeric_gradient_check(net, x, y)
    assert set(errors) == {"x", "0.weight", "0.bias", "4.weight", "4.bias"}
    assert max(errors.values()) < 1e-6, errors
    assert net.params()["0.weight"].dtype == np.float32  # parameters restored


def test_numeric_check_detects_a_wrong_gradient():
    class Doubled(L.ReLU):  # a ReLU whose backward is twice too large
        def backward(self, grad_out):
            return 2 * super().backward(grad_out)

    rng = np.random.default_rng(2)
    net = L.Sequential(L.Linear(3, 4, rng=rng), Doubled(), L.Linear(4, 2, rng=rng))
    errors = L.numeric_gradient_check(net, rng.normal(size=(5, 3)), np.array([0, 1, 1, 0, 1]))
    assert errors["0.weight"] > 0.3 and errors["x"] > 0.3
    assert errors["2.weight"] < 1e-6  # the block after the bug is still right
    # the function form
    f = lambda v: float((v**3).sum())  # noqa: E731
    v = rng.normal(size=4)
    assert L.numeric_gradient_check(f, v, grad=3 * v**2)["x"] < 1e-8
    assert L.numeric_gradient_check(f, v, grad=2 * v**2)["x"] > 0.1


def test_network_matches_torch_twin_and_round_trips():
    rng = np.random.default_rng(3)
    net = small_net(rng)
    twin = L.to_torch(net)
    assert twin[0].weight.dtype == torch.float64
    x, y = rng.normal(size=(4, 2, 6, 6)), np.array([0, 1, 2, 3])
    loss_fn = L.SoftmaxCrossEntropy()
    loss = loss_fn.forward(net.forward(x), y)
    gx = net.backward(loss_fn.backward())
    xt = t64(x)
    t_loss = F.cross_entropy(twin(xt), torch.tensor(y))
    t_loss.backward()
    assert loss == pytest.approx(t_loss.item(), rel=1e-10)
    np.testing.assert_allclose(gx, xt.grad.numpy(), rtol=1e-8, atol=1e-12)
    for name, p in twin.named_parameters():
        np.testing.assert_allclose(net.grads()[name], p.grad.numpy(), rtol=1e-8, atol=1e-12)
    back = L.from_torch(twin, dtype=np.float64)
    for name, value in net.params().items():
        np.testing.assert_array_equal(back.params()[name], value)
    np.testing.assert_array_equal(back.forward(x), net.forward(x))
    twin32 = L.to_torch(small_net(rng, np.float32))
    assert twin32[0].weight.dtype == torch.float32
    assert L.from_torch(twin32).params()["4.weight"].dtype == np.float32


def test_one_sgd_step_decreases_the_loss_like_torch():
    rng = np.random.default_rng(4)
    net = small_net(rng)
    twin = L.to_torch(net)
    x, y = rng.normal(size=(8, 2, 6, 6)), rng.integers(0, 4, size=8)
    loss_fn = L.SoftmaxCrossEntropy()
    before = loss_fn.forward(net.forward(x), y)
    net.backward(loss_fn.backward())
    L.sgd_step(net.params(), net.grads(), lr=0.1)
    after = loss_fn.forward(net.forward(x), y)
    assert after < before
    opt = torch.optim.SGD(twin.parameters(), lr=0.1)
    F.cross_entropy(twin(torch.tensor(x)), torch.tensor(y)).backward()
    opt.step()
    for name, p in twin.named_parameters():
        np.testing.assert_allclose(net.params()[name], p.detach().numpy(), rtol=1e-10, atol=1e-12)


# --------------------------------------------------------------------------- bad input
def test_bad_input_errors_name_the_argument():
    with pytest.raises(ValueError, match="logits"):
        L.softmax(np.ones(3))
    with pytest.raises(TypeError, match="labels"):
        L.cross_entropy(np.ones((2, 3)), [0.5, 1.0])
    with pytest.raises(ValueError, match="labels"):
        L.cross_entropy(np.ones((2, 3)), [0, 3])
    with pytest.raises(ValueError, match="labels"):
        L.cross_entropy(np.ones((2, 3)), [0])
    with pytest.raises(ValueError, match="in_features"):
        L.Linear(0, 3)
    with pytest.raises(TypeError, match="rng"):
        L.Linear(2, 3, rng="seed")
    with pytest.raises(TypeError, match="dtype"):
        L.Linear(2, 3, dtype=np.int32)
    with pytest.raises(ValueError, match="features"):
        L.Linear(2, 3, rng=0).forward(np.ones((4, 5)))
    with pytest.raises(ValueError, match="channels"):
        L.Conv2d(3, 4, 3, rng=0).forward(np.ones((1, 2, 5, 5)))
    with pytest.raises(ValueError, match="x must be 4-D"):
        L.MaxPool2d(2).forward(np.ones((5, 5)))
    with pytest.raises(TypeError, match="x"):
        L.ReLU().forward(torch.ones(3))
    with pytest.raises(RuntimeError, match="forward"):
        L.Linear(2, 3, rng=0).backward(np.ones((1, 3)))
    layer = L.Linear(2, 3, rng=0)
    layer.forward(np.ones((4, 2)))
    with pytest.raises(ValueError, match="grad_out"):
        layer.backward(np.ones((4, 2)))
    with pytest.raises(TypeError, match="layer 1"):
        L.Sequential(L.ReLU(), "relu")
    with pytest.raises(ValueError, match="lr"):
        L.sgd_step(layer.params, layer.params, lr=-1)
    with pytest.raises(ValueError, match="keys"):
        L.sgd_step(layer.params, {"weight": layer.params["weight"]}, lr=0.1)
    with pytest.raises(ValueError, match="grad is required"):
        L.numeric_gradient_check(lambda v: 0.0, np.ones(2))
    with pytest.raises(TypeError, match="model must be"):
        L.to_torch(L.ReLU())
    with pytest.raises(TypeError, match="no NumPy twin"):
        L.from_torch(nn.Sequential(nn.Sigmoid()))


def test_numeric_gradient_is_the_central_difference_and_checks_its_arguments():
    x = np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(L.numeric_gradient(lambda v: float((v ** 3).sum()), x),
                               3 * x ** 2, rtol=1e-8)
    assert np.array_equal(x, [0.5, -1.0, 2.0]), "x must not be modified"
    with pytest.raises(TypeError, match=r"\bf\b"):
        L.numeric_gradient(3.0, x)
    with pytest.raises(ValueError, match="eps"):
        L.numeric_gradient(np.sum, x, eps=0)


# --------------------------------------------------------------------------- input_grad=False
def test_backward_without_input_grad_gives_the_same_parameter_gradients_as_torch():
    """input_grad=False: the network returns None and every parameter gradient is the one of
    the full backward pass, and PyTorch's when the images do not require a gradient."""
    rng = np.random.default_rng(7)
    net = small_net(rng)
    x, y = rng.normal(size=(4, 2, 6, 6)), np.array([0, 1, 2, 3])
    loss_fn = L.SoftmaxCrossEntropy()
    loss_fn.forward(net.forward(x), y)
    assert net.backward(loss_fn.backward()).shape == x.shape
    full = {k: v.copy() for k, v in net.grads().items()}
    loss_fn.forward(net.forward(x), y)
    assert net.backward(loss_fn.backward(), input_grad=False) is None
    for name, value in net.grads().items():
        np.testing.assert_array_equal(value, full[name])
    twin = L.to_torch(net)
    F.cross_entropy(twin(torch.tensor(x)), torch.tensor(y)).backward()  # x needs no gradient
    for name, p in twin.named_parameters():
        np.testing.assert_allclose(net.grads()[name], p.grad.numpy(), rtol=1e-8, atol=1e-12)


def test_backward_without_input_grad_skips_what_only_the_input_needs(monkeypatch):
    """Blocks before the first one with parameters are not run, that block is asked for its
    parameter gradients only, and a block without the option still works (its input
    gradient is dropped)."""
    calls = []

    def spy(layer):
        original = layer.backward

        @functools.wraps(original)  # keeps the signature, which Sequential looks at
        def backward(grad_out, **kw):
            calls.append((type(layer).__name__, kw))
            return original(grad_out, **kw)

        monkeypatch.setattr(layer, "backward", backward)
        return layer

    rng = np.random.default_rng(8)
    net = L.Sequential(spy(L.ReLU()), spy(L.Conv2d(2, 3, 3, padding=1, rng=rng)), spy(L.ReLU()),
                       spy(L.Flatten()), spy(L.Linear(3 * 6 * 6, 4, rng=rng)))
    out = net.forward(rng.normal(size=(2, 2, 6, 6)))
    assert net.backward(np.ones_like(out), input_grad=False) is None
    assert calls == [("Linear", {}), ("Flatten", {}), ("ReLU", {}),
                     ("Conv2d", {"input_grad": False})]

    class Scale:  # a block of one's own, without the input_grad option
        def __init__(self):
            self.params, self.grads = {"s": np.array([2.0])}, {}

        def forward(self, x):
            self.x = x
            return 2.0 * x

        def backward(self, grad_out):
            self.grads = {"s": np.array([float((grad_out * self.x).sum())])}
            return 2.0 * grad_out

    mine = L.Sequential(Scale(), L.Linear(3, 2, rng=rng))
    out = mine.forward(np.ones((4, 3)))
    assert mine.backward(np.ones_like(out), input_grad=False) is None
    assert set(mine.grads()) == {"0.s", "1.weight", "1.bias"}
    nothing = L.Sequential(L.ReLU(), L.Flatten())  # no parameters: nothing to compute
    nothing.forward(np.ones((2, 3, 2)))
    assert nothing.backward(np.ones((2, 6)), input_grad=False) is None


@pytest.mark.parametrize("make", [lambda r: L.Linear(12, 3, rng=r), lambda r: L.ReLU(),
                                  lambda r: L.Flatten(), lambda r: L.MaxPool2d(2),
                                  lambda r: L.Conv2d(3, 2, 3, padding=1, rng=r),
                                  lambda r: L.BatchNorm2d(3), lambda r: L.Dropout(0.5, rng=r)],
                         ids=["Linear", "ReLU", "Flatten", "MaxPool2d", "Conv2d", "BatchNorm2d",
                              "Dropout"])
def test_every_block_takes_input_grad(make):
    """backward(g, input_grad=False) returns None and stores the same parameter gradients;
    a value that is not a bool raises a TypeError naming input_grad."""
    rng = np.random.default_rng(9)
    layer = make(rng)
    x = rng.normal(size=(4, 12) if isinstance(layer, L.Linear) else (4, 3, 2, 2))
    out = layer.forward(x)
    g = rng.normal(size=out.shape)
    assert layer.backward(g).shape == x.shape
    full = {k: v.copy() for k, v in layer.grads.items()}
    assert layer.backward(g, input_grad=False) is None
    assert layer.grads.keys() == full.keys()
    for name, value in layer.grads.items():
        np.testing.assert_array_equal(value, full[name])
    with pytest.raises(TypeError, match="input_grad"):
        layer.backward(g, input_grad=1)


def test_sequential_backward_checks_input_grad():
    net = L.Sequential(L.Linear(3, 2, rng=0))
    net.forward(np.ones((1, 3)))
    with pytest.raises(TypeError, match="input_grad"):
        net.backward(np.ones((1, 2)), input_grad="no")
