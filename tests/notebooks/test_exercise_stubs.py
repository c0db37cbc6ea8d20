"""Every exercise's tests must fail on the student stub: the check is not vacuous.

Each chapter is turned into what a student receives (the lines between ``# BEGIN SOLUTION`` and
``# END SOLUTION`` replaced by ``...``, as otter-grader does) and executed for real in a fresh
kernel with errors allowed. Every test cell of every question must then raise.
"""

from __future__ import annotations

import copy
import os

import nbclient
import pytest
from nbtools import CHAPTERS, ROOT, questions, read, stub_source

pytestmark = pytest.mark.skipif(not CHAPTERS, reason="no chapter notebooks yet")


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_every_exercise_test_fails_on_the_stub(path):
    nb = read(path)
    found = questions(nb)
    stub = copy.deepcopy(nb)
    for q in found:
        for i in q["cells"]:
            if stub.cells[i].cell_type == "code":
                stub.cells[i].source = stub_source(stub.cells[i].source)
    assert stub != nb, "no solution markers found"
    os.environ.setdefault("CNN_BOOK_OFFLINE", "1")  # the kernel inherits it: no network
    client = nbclient.NotebookClient(stub, timeout=600, kernel_name="python3", allow_errors=True,
                                     resources={"metadata": {"path": str(ROOT / "chapters")}})
    client.execute()
    for q in found:
        for i in q["tests"]:
            errors = [o for o in stub.cells[i].outputs if o.output_type == "error"]
            assert errors, (f"{path.name}, question {q['config'].get('name')}: this test passes "
                            f"on the stub, so it checks nothing:\n{nb.cells[i].source}")
