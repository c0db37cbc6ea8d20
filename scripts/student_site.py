"""Build the website without any solution, for instructors who publish it during term.

    python scripts/student_site.py [-- extra jupyter-book arguments]

Copies the book into ``_build/student-src/`` with every solution removed from the chapters (the
cells from each ``{solution-start}`` to its ``{solution-end}``, which hold the solution code and
the hints), then builds it into ``_build/html-student/``. The chapters are not executed again:
the solution-free notebooks could not run, so the pages show the outputs computed with the
solutions, minus the solutions themselves. (sphinx-exercise's own ``hide_solutions`` option
crashes on gated solutions, hence the copy.)
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from nbtools import SOLUTION_START, solution_cells  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "_build" / "student-src"
TARGET = ROOT / "_build" / "html-student"


def strip_solutions(nb: nbformat.NotebookNode) -> int:
    """Remove every gated solution from the notebook in place; return how many."""
    gated = set(solution_cells(nb))
    count = sum(1 for i in gated if nb.cells[i].source.lstrip().startswith(SOLUTION_START))
    nb.cells = [cell for index, cell in enumerate(nb.cells) if index not in gated]
    return count


def prepare() -> None:
    shutil.rmtree(SOURCE, ignore_errors=True)
    SOURCE.mkdir(parents=True)
    for name in ("_toc.yml", "book", "_vendor", "colab"):  # colab/: the rocket buttons' target
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, SOURCE / name)
        elif src.exists():
            shutil.copy(src, SOURCE / name)
    config = (ROOT / "_config.yml").read_text()
    config = config.replace("execute_notebooks: force", 'execute_notebooks: "off"')
    config = config.replace('title: "', 'title: "(Student edition) ', 1)
    (SOURCE / "_config.yml").write_text(config)
    (SOURCE / "chapters").mkdir()
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        count = strip_solutions(nb)
        nbformat.write(nb, SOURCE / "chapters" / path.name)
        print(f"student site: {path.stem}: {count} solutions removed", flush=True)


def main(argv: list[str]) -> int:
    prepare()
    jb = Path(sys.executable).with_name("jupyter-book")
    result = subprocess.run([str(jb), "build", str(SOURCE), "--builder", "html", "--all", *argv])
    if result.returncode == 0:
        shutil.rmtree(TARGET, ignore_errors=True)
        shutil.move(str(SOURCE / "_build" / "html"), TARGET)
        print(f"The solution-free site is in {TARGET.relative_to(ROOT)}")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
