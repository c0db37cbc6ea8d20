"""Write the whole book as one PDF through Jupyter Book's LaTeX builder.

    python scripts/book_pdf.py            # -> _build/pdf/book.pdf (and _build/html/book.pdf
                                          #    when a site has been built)

Called by ``scripts/build-pdf.sh``, which first checks for the TeX packages. The book is copied
into ``_build/pdf-src/`` with every exercise solution removed (the PDF is the student's offline
copy: exercises are printed, their solutions live on the website and in the instructors'
notebooks). The chapters are not executed again: the PDF shows the committed outputs, which
nbval re-computes and compares in the test run. ``xelatex`` typesets the book because the prose
uses Unicode (×, θ, ≤, …) that pdflatex cannot set without extra packages.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "book" / "_ext"))
from build_stamp import build_info  # noqa: E402
from student_site import strip_solutions  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "_build" / "pdf-src"
TARGET = ROOT / "_build" / "pdf"
PDF_NAME = "book.pdf"


def prepare() -> None:
    """Copy the book into SOURCE: no solutions, execution off, xelatex, the build's version."""
    shutil.rmtree(SOURCE, ignore_errors=True)
    SOURCE.mkdir(parents=True)
    for name in ("_toc.yml", "book", "_static"):
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, SOURCE / name)
        elif src.exists():
            shutil.copy(src, SOURCE / name)
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config["execute"]["execute_notebooks"] = "off"
    # xelatex for Unicode prose; plain Sphinx LaTeX, because sphinx-jupyterbook-latex's class
    # needs bbm.sty (texlive-fonts-extra, about 1 GB); no index (the book has none).
    config["latex"].update({"latex_engine": "xelatex", "use_jupyterbook_latex": False})
    # the chapters' figures are SVG: rsvg-convert turns them into PDF, so they stay vectors
    config["sphinx"].setdefault("extra_extensions", []).append("sphinxcontrib.rsvgconverter")
    sphinx_config = config["sphinx"]["config"]
    # myst-nb's LaTeX output ignores SVG by default (its priority list has no entry for it)
    sphinx_config["nb_mime_priority_overrides"] = [["latex", "image/svg+xml", 15]]
    sphinx_config.update({"latex_use_xindy": False,
                          "latex_elements": {"printindex": "", "papersize": "a4paper"}})
    config = yaml.safe_dump(config, sort_keys=False)
    (SOURCE / "_config.yml").write_text(config)
    (SOURCE / "chapters").mkdir()
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        strip_solutions(nb)
        nbformat.write(nb, SOURCE / "chapters" / path.name)


def chapter_titles() -> list[str]:
    """The titles of the numbered chapters, in the order of the table of contents."""
    titles = []
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        first = next(c for c in nb.cells if c.cell_type == "markdown")
        titles.append(first.source.splitlines()[0].lstrip("# ").strip())
    return titles


def _plain(text: str) -> str:
    """Letters and digits only, LaTeX commands dropped (to match titles across escaping)."""
    return re.sub(r"\\[A-Za-z]+(\{\})?|[^A-Za-z0-9]", "", text)


def number_like_the_site(tex: str, titles: list[str]) -> str:
    """Number the chapters 1, 2, ... as the site does; front matter unnumbered; appendices.

    Sphinx makes every top-level page a numbered LaTeX chapter, so the front pages (intro, how
    to use, for instructors) would take numbers 1-6 and push the chapters to 7-13. The front
    pages become unnumbered chapters (still in the table of contents) and the reference pages
    after the last chapter become appendices.
    """
    heads = list(re.finditer(r"\\chapter\{((?:[^{}]|\{\})*)\}", tex))
    plain = [_plain(h.group(1)) for h in heads]
    wanted = [_plain(t) for t in titles]
    missing = [t for t, w in zip(titles, wanted, strict=True) if w not in plain]
    if missing:
        raise RuntimeError(f"chapters missing from the LaTeX book: {missing}")
    first, last = plain.index(wanted[0]), plain.index(wanted[-1])
    front = tex[:heads[first].start()]
    front = re.sub(r"\\((?:sub)*section)\{", r"\\\1*{", front)
    front = re.sub(r"\\chapter\{((?:[^{}]|\{\})*)\}",
                   r"\\chapter*{\1}\\addcontentsline{toc}{chapter}{\1}", front)
    body = tex[heads[first].start():]
    if last + 1 < len(heads):
        cut = heads[last + 1].start() - heads[first].start()
        body = body[:cut] + "\\appendix\n" + body[cut:]
    return (front + body).replace("\\renewcommand{\\releasename}{Release}",
                                  "\\renewcommand{\\releasename}{Built from}")


def main(argv: list[str]) -> int:
    prepare()
    info = build_info()
    print(f"pdf: writing the book ({info['label']})", flush=True)
    jb = Path(sys.executable).with_name("jupyter-book")
    result = subprocess.run(
        [str(jb), "build", str(SOURCE), "--builder", "latex", "--all", *argv], cwd=ROOT,
    )
    latex = SOURCE / "_build" / "latex"
    tex = latex / PDF_NAME.replace(".pdf", ".tex")
    if result.returncode != 0 or not tex.exists():
        print(f"pdf: the LaTeX build failed (see {latex})", file=sys.stderr)
        return result.returncode or 1
    tex.write_text(number_like_the_site(tex.read_text(), chapter_titles()))
    result = subprocess.run(
        ["make", "-C", str(latex), "all-pdf", "LATEXMKOPTS=-interaction=nonstopmode"],
        stdout=subprocess.DEVNULL,
    )
    built = latex / PDF_NAME
    if result.returncode != 0 or not built.exists():
        print(f"pdf: xelatex failed (see {latex / 'book.log'})", file=sys.stderr)
        return result.returncode or 1
    TARGET.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(built, TARGET / PDF_NAME)
    site = ROOT / "_build" / "html"
    if (site / "index.html").exists():
        shutil.copyfile(built, site / PDF_NAME)
    print(f"The PDF is {(TARGET / PDF_NAME).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
