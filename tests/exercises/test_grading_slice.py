"""The slice of a chapter that grading runs (``nbtools.graded_cells``), on a small notebook."""

from __future__ import annotations

import nbformat
from nbtools import cell_names, graded_cells

CELLS = [
    ("code", "import google.colab  # set-up"),                         # 0 the set-up
    ("code", "import numpy as np\nimport otter\ngrader = otter.Notebook()"),  # 1 otter's start
    ("code", "rng = np.random.default_rng(0)\ndata = rng.normal(size=5)"),    # 2 needed (test)
    ("code", "demo = np.linalg.svd(rng.normal(size=(500, 500)))"),     # 3 a demonstration
    ("code", "def scale(x):\n    return 2 * x"),                         # 4 needed (answer)
    ("code", "import matplotlib.pyplot as plt\nplt.plot(demo[1])"),     # 5 a figure
    ("raw", "# BEGIN QUESTION\nname: q1"),
    ("code", "def answer(x):\n    return scale(x) + 1"),                 # 7 the answer
    ("raw", "# BEGIN TESTS"),
    ("code", "def test_q1(answer, data):\n    assert answer(data)[0] == 2 * data[0] + 1\n\n"
             "test_q1(answer, data)"),                                  # 9 its test
    ("raw", "# END TESTS"),
    ("raw", "# END QUESTION"),
    ("code", "summary = demo[1].sum()"),                                # 12 after the question
]


def notebook() -> nbformat.NotebookNode:
    make = {"code": nbformat.v4.new_code_cell, "raw": nbformat.v4.new_raw_cell}
    return nbformat.v4.new_notebook(cells=[make[kind](source) for kind, source in CELLS])


def test_grading_keeps_the_answers_and_what_they_read_and_skips_the_demonstrations():
    kept = graded_cells(notebook())
    assert {0, 1, 7, 9} <= kept, "the set-up, otter's start, the answer and its test"
    assert {2, 4} <= kept, "the data the test receives and the function the answer calls"
    assert not kept & {3, 5, 12}, f"demonstrations and figures are skipped: {sorted(kept)}"


def test_cells_that_only_import_or_define_functions_always_run():
    nb = notebook()
    nb.cells.append(nbformat.v4.new_code_cell("from scipy import signal\n\n\ndef unused(x):\n"
                                              "    return signal.correlate(x, x)"))
    nb.cells.append(nbformat.v4.new_code_cell("import scipy\nspectrum = scipy.fft.fft(demo[1])"))
    kept = graded_cells(nb)
    assert len(nb.cells) - 2 in kept, "an answer may lean on a function the chapter defines"
    assert len(nb.cells) - 1 not in kept, "a cell that also computes something is not free"


def test_a_name_defined_again_is_taken_from_its_last_definition_before_the_reader():
    nb = notebook()
    nb.cells.insert(3, nbformat.v4.new_code_cell("data = np.zeros(5)"))  # defines data again
    kept = graded_cells(nb)
    assert 3 in kept, "the definition the test sees"
    assert 2 not in kept, "the earlier definition is overwritten before the test reads it"


def test_cell_names_reads_globals_and_ignores_magics_and_locals():
    defined, used = cell_names("%matplotlib inline\nimport numpy as np\n"
                               "def f(x):\n    y = x + offset\n    return np.sqrt(y)\n"
                               "total = f(data)")
    assert defined == {"np", "f", "total"}
    assert used == {"offset", "data"}, used
