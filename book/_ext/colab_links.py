"""Point each chapter's Colab launch button at the chapter's Colab edition in ``colab/``.

sphinx-book-theme builds the Colab link from ``repository.url``, ``repository.branch`` and the
page's own path, so it would open ``chapters/NN_topic.ipynb``: MyST that Colab shows raw, with
the solutions in plain view. ``scripts/colab_notebooks.py`` writes a Colab edition of every
chapter to ``colab/NN_topic.ipynb`` (committed, so the link works on GitHub without a deploy);
this extension rewrites the button to open that file. A chapter without its Colab edition is a
build warning (the strict build fails), never a dead button.
"""

from __future__ import annotations

from pathlib import Path

from sphinx.util import logging

COLAB_DIR = "colab"
logger = logging.getLogger(__name__)


def _point_at_colab_edition(app, pagename, templatename, context, doctree):
    source = Path(app.env.doc2path(pagename))
    if source.suffix != ".ipynb" or not pagename.startswith("chapters/"):
        return
    edition = Path(COLAB_DIR) / f"{Path(pagename).name}.ipynb"
    if not (Path(app.srcdir) / edition).is_file():
        logger.warning(f"{pagename}: no Colab edition {edition} "
                       "(run `python scripts/colab_notebooks.py`)", location=pagename)
        return
    for group in context.get("header_buttons") or []:
        if group.get("label") != "launch-buttons":
            continue
        for button in group.get("buttons", []):
            url = str(button.get("url", ""))
            if button.get("text") == "Colab" and "/blob/" in url:
                branch_url = url.split("/blob/", 1)
                branch = branch_url[1].split("/", 1)[0]
                button["url"] = f"{branch_url[0]}/blob/{branch}/{edition.as_posix()}"


def setup(app):
    # after sphinx-book-theme has added its launch buttons (priority 501)
    app.connect("html-page-context", _point_at_colab_edition, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
