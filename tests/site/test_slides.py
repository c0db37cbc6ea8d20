"""Lecture slides: one reveal.js deck per chapter, built from the chapters' slide metadata.

The decks are written into the built site (``scripts/slides.py build``) and opened in headless
Debian Chromium: each loads with nothing but the local server, has its slides, typesets its
maths with the vendored MathJax, moves with the arrow keys, and is screenshotted to
``_build/screenshots/slides/``. Chapter pages link to their deck and to the book's PDF.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import slides
from nbtools import CHAPTERS, ROOT

SHOTS = ROOT / "_build" / "screenshots" / "slides"
NAMES = [Path(p).stem for p in CHAPTERS]


def test_slide_metadata_is_current():
    stale = slides.stale()
    assert stale == [], f"slide metadata is stale in {stale}: run `python scripts/slides.py tag`"


def test_every_chapter_has_a_lecture_worth_of_slides():
    import nbformat

    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        kinds = [c.metadata.get("slideshow", {}).get("slide_type") for c in nb.cells]
        shown = sum(k in ("slide", "subslide") for k in kinds)
        assert 8 <= shown <= 60, f"{path.name}: {shown} slides"
        assert kinds.count("skip") > len(kinds) / 4, f"{path.name}: nearly every cell is a slide"


@pytest.fixture(scope="module")
def decks(site):
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "slides.py"), "build"],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"slides.py build failed:\n{result.stderr[-3000:]}"
    return site / "slides"


@pytest.mark.parametrize("name", NAMES)
def test_deck_works_offline(browser, server, decks, name):
    assert (decks / f"{name}.slides.html").exists(), f"no deck for {name}"
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    errors, outside = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
    page.on("request", lambda r: outside.append(r.url)
            if not r.url.startswith((server, "data:", "blob:")) else None)
    try:
        page.goto(f"{server}/slides/{name}.slides.html", wait_until="load")
        page.wait_for_function("window.Reveal && Reveal.isReady()", timeout=20000)
        total = page.evaluate("Reveal.getTotalSlides()")
        assert total >= 8, f"{name}: only {total} slides"
        page.wait_for_function("window.MathJax && MathJax.startup && MathJax.startup.promise",
                               timeout=20000)
        page.evaluate("MathJax.startup.promise")
        html = (decks / f"{name}.slides.html").read_text()
        if re.search(r"\$[^$\n]+\$", html):
            assert page.locator("mjx-container").count() > 0, f"{name}: maths not typeset"
        assert page.locator("mjx-merror").count() == 0, f"{name}: a formula failed to typeset"
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}-1.png"))
        first = page.evaluate("Reveal.getIndices().h")
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(400)
        assert page.evaluate("Reveal.getIndices().h") == first + 1, "ArrowRight did not advance"
        page.screenshot(path=str(SHOTS / f"{name}-2.png"))
        page.keyboard.press("ArrowLeft")
        page.wait_for_timeout(400)
        assert page.evaluate("Reveal.getIndices().h") == first, "ArrowLeft did not go back"
        stamp = page.locator(".book-stamp").inner_text()
        assert "helpers" in stamp and "commit" in stamp, f"{name}: no build stamp on the deck"
        assert not outside, f"{name}: requests to other hosts: {outside}"
        assert not errors, f"{name}: console errors: {errors}"
    finally:
        page.close()


@pytest.mark.parametrize("name", NAMES)
def test_chapter_page_links_its_deck_and_the_pdf(site, name):
    html = (site / "chapters" / f"{name}.html").read_text()
    assert f"../slides/{name}.slides.html" in html, f"{name}: no link to its slides"
    assert "../book.pdf" in html, f"{name}: no link to the book's PDF"
