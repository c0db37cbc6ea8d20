"""One training and evaluation loop for the whole book.

``fit`` runs mini-batch SGD or Adam for a number of epochs and records, after every epoch, the
training loss (mean over the epoch's batches), the test loss and the test accuracy. It is
deterministic given ``seed``: the model is *not* re-initialised (build it after
``helpers.seed_everything``), and the order of the mini-batches comes from a seeded
``torch.Generator``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

import helpers
from helpers._validate import as_int, check_choice

__all__ = ["History", "evaluate", "fit", "predict"]

LOSSES = ("cross_entropy", "mse")
OPTIMIZERS = ("sgd", "adam")


@dataclass
class History:
    """Per-epoch curves recorded by :func:`fit` (one entry per epoch).

    ``test_accuracy`` holds NaN for the ``"mse"`` loss (regression has no accuracy).
    """

    train_loss: list[float] = field(default_factory=list)
    test_loss: list[float] = field(default_factory=list)
    test_accuracy: list[float] = field(default_factory=list)

    @property
    def epochs(self) -> int:
        """Number of recorded epochs."""
        return len(self.train_loss)


def _as_tensors(data, name: str, loss: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Turn a pair ``(x, y)`` of arrays or tensors into float inputs and fitting targets."""
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise TypeError(f"{name} must be a pair (x, y) of arrays or tensors, got {type(data)}")
    x, y = (torch.as_tensor(np.asarray(v) if not torch.is_tensor(v) else v) for v in data)
    if x.shape[0] != y.shape[0] or x.shape[0] == 0:
        raise ValueError(
            f"{name}: x and y need the same non-zero number of examples, "
            f"got {x.shape[0]} and {y.shape[0]}"
        )
    x = x.float()
    if loss == "cross_entropy":
        if y.dtype.is_floating_point or y.dim() != 1:
            raise ValueError(f"{name}: cross_entropy needs integer class labels of shape (N,)")
        y = y.long()
    else:
        y = y.float().reshape(y.shape[0], -1)
    return x, y


def _loss_fn(loss: str):
    return nn.functional.cross_entropy if loss == "cross_entropy" else nn.functional.mse_loss


def _batches(n: int, batch_size: int, generator: torch.Generator | None):
    order = torch.randperm(n, generator=generator) if generator is not None else torch.arange(n)
    return order.split(batch_size)


@torch.no_grad()
def predict(model: nn.Module, x, batch_size: int = 1000, device=None) -> torch.Tensor:
    """Model outputs for all of ``x``, computed in eval mode in batches, returned on the CPU.

    Parameters
    ----------
    model : torch.nn.Module
    x : array or tensor of shape ``(N, ...)``
    batch_size : int
    device : torch.device or str, optional
        Where to compute (default: where the model's parameters are).

    Returns
    -------
    torch.Tensor
        Shape ``(N, outputs)``.

    Examples
    --------
    >>> predict(nn.Linear(3, 2), np.zeros((5, 3))).shape
    torch.Size([5, 2])
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    batch_size = as_int(batch_size, "batch_size", minimum=1)
    x = torch.as_tensor(np.asarray(x) if not torch.is_tensor(x) else x).float()
    if device is None:
        device = next(model.parameters(), torch.empty(0)).device
    was_training = model.training
    model.eval()
    out = torch.cat([model(x[i].to(device)).cpu() for i in _batches(len(x), batch_size, None)])
    model.train(was_training)
    return out


def evaluate(
    model: nn.Module, data, loss: str = "cross_entropy", batch_size: int = 1000, device=None
) -> tuple[float, float]:
    """Mean loss and accuracy of ``model`` on ``data = (x, y)``.

    Returns
    -------
    (float, float)
        The mean loss and the fraction of correct arg-max predictions (NaN for ``"mse"``).

    Examples
    --------
    >>> model = nn.Linear(2, 2)
    >>> loss, acc = evaluate(model, (np.ones((4, 2)), np.array([0, 1, 0, 1])))
    >>> acc
    0.5
    """
    check_choice(loss, "loss", LOSSES)
    x, y = _as_tensors(data, "data", loss)
    out = predict(model, x, batch_size, device)
    value = float(_loss_fn(loss)(out, y))
    if loss == "mse":
        return value, float("nan")
    return value, float((out.argmax(1) == y).float().mean())


def fit(
    model: nn.Module,
    train_data,
    test_data,
    epochs: int = 5,
    lr: float = 0.1,
    batch_size: int = 64,
    optimizer: str = "sgd",
    seed: int = 0,
    device=None,
    progress: bool = True,
    loss: str = "cross_entropy",
    weight_decay: float = 0.0,
) -> History:
    """Train ``model`` in place with mini-batches and return its per-epoch :class:`History`.

    Training runs on ``device``; afterwards the model is back on the device it came from
    (the CPU for a freshly built one), so the caller can inspect and use it as before.

    Parameters
    ----------
    model : torch.nn.Module
        The network, already initialised (it is trained in place).
    train_data, test_data : (x, y)
        Pairs of NumPy arrays or tensors: inputs ``(N, ...)`` and targets, integer labels
        ``(N,)`` for ``"cross_entropy"`` or values ``(N,)``/``(N, K)`` for ``"mse"``.
    epochs : int
        Passes over the training data.
    lr : float
        Learning rate.
    batch_size : int
        Examples per step.
    optimizer : {"sgd", "adam"}
        Plain SGD (no momentum) or Adam.
    seed : int
        Seeds the batch order and PyTorch's global generator (dropout etc.).
    device : torch.device or str, optional
        Where to train; default ``helpers.device()`` (a GPU when there is one).
    progress : bool
        Show a tqdm progress bar over the epochs.
    loss : {"cross_entropy", "mse"}
    weight_decay : float
        L2 penalty passed to the optimizer.

    Returns
    -------
    History
        ``train_loss``, ``test_loss`` and ``test_accuracy`` per epoch.

    Examples
    --------
    >>> x = np.r_[np.zeros((8, 2)), np.ones((8, 2))]
    >>> y = np.r_[np.zeros(8, int), np.ones(8, int)]
    >>> h = fit(nn.Linear(2, 2), (x, y), (x, y), epochs=20, lr=0.5, progress=False)
    >>> h.test_accuracy[-1]
    1.0
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    epochs = as_int(epochs, "epochs", minimum=1)
    batch_size = as_int(batch_size, "batch_size", minimum=1)
    seed = as_int(seed, "seed", minimum=0)
    check_choice(optimizer, "optimizer", OPTIMIZERS)
    check_choice(loss, "loss", LOSSES)
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not lr > 0:
        raise ValueError(f"lr must be a positive number, got {lr!r}")
    if isinstance(weight_decay, bool) or not isinstance(weight_decay, (int, float)) or not (
        weight_decay >= 0
    ):
        raise ValueError(f"weight_decay must be a number >= 0, got {weight_decay!r}")
    x, y = _as_tensors(train_data, "train_data", loss)
    test = _as_tensors(test_data, "test_data", loss)
    if device is None:
        device = helpers.device()
    home = next(model.parameters(), None)
    home = None if home is None else home.device
    model.to(device)
    try:
        return _train(model, x, y, test, epochs, lr, batch_size, optimizer, seed, device,
                      progress, loss, weight_decay)
    finally:
        if home is not None:
            model.to(home)


def _train(model, x, y, test, epochs, lr, batch_size, optimizer, seed, device, progress, loss,
           weight_decay) -> History:
    """The loop of :func:`fit`, on checked arguments, with ``model`` already on ``device``."""
    opt_class = torch.optim.SGD if optimizer == "sgd" else torch.optim.Adam
    opt = opt_class(model.parameters(), lr=lr, weight_decay=weight_decay)
    loss_fn = _loss_fn(loss)
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    history = History()
    epoch_range = range(epochs)
    if progress:
        from tqdm.auto import tqdm

        epoch_range = tqdm(epoch_range, desc="epochs", leave=False)
    for _ in epoch_range:
        model.train()
        total = 0.0
        for idx in _batches(len(x), batch_size, generator):
            xb, yb = x[idx].to(device), y[idx].to(device)
            batch_loss = loss_fn(model(xb), yb)
            opt.zero_grad()
            batch_loss.backward()
            opt.step()
            total += batch_loss.item() * len(idx)
        test_loss, test_acc = evaluate(model, test, loss, device=device)
        history.train_loss.append(total / len(x))
        history.test_loss.append(test_loss)
        history.test_accuracy.append(test_acc)
    return history
