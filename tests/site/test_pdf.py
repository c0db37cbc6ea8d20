"""The book as a PDF, built for real with XeLaTeX (scripts/book_pdf.py) and read back with poppler.

The README's test command installs TeX first (``scripts/setup.sh --tests`` or ``--pdf``); here a
missing TeX is a failure, never a skip.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import nbformat
import pytest
from nbtools import ROOT

PDF = ROOT / "_build" / "pdf" / "book.pdf"
TEX = ROOT / "_build" / "pdf-src" / "_build" / "latex" / "book.tex"
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))


def _run(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def pdf_text():
    for tool in ("xelatex", "latexmk", "pdftotext", "pdfinfo", "pdfimages"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing: run `bash scripts/setup.sh --pdf`")
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "book_pdf.py")], cwd=ROOT,
                            capture_output=True, text=True, timeout=1200)
    assert result.returncode == 0 and PDF.exists(), (
        f"the PDF build failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return _run("pdftotext", "-layout", str(PDF), "-")


def _titles() -> list[str]:
    titles = []
    for path in CHAPTERS:
        nb = nbformat.read(path, as_version=4)
        first = next(c for c in nb.cells if c.cell_type == "markdown")
        titles.append(first.source.splitlines()[0].lstrip("# ").strip())
    return titles


def test_page_count_is_sane(pdf_text):
    pages = int(re.search(r"Pages:\s+(\d+)", _run("pdfinfo", str(PDF))).group(1))
    assert 20 * len(CHAPTERS) <= pages <= 80 * len(CHAPTERS), f"{pages} pages"


def test_chapters_are_numbered_as_on_the_site(pdf_text):
    lines = [" ".join(line.split()) for line in pdf_text.splitlines()]
    for number, title in enumerate(_titles(), start=1):
        start = f"{number} {title[:30]}"
        assert any(line.startswith(start) for line in lines), (
            f"chapter {number} '{title}' is not in the PDF's contents as '{start}...'")
    assert any(line.startswith("A Notation") for line in lines), "Notation is not appendix A"


def test_maths_is_typeset_not_raw(pdf_text):
    """Outside code listings the LaTeX holds no escaped dollar or backslash-paren (raw maths)."""
    tex = TEX.read_text()
    prose = re.sub(r"\\begin\{sphinxVerbatim\}.*?\\end\{sphinxVerbatim\}", "", tex, flags=re.S)
    for raw in (r"\$", r"\textbackslash{}(", r"\textbackslash{}[", r"\textbackslash{}frac"):
        assert raw not in prose, f"raw maths `{raw}` in the prose of the LaTeX book"
    for raw in ("\\(", "\\[", "\\frac", "{cite}", "{glue"):
        assert raw not in pdf_text, f"`{raw}` is printed in the PDF"
    assert "∑" in pdf_text or "Σ" in pdf_text, "no typeset sum sign: is the maths there?"


def test_every_chapter_figure_is_embedded(pdf_text):
    """Each figure of a chapter reaches the PDF: SVG ones as vector PDF, PNG ones as images."""
    svg = png = 0
    for path in CHAPTERS:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            for out in cell.get("outputs", []):
                data = out.get("data", {})
                svg += "image/svg+xml" in data
                png += "image/png" in data and "image/svg+xml" not in data
    assert svg + png > 20, f"the chapters hold only {svg + png} figures"
    converted = list(TEX.parent.glob("*.pdf"))  # rsvg-convert's output, one per SVG figure
    assert len(converted) - 1 >= 0.9 * svg, f"{len(converted) - 1} converted SVGs for {svg}"
    listed = _run("pdfimages", "-list", str(PDF)).splitlines()[2:]
    images = [line for line in listed if line.split()[2] == "image"]
    assert len(images) >= 0.9 * png, f"{len(images)} images in the PDF, {png} PNG figures"
    if images:
        widths = [int(line.split()[3]) for line in images]
        assert max(widths) >= 300, f"the widest embedded image is only {max(widths)} px"
    captions = set(re.findall(r"Fig\. ?(\d+\.\d+)", pdf_text))
    assert len(captions) >= 0.9 * (svg + png), f"{len(captions)} numbered figure captions"


def test_the_pdf_says_what_it_was_built_from(pdf_text):
    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    from build_stamp import build_info

    assert build_info()["label"] in " ".join(pdf_text.split()), "no version/commit on the PDF"


def test_solutions_are_left_out(pdf_text):
    assert "BEGIN SOLUTION" not in pdf_text and "Solution to" not in pdf_text
