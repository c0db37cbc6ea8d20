"""Publish each chapter notebook for download without publishing page sources.

The book theme's download button points into ``_sources/``, which this book does not publish
(``html_copy_source = False``: sources would expose exercise tests). This extension copies every
notebook page into ``_notebooks/`` of the site and points the ".ipynb" download button there; the
"download source" entry, which would point into ``_sources/``, is dropped. The copies leave out
the hidden tests (code cells whose first line is ``# HIDDEN``), which are for the autograder.
"""

from __future__ import annotations

import json
from pathlib import Path

DOWNLOAD_DIR = "_notebooks"


def _fix_download_buttons(app, pagename, templatename, context, doctree):
    buttons = context.get("header_buttons")
    if not buttons:
        return
    source = Path(app.env.doc2path(pagename))
    is_notebook = source.suffix == ".ipynb"
    for group in buttons:
        if group.get("label") != "download-buttons":
            continue
        kept = [b for b in group["buttons"] if "_sources" not in str(b.get("url", ""))]
        if is_notebook:
            target = f"{DOWNLOAD_DIR}/{pagename}.ipynb"
            kept.insert(0, {
                "type": "link",
                "url": context["pathto"](target, 1),
                "text": ".ipynb",
                "icon": "fas fa-code",
                "tooltip": "Download this chapter as a notebook",
                "label": "download-notebook-button",
            })
        group["buttons"] = kept


def _copy_notebooks(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    for docname in app.env.found_docs:
        source = Path(app.env.doc2path(docname))
        if source.suffix == ".ipynb":
            target = Path(app.outdir) / DOWNLOAD_DIR / f"{docname}.ipynb"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(without_hidden_tests(source.read_text(encoding="utf-8")),
                              encoding="utf-8")


def without_hidden_tests(text: str) -> str:
    """The notebook JSON ``text`` without its hidden test cells (unchanged if it has none)."""
    nb = json.loads(text)
    cells = [c for c in nb.get("cells", []) if not _is_hidden(c)]
    if len(cells) == len(nb.get("cells", [])):
        return text
    nb["cells"] = cells
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def _is_hidden(cell: dict) -> bool:
    source = cell.get("source", "")
    source = "".join(source) if isinstance(source, list) else source
    first = source.lstrip().split("\n", 1)[0].strip().upper()
    return cell.get("cell_type") == "code" and first == "# HIDDEN"


def setup(app):
    # after sphinx-book-theme has added its buttons (priority 501)
    app.connect("html-page-context", _fix_download_buttons, priority=900)
    app.connect("build-finished", _copy_notebooks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
