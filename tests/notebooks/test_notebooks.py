"""The chapter notebooks as files: set-up cell, stored outputs, contents, exercise format."""

from __future__ import annotations

import re

import pytest
import yaml
from colab_sim import run_setup_cell
from nbtools import (
    CHAPTERS,
    ROOT,
    code_cells,
    config,
    is_hidden_test,
    questions,
    raw_marker,
    read,
    toc_files,
)

pytestmark = pytest.mark.skipif(not CHAPTERS, reason="no chapter notebooks yet")
IDS = [p.stem for p in CHAPTERS]


def test_every_chapter_is_in_the_table_of_contents_and_back():
    listed = {f for f in toc_files() if f.startswith("chapters/")}
    present = {f"chapters/{p.stem}" for p in CHAPTERS}
    assert listed == present, f"in _toc.yml only: {listed - present}; on disk: {present - listed}"
    for name in toc_files():
        assert any((ROOT / f"{name}{s}").exists() for s in (".md", ".ipynb")), name


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_first_cell_installs_helpers_only_in_colab(path, capsys):
    first = code_cells(read(path))[0].source
    assert "google.colab" in first, "the first code cell must be the Colab set-up cell"
    repo_url = config()["repository"]["url"].rstrip("/")
    assert run_setup_cell(first, in_colab=False) == [], "it must do nothing outside Colab"
    installed = "numpy==2.1.3\ntorch==2.11.0+cpu\n"
    calls = run_setup_cell(first, in_colab=True, installed=installed)
    assert [c[1:4] for c in calls] == [["-m", "pip", "list"], ["-m", "pip", "install"]], (
        f"inside Colab the set-up cell lists what is installed, then installs once: {calls}")
    install = calls[1]
    assert f"cnn-book-helpers[data] @ git+{repo_url}" in install, (
        f"install URL must be _config.yml's {repo_url}: {install}")
    assert "-c" in install, "pip must get what Colab has as constraints (never upgrade it)"
    with open(install[install.index("-c") + 1]) as file:
        assert file.read() == installed, "the constraints are exactly what pip list printed"
    assert "Installing" in capsys.readouterr().out, "the cell says what it installs"


def test_every_chapter_has_the_same_setup_cell_as_contributing():
    cells = {code_cells(read(path))[0].source for path in CHAPTERS}
    assert len(cells) == 1, "every chapter's set-up cell must be the same, verbatim"
    guide = (ROOT / "CONTRIBUTING.md").read_text()
    block = re.search(r"  ```python\n(  # Colab set-up.*?)\n  ```", guide, re.DOTALL)
    assert block, "CONTRIBUTING.md shows the set-up cell in a python block"
    shown = "\n".join(line[2:] for line in block.group(1).split("\n"))
    assert cells == {shown}, "CONTRIBUTING.md's copy of the set-up cell differs from the chapters'"


@pytest.mark.parametrize("path", CHAPTERS[:1], ids=IDS[:1])
def test_first_cell_shows_pips_own_error(path, capsys):
    first = code_cells(read(path))[0].source
    message = "ERROR: No matching distribution found for mnist1d"
    with pytest.raises(RuntimeError) as failure:
        run_setup_cell(first, in_colab=True, returncode=1, stderr=message)
    assert message in capsys.readouterr().err, "pip's own message must be shown"
    assert len(str(failure.value)) < 100, f"a short error after pip's: {failure.value}"


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_second_cell_seeds_everything(path):
    second = code_cells(read(path))[1].source
    assert re.search(r"helpers\.seed_everything\(\s*0\s*\)", second), second


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_committed_with_outputs_and_no_errors(path):
    nb = read(path)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"
    # without language_info the site build warns "No source code lexer found" for every cell
    assert nb.metadata.get("language_info", {}).get("name") == "python"
    for index, cell in enumerate(code_cells(nb)):
        assert cell.get("execution_count"), f"code cell {index} has not been executed"
        for output in cell.get("outputs", []):
            assert output.get("output_type") != "error", f"code cell {index} stores an error"
    title = nb.cells[0]
    assert title.cell_type == "markdown" and title.source.startswith("# "), "the title comes first"
    assert not re.match(r"# Chapter \d", title.source), "the table of contents numbers chapters"
    setup = code_cells(nb)[0]
    assert "hide-input" in setup.metadata.get("tags", []), "the website folds the set-up cell"


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_output_exclusions_say_why(path):
    for cell in code_cells(read(path)):
        lines = cell.source.split("\n")
        if lines[0].strip().startswith("# NBVAL_IGNORE_OUTPUT"):
            reason = lines[0].replace("# NBVAL_IGNORE_OUTPUT", "").strip(" :-")
            if not reason and len(lines) > 1 and lines[1].strip().startswith("#"):
                reason = lines[1].strip("# ")
            assert reason, f"an nbval exclusion without a reason:\n{cell.source}"
        assert "NBVAL_SKIP" not in cell.source, "never skip a cell; mask volatile output instead"


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_exercise_format(path):
    nb = read(path)
    found = questions(nb)
    assert len(found) >= 3, f"{path.name}: {len(found)} exercises, at least 3 expected"
    names = [q["config"].get("name") for q in found]
    assert len(set(names)) == len(names) and all(names), f"question names must be unique: {names}"
    for q in found:
        meta = q["config"]
        assert meta.get("kind") in ("implement", "compute", "experiment", "concept"), meta
        assert meta.get("setting") in ("homework", "in class"), meta
        assert isinstance(meta.get("objective"), str) and len(meta["objective"]) > 20, meta
        assert isinstance(meta.get("minutes"), int) and 5 <= meta["minutes"] <= 180, meta
        cells = [nb.cells[i] for i in q["cells"]]
        prompt = next((c for c in cells if c.cell_type == "markdown"), None)
        assert prompt is not None and "{exercise}" in prompt.source, f"{q['config']}: no exercise"
        label = re.search(r":label:\s*(\S+)", prompt.source)
        assert label, f"{q['config']['name']}: the exercise needs a :label:"
        markdown = "\n".join(c.source for c in cells if c.cell_type == "markdown")
        start = f"{{solution-start}} {label.group(1)}"
        assert start in markdown, f"{label.group(1)}: no solution"
        assert "{solution-end}" in markdown and ":class: dropdown" in markdown
        solution = "\n".join(c.source for c in cells if c.cell_type == "code")
        assert "# BEGIN SOLUTION" in solution or "# SOLUTION" in solution, f"{label.group(1)}"
        assert q["tests"], f"{label.group(1)}: no test cells"
        for i in q["tests"]:
            assert nb.cells[i].cell_type == "code"
            printed = [o for o in nb.cells[i].outputs
                       if o.output_type in ("stream", "execute_result")]
            assert not printed, f"{label.group(1)}: a test cell must print nothing (otter compares)"
    for cell in nb.cells:
        if raw_marker(cell):
            tags = cell.metadata.get("tags", [])
            assert "remove-cell" in tags, f"untagged raw cell: {cell.source}"
        if is_hidden_test(cell):  # the book's pages must not show what only the autograder sees
            assert "remove-cell" in cell.metadata.get("tags", []), (
                f"{path.name}: hidden test without the remove-cell tag: {cell.source[:80]!r}")
    configs = [c.source for c in nb.cells if raw_marker(c) == "ASSIGNMENT CONFIG"]
    assert len(configs) == 1, "exactly one # ASSIGNMENT CONFIG cell"
    assignment = yaml.safe_load(configs[0].split("\n", 1)[1])
    assert assignment.get("name") == path.stem, assignment
    # without it otter strips only cells inside raw SOLUTION blocks: stubs would keep solutions
    assert assignment.get("strip_solutions_from_all_cells") is True, assignment
