"""Every chapter under nbval a second time, with another family of math kernels.

Float results depend on the kernels a CPU gets: OpenBLAS (NumPy), MKL, oneDNN and PyTorch's
own vectorised loops pick code by instruction set, and the thread count changes how sums are
split. The committed outputs must not depend on that. ``scripts/test.sh`` runs nbval over the
chapters with the machine's default kernels; the last test of the run checks the same nbval
command with SSE-era kernels on one thread (``conftest.py`` says which, and starts that pass
in the background as soon as the tests are collected). Both must pass.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest


def test_the_other_kernels_are_really_used(other_kernels):
    code = ("import json, threadpoolctl, torch; "
            "blas = [i['architecture'] for i in threadpoolctl.threadpool_info() "
            "if i['internal_api'] == 'openblas']; "
            "print(json.dumps([blas, torch.backends.cpu.get_cpu_capability(), "
            "torch.get_num_threads()]))")
    env = dict(os.environ, **other_kernels)
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=300, check=True)
    blas, capability, threads = json.loads(done.stdout)
    assert blas and set(blas) == {"Nehalem"}, f"OpenBLAS ignored OPENBLAS_CORETYPE: {blas}"
    assert capability == "DEFAULT", f"PyTorch ignored ATEN_CPU_CAPABILITY: {capability}"
    assert threads == 1, f"PyTorch ignored OMP_NUM_THREADS: {threads} threads"


@pytest.mark.other_kernels
def test_every_chapter_reproduces_its_outputs_with_other_kernels(second_pass, second_pass_log,
                                                                 other_kernels):
    returncode = second_pass.wait(timeout=3600)
    second_pass.log.seek(0)
    log = second_pass.log.read()
    failed = [line for line in log.splitlines() if line.startswith(("FAILED", "ERROR"))]
    kernels = " ".join(f"{name}={value}" for name, value in other_kernels.items())
    assert returncode == 0, (
        f"nbval fails with other math kernels ({kernels}); the full log is {second_pass_log}:\n"
        + "\n".join(failed) + "\n" + log[-6000:])
