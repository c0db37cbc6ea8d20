"""The solution-free website (scripts/student_site.py): strict, exercises kept, no solution."""

from __future__ import annotations

import html
import re
import subprocess
import sys

import pytest
from nbtools import (
    CHAPTERS,
    ROOT,
    hidden_test_lines,
    questions,
    read,
    solution_lines,
    sphinx_problems,
    toc_files,
)

STUDENT_HTML = ROOT / "_build" / "html-student"
BOOK_CHAPTERS = [p for p in CHAPTERS if f"chapters/{p.stem}" in toc_files()]


@pytest.fixture(scope="module")
def student_site():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "student_site.py"),
                             "-W", "-n", "--keep-going"], cwd=ROOT, capture_output=True, text=True)
    log = result.stdout + result.stderr
    problems = sphinx_problems(log)
    assert result.returncode == 0 and not problems, "\n".join(problems) or log[-3000:]
    return STUDENT_HTML


def page_text(path) -> str:
    """What a reader sees: the page without tags (code is split into highlighting spans)."""
    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text()))


@pytest.mark.parametrize("path", BOOK_CHAPTERS, ids=[p.stem for p in BOOK_CHAPTERS])
def test_exercises_stay_and_solutions_go(student_site, path):
    page = student_site / "chapters" / f"{path.stem}.html"
    source = page.read_text()
    assert source.count('class="exercise admonition"') == len(questions(read(path)))
    assert 'class="solution' not in source and "solution-start" not in source
    text = page_text(page)
    notebook = (student_site / "_notebooks" / "chapters" / path.name).read_text()
    for line in solution_lines(read(path)):
        assert line not in text, f"{path.stem}: the page shows the solution line {line!r}"
        assert line not in notebook, f"{path.stem}: the download has the solution line {line!r}"
    for line in hidden_test_lines(read(path)):
        assert line not in text and line not in notebook, f"{path.stem}: hidden test {line!r}"


def test_no_page_sources_published(student_site):
    assert not (student_site / "_sources").exists()
    assert (student_site / "index.html").exists()
