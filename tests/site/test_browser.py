"""Browser tests: headless Debian Chromium, driven by Playwright, against the built site.

Every page answers 200, logs no console error (beyond ALLOWED_CONSOLE_ERRORS), makes no request
to a host other than the local server (the visit fixture blocks and reports them), has its maths
typeset by the vendored MathJax, loads every image, and is screenshotted to _build/screenshots/.
Chapter pages carry the Colab link of _config.yml; the search page finds "convolution".
"""

from __future__ import annotations

import re

import pytest
from nbtools import CHAPTERS, ROOT, config, toc_files

SCREENSHOTS = ROOT / "_build" / "screenshots"

# Console errors we accept, each with the reason. Keep it short; prefer fixing the page.
ALLOWED_CONSOLE_ERRORS: dict[str, str] = {}

PAGES = [*toc_files(), "search", "genindex"]


def unexpected(errors: list[str]) -> list[str]:
    return [e for e in errors if not any(re.search(p, e) for p in ALLOWED_CONSOLE_ERRORS)]


@pytest.mark.parametrize("name", PAGES)
def test_page_renders(visit, server, site, name):
    page, response, errors = visit(f"{server}/{name}.html")
    try:
        status = response.status if response is not None else None
        assert status == 200, f"{name}: HTTP {status}"
        # Maths, typeset when the site was built: every formula drawn with MathJax's fonts.
        formulas = page.locator(".math").count()
        if formulas:
            typeset = page.locator(".math mjx-container").count()
            assert typeset >= formulas, f"{name}: {formulas - typeset} formulas not typeset"
            assert page.locator("mjx-merror").count() == 0, f"{name}: a formula failed to typeset"
        # Images: scroll through the page as a reader does, so lazy images load, then check
        # every one.
        page.evaluate("""async () => {
            const frame = () => new Promise(
                r => requestAnimationFrame(() => requestAnimationFrame(r)));
            for (let y = 0; y < document.documentElement.scrollHeight; y += innerHeight / 2) {
                scrollTo(0, y);
                await frame();
            }
        }""")
        page.wait_for_load_state("networkidle")
        page.wait_for_function("Array.from(document.images).every(i => i.complete)", timeout=20000)
        if formulas:  # the fonts load with the first formula shown (sections: near the screen)
            drawn = page.wait_for_function("""() => Array.from(document.fonts)
                .some(f => f.family.startsWith('MJX') && f.status === 'loaded')""", timeout=20000)
            assert drawn, f"{name}: the maths are not drawn with MathJax's fonts"
        broken = page.evaluate("""() => Array.from(document.images)
            .filter(img => !(img.complete && img.naturalWidth > 0 && img.naturalHeight > 0))
            .map(img => img.currentSrc || img.src)""")
        assert not broken, f"{name}: images that did not load: {broken}"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name.replace('/', '__')}.png"), full_page=True)
        assert not unexpected(errors), f"{name}: console errors: {unexpected(errors)}"
    finally:
        page.close()


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_chapter_has_colab_link(visit, server, path):
    repo = config()["repository"]
    org_repo = repo["url"].removeprefix("https://github.com/").strip("/")
    expected = (f"https://colab.research.google.com/github/{org_repo}/blob/{repo['branch']}"
                f"/colab/{path.name}")  # the Colab edition (scripts/colab_notebooks.py)
    page, _, _ = visit(f"{server}/chapters/{path.stem}.html")
    try:
        hrefs = page.eval_on_selector_all("a[href*='colab.research.google.com']",
                                          "links => links.map(a => a.href)")
        assert hrefs == [expected], f"Colab links on the page: {hrefs}"
        download = page.eval_on_selector_all("a[href$='.ipynb']", "links => links.map(a => a.href)")
        assert f"{server}/_notebooks/chapters/{path.name}" in download, download
        assert page.request.get(f"{server}/_notebooks/chapters/{path.name}").ok
    finally:
        page.close()


def test_search_finds_convolution(visit, server):
    page, _, errors = visit(f"{server}/search.html?q=convolution")
    try:
        page.wait_for_selector("#search-results ul.search li", timeout=20000)
        results = page.locator("#search-results ul.search li").count()
        assert results > 0, "searching for 'convolution' returned nothing"
        assert not unexpected(errors), errors
    finally:
        page.close()
