"""Running the Colab set-up cell outside Colab: with pip recorded, or against Colab's packages.

Shared by tests/notebooks/test_notebooks.py, tests/exercises/test_assignments.py and
tests/test_colab.py.
"""

from __future__ import annotations

import base64
import hashlib
import re
import sys
import types
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COLAB_CONSTRAINTS = ROOT / "requirements" / "colab-constraints.txt"
# Colab installs these from PyTorch's own index (``2.11.0+cpu``): PyPI's files of the same
# version are other builds (CUDA, with other dependencies), so a resolver must not fetch them.
PYTORCH_INDEX_PACKAGES = ("torch", "torchvision", "torchaudio", "torchcodec")


def normalize(name: str) -> str:
    """PEP 503 name: 'Scikit_Learn' -> 'scikit-learn'."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_constraints(path: Path = COLAB_CONSTRAINTS) -> tuple[dict[str, str], str]:
    """The ``name==version`` pins of a constraints file, and the ``# python: X.Y`` of its header."""
    pins, python = {}, None
    for line in path.read_text().splitlines():
        if line.startswith("# python:"):
            python = line.split(":", 1)[1].strip()
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pins[normalize(name)] = version.strip()
    if python is None:
        raise ValueError(f"{path}: the header lacks a '# python: X.Y' line")
    return pins, python


def run_setup_cell(source: str, in_colab: bool, returncode: int = 0,
                   installed: str = "numpy==2.1.3\n", stderr: str = "") -> list[list[str]]:
    """Execute a set-up cell with ``subprocess.run`` recorded, not run; return the commands.

    Every recorded call returns ``returncode``; ``pip list`` prints ``installed`` and a failing
    call writes ``stderr``. ``google.colab`` is importable (and imported) only if ``in_colab``.
    """
    calls = []

    def fake_run(command, *args, **kwargs):
        calls.append(list(command))
        stdout = installed if "list" in command else ""
        return types.SimpleNamespace(args=command, returncode=returncode, stdout=stdout,
                                     stderr=stderr if returncode else "")

    saved = {name: sys.modules.get(name) for name in ("subprocess", "google.colab")}
    sys.modules["subprocess"] = types.SimpleNamespace(run=fake_run)
    if in_colab:
        sys.modules["google.colab"] = types.ModuleType("google.colab")
    else:
        sys.modules.pop("google.colab", None)
    try:
        exec(compile(source, "<setup cell>", "exec"), {})
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
    return calls


def stand_in_wheel(name: str, version: str, directory: Path) -> Path:
    """An empty wheel ``name-version-py3-none-any.whl`` that declares no dependencies.

    It stands for a package Colab has installed from outside PyPI (PyTorch's ``+cpu`` builds):
    a dry run resolves against it instead of PyPI's different build of the same version.
    Whatever the real package needs is in Colab's image already, pinned by the constraints.
    """
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"{name.replace('-', '_')}-{version}"
    path = directory / f"{stem}-py3-none-any.whl"
    files = {
        f"{stem}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{stem}.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: colab_sim\n"
                                    "Root-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    with zipfile.ZipFile(path, "w") as archive:
        for arcname, text in files.items():
            data = text.encode()
            archive.writestr(arcname, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append(f"{arcname},sha256={digest},{len(data)}")
        record.append(f"{stem}.dist-info/RECORD,,")
        archive.writestr(f"{stem}.dist-info/RECORD", "\n".join(record) + "\n")
    return path
