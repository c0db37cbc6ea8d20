"""Helpers for the CNN lecture book.

The package is split into small modules, one idea each (the design is described in the
repository's ``CONTRIBUTING.md``):

* NumPy references, which import NumPy only: :mod:`helpers.shapes` (output sizes, padding,
  window geometry), :mod:`helpers.conv` (convolution in teaching order),
  :mod:`helpers.conv_fast` (its fast paths, ``choose_conv_method`` and
  ``release_workspace``), :mod:`helpers.pool` (pooling), :mod:`helpers.upsample`
  (up-sampling and the transposed convolution), :mod:`helpers.groups` (p4 group
  convolutions) and :mod:`helpers.layers` (layers with backward passes, the gradient check);
* :mod:`helpers.gpu`: the PyTorch twins of ``conv``, ``pool`` and ``groups``;
* networks and training: :mod:`helpers.models` (the lectures' small networks),
  :mod:`helpers.architectures` (LeNet-5 to GoogLeNet) and :mod:`helpers.train`;
* :mod:`helpers.data` (dataset loaders), :mod:`helpers.symmetry` (shifts, permutations,
  equivariance), :mod:`helpers.dims` (curse of dimensionality), :mod:`helpers.plot`
  (figures) and :mod:`helpers.style` (the book's figure style);
* on top of everything: :mod:`helpers.bench` (timings) and :mod:`helpers.checks` (exercise
  self-checks).

The package itself holds the set-up every chapter calls: :func:`seed_everything`,
:func:`device`, :func:`limit_threads` and :func:`glue`. Importing :mod:`helpers` is cheap: it
does not import PyTorch (the functions that need it import it on first use), so the NumPy
modules can be read and used alone.
"""

from __future__ import annotations

import os
import random

import numpy as np

__version__ = "0.1.0"

__all__ = ["__version__", "device", "glue", "limit_threads", "seed_everything"]


def device(prefer: str | None = None):
    """Return the best available ``torch.device``: CUDA, then Apple MPS, then the CPU.

    Parameters
    ----------
    prefer : str, optional
        Force a device type (``"cuda"``, ``"mps"`` or ``"cpu"``). A preferred device that is
        not available raises ``ValueError`` instead of silently falling back.

    Returns
    -------
    torch.device

    Examples
    --------
    >>> import helpers
    >>> helpers.device().type in {"cuda", "mps", "cpu"}
    True
    """
    import torch

    available = {"cpu": True, "cuda": torch.cuda.is_available()}
    mps = getattr(torch.backends, "mps", None)
    available["mps"] = bool(mps is not None and mps.is_available())
    if prefer is not None:
        if prefer not in available:
            raise ValueError(f"prefer must be one of 'cuda', 'mps', 'cpu'; got {prefer!r}")
        if not available[prefer]:
            raise ValueError(f"prefer={prefer!r} but no {prefer} device is available here")
        return torch.device(prefer)
    for name in ("cuda", "mps"):
        if available[name]:
            return torch.device(name)
    return torch.device("cpu")


def seed_everything(seed: int = 0) -> np.random.Generator:
    """Seed Python's ``random``, NumPy and (if installed) PyTorch, and make cuDNN deterministic.

    Parameters
    ----------
    seed : int
        A non-negative integer.

    Returns
    -------
    numpy.random.Generator
        A fresh generator seeded with ``seed``, for code that prefers explicit generators.

    Examples
    --------
    >>> import helpers
    >>> a = helpers.seed_everything(3).normal()
    >>> b = helpers.seed_everything(3).normal()
    >>> a == b
    True
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    if seed < 0 or seed >= 2**32:
        raise ValueError(f"seed must be in [0, 2**32), got {seed}")
    seed = int(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - code that uses the legacy global generator
    try:
        import torch
    except ImportError:  # the NumPy chapters work without PyTorch
        return np.random.default_rng(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False
    return np.random.default_rng(seed)


def glue(name: str, value, display: bool = False, *, digits: int | None = None) -> None:
    """Make ``value`` citable in the chapter's prose as ``{glue:text}`name` ``.

    In a book build this is ``myst_nb.glue``. Where myst-nb is not installed (Colab, a plain
    Jupyter install) it does nothing, so a chapter runs everywhere.

    The notebook stores the glued value's ``repr``, and nbval compares it: a float computed
    with other math kernels (another CPU, another BLAS) may differ in its last digits. Pass
    ``digits`` to glue ``round(float(value), digits)``, the digits the number means.

    Parameters
    ----------
    name : str
        The key the prose cites.
    value : object
        Any value; a real number when ``digits`` is given.
    display : bool
        Also display the value in the notebook (default: only store it).
    digits : int, optional
        Round a number to this many decimals (negative: to tens, hundreds, ...) before gluing.

    It returns nothing, so a cell that ends with a ``glue`` call shows no raw value.

    Examples
    --------
    >>> import helpers
    >>> helpers.glue("answer", 42)
    >>> helpers.glue("share", 0.36932238046952165, digits=3)  # glues 0.369
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be a non-empty str, got {name!r}")
    if digits is not None:
        if isinstance(digits, bool) or not isinstance(digits, (int, np.integer)):
            raise TypeError(f"digits must be an int or None, got {digits!r}")
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise TypeError(f"value must be a real number when digits is given, got {value!r}")
        value = round(float(value), int(digits)) + 0.0  # + 0.0: no "-0.0" for tiny negatives
    try:
        from myst_nb import glue as myst_glue
    except ImportError:
        return
    myst_glue(name, value, display=display)


class limit_threads:  # lower case: it is used like a function, as threadpool_limits is
    """Run PyTorch and NumPy's BLAS on ``n`` threads, now; restore both on ``restore()``.

    Small matrices gain nothing from a second thread, and one thread sums in the same order on
    every run, so the chapters print the same digits each time. Called on its own line it lasts
    for the rest of the notebook; used in a ``with`` block it ends with the block.

    Parameters
    ----------
    n : int
        Number of threads, >= 1.

    Examples
    --------
    >>> import torch
    >>> import helpers
    >>> before = torch.get_num_threads()
    >>> with helpers.limit_threads(1):
    ...     torch.get_num_threads()
    1
    >>> torch.get_num_threads() == before
    True
    """

    def __init__(self, n: int = 1):
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
            raise TypeError(f"n must be an int, got {n!r}")
        if n < 1:
            raise ValueError(f"n must be >= 1, got {n}")
        import torch
        from threadpoolctl import threadpool_limits

        self._torch_threads = torch.get_num_threads()
        self._blas = threadpool_limits(limits=int(n), user_api="blas")
        torch.set_num_threads(int(n))  # after the BLAS: a BLAS PyTorch shares may reset it

    def restore(self) -> None:
        """Give PyTorch and the BLAS back the thread counts they had before."""
        import torch

        self._blas.restore_original_limits()
        torch.set_num_threads(self._torch_threads)

    def __enter__(self) -> limit_threads:
        return self

    def __exit__(self, *exc) -> None:
        self.restore()
