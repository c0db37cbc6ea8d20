"""Tests of helpers.train: it learns, it is reproducible, and it rejects bad arguments."""

import math

import numpy as np
import pytest
import torch
from torch import nn

from helpers import train


def blobs(n=100, seed=0):
    """Two well separated Gaussian blobs in 2-D: a linearly separable problem."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=n)
    x = rng.normal(scale=0.5, size=(n, 2)) + 3 * (2 * y[:, None] - 1)
    return x.astype(np.float32), y


def new_model(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 2))


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_loss_decreases_on_separable_problem(optimizer):
    data = blobs()
    history = train.fit(new_model(), data, blobs(seed=1), epochs=8, lr=0.05, batch_size=16,
                        optimizer=optimizer, progress=False)
    assert history.epochs == 8 and len(history.test_accuracy) == 8
    assert history.train_loss[-1] < 0.5 * history.train_loss[0]
    assert history.test_accuracy[-1] == 1.0


def test_same_seed_same_history_different_seed_differs():
    runs = [train.fit(new_model(), blobs(), blobs(seed=1), epochs=3, lr=0.05, batch_size=10,
                      seed=s, progress=False) for s in (4, 4, 5)]
    assert runs[0].train_loss == runs[1].train_loss
    assert runs[0].test_accuracy == runs[1].test_accuracy
    assert runs[0].train_loss != runs[2].train_loss, "the seed changes the batch order"


def test_mse_regression():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype(np.float32)
    y = x @ np.array([1.0, -2.0, 0.5], dtype=np.float32)
    torch.manual_seed(0)
    history = train.fit(nn.Linear(3, 1), (x, y), (x, y), epochs=20, lr=0.1, batch_size=16,
                        loss="mse", progress=False)
    assert history.test_loss[-1] < 0.01 * history.test_loss[0]
    assert all(math.isnan(a) for a in history.test_accuracy)


def test_tensors_are_accepted_and_progress_bar_runs():
    x, y = blobs(20)
    history = train.fit(new_model(), (torch.as_tensor(x), torch.as_tensor(y)), (x, y),
                        epochs=1, progress=True)
    assert history.epochs == 1


def test_predict_and_evaluate():
    model = nn.Linear(2, 2)
    with torch.no_grad():
        model.weight.copy_(torch.eye(2))
        model.bias.zero_()
    x = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 1.0], [0.0, 3.0]])
    y = np.array([0, 1, 1, 1])
    model.train()
    out = train.predict(model, x, batch_size=3)
    assert out.shape == (4, 2) and torch.equal(out, torch.as_tensor(x).float())
    assert model.training, "predict restores the training mode"
    loss, acc = train.evaluate(model, (x, y))
    assert acc == 0.75
    expected = nn.functional.cross_entropy(torch.as_tensor(x).float(), torch.as_tensor(y))
    assert loss == pytest.approx(float(expected))


@pytest.mark.parametrize(
    ("kwargs", "error", "word"),
    [
        ({"epochs": 0}, ValueError, "epochs"),
        ({"epochs": 1.0}, TypeError, "epochs"),
        ({"lr": -0.1}, ValueError, "lr"),
        ({"lr": "fast"}, ValueError, "lr"),
        ({"batch_size": 0}, ValueError, "batch_size"),
        ({"optimizer": "rmsprop"}, ValueError, "optimizer"),
        ({"loss": "hinge"}, ValueError, "loss"),
        ({"seed": -1}, ValueError, "seed"),
        ({"weight_decay": -1.0}, ValueError, "weight_decay"),
    ],
)
def test_bad_arguments(kwargs, error, word):
    with pytest.raises(error, match=word):
        train.fit(new_model(), blobs(10), blobs(10), progress=False, **kwargs)


def test_bad_data_and_model():
    x, y = blobs(10)
    with pytest.raises(TypeError, match="train_data"):
        train.fit(new_model(), x, (x, y), progress=False)
    with pytest.raises(ValueError, match="same non-zero number"):
        train.fit(new_model(), (x, y[:5]), (x, y), progress=False)
    with pytest.raises(ValueError, match="integer class labels"):
        train.fit(new_model(), (x, y.astype(float)), (x, y), progress=False)
    with pytest.raises(TypeError, match="model"):
        train.fit("model", (x, y), (x, y), progress=False)
    with pytest.raises(TypeError, match="model"):
        train.predict(None, x)


DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


@pytest.mark.parametrize("device", DEVICES)
def test_fit_on_each_available_device(device):
    x, y = blobs()
    model = new_model()
    history = train.fit(model, (x, y), (x, y), epochs=3, lr=0.05, batch_size=16, device=device,
                        progress=False)
    assert next(model.parameters()).device.type == "cpu", "fit leaves the model where it was"
    assert history.test_accuracy[-1] == 1.0
    assert train.predict(model, x).device.type == "cpu", "predictions come back on the CPU"


@pytest.mark.parametrize("device", DEVICES)
def test_fit_leaves_the_model_on_its_own_device(device):
    """A model that starts on ``device`` ends there, wherever the training ran."""
    x, y = blobs()
    model = new_model().to(device)
    before = [p.detach().clone() for p in model.parameters()]
    train.fit(model, (x, y), (x, y), epochs=1, device="cpu", progress=False)
    assert all(p.device.type == device for p in model.parameters())
    assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True)), \
        "the model was trained in place"


def test_fit_moves_the_model_back_even_when_training_fails():
    """fit moves the model to the training device, then home again, also after an error."""
    x, y = blobs()
    model = new_model()
    moves = []
    move = model.to
    model.to = lambda *args, **kwargs: moves.append(torch.device(args[0])) or move(*args, **kwargs)
    bad = (x, y + 10)  # labels out of range: the loss fails inside the loop
    with pytest.raises((IndexError, RuntimeError)):
        train.fit(model, bad, (x, y), epochs=1, device="cpu", progress=False)
    assert moves == [torch.device("cpu"), torch.device("cpu")], moves
