"""Stamp every output with what it was built from, and link each chapter to its slides and the PDF.

The site's footer, the PDF's title page (Sphinx's ``release``) and every slide deck show the
helpers version and the git commit, so a reader can tell which version of the book they hold.
The header's download menu of every page gets the book's PDF, and of every chapter its slides
(``slides/<chapter>.slides.html``, written by ``scripts/slides.py``).

``build_info()`` is the one home of the version label; ``scripts/`` import it from here.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

PDF_NAME = "book.pdf"
SLIDES_DIR = "slides"


def _repo_root(start: Path) -> Path:
    """The first folder at or above ``start`` that holds ``src/helpers/__init__.py``."""
    for folder in (start, *start.parents):
        if (folder / "src" / "helpers" / "__init__.py").exists():
            return folder
    raise RuntimeError(f"no src/helpers/__init__.py at or above {start}")


def build_info(start: Path | None = None) -> dict[str, str]:
    """The helpers version and the short commit of the checkout.

    Returns ``{"version": "0.1.0", "commit": "abc1234567", "label": "helpers 0.1.0, commit
    abc1234567"}``. The commit comes from ``GITHUB_SHA`` in GitHub Actions, else from git; it
    is "unknown" outside a git checkout.
    """
    root = _repo_root(Path(start or __file__).resolve())
    text = (root / "src" / "helpers" / "__init__.py").read_text()
    match = re.search(r'^__version__ = "([^"]+)"', text, flags=re.MULTILINE)
    if match is None:
        raise RuntimeError("src/helpers/__init__.py has no __version__ line")
    version = match.group(1)
    sha = os.environ.get("GITHUB_SHA", "")
    if not sha:
        try:
            sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                                 text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            sha = "unknown"
    commit = sha[:10]
    return {"version": version, "commit": commit, "label": f"helpers {version}, commit {commit}"}


def _stamp(app, config):
    info = build_info(Path(app.srcdir))
    config.version = info["version"]
    config.release = info["label"]
    options = dict(config.html_theme_options or {})
    footer = options.get("extra_footer", "")
    options["extra_footer"] = f"{footer} Built from {info['label']}.".strip()
    config.html_theme_options = options


def _links(app, pagename, templatename, context, doctree):
    buttons = context.get("header_buttons")
    if not buttons:
        return
    source = Path(app.env.doc2path(pagename))
    for group in buttons:
        if group.get("label") != "download-buttons":
            continue
        if source.suffix == ".ipynb" and pagename.startswith("chapters/"):
            group["buttons"].append({
                "type": "link",
                "url": context["pathto"](f"{SLIDES_DIR}/{Path(pagename).name}.slides.html", 1),
                "text": "Slides",
                "icon": "fas fa-chalkboard",
                "tooltip": "Lecture slides of this chapter",
                "label": "slides-button",
            })
        group["buttons"].append({
            "type": "link",
            "url": context["pathto"](PDF_NAME, 1),
            "text": "Book PDF",
            "icon": "fas fa-file-pdf",
            "tooltip": "The whole book as a PDF",
            "label": "book-pdf-button",
        })


def setup(app):
    app.connect("config-inited", _stamp)
    app.connect("html-page-context", _links, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
