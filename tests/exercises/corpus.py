"""Build batched submissions from the corpus of wrong answers (``wrong_answers.py``).

Submission ``i`` of a chapter is the student notebook with variant ``i`` of every question
pasted in (the solution where a question has no variant ``i``), cut down to the cells the
answers and the tests need, so that grading it costs seconds rather than a chapter's run.
"""

from __future__ import annotations

import builtins
import re
import symtable
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


def _names(source: str) -> tuple[set[str], set[str]]:
    """(global names a cell defines, global names it reads from earlier cells)."""
    source = re.sub(r"^\s*[%!].*$", "", source, flags=re.M)  # IPython magics
    try:
        table = symtable.symtable(source, "<cell>", "exec")
    except SyntaxError:
        return set(), set()
    defined = {s.get_name() for s in table.get_symbols()
               if s.is_assigned() or s.is_imported() or s.is_namespace()}
    used: set[str] = set()

    def walk(scope) -> None:
        for symbol in scope.get_symbols():
            top = scope.get_type() == "module"
            if symbol.is_referenced() and (top or symbol.is_global()):
                used.add(symbol.get_name())
        for child in scope.get_children():
            walk(child)

    walk(table)
    return defined, used - defined - set(dir(builtins))


def submission(path, student, choose) -> nbformat.NotebookNode:
    """A copy of ``student`` with ``choose(question)`` (a variant or None) answering each question,
    sliced to the cells the answers and their tests need (and otter's set-up)."""
    master = read(path)
    nb = nbformat.from_dict(student)
    answer_cells, needed = {}, set()
    for q in questions(master):
        solution = solution_cell(master, q)
        first = solution.split("\n", 1)[0]
        index = next(i for i, c in enumerate(nb.cells)
                     if c.cell_type == "code" and c.source.split("\n", 1)[0] == first)
        nb.cells[index].source = answer(solution, choose(q["config"]["name"]))
        answer_cells[index] = q
        for t in q["tests"]:
            needed |= set(re.findall(r"^test_\w+\((.*)\)\s*$", master.cells[t].source, re.M)[0]
                          .replace(" ", "").split(","))
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    keep = set(answer_cells) | set(code[:2])  # the set-up cell and otter's start
    for i in answer_cells:
        needed |= _names(nb.cells[i].source)[1]
    for i in reversed(code):  # a backward slice: the last cell that defines a needed name
        defined, used = _names(nb.cells[i].source)
        if i in keep or defined & needed:
            keep.add(i)
            needed = (needed - defined) | used if i not in answer_cells else needed | used
    nb.cells = [c for i, c in enumerate(nb.cells) if i in keep]
    return nb
