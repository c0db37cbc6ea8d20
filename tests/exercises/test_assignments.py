"""The assignment command, graded as an instructor would grade.

One run of ``scripts/make_assignments.py`` (what ``bash scripts/assign.sh`` runs) builds every
chapter's student notebook and autograder; ``otter assign`` inside it grades each solution
notebook and fails unless it scores full marks. The tests then grade the student notebooks
(zero on every question), a submission with one exercise solved (full marks on exactly that
question), and check that nothing of a solution reaches the students.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from colab_sim import run_setup_cell
from nbtools import CHAPTERS, ROOT, config, questions, read, solution_lines

OTTER = Path(sys.executable).with_name("otter")
IDS = [p.stem for p in CHAPTERS]


JOBS = "2"  # this machine has two cores; chapters are assigned and graded two at a time


@pytest.fixture(scope="session")
def dist(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "make_assignments.py"),
                             "--out", str(out), "--jobs", JOBS],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out


@pytest.fixture(scope="session")
def student_scores(dist, tmp_path_factory):
    """Every student notebook, exactly as handed out, graded by its chapter's autograder."""
    def run(path):
        out = tmp_path_factory.mktemp(f"grade-{path.stem}")
        scores = grade(dist / "autograder" / f"{path.stem}-autograder.zip",
                       dist / "student" / path.stem / path.name, out)
        return path.stem, (scores, json.loads((out / "report.json").read_text()))

    with ThreadPoolExecutor(max_workers=int(JOBS)) as pool:
        return dict(pool.map(run, CHAPTERS))


def grade(autograder: Path, notebook: Path, out: Path) -> dict[str, tuple[float, float]]:
    """Grade a notebook with otter's autograder, without Docker; {question: (score, max)}.

    The report of every question is kept in ``out / "report.json"``."""
    out.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, CNN_BOOK_OFFLINE="1", MPLBACKEND="Agg")
    result = subprocess.run([str(OTTER), "run", "-a", str(autograder), notebook.name,
                             "-o", str(out)], cwd=notebook.parent, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    tests = json.loads((out / "results.json").read_text())["tests"]
    (out / "report.json").write_text(json.dumps({t["name"]: t.get("output", "") for t in tests}))
    return {t["name"]: (t["score"], t["max_score"]) for t in tests if "max_score" in t}


def expected_questions(path: Path) -> list[str]:
    return [q["config"]["name"] for q in questions(read(path))]


def test_the_book_has_enough_exercises():
    counts = {p.stem: len(expected_questions(p)) for p in CHAPTERS}
    assert all(n >= 3 for n in counts.values()), counts
    assert sum(counts.values()) >= 20, counts


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_outputs_exist_with_the_expected_questions(dist, path):
    names = expected_questions(path)
    assert names, f"{path.stem} has no questions"
    student = dist / "student" / path.stem
    assert sorted(p.stem for p in (student / "tests").glob("*.py")) == sorted(names)
    with zipfile.ZipFile(dist / "autograder" / f"{path.stem}-autograder.zip") as archive:
        graded = sorted(Path(n).stem for n in archive.namelist() if n.startswith("tests/"))
    assert graded == sorted(names)
    nb = nbformat.read(student / path.name, as_version=4)
    checks = [c.source for c in nb.cells if c.cell_type == "code" and "grader.check(" in c.source]
    assert checks == [f'grader.check("{name}")' for name in names]
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), "outputs left"


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_no_solution_or_hidden_test_reaches_students(dist, path):
    secret = solution_lines(read(path))
    assert secret, f"{path.stem}: no solution lines found to check"
    for file in (dist / "student" / path.stem).rglob("*"):
        if file.is_file():
            text = file.read_text(errors="ignore")
            if file.suffix == ".ipynb":
                text = "\n".join(c.source for c in nbformat.reads(text, as_version=4).cells)
            leaked = [line for line in secret if line in text]
            assert not leaked, f"{file.name} contains solution lines: {leaked[:3]}"
            assert "'hidden': True" not in text and '"hidden": true' not in text, file.name


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_student_stubs_score_zero_on_every_question(student_scores, path):
    scores, reports = student_scores[path.stem]
    assert set(scores) == set(expected_questions(path))
    assert all(score == 0 for score, _ in scores.values()), scores
    assert all(maximum > 0 for _, maximum in scores.values()), scores
    for name in scores:
        # the notebook ran down to the check, which ran the test and reported it failed
        assert "Test case failed" in reports[name], reports[name][-2000:]


def test_one_solved_exercise_scores_full_marks_on_that_question_only(dist, tmp_path):
    """A student submission that solves one exercise (we paste the solution in)."""
    path = ROOT / "chapters" / "03_convolution.ipynb"
    if path not in CHAPTERS:
        pytest.skip("chapter 3 is not in the book")
    master = read(path)
    first = questions(master)[0]
    solution = next(master.cells[i].source for i in first["cells"]
                    if master.cells[i].cell_type == "code")
    student_path = dist / "student" / path.stem / path.name
    submission = nbformat.read(student_path, as_version=4)
    name = solution.split("(")[0].replace("def ", "").strip()
    stub = next(c for c in submission.cells if c.cell_type == "code"
                and c.source.startswith(f"def {name}("))
    markers = ("# BEGIN SOLUTION", "# END SOLUTION")
    stub.source = "\n".join(line for line in solution.split("\n") if line.strip() not in markers)
    target = student_path.parent / "submission.ipynb"
    nbformat.write(submission, target)
    scores = grade(dist / "autograder" / f"{path.stem}-autograder.zip", target, tmp_path)
    solved = first["config"]["name"]
    assert scores[solved][0] == scores[solved][1] > 0, scores
    assert all(score == 0 for q, (score, _) in scores.items() if q != solved), scores


@pytest.mark.parametrize("path", CHAPTERS[:1], ids=IDS[:1])
def test_student_setup_cell_works_in_colab_and_writes_the_public_tests(dist, path, tmp_path,
                                                                       monkeypatch):
    nb = nbformat.read(dist / "student" / path.stem / path.name, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    setup = code[0].source
    monkeypatch.chdir(tmp_path)
    calls = run_setup_cell(setup, in_colab=True)  # pip recorded, not run
    command = " ".join(calls[-1])
    assert "otter-grader" in command and f"git+{config()['repository']['url']}" in command
    assert "-c" in calls[-1], "pip gets what Colab has as constraints (never upgrades it)"
    written = sorted(p.name for p in (tmp_path / "tests").glob("*.py"))
    shipped = sorted(p.name for p in (dist / "student" / path.stem / "tests").glob("*.py"))
    assert written == shipped and written
    assert "otter.Notebook(" in code[1].source, "otter starts right after the set-up"
