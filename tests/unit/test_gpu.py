"""Tests of helpers.gpu: the PyTorch twins against torch.nn.functional, on every device here."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

import helpers
from helpers import conv, gpu, pool

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
DTYPES = [torch.float32, torch.float64]
TOL = {torch.float32: {"rtol": 1e-4, "atol": 1e-4}, torch.float64: {"rtol": 1e-9, "atol": 1e-10}}
if DEVICES[-1] == "cuda":  # TF32 matmuls on recent GPUs are less exact than the CPU
    TOL[torch.float32] = {"rtol": 2e-3, "atol": 2e-3}


def close(actual, expected):
    assert actual.shape == expected.shape and actual.dtype == expected.dtype
    torch.testing.assert_close(actual, expected, **TOL[expected.dtype])


# --------------------------------------------------------------------------- conv2d
@st.composite
def conv_cases(draw):
    groups = draw(st.integers(1, 3))
    c = groups * draw(st.integers(1, 2))
    o = groups * draw(st.integers(1, 2))
    kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = draw(st.one_of(
        st.integers(0, 2), st.tuples(st.integers(0, 2), st.integers(0, 2)),
        st.sampled_from(["valid", "same"]),
    ))
    stride = (1, 1) if padding == "same" else (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    if isinstance(padding, str):  # "same" keeps the size, "valid" pads nothing
        pads = (0, 0)
    else:
        pads = padding if isinstance(padding, tuple) else (padding, padding)
    size = [
        draw(st.integers(max(1, dilation[a] * (kernel[a] - 1) + 1 - 2 * pads[a]), 10))
        for a in (0, 1)
    ]
    return {
        "x_shape": (draw(st.integers(1, 2)), c, *size),
        "w_shape": (o, c // groups, *kernel),
        "bias": draw(st.booleans()),
        "kwargs": {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups},
        "dtype": draw(st.sampled_from(DTYPES)),
        "batched": draw(st.booleans()),
        "seed": draw(st.integers(0, 2**31 - 1)),
    }


def leaf(shape, dtype, device, generator):
    t = torch.randn(shape, generator=generator, dtype=torch.float64).to(dtype=dtype, device=device)
    return t.requires_grad_()


def forward_backward(fn, inputs, seed):
    """Output and the gradients of a fixed random projection of it w.r.t. every input."""
    out = fn(*inputs)
    g = torch.randn(out.shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    grads = torch.autograd.grad(out, [t for t in inputs if t is not None],
                                g.to(dtype=out.dtype, device=out.device))
    return out.detach(), grads


@pytest.mark.filterwarnings("ignore:Using padding='same':UserWarning")  # torch's own note
@pytest.mark.parametrize("device", DEVICES)
@settings(max_examples=150, deadline=None)
@given(conv_cases())
def test_conv2d_equals_torch_forward_and_gradients(device, case):
    gen = torch.Generator().manual_seed(case["seed"])
    dtype = case["dtype"]
    x = leaf(case["x_shape"] if case["batched"] else case["x_shape"][1:], dtype, device, gen)
    w = leaf(case["w_shape"], dtype, device, gen)
    b = leaf(case["w_shape"][:1], dtype, device, gen) if case["bias"] else None
    kwargs = case["kwargs"]
    out, grads = forward_backward(lambda *t: gpu.conv2d(*t, **kwargs), (x, w, b), case["seed"])
    expected, expected_grads = forward_backward(
        lambda *t: F.conv2d(*t, **kwargs), (x, w, b), case["seed"]
    )
    close(out, expected)
    for grad, expected_grad in zip(grads, expected_grads, strict=True):
        close(grad, expected_grad)


@pytest.mark.parametrize("device", DEVICES)
@settings(max_examples=100, deadline=None)
@given(conv_cases())
def test_im2col_is_the_matrix_of_torch_unfold(device, case):
    """conv2d's patches (from a strided view) are exactly torch.nn.functional.unfold's."""
    x = torch.randn(case["x_shape"], dtype=case["dtype"], device=device)
    kernel, kwargs = case["w_shape"][2:], case["kwargs"]
    if isinstance(kwargs["padding"], str):
        return  # F.unfold has no "same"/"valid"; conv2d's test covers them
    pad = kwargs["padding"] if isinstance(kwargs["padding"], tuple) else (kwargs["padding"],) * 2
    expected = F.unfold(x, kernel, dilation=kwargs["dilation"], padding=pad,
                        stride=kwargs["stride"])
    pads = ((pad[0], pad[0]), (pad[1], pad[1]))
    actual = gpu._im2col(x, kernel, kwargs["stride"], pads, kwargs["dilation"])
    assert torch.equal(actual, expected)


def test_conv2d_matches_the_lecture_example():
    """A 3x3 image, a 2x2 kernel: each output is the dot product of a patch with the kernel."""
    x = torch.tensor([[[[1.0, 2, 3], [4, 5, 6], [7, 8, 9]]]])
    w = torch.tensor([[[[1.0, 0], [0, -1]]]])
    np.testing.assert_array_equal(gpu.conv2d(x, w)[0, 0].numpy(), [[-4, -4], [-4, -4]])


@pytest.mark.parametrize("device", DEVICES)
def test_gradcheck_conv2d(device):
    gen = torch.Generator().manual_seed(0)
    x = leaf((1, 4, 5, 6), torch.float64, device, gen)
    w = leaf((4, 2, 3, 2), torch.float64, device, gen)
    b = leaf((4,), torch.float64, device, gen)
    assert torch.autograd.gradcheck(
        lambda *t: gpu.conv2d(*t, stride=(2, 1), padding=1, dilation=(1, 2), groups=2), (x, w, b)
    )
    w_even = leaf((3, 4, 2, 2), torch.float64, device, gen)  # "same" pads unevenly
    assert torch.autograd.gradcheck(lambda *t: gpu.conv2d(*t, padding="same"), (x, w_even))


# --------------------------------------------------------------------------- max pooling
@st.composite
def max_pool_cases(draw):
    kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernel)
    dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    size = [
        draw(st.integers(max(1, dilation[a] * (kernel[a] - 1) + 1 - 2 * padding[a]), 10))
        for a in (0, 1)
    ]
    stride = draw(st.one_of(st.none(), st.tuples(st.integers(1, 3), st.integers(1, 3))))
    return {
        "shape": (draw(st.integers(1, 2)), draw(st.integers(1, 3)), *size),
        "kwargs": {"kernel_size": kernel, "stride": stride, "padding": padding,
                   "dilation": dilation, "ceil_mode": draw(st.booleans())},
        "dtype": draw(st.sampled_from(DTYPES)),
        "batched": draw(st.booleans()),
        "seed": draw(st.integers(0, 2**31 - 1)),
    }


@pytest.mark.parametrize("device", DEVICES)
@settings(max_examples=150, deadline=None)
@given(max_pool_cases())
def test_max_pool2d_equals_torch_forward_and_gradient(device, case):
    gen = torch.Generator().manual_seed(case["seed"])
    shape = case["shape"] if case["batched"] else case["shape"][1:]
    x = leaf(shape, case["dtype"], device, gen)  # random floats: no ties
    kwargs = case["kwargs"]
    out, (grad,) = forward_backward(lambda t: gpu.max_pool2d(t, **kwargs), (x,), case["seed"])
    expected = F.max_pool2d(x, **kwargs, return_indices=True)[1]
    if expected.numel() and expected.max() >= shape[-1] * shape[-2]:
        # a window of padding only: torch's backward would write outside the input
        close(out, F.max_pool2d(x, **kwargs).detach())
        return
    expected, (expected_grad,) = forward_backward(
        lambda t: F.max_pool2d(t, **kwargs), (x,), case["seed"]
    )
    close(out, expected)
    mask = torch.isfinite(expected)  # windows of padding only carry no gradient in either
    if bool(mask.all()):
        close(grad, expected_grad)


@pytest.mark.parametrize("device", DEVICES)
def test_gradcheck_max_pool2d(device):
    x = leaf((2, 2, 6, 7), torch.float64, device, torch.Generator().manual_seed(1))
    assert torch.autograd.gradcheck(
        lambda t: gpu.max_pool2d(t, 3, stride=2, padding=1, ceil_mode=True), (x,)
    )


# --------------------------------------------------------------------------- blur pooling
PASCAL = [[1], [1, 1], [1, 2, 1], [1, 3, 3, 1], [1, 4, 6, 4, 1], [1, 5, 10, 10, 5, 1],
          [1, 6, 15, 20, 15, 6, 1]]


@pytest.mark.parametrize("filt_size", range(1, 8))
def test_binomial_filter_values(filt_size):
    row = torch.tensor(PASCAL[filt_size - 1], dtype=torch.float64)
    filt = gpu.binomial_filter(filt_size, dtype=torch.float64)
    torch.testing.assert_close(filt, torch.outer(row, row) / row.sum() ** 2)
    assert gpu.binomial_filter(filt_size).dtype == torch.get_default_dtype()
    np.testing.assert_allclose(filt.numpy(), pool.binomial_filter(filt_size))


def zhang_blur_pool(x, filt_size, stride, pad_mode):
    """antialiased-cnns' BlurPool restated: pad (floor, ceil), depthwise strided conv."""
    lo, hi = (filt_size - 1) // 2, math.ceil((filt_size - 1) / 2)
    mode = {"reflect": "reflect", "replicate": "replicate", "zero": "constant"}[pad_mode]
    xp = F.pad(x, (lo, hi, lo, hi), mode=mode)
    if filt_size == 1:
        return xp[:, :, ::stride, ::stride]
    row = torch.tensor(PASCAL[filt_size - 1], dtype=x.dtype, device=x.device)
    filt = (torch.outer(row, row) / row.sum() ** 2)[None, None].repeat(x.shape[1], 1, 1, 1)
    return F.conv2d(xp, filt, stride=stride, groups=x.shape[1])


@pytest.mark.parametrize("device", DEVICES)
@settings(max_examples=100, deadline=None)
@given(
    st.integers(1, 7), st.integers(1, 3), st.sampled_from(["reflect", "replicate", "zero"]),
    st.sampled_from(DTYPES),
    st.tuples(st.integers(1, 2), st.integers(1, 4), st.integers(4, 12), st.integers(4, 12)),
    st.integers(0, 2**31 - 1),
)
def test_blur_pool2d_and_module_equal_zhang_reference(
    device, filt_size, stride, pad_mode, dtype, shape, seed
):
    x = leaf(shape, dtype, device, torch.Generator().manual_seed(seed))
    expected, (expected_grad,) = forward_backward(
        lambda t: zhang_blur_pool(t, filt_size, stride, pad_mode), (x,), seed
    )
    out, (grad,) = forward_backward(
        lambda t: gpu.blur_pool2d(t, filt_size, stride, pad_mode), (x,), seed
    )
    close(out, expected)
    close(grad, expected_grad)
    layer = gpu.BlurPool2d(shape[1], filt_size, stride, pad_mode).to(device=device, dtype=dtype)
    close(layer(x).detach(), expected)
    close(gpu.blur_pool2d(x[0], filt_size, stride, pad_mode).detach(), expected[0])
    numpy_out = pool.blur_pool2d(x.detach().cpu().numpy(), filt_size, stride, pad_mode)
    close(torch.from_numpy(numpy_out).to(device), expected)


@pytest.mark.parametrize("device", DEVICES)
def test_blur_pool2d_filt_size_1_is_subsampling(device):
    x = torch.randn(2, 3, 7, 9, device=device)
    assert torch.equal(gpu.blur_pool2d(x, 1, 2), x[..., ::2, ::2])
    assert torch.equal(gpu.BlurPool2d(3, 1, 3).to(device)(x), x[..., ::3, ::3])


@pytest.mark.parametrize("device", DEVICES)
def test_gradcheck_blur_pool2d(device):
    x = leaf((1, 2, 6, 5), torch.float64, device, torch.Generator().manual_seed(2))
    for mode in ("reflect", "replicate", "zero"):
        assert torch.autograd.gradcheck(lambda t, m=mode: gpu.blur_pool2d(t, 4, 2, m), (x,))


@pytest.mark.parametrize("device", DEVICES)
def test_blur_pool_module_buffer_is_not_trainable_and_follows_the_module(device):
    layer = gpu.BlurPool2d(5, filt_size=4)
    assert list(layer.parameters()) == []
    assert set(layer.state_dict()) == {"filt"}  # the key antialiased-cnns uses
    assert layer.filt.shape == (5, 1, 4, 4)
    layer = layer.to(device=device, dtype=torch.float64)
    assert layer.filt.dtype == torch.float64 and layer.filt.device.type == device
    out = layer(torch.ones(2, 5, 8, 8, dtype=torch.float64, device=device))
    torch.testing.assert_close(out, torch.ones_like(out))  # constant in, constant out


@pytest.mark.parametrize("device", DEVICES)
def test_max_blur_pool_is_dense_max_then_blur(device):
    x = torch.randn(2, 4, 11, 10, device=device)
    layer = gpu.MaxBlurPool2d(4).to(device)
    expected = zhang_blur_pool(F.max_pool2d(x, 2, stride=1), 3, 2, "reflect")
    close(layer(x), expected)
    assert layer(x).shape == (2, 4, 5, 5)


# --------------------------------------------------------------------------- Conv2d module
@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize(
    "config",
    [
        {"in_channels": 3, "out_channels": 8, "kernel_size": 3, "padding": 1},
        {"in_channels": 4, "out_channels": 6, "kernel_size": (3, 2), "stride": 2, "groups": 2,
         "bias": False},
        {"in_channels": 2, "out_channels": 2, "kernel_size": 4, "padding": "same",
         "dilation": 2},
    ],
)
def test_conv2d_module_is_a_drop_in_for_nn_conv2d(device, config):
    torch.manual_seed(7)
    reference = nn.Conv2d(**config, device=device)
    torch.manual_seed(7)
    layer = gpu.Conv2d(**config, device=device)
    # same parameter shapes and the same initialisation from the same seed
    for (name, p), (ref_name, q) in zip(layer.named_parameters(), reference.named_parameters(),
                                        strict=True):
        assert name == ref_name and p.shape == q.shape
        torch.testing.assert_close(p, q)
    layer.load_state_dict(reference.state_dict())
    reference.load_state_dict(layer.state_dict())
    x = torch.randn(2, config["in_channels"], 9, 8, device=device)
    close(layer(x), reference(x))


def test_conv2d_module_initialisation_has_torch_spread():
    """Kaiming-uniform with a = sqrt(5): weights uniform in +-1/sqrt(fan_in)."""
    layer = gpu.Conv2d(16, 64, 3)
    bound = 1 / math.sqrt(16 * 9)
    assert layer.weight.abs().max() <= bound
    assert layer.weight.abs().max() > 0.9 * bound
    assert layer.bias.abs().max() <= bound


def small_cnn(conv):
    """A small anti-aliased CNN for 16x16 images, with ``conv`` as its convolution class."""
    return nn.Sequential(
        conv(1, 4, 3, padding=1), nn.ReLU(), gpu.MaxBlurPool2d(4),
        conv(4, 8, 3, padding="same"), nn.ReLU(), gpu.BlurPool2d(8, filt_size=5),
        nn.Flatten(), nn.Linear(8 * 4 * 4, 2),
    )


@pytest.mark.parametrize("device", DEVICES)
def test_modules_train_inside_a_torch_model(device):
    """The modules drop into nn.Sequential: same loss and gradients as with nn.Conv2d, every
    parameter gets a gradient, and a small gradient step lowers the loss."""
    helpers.seed_everything(0)
    model = small_cnn(gpu.Conv2d).to(device)
    twin = small_cnn(nn.Conv2d).to(device)
    twin.load_state_dict(model.state_dict())
    x = torch.randn(16, 1, 16, 16, device=device)
    y = (x[:, 0, :8].mean(dim=(1, 2)) > x[:, 0, 8:].mean(dim=(1, 2))).long()
    loss = F.cross_entropy(model(x), y)
    twin_loss = F.cross_entropy(twin(x), y)
    loss.backward()
    twin_loss.backward()
    close(loss.detach(), twin_loss.detach())
    for p, q in zip(model.parameters(), twin.parameters(), strict=True):
        assert p.grad is not None and bool(p.grad.abs().sum() > 0)
        close(p.grad, q.grad)
    with torch.no_grad():
        for p in model.parameters():
            p -= 1e-2 * p.grad
    assert F.cross_entropy(model(x), y).item() < loss.item()


def test_functions_run_on_helpers_device():
    dev = helpers.device()
    x = torch.randn(1, 2, 8, 8, device=dev)
    assert gpu.conv2d(x, torch.randn(3, 2, 3, 3, device=dev)).device == x.device
    assert gpu.max_pool2d(x, 2).device == x.device
    assert gpu.blur_pool2d(x).device == x.device


# --------------------------------------------------------------------------- bad input
X = torch.zeros(1, 4, 6, 6)
W = torch.zeros(2, 4, 3, 3)
BAD_CALLS = [
    ("numpy x", lambda: gpu.conv2d(np.zeros((1, 4, 6, 6)), W), TypeError, "x"),
    ("list weight", lambda: gpu.conv2d(X, [[1.0]]), TypeError, "weight"),
    ("int x", lambda: gpu.max_pool2d(torch.zeros(1, 1, 4, 4, dtype=torch.int64), 2), TypeError,
     "x"),
    ("complex x", lambda: gpu.blur_pool2d(torch.zeros(1, 1, 4, 4, dtype=torch.complex64)),
     TypeError, "x"),
    ("bool x", lambda: gpu.conv2d(X.bool(), W), TypeError, "x"),
    ("2-D x", lambda: gpu.conv2d(X[0, 0], W), ValueError, "x"),
    ("5-D x", lambda: gpu.max_pool2d(X[None], 2), ValueError, "x"),
    ("3-D weight", lambda: gpu.conv2d(X, W[0]), ValueError, "weight"),
    ("channel mismatch", lambda: gpu.conv2d(X, torch.zeros(2, 3, 3, 3)), ValueError, "weight"),
    ("groups vs C", lambda: gpu.conv2d(X, torch.zeros(3, 1, 3, 3), groups=3), ValueError,
     "groups"),
    ("groups vs O", lambda: gpu.conv2d(X, torch.zeros(3, 2, 3, 3), groups=2), ValueError,
     "groups"),
    ("groups 0", lambda: gpu.conv2d(X, W, groups=0), ValueError, "groups"),
    ("kernel too big", lambda: gpu.conv2d(X, torch.zeros(2, 4, 7, 3)), ValueError,
     "kernel_size"),
    ("dilated too big", lambda: gpu.conv2d(X, W, dilation=3), ValueError, "kernel_size"),
    ("stride 0", lambda: gpu.conv2d(X, W, stride=0), ValueError, "stride"),
    ("dilation 0", lambda: gpu.conv2d(X, W, dilation=(1, 0)), ValueError, "dilation"),
    ("padding < 0", lambda: gpu.conv2d(X, W, padding=-1), ValueError, "padding"),
    ("padding word", lambda: gpu.conv2d(X, W, padding="full"), ValueError, "padding"),
    ("same + stride", lambda: gpu.conv2d(X, W, stride=2, padding="same"), ValueError,
     "padding"),
    ("bias shape", lambda: gpu.conv2d(X, W, torch.zeros(3)), ValueError, "bias"),
    ("weight dtype", lambda: gpu.conv2d(X, W.double()), TypeError, "weight"),
    ("bias dtype", lambda: gpu.conv2d(X, W, torch.zeros(2, dtype=torch.float64)), TypeError,
     "bias"),
    ("pool kernel big", lambda: gpu.max_pool2d(X, 7), ValueError, "kernel_size"),
    ("pool kernel 0", lambda: gpu.max_pool2d(X, 0), ValueError, "kernel_size"),
    ("pool stride 0", lambda: gpu.max_pool2d(X, 2, stride=0), ValueError, "stride"),
    ("pool dilation 0", lambda: gpu.max_pool2d(X, 2, dilation=0), ValueError, "dilation"),
    ("pool padding", lambda: gpu.max_pool2d(X, 2, padding=2), ValueError, "padding"),
    ("pool padding < 0", lambda: gpu.max_pool2d(X, 2, padding=-1), ValueError, "padding"),
    ("ceil_mode", lambda: gpu.max_pool2d(X, 2, ceil_mode=None), TypeError, "ceil_mode"),
    ("blur filt 8", lambda: gpu.blur_pool2d(X, 8), ValueError, "filt_size"),
    ("blur filt 0", lambda: gpu.binomial_filter(0), ValueError, "filt_size"),
    ("blur stride 0", lambda: gpu.blur_pool2d(X, 3, 0), ValueError, "stride"),
    ("blur mode", lambda: gpu.blur_pool2d(X, 3, 2, "circular"), ValueError, "pad_mode"),
    ("reflect tiny", lambda: gpu.blur_pool2d(torch.zeros(1, 1, 1, 6)), ValueError, "x"),
    ("module groups", lambda: gpu.Conv2d(4, 6, 3, groups=4), ValueError, "groups"),
    ("module channels", lambda: gpu.Conv2d(0, 6, 3), ValueError, "in_channels"),
    ("module kernel", lambda: gpu.Conv2d(4, 6, 0), ValueError, "kernel_size"),
    ("module stride", lambda: gpu.Conv2d(4, 6, 3, stride=0), ValueError, "stride"),
    ("module same", lambda: gpu.Conv2d(4, 6, 3, stride=2, padding="same"), ValueError,
     "padding"),
    ("module input", lambda: gpu.Conv2d(3, 6, 3)(X), ValueError, "weight"),
    ("blur module C", lambda: gpu.BlurPool2d(3)(X), ValueError, "channels"),
    ("blur module mode", lambda: gpu.BlurPool2d(3, pad_mode="wrap"), ValueError, "pad_mode"),
    ("maxblur C", lambda: gpu.MaxBlurPool2d(3)(X), ValueError, "channels"),
]


@pytest.mark.parametrize(("label", "call", "error", "name"), BAD_CALLS,
                         ids=[c[0] for c in BAD_CALLS])
def test_bad_input_raises_naming_the_argument(label, call, error, name):
    with pytest.raises(error, match=rf"\b{name}\b"):
        call()


# The same mistake gives the same exception and the same message in the NumPy reference and
# in its torch twin: both read one set of validators (helpers._validate, helpers.shapes).
TWIN_MISTAKES = [
    ("channel mismatch", "conv2d", (X, torch.zeros(2, 3, 3, 3)), {}),
    ("groups vs C_in", "conv2d", (X, torch.zeros(3, 1, 3, 3)), {"groups": 3}),
    ("groups 0", "conv2d", (X, W), {"groups": 0}),
    ("bias shape", "conv2d", (X, W, torch.zeros(3)), {}),
    ("kernel too big", "conv2d", (X, torch.zeros(2, 4, 7, 3)), {}),
    ("stride 0", "conv2d", (X, W), {"stride": 0}),
    ("padding word", "conv2d", (X, W), {"padding": "full"}),
    ("same + stride", "conv2d", (X, W), {"stride": 2, "padding": "same"}),
    ("2-D x", "conv2d", (X[0, 0], W), {}),
    ("pool kernel big", "max_pool2d", (X, 7), {}),
    ("pool padding", "max_pool2d", (X, 2), {"padding": 2}),
    ("ceil_mode", "max_pool2d", (X, 2), {"ceil_mode": None}),
]


@pytest.mark.parametrize(("label", "name", "args", "kwargs"), TWIN_MISTAKES,
                         ids=[m[0] for m in TWIN_MISTAKES])
def test_twins_report_a_mistake_alike(label, name, args, kwargs):
    reference = {"conv2d": conv.conv2d, "max_pool2d": pool.max_pool2d}[name]
    numpy_args = [a.numpy() if isinstance(a, torch.Tensor) else a for a in args]
    with pytest.raises((TypeError, ValueError)) as ours:
        reference(*numpy_args, **kwargs)
    with pytest.raises((TypeError, ValueError)) as twin:
        getattr(gpu, name)(*args, **kwargs)
    assert ours.type is twin.type, (ours.value, twin.value)
    assert str(ours.value) == str(twin.value)
