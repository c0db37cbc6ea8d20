"""The strict site build: zero warnings, every page written, no page sources published."""

from __future__ import annotations

from nbtools import CHAPTERS, config, sphinx_problems, toc_files


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


def test_chapter_notebooks_are_downloadable(site):
    for path in CHAPTERS:
        copy = site / "_notebooks" / "chapters" / path.name
        assert copy.is_file() and copy.read_bytes() == path.read_bytes(), copy
        page = (site / "chapters" / f"{path.stem}.html").read_text()
        assert f"../_notebooks/chapters/{path.name}" in page, "no download-notebook button"


def test_mathjax_is_vendored_not_fetched(site):
    assert (site / "mathjax" / "tex-mml-chtml.js").is_file()
    assert (site / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2").is_dir()
    for page in site.rglob("*.html"):
        text = page.read_text(errors="ignore")
        assert "cdn.jsdelivr.net" not in text and "mathjax@3" not in text, page


def test_colab_link_points_at_this_repository(site):
    repo = config()["repository"]
    org_repo = repo["url"].removeprefix("https://github.com/").strip("/")
    for path in CHAPTERS:
        page = (site / "chapters" / f"{path.stem}.html").read_text()
        expected = (f"https://colab.research.google.com/github/{org_repo}/blob/"
                    f"{repo['branch']}/chapters/{path.name}")
        assert expected in page, f"{path.stem}: no Colab link {expected}"
