"""Write requirements/colab-constraints.txt from Colab's published package list.

    python scripts/colab_constraints.py pip-freeze.txt os-info.txt SOURCE \
        > requirements/colab-constraints.txt

Google publishes the packages of Colab's runtime image in the repository
googlecolab/backend-info (``pip-freeze.txt``, ``os-info.txt``; its README names the commits of
the past runtime versions a notebook can be pinned to). Download both files of the commit you
want and pass them here with a SOURCE line that names the commit and its date. The result pins
every package of the image that PyPI also publishes, as ``name==version``:

* PyTorch's own wheels (``torch @ https://download.pytorch.org/...+cpu...``) become
  ``torch==2.11.0``: the local label ``+cpu`` is dropped, since PyPI has no such file and
  ``==2.11.0`` also matches the ``2.11.0+cpu`` that Colab has installed;
* packages installed from a file or a git URL (``google-colab``, Colab's kernel gateway, a
  spaCy model) are left out: no PyPI install could ever replace them.

The header keeps the Python version of the image (``# python: 3.13``), which the tests read.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from urllib.parse import unquote

WHEEL_URL = re.compile(r"^(?P<name>[A-Za-z0-9_.-]+) @ https://download\.pytorch\.org/\S+/"
                       r"(?P<file>[^/]+\.whl)")


def constraints(freeze: str) -> list[str]:
    """``pip freeze`` lines -> sorted ``name==version`` lines that PyPI can satisfy."""
    pins = []
    for line in freeze.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", "-e")):
            continue
        if "==" in line:
            pins.append(line)
            continue
        match = WHEEL_URL.match(line)
        if match:  # torch-2.11.0%2Bcpu-cp313-...whl -> torch==2.11.0
            version = unquote(match.group("file")).split("-")[1].split("+")[0]
            pins.append(f"{match.group('name')}=={version}")
    return sorted(pins, key=str.lower)


def main(freeze_path: str, os_info_path: str, source: str) -> None:
    os_info = Path(os_info_path).read_text()
    python = re.search(r"^Python (\d+\.\d+)", os_info, re.MULTILINE)
    if not python:
        raise SystemExit(f"{os_info_path}: no 'Python X.Y' line")
    pins = constraints(Path(freeze_path).read_text())
    header = f"""\
# The packages of Google Colab's runtime image, as pip constraints (name==version).
# Source: pip-freeze.txt and os-info.txt of {source},
# converted by scripts/colab_constraints.py (PyTorch's +cpu wheels pinned by their public version;
# packages installed from a file or git URL left out).
# Refresh when Colab changes its image (the commit log of googlecolab/backend-info, at least
# once a term): tests/test_colab.py checks that the set-up cell installs without changing any
# of these packages, for the Python version below.
# python: {python.group(1)}
"""
    sys.stdout.write(header + "\n".join(pins) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        raise SystemExit(__doc__.split("\n\n")[1])
    main(*sys.argv[1:])
