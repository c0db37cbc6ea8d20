"""The strict site build: zero warnings, every page written, no page sources published."""

from __future__ import annotations

import html
import json
import re
import sys

from nbtools import CHAPTERS, ROOT, config, hidden_test_lines, read, sphinx_problems, toc_files


def test_strict_build_has_zero_warnings(site_build):
    returncode, log = site_build
    problems = sphinx_problems(log)
    assert returncode == 0 and not problems, "\n".join(problems) or log[-3000:]


def test_every_toc_page_is_built(site):
    for name in toc_files():
        assert (site / f"{name}.html").is_file(), name
    assert (site / "index.html").is_file() and (site / "search.html").is_file()


def test_page_sources_and_hidden_tests_are_not_published(site):
    assert not (site / "_sources").exists(), "_sources/ would publish exercise tests"
    for page in site.rglob("*.html"):
        assert "_sources/" not in page.read_text(errors="ignore"), f"{page} links into _sources/"


def test_chapter_notebooks_are_downloadable_without_hidden_tests(site):
    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    from notebook_downloads import without_hidden_tests

    for path in CHAPTERS:
        copy = site / "_notebooks" / "chapters" / path.name
        assert copy.is_file(), copy
        text = copy.read_text(encoding="utf-8")
        assert text == without_hidden_tests(path.read_text(encoding="utf-8")), copy
        assert len(json.loads(text)["cells"]) > 10, copy
        page = (site / "chapters" / f"{path.stem}.html").read_text()
        pages = text + html.unescape(re.sub(r"<[^>]+>", "", page))
        leaked = [line for line in hidden_test_lines(read(path)) if line in pages]
        assert not leaked, f"{path.stem}: hidden tests on the site: {leaked[:3]}"
        page = (site / "chapters" / f"{path.stem}.html").read_text()
        assert f"../_notebooks/chapters/{path.name}" in page, "no download-notebook button"


def test_mathjax_is_vendored_not_fetched(site):
    assert (site / "mathjax" / "tex-mml-chtml.js").is_file()
    assert (site / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2").is_dir()
    for page in site.rglob("*.html"):
        text = page.read_text(errors="ignore")
        assert "cdn.jsdelivr.net" not in text and "mathjax@3" not in text, page


def test_colab_button_opens_the_colab_edition(site):
    """Each chapter's rocket button opens colab/<chapter>.ipynb of this repository's branch
    (scripts/colab_notebooks.py writes it), not the MyST source in chapters/."""
    repo = config()["repository"]
    org_repo = repo["url"].removeprefix("https://github.com/").strip("/")
    for path in CHAPTERS:
        page = (site / "chapters" / f"{path.stem}.html").read_text()
        links = set(re.findall(r'href="(https://colab\.research\.google\.com/[^"]+)"', page))
        expected = (f"https://colab.research.google.com/github/{org_repo}/blob/"
                    f"{repo['branch']}/colab/{path.name}")
        assert links == {expected}, f"{path.stem}: Colab links {links}, expected {expected}"
        assert (ROOT / "colab" / path.name).is_file(), f"colab/{path.name} is not committed"


def test_colab_editions_link_to_pages_and_anchors_that_exist(site):
    """Every link from a Colab edition into the website (citations, exercises' solutions,
    other pages) resolves in the built site: the page exists and has the anchor."""
    base = config()["html"]["baseurl"].rstrip("/") + "/"
    ids: dict[str, set[str]] = {}
    for colab in sorted((ROOT / "colab").glob("*.ipynb")):
        text = "\n".join(c.source for c in read(colab).cells if c.cell_type == "markdown")
        urls = re.findall(re.escape(base) + r"[^)\s]*", text)
        assert urls, f"{colab.name}: no link to the website at all"
        for url in urls:
            page, _, anchor = url.removeprefix(base).partition("#")
            built = site / (page or "index.html")
            assert built.is_file(), f"{colab.name}: {url} is not a page of the site"
            if anchor:
                if page not in ids:
                    ids[page] = set(re.findall(r'id="([^"]+)"', built.read_text()))
                assert anchor in ids[page], f"{colab.name}: {url}: no such anchor on the page"
