"""The ``exercise-table`` directive: every exercise of the book in one table, read from the
chapter notebooks at build time (so the instructors' page can never fall out of date).

Each otter question's ``# BEGIN QUESTION`` cell carries, besides otter's ``name`` and
``points``, the keys ``kind`` (implement / compute / experiment / concept), ``objective``
(what the student learns), ``minutes`` (an estimate of the time it takes) and ``setting``
(homework / in class).
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from docutils import nodes
from sphinx.util.docutils import SphinxDirective

COLUMNS = ["Exercise", "Kind", "Learning objective", "Min.", "Points", "Setting"]
WIDTHS = [24, 10, 46, 6, 6, 10]


def read_exercises(chapters: Path) -> list[dict]:
    """One dict per question, in book order, from the notebooks' otter and exercise cells."""
    found = []
    for path in sorted(chapters.glob("[0-9][0-9]_*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        config, number = None, 0
        for cell in cells:
            source = "".join(cell["source"])
            if cell["cell_type"] == "raw" and source.startswith("# BEGIN QUESTION"):
                config = yaml.safe_load(source.split("\n", 1)[1]) or {}
            elif config is not None and source.lstrip().startswith(":::{exercise}"):
                number += 1
                title = source.lstrip().split("\n", 1)[0].replace(":::{exercise}", "").strip()
                found.append({**config, "chapter": int(path.stem[:2]), "number": number,
                              "title": title, "page": path.stem})
                config = None
    return found


class ExerciseTable(SphinxDirective):
    has_content = False

    def run(self):
        chapters = Path(self.env.srcdir) / "chapters"
        rows = read_exercises(chapters)
        for row in rows:
            self.env.note_dependency(str(chapters / f"{row['page']}.ipynb"))
        table = nodes.table(classes=["exercise-table"])
        group = nodes.tgroup(cols=len(COLUMNS))
        table += group
        group.extend(nodes.colspec(colwidth=w) for w in WIDTHS)
        head, body = nodes.thead(), nodes.tbody()
        group += head
        group += body
        head += self._row(COLUMNS)
        for r in rows:
            title = r["title"].replace("$", "").replace("\\mathbf ", "")
            label = f"{r['chapter']}.{r['number']} {title}"
            body += self._row([label, r.get("kind", "?"),
                               r.get("objective", "?"), str(r.get("minutes", "?")),
                               str(r.get("points", 1)), r.get("setting", "?")])
        total = sum(int(r.get("minutes", 0)) for r in rows)
        chapters_used = len({r["chapter"] for r in rows})
        summary = nodes.paragraph(text=f"{len(rows)} exercises in {chapters_used} chapters; "
                                       f"about {total / 60:.0f} hours in all.")
        return [summary, table]

    @staticmethod
    def _row(cells: list[str]) -> nodes.row:
        row = nodes.row()
        for text in cells:
            entry = nodes.entry()
            entry += nodes.paragraph(text=text)
            row += entry
        return row


def setup(app):
    app.add_directive("exercise-table", ExerciseTable)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
