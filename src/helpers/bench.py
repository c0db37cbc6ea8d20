"""Timing, FLOP counts and the benchmark report of the NumPy convolution.

Run the report with ``python -m helpers.bench`` (options: ``--repeats N``, ``--quick``); how
to read it is in ``BENCHMARKS.md``. The small functions :func:`time_call`, :func:`gflops`,
:func:`conv2d_flops` and :func:`gemm_gflops` are reused by the performance sections of the
book.

Everything is timed in one process at one thread (OpenBLAS through ``threadpoolctl``,
PyTorch through ``torch.set_num_threads``), and reported as a ratio to PyTorch measured in the
same run, because absolute times on a shared machine drift from minute to minute.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable

import numpy as np

from . import conv, conv_fast, shapes
from ._validate import as_int, as_tuple, check_choice

__all__ = [
    "LAYERS",
    "QUICK_LAYERS",
    "TARGETS",
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
# Targets of the issue: best NumPy time / PyTorch time, 1 thread, same process.
TARGETS = {
    "forward": {"a": 2.0, "b": 3.0, "c": 1.5, "d": 1.5},
    "backward": {"b": 1.7, "c": 1.7},
    "maxpool": {"p1": 1.0, "p2": 1.0},
}
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
        geom = shapes.geometry(spec["x"][2:], 3, padding=spec["padding"])
        methods["winograd"] = lambda x, w: conv.conv2d(x, w, method="winograd", **kw)
        methods["(winograd F4x4)"] = lambda x, w: conv_fast._conv2d_winograd(x, w, geom, 1, m=4)
    methods["auto"] = lambda x, w: conv.conv2d(x, w, **kw)
    return methods


def run_report(quick: bool = False, repeats: int | None = None, out=None,
               clock: str = "cpu") -> dict:
    """Measure and print the benchmark tables; return the measured rows.

    Parameters
    ----------
    quick : bool
        Use tiny shapes (a smoke test of the report, not a measurement).
    repeats : int, optional
        Timed calls per entry (median); default 7, or 2 with ``quick``.
    out : file, optional
        Where to print (default ``sys.stdout``).
    clock : {"cpu", "wall"}
        What to time, see :func:`time_call`. The report uses CPU time by default: every timed
        call runs on one thread, so on an idle machine the two clocks agree, and on a shared
        one CPU time leaves out the waits for a free core that make wall times swing.

    Returns
    -------
    dict
        ``{"gemm": {...}, "forward": [...], "backward": [...], "maxpool": [...],
        "summary": [...]}``; each row a dict with the printed values.
    """
    import torch
    import torch.nn.functional as F
    from threadpoolctl import threadpool_limits

    out = sys.stdout if out is None else out
    repeats = (2 if quick else 7) if repeats is None else as_int(repeats, "repeats", minimum=1)
    check_choice(clock, "clock", ("wall", "cpu"))

    def timed(fn):
        # Slow entries (the FFT on large kernels) get a single timed call after the warm-up.
        first = time_call(fn, 1, warmup=0, clock=clock)
        return first if first > 0.5 else time_call(fn, repeats, warmup=0, clock=clock)

    layers = QUICK_LAYERS if quick else LAYERS
    torch.set_num_threads(1)
    results: dict = {"forward": [], "backward": [], "maxpool": [], "summary": []}
    with threadpool_limits(limits=1):
        gemm = gemm_gflops(256 if quick else 2048, repeats=min(repeats, 3), clock=clock)
        results["gemm"] = gemm
        print(f"# helpers.bench -- {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", file=out)
        print(f"machine: {platform.machine()} {platform.processor() or ''}, {os.cpu_count()} "
              f"CPUs; Python {platform.python_version()}, NumPy {np.__version__}, "
              f"PyTorch {torch.__version__}; 1 thread; float32; median of {repeats} ({clock} "
              f"clock); GLIBC_TUNABLES={os.environ.get('GLIBC_TUNABLES', 'unset')}", file=out)
        print(f"GEMM ceiling ({256 if quick else 2048}^3 float32): NumPy {gemm['numpy']:.0f} "
              f"GFLOP/s, PyTorch {gemm['torch']:.0f} GFLOP/s", file=out)
        if quick:
            print("--quick: tiny stand-in shapes; the ratios below test the report, they say "
                  "nothing about the targets", file=out)
        rng = np.random.default_rng(0)
        data = {}
        for name, spec in layers.items():
            x = rng.standard_normal(spec["x"], dtype=np.float32)
            w = rng.standard_normal(spec["w"], dtype=np.float32)
            data[name] = (x, w)
        results["forward"] = _forward_section(layers, data, timed, torch, F, out)
        results["backward"] = _backward_section(layers, data, timed, torch, F, out)
        results["maxpool"] = _maxpool_section(quick, timed, torch, F, out)
    results["summary"] = _summary(results, out)
    return results


def _forward_section(layers, data, timed, torch, F, out) -> list[dict]:
    rows, table = [], []
    for name, spec in layers.items():
        x, w = data[name]
        xt, wt = torch.from_numpy(x), torch.from_numpy(w)
        kw = dict(stride=spec["stride"], padding=spec["padding"])
        flops = conv2d_flops(spec["x"], spec["w"], **kw)
        reference = F.conv2d(xt.double(), wt.double(), **kw).numpy()
        scale = np.abs(reference).max()
        t_torch = timed(lambda xt=xt, wt=wt, kw=kw: F.conv2d(xt, wt, **kw))
        entries = [("torch", t_torch, F.conv2d(xt, wt, **kw).numpy())]
        for method, fn in _forward_methods(spec).items():
            t = timed(lambda fn=fn, x=x, w=w: fn(x, w))
            entries.append((method, t, fn(x, w)))
        # The bound of any im2col method: its matrix product alone, columns already built.
        cols = conv.im2col(x, spec["w"][2:], **kw)
        w2 = w.reshape(w.shape[0], -1)
        t = timed(lambda w2=w2, cols=cols: np.matmul(w2, cols))
        entries.append(("(im2col GEMM only)", t, np.matmul(w2, cols).reshape(reference.shape)))
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


def _backward_section(layers, data, timed, torch, F, out) -> list[dict]:
    rows, table = [], []
    for name, spec in layers.items():
        x, w = data[name]
        kw = dict(stride=spec["stride"], padding=spec["padding"])
        flops = 2 * conv2d_flops(spec["x"], spec["w"], **kw)  # grad_x and grad_weight
        xt = torch.from_numpy(x).requires_grad_()
        wt = torch.from_numpy(w).requires_grad_()
        bt = torch.zeros(spec["w"][0], requires_grad=True)
        y = F.conv2d(xt, wt, bt, **kw)
        g = np.random.default_rng(1).standard_normal(tuple(y.shape), dtype=np.float32)
        gt = torch.from_numpy(g)
        t_torch = timed(lambda y=y, xt=xt, wt=wt, bt=bt, gt=gt: torch.autograd.grad(
            y, (xt, wt, bt), gt, retain_graph=True))
        ref = [a.double().numpy() for a in torch.autograd.grad(y, (xt, wt), gt)]
        t = timed(lambda g=g, x=x, w=w, kw=kw: conv.conv2d_backward(g, x, w, **kw))
        gx, gw, _ = conv.conv2d_backward(g, x, w, **kw)
        err = max(float(np.abs(a - r).max() / np.abs(r).max()) for a, r in zip(
            (gx, gw), ref, strict=True))
        for method, tm, e in (("torch autograd", t_torch, 0.0), ("conv2d_backward", t, err)):
            row = dict(layer=name, shape=_shape_text(spec), method=method, ms=tm * 1e3,
                       gflops=gflops(flops, tm), ratio=tm / t_torch, rel_err=e)
            rows.append(row)
            table.append([name, row["shape"], method, _num(row["ms"]), _num(row["gflops"]),
                          _num(row["ratio"]), f"{e:.1e}"])
    _print_table("backward: conv2d_backward vs torch autograd (grad_x, grad_weight, grad_bias)",
                 ["layer", "shape", "method", "ms", "GFLOP/s", "x torch", "rel err"], table, out)
    return rows


def _maxpool_section(quick, timed, torch, F, out) -> list[dict]:
    try:
        from . import pool
    except ImportError:
        print("\n## max-pooling: skipped (helpers.pool is not available yet)", file=out)
        return []
    rows, table = [], []
    rng = np.random.default_rng(2)
    for name, shape in (QUICK_POOL_SHAPES if quick else POOL_SHAPES).items():
        x = rng.standard_normal(shape, dtype=np.float32)
        xt = torch.from_numpy(x)
        t_torch = timed(lambda xt=xt: F.max_pool2d(xt, 2))
        t = timed(lambda x=x: pool.max_pool2d(x, 2))
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


def _summary(results, out) -> list[dict]:
    rows, table = [], []
    for section, targets in TARGETS.items():
        for layer, target in targets.items():
            mine = [r for r in results[section] if r["layer"] == layer
                    and not r["method"].startswith(("torch", "("))]
            if not mine:
                continue
            best = min(mine, key=lambda r: r["ratio"])
            met = best["ratio"] <= target
            rows.append(dict(section=section, layer=layer, method=best["method"],
                             ratio=best["ratio"], target=target, met=met))
            table.append([section, layer, best["method"], _num(best["ratio"]),
                          f"<= {target}", "yes" if met else "no"])
    _print_table("targets: best NumPy time / PyTorch time",
                 ["section", "layer", "best method", "x torch", "target", "met"], table, out)
    return rows


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: ``python -m helpers.bench [--quick] [--repeats N]``."""
    parser = argparse.ArgumentParser(prog="python -m helpers.bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny shapes (smoke test)")
    parser.add_argument("--repeats", type=int, default=None, help="timed calls per entry")
    parser.add_argument("--clock", choices=("cpu", "wall"), default="cpu",
                        help="CPU time of this process (default) or wall time")
    parser.add_argument("--no-reexec", action="store_true",
                        help="do not restart with GLIBC_TUNABLES set (see BENCHMARKS.md)")
    args = parser.parse_args(argv)
    if args.repeats is not None and args.repeats < 1:
        parser.error("--repeats must be >= 1")
    if not args.no_reexec and "GLIBC_TUNABLES" not in os.environ and sys.platform == "linux":
        # Keep glibc from returning big buffers to the OS after every call (page faults would
        # be timed, in NumPy and PyTorch alike): restart this command once with the setting.
        env = dict(os.environ, GLIBC_TUNABLES=_TUNABLES)
        argv = sys.argv[1:] if argv is None else argv
        os.execve(sys.executable, [sys.executable, "-m", "helpers.bench", *argv], env)
    run_report(quick=args.quick, repeats=args.repeats, clock=args.clock)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
