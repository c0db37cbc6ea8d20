"""Figures used by several chapters: image grids, kernels, feature maps, training curves and
the sliding-window animation.

Every function draws with matplotlib and returns the ``Figure`` (it never calls ``show``), so a
notebook ends the cell with ``plt.show()`` and a test can inspect the axes;
:func:`sliding_window_animation` returns the animation instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import FuncAnimation
from matplotlib.patches import Rectangle

from helpers._validate import as_int, as_real_array, check_ndim, is_tensor
from helpers.shapes import conv_output_size

__all__ = [
    "plot_feature_maps",
    "plot_history",
    "plot_kernels",
    "show_images",
    "sliding_window_animation",
]

METRIC_LABELS = {
    "train_loss": "training loss",
    "test_loss": "test loss",
    "test_accuracy": "test accuracy",
}


def _to_numpy(x, name: str) -> np.ndarray:
    if is_tensor(x):
        x = x.detach().cpu().numpy()
    return as_real_array(x, name)


def show_images(
    images,
    labels: Sequence | None = None,
    ncols: int = 8,
    cmap: str = "gray",
    title: str | None = None,
    size: float = 1.1,
    symmetric: bool = False,
):
    """Draw a grid of grey images without axes, each titled with its label.

    Parameters
    ----------
    images : array or tensor, shape ``(N, H, W)`` (or ``(N, 1, H, W)``)
    labels : sequence of length N, optional
        Shown above each image.
    ncols : int
        Images per row.
    cmap : str
        Matplotlib colour map.
    title : str, optional
        Title of the whole figure.
    size : float
        Width and height of one image in inches.
    symmetric : bool
        Centre the colour scale on 0 (for kernels and signed maps); each image gets
        its own scale ``[-m, m]`` with ``m = max |value|``.

    Returns
    -------
    matplotlib.figure.Figure
        With one axis per grid cell (``ceil(N / ncols) * ncols``; unused ones hidden).

    Examples
    --------
    >>> fig = show_images(np.zeros((3, 5, 5)), labels=[0, 1, 2], ncols=3)
    >>> len(fig.axes)
    3
    """
    images = _to_numpy(images, "images")
    if images.ndim == 4 and images.shape[1] == 1:
        images = images[:, 0]
    check_ndim(images, "images", (3,), "(N, H, W)")
    n = len(images)
    if n == 0:
        raise ValueError("images must hold at least one image")
    if labels is not None and len(labels) != n:
        raise ValueError(f"labels must have one entry per image ({n}), got {len(labels)}")
    ncols = min(as_int(ncols, "ncols", minimum=1), n)
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + 0.3 * bool(title)),
                             squeeze=False)
    for i, ax in enumerate(axes.ravel()):
        ax.set_axis_off()
        if i >= n:
            continue
        scale = {}
        if symmetric:
            m = float(np.abs(images[i]).max()) or 1.0
            scale = {"vmin": -m, "vmax": m}
        ax.imshow(images[i], cmap=cmap, **scale)
        if labels is not None:
            ax.set_title(str(labels[i]), fontsize=9)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_kernels(weight, ncols: int = 8, title: str | None = "kernels"):
    """Draw the kernels of a convolution layer, one image per (output, input) channel pair.

    Parameters
    ----------
    weight : array or tensor, shape ``(C_out, C_in, kH, kW)`` or ``(C_out, kH, kW)``
        Signed values are shown on a colour scale centred at 0 (red-blue).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> len(plot_kernels(np.ones((4, 1, 3, 3)), ncols=4).axes)
    4
    """
    weight = _to_numpy(weight, "weight")
    check_ndim(weight, "weight", (3, 4), "(C_out, C_in, kH, kW) or (C_out, kH, kW)")
    kernels = weight.reshape(-1, *weight.shape[-2:])
    return show_images(kernels, ncols=ncols, cmap="RdBu_r", title=title, symmetric=True)


def plot_feature_maps(maps, ncols: int = 8, title: str | None = "feature maps"):
    """Draw the channels of one feature map ``(C, H, W)`` (or ``(1, C, H, W)``) side by side.

    Examples
    --------
    >>> len(plot_feature_maps(np.ones((1, 6, 4, 4)), ncols=3).axes)
    6
    """
    maps = _to_numpy(maps, "maps")
    if maps.ndim == 4 and maps.shape[0] == 1:
        maps = maps[0]
    check_ndim(maps, "maps", (3,), "(C, H, W)")
    return show_images(maps, labels=[f"channel {c}" for c in range(len(maps))], ncols=ncols,
                       cmap="viridis", title=title)


def plot_history(
    histories: Mapping[str, object],
    metrics: Sequence[str] = ("train_loss", "test_accuracy"),
    title: str | None = None,
    styles: Mapping[str, dict] | None = None,
):
    """Curves of several training runs, one panel per metric, one line per run.

    Parameters
    ----------
    histories : mapping name -> History
        Anything with list attributes named like the metrics (``helpers.train.History``), or
        a mapping with those keys.
    metrics : sequence of str
        Attributes to plot, e.g. ``"train_loss"``, ``"test_loss"``, ``"test_accuracy"``.
    title : str, optional
    styles : mapping name -> dict, optional
        Extra keyword arguments for ``Axes.plot`` per run (e.g. ``{"linestyle": "--"}``).

    Returns
    -------
    matplotlib.figure.Figure
        With ``len(metrics)`` axes; x label "epoch", y label the metric.

    Examples
    --------
    >>> fig = plot_history({"a": {"train_loss": [1.0, 0.5], "test_accuracy": [0.5, 0.8]}})
    >>> [ax.get_xlabel() for ax in fig.axes]
    ['epoch', 'epoch']
    """
    if not isinstance(histories, Mapping) or not histories:
        raise TypeError("histories must be a non-empty mapping name -> History")
    if isinstance(metrics, str) or not metrics:
        raise TypeError(f"metrics must be a non-empty sequence of names, got {metrics!r}")
    styles = styles or {}
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.5 * len(metrics), 3.2), squeeze=False)
    for ax, metric in zip(axes[0], metrics, strict=True):
        for name, history in histories.items():
            values = history[metric] if isinstance(history, Mapping) else getattr(
                history, metric, None)
            if values is None:
                raise ValueError(f"history {name!r} has no metric {metric!r}")
            epochs = np.arange(1, len(values) + 1)
            ax.plot(epochs, values, label=name, **styles.get(name, {}))
        ax.set_xlabel("epoch")
        ax.set_ylabel(METRIC_LABELS.get(metric, metric))
        ax.grid(alpha=0.3)
    axes[0, 0].legend(fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def sliding_window_animation(size: int = 7, kernel_size: int = 3, stride: int = 1,
                             padding: int = 0, interval: int = 500) -> FuncAnimation:
    """A ``kernel_size`` window sliding over a padded ``size x size`` input, filling the output.

    The left panel shows the padded input (input pixels light, padding dark) with the window in
    red; the right panel the output, one pixel filled per frame, with the pixel the window
    computes in red.

    Parameters
    ----------
    size : int
        Side N of the square input.
    kernel_size, stride, padding : int
        The window (K), its step (S) and the zeros added on each side (P).
    interval : int
        Milliseconds between frames.

    Returns
    -------
    matplotlib.animation.FuncAnimation
        One frame per output pixel (``conv_output_size(size, kernel_size, stride, padding)``
        squared). Its figure is already closed, so a notebook shows only what it is asked to:
        ``IPython.display.HTML(anim.to_jshtml())`` gives a player.

    Examples
    --------
    >>> anim = sliding_window_animation(7, 3, stride=2, padding=1)
    >>> len(list(anim.new_frame_seq()))  # 4 x 4 output pixels
    16
    """
    n_out = conv_output_size(size, kernel_size, stride, padding)
    interval = as_int(interval, "interval", minimum=1)
    padded = size + 2 * padding
    grid_in = np.zeros((padded, padded))
    grid_in[padding:padding + size, padding:padding + size] = 1.0  # 1 = input, 0 = padding
    fig, (ax_in, ax_out) = plt.subplots(1, 2, figsize=(6, 3), dpi=60)
    ax_in.imshow(grid_in, cmap="Greys_r", vmin=-1, vmax=1)
    filled = np.zeros((n_out, n_out))
    image_out = ax_out.imshow(filled, cmap="Blues", vmin=0, vmax=1.5)
    window = ax_in.add_patch(Rectangle((-0.5, -0.5), kernel_size, kernel_size, fill=False,
                                       ec="tab:red", lw=3))
    pixel = ax_out.add_patch(Rectangle((-0.5, -0.5), 1, 1, fill=False, ec="tab:red", lw=3))
    for ax, m, title in ((ax_in, padded, f"padded input {padded}x{padded}"),
                         (ax_out, n_out, f"output {n_out}x{n_out}")):
        for edge in np.arange(m + 1) - 0.5:  # the pixel grid
            ax.axhline(edge, color="0.5", lw=0.5)
            ax.axvline(edge, color="0.5", lw=0.5)
        ax.set(xticks=[], yticks=[], title=title)
    fig.tight_layout()

    def draw(frame):
        i, j = divmod(frame, n_out)
        window.set_xy((j * stride - 0.5, i * stride - 0.5))
        pixel.set_xy((j - 0.5, i - 0.5))
        filled[i, j] = 1.0
        image_out.set_data(filled)
        return window, pixel, image_out

    anim = FuncAnimation(fig, draw, frames=n_out * n_out, interval=interval, blit=True)
    plt.close(fig)  # the caller shows the player, not a static copy of the first frame
    return anim
