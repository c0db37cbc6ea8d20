"""The second nbval pass, with another family of math kernels (test_other_kernels.py).

It runs in the background, on one thread, while the rest of the tests run: it starts as soon as
the tests are collected, and the test that waits for it is moved to the end of the run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from nbtools import CHAPTERS, ROOT

# The other kernel family, forced through the environment (see tests/README.md). No current
# x86-64 machine uses these by default, so this pass always differs from the first in the last
# bits of its floats.
OTHER_KERNELS = {
    "OPENBLAS_CORETYPE": "Nehalem",  # NumPy's OpenBLAS: SSE kernels (no AVX, no FMA)
    "MKL_ENABLE_INSTRUCTIONS": "SSE4_2",  # PyTorch's matrix products (MKL): SSE4.2 kernels
    "ONEDNN_MAX_CPU_ISA": "SSE41",  # PyTorch's convolutions (oneDNN): SSE4.1 kernels
    "ATEN_CPU_CAPABILITY": "default",  # PyTorch's own loops: not vectorised
    "OMP_NUM_THREADS": "1",  # one thread everywhere: other splits of every parallel sum
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
}
# the same nbval options as scripts/test.sh
NBVAL = ["--nbval", "--nbval-sanitize-with", "tests/nbval_sanitize.cfg",
         "--nbval-cell-timeout=600"]
LOG = ROOT / "_build" / "nbval-other-kernels.log"
MARKER = "other_kernels"
_PASS = pytest.StashKey[subprocess.Popen]()


def start_second_pass() -> subprocess.Popen:
    """Start nbval over every chapter with OTHER_KERNELS in the background; output to LOG."""
    env = dict(os.environ, CNN_BOOK_OFFLINE="1", **OTHER_KERNELS)
    LOG.parent.mkdir(exist_ok=True)
    log = LOG.open("w+")  # kept open: read back through this handle even if _build is cleaned
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rfE", *NBVAL,
         *(str(p.relative_to(ROOT)) for p in CHAPTERS)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    process.log = log
    return process


def pytest_configure(config):
    config.addinivalue_line("markers", f"{MARKER}: waits for the second nbval pass (conftest)")


@pytest.hookimpl(trylast=True)  # after -k/-m deselection: start only if the test will run
def pytest_collection_modifyitems(config, items):
    waiting = [item for item in items if item.get_closest_marker(MARKER)]
    if waiting and not config.option.collectonly:
        items[:] = [item for item in items if item not in waiting] + waiting
        config.stash[_PASS] = start_second_pass()


def pytest_unconfigure(config):
    process = config.stash.get(_PASS, None)
    if process is not None:
        if process.poll() is None:  # the run was interrupted
            process.kill()
            process.wait()
        process.log.close()


@pytest.fixture
def second_pass(request) -> subprocess.Popen:
    """The background nbval pass with OTHER_KERNELS (started now if the hook did not).

    Its ``log`` attribute is the open log file (LOG).
    """
    process = request.config.stash.get(_PASS, None)
    if process is None:
        process = request.config.stash[_PASS] = start_second_pass()
    return process


@pytest.fixture
def second_pass_log() -> Path:
    return LOG


@pytest.fixture
def other_kernels() -> dict[str, str]:
    return dict(OTHER_KERNELS)
