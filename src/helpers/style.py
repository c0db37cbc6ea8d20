"""The book's figure settings, in one place: every chapter calls :func:`use_book_style` once.

Figures are drawn for the website's text column: vector graphics (SVG) in notebooks, text of at
least 9 pt, and no figure wider than the column, so the page never shrinks a figure (and its
text) below the size it was drawn at. A figure drawn wider is narrowed to the column before it
is shown, its text keeping its size, and text a chapter set smaller than 9 pt (a legend's
``fontsize=7``, say) is raised to 9 pt. Backgrounds are white, so figures stay readable on the
site's dark mode.
"""

from __future__ import annotations

import warnings

import matplotlib as mpl

__all__ = ["BOOK_STYLE", "COLUMN_INCHES", "MIN_FONT_POINTS", "enlarge_small_text", "fit_to_column",
           "use_book_style"]

#: The widest figure, in inches: the website's column is about 790 px at 1280 px (96 px per inch).
COLUMN_INCHES = 7.8

#: matplotlib settings of every figure in the book.
BOOK_STYLE = {
    "figure.figsize": (6.4, 3.6),
    "figure.dpi": 96,
    "savefig.dpi": 144,  # raster parts (imshow) of a figure: sharper on high-density screens
    "font.size": 10,
    "axes.titlesize": 10.5,
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "figure.titlesize": 11,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "axes.facecolor": "white",
    "svg.hashsalt": "cnn-book",  # SVG element ids from this salt, not random: stable files
}

MIN_FONT_POINTS = 9.0


def enlarge_small_text(fig, minimum: float = MIN_FONT_POINTS):
    """Raise every text of ``fig`` smaller than ``minimum`` points to ``minimum`` (in place).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    minimum : float
        The smallest font size in points (> 0).

    Returns
    -------
    matplotlib.figure.Figure
        The same figure.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> label = ax.set_xlabel("x", fontsize=6)
    >>> enlarge_small_text(fig, 9).axes[0].xaxis.label.get_fontsize()
    9.0
    >>> plt.close(fig)
    """
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    if isinstance(minimum, bool) or not isinstance(minimum, (int, float)) or not minimum > 0:
        raise ValueError(f"minimum must be a positive number of points, got {minimum!r}")
    for text in fig.findobj(Text):
        if text.get_fontsize() < minimum:
            text.set_fontsize(minimum)
    return fig


def fit_to_column(fig, width: float = COLUMN_INCHES):
    """Narrow ``fig`` to at most ``width`` inches (same aspect ratio), keeping its text size.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    width : float
        The largest width in inches (> 0).

    Returns
    -------
    matplotlib.figure.Figure
        The same figure, resized in place and laid out again if it was too wide.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = plt.figure(figsize=(12, 3))
    >>> [float(round(v, 2)) for v in fit_to_column(fig, 8.0).get_size_inches()]
    [8.0, 2.0]
    >>> plt.close(fig)
    """
    from matplotlib.figure import Figure

    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    if isinstance(width, bool) or not isinstance(width, (int, float)) or not width > 0:
        raise ValueError(f"width must be a positive number of inches, got {width!r}")
    w, h = fig.get_size_inches()
    if w > width:
        fig.set_size_inches(width, h * width / w)
        if fig.get_layout_engine() is None and fig.axes:
            with warnings.catch_warnings():  # layouts tight_layout cannot handle stay as they are
                warnings.simplefilter("ignore")
                fig.tight_layout()
    return fig


def use_book_style(svg: bool = True) -> None:
    """Apply :data:`BOOK_STYLE`; in IPython, show figures as SVG fitted to the column.

    Parameters
    ----------
    svg : bool
        Show figures in notebooks as SVG (vector: sharp at any zoom) instead of PNG.

    Examples
    --------
    >>> use_book_style()
    >>> import matplotlib as mpl
    >>> mpl.rcParams["xtick.labelsize"] >= MIN_FONT_POINTS
    True
    """
    if not isinstance(svg, bool):
        raise TypeError(f"svg must be True or False, got {svg!r}")
    import matplotlib.pyplot as plt

    # Resolve the backend first: in a notebook, activating the inline backend later would reset
    # its own settings and figure formats over ours.
    plt.get_backend()
    mpl.rcParams.update(BOOK_STYLE)
    try:
        from IPython import get_ipython
        from IPython.core import pylabtools
    except ImportError:  # plain Python: the settings above are all there is
        return
    shell = get_ipython()
    if shell is None or not hasattr(shell, "display_formatter"):
        return
    # IPython shows a figure through pylabtools.print_figure, and the inline backend registers
    # it again with its configured formats on every new figure: so the format goes into its
    # configuration, and the fitting into print_figure (wrapped once).
    if not getattr(pylabtools.print_figure, "fits_to_column", False):
        original = pylabtools.print_figure

        def print_fitted(fig, *args, **kwargs):
            if kwargs.get("fmt", args[0] if args else None) == "svg":
                kwargs["metadata"] = {"Date": None}  # no time stamp in the file
            return original(fit_to_column(enlarge_small_text(fig)), *args, **kwargs)

        print_fitted.fits_to_column = True
        pylabtools.print_figure = print_fitted
    try:
        from matplotlib_inline.backend_inline import InlineBackend
    except ImportError:
        return
    InlineBackend.instance(parent=shell).figure_formats = {"svg" if svg else "png"}
