"""Reading the book's notebooks and configuration: shared by the scripts and the tests."""

from __future__ import annotations

import ast
import builtins
import re
import symtable
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("[0-9][0-9]_*.ipynb"))


def config() -> dict:
    return yaml.safe_load((ROOT / "_config.yml").read_text())


def toc_files() -> list[str]:
    """Every file listed in _toc.yml, root first, without suffix."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [entry["file"] for entry in part.get("chapters", [])]
    return files


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def code_cells(nb) -> list:
    return [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]


def raw_marker(cell) -> str | None:
    """The otter marker of a raw cell ('BEGIN QUESTION', 'END TESTS', ...), else None."""
    if cell.cell_type != "raw":
        return None
    match = re.match(r"#\s*(BEGIN|END)\s+(QUESTION|TESTS|SOLUTION|PROMPT)", cell.source.strip())
    if match:
        return f"{match.group(1)} {match.group(2)}"
    if cell.source.strip().startswith("# ASSIGNMENT CONFIG"):
        return "ASSIGNMENT CONFIG"
    return None


def questions(nb) -> list[dict]:
    """Split a notebook into its otter questions: config, cells, and the test cells."""
    found, current, in_tests = [], None, False
    for index, cell in enumerate(nb.cells):
        marker = raw_marker(cell)
        if marker == "BEGIN QUESTION":
            config_text = cell.source.strip().split("\n", 1)[1] if "\n" in cell.source else ""
            current = {"config": yaml.safe_load(config_text) or {}, "cells": [], "tests": [],
                       "start": index}
        elif marker == "END QUESTION":
            found.append(current)
            current = None
        elif marker == "BEGIN TESTS":
            in_tests = True
        elif marker == "END TESTS":
            in_tests = False
        elif current is not None:
            (current["tests"] if in_tests else current["cells"]).append(index)
    return found


def stub_source(source: str) -> str:
    """What otter gives students: the lines between BEGIN/END SOLUTION replaced by '...'."""
    out, skipping = [], False
    for line in source.split("\n"):
        stripped = line.strip()
        if stripped == "# BEGIN SOLUTION":
            skipping = True
            out.append(line.replace("# BEGIN SOLUTION", "..."))
        elif stripped == "# END SOLUTION":
            skipping = False
        elif stripped.endswith("# SOLUTION"):
            indent = line[: len(line) - len(line.lstrip())]
            target = stripped.split("=")[0].strip() if "=" in stripped else None
            out.append(f"{indent}{target} = ..." if target else f"{indent}...")
        elif not skipping:
            out.append(line)
    return "\n".join(out)


def _solution_spans(source: str) -> tuple[list[str], list[str]]:
    """Split a code cell's lines into (inside BEGIN/END SOLUTION, outside)."""
    inside, outside, active = [], [], False
    for line in source.split("\n"):
        stripped = line.strip()
        if stripped == "# BEGIN SOLUTION":
            active = True
        elif stripped == "# END SOLUTION":
            active = False
        elif active or stripped.endswith("# SOLUTION"):
            inside.append(stripped)
        else:
            outside.append(stripped)
    return inside, outside


SOLUTION_START = ":::{solution-start}"
SOLUTION_END = ":::{solution-end}"


def solution_cells(nb) -> list[int]:
    """Indices of the cells inside gated solutions: each {solution-start} markdown cell, the
    cells after it, and the markdown cell that contains the matching {solution-end}."""
    found, inside = [], False
    for index, cell in enumerate(nb.cells):
        text = cell.source if cell.cell_type == "markdown" else ""
        if text.lstrip().startswith(SOLUTION_START):
            if inside:
                raise ValueError(f"cell {index}: a {{solution-start}} inside another solution")
            inside = True
        if inside:
            found.append(index)
        if any(line.strip().startswith(SOLUTION_END) for line in text.split("\n")):
            if not inside:
                raise ValueError(f"cell {index}: a {{solution-end}} without a {{solution-start}}")
            inside = False
    if inside:
        raise ValueError("a {solution-start} without its {solution-end}")
    return found


def solution_lines(nb, min_length: int = 12) -> list[str]:
    """Distinctive lines of a notebook's solutions, which must never reach a student.

    The code between ``# BEGIN SOLUTION`` and ``# END SOLUTION`` and the text inside the
    solution dropdowns, without short lines and without lines that also appear anywhere else in
    the notebook (a prompt or a stub may legitimately show those).
    """
    secret, public = [], []
    gated = set(solution_cells(nb))
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            inside, outside = _solution_spans(cell.source)
            secret += inside
            public += outside
        elif index in gated:
            secret += [line.strip() for line in cell.source.split("\n")
                       if not line.startswith((":::", ":class:"))]
        else:
            public += [line.strip() for line in cell.source.split("\n")]
    public_text = "\n".join(public)
    return sorted({line for line in secret if len(line) >= min_length and line not in public_text})


def sphinx_problems(log: str) -> list[str]:
    """Sphinx's warnings and errors in a build log ("path:line: WARNING: ..." or "WARNING: ...").

    A kernel's own log line such as "[IPKernelApp] WARNING | ..." is not a build warning.
    """
    plain = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in log.splitlines()]
    pattern = r"(^|: )(WARNING|ERROR|CRITICAL):|finished with problems"
    return [line for line in plain if re.search(pattern, line)]


def is_hidden_test(cell) -> bool:
    """A test cell for the autograder only: a code cell whose first line is ``# HIDDEN``."""
    lines = cell.source.lstrip().split("\n", 1) if cell.cell_type == "code" else [""]
    return lines[0].strip().upper() == "# HIDDEN"


def hidden_test_lines(nb, min_length: int = 24) -> list[str]:
    """Distinctive lines of a notebook's hidden tests, which must reach no student and no page."""
    public = "\n".join(c.source for c in nb.cells if not is_hidden_test(c))
    lines = {line.strip() for c in nb.cells if is_hidden_test(c) for line in c.source.split("\n")}
    return sorted(line for line in lines if len(line) >= min_length and line not in public)


def cell_names(source: str) -> tuple[set[str], set[str]]:
    """(global names a code cell defines, global names it reads from earlier cells)."""
    source = re.sub(r"^\s*[%!].*$", "", source, flags=re.M)  # IPython magics and shell lines
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


def test_arguments(source: str) -> set[str]:
    """The notebook names an otter test cell hands its test: ``test_x(a, b)`` -> {'a', 'b'}."""
    calls = re.findall(r"^test_\w+\((.*)\)\s*$", source, re.M)
    return {name.strip() for call in calls for name in call.split(",") if name.strip()}


def only_definitions(source: str) -> bool:
    """Whether a cell only imports and defines functions or classes (it costs nothing to run)."""
    source = re.sub(r"^\s*[%!].*$", "", source, flags=re.M)
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return False
    kinds = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef)
    return bool(body) and all(isinstance(node, kinds) for node in body)


def graded_cells(nb) -> set[int]:
    """Indices of the code cells that grading a notebook must run.

    The set-up cell, the cell that starts otter, every cell of a question (answers and tests),
    every cell that only imports or defines functions (free to run, and an answer may use
    them) and, going backwards, every earlier cell that defines a name one of those reads (the
    names a test receives included): a backward slice of the notebook by names. The rest (the
    chapter's demonstrations, figures and experiments) the answers do not need."""
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    keep = {i for i in code[:1]} | {i for i in code if "otter.Notebook(" in nb.cells[i].source
                                    or only_definitions(nb.cells[i].source)}
    for question in questions(nb):
        keep |= {i for i in question["cells"] + question["tests"] if i in code}
    needed: set[str] = set()
    for i in keep:
        needed |= cell_names(nb.cells[i].source)[1] | test_arguments(nb.cells[i].source)
    for i in reversed(code):
        defined, used = cell_names(nb.cells[i].source)
        if i in keep:
            needed |= used | test_arguments(nb.cells[i].source)
        elif defined & needed:
            keep.add(i)
            needed = (needed - defined) | used
    return keep
