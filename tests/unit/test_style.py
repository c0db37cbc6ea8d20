"""helpers.style: the book's figure settings and the fitting of wide figures to the column."""

from __future__ import annotations

import matplotlib
import matplotlib.text

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from helpers import style  # noqa: E402


def test_wide_figure_is_narrowed_to_the_column_keeping_its_aspect():
    fig, axes = plt.subplots(1, 4, figsize=(12, 3.2))
    try:
        style.fit_to_column(fig)
        width, height = fig.get_size_inches()
        assert width == pytest.approx(style.COLUMN_INCHES)
        assert height == pytest.approx(3.2 * style.COLUMN_INCHES / 12)
    finally:
        plt.close(fig)


def test_narrow_figure_is_left_alone():
    fig = plt.figure(figsize=(5, 3))
    try:
        assert tuple(style.fit_to_column(fig).get_size_inches()) == (5, 3)
    finally:
        plt.close(fig)


def test_book_style_text_is_at_least_nine_points_and_figures_fit():
    style.use_book_style()
    for key in ("font.size", "xtick.labelsize", "ytick.labelsize", "legend.fontsize",
                "axes.labelsize", "axes.titlesize"):
        assert matplotlib.rcParams[key] >= style.MIN_FONT_POINTS, key
    assert matplotlib.rcParams["figure.figsize"][0] <= style.COLUMN_INCHES
    assert matplotlib.rcParams["figure.facecolor"] == "white"


@pytest.mark.parametrize("width", [0, -1, "8", True])
def test_bad_width_is_rejected(width):
    fig = plt.figure()
    try:
        with pytest.raises(ValueError, match="width"):
            style.fit_to_column(fig, width)
    finally:
        plt.close(fig)


def test_bad_arguments_are_rejected():
    with pytest.raises(TypeError, match="fig"):
        style.fit_to_column("not a figure")
    with pytest.raises(TypeError, match="svg"):
        style.use_book_style(svg="yes")


def test_small_text_is_raised_to_nine_points():
    fig, ax = plt.subplots()
    try:
        ax.plot([0, 1], label="line")
        ax.legend(fontsize=6)
        ax.tick_params(labelsize=7)
        ax.set_title("big enough", fontsize=12)
        style.enlarge_small_text(fig)
        sizes = [t.get_fontsize() for t in fig.findobj(matplotlib.text.Text)]
        assert min(sizes) >= style.MIN_FONT_POINTS
        assert ax.title.get_fontsize() == 12
    finally:
        plt.close(fig)


def test_bad_minimum_is_rejected():
    fig = plt.figure()
    try:
        with pytest.raises(ValueError, match="minimum"):
            style.enlarge_small_text(fig, 0)
        with pytest.raises(TypeError, match="fig"):
            style.enlarge_small_text(None)
    finally:
        plt.close(fig)
