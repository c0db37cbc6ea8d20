"""scripts/setup.sh's system-package check, run for real as a user without root or sudo.

The check runs against a copy of the script in a directory that already has a virtual
environment and MathJax, so Chromium is the only package in question, and a PATH made of
links to every program on the real PATH except Chromium and sudo. Run as root (CI), the test
drops to the user ``nobody`` with ``setpriv`` (util-linux) so that the non-root branch runs.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

import pytest
from nbtools import ROOT

SETUP = ROOT / "scripts" / "setup.sh"
HIDDEN = {"chromium", "chromium-browser", "sudo"}


@pytest.fixture
def sandbox():
    """A readable-by-anyone directory with a repository copy (scripts/setup.sh only) and bin/."""
    top = Path(tempfile.mkdtemp(prefix="cnn-book-setup-"))
    try:
        repo, fake_bin = top / "repo", top / "bin"
        (repo / "scripts").mkdir(parents=True)
        shutil.copy(SETUP, repo / "scripts" / "setup.sh")
        (repo / ".venv" / "bin").mkdir(parents=True)
        (repo / ".venv" / "bin" / "python").symlink_to(shutil.which("true"))
        (repo / "_vendor" / "mathjax").mkdir(parents=True)
        (repo / "_vendor" / "mathjax" / "tex-mml-chtml.js").touch()
        fake_bin.mkdir()
        for folder in os.environ["PATH"].split(os.pathsep):
            if not os.path.isdir(folder):
                continue
            for entry in os.scandir(folder):
                link = fake_bin / entry.name
                if entry.name in HIDDEN or link.exists() or link.is_symlink():
                    continue
                if entry.is_file() and os.access(entry.path, os.X_OK):
                    link.symlink_to(entry.path)
        for path in [top, *top.rglob("*")]:
            if not path.is_symlink():
                path.chmod(path.stat().st_mode | stat.S_IRGRP | stat.S_IROTH
                           | (stat.S_IXGRP | stat.S_IXOTH if path.is_dir() else 0))
        yield repo, fake_bin
    finally:
        shutil.rmtree(top)


def run_setup(repo: Path, fake_bin: Path, *args: str) -> subprocess.CompletedProcess:
    """Run the copied setup.sh with only fake_bin on PATH, as a non-root user."""
    command = ["/bin/bash", str(repo / "scripts" / "setup.sh"), *args]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        assert setpriv, "running as root, the test needs util-linux's setpriv to drop to nobody"
        command = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", *command]
    env = {"PATH": str(fake_bin), "HOME": str(repo), "LANG": "C.UTF-8"}
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)


def test_without_chromium_a_user_gets_the_exact_install_command(sandbox):
    repo, fake_bin = sandbox
    assert not (fake_bin / "chromium").exists() and not (fake_bin / "sudo").exists()
    result = run_setup(repo, fake_bin, "--tests", "--check-only")
    assert result.returncode == 1, f"the check must fail without Chromium:\n{result.stderr}"
    assert result.stdout == ""
    assert result.stderr == (
        "setup: missing system packages: chromium\n"
        "setup: install them, then run this command again:\n"
        "  sudo apt-get update && sudo apt-get install -y chromium\n"
    )
    # without --check-only the real set-up stops at the same point, before it does anything
    result = run_setup(repo, fake_bin, "--tests")
    assert (result.returncode, result.stdout) == (1, ""), "it must stop before installing"
    assert "sudo apt-get install -y chromium" in result.stderr, result.stderr


def test_with_chromium_present_the_check_passes_and_the_book_build_never_needs_it(sandbox):
    repo, fake_bin = sandbox
    result = run_setup(repo, fake_bin, "--check-only")
    assert (result.returncode, result.stderr) == (0, ""), "the book build does not need Chromium"
    (fake_bin / "chromium").write_text("#!/bin/sh\nexit 0\n")
    (fake_bin / "chromium").chmod(0o755)
    result = run_setup(repo, fake_bin, "--tests", "--check-only")
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
