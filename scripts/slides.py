"""Lecture slides from every chapter: reveal.js decks that run offline.

    python scripts/slides.py tag      # (re)write the slide metadata of chapters/*.ipynb
    python scripts/slides.py build    # write _build/html/slides/<chapter>.slides.html
    python scripts/slides.py check    # fail if a chapter's slide metadata is not current

**Which cells are slides.** The chapters carry Jupyter's standard ``slideshow`` cell metadata,
so a lecturer can also present straight from Jupyter (RISE, or "File > Save and Export as >
Reveal.js Slides") with the same choice of cells. ``tag`` sets it by one rule, kept here: the
title and every ``##`` section open a slide, ``###`` sections open a sub-slide, a paragraph of
key maths (a display equation) and every figure get a sub-slide of their own, a short code
cell (at most ``SHORT_CODE`` lines) that follows a heading comes along as a fragment, and the
rest — long code, the exercises, the set-up cells — stays in the notebook (``skip``). A cell
can keep a hand-made choice: put ``"slideshow": {"slide_type": ..., "manual": true}`` in its
metadata and ``tag`` leaves it alone.

**What a slide shows.** ``build`` converts the Colab edition of each chapter (``colab/``,
written by ``scripts/colab_notebooks.py``: plain Markdown, glued numbers filled in, no
solutions) so no MyST syntax reaches the deck. On a slide, headings, lists, display maths and
short sentences stay; long paragraphs move to the speaker notes (press ``s``). Figures show
without their code. reveal.js and MathJax are the copies vendored by ``scripts/setup.sh`` and
published with the site, so the decks need no network; every deck shows the helpers version
and commit it was built from, and links back to its chapter page.
"""

from __future__ import annotations

import copy
import re
import sys
from pathlib import Path

import nbformat
from nbconvert import SlidesExporter

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "book" / "_ext"))
from build_stamp import build_info  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "chapters"
EDITIONS = ROOT / "colab"
TEMPLATE = ROOT / "book" / "slides" / "book-deck"  # an nbconvert template folder
OUT = ROOT / "_build" / "html" / "slides"
SHORT_CODE = 6          # lines: a code cell this short may follow its heading onto a slide
SHORT_PARAGRAPH = 160   # characters: a paragraph this short stays on the slide
STOP_HEADINGS = ("## Exercises",)  # from here on nothing is a slide


def _has_figure(cell) -> bool:
    return any("image/png" in out.get("data", {}) or "image/svg+xml" in out.get("data", {})
               for out in cell.get("outputs", []))


def _slide_type(cell, previous) -> str:
    text = cell.source.lstrip()
    if cell.cell_type == "markdown":
        if text.startswith(("# ", "## ")):
            return "slide"
        if text.startswith("### "):
            return "subslide"
        if "$$" in text or "\\begin{" in text:
            return "subslide"
        return "skip"
    if cell.cell_type != "code" or "google.colab" in text:
        return "skip"
    if _has_figure(cell):
        return "subslide"
    after_heading = previous is not None and previous.cell_type == "markdown" and (
        previous.source.lstrip().startswith("#"))
    if after_heading and len(text.splitlines()) <= SHORT_CODE and "import " not in text:
        return "fragment"
    return "skip"


def tag(nb: nbformat.NotebookNode) -> int:
    """Set ``slideshow.slide_type`` on every cell of a chapter by the rule above; count slides."""
    stopped, previous, slides = False, None, 0
    for cell in nb.cells:
        meta = cell.metadata.get("slideshow", {})
        if meta.get("manual"):
            kind = meta["slide_type"]
        else:
            stopped = stopped or (cell.cell_type == "markdown"
                                  and cell.source.lstrip().startswith(STOP_HEADINGS))
            kind = "skip" if stopped or cell.cell_type == "raw" else _slide_type(cell, previous)
            cell.metadata["slideshow"] = {"slide_type": kind}
        slides += kind in ("slide", "subslide")
        previous = cell
    return slides


def _split_markdown(source: str) -> tuple[str, str]:
    """Split a Markdown cell into (what the slide shows, what goes to the speaker notes)."""
    blocks = re.split(r"\n\s*\n", source.strip())
    shown, notes = [], []
    for block in blocks:
        first = block.lstrip()
        keep = (first.startswith(("#", "-", "*", "1.", "$$", "|", "![", "<img"))
                or "\\begin{" in first or len(" ".join(block.split())) <= SHORT_PARAGRAPH)
        (shown if keep else notes).append(block)
    return "\n\n".join(shown), "\n\n".join(notes)


def deck_notebook(edition: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The cells of a deck: slide cells only, long prose to notes, figures without code."""
    nb = copy.deepcopy(edition)
    cells = []
    for cell in nb.cells:
        kind = cell.metadata.get("slideshow", {}).get("slide_type", "skip")
        if kind in ("skip", "notes") or cell.cell_type == "raw":
            continue
        if cell.cell_type == "markdown":
            shown, notes = _split_markdown(cell.source)
            cell.source = shown or "&nbsp;"
            cells.append(cell)
            if notes:
                note = nbformat.v4.new_markdown_cell(notes)
                note.metadata["slideshow"] = {"slide_type": "notes"}
                cells.append(note)
        else:
            if _has_figure(cell):
                cell.metadata["jupyter"] = {"source_hidden": True}
                cell.metadata.setdefault("tags", []).append("remove_input")
            cell.outputs = [out for out in cell.outputs if out.get("output_type") != "stream"
                            or len(out.get("text", "").splitlines()) <= 8]
            cells.append(cell)
    nb.cells = cells
    return nb


def _page_url(name: str) -> str:
    return f"../chapters/{name}.html"


def build(out: Path = OUT) -> list[Path]:
    """Write one deck per chapter into ``out``; return their paths."""
    stamp = build_info()["label"]
    exporter = SlidesExporter(extra_template_basedirs=[str(TEMPLATE.parent)],
                              template_name=TEMPLATE.name, exclude_input_prompt=True,
                              exclude_output_prompt=True, reveal_url_prefix="../reveal.js",
                              reveal_theme="white")
    exporter.register_preprocessor("nbconvert.preprocessors.TagRemovePreprocessor", enabled=True)
    exporter.config.TagRemovePreprocessor.remove_input_tags = {"remove_input"}
    exporter.config.TagRemovePreprocessor.enabled = True
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in sorted(CHAPTERS.glob("*.ipynb")):
        edition = EDITIONS / path.name
        source = edition if edition.exists() else path
        nb = deck_notebook(nbformat.read(source, as_version=4))
        resources = {"metadata": {"name": path.stem},
                     "book": {"stamp": f"Built from {stamp}", "chapter_url": _page_url(path.stem)}}
        body, _ = exporter.from_notebook_node(nb, resources=resources)
        target = out / f"{path.stem}.slides.html"
        target.write_text(body)
        written.append(target)
        print(f"slides: {target.relative_to(ROOT)} ({body.count('<section')} sections)")
    return written


def stale() -> list[str]:
    """Chapters whose slide metadata differs from what ``tag`` would write."""
    names = []
    for path in sorted(CHAPTERS.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        before = [c.metadata.get("slideshow") for c in nb.cells]
        tag(nb)
        if before != [c.metadata.get("slideshow") for c in nb.cells]:
            names.append(path.name)
    return names


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "build"
    if command == "tag":
        for path in sorted(CHAPTERS.glob("*.ipynb")):
            nb = nbformat.read(path, as_version=4)
            count = tag(nb)
            nbformat.write(nb, path)
            print(f"slides: {path.name}: {count} slides and sub-slides")
        return 0
    if command == "check":
        names = stale()
        for name in names:
            print(f"slides: {name}: slide metadata is stale; run `python scripts/slides.py tag`")
        return 1 if names else 0
    if command == "build":
        build()
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
