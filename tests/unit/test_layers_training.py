"""Tests of the training blocks of helpers.layers against PyTorch: batch norm (values, input and
parameter gradients, running statistics over several steps, evaluation mode), dropout (in
expectation, masks, evaluation mode), and the SGD/momentum/Adam optimisers against torch.optim."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from helpers import layers as L

FAST = settings(max_examples=20, deadline=None)


def _torch_bn(bn: L.BatchNorm2d | L.BatchNorm1d, layout4: bool):
    kind = nn.BatchNorm2d if layout4 else nn.BatchNorm1d
    ref = kind(bn.num_features, eps=bn.eps, momentum=bn.momentum, affine=bn.affine).double()
    if bn.affine:
        with torch.no_grad():
            ref.weight.copy_(torch.tensor(bn.params["weight"]))
            ref.bias.copy_(torch.tensor(bn.params["bias"]))
    return ref


# --------------------------------------------------------------------------- batch norm
@given(n=st.integers(2, 5), c=st.integers(1, 4), h=st.integers(1, 5), w=st.integers(1, 5),
       affine=st.booleans(), seed=st.integers(0, 2**31))
@FAST
def test_batchnorm2d_training_forward_backward_match_torch(n, c, h, w, affine, seed):
    rng = np.random.default_rng(seed)
    bn = L.BatchNorm2d(c, affine=affine, dtype=np.float64)
    if affine:
        bn.params["weight"][:] = rng.normal(size=c)
        bn.params["bias"][:] = rng.normal(size=c)
    ref = _torch_bn(bn, True).train()
    x = rng.normal(2.0, 3.0, size=(n, c, h, w))
    up = rng.normal(size=x.shape)
    xt = torch.tensor(x, requires_grad=True)
    out_t = ref(xt)
    out_t.backward(torch.tensor(up))
    np.testing.assert_allclose(bn.forward(x), out_t.detach().numpy(), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(bn.backward(up), xt.grad.numpy(), rtol=1e-7, atol=1e-9)
    if affine:
        np.testing.assert_allclose(bn.grads["weight"], ref.weight.grad.numpy(), rtol=1e-9,
                                   atol=1e-9)
        np.testing.assert_allclose(bn.grads["bias"], ref.bias.grad.numpy(), rtol=1e-9)
    np.testing.assert_allclose(bn.running_mean, ref.running_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(bn.running_var, ref.running_var.numpy(), rtol=1e-12)


@pytest.mark.parametrize("momentum", [0.1, 0.5, None])
def test_batchnorm_running_stats_after_several_steps_then_eval_match_torch(momentum):
    rng = np.random.default_rng(1)
    bn = L.BatchNorm2d(3, momentum=momentum, dtype=np.float64)
    ref = _torch_bn(bn, True).train()
    for step in range(5):
        x = rng.normal(step, 1 + step, size=(4, 3, 3, 3))
        np.testing.assert_allclose(bn.forward(x), ref(torch.tensor(x)).detach().numpy(),
                                   atol=1e-9)
    np.testing.assert_allclose(bn.running_mean, ref.running_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(bn.running_var, ref.running_var.numpy(), rtol=1e-12)
    assert bn.num_batches_tracked == int(ref.num_batches_tracked) == 5
    bn.eval()
    ref.eval()
    x = rng.normal(size=(2, 3, 4, 4))
    up = rng.normal(size=x.shape)
    xt = torch.tensor(x, requires_grad=True)
    out_t = ref(xt)
    out_t.backward(torch.tensor(up))
    before = bn.running_mean.copy()
    np.testing.assert_allclose(bn.forward(x), out_t.detach().numpy(), atol=1e-9)
    np.testing.assert_allclose(bn.backward(up), xt.grad.numpy(), atol=1e-9)
    np.testing.assert_allclose(bn.grads["weight"], ref.weight.grad.numpy(), atol=1e-9)
    np.testing.assert_array_equal(bn.running_mean, before)  # evaluation never updates them
    # evaluation mode: one sample's output does not depend on the rest of the batch
    np.testing.assert_allclose(bn.forward(x[:1]), bn.forward(x)[:1])


@pytest.mark.parametrize("shape", [(6, 4), (5, 3, 7)])
def test_batchnorm1d_matches_torch(shape):
    rng = np.random.default_rng(2)
    bn = L.BatchNorm1d(shape[1], dtype=np.float64)
    bn.params["weight"][:] = rng.normal(size=shape[1])
    ref = _torch_bn(bn, False).train()
    x, up = rng.normal(size=shape), rng.normal(size=shape)
    xt = torch.tensor(x, requires_grad=True)
    out_t = ref(xt)
    out_t.backward(torch.tensor(up))
    np.testing.assert_allclose(bn.forward(x), out_t.detach().numpy(), atol=1e-9)
    np.testing.assert_allclose(bn.backward(up), xt.grad.numpy(), atol=1e-9)
    np.testing.assert_allclose(bn.running_var, ref.running_var.numpy(), rtol=1e-12)


@pytest.mark.parametrize("training", [True, False])
def test_batchnorm_passes_numeric_gradient_check(training):
    rng = np.random.default_rng(3)
    bn = L.BatchNorm2d(2, dtype=np.float64)
    bn.params["weight"][:] = [1.5, -0.7]
    bn.params["bias"][:] = [0.2, 0.1]
    bn.running_mean[:], bn.running_var[:] = [0.5, -1.0], [2.0, 0.5]
    bn.train(training)
    errors = L.numeric_gradient_check(bn, rng.normal(size=(3, 2, 3, 2)))
    assert max(errors.values()) < 1e-6, errors
    net = L.Sequential(L.Conv2d(1, 2, 3, padding=1, rng=0, dtype=np.float64),
                       L.BatchNorm2d(2, dtype=np.float64), L.ReLU(), L.Flatten(),
                       L.Linear(2 * 16, 3, rng=1, dtype=np.float64)).train(training)
    errors = L.numeric_gradient_check(net, rng.normal(size=(4, 1, 4, 4)), labels=[0, 1, 2, 1])
    if training:  # the batch mean absorbs the conv bias: its gradient is 0, its error noise
        assert np.abs(net[0].grads["bias"]).max() < 1e-12, net[0].grads["bias"]
        errors.pop("0.bias")
    assert max(errors.values()) < 1e-6, errors


def test_batchnorm_wrong_backward_is_caught_by_the_check():
    bn = L.BatchNorm2d(1, dtype=np.float64, affine=False)
    bn.backward = lambda g: g * bn.cache[1].reshape(1, -1, 1, 1)  # ignores the batch terms
    errors = L.numeric_gradient_check(bn, np.random.default_rng(4).normal(size=(3, 1, 2, 2)))
    assert errors["x"] > 0.1


def test_networks_with_batchnorm_and_dropout_round_trip_through_torch():
    rng = np.random.default_rng(5)
    net = L.Sequential(L.Conv2d(1, 3, 3, rng=0), L.BatchNorm2d(3), L.ReLU(), L.Flatten(),
                       L.Dropout(0.3), L.Linear(12, 2, rng=1))
    x = rng.normal(size=(4, 1, 4, 4)).astype(np.float32)
    net.forward(x)  # one training step of the running statistics
    net.eval()
    twin = L.to_torch(net)
    assert not twin[1].training and not twin[4].training
    np.testing.assert_allclose(twin[1].running_mean.numpy(), net[1].running_mean)
    with torch.no_grad():
        np.testing.assert_allclose(twin(torch.tensor(x)).numpy(), net.forward(x), rtol=1e-5,
                                   atol=1e-6)
    back = L.from_torch(twin)
    assert isinstance(back[1], L.BatchNorm2d) and isinstance(back[4], L.Dropout)
    assert not back[1].training
    np.testing.assert_allclose(back.forward(x), net.forward(x), rtol=1e-6)


# --------------------------------------------------------------------------- dropout
@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_matches_torch_in_expectation(p):
    x = np.full(200_000, 2.0)
    ours = L.Dropout(p, rng=0).forward(x)
    torch.manual_seed(0)
    theirs = nn.Dropout(p).train()(torch.tensor(x)).numpy()
    for out in (ours, theirs):
        kept = out != 0
        assert abs(kept.mean() - (1 - p)) < 0.01
        np.testing.assert_allclose(out[kept], 2.0 / (1 - p))  # inverted scaling
        assert abs(out.mean() - 2.0) < 0.03  # expectation equals the input
    assert abs(ours.mean() - theirs.mean()) < 0.05


def test_dropout_backward_uses_the_mask_and_eval_is_identity():
    drop = L.Dropout(0.5, rng=1)
    x = np.arange(1.0, 11.0)
    out = drop.forward(x)
    grad = drop.backward(np.ones_like(x))
    np.testing.assert_array_equal(grad, out / x)  # the same mask and scale
    assert set(np.unique(grad)) <= {0.0, 2.0}
    np.testing.assert_array_equal(drop.eval().forward(x), x)
    np.testing.assert_array_equal(drop.backward(np.ones_like(x)), np.ones_like(x))
    np.testing.assert_array_equal(L.Dropout(1.0, rng=0).forward(x), np.zeros_like(x))
    a, b = L.Dropout(0.5, rng=7).forward(x), L.Dropout(0.5, rng=7).forward(x)
    np.testing.assert_array_equal(a, b)  # an explicit generator makes it reproducible


# --------------------------------------------------------------------------- optimisers
def _run(opt_np, opt_torch, w0, steps=6):
    rng = np.random.default_rng(8)
    params = opt_np.params
    wt = opt_torch.param_groups[0]["params"][0]
    for _ in range(steps):
        target = rng.normal(size=w0.shape)
        grad = 2 * (params["w"] - target) + 0.3 * np.sign(params["w"])  # any gradient will do
        opt_np.step({"w": grad})
        now = wt.detach().numpy()
        wt.grad = torch.tensor(2 * (now - target) + 0.3 * np.sign(now))
        opt_torch.step()
        np.testing.assert_allclose(params["w"], wt.detach().numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("momentum,weight_decay", [(0.0, 0.0), (0.9, 0.0), (0.9, 0.01),
                                                    (0.5, 0.1)])
def test_sgd_and_momentum_match_torch_optim(momentum, weight_decay):
    w0 = np.random.default_rng(9).normal(size=(3, 4))
    params = {"w": w0.copy()}
    wt = torch.tensor(w0.copy(), requires_grad=True)
    _run(L.SGD(params, lr=0.05, momentum=momentum, weight_decay=weight_decay),
         torch.optim.SGD([wt], lr=0.05, momentum=momentum, weight_decay=weight_decay), w0)


@pytest.mark.parametrize("betas,weight_decay", [((0.9, 0.999), 0.0), ((0.5, 0.9), 0.05)])
def test_adam_matches_torch_optim(betas, weight_decay):
    w0 = np.random.default_rng(10).normal(size=(5,))
    params = {"w": w0.copy()}
    wt = torch.tensor(w0.copy(), requires_grad=True)
    _run(L.Adam(params, lr=0.01, betas=betas, weight_decay=weight_decay),
         torch.optim.Adam([wt], lr=0.01, betas=betas, weight_decay=weight_decay), w0)


def test_optimisers_train_a_network_in_place():
    rng = np.random.default_rng(11)
    x, y = rng.normal(size=(32, 4)), rng.integers(0, 3, size=32)
    for make in (lambda p: L.SGD(p, lr=0.2, momentum=0.9), lambda p: L.Adam(p, lr=0.02)):
        f64 = np.float64
        net = L.Sequential(L.Linear(4, 8, rng=0, dtype=f64), L.BatchNorm1d(8, dtype=f64),
                           L.ReLU(), L.Linear(8, 3, rng=1, dtype=f64))
        opt, loss_fn = make(net.params()), L.SoftmaxCrossEntropy()
        first = loss_fn.forward(net.forward(x), y)
        for _ in range(30):
            loss_fn.forward(net.forward(x), y)
            net.backward(loss_fn.backward())
            opt.step(net.grads())
        assert loss_fn.forward(net.forward(x), y) < 0.5 * first


# --------------------------------------------------------------------------- errors
def test_bad_arguments_raise_naming_the_argument():
    with pytest.raises(ValueError, match="num_features"):
        L.BatchNorm2d(0)
    with pytest.raises(ValueError, match="momentum"):
        L.BatchNorm2d(2, momentum=1.5)
    with pytest.raises(ValueError, match="eps"):
        L.BatchNorm2d(2, eps=0)
    with pytest.raises(ValueError, match="x must have 3 channels"):
        L.BatchNorm2d(3).forward(np.zeros((2, 2, 2, 2)))
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        L.BatchNorm2d(3).forward(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="more than one value"):
        L.BatchNorm1d(3).forward(np.zeros((1, 3)))
    with pytest.raises(RuntimeError, match="forward pass first"):
        L.BatchNorm2d(1).backward(np.zeros((2, 1, 1, 1)))
    with pytest.raises(TypeError, match="mode"):
        L.Dropout(0.5).train(1)
    with pytest.raises(ValueError, match="p must be in"):
        L.Dropout(1.2)
    with pytest.raises(TypeError, match="p must be a number"):
        L.Dropout("0.5")
    with pytest.raises(TypeError, match="rng"):
        L.Dropout(0.5, rng="seed")
    w = {"w": np.zeros(2)}
    with pytest.raises(ValueError, match="lr"):
        L.SGD(w, lr=0)
    with pytest.raises(ValueError, match="momentum"):
        L.SGD(w, lr=0.1, momentum=-1)
    with pytest.raises(ValueError, match="betas"):
        L.Adam(w, betas=(0.9,))
    with pytest.raises(TypeError, match="params"):
        L.Adam([np.zeros(2)])
    with pytest.raises(ValueError, match="grads"):
        L.SGD(w, lr=0.1).step({"v": np.zeros(2)})
    with pytest.raises(ValueError, match=r"grads\['w'\] has shape"):
        L.Adam(w).step({"w": np.zeros(3)})
