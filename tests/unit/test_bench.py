"""Smoke tests of helpers.bench: the report runs and prints sane tables. Not a timed test."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from helpers import bench, conv


def test_conv2d_flops_counts_multiply_adds():
    # (a): 64 images x 6 maps x 28 x 28 outputs x 25 taps x 2
    assert bench.conv2d_flops((64, 1, 28, 28), (6, 1, 5, 5), padding=2) == 64 * 6 * 28 * 28 * 50
    # AlexNet conv1: 55 x 55 outputs (the lecture's 227 -> 55)
    assert bench.conv2d_flops((1, 3, 227, 227), (96, 3, 11, 11), stride=4) == \
        2 * 96 * 55 * 55 * 3 * 121
    assert bench.conv2d_flops((1, 4, 5, 5), (6, 2, 3, 3), groups=2) == 2 * 6 * 9 * 2 * 9


def test_conv2d_flops_bad_input():
    with pytest.raises(ValueError, match="groups"):
        bench.conv2d_flops((1, 4, 5, 5), (6, 4, 3, 3), groups=2)
    with pytest.raises(ValueError, match="x_shape"):
        bench.conv2d_flops((1, 4, 5), (6, 4, 3, 3))
    with pytest.raises(ValueError, match="kernel_size"):
        bench.conv2d_flops((1, 1, 2, 2), (1, 1, 3, 3))


def test_gflops_and_time_call():
    assert bench.gflops(3e9, 1.5) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="seconds"):
        bench.gflops(1.0, 0.0)
    with pytest.raises(ValueError, match="flops"):
        bench.gflops(-1.0, 1.0)
    calls = []
    t = bench.time_call(lambda: calls.append(1), repeats=4, warmup=2)
    assert t >= 0 and len(calls) == 6
    with pytest.raises(TypeError, match="fn"):
        bench.time_call(3)
    with pytest.raises(ValueError, match="repeats"):
        bench.time_call(lambda: None, repeats=0)


def _check_report(text: str) -> None:
    assert "GEMM ceiling" in text
    assert re.search(r"NumPy BLAS: .*kernel", text), "the header names the BLAS kernel"
    assert "machine: " in text
    for section in ("## forward", "## backward", "## training step", "## targets"):
        assert section in text
    forward = text.split("## forward")[1].split("## backward")[0]
    for layer in bench.QUICK_LAYERS:
        for method in ("torch", "im2col", "fft", "auto"):
            assert re.search(rf"^{layer}\s.*\s{re.escape(method)}\s", forward, re.M), (layer,
                                                                                      method)
    assert re.search(r"^c\s.*\swinograd\s", forward, re.M)
    ratios = []
    for line in text.splitlines():
        cells = line.split()
        if line.startswith(("a ", "b ", "c ", "d ", "p1 ", "p2 ", "train ")) and len(cells) >= 4:
            numbers = [c for c in cells if re.fullmatch(r"\d+(\.\d+)?", c)]
            assert numbers, line
            ratios.extend(float(c) for c in numbers)
    assert ratios and all(r > 0 and np.isfinite(r) for r in ratios)


def test_report_quick_in_process():
    out = io.StringIO()
    results = bench.run_report(quick=True, repeats=1, out=out)
    _check_report(out.getvalue())
    assert {r["layer"] for r in results["forward"]} == set(bench.QUICK_LAYERS)
    assert all(r["ratio"] > 0 and r["gflops"] > 0 for r in results["forward"])
    # every NumPy method agrees with torch on these shapes (float32, relative to max |y|)
    assert all(r["rel_err"] < 1e-4 for r in results["forward"])
    assert all(r["rel_err"] < 1e-4 for r in results["backward"])
    layers = {r["layer"] for r in results["summary"] if r["section"] == "forward"}
    assert layers == set(bench.TARGETS["forward"])
    speeds = {r["method"]: r["images_per_s"] for r in results["cnn"]}
    assert set(speeds) == {"numpy", "torch"} and all(v > 0 for v in speeds.values())
    cnn = [r for r in results["summary"] if r["section"] == "cnn"]
    assert len(cnn) == 1 and cnn[0]["met"] == (cnn[0]["ratio"] >= bench.TARGETS["cnn"]["train"])


def test_report_runs_in_a_plain_process_without_blas_pins(monkeypatch):
    # The report restarts itself without the OpenBLAS kernel pins, and adds the glibc
    # setting only when asked to (--tuned).
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")
    monkeypatch.delenv("GLIBC_TUNABLES", raising=False)
    plain = bench._plain_environment(tuned=False)
    assert plain is not None and "OPENBLAS_CORETYPE" not in plain
    assert "GLIBC_TUNABLES" not in plain
    tuned = bench._plain_environment(tuned=True)
    assert tuned["GLIBC_TUNABLES"].startswith("glibc.malloc")
    monkeypatch.delenv("OPENBLAS_CORETYPE")
    monkeypatch.delenv("OPENBLAS_L2_SIZE", raising=False)
    assert bench._plain_environment(tuned=False) is None  # already plain: no restart


def test_command_line_quick_prints_the_kernel_without_pins():
    env = dict(os.environ, OPENBLAS_CORETYPE="Haswell")
    done = subprocess.run([sys.executable, "-m", "helpers.bench", "--quick", "--repeats", "1"],
                          capture_output=True, text=True, timeout=300, check=False, env=env)
    assert done.returncode == 0, done.stderr
    assert "no OpenBLAS kernel pin" in done.stdout and "process: plain" in done.stdout
    _check_report(done.stdout)


def test_cnn_images_per_second_bad_input():
    with pytest.raises(ValueError, match="size"):
        bench.cnn_images_per_second(size=7)
    with pytest.raises(ValueError, match="batch"):
        bench.cnn_images_per_second(batch=0)


def test_command_line_rejects_bad_repeats():
    done = subprocess.run([sys.executable, "-m", "helpers.bench", "--quick", "--repeats", "0",
                           "--no-reexec"], capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode != 0 and "repeats" in done.stderr


def test_layer_shapes_are_the_issue_shapes():
    out = {k: conv.conv_output_size(v["x"][2], v["w"][2], v["stride"], v["padding"])
           for k, v in bench.LAYERS.items()}
    assert out == {"a": 28, "b": 10, "c": 56, "d": 55}
