"""Maths typeset when the site is built: pages carry rendered formulas and load no MathJax.

MathJax typesetting in the reader's browser took one to two seconds of a phone's main thread on
a chapter page, and the page moved when the typeset maths replaced the TeX source. Instead, once
Sphinx has written the site, every ``\\(...\\)`` and ``\\[...\\]`` inside a ``math`` element
(Sphinx's formulas, and notebook outputs of ``text/latex``) is typeset by MathJax 3 running in
node (``typeset_math.cjs``, with the ``mathjax-full`` package that ``scripts/setup.sh`` vendors
into ``_vendor/mathjax-full/`` at the version of the browser copy in ``_vendor/mathjax/``):

* CHTML output, which draws with MathJax's web fonts and one style sheet for the whole book,
  ``_static/maths.css``, linked from the pages that have maths; the fonts are the vendored
  ``woff-v2`` files cut to the characters the book draws (fontTools, ``_static/maths-fonts/``:
  about a third of their bytes, which a phone fetched before it could show the first formula);
* each formula keeps MathJax's assistive MathML (``<mjx-assistive-mml>``), which screen readers
  read, while the drawn glyphs are hidden from them (``aria-hidden``);
* the element around a formula stays (``<span class="math ...">``, a display's ``<div>`` with
  its equation number), so equation numbers and ``{math}`` references work as before;
* no page loads MathJax's script or its configuration.

CHTML rather than SVG (``static_math_output: svg`` in the Sphinx config switches): measured on
chapter 4, SVG made the page 2.6 times heavier (166 kB compressed against 63 kB, plus 5 kB of
style sheet and about 100 kB of fonts shared by every page) for a Lighthouse score within
the run-to-run spread (mobile, median of three runs under load 5-8: 60 against 54 for CHTML,
before the page's sections were laid out near the screen only; see _static/reader-site.css).

A formula MathJax cannot read is a build warning (an error with ``-W``) naming the page and the
TeX. Only the HTML builder is concerned: the PDF typesets the same TeX with LaTeX.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

from sphinx.errors import ExtensionError
from sphinx.util import logging

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
MATHJAX_FULL = ROOT / "_vendor" / "mathjax-full" / "js"
SCRIPT = Path(__file__).with_name("typeset_math.cjs")
STYLESHEET = "_static/maths.css"
FONTS = "mathjax/output/chtml/fonts/woff-v2"  # the browser copy's fonts, published in the site
SUBSET_FONTS = "_static/maths-fonts"  # ... cut to the characters the book's maths draws
CSS_CONTENT = re.compile(r'content: "((?:[^"\\]|\\.)*)"')
CSS_ESCAPE = re.compile(r"\\([0-9A-Fa-f]{1,6}) ?|\\(.)")
FONT_URL = re.compile(r'url\("([^"]+)/([\w-]+\.woff)"\)')
# An element that holds TeX (Sphinx writes class="math notranslate nohighlight"; myst-nb's
# text/latex outputs class="output text_latex math ...").
MATH_ELEMENT = re.compile(r'(<(span|div) class="(?:[^"]* )?math(?: [^"]*)?"[^>]*>)(.*?)(</\2>)',
                          re.DOTALL)
DELIMITED = re.compile(r"\\\((.*?)\\\)|\\\[(.*?)\\\]", re.DOTALL)
CHILD_ELEMENT = re.compile(r"<(\w+)\b[^>]*>.*?</\1>", re.DOTALL)


def _formulas_of(inner: str, display_element: bool) -> list[tuple[str, bool, int, int]]:
    """The TeX formulas in an element's inner HTML: (tex, display, start, end) of each.

    Delimited formulas (``\\(..\\)`` inline, ``\\[..\\]`` display) are typeset one by one. A
    display element without delimiters (amsmath environments, which Sphinx writes bare) is one
    display formula, its child elements (an equation number) aside.
    """
    found = [(html.unescape(m.group(1) if m.group(1) is not None else m.group(2)),
              m.group(2) is not None, m.start(), m.end()) for m in DELIMITED.finditer(inner)]
    if found or not display_element:
        return found
    children = [(m.start(), m.end()) for m in CHILD_ELEMENT.finditer(inner)]
    start = children[-1][1] if children and children[0][0] == 0 else 0
    tex = inner[start:]
    if not tex.strip() or "<" in tex:
        return []
    return [(html.unescape(tex.strip()), True, start, len(inner))]


def find_math(text: str) -> list[tuple[str, bool]]:
    """Every (tex, display) formula of an HTML page, in order."""
    return [(tex, display) for m in MATH_ELEMENT.finditer(text)
            for tex, display, _, _ in _formulas_of(m.group(3), m.group(2) == "div")]


def replace_math(text: str, typeset: dict[tuple[str, bool], str]) -> str:
    """The page ``text`` with each formula replaced by its typeset HTML from ``typeset``."""
    def element(match):
        opening, name, inner, closing = match.groups()
        parts, position = [], 0
        for tex, display, start, end in _formulas_of(inner, name == "div"):
            parts += [inner[position:start], typeset[(tex, display)]]
            position = end
        return opening + "".join(parts) + inner[position:] + closing

    return MATH_ELEMENT.sub(element, text)


def typeset(formulas: list[tuple[str, bool]], font_url: str,
            output: str = "chtml") -> tuple[list[str], list, str]:
    """Typeset ``formulas`` with MathJax in node: (HTML of each, [(index, error)], style sheet)."""
    node = shutil.which("node")
    if node is None:
        raise ExtensionError("static_math: node is needed to typeset the maths (bash "
                             "scripts/setup.sh installs it)")
    if not (MATHJAX_FULL / "mathjax.js").is_file():
        raise ExtensionError(f"static_math: {MATHJAX_FULL} is missing (bash scripts/setup.sh "
                             "vendors mathjax-full from the npm registry)")
    request = json.dumps({"formulas": formulas, "fontURL": font_url, "output": output})
    result = subprocess.run([node, str(SCRIPT), str(MATHJAX_FULL)], input=request,
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise ExtensionError(f"static_math: MathJax failed:\n{result.stderr[-2000:]}")
    answer = json.loads(result.stdout)
    return answer["html"], answer["errors"], answer["css"]


def drawn_characters(css: str) -> set[str]:
    """The characters a CHTML style sheet draws (its ``content: "..."`` strings)."""
    chars = set()
    for text in CSS_CONTENT.findall(css):
        chars |= set(CSS_ESCAPE.sub(lambda m: m.group(2) or chr(int(m.group(1), 16)), text))
    return chars


def subset_fonts(css: str, fonts: Path, target: Path) -> str:
    """Write every font that ``css`` names, from ``fonts``, to ``target`` with only the glyphs of
    the characters it draws (about a third of the bytes); return ``css`` naming the copies,
    relative to the style sheet in ``target``'s parent. Deterministic (no time stamp)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    unicodes = sorted(ord(c) for c in drawn_characters(css) | {" "})
    target.mkdir(parents=True, exist_ok=True)
    options = subset.Options()
    options.flavor = "woff"
    options.notdef_outline = True
    options.hinting = False  # screens draw these sizes well without it
    options.drop_tables += ["FFTM"]  # FontForge's time stamps
    for name in sorted(set(FONT_URL.findall(css))):
        font = TTFont(fonts / name[1], recalcTimestamp=False)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=unicodes)
        subsetter.subset(font)
        font.flavor = "woff"
        font.save(target / name[1])
    return FONT_URL.sub(lambda m: f'url("{target.name}/{m.group(2)}")', css)


def _typeset_site(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    pages = {}
    for path in sorted(outdir.rglob("*.html")):
        name = path.relative_to(outdir).as_posix()
        if name.startswith(("_static/", "mathjax/", "reveal.js/", "slides/")):
            continue
        text = path.read_text()
        if 'math' in text and find_math(text):
            pages[path] = text
    if not pages:
        return
    formulas = sorted({f for text in pages.values() for f in find_math(text)})
    rendered, errors, css = typeset(formulas, "../" + FONTS, app.config.static_math_output)
    for index, message in errors:
        where = [p.relative_to(outdir).as_posix() for p, t in pages.items()
                 if formulas[index] in find_math(t)]
        logger.warning(f"cannot typeset {formulas[index][0]!r} ({message}) on {where}")
    if not (outdir / FONTS).is_dir():
        logger.warning(f"static_math: the maths fonts are missing from the site ({FONTS})")
    elif app.config.static_math_output == "chtml":
        css = subset_fonts(css, outdir / FONTS, outdir / SUBSET_FONTS)
    (outdir / STYLESHEET).write_text(css)
    typeset_html = dict(zip(formulas, rendered, strict=True))
    for path, text in pages.items():
        prefix = "../" * (len(path.relative_to(outdir).parts) - 1)
        link = f'<link rel="stylesheet" type="text/css" href="{prefix}{STYLESHEET}" />\n'
        text = replace_math(text, typeset_html).replace("</head>", link + "</head>", 1)
        path.write_text(text)


def _is_mathjax(asset) -> bool:
    text = f"{getattr(asset, 'filename', asset)} {getattr(asset, 'attributes', {}).get('body', '')}"
    return "mathjax" in text.lower()


def _no_mathjax_script(app, pagename, templatename, context, doctree):
    if "script_files" in context:
        context["script_files"] = [a for a in context["script_files"] if not _is_mathjax(a)]


def setup(app):
    app.add_config_value("static_math_output", "chtml", "html")
    app.connect("html-page-context", _no_mathjax_script, priority=960)
    app.connect("build-finished", _typeset_site)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
