"""Turn every chapter into a student assignment and an autograder (otter-grader).

    python scripts/make_assignments.py [--out dist] [--jobs N] [CHAPTER ...]

For each chapter notebook (the instructor's source: solutions, tests, otter markers) this runs
``otter assign``, which executes the solutions against their tests and stops if any fails, then
writes

    dist/student/NN_topic/NN_topic.ipynb   solutions replaced by stubs, outputs cleared,
                                           grader.check cells, a Colab set-up cell
    dist/student/NN_topic/tests/*.py       the public tests (also embedded in the set-up cell)
    dist/autograder/NN_topic-autograder.zip   otter's autograder (all tests); never publish
    dist/autograder/NN_topic.ipynb         the solution notebook otter grades against
    dist/autograder/NN_topic-build.json    the commit and versions the autograder pins

The student notebook is made readable in Jupyter and Colab: the sphinx-exercise fences become
numbered headings, the solution dropdowns are removed, and the first cell installs the helpers
and otter-grader inside Colab and writes the public tests next to the notebook when they are
missing. Finally every student notebook is checked for leaked solution lines.

The autograder installs the helpers at the commit checked out here (push it before uploading),
otter-grader at the version that built it and PyTorch's CPU build; the student set-up cell
installs the same helpers and otter-grader. ``--hidden-tests DIR`` (or the environment variable
``CNN_BOOK_HIDDEN_TESTS``) adds a course's private tests: ``DIR/QUESTION-NAME[.ANY].py``, each
one otter test function and its call, joins its question as a hidden test.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from nbtools import (graded_cells, questions, raw_marker, solution_cells,  # noqa: E402,I001
                     solution_lines)

SETUP_CELL = '''\
# Set-up. Inside Google Colab: install this book's helpers and otter-grader (pip gets every
# package Colab already has as a constraint, so it never upgrades one). Everywhere: put the
# public tests of this assignment in ./tests if they are not there yet.
import base64
import io
import json
import os
import subprocess
import sys
import zipfile

REPO_URL = "{repo_url}"


def run_pip(*args):
    done = subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True)
    if done.returncode != 0:
        print(done.stderr, file=sys.stderr)
        raise RuntimeError(f"pip {{args[0]}} failed; pip's own message is printed above")
    return done.stdout


# otter-grader's own metadata asks for an ipywidgets newer and a wrapt older than Colab's, so
# pip would refuse it; its checking code runs with Colab's versions. It is installed without
# its dependencies, and those it imports that Colab lacks come with the helpers.
OTTER_NEEDS = ["click", "dill", "fica", "ipylab", "jinja2", "jupytext", "nbformat", "pandas",
               "python-frontmatter", "pyyaml", "requests", "wrapt"]
if "google.colab" in sys.modules:
    with open("/tmp/colab-installed.txt", "w") as file:
        file.write(run_pip("list", "--format=freeze"))
    print(f"Installing the helpers package and otter-grader from {{REPO_URL}} ...")
    run_pip("install", "-q", "-c", "/tmp/colab-installed.txt",
            f"cnn-book-helpers[data] @ git+{{REPO_URL}}", *OTTER_NEEDS)
    run_pip("install", "-q", "--no-deps", "otter-grader")
PUBLIC_TESTS = (
{tests}
)
if not os.path.isdir("tests"):
    zipfile.ZipFile(io.BytesIO(base64.b64decode(PUBLIC_TESTS))).extractall("tests")'''

OTTER_SETTINGS = {
    "init_cell": True,
    "check_all_cell": False,
    "export_cell": False,
    "run_tests": True,
    "solutions_pdf": False,
    "tests": {"files": True, "ok_format": False},  # exception-based: short failure messages
    "requirements": "requirements/autograder.txt",
    "strip_solutions_from_all_cells": True,
}


def chapter_paths(names: list[str]) -> list[Path]:
    every = sorted((ROOT / "chapters").glob("[0-9][0-9]_*.ipynb"))
    if not names:
        return every
    chosen = [p for p in every if p.stem in names or p.name in names]
    unknown = set(names) - {p.stem for p in chosen} - {p.name for p in chosen}
    if unknown:
        known = [p.stem for p in every]
        raise SystemExit(f"unknown chapters: {sorted(unknown)}; choose from {known}")
    return chosen


def otter_master(source: Path, work: Path, hidden_dir: Path | None = None) -> Path:
    """Copy the chapter into work/ with the assignment settings this command needs.

    The assignment config moves to the top: otter reads the test format from it before it
    reads the first test. Test files in ``hidden_dir`` (a course's private tests, kept outside
    the public repository) join their questions as hidden tests."""
    nb = nbformat.read(source, as_version=4)
    configs = [cell for cell in nb.cells if raw_marker(cell) == "ASSIGNMENT CONFIG"]
    for cell in configs:
        config = yaml.safe_load(cell.source.split("\n", 1)[1]) or {}
        config.update(OTTER_SETTINGS)
        cell.source = "# ASSIGNMENT CONFIG\n" + yaml.safe_dump(config, sort_keys=False)
    nb.cells = configs + [cell for cell in nb.cells if cell not in configs]
    if hidden_dir is not None:
        add_hidden_tests(nb, hidden_dir)
    skip_when_graded(nb)
    (work / "requirements").mkdir(parents=True, exist_ok=True)
    (work / "requirements" / "autograder.txt").write_text(pinned_requirements(build_stamp()))
    master = work / source.name
    nbformat.write(nb, master)
    return master


CPU_TORCH_INDEX = "https://download.pytorch.org/whl/cpu"


def build_stamp() -> dict[str, str]:
    """The commit and versions an assignment is built from: the autograder installs exactly these.

    The helpers are pinned to the checked-out commit, which must be pushed to the repository
    before the autograder is uploaded (Gradescope installs it from there)."""
    from importlib.metadata import version

    git = ["git", "-C", str(ROOT)]
    commit = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True)
    if commit.returncode != 0:
        raise SystemExit("assign: not a git checkout: the autograder cannot pin the helpers")
    dirty = subprocess.run([*git, "status", "--porcelain", "--", "src", "pyproject.toml"],
                           capture_output=True, text=True).stdout.strip()
    if dirty:
        print("assign: warning: src/ has uncommitted changes; the autograder installs the "
              "committed helpers", flush=True)
    lock = dict(line.split("==", 1) for line in
                (ROOT / "requirements" / "lock.txt").read_text().split("\n") if "==" in line)
    return {"commit": commit.stdout.strip(), "otter-grader": version("otter-grader"),
            "torch": lock["torch"].strip(), "torchvision": lock["torchvision"].strip(),
            "repository": yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]}


def pinned_requirements(stamp: dict[str, str]) -> str:
    """requirements/autograder.txt with the helpers pinned to a commit and PyTorch's CPU build
    (Gradescope's graders have no GPU; the default wheels bring several GB of CUDA)."""
    lines = [f"--extra-index-url {CPU_TORCH_INDEX}",
             f"torch=={stamp['torch']}+cpu", f"torchvision=={stamp['torchvision']}+cpu"]
    for line in (ROOT / "requirements" / "autograder.txt").read_text().split("\n"):
        line = line.strip()
        if line and not line.startswith("#"):
            if "git+" in line and "@" not in line.split("git+", 1)[1]:
                line = f"{line}@{stamp['commit']}"
            lines.append(line)
    return "\n".join(lines) + "\n"


def finish_student(path: Path, stamp: dict[str, str]) -> None:
    """Pin the student set-up cell to the build and start otter the way Colab needs.

    ``otter.Notebook()`` without a file name: in Colab the notebook is not in the working
    folder, and a name makes otter fail there."""
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    setup = code[0]
    otter_pin = f'"otter-grader=={stamp["otter-grader"]}"'
    setup.source = setup.source.replace('"otter-grader"', otter_pin)
    setup.source = re.sub(r"git\+\{REPO_URL\}(?!@)", f"git+{{REPO_URL}}@{stamp['commit']}",
                          setup.source)
    if otter_pin not in setup.source or stamp["commit"] not in setup.source:
        raise SystemExit(f"{path.name}: could not pin the set-up cell:\n{setup.source[:800]}")
    for cell in code:
        cell.source = re.sub(r"otter\.Notebook\([^)]*\)", "otter.Notebook()", cell.source)
    nbformat.write(nb, path)


GRADING_SKIPS = "otter_ignore"  # otter's tag: the grader leaves the cell out
SKIPPED_NOTE = "# (not run when graded: no answer needs this cell)"


def skip_when_graded(nb: nbformat.NotebookNode) -> int:
    """Tag the code cells no answer needs so that grading runs only the answers' slice.

    Grading re-runs a submission; the chapter's demonstrations (training runs, figures) would
    cost minutes per student and tell the grader nothing. ``nbtools.graded_cells`` keeps the
    set-up, otter's start, the questions and every cell that defines a name they read; the
    rest gets otter's ``otter_ignore`` tag, which ``otter assign`` (grading the solutions) and
    ``otter run`` (grading a submission) obey. Students run every cell as usual."""
    keep = graded_cells(nb)
    skipped = 0
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and index not in keep:
            tags = cell.metadata.setdefault("tags", [])
            if GRADING_SKIPS not in tags:
                tags.append(GRADING_SKIPS)
            skipped += 1
    return skipped


def add_hidden_tests(nb: nbformat.NotebookNode, hidden_dir: Path) -> int:
    """Insert every ``hidden_dir/<question name>*.py`` of this notebook as a hidden test cell.

    Each file is one test in otter's format: a function that takes the notebook's names as
    parameters and raises ``AssertionError`` on a wrong answer, then a call of it."""
    added = 0
    for question in reversed(questions(nb)):
        name = question["config"]["name"]
        files = sorted(p for p in hidden_dir.glob("*.py")
                       if p.stem == name or p.stem.startswith(name + "."))
        last = question["tests"][-1] if question["tests"] else question["cells"][-1]
        for offset, path in enumerate(files):
            source = "# HIDDEN\n" + path.read_text().strip()
            nb.cells.insert(last + 1 + offset, nbformat.v4.new_code_cell(source))
            added += 1
    return added


def exercise_heading(source: str, chapter: int, number: int) -> str:
    """':::{exercise} Title / :label: ... / body / :::' -> '### Exercise 3.2: Title' + body."""
    lines = source.strip().split("\n")
    title = re.sub(r"^:::\{exercise\}\s*", "", lines[0]).strip()
    body = [line for line in lines[1:] if not line.startswith(":label:") and line.strip() != ":::"]
    heading = f"### Exercise {chapter}.{number}" + (f": {title}" if title else "")
    return heading + "\n\n" + "\n".join(body).strip()


def zip_tests(tests_dir: Path) -> str:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(tests_dir.glob("*.py")):
            archive.write(path, path.name)
    text = base64.b64encode(buffer.getvalue()).decode()
    return "\n".join(f'    "{text[i:i + 88]}"' for i in range(0, len(text), 88))


def polish_student(path: Path, chapter: int, repo_url: str) -> None:
    """Make otter's student notebook read well outside the website."""
    nb = nbformat.read(path, as_version=4)
    cells, number = [], 0
    gated = set(solution_cells(nb))
    for index, cell in enumerate(nb.cells):
        text = cell.source.lstrip()
        if index in gated and cell.cell_type == "markdown":
            continue  # solution dropdowns (and the explanations inside them) are for the website
        if cell.cell_type == "markdown" and text.startswith(":::{exercise}"):
            number += 1
            cell.source = exercise_heading(text, chapter, number)
        cells.append(cell)
    for cell in cells:
        if GRADING_SKIPS in cell.metadata.get("tags", []):
            first, _, rest = cell.source.partition("\n")
            cell.source = (f"{first}\n{SKIPPED_NOTE}\n{rest}" if first.startswith("%%")
                           else f"{SKIPPED_NOTE}\n{cell.source}")  # a cell magic stays first
    init = next(c for c in cells if c.cell_type == "code" and "otter.Notebook(" in c.source)
    cells.remove(init)
    setup = next(c for c in cells if c.cell_type == "code" and "google.colab" in c.source)
    tests = zip_tests(path.parent / "tests")
    setup.source = SETUP_CELL.format(repo_url=repo_url, tests=tests)
    cells.insert(cells.index(setup) + 1, init)  # otter is importable only after the set-up
    nb.cells = cells
    nbformat.write(nb, path)


def check_no_leaks(master: Path, student: Path) -> None:
    text = "\n".join(cell.source for cell in nbformat.read(student, as_version=4).cells)
    leaked = [line for line in solution_lines(nbformat.read(master, as_version=4)) if line in text]
    if leaked:
        raise SystemExit(f"{student}: solution lines reached the student notebook: {leaked[:5]}")


def assign(source: Path, out: Path, repo_url: str, hidden_dir: Path | None = None) -> None:
    name = source.stem
    work = out / ".work" / name
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    master = otter_master(source, work, hidden_dir)
    env = dict(os.environ, CNN_BOOK_OFFLINE="1", MPLBACKEND="Agg")
    otter = Path(sys.executable).with_name("otter")
    print(f"assign: {name}: otter assign (runs the solutions against their tests)", flush=True)
    result = subprocess.run([str(otter), "assign", master.name, "out"], cwd=work, env=env,
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"otter assign failed for {name}:\n{result.stdout}\n{result.stderr}")
    student_dir = out / "student" / name
    shutil.rmtree(student_dir, ignore_errors=True)
    shutil.copytree(work / "out" / "student", student_dir)
    polish_student(student_dir / source.name, int(name[:2]), repo_url)
    finish_student(student_dir / source.name, build_stamp())
    check_no_leaks(source, student_dir / source.name)
    grader_dir = out / "autograder"
    grader_dir.mkdir(parents=True, exist_ok=True)
    zips = list((work / "out" / "autograder").glob("*-autograder_*.zip"))
    shutil.copy(zips[0], grader_dir / f"{name}-autograder.zip")
    shutil.copy(work / "out" / "autograder" / source.name, grader_dir / source.name)
    stamp = json.dumps(build_stamp(), indent=1) + "\n"
    (grader_dir / f"{name}-build.json").write_text(stamp)  # what the zip's environment pins
    count = len(questions(nbformat.read(source, as_version=4)))
    print(f"assign: {name}: {count} questions -> {student_dir.relative_to(out.parent)}", flush=True)


def check_hidden_tests(folder: Path, parser: argparse.ArgumentParser) -> None:
    """Every file of the private test folder must belong to a question of the book."""
    if not folder.is_dir():
        parser.error(f"--hidden-tests: {folder} is not a folder")
    names = {q["config"]["name"] for path in chapter_paths([])
             for q in questions(nbformat.read(path, as_version=4))}
    stray = [p.name for p in folder.glob("*.py") if p.stem.split(".")[0] not in names]
    if stray:
        parser.error(f"--hidden-tests: {stray} name no question of the book")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("chapters", nargs="*", help="chapter names (default: every chapter)")
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="output directory")
    parser.add_argument("--jobs", type=int, default=1, help="chapters assigned at the same time")
    parser.add_argument("--hidden-tests", type=Path,
                        default=os.environ.get("CNN_BOOK_HIDDEN_TESTS") or None,
                        help="a private folder of hidden tests, QUESTION-NAME[.ANY].py each")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    if args.hidden_tests is not None:
        check_hidden_tests(args.hidden_tests, parser)
    repo_url = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]
    sources = chapter_paths(args.chapters)
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:  # each job is an otter subprocess
        list(pool.map(lambda source: assign(source, args.out.resolve(), repo_url,
                                            args.hidden_tests), sources))
    shutil.rmtree(args.out / ".work", ignore_errors=True)
    print(f"assign: done. Hand out {args.out}/student; keep {args.out}/autograder private.")


if __name__ == "__main__":
    main()
