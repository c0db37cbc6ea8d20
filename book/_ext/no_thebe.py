"""Drop sphinx-thebe's scripts from every page.

Jupyter Book 1 always loads sphinx-thebe, which adds its configuration script (``const
THEBE_JS_URL = ...``) twice to every page: the second copy is a JavaScript error in the browser
console. This book launches notebooks in Colab and does not use thebe, so its scripts and style
sheet are removed from each page's context.
"""

from __future__ import annotations


def _is_thebe(asset) -> bool:
    text = f"{getattr(asset, 'filename', asset)} {getattr(asset, 'attributes', {}).get('body', '')}"
    return "thebe" in text.lower()


def _drop_thebe(app, pagename, templatename, context, doctree):
    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [asset for asset in context[key] if not _is_thebe(asset)]


def setup(app):
    app.connect("html-page-context", _drop_thebe, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
