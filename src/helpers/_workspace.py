"""Scratch buffers that the fast convolution paths reuse from one call to the next.

Why: a large NumPy temporary (more than a few hundred kilobytes) is allocated with ``mmap``
and handed back to the operating system when it is freed, so the next call gets fresh pages
and pays a page fault for every 4 KB it touches. In a loop of convolutions (training, a
benchmark) that can cost as much as the arithmetic. glibc can be told to keep freed memory
(``GLIBC_TUNABLES``), but a reader's own Python process does not set that.

Design:

- the fast paths work on **blocks** (a few output rows or images at a time), so each
  temporary is small -- about a megabyte, sized to stay in the CPU cache -- whatever the size
  of the layer;
- each temporary is taken from a cache with :func:`scratch`, keyed by a *tag* (what the buffer
  is for). A tag owns one flat byte buffer that grows to the largest request seen and is
  reshaped (a view) for every request: a later call with another shape reuses the same memory,
  and only grows it when needed. Buffers larger than :data:`MAX_CACHED_BYTES` are not kept;
- the cache is per thread (``threading.local``), so two threads never share a buffer;
- results are never views of a scratch buffer: every function returns arrays it allocated
  itself (the scratch contents are overwritten by the next call);
- :func:`release_workspace` frees the cache on demand (e.g. after training), and
  :func:`workspace_nbytes` says how much it holds.

Contents of a scratch buffer are undefined: callers overwrite (or zero) what they read.
"""

from __future__ import annotations

import math
import threading

import numpy as np

__all__ = ["MAX_CACHED_BYTES", "release_workspace", "scratch", "workspace_nbytes"]

MAX_CACHED_BYTES = 64 << 20  # one buffer above this is allocated afresh, never kept
_local = threading.local()


def _cache() -> dict[str, np.ndarray]:
    cache = getattr(_local, "buffers", None)
    if cache is None:
        cache = _local.buffers = {}
    return cache


def scratch(tag: str, shape, dtype) -> np.ndarray:
    """An uninitialised array of ``shape`` and ``dtype`` backed by the cached buffer ``tag``.

    The array is a view of memory that the next request for the same tag (in this thread)
    reuses: use it only as a temporary inside one call.

    Examples
    --------
    >>> a = scratch("doc", (2, 3), np.float32)
    >>> b = scratch("doc", (3,), np.float32)  # same memory, another shape
    >>> np.shares_memory(a, b)
    True
    """
    dtype = np.dtype(dtype)
    shape = tuple(int(s) for s in shape)
    nbytes = math.prod(shape) * dtype.itemsize
    if nbytes > MAX_CACHED_BYTES:
        return np.empty(shape, dtype)
    cache = _cache()
    raw = cache.get(tag)
    if raw is None or raw.nbytes < nbytes:
        cache.pop(tag, None)  # free the smaller buffer before allocating the larger one
        raw = cache[tag] = np.empty(max(nbytes, 64), np.uint8)
    return raw[:nbytes].view(dtype).reshape(shape)


def workspace_nbytes() -> int:
    """Bytes held by this thread's scratch buffers.

    Examples
    --------
    >>> release_workspace() >= 0 and workspace_nbytes() == 0
    True
    """
    return sum(raw.nbytes for raw in _cache().values())


def release_workspace() -> int:
    """Free this thread's scratch buffers; return how many bytes were released.

    The next fast convolution allocates them again. Call it to give memory back after a large
    layer, e.g. at the end of training.

    Examples
    --------
    >>> _ = scratch("doc", (1000,), np.float64)
    >>> release_workspace() >= 8000
    True
    """
    released = workspace_nbytes()
    _cache().clear()
    return released
