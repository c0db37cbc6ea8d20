"""The Colab set-up cells against Colab's own package versions (requirements/colab-constraints.txt).

Two checks, both for real:

* a dry run of the install that each set-up cell asks for (the chapters' cell and the student
  notebooks' cell), resolved for Colab's Python with Colab's versions held fixed: it must
  succeed, keep every Colab package at its version and bring medmnist for chapter 6;
* a Colab-like Jupyter kernel: each chapter's set-up cell runs in it against a clone of this
  repository, then the chapter's imports cell, and no package that was there before changed.

Both need PyPI (the packages Colab lacks, and the metadata of the ones it has); no other host.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import queue
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from colab_constraints import constraints
from colab_sim import (
    COLAB_CONSTRAINTS,
    PYTORCH_INDEX_PACKAGES,
    normalize,
    read_constraints,
    run_setup_cell,
    stand_in_wheel,
)
from make_assignments import SETUP_CELL as STUDENT_SETUP_CELL
from make_assignments import zip_tests
from nbtools import CHAPTERS, ROOT, code_cells, config, read
from packaging.requirements import Requirement
from packaging.version import Version

REPO_URL = config()["repository"]["url"].rstrip("/")
PIP_TIMEOUT = 1200  # seconds; a cold pip cache downloads a few hundred MB of wheels


def chapter_setup_cells() -> dict[str, str]:
    """Each distinct set-up cell source -> the first chapter that has it."""
    cells = {}
    for path in CHAPTERS:
        cells.setdefault(code_cells(read(path))[0].source, path.stem)
    return cells


def pip_installs(cell: str, requirement_url: str, constraints: Path) -> list[list[str]]:
    """The arguments of each of the cell's ``pip install`` calls, with our URL and constraints
    swapped in."""
    installs = []
    for command in run_setup_cell(cell, in_colab=True):
        if "install" not in command:
            continue
        args = [a for a in command[command.index("install") + 1:] if a != "-q"]
        if "-c" in args:
            args[args.index("-c") + 1] = str(constraints)
        installs.append([a.replace(f"git+{REPO_URL}", requirement_url) for a in args])
    assert installs, f"the set-up cell installs nothing in Colab:\n{cell[:500]}"
    return installs


def build_wheel(directory: Path) -> Path:
    """A wheel of the working tree's helpers package, built offline in a copy of the sources."""
    source = directory / "source"
    for name in ("pyproject.toml", "README.md"):
        source.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "src" / "helpers", source / "src" / "helpers",
                    ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                    "--no-build-isolation", str(source), "-w", str(directory / "wheel")],
                   check=True, capture_output=True)
    return next((directory / "wheel").glob("*.whl"))


def student_cell() -> str:
    """The student notebooks' set-up cell up to where it unpacks the public tests, with
    otter-grader pinned as ``scripts/assign.sh`` pins it (an unpinned name lets pip fall back
    to an old release that Colab's packages allow)."""
    cell = STUDENT_SETUP_CELL.split("PUBLIC_TESTS = (")[0].format(repo_url=REPO_URL)
    otter = importlib.metadata.version("otter-grader")
    pinned = cell.replace('"otter-grader"', f'"otter-grader=={otter}"')
    assert pinned != cell, "the student set-up cell no longer installs otter-grader"
    return pinned


def test_constraints_file_converts_colabs_package_list():
    freeze = ("numpy==2.1.3\n"
              "google-colab @ file:///colabtools/dist/google_colab-1.0.0.tar.gz\n"
              "torch @ https://download.pytorch.org/whl/cpu/torch-2.11.0%2Bcpu-cp313-cp313-"
              "manylinux_2_28_x86_64.whl\n")
    assert constraints(freeze) == ["numpy==2.1.3", "torch==2.11.0"]
    pins, python = read_constraints()
    assert Version(python) >= Version("3.12"), f"Colab's Python, from the header: {python}"
    for name in ("numpy", "pandas", "scipy", "scikit-learn", "matplotlib", "ipykernel",
                 "ipywidgets", "torch", "torchvision", "tqdm", "pip"):
        assert name in pins, f"{COLAB_CONSTRAINTS.name} lacks {name}"


INSTALLS = {**{chapter: cell for cell, chapter in chapter_setup_cells().items()},
            "student notebooks": student_cell()}


@pytest.mark.parametrize("cell", INSTALLS.values(), ids=INSTALLS.keys())
def test_setup_cell_install_keeps_colabs_packages(cell, tmp_path):
    """Dry-run the cell's install for Colab's Python against Colab's versions (needs PyPI).

    pip resolves for the Python version in the constraints file's header with binary wheels
    only, as Colab would. Colab's PyTorch family comes from PyTorch's own index (``+cpu``
    builds, other dependencies than PyPI's CUDA builds of the same version), so empty
    stand-in wheels of those versions take their place.
    """
    pins, python = read_constraints()
    for name in PYTORCH_INDEX_PACKAGES:
        stand_in_wheel(name, f"{pins[name]}+cpu", tmp_path / "stand-ins")
    wheel = build_wheel(tmp_path)
    chosen = {}
    for i, args in enumerate(pip_installs(cell, wheel.as_uri(), COLAB_CONSTRAINTS)):
        report = tmp_path / f"report-{i}.json"
        command = [sys.executable, "-m", "pip", "install", "--dry-run", "--quiet",
                   "--report", str(report), "--target", str(tmp_path / "target"),
                   "--python-version", python, "--only-binary=:all:",
                   "--find-links", str(tmp_path / "stand-ins"), *args]
        done = subprocess.run(command, capture_output=True, text=True, timeout=PIP_TIMEOUT)
        errors = "\n".join(line for line in done.stderr.splitlines()
                           if not line.startswith("WARNING: Location"))
        assert done.returncode == 0, (
            f"pip cannot install {args} without changing Colab:\n{errors}")
        chosen.update({normalize(item["metadata"]["name"]): item["metadata"]["version"]
                       for item in json.loads(report.read_text())["install"]})
    changed = {name: (pins[name], version) for name, version in chosen.items()
               if name in pins and Version(version).public != Version(pins[name]).public}
    assert not changed, f"Colab's package (its version, pip's choice) would change: {changed}"
    assert "medmnist" in chosen, "chapter 6's pneumonia section needs medmnist"
    assert "cnn-book-helpers" in chosen
    if "otter" in cell:
        otter = importlib.metadata.version("otter-grader")
        assert chosen.get("otter-grader") == otter, (
            f"the student notebooks need otter-grader {otter}, the build's: {chosen}")


# ---------------------------------------------------------------------------------------------
# A Colab-like kernel
# ---------------------------------------------------------------------------------------------
VENV = ROOT / ".cache" / "colab-venv"
# Colab's packages that the book or its install touch, installed at Colab's versions.
# (PyTorch's own dependencies are added to them.)
COLAB_PACKAGES = [
    "pip", "numpy", "pandas", "scipy", "scikit-learn", "scikit-image", "matplotlib", "sympy",
    "tqdm", "threadpoolctl", "pillow", "mlxtend", "xlrd", "requests", "termcolor", "ipykernel",
    "ipython", "ipywidgets", "jupyter-client", "pyzmq", "tornado", "traitlets",
    # what otter-grader imports in a student notebook, where Colab has it
    "click", "dill", "jinja2", "jupytext", "nbformat", "pyyaml", "wrapt", "sphinx",
]
LINKED_ROOTS = ("torch", "torchvision")
# Colab's versions of these need a newer Python than 3.11: pip picks the newest one for 3.11.
NEEDS_NEWER_PYTHON = ("tifffile",)
RECIPE = 2  # raise it when build_colab_venv changes: the cached environment is rebuilt
FAKE_COLAB = '"""Stand-in for Colab\'s module: the set-up cells ask only if it is imported."""\n'


def requirement_closure(roots) -> dict[str, list[Requirement]]:
    """Distributions the roots need in this environment (extras followed) -> who requires them."""
    needed: dict[str, list[Requirement]] = {}
    todo = [(root, frozenset()) for root in roots]
    seen = set()
    while todo:
        name, extras = todo.pop()
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        for text in importlib.metadata.requires(name) or []:
            req = Requirement(text)
            envs = [{"extra": e} for e in extras] or [{"extra": ""}]
            if req.marker is None or any(req.marker.evaluate(env) for env in envs):
                needed.setdefault(normalize(req.name), []).append(req)
                todo.append((normalize(req.name), frozenset(req.extras)))
    return needed


def link_distribution(name: str, site: Path) -> None:
    """Hard-link (or copy) the files pip installed for ``name`` here into ``site``."""
    dist = importlib.metadata.distribution(name)
    for file in dist.files or []:
        if file.parts[0] == "..":
            continue  # console scripts outside site-packages
        source, target = Path(dist.locate_file(file)), site / file
        if not source.is_file():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, target)
        except OSError:
            shutil.copy2(source, target)


def plan() -> tuple[dict[str, str], dict[str, str], list[str]]:
    """(pins for pip, what is linked from this environment with its version, what pip installs).

    PyTorch is this environment's own (there is no light build of Colab's PyTorch for this
    Python on PyPI); each of its dependencies is Colab's version if that satisfies it,
    otherwise this environment's (linked too).
    """
    pins, _ = read_constraints()
    for name in LINKED_ROOTS:
        try:
            importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            pytest.fail(f"{name} is not installed in the test environment (scripts/setup.sh "
                        "installs it): the Colab-like environment links it from there")
    needed = requirement_closure(LINKED_ROOTS)
    linked = {name: importlib.metadata.version(name) for name in LINKED_ROOTS}
    for name, reqs in needed.items():
        colab = pins.get(name)
        if colab is None or not all(r.specifier.contains(colab, prereleases=True) for r in reqs):
            linked[name] = importlib.metadata.version(name)
    for name in list(pins):
        if name in PYTORCH_INDEX_PACKAGES or name in linked or name in NEEDS_NEWER_PYTHON:
            del pins[name]
    return pins, linked, COLAB_PACKAGES + sorted(set(needed) - set(linked))


def clean_env() -> dict[str, str]:
    """This process's environment without what would point Python or Jupyter at it."""
    drop = ("PYTHONPATH", "VIRTUAL_ENV", "MPLBACKEND", "JUPYTER_PATH", "IPYTHONDIR")
    return {k: v for k, v in os.environ.items() if k not in drop}


def python_of(venv: Path) -> Path:
    return venv / "bin" / "python"


def site_packages(venv: Path) -> Path:
    return next((venv / "lib").glob("python3*/site-packages"))


def build_colab_venv(venv: Path) -> None:
    """This Python (3.11 here) with Colab's versions, our PyTorch and a fake google.colab."""
    pins, linked, packages = plan()
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([sys._base_executable, "-m", "venv", str(venv)], check=True, env=clean_env())
    if "setuptools" in linked:  # the venv's own would sit under the linked one
        subprocess.run([str(python_of(venv)), "-m", "pip", "uninstall", "-q", "-y",
                        "setuptools"], check=True, capture_output=True, env=clean_env())
    site = site_packages(venv)
    for name in linked:
        link_distribution(name, site)
    constraints = venv / "constraints.txt"
    constraints.write_text("".join(f"{n}=={v}\n" for n, v in {**pins, **linked}.items()))
    done = subprocess.run([str(python_of(venv)), "-m", "pip", "install", "-q", "-c",
                           str(constraints), *packages], capture_output=True, text=True,
                          timeout=PIP_TIMEOUT, env=clean_env())
    assert done.returncode == 0, f"cannot make the Colab-like environment:\n{done.stderr}"
    (site / "google" / "colab").mkdir(parents=True)
    (site / "google" / "colab" / "__init__.py").write_text(FAKE_COLAB)
    startup = venv / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-colab.py").write_text("import google.colab  # as Colab's kernel does\n")


def colab_venv() -> Path:
    """The cached environment, rebuilt when Colab's versions or the recipe change."""
    recipe = COLAB_CONSTRAINTS.read_text() + repr((RECIPE, plan()))
    stamp = VENV / f".built-{hashlib.sha256(recipe.encode()).hexdigest()[:16]}"
    if not stamp.exists():
        build_colab_venv(VENV)
        stamp.touch()
    return VENV


def freeze(venv: Path) -> dict[str, str]:
    done = subprocess.run([str(python_of(venv)), "-m", "pip", "list", "--format=freeze"],
                          capture_output=True, text=True, check=True, env=clean_env())
    pairs = (line.split("==") for line in done.stdout.split() if "==" in line)
    return {normalize(name): version for name, version in pairs}


class Kernel:
    """A Jupyter kernel of the given environment, as Colab starts one (google.colab imported)."""

    def __init__(self, venv: Path, cwd: Path):
        from jupyter_client import KernelManager
        from jupyter_client.kernelspec import KernelSpecManager

        specs = venv / "share" / "jupyter" / "kernels"
        spec = specs / "colab"
        spec.mkdir(parents=True, exist_ok=True)
        (spec / "kernel.json").write_text(json.dumps({
            "argv": [str(python_of(venv)), "-m", "ipykernel_launcher", "-f",
                     "{connection_file}"],
            "display_name": "Colab-like", "language": "python"}))
        env = clean_env()
        env.update(IPYTHONDIR=str(venv / "ipython"), CNN_BOOK_OFFLINE="1")
        self.manager = KernelManager(kernel_name="colab",
                                     kernel_spec_manager=KernelSpecManager(kernel_dirs=[specs]))
        self.manager.start_kernel(env=env, cwd=str(cwd))
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=180)

    def run(self, code: str, what: str) -> str:
        """Execute code; return its text output; fail with the output and traceback."""
        texts = []

        def keep(message):
            content = message["content"]
            if message["msg_type"] == "stream":
                texts.append(content["text"])
            elif message["msg_type"] == "error":
                texts.append("\n".join(content["traceback"]))

        try:
            reply = self.client.execute_interactive(code, timeout=PIP_TIMEOUT, output_hook=keep)
        except (TimeoutError, queue.Empty):
            pytest.fail(f"{what}: no answer in {PIP_TIMEOUT} s; output so far:\n{''.join(texts)}")
        output = "".join(texts)
        assert reply["content"]["status"] == "ok", f"{what} failed in the Colab kernel:\n{output}"
        return output

    def close(self):
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


def test_setup_cells_in_a_colab_like_kernel(tmp_path):
    """Each chapter's set-up cell and imports in a Colab-like kernel (needs PyPI).

    The environment (cached in .cache/colab-venv, rebuilt when requirements/colab-constraints.txt
    or the recipe changes) has Colab's versions of every package the book touches (numpy,
    pandas, scipy, scikit-learn, matplotlib, pip 24.1, ipykernel 6.17, ipywidgets 7.7, ...) and
    a fake ``google.colab`` that the kernel imports at start, as Colab's does. It departs from
    Colab in two ways, both for PyTorch. Its Python is the test environment's (3.11 on our
    machines), not Colab's 3.13 or 3.12, so a Colab version that needs a newer Python
    (NEEDS_NEWER_PYTHON) gives way to the newest for this one. And torch and torchvision are the
    test environment's, linked in with any dependency whose Colab version they do not accept:
    PyPI's Linux PyTorch for 3.12 and later is a CUDA build of several GB with no light CPU
    build beside it, and Colab's own ``+cpu`` builds come from PyTorch's index, which the tests
    may not use.

    Like a fresh Colab machine, a throw-away copy of the environment runs the set-up cell
    (one copy per distinct cell; test_notebooks checks that every chapter has the same one),
    with its repository URL pointed at a clone of this repository's HEAD. Then every chapter's
    imports cell runs in a new kernel and must import the installed helpers (and medmnist), and
    every package that was there before keeps its version.
    """
    base = colab_venv()
    clone = tmp_path / "repo"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    groups: dict[str, list[Path]] = {}
    for path in CHAPTERS:
        groups.setdefault(code_cells(read(path))[0].source, []).append(path)
    for number, (setup, paths) in enumerate(groups.items()):
        venv = tmp_path / f"venv-{number}"  # a throw-away copy: the cell installs into it
        subprocess.run(["cp", "-al", str(base), str(venv)], check=True)
        before = freeze(venv)
        assert f'REPO_URL = "{REPO_URL}"' in setup, f"{paths[0].name}: no REPO_URL to redirect"
        setup = setup.replace(f'REPO_URL = "{REPO_URL}"', f'REPO_URL = "{clone.as_uri()}"')
        kernel = Kernel(venv, cwd=tmp_path)
        try:
            printed = kernel.run(setup, f"{paths[0].stem}: set-up cell")
        finally:
            kernel.close()
        assert "Installing" in printed, f"{paths[0].stem}: the cell must say what it installs"
        for path in paths:
            kernel = Kernel(venv, cwd=tmp_path)
            try:
                kernel.run(code_cells(read(path))[1].source, f"{path.stem}: imports cell")
                where = kernel.run("import helpers, medmnist\nprint(helpers.__file__)", "import")
            finally:
                kernel.close()
            assert where.strip().startswith(str(site_packages(venv))), (
                f"{path.stem}: helpers came from {where.strip()}, not the installed package")
        after = freeze(venv)
        changed = {name: (version, after.get(name)) for name, version in before.items()
                   if after.get(name) != version}
        assert not changed, f"the set-up cell changed Colab's packages (before, after): {changed}"
        added = sorted(set(after) - set(before))
        assert "medmnist" in added and "cnn-book-helpers" in added, added


PUBLIC_TEST = """\
from otter.test_files import test_case

OK_FORMAT = False
name = "q1"
points = 1


@test_case(points=1, hidden=False)
def test_q1(env):
    assert env["answer"] == 42, "not done yet: answer must be 42"
"""


def test_student_setup_cell_and_otter_check_in_a_colab_like_kernel(tmp_path):
    """The student notebooks' set-up cell, pinned as the assignments pin it, in a throw-away
    copy of the Colab-like environment (needs PyPI): it installs the helpers and otter-grader
    without changing a package Colab has (ipywidgets 7.7, wrapt 2, ... stay), writes the
    public tests, and ``otter.Notebook()`` then checks an answer, wrong and right."""
    base = colab_venv()
    clone = tmp_path / "repo"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    tests = tmp_path / "tests-source"
    tests.mkdir()
    (tests / "q1.py").write_text(PUBLIC_TEST)
    otter = importlib.metadata.version("otter-grader")
    cell = STUDENT_SETUP_CELL.format(repo_url=clone.as_uri(), tests=zip_tests(tests))
    cell = cell.replace('"otter-grader"', f'"otter-grader=={otter}"')
    venv, work = tmp_path / "venv", tmp_path / "content"
    subprocess.run(["cp", "-al", str(base), str(venv)], check=True)
    work.mkdir()
    before = freeze(venv)
    kernel = Kernel(venv, cwd=work)
    try:
        printed = kernel.run(cell, "student set-up cell")
        assert "Installing" in printed, printed
        assert (work / "tests" / "q1.py").exists(), "the set-up cell must write ./tests"
        wrong = kernel.run("import otter\ngrader = otter.Notebook()\nanswer = 41\n"
                           "print(grader.check('q1'))", "otter check, wrong answer")
        right = kernel.run("answer = 42\nprint(grader.check('q1'))", "otter check, right answer")
    finally:
        kernel.close()
    assert "not done yet: answer must be 42" in wrong, wrong
    assert "passed" in right and "failed" not in right, right
    after = freeze(venv)
    changed = {name: (version, after.get(name)) for name, version in before.items()
               if after.get(name) != version}
    assert not changed, f"the set-up cell changed Colab's packages (before, after): {changed}"
    assert after.get("otter-grader") == otter and "cnn-book-helpers" in after, sorted(after)
