"""A convolutional network from scratch in NumPy: one class per block, forward and backward.

Every block follows lecture 001's *modular backpropagation*. The forward pass ``o = f(x; w)``
keeps what the backward pass will need; ``backward(grad_out)`` receives ``dL/do`` and

- stores the gradient with respect to the block's parameters, ``dL/dw = dL/do . do/dw``, in
  ``block.grads`` (same keys as ``block.params``);
- returns the gradient with respect to its input, ``dL/dx = dL/do . do/dx``, which is the
  ``grad_out`` of the block before it.

:class:`Sequential` chains the blocks: its ``backward`` walks them in reverse order, passing
each block's input gradient to the one before it. Every block's ``backward`` also takes
``input_grad=False``, which stores the parameter gradients and returns ``None`` instead of
``dL/dx``: the gradient with respect to the network's input (a batch of images) is of no
use for training, and autograd does not compute it either, so ``Sequential.backward(grad,
input_grad=False)`` skips it (for a first convolution it is most of the backward pass).
:class:`SoftmaxCrossEntropy` ends the chain with the loss and its gradient
``(softmax(logits) - onehot) / N``. Blocks are initialised as
PyTorch initialises ``nn.Linear`` and ``nn.Conv2d`` (Kaiming-uniform with ``a = sqrt(5)``, i.e.
uniform in ``+-1/sqrt(fan_in)``), and :func:`to_torch` / :func:`from_torch` copy a network to
and from the identical ``torch.nn.Sequential``, so both can start from the same weights.

Convolution and pooling use :mod:`helpers.conv` and :mod:`helpers.pool`. NumPy only: PyTorch
is imported inside :func:`to_torch` and :func:`from_torch`, never at module level.

Examples
--------
>>> rng = np.random.default_rng(0)
>>> net = Sequential(Conv2d(1, 2, 3, padding=1, rng=rng), ReLU(), MaxPool2d(2), Flatten(),
...                  Linear(2 * 2 * 2, 3, rng=rng))
>>> x, labels = rng.normal(size=(5, 1, 4, 4)), np.array([0, 1, 2, 0, 1])
>>> loss_fn = SoftmaxCrossEntropy()
>>> loss = loss_fn.forward(net.forward(x), labels)
>>> grad_x = net.backward(loss_fn.backward())
>>> grad_x.shape, sorted(net.grads())
((5, 1, 4, 4), ['0.bias', '0.weight', '4.bias', '4.weight'])
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable

import numpy as np

from helpers._validate import as_bool, as_generator, as_int, as_real_array, as_tuple, check_ndim
from helpers.conv import conv2d, conv2d_backward
from helpers.pool import max_pool2d, max_pool2d_backward

__all__ = [
    "Adam",
    "BatchNorm1d",
    "BatchNorm2d",
    "Conv2d",
    "Dropout",
    "Flatten",
    "Linear",
    "MaxPool2d",
    "ReLU",
    "SGD",
    "Sequential",
    "SoftmaxCrossEntropy",
    "cross_entropy",
    "from_torch",
    "log_softmax",
    "numeric_gradient",
    "numeric_gradient_check",
    "sgd_step",
    "softmax",
    "to_torch",
]


# --------------------------------------------------------------------------------------------
# softmax and cross-entropy
# --------------------------------------------------------------------------------------------
def _logits(logits) -> np.ndarray:
    z = as_real_array(logits, "logits")
    check_ndim(z, "logits", (2,), "(N, C) scores")
    if 0 in z.shape:
        raise ValueError(f"logits must have at least one example and one class, got {z.shape}")
    return z


def _labels(labels, n: int, num_classes: int) -> np.ndarray:
    y = np.asarray(labels)
    if y.dtype.kind not in "iu":
        raise TypeError(f"labels must be integer class indices, got dtype {y.dtype}")
    if y.shape != (n,):
        raise ValueError(f"labels must have shape ({n},) (one per row of logits), got {y.shape}")
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(f"labels must lie in [0, {num_classes - 1}], got {y.min()}..{y.max()}")
    return y.astype(np.int64)


def log_softmax(logits) -> np.ndarray:
    """Logarithm of the softmax, computed stably: ``z - max(z) - log(sum(exp(z - max(z))))``.

    Subtracting the row maximum changes nothing mathematically (it cancels between numerator
    and denominator) but keeps every exponent ``<= 0``, so nothing overflows.

    Parameters
    ----------
    logits : array_like, shape (N, C)
        Raw scores ``f(x_i)`` of N examples for C classes.

    Returns
    -------
    numpy.ndarray, shape (N, C)

    Examples
    --------
    >>> log_softmax([[1000.0, 1000.0]])
    array([[-0.69314718, -0.69314718]])
    """
    z = _logits(logits)
    shifted = z - z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def softmax(logits) -> np.ndarray:
    """Softmax of each row: ``q_ic = exp(z_ic) / sum_k exp(z_ik)``, computed stably.

    Parameters
    ----------
    logits : array_like, shape (N, C)

    Returns
    -------
    numpy.ndarray, shape (N, C)
        Positive, each row sums to 1.

    Examples
    --------
    >>> softmax([[0.0, np.log(3.0)]]).round(6)
    array([[0.25, 0.75]])
    """
    return np.exp(log_softmax(logits))


def cross_entropy(logits, labels) -> float:
    """Mean cross-entropy ``-(1/N) sum_i log q_{i, y_i}`` of softmax probabilities and labels.

    This is lecture 001's ``L = -sum_i sum_c y_ic log q_ic`` with one-hot ``y_i`` (only the
    true class survives the inner sum), divided by N as in ``torch.nn.functional.cross_entropy``.

    Parameters
    ----------
    logits : array_like, shape (N, C)
    labels : array_like of int, shape (N,)
        Class indices in ``[0, C)``.

    Returns
    -------
    float

    Examples
    --------
    >>> round(cross_entropy([[0.0, 0.0, 0.0]], [2]), 6)  # log 3
    1.098612
    """
    logp = log_softmax(logits)
    y = _labels(labels, *logp.shape)
    return float(-logp[np.arange(len(y)), y].mean())


# --------------------------------------------------------------------------------------------
# the blocks
# --------------------------------------------------------------------------------------------
def _dtype(dtype) -> np.dtype:
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise TypeError(f"dtype must be float32 or float64, got {dtype}")
    return dtype


def _uniform(rng, bound: float, shape, dtype) -> np.ndarray:
    return rng.uniform(-bound, bound, size=shape).astype(dtype)


def _cached(layer, name: str):
    value = getattr(layer, name)
    if value is None:
        raise RuntimeError(f"{type(layer).__name__}.backward needs a forward pass first")
    return value


def _input_grad(input_grad) -> bool:
    return as_bool(input_grad, "input_grad")


def _grad(grad_out, shape, layer) -> np.ndarray:
    g = as_real_array(grad_out, "grad_out")
    if g.shape != tuple(shape):
        raise ValueError(f"grad_out of {layer} must have the output's shape {tuple(shape)}, "
                         f"got {g.shape}")
    return g


class Linear:
    """Fully connected block ``o = x W^T + b`` for a batch ``x`` of shape (N, D).

    Backward (lecture 001): ``dL/dx = dL/do . W``, ``dL/dW = (dL/do)^T . x``,
    ``dL/db = sum_n dL/do``.

    Parameters
    ----------
    in_features, out_features : int
        D and K.
    rng : numpy.random.Generator or int, optional
        For the initial weights, uniform in ``+-1/sqrt(D)`` as in ``torch.nn.Linear``.
    dtype : float32 (default) or float64

    Examples
    --------
    >>> layer = Linear(3, 2, rng=0)
    >>> layer.forward(np.ones((4, 3))).shape, layer.params["weight"].shape
    ((4, 2), (2, 3))
    """

    def __init__(self, in_features: int, out_features: int, rng=None, dtype=np.float32):
        self.in_features = as_int(in_features, "in_features", minimum=1)
        self.out_features = as_int(out_features, "out_features", minimum=1)
        rng, dtype, bound = as_generator(rng), _dtype(dtype), 1 / math.sqrt(self.in_features)
        self.params = {
            "weight": _uniform(rng, bound, (self.out_features, self.in_features), dtype),
            "bias": _uniform(rng, bound, (self.out_features,), dtype),
        }
        self.grads: dict[str, np.ndarray] = {}
        self.x = None

    def __repr__(self) -> str:
        return f"Linear({self.in_features}, {self.out_features})"

    def forward(self, x) -> np.ndarray:
        x = as_real_array(x, "x")
        check_ndim(x, "x", (2,), f"(N, {self.in_features}) batch of vectors")
        if x.shape[1] != self.in_features:
            raise ValueError(f"x must have {self.in_features} features, got shape {x.shape}")
        self.x = x
        return x @ self.params["weight"].T + self.params["bias"]

    def backward(self, grad_out, input_grad: bool = True) -> np.ndarray | None:
        x = _cached(self, "x")
        g = _grad(grad_out, (len(x), self.out_features), self)
        self.grads = {"weight": g.T @ x, "bias": g.sum(axis=0)}
        return g @ self.params["weight"] if _input_grad(input_grad) else None


class ReLU:
    """Rectified linear unit ``o = max(x, 0)``, elementwise; no parameters.

    Backward: ``dL/dx = dL/do`` where ``x > 0`` and 0 elsewhere.

    Examples
    --------
    >>> relu = ReLU()
    >>> relu.forward(np.array([-1.0, 2.0])), relu.backward(np.array([5.0, 5.0]))
    (array([0., 2.]), array([0., 5.]))
    """

    def __init__(self):
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.mask = None

    def __repr__(self) -> str:
        return "ReLU()"

    def forward(self, x) -> np.ndarray:
        x = as_real_array(x, "x")
        self.mask = x > 0
        return np.maximum(x, 0)

    def backward(self, grad_out, input_grad: bool = True) -> np.ndarray | None:
        mask = _cached(self, "mask")
        g = _grad(grad_out, mask.shape, self)
        return g * mask if _input_grad(input_grad) else None


class Conv2d:
    """Convolution block (a cross-correlation, as ``torch.nn.Conv2d``) on (N, C_in, H, W).

    Forward with :func:`helpers.conv.conv2d`, backward with :func:`helpers.conv.conv2d_backward`
    (chapter 4 derives both).

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size, stride, padding : int or (int, int)
    rng : numpy.random.Generator or int, optional
        Initial weights and bias uniform in ``+-1/sqrt(C_in kH kW)``, as in PyTorch.
    dtype : float32 (default) or float64

    Examples
    --------
    >>> conv = Conv2d(1, 4, 3, padding=1, rng=0)
    >>> conv.forward(np.zeros((2, 1, 5, 5))).shape
    (2, 4, 5, 5)
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 rng=None, dtype=np.float32):
        self.in_channels = as_int(in_channels, "in_channels", minimum=1)
        self.out_channels = as_int(out_channels, "out_channels", minimum=1)
        self.kernel_size = as_tuple(kernel_size, "kernel_size", 2, minimum=1)
        self.stride = as_tuple(stride, "stride", 2, minimum=1)
        self.padding = as_tuple(padding, "padding", 2, minimum=0)
        rng, dtype = as_generator(rng), _dtype(dtype)
        bound = 1 / math.sqrt(self.in_channels * self.kernel_size[0] * self.kernel_size[1])
        shape = (self.out_channels, self.in_channels, *self.kernel_size)
        self.params = {"weight": _uniform(rng, bound, shape, dtype),
                       "bias": _uniform(rng, bound, (self.out_channels,), dtype)}
        self.grads: dict[str, np.ndarray] = {}
        self.x = None

    def __repr__(self) -> str:
        return (f"Conv2d({self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding})")

    def forward(self, x) -> np.ndarray:
        x = as_real_array(x, "x")
        check_ndim(x, "x", (4,), "(N, C_in, H, W)")
        if x.shape[1] != self.in_channels:
            raise ValueError(f"x must have {self.in_channels} channels, got shape {x.shape}")
        self.x = x
        return conv2d(x, self.params["weight"], self.params["bias"], self.stride, self.padding)

    def backward(self, grad_out, input_grad: bool = True) -> np.ndarray | None:
        x = _cached(self, "x")
        grad_x, grad_w, grad_b = conv2d_backward(grad_out, x, self.params["weight"],
                                                 self.stride, self.padding,
                                                 input_grad=_input_grad(input_grad))
        self.grads = {"weight": grad_w, "bias": grad_b}
        return grad_x


class MaxPool2d:
    """Max pooling block on (N, C, H, W): no parameters; the gradient goes to each window's winner.

    The forward pass keeps the index of each window's winner
    (``max_pool2d(..., return_indices=True)``), so the backward pass only sends the gradients
    there instead of looking for the winners again, as PyTorch's ``MaxPool2d`` does.

    Parameters
    ----------
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Defaults to ``kernel_size``.

    Examples
    --------
    >>> MaxPool2d(2).forward(np.arange(16.0).reshape(1, 1, 4, 4))
    array([[[[ 5.,  7.],
             [13., 15.]]]])
    """

    def __init__(self, kernel_size, stride=None):
        self.kernel_size = as_tuple(kernel_size, "kernel_size", 2, minimum=1)
        self.stride = self.kernel_size if stride is None else as_tuple(stride, "stride", 2, 1)
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.x = None
        self.indices = None

    def __repr__(self) -> str:
        return f"MaxPool2d(kernel_size={self.kernel_size}, stride={self.stride})"

    def forward(self, x) -> np.ndarray:
        x = as_real_array(x, "x")
        check_ndim(x, "x", (4,), "(N, C, H, W)")
        self.x = x
        out, self.indices = max_pool2d(x, self.kernel_size, self.stride, return_indices=True)
        return out

    def backward(self, grad_out, input_grad: bool = True) -> np.ndarray | None:
        x = _cached(self, "x")
        if not _input_grad(input_grad):  # no parameters: nothing else to compute
            return None
        return max_pool2d_backward(grad_out, x, self.kernel_size, self.stride,
                                   indices=self.indices)


class Flatten:
    """Reshape (N, C, H, W) (or any (N, ...)) to (N, C * H * W); backward reshapes back.

    Examples
    --------
    >>> Flatten().forward(np.zeros((2, 3, 4, 4))).shape
    (2, 48)
    """

    def __init__(self):
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.shape = None

    def __repr__(self) -> str:
        return "Flatten()"

    def forward(self, x) -> np.ndarray:
        x = as_real_array(x, "x")
        if x.ndim < 2:
            raise ValueError(f"x must have a batch axis and at least one more, got {x.shape}")
        self.shape = x.shape
        return x.reshape(len(x), -1)

    def backward(self, grad_out, input_grad: bool = True) -> np.ndarray | None:
        shape = _cached(self, "shape")
        g = _grad(grad_out, (shape[0], math.prod(shape[1:])), self)
        return g.reshape(shape) if _input_grad(input_grad) else None


# --------------------------------------------------------------------------------------------
# normalisation and regularisation blocks: training and evaluation modes
# --------------------------------------------------------------------------------------------
def _probability(p, name: str, upper_inclusive: bool) -> float:
    if isinstance(p, bool) or not isinstance(p, (int, float, np.floating, np.integer)):
        raise TypeError(f"{name} must be a number, got {p!r}")
    p = float(p)
    if not (0.0 <= p < 1.0 or (upper_inclusive and p == 1.0)):
        bound = "[0, 1]" if upper_inclusive else "[0, 1)"
        raise ValueError(f"{name} must be in {bound}, got {p}")
    return p


class _Mode:
    """``train()`` / ``eval()`` as in PyTorch; both return the block itself."""

    training = True

    def train(self, mode: bool = True):
        self.training = as_bool(mode, "mode")
        return self

    def eval(self):
        return self.train(False)


class _BatchNorm(_Mode):
    _layouts: dict[int, str] = {}

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, dtype=np.float32):
        self.num_features = as_int(num_features, "num_features", minimum=1)
        if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not eps > 0:
            raise ValueError(f"eps must be a positive number, got {eps!r}")
        self.eps = float(eps)
        self.momentum = None if momentum is None else _probability(momentum, "momentum", True)
        self.affine = as_bool(affine, "affine")
        dtype = _dtype(dtype)
        self.params = ({"weight": np.ones(self.num_features, dtype),
                        "bias": np.zeros(self.num_features, dtype)} if self.affine else {})
        self.running_mean = np.zeros(self.num_features, dtype)
        self.running_var = np.ones(self.num_features, dtype)
        self.num_batches_tracked = 0
        self.grads: dict[str, np.ndarray] = {}
        self.cache = None
        self.training = True

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({self.num_features}, eps={self.eps}, "
                f"momentum={self.momentum}, affine={self.affine})")

    def _axes_and_shape(self, x: np.ndarray) -> tuple[tuple[int, ...], tuple[int, ...]]:
        if x.ndim not in self._layouts:
            layouts = " or ".join(self._layouts.values())
            raise ValueError(f"x must have shape {layouts}, got {x.shape}")
        if x.shape[1] != self.num_features:
            raise ValueError(f"x must have {self.num_features} channels (axis 1), got shape "
                             f"{x.shape}")
        axes = (0, *range(2, x.ndim))
        return axes, (1, -1) + (1,) * (x.ndim - 2)

    def forward(self, x) -> np.ndarray:
        x = as_real_array(x, "x")
        axes, shape = self._axes_and_shape(x)
        m = x.size // self.num_features
        if self.training:
            if m < 2:
                raise ValueError(f"batch norm in training mode needs more than one value per "
                                 f"channel, got x of shape {x.shape}")
            mean, var = x.mean(axis=axes), x.var(axis=axes)
            self.num_batches_tracked += 1
            factor = (1.0 / self.num_batches_tracked if self.momentum is None
                      else self.momentum)
            dt = self.running_mean.dtype
            self.running_mean = ((1 - factor) * self.running_mean + factor * mean).astype(dt)
            unbiased = var * m / (m - 1)
            self.running_var = ((1 - factor) * self.running_var + factor * unbiased).astype(dt)
        else:
            mean, var = self.running_mean, self.running_var
        inv_std = 1.0 / np.sqrt(var + self.eps)
        x_hat = (x - mean.reshape(shape)) * inv_std.reshape(shape)
        self.cache = (x_hat, inv_std, axes, shape, self.training)
        if not self.affine:
            return x_hat
        return x_hat * self.params["weight"].reshape(shape) + self.params["bias"].reshape(shape)

    __call__ = forward

    def backward(self, grad_out, input_grad: bool = True) -> np.ndarray | None:
        x_hat, inv_std, axes, shape, training = _cached(self, "cache")
        g = _grad(grad_out, x_hat.shape, self)
        if self.affine:
            self.grads = {"weight": (g * x_hat).sum(axis=axes), "bias": g.sum(axis=axes)}
        if not _input_grad(input_grad):
            return None
        if self.affine:
            g = g * self.params["weight"].reshape(shape)
        if not training:  # fixed statistics: an affine map per channel
            return g * inv_std.reshape(shape)
        # the batch statistics depend on x too: subtract the mean of g and its projection on x_hat
        g_mean = g.mean(axis=axes).reshape(shape)
        gx_mean = (g * x_hat).mean(axis=axes).reshape(shape)
        return (g - g_mean - x_hat * gx_mean) * inv_std.reshape(shape)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) maps, channel by channel, as ``torch.nn.BatchNorm2d``.

    Training mode normalises with the statistics of the batch, over the N·H·W values of each
    channel: ``x_hat = (x - mean) / sqrt(var + eps)`` (biased variance), then
    ``o = weight * x_hat + bias``. It also updates the running statistics used in evaluation
    mode, as PyTorch does: ``running = (1 - momentum) * running + momentum * batch``, with the
    *unbiased* batch variance (``momentum=None``: the cumulative average over all batches).
    Evaluation mode (``eval()``) uses the running statistics instead, so each output depends
    on its own input only.

    Backward in training mode, with ``g = dL/dx_hat = weight * dL/do`` and means over the
    N·H·W values of a channel: ``dL/dx = (g - mean(g) - x_hat * mean(g * x_hat)) / sqrt(var +
    eps)``; ``dL/dweight = sum(dL/do * x_hat)``, ``dL/dbias = sum(dL/do)``.

    Parameters
    ----------
    num_features : int
        C, the number of channels.
    eps : float
        Added to the variance, 1e-5 as in PyTorch.
    momentum : float in [0, 1] or None
        Weight of the new batch in the running statistics (PyTorch's convention: 0.1).
    affine : bool
        Learn ``weight`` (initially 1) and ``bias`` (initially 0) of shape (C,).
    dtype : float32 (default) or float64

    Attributes
    ----------
    running_mean, running_var : numpy.ndarray, shape (C,)
    num_batches_tracked : int
    training : bool

    Examples
    --------
    >>> bn = BatchNorm2d(2)
    >>> x = np.random.default_rng(0).normal(3.0, 2.0, size=(8, 2, 4, 4))
    >>> o = bn.forward(x)
    >>> np.round(o.mean(axis=(0, 2, 3)), 6) + 0.0, np.round(o.std(axis=(0, 2, 3)), 3)
    (array([0., 0.]), array([1., 1.]))
    >>> bn.running_mean.round(2)  # 0.9 * 0 + 0.1 * (about 3)
    array([0.3, 0.3], dtype=float32)
    >>> bn.eval().forward(x).shape
    (8, 2, 4, 4)
    """

    _layouts = {4: "(N, C, H, W)"}


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) features or (N, C, L) sequences, as ``torch.nn.BatchNorm1d``.

    The same block as :class:`BatchNorm2d` with the statistics taken over N (or N·L) values
    per feature; see there for the formulas and modes.

    Examples
    --------
    >>> bn = BatchNorm1d(3)
    >>> o = bn.forward(np.random.default_rng(0).normal(5.0, 3.0, size=(16, 3)))
    >>> np.round(o.mean(axis=0), 6) + 0.0
    array([0., 0., 0.])
    """

    _layouts = {2: "(N, C)", 3: "(N, C, L)"}


class Dropout(_Mode):
    """Inverted dropout: in training, zero each value with probability ``p`` and scale the rest.

    Training mode keeps each value with probability ``1 - p`` and multiplies the kept ones by
    ``1 / (1 - p)``, so the expected output equals the input and evaluation mode (``eval()``)
    is the identity. The backward pass applies the same mask and scale. ``p = 1`` zeros
    everything, as in PyTorch. The mask comes from the block's own generator ``rng``, so runs
    are reproducible (PyTorch draws from its global generator instead: the masks differ, the
    distribution is the same).

    Parameters
    ----------
    p : float in [0, 1]
        Probability of dropping a value.
    rng : numpy.random.Generator or int, optional

    Examples
    --------
    >>> drop = Dropout(0.5, rng=0)
    >>> drop.forward(np.ones(8))
    array([2., 0., 0., 0., 2., 2., 2., 2.])
    >>> drop.eval().forward(np.ones(3))
    array([1., 1., 1.])
    """

    def __init__(self, p: float = 0.5, rng=None):
        self.p = _probability(p, "p", True)
        self.rng = as_generator(rng)
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.mask = None
        self.training = True

    def __repr__(self) -> str:
        return f"Dropout(p={self.p})"

    def forward(self, x) -> np.ndarray:
        x = as_real_array(x, "x")
        if not self.training or self.p == 0.0:
            self.mask = np.ones(x.shape, dtype=x.dtype)
            return x.copy()
        keep = self.rng.random(x.shape) >= self.p
        scale = 0.0 if self.p == 1.0 else 1.0 / (1.0 - self.p)
        self.mask = (keep * scale).astype(x.dtype)
        return x * self.mask

    __call__ = forward

    def backward(self, grad_out, input_grad: bool = True) -> np.ndarray | None:
        mask = _cached(self, "mask")
        g = _grad(grad_out, mask.shape, self)
        return g * mask if _input_grad(input_grad) else None


class SoftmaxCrossEntropy:
    """The loss block: mean cross-entropy of the softmax of the logits; no parameters.

    ``forward(logits, labels)`` returns the loss; ``backward()`` returns its gradient with
    respect to the logits, ``(softmax(logits) - onehot(labels)) / N``: the probabilities
    minus the truth, averaged over the batch.

    Examples
    --------
    >>> loss_fn = SoftmaxCrossEntropy()
    >>> round(loss_fn.forward(np.zeros((2, 4)), np.array([0, 3])), 4)  # log 4
    1.3863
    >>> loss_fn.backward()
    array([[-0.375,  0.125,  0.125,  0.125],
           [ 0.125,  0.125,  0.125, -0.375]])
    """

    def __init__(self):
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.q = None
        self.labels = None

    def __repr__(self) -> str:
        return "SoftmaxCrossEntropy()"

    def forward(self, logits, labels) -> float:
        logp = log_softmax(logits)
        self.labels = _labels(labels, *logp.shape)
        self.q = np.exp(logp)
        return float(-logp[np.arange(len(self.labels)), self.labels].mean())

    def backward(self) -> np.ndarray:
        q = _cached(self, "q")
        grad = q.copy()
        grad[np.arange(len(self.labels)), self.labels] -= 1
        return grad / len(q)


class Sequential:
    """Blocks applied one after the other; backward chains their input gradients in reverse.

    ``params()`` and ``grads()`` return flat dicts keyed like PyTorch's ``state_dict``
    (``"0.weight"``, ``"4.bias"``): the arrays themselves, so :func:`sgd_step` updates the
    network in place.

    Examples
    --------
    >>> net = Sequential(Linear(4, 3, rng=0), ReLU(), Linear(3, 2, rng=1))
    >>> net.forward(np.ones((5, 4))).shape, list(net.params())
    ((5, 2), ['0.weight', '0.bias', '2.weight', '2.bias'])
    """

    def __init__(self, *layers):
        if not layers:
            raise ValueError("Sequential needs at least one layer")
        for i, layer in enumerate(layers):
            if not (hasattr(layer, "forward") and hasattr(layer, "backward")
                    and hasattr(layer, "params")):
                raise TypeError(f"layer {i} must have forward, backward and params, "
                                f"got {type(layer).__name__}")
        self.layers = list(layers)

    def __repr__(self) -> str:
        inner = "".join(f"\n  ({i}): {layer!r}" for i, layer in enumerate(self.layers))
        return f"Sequential({inner}\n)"

    def __getitem__(self, i: int):
        return self.layers[i]

    def __len__(self) -> int:
        return len(self.layers)

    def forward(self, x) -> np.ndarray:
        for layer in self.layers:
            x = layer.forward(x)
        return x

    __call__ = forward

    def backward(self, grad_out, input_grad: bool = True) -> np.ndarray | None:
        """Backpropagate ``grad_out`` = dL/d(output) through the blocks in reverse order.

        Every block stores the gradients of its parameters in ``grads``.

        Parameters
        ----------
        grad_out : array_like, shape of the network's output
        input_grad : bool
            Return dL/dx, the gradient with respect to the network's input (default). With
            ``False`` nothing computes it, as in autograd when the input does not require a
            gradient (a batch of images, for training): the first block with parameters
            computes only their gradients, the blocks before it are skipped, and ``None`` is
            returned. A block of your own whose ``backward`` has no ``input_grad`` parameter
            computes it anyway, and it is dropped.

        Returns
        -------
        numpy.ndarray of the input's shape, or None

        Examples
        --------
        >>> net = Sequential(Linear(4, 3, rng=0), ReLU(), Linear(3, 2, rng=1))
        >>> out = net.forward(np.ones((5, 4)))
        >>> net.backward(np.ones((5, 2))).shape
        (5, 4)
        >>> net.backward(np.ones((5, 2)), input_grad=False) is None, sorted(net.grads())
        (True, ['0.bias', '0.weight', '2.bias', '2.weight'])
        """
        if _input_grad(input_grad):
            for layer in reversed(self.layers):
                grad_out = layer.backward(grad_out)
            return grad_out
        # only blocks from the first one with parameters on need a gradient
        first = next((i for i, layer in enumerate(self.layers) if layer.params), len(self.layers))
        for layer in reversed(self.layers[first + 1:]):
            grad_out = layer.backward(grad_out)
        if first < len(self.layers):
            layer = self.layers[first]
            if "input_grad" in inspect.signature(layer.backward).parameters:
                layer.backward(grad_out, input_grad=False)
            else:
                layer.backward(grad_out)
        return None

    def train(self, mode: bool = True) -> Sequential:
        """Put every block with modes (batch norm, dropout) in training mode; returns self."""
        mode = as_bool(mode, "mode")
        for layer in self.layers:
            if hasattr(layer, "train"):
                layer.train(mode)
        return self

    def eval(self) -> Sequential:
        """Evaluation mode for every block: running statistics, no dropout; returns self."""
        return self.train(False)

    def params(self) -> dict[str, np.ndarray]:
        return {f"{i}.{k}": v for i, layer in enumerate(self.layers)
                for k, v in layer.params.items()}

    def grads(self) -> dict[str, np.ndarray]:
        out = {}
        for i, layer in enumerate(self.layers):
            for k in layer.params:
                if k not in layer.grads:
                    raise RuntimeError(f"no gradient for {i}.{k}: call backward first")
                out[f"{i}.{k}"] = layer.grads[k]
        return out


def sgd_step(params: dict, grads: dict, lr: float) -> None:
    """One step of gradient descent, in place: ``w <- w - lr * dL/dw`` for every parameter.

    Parameters
    ----------
    params, grads : dict name -> numpy.ndarray
        As returned by ``Sequential.params()`` and ``Sequential.grads()`` (or a layer's
        ``params`` and ``grads``); same keys and shapes.
    lr : float
        Learning rate, > 0.

    Examples
    --------
    >>> w = {"w": np.array([1.0, 2.0])}
    >>> sgd_step(w, {"w": np.array([10.0, -10.0])}, lr=0.1)
    >>> w["w"]
    array([0., 3.])
    """
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not lr > 0:
        raise ValueError(f"lr must be a positive number, got {lr!r}")
    if not isinstance(params, dict) or not isinstance(grads, dict):
        raise TypeError("params and grads must be dicts name -> array")
    if params.keys() != grads.keys():
        raise ValueError(f"params and grads must have the same keys, got {sorted(params)} and "
                         f"{sorted(grads)}")
    for name, p in params.items():
        g = np.asarray(grads[name])
        if g.shape != p.shape:
            raise ValueError(f"grads[{name!r}] has shape {g.shape}, expected {p.shape}")
        p -= (lr * g).astype(p.dtype, copy=False)


def _check_params(params) -> dict:
    if not isinstance(params, dict) or not params:
        raise TypeError("params must be a non-empty dict name -> numpy array")
    for name, p in params.items():
        if not isinstance(p, np.ndarray) or p.dtype.kind != "f":
            raise TypeError(f"params[{name!r}] must be a float NumPy array, got {type(p).__name__}")
    return params


def _nonnegative(value, name: str, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise TypeError(f"{name} must be a number, got {value!r}")
    value = float(value)
    if value < 0 or (positive and value == 0) or not math.isfinite(value):
        raise ValueError(f"{name} must be {'> 0' if positive else '>= 0'}, got {value}")
    return value


class _Optimizer:
    def __init__(self, params: dict, lr: float, weight_decay: float):
        self.params = _check_params(params)
        self.lr = _nonnegative(lr, "lr", positive=True)
        self.weight_decay = _nonnegative(weight_decay, "weight_decay")
        self.state: dict[str, dict] = {name: {} for name in params}
        self.steps = 0

    def _grads(self, grads) -> dict[str, np.ndarray]:
        if not isinstance(grads, dict):
            raise TypeError(f"grads must be a dict name -> array, got {type(grads).__name__}")
        if grads.keys() != self.params.keys():
            raise ValueError(f"grads must have the keys of params {sorted(self.params)}, got "
                             f"{sorted(grads)}")
        out = {}
        for name, p in self.params.items():
            g = as_real_array(grads[name], f"grads[{name!r}]")
            if g.shape != p.shape:
                raise ValueError(f"grads[{name!r}] has shape {g.shape}, expected {p.shape}")
            out[name] = g + self.weight_decay * p if self.weight_decay else g
        return out

    def step(self, grads: dict) -> None:
        """Update every parameter in place from its gradient (same keys as ``params``)."""
        self.steps += 1
        for name, g in self._grads(grads).items():
            p = self.params[name]
            p -= self._update(self.state[name], g).astype(p.dtype, copy=False)


class SGD(_Optimizer):
    """Stochastic gradient descent with optional momentum and weight decay, as ``torch.optim.SGD``.

    With ``g = dL/dw + weight_decay * w`` (L2 weight decay folded into the gradient):

    - plain (``momentum=0``): ``w <- w - lr * g``;
    - momentum ``mu``: a velocity ``v <- mu * v + g`` (``v = g`` on the first step), then
      ``w <- w - lr * v``. The velocity is a running sum of past gradients, so steps along a
      consistent direction grow to about ``lr / (1 - mu)`` times the gradient, while
      oscillating components cancel.

    Parameters
    ----------
    params : dict name -> numpy.ndarray
        The arrays to update in place (``Sequential.params()``).
    lr : float
        Learning rate, > 0 (may be changed between steps by a schedule).
    momentum : float, >= 0
    weight_decay : float, >= 0

    Examples
    --------
    >>> w = {"w": np.array([1.0])}
    >>> opt = SGD(w, lr=0.1, momentum=0.9)
    >>> opt.step({"w": np.array([1.0])}); opt.step({"w": np.array([1.0])})
    >>> w["w"]  # 1 - 0.1 * 1 - 0.1 * (0.9 + 1)
    array([0.71])
    """

    def __init__(self, params: dict, lr: float, momentum: float = 0.0, weight_decay: float = 0.0):
        super().__init__(params, lr, weight_decay)
        self.momentum = _nonnegative(momentum, "momentum")

    def _update(self, state: dict, g: np.ndarray) -> np.ndarray:
        if self.momentum:
            v = state.get("velocity")
            state["velocity"] = g.copy() if v is None else self.momentum * v + g
            g = state["velocity"]
        return self.lr * g


class Adam(_Optimizer):
    """Adam (Kingma and Ba, 2015), as ``torch.optim.Adam``: steps from running gradient moments.

    With ``g = dL/dw + weight_decay * w`` and step count ``t``:
    ``m <- b1 m + (1 - b1) g`` and ``v <- b2 v + (1 - b2) g^2`` (moving averages of the
    gradient and of its square, started at 0), bias-corrected ``m_hat = m / (1 - b1^t)``,
    ``v_hat = v / (1 - b2^t)``, then ``w <- w - lr * m_hat / (sqrt(v_hat) + eps)``. Each
    weight moves by about ``lr`` at most, whatever the scale of its gradient.

    Parameters
    ----------
    params : dict name -> numpy.ndarray
    lr : float, > 0
    betas : (float, float) in [0, 1)
    eps : float, > 0
    weight_decay : float, >= 0

    Examples
    --------
    >>> w = {"w": np.array([1.0, 1.0])}
    >>> opt = Adam(w, lr=0.1)
    >>> opt.step({"w": np.array([1e-3, 1e3])})  # both weights move by lr on the first step
    >>> w["w"].round(4)
    array([0.9, 0.9])
    """

    def __init__(self, params: dict, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0):
        super().__init__(params, lr, weight_decay)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas must be a pair of numbers in [0, 1), got {betas!r}")
        self.betas = (_probability(betas[0], "betas[0]", False),
                      _probability(betas[1], "betas[1]", False))
        self.eps = _nonnegative(eps, "eps", positive=True)

    def _update(self, state: dict, g: np.ndarray) -> np.ndarray:
        b1, b2 = self.betas
        state["m"] = b1 * state.get("m", 0.0) + (1 - b1) * g
        state["v"] = b2 * state.get("v", 0.0) + (1 - b2) * g * g
        m_hat = state["m"] / (1 - b1 ** self.steps)
        v_hat = state["v"] / (1 - b2 ** self.steps)
        return self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


# --------------------------------------------------------------------------------------------
# gradient check
# --------------------------------------------------------------------------------------------
def _check_eps(eps) -> float:
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not eps > 0:
        raise ValueError(f"eps must be a positive number, got {eps!r}")
    return float(eps)


def numeric_gradient(f: Callable[[np.ndarray], float], x: np.ndarray,
                     eps: float = 1e-6) -> np.ndarray:
    """Central-difference gradient of a scalar function ``f`` at ``x`` (float64).

    Parameters
    ----------
    f : callable
        Maps an array shaped like ``x`` to a scalar.
    x : ndarray
        The point; it is not modified.
    eps : float
        The step.

    Returns
    -------
    ndarray
        Same shape as ``x``: ``(f(x + eps e_i) - f(x - eps e_i)) / (2 eps)`` for every entry i.

    Examples
    --------
    >>> g = numeric_gradient(lambda v: float((v ** 2).sum()), np.array([1.0, -2.0]))
    >>> np.allclose(g, [2.0, -4.0])
    True
    """
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    x = as_real_array(x, "x").astype(np.float64)  # a copy: x itself is never modified
    eps = _check_eps(eps)
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        saved = flat[i]
        flat[i] = saved + eps
        plus = float(f(x))
        flat[i] = saved - eps
        minus = float(f(x))
        flat[i] = saved
        gflat[i] = (plus - minus) / (2 * eps)
    return grad


def _relative_error(a: np.ndarray, b: np.ndarray) -> float:
    scale = max(float(np.abs(a).max(initial=0.0)), float(np.abs(b).max(initial=0.0)), 1e-12)
    return float(np.abs(a - b).max(initial=0.0)) / scale


def numeric_gradient_check(model_or_fn, x, labels=None, grad=None,
                           eps: float = 1e-6) -> dict[str, float]:
    """Compare analytic gradients with central differences; return the relative errors.

    Two uses:

    - ``numeric_gradient_check(fn, x, grad=g)``: ``fn`` maps an array to a scalar and ``g``
      is your gradient of ``fn`` at ``x``; returns ``{"x": error}``.
    - ``numeric_gradient_check(model, x, labels)``: ``model`` is a block or a
      :class:`Sequential`. The loss is :class:`SoftmaxCrossEntropy` of the output when
      ``labels`` are given, otherwise ``sum(output * R)`` for a fixed random ``R`` (any
      output shape). The check runs in float64 (the parameters are copied and restored) and
      returns the error of the input gradient (``"x"``) and of every parameter.

    The error is ``max |analytic - numeric| / max(|analytic|, |numeric|)``: about 1e-8 or
    less for a correct gradient in float64, about 1 for a wrong one. Each entry costs two
    forward passes: use small networks and inputs.

    Parameters
    ----------
    model_or_fn : block, Sequential, or callable
    x : array_like
        The input (or the point, for a function).
    labels : array_like of int, shape (N,), optional
    grad : array_like, optional
        Required for a function, not allowed for a model.
    eps : float
        Step of the central differences.

    Returns
    -------
    dict name -> float

    Examples
    --------
    >>> net = Sequential(Linear(3, 4, rng=0), ReLU(), Linear(4, 2, rng=1))
    >>> errors = numeric_gradient_check(net, np.random.default_rng(0).normal(size=(5, 3)),
    ...                                 labels=np.array([0, 1, 1, 0, 1]))
    >>> max(errors.values()) < 1e-6
    True
    """
    x = as_real_array(x, "x").astype(np.float64)
    eps = _check_eps(eps)
    is_model = hasattr(model_or_fn, "forward") and hasattr(model_or_fn, "backward")
    if not is_model:
        if not callable(model_or_fn):
            raise TypeError("model_or_fn must be a block, a Sequential or a callable, got "
                            f"{type(model_or_fn).__name__}")
        if grad is None:
            raise ValueError("grad is required when model_or_fn is a function")
        g = as_real_array(grad, "grad")
        if g.shape != x.shape:
            raise ValueError(f"grad must have the shape of x {x.shape}, got {g.shape}")
        return {"x": _relative_error(g, numeric_gradient(model_or_fn, x, eps))}
    if grad is not None:
        raise ValueError("grad is only for functions; a model computes its own gradients")
    return _check_model(model_or_fn, x, labels, eps)


def _check_model(model, x: np.ndarray, labels, eps: float) -> dict[str, float]:
    owners = _param_owners(model)
    saved = {name: layer.params[key] for name, (layer, key) in owners.items()}
    for name, (layer, key) in owners.items():
        layer.params[key] = saved[name].astype(np.float64)
    try:
        out = model.forward(x)
        loss_fn: Callable[[np.ndarray], float]
        if labels is not None:
            ce = SoftmaxCrossEntropy()
            ce.forward(out, labels)
            grad_x = model.backward(ce.backward())

            def loss_fn(output):
                return cross_entropy(output, labels)
        else:
            r = np.random.default_rng(0).normal(size=out.shape)
            grad_x = model.backward(r)

            def loss_fn(output):
                return float((output * r).sum())

        analytic = {"x": grad_x}
        analytic.update({name: np.array(layer.grads[key]) for name, (layer, key) in
                         owners.items()})
        errors = {"x": _relative_error(grad_x, numeric_gradient(
            lambda v: loss_fn(model.forward(v)), x, eps))}
        for name, (layer, key) in owners.items():
            start = layer.params[key]

            def f(w, layer=layer, key=key):
                layer.params[key] = w
                return loss_fn(model.forward(x))

            numeric = numeric_gradient(f, start, eps)
            layer.params[key] = start
            errors[name] = _relative_error(analytic[name], numeric)
        return errors
    finally:
        for name, (layer, key) in owners.items():
            layer.params[key] = saved[name]


def _param_owners(model) -> dict[str, tuple[object, str]]:
    layers = model.layers if isinstance(model, Sequential) else [model]
    prefix = isinstance(model, Sequential)
    return {(f"{i}.{k}" if prefix else k): (layer, k)
            for i, layer in enumerate(layers) for k in layer.params}


# --------------------------------------------------------------------------------------------
# copies to and from PyTorch
# --------------------------------------------------------------------------------------------
def to_torch(model: Sequential):
    """The identical ``torch.nn.Sequential`` with a copy of the NumPy weights.

    The twin is float64 if any NumPy parameter is float64, float32 otherwise.

    Examples
    --------
    >>> net = Sequential(Conv2d(1, 2, 3, rng=0), ReLU(), MaxPool2d(2), Flatten(),
    ...                  Linear(2, 3, rng=0))
    >>> to_torch(net)  # doctest: +NORMALIZE_WHITESPACE
    Sequential(
      (0): Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1))
      (1): ReLU()
      (2): MaxPool2d(kernel_size=(2, 2), stride=(2, 2), padding=0, dilation=1, ceil_mode=False)
      (3): Flatten(start_dim=1, end_dim=-1)
      (4): Linear(in_features=2, out_features=3, bias=True)
    )
    """
    import torch
    from torch import nn

    if not isinstance(model, Sequential):
        raise TypeError(f"model must be a helpers.layers.Sequential, got {type(model).__name__}")
    modules = []
    for i, layer in enumerate(model.layers):
        if isinstance(layer, Linear):
            modules.append(nn.Linear(layer.in_features, layer.out_features))
        elif isinstance(layer, Conv2d):
            modules.append(nn.Conv2d(layer.in_channels, layer.out_channels, layer.kernel_size,
                                     layer.stride, layer.padding))
        elif isinstance(layer, MaxPool2d):
            modules.append(nn.MaxPool2d(layer.kernel_size, layer.stride))
        elif isinstance(layer, ReLU):
            modules.append(nn.ReLU())
        elif isinstance(layer, Flatten):
            modules.append(nn.Flatten())
        elif isinstance(layer, _BatchNorm):
            kind = nn.BatchNorm2d if isinstance(layer, BatchNorm2d) else nn.BatchNorm1d
            modules.append(kind(layer.num_features, layer.eps, layer.momentum, layer.affine))
        elif isinstance(layer, Dropout):
            modules.append(nn.Dropout(layer.p))
        else:
            raise TypeError(f"layer {i} ({type(layer).__name__}) has no PyTorch twin here")
        modules[-1].train(getattr(layer, "training", True))
    twin = nn.Sequential(*modules)
    params = model.params()
    if any(v.dtype == np.float64 for v in params.values()):
        twin = twin.double()
    state = twin.state_dict()
    state.update({k: torch.tensor(v) for k, v in params.items()})
    for i, layer in enumerate(model.layers):
        if isinstance(layer, _BatchNorm):
            state[f"{i}.running_mean"] = torch.tensor(layer.running_mean)
            state[f"{i}.running_var"] = torch.tensor(layer.running_var)
            state[f"{i}.num_batches_tracked"] = torch.tensor(layer.num_batches_tracked)
    twin.load_state_dict(state)
    return twin


def from_torch(module, dtype=np.float32) -> Sequential:
    """The identical NumPy :class:`Sequential` with a copy of a ``torch.nn.Sequential``'s weights.

    Supports ``nn.Linear``, ``nn.Conv2d`` (no dilation or groups, numeric padding),
    ``nn.ReLU``, ``nn.MaxPool2d`` (no padding or dilation), ``nn.Flatten``,
    ``nn.BatchNorm1d``/``nn.BatchNorm2d`` (with their running statistics) and ``nn.Dropout``;
    each block keeps the module's training or evaluation mode.

    Examples
    --------
    >>> from torch import nn
    >>> from_torch(nn.Sequential(nn.Linear(3, 2), nn.ReLU()))  # doctest: +NORMALIZE_WHITESPACE
    Sequential(
      (0): Linear(3, 2)
      (1): ReLU()
    )
    """
    from torch import nn

    if not isinstance(module, nn.Sequential):
        raise TypeError(f"module must be a torch.nn.Sequential, got {type(module).__name__}")
    dtype = _dtype(dtype)
    layers = []
    for i, m in enumerate(module):
        if isinstance(m, nn.Linear) and m.bias is not None:
            layers.append(Linear(m.in_features, m.out_features, rng=0, dtype=dtype))
        elif (isinstance(m, nn.Conv2d) and m.bias is not None and m.groups == 1
              and m.dilation == (1, 1) and not isinstance(m.padding, str)
              and m.padding_mode == "zeros"):
            layers.append(Conv2d(m.in_channels, m.out_channels, m.kernel_size, m.stride,
                                 m.padding, rng=0, dtype=dtype))
        elif (isinstance(m, nn.MaxPool2d) and m.padding == 0 and m.dilation == 1
              and not m.ceil_mode):
            layers.append(MaxPool2d(m.kernel_size, m.stride))
        elif isinstance(m, nn.ReLU):
            layers.append(ReLU())
        elif isinstance(m, nn.Flatten) and m.start_dim == 1 and m.end_dim == -1:
            layers.append(Flatten())
        elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)) and m.track_running_stats:
            kind = BatchNorm2d if isinstance(m, nn.BatchNorm2d) else BatchNorm1d
            bn = kind(m.num_features, m.eps, m.momentum, m.affine, dtype=dtype)
            bn.running_mean = m.running_mean.detach().cpu().numpy().astype(dtype)
            bn.running_var = m.running_var.detach().cpu().numpy().astype(dtype)
            bn.num_batches_tracked = int(m.num_batches_tracked)
            layers.append(bn)
        elif isinstance(m, nn.Dropout):
            layers.append(Dropout(m.p))
        else:
            raise TypeError(f"module[{i}] ({m!r}) has no NumPy twin in helpers.layers")
        if hasattr(layers[-1], "train"):
            layers[-1].train(m.training)
    net = Sequential(*layers)
    state = module.state_dict()
    for name, value in net.params().items():
        value[...] = state[name].detach().cpu().numpy().astype(dtype)
    return net
