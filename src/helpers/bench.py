"""Timing, FLOP counts and the benchmark report of the NumPy convolution.

Run the report with ``python -m helpers.bench`` (options: ``--repeats N``, ``--quick``,
``--clock cpu``, ``--tuned``); how to read it is in ``BENCHMARKS.md``. The small functions
:func:`time_call`, :func:`gflops`, :func:`conv2d_flops`, :func:`gemm_gflops` and
:func:`blas_info` are reused by the performance sections of the book.

Everything is timed in one process at one thread (OpenBLAS through ``threadpoolctl``,
PyTorch through ``torch.set_num_threads``), and reported as a ratio to PyTorch measured in the
same run, because absolute times on a shared machine drift from minute to minute. By default
the report runs in a plain Python process, like a reader's notebook, and measures wall time.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable

import numpy as np

from . import conv, pool
from ._validate import as_int, as_tuple, check_choice

__all__ = [
    "LAYERS",
    "QUICK_LAYERS",
    "TARGETS",
    "blas_info",
    "cnn_images_per_second",
    "conv2d_flops",
    "gemm_gflops",
    "gflops",
    "main",
    "run_report",
    "time_call",
]

# The four layer shapes of the report: x shape, weight shape, stride, padding.
LAYERS = {
    "a": dict(x=(64, 1, 28, 28), w=(6, 1, 5, 5), stride=1, padding=2),  # LeNet conv1
    "b": dict(x=(64, 6, 14, 14), w=(16, 6, 5, 5), stride=1, padding=0),  # LeNet conv2
    "c": dict(x=(8, 64, 56, 56), w=(64, 64, 3, 3), stride=1, padding=1),  # a VGG/ResNet 3x3
    "d": dict(x=(8, 3, 227, 227), w=(96, 3, 11, 11), stride=4, padding=0),  # AlexNet conv1
}
# Tiny stand-ins with the same kernels, strides and paddings, for the smoke test.
QUICK_LAYERS = {
    "a": dict(x=(2, 1, 12, 12), w=(6, 1, 5, 5), stride=1, padding=2),
    "b": dict(x=(2, 6, 10, 10), w=(16, 6, 5, 5), stride=1, padding=0),
    "c": dict(x=(2, 16, 16, 16), w=(16, 16, 3, 3), stride=1, padding=1),
    "d": dict(x=(1, 3, 39, 39), w=(8, 3, 11, 11), stride=4, padding=0),
}
POOL_SHAPES = {"p1": (64, 16, 28, 28), "p2": (8, 64, 56, 56)}
QUICK_POOL_SHAPES = {"p1": (2, 4, 8, 8), "p2": (1, 8, 12, 12)}
# The targets: best NumPy time / PyTorch time (at most), 1 thread, same process; for the
# from-scratch CNN, NumPy images per second / PyTorch images per second (at least).
TARGETS = {
    "forward": {"a": 1.0, "b": 1.5, "c": 1.0, "d": 1.2},
    "backward": {"b": 1.3, "c": 1.3},
    "maxpool": {"p1": 1.0, "p2": 1.0},
    "cnn": {"train": 0.6},
}
# Chapter 6's network (conv 5x5 -> ReLU -> 2x2 max-pool -> linear) trained on batches of 64
# MNIST-sized images; QUICK_CNN is a tiny stand-in for the smoke test.
CNN = dict(batch=64, channels=8, size=28, steps=10)
QUICK_CNN = dict(batch=4, channels=2, size=8, steps=2)
# Environment variables that pin OpenBLAS to another kernel than the CPU's own; the report
# removes them for its own run (section "Run it" of BENCHMARKS.md).
_BLAS_PINS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
_TUNABLES = "glibc.malloc.mmap_threshold=4294967296:glibc.malloc.trim_threshold=4294967296"


def time_call(fn: Callable[[], object], repeats: int = 5, warmup: int = 1,
              clock: str = "wall") -> float:
    """Median time of ``fn()`` in seconds, after ``warmup`` untimed calls.

    Parameters
    ----------
    fn : callable
        Called with no arguments.
    repeats : int
        Number of timed calls (at least 1); the median is robust to a few slow outliers.
    warmup : int
        Untimed calls first (caches, allocator, lazy initialisation).
    clock : {"wall", "cpu"}
        ``"wall"``: elapsed time (``time.perf_counter``). ``"cpu"``: CPU time of this process
        (``time.process_time``), which ignores the time other programs hold the CPU -- a
        steadier measure of single-threaded code on a shared machine.

    Returns
    -------
    float
        Seconds.

    Examples
    --------
    >>> time_call(lambda: sum(range(100)), repeats=3) > 0
    True
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    repeats = as_int(repeats, "repeats", minimum=1)
    warmup = as_int(warmup, "warmup", minimum=0)
    check_choice(clock, "clock", ("wall", "cpu"))
    now = time.perf_counter if clock == "wall" else time.process_time
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = now()
        fn()
        times.append(now() - start)
    return float(np.median(times))


def _interleaved(fns: dict[str, Callable[[], object]], repeats: int, clock: str,
                 slow: float = 0.5) -> dict[str, float]:
    """Median time of each function, the functions taking turns: round after round, each
    one is called once untimed (so that it finds its data in the cache, as in a loop) and
    once timed. A burst of load from other programs then slows all of them in that round
    alike, so their ratios stay fair on a shared machine. The order rotates from round to
    round: what ran just before a call (and left its data in the cache) is not always the
    same entry. The first call of each is a
    warm-up; a function whose warm-up took more than ``slow`` seconds is not called again
    and that time is reported."""
    now = time.perf_counter if clock == "wall" else time.process_time
    first = {name: time_call(fn, 1, warmup=0, clock=clock) for name, fn in fns.items()}
    samples: dict[str, list[float]] = {name: [] for name in fns if first[name] <= slow}
    names = list(samples)
    for round_ in range(repeats):
        shift = round_ % max(len(names), 1)  # each entry follows each other one in turn
        for name in names[shift:] + names[:shift]:
            fns[name]()
            start = now()
            fns[name]()
            samples[name].append(now() - start)
    return {name: float(np.median(samples[name])) if name in samples else first[name]
            for name in fns}


def gflops(flops: float, seconds: float) -> float:
    """Throughput in GFLOP/s: ``flops / seconds / 1e9``.

    Examples
    --------
    >>> gflops(2e9, 0.5)
    4.0
    """
    if not np.isfinite(flops) or flops < 0:
        raise ValueError(f"flops must be a finite number >= 0, got {flops!r}")
    if not np.isfinite(seconds) or seconds <= 0:
        raise ValueError(f"seconds must be a finite number > 0, got {seconds!r}")
    return float(flops) / float(seconds) / 1e9


def conv2d_flops(x_shape, weight_shape, stride=1, padding=0, dilation=1, groups=1) -> int:
    """Floating-point operations of a direct 2-D convolution (a multiply and an add per tap).

    ``2 * N * C_out * H_out * W_out * (C_in / groups) * kH * kW``; the bias is not counted.
    Fast algorithms (Winograd, FFT) do fewer operations; their GFLOP/s in the report use this
    same count, so the column compares times, not arithmetic.

    Parameters
    ----------
    x_shape : tuple (N, C_in, H, W)
    weight_shape : tuple (C_out, C_in / groups, kH, kW)
    stride, padding, dilation : int or (int, int)
    groups : int

    Returns
    -------
    int

    Examples
    --------
    >>> conv2d_flops((64, 1, 28, 28), (6, 1, 5, 5), padding=2)
    15052800
    """
    N, C_in, H, W = as_tuple(x_shape, "x_shape", 4, minimum=1)
    C_out, C_g, kh, kw = as_tuple(weight_shape, "weight_shape", 4, minimum=1)
    groups = as_int(groups, "groups", minimum=1)
    if C_g * groups != C_in:
        raise ValueError(f"weight_shape has {C_g} input channels per group, x_shape has {C_in} "
                         f"channels and groups={groups}")
    stride = as_tuple(stride, "stride", 2, minimum=1)
    padding = as_tuple(padding, "padding", 2, minimum=0)
    dilation = as_tuple(dilation, "dilation", 2, minimum=1)
    out_h = conv.conv_output_size(H, kh, stride[0], padding[0], dilation[0])
    out_w = conv.conv_output_size(W, kw, stride[1], padding[1], dilation[1])
    return 2 * N * C_out * out_h * out_w * C_g * kh * kw


def gemm_gflops(n: int = 2048, repeats: int = 3, clock: str = "wall") -> dict[str, float]:
    """GFLOP/s of an ``n x n x n`` float32 matrix product in NumPy and in PyTorch.

    Run it at the thread count you care about (the report limits both to one thread); it is
    the ceiling that a GEMM-based convolution can reach on this machine.

    Returns
    -------
    dict
        ``{"numpy": ..., "torch": ...}`` in GFLOP/s.
    """
    import torch

    n = as_int(n, "n", minimum=1)
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    flops = 2.0 * n**3
    return {
        "numpy": gflops(flops, time_call(lambda: a @ b, repeats, clock=clock)),
        "torch": gflops(flops, time_call(lambda: ta @ tb, repeats, clock=clock)),
    }


def blas_info() -> str:
    """The BLAS library NumPy uses, its kernel and thread count, as one line (threadpoolctl).

    The kernel is what OpenBLAS picked for this CPU (e.g. ``SkylakeX`` for AVX-512), or what
    ``OPENBLAS_CORETYPE`` forced; the GEMM speed, and so every im2col and Winograd time,
    depends on it.

    Examples
    --------
    >>> "NumPy BLAS" in blas_info()
    True
    """
    from threadpoolctl import threadpool_info

    found = [f"{lib.get('internal_api')} {lib.get('version')}, kernel "
             f"{lib.get('architecture', '?')}, threads={lib.get('num_threads')}"
             for lib in threadpool_info() if lib.get("user_api") == "blas"]
    return "NumPy BLAS: " + ("; ".join(found) if found else "not found by threadpoolctl")


def _machine() -> str:
    """CPU model, core count, memory and load average, as far as this system tells."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            model = next((line.split(":", 1)[1].strip() for line in f
                          if line.startswith("model name")), model)
    except OSError:
        pass
    text = f"{model}, {os.cpu_count()} CPUs"
    try:
        pages, page = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        text += f", {pages * page / 2**30:.0f} GB RAM"
    except (ValueError, OSError, AttributeError):
        pass
    if hasattr(os, "getloadavg"):
        text += ", load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())
    return f"{text}; {platform.system()} {platform.release()}"


def cnn_images_per_second(batch: int = 64, channels: int = 8, size: int = 28, steps: int = 10,
                          repeats: int = 5, clock: str = "wall") -> dict[str, float]:
    """Training speed of chapter 6's network, from scratch in NumPy and in PyTorch.

    The network is ``Conv2d(1, channels, 5, padding=2) -> ReLU -> MaxPool2d(2) -> Flatten ->
    Linear(channels * (size // 2)**2, 10)`` (:mod:`helpers.layers` and its PyTorch twin from
    :func:`helpers.layers.to_torch`, same initial weights). One step is a forward pass, the
    cross-entropy, the backward pass and an SGD update on a batch of ``batch`` images; the
    images and labels are random (speed does not depend on them). Both do the same work:
    neither computes the gradient with respect to the images (``Sequential.backward(...,
    input_grad=False)``; in PyTorch the images do not require a gradient). Run it at the
    thread count you care about (the report uses one).

    Parameters
    ----------
    batch, channels, size : int
        Batch size, feature maps of the convolution, image height and width (even).
    steps : int
        Training steps per timed call.
    repeats : int
        Timed calls; the median is used.
    clock : {"wall", "cpu"}
        See :func:`time_call`.

    Returns
    -------
    dict
        ``{"numpy": images/s, "torch": images/s}``.

    Examples
    --------
    >>> speed = cnn_images_per_second(batch=2, channels=2, size=6, steps=1, repeats=1)
    >>> sorted(speed), all(v > 0 for v in speed.values())
    (['numpy', 'torch'], True)
    """
    import torch
    import torch.nn.functional as F

    from . import layers as L

    batch = as_int(batch, "batch", minimum=1)
    channels = as_int(channels, "channels", minimum=1)
    size = as_int(size, "size", minimum=2)
    if size % 2:
        raise ValueError(f"size must be even (2x2 pooling), got {size}")
    steps = as_int(steps, "steps", minimum=1)
    gen = np.random.default_rng(0)
    net = L.Sequential(L.Conv2d(1, channels, 5, padding=2, rng=gen), L.ReLU(), L.MaxPool2d(2),
                       L.Flatten(), L.Linear(channels * (size // 2) ** 2, 10, rng=gen))
    twin = L.to_torch(net)
    optimizer = torch.optim.SGD(twin.parameters(), lr=0.1)
    images = gen.random((steps, batch, 1, size, size), dtype=np.float32)
    labels = gen.integers(0, 10, size=(steps, batch))
    images_t, labels_t = torch.from_numpy(images), torch.from_numpy(labels)
    loss_block = L.SoftmaxCrossEntropy()

    def numpy_steps():
        for x, y in zip(images, labels, strict=True):
            loss_block.forward(net.forward(x), y)
            net.backward(loss_block.backward(), input_grad=False)  # as autograd: no dL/dx
            L.sgd_step(net.params(), net.grads(), 0.1)

    def torch_steps():
        for x, y in zip(images_t, labels_t, strict=True):
            loss = F.cross_entropy(twin(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

    repeats = as_int(repeats, "repeats", minimum=1)
    check_choice(clock, "clock", ("wall", "cpu"))
    times = _interleaved({"numpy": numpy_steps, "torch": torch_steps}, repeats, clock,
                         slow=np.inf)
    return {name: steps * batch / t for name, t in times.items()}


# --------------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------------
def _print_table(title: str, header: list[str], rows: list[list[str]], out) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    print(f"\n## {title}", file=out)
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)), file=out)
    print("  ".join("-" * w for w in widths), file=out)
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)), file=out)


def _num(value: float) -> str:
    """Three significant digits without exponent noise: 0.0123, 1.58, 27.5, 5947."""
    return f"{value:.3g}" if value < 1000 else f"{value:.0f}"


def _shape_text(spec) -> str:
    x, w = spec["x"], spec["w"]
    text = f"{'x'.join(map(str, x))} * {'x'.join(map(str, w))}"
    if spec["stride"] != 1:
        text += f" s{spec['stride']}"
    if spec["padding"]:
        text += f" p{spec['padding']}"
    return text


def _forward_methods(spec) -> dict[str, Callable]:
    kw = dict(stride=spec["stride"], padding=spec["padding"])
    methods = {m: (lambda x, w, m=m: conv.conv2d(x, w, method=m, **kw))
               for m in ("im2col", "fft")}
    if spec["w"][2:] == (3, 3) and spec["stride"] == 1:
        methods["winograd"] = lambda x, w: conv.conv2d(x, w, method="winograd", **kw)
    methods["auto"] = lambda x, w: conv.conv2d(x, w, **kw)
    return methods


def run_report(quick: bool = False, repeats: int | None = None, out=None,
               clock: str = "wall") -> dict:
    """Measure and print the benchmark tables; return the measured rows.

    Parameters
    ----------
    quick : bool
        Use tiny shapes (a smoke test of the report, not a measurement).
    repeats : int, optional
        Timed calls per entry (median); default 7, or 2 with ``quick``.
    out : file, optional
        Where to print (default ``sys.stdout``).
    clock : {"wall", "cpu"}
        What to time, see :func:`time_call`. Wall time by default: what a reader waits for.
        ``"cpu"`` leaves out the waits for a free core on a shared machine.

    Returns
    -------
    dict
        ``{"gemm": {...}, "forward": [...], "backward": [...], "maxpool": [...],
        "cnn": [...], "summary": [...]}``; each row a dict with the printed values.
    """
    import torch
    from threadpoolctl import threadpool_limits

    out = sys.stdout if out is None else out
    repeats = (2 if quick else 7) if repeats is None else as_int(repeats, "repeats", minimum=1)
    check_choice(clock, "clock", ("wall", "cpu"))

    def timed(fns):
        # Slow entries (the FFT on large kernels) get a single timed call, the warm-up.
        return _interleaved(fns, repeats, clock)

    shapes = QUICK_LAYERS if quick else LAYERS
    torch.set_num_threads(1)
    results: dict = {}
    with threadpool_limits(limits=1):
        gemm = gemm_gflops(256 if quick else 2048, repeats=min(repeats, 3), clock=clock)
        results["gemm"] = gemm
        tunables = os.environ.get("GLIBC_TUNABLES")
        pins = [f"{k}={os.environ[k]}" for k in _BLAS_PINS if k in os.environ]
        print(f"# helpers.bench -- {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", file=out)
        print(f"machine: {_machine()}", file=out)
        print(f"Python {platform.python_version()}, NumPy {np.__version__}, PyTorch "
              f"{torch.__version__}; {blas_info()}", file=out)
        print(f"process: {'tuned, GLIBC_TUNABLES=' + tunables if tunables else 'plain'}; "
              f"{', '.join(pins) if pins else 'no OpenBLAS kernel pin'}; 1 thread; float32; "
              f"median of {repeats} ({clock} clock)", file=out)
        print(f"GEMM ceiling ({256 if quick else 2048}^3 float32): NumPy {gemm['numpy']:.0f} "
              f"GFLOP/s, PyTorch {gemm['torch']:.0f} GFLOP/s", file=out)
        if quick:
            print("--quick: tiny stand-in shapes; the ratios below test the report, they say "
                  "nothing about the targets", file=out)
        rng = np.random.default_rng(0)
        data = {}
        for name, spec in shapes.items():
            x = rng.standard_normal(spec["x"], dtype=np.float32)
            w = rng.standard_normal(spec["w"], dtype=np.float32)
            data[name] = (x, w)
        results["forward"] = _forward_section(shapes, data, timed, out)
        results["backward"] = _backward_section(shapes, data, timed, out)
        results["maxpool"] = _maxpool_section(quick, timed, out)
        results["cnn"] = _cnn_section(quick, repeats, clock, out)
    results["summary"] = _summary(results, out)
    return results


def _forward_section(shapes, data, timed, out) -> list[dict]:
    import torch
    import torch.nn.functional as F

    rows, table = [], []
    for name, spec in shapes.items():
        x, w = data[name]
        xt, wt = torch.from_numpy(x), torch.from_numpy(w)
        kw = dict(stride=spec["stride"], padding=spec["padding"])
        flops = conv2d_flops(spec["x"], spec["w"], **kw)
        reference = F.conv2d(xt.double(), wt.double(), **kw).numpy()
        scale = np.abs(reference).max()
        methods = _forward_methods(spec)
        # The bound of any im2col method: its matrix product alone, columns already built.
        cols = conv.im2col(x, spec["w"][2:], **kw)
        w2 = w.reshape(w.shape[0], -1)
        fns = {"torch": lambda xt=xt, wt=wt, kw=kw: F.conv2d(xt, wt, **kw)}
        fns.update({m: (lambda fn=fn, x=x, w=w: fn(x, w)) for m, fn in methods.items()})
        fns["(im2col GEMM only)"] = lambda w2=w2, cols=cols: np.matmul(w2, cols)
        times = timed(fns)
        t_torch = times["torch"]
        entries = [("torch", t_torch, F.conv2d(xt, wt, **kw).numpy())]
        entries += [(m, times[m], fn(x, w)) for m, fn in methods.items()]
        entries.append(("(im2col GEMM only)", times["(im2col GEMM only)"],
                        np.matmul(w2, cols).reshape(reference.shape)))
        for method, t, y in entries:
            row = dict(layer=name, shape=_shape_text(spec), method=method, ms=t * 1e3,
                       gflops=gflops(flops, t), ratio=t / t_torch,
                       rel_err=float(np.abs(y - reference).max() / scale))
            rows.append(row)
            table.append([name, row["shape"], method, _num(row["ms"]), _num(row["gflops"]),
                          _num(row["ratio"]), f"{row['rel_err']:.1e}"])
    _print_table("forward: conv2d(x, w) vs torch.nn.functional.conv2d",
                 ["layer", "shape", "method", "ms", "GFLOP/s", "x torch", "rel err"], table, out)
    return rows


def _backward_section(shapes, data, timed, out) -> list[dict]:
    import torch
    import torch.nn.functional as F

    rows, table = [], []
    for name, spec in shapes.items():
        x, w = data[name]
        kw = dict(stride=spec["stride"], padding=spec["padding"])
        flops = 2 * conv2d_flops(spec["x"], spec["w"], **kw)  # grad_x and grad_weight
        xt = torch.from_numpy(x).requires_grad_()
        wt = torch.from_numpy(w).requires_grad_()
        bt = torch.zeros(spec["w"][0], requires_grad=True)
        y = F.conv2d(xt, wt, bt, **kw)
        g = np.random.default_rng(1).standard_normal(tuple(y.shape), dtype=np.float32)
        gt = torch.from_numpy(g)
        times = timed({
            "torch": lambda y=y, xt=xt, wt=wt, bt=bt, gt=gt: torch.autograd.grad(
                y, (xt, wt, bt), gt, retain_graph=True),
            "ours": lambda g=g, x=x, w=w, kw=kw: conv.conv2d_backward(g, x, w, **kw)})
        t_torch, t = times["torch"], times["ours"]
        # The reference: float64 gradients of the same float32 data.
        xd, wd = (torch.from_numpy(a).double().requires_grad_() for a in (x, w))
        ref = [a.numpy() for a in torch.autograd.grad(F.conv2d(xd, wd, **kw), (xd, wd),
                                                      gt.double())]
        gx, gw, _ = conv.conv2d_backward(g, x, w, **kw)
        tx, tw_ = torch.autograd.grad(y, (xt, wt), gt, retain_graph=True)

        def err(grads, ref=ref):
            return max(float(np.abs(a - r).max() / np.abs(r).max())
                       for a, r in zip(grads, ref, strict=True))

        for method, tm, e in (("torch autograd", t_torch, err((tx.numpy(), tw_.numpy()))),
                              ("conv2d_backward", t, err((gx, gw)))):
            row = dict(layer=name, shape=_shape_text(spec), method=method, ms=tm * 1e3,
                       gflops=gflops(flops, tm), ratio=tm / t_torch, rel_err=e)
            rows.append(row)
            table.append([name, row["shape"], method, _num(row["ms"]), _num(row["gflops"]),
                          _num(row["ratio"]), f"{e:.1e}"])
    _print_table("backward: conv2d_backward vs torch autograd (grad_x, grad_weight, grad_bias)",
                 ["layer", "shape", "method", "ms", "GFLOP/s", "x torch", "rel err"], table, out)
    return rows


def _maxpool_section(quick, timed, out) -> list[dict]:
    import torch
    import torch.nn.functional as F

    rows, table = [], []
    rng = np.random.default_rng(2)
    for name, shape in (QUICK_POOL_SHAPES if quick else POOL_SHAPES).items():
        x = rng.standard_normal(shape, dtype=np.float32)
        xt = torch.from_numpy(x)
        times = timed({"torch": lambda xt=xt: F.max_pool2d(xt, 2),
                       "ours": lambda x=x: pool.max_pool2d(x, 2)})
        t_torch, t = times["torch"], times["ours"]
        same = bool(np.array_equal(pool.max_pool2d(x, 2), F.max_pool2d(xt, 2).numpy()))
        for method, tm in (("torch", t_torch), ("pool.max_pool2d", t)):
            row = dict(layer=name, shape="x".join(map(str, shape)) + " k2 s2", method=method,
                       ms=tm * 1e3, ratio=tm / t_torch, equal=same)
            rows.append(row)
            table.append([name, row["shape"], method, _num(row["ms"]), _num(row["ratio"]),
                          "yes" if same else "NO"])
    _print_table("max-pooling 2x2, stride 2: pool.max_pool2d vs torch.nn.functional.max_pool2d",
                 ["case", "shape", "method", "ms", "x torch", "equal"], table, out)
    return rows


def _cnn_section(quick, repeats, clock, out) -> list[dict]:
    spec = QUICK_CNN if quick else CNN
    speed = cnn_images_per_second(**spec, repeats=repeats, clock=clock)
    shape = (f"{spec['batch']}x1x{spec['size']}x{spec['size']}, conv {spec['channels']}x5x5 p2,"
             f" pool 2, linear")
    rows, table = [], []
    for method in ("torch", "numpy"):
        row = dict(layer="train", shape=shape, method=method, images_per_s=speed[method],
                   ms=1e3 * spec["batch"] / speed[method], ratio=speed[method] / speed["torch"])
        rows.append(row)
        table.append(["train", shape, "PyTorch" if method == "torch" else "helpers.layers",
                      _num(row["ms"]), _num(row["images_per_s"]), _num(row["ratio"])])
    _print_table("training step of chapter 6's CNN (forward, loss, backward, SGD update): "
                 "images per second", ["case", "network and batch", "method", "ms/step",
                                       "images/s", "speed / torch"], table, out)
    return rows


def _summary(results, out) -> list[dict]:
    rows, table = [], []
    for section, targets in TARGETS.items():
        for layer, target in targets.items():
            mine = [r for r in results[section] if r["layer"] == layer
                    and not r["method"].startswith(("torch", "("))]
            if not mine:
                continue
            # Times: lower is better (at most the target); the CNN's speed: at least.
            faster = section == "cnn"
            best = (max if faster else min)(mine, key=lambda r: r["ratio"])
            met = best["ratio"] >= target if faster else best["ratio"] <= target
            rows.append(dict(section=section, layer=layer, method=best["method"],
                             ratio=best["ratio"], target=target, met=met))
            table.append([section, layer, best["method"], _num(best["ratio"]),
                          f"{'>=' if faster else '<='} {target}", "yes" if met else "no"])
    _print_table("targets: best NumPy time / PyTorch time (CNN: NumPy speed / PyTorch speed)",
                 ["section", "layer", "best method", "x torch", "target", "met"], table, out)
    return rows


def _plain_environment(tuned: bool) -> dict[str, str] | None:
    """The environment this report should run in, or None if it already runs in it.

    The OpenBLAS kernel pins are removed (for this report only); ``tuned`` adds
    ``GLIBC_TUNABLES`` (glibc then keeps freed memory instead of returning it to the system).
    """
    env = {k: v for k, v in os.environ.items() if k not in _BLAS_PINS}
    if tuned:
        env["GLIBC_TUNABLES"] = _TUNABLES
    return None if env == dict(os.environ) else env


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: ``python -m helpers.bench [--quick] [--repeats N] ...``."""
    parser = argparse.ArgumentParser(prog="python -m helpers.bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny shapes (smoke test)")
    parser.add_argument("--repeats", type=int, default=None, help="timed calls per entry")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="wall time (default) or CPU time of this process")
    parser.add_argument("--tuned", action="store_true",
                        help="restart with GLIBC_TUNABLES so that glibc keeps freed memory")
    parser.add_argument("--no-reexec", action="store_true",
                        help="run in this process as it is (no restart to clear OpenBLAS pins)")
    args = parser.parse_args(argv)
    if args.repeats is not None and args.repeats < 1:
        parser.error("--repeats must be >= 1")
    env = None if args.no_reexec else _plain_environment(args.tuned)
    if env is not None:
        # NumPy reads the OpenBLAS settings when it is imported, so the report restarts itself
        # once in the environment it needs.
        argv = sys.argv[1:] if argv is None else argv
        os.execve(sys.executable, [sys.executable, "-m", "helpers.bench", *argv], env)
    run_report(quick=args.quick, repeats=args.repeats, clock=args.clock)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
