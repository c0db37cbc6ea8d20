"""Tests of helpers.plot: figures have the right axes, labels and lines (Agg backend)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from helpers import plot  # noqa: E402
from helpers.train import History  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_show_images_grid_and_labels():
    fig = plot.show_images(np.zeros((10, 5, 5)), labels=list(range(10)), ncols=4)
    assert len(fig.axes) == 12, "3 rows of 4"
    assert [ax.get_title() for ax in fig.axes[:10]] == [str(i) for i in range(10)]
    assert sum(bool(ax.images) for ax in fig.axes) == 10, "two unused cells stay empty"


def test_show_images_accepts_tensors_with_channel_axis():
    fig = plot.show_images(torch.ones(3, 1, 4, 4), ncols=8)
    assert len(fig.axes) == 3


def test_show_images_errors():
    with pytest.raises(ValueError, match="labels"):
        plot.show_images(np.zeros((2, 3, 3)), labels=[1])
    with pytest.raises(ValueError, match="images"):
        plot.show_images(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="at least one"):
        plot.show_images(np.zeros((0, 3, 3)))
    with pytest.raises(ValueError, match="ncols"):
        plot.show_images(np.zeros((2, 3, 3)), ncols=0)


def test_kernels_use_a_symmetric_scale():
    weight = np.stack([np.full((1, 3, 3), -2.0), np.full((1, 3, 3), 1.0)])
    fig = plot.plot_kernels(weight, ncols=2)
    assert len(fig.axes) == 2
    assert fig.axes[0].images[0].get_clim() == (-2.0, 2.0)
    with pytest.raises(ValueError, match="weight"):
        plot.plot_kernels(np.zeros((3, 3)))


def test_feature_maps():
    fig = plot.plot_feature_maps(np.ones((1, 6, 4, 4)), ncols=3)
    assert len(fig.axes) == 6 and fig.axes[5].get_title() == "channel 5"
    with pytest.raises(ValueError, match="maps"):
        plot.plot_feature_maps(np.ones((2, 6, 4, 4)))


def test_plot_history_panels_lines_and_labels():
    a = History(train_loss=[1.0, 0.5, 0.2], test_loss=[1.1, 0.6, 0.4], test_accuracy=[0.5] * 3)
    b = {"train_loss": [0.9, 0.4], "test_accuracy": [0.6, 0.7]}
    fig = plot.plot_history({"a": a, "b": b}, styles={"b": {"linestyle": "--"}})
    assert len(fig.axes) == 2
    assert [ax.get_xlabel() for ax in fig.axes] == ["epoch", "epoch"]
    assert [ax.get_ylabel() for ax in fig.axes] == ["training loss", "test accuracy"]
    lines = fig.axes[0].get_lines()
    assert len(lines) == 2 and list(lines[0].get_xdata()) == [1, 2, 3]
    assert lines[1].get_linestyle() == "--"


def test_plot_history_errors():
    with pytest.raises(TypeError, match="histories"):
        plot.plot_history({})
    with pytest.raises(TypeError, match="metrics"):
        plot.plot_history({"a": History()}, metrics="train_loss")
    with pytest.raises(ValueError, match="no metric"):
        plot.plot_history({"a": History(train_loss=[1.0])}, metrics=("accuracy",))


def test_sliding_window_animation_draws_one_frame_per_output_pixel():
    open_before = set(plt.get_fignums())
    anim = plot.sliding_window_animation(7, 3, stride=2, padding=1)
    assert set(plt.get_fignums()) == open_before, "the figure is closed: only the player shows"
    assert len(list(anim.new_frame_seq())) == 16, "(7 + 2 - 3) / 2 + 1 = 4: 4 x 4 outputs"
    assert anim.to_jshtml().count("data:image/png") == 16


@pytest.mark.parametrize(("kwargs", "error", "name"), [
    ({"size": 2, "kernel_size": 5}, ValueError, "kernel_size"),
    ({"stride": 0}, ValueError, "stride"),
    ({"interval": 0}, ValueError, "interval"),
])
def test_sliding_window_animation_bad_input(kwargs, error, name):
    with pytest.raises(error, match=name):
        plot.sliding_window_animation(**kwargs)
