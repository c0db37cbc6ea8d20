"""Build batched submissions from the corpus of wrong answers (``wrong_answers.py``).

Submission ``i`` of a chapter is the student notebook with variant ``i`` of every question
pasted in (the solution where a question has no variant ``i``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbtools import questions, read

sys.path.insert(0, str(Path(__file__).parent))  # wrong_answers.py sits next to this file
from wrong_answers import DELEGATING, WRONG  # noqa: E402

MARKERS = ("# BEGIN SOLUTION", "# END SOLUTION")


def solution_cell(master, question) -> str:
    """The question's code cell with the marker lines removed: what a student who solved it has."""
    cell = next(master.cells[i] for i in question["cells"] if master.cells[i].cell_type == "code")
    return "\n".join(line for line in cell.source.split("\n") if line.strip() not in MARKERS)


def variants(name: str) -> list[tuple[str, str, str]]:
    """Every wrong answer of a question, the delegating one last: (mistake, old, new)."""
    found = list(WRONG.get(name, []))
    if name in DELEGATING:
        found.append(("delegating", *DELEGATING[name]))
    return found


def answer(solution: str, variant: tuple[str, str, str] | None) -> str:
    if variant is None:
        return solution
    mistake, old, new = variant
    assert solution.count(old) == 1, f"the solution changed: {mistake!r} cannot find {old!r}"
    return solution.replace(old, new)


def submission(path, student, choose) -> nbformat.NotebookNode:
    """A copy of ``student`` with ``choose(question)`` (a variant or None) answering each question.

    The grader runs only the cells the answers need (``make_assignments.skip_when_graded``
    tags the rest), so grading a submission costs seconds rather than a chapter's run."""
    master = read(path)
    nb = nbformat.from_dict(student)
    for q in questions(master):
        solution = solution_cell(master, q)
        first = solution.split("\n", 1)[0]
        index = next(i for i, c in enumerate(nb.cells)
                     if c.cell_type == "code" and c.source.split("\n", 1)[0] == first)
        nb.cells[index].source = answer(solution, choose(q["config"]["name"]))
    return nb
