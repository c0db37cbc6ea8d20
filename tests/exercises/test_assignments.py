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
from nbtools import CHAPTERS, ROOT, config, hidden_test_lines, questions, read, solution_lines

sys.path.insert(0, str(Path(__file__).parent))
from corpus import solution_cell, submission, variants  # noqa: E402 - next to this file

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
                            capture_output=True, text=True, timeout=900)  # a loop that hangs
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    tests = json.loads((out / "results.json").read_text())["tests"]
    (out / "report.json").write_text(json.dumps({t["name"]: t.get("output", "") for t in tests}))
    return {t["name"]: (t["score"], t["max_score"]) for t in tests if "max_score" in t}


def expected_questions(path: Path) -> list[str]:
    return [q["config"]["name"] for q in questions(read(path))]


KINDS = ("implement", "compute", "experiment", "concept")


def test_the_book_has_enough_exercises():
    """At least 40 exercises; every chapter has at least three, among them an open-ended
    experiment and a conceptual question; every question says what it is for."""
    configs = {p.stem: [q["config"] for q in questions(read(p))] for p in CHAPTERS}
    counts = {stem: len(found) for stem, found in configs.items()}
    assert all(n >= 3 for n in counts.values()), counts
    assert sum(counts.values()) >= 40, f"{sum(counts.values())} exercises, at least 40: {counts}"
    for stem, found in configs.items():
        for item in found:
            assert item.get("kind") in KINDS, f"{item['name']}: kind {item.get('kind')!r}"
            missing = [key for key in ("objective", "minutes", "setting") if not item.get(key)]
            assert not missing, f"{item['name']} has no {', '.join(missing)}"
        kinds = {item["kind"] for item in found}
        assert {"experiment", "concept"} <= kinds, f"{stem} has only {sorted(kinds)}"


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
def test_grading_skips_the_demonstrations_and_nothing_an_answer_needs(dist, path):
    """Student and autograder notebooks carry otter's ``otter_ignore`` tag on the chapter's
    demonstrations only: never on the set-up, otter's start, an answer or a check; and the
    solutions scored full marks with them skipped (``otter assign`` graded them so)."""
    master = read(path)
    answers = {solution_cell(master, q).split("\n", 1)[0] for q in questions(master)}
    for notebook in (dist / "student" / path.stem / path.name,
                     dist / "autograder" / path.name):
        code = [c for c in nbformat.read(notebook, as_version=4).cells if c.cell_type == "code"]
        skipped = [c for c in code if "otter_ignore" in c.metadata.get("tags", [])]
        assert len(skipped) >= len(code) // 3, f"{notebook.name}: only {len(skipped)} skipped"
        for cell in skipped:
            text = cell.source
            assert not any(key in text for key in ("google.colab", "otter.Notebook(",
                                                   "grader.check(", "# HIDDEN")), text[:200]
            assert text.split("\n", 1)[0] not in answers, f"an answer is skipped: {text[:200]}"
        if notebook.parent.name == path.stem:  # the student's copy says which cells
            noted = [c for c in code if "(not run when graded" in c.source]
            assert noted == skipped, "every skipped cell, and only those, says so to students"


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_no_solution_or_hidden_test_reaches_students(dist, path):
    secret = solution_lines(read(path)) + hidden_test_lines(read(path))
    assert secret, f"{path.stem}: no solution lines found to check"
    assert hidden_test_lines(read(path)), f"{path.stem}: no hidden tests"
    for file in (dist / "student" / path.stem).rglob("*"):
        if file.is_file():
            text = file.read_text(errors="ignore")
            if file.suffix == ".ipynb":
                text = "\n".join(c.source for c in nbformat.reads(text, as_version=4).cells)
            leaked = [line for line in secret if line in text]
            assert not leaked, f"{file.name} contains solution lines: {leaked[:3]}"
            assert "'hidden': True" not in text and '"hidden": true' not in text, file.name
            assert "hidden=True" not in text, file.name


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_student_stubs_score_zero_on_every_question(student_scores, path):
    scores, reports = student_scores[path.stem]
    assert set(scores) == set(expected_questions(path))
    assert all(score == 0 for score, _ in scores.values()), scores
    assert all(maximum > 0 for _, maximum in scores.values()), scores
    for name in scores:
        # the notebook ran down to the check, which ran the test and reported it failed
        assert "Test case failed" in reports[name], reports[name][-2000:]


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_check_messages_lead_with_what_is_wrong(student_scores, path):
    """On a stub every test case says "not done yet" in a few lines, with no cascade."""
    _, reports = student_scores[path.stem]
    for name, report in reports.items():
        if name == "Public Tests":
            continue
        cases = report.split("Test case failed")[1:]
        assert cases, report[-2000:]
        for case in cases:
            block = case.strip().split("\n\n")[0]  # this case only, not the next case's header
            lines = [line for line in block.split("\n") if line.strip()]
            message = "\n".join(lines[:3])
            assert "not done yet" in lines[2], f"{name}: {message}"
            assert len(lines) <= 4, f"{name}: a long message:\n{case}"


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
    installs = [call for call in calls if "install" in call]
    helpers = [c for c in installs if any(f"git+{config()['repository']['url']}" in a for a in c)]
    otter = [c for c in installs if any(a.startswith("otter-grader==") for a in c)]
    assert helpers and otter, f"the cell must install the helpers and otter-grader: {installs}"
    for call in installs:
        assert "-c" in call or "--no-deps" in call, (
            f"pip gets what Colab has as constraints, or installs nothing else: {call}")
    written = sorted(p.name for p in (tmp_path / "tests").glob("*.py"))
    shipped = sorted(p.name for p in (dist / "student" / path.stem / "tests").glob("*.py"))
    assert written == shipped and written
    assert "otter.Notebook(" in code[1].source, "otter starts right after the set-up"


@pytest.fixture(scope="session")
def corpus_scores(dist, tmp_path_factory):
    """Every chapter's batched wrong submissions graded: {chapter: [(choices, scores)]}."""
    jobs = []
    for path in CHAPTERS:
        student = nbformat.read(dist / "student" / path.stem / path.name, as_version=4)
        names = expected_questions(path)
        for v in range(max(len(variants(name)) for name in names)):
            choices = {n: variants(n)[v] for n in names if v < len(variants(n))}
            jobs.append((path, choices, submission(path, student, choices.get)))

    def run(job):
        path, choices, nb = job
        out = tmp_path_factory.mktemp(f"corpus-{path.stem}")
        nbformat.write(nb, out / path.name)
        scores = grade(dist / "autograder" / f"{path.stem}-autograder.zip", out / path.name,
                       out / "results")
        reports = json.loads((out / "results" / "report.json").read_text())
        return path.stem, choices, scores, reports

    results: dict[str, list] = {p.stem: [] for p in CHAPTERS}
    with ThreadPoolExecutor(max_workers=int(JOBS)) as pool:
        for stem, choices, scores, reports in pool.map(run, jobs):
            results[stem].append((choices, scores, reports))
    return results


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_every_wrong_answer_loses_marks_and_every_delegation_scores_zero(corpus_scores, path):
    names = expected_questions(path)
    for name in names:
        assert len([v for v in variants(name) if v[0] != "delegating"]) >= 3, name
    passed = []
    for choices, scores, reports in corpus_scores[path.stem]:
        for name in names:
            score, maximum = scores[name]
            # lost for its mistake, not because grading skipped a cell the answer needs
            assert "NameError" not in reports[name], f"{name}: {reports[name][-1500:]}"
            if name not in choices:
                assert score == maximum > 0, f"{name}: the solution lost marks: {scores}"
            elif choices[name][0] == "delegating":
                assert "write it yourself" in reports[name], (
                    f"{name}: the delegation was not caught as one: {reports[name][-1500:]}")
                # below full marks: a question that also asks for a written answer keeps the
                # points of that answer, the implementation's cases all fail
                if score >= maximum:
                    passed.append(f"{name}: delegation scored {score}/{maximum}")
            elif score >= maximum:
                passed.append(f"{name}: {choices[name][0]!r} scored full marks")
    assert not passed, "\n".join(passed)


COLAB_KERNEL = """\
import subprocess, sys, types
try:
    import google
except ImportError:
    google = types.ModuleType("google")
    google.__path__ = []
    sys.modules["google"] = google
google.colab = sys.modules["google.colab"] = types.ModuleType("google.colab")
_shell = get_ipython()
_shell.__class__ = type("Shell", (type(_shell),), {"__module__": "google.colab._shell"})
_real_run, pip_calls = subprocess.run, []
subprocess.run = lambda cmd, *a, **k: pip_calls.append(cmd) or subprocess.CompletedProcess(
    cmd, 0, stdout="", stderr="")
"""


def test_student_notebook_checks_answers_in_a_colab_kernel(dist, tmp_path):
    """A real kernel that looks like Colab to otter (its shell class lives in google.colab) runs
    the set-up cell in an empty folder (pip is recorded, not run: the packages are here and
    the network is not), starts otter, and checks a stub, a delegation and a solution."""
    from nbclient import NotebookClient

    path = next(p for p in CHAPTERS if p.stem.startswith("02_"))
    student = nbformat.read(dist / "student" / path.stem / path.name, as_version=4)
    code = [c.source for c in student.cells if c.cell_type == "code"]
    master = read(path)
    question = questions(master)[0]
    solution = next(master.cells[i].source for i in question["cells"]
                    if master.cells[i].cell_type == "code")
    name = question["config"]["name"]
    check = f'grader.check("{name}")'
    stub = next(c for c in code if c.startswith(solution.split("\n", 1)[0]))
    delegating = submission(path, student, {name: variants(name)[-1]}.get).cells
    cheat = next(c.source for c in delegating if c.source.startswith(stub.split("\n", 1)[0]))
    cells = [COLAB_KERNEL, code[0], "subprocess.run = _real_run\nprint(pip_calls)", code[1],
             "print(grader.interpreter)", code[2], stub, check, cheat, check, solution, check]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    env_path = os.environ.get("PYTHONPATH", "")
    NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(tmp_path)}},
                   env=dict(os.environ, PYTHONPATH=env_path, CNN_BOOK_OFFLINE="1")).execute()

    def text(cell):
        parts = []
        for out in cell.outputs:
            parts.append(out.get("text", "") + out.get("data", {}).get("text/plain", ""))
            parts.append(out.get("evalue", ""))
        return "\n".join(parts)

    errors = [text(c) for c in nb.cells if any(o.output_type == "error" for o in c.outputs)]
    assert not errors, errors
    assert "otter-grader==" in text(nb.cells[2]) and "@" in text(nb.cells[2]), "pinned installs"
    assert sorted(p.name for p in (tmp_path / "tests").glob("*.py")), "public tests written"
    assert "COLAB" in text(nb.cells[4]), "otter must take the kernel for Colab's"
    stub_report, cheat_report, solved = text(nb.cells[7]), text(nb.cells[9]), text(nb.cells[11])
    assert "not done yet" in "\n".join(stub_report.split("\n")[:8]), stub_report
    assert "write it yourself" in cheat_report, cheat_report
    assert "passed" in solved and "failed" not in solved, solved


def test_autograder_and_student_notebooks_are_pinned_to_the_build(dist):
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True,
                            text=True, check=True).stdout.strip()
    from importlib.metadata import version

    for path in CHAPTERS:
        with zipfile.ZipFile(dist / "autograder" / f"{path.stem}-autograder.zip") as archive:
            env = archive.read("environment.yml").decode()
        assert f"otter-grader[grading,plugins]=={version('otter-grader')}" in env, env
        assert f"git+{config()['repository']['url']}@{commit}" in env, env
        assert "download.pytorch.org/whl/cpu" in env and "+cpu" in env, env
        setup = nbformat.read(dist / "student" / path.stem / path.name, as_version=4).cells
        setup = next(c.source for c in setup if c.cell_type == "code")
        assert f'"otter-grader=={version("otter-grader")}"' in setup and commit in setup, setup


def test_private_hidden_tests_join_their_question_and_strays_stop_the_build(tmp_path, capsys):
    sys.path.insert(0, str(ROOT / "scripts"))
    import make_assignments

    path = CHAPTERS[0]
    name = expected_questions(path)[-1]
    private = tmp_path / "private"
    private.mkdir()
    body = f"def test_private({name.split('-')[0]}_x):\n    assert True\n\n\ntest_private(None)\n"
    (private / f"{name}.py").write_text(body)
    (private / f"{name}.more.py").write_text(body)
    nb = read(path)
    assert make_assignments.add_hidden_tests(nb, private) == 2
    q = next(q for q in questions(nb) if q["config"]["name"] == name)
    added = [nb.cells[i].source for i in q["tests"][-2:]]
    assert all(s.startswith("# HIDDEN\ndef test_private(") for s in added), added
    (private / "ch99-nothing.py").write_text(body)
    with pytest.raises(SystemExit) as stopped:
        make_assignments.main(["--hidden-tests", str(private), "--out", str(tmp_path / "d"),
                               path.stem])
    assert stopped.value.code == 2, "stopped by the argument check, before any assignment"
    assert "ch99-nothing.py" in capsys.readouterr().err
